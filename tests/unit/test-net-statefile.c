/* The state file: atomic replace, read back, set aside when corrupt. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "net/statefile.h"

static int
setup(void **state)
{
	static char dir[64];

	snprintf(dir, sizeof(dir), "/tmp/vigil-sf.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	*state = dir;
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", (char *)*state);
	return system(cmd) == 0 ? 0 : -1;
}

static int
entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d != NULL && (e = readdir(d)) != NULL)
		n += e->d_name[0] != '.' || strlen(e->d_name) > 2;
	if (d != NULL)
		closedir(d);
	return n;
}

static void
round_trip(void **state)
{
	const char *dir = *state;
	char err[256], *text;
	size_t len;
	struct stat st;
	char p[128];

	assert_int_equal(statefile_read(dir, &text, &len, err, sizeof(err)), 0);
	assert_int_equal(statefile_write(dir, "{\"a\":1}", 7, err, sizeof(err)), 0);
	assert_int_equal(statefile_write(dir, "{\"a\":22}", 8, err, sizeof(err)), 0);
	assert_int_equal(statefile_read(dir, &text, &len, err, sizeof(err)), 1);
	assert_int_equal(len, 8);
	assert_string_equal(text, "{\"a\":22}");
	free(text);
	/* Only the file: the temp file was renamed over it. */
	assert_int_equal(entries(dir), 1);
	snprintf(p, sizeof(p), "%s/%s", dir, STATEFILE_NAME);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

static void
set_aside(void **state)
{
	const char *dir = *state;
	char err[256], moved[256], *text;
	size_t len;

	assert_int_equal(statefile_write(dir, "garbage", 7, err, sizeof(err)), 0);
	assert_int_equal(statefile_set_aside(dir, 1234, moved, sizeof(moved), err, sizeof(err)), 0);
	assert_non_null(strstr(moved, "state.json.corrupt-1234"));
	assert_int_equal(access(moved, F_OK), 0);
	assert_int_equal(statefile_read(dir, &text, &len, err, sizeof(err)), 0);
}

static void
too_big_and_mkdir(void **state)
{
	const char *dir = *state;
	char err[256], sub[128], *text, *big = malloc(STATEFILE_MAX + 10);
	size_t len;

	memset(big, ' ', STATEFILE_MAX + 10);
	assert_int_equal(statefile_write(dir, big, STATEFILE_MAX + 10, err, sizeof(err)), 0);
	assert_int_equal(statefile_read(dir, &text, &len, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too big"));
	free(big);
	snprintf(sub, sizeof(sub), "%s/a/b/c", dir);
	assert_int_equal(statefile_mkdir(sub, err, sizeof(err)), 0);
	assert_int_equal(statefile_mkdir(sub, err, sizeof(err)), 0);
	assert_int_equal(statefile_write(sub, "{}", 2, err, sizeof(err)), 0);
	assert_int_equal(statefile_write("/nonexistent-vigil/x", "{}", 2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot write"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(set_aside, setup, teardown),
		cmocka_unit_test_setup_teardown(too_big_and_mkdir, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
