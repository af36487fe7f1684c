/*
 * Headless render tests of the console's views (TUI-ANCHORS §7B): real
 * ncurses on a terminal that writes to /dev/null, views drawn from
 * snapshots built here, cells read back with mvwinnstr / mvwinch.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "ui/ui.h"

static SCREEN *scr;
static FILE *out, *in;

/* The text of row y of w, trailing blanks cut. */
static const char *
row(WINDOW *w, int y)
{
	static char buf[512];
	int n = mvwinnstr(w, y, 0, buf, (int)sizeof(buf) - 1);
	char *e;

	if (n < 0)
		n = 0;
	buf[n] = '\0';
	e = buf + strlen(buf);
	while (e > buf && e[-1] == ' ')
		*--e = '\0';
	return buf;
}

/* Whether any row of w contains text. */
static int
find_row(WINDOW *w, const char *text)
{
	for (int y = 0; y < getmaxy(w); y++)
		if (strstr(row(w, y), text) != NULL)
			return y;
	return -1;
}

static void
assert_shows(WINDOW *w, const char *text)
{
	if (find_row(w, text) < 0) {
		for (int y = 0; y < getmaxy(w); y++)
			fprintf(stderr, "|%s\n", row(w, y));
		fail_msg("\"%s\" not on screen", text);
	}
}

/* The colour pair at the first cell of text. */
static short
pair_at(WINDOW *w, const char *text)
{
	int y = find_row(w, text);
	const char *r, *p;

	assert_true(y >= 0);
	r = row(w, y);
	p = strstr(r, text);
	return (short)PAIR_NUMBER(mvwinch(w, y, (int)(p - r)));
}

static int
setup(void **state)
{
	struct theme t;

	(void)state;
	setlocale(LC_ALL, "C.UTF-8");
	out = fopen("/dev/null", "w");
	in = fopen("/dev/null", "r");
	scr = newterm("xterm-256color", out, in);
	if (scr == NULL)
		return -1;
	set_term(scr);
	start_color();
	use_default_colors();
	resizeterm(40, 120);
	theme_default(&t);
	theme_apply(&t, false);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	endwin();
	delscreen(scr);
	fclose(out);
	fclose(in);
	return 0;
}

static void
base_view(struct bot_snapshot *v)
{
	memset(v, 0, sizeof(*v));
	v->state = BOT_CONNECTED;
	v->phase = PHASE_CONNECTED;
	v->in_state_ms = 125 * 1000;
	v->rtt_ms = 42;
	v->shard_count = 1;
	snprintf(v->user, sizeof(v->user), "Vigil#0001");
	snprintf(v->formula.text, sizeof(v->formula.text), "%s", "round(a^1.5 - a^1.5 / (1/(0.1*a) + 1))");
	snprintf(v->formula.preset, sizeof(v->formula.preset), "javacord");
	v->budget_limit = 1000;
	v->budget_remaining = 1000;
	v->budget_reserve = 10;
	v->next_free_in_ms = -1;
	v->projection = 567;
	v->rest.per_s = 50;
	v->rest.invalid_limit = 10000;
}

static void
diagram_full(void **state)
{
	WINDOW *w = newwin(11, 56, 0, 0);
	struct diagram_model m;
	struct bot_snapshot v;

	(void)state;
	base_view(&v);
	v.counts[BOT_CONNECTED][BOT_DISCONNECTED] = 4;
	v.counts[BOT_DISCONNECTED][BOT_RESUMING] = 3;
	v.counts[BOT_RESUMING][BOT_CONNECTED] = 3;
	v.counts[BOT_RESUMING][BOT_DISCONNECTED] = 1;
	v.has_last = true;
	v.last.from = BOT_RESUMING;
	v.last.to = BOT_CONNECTED;
	snprintf(v.last.reason, sizeof(v.last.reason), "resumed, 12 events replayed");
	view_diagram_update(&m, &v, NULL, 0);
	view_diagram_draw(w, &m, false);
	assert_shows(w, "State");
	assert_shows(w, "[ Connected ]");
	assert_shows(w, "[ Disconnected ]");
	assert_shows(w, "[ Resuming ]");
	assert_shows(w, "[ Reconnecting ]");
	assert_shows(w, "in Connected for 2m05s");
	assert_shows(w, "Rs>C: resumed, 12 events replayed");
	assert_shows(w, "also Rs>D 1");
	/* The current state is drawn in its own role, the others too. */
	assert_int_equal(pair_at(w, "Disconnected"), ROLE_STATE_DISCONNECTED + 1);
	/* Counts sit on their arrows: C>D's 4 beside the vertical arrow. */
	assert_true(strstr(row(w, 3), "4") != NULL);
	delwin(w);
}

