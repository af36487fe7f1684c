/*
 * The shard grid (docs/console.md "Shards"): htop's CPU meters for shards.
 * One cell per shard, two columns wide, coloured by its state: a block when
 * Connected, else its attempt (1-9, + past 9). Rows start with the first
 * shard id they hold. When the shards do not fit the rows the grid may take
 * (a sixth of the screen), each cell stands for a range and shows its worst
 * shard. Under the cells: the counts and the identify queue.
 */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "ui/ui.h"

/* Worse is larger: the title, the bell and a range's cell show the worst. */
enum { RANK_CONNECTED, RANK_RESUMING, RANK_RECONNECTING, RANK_DISCONNECTED, RANK_STOPPED };

static int
rank_of(const struct bot *b)
{
	if (b->phase == PHASE_STOPPED)
		return RANK_STOPPED;
	switch (b->state) {
	case BOT_CONNECTED:
		return RANK_CONNECTED;
	case BOT_RESUMING:
		return RANK_RESUMING;
	case BOT_RECONNECTING:
		return RANK_RECONNECTING;
	default:
		return RANK_DISCONNECTED;
	}
}

static enum bot_state
state_of_rank(int rank)
{
	static const enum bot_state s[] = { BOT_CONNECTED, BOT_RESUMING, BOT_RECONNECTING,
		BOT_DISCONNECTED, BOT_DISCONNECTED };

	return s[rank];
}

static bool
waits_for_start(const struct bot *b)
{
	return b->phase == PHASE_WAIT &&
	    (b->wait == WAIT_QUEUE || b->wait == WAIT_SPACING || b->wait == WAIT_BUDGET);
}

int
view_grid_rows(int nshards, int rows, int cols)
{
	int per_row = (cols - UI_GRID_LABEL) / 2, max = rows / 6, need;

	if (nshards <= 1 || per_row < 1)
		return 0;
	if (max < 1)
		max = 1;
	need = (nshards + per_row - 1) / per_row;
	return (need < max ? need : max) + 1;
}

/* Cells: as many shards a cell as it takes to fit the rows. */
static void
shape(struct grid_model *m, int nshards, int rows, int cols)
{
	int grid = view_grid_rows(nshards, rows, cols) - 1;

	m->per_row = (cols - UI_GRID_LABEL) / 2;
	if (grid < 1 || m->per_row < 1) {
		m->per_row = m->per_row < 1 ? 1 : m->per_row;
		grid = 1;
	}
	m->per_cell = (nshards + grid * m->per_row - 1) / (grid * m->per_row);
	if (m->per_cell < 1)
		m->per_cell = 1;
	while ((nshards + m->per_cell - 1) / m->per_cell > UI_GRID_CELLS)
		m->per_cell++;
	m->ncells = (nshards + m->per_cell - 1) / m->per_cell;
	m->nrows = (m->ncells + m->per_row - 1) / m->per_row;
}

static void
queue_line(struct grid_model *m, struct app *app, struct vtime now)
{
	struct fleet *f = app_fleet(app);
	int64_t best = VTIME_NEVER;

	m->next_shard = -1;
	m->queued = identq_count(&f->idq, -1, budget_max_concurrency(&f->budget));
	for (int i = 0; i < m->nshards; i++) {
		const struct bot *b = app_shard(app, i);

		if (waits_for_start(b) && b->wait != WAIT_BUDGET && b->deadline < best) {
			best = b->deadline;
			m->next_shard = b->cfg.shard_id;
		}
	}
	m->next_in_s = m->next_shard >= 0 ? ui_ceil_s(best - now.mono_ms) : 0;
}

int
view_grid_shards(struct app *app)
{
	int n = app_cluster_shards(app);

	return n > 0 ? n : app_shards(app);
}

static void
mark(struct grid_model *m, int c, enum grid_mark k)
{
	if (k > m->mark[c])
		m->mark[c] = (unsigned char)k;
}

/* This process's shard: in the cell of its index, or in a cluster of its
 * id among every shard. */
static void
own_shard(struct grid_model *m, const struct bot *b, int i, bool selected)
{
	int c = (m->ncluster > 0 ? b->cfg.shard_id : i) / m->per_cell, r = rank_of(b);

	mark(m, c, GRID_HERE);
	if (m->ncluster == 0)
		m->last[c] = (uint16_t)b->cfg.shard_id;
	if (r >= m->rank[c]) {
		m->rank[c] = (unsigned char)r;
		m->attempt[c] = r == RANK_CONNECTED || r == RANK_STOPPED ? 0 :
		    (unsigned char)(b->failures + 1 > 10 ? 10 : b->failures + 1);
	}
	if (selected)
		m->sel_cell = c;
	if (r == RANK_STOPPED)
		m->stopped++;
	else if (waits_for_start(b))
		m->waiting++;
	else
		m->counts[b->state]++;
}

/* In a cluster, the shards of other processes as the store last showed
 * them (docs/cluster.md "The cluster view"). */
static void
other_shards(struct grid_model *m, struct app *app)
{
	int own = 0;                    /* this process's shards are in shard order */

	for (int id = 0; id < m->ncluster; id++) {
		int c = id / m->per_cell;

		m->first[c] = (uint16_t)(c * m->per_cell);
		m->last[c] = (uint16_t)id;
		if (own < m->nshards && app_shard(app, own)->cfg.shard_id == id) {
			own++;
			continue;
		}
		switch (app_cluster_owner(app, id)) {
		case APP_OWNER_ELSEWHERE:
		case APP_OWNER_HERE:    /* ours by a view older than this process's shards */
			m->elsewhere++;
			mark(m, c, GRID_ELSEWHERE);
			break;
		case APP_OWNER_LAPSED:
			m->lapsed++;
			mark(m, c, GRID_LAPSED);
			break;
		case APP_OWNER_NOBODY:
			m->unclaimed++;
			mark(m, c, GRID_LAPSED);
			break;
		case APP_OWNER_UNKNOWN:
			break;
		}
	}
}

