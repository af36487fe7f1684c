/*
 * The console's shared model: the screen (panes, layout, dirty flags), the
 * views' models and the drawing helpers. Private to src/ui.
 *
 * Every view splits htop's way: X_update() copies what the view shows from
 * a bot snapshot into its model (times already formatted to what is shown),
 * and X_draw() renders that model and nothing else. The console compares a
 * fresh model with the drawn one and marks the pane dirty only when they
 * differ, so a quiet bot costs no drawing at all.
 */
#ifndef VIGIL_UI_UI_H
#define VIGIL_UI_UI_H

#include <curses.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "bot/bot.h"
#include "bot/shard-set.h"
#include "ui/console.h"
#include "ui/hooks.h"
#include "ui/theme.h"

enum ui_pane { P_STATUS, P_DIAGRAM, P_COUNTDOWN, P_BUDGET, P_QUEUE, P_LOG, P_GRID, P_INPUT,
	P_COUNT };
#define UI_DIRTY(p)   (1u << (p))
#define UI_DIRTY_ALL  ((1u << P_COUNT) - 1)

/* Layouts: the full one where every view fits its pane without a cut
 * (measured: at 80x24 with today's numbers), a compact one below. */
#define UI_LOG_MIN_ROWS 8             /* the log's rows in the full layout at its smallest */
#define UI_QUEUE_MIN_ROWS 3
#define UI_FRAME_MS   33              /* at most ~30 frames a second */
#define UI_DUR_MAX    24
#define UI_HISTORY    6               /* transitions listed under the diagram */

/* ---- models ---- */

struct diagram_model {
	enum bot_state state;
	bool stopped;
	uint32_t counts[BOT_STATES][BOT_STATES];
	bool has_last;
	enum bot_state last_from, last_to;
	char last_when[16];                 /* wall clock HH:MM:SS */
	char last_reason[BOT_REASON_MAX];
	char in_state[UI_DUR_MAX];
	char phase[40];
	int attempt;
	char stop_reason[BOT_REASON_MAX];
	int nhist;                          /* earlier transitions, newest first */
	char hist[UI_HISTORY][32 + BOT_REASON_MAX];
};

struct countdown_model {
	enum bot_wait wait;
	enum bot_phase phase;
	enum bot_state state;
	int attempt;
	int left_s, total_s;
	int fill;                           /* bar fill, per mille of the wait elapsed */
	char formula[DELAY_EXPR_MAX];
	char preset[32];
	int delay_ms;                       /* what the formula gave for this attempt */
	char stop_reason[BOT_REASON_MAX];
};

#define UI_RECENT 8

struct budget_model {
	int used, limit, remaining, reserve;
	bool discord_known;
	int d_total, d_remaining;
	char d_reset[UI_DUR_MAX];
	char next_free[UI_DUR_MAX];         /* "" when nothing is counted */
	int projection;
	bool exhausts, low;
	int nrecent;
	char recent_when[UI_RECENT][16];
	char recent_why[UI_RECENT][BUDGET_REASON_MAX];
};

#define UI_QUEUE_ROWS 16

struct queue_row {
	char route[RLQ_ROUTE_MAX];
	bool known;
	int limit, remaining;
	int reset_s;                        /* shown as whole seconds, rounded up */
	int pending, inflight;
	uint64_t hits429;
};

struct queue_model {
	int per_s, sent_last_s;
	int global_wait_s;
	int invalid, invalid_limit;
	bool banned, unauthorized;
	int ban_left_s;
	int pending, inflight;
	int nrows;
	struct queue_row rows[UI_QUEUE_ROWS];
};

struct status_model {
	char user[64];
	char endpoint[96];
	int shard_id, shard_count;
	int64_t rtt_ms;
	int hb_in_s;                        /* before the first ACK: s to the first beat; -1 */
	char evps[16];
	size_t cache_entries;
	char uptime[UI_DUR_MAX];
	enum bot_state state;
	char bots[40];                      /* "1", "2, 3 err/min, 1 off"; "" without a host */
	bool bots_alarm;                    /* errors in the last minute or listeners off */
};

