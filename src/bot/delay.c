/*
 * The delay formula's evaluator, presets and projections; see delay.h. The
 * compiler is in delay-parse.c.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/delay.h"
#include "bot/delay-internal.h"

/* delay_attempts_within counts at most this many seconds, so the loop
 * (one attempt per second at worst) stays short. */
#define WITHIN_MAX_S    1e7
/* delay_ms stays well inside int64_t whatever the cap. */
#define DELAY_MS_MAX    9e15

int
delay_op_arity(int kind)
{
	if (kind <= OP_RAND)
		return 0;
	return kind < OP_NEG ? 2 : 1;
}

static double
apply2(int kind, double x, double y)
{
	switch (kind) {
	case OP_ADD: return x + y;
	case OP_SUB: return x - y;
	case OP_MUL: return x * y;
	case OP_DIV: return x / y;
	case OP_POW: return pow(x, y);
	case OP_MIN: return fmin(x, y);
	default: return fmax(x, y);
	}
}

static double
apply1(int kind, double x)
{
	switch (kind) {
	case OP_NEG: return -x;
	case OP_FLOOR: return floor(x);
	case OP_CEIL: return ceil(x);
	case OP_ROUND: return round(x);   /* half away from zero */
	case OP_SQRT: return sqrt(x);
	case OP_LOG: return log(x);
	case OP_EXP: return exp(x);
	default: return fabs(x);
	}
}

static double
push_value(const struct delay_op *op, double a, struct rng *rng)
{
	if (op->kind == OP_NUM)
		return op->num;
	if (op->kind == OP_A)
		return a;
	return rng != NULL ? rng_unit(rng) : 0.5;
}

/* A malformed program (a zeroed or scribbled struct) gives NaN rather than
 * touching memory it should not. */
double
delay_run(const struct delay_op *code, int n, double a, struct rng *rng, int *bad_col)
{
	double st[DELAY_STACK_MAX];
	int i, sp = 0, arity;

	if (n < 0 || n > DELAY_CODE_MAX)
		return NAN;
	for (i = 0; i < n; i++) {
		arity = delay_op_arity(code[i].kind);
		if (arity == 0) {
			if (sp == DELAY_STACK_MAX)
				return NAN;
			st[sp++] = push_value(&code[i], a, rng);
			continue;
		}
		if (sp < arity)
			return NAN;
		if (arity == 2) {
			st[sp - 2] = apply2(code[i].kind, st[sp - 2], st[sp - 1]);
			sp--;
		} else
			st[sp - 1] = apply1(code[i].kind, st[sp - 1]);
		if (!isfinite(st[sp - 1]) && bad_col != NULL && *bad_col == 0)
			*bad_col = (int)code[i].num;
	}
	return sp == 1 ? st[0] : NAN;
}

void
delay_set_cap(struct delay_formula *f, double cap_s)
{
	if (cap_s > 0 && isfinite(cap_s))
		f->cap_s = cap_s;
}

double
delay_eval_s(const struct delay_formula *f, int attempt, struct rng *rng)
{
	double cap = f->cap_s > 0 ? f->cap_s : DELAY_DEFAULT_CAP_S;
	double v = delay_run(f->code, f->ncode, attempt < 1 ? 1 : attempt, rng, NULL);

	/* Only an unprobed attempt or rand() value can get here with NaN; the
	 * long wait is the safe guess, since a zero one burns session starts. */
	if (isnan(v))
		return cap;
	if (v < 0)
		return 0;
	return v > cap ? cap : v;
}

int64_t
delay_ms(const struct delay_formula *f, int attempt, struct rng *rng)
{
	double ms = delay_eval_s(f, attempt, rng) * 1000.0;

	if (ms > DELAY_MS_MAX)
		ms = DELAY_MS_MAX;
	return (int64_t)llround(ms);
}

int
delay_attempts_within(const struct delay_formula *f, double seconds)
{
	double total = 0, d;
	int n = 0;

	if (!(seconds >= 1))
		return 0;
	if (seconds > WITHIN_MAX_S)
		seconds = WITHIN_MAX_S;
	for (;;) {
		/* Each attempt costs at least a second (a connection attempt is
		 * not free), which also bounds this loop by `seconds`. */
		d = delay_eval_s(f, n + 1, NULL);
		if (d < 1)
			d = 1;
		if (total + d > seconds)
			return n;
		total += d;
		n++;
	}
}

