/*
 * The shipped bots run as shipped: uptime.lua answers !uptime and counts
 * minutes in its store across a restart; missed.lua, after a RECONNECT,
 * pages GET /channels/{id}/messages?after=LAST forward and handles only
 * what was not seen live. (ping.lua: test-script-events.c; over real
 * sockets: tests/integration/test-script-bots.c.)
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

static void
message(struct sfx *f, const char *channel, const char *id, const char *content)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "{\"op\":0,\"s\":1,\"t\":\"MESSAGE_CREATE\",\"d\":{\"id\":\"%s\","
	    "\"content\":\"%s\",\"channel_id\":\"%s\",\"author\":{\"id\":\"7\",\"bot\":false}}}",
	    id, content, channel);
	sfx_dispatch(f, buf);
}

static void
uptime(void **state)
{
	struct sfx *f = sfx_new(NULL);

	(void)state;
	assert_int_equal(sfx_load(f, "bots/uptime.lua", sfx_shipped("bots/uptime.lua")), 0);
	sfx_advance(f, 3 * 60 * 1000 + 5000);
	message(f, "42", "100", "!uptime");
	assert_int_equal(f->nhttp, 1);
	assert_non_null(strstr(f->http[0].body, "session up 0d 00h 03m 05s"));
	assert_non_null(strstr(f->http[0].body, "run 3 min in all"));
	sfx_restart(f);
	assert_string_equal(f->store, "{\"minutes\":3}");
	assert_int_equal(sfx_load(f, "bots/uptime.lua", sfx_shipped("bots/uptime.lua")), 0);
	sfx_advance(f, 60 * 1000);
	sfx_persist(f);
	assert_string_equal(f->store, "{\"minutes\":4}");
	sfx_free(f);
}

static void
missed(void **state)
{
	struct sfx *f = sfx_new(NULL);

	(void)state;
	assert_int_equal(sfx_load(f, "bots/missed.lua", sfx_shipped("bots/missed.lua")), 0);
	message(f, "42", "100", "a");
	message(f, "42", "101", "b");
	sfx_lifecycle(f, EVENT_RECONNECT, "new session");
	/* 104 arrives live while the fetch is on its way. */
	message(f, "42", "104", "live");
	assert_int_equal(f->nhttp, 1);
	assert_string_equal(f->http[0].path, "/channels/42/messages?limit=100&after=101");
	sfx_answer(f, f->http[0].id, 200,
	    "[{\"id\":\"104\",\"content\":\"live\"},{\"id\":\"103\",\"content\":\"m3\"},"
	    "{\"id\":\"102\",\"content\":\"m2\"}]");
	assert_int_equal(sfx_logged(f, LOG_INFO, "missed in 42: 102 by ?: m2"), 1);
	assert_int_equal(sfx_logged(f, LOG_INFO, "missed in 42: 103 by ?: m3"), 1);
	assert_int_equal(sfx_logged(f, LOG_INFO, "missed in 42: 104"), 0);
	assert_int_equal(sfx_logged(f, LOG_INFO, "missed: 2 message(s) recovered"), 1);
	sfx_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(uptime),
		cmocka_unit_test(missed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
