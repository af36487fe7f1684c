/*
 * Themes: the built-in default covers every role, files overlay it, unknown
 * keys are counted not fatal, bad values are refused with the line, a theme
 * without colours is monochrome, and rgb quantises to xterm-256.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ui/theme.h"

static void
default_covers_every_role(void **state)
{
	struct theme t;

	(void)state;
	theme_default(&t);
	for (int r = 0; r < ROLE_ROLES; r++)
		assert_non_null(theme_key((enum ui_role)r, false));
	assert_false(t.mono);
	assert_true(t.fg[ROLE_STATE_CONNECTED].set);
}

static void
overlay_and_unknown(void **state)
{
	struct theme t;
	char err[128];

	(void)state;
	theme_default(&t);
	assert_int_equal(theme_parse(&t, "# c\nstate_connected=\"#102030\"\n\n"
	    "no_such_key=\"#ffffff\"\ntheme[warn]=\"#ABCDEF\"\nlog_info=\"\"\n", err, sizeof(err)), 0);
	assert_int_equal(t.fg[ROLE_STATE_CONNECTED].r, 0x10);
	assert_int_equal(t.fg[ROLE_STATE_CONNECTED].b, 0x30);
	assert_int_equal(t.fg[ROLE_WARN].g, 0xcd);
	assert_false(t.fg[ROLE_LOG_INFO].set);
	assert_int_equal(t.unknown_keys, 1);
	assert_string_equal(t.first_unknown, "no_such_key");
}

static void
bad_lines_refused(void **state)
{
	struct theme t, before;
	char err[128];

	(void)state;
	theme_default(&t);
	before = t;
	assert_int_equal(theme_parse(&t, "ok=\"\"\nwarn=\"#12345\"\n", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "line 2"));
	assert_memory_equal(&t, &before, sizeof(t));
	assert_int_equal(theme_parse(&t, "warn #123456\n", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "line 1"));
}

static void
colourless_is_mono(void **state)
{
	struct theme t;
	char err[128], text[4096];
	size_t off = 0;

	(void)state;
	theme_default(&t);
	for (int r = 0; r < ROLE_ROLES; r++) {
		off += (size_t)snprintf(text + off, sizeof(text) - off, "%s=\"\"\n",
		    theme_key((enum ui_role)r, false));
		if (theme_key((enum ui_role)r, true) != NULL)
			off += (size_t)snprintf(text + off, sizeof(text) - off, "%s=\"\"\n",
			    theme_key((enum ui_role)r, true));
	}
	assert_int_equal(theme_parse(&t, text, err, sizeof(err)), 0);
	assert_true(t.mono);
}

static void
quantise(void **state)
{
	(void)state;
	assert_int_equal(theme_rgb_to_256(0x5f, 0xd7, 0x5f), 16 + 36 * 1 + 6 * 4 + 1);
	assert_int_equal(theme_rgb_to_256(0, 0, 0), 16);
	assert_int_equal(theme_rgb_to_256(255, 255, 255), 231);
	assert_int_equal(theme_rgb_to_256(0x30, 0x30, 0x30), 232 + 4);  /* grey ramp 48 */
	assert_int_equal(theme_rgb_to_256(0x80, 0x80, 0x80), 244);      /* 128: ramp beats cube 135 */
	assert_int_equal(theme_rgb_to_8(0xff, 0x5f, 0x5f), 1);
	assert_int_equal(theme_rgb_to_8(0x5f, 0xd7, 0x5f), 2);
	assert_int_equal(theme_rgb_to_8(0xe4, 0xe4, 0xe4), 7);
}

static void
load_by_name_and_path(void **state)
{
	struct theme t, before;
	char err[512], dir[] = "/tmp/vigil-theme-XXXXXX", path[600], names[64][64];
	size_t n;
	bool found = false;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	setenv("XDG_CONFIG_HOME", dir, 1);
	snprintf(path, sizeof(path), "%s/vigil", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/vigil/themes", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/vigil/themes/zz-test.theme", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("# a test\nok=\"#010203\"\n", f);
	fclose(f);
	assert_int_equal(theme_load(&t, "zz-test", err, sizeof(err)), 0);
	assert_string_equal(t.name, "zz-test");
	assert_int_equal(t.fg[ROLE_OK].b, 3);
	assert_true(t.fg[ROLE_CRIT].set);               /* the rest from the default */
	before = t;
	assert_int_equal(theme_load(&t, "no-such-theme", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not found"));
	assert_memory_equal(&t, &before, sizeof(t));
	assert_int_equal(theme_load(&t, path, err, sizeof(err)), 0);
	assert_string_equal(t.name, "zz-test");
	n = theme_list(names, 64);
	for (size_t i = 0; i < n; i++)
		found |= strcmp(names[i], "zz-test") == 0;
	assert_true(found);
	unlink(path);
	snprintf(path, sizeof(path), "%s/vigil/themes", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/vigil", dir);
	rmdir(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(default_covers_every_role),
		cmocka_unit_test(overlay_and_unknown),
		cmocka_unit_test(bad_lines_refused),
		cmocka_unit_test(colourless_is_mono),
		cmocka_unit_test(quantise),
		cmocka_unit_test(load_by_name_and_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
