/*
 * The REST rate-limit queue: one row per route bucket (remaining/limit,
 * when it resets, what waits, how many 429s it took), and on the pane's rule
 * the global limit, the invalid-request count against 10,000 per 10 minutes,
 * and the ban indicator. Reset times are whole seconds, rounded up, so a
 * quiet queue does not redraw.
 */
#include <stdio.h>
#include <string.h>

#include "ui/ui.h"

void
view_queue_update(struct queue_model *m, const struct bot_snapshot *v, const struct rlq_row *rows,
    int nrows)
{
	const struct rlq_global *g = &v->rest;

	memset(m, 0, sizeof(*m));
	m->per_s = g->per_s;
	m->sent_last_s = g->sent_last_s;
	m->global_wait_s = ui_ceil_s(g->global_wait_ms);
	m->invalid = g->invalid_10min;
	m->invalid_limit = g->invalid_limit;
	m->banned = g->banned;
	m->ban_left_s = ui_ceil_s(g->ban_left_ms);
	m->unauthorized = g->unauthorized;
	m->pending = g->pending;
	m->inflight = g->inflight;
	m->nrows = nrows < UI_QUEUE_ROWS ? nrows : UI_QUEUE_ROWS;
	for (int i = 0; i < m->nrows; i++) {
		struct queue_row *r = &m->rows[i];

		snprintf(r->route, sizeof(r->route), "%s", rows[i].route);
		r->known = rows[i].known;
		r->limit = rows[i].limit;
		r->remaining = rows[i].remaining;
		r->reset_s = ui_ceil_s(rows[i].reset_in_ms);
		r->pending = rows[i].pending;
		r->inflight = rows[i].inflight;
		r->hits429 = rows[i].hits429;
	}
}

static void
ban_text(const struct queue_model *m, char *buf, size_t len)
{
	if (m->unauthorized)
		snprintf(buf, len, "401: REST stopped");
	else if (m->banned)
		snprintf(buf, len, "BANNED %ds", m->ban_left_s);
	else if (m->global_wait_s > 0)
		snprintf(buf, len, "global 429, %ds", m->global_wait_s);
	else
		snprintf(buf, len, "no ban");
}

/* The global state, after `sep`: "global 3/50 per s  invalid 0/10000  no
 * ban", or brief "no ban · 3/50/s · invalid 0/10000", the ban state last
 * to go and in the critical colour when it is one. */
static void
global_fields(struct fit_line *l, const struct queue_model *m, bool brief, const char *sep)
{
	enum ui_role ban_role = m->banned || m->unauthorized ? ROLE_CRIT : ROLE_DIM;
	char ban[48];

	ban_text(m, ban, sizeof(ban));
	fit_field(l, 0);
	if (brief) {
		fit_add(l, ban_role, "%s%s", sep, ban);
		fit_field(l, 2);
		fit_add(l, ROLE_DIM, " · %d/%d/s", m->sent_last_s, m->per_s);
		fit_field(l, 1);
		fit_add(l, ROLE_DIM, " · invalid %d/%d", m->invalid, m->invalid_limit);
		return;
	}
	fit_add(l, ROLE_DIM, "%sglobal %d/%d per s", sep, m->sent_last_s, m->per_s);
	fit_field(l, 0);
	fit_add(l, ROLE_DIM, "  invalid %d/%d", m->invalid, m->invalid_limit);
	fit_field(l, 0);
	fit_add(l, ban_role, "  %s", ban);
}

static void
draw_row(WINDOW *w, int y, const struct queue_row *r, int route_w)
{
	int cols = getmaxx(w), x = 1 + route_w + 1;
	char lim[24], reset[16];
	struct fit_line l;

	if (r->known)
		snprintf(lim, sizeof(lim), "%d/%d", r->remaining, r->limit);
	else
		snprintf(lim, sizeof(lim), "?");
	if (r->reset_s > 0)
		snprintf(reset, sizeof(reset), "%ds", r->reset_s);
	else
		snprintf(reset, sizeof(reset), "-");
	/* A long route is cut between its path segments. */
	fit_init(&l);
	fit_split(&l, ROLE_TEXT, r->route, " /");
	fit_draw(w, y, 1, route_w, &l, 1);
	ui_putf(w, y, x, cols - x, r->known && r->remaining == 0 ? ROLE_WARN : ROLE_TEXT, "%9s", lim);
	ui_putf(w, y, x + 10, cols - x - 10, r->reset_s > 0 ? ROLE_WARN : ROLE_DIM, "%7s", reset);
	ui_putf(w, y, x + 18, cols - x - 18, r->pending > 0 ? ROLE_TEXT : ROLE_DIM, "%4d+%d",
	    r->pending, r->inflight);
	ui_putf(w, y, x + 26, cols - x - 26, r->hits429 > 0 ? ROLE_WARN : ROLE_DIM, "%5llu",
	    (unsigned long long)r->hits429);
}

/* The one-line form: "rest 0 queued, 0 in flight  global 0/50 per s
 * invalid 0/10000  no ban"; short, the ban first: "rest 0+0 · no ban ·
 * 0/50/s · invalid 0/10000". */
static void
draw_compact(WINDOW *w, const struct queue_model *m)
{
	struct fit_line f[2];

	fit_init(&f[0]);
	fit_add(&f[0], ROLE_DIM, "rest %d queued, %d in flight", m->pending, m->inflight);
	global_fields(&f[0], m, false, "  ");
	fit_init(&f[1]);
	fit_add(&f[1], ROLE_DIM, "rest %d+%d", m->pending, m->inflight);
	global_fields(&f[1], m, true, " · ");
	fit_draw(w, 0, 0, getmaxx(w), f, 2);
}

#define RULE_TITLE "REST rate limits"

void
view_queue_draw(WINDOW *w, const struct queue_model *m, bool compact)
{
	int rows = getmaxy(w), cols = getmaxx(w);
	int route_w = cols - 2 - 32;
	struct fit_line g[2];

	werase(w);
	if (compact || rows < 3 || route_w < 12) {
		draw_compact(w, m);
		return;
	}
	fit_init(&g[0]);
	global_fields(&g[0], m, false, "");
	fit_init(&g[1]);
	global_fields(&g[1], m, true, "");
	ui_rule_fit(w, 0, RULE_TITLE, g, 2);
	ui_putf(w, 1, 1, cols - 1, ROLE_DIM, "%-*s %9s %7s %6s %5s", route_w, "route",
	    "rem/limit", "reset", "queued", "429s");
	if (m->nrows == 0 && rows > 2)
		ui_put(w, 2, 1, cols - 1, ROLE_DIM, "no REST requests yet");
	for (int i = 0; i < m->nrows && 2 + i < rows; i++)
		draw_row(w, 2 + i, &m->rows[i], route_w);
}
