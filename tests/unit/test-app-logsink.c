/* The headless log writer: text and JSON lines, drops reported. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "bot/bot.h"
#include "app/logsink.h"

static void
json_transition(void **state)
{
	struct log_entry e;
	char buf[LOGSINK_LINE_MAX];
	json_t *j;

	(void)state;
	memset(&e, 0, sizeof(e));
	e.shard = -1;
	e.wall_ms = 1700000000123LL;
	e.level = LOG_INFO;
	e.from = BOT_CONNECTED;
	e.to = BOT_DISCONNECTED;
	snprintf(e.source, sizeof(e.source), "session");
	snprintf(e.text, sizeof(e.text), "Connected -> Disconnected: zombie \"quoted\" \x01 \xff end");
	logsink_format(&e, true, buf, sizeof(buf));
	assert_int_equal(buf[strlen(buf) - 1], '\n');
	j = json_loads(buf, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "time")), "2023-11-14T22:13:20.123Z");
	assert_string_equal(json_string_value(json_object_get(j, "level")), "info");
	assert_string_equal(json_string_value(json_object_get(j, "source")), "session");
	assert_string_equal(json_string_value(json_object_get(j, "from")), "Connected");
	assert_string_equal(json_string_value(json_object_get(j, "to")), "Disconnected");
	assert_string_equal(json_string_value(json_object_get(j, "reason")),
	    "zombie \"quoted\" \x01 ? end");
	assert_null(json_object_get(j, "shard"));
	json_decref(j);
	/* Several shards: the line names its shard as a field too, and the
	 * reason is found past the "shard N: " prefix. */
	e.shard = 3;
	snprintf(e.text, sizeof(e.text), "shard 3: Connected -> Disconnected: zombie");
	logsink_format(&e, true, buf, sizeof(buf));
	j = json_loads(buf, 0, NULL);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "shard")), 3);
	assert_string_equal(json_string_value(json_object_get(j, "reason")), "zombie");
	json_decref(j);
	e.shard = -1;
	e.from = e.to = -1;
	snprintf(e.text, sizeof(e.text), "Connected -> Disconnected: zombie");
	logsink_format(&e, false, buf, sizeof(buf));
	assert_non_null(strstr(buf, "2023-11-14T22:13:20.123Z INFO  session  Connected"));
}

static void
drain_and_drops(void **state)
{
	struct logring r;
	struct logsink s;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	(void)state;
	assert_int_equal(logring_init(&r, 4), 0);
	r.capture = LOG_DEBUG;
	logsink_init(&s, f, false, LOG_INFO);
	logring_add(&r, LOG_INFO, "t", "one");
	logring_add(&r, LOG_DEBUG, "t", "hidden");
	logsink_flush(&s, &r);
	for (int i = 0; i < 10; i++)
		logring_add(&r, LOG_WARN, "t", "line %d", i);
	logsink_flush(&s, &r);
	fclose(f);
	assert_non_null(strstr(out, "one"));
	assert_null(strstr(out, "hidden"));
	assert_non_null(strstr(out, "6 lines dropped"));
	assert_null(strstr(out, "line 5\n"));
	assert_non_null(strstr(out, "line 6\n"));
	assert_non_null(strstr(out, "line 9\n"));
	free(out);
	logring_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(json_transition),
		cmocka_unit_test(drain_and_drops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