/* The shard grid (view-grid.c), shown with more than one shard: a cell per
 * shard (or per range of shards, when they do not all fit the rows it may
 * take), coloured by the worst state in it, with the attempt when not
 * Connected; then the counts and the identify queue. In a cluster it shows
 * every shard of the bot, the other processes' marked. */
#define UI_GRID_CELLS 1024
#define UI_GRID_LABEL 6                 /* "  240 " before each row of cells */

/* Who runs a cell's shards, in a cluster: the larger wins the cell. */
enum grid_mark { GRID_UNKNOWN, GRID_ELSEWHERE, GRID_HERE, GRID_LAPSED };

struct grid_model {
	int nshards;                        /* this process's */
	int ncluster;                       /* in a cluster, every shard of the bot; else 0 */
	unsigned char mark[UI_GRID_CELLS];  /* enum grid_mark */
	int elsewhere, lapsed, unclaimed;   /* in a cluster, the other shards */
	int per_cell, ncells, per_row, nrows;
	uint16_t first[UI_GRID_CELLS], last[UI_GRID_CELLS];
	unsigned char rank[UI_GRID_CELLS];  /* grid_rank of the worst shard in the cell */
	unsigned char attempt[UI_GRID_CELLS];       /* its attempt, 0 when connected */
	int sel_cell;
	int counts[BOT_STATES], waiting;    /* waiting: for a session start */
	int stopped;
	int next_shard, next_in_s, queued;  /* next_shard -1: nobody waits */
};

/* The log pane's own state: filters hide lines without deleting them. */
struct log_view {
	enum log_level min_level;
	char filter[64];                    /* only lines containing this ("" = all) */
	char search[64];                    /* highlighted; "" = none */
	bool search_missed;                 /* the last search found nothing */
	uint64_t anchor;                    /* seq shown at the bottom; 0 = follow */
	int anchor_skip;                    /* wrapped rows of the anchor hidden below */
	uint64_t drawn_next, drawn_first, drawn_dropped;
	int drawn_rows, drawn_cols;
	bool utc;
};

/* One fault of the emulator's catalogue (GET /_ctl/faults). */
#define UI_FAULTS_MAX 48
#define UI_FAULT_ARGS 4
struct sim_fault {
	char name[32];
	char help[160];
	int nargs;
	char arg[UI_FAULT_ARGS][16];    /* in positional order */
	char type[UI_FAULT_ARGS][8];    /* "int", "number", "bool", "string" */
};

/* Events per second over a sliding window (rate.c): UI_RATE_SLOTS samples
 * at least a second apart. */
#define UI_RATE_SLOTS     11
#define UI_RATE_WINDOW_MS 10000
struct ui_rate {
	int64_t at[UI_RATE_SLOTS];
	uint64_t count[UI_RATE_SLOTS];
	int head, n;
	double per_s;
};

void rate_init(struct ui_rate *r, int64_t now_ms, uint64_t count);
/* Takes a sample if a second has passed since the last one. */
void rate_sample(struct ui_rate *r, int64_t now_ms, uint64_t count);
/* When the next sample is due (mono ms), VTIME_NEVER while the rate is 0
 * and nothing new came. */
int64_t rate_next(const struct ui_rate *r, uint64_t count);

/* ---- the screen ---- */

struct ui {
	struct app *app;
	struct bot *bot;                    /* the selected shard (the first by default) */
	int sel;                            /* its index in this process's shards */
	int grid_rows;                      /* the shard grid's, 0 with one shard */
	struct grid_model grid;
	struct console_options opts;
	struct theme theme;
	bool no_color;
	bool utf8;
	SCREEN *screen;
	WINDOW *win[P_COUNT];
	int rows, cols;
	bool compact;                       /* the full layout does not fit: one-line views */
	bool too_small;
	unsigned dirty;
	bool clear;                         /* clear the whole screen on the next frame */
	int64_t last_frame, start_mono;
	int64_t frame_due;                  /* a frame held back by the cap, or VTIME_NEVER */
	int64_t tick_at;                    /* when shown text next changes by the clock */
	uint64_t frames;
	struct vtime now;
	struct bot_snapshot view;
	struct diagram_model diagram;
	struct countdown_model countdown;
	struct budget_model budget;
	struct queue_model queue;
	struct status_model status;
	struct log_view log;
	struct ui_rate evrate;               /* events/s on the status line */
	/* commands: a pending confirmation, the emulator's faults */
	char confirm_q[160];
	void (*confirm_yes)(struct ui *ui);
	struct shard_set confirm_shards;    /* the shards a confirmed reconnect acts on */
	const struct line_out *out;         /* a control-socket command's reply, or NULL */
	struct sim_fault faults[UI_FAULTS_MAX];
	size_t nfaults;
	bool faults_asked;
	int fault_tries;                    /* catalogue requests sent */
	char sim_pending[256];              /* a `sim` line waiting for the catalogue */
	/* the title and bell */
	char title[128];
	bool quitting;
};

