/*
 * budget: the session-start budget in full, with every recent start and
 * its reason (the pane shows what fits).
 */
#include <stdio.h>

#include "app/app.h"
#include "ui/cmd.h"
#include "ui/ui.h"

#define LIST_STARTS 20

static void
list_starts(struct ui *ui, struct vtime now)
{
	struct budget_start s[LIST_STARTS];
	int n = budget_recent(ui->bot->budget, now, s, LIST_STARTS);

	if (n == 0)
		ui_msg(ui, LOG_INFO, "budget: no session starts in the last 24 h");
	for (int i = 0; i < n; i++) {
		char when[16], ago[UI_DUR_MAX];

		ui_clock(s[i].wall_ms, when, sizeof(when));
		ui_dur(now.wall_ms - s[i].wall_ms, ago, sizeof(ago));
		ui_msg(ui, LOG_INFO, "budget:   %s (%s ago) %s", when, ago, s[i].reason);
	}
}

static enum cmd_retval
cmd_budget_exec(struct ui *ui, int argc, char **argv)
{
	struct vtime now = app_now(ui->app);
	const struct budget *b = ui->bot->budget;
	int64_t free_at = budget_next_free_wall(b, now);
	char when[UI_DUR_MAX];

	(void)argc;
	(void)argv;
	ui_msg(ui, LOG_INFO, "budget: %d of %d used in 24 h, %d left, reserve %d",
	    budget_used(b, now), budget_limit(b), budget_remaining(b, now), b->reserve);
	if (b->discord_known) {
		ui_dur(b->d_reset_wall_ms - now.wall_ms, when, sizeof(when));
		ui_msg(ui, LOG_INFO, "budget: Discord says %d of %d left, resets in %s, "
		    "max_concurrency %d", b->d_remaining, b->d_total, when, b->d_max_concurrency);
	} else {
		ui_msg(ui, LOG_INFO, "budget: Discord's session_start_limit not read yet");
	}
	if (free_at > 0) {
		ui_dur(free_at - now.wall_ms, when, sizeof(when));
		ui_msg(ui, LOG_INFO, "budget: the next slot frees in %s", when);
	}
	cmd_shard_queue(ui, "budget");
	list_starts(ui, now);
	return CMD_OK;
}

const struct cmd_entry cmd_budget_entry = {
	.name = "budget",
	.usage = "",
	.help = "show the 24 h session-start budget and every recent start",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_budget_exec,
};
