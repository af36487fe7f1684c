/*
 * Readline glue (docs/design.md "The loop"). Readline runs in
 * callback mode and never touches the terminal:
 *
 *  - ncurses owns the tty modes (prep/deprep NULL), signals are the loop's
 *    (rl_catch_signals = 0), LINES/COLUMNS are left alone
 *    (rl_change_environment = 0), and rl_outstream is /dev/null, because
 *    readline writes a newline there when a line is accepted.
 *  - Input is pushed: the loop's bytes go into a queue, getc pops it and
 *    never returns EOF (readline would take that for Ctrl-D), and the
 *    input-available hook answers from the queue, so an arrow key that
 *    arrived in one read is never split into ESC and letters.
 *  - Redisplay only marks the input pane dirty; the console draws
 *    rl_line_buffer once per frame, with the cursor at the display width
 *    (wcwidth) of the prompt and the text before rl_point.
 *  - Completion lists go to the log pane, not to rl_outstream.
 *  - Log keys are named readline functions (vigil-log-page-up, ...) bound
 *    to PgUp/PgDn/Home/End, so ~/.inputrc can rebind them under
 *    `$if vigil`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "ui/cmd.h"
#include "ui/cmdline.h"
#include "ui/hooks.h"

#define QUEUE_MAX    4096
#define HISTORY_MAX  1000
#define PROMPT       "vigil> "
#define MOUSE_MAX    32

/* readline's state is global; so is its glue, and only here. */
static struct ui *cl_ui;
static unsigned char cl_queue[QUEUE_MAX];
static size_t cl_head, cl_len;
static FILE *cl_null;
static char cl_history[4096];
static bool cl_mouse;
static char cl_mbuf[MOUSE_MAX];         /* a mouse report split across reads */
static size_t cl_mlen;

static int
q_getc(FILE *unused)
{
	unsigned char c;

	(void)unused;
	if (cl_len == 0)
		return 0;
	c = cl_queue[cl_head];
	cl_head = (cl_head + 1) % QUEUE_MAX;
	cl_len--;
	return c;
}

static int
q_available(void)
{
	return cl_len > 0;
}

static void
q_push(unsigned char c)
{
	if (cl_len == QUEUE_MAX)
		return;
	cl_queue[(cl_head + cl_len++) % QUEUE_MAX] = c;
}

static void
redisplay(void)
{
	ui_input_changed(cl_ui);
}

static void
on_line(char *line)
{
	HIST_ENTRY *last;

	if (line == NULL) {
		ui_quit(cl_ui);
		return;
	}
	if (*line != '\0' && ui_confirm_question(cl_ui) == NULL) {
		last = history_length > 0 ? history_get(history_base + history_length - 1) : NULL;
		if (last == NULL || strcmp(last->line, line) != 0) {
			add_history(line);
			if (cl_history[0] != '\0')
				(void)append_history(1, cl_history);
		}
	}
	cmd_run(cl_ui, line);
	free(line);
}

/* ---- completion ---- */

struct matches {
	char **v;
	size_t n, cap;
};

static void
add_match(void *ud, const char *cand)
{
	struct matches *m = ud;
	char **nv;

	for (size_t i = 1; i < m->n; i++)
		if (strcmp(m->v[i], cand) == 0)
			return;
	if (m->n + 2 > m->cap) {
		nv = realloc(m->v, (m->cap * 2 + 8) * sizeof(*nv));
		if (nv == NULL)
			return;
		m->v = nv;
		m->cap = m->cap * 2 + 8;
	}
	if ((m->v[m->n] = strdup(cand)) != NULL)
		m->n++;
}

/* matches[0] is the longest common prefix, as readline expects. */
static char **
finish_matches(struct matches *m)
{
	size_t common;

	if (m->n <= 1) {
		free(m->v);
		return NULL;
	}
	common = strlen(m->v[1]);
	for (size_t i = 2; i < m->n; i++) {
		size_t j = 0;

		while (j < common && m->v[i][j] == m->v[1][j])
			j++;
		common = j;
	}
	m->v[0] = strndup(m->v[1], common);
	m->v[m->n] = NULL;
	return m->v;
}

