/*
 * reconnect: force a new session (IDENTIFY). It costs one of the 24 h
 * session starts and wipes the cache, so when the budget is low the console
 * asks first; `reconnect -f` skips the question. In a cluster, `reconnect -f
 * --local` identifies without the cluster's permit once, for when the
 * cluster store is down and the operator takes the budget on themselves
 * (docs/cluster.md "When Redis fails").
 */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "ui/cmd.h"
#include "ui/ui.h"

static enum cmd_retval
reconnect_now(struct ui *ui)
{
	char err[128];

	if (bot_cmd_reconnect(ui->bot, app_now(ui->app), err, sizeof(err)) != 0) {
		ui_msg(ui, LOG_WARN, "reconnect: %s", err);
		return CMD_ERROR;
	}
	app_kick(ui->app);
	ui_msg(ui, LOG_INFO, "reconnect: starting a new session (one session start, cache wiped)");
	return CMD_OK;
}

static void
reconnect_yes(struct ui *ui)
{
	(void)reconnect_now(ui);
}

/* Low: at most a tenth of the limit left above the reserve. */
static bool
budget_low(const struct bot *b, struct vtime now, int *left)
{
	int limit = budget_limit(&b->budget);

	*left = budget_remaining(&b->budget, now);
	return *left <= b->budget.reserve + limit / 10;
}

static enum cmd_retval
cmd_reconnect_exec(struct ui *ui, int argc, char **argv)
{
	char q[160];
	int left;

	if ((argc >= 2 && strcmp(argv[1], "-f") != 0) ||
	    (argc == 3 && strcmp(argv[2], "--local") != 0)) {
		cmd_usage_error(ui, &cmd_reconnect_entry, "unknown flag");
		return CMD_ERROR;
	}
	if (argc == 3) {
		bot_permit_override(ui->bot);
		ui_msg(ui, LOG_WARN, "reconnect: the next IDENTIFY goes without the cluster's "
		    "permit, on your responsibility");
	}
	if (argc == 1 && budget_low(ui->bot, app_now(ui->app), &left)) {
		snprintf(q, sizeof(q), "only %d session starts left (reserve %d): start a new session?",
		    left, ui->bot->budget.reserve);
		return cmd_confirm(ui, q, reconnect_yes);
	}
	return reconnect_now(ui);
}

const struct cmd_entry cmd_reconnect_entry = {
	.name = "reconnect",
	.usage = "[-f [--local]]",
	.help = "force a new session (costs a session start, wipes the cache)",
	.details = "asks first when the 24 h budget is low; -f does not ask; "
	    "-f --local identifies once without the cluster's permit",
	.min_args = 0,
	.max_args = 2,
	.complete = "-f --local",
	.exec = cmd_reconnect_exec,
};
