/*
 * Bot scripts' events: ping.lua answers through the REST queue, the lazy
 * payload is what the listener sees, lifecycle events carry their reason,
 * vigil.off removes a listener, and error isolation: a failing listener is
 * logged with script:line and counted while the others run, and more than
 * script_error_limit failures a minute disable it (alert) until
 * `bot enable`.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../support/script-fixture.h"

#define PING "{\"op\":0,\"s\":1,\"t\":\"MESSAGE_CREATE\",\"d\":{\"id\":\"5\",\"content\":\"!ping\"," \
    "\"channel_id\":\"42\",\"author\":{\"id\":\"7\",\"bot\":false}}}"
#define BOT_PING "{\"op\":0,\"s\":2,\"t\":\"MESSAGE_CREATE\",\"d\":{\"id\":\"6\",\"content\":\"!ping\"," \
    "\"channel_id\":\"42\",\"author\":{\"id\":\"8\",\"bot\":true}}}"

static void
ping_answers(void **state)
{
	struct sfx *f = sfx_new(NULL);

	(void)state;
	assert_int_equal(sfx_load(f, "bots/ping.lua", sfx_shipped("bots/ping.lua")), 0);
	sfx_dispatch(f, PING);
	assert_int_equal(f->nhttp, 1);
	assert_string_equal(f->http[0].method, "POST");
	assert_string_equal(f->http[0].path, "/channels/42/messages");
	assert_string_equal(f->http[0].body, "{\"content\":\"Pong!\"}");
	sfx_dispatch(f, BOT_PING);
	assert_int_equal(f->nhttp, 1);
	sfx_free(f);
}

static void
lifecycle_and_off(void **state)
{
	struct sfx *f = sfx_new(NULL);

	(void)state;
	assert_int_equal(sfx_load(f, "b/life.lua",
	    "local h = vigil.on('*', function(ev) vigil.log.info('any %s', ev.id) end)\n"
	    "vigil.on('LOST_CONNECTION', function(why) vigil.log.info('lost: %s', why) end)\n"
	    "vigil.on('RECONNECT', function(why)\n"
	    "  vigil.log.info('reconnect: %s', why)\n"
	    "  vigil.off(h)\n"
	    "end)\n"), 0);
	sfx_dispatch(f, PING);
	assert_int_equal(sfx_logged(f, LOG_INFO, "any 5"), 1);
	sfx_lifecycle(f, EVENT_LOST_CONNECTION, "closed 1006");
	assert_int_equal(sfx_logged(f, LOG_INFO, "lost: closed 1006"), 1);
	/* "*" is for dispatches only. */
	assert_int_equal(sfx_logged(f, LOG_INFO, "any nil"), 0);
	sfx_lifecycle(f, EVENT_RECONNECT, "new session");
	assert_int_equal(sfx_logged(f, LOG_INFO, "reconnect: new session"), 1);
	sfx_dispatch(f, PING);
	assert_int_equal(sfx_logged(f, LOG_INFO, "any 5"), 1);
	sfx_free(f);
}

static void
errors_isolated_and_breaker(void **state)
{
	struct script_limits lim;
	struct script_info info;
	struct script_health health;
	struct sfx *f;
	char err[128];

	(void)state;
	script_limits_default(&lim);
	lim.error_limit = 3;
	f = sfx_new(&lim);
	assert_int_equal(sfx_load(f, "b/bad.lua",
	    "vigil.on('MESSAGE_CREATE', function(m)\n"
	    "  local x = nil\n"
	    "  return x.field\n"
	    "end)\n"
	    "vigil.on('MESSAGE_CREATE', function(m) vigil.log.info('second ran') end)\n"), 0);
	assert_int_equal(sfx_load(f, "b/ping.lua", sfx_shipped("bots/ping.lua")), 0);
	sfx_dispatch(f, PING);
	/* Logged at ERROR with script:line; the other listeners ran. */
	assert_int_equal(sfx_logged(f, LOG_ERROR, "bad.lua:3:"), 1);
	assert_int_equal(sfx_logged(f, LOG_INFO, "second ran"), 1);
	assert_int_equal(f->nhttp, 1);
	for (int i = 0; i < 3; i++)
		sfx_dispatch(f, PING);
	/* Four failures within the minute: more than 3, so disabled. */
	assert_int_equal(sfx_logged(f, LOG_ERROR, "disabled"), 1);
	assert_int_equal(f->alerts, 1);
	assert_true(script_host_info(f->host, 0, &info));
	assert_int_equal(info.disabled, 1);
	assert_int_equal(info.errors, 4);
	assert_non_null(strstr(info.last_error, "bad.lua:3:"));
	script_host_health(f->host, now_of_fixture(f), &health);
	assert_int_equal(health.scripts, 2);
	assert_int_equal(health.disabled, 1);
	assert_int_equal(health.errors_last_min, 4);
	sfx_dispatch(f, PING);
	assert_int_equal(sfx_logged(f, LOG_ERROR, "bad.lua:3:"), 4);
	assert_int_equal(sfx_logged(f, LOG_INFO, "second ran"), 5);
	/* One request in flight on a route until its limits are known. */
	assert_int_equal(f->nhttp, 1);
	assert_int_equal(script_host_enable(f->host, now_of_fixture(f), "bad", err, sizeof(err)), 0);
	sfx_dispatch(f, PING);
	assert_int_equal(sfx_logged(f, LOG_ERROR, "bad.lua:3:"), 5);
	/* A minute later the errors have aged out of the health line. */
	sfx_advance(f, 61000);
	script_host_health(f->host, now_of_fixture(f), &health);
	assert_int_equal(health.errors_last_min, 0);
	assert_int_equal(health.disabled, 0);
	sfx_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ping_answers),
		cmocka_unit_test(lifecycle_and_off),
		cmocka_unit_test(errors_isolated_and_breaker),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