static char **
attempt_completion(const char *text, int start, int end)
{
	char before[CMD_LINE_MAX], buf[CMD_LINE_MAX], err[64], *words[CMD_MAX_ARGS + 1];
	struct matches m = { 0 };
	int n;

	(void)end;
	rl_attempted_completion_over = 1;
	snprintf(before, sizeof(before), "%.*s", start, rl_line_buffer);
	if (before[0] == '/' || (n = cmd_split(before, buf, sizeof(buf), words, CMD_MAX_ARGS,
	    err, sizeof(err))) < 0)
		return NULL;
	m.n = 1;
	cmd_complete(cl_ui, n, words, text, add_match, &m);
	return finish_matches(&m);
}

static void
show_matches(char **matches, int num, int maxlen)
{
	char line[LOG_TEXT_MAX];
	size_t off = 0;

	(void)maxlen;
	for (int i = 1; i <= num && off < sizeof(line); i++)
		off += (size_t)snprintf(line + off, sizeof(line) - off, "%s%s", i > 1 ? "  " : "",
		    matches[i]);
	ui_msg(cl_ui, LOG_INFO, "completions: %s", line);
}

/* ---- keys ---- */

static int
key_page_up(int count, int key)
{
	(void)count;
	(void)key;
	ui_key(cl_ui, UK_PAGE_UP);
	return 0;
}

static int
key_page_down(int count, int key)
{
	(void)count;
	(void)key;
	ui_key(cl_ui, UK_PAGE_DOWN);
	return 0;
}

/* Home and End move in the line while there is one, else in the log. */
static int
key_home(int count, int key)
{
	if (rl_end > 0)
		return rl_beg_of_line(count, key);
	ui_key(cl_ui, UK_TOP);
	return 0;
}

static int
key_end(int count, int key)
{
	if (rl_end > 0)
		return rl_end_of_line(count, key);
	ui_key(cl_ui, UK_BOTTOM);
	return 0;
}

static int
key_redraw(int count, int key)
{
	(void)count;
	(void)key;
	ui_key(cl_ui, UK_REDRAW);
	return 0;
}

/* [ and ] on an empty line select the previous and next shard; in a
 * line they are themselves. */
static int
key_shard(int count, int key)
{
	if (rl_end > 0)
		return rl_insert(count, key);
	ui_key(cl_ui, key == '[' ? UK_SHARD_PREV : UK_SHARD_NEXT);
	return 0;
}

static void
bind_keys(void)
{
	static const char *const home[] = { "\033[1~", "\033[7~", "\033[H", "\033OH", NULL };
	static const char *const end[] = { "\033[4~", "\033[8~", "\033[F", "\033OF", NULL };

	rl_add_defun("vigil-log-page-up", key_page_up, -1);
	rl_add_defun("vigil-log-page-down", key_page_down, -1);
	rl_add_defun("vigil-home", key_home, -1);
	rl_add_defun("vigil-end", key_end, -1);
	rl_add_defun("vigil-redraw", key_redraw, -1);
	rl_bind_keyseq("\033[5~", key_page_up);
	rl_bind_keyseq("\033[6~", key_page_down);
	for (int i = 0; home[i] != NULL; i++)
		rl_bind_keyseq(home[i], key_home);
	for (int i = 0; end[i] != NULL; i++)
		rl_bind_keyseq(end[i], key_end);
	rl_bind_key('L' & 0x1f, key_redraw);
	rl_add_defun("vigil-shard", key_shard, -1);
	rl_bind_key('[', key_shard);
	rl_bind_key(']', key_shard);
}

static void
history_setup(const char *path)
{
	using_history();
	stifle_history(HISTORY_MAX);
	snprintf(cl_history, sizeof(cl_history), "%s", path != NULL ? path : "");
	if (cl_history[0] == '\0')
		return;
	if (read_history(cl_history) != 0) {
		FILE *f = fopen(cl_history, "a");

		if (f != NULL)
			fclose(f);
	}
}

