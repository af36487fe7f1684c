/*
 * `vigil formula`: the table and projection it prints, and its exit codes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct run {
	int rc;
	char *out, *err;
	size_t outlen, errlen;
};

/* Runs `vigil formula ARGS...` (NULL-terminated) into memory. */
static struct run
run_formula(const char *first, ...)
{
	char *argv[16];
	struct run r = { 0 };
	FILE *out, *err;
	va_list ap;
	int argc = 0;

	argv[argc++] = (char *)"formula";
	va_start(ap, first);
	for (const char *a = first; a != NULL && argc < 15; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	out = open_memstream(&r.out, &r.outlen);
	err = open_memstream(&r.err, &r.errlen);
	assert_non_null(out);
	assert_non_null(err);
	r.rc = cli_formula(argc, argv, out, err);
	fclose(out);
	fclose(err);
	return r;
}

static void
run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

/* Line n (0-based) of text, copied into buf. */
static const char *
line(const char *text, int n, char *buf, size_t len)
{
	const char *end;

	for (; n > 0 && text != NULL; n--) {
		text = strchr(text, '\n');
		if (text != NULL)
			text++;
	}
	if (text == NULL)
		return "";
	end = strchr(text, '\n');
	snprintf(buf, len, "%.*s", (int)(end != NULL ? end - text : (long)strlen(text)), text);
	return buf;
}

static int
count_lines(const char *text)
{
	int n = 0;

	for (; *text != '\0'; text++)
		n += *text == '\n';
	return n;
}

static void
test_default(void **state)
{
	static const char *const rows[] = {
		"      1        1", "      2        2", "      3        4", "      4        6",
		"      5        7", "      6        9", "      7       11", "      8       13",
		"      9       14", "     10       16",
	};
	struct run r = run_formula(NULL);
	char buf[256];
	int i;

	(void)state;
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.err, "");
	assert_string_equal(line(r.out, 0, buf, sizeof(buf)),
	    "formula: round(a^1.5 - a^1.5 / (1/(0.1*a) + 1))  (preset javacord, cap 3600 s)");
	assert_string_equal(line(r.out, 1, buf, sizeof(buf)), "attempt  delay_s");
	for (i = 0; i < 10; i++)
		assert_string_equal(line(r.out, 2 + i, buf, sizeof(buf)), rows[i]);
	assert_string_equal(line(r.out, 12, buf, sizeof(buf)), "in 24 h of constant failure: "
	    "567 attempts, against 1000 session starts a day (a resume costs none)");
	assert_int_equal(count_lines(r.out), 13);
	run_free(&r);
}

static void
test_expression_and_attempts(void **state)
{
	struct run r = run_formula("a*2", "--attempts", "3", NULL);
	char buf[256];

	(void)state;
	assert_int_equal(r.rc, 0);
	assert_string_equal(line(r.out, 0, buf, sizeof(buf)), "formula: a*2  (cap 3600 s)");
	assert_string_equal(line(r.out, 2, buf, sizeof(buf)), "      1        2");
	assert_string_equal(line(r.out, 4, buf, sizeof(buf)), "      3        6");
	assert_non_null(strstr(line(r.out, 5, buf, sizeof(buf)), ": 293 attempts, against 1000"));
	assert_int_equal(count_lines(r.out), 6);
	run_free(&r);

	/* Words are joined, options go anywhere, fractions are shown. */
	r = run_formula("--attempts=2", "a", "/", "4", NULL);
	assert_int_equal(r.rc, 0);
	assert_string_equal(line(r.out, 0, buf, sizeof(buf)), "formula: a / 4  (cap 3600 s)");
	assert_string_equal(line(r.out, 2, buf, sizeof(buf)), "      1     0.25");
	assert_string_equal(line(r.out, 3, buf, sizeof(buf)), "      2      0.5");
	run_free(&r);
}

static void
test_preset(void **state)
{
	struct run r = run_formula("preset", "full-jitter", "1", "60", "--attempts", "7", NULL);
	char buf[256];

	(void)state;
	assert_int_equal(r.rc, 0);
	assert_string_equal(line(r.out, 0, buf, sizeof(buf)), "formula: rand()*min(60, 1*2^a)  "
	    "(preset full-jitter, cap 60 s, rand() shown as 0.5)");
	assert_string_equal(line(r.out, 8, buf, sizeof(buf)), "      7       30");
	/* Cheap retries overrun the daily budget: said plainly. */
	assert_non_null(strstr(r.out, "\nwarning: more than the 990 starts"));
	run_free(&r);

	r = run_formula("preset", "linear", "zero", NULL);
	assert_int_equal(r.rc, 2);
	assert_string_equal(r.out, "");
	assert_string_equal(r.err, "vigil formula: preset linear: K must be a positive number "
	    "of seconds, not 'zero'\n");
	run_free(&r);
}

static void
test_bad_expression(void **state)
{
	struct run r = run_formula("a*2 + foo(1)", NULL);

	(void)state;
	assert_int_equal(r.rc, 2);
	assert_string_equal(r.out, "");
	assert_string_equal(r.err, "vigil formula: column 7: unknown function 'foo'\n"
	    "  a*2 + foo(1)\n"
	    "        ^\n");
	run_free(&r);

	r = run_formula("1/(a-3)", NULL);
	assert_int_equal(r.rc, 2);
	assert_non_null(strstr(r.err, "column 2: gives infinity at attempt 3"));
	run_free(&r);
}

static void
test_bad_attempts(void **state)
{
	static const char *const bad[] = { "0", "10001", "abc", "5x", "-3", "" };
	struct run r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = run_formula("--attempts", bad[i], NULL);
		assert_int_equal(r.rc, 2);
		assert_string_equal(r.out, "");
		assert_non_null(strstr(r.err, "--attempts wants a whole number from 1 to 10000"));
		run_free(&r);
	}
	r = run_formula("a", "--attempts", NULL);
	assert_int_equal(r.rc, 2);
	run_free(&r);
	r = run_formula("--attempts", "10000", NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(count_lines(r.out), 10003);
	run_free(&r);
}

static void
test_help(void **state)
{
	struct run r = run_formula("--help", NULL);

	(void)state;
	assert_int_equal(r.rc, 0);
	assert_int_equal(strncmp(r.out, "usage: vigil formula [EXPR | preset NAME", 40), 0);
	assert_string_equal(r.err, "");
	run_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default),
		cmocka_unit_test(test_expression_and_attempts),
		cmocka_unit_test(test_preset),
		cmocka_unit_test(test_bad_expression),
		cmocka_unit_test(test_bad_attempts),
		cmocka_unit_test(test_help),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
