/*
 * The console: layout, the render pass, and the hooks the app's loop
 * calls (src/app/app.h).
 *
 * Events only mark panes dirty. render() runs once per loop turn: it takes
 * a bot snapshot, lets each view update its model (a pane is dirty only
 * when its model changed), then draws the dirty panes with wnoutrefresh,
 * the input line last so the cursor ends there, and flushes once with
 * doupdate. Frames are capped at ~30 a second: inside the 33 ms after a
 * frame only the input line is drawn (typing stays immediate) and the rest
 * waits for the frame deadline.
 *
 * Wake-ups: next_deadline() is the earliest of a deferred frame and the
 * moment some shown text changes (the countdown's next second, time in
 * state, uptime, a reset countdown, the first heartbeat's countdown, the
 * event rate's next sample while it is not zero), so a connected, quiet bot wakes the
 * console once a second for the first hour in a state and once a minute
 * after that, and never in between.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/app.h"
#include "app/paths.h"
#include "ui/cmd.h"
#include "ui/cmdline.h"
#include "ui/terminal.h"
#include "ui/ui.h"

void
console_options_defaults(struct console_options *o)
{
	memset(o, 0, sizeof(*o));
	o->bell = true;
	o->title = true;
}

void
ui_say(struct ui *ui, enum log_level level, const char *text)
{
	if (ui->out != NULL) {
		ui->out->line(ui->out->ud, level, text);
		return;
	}
	/* The operator speaks, not the shard that last wrote. */
	logring_set_shard(ui->bot->log, -1);
	logring_add(ui->bot->log, level, "cmd", "%s", text);
	ui_dirty(ui, UI_DIRTY(P_LOG), false);
}

