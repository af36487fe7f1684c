/*
 * The redraw side of `make bench`: the console's views at 120x40, in the
 * full layout's geometry, drawn by real ncurses into a file standing in for
 * the terminal. A busy screen (reconnecting, twelve REST buckets, a full log
 * ring of 4096 lines) is timed three ways: a full repaint (what Ctrl-L or a
 * resize costs), the once-a-second countdown tick (what an idle console
 * pays), and one new log line. Bytes written per frame come from the file's
 * offset: what a slow ssh link or tmux would have to carry.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ui/ui.h"

#define ROWS 40
#define COLS 120
#define NQ   12

struct screen {
	WINDOW *status, *diagram, *countdown, *budget, *queue, *log;
	FILE *out;
	struct bot_snapshot v;
	struct rlq_row rows[NQ];
	struct logring ring;
	struct log_view lv;
};

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static long
written(struct screen *s)
{
	fflush(s->out);
	return (long)lseek(fileno(s->out), 0, SEEK_CUR);
}

/* A console in the middle of a bad minute. */
static void
fill_view(struct screen *s)
{
	struct bot_snapshot *v = &s->v;

	memset(v, 0, sizeof(*v));
	v->state = BOT_RECONNECTING;
	v->phase = PHASE_WAIT;
	v->wait = WAIT_BACKOFF;
	v->attempt = 7;
	v->wait_total_ms = 11000;
	v->wait_left_ms = 11000;
	v->in_state_ms = 42000;
	v->shard_count = 1;
	snprintf(v->user, sizeof(v->user), "vigil-bot");
	snprintf(v->formula.text, sizeof(v->formula.text), "%s",
	    "round(a^1.5 - a^1.5 / (1/(0.1*a) + 1))");
	snprintf(v->formula.preset, sizeof(v->formula.preset), "javacord");
	v->counts[BOT_CONNECTED][BOT_DISCONNECTED] = 14;
	v->counts[BOT_DISCONNECTED][BOT_RESUMING] = 12;
	v->counts[BOT_RESUMING][BOT_CONNECTED] = 11;
	v->counts[BOT_DISCONNECTED][BOT_RECONNECTING] = 3;
	v->budget_limit = 1000;
	v->budget_used = 41;
	v->budget_remaining = 959;
	v->budget_reserve = 10;
	v->next_free_in_ms = 3600000;
	v->projection = 567;
	v->nrecent = 3;
	for (int i = 0; i < v->nrecent; i++)
		snprintf(v->recent[i].reason, sizeof(v->recent[i].reason), "op 9");
	v->rest.per_s = 50;
	v->rest.invalid_limit = 10000;
	for (int i = 0; i < NQ; i++) {
		struct rlq_row *r = &s->rows[i];

		memset(r, 0, sizeof(*r));
		snprintf(r->route, sizeof(r->route), "POST /channels/8309553842095390%02d/messages", i);
		r->known = true;
		r->limit = 5;
		r->remaining = i % 5;
		r->reset_in_ms = 1000 * (i % 4);
		r->pending = i;
	}
}

static int
open_screen(struct screen *s)
{
	static char out_path[] = "/tmp/vigil-redraw.XXXXXX";
	struct theme t;
	int fd = mkstemp(out_path);
	FILE *in = fopen("/dev/null", "r");

	if (fd < 0 || in == NULL)
		return -1;
	unlink(out_path);
	s->out = fdopen(fd, "w");
	if (s->out == NULL || newterm("xterm-256color", s->out, in) == NULL)
		return -1;
	start_color();
	use_default_colors();
	resizeterm(ROWS, COLS);
	theme_default(&t);
	theme_apply(&t, false);
	s->status = newwin(1, COLS, 0, 0);
	s->diagram = newwin(view_diagram_rows() + 1, 54, 1, 0);
	s->countdown = newwin(4, COLS - 55, 1, 55);
	s->budget = newwin(view_diagram_rows() - 3, COLS - 55, 5, 55);
	s->queue = newwin(NQ / 2, COLS, 2 + view_diagram_rows(), 0);
	s->log = newwin(ROWS - 3 - view_diagram_rows() - NQ / 2, COLS, 2 + view_diagram_rows() + NQ / 2, 0);
	if (logring_init(&s->ring, 4096) != 0)
		return -1;
	for (int i = 0; i < 5000; i++)
		logring_add(&s->ring, (enum log_level)(i % 4), "session",
		    "attempt %d: resuming at ws://127.0.0.1:18787/?v=10&encoding=json", i);
	memset(&s->lv, 0, sizeof(s->lv));
	s->lv.min_level = LOG_DEBUG;
	return 0;
}

