/*
 * The operator console: ncurses views of the bot and a readline command
 * line, running inside the app's loop (src/app/app.h) through its UI hooks.
 */
#ifndef VIGIL_UI_CONSOLE_H
#define VIGIL_UI_CONSOLE_H

#include <limits.h>
#include <stdbool.h>

#include "app/app.h"

struct console_options {
	char theme[PATH_MAX];          /* a name ("light") or a path; "" = default */
	bool no_color;                 /* --no-color, or NO_COLOR set and non-empty */
	bool bell;                     /* ring the bell on lost connection / fatal stop (default on) */
	bool title;                    /* set the terminal/tmux pane title (default on) */
	bool mouse;                    /* mouse wheel scrolling (default off: keeps tmux selection) */
};

void console_options_defaults(struct console_options *o);
/* Takes over the terminal, runs the app until quit, restores the terminal
 * (also on a crash signal). Returns the exit status. */
int console_run(struct app *a, const struct console_options *o);
/* Headless mode: the command table for the control socket, with no screen.
 * NULL when out of memory (vigil then runs without commands). */
struct ui *console_headless_new(struct app *a);
void console_headless_free(struct ui *ui);

#endif
