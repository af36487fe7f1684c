/*
 * status: where the bot stands, in a few lines, or with --json as one JSON
 * object for scripts (`vigil ctl status --json`): state, phase, whether it
 * is ready and why not, session, budget, REST queue, uptime.
 */
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "ui/cmd.h"
#include "ui/ui.h"

static void
say_text(struct ui *ui)
{
	struct vtime now = app_now(ui->app);
	const struct bot *b = ui->bot;
	char why[BOT_REASON_MAX + 64] = "", in[UI_DUR_MAX];
	bool ready = app_ready(ui->app, why, sizeof(why));

	ui_dur(now.mono_ms - b->state_since, in, sizeof(in));
	ui_msg(ui, LOG_INFO, "status: %s for %s (%s), %s%s", bot_state_name(b->state), in,
	    bot_phase_name(b->phase), ready ? "ready" : "not ready: ", ready ? "" : why);
	ui_msg(ui, LOG_INFO, "status: %s, session %s, seq %lld, user %s",
	    app_endpoint_label(ui->app), b->session_id[0] != '\0' ? "kept" : "none",
	    (long long)b->seq, b->user[0] != '\0' ? b->user : "(no user yet)");
	ui_msg(ui, LOG_INFO, "status: session starts %d of %d left (reserve %d)",
	    budget_remaining(b->budget, now), budget_limit(b->budget), b->budget->reserve);
}

static enum cmd_retval
cmd_status_exec(struct ui *ui, int argc, char **argv)
{
	char *json;

	if (argc == 1) {
		say_text(ui);
		return CMD_OK;
	}
	if (strcmp(argv[1], "--json") != 0) {
		cmd_usage_error(ui, &cmd_status_entry, "unknown flag");
		return CMD_ERROR;
	}
	if ((json = app_status_json(ui->app)) == NULL) {
		ui_msg(ui, LOG_ERROR, "status: out of memory");
		return CMD_ERROR;
	}
	ui_say(ui, LOG_INFO, json);
	free(json);
	return CMD_OK;
}

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.usage = "[--json]",
	.help = "where the bot stands (state, readiness, session, budget); --json for scripts",
	.min_args = 0,
	.max_args = 1,
	.complete = "--json",
	.exec = cmd_status_exec,
};
