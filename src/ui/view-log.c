/*
 * The log pane: the bot's log ring drawn newest at the bottom, wrapped
 * between words to the pane's width, coloured by level.
 *
 * Entries are read by seq straight from the ring (weechat's lines, with the
 * ring as the buffer): nothing is copied, and filters only decide what is
 * drawn, so `log level error` then `log level debug` loses nothing. The
 * console's own messages (source "cmd") pass the level filter, weechat's
 * no_filter, so an answer is never hidden by the filter it changed.
 *
 * Scrolling anchors on an entry, not a row count: the bottom line is entry
 * `anchor` with `anchor_skip` of its wrapped rows hidden below, so lines
 * arriving while the operator reads older ones do not move the text.
 * anchor 0 follows the newest line.
 */
#include <stdio.h>
#include <string.h>

#include "ui/ui.h"

#define PREFIX_W 24                     /* "HH:MM:SS LEVEL source   " */
#define LOG_COLLECT 256                 /* entries gathered for one screen */

static const enum ui_role level_role[LOG_LEVEL_COUNT] = {
	ROLE_LOG_DEBUG, ROLE_LOG_INFO, ROLE_LOG_WARN, ROLE_LOG_ERROR,
};

bool
view_log_visible(const struct log_view *lv, const struct log_entry *e)
{
	if (e->level < lv->min_level && strcmp(e->source, "cmd") != 0)
		return false;
	if (lv->filter[0] != '\0' && strcasestr(e->text, lv->filter) == NULL &&
	    strcasestr(e->source, lv->filter) == NULL)
		return false;
	return true;
}

static int
text_width(int cols)
{
	return cols - PREFIX_W >= 20 ? cols - PREFIX_W : cols;
}

/* Rows an entry takes at this width. */
static int
entry_rows(const struct log_entry *e, int cols)
{
	int tw = text_width(cols), rows = 0;
	const char *s = e->text;

	if (*s == '\0')
		return 1 + (tw == cols);
	while (*s != '\0') {
		s += ui_wrap(s, tw);
		rows++;
	}
	return rows + (tw == cols);
}

/* The newest visible entry with seq <= from, or 0. */
static uint64_t
visible_before(const struct log_view *lv, const struct logring *r, uint64_t from)
{
	uint64_t first = logring_first_seq(r);

	for (uint64_t s = from; s >= first && s > 0; s--) {
		const struct log_entry *e = logring_get(r, s);

		if (e != NULL && view_log_visible(lv, e))
			return s;
	}
	return 0;
}

/* The oldest visible entry with seq >= from, or 0. */
static uint64_t
visible_after(const struct log_view *lv, const struct logring *r, uint64_t from)
{
	for (uint64_t s = from; s < r->next_seq; s++) {
		const struct log_entry *e = logring_get(r, s);

		if (e != NULL && view_log_visible(lv, e))
			return s;
	}
	return 0;
}

bool
view_log_changed(const struct log_view *lv, const struct logring *r, WINDOW *w)
{
	return r->next_seq != lv->drawn_next || logring_first_seq(r) != lv->drawn_first ||
	    r->dropped != lv->drawn_dropped || getmaxy(w) != lv->drawn_rows ||
	    getmaxx(w) != lv->drawn_cols;
}

/* Draws one row of text, highlighting matches of the search. */
static void
draw_chunk(WINDOW *w, int y, int x, const char *s, size_t n, enum ui_role role,
    const char *search)
{
	char buf[LOG_TEXT_MAX];
	size_t slen = strlen(search);

	memcpy(buf, s, n);
	buf[n] = '\0';
	for (char *p = buf; *p != '\0';) {
		char *m = slen > 0 ? strcasestr(p, search) : NULL;
		size_t plain = m != NULL ? (size_t)(m - p) : strlen(p);
		char save = p[plain];

		p[plain] = '\0';
		x += ui_put(w, y, x, getmaxx(w) - x, role, p);
		p[plain] = save;
		p += plain;
		if (m == NULL)
			break;
		save = p[slen];
		p[slen] = '\0';
		x += ui_put(w, y, x, getmaxx(w) - x, ROLE_MATCH, p);
		p[slen] = save;
		p += slen;
	}
}

/* Draws entry e from its row `from` on, at screen row y, for at most
 * `rows` rows. */
