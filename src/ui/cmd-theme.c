/*
 * theme: switch the colour theme at run time. A name is looked up in
 * $XDG_CONFIG_HOME/vigil/themes, ./themes and the installed themes; a path
 * works too. A theme that cannot be loaded leaves the current one.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "ui/cmd.h"
#include "ui/ui.h"

static void
list(struct ui *ui)
{
	char names[64][64], line[LOG_TEXT_MAX];
	size_t n = theme_list(names, 64), off = 0;

	line[0] = '\0';
	for (size_t i = 0; i < n && off < sizeof(line); i++)
		off += (size_t)snprintf(line + off, sizeof(line) - off, "%s%s", i > 0 ? " " : "",
		    names[i]);
	ui_msg(ui, LOG_INFO, "theme: %s%s; available: %s", ui->theme.name,
	    ui->no_color ? " (colour off: NO_COLOR or --no-color)" : "", line);
}

static enum cmd_retval
cmd_theme_exec(struct ui *ui, int argc, char **argv)
{
	char err[PATH_MAX + 128];

	if (argc == 1) {
		list(ui);
		return CMD_OK;
	}
	if (ui_set_theme(ui, argv[1], err, sizeof(err)) != 0) {
		ui_msg(ui, LOG_WARN, "theme: %s; keeping %s", err, ui->theme.name);
		return CMD_ERROR;
	}
	ui_msg(ui, LOG_INFO, "theme: %s%s%s", ui->theme.name, ui->theme.path[0] ? " from " : "",
	    ui->theme.path);
	return CMD_OK;
}

const struct cmd_entry cmd_theme_entry = {
	.name = "theme",
	.usage = "[NAME | PATH]",
	.help = "list the themes, or switch to one",
	.min_args = 0,
	.max_args = 1,
	.complete = "%(themes)",
	.exec = cmd_theme_exec,
};
