/*
 * resume: force a resume now. The session is kept: a live connection is
 * closed with a resumable code and RESUMEd; a waiting attempt goes at once.
 * Costs no session start.
 */
#include "app/app.h"
#include "ui/cmd.h"
#include "ui/ui.h"

static enum cmd_retval
cmd_resume_exec(struct ui *ui, int argc, char **argv)
{
	char err[128];

	(void)argc;
	(void)argv;
	if (bot_cmd_resume(ui->bot, app_now(ui->app), err, sizeof(err)) != 0) {
		ui_msg(ui, LOG_WARN, "resume: %s", err);
		return CMD_ERROR;
	}
	app_kick(ui->app);
	ui_msg(ui, LOG_INFO, "resume: resuming the session now");
	return CMD_OK;
}

const struct cmd_entry cmd_resume_entry = {
	.name = "resume",
	.usage = "",
	.help = "force a resume now (keeps the session, costs no session start)",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_resume_exec,
};
