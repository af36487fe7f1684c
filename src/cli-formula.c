/*
 * `vigil formula`: what a reconnect delay formula means before an operator
 * trusts a bot to it. It prints the delays for the first attempts and how
 * many attempts 24 h of constant failure would make, which is what the
 * 1000-a-day session-start limit is measured against.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/budget.h"
#include "bot/delay.h"
#include "cli.h"

#define FORMULA_ROWS_DEFAULT 10
#define FORMULA_ROWS_MAX     10000
#define FORMULA_DAY_S        86400.0
#define FORMULA_ERR_MAX      256

struct formula_args {
	int rows;
	bool help;
	const char *words[DELAY_EXPR_MAX];   /* the formula, one argv word each */
	int nwords;
};

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: vigil formula [EXPR | preset NAME [ARGS...]] [--attempts N]\n"
	    "\n"
	    "Shows what a reconnect delay formula means: the delay before each attempt\n"
	    "and how many attempts 24 h of constant failure would make.\n"
	    "\n"
	    "  EXPR           an expression in the attempt number a (1 for the first retry),\n"
	    "                 in seconds, e.g. 'a*2' or 'min(2^a, 300)'; + - * / ^ and\n"
	    "                 min max floor ceil round sqrt log exp abs rand()\n"
	    "  preset NAME    javacord | linear K | exponential BASE CAP |\n"
	    "                 full-jitter BASE CAP (seconds)\n"
	    "  --attempts N   rows in the table (1..%d, default %d)\n"
	    "\n"
	    "With no formula, the default (Javacord's) is shown.\n",
	    FORMULA_ROWS_MAX, FORMULA_ROWS_DEFAULT);
}

static int
parse_rows(const char *s, int *out)
{
	char *end;
	long v;

	if (s == NULL || s[0] == '\0')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > FORMULA_ROWS_MAX)
		return -1;
	*out = (int)v;
	return 0;
}

/* Options may come anywhere; every other word is part of the formula (so
 * `vigil formula a * 2`, quoted against the shell's glob, works too). */
static int
parse_args(int argc, char **argv, struct formula_args *fa, FILE *err)
{
	const char *rows;
	int i;

	memset(fa, 0, sizeof(*fa));
	fa->rows = FORMULA_ROWS_DEFAULT;
	for (i = 1; i < argc; i++) {
		rows = NULL;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			fa->help = true;
		else if (strcmp(argv[i], "--attempts") == 0)
			rows = i + 1 < argc ? argv[++i] : "";
		else if (strncmp(argv[i], "--attempts=", 11) == 0)
			rows = argv[i] + 11;
		else if (fa->nwords < DELAY_EXPR_MAX)
			fa->words[fa->nwords++] = argv[i];
		if (rows != NULL && parse_rows(rows, &fa->rows) < 0) {
			fprintf(err, "vigil formula: --attempts wants a whole number from 1 to %d, "
			    "not '%s'\n", FORMULA_ROWS_MAX, rows);
			return -1;
		}
	}
	return 0;
}

/* The words of a custom expression, joined by spaces. */
static int
join_words(const struct formula_args *fa, char *buf, size_t len)
{
	size_t w = 0, n;
	int i;

	buf[0] = '\0';
	for (i = 0; i < fa->nwords; i++) {
		n = strlen(fa->words[i]);
		if (w + n + (i > 0) >= len)
			return -1;
		if (i > 0)
			buf[w++] = ' ';
		memcpy(buf + w, fa->words[i], n + 1);
		w += n;
	}
	return 0;
}

/* Under "column N: ..." points at the column in the expression. */
static void
show_column(FILE *err, const char *expr, const char *msg)
{
	char *end;
	long col;

	if (strncmp(msg, "column ", 7) != 0)
		return;
	col = strtol(msg + 7, &end, 10);
	if (*end != ':' || col < 1 || col > (long)strlen(expr) + 1)
		return;
	fprintf(err, "  %s\n  %*s^\n", expr, (int)col - 1, "");
}

static int
build(const struct formula_args *fa, struct delay_formula *f, FILE *err)
{
	char expr[DELAY_EXPR_MAX], msg[FORMULA_ERR_MAX];
	int rc;

	if (fa->nwords == 0) {
		delay_default(f);
		return 0;
	}
	if (strcmp(fa->words[0], "preset") == 0) {
		/* No name is an unknown preset, whose message lists them all. */
		rc = delay_preset(f, fa->nwords > 1 ? fa->words[1] : "",
		    fa->nwords > 1 ? fa->nwords - 2 : 0, fa->words + 2, msg, sizeof(msg));
		if (rc < 0)
			fprintf(err, "vigil formula: %s\n", msg);
		return rc;
	}
	if (join_words(fa, expr, sizeof(expr)) < 0) {
		fprintf(err, "vigil formula: expression too long (at most %d characters)\n",
		    DELAY_EXPR_MAX - 1);
		return -1;
	}
	if (delay_compile(f, expr, msg, sizeof(msg)) == 0)
		return 0;
	fprintf(err, "vigil formula: %s\n", msg);
	show_column(err, expr, msg);
	return -1;
}

/* Seconds without noise: "4", "0.5", "1.125". */
static void
format_seconds(double s, char *buf, size_t len)
{
	size_t n;

	if (s == floor(s) && s < 1e15) {
		snprintf(buf, len, "%.0f", s);
		return;
	}
	snprintf(buf, len, "%.3f", s);
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[n - 1] = '\0';
}

static void
print_header(FILE *out, const struct delay_formula *f)
{
	char cap[32];

	format_seconds(f->cap_s, cap, sizeof(cap));
	fprintf(out, "formula: %s  (%s%s%scap %s s%s)\n", f->text,
	    f->preset[0] != '\0' ? "preset " : "", f->preset,
	    f->preset[0] != '\0' ? ", " : "", cap,
	    strstr(f->text, "rand") != NULL ? ", rand() shown as 0.5" : "");
}

static void
print_table(FILE *out, const struct delay_formula *f, int rows)
{
	char s[32];
	int a;

	fprintf(out, "%7s  %7s\n", "attempt", "delay_s");
	for (a = 1; a <= rows; a++) {
		format_seconds(delay_eval_s(f, a, NULL), s, sizeof(s));
		fprintf(out, "%7d  %7s\n", a, s);
	}
}

static void
print_projection(FILE *out, const struct delay_formula *f)
{
	int n = delay_attempts_within(f, FORMULA_DAY_S);

	fprintf(out, "in 24 h of constant failure: %d attempts, against %d session starts "
	    "a day (a resume costs none)\n", n, BUDGET_DEFAULT_LIMIT);
	if (n > BUDGET_DEFAULT_LIMIT - BUDGET_DEFAULT_RESERVE)
		fprintf(out, "warning: more than the %d starts vigil allows itself a day "
		    "(limit less reserve); past them it waits for free slots\n",
		    BUDGET_DEFAULT_LIMIT - BUDGET_DEFAULT_RESERVE);
}

int
cli_formula(int argc, char **argv, FILE *out, FILE *err)
{
	struct formula_args fa;
	struct delay_formula f;

	if (parse_args(argc, argv, &fa, err) < 0)
		return 2;
	if (fa.help) {
		usage(out);
		return 0;
	}
	if (build(&fa, &f, err) < 0)
		return 2;
	print_header(out, &f);
	print_table(out, &f, fa.rows);
	print_projection(out, &f);
	return 0;
}
