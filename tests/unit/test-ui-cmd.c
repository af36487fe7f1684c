/*
 * The command table and its generated parts: every entry is well formed,
 * lookup by name and alias, splitting a line (quotes, escapes, limits),
 * and completion from the templates (literals, alternatives, providers).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "ui/cmd.h"
#include "ui/ui.h"

static void
table_well_formed(void **state)
{
	const char *prev = "";

	(void)state;
	for (size_t i = 0; cmd_table[i] != NULL; i++) {
		const struct cmd_entry *e = cmd_table[i];

		assert_non_null(e->name);
		assert_non_null(e->usage);
		assert_non_null(e->help);
		assert_non_null(e->exec);
		assert_true(strcmp(prev, e->name) < 0);         /* alphabetical, unique */
		assert_true(e->max_args < 0 || e->max_args >= e->min_args);
		assert_ptr_equal(cmd_find(e->name), e);
		prev = e->name;
	}
	assert_ptr_equal(cmd_find("q"), cmd_find("quit"));
	assert_null(cmd_find("qu"));
	assert_null(cmd_find(""));
}

static void
split_words(void **state)
{
	char buf[CMD_LINE_MAX], err[64], *argv[CMD_MAX_ARGS + 1];

	(void)state;
	assert_int_equal(cmd_split("  delay  min(2^a, 300) ", buf, sizeof(buf), argv,
	    CMD_MAX_ARGS, err, sizeof(err)), 3);
	assert_string_equal(argv[0], "delay");
	assert_string_equal(argv[1], "min(2^a,");
	assert_string_equal(argv[2], "300)");
	assert_null(argv[3]);
	assert_int_equal(cmd_split("sim close 4000 \"reason=a b\" 'x\\y' c\\ d", buf, sizeof(buf),
	    argv, CMD_MAX_ARGS, err, sizeof(err)), 6);
	assert_string_equal(argv[3], "reason=a b");
	assert_string_equal(argv[4], "x\\y");
	assert_string_equal(argv[5], "c d");
	assert_int_equal(cmd_split("", buf, sizeof(buf), argv, CMD_MAX_ARGS, err, sizeof(err)), 0);
	assert_int_equal(cmd_split("log filter \"open", buf, sizeof(buf), argv, CMD_MAX_ARGS, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "unterminated quote");
	assert_int_equal(cmd_split("a b c", buf, sizeof(buf), argv, 2, err, sizeof(err)), -1);
}

struct got {
	char v[32][32];
	int n;
};

static void
collect(void *ud, const char *cand)
{
	struct got *g = ud;

	if (g->n < 32)
		snprintf(g->v[g->n++], sizeof(g->v[0]), "%s", cand);
}

static bool
has(const struct got *g, const char *s)
{
	for (int i = 0; i < g->n; i++)
		if (strcmp(g->v[i], s) == 0)
			return true;
	return false;
}

static void
complete(struct ui *ui, const char *line, const char *prefix, struct got *g)
{
	char buf[CMD_LINE_MAX], err[64], *argv[CMD_MAX_ARGS + 1];
	int n = cmd_split(line, buf, sizeof(buf), argv, CMD_MAX_ARGS, err, sizeof(err));

	memset(g, 0, sizeof(*g));
	cmd_complete(ui, n, argv, prefix, collect, g);
}

static void
completion(void **state)
{
	static struct ui ui;
	struct got g;

	(void)state;
	ui.faults_asked = true;                 /* no emulator to ask */
	ui.nfaults = 2;
	snprintf(ui.faults[0].name, sizeof(ui.faults[0].name), "drop");
	snprintf(ui.faults[1].name, sizeof(ui.faults[1].name), "invalid_session");
	complete(&ui, "", "re", &g);
	assert_int_equal(g.n, 2);
	assert_true(has(&g, "reconnect") && has(&g, "resume"));
	complete(&ui, "cache", "", &g);
	assert_int_equal(g.n, 2);
	assert_true(has(&g, "flush") && has(&g, "stats"));
	complete(&ui, "log", "", &g);
	assert_true(has(&g, "level") && has(&g, "filter") && has(&g, "clear"));
	complete(&ui, "log level", "", &g);
	assert_int_equal(g.n, 4);
	assert_true(has(&g, "debug") && has(&g, "error"));
	complete(&ui, "log filter", "", &g);
	assert_int_equal(g.n, 0);
	complete(&ui, "delay preset", "lin", &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.v[0], "linear");
	complete(&ui, "theme", "mo", &g);
	assert_true(has(&g, "mono"));
	complete(&ui, "sim", "in", &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.v[0], "invalid_session");
	complete(&ui, "help", "qu", &g);
	assert_true(has(&g, "queue") && has(&g, "quit"));
	complete(&ui, "nosuch", "", &g);
	assert_int_equal(g.n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table_well_formed),
		cmocka_unit_test(split_words),
		cmocka_unit_test(completion),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