static void
diagram_compact(void **state)
{
	WINDOW *w = newwin(1, 70, 0, 0);
	struct diagram_model m;
	struct bot_snapshot v;

	(void)state;
	base_view(&v);
	v.state = BOT_RESUMING;
	v.counts[BOT_CONNECTED][BOT_DISCONNECTED] = 2;
	view_diagram_update(&m, &v, NULL, 0);
	view_diagram_draw(w, &m, true);
	assert_string_equal(row(w, 0), "Resuming 2m05s C>D 2 D>Rs 0 D>Rc 0 Rs>Rc 0 Rs>C 0 Rc>C 0");
	delwin(w);
}

static void
diagram_model_stable(void **state)
{
	struct diagram_model a, b;
	struct bot_snapshot v;

	(void)state;
	base_view(&v);
	view_diagram_update(&a, &v, NULL, 0);
	v.in_state_ms += 400;           /* same second shown: no redraw */
	view_diagram_update(&b, &v, NULL, 0);
	assert_memory_equal(&a, &b, sizeof(a));
	v.in_state_ms += 600;
	view_diagram_update(&b, &v, NULL, 0);
	assert_memory_not_equal(&a, &b, sizeof(a));
}

static void
countdown_views(void **state)
{
	WINDOW *w = newwin(4, 60, 0, 0);
	struct countdown_model m;
	struct bot_snapshot v;

	(void)state;
	base_view(&v);
	view_countdown_update(&m, &v);
	view_countdown_draw(w, &m, false, true);
	assert_shows(w, "no reconnect pending");
	v.state = BOT_RECONNECTING;
	v.phase = PHASE_WAIT;
	v.wait = WAIT_BACKOFF;
	v.attempt = 3;
	v.wait_total_ms = 4000;
	v.wait_left_ms = 2100;
	snprintf(v.formula.text, sizeof(v.formula.text), "a*2");
	v.formula.preset[0] = '\0';
	view_countdown_update(&m, &v);
	view_countdown_draw(w, &m, false, true);
	assert_shows(w, "attempt 3 (new session) in 3s of 4s");
	assert_shows(w, "formula a*2 gave 4.0s");
	assert_int_equal(m.fill, 250);
	/* A formula too long for the pane is cut; the delay it gave is not. */
	snprintf(v.formula.text, sizeof(v.formula.text), "%s",
	    "round(a^1.5 - a^1.5 / (1/(0.1*a) + 1)) + min(a, 10) * 0");
	v.wait_total_ms = 13000;
	view_countdown_update(&m, &v);
	view_countdown_draw(w, &m, false, true);
	assert_shows(w, "gave 13.0s");
	delwin(w);
}

