/*
 * The reconnect delay formula: the seed's table, the expression language,
 * its error messages, presets, clamping, rand() and the 24 h projection.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bot/delay.h"

static double
eval(const char *expr, int attempt)
{
	struct delay_formula f;
	char err[128];

	if (delay_compile(&f, expr, err, sizeof(err)) != 0)
		fail_msg("'%s' did not compile: %s", expr, err);
	return delay_eval_s(&f, attempt, NULL);
}

static void
expect_error(const char *expr, const char *want)
{
	struct delay_formula f;
	char err[160] = "";

	if (delay_compile(&f, expr, err, sizeof(err)) == 0)
		fail_msg("'%s' compiled, expected \"%s\"", expr, want);
	if (strcmp(err, want) != 0)
		fail_msg("'%s': got \"%s\", expected \"%s\"", expr, err, want);
}

static void
test_seed_table(void **state)
{
	static const int table[][2] = {
		{ 1, 1 }, { 2, 2 }, { 3, 4 }, { 4, 6 }, { 5, 7 }, { 10, 16 }, { 15, 23 },
		{ 20, 30 }, { 50, 59 }, { 100, 91 }, { 150, 115 },
	};
	struct delay_formula f;
	size_t i;

	(void)state;
	delay_default(&f);
	assert_string_equal(f.text, DELAY_DEFAULT_EXPR);
	assert_string_equal(f.preset, "javacord");
	assert_true(f.cap_s == DELAY_DEFAULT_CAP_S);
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		assert_true(delay_eval_s(&f, table[i][0], NULL) == table[i][1]);
		assert_int_equal(delay_ms(&f, table[i][0], NULL), table[i][1] * 1000);
	}
	/* docs/protocol.md §3: no cap in Javacord, 200 -> 135. */
	assert_true(delay_eval_s(&f, 200, NULL) == 135);
}

static void
test_projection(void **state)
{
	struct delay_formula f;
	char err[128];

	(void)state;
	delay_default(&f);
	assert_int_equal(delay_attempts_within(&f, 86400), 567);
	assert_int_equal(delay_compile(&f, "a*2", err, sizeof(err)), 0);
	assert_int_equal(delay_attempts_within(&f, 86400), 293);
	/* 2 + 4 = 6 fits in 6 s, not in 5.99 */
	assert_int_equal(delay_attempts_within(&f, 6), 2);
	assert_int_equal(delay_attempts_within(&f, 5.99), 1);
	assert_int_equal(delay_attempts_within(&f, 0), 0);
	assert_int_equal(delay_attempts_within(&f, NAN), 0);
	/* A zero delay counts as a second, so the answer is finite. */
	assert_int_equal(delay_compile(&f, "0", err, sizeof(err)), 0);
	assert_int_equal(delay_attempts_within(&f, 86400), 86400);
	assert_int_equal(delay_compile(&f, "-a", err, sizeof(err)), 0);
	assert_int_equal(delay_attempts_within(&f, 100), 100);
}

static void
test_precedence(void **state)
{
	(void)state;
	assert_true(eval("2+3*4", 1) == 14);
	assert_true(eval("(2+3)*4", 1) == 20);
	assert_true(eval("a-1-1", 5) == 3);
	assert_true(eval("a/2/2", 8) == 2);
	assert_true(eval("2^3^2", 1) == 512);          /* right-associative */
	assert_true(eval("2^-1", 1) == 0.5);
	assert_true(eval("20 + -a^2", 3) == 11);       /* -(a^2), not (-a)^2 */
	assert_true(eval("--a", 4) == 4);
	assert_true(eval("\t a *\t2 ", 3) == 6);
	assert_true(eval("min(a, 3) + max(a, 10)", 5) == 13);
	assert_true(eval("floor(a/2) + ceil(a/2)", 5) == 5);
	assert_true(eval("sqrt(a) + abs(1-a)", 4) == 5);
	assert_true(fabs(eval("exp(log(a))", 7) - 7) < 1e-9);
}

static void
test_numbers(void **state)
{
	(void)state;
	assert_true(eval("1e3", 1) == 1000);
	assert_true(eval("1E-1*a", 10) == 1);
	assert_true(eval(".5*a", 3) == 1.5);
	assert_true(eval("2.", 1) == 2);
	assert_true(eval("2.5e+1", 1) == 25);
}

/* round() is half away from zero; banker's rounding would break the seed's
 * table. */
