/*
 * log: the log pane. `log level LVL` hides lines below LVL without deleting
 * them (and starts recording debug lines when asked for them); `log filter
 * TEXT` shows only lines containing TEXT, `log filter` alone shows all
 * again; `log clear` forgets the lines held so far.
 */
#include <stdio.h>
#include <string.h>

#include "ui/cmd.h"
#include "ui/ui.h"

static enum cmd_retval
set_level(struct ui *ui, int argc, char **argv)
{
	struct logring *r = ui->bot->log;
	enum log_level l;

	if (argc != 3 || log_level_parse(argv[2], &l) != 0) {
		cmd_usage_error(ui, cmd_find("log"), argc != 3 ? "which level?" :
		    "levels are debug, info, warn, error");
		return CMD_ERROR;
	}
	ui->log.min_level = l;
	if (l < r->capture)
		r->capture = l;
	view_log_bottom(&ui->log);
	ui_msg(ui, LOG_INFO, "log: showing %s and above", log_level_name(l));
	return CMD_OK;
}

static enum cmd_retval
set_filter(struct ui *ui, int argc, char **argv)
{
	char text[sizeof(ui->log.filter)];
	size_t off = 0;

	text[0] = '\0';
	for (int i = 2; i < argc && off < sizeof(text); i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off, "%s%s", i > 2 ? " " : "",
		    argv[i]);
	snprintf(ui->log.filter, sizeof(ui->log.filter), "%s", text);
	view_log_bottom(&ui->log);
	if (text[0] == '\0')
		ui_msg(ui, LOG_INFO, "log: filter off");
	else
		ui_msg(ui, LOG_INFO, "log: only lines containing \"%s\" (log filter: all again)", text);
	return CMD_OK;
}

static enum cmd_retval
cmd_log_exec(struct ui *ui, int argc, char **argv)
{
	if (strcmp(argv[1], "level") == 0)
		return set_level(ui, argc, argv);
	if (strcmp(argv[1], "filter") == 0)
		return set_filter(ui, argc, argv);
	if (strcmp(argv[1], "clear") == 0 && argc == 2) {
		logring_clear(ui->bot->log);
		view_log_bottom(&ui->log);
		ui->log.search[0] = '\0';
		ui_msg(ui, LOG_INFO, "log: cleared");
		return CMD_OK;
	}
	cmd_usage_error(ui, cmd_find("log"), NULL);
	return CMD_ERROR;
}

const struct cmd_entry cmd_log_entry = {
	.name = "log",
	.usage = "level debug|info|warn|error | filter [TEXT] | clear",
	.help = "filter the log pane by level or text, or clear it",
	.details = "filters hide lines, they never delete them; the console's own answers\n"
	    "always show. Keys: PgUp/PgDn scroll, Home/End (on an empty line) go to the\n"
	    "oldest/newest line, /TEXT searches back, / again finds the next match",
	.min_args = 1,
	.max_args = -1,
	.complete = "level %(log_levels) || filter || clear",
	.exec = cmd_log_exec,
};
