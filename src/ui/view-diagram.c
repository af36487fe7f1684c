/*
 * The state diagram: the seed's four states as pills in a diamond, the six
 * transitions a bot actually takes drawn as arrows with their counts, the
 * current state highlighted, the arrow of the last transition brightened.
 *
 *                  [ Disconnected ]
 *        ┌───────────┘     ↑     └──────────┐
 *        ↓ 3               │ 4              ↓
 *   [ Resuming ]───────────┼────────→[ Reconnecting ]
 *        │         1       │                │
 *        │ 3               │              1 │
 *        └──────────→[ Connected ]←─────────┘
 *
 * Connected goes up the middle to Disconnected (a lost connection), which
 * fans out to Resuming and Reconnecting; both come back down to Connected,
 * and a resume that fails becomes a reconnect. Rarer transitions (a stop
 * from Resuming, an operator's resume) are listed under the diagram. In
 * the compact layout the whole view folds into one line.
 */
#include <stdio.h>
#include <string.h>

#include "ui/ui.h"

#define DIAG_W 50
#define DIAG_H 7

/* Where each state's pill sits (row, column) and its width. */
static const struct {
	int y, x;
	const char *abbrev;
} pill[BOT_STATES] = {
	[BOT_CONNECTED] = { 6, 18, "C" },
	[BOT_DISCONNECTED] = { 0, 17, "D" },
	[BOT_RESUMING] = { 3, 0, "Rs" },
	[BOT_RECONNECTING] = { 3, 34, "Rc" },
};

/* The drawn transitions and where their counts go (label at y, x; a
 * negative x means right-aligned to end at -x). */
static const struct edge {
	enum bot_state from, to;
	int ly, lx;
} edges[] = {
	{ BOT_CONNECTED, BOT_DISCONNECTED, 2, 26 },
	{ BOT_DISCONNECTED, BOT_RESUMING, 1, 7 },
	{ BOT_DISCONNECTED, BOT_RECONNECTING, 1, -40 },
	{ BOT_RESUMING, BOT_RECONNECTING, 4, 14 },
	{ BOT_RESUMING, BOT_CONNECTED, 5, 7 },
	{ BOT_RECONNECTING, BOT_CONNECTED, 5, -40 },
};
#define NEDGES (sizeof(edges) / sizeof(edges[0]))

static bool
edge_drawn(enum bot_state from, enum bot_state to)
{
	for (size_t i = 0; i < NEDGES; i++)
		if (edges[i].from == from && edges[i].to == to)
			return true;
	return false;
}

int
view_diagram_rows(void)
{
	return DIAG_H + 3;
}

int
view_diagram_cols(void)
{
	return DIAG_W + 2;
}

static void
history_lines(struct diagram_model *m, const struct bot_transition *hist, int nhist)
{
	for (int i = nhist - 2; i >= 0 && m->nhist < UI_HISTORY; i--) {
		char when[16];

		ui_clock(hist[i].wall_ms, when, sizeof(when));
		snprintf(m->hist[m->nhist++], sizeof(m->hist[0]), "%s %s>%s %s", when,
		    pill[hist[i].from].abbrev, pill[hist[i].to].abbrev, hist[i].reason);
	}
}

void
view_diagram_update(struct diagram_model *m, const struct bot_snapshot *v,
    const struct bot_transition *hist, int nhist)
{
	memset(m, 0, sizeof(*m));
	m->state = v->state;
	m->stopped = v->stopped;
	memcpy(m->counts, v->counts, sizeof(m->counts));
	m->has_last = v->has_last;
	if (v->has_last) {
		m->last_from = v->last.from;
		m->last_to = v->last.to;
		ui_clock(v->last.wall_ms, m->last_when, sizeof(m->last_when));
		snprintf(m->last_reason, sizeof(m->last_reason), "%s", v->last.reason);
	}
	ui_dur(v->in_state_ms, m->in_state, sizeof(m->in_state));
	snprintf(m->phase, sizeof(m->phase), "%s", bot_phase_name(v->phase));
	m->attempt = v->attempt;
	snprintf(m->stop_reason, sizeof(m->stop_reason), "%s", v->stop_reason);
	history_lines(m, hist, nhist);
}

static void
glyph(WINDOW *w, int y, int x, enum ui_role role, chtype ch)
{
	mvwaddch(w, y, x, ch | (chtype)theme_attr(role));
}