static void
test_round_half_away(void **state)
{
	(void)state;
	assert_true(eval("round(a/2)", 1) == 1);
	assert_true(eval("round(a/2)", 3) == 2);
	assert_true(eval("round(a/2)", 5) == 3);
	assert_true(eval("round(2.5)", 1) == 3);
	assert_true(eval("10 + round(-2.5)", 1) == 7);
}

static void
test_syntax_errors(void **state)
{
	static const char *const cases[][2] = {
		{ "", "column 1: empty expression" },
		{ "   ", "column 1: empty expression" },
		{ "a*2 + foo(1)", "column 7: unknown function 'foo'" },
		{ "min(1)", "column 1: min() takes 2 arguments" },
		{ "a + max(a, 1, 2)", "column 5: max() takes 2 arguments" },
		{ "sqrt()", "column 1: sqrt() takes 1 argument" },
		{ "rand(1)", "column 1: rand() takes no arguments" },
		{ "min(a, (a+1)", "column 13: expected ')'" },
		{ "(a+1", "column 5: expected ')'" },
		{ "min(1 2)", "column 7: expected ','" },
		{ "sqrt(a 2)", "column 8: expected ')'" },
		{ "a+", "column 3: expected a number, 'a', a function or '(' but the expression ends" },
		{ "a*)", "column 3: unexpected ')': expected a number, 'a', a function or '('" },
		{ "a b", "column 3: unexpected 'b' after the expression" },
		{ "a)", "column 2: unexpected ')' after the expression" },
		{ "x*2", "column 1: unknown name 'x' (the attempt number is 'a')" },
		{ "A", "column 1: unknown name 'A' (the attempt number is 'a')" },
		{ "2*min", "column 6: expected '(' after 'min'" },
		{ "2a", "column 1: malformed number" },
		{ "1.2.3", "column 1: malformed number" },
		{ "a + 1e999", "column 5: number out of range or too long" },
		/* Columns count characters; a character is quoted whole. */
		{ "a\xc3\x97" "2", "column 2: unexpected '\xc3\x97' after the expression" },
		{ "\xc3\xa9\xc3\xa9 + \xe2\x82\xac", "column 1: unexpected '\xc3\xa9': expected "
		    "a number, 'a', a function or '('" },
		{ "a % 2", "column 3: unexpected '%' after the expression" },
		{ "+a", "column 1: unexpected '+': expected a number, 'a', a function or '('" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_error(cases[i][0], cases[i][1]);
}

static void
test_constant_refusals(void **state)
{
	(void)state;
	expect_error("1/0", "column 2: constant expression gives infinity");
	expect_error("a + 0/0", "column 6: constant expression gives NaN");
	expect_error("sqrt(-1)", "column 1: constant expression gives NaN");
	expect_error("a * log(0)", "column 5: constant expression gives infinity");
	/* Refused even where min() would hide it. */
	expect_error("min(1/0, a)", "column 6: constant expression gives infinity");
	expect_error("(-8)^(1/3) + a", "column 5: constant expression gives NaN");
	expect_error("-5", "column 1: the delay is a negative constant (-5 s)");
	expect_error("1 - 3", "column 1: the delay is a negative constant (-2 s)");
}

static void
test_probe_refusals(void **state)
{
	(void)state;
	expect_error("1/(a-3)", "column 2: gives infinity at attempt 3");
	expect_error("round(sqrt(2-a))", "column 7: gives NaN at attempt 3");
	expect_error("exp(a)", "column 1: gives infinity at attempt 710");
	expect_error("a / (rand() - 0.5)", "column 3: gives infinity at attempt 1");
	/* Non-finite inside, finite outside: allowed. */
	assert_true(eval("min(exp(a), 300)", 800) == 300);
}

static void
test_limits(void **state)
{
	char expr[DELAY_EXPR_MAX + 8];
	struct delay_formula f;
	char err[128];
	int i, n;

	(void)state;
	memset(expr, 'a', DELAY_EXPR_MAX);
	expr[DELAY_EXPR_MAX] = '\0';
	expect_error(expr, "column 256: expression too long (at most 255 characters)");

	/* 255 characters, 255 operations: fits the text, not the program. */
	n = snprintf(expr, sizeof(expr), "a");
	for (i = 0; i < 127; i++)
		n += snprintf(expr + n, sizeof(expr) - (size_t)n, "+0");
	assert_int_equal(strlen(expr), 255);
	assert_int_equal(delay_compile(&f, expr, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "expression too long to compile (more than 128 operations)"));

	/* Folded constants take no room. */
	n = snprintf(expr, sizeof(expr), "a*(1");
	for (i = 0; i < 100; i++)
		n += snprintf(expr + n, sizeof(expr) - (size_t)n, "+1");
	snprintf(expr + n, sizeof(expr) - (size_t)n, ")");
	assert_int_equal(delay_compile(&f, expr, err, sizeof(err)), 0);
	assert_int_equal(f.ncode, 3);
	assert_true(delay_eval_s(&f, 2, NULL) == 202);

	/* 33 operands waiting on the stack. */
	n = 0;
	for (i = 0; i < 33; i++)
		n += snprintf(expr + n, sizeof(expr) - (size_t)n, "a+(");
	n += snprintf(expr + n, sizeof(expr) - (size_t)n, "a");
	for (i = 0; i < 33; i++)
		n += snprintf(expr + n, sizeof(expr) - (size_t)n, ")");
	expect_error(expr, "column 97: expression nested too deeply");
}

static void
test_failed_compile_keeps_old(void **state)
{
	struct delay_formula f;
	char err[128];

	(void)state;
	assert_int_equal(delay_compile(&f, "a*3", err, sizeof(err)), 0);
	assert_int_equal(delay_compile(&f, "a*", err, sizeof(err)), -1);
	assert_int_equal(delay_preset(&f, "linear", 1, (const char *[]){ "-1" }, err,
	    sizeof(err)), -1);
	assert_string_equal(f.text, "a*3");
	assert_true(delay_eval_s(&f, 2, NULL) == 6);
	/* No room for a message is not a crash. */
	assert_int_equal(delay_compile(&f, "foo", NULL, 0), -1);
}

static void
test_clamping(void **state)
{
	struct delay_formula f;
	char err[128];

	(void)state;
	assert_true(eval("-a", 3) == 0);
	assert_true(eval("a - 5", 2) == 0);
	assert_true(eval("a*1000", 10) == DELAY_DEFAULT_CAP_S);
	assert_int_equal(delay_compile(&f, "a*1000", err, sizeof(err)), 0);
	delay_set_cap(&f, 60);
	assert_true(delay_eval_s(&f, 1, NULL) == 60);
	delay_set_cap(&f, 0);
	delay_set_cap(&f, -5);
	delay_set_cap(&f, NAN);
	assert_true(f.cap_s == 60);
	assert_int_equal(delay_ms(&f, 1, NULL), 60000);
	/* Attempts past the probe can still go wrong: the long wait is chosen. */
	assert_int_equal(delay_compile(&f, "sqrt(1000.5-a)", err, sizeof(err)), 0);
	assert_true(delay_eval_s(&f, 1001, NULL) == DELAY_DEFAULT_CAP_S);
	/* Milliseconds round to nearest. */
	assert_int_equal(delay_compile(&f, "a/1024", err, sizeof(err)), 0);
	assert_int_equal(delay_ms(&f, 1, NULL), 1);
	assert_int_equal(delay_ms(&f, 256, NULL), 250);
	assert_true(delay_eval_s(&f, 0, NULL) == delay_eval_s(&f, 1, NULL));
}

static void
test_rand(void **state)
{
	struct delay_formula f;
	struct rng r1, r2;
	char err[128];
	double want;
	int a;

	(void)state;
	assert_int_equal(delay_compile(&f, "rand()*100 + a", err, sizeof(err)), 0);
	assert_true(delay_eval_s(&f, 1, NULL) == 51);
	rng_seed(&r1, 42);
	rng_seed(&r2, 42);
	for (a = 1; a <= 20; a++) {
		want = rng_unit(&r2) * 100 + a;
		assert_true(delay_eval_s(&f, a, &r1) == want);
	}
	/* Same seed, same delays. */
	rng_seed(&r1, 7);
	rng_seed(&r2, 7);
	assert_int_equal(delay_ms(&f, 3, &r1), delay_ms(&f, 3, &r2));
	assert_int_equal(r1.state, r2.state);
	/* Two rand() calls draw twice. */
	assert_int_equal(delay_compile(&f, "rand() + rand()*0", err, sizeof(err)), 0);
	rng_seed(&r1, 1);
	rng_seed(&r2, 1);
	want = rng_unit(&r2);
	rng_unit(&r2);
	assert_true(delay_eval_s(&f, 1, &r1) == want);
	assert_int_equal(r1.state, r2.state);
}

static void
test_presets(void **state)
{
	struct delay_formula f;
	struct rng r1, r2;
	char err[128];

	(void)state;
	assert_int_equal(delay_preset(&f, "linear", 1, (const char *[]){ "2.5" }, err,
	    sizeof(err)), 0);
	assert_string_equal(f.text, "2.5*a");
	assert_string_equal(f.preset, "linear");
	assert_true(delay_eval_s(&f, 4, NULL) == 10);
	assert_true(f.cap_s == DELAY_DEFAULT_CAP_S);

	assert_int_equal(delay_preset(&f, "exponential", 2, (const char *[]){ "1", "60" },
	    err, sizeof(err)), 0);
	assert_string_equal(f.text, "min(1*2^(a-1), 60)");
	assert_true(f.cap_s == 60);
	assert_true(delay_eval_s(&f, 1, NULL) == 1);
	assert_true(delay_eval_s(&f, 6, NULL) == 32);
	assert_true(delay_eval_s(&f, 7, NULL) == 60);
	assert_true(delay_eval_s(&f, 1000, NULL) == 60);

	assert_int_equal(delay_preset(&f, "full-jitter", 2, (const char *[]){ "2", "30" },
	    err, sizeof(err)), 0);
	assert_string_equal(f.text, "rand()*min(30, 2*2^a)");
	assert_string_equal(f.preset, "full-jitter");
	assert_true(delay_eval_s(&f, 1, NULL) == 2);
	assert_true(delay_eval_s(&f, 10, NULL) == 15);
	rng_seed(&r1, 99);
	rng_seed(&r2, 99);
	assert_true(delay_eval_s(&f, 10, &r1) == rng_unit(&r2) * 30);

	assert_int_equal(delay_preset(&f, "javacord", 0, NULL, err, sizeof(err)), 0);
	assert_string_equal(f.text, DELAY_DEFAULT_EXPR);
}

static void
test_preset_errors(void **state)
{
	static const struct {
		const char *name;
		int argc;
		const char *argv[3];
		const char *want;
	} cases[] = {
		{ "fibonacci", 0, { NULL }, "unknown preset 'fibonacci' (javacord, linear, "
		    "exponential, full-jitter)" },
		{ "javacord", 1, { "1" }, "preset javacord takes no arguments" },
		{ "linear", 0, { NULL }, "preset linear takes 1 argument: K (seconds)" },
		{ "exponential", 1, { "1" }, "preset exponential takes 2 arguments: BASE CAP "
		    "(seconds)" },
		{ "linear", 1, { "0" }, "preset linear: K must be a positive number of seconds, "
		    "not '0'" },
		{ "linear", 1, { "-2" }, "preset linear: K must be a positive number of "
		    "seconds, not '-2'" },
		{ "linear", 1, { "2s" }, "preset linear: K must be a positive number of "
		    "seconds, not '2s'" },
		{ "linear", 1, { "inf" }, "preset linear: K must be a positive number of "
		    "seconds, not 'inf'" },
		{ "full-jitter", 2, { "1", "1e999" }, "preset full-jitter: CAP must be a "
		    "positive number of seconds, not '1e999'" },
		{ "exponential", 2, { "", "5" }, "preset exponential: BASE must be a positive "
		    "number of seconds, not ''" },
	};
	struct delay_formula f;
	char err[160];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(delay_preset(&f, cases[i].name, cases[i].argc, cases[i].argv,
		    err, sizeof(err)), -1);
		assert_string_equal(err, cases[i].want);
	}
	for (i = 0; delay_preset_names[i] != NULL; i++)
		;
	assert_int_equal(i, 4);
	assert_string_equal(delay_preset_names[0], "javacord");
}

/* The console may run under a decimal-comma locale; "0.5" is still a half. */
static void
test_locale(void **state)
{
	static const char *const locales[] = { "de_DE.UTF-8", "fr_FR.UTF-8", "de_DE" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(locales) / sizeof(locales[0]); i++) {
		if (setlocale(LC_NUMERIC, locales[i]) != NULL)
			break;
	}
	if (i == sizeof(locales) / sizeof(locales[0]))
		skip();
	assert_true(eval("0.5*a", 3) == 1.5);
	setlocale(LC_NUMERIC, "C");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_table),
		cmocka_unit_test(test_projection),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_round_half_away),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_constant_refusals),
		cmocka_unit_test(test_probe_refusals),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_failed_compile_keeps_old),
		cmocka_unit_test(test_clamping),
		cmocka_unit_test(test_rand),
		cmocka_unit_test(test_presets),
		cmocka_unit_test(test_preset_errors),
		cmocka_unit_test(test_locale),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