static void
draw_entry(WINDOW *w, int y, int from, int rows, const struct log_entry *e,
    const struct log_view *lv)
{
	int cols = getmaxx(w), tw = text_width(cols), row = 0, x0 = cols - tw;
	const char *s = e->text;
	enum ui_role role = level_role[e->level < LOG_LEVEL_COUNT ? e->level : LOG_ERROR];
	char when[16];

	if (row >= from && row - from < rows) {
		ui_clock(e->wall_ms, when, sizeof(when));
		ui_putf(w, y + row - from, 0, 9, ROLE_LOG_TIME, "%s", when);
		ui_putf(w, y + row - from, 9, 6, role, "%-5s", log_level_name(e->level));
		ui_putf(w, y + row - from, 15, 9, ROLE_LOG_SOURCE, "%.8s", e->source);
	}
	if (tw == cols)
		row++;
	do {
		size_t n = ui_wrap(s, tw);

		if (row >= from && row - from < rows)
			draw_chunk(w, y + row - from, x0, s, n, role, lv->search);
		s += n;
		row++;
	} while (*s != '\0');
}

struct collected {
	uint64_t seq;
	int rows;
};

/* Gathers visible entries upward from the bottom until `need` rows are
 * covered; returns how many, oldest last. */
static int
collect(const struct log_view *lv, const struct logring *r, int cols, int need,
    struct collected *out, bool *reached_top)
{
	uint64_t s = visible_before(lv, r, lv->anchor != 0 ? lv->anchor : r->next_seq - 1);
	int n = 0, total = 0;

	*reached_top = false;
	while (s != 0 && n < LOG_COLLECT && total < need) {
		out[n].seq = s;
		out[n].rows = entry_rows(logring_get(r, s), cols);
		total += out[n++].rows;
		s = s > 1 ? visible_before(lv, r, s - 1) : 0;
	}
	*reached_top = s == 0;
	return n;
}

/* The rule's right side: the level, a text filter, a search, lines the
 * ring dropped, SCROLLED. A narrow pane loses the level first, then the
 * dropped count and the filter; the search and SCROLLED stay longest. */
static int
rule_right(const struct log_view *lv, const struct logring *r, struct fit_line f[2])
{
	for (int i = 0; i < 2; i++) {
		fit_init(&f[i]);
		fit_field(&f[i], 3);
		fit_add(&f[i], ROLE_DIM, i == 0 ? "level >= %s" : ">=%s", log_level_name(lv->min_level));
		if (lv->filter[0] != '\0') {
			fit_field(&f[i], 1);
			fit_add(&f[i], ROLE_DIM, "  filter \"%s\"", lv->filter);
		}
		if (lv->search[0] != '\0') {
			fit_field(&f[i], 0);
			fit_add(&f[i], ROLE_DIM, "  /%s", lv->search);
			if (lv->search_missed)
				fit_add(&f[i], ROLE_WARN, " (no match)");
		}
		if (r->dropped > 0) {
			fit_field(&f[i], 2);
			fit_add(&f[i], ROLE_DIM, "  %llu dropped", (unsigned long long)r->dropped);
		}
		if (lv->anchor != 0) {
			fit_field(&f[i], 0);
			fit_add(&f[i], ROLE_WARN, i == 0 ? "  SCROLLED (End: live)" : "  SCROLLED");
		}
	}
	return 2;
}

static void
draw_rule(WINDOW *w, const struct log_view *lv, const struct logring *r)
{
	struct fit_line f[2];
	int n = rule_right(lv, r, f);

	ui_rule_fit(w, 0, "Log", f, n);
}

void
view_log_draw(WINDOW *w, struct log_view *lv, const struct logring *r)
{
	struct collected got[LOG_COLLECT];
	int height = getmaxy(w) - 1, cols = getmaxx(w), n, y, total = 0;
	bool top;

	werase(w);
	draw_rule(w, lv, r);
	n = collect(lv, r, cols, height + lv->anchor_skip, got, &top);
	for (int i = 0; i < n; i++)
		total += got[i].rows;
	y = 1 + height - (total - lv->anchor_skip);
	if (top && (r->dropped > 0 || r->cleared_before > 1) && y > 1) {
		ui_putf(w, y - 1, 0, cols, ROLE_LOG_MARK, " %llu older lines dropped, %s ",
		    (unsigned long long)r->dropped, r->cleared_before > 1 ? "log cleared" : "ring full");
	}
	for (int i = n - 1; i >= 0; i--) {
		int from = y < 1 ? 1 - y : 0;

		draw_entry(w, y + from, from, height + 1 - (y + from), logring_get(r, got[i].seq), lv);
		y += got[i].rows;
	}
	lv->drawn_next = r->next_seq;
	lv->drawn_first = logring_first_seq(r);
	lv->drawn_dropped = r->dropped;
	lv->drawn_rows = getmaxy(w);
	lv->drawn_cols = cols;
}