static void
draw_hline(WINDOW *w, int y, int x0, int x1, enum ui_role role)
{
	for (int x = x0; x <= x1; x++)
		glyph(w, y, x, role, ACS_HLINE);
}

static void
draw_vline(WINDOW *w, int x, int y0, int y1, enum ui_role role)
{
	for (int y = y0; y <= y1; y++)
		glyph(w, y, x, role, ACS_VLINE);
}

static enum ui_role
edge_role(const struct diagram_model *m, enum bot_state from, enum bot_state to)
{
	if (m->has_last && m->last_from == from && m->last_to == to)
		return ROLE_ARROW_LAST;
	return ROLE_ARROW;
}

/* The six arrows, routed on the fixed grid of the picture above. */
static void
draw_arrows(WINDOW *w, int oy, int ox, const struct diagram_model *m)
{
	enum ui_role r;

	r = edge_role(m, BOT_DISCONNECTED, BOT_RESUMING);
	glyph(w, oy, ox + 5, r, ACS_ULCORNER);
	draw_hline(w, oy, ox + 6, ox + 16, r);
	draw_vline(w, ox + 5, oy + 1, oy + 1, r);
	glyph(w, oy + 2, ox + 5, r, ACS_DARROW);
	r = edge_role(m, BOT_DISCONNECTED, BOT_RECONNECTING);
	draw_hline(w, oy, ox + 33, ox + 41, r);
	glyph(w, oy, ox + 42, r, ACS_URCORNER);
	draw_vline(w, ox + 42, oy + 1, oy + 1, r);
	glyph(w, oy + 2, ox + 42, r, ACS_DARROW);
	r = edge_role(m, BOT_RESUMING, BOT_RECONNECTING);
	draw_hline(w, oy + 3, ox + 12, ox + 32, r);
	glyph(w, oy + 3, ox + 33, r, ACS_RARROW);
	r = edge_role(m, BOT_CONNECTED, BOT_DISCONNECTED);
	glyph(w, oy + 1, ox + 24, r, ACS_UARROW);
	draw_vline(w, ox + 24, oy + 2, oy + 5, r);
	glyph(w, oy + 3, ox + 24, r, ACS_PLUS);
	r = edge_role(m, BOT_RESUMING, BOT_CONNECTED);
	draw_vline(w, ox + 5, oy + 4, oy + 5, r);
	glyph(w, oy + 6, ox + 5, r, ACS_LLCORNER);
	draw_hline(w, oy + 6, ox + 6, ox + 16, r);
	glyph(w, oy + 6, ox + 17, r, ACS_RARROW);
	r = edge_role(m, BOT_RECONNECTING, BOT_CONNECTED);
	draw_vline(w, ox + 42, oy + 4, oy + 5, r);
	glyph(w, oy + 6, ox + 42, r, ACS_LRCORNER);
	draw_hline(w, oy + 6, ox + 32, ox + 41, r);
	glyph(w, oy + 6, ox + 31, r, ACS_LARROW);
}

static void
draw_counts(WINDOW *w, int oy, int ox, const struct diagram_model *m)
{
	for (size_t i = 0; i < NEDGES; i++) {
		const struct edge *e = &edges[i];
		uint32_t n = m->counts[e->from][e->to];
		char buf[16];
		int x;

		snprintf(buf, sizeof(buf), "%u", n);
		x = e->lx >= 0 ? e->lx : -e->lx - (int)strlen(buf) + 1;
		ui_put(w, oy + e->ly, ox + x, (int)strlen(buf), n > 0 ? ROLE_COUNT : ROLE_DIM, buf);
	}
}

static void
draw_pill(WINDOW *w, int oy, int ox, const struct diagram_model *m, enum bot_state s)
{
	int y = oy + pill[s].y, x = ox + pill[s].x;
	enum ui_role role = ui_state_role(s);
	char text[32];

	snprintf(text, sizeof(text), " %s ", bot_state_name(s));
	if (s == m->state) {
		wattrset(w, theme_attr(role) | A_REVERSE | A_BOLD);
		mvwaddch(w, y, x, '[');
		waddstr(w, text);
		waddch(w, ']');
		wattrset(w, theme_attr(ROLE_TEXT));
		return;
	}
	ui_put(w, y, x, 1, ROLE_RULE, "[");
	ui_put(w, y, x + 1, 20, role, text);
	ui_put(w, y, x + 1 + (int)strlen(text), 1, ROLE_RULE, "]");
}

/* Transitions the picture has no arrow for, a field each: "also Rs>D 1,
 * C>Rs 2". */
