/*
 * Colour roles and themes. Widgets name a role (ROLE_STATE_RESUMING), never a
 * colour; a theme maps each role to a foreground and background colour, and
 * the role table adds the attributes (bold, reverse) that keep the console
 * readable when there is no colour at all (NO_COLOR, mono, a dumb terminal).
 *
 * A theme file holds one `key="#rrggbb"` per line (an empty value means the
 * terminal's default colour), with `#` comments. The built-in default covers
 * every key; a file overrides some of them. Parsing and lookup do not touch
 * curses; theme_apply() turns a theme into colour pairs.
 */
#ifndef VIGIL_UI_THEME_H
#define VIGIL_UI_THEME_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ui_role {
	ROLE_TEXT,                 /* ordinary text */
	ROLE_DIM,                  /* secondary text: labels, units */
	ROLE_RULE,                 /* pane rules and separators */
	ROLE_TITLE,                /* pane titles */
	ROLE_HOTKEY,               /* keys named in hints */
	ROLE_STATE_CONNECTED,
	ROLE_STATE_DISCONNECTED,
	ROLE_STATE_RESUMING,
	ROLE_STATE_RECONNECTING,
	ROLE_ARROW,                /* diagram arrows */
	ROLE_ARROW_LAST,           /* the arrow of the last transition */
	ROLE_COUNT,                /* per-transition counts */
	ROLE_BAR,                  /* countdown bar, filled part */
	ROLE_BAR_EMPTY,            /* countdown bar, empty part */
	ROLE_OK,
	ROLE_WARN,
	ROLE_CRIT,
	ROLE_LOG_DEBUG,
	ROLE_LOG_INFO,
	ROLE_LOG_WARN,
	ROLE_LOG_ERROR,
	ROLE_LOG_TIME,
	ROLE_LOG_SOURCE,
	ROLE_LOG_MARK,             /* "N dropped", scrollback position */
	ROLE_MATCH,                /* search matches */
	ROLE_STATUS,               /* the status line */
	ROLE_STATUS_KEY,           /* the status line's labels */
	ROLE_PROMPT,
	ROLE_INPUT,
	ROLE_ROLES
};

/* A colour: rgb, or the terminal's default. */
struct theme_color {
	bool set;
	uint8_t r, g, b;
};

struct theme {
	char name[64];
	char path[PATH_MAX];            /* "" for a built-in theme */
	bool mono;                      /* no colours: attributes only */
	struct theme_color fg[ROLE_ROLES], bg[ROLE_ROLES];
	int unknown_keys;               /* keys the file had that no role takes */
	char first_unknown[32];
};

/* The built-in default theme (covers every role). */
void theme_default(struct theme *t);
/* The built-in monochrome theme (NO_COLOR, --no-color, no colours). */
void theme_mono(struct theme *t);

/* Overlays the text of a theme file on *t. Unknown keys are counted in
 * t->unknown_keys; a malformed line is an error. 0, or -1 with a message
 * naming the line. */
int theme_parse(struct theme *t, const char *text, char *err, size_t errlen);

/* Finds a theme by path or name: the path itself, then
 * $XDG_CONFIG_HOME/vigil/themes/NAME.theme, ./themes/NAME.theme,
 * VIGIL_DATADIR/themes/NAME.theme. "default" and "mono" fall back to the
 * built-ins. Fills *t (default + file) and returns 0, or -1 with a message
 * (t is then untouched). */
int theme_load(struct theme *t, const char *name_or_path, char *err, size_t errlen);

/* Theme names found on the search path (plus the built-ins), sorted,
 * deduplicated; returns how many were written. For completion. */
size_t theme_list(char names[][64], size_t max);

/* The theme key of a role's foreground/background ("state_resuming"), or
 * NULL when the role has no such key. */
const char *theme_key(enum ui_role role, bool bg);

/* The nearest xterm-256 colour (16-231 cube, 232-255 grey ramp). */
int theme_rgb_to_256(uint8_t r, uint8_t g, uint8_t b);
/* The nearest of the 8 basic colours. */
int theme_rgb_to_8(uint8_t r, uint8_t g, uint8_t b);

/* curses side (theme.c): makes one colour pair per role for *t and records
 * the attributes; mono when t->mono, when colours are off or missing. */
void theme_apply(const struct theme *t, bool no_color);
/* The attributes (pair | bold | ...) of a role under the applied theme. */
int theme_attr(enum ui_role role);

#endif
