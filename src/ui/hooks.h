/*
 * What cmdline.c may call: the console's services, without the bot's
 * headers. Readline's globals and names (rl_*) stay in cmdline.c, and
 * cmdline.c sees the console only through this. Everything else in src/ui
 * includes ui.h, which includes this.
 */
#ifndef VIGIL_UI_HOOKS_H
#define VIGIL_UI_HOOKS_H

#include <curses.h>
#include <stdbool.h>

#include "bot/log.h"
#include "ui/theme.h"

struct ui;

/* Keys and wheel events for the log pane (bound in cmdline.c). */
enum ui_key { UK_PAGE_UP, UK_PAGE_DOWN, UK_TOP, UK_BOTTOM, UK_WHEEL_UP, UK_WHEEL_DOWN,
	UK_REDRAW, UK_SHARD_PREV, UK_SHARD_NEXT };
void ui_key(struct ui *ui, enum ui_key k);
/* Quit (Ctrl-D on an empty line, `quit`): closes the session, resumable. */
void ui_quit(struct ui *ui);
/* A message in the log pane (source "cmd"); WARN/ERROR for bad input. */
void ui_msg(struct ui *ui, enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The input line changed: redraw it in this turn's frame. */
void ui_input_changed(struct ui *ui);
/* The pending yes/no question, or NULL. */
const char *ui_confirm_question(const struct ui *ui);

/* Display width of a UTF-8 string (invalid bytes count 1, controls 0). */
int ui_width(const char *s);
/* Writes s at (y, x) in role, clipped to maxw columns (UTF-8 aware).
 * Returns the columns written. */
int ui_put(WINDOW *w, int y, int x, int maxw, enum ui_role role, const char *s);

#endif
