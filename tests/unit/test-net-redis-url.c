/* The `cluster` URL (src/net/redis-url.c): what it takes, what it refuses and why. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "net/redis-url.h"

static void
tcp_forms(void **state)
{
	struct redis_url u;
	char err[200], text[300];

	(void)state;
	assert_int_equal(redis_url_parse("redis://10.0.0.5", &u, err, sizeof(err)), 0);
	assert_false(u.is_unix);
	assert_string_equal(u.host, "10.0.0.5");
	assert_int_equal(u.port, 6379);
	assert_int_equal(u.db, 0);
	assert_int_equal(redis_url_parse("redis://redis.lan:6380/3", &u, err, sizeof(err)), 0);
	assert_string_equal(u.host, "redis.lan");
	assert_int_equal(u.port, 6380);
	assert_int_equal(u.db, 3);
	redis_url_format(&u, text, sizeof(text));
	assert_string_equal(text, "redis://redis.lan:6380/3");
	assert_int_equal(redis_url_parse("redis://[::1]:7000/", &u, err, sizeof(err)), 0);
	assert_string_equal(u.host, "::1");
	assert_int_equal(u.port, 7000);
	redis_url_format(&u, text, sizeof(text));
	assert_string_equal(text, "redis://[::1]:7000/0");
}

static void
unix_forms(void **state)
{
	struct redis_url u;
	char err[200];

	(void)state;
	assert_int_equal(redis_url_parse("unix:///run/redis/redis.sock", &u, err, sizeof(err)), 0);
	assert_true(u.is_unix);
	assert_string_equal(u.path, "/run/redis/redis.sock");
	assert_int_equal(u.db, 0);
	assert_int_equal(redis_url_parse("unix:///tmp/r.sock?db=15", &u, err, sizeof(err)), 0);
	assert_int_equal(u.db, 15);
}

static void
refuses(const char *url, const char *why)
{
	struct redis_url u;
	char err[200];

	if (redis_url_parse(url, &u, err, sizeof(err)) != -1)
		fail_msg("%s was taken", url);
	if (strstr(err, why) == NULL)
		fail_msg("%s: \"%s\" does not say \"%s\"", url, err, why);
	assert_non_null(strstr(err, "cluster"));
}

static void
refusals_say_why(void **state)
{
	(void)state;
	refuses("", "empty");
	refuses("http://x", "want redis://");
	refuses("rediss://x", "TLS");
	refuses("redis://", "no host");
	refuses("redis://:6379", "no host");
	refuses("redis://h:0", "port");
	refuses("redis://h:65536", "port");
	refuses("redis://h:12ab", "port");
	refuses("redis://h/16", "database");
	refuses("redis://h/-1", "database");
	refuses("redis://h/x", "database");
	refuses("redis://[::1", "unclosed");
	refuses("unix://relative.sock", "absolute");
	refuses("unix:///x?timeout=1", "?db=N");
	refuses("unix:///x?db=99", "database");
}

static void
password_in_url_refused_and_not_echoed(void **state)
{
	struct redis_url u;
	char err[200];

	(void)state;
	assert_int_equal(redis_url_parse("redis://:hunter2pw@h:6379/0", &u, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "VIGIL_REDIS_PASSWORD"));
	assert_null(strstr(err, "hunter2pw"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tcp_forms),
		cmocka_unit_test(unix_forms),
		cmocka_unit_test(refusals_say_why),
		cmocka_unit_test(password_in_url_refused_and_not_echoed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
