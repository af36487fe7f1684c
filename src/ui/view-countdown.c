/*
 * The countdown to the next reconnect attempt, tmux's clock way: the model
 * holds whole seconds, so the pane changes (and is redrawn) once a second
 * while a wait runs and never while connected. Shows the seconds left, a
 * bar of the wait elapsed, the attempt number, why it waits, and the
 * formula in force with the delay it gave.
 */
#include <stdio.h>
#include <string.h>

#include "ui/ui.h"

void
view_countdown_update(struct countdown_model *m, const struct bot_snapshot *v)
{
	memset(m, 0, sizeof(*m));
	m->wait = v->wait;
	m->phase = v->phase;
	m->state = v->state;
	m->attempt = v->attempt;
	if (v->wait != WAIT_NONE) {
		m->left_s = ui_ceil_s(v->wait_left_ms);
		m->total_s = ui_ceil_s(v->wait_total_ms);
		if (m->total_s > 0)
			m->fill = (m->total_s - m->left_s) * 1000 / m->total_s;
		m->delay_ms = (int)v->wait_total_ms;
	}
	snprintf(m->formula, sizeof(m->formula), "%s", v->formula.text);
	snprintf(m->preset, sizeof(m->preset), "%s", v->formula.preset);
	if (v->stopped)
		snprintf(m->stop_reason, sizeof(m->stop_reason), "%s", v->stop_reason);
}

static const char *
wait_label(enum bot_wait w)
{
	switch (w) {
	case WAIT_BACKOFF:
		return "delay formula";
	case WAIT_INVALID_SESSION:
		return "invalid session, random 1-5 s";
	case WAIT_BUDGET:
		return "no session start left: waiting for a free slot";
	case WAIT_SPACING:
		return "identify spacing, 5 s";
	case WAIT_CLUSTER:
		return "cluster store unreachable";
	default:
		return "";
	}
}

static const char *
goal(const struct countdown_model *m)
{
	return m->state == BOT_RESUMING ? "resume" : "new session";
}

static void
draw_bar(WINDOW *w, int y, int x, int width, int fill, bool utf8)
{
	int n = fill * width / 1000;

	for (int i = 0; i < width; i++) {
		bool on = i < n;

		if (utf8)
			ui_put(w, y, x + i, 1, on ? ROLE_BAR : ROLE_BAR_EMPTY, on ? "█" : "░");
		else
			ui_put(w, y, x + i, 1, on ? ROLE_BAR : ROLE_BAR_EMPTY, on ? "#" : "-");
	}
}

/* The first line: what happens next and when. */
static void
draw_headline(WINDOW *w, int y, const struct countdown_model *m)
{
	int cols = getmaxx(w), x = 1;

	if (m->stop_reason[0] != '\0') {
		ui_putf(w, y, x, cols - x, ROLE_CRIT, "stopped, not reconnecting: %s", m->stop_reason);
		return;
	}
	if (m->wait != WAIT_NONE) {
		x += ui_putf(w, y, x, cols - x, ROLE_TEXT, "attempt %d (%s) in ", m->attempt, goal(m));
		x += ui_putf(w, y, x, cols - x, ROLE_WARN, "%ds", m->left_s);
		ui_putf(w, y, x, cols - x, ROLE_DIM, " of %ds", m->total_s);
		return;
	}
	if (m->state == BOT_CONNECTED && m->phase == PHASE_CONNECTED) {
		ui_put(w, y, x, cols - x, ROLE_OK, "connected — no reconnect pending");
		return;
	}
	if (m->attempt > 0)
		ui_putf(w, y, x, cols - x, ROLE_TEXT, "attempt %d (%s): %s…", m->attempt, goal(m),
		    bot_phase_name(m->phase));
	else
		ui_putf(w, y, x, cols - x, ROLE_DIM, "%s", bot_phase_name(m->phase));
}

static void
draw_formula(WINDOW *w, int y, const struct countdown_model *m)
{
	int cols = getmaxx(w), x = 1, tail_w = 0;
	char tail[64] = "";

	/* The delay is what the operator reads; a long formula is what gets cut. */
	if (m->wait == WAIT_BACKOFF)
		snprintf(tail, sizeof tail, " gave %.1fs", m->delay_ms / 1000.0);
	else if (m->wait != WAIT_NONE)
		snprintf(tail, sizeof tail, " (waiting on: %s)", wait_label(m->wait));
	ui_clip(tail, cols, &tail_w);
	x += ui_put(w, y, x, cols - x, ROLE_DIM, "formula ");
	if (m->preset[0] != '\0')
		x += ui_putf(w, y, x, cols - x, ROLE_HOTKEY, "%s ", m->preset);
	x += ui_put(w, y, x, cols - x - tail_w, ROLE_TEXT, m->formula);
	ui_put(w, y, x, cols - x, ROLE_DIM, tail);
}

void
view_countdown_draw(WINDOW *w, const struct countdown_model *m, bool compact, bool utf8)
{
	int cols = getmaxx(w);

	werase(w);
	if (compact || getmaxy(w) < 4) {
		draw_headline(w, 0, m);
		return;
	}
	ui_rule(w, 0, "Next attempt", m->wait != WAIT_NONE ? wait_label(m->wait) : NULL);
	draw_headline(w, 1, m);
	if (m->wait != WAIT_NONE)
		draw_bar(w, 2, 1, cols - 2, m->fill, utf8);
	draw_formula(w, 3, m);
}
