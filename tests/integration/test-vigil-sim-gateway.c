/*
 * vigil-sim over real sockets: IDENTIFY/READY, heartbeats, every close code
 * the emulator enforces, replay order after a RESUME, the op 9 paths, the
 * session-start budget up to the token reset, and zlib-stream.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../support/sim-proc.h"
#include "../support/ws-client.h"

#define WAIT 3000
#define PATH "/?v=10&encoding=json"
#define IDENTIFY "{\"op\":2,\"d\":{\"token\":\"%s\",\"intents\":%d," \
	"\"properties\":{\"os\":\"linux\",\"browser\":\"t\",\"device\":\"t\"}}}"
#define RESUME "{\"op\":6,\"d\":{\"token\":\"sim-token\"," \
	"\"session_id\":\"%s\",\"seq\":%lld}}"

static struct simproc sp;

SIMPROC_FIXTURES(sp, NULL)

static struct wsc *
connect_hello(const char *path)
{
	struct wsc *c = wsc_connect(sp.port, path, WAIT);
	json_t *hello;

	assert_non_null(c);
	hello = wsc_recv_json(c, WAIT);
	assert_non_null(hello);
	assert_int_equal(json_integer_value(json_object_get(hello, "op")), 10);
	json_decref(hello);
	return c;
}

/* IDENTIFY; the session id into sid; the connection, READY read. */
static struct wsc *
identify(int intents, char *sid, size_t len)
{
	struct wsc *c = connect_hello(PATH);
	json_t *ready;

	wsc_send(c, IDENTIFY, "sim-token", intents);
	ready = wsc_wait_dispatch(c, "READY", WAIT);
	assert_non_null(ready);
	if (sid != NULL)
		snprintf(sid, len, "%s", json_string_value(json_object_get(
		    json_object_get(ready, "d"), "session_id")));
	json_decref(ready);
	return c;
}

static void
test_identify_ready(void **state)
{
	struct wsc *c = connect_hello(PATH);
	json_t *ready, *d, *gc, *ack;
	char url[64];
	int guilds = 0;

	(void)state;
	wsc_send(c, IDENTIFY, "sim-token", 513);
	ready = wsc_wait_dispatch(c, "READY", WAIT);
	assert_non_null(ready);
	d = json_object_get(ready, "d");
	snprintf(url, sizeof(url), "ws://127.0.0.1:%d", sp.port);
	assert_string_equal(json_string_value(json_object_get(d,
	    "resume_gateway_url")), url);
	assert_int_equal(json_string_length(json_object_get(d, "session_id")),
	    32);
	assert_int_equal(json_integer_value(json_object_get(ready, "s")), 1);
	json_decref(ready);
	while (guilds < 3 && (gc = wsc_wait_dispatch(c, "GUILD_CREATE",
	    WAIT)) != NULL) {
		assert_int_equal(json_integer_value(json_object_get(gc, "s")),
		    2 + guilds);
		guilds++;
		json_decref(gc);
	}
	assert_int_equal(guilds, 3);
	wsc_send(c, "{\"op\":1,\"d\":4}");
	ack = wsc_wait_op(c, 11, WAIT);
	assert_non_null(ack);
	json_decref(ack);
	wsc_close(c, 1000);
	wsc_free(c);
}

static int
close_after(const char *path, const char *first, const char *second)
{
	struct wsc *c = connect_hello(path);
	int code;

	if (first != NULL)
		wsc_send_raw(c, first, strlen(first));
	if (second != NULL)
		wsc_send_raw(c, second, strlen(second));
	code = wsc_wait_closed(c, WAIT);
	wsc_free(c);
	return code;
}

/* A URL the gateway refuses is closed before HELLO. */
static int
close_at_open(const char *path)
{
	struct wsc *c = wsc_connect(sp.port, path, WAIT);
	int code;

	assert_non_null(c);
	code = wsc_wait_closed(c, WAIT);
	wsc_free(c);
	return code;
}

