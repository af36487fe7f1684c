/*
 * Headless mode's commands: no screen and no command line, but the same
 * command table behind the control socket (vigil ctl), on a console model
 * that is never drawn. `theme` refuses (there is nothing to colour).
 */
#include <stdlib.h>

#include "ui/cmd.h"
#include "ui/ui.h"

struct ui *
console_headless_new(struct app *a)
{
	struct console_options o;
	struct ui *ui = calloc(1, sizeof(*ui));

	if (ui == NULL)
		return NULL;
	console_options_defaults(&o);
	ui_init(ui, a, &o);
	app_set_commands(a, cmd_run_remote, ui);
	return ui;
}

void
console_headless_free(struct ui *ui)
{
	if (ui == NULL)
		return;
	app_set_commands(ui->app, NULL, NULL);
	free(ui);
}