/* ---- views ---- */

/* hist: transitions oldest first (bot_history), the last one excluded
 * from the list since the view shows it already. */
void view_diagram_update(struct diagram_model *m, const struct bot_snapshot *v,
    const struct bot_transition *hist, int nhist);
void view_diagram_draw(WINDOW *w, const struct diagram_model *m, bool compact);
/* The rows and columns the diagram wants at full size. */
int view_diagram_rows(void);
int view_diagram_cols(void);

void view_countdown_update(struct countdown_model *m, const struct bot_snapshot *v);
void view_countdown_draw(WINDOW *w, const struct countdown_model *m, bool compact, bool utf8);
/* The columns the full-size pane needs to show m without a cut. */
int view_countdown_need(const struct countdown_model *m);

void view_budget_update(struct budget_model *m, const struct bot_snapshot *v);
void view_budget_draw(WINDOW *w, const struct budget_model *m, bool compact);
/* The columns the full-size pane needs to show m without a cut. */
int view_budget_need(const struct budget_model *m);

void view_queue_update(struct queue_model *m, const struct bot_snapshot *v, const struct rlq_row *rows,
    int nrows);
void view_queue_draw(WINDOW *w, const struct queue_model *m, bool compact);

void view_status_update(struct status_model *m, const struct bot_snapshot *v,
    const struct script_health *bots, const char *endpoint,
    double evps, int64_t uptime_ms);
void view_status_draw(WINDOW *w, const struct status_model *m);

/* The shards the grid shows: this process's, or in a cluster every one. */
int view_grid_shards(struct app *app);
/* The grid's rows (cells and the summary line) for nshards on a screen,
 * 0 for one shard. */
int view_grid_rows(int nshards, int rows, int cols);
void view_grid_update(struct grid_model *m, struct app *app, int sel, int rows, int cols,
    struct vtime now);
void view_grid_draw(WINDOW *w, const struct grid_model *m, bool utf8);
/* The worst shard's rank (0 all connected) and the state that shows it. */
int view_grid_worst(const struct grid_model *m, enum bot_state *state);

/* The log pane reads the ring directly (by seq): it only appends. */
bool view_log_changed(const struct log_view *lv, const struct logring *r, WINDOW *w);
void view_log_draw(WINDOW *w, struct log_view *lv, const struct logring *r);
/* Scrolling: rows > 0 scrolls back (older), < 0 forward. */
void view_log_scroll(struct log_view *lv, const struct logring *r, int rows, int width);
void view_log_top(struct log_view *lv, const struct logring *r);
void view_log_bottom(struct log_view *lv);
/* Whether an entry passes the level and text filters. */
bool view_log_visible(const struct log_view *lv, const struct log_entry *e);
/* Scrolls to the newest visible match of lv->search older than the bottom
 * line (wrapping to the newest); false when nothing matches. */
bool view_log_find(struct log_view *lv, const struct logring *r, bool from_bottom);

/* ---- drawing helpers (screen.c) ---- */

/* Bytes of the longest prefix of s that fits maxw columns; *cols gets its
 * width. At least one character when s is not empty and maxw > 0. */
size_t ui_clip(const char *s, int maxw, int *cols);
/* Bytes of s for one row of maxw columns when wrapping text: up to the
 * last space that fits, or ui_clip's when one word fills the row. */