static void
budget_views(void **state)
{
	WINDOW *w = newwin(7, 64, 0, 0);
	struct budget_model m;
	struct bot_snapshot v;

	(void)state;
	base_view(&v);
	v.budget_used = 991;
	v.budget_remaining = 9;
	v.projection = 567;
	v.projection_exhausts = true;
	v.nrecent = 2;
	v.recent[0].wall_ms = 0;
	snprintf(v.recent[0].reason, sizeof(v.recent[0].reason), "op 9");
	snprintf(v.recent[1].reason, sizeof(v.recent[1].reason), "first start");
	v.next_free_in_ms = 3 * 3600 * 1000LL + 5 * 60 * 1000;
	view_budget_update(&m, &v);
	view_budget_draw(w, &m, false);
	assert_shows(w, "used 991/1000  left 9  reserve 10");
	assert_shows(w, "next slot in 3h05m");
	assert_shows(w, "567 starts");
	assert_shows(w, "could exhaust");
	assert_shows(w, "op 9");
	assert_int_equal(pair_at(w, "could exhaust"), ROLE_CRIT + 1);
	delwin(w);
}

static void
queue_views(void **state)
{
	WINDOW *w = newwin(5, 100, 0, 0);
	struct queue_model m;
	struct bot_snapshot v;
	struct rlq_row rows[1];

	(void)state;
	base_view(&v);
	memset(rows, 0, sizeof(rows));
	snprintf(rows[0].route, sizeof(rows[0].route), "POST /channels/1/messages");
	rows[0].known = true;
	rows[0].limit = 5;
	rows[0].remaining = 0;
	rows[0].reset_in_ms = 1200;
	rows[0].pending = 3;
	rows[0].hits429 = 2;
	v.rest.invalid_10min = 7;
	view_queue_update(&m, &v, rows, 1);
	view_queue_draw(w, &m, false);
	assert_shows(w, "invalid 7/10000  no ban");
	assert_shows(w, "POST /channels/1/messages");
	assert_shows(w, "0/5      2s    3+0      2");
	v.rest.banned = true;
	v.rest.ban_left_ms = 60000;
	view_queue_update(&m, &v, rows, 1);
	view_queue_draw(w, &m, false);
	assert_shows(w, "BANNED 60s");
	/* Narrow: the ban stays on the rule, the counts go first. */
	wresize(w, 5, 50);
	view_queue_draw(w, &m, false);
	assert_non_null(strstr(row(w, 0), " BANNED 60s · 0/50/s q"));
	assert_null(strstr(row(w, 0), "invalid"));
	assert_int_equal(pair_at(w, "BANNED"), ROLE_CRIT + 1);
	delwin(w);
}

static void
status_view(void **state)
{
	WINDOW *w = newwin(1, 120, 0, 0);
	struct status_model m;
	struct bot_snapshot v;

	(void)state;
	base_view(&v);
	v.cache.entries[CACHE_GUILD] = 3;
	v.cache.entries[CACHE_USER] = 40;
	view_status_update(&m, &v, NULL, "emulator 127.0.0.1:8787", 2.5, 3723 * 1000LL);
	view_status_draw(w, &m);
	assert_shows(w, "vigil Vigil#0001");
	assert_shows(w, "gateway emulator 127.0.0.1:8787");
	assert_shows(w, "rtt 42 ms");
	assert_shows(w, "events 2.5/s");
	assert_shows(w, "cache 43");
	assert_shows(w, "up 1h02m");
	delwin(w);
}

static void
wide_text(void **state)
{
	WINDOW *w = newwin(1, 10, 0, 0);
	int cols;

	(void)state;
	assert_int_equal(ui_width("ab日本"), 6);
	assert_int_equal(ui_clip("日本語", 5, &cols), 6);
	assert_int_equal(cols, 4);
	assert_int_equal(ui_put(w, 0, 0, 5, ROLE_TEXT, "日本語x"), 4);
	/* Wrapping breaks after a space; a word wider than the row is cut. */
	assert_int_equal(ui_wrap("connection dropped", 12), 11);
	assert_int_equal(ui_wrap("connection dropped", 18), 18);
	assert_int_equal(ui_wrap("connection dropped", 10), 11);
	assert_int_equal(ui_wrap("ws://127.0.0.1:8787/?v=10", 8), 8);
	delwin(w);
}

/* Forms longest first; fields dropped lowest priority first; a cut only
 * between fields, marked with "…". */
