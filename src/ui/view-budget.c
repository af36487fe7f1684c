/*
 * The session-start budget: how many of the 24 h window's starts are used,
 * what is left (the stricter of vigil's count and Discord's
 * session_start_limit), the reserve, when the next slot frees, the recent
 * starts with their reasons, and what the current formula would spend in
 * 24 h of constant failure, in the warning colour when that could exhaust
 * what is left.
 */
#include <stdio.h>
#include <string.h>

#include "ui/ui.h"

void
view_budget_update(struct budget_model *m, const struct bot_snapshot *v)
{
	int n = v->nrecent < UI_RECENT ? v->nrecent : UI_RECENT;

	memset(m, 0, sizeof(*m));
	m->used = v->budget_used;
	m->limit = v->budget_limit;
	m->remaining = v->budget_remaining;
	m->reserve = v->budget_reserve;
	m->discord_known = v->discord_known;
	if (v->discord_known) {
		m->d_total = v->d_total;
		m->d_remaining = v->d_remaining;
		ui_dur(v->d_reset_in_ms, m->d_reset, sizeof(m->d_reset));
	}
	if (v->next_free_in_ms >= 0)
		ui_dur(v->next_free_in_ms, m->next_free, sizeof(m->next_free));
	m->projection = v->projection;
	m->exhausts = v->projection_exhausts;
	m->low = m->remaining <= m->reserve + m->limit / 10;
	m->nrecent = n;
	for (int i = 0; i < n; i++) {
		ui_clock(v->recent[i].wall_ms, m->recent_when[i], sizeof(m->recent_when[i]));
		snprintf(m->recent_why[i], sizeof(m->recent_why[i]), "%s", v->recent[i].reason);
	}
}

static enum ui_role
left_role(const struct budget_model *m)
{
	if (m->remaining <= m->reserve)
		return ROLE_CRIT;
	return m->low ? ROLE_WARN : ROLE_OK;
}

static void
draw_counts(WINDOW *w, int y, const struct budget_model *m)
{
	int cols = getmaxx(w), x = 1;

	x += ui_put(w, y, x, cols - x, ROLE_DIM, "used ");
	x += ui_putf(w, y, x, cols - x, ROLE_TEXT, "%d/%d", m->used, m->limit);
	x += ui_put(w, y, x, cols - x, ROLE_DIM, "  left ");
	x += ui_putf(w, y, x, cols - x, left_role(m), "%d", m->remaining);
	x += ui_put(w, y, x, cols - x, ROLE_DIM, "  reserve ");
	ui_putf(w, y, x, cols - x, ROLE_TEXT, "%d", m->reserve);
}

static void
draw_sources(WINDOW *w, int y, const struct budget_model *m)
{
	int cols = getmaxx(w), x = 1;

	x += ui_put(w, y, x, cols - x, ROLE_DIM, "Discord ");
	if (m->discord_known)
		x += ui_putf(w, y, x, cols - x, ROLE_TEXT, "%d/%d left, resets in %s  ",
		    m->d_remaining, m->d_total, m->d_reset);
	else
		x += ui_put(w, y, x, cols - x, ROLE_DIM, "not read yet  ");
	if (m->next_free[0] != '\0')
		ui_putf(w, y, x, cols - x, ROLE_TEXT, "next slot in %s", m->next_free);
	else
		ui_put(w, y, x, cols - x, ROLE_DIM, "no starts in the window");
}

static void
draw_projection(WINDOW *w, int y, const struct budget_model *m)
{
	int cols = getmaxx(w), x = 1;
	int usable = m->remaining - m->reserve;

	x += ui_put(w, y, x, cols - x, ROLE_DIM, "24 h worst case ");
	x += ui_putf(w, y, x, cols - x, m->exhausts ? ROLE_CRIT : ROLE_TEXT, "%d starts", m->projection);
	x += ui_putf(w, y, x, cols - x, ROLE_DIM, " vs %d usable ", usable < 0 ? 0 : usable);
	if (m->exhausts)
		ui_put(w, y, x, cols - x, ROLE_CRIT, "could exhaust");
	else
		ui_put(w, y, x, cols - x, ROLE_OK, "ok");
}

static void
draw_recent(WINDOW *w, int y, int rows, const struct budget_model *m)
{
	int cols = getmaxx(w);

	if (m->nrecent == 0) {
		ui_put(w, y, 1, cols - 1, ROLE_DIM, "no recent session starts");
		return;
	}
	for (int i = 0; i < m->nrecent && i < rows; i++) {
		int x = 1;

		x += ui_putf(w, y + i, x, cols - x, ROLE_LOG_TIME, "%s ", m->recent_when[i]);
		ui_put(w, y + i, x, cols - x, ROLE_TEXT, m->recent_why[i]);
	}
}

static void
draw_compact(WINDOW *w, const struct budget_model *m)
{
	int cols = getmaxx(w), x = 0;

	x += ui_put(w, 0, x, cols, ROLE_DIM, "budget ");
	x += ui_putf(w, 0, x, cols - x, ROLE_TEXT, "%d/%d", m->used, m->limit);
	x += ui_put(w, 0, x, cols - x, ROLE_DIM, " left ");
	x += ui_putf(w, 0, x, cols - x, left_role(m), "%d", m->remaining);
	x += ui_put(w, 0, x, cols - x, ROLE_DIM, " 24h ");
	ui_putf(w, 0, x, cols - x, m->exhausts ? ROLE_CRIT : ROLE_OK, "%d%s", m->projection,
	    m->exhausts ? " could exhaust" : " ok");
}

void
view_budget_draw(WINDOW *w, const struct budget_model *m, bool compact)
{
	int rows = getmaxy(w);

	werase(w);
	if (compact || rows < 4) {
		draw_compact(w, m);
		return;
	}
	ui_rule(w, 0, "Session starts (24 h)", NULL);
	draw_counts(w, 1, m);
	draw_sources(w, 2, m);
	draw_projection(w, 3, m);
	if (rows > 4)
		draw_recent(w, 4, rows - 4, m);
}
