/*
 * shard: which shard the diagram, countdown and history show (`[` and `]`
 * on an empty line step through them), and the SHARDS argument of resume
 * and reconnect: 3, 0-7, 3,5 or all, this process's shards only.
 */
#include <stdio.h>
#include <stdlib.h>

#include "app/app.h"
#include "bot/shard-set.h"
#include "ui/cmd.h"
#include "ui/ui.h"

int
cmd_shard_targets(struct ui *ui, const char *name, const char *arg, struct shard_set *out)
{
	struct shard_set want;
	char err[160];
	int n = app_shards(ui->app);

	out->n = 0;
	if (arg == NULL) {
		out->ids[out->n++] = (uint16_t)ui->sel;
		return 0;
	}
	if (shard_set_parse(&want, arg, ui->bot->cfg.shard_count, err, sizeof(err)) < 0) {
		ui_msg(ui, LOG_WARN, "%s: %s", name, err);
		return -1;
	}
	/* Indices of this process's shards that are in the set. */
	for (int i = 0; i < n; i++) {
		if (shard_set_has(&want, app_shard(ui->app, i)->cfg.shard_id))
			out->ids[out->n++] = (uint16_t)i;
	}
	if (out->n == 0) {
		ui_msg(ui, LOG_WARN, "%s: none of shards %s runs in this process", name, arg);
		return -1;
	}
	return 0;
}

void
cmd_shard_queue(struct ui *ui, const char *name)
{
	struct fleet *f = app_fleet(ui->app);
	int mc = budget_max_concurrency(&f->budget), shown = 0;

	if (app_shards(ui->app) < 2)
		return;
	for (int key = 0; key < mc; key++) {
		int holder = identq_holder(&f->idq, key, mc), n = identq_count(&f->idq, key, mc);

		if (holder < 0 && n == 0)
			continue;
		shown++;
		if (holder >= 0)
			ui_msg(ui, LOG_INFO, "%s: identify key %d: shard %d identifying, %d waiting", name,
			    key, holder, n);
		else
			ui_msg(ui, LOG_INFO, "%s: identify key %d: %d waiting, next shard %d", name, key, n,
			    identq_first(&f->idq, key, mc));
	}
	if (shown == 0)
		ui_msg(ui, LOG_INFO, "%s: identify queue empty (%d key%s, max_concurrency %d)", name, mc,
		    mc > 1 ? "s" : "", mc);
}

static void
list(struct ui *ui)
{
	struct shard_set here;
	char ids[SHARD_SET_TEXT_MAX];

	here.n = 0;
	for (int i = 0; i < app_shards(ui->app) && here.n < FLEET_SHARDS_MAX; i++)
		here.ids[here.n++] = (uint16_t)app_shard(ui->app, i)->cfg.shard_id;
	shard_set_format(&here, ids, sizeof(ids));
	ui_msg(ui, LOG_INFO, "shard %d of %d shown; this process runs shards %s", ui->bot->cfg.shard_id,
	    ui->bot->cfg.shard_count, ids);
}

static enum cmd_retval
cmd_shard_exec(struct ui *ui, int argc, char **argv)
{
	char *end;
	long id;

	if (argc == 1) {
		list(ui);
		return CMD_OK;
	}
	id = strtol(argv[1], &end, 10);
	for (int i = 0; *end == '\0' && end != argv[1] && i < app_shards(ui->app); i++) {
		if (app_shard(ui->app, i)->cfg.shard_id == id) {
			ui_select(ui, i);
			ui_msg(ui, LOG_INFO, "shard %ld shown", id);
			return CMD_OK;
		}
	}
	cmd_usage_error(ui, &cmd_shard_entry, "no such shard in this process");
	return CMD_ERROR;
}

const struct cmd_entry cmd_shard_entry = {
	.name = "shard",
	.usage = "[N]",
	.help = "show shard N in the diagram, countdown and history ([ and ] step)",
	.details = "without N: the shard shown and this process's shards",
	.min_args = 0,
	.max_args = 1,
	.exec = cmd_shard_exec,
};