size_t ui_wrap(const char *s, int maxw);
int ui_putf(WINDOW *w, int y, int x, int maxw, enum ui_role role, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* A pane rule: "── Title ─── right ──" across the window's first row;
 * right is left out whole when it does not fit. */
void ui_rule(WINDOW *w, int y, const char *title, const char *right);
/* The same with the right side in forms (see fit_draw). */
struct fit_line;
void ui_rule_fit(WINDOW *w, int y, const char *title, const struct fit_line *right, int nright);
/* Duration as shown: "45s", "12m05s", "3h12m", "2d04h". */
void ui_dur(int64_t ms, char *buf, size_t len);
/* Whole seconds, rounded up (a countdown shows 1s until it is over). */
int ui_ceil_s(int64_t ms);
/* Milliseconds until ui_dur's text of an elapsed (growing) time changes. */
int64_t ui_dur_next(int64_t ms);
/* Local wall-clock time "HH:MM:SS". */
void ui_clock(int64_t wall_ms, char *buf, size_t len);
/* The role of a state's name. */
enum ui_role ui_state_role(enum bot_state s);
/* Whether the terminal speaks UTF-8 (box drawing, arrows, blocks). */
bool ui_utf8(void);

/* ---- lines that fit (fit.c) ---- */

/* A line as fields of styled spans. Limits: FIT_FIELDS fields, FIT_SPANS
 * spans and FIT_TEXT bytes a line; what goes past them is left out. */
#define FIT_FIELDS 24
#define FIT_SPANS  40
#define FIT_TEXT   512

struct fit_span {
	enum ui_role role;
	unsigned short off;                 /* into text */
	int field, width;
};

struct fit_line {
	char text[FIT_TEXT];
	size_t used;
	int nspans, nfields;
	struct fit_span span[FIT_SPANS];
	unsigned char drop[FIT_FIELDS];     /* 0 kept, else left out lowest first */
};

void fit_init(struct fit_line *l);
/* Starts a field: drop 0 is always shown, 1, 2, ... are left out in that
 * order when the line does not fit. Spans before the first call form an
 * undroppable field. */
void fit_field(struct fit_line *l, int drop);
/* Adds text in role to the current field. */
void fit_add(struct fit_line *l, enum ui_role role, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Adds text as fields of its own, one per run between separators (" " for
 * words, " /" for a route's segments): free text is cut between words. */
void fit_split(struct fit_line *l, enum ui_role role, const char *text, const char *seps);
/* The width of every field of l. */
int fit_width(const struct fit_line *l);
/* The narrowest the forms can be drawn without a cut. */
int fit_need(const struct fit_line *forms, int nforms);
/* Draws the first of the forms (longest first) that fits maxw columns,
 * dropping fields if it must, else the last one cut at a field boundary
 * with "…". Returns the columns written. */
int fit_draw(WINDOW *w, int y, int x, int maxw, const struct fit_line *forms, int nforms);
/* The columns fit_draw would write. */
int fit_drawn(const struct fit_line *forms, int nforms, int maxw);

/* ---- shards (console.c) ---- */

/* Shows shard index i (of this process's) in the diagram, countdown and
 * history. */
void ui_select(struct ui *ui, int i);

/* ---- title.c ---- */

/* Sets the pane title when the state it shows changed. */
void title_update(struct ui *ui);
/* Rings the bell (unless --no-bell). */
void title_bell(struct ui *ui);
/* Leaves a neutral title at exit. */
void title_restore(struct ui *ui);

/* ---- console services for commands (console.c) ---- */

/* Marks panes dirty (UI_DIRTY(p) bits); clear repaints everything. */
void ui_dirty(struct ui *ui, unsigned panes, bool clear);
/* Loads and applies a theme; 0, or -1 with a message (the old one stays;
 * headless, there is no screen to apply it to). */
int ui_set_theme(struct ui *ui, const char *name, char *err, size_t errlen);
/* One answer line of any length, unformatted: whole in a control-socket
 * reply, cut to a log line in the log pane. */
void ui_say(struct ui *ui, enum log_level level, const char *text);
/* The model every console starts from (also the headless one's). */
void ui_init(struct ui *ui, struct app *a, const struct console_options *o);

#endif
