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
wait_label(enum bot_wait w, bool brief)
{
	switch (w) {
	case WAIT_BACKOFF:
		return "delay formula";
	case WAIT_INVALID_SESSION:
		return brief ? "op 9, 1-5 s" : "invalid session, random 1-5 s";
	case WAIT_BUDGET:
		return brief ? "no start left" : "no session start left: waiting for a free slot";
	case WAIT_SPACING:
		return brief ? "spacing 5 s" : "identify spacing, 5 s";
	case WAIT_CLUSTER:
		return brief ? "cluster down" : "cluster store unreachable";
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

/* "attempt 3 (resume)" or, short, "#3 resume". */
static void
attempt_field(struct fit_line *l, const struct countdown_model *m, bool brief)
{
	if (brief)
		fit_add(l, ROLE_TEXT, "#%d %s", m->attempt, goal(m));
	else
		fit_add(l, ROLE_TEXT, "attempt %d (%s)", m->attempt, goal(m));
}

/* The first line, what happens next and when, in its two forms. */
static int
headline(const struct countdown_model *m, struct fit_line f[2])
{
	for (int i = 0; i < 2; i++) {
		fit_init(&f[i]);
		if (m->stop_reason[0] != '\0') {
			fit_add(&f[i], ROLE_CRIT, i == 0 ? "stopped, not reconnecting: " : "stopped: ");
			fit_split(&f[i], ROLE_CRIT, m->stop_reason, " ");
		} else if (m->wait != WAIT_NONE) {
			attempt_field(&f[i], m, i == 1);
			fit_field(&f[i], 0);
			fit_add(&f[i], ROLE_TEXT, " in ");
			fit_add(&f[i], ROLE_WARN, "%ds", m->left_s);
			fit_field(&f[i], 1);
			fit_add(&f[i], ROLE_DIM, " of %ds", m->total_s);
		} else if (m->state == BOT_CONNECTED && m->phase == PHASE_CONNECTED) {
			fit_add(&f[i], ROLE_OK, "connected");
			fit_field(&f[i], 1);
			fit_add(&f[i], ROLE_OK, " — no reconnect pending");
		} else if (m->attempt > 0) {
			attempt_field(&f[i], m, i == 1);
			fit_add(&f[i], ROLE_TEXT, ":");
			fit_field(&f[i], 0);
			fit_add(&f[i], ROLE_TEXT, " %s…", bot_phase_name(m->phase));
		} else {
			fit_add(&f[i], ROLE_DIM, "%s", bot_phase_name(m->phase));
		}
	}
	return 2;
}

/* What the formula gave, or what the wait is for instead. */
static void
formula_tail(struct fit_line *l, const struct countdown_model *m, bool brief)
{
	if (m->wait == WAIT_BACKOFF) {
		fit_field(l, 0);
		fit_add(l, ROLE_DIM, " gave %.1fs", m->delay_ms / 1000.0);
	} else if (m->wait != WAIT_NONE) {
		fit_field(l, 0);
		fit_add(l, ROLE_DIM, brief ? " (%s)" : " (waiting on: %s)", wait_label(m->wait, brief));
	}
}

/* "formula javacord round(...) gave 4.0s"; short, without the word
 * "formula" when a preset names it, and the expression left out whole
 * when it does not fit ("javacord gave 4.0s", "formula gave 13.0s"). */
static int
formula(const struct countdown_model *m, struct fit_line f[2])
{
	bool preset = m->preset[0] != '\0';

	for (int i = 0; i < 2; i++) {
		fit_init(&f[i]);
		if (i == 0 || !preset)
			fit_add(&f[i], ROLE_DIM, "formula");
		if (preset)
			fit_add(&f[i], ROLE_HOTKEY, i == 0 ? " %s" : "%s", m->preset);
		fit_field(&f[i], i);
		fit_add(&f[i], ROLE_TEXT, " %s", m->formula);
		formula_tail(&f[i], m, i == 1);
	}
	return 2;
}

#define RULE_TITLE "Next attempt"

int
view_countdown_need(const struct countdown_model *m)
{
	struct fit_line f[2];
	int need = ui_width(RULE_TITLE) + 4, n;

	n = headline(m, f);
	if (fit_need(f, n) + 1 > need)
		need = fit_need(f, n) + 1;
	n = formula(m, f);
	if (fit_need(f, n) + 1 > need)
		need = fit_need(f, n) + 1;
	return need;
}

/* Why it waits, long or short, or nothing: the headline says when. */
static void
draw_rule(WINDOW *w, const struct countdown_model *m)
{
	struct fit_line f[2];

	for (int i = 0; i < 2; i++) {
		fit_init(&f[i]);
		fit_field(&f[i], 1);
		fit_add(&f[i], ROLE_DIM, "%s", wait_label(m->wait, i == 1));
	}
	ui_rule_fit(w, 0, RULE_TITLE, f, 2);
}

static void
draw_line(WINDOW *w, int y, int x, const struct fit_line *f, int n)
{
	fit_draw(w, y, x, getmaxx(w) - x, f, n);
}

void
view_countdown_draw(WINDOW *w, const struct countdown_model *m, bool compact, bool utf8)
{
	int cols = getmaxx(w), n;
	struct fit_line f[2];

	werase(w);
	n = headline(m, f);
	if (compact || getmaxy(w) < 4) {
		draw_line(w, 0, 0, f, n);
		return;
	}
	draw_rule(w, m);
	draw_line(w, 1, 1, f, n);
	if (m->wait != WAIT_NONE)
		draw_bar(w, 2, 1, cols - 2, m->fill, utf8);
	n = formula(m, f);
	draw_line(w, 3, 1, f, n);
}