void
ui_msg(struct ui *ui, enum log_level level, const char *fmt, ...)
{
	char buf[LOG_TEXT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ui_say(ui, level, buf);
}

void
ui_dirty(struct ui *ui, unsigned panes, bool clear)
{
	ui->dirty |= panes;
	if (clear)
		ui->clear = true;
}

void
ui_input_changed(struct ui *ui)
{
	ui->dirty |= UI_DIRTY(P_INPUT);
}

const char *
ui_confirm_question(const struct ui *ui)
{
	return ui->confirm_yes != NULL ? ui->confirm_q : NULL;
}

void
ui_quit(struct ui *ui)
{
	if (ui->quitting)
		return;
	ui->quitting = true;
	ui_msg(ui, LOG_INFO, "quitting: closing the session (it stays resumable)");
	app_quit(ui->app, false);
}

int
ui_set_theme(struct ui *ui, const char *name, char *err, size_t errlen)
{
	struct theme t;

	if (ui->screen == NULL) {
		snprintf(err, errlen, "headless: no screen to colour");
		return -1;
	}
	if (theme_load(&t, name, err, errlen) != 0)
		return -1;
	ui->theme = t;
	theme_apply(&ui->theme, ui->no_color);
	if (t.unknown_keys > 0)
		logring_add(ui->bot->log, LOG_WARN, "theme",
		    "%s: %d unknown key%s ignored (first: %s)", t.path, t.unknown_keys,
		    t.unknown_keys == 1 ? "" : "s", t.first_unknown);
	ui_dirty(ui, UI_DIRTY_ALL, true);
	return 0;
}

/* ---- layout ---- */

static void
free_windows(struct ui *ui)
{
	for (int p = 0; p < P_COUNT; p++) {
		if (ui->win[p] != NULL)
			delwin(ui->win[p]);
		ui->win[p] = NULL;
	}
}

static void
place(struct ui *ui, enum ui_pane p, int h, int w, int y, int x)
{
	if (h <= 0 || w <= 0)
		return;
	/* The shard grid sits under the status line; the rest moves down. */
	if (p != P_STATUS && p != P_GRID && p != P_INPUT)
		y += ui->grid_rows;
	ui->win[p] = newwin(h, w, y, x);
	if (ui->win[p] == NULL)
		return;
	leaveok(ui->win[p], p != P_INPUT);
	if (p == P_LOG)
		idlok(ui->win[p], TRUE);
}

/* The rows the full layout needs: status, the top row, the queue, the
 * log at its smallest, the input line. */
static int
full_rows_need(void)
{
	return 1 + view_diagram_rows() + 1 + UI_QUEUE_MIN_ROWS + UI_LOG_MIN_ROWS + 1;
}

/* The rows of the top row (diagram, countdown, budget) and the queue:
 * extra height goes to the log, a little to the top row (more recent
 * budget starts) and the queue. */
static int
full_rows(int rows, int *queue)
{
	int min = full_rows_need();
	int extra = rows > min ? (rows - min) / 4 : 0;

	if (extra > 4)
		extra = 4;
	*queue = UI_QUEUE_MIN_ROWS + extra;
	return view_diagram_rows() + 1 + extra;
}

/* The diagram's column: its picture's width, more from 110 columns. */
static int
left_cols(int cols)
{
	int left = cols * 45 / 100;

	return left > view_diagram_cols() ? left : view_diagram_cols();
}

/* The full layout: status, the diagram beside countdown and budget, the
 * queue, the log, the input line. */
static void
layout_full(struct ui *ui)
{
	int rows = ui->rows - ui->grid_rows, cols = ui->cols, queue;
	int top = full_rows(rows, &queue);
	int left = left_cols(cols);
	int log = rows - 2 - top - queue;

	place(ui, P_STATUS, 1, cols, 0, 0);
	place(ui, P_DIAGRAM, top, left, 1, 0);
	place(ui, P_COUNTDOWN, 4, cols - left - 1, 1, left + 1);
	place(ui, P_BUDGET, top - 4, cols - left - 1, 5, left + 1);
	place(ui, P_QUEUE, queue, cols, 1 + top, 0);
	place(ui, P_LOG, log, cols, 1 + top + queue, 0);
	place(ui, P_INPUT, 1, cols, ui->rows - 1, 0);
}

/* Whether the full layout has room for every view's text, as the models
 * stand (docs/console.md, "Narrow terminals"): the right column must hold
 * the narrowest form of each of its lines, the diagram its picture. */
static bool
full_fits(const struct ui *ui)
{
	int right = view_countdown_need(&ui->countdown), budget = view_budget_need(&ui->budget);

	if (budget > right)
		right = budget;
	return ui->rows - ui->grid_rows >= full_rows_need() &&
	    ui->cols - left_cols(ui->cols) - 1 >= right;
}

/* When the full layout does not fit: every view on one line, the rest
 * for the log. */
static void
layout_compact(struct ui *ui)
{
	int rows = ui->rows - ui->grid_rows, cols = ui->cols;

	place(ui, P_STATUS, 1, cols, 0, 0);
	place(ui, P_DIAGRAM, 1, cols, 1, 0);
	place(ui, P_COUNTDOWN, 1, cols, 2, 0);
	place(ui, P_BUDGET, 1, cols, 3, 0);
	place(ui, P_QUEUE, 1, cols, 4, 0);
	place(ui, P_LOG, rows - 6, cols, 5, 0);
	place(ui, P_INPUT, 1, cols, ui->rows - 1, 0);
}

static void
layout(struct ui *ui)
{
	getmaxyx(stdscr, ui->rows, ui->cols);
	free_windows(ui);
	ui->grid_rows = view_grid_rows(view_grid_shards(ui->app), ui->rows, ui->cols);
	ui->compact = !full_fits(ui);
	ui->too_small = ui->rows - ui->grid_rows < 8 || ui->cols < 20;
	if (ui->too_small)
		place(ui, P_INPUT, 1, ui->cols, ui->rows - 1, 0);
	else if (ui->compact)
		layout_compact(ui);
	else
		layout_full(ui);
	if (!ui->too_small && ui->grid_rows > 0)
		place(ui, P_GRID, ui->grid_rows, ui->cols, 1, 0);
	cmdline_resize(ui->rows, ui->cols);
	if (ui->win[P_LOG] != NULL) {
		ui->log.drawn_rows = getmaxy(ui->win[P_LOG]);
		ui->log.drawn_cols = getmaxx(ui->win[P_LOG]);
	}
	ui_dirty(ui, UI_DIRTY_ALL, true);
}

/* ---- snapshot: models and the ticks they imply ---- */

static int64_t
down_next(int64_t ms)
{
	int64_t unit = ms < 3600 * 1000LL ? 1000 : ms < 86400 * 1000LL ? 60000 : 3600000;

	return ms <= 0 ? VTIME_NEVER : ms % unit + 1;
}

static int64_t
ceil_next(int64_t ms)
{
	return ms <= 0 ? VTIME_NEVER : (ms % 1000 == 0 ? 1000 : ms % 1000);
}

static int64_t
min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* When the next shown text changes by the clock alone (mono ms). */
static int64_t
next_tick(const struct ui *ui, const struct rlq_row *rows, int nrows)
{
	const struct bot_snapshot *v = &ui->view;
	int64_t now = ui->now.mono_ms, d, sample = rate_next(&ui->evrate, v->stats.events);

	/* Uptime has no tick of its own: it changes at the same rate as the
	 * time in state and rides on its ticks (lagging by less than one of
	 * its units), so a quiet console wakes once a second, not twice. */
	d = ui_dur_next(v->in_state_ms);
	if (v->wait != WAIT_NONE)
		d = min64(d, ceil_next(v->wait_left_ms));
	if (v->next_free_in_ms > 0)
		d = min64(d, down_next(v->next_free_in_ms));
	if (v->discord_known)
		d = min64(d, down_next(v->d_reset_in_ms));
	d = min64(d, ceil_next(v->rest.global_wait_ms));
	d = min64(d, ceil_next(v->rest.ban_left_ms));
	for (int i = 0; i < nrows; i++)
		d = min64(d, ceil_next(rows[i].reset_in_ms));
	if (v->rtt_ms < 0)
		d = min64(d, ceil_next(v->hb_next_in_ms));
	if (sample != VTIME_NEVER)
		d = min64(d, sample - now);
	if (ui->grid.next_shard >= 0)
		d = min64(d, 1000);
	return d == VTIME_NEVER ? VTIME_NEVER : now + (d > 0 ? d : 1);
}

#define UPDATE(ui, field, pane, fn, ...) do {                         \
	__typeof__((ui)->field) fresh_;                                \
	fn(&fresh_, __VA_ARGS__);                                      \
	if (memcmp(&fresh_, &(ui)->field, sizeof(fresh_)) != 0) {      \
		(ui)->field = fresh_;                                  \
		(ui)->dirty |= UI_DIRTY(pane);                         \
	}                                                              \
} while (0)

