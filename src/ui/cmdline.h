/*
 * The command line: GNU readline in callback mode as a line-editing engine
 * only. Readline never touches the terminal; it is fed bytes from the loop,
 * and the console draws rl_line_buffer itself. All of readline's globals
 * stay inside cmdline.c.
 */
#ifndef VIGIL_UI_CMDLINE_H
#define VIGIL_UI_CMDLINE_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

struct ui;

/* Sets readline up (name "vigil" for ~/.inputrc, history from
 * history_path, stifled) and installs the line handler. 0, or -1 with a
 * message. */
int cmdline_init(struct ui *ui, const char *history_path, bool mouse, char *err, size_t errlen);
/* Bytes from stdin: mouse reports are taken out, the rest goes to
 * readline, which may run commands. */
void cmdline_feed(const char *bytes, size_t n);
/* Draws the prompt and line into w (one row) and leaves the cursor there. */
void cmdline_draw(WINDOW *w);
void cmdline_resize(int rows, int cols);
/* Writes the history and removes the handler. */
void cmdline_free(void);

#endif