static void
fit_lines(void **state)
{
	WINDOW *w = newwin(1, 40, 0, 0);
	struct fit_line f[2];

	(void)state;
	fit_init(&f[0]);
	fit_add(&f[0], ROLE_TEXT, "used 1/1000");
	fit_field(&f[0], 0);
	fit_add(&f[0], ROLE_TEXT, "  left 999");
	fit_init(&f[1]);
	fit_add(&f[1], ROLE_TEXT, "1/1000");
	fit_field(&f[1], 2);
	fit_add(&f[1], ROLE_TEXT, " · 999 left");
	fit_field(&f[1], 1);
	fit_add(&f[1], ROLE_TEXT, " · 10 kept");
	assert_int_equal(fit_width(&f[1]), 27);
	assert_int_equal(fit_need(f, 2), 6);
	fit_draw(w, 0, 0, 40, f, 2);
	assert_string_equal(row(w, 0), "used 1/1000  left 999");
	werase(w);
	fit_draw(w, 0, 0, 20, f, 2);
	assert_string_equal(row(w, 0), "1/1000 · 999 left");
	werase(w);
	fit_draw(w, 0, 0, 12, f, 2);
	assert_string_equal(row(w, 0), "1/1000");
	/* Free text: cut between words, never inside one. */
	fit_init(&f[0]);
	fit_add(&f[0], ROLE_TEXT, "last ");
	fit_split(&f[0], ROLE_TEXT, "connection dropped without a close frame", " ");
	werase(w);
	fit_draw(w, 0, 0, 30, f, 1);
	assert_string_equal(row(w, 0), "last connection dropped…");
	werase(w);
	fit_draw(w, 0, 0, 3, f, 1);
	assert_string_equal(row(w, 0), "…");
	delwin(w);
}

/* The status line loses uptime, then cache, then events; never half a
 * field. */
static void
status_drops(void **state)
{
	WINDOW *w = newwin(1, 120, 0, 0);
	struct status_model m;
	struct bot_snapshot v;
	static const struct { int cols; const char *tail; } want[] = {
		{ 110, "cache 43  up 1h02m" },
		{ 100, "events 2.5/s  cache 43" },
		{ 95, "rtt 42 ms  events 2.5/s" },
		{ 82, "shard 0/1  rtt 42 ms" },
		{ 72, "127.0.0.1:8787  rtt 42 ms" },
	};

	(void)state;
	base_view(&v);
	v.cache.entries[CACHE_USER] = 43;
	view_status_update(&m, &v, NULL, "emulator 127.0.0.1:8787", 2.5, 3723 * 1000LL);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const char *r;

		wresize(w, 1, want[i].cols);
		view_status_draw(w, &m);
		r = row(w, 0);
		assert_true(strlen(r) >= strlen(want[i].tail));
		assert_string_equal(r + strlen(r) - strlen(want[i].tail), want[i].tail);
	}
	/* Before the first ACK: when the first beat goes, not a dash. */
	v.rtt_ms = -1;
	v.hb_next_in_ms = 12300;
	view_status_update(&m, &v, NULL, "emulator 127.0.0.1:8787", 0.5, 1000);
	wresize(w, 1, 120);
	view_status_draw(w, &m);
	assert_shows(w, "rtt first beat in 13s");
	delwin(w);
}

/* The Lua bots' health: the count alone when all is well, what needs the
 * operator otherwise; it goes after the event rate on a narrow line. */