/* More than one shard: the arrows carry every shard's counts, the events
 * are all shards', and the grid shows each. */
static void
fleet_view(struct ui *ui)
{
	struct bot_snapshot *v = &ui->view;

	memset(v->counts, 0, sizeof(v->counts));
	v->stats.events = 0;
	for (int i = 0; i < app_shards(ui->app); i++) {
		const struct bot *b = app_shard(ui->app, i);

		for (int f = 0; f < BOT_STATES; f++)
			for (int t = 0; t < BOT_STATES; t++)
				v->counts[f][t] += b->counts[f][t];
		v->stats.events += b->stats.events;
	}
	UPDATE(ui, grid, P_GRID, view_grid_update, ui->app, ui->sel, ui->rows, ui->cols, ui->now);
}

void
ui_select(struct ui *ui, int i)
{
	int n = app_shards(ui->app);

	ui->sel = ((i % n) + n) % n;
	ui->bot = app_shard(ui->app, ui->sel);
	ui_dirty(ui, UI_DIRTY_ALL, false);
}

static void
snapshot(struct ui *ui)
{
	struct rlq_row rows[UI_QUEUE_ROWS];
	struct bot_transition hist[UI_HISTORY + 1];
	struct script_health bots;
	struct script_host *h = app_scripts(ui->app);
	int nrows, nhist;

	bot_snapshot(ui->bot, ui->now, &ui->view);
	if (app_shards(ui->app) > 1)
		fleet_view(ui);
	nrows = rlq_rows(ui->bot->rest, ui->now, rows, UI_QUEUE_ROWS);
	nhist = bot_history(ui->bot, hist, UI_HISTORY + 1);
	rate_sample(&ui->evrate, ui->now.mono_ms, ui->view.stats.events);
	UPDATE(ui, diagram, P_DIAGRAM, view_diagram_update, &ui->view, hist, nhist);
	UPDATE(ui, countdown, P_COUNTDOWN, view_countdown_update, &ui->view);
	UPDATE(ui, budget, P_BUDGET, view_budget_update, &ui->view);
	UPDATE(ui, queue, P_QUEUE, view_queue_update, &ui->view, rows, nrows);
	if (!ui->too_small && full_fits(ui) == ui->compact)
		layout(ui);
	if (h != NULL)
		script_host_health(h, ui->now, &bots);
	UPDATE(ui, status, P_STATUS, view_status_update, &ui->view, h != NULL ? &bots : NULL,
	    app_endpoint_label(ui->app), ui->evrate.per_s, ui->now.mono_ms - ui->start_mono);
	if (ui->win[P_LOG] != NULL && view_log_changed(&ui->log, ui->bot->log, ui->win[P_LOG]))
		ui->dirty |= UI_DIRTY(P_LOG);
	ui->tick_at = next_tick(ui, rows, nrows);
}

/* ---- the render pass ---- */

