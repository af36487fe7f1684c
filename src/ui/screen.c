/*
 * Drawing helpers shared by the views: UTF-8 aware clipped text, pane
 * rules, durations and clock times as the console shows them. Every width
 * here is in terminal columns, never bytes: a log line with "日本" or a
 * user name with an emoji must not push the layout sideways.
 */
#include <langinfo.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "ui/ui.h"

bool
ui_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);

	return cs != NULL && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

/* The next character of s: its byte length and width. Invalid bytes are
 * one byte wide one column ('?'); controls are shown as '?' too. */
static size_t
next_char(const char *s, size_t left, int *width, bool *bad)
{
	mbstate_t st;
	wchar_t wc;
	size_t n;
	int cw;

	memset(&st, 0, sizeof(st));
	n = mbrtowc(&wc, s, left, &st);
	*bad = false;
	if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
		*width = 1;
		*bad = true;
		return 1;
	}
	cw = wcwidth(wc);
	if (cw < 0) {
		*width = 1;
		*bad = true;
		return n;
	}
	*width = cw;
	return n;
}

int
ui_width(const char *s)
{
	size_t left = strlen(s);
	int total = 0;

	while (left > 0) {
		int cw;
		bool bad;
		size_t n = next_char(s, left, &cw, &bad);

		total += cw;
		s += n;
		left -= n;
	}
	return total;
}

size_t
ui_clip(const char *s, int maxw, int *cols)
{
	size_t left = strlen(s), off = 0;
	int used = 0;

	while (off < left) {
		int cw;
		bool bad;
		size_t n = next_char(s + off, left - off, &cw, &bad);

		if (used + cw > maxw && off > 0)
			break;
		used += cw;
		off += n;
		if (used >= maxw)
			break;
	}
	*cols = used;
	return off;
}

size_t
ui_wrap(const char *s, int maxw)
{
	int cols;
	size_t n = ui_clip(s, maxw, &cols), brk = n;

	if (s[n] == '\0')
		return n;
	/* The space the row ends at goes with it, unseen past the edge. */
	if (s[n] == ' ')
		return n + 1;
	while (brk > 0 && s[brk - 1] != ' ')
		brk--;
	/* A word longer than the row (a URL) is cut: there is no better place. */
	return brk > 0 ? brk : n;
}

int
ui_put(WINDOW *w, int y, int x, int maxw, enum ui_role role, const char *s)
{
	size_t left = strlen(s);
	int used = 0;

	if (maxw <= 0 || wmove(w, y, x) == ERR)
		return 0;
	wattrset(w, theme_attr(role));
	while (left > 0) {
		int cw;
		bool bad;
		size_t n = next_char(s, left, &cw, &bad);

		if (used + cw > maxw)
			break;
		if (bad)
			waddch(w, '?');
		else
			waddnstr(w, s, (int)n);
		used += cw;
		s += n;
		left -= n;
	}
	wattrset(w, theme_attr(ROLE_TEXT));
	return used;
}

int
ui_putf(WINDOW *w, int y, int x, int maxw, enum ui_role role, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return ui_put(w, y, x, maxw, role, buf);
}

void
ui_rule_fit(WINDOW *w, int y, const char *title, const struct fit_line *right, int nright)
{
	int cols = getmaxx(w), x = 1, rw;

	wattrset(w, theme_attr(ROLE_RULE));
	mvwhline(w, y, 0, ACS_HLINE, cols);
	if (title != NULL && *title != '\0' && cols > 6) {
		x += ui_put(w, y, x, 1, ROLE_RULE, " ");
		x += ui_put(w, y, x, cols - 4, ROLE_TITLE, title);
		x += ui_put(w, y, x, 1, ROLE_RULE, " ");
	}
	/* A rule cell after the title, a space each side of the right part
	 * and a rule cell at the end. */
	rw = fit_drawn(right, nright, cols - x - 5);
	if (rw > 0) {
		ui_put(w, y, cols - rw - 3, 1, ROLE_RULE, " ");
		fit_draw(w, y, cols - rw - 2, rw, right, nright);
		ui_put(w, y, cols - 2, 1, ROLE_RULE, " ");
	}
	wattrset(w, theme_attr(ROLE_TEXT));
}

void
ui_rule(WINDOW *w, int y, const char *title, const char *right)
{
	struct fit_line l;

	fit_init(&l);
	if (right != NULL && *right != '\0') {
		fit_field(&l, 1);
		fit_add(&l, ROLE_DIM, "%s", right);
	}
	ui_rule_fit(w, y, title, &l, 1);
}

void
ui_dur(int64_t ms, char *buf, size_t len)
{
	int64_t s = ms < 0 ? 0 : ms / 1000;

	if (s < 60)
		snprintf(buf, len, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
	else if (s < 86400)
		snprintf(buf, len, "%lldh%02lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
	else
		snprintf(buf, len, "%lldd%02lldh", (long long)(s / 86400),
		    (long long)(s % 86400 / 3600));
}

int
ui_ceil_s(int64_t ms)
{
	return ms <= 0 ? 0 : (int)((ms + 999) / 1000);
}

int64_t
ui_dur_next(int64_t ms)
{
	int64_t unit;

	if (ms < 0)
		return -ms;
	if (ms < 3600 * 1000LL)
		unit = 1000;
	else if (ms < 86400 * 1000LL)
		unit = 60 * 1000;
	else
		unit = 3600 * 1000LL;
	return unit - ms % unit;
}

void
ui_clock(int64_t wall_ms, char *buf, size_t len)
{
	time_t t = (time_t)(wall_ms / 1000);
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL || strftime(buf, len, "%H:%M:%S", &tm) == 0)
		snprintf(buf, len, "--:--:--");
}

enum ui_role
ui_state_role(enum bot_state s)
{
	switch (s) {
	case BOT_CONNECTED:
		return ROLE_STATE_CONNECTED;
	case BOT_RESUMING:
		return ROLE_STATE_RESUMING;
	case BOT_RECONNECTING:
		return ROLE_STATE_RECONNECTING;
	default:
		return ROLE_STATE_DISCONNECTED;
	}
}
