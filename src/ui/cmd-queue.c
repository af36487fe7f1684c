/*
 * queue: the REST rate-limit queue in full: the global state, then every
 * route bucket (the pane shows the busiest).
 */
#include <stdio.h>

#include "app/app.h"
#include "ui/cmd.h"
#include "ui/ui.h"

#define LIST_ROWS 32

static void
list_rows(struct ui *ui, struct vtime now)
{
	struct rlq_row rows[LIST_ROWS];
	int n = rlq_rows(ui->bot->rest, now, rows, LIST_ROWS);

	if (n == 0)
		ui_msg(ui, LOG_INFO, "queue: no route buckets yet");
	for (int i = 0; i < n; i++) {
		const struct rlq_row *r = &rows[i];

		ui_msg(ui, LOG_INFO, "queue:   %s%s%s  %d/%d left, reset %.1fs, %d queued, "
		    "%d in flight, %llu sent, %llu 429s", r->route, r->bucket[0] ? " bucket " : "",
		    r->bucket, r->remaining, r->limit, r->reset_in_ms / 1000.0, r->pending,
		    r->inflight, (unsigned long long)r->sent, (unsigned long long)r->hits429);
	}
}

static enum cmd_retval
cmd_queue_exec(struct ui *ui, int argc, char **argv)
{
	struct vtime now = app_now(ui->app);
	struct rlq_global g;

	(void)argc;
	(void)argv;
	rlq_global_view(ui->bot->rest, now, &g);
	ui_msg(ui, LOG_INFO, "queue: %d queued, %d in flight; global %d/%d per s%s", g.pending,
	    g.inflight, g.sent_last_s, g.per_s, g.global_wait_ms > 0 ? " (global 429 hold)" : "");
	ui_msg(ui, g.invalid_10min > g.invalid_limit / 2 ? LOG_WARN : LOG_INFO,
	    "queue: invalid requests %d of %d in 10 min%s%s", g.invalid_10min, g.invalid_limit,
	    g.banned ? "; BANNED" : "", g.unauthorized ? "; 401: REST stopped" : "");
	ui_msg(ui, LOG_INFO, "queue: sent %llu, ok %llu, failed %llu, 429s %llu, retries %llu",
	    (unsigned long long)g.sent, (unsigned long long)g.ok, (unsigned long long)g.failed,
	    (unsigned long long)g.hits429, (unsigned long long)g.retries);
	list_rows(ui, now);
	cmd_shard_queue(ui, "queue");
	return CMD_OK;
}

const struct cmd_entry cmd_queue_entry = {
	.name = "queue",
	.usage = "",
	.help = "show the REST rate-limit queue: every bucket, the global and invalid counts",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_queue_exec,
};