static void
draw_pane(struct ui *ui, enum ui_pane p)
{
	WINDOW *w = ui->win[p];

	if (w == NULL)
		return;
	switch (p) {
	case P_STATUS:
		view_status_draw(w, &ui->status);
		break;
	case P_DIAGRAM:
		view_diagram_draw(w, &ui->diagram, ui->compact);
		break;
	case P_COUNTDOWN:
		view_countdown_draw(w, &ui->countdown, ui->compact, ui->utf8);
		break;
	case P_BUDGET:
		view_budget_draw(w, &ui->budget, ui->compact);
		break;
	case P_QUEUE:
		view_queue_draw(w, &ui->queue, ui->compact);
		break;
	case P_LOG:
		view_log_draw(w, &ui->log, ui->bot->log);
		break;
	case P_GRID:
		view_grid_draw(w, &ui->grid, ui->utf8);
		break;
	case P_INPUT:
		cmdline_draw(w);
		break;
	default:
		break;
	}
	wnoutrefresh(w);
}

static void
draw_too_small(struct ui *ui)
{
	wnoutrefresh(stdscr);
	werase(stdscr);
	mvwprintw(stdscr, 0, 0, "terminal too small (%dx%d): need 20x8, best 80x24", ui->cols,
	    ui->rows);
	wnoutrefresh(stdscr);
}

static void
flush_frame(struct ui *ui, unsigned panes)
{
	if (ui->clear) {
		clearok(curscr, TRUE);
		ui->clear = false;
		/* The cells between panes (the column between the diagram and
		 * the right column moves with the width) belong to no pane. */
		werase(stdscr);
		wnoutrefresh(stdscr);
		if (ui->too_small)
			draw_too_small(ui);
	}
	for (int p = 0; p < P_COUNT; p++)
		if (p != P_INPUT && (panes & UI_DIRTY(p)))
			draw_pane(ui, (enum ui_pane)p);
	draw_pane(ui, P_INPUT);
	doupdate();
	ui->dirty &= ~panes;
	ui->frames++;
}

static void
render(void *ud, struct vtime now)
{
	struct ui *ui = ud;
	unsigned panes;

	ui->now = now;
	logring_set_time(ui->bot->log, now);
	if (now.mono_ms - ui->last_frame < UI_FRAME_MS && !ui->clear) {
		/* Inside the frame cap: only the line being typed. */
		if (ui->dirty & UI_DIRTY(P_INPUT))
			flush_frame(ui, UI_DIRTY(P_INPUT));
		ui->frame_due = ui->last_frame + UI_FRAME_MS;
		return;
	}
	snapshot(ui);
	/* The emulator's faults, for completion, as soon as it answers. */
	if (ui->fault_tries < 3)
		cmd_sim_fetch(ui);
	panes = ui->dirty;
	ui->frame_due = VTIME_NEVER;
	if (panes == 0)
		return;
	flush_frame(ui, panes);
	ui->last_frame = now.mono_ms;
	title_update(ui);
}

static int64_t
next_deadline(void *ud, struct vtime now)
{
	struct ui *ui = ud;

	(void)now;
	/* A frame held back by the cap carries whatever fell due meanwhile:
	 * a tick already past must not be handed back (the loop would spin
	 * until the cap lets the frame out). */
	if (ui->frame_due != VTIME_NEVER &&
	    ((ui->dirty & ~UI_DIRTY(P_INPUT)) != 0 || ui->tick_at <= ui->frame_due))
		return ui->frame_due;
	return ui->tick_at;
}

/* ---- input, resize, alerts ---- */

static void
on_input(void *ud, const char *bytes, size_t n)
{
	(void)ud;
	cmdline_feed(bytes, n);
}

static void
on_input_closed(void *ud)
{
	ui_quit(ud);
}

static void
on_resize(void *ud)
{
	struct ui *ui = ud;
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	layout(ui);
	ui->last_frame = 0;
}

static void
on_alert(void *ud, const char *text)
{
	struct ui *ui = ud;

	(void)text;
	title_bell(ui);
	ui_dirty(ui, UI_DIRTY_ALL, false);
}

void
ui_key(struct ui *ui, enum ui_key k)
{
	struct log_view *lv = &ui->log;
	const struct logring *r = ui->bot->log;
	int page = lv->drawn_rows > 2 ? lv->drawn_rows - 2 : 1;

	switch (k) {
	case UK_PAGE_UP:
		view_log_scroll(lv, r, page, lv->drawn_cols);
		break;
	case UK_PAGE_DOWN:
		view_log_scroll(lv, r, -page, lv->drawn_cols);
		break;
	case UK_WHEEL_UP:
		view_log_scroll(lv, r, 3, lv->drawn_cols);
		break;
	case UK_WHEEL_DOWN:
		view_log_scroll(lv, r, -3, lv->drawn_cols);
		break;
	case UK_TOP:
		view_log_top(lv, r);
		break;
	case UK_BOTTOM:
		view_log_bottom(lv);
		break;
	case UK_REDRAW:
		ui_dirty(ui, UI_DIRTY_ALL, true);
		return;
	case UK_SHARD_PREV:
	case UK_SHARD_NEXT:
		ui_select(ui, ui->sel + (k == UK_SHARD_NEXT ? 1 : -1));
		return;
	}
	ui_dirty(ui, UI_DIRTY(P_LOG), false);
}