const char *const delay_preset_names[] = {
	"javacord", "linear", "exponential", "full-jitter", NULL
};

/* A preset is a pattern filled with its arguments, as typed (once checked
 * to be positive numbers), so `text` shows exactly what runs. `order` says
 * which argument fills each %s. */
struct preset {
	const char *name;
	const char *pattern;
	int nargs;
	const char *arg_names[2];
	int order[2];
	int cap_arg;                   /* the argument that is also cap_s, or -1 */
};

static const struct preset presets[] = {
	{ "javacord", DELAY_DEFAULT_EXPR, 0, { NULL, NULL }, { 0, 0 }, -1 },
	{ "linear", "%s*a", 1, { "K", NULL }, { 0, 0 }, -1 },
	{ "exponential", "min(%s*2^(a-1), %s)", 2, { "BASE", "CAP" }, { 0, 1 }, 1 },
	{ "full-jitter", "rand()*min(%s, %s*2^a)", 2, { "BASE", "CAP" }, { 1, 0 }, 1 },
};

static const struct preset *
find_preset(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(presets) / sizeof(presets[0]); i++) {
		if (name != NULL && strcmp(presets[i].name, name) == 0)
			return &presets[i];
	}
	return NULL;
}

/* Checks the count and that every argument is a positive number; the cap
 * argument's value goes to *cap. */
static int
check_args(const struct preset *ps, int argc, const char *const *argv, double *cap,
    char *err, size_t errlen)
{
	double v;
	int i;

	if (argc != ps->nargs) {
		if (ps->nargs == 0)
			snprintf(err, errlen, "preset %s takes no arguments", ps->name);
		else
			snprintf(err, errlen, "preset %s takes %d argument%s: %s%s%s (seconds)",
			    ps->name, ps->nargs, ps->nargs == 1 ? "" : "s", ps->arg_names[0],
			    ps->nargs > 1 ? " " : "", ps->nargs > 1 ? ps->arg_names[1] : "");
		return -1;
	}
	for (i = 0; i < argc; i++) {
		if (argv[i] == NULL || !delay_parse_number(argv[i], &v) || v <= 0) {
			snprintf(err, errlen, "preset %s: %s must be a positive number of "
			    "seconds, not '%.32s'", ps->name, ps->arg_names[i],
			    argv[i] != NULL ? argv[i] : "");
			return -1;
		}
		if (i == ps->cap_arg)
			*cap = v;
	}
	return 0;
}

int
delay_preset(struct delay_formula *out, const char *name, int argc,
    const char *const *argv, char *err, size_t errlen)
{
	const struct preset *ps = find_preset(name);
	struct delay_formula f;
	char text[DELAY_EXPR_MAX];
	double cap = DELAY_DEFAULT_CAP_S;
	int n;

	if (ps == NULL) {
		snprintf(err, errlen, "unknown preset '%.32s' (javacord, linear, exponential, "
		    "full-jitter)", name != NULL ? name : "");
		return -1;
	}
	if (check_args(ps, argc, argv, &cap, err, errlen) < 0)
		return -1;
	n = snprintf(text, sizeof(text), ps->pattern,
	    ps->nargs > 0 ? argv[ps->order[0]] : "", ps->nargs > 1 ? argv[ps->order[1]] : "");
	if (n < 0 || (size_t)n >= sizeof(text)) {
		snprintf(err, errlen, "preset %s: arguments too long", ps->name);
		return -1;
	}
	if (delay_compile(&f, text, err, errlen) < 0)
		return -1;
	snprintf(f.preset, sizeof(f.preset), "%s", ps->name);
	f.cap_s = cap;
	*out = f;
	return 0;
}

void
delay_default(struct delay_formula *out)
{
	char err[128];

	/* A constant formula that stopped compiling is a build bug that every
	 * test run would show; there is no sane fallback to return. */
	if (delay_preset(out, "javacord", 0, NULL, err, sizeof(err)) < 0)
		abort();
}
