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

/* "used 1/1000  left 999  reserve 10"; short "1/1000 used · 999 left ·
 * 10 kept", the reserve left out first. */
static int
counts(const struct budget_model *m, struct fit_line f[3])
{
	fit_init(&f[0]);
	fit_add(&f[0], ROLE_DIM, "used ");
	fit_add(&f[0], ROLE_TEXT, "%d/%d", m->used, m->limit);
	fit_field(&f[0], 0);
	fit_add(&f[0], ROLE_DIM, "  left ");
	fit_add(&f[0], left_role(m), "%d", m->remaining);
	fit_field(&f[0], 0);
	fit_add(&f[0], ROLE_DIM, "  reserve ");
	fit_add(&f[0], ROLE_TEXT, "%d", m->reserve);
	fit_init(&f[1]);
	fit_add(&f[1], ROLE_TEXT, "%d/%d", m->used, m->limit);
	fit_add(&f[1], ROLE_DIM, " used");
	fit_field(&f[1], 0);
	fit_add(&f[1], ROLE_DIM, " · ");
	fit_add(&f[1], left_role(m), "%d", m->remaining);
	fit_add(&f[1], ROLE_DIM, " left");
	fit_field(&f[1], 1);
	fit_add(&f[1], ROLE_DIM, " · ");
	fit_add(&f[1], ROLE_TEXT, "%d", m->reserve);
	fit_add(&f[1], ROLE_DIM, " kept");
	return 2;
}

/* Discord's count and vigil's next free slot; short, the slot first (the
 * counts line already shows the stricter "left"), then Discord's count,
 * then its reset. */
static int
sources(const struct budget_model *m, struct fit_line f[3])
{
	fit_init(&f[0]);
	fit_add(&f[0], ROLE_DIM, "Discord ");
	if (m->discord_known)
		fit_add(&f[0], ROLE_TEXT, "%d/%d left, resets in %s", m->d_remaining, m->d_total,
		    m->d_reset);
	else
		fit_add(&f[0], ROLE_DIM, "not read yet");
	fit_field(&f[0], 0);
	if (m->next_free[0] != '\0')
		fit_add(&f[0], ROLE_TEXT, "  next slot in %s", m->next_free);
	else
		fit_add(&f[0], ROLE_DIM, "  no starts in the window");
	fit_init(&f[1]);
	if (m->next_free[0] != '\0')
		fit_add(&f[1], ROLE_TEXT, "next slot %s", m->next_free);
	else
		fit_add(&f[1], ROLE_DIM, "no starts in 24 h");
	fit_field(&f[1], 2);
	if (m->discord_known) {
		fit_add(&f[1], ROLE_DIM, " · Discord ");
		fit_add(&f[1], ROLE_TEXT, "%d/%d", m->d_remaining, m->d_total);
		fit_field(&f[1], 1);
		fit_add(&f[1], ROLE_DIM, " resets %s", m->d_reset);
	} else {
		fit_add(&f[1], ROLE_DIM, " · Discord not read");
	}
	return 2;
}

static void
verdict(struct fit_line *l, const struct budget_model *m, bool brief)
{
	fit_field(l, 0);
	if (m->exhausts)
		fit_add(l, ROLE_CRIT, brief ? " too many" : " could exhaust");
	else
		fit_add(l, ROLE_OK, " ok");
}

/* "24 h worst case 567 starts vs 989 usable ok"; shorter "worst 24 h 567
 * of 989 ok", shortest "24 h 2880 of 989 too many". */
static int
projection(const struct budget_model *m, struct fit_line f[3])
{
	static const char *const label[] = { "24 h worst case ", "worst 24 h ", "24 h " };
	int usable = m->remaining - m->reserve;
	enum ui_role role = m->exhausts ? ROLE_CRIT : ROLE_TEXT;

	if (usable < 0)
		usable = 0;
	for (int i = 0; i < 3; i++) {
		fit_init(&f[i]);
		fit_add(&f[i], ROLE_DIM, "%s", label[i]);
		fit_add(&f[i], role, i == 0 ? "%d starts" : "%d", m->projection);
		fit_field(&f[i], 0);
		fit_add(&f[i], ROLE_DIM, i == 0 ? " vs %d usable" : " of %d", usable);
		verdict(&f[i], m, i == 2);
	}
	return 3;
}

static void
draw_recent(WINDOW *w, int y, int rows, const struct budget_model *m)
{
	int cols = getmaxx(w);
	struct fit_line l;

	if (m->nrecent == 0) {
		ui_put(w, y, 1, cols - 1, ROLE_DIM, "no recent session starts");
		return;
	}
	for (int i = 0; i < m->nrecent && i < rows; i++) {
		fit_init(&l);
		fit_add(&l, ROLE_LOG_TIME, "%s ", m->recent_when[i]);
		fit_split(&l, ROLE_TEXT, m->recent_why[i], " ");
		fit_draw(w, y + i, 1, cols - 1, &l, 1);
	}
}

/* The one-line form: "budget 1/1000 left 999 24h 567 ok". */
static void
draw_compact(WINDOW *w, const struct budget_model *m)
{
	struct fit_line l;

	fit_init(&l);
	fit_add(&l, ROLE_DIM, "budget ");
	fit_add(&l, ROLE_TEXT, "%d/%d", m->used, m->limit);
	fit_field(&l, 0);
	fit_add(&l, ROLE_DIM, " left ");
	fit_add(&l, left_role(m), "%d", m->remaining);
	fit_field(&l, 0);
	fit_add(&l, ROLE_DIM, " 24h ");
	fit_add(&l, m->exhausts ? ROLE_CRIT : ROLE_OK, "%d", m->projection);
	verdict(&l, m, false);
	fit_draw(w, 0, 0, getmaxx(w), &l, 1);
}

#define RULE_TITLE "Session starts (24 h)"

typedef int (*budget_line)(const struct budget_model *m, struct fit_line f[3]);
static const budget_line lines[] = { counts, sources, projection };
#define NLINES ((int)(sizeof(lines) / sizeof(lines[0])))

int
view_budget_need(const struct budget_model *m)
{
	struct fit_line f[3];
	int need = ui_width(RULE_TITLE) + 4;

	for (int i = 0; i < NLINES; i++) {
		int n = lines[i](m, f);

		if (fit_need(f, n) + 1 > need)
			need = fit_need(f, n) + 1;
	}
	return need;
}

void
view_budget_draw(WINDOW *w, const struct budget_model *m, bool compact)
{
	int rows = getmaxy(w);
	struct fit_line f[3];

	werase(w);
	if (compact || rows < 4) {
		draw_compact(w, m);
		return;
	}
	ui_rule(w, 0, RULE_TITLE, NULL);
	for (int i = 0; i < NLINES; i++) {
		int n = lines[i](m, f);

		fit_draw(w, 1 + i, 1, getmaxx(w) - 1, f, n);
	}
	if (rows > 4)
		draw_recent(w, 4, rows - 4, m);
}
