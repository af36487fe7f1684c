/*
 * Themes: the role table, the built-in default, theme files laid over it,
 * and the mapping onto whatever the terminal can show.
 *
 * A theme file is btop's shape with our role names: one `key="#rrggbb"` per
 * line, a comment above each key, "" for the terminal's default colour.
 * Unknown keys are counted (the console logs one line about them), never
 * fatal; keys a file leaves out keep the default. A theme that sets no
 * colour at all is monochrome: the role attributes alone carry it.
 *
 * On the terminal: a direct-colour terminfo takes the rgb as is; a terminal
 * that can redefine colours gets its palette slots from 16 up set to the
 * theme's colours (ncurses restores them at endwin); otherwise colours are
 * quantised to xterm-256 (the 6x6x6 cube or the grey ramp, whichever is
 * nearer) or to the 8 basic colours. One colour pair per role, with -1 for
 * the terminal's default so a tmux window-style shows through.
 */
#include <ctype.h>
#include <curses.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/paths.h"
#include "ui/theme.h"

#ifndef VIGIL_DATADIR
#define VIGIL_DATADIR "/usr/local/share/vigil"
#endif

#define THEME_FILE_MAX (64 * 1024)

struct role_def {
	const char *fg_key, *bg_key;
	int attr;                       /* always */
	int mono_attr;                  /* added when there is no colour */
	const char *fg, *bg;            /* the built-in default, "" = terminal default */
};

/* The role table: theme keys, attributes and the built-in default colours.
 * Indexed by role, so it reads as the list of everything a theme can set. */
static const struct role_def roles[ROLE_ROLES] = {
	[ROLE_TEXT] = { "text", "main_bg", 0, 0, "", "" },
	[ROLE_DIM] = { "dim", NULL, 0, A_DIM, "#8a8a8a", "" },
	[ROLE_RULE] = { "rule", NULL, 0, 0, "#5f87af", "" },
	[ROLE_TITLE] = { "title", NULL, A_BOLD, 0, "#ffffff", "" },
	[ROLE_HOTKEY] = { "hotkey", NULL, A_BOLD, A_UNDERLINE, "#ffd75f", "" },
	[ROLE_STATE_CONNECTED] = { "state_connected", NULL, A_BOLD, 0, "#5fd75f", "" },
	[ROLE_STATE_DISCONNECTED] = { "state_disconnected", NULL, A_BOLD, 0, "#ff5f5f", "" },
	[ROLE_STATE_RESUMING] = { "state_resuming", NULL, A_BOLD, 0, "#ffd75f", "" },
	[ROLE_STATE_RECONNECTING] = { "state_reconnecting", NULL, A_BOLD, 0, "#ff875f", "" },
	[ROLE_ARROW] = { "arrow", NULL, 0, A_DIM, "#6c6c6c", "" },
	[ROLE_ARROW_LAST] = { "arrow_last", NULL, A_BOLD, 0, "#87d7ff", "" },
	[ROLE_COUNT] = { "count", NULL, 0, 0, "#87afd7", "" },
	[ROLE_BAR] = { "bar", NULL, 0, 0, "#5fafff", "" },
	[ROLE_BAR_EMPTY] = { "bar_empty", NULL, 0, A_DIM, "#3a3a3a", "" },
	[ROLE_OK] = { "ok", NULL, 0, 0, "#5fd75f", "" },
	[ROLE_WARN] = { "warn", NULL, A_BOLD, 0, "#ffd75f", "" },
	[ROLE_CRIT] = { "crit", NULL, A_BOLD, A_REVERSE, "#ff5f5f", "" },
	[ROLE_LOG_DEBUG] = { "log_debug", NULL, 0, A_DIM, "#808080", "" },
	[ROLE_LOG_INFO] = { "log_info", NULL, 0, 0, "", "" },
	[ROLE_LOG_WARN] = { "log_warn", NULL, 0, A_BOLD, "#ffd75f", "" },
	[ROLE_LOG_ERROR] = { "log_error", NULL, A_BOLD, A_UNDERLINE, "#ff5f5f", "" },
	[ROLE_LOG_TIME] = { "log_time", NULL, 0, A_DIM, "#767676", "" },
	[ROLE_LOG_SOURCE] = { "log_source", NULL, 0, 0, "#87afd7", "" },
	[ROLE_LOG_MARK] = { "log_mark", NULL, 0, A_REVERSE, "#d787d7", "" },
	[ROLE_MATCH] = { "match_fg", "match_bg", 0, A_REVERSE, "#000000", "#ffd75f" },
	[ROLE_STATUS] = { "status_fg", "status_bg", 0, A_REVERSE, "#e4e4e4", "#303a4a" },
	[ROLE_STATUS_KEY] = { "status_key", NULL, A_BOLD, A_REVERSE, "#87d7ff", "" },
	[ROLE_PROMPT] = { "prompt", NULL, A_BOLD, 0, "#5fafff", "" },
	[ROLE_INPUT] = { "input", NULL, 0, 0, "", "" },
};

