/*
 * The delay formula's compiler; see delay.h for the grammar. A
 * recursive-descent parser emits a postfix program into the formula's fixed
 * `code[]`. Constant sub-expressions are folded as soon as they are
 * complete, which both finds 1/0 or sqrt(-1) with the column that caused it
 * and keeps the program short.
 */
#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/delay.h"
#include "bot/delay-internal.h"

#define NUMBER_TEXT_MAX 64

struct func {
	const char *name;
	uint8_t op;
	int nargs;
};

static const struct func funcs[] = {
	{ "min", OP_MIN, 2 }, { "max", OP_MAX, 2 },
	{ "floor", OP_FLOOR, 1 }, { "ceil", OP_CEIL, 1 }, { "round", OP_ROUND, 1 },
	{ "sqrt", OP_SQRT, 1 }, { "log", OP_LOG, 1 }, { "exp", OP_EXP, 1 },
	{ "abs", OP_ABS, 1 }, { "rand", OP_RAND, 0 },
};

struct parser {
	const char *s;
	size_t pos;
	struct delay_op *code;
	int n;
	int depth;                     /* stack depth after the code so far */
	char *err;
	size_t errlen;
};

static int
fail(struct parser *p, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes "column N: <message>" and returns -1. */
static int
fail(struct parser *p, size_t col, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->err == NULL || p->errlen == 0)
		return -1;
	n = snprintf(p->err, p->errlen, "column %zu: ", col);
	if (n < 0 || (size_t)n >= p->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static void
skip_space(struct parser *p)
{
	while (p->s[p->pos] == ' ' || p->s[p->pos] == '\t')
		p->pos++;
}

/* Bytes and characters agree: the first byte outside ASCII is an error. */
static size_t
column(const struct parser *p)
{
	return p->pos + 1;
}

/* Bytes of the (UTF-8) character at s, for quoting it whole. */
static int
char_len(const char *s)
{
	unsigned char c = (unsigned char)s[0];
	int n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1, i;

	for (i = 1; i < n; i++) {
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			return i;
	}
	return n;
}

static int
emit(struct parser *p, int kind, double num, size_t col)
{
	int arity = delay_op_arity(kind);

	if (p->n == DELAY_CODE_MAX)
		return fail(p, col, "expression too long to compile (more than %d operations)",
		    DELAY_CODE_MAX);
	if (arity == 0 && p->depth == DELAY_STACK_MAX)
		return fail(p, col, "expression nested too deeply");
	p->depth += 1 - arity;
	p->code[p->n].kind = (uint8_t)kind;
	p->code[p->n].num = kind == OP_NUM ? num : (double)col;
	p->n++;
	return 0;
}

/* Replaces the constant code from `start` on by its value; refuses NaN and
 * infinity, blaming the operator at `col`. */
static int
fold(struct parser *p, int start, size_t col)
{
	double v = delay_run(p->code + start, p->n - start, 0, NULL, NULL);

	if (isnan(v))
		return fail(p, col, "constant expression gives NaN");
	if (!isfinite(v))
		return fail(p, col, "constant expression gives infinity");
	p->code[start].kind = OP_NUM;
	p->code[start].num = v;
	p->n = start + 1;
	return 0;
}

/* Length of the number at s: digits with an optional fraction and exponent
 * (1, 0.5, .5, 1e3); 0 when s does not start with one. */
static size_t
scan_number(const char *s)
{
	size_t i = 0, j, digits = 0;

	for (; isdigit((unsigned char)s[i]); i++)
		digits++;
	if (s[i] == '.') {
		for (i++; isdigit((unsigned char)s[i]); i++)
			digits++;
	}
	if (digits == 0)
		return 0;
	if (s[i] == 'e' || s[i] == 'E') {
		j = i + 1;
		if (s[j] == '+' || s[j] == '-')
			j++;
		if (isdigit((unsigned char)s[j])) {
			while (isdigit((unsigned char)s[j]))
				j++;
			i = j;
		}
	}
	return i;
}

/* The value of a scanned number. strtod follows LC_NUMERIC (the console may
 * set a locale with a decimal comma), so '.' is swapped for the locale's
 * decimal point first. -1 when too long or out of range. */
static int
number_value(const char *s, size_t n, double *out)
{
	char buf[NUMBER_TEXT_MAX];
	const char *dp = localeconv()->decimal_point;
	size_t dpn = strlen(dp), w = 0, i;
	char *end;

	for (i = 0; i < n; i++) {
		const char *piece = s[i] == '.' ? dp : s + i;
		size_t pn = s[i] == '.' ? dpn : 1;
		if (w + pn >= sizeof(buf))
			return -1;
		memcpy(buf + w, piece, pn);
		w += pn;
	}
	buf[w] = '\0';
	errno = 0;
	*out = strtod(buf, &end);
	if (*end != '\0' || !isfinite(*out) || (errno == ERANGE && *out != 0))
		return -1;
	return 0;
}

bool
delay_parse_number(const char *s, double *out)
{
	size_t n = scan_number(s);

	return n > 0 && s[n] == '\0' && number_value(s, n, out) == 0;
}

static int parse_expr(struct parser *p, bool *constant);
static int parse_unary(struct parser *p, bool *constant);

static int
parse_number(struct parser *p, bool *constant)
{
	size_t col = column(p), n = scan_number(p->s + p->pos);
	char next = p->s[p->pos + n];
	double v;

	if (isalnum((unsigned char)next) || next == '_' || next == '.')
		return fail(p, col, "malformed number");
	if (number_value(p->s + p->pos, n, &v) < 0)
		return fail(p, col, "number out of range or too long");
	p->pos += n;
	*constant = true;
	return emit(p, OP_NUM, v, col);
}

static const struct func *
find_func(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++) {
		if (strlen(funcs[i].name) == n && memcmp(funcs[i].name, name, n) == 0)
			return &funcs[i];
	}
	return NULL;
}

/* The arguments of a call, from after '(' through ')'. */
static int
parse_args(struct parser *p, const struct func *fn, int *nargs, bool *constant)
{
	bool c;

	*nargs = 0;
	*constant = true;
	skip_space(p);
	if (p->s[p->pos] == ')') {
		p->pos++;
		return 0;
	}
	for (;;) {
		if (parse_expr(p, &c) < 0)
			return -1;
		(*nargs)++;
		*constant = *constant && c;
		skip_space(p);
		if (p->s[p->pos] == ')')
			break;
		if (p->s[p->pos] != ',')
			return fail(p, column(p), "expected %s",
			    *nargs < fn->nargs ? "','" : "')'");
		p->pos++;
	}
	p->pos++;
	return 0;
}

static int
parse_call(struct parser *p, const char *name, size_t n, size_t col, bool *constant)
{
	const struct func *fn = find_func(name, n);
	int start = p->n, nargs;
	bool c;

	if (fn == NULL)
		return fail(p, col, "unknown function '%.*s'", (int)n, name);
	p->pos++;                      /* '(' */
	if (parse_args(p, fn, &nargs, &c) < 0)
		return -1;
	if (nargs != fn->nargs && fn->nargs == 0)
		return fail(p, col, "%s() takes no arguments", fn->name);
	if (nargs != fn->nargs)
		return fail(p, col, "%s() takes %d argument%s", fn->name, fn->nargs,
		    fn->nargs == 1 ? "" : "s");
	if (emit(p, fn->op, 0, col) < 0)
		return -1;
	*constant = c && fn->op != OP_RAND;
	return *constant ? fold(p, start, col) : 0;
}

static int
parse_name(struct parser *p, bool *constant)
{
	const char *name = p->s + p->pos;
	size_t col = column(p), n = 0;

	while (isalnum((unsigned char)name[n]) || name[n] == '_')
		n++;
	p->pos += n;
	skip_space(p);
	if (p->s[p->pos] == '(')
		return parse_call(p, name, n, col, constant);
	if (n == 1 && name[0] == 'a') {
		*constant = false;
		return emit(p, OP_A, 0, col);
	}
	if (find_func(name, n) != NULL)
		return fail(p, column(p), "expected '(' after '%.*s'", (int)n, name);
	return fail(p, col, "unknown name '%.*s' (the attempt number is 'a')", (int)n, name);
}

static int
parse_atom(struct parser *p, bool *constant)
{
	char c;

	skip_space(p);
	c = p->s[p->pos];
	if (isdigit((unsigned char)c) || (c == '.' && isdigit((unsigned char)p->s[p->pos + 1])))
		return parse_number(p, constant);
	if (isalpha((unsigned char)c) || c == '_')
		return parse_name(p, constant);
	if (c == '(') {
		p->pos++;
		if (parse_expr(p, constant) < 0)
			return -1;
		skip_space(p);
		if (p->s[p->pos] != ')')
			return fail(p, column(p), "expected ')'");
		p->pos++;
		return 0;
	}
	if (c == '\0')
		return fail(p, column(p), "expected a number, 'a', a function or '(' "
		    "but the expression ends");
	return fail(p, column(p), "unexpected '%.*s': expected a number, 'a', a function "
	    "or '('", char_len(p->s + p->pos), p->s + p->pos);
}

/* Emits the binary operator `kind` once both operands are in place, folding
 * when both were constant. */
static int
finish_binary(struct parser *p, int kind, int start, size_t col, bool *constant, bool rc)
{
	if (emit(p, kind, 0, col) < 0)
		return -1;
	*constant = *constant && rc;
	return *constant ? fold(p, start, col) : 0;
}

static int
parse_power(struct parser *p, bool *constant)
{
	int start = p->n;
	size_t col;
	bool rc;

	if (parse_atom(p, constant) < 0)
		return -1;
	skip_space(p);
	if (p->s[p->pos] != '^')
		return 0;
	col = column(p);
	p->pos++;
	/* unary, not power: 2^-1 is allowed and ^ is right-associative. */
	if (parse_unary(p, &rc) < 0)
		return -1;
	return finish_binary(p, OP_POW, start, col, constant, rc);
}

static int
parse_unary(struct parser *p, bool *constant)
{
	int start = p->n;
	size_t col;

	skip_space(p);
	if (p->s[p->pos] != '-')
		return parse_power(p, constant);
	col = column(p);
	p->pos++;
	if (parse_unary(p, constant) < 0 || emit(p, OP_NEG, 0, col) < 0)
		return -1;
	return *constant ? fold(p, start, col) : 0;
}

/* One left-associative level: operand (op operand)*, where op is ops[i]
 * and compiles to kinds[i]. */
static int
parse_left(struct parser *p, bool *constant, const char ops[2], const int kinds[2],
    int (*operand)(struct parser *, bool *))
{
	int start = p->n, kind;
	size_t col;
	bool rc;

	if (operand(p, constant) < 0)
		return -1;
	for (;;) {
		skip_space(p);
		if (p->s[p->pos] == '\0' || memchr(ops, p->s[p->pos], 2) == NULL)
			return 0;
		kind = kinds[p->s[p->pos] == ops[0] ? 0 : 1];
		col = column(p);
		p->pos++;
		if (operand(p, &rc) < 0 ||
		    finish_binary(p, kind, start, col, constant, rc) < 0)
			return -1;
	}
}

static int
parse_term(struct parser *p, bool *constant)
{
	static const int kinds[2] = { OP_MUL, OP_DIV };

	return parse_left(p, constant, "*/", kinds, parse_unary);
}

static int
parse_expr(struct parser *p, bool *constant)
{
	static const int kinds[2] = { OP_ADD, OP_SUB };

	return parse_left(p, constant, "+-", kinds, parse_term);
}

/* Refuses a formula that is NaN or infinite for some probed attempt, naming
 * the operator that first went wrong. */
static int
probe(struct parser *p, const struct delay_formula *f)
{
	int a, col;
	double v;

	for (a = 1; a <= DELAY_PROBE_ATTEMPTS; a++) {
		col = 0;
		v = delay_run(f->code, f->ncode, a, NULL, &col);
		if (!isfinite(v))
			return fail(p, col > 0 ? (size_t)col : 1, "gives %s at attempt %d",
			    isnan(v) ? "NaN" : "infinity", a);
	}
	return 0;
}

static int
compile_into(struct delay_formula *f, struct parser *p)
{
	bool constant;

	skip_space(p);
	if (p->s[p->pos] == '\0')
		return fail(p, 1, "empty expression");
	if (parse_expr(p, &constant) < 0)
		return -1;
	skip_space(p);
	if (p->s[p->pos] != '\0')
		return fail(p, column(p), "unexpected '%.*s' after the expression",
		    char_len(p->s + p->pos), p->s + p->pos);
	f->ncode = p->n;
	if (constant && f->code[0].num < 0)
		return fail(p, 1, "the delay is a negative constant (%g s)", f->code[0].num);
	return probe(p, f);
}

int
delay_compile(struct delay_formula *out, const char *expr, char *err, size_t errlen)
{
	struct delay_formula f;
	struct parser p;
	size_t len = expr != NULL ? strlen(expr) : 0;

	memset(&f, 0, sizeof(f));
	memset(&p, 0, sizeof(p));
	p.s = expr != NULL ? expr : "";
	p.code = f.code;
	p.err = err;
	p.errlen = errlen;
	if (len >= DELAY_EXPR_MAX)
		return fail(&p, DELAY_EXPR_MAX, "expression too long (at most %d characters)",
		    DELAY_EXPR_MAX - 1);
	memcpy(f.text, p.s, len);
	if (compile_into(&f, &p) < 0)
		return -1;
	f.cap_s = DELAY_DEFAULT_CAP_S;
	*out = f;
	return 0;
}

