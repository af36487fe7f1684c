/*
 * reconnect [-f [--local]] [SHARDS]: force a new session (IDENTIFY). It
 * costs one of the 24 h session starts per shard and wipes the shard's guilds
 * from the cache, so when the budget is low the console asks first; `-f` does
 * not ask. Connected shards keep their session until their turn in the
 * identify queue (a rolling restart: `reconnect all`). In a cluster,
 * `reconnect -f --local` identifies without the cluster's permit once, for
 * when the cluster store is down and the operator takes the budget on
 * themselves (docs/cluster.md "When Redis fails").
 */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "ui/cmd.h"
#include "ui/ui.h"

static enum cmd_retval
reconnect_now(struct ui *ui)
{
	const struct shard_set *t = &ui->confirm_shards;
	char err[128];
	int ok = 0;

	for (int i = 0; i < t->n; i++) {
		struct bot *b = app_shard(ui->app, t->ids[i]);

		if (bot_cmd_reconnect(b, app_now(ui->app), err, sizeof(err)) != 0) {
			if (t->n > 1)
				ui_msg(ui, LOG_WARN, "reconnect: shard %d: %s", b->cfg.shard_id, err);
			else
				ui_msg(ui, LOG_WARN, "reconnect: %s", err);
		} else {
			ok++;
		}
	}
	app_kick(ui->app);
	if (ok == 0)
		return CMD_ERROR;
	if (t->n > 1)
		ui_msg(ui, LOG_INFO, "reconnect: %d shards through the identify queue "
		    "(%d session starts, their guilds wiped)", ok, ok);
	else
		ui_msg(ui, LOG_INFO, "reconnect: starting a new session (one session start, cache wiped)");
	return CMD_OK;
}

static void
reconnect_yes(struct ui *ui)
{
	(void)reconnect_now(ui);
}

/* Low: at most a tenth of the limit left above the reserve, or fewer than
 * the shards asked for. */
static bool
budget_low(const struct bot *b, struct vtime now, int want, int *left)
{
	int limit = budget_limit(b->budget);

	*left = budget_remaining(b->budget, now);
	return *left <= b->budget->reserve + limit / 10 || *left - b->budget->reserve < want;
}

static enum cmd_retval
cmd_reconnect_exec(struct ui *ui, int argc, char **argv)
{
	bool force = argc > 1 && strcmp(argv[1], "-f") == 0;
	bool local = force && argc > 2 && strcmp(argv[2], "--local") == 0;
	const char *shards = argc > 1 + force + local ? argv[1 + force + local] : NULL;
	int n;
	char q[160];
	int left;

	if (argc > 2 + force + local) {
		cmd_usage_error(ui, &cmd_reconnect_entry, "unknown flag");
		return CMD_ERROR;
	}
	if (cmd_shard_targets(ui, "reconnect", shards, &ui->confirm_shards) < 0)
		return CMD_ERROR;
	n = ui->confirm_shards.n;
	if (local) {
		for (int i = 0; i < n; i++)
			bot_permit_override(app_shard(ui->app, ui->confirm_shards.ids[i]));
		ui_msg(ui, LOG_WARN, "reconnect: the next IDENTIFY goes without the cluster's "
		    "permit, on your responsibility");
	}
	if (!force && budget_low(ui->bot, app_now(ui->app), n, &left)) {
		if (n == 1)
			snprintf(q, sizeof(q), "only %d session starts left (reserve %d): start a new session?",
			    left, ui->bot->budget->reserve);
		else
			snprintf(q, sizeof(q), "only %d session starts left (reserve %d): start %d new sessions?",
			    left, ui->bot->budget->reserve, n);
		return cmd_confirm(ui, q, reconnect_yes);
	}
	return reconnect_now(ui);
}

const struct cmd_entry cmd_reconnect_entry = {
	.name = "reconnect",
	.usage = "[-f [--local]] [SHARDS]",
	.help = "force a new session (costs a session start, wipes the cache)",
	.details = "asks first when the 24 h budget is low; -f does not ask; "
	    "-f --local identifies once without the cluster's permit\n"
	    "SHARDS: 3, 0-7, 3,5 or all (a rolling restart); the shard shown by default",
	.min_args = 0,
	.max_args = 3,
	.complete = "-f --local",
	.exec = cmd_reconnect_exec,
};