/* Rows from the top of the visible log down to (and including) the bottom
 * line of the current position. */
static int
rows_above(const struct log_view *lv, const struct logring *r, int cols, int limit)
{
	struct collected got[LOG_COLLECT];
	bool top;
	int n = collect(lv, r, cols, limit + lv->anchor_skip, got, &top), total = 0;

	for (int i = 0; i < n; i++)
		total += got[i].rows;
	return total - lv->anchor_skip;
}

void
view_log_top(struct log_view *lv, const struct logring *r)
{
	int height = lv->drawn_rows - 1, cols = lv->drawn_cols, acc = 0;
	uint64_t s = visible_after(lv, r, logring_first_seq(r));

	while (s != 0) {
		int rows = entry_rows(logring_get(r, s), cols);
		uint64_t next = visible_after(lv, r, s + 1);

		acc += rows;
		if (acc >= height || next == 0) {
			lv->anchor = next == 0 ? 0 : s;
			lv->anchor_skip = acc > height ? acc - height : 0;
			if (lv->anchor == 0)
				lv->anchor_skip = 0;
			return;
		}
		s = next;
	}
	lv->anchor = 0;
	lv->anchor_skip = 0;
}

void
view_log_bottom(struct log_view *lv)
{
	lv->anchor = 0;
	lv->anchor_skip = 0;
}

static void
scroll_back(struct log_view *lv, const struct logring *r, int rows, int cols)
{
	uint64_t s = visible_before(lv, r, lv->anchor != 0 ? lv->anchor : r->next_seq - 1);

	if (s == 0)
		return;
	lv->anchor = s;
	lv->anchor_skip += rows;
	for (;;) {
		int er = entry_rows(logring_get(r, lv->anchor), cols);
		uint64_t prev;

		if (lv->anchor_skip < er)
			break;
		prev = lv->anchor > 1 ? visible_before(lv, r, lv->anchor - 1) : 0;
		if (prev == 0) {
			lv->anchor_skip = er - 1;
			break;
		}
		lv->anchor_skip -= er;
		lv->anchor = prev;
	}
	if (rows_above(lv, r, cols, lv->drawn_rows) < lv->drawn_rows - 1)
		view_log_top(lv, r);
}

static void
scroll_forward(struct log_view *lv, const struct logring *r, int rows, int cols)
{
	if (lv->anchor == 0)
		return;
	lv->anchor_skip -= rows;
	while (lv->anchor_skip < 0) {
		uint64_t next = visible_after(lv, r, lv->anchor + 1);

		if (next == 0) {
			view_log_bottom(lv);
			return;
		}
		lv->anchor = next;
		lv->anchor_skip += entry_rows(logring_get(r, next), cols);
	}
}

void
view_log_scroll(struct log_view *lv, const struct logring *r, int rows, int width)
{
	if (width <= 0)
		return;
	if (rows > 0)
		scroll_back(lv, r, rows, width);
	else if (rows < 0)
		scroll_forward(lv, r, -rows, width);
}

bool
view_log_find(struct log_view *lv, const struct logring *r, bool from_bottom)
{
	uint64_t start = from_bottom || lv->anchor == 0 ? r->next_seq - 1 : lv->anchor - 1;

	if (lv->search[0] == '\0')
		return false;
	for (int pass = 0; pass < 2; pass++) {
		for (uint64_t s = visible_before(lv, r, start); s != 0;
		    s = s > 1 ? visible_before(lv, r, s - 1) : 0) {
			const struct log_entry *e = logring_get(r, s);

			if (strcasestr(e->text, lv->search) != NULL) {
				lv->anchor = s == r->next_seq - 1 ? 0 : s;
				lv->anchor_skip = 0;
				lv->search_missed = false;
				return true;
			}
		}
		start = r->next_seq - 1;
	}
	/* Said on the rule too: a scrolled log does not show the message. */
	lv->search_missed = true;
	return false;
}
