/*
 * help: generated from the command table, never written by hand. `help`
 * lists every command and the keys; `help CMD` shows its usage and details.
 */
#include <stdio.h>
#include <string.h>

#include "ui/cmd.h"
#include "ui/ui.h"

static void
one(struct ui *ui, const struct cmd_entry *e)
{
	const char *p = e->details;

	ui_msg(ui, LOG_INFO, "help: %s %s%s%s", e->name, e->usage,
	    e->alias != NULL ? "  (also " : "", e->alias != NULL ? e->alias : "");
	ui_msg(ui, LOG_INFO, "help:   %s", e->help);
	while (p != NULL && *p != '\0') {
		size_t n = strcspn(p, "\n");

		ui_msg(ui, LOG_INFO, "help:   %.*s", (int)n, p);
		p += n + (p[n] == '\n');
	}
}

static enum cmd_retval
cmd_help_exec(struct ui *ui, int argc, char **argv)
{
	const struct cmd_entry *e;

	if (argc == 2) {
		if ((e = cmd_find(argv[1])) == NULL) {
			ui_msg(ui, LOG_WARN, "help: no command '%s'", argv[1]);
			return CMD_ERROR;
		}
		one(ui, e);
		return CMD_OK;
	}
	for (size_t i = 0; cmd_table[i] != NULL; i++) {
		e = cmd_table[i];
		ui_msg(ui, LOG_INFO, "help: %-9s %-28s %s", e->name, e->usage, e->help);
	}
	ui_msg(ui, LOG_INFO, "help: keys: Tab completes, Up/Down/Ctrl-R history, PgUp/PgDn "
	    "scroll the log, Home/End oldest/newest (empty line), /TEXT searches, Ctrl-L "
	    "redraws, q or Ctrl-D quits");
	return CMD_OK;
}

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.usage = "[COMMAND]",
	.help = "list the commands and keys, or explain one command",
	.min_args = 0,
	.max_args = 1,
	.complete = "%(commands)",
	.exec = cmd_help_exec,
};