static void
others(struct fit_line *l, const struct diagram_model *m)
{
	for (int f = 0; f < BOT_STATES; f++)
		for (int t = 0; t < BOT_STATES; t++) {
			if (f == t || m->counts[f][t] == 0 || edge_drawn(f, t))
				continue;
			fit_field(l, 0);
			fit_add(l, ROLE_DIM, "%s%s>%s %u", l->nspans > 0 ? ", " : "also ",
			    pill[f].abbrev, pill[t].abbrev, m->counts[f][t]);
		}
}

/* "in Resuming for 5s  attempt 4, waiting" or "... stopped: why". */
static void
state_line(struct fit_line *l, const struct diagram_model *m)
{
	fit_init(l);
	fit_add(l, ROLE_DIM, "in ");
	fit_add(l, ui_state_role(m->state), "%s", bot_state_name(m->state));
	fit_add(l, ROLE_DIM, " for %s", m->in_state);
	if (m->stopped) {
		fit_field(l, 0);
		fit_add(l, ROLE_CRIT, "  stopped: ");
		fit_split(l, ROLE_CRIT, m->stop_reason, " ");
	} else if (m->state != BOT_CONNECTED && m->attempt > 0) {
		fit_field(l, 0);
		fit_add(l, ROLE_TEXT, "  attempt %d,", m->attempt);
		fit_field(l, 0);
		fit_add(l, ROLE_TEXT, " %s", m->phase);
	}
}

/* "last 01:24:30 D>Rs: connection dropped without a close frame". */
static void
last_line(struct fit_line *l, const struct diagram_model *m, const char *label)
{
	fit_field(l, 0);
	fit_add(l, ROLE_DIM, "%s", label);
	fit_add(l, ROLE_TEXT, "%s>%s: ", pill[m->last_from].abbrev, pill[m->last_to].abbrev);
	fit_split(l, ROLE_TEXT, m->last_reason, " ");
}

static void
draw_info(WINDOW *w, int y, const struct diagram_model *m)
{
	int cols = getmaxx(w), row = y;
	struct fit_line l;

	state_line(&l, m);
	fit_draw(w, row++, 1, cols - 1, &l, 1);
	if (m->has_last) {
		char label[32];

		fit_init(&l);
		snprintf(label, sizeof(label), "last %s ", m->last_when);
		last_line(&l, m, label);
		fit_draw(w, row++, 1, cols - 1, &l, 1);
	}
	fit_init(&l);
	others(&l, m);
	if (l.nspans > 0)
		fit_draw(w, row++, 1, cols - 1, &l, 1);
	for (int i = 0; i < m->nhist && row < getmaxy(w); i++, row++) {
		fit_init(&l);
		fit_split(&l, ROLE_DIM, m->hist[i], " ");
		fit_draw(w, row, 1, cols - 1, &l, 1);
	}
}

/* The one-line form: state, time in it, every count, the last reason. */
static void
draw_compact(WINDOW *w, const struct diagram_model *m)
{
	struct fit_line l;

	fit_init(&l);
	fit_add(&l, ui_state_role(m->state), "%s", bot_state_name(m->state));
	fit_add(&l, ROLE_DIM, " %s", m->in_state);
	for (size_t i = 0; i < NEDGES; i++) {
		const struct edge *e = &edges[i];

		fit_field(&l, 0);
		fit_add(&l, ROLE_DIM, " %s>%s ", pill[e->from].abbrev, pill[e->to].abbrev);
		fit_add(&l, ROLE_COUNT, "%u", m->counts[e->from][e->to]);
	}
	if (m->has_last)
		last_line(&l, m, "  last ");
	fit_draw(w, 0, 0, getmaxx(w), &l, 1);
}

void
view_diagram_draw(WINDOW *w, const struct diagram_model *m, bool compact)
{
	int cols = getmaxx(w), ox;

	werase(w);
	if (compact || cols < view_diagram_cols() || getmaxy(w) < DIAG_H + 2) {
		draw_compact(w, m);
		return;
	}
	ui_rule(w, 0, "State", NULL);
	ox = (cols - DIAG_W) / 2;
	draw_arrows(w, 1, ox, m);
	draw_counts(w, 1, ox, m);
	for (int s = 0; s < BOT_STATES; s++)
		draw_pill(w, 1, ox, m, (enum bot_state)s);
	draw_info(w, 1 + DIAG_H, m);
}