static void
draw_all(struct screen *s)
{
	struct status_model sm;
	struct diagram_model dm;
	struct countdown_model cm;
	struct budget_model bm;
	struct queue_model qm;

	view_status_update(&sm, &s->v, NULL, "emulator 127.0.0.1:18787", 12.5, 3600000);
	view_diagram_update(&dm, &s->v, NULL, 0);
	view_countdown_update(&cm, &s->v);
	view_budget_update(&bm, &s->v);
	view_queue_update(&qm, &s->v, s->rows, NQ);
	view_status_draw(s->status, &sm);
	view_diagram_draw(s->diagram, &dm, false);
	view_countdown_draw(s->countdown, &cm, false, true);
	view_budget_draw(s->budget, &bm, false);
	view_queue_draw(s->queue, &qm, false);
	view_log_draw(s->log, &s->lv, &s->ring);
	wnoutrefresh(s->status);
	wnoutrefresh(s->diagram);
	wnoutrefresh(s->countdown);
	wnoutrefresh(s->budget);
	wnoutrefresh(s->queue);
	wnoutrefresh(s->log);
}

static void
tick(struct screen *s)
{
	struct countdown_model cm;

	s->v.wait_left_ms = s->v.wait_left_ms > 1000 ? s->v.wait_left_ms - 1000 : 11000;
	view_countdown_update(&cm, &s->v);
	view_countdown_draw(s->countdown, &cm, false, true);
	wnoutrefresh(s->countdown);
}

static void
log_line(struct screen *s, int i)
{
	logring_add(&s->ring, LOG_INFO, "session", "next attempt (%d) in 11000 ms: backoff", i);
	view_log_draw(s->log, &s->lv, &s->ring);
	wnoutrefresh(s->log);
}

static void
report(const char *what, double us, long bytes, int n)
{
	printf("%-16s %.1f us per frame, %ld bytes to the terminal per frame\n", what, us / n,
	    bytes / n);
}

int
main(int argc, char **argv)
{
	static struct screen s;
	int n = argc > 1 ? atoi(argv[1]) : 2000;
	double t0;
	long b0;

	setlocale(LC_CTYPE, "C.UTF-8");
	if (n <= 0 || open_screen(&s) != 0) {
		fprintf(stderr, "redraw: cannot set up a curses screen\n");
		return 1;
	}
	fill_view(&s);
	draw_all(&s);
	doupdate();

	b0 = written(&s);
	t0 = now_us();
	for (int i = 0; i < n; i++) {
		clearok(curscr, TRUE);
		draw_all(&s);
		doupdate();
	}
	report("full repaint", now_us() - t0, written(&s) - b0, n);

	b0 = written(&s);
	t0 = now_us();
	for (int i = 0; i < n; i++) {
		tick(&s);
		doupdate();
	}
	report("countdown tick", now_us() - t0, written(&s) - b0, n);

	b0 = written(&s);
	t0 = now_us();
	for (int i = 0; i < n; i++) {
		log_line(&s, i);
		doupdate();
	}
	report("one log line", now_us() - t0, written(&s) - b0, n);

	endwin();
	logring_free(&s.ring);
	return 0;
}
