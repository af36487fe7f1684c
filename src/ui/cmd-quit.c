/*
 * quit (q): close the session with a resumable code, persist it, restore
 * the terminal and exit. Ctrl-D on an empty line does the same.
 */
#include "ui/cmd.h"
#include "ui/ui.h"

static enum cmd_retval
cmd_quit_exec(struct ui *ui, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	ui_quit(ui);
	return CMD_OK;
}

const struct cmd_entry cmd_quit_entry = {
	.name = "quit",
	.alias = "q",
	.usage = "",
	.help = "close the session (resumable) and exit; also q and Ctrl-D",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_quit_exec,
};
