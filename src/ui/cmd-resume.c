/*
 * resume [SHARDS]: force a resume now. The session is kept: a live
 * connection is closed with a resumable code and RESUMEd; a waiting attempt
 * goes at once. Costs no session start. SHARDS: 3, 0-7, 3,5 or all; the
 * shard shown by default.
 */
#include "app/app.h"
#include "bot/shard-set.h"
#include "ui/cmd.h"
#include "ui/ui.h"

static enum cmd_retval
cmd_resume_exec(struct ui *ui, int argc, char **argv)
{
	struct shard_set t;
	char err[128];
	int ok = 0;

	if (cmd_shard_targets(ui, "resume", argc > 1 ? argv[1] : NULL, &t) < 0)
		return CMD_ERROR;
	for (int i = 0; i < t.n; i++) {
		struct bot *b = app_shard(ui->app, t.ids[i]);

		if (bot_cmd_resume(b, app_now(ui->app), err, sizeof(err)) != 0) {
			if (t.n > 1)
				ui_msg(ui, LOG_WARN, "resume: shard %d: %s", b->cfg.shard_id, err);
			else
				ui_msg(ui, LOG_WARN, "resume: %s", err);
			continue;
		}
		ok++;
	}
	app_kick(ui->app);
	if (ok == 0)
		return CMD_ERROR;
	if (t.n > 1)
		ui_msg(ui, LOG_INFO, "resume: %d of %d shards resuming now", ok, t.n);
	else
		ui_msg(ui, LOG_INFO, "resume: resuming the session now");
	return CMD_OK;
}

const struct cmd_entry cmd_resume_entry = {
	.name = "resume",
	.usage = "[SHARDS]",
	.help = "force a resume now (keeps the session, costs no session start)",
	.details = "SHARDS: 3, 0-7, 3,5 or all; the shard shown by default",
	.min_args = 0,
	.max_args = 1,
	.exec = cmd_resume_exec,
};