/* ---- lifecycle ---- */

static int
screen_start(struct ui *ui)
{
	const char *nc = getenv("NO_COLOR");

	ui->screen = newterm(NULL, stdout, stdin);
	if (ui->screen == NULL)
		return -1;
	set_term(ui->screen);
	terminal_guard();
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	typeahead(-1);
	curs_set(1);
	if (has_colors()) {
		start_color();
		use_default_colors();
	}
	ui->utf8 = ui_utf8();
	ui->no_color = ui->opts.no_color || (nc != NULL && *nc != '\0');
	if (ui->opts.mouse)
		terminal_mouse(true);
	return 0;
}

static void
screen_stop(struct ui *ui)
{
	if (ui->opts.mouse)
		terminal_mouse(false);
	title_restore(ui);
	free_windows(ui);
	terminal_end();
	terminal_unguard();
	delscreen(ui->screen);
	ui->screen = NULL;
}

static void
start_theme(struct ui *ui)
{
	char err[PATH_MAX + 128];

	theme_default(&ui->theme);
	theme_apply(&ui->theme, ui->no_color);
	if (ui_set_theme(ui, ui->opts.theme, err, sizeof(err)) != 0)
		logring_add(ui->bot->log, LOG_WARN, "theme", "%s; keeping the default", err);
}

/* $XDG_STATE_HOME/vigil/history (~/.local/state/...): one history for
 * every endpoint, where the state file is per endpoint. */
static void
history_path(struct app *a, char *buf, size_t len)
{
	char dir[PATH_MAX];

	if (paths_vigil(PATHS_STATE, NULL, dir, sizeof(dir)) != 0)
		snprintf(dir, sizeof(dir), "%s", app_state_dir(a));
	(void)mkdir(dir, 0700);
	snprintf(buf, len, "%s/history", dir);
}

void
ui_init(struct ui *ui, struct app *a, const struct console_options *o)
{
	memset(ui, 0, sizeof(*ui));
	ui->app = a;
	ui->bot = app_bot(a);
	ui->opts = *o;
	ui->now = app_now(a);
	ui->start_mono = ui->now.mono_ms;
	rate_init(&ui->evrate, ui->now.mono_ms, 0);
	ui->frame_due = VTIME_NEVER;
	ui->tick_at = VTIME_NEVER;
	ui->log.min_level = LOG_INFO;
}

int
console_run(struct app *a, const struct console_options *o)
{
	struct ui *ui = calloc(1, sizeof(*ui));
	struct app_ui_hooks hooks = {
		.on_input = on_input, .on_input_closed = on_input_closed,
		.on_resize = on_resize, .on_alert = on_alert,
		.render = render, .next_deadline = next_deadline,
	};
	char history[PATH_MAX + 16], err[256];
	int rc;

	if (ui == NULL)
		return 1;
	/* Only the character set: ncursesw and readline need UTF-8, while
	 * LC_NUMERIC must stay "C" or every strtod in vigil (rate-limit
	 * headers, formulas, fault arguments) would want a decimal comma. */
	setlocale(LC_CTYPE, "");
	ui_init(ui, a, o);
	hooks.ud = ui;
	(void)terminal_redirect_stderr(app_state_dir(a));
	if (screen_start(ui) != 0) {
		terminal_restore_stderr();
		fprintf(stderr, "vigil: cannot open the terminal (TERM=%s): install ncurses-term "
		    "or set TERM, or run with --headless\n", getenv("TERM") ? getenv("TERM") : "");
		free(ui);
		return 1;
	}
	start_theme(ui);
	history_path(a, history, sizeof(history));
	if (cmdline_init(ui, history, o->mouse, err, sizeof(err)) != 0)
		logring_add(ui->bot->log, LOG_ERROR, "console", "command line: %s", err);
	layout(ui);
	app_set_ui(a, &hooks);
	app_set_commands(a, cmd_run_remote, ui);
	rc = app_run(a);
	app_set_commands(a, NULL, NULL);
	memset(&hooks, 0, sizeof(hooks));
	app_set_ui(a, &hooks);
	cmdline_free();
	screen_stop(ui);
	terminal_restore_stderr();
	free(ui);
	return rc;
}