/* Backgrounds a role takes from another role when it has no key of its own. */
static enum ui_role
bg_source(enum ui_role r)
{
	if (r == ROLE_STATUS_KEY)
		return ROLE_STATUS;
	return roles[r].bg_key != NULL ? r : ROLE_TEXT;
}

const char *
theme_key(enum ui_role role, bool bg)
{
	if ((unsigned)role >= ROLE_ROLES)
		return NULL;
	return bg ? roles[role].bg_key : roles[role].fg_key;
}

static int
parse_hex(const char *s, struct theme_color *c)
{
	unsigned v = 0;

	if (*s == '\0') {
		c->set = false;
		return 0;
	}
	if (s[0] != '#' || strlen(s) != 7)
		return -1;
	for (int i = 1; i < 7; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return -1;
		v = v * 16 + (unsigned)(isdigit((unsigned char)s[i]) ? s[i] - '0' :
		    tolower((unsigned char)s[i]) - 'a' + 10);
	}
	c->set = true;
	c->r = (uint8_t)(v >> 16);
	c->g = (uint8_t)(v >> 8);
	c->b = (uint8_t)v;
	return 0;
}

/* Whether any role has a colour: a theme without one is monochrome. */
static bool
theme_has_color(const struct theme *t)
{
	for (int r = 0; r < ROLE_ROLES; r++)
		if (t->fg[r].set || t->bg[r].set)
			return true;
	return false;
}

void
theme_default(struct theme *t)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "default");
	for (int r = 0; r < ROLE_ROLES; r++) {
		(void)parse_hex(roles[r].fg, &t->fg[r]);
		(void)parse_hex(roles[r].bg, &t->bg[r]);
	}
}

void
theme_mono(struct theme *t)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "mono");
	t->mono = true;
}

/* Applies one `key="value"` to t: 1 when taken, 0 for an unknown key, -1
 * for a bad value. */
static int
theme_set(struct theme *t, const char *key, const char *value)
{
	for (int r = 0; r < ROLE_ROLES; r++) {
		struct theme_color *c = NULL;

		if (strcmp(key, roles[r].fg_key) == 0)
			c = &t->fg[r];
		else if (roles[r].bg_key != NULL && strcmp(key, roles[r].bg_key) == 0)
			c = &t->bg[r];
		if (c != NULL)
			return parse_hex(value, c) == 0 ? 1 : -1;
	}
	return 0;
}

/* Splits `key="value"` (btop's `theme[key]="value"` too) in place. */
static int
split_line(char *line, char **key, char **value)
{
	char *eq = strchr(line, '='), *end;

	if (eq == NULL)
		return -1;
	*eq = '\0';
	*key = line;
	end = eq;
	while (end > line && isspace((unsigned char)end[-1]))
		*--end = '\0';
	if (strncmp(*key, "theme[", 6) == 0 && end > line && end[-1] == ']') {
		end[-1] = '\0';
		*key += 6;
	}
	*value = eq + 1;
	while (isspace((unsigned char)**value))
		(*value)++;
	end = *value + strlen(*value);
	while (end > *value && isspace((unsigned char)end[-1]))
		*--end = '\0';
	if (end - *value < 2 || **value != '"' || end[-1] != '"')
		return -1;
	end[-1] = '\0';
	(*value)++;
	return 0;
}

