/*
 * The terminal's owner: stderr redirection while curses is up, crash
 * handlers that restore the terminal, mouse reporting. Private to src/ui.
 */
#ifndef VIGIL_UI_TERMINAL_H
#define VIGIL_UI_TERMINAL_H

#include <curses.h>
#include <stdbool.h>

/* fd 2 to DIR/stderr.log until terminal_restore_stderr; 0 or -1. */
int terminal_redirect_stderr(const char *dir);
/* fd 2 back, and what was written meanwhile copied to it. */
void terminal_restore_stderr(void);
/* Crash handlers and atexit: endwin before dying. */
void terminal_guard(void);
void terminal_unguard(void);
/* endwin if curses is up (idempotent). */
void terminal_end(void);
void terminal_mouse(bool on);

#endif
