/*
 * cluster: the cluster as its store sees it (docs/cluster.md): the store,
 * the shared budget, and each shard's owner and state, marking the shards
 * owned elsewhere and the owners whose lease lapsed. The answer comes from
 * Redis, asynchronously, into the log pane.
 */
#include <stdio.h>

#include "app/app.h"
#include "ui/cmd.h"
#include "ui/ui.h"

static void
on_report(void *ud, const char *const *lines, int n, const char *err)
{
	struct ui *ui = ud;

	for (int i = 0; i < n; i++)
		ui_msg(ui, LOG_INFO, "cluster: %s", lines[i]);
	if (err != NULL)
		ui_msg(ui, LOG_WARN, "cluster: %s", err);
}

static enum cmd_retval
cmd_cluster_exec(struct ui *ui, int argc, char **argv)
{
	char err[160];

	(void)argc;
	(void)argv;
	if (app_cluster_report(ui->app, on_report, ui, err, sizeof(err)) < 0) {
		ui_msg(ui, LOG_WARN, "cluster: %s", err);
		return CMD_ERROR;
	}
	return CMD_OK;
}

const struct cmd_entry cmd_cluster_entry = {
	.name = "cluster",
	.usage = "",
	.help = "the cluster from its store: budget, shards, owners",
	.details = "shards owned elsewhere and owners whose lease lapsed are marked;\n"
	    "`reconnect -f --local` identifies without the cluster's permit",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_cluster_exec,
};