int
cmdline_init(struct ui *ui, const char *history_path, bool mouse, char *err, size_t errlen)
{
	cl_ui = ui;
	cl_mouse = mouse;
	if ((cl_null = fopen("/dev/null", "w")) == NULL) {
		snprintf(err, errlen, "/dev/null: %s", strerror(errno));
		return -1;
	}
	rl_readline_name = "vigil";
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_change_environment = 0;
	rl_prep_term_function = NULL;
	rl_deprep_term_function = NULL;
	rl_getc_function = q_getc;
	rl_input_available_hook = q_available;
	rl_redisplay_function = redisplay;
	rl_outstream = cl_null;
	rl_attempted_completion_function = attempt_completion;
	rl_completion_display_matches_hook = show_matches;
	rl_variable_bind("bell-style", "none");
	rl_variable_bind("enable-bracketed-paste", "off");
	history_setup(history_path);
	rl_callback_handler_install(PROMPT, on_line);
	/* After the handler: installing it initialises readline, which binds
	 * the terminal's Home/End to line motions. ~/.inputrc still wins for
	 * what it binds to the vigil-* names. */
	bind_keys();
	return 0;
}

/* Takes a complete SGR mouse report ("\e[<64;10;5M") and scrolls on the
 * wheel; other buttons are ignored. */
static void
mouse_report(const char *s)
{
	int b = (int)strtol(s + 3, NULL, 10);

	if (b == 64)
		ui_key(cl_ui, UK_WHEEL_UP);
	else if (b == 65)
		ui_key(cl_ui, UK_WHEEL_DOWN);
}

/* Routes one byte: into a mouse report being collected, or to readline. */
static void
route_byte(unsigned char c)
{
	static const char lead[] = "\033[<";

	if (cl_mlen > 0 || (cl_mouse && c == '\033')) {
		cl_mbuf[cl_mlen++] = (char)c;
		if (cl_mlen <= 3 && c != (unsigned char)lead[cl_mlen - 1]) {
			for (size_t i = 0; i < cl_mlen; i++)
				q_push((unsigned char)cl_mbuf[i]);
			cl_mlen = 0;
		} else if (cl_mlen > 3 && (c == 'M' || c == 'm')) {
			cl_mbuf[cl_mlen] = '\0';
			if (c == 'M')
				mouse_report(cl_mbuf);
			cl_mlen = 0;
		} else if (cl_mlen == MOUSE_MAX - 1) {
			cl_mlen = 0;
		}
		return;
	}
	q_push(c);
}

void
cmdline_feed(const char *bytes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		route_byte((unsigned char)bytes[i]);
	/* A lone ESC may still be the start of a report: give it to readline
	 * when nothing follows in this read. */
	if (cl_mlen > 0 && cl_mlen < 3) {
		for (size_t i = 0; i < cl_mlen; i++)
			q_push((unsigned char)cl_mbuf[i]);
		cl_mlen = 0;
	}
	while (cl_len > 0)
		rl_callback_read_char();
}

/* Display width of the first n bytes of s. */
static int
width_n(const char *s, size_t n)
{
	char buf[CMD_LINE_MAX * 2];

	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return ui_width(buf);
}

void
cmdline_draw(WINDOW *w)
{
	const char *prompt = rl_display_prompt != NULL ? rl_display_prompt : PROMPT;
	const char *line = rl_line_buffer != NULL ? rl_line_buffer : "";
	char q[200];
	int cols = getmaxx(w), pw, start = 0, cur, x;

	if (ui_confirm_question(cl_ui) != NULL) {
		snprintf(q, sizeof(q), "%s [y/N] ", ui_confirm_question(cl_ui));
		prompt = q;
	}
	werase(w);
	pw = ui_width(prompt);
	if (pw > cols / 2)
		pw = cols / 2;
	/* Scroll the line sideways so the cursor stays on screen. */
	while (start < rl_point && pw + width_n(line + start, (size_t)(rl_point - start)) >= cols)
		start++;
	while (start > 0 && (line[start] & 0xc0) == 0x80)
		start++;
	x = ui_put(w, 0, 0, pw, ui_confirm_question(cl_ui) != NULL ? ROLE_WARN : ROLE_PROMPT, prompt);
	ui_put(w, 0, x, cols - x, ROLE_INPUT, line + start);
	cur = x + width_n(line + start, (size_t)(rl_point > start ? rl_point - start : 0));
	wmove(w, 0, cur < cols ? cur : cols - 1);
}

void
cmdline_resize(int rows, int cols)
{
	rl_set_screen_size(rows, cols);
}

void
cmdline_free(void)
{
	rl_callback_handler_remove();
	if (cl_history[0] != '\0')
		(void)history_truncate_file(cl_history, HISTORY_MAX);
	clear_history();
	if (cl_null != NULL)
		fclose(cl_null);
	cl_null = NULL;
	cl_ui = NULL;
}