static void
test_close_codes(void **state)
{
	char ident[512], bad[512], big[5000];

	(void)state;
	snprintf(ident, sizeof(ident), IDENTIFY, "sim-token", 1);
	snprintf(bad, sizeof(bad), IDENTIFY, "wrong", 1);
	assert_int_equal(close_after(PATH, bad, NULL), 4004);
	assert_int_equal(close_after(PATH, "{\"op\":3,\"d\":{}}", NULL), 4003);
	assert_int_equal(close_after(PATH, ident, ident), 4005);
	assert_int_equal(close_after(PATH, "{\"op\":42}", NULL), 4001);
	assert_int_equal(close_after(PATH, "{oops", NULL), 4002);
	memset(big, ' ', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "{\"op\":1,\"d\":null}", 17);
	assert_int_equal(close_after(PATH, big, NULL), 4002);
	assert_int_equal(close_at_open("/?v=8"), 4012);
	assert_int_equal(close_at_open("/?v=10&encoding=etf"), 1003);
	snprintf(bad, sizeof(bad), IDENTIFY, "sim-token", 1 << 30);
	assert_int_equal(close_after(PATH, bad, NULL), 4013);
	snprintf(bad, sizeof(bad), "{\"op\":2,\"d\":{\"token\":\"sim-token\","
	    "\"intents\":1,\"properties\":{},\"shard\":[1,1]}}");
	assert_int_equal(close_after(PATH, bad, NULL), 4010);
	assert_int_equal(simproc_set(&sp, "{\"privileged_intents\":0}"), 200);
	snprintf(bad, sizeof(bad), IDENTIFY, "sim-token", 1 << 15);
	assert_int_equal(close_after(PATH, bad, NULL), 4014);
}

static void
test_send_limit_4008(void **state)
{
	struct wsc *c;
	int i;

	(void)state;
	assert_int_equal(simproc_set(&sp, "{\"send_limit\":5}"), 200);
	c = identify(1, NULL, 0);
	for (i = 0; i < 5; i++)
		wsc_send(c, "{\"op\":1,\"d\":1}");
	assert_int_equal(wsc_wait_closed(c, WAIT), 4008);
	wsc_free(c);
}

static void
test_timeouts_4009(void **state)
{
	struct wsc *c;

	(void)state;
	assert_int_equal(simproc_set(&sp, "{\"identify_timeout\":200}"), 200);
	c = connect_hello(PATH);
	assert_int_equal(wsc_wait_closed(c, WAIT), 4009);
	wsc_free(c);
	assert_int_equal(simproc_set(&sp, "{\"heartbeat_interval\":200}"),
	    200);
	c = identify(1, NULL, 0);
	assert_int_equal(wsc_wait_closed(c, WAIT), 4009);
	wsc_free(c);
}

static long long
read_dispatches(struct wsc *c, int n)
{
	long long s = 0;
	json_t *j;

	while (n-- > 0) {
		j = wsc_wait_dispatch(c, "MESSAGE_CREATE", WAIT);
		assert_non_null(j);
		s = json_integer_value(json_object_get(j, "s"));
		json_decref(j);
	}
	return s;
}

static void
test_resume_replays_in_order(void **state)
{
	char sid[64];
	struct wsc *a, *b;
	long long seen, s;
	json_t *j;
	int i;

	(void)state;
	a = identify(513, sid, sizeof(sid));
	assert_int_equal(simproc_fault(&sp, "{\"fault\":\"burst\","
	    "\"count\":10}"), 200);
	seen = read_dispatches(a, 4);
	wsc_drop(a);
	wsc_free(a);
	b = connect_hello(PATH);
	wsc_send(b, RESUME, sid, seen);
	for (i = 1; i <= 6; i++) {
		j = wsc_recv_json(b, WAIT);
		assert_non_null(j);
		s = json_integer_value(json_object_get(j, "s"));
		assert_int_equal(s, seen + i);
		assert_string_equal(json_string_value(json_object_get(j, "t")),
		    "MESSAGE_CREATE");
		json_decref(j);
	}
	j = wsc_recv_json(b, WAIT);
	assert_string_equal(json_string_value(json_object_get(j, "t")),
	    "RESUMED");
	assert_int_equal(json_integer_value(json_object_get(j, "s")), seen + 7);
	json_decref(j);
	assert_int_equal(simproc_counter(&sp, "events_replayed"), 6);
	assert_int_equal(simproc_counter(&sp, "resumes"), 1);
	/* A seq from the future: 4007. */
	wsc_drop(b);
	wsc_free(b);
	b = connect_hello(PATH);
	wsc_send(b, RESUME, sid, seen + 100);
	assert_int_equal(wsc_wait_closed(b, WAIT), 4007);
	wsc_free(b);
}