int
theme_parse(struct theme *t, const char *text, char *err, size_t errlen)
{
	struct theme tmp = *t;
	const char *p = text;
	int lineno = 0;

	while (*p != '\0') {
		char line[512], *s, *key, *value;
		size_t n = strcspn(p, "\n");
		int rc;

		lineno++;
		if (n >= sizeof(line)) {
			snprintf(err, errlen, "line %d: too long", lineno);
			return -1;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p += n + (p[n] == '\n');
		for (s = line; isspace((unsigned char)*s); s++)
			;
		if (*s == '\0' || *s == '#')
			continue;
		if (split_line(s, &key, &value) != 0) {
			snprintf(err, errlen, "line %d: expected key=\"#rrggbb\"", lineno);
			return -1;
		}
		rc = theme_set(&tmp, key, value);
		if (rc < 0) {
			snprintf(err, errlen, "line %d: %s: bad colour \"%s\" (want #rrggbb or \"\")",
			    lineno, key, value);
			return -1;
		}
		if (rc == 0 && tmp.unknown_keys++ == 0)
			snprintf(tmp.first_unknown, sizeof(tmp.first_unknown), "%.*s",
			    (int)sizeof(tmp.first_unknown) - 1, key);
	}
	tmp.mono = !theme_has_color(&tmp);
	*t = tmp;
	return 0;
}

static int
read_file(const char *path, char *buf, size_t len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	if (ferror(f) || !feof(f)) {
		snprintf(err, errlen, "%s: %s", path, ferror(f) ? "read error" : "file too big");
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

/* The theme directories, in search order; returns how many. */
static int
theme_dirs(char dirs[3][PATH_MAX])
{
	int n = 0;

	if (paths_vigil(PATHS_CONFIG, "themes", dirs[n], PATH_MAX) == 0)
		n++;
	snprintf(dirs[n++], PATH_MAX, "themes");
	snprintf(dirs[n++], PATH_MAX, "%s/themes", VIGIL_DATADIR);
	return n;
}

static bool
is_path(const char *s)
{
	size_t n = strlen(s);

	return strchr(s, '/') != NULL || (n > 6 && strcmp(s + n - 6, ".theme") == 0);
}

/* The file a theme name refers to, or -1 when there is none. */
static int
theme_find(const char *name, char *path, size_t len)
{
	char dirs[3][PATH_MAX];
	int n = theme_dirs(dirs);
	FILE *f;

	if (is_path(name)) {
		snprintf(path, len, "%s", name);
		return 0;
	}
	for (int i = 0; i < n; i++) {
		if ((size_t)snprintf(path, len, "%s/%s.theme", dirs[i], name) >= len)
			continue;
		if ((f = fopen(path, "r")) != NULL) {
			fclose(f);
			return 0;
		}
	}
	return -1;
}

int
theme_load(struct theme *t, const char *name, char *err, size_t errlen)
{
	char path[PATH_MAX], perr[256], *text;
	struct theme tmp;
	int rc;

	if (name == NULL || *name == '\0')
		name = "default";
	if (theme_find(name, path, sizeof(path)) != 0) {
		if (strcmp(name, "default") == 0 || strcmp(name, "mono") == 0) {
			(name[0] == 'd' ? theme_default : theme_mono)(t);
			return 0;
		}
		snprintf(err, errlen, "theme '%s' not found (looked in $XDG_CONFIG_HOME/vigil/themes, "
		    "./themes, %s/themes)", name, VIGIL_DATADIR);
		return -1;
	}
	if ((text = malloc(THEME_FILE_MAX)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	theme_default(&tmp);
	rc = read_file(path, text, THEME_FILE_MAX, err, errlen);
	if (rc == 0 && (rc = theme_parse(&tmp, text, perr, sizeof(perr))) != 0)
		snprintf(err, errlen, "%s: %s", path, perr);
	free(text);
	if (rc != 0)
		return -1;
	snprintf(tmp.path, sizeof(tmp.path), "%s", path);
	if (is_path(name)) {
		const char *base = strrchr(name, '/') != NULL ? strrchr(name, '/') + 1 : name;

		snprintf(tmp.name, sizeof(tmp.name), "%.*s", (int)strcspn(base, "."), base);
	} else {
		snprintf(tmp.name, sizeof(tmp.name), "%s", name);
	}
	*t = tmp;
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static size_t
add_name(char names[][64], size_t n, size_t max, const char *name, size_t len)
{
	if (n >= max || len == 0 || len >= 64)
		return n;
	for (size_t i = 0; i < n; i++)
		if (strncmp(names[i], name, len) == 0 && names[i][len] == '\0')
			return n;
	memcpy(names[n], name, len);
	names[n][len] = '\0';
	return n + 1;
}

size_t
theme_list(char names[][64], size_t max)
{
	char dirs[3][PATH_MAX];
	int nd = theme_dirs(dirs);
	size_t n = 0;

	n = add_name(names, n, max, "default", 7);
	n = add_name(names, n, max, "mono", 4);
	for (int i = 0; i < nd; i++) {
		DIR *d = opendir(dirs[i]);
		struct dirent *e;

		if (d == NULL)
			continue;
		while ((e = readdir(d)) != NULL) {
			size_t len = strlen(e->d_name);

			if (len > 6 && strcmp(e->d_name + len - 6, ".theme") == 0)
				n = add_name(names, n, max, e->d_name, len - 6);
		}
		closedir(d);
	}
	qsort(names, n, sizeof(names[0]), name_cmp);
	return n;
}

static int
dist2(int r1, int g1, int b1, int r2, int g2, int b2)
{
	return (r1 - r2) * (r1 - r2) + (g1 - g2) * (g1 - g2) + (b1 - b2) * (b1 - b2);
}

static int
cube_index(int v)
{
	static const int levels[6] = { 0, 95, 135, 175, 215, 255 };
	int best = 0;

	for (int i = 1; i < 6; i++)
		if (abs(levels[i] - v) < abs(levels[best] - v))
			best = i;
	return best;
}

int
theme_rgb_to_256(uint8_t r, uint8_t g, uint8_t b)
{
	static const int levels[6] = { 0, 95, 135, 175, 215, 255 };
	int ri = cube_index(r), gi = cube_index(g), bi = cube_index(b);
	int avg = (r + g + b) / 3, gi_grey = (avg - 3) / 10;
	int grey;

	if (gi_grey < 0)
		gi_grey = 0;
	if (gi_grey > 23)
		gi_grey = 23;
	grey = 8 + 10 * gi_grey;
	if (dist2(r, g, b, grey, grey, grey) <
	    dist2(r, g, b, levels[ri], levels[gi], levels[bi]))
		return 232 + gi_grey;
	return 16 + 36 * ri + 6 * gi + bi;
}

int
theme_rgb_to_8(uint8_t r, uint8_t g, uint8_t b)
{
	int max = r > g ? (r > b ? r : b) : (g > b ? g : b);
	int cut = max / 2 > 60 ? max / 2 : 60;

	/* curses numbers the basic colours as bits: red 1, green 2, blue 4. */
	return (r > cut ? 1 : 0) | (g > cut ? 2 : 0) | (b > cut ? 4 : 0);
}

/* The applied theme: the attributes per role (the UI's screen state). */
static int role_attr[ROLE_ROLES];

int
theme_attr(enum ui_role role)
{
	return (unsigned)role < ROLE_ROLES ? role_attr[role] : 0;
}

/* A terminal colour number for c, -1 for the default. next_slot is the
 * palette slot for terminals that can redefine colours. */
static int
term_color(const struct theme_color *c, int *next_slot)
{
	if (!c->set)
		return -1;
	if (COLORS >= 0x1000000)
		return (c->r << 16) | (c->g << 8) | c->b;
	if (COLORS >= 256 && can_change_color() && *next_slot < COLORS) {
		init_color((short)*next_slot, (short)(c->r * 1000 / 255),
		    (short)(c->g * 1000 / 255), (short)(c->b * 1000 / 255));
		return (*next_slot)++;
	}
	if (COLORS >= 256)
		return theme_rgb_to_256(c->r, c->g, c->b);
	return theme_rgb_to_8(c->r, c->g, c->b);
}

void
theme_apply(const struct theme *t, bool no_color)
{
	bool mono = no_color || t->mono || !has_colors();
	int slot = 16;

	for (int r = 0; r < ROLE_ROLES; r++) {
		int fg, bg;

		role_attr[r] = roles[r].attr;
		if (mono) {
			role_attr[r] |= roles[r].mono_attr;
			continue;
		}
		fg = term_color(&t->fg[r], &slot);
		bg = term_color(&t->bg[bg_source(r)], &slot);
		if (init_extended_pair(r + 1, fg, bg) == ERR) {
			role_attr[r] |= roles[r].mono_attr;
			continue;
		}
		role_attr[r] |= (int)COLOR_PAIR(r + 1);
	}
}