static void
status_bots(void **state)
{
	WINDOW *w = newwin(1, 120, 0, 0);
	struct status_model m;
	struct bot_snapshot v;
	struct script_health ok = { 2, 0, 0 }, bad = { 2, 3, 1 };
	const char *r;

	(void)state;
	base_view(&v);
	view_status_update(&m, &v, &ok, "emulator 127.0.0.1:8787", 2.5, 3723 * 1000LL);
	view_status_draw(w, &m);
	assert_shows(w, "events 2.5/s  bots 2  cache");
	assert_false(m.bots_alarm);
	view_status_update(&m, &v, &bad, "emulator 127.0.0.1:8787", 2.5, 3723 * 1000LL);
	view_status_draw(w, &m);
	assert_shows(w, "bots 2, 3 err/min, 1 off");
	assert_true(m.bots_alarm);
	wresize(w, 1, 100);
	view_status_draw(w, &m);
	r = row(w, 0);
	assert_null(strstr(r, "events"));
	assert_non_null(strstr(r, "bots 2, 3 err/min, 1 off"));
	delwin(w);
}

/* The right column at 80 columns (27): the short forms, no cut. */
static void
short_forms(void **state)
{
	WINDOW *w = newwin(7, 27, 0, 0);
	struct countdown_model c;
	struct budget_model b;
	struct bot_snapshot v;

	(void)state;
	base_view(&v);
	v.state = BOT_RESUMING;
	v.phase = PHASE_WAIT;
	v.wait = WAIT_BACKOFF;
	v.attempt = 4;
	v.wait_total_ms = 4000;
	v.wait_left_ms = 2100;
	v.budget_used = 1;
	v.budget_remaining = 999;
	v.discord_known = true;
	v.d_total = 1000;
	v.d_remaining = 1000;
	v.d_reset_in_ms = 3600 * 1000LL;
	v.next_free_in_ms = 3600 * 1000LL;
	view_countdown_update(&c, &v);
	view_countdown_draw(w, &c, false, true);
	assert_string_equal(row(w, 1), " #4 resume in 3s of 4s");
	assert_string_equal(row(w, 3), " javacord gave 4.0s");
	assert_true(view_countdown_need(&c) <= 27);
	view_budget_update(&b, &v);
	view_budget_draw(w, &b, false);
	assert_string_equal(row(w, 1), " 1/1000 used · 999 left");
	assert_string_equal(row(w, 2), " next slot 1h00m");
	assert_string_equal(row(w, 3), " worst 24 h 567 of 989 ok");
	assert_true(view_budget_need(&b) <= 27);
	/* A column too narrow for the short forms is measured as such. */
	v.budget_used = 12345;
	v.budget_limit = 99999;
	view_budget_update(&b, &v);
	assert_true(view_budget_need(&b) > 27);
	delwin(w);
}

/* Events per second over the last 10 s, not the last second. */
static void
event_rate(void **state)
{
	struct ui_rate r;
	uint64_t n = 0;

	(void)state;
	rate_init(&r, 0, 0);
	/* One event every other second: 0.5/s once the window has filled. */
	for (int64_t t = 1000; t <= 20000; t += 1000) {
		if (t % 2000 == 0)
			n++;
		rate_sample(&r, t, n);
		if (t >= 10000)
			assert_true(r.per_s >= 0.4 && r.per_s <= 0.6);
	}
	rate_sample(&r, 20500, n + 5);  /* inside the second: not sampled */
	assert_true(r.per_s <= 0.6);
	assert_int_equal(rate_next(&r, n), 21000);
	/* Quiet for the whole window: zero, and no more wake-ups. */
	for (int64_t t = 21000; t <= 32000; t += 1000)
		rate_sample(&r, t, n);
	assert_true(r.per_s == 0);
	assert_true(rate_next(&r, n) == VTIME_NEVER);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(diagram_full),
		cmocka_unit_test(diagram_compact),
		cmocka_unit_test(diagram_model_stable),
		cmocka_unit_test(countdown_views),
		cmocka_unit_test(budget_views),
		cmocka_unit_test(queue_views),
		cmocka_unit_test(status_view),
		cmocka_unit_test(wide_text),
		cmocka_unit_test(fit_lines),
		cmocka_unit_test(status_drops),
		cmocka_unit_test(status_bots),
		cmocka_unit_test(short_forms),
		cmocka_unit_test(event_rate),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