static void
expect_op9(struct wsc *c, bool resumable)
{
	json_t *j = wsc_wait_op(c, 9, WAIT);

	assert_non_null(j);
	assert_int_equal(json_is_true(json_object_get(j, "d")), resumable);
	json_decref(j);
}

static void
test_op9_paths(void **state)
{
	char sid[64];
	struct wsc *c, *d;
	json_t *j;

	(void)state;
	c = identify(1, sid, sizeof(sid));
	assert_int_equal(simproc_fault(&sp, "{\"fault\":\"invalid_session\","
	    "\"resumable\":true}"), 200);
	expect_op9(c, true);
	wsc_send(c, RESUME, sid, 4LL);
	j = wsc_wait_dispatch(c, "RESUMED", WAIT);
	assert_non_null(j);
	json_decref(j);
	assert_int_equal(simproc_fault(&sp, "{\"fault\":\"invalid_session\"}"),
	    200);
	expect_op9(c, false);
	wsc_close(c, 4000);
	wsc_free(c);
	d = connect_hello(PATH);
	wsc_send(d, RESUME, sid, 5LL);
	expect_op9(d, false);
	/* Unknown session: op 9 false too. */
	wsc_send(d, RESUME, "ffffffffffffffffffffffffffffffff", 1LL);
	expect_op9(d, false);
	wsc_free(d);
}

static long long
remaining(void)
{
	struct httpc_resp r;
	json_t *j;
	long long n = -1;

	simproc_http(&sp, "GET", "/api/v10/gateway/bot", "Bot sim-token", NULL,
	    &r);
	if (r.status == 200 && (j = httpc_json(&r)) != NULL) {
		n = json_integer_value(json_object_get(json_object_get(j,
		    "session_start_limit"), "remaining"));
		json_decref(j);
	} else if (r.status == 401) {
		n = -401;
	}
	httpc_free(&r);
	return n;
}

static void
test_budget_token_reset(void **state)
{
	struct wsc *a, *b;

	(void)state;
	assert_int_equal(simproc_set(&sp, "{\"session_remaining\":1}"), 200);
	assert_int_equal(remaining(), 1);
	a = identify(1, NULL, 0);
	assert_int_equal(remaining(), 0);
	b = connect_hello(PATH);
	wsc_send(b, IDENTIFY, "sim-token", 1);
	assert_int_equal(wsc_wait_closed(a, WAIT), 4004);
	assert_int_equal(wsc_wait_closed(b, WAIT), 4004);
	assert_int_equal(remaining(), -401);
	assert_int_equal(simproc_counter(&sp, "token_resets"), 1);
	assert_int_equal(simproc_counter(&sp, "identifies"), 1);
	wsc_free(a);
	wsc_free(b);
}

static void
test_zlib_stream(void **state)
{
	struct wsc *c = connect_hello(PATH "&compress=zlib-stream");
	json_t *ready;
	int i;

	(void)state;
	wsc_send(c, IDENTIFY, "sim-token", 513);
	ready = wsc_wait_dispatch(c, "READY", WAIT);
	assert_non_null(ready);
	json_decref(ready);
	/* One stream for the connection: later messages inflate too. */
	for (i = 0; i < 3; i++) {
		ready = wsc_wait_dispatch(c, "GUILD_CREATE", WAIT);
		assert_non_null(ready);
		json_decref(ready);
	}
	wsc_send(c, "{\"op\":1,\"d\":4}");
	ready = wsc_wait_op(c, 11, WAIT);
	assert_non_null(ready);
	json_decref(ready);
	wsc_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_identify_ready, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_close_codes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_send_limit_4008, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_timeouts_4009, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_resume_replays_in_order,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_op9_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_budget_token_reset, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_zlib_stream, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
