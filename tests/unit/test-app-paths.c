/* One XDG rule for the config, themes, state file and history (paths.h):
 * absolute XDG values win; unset, empty or relative ones fall back to HOME. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "app/paths.h"

static void
env(const char *name, const char *value)
{
	if (value == NULL)
		unsetenv(name);
	else
		setenv(name, value, 1);
}

static void
expect(enum paths_base base, const char *sub, const char *want)
{
	char out[256];

	assert_int_equal(paths_vigil(base, sub, out, sizeof(out)), 0);
	assert_string_equal(out, want);
}

static void
absolute_xdg_wins(void **state)
{
	(void)state;
	env("HOME", "/home/op");
	env("XDG_STATE_HOME", "/var/lib/op");
	env("XDG_CONFIG_HOME", "/etc/op");
	expect(PATHS_STATE, NULL, "/var/lib/op/vigil");
	expect(PATHS_STATE, "history", "/var/lib/op/vigil/history");
	expect(PATHS_CONFIG, "themes", "/etc/op/vigil/themes");
}

/* The bug this helper fixed: a relative XDG_STATE_HOME sent the history one
 * way and the state file another. Both now take HOME's default. */
static void
relative_xdg_is_ignored(void **state)
{
	(void)state;
	env("HOME", "/home/op");
	env("XDG_STATE_HOME", "rel/state");
	env("XDG_CONFIG_HOME", "rel/config");
	expect(PATHS_STATE, NULL, "/home/op/.local/state/vigil");
	expect(PATHS_STATE, "history", "/home/op/.local/state/vigil/history");
	expect(PATHS_CONFIG, "config", "/home/op/.config/vigil/config");
}

static void
empty_and_unset_xdg(void **state)
{
	(void)state;
	env("HOME", "/home/op");
	env("XDG_STATE_HOME", "");
	env("XDG_CONFIG_HOME", NULL);
	expect(PATHS_STATE, NULL, "/home/op/.local/state/vigil");
	expect(PATHS_CONFIG, "themes", "/home/op/.config/vigil/themes");
}

static void
no_home(void **state)
{
	(void)state;
	env("XDG_STATE_HOME", NULL);
	env("XDG_CONFIG_HOME", NULL);
	env("HOME", NULL);
	expect(PATHS_STATE, NULL, "./.local/state/vigil");
	env("HOME", "");
	expect(PATHS_CONFIG, "config", "./.config/vigil/config");
}

static void
too_long(void **state)
{
	char out[16];

	(void)state;
	env("XDG_STATE_HOME", "/a/very/long/state/home");
	assert_int_equal(paths_vigil(PATHS_STATE, "history", out, sizeof(out)), -1);
}

/* The control socket's directory: an absolute $XDG_RUNTIME_DIR, else the
 * state directory (a relative one would move with the working directory). */
static void
runtime_dir(void **state)
{
	char out[64];

	(void)state;
	env("XDG_RUNTIME_DIR", "/run/user/1000");
	assert_int_equal(paths_runtime("/var/lib/vigil", out, sizeof(out)), 0);
	assert_string_equal(out, "/run/user/1000/vigil");
	env("XDG_RUNTIME_DIR", "run/user");
	assert_int_equal(paths_runtime("/var/lib/vigil", out, sizeof(out)), 0);
	assert_string_equal(out, "/var/lib/vigil");
	env("XDG_RUNTIME_DIR", NULL);
	assert_int_equal(paths_runtime("/var/lib/vigil", out, sizeof(out)), 0);
	assert_string_equal(out, "/var/lib/vigil");
	assert_int_equal(paths_runtime("/var/lib/vigil", out, 8), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(absolute_xdg_wins),
		cmocka_unit_test(relative_xdg_is_ignored),
		cmocka_unit_test(empty_and_unset_xdg),
		cmocka_unit_test(no_home),
		cmocka_unit_test(too_long),
		cmocka_unit_test(runtime_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