void
view_grid_update(struct grid_model *m, struct app *app, int sel, int rows, int cols,
    struct vtime now)
{
	memset(m, 0, sizeof(*m));
	m->nshards = app_shards(app);
	m->ncluster = app_cluster_shards(app);
	shape(m, view_grid_shards(app), rows, cols);
	if (m->ncluster > 0)
		other_shards(m, app);
	else {
		for (int c = 0; c < m->ncells; c++)
			m->first[c] = (uint16_t)app_shard(app, c * m->per_cell)->cfg.shard_id;
	}
	for (int i = 0; i < m->nshards; i++)
		own_shard(m, app_shard(app, i), i, i == sel);
	queue_line(m, app, now);
}

int
view_grid_worst(const struct grid_model *m, enum bot_state *state)
{
	int worst = 0;

	for (int c = 0; c < m->ncells; c++)
		worst = m->rank[c] > worst ? m->rank[c] : worst;
	*state = state_of_rank(worst);
	return worst;
}

static void
draw_cell(WINDOW *w, const struct grid_model *m, int c, int y, int x, bool utf8)
{
	char txt[8];
	enum ui_role role = ui_state_role(state_of_rank(m->rank[c]));

	if (m->mark[c] != GRID_HERE) {
		/* Another process's (a dot), owned by nobody ("!"), not known yet. */
		role = m->mark[c] == GRID_LAPSED ? ROLE_CRIT : ROLE_DIM;
		snprintf(txt, sizeof(txt), "%s", m->mark[c] == GRID_LAPSED ? "!" :
		    m->mark[c] == GRID_UNKNOWN ? "?" : utf8 ? "\u00b7" : ".");
	} else if (m->rank[c] == RANK_CONNECTED)
		snprintf(txt, sizeof(txt), "%s", utf8 ? "\u2588" : "#");
	else if (m->rank[c] == RANK_STOPPED)
		snprintf(txt, sizeof(txt), "x");
	else if (m->attempt[c] > 9)
		snprintf(txt, sizeof(txt), "+");
	else
		snprintf(txt, sizeof(txt), "%d", m->attempt[c]);
	if (c == m->sel_cell)
		wattron(w, A_REVERSE);
	ui_put(w, y, x, 1, role, txt);
	if (c == m->sel_cell)
		wattroff(w, A_REVERSE);
}

/* A count in the summary line, when there is one. */
static void
count_field(struct fit_line *l, bool *any, const char *sep, enum ui_role role, int n,
    const char *what)
{
	if (n == 0)
		return;
	fit_field(l, 0);
	fit_add(l, role, "%s%d %s", *any ? sep : " ", n, what);
	*any = true;
}

/* One form of the summary line: level 0 says it all, 1 shortens the
 * waiting count, 2 the state names and the queue (docs/console.md
 * "Shards"). */
static void
summary_form(struct fit_line *l, const struct grid_model *m, int level)
{
	static const char *const brief[BOT_STATES] = { "Conn", "Disc", "Res", "Reconn" };
	const char *sep = level < 2 ? " \u00b7 " : " ";
	bool any = false;

	fit_init(l);
	for (int s = 0; s < BOT_STATES; s++)
		count_field(l, &any, sep, ui_state_role((enum bot_state)s), m->counts[s],
		    level < 2 ? bot_state_name((enum bot_state)s) : brief[s]);
	count_field(l, &any, sep, ROLE_WARN, m->waiting,
	    level == 0 ? "waiting for a session start" : "waiting");
	count_field(l, &any, sep, ROLE_CRIT, m->stopped, "stopped");
	/* In a cluster, the shards other processes run, and those nobody does. */
	count_field(l, &any, sep, ROLE_DIM, m->elsewhere, "elsewhere");
	count_field(l, &any, sep, ROLE_CRIT, m->lapsed, "lease lapsed");
	count_field(l, &any, sep, ROLE_CRIT, m->unclaimed, "unclaimed");
	if (m->per_cell > 1) {
		fit_field(l, 2);
		fit_add(l, ROLE_DIM, "  (%d a cell)", m->per_cell);
	}
	fit_field(l, 1);
	if (m->next_shard >= 0 && level < 2)
		fit_add(l, ROLE_DIM, "  next IDENTIFY: shard %d in %d s, %d queued", m->next_shard,
		    m->next_in_s, m->queued);
	else if (m->next_shard >= 0)
		fit_add(l, ROLE_DIM, "  next %d in %ds, %d queued", m->next_shard, m->next_in_s,
		    m->queued);
	else
		fit_add(l, ROLE_DIM, "  identify queue empty");
}

static void
summary(WINDOW *w, int y, const struct grid_model *m, int cols)
{
	static struct fit_line forms[3];

	for (int i = 0; i < 3; i++)
		summary_form(&forms[i], m, i);
	fit_draw(w, y, 0, cols, forms, 3);
}

void
view_grid_draw(WINDOW *w, const struct grid_model *m, bool utf8)
{
	int cols = getmaxx(w), rows = getmaxy(w);

	werase(w);
	for (int r = 0; r < m->nrows && r < rows - 1; r++) {
		int c0 = r * m->per_row;

		ui_putf(w, r, 0, UI_GRID_LABEL, ROLE_DIM, "%5d ", m->first[c0]);
		for (int k = 0; k < m->per_row && c0 + k < m->ncells; k++)
			draw_cell(w, m, c0 + k, r, UI_GRID_LABEL + 2 * k, utf8);
	}
	summary(w, rows - 1, m, cols);
}
