/*
 * RESUME in the emulator core: missed events replayed in order and then
 * RESUMED, the failures (unknown or expired session, a seq that is not in
 * the buffer), the resume window, and the session's fate after op 7, op 9
 * and each kind of close.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../support/sim-drive.h"

#define PATH "/?v=10&encoding=json"
#define RESUME "{\"op\":6,\"d\":{\"token\":\"sim-token\"," \
	"\"session_id\":\"%s\",\"seq\":%lld}}"
#define INTENTS (1 | 1 << 9 | 1 << 15)

static struct simt t;

static void
small_buffer(struct sim_config *cfg)
{
	cfg->replay_buffer = 20;
}

SIMT_FIXTURES(t, small_buffer)

/* n events on every live session, through the burst fault. */
static void
events(int n)
{
	char line[32], err[128];

	snprintf(line, sizeof(line), "burst %d", n);
	assert_true(sim_fault_line(t.sim, t.now, line, err, sizeof(err)) >= 0);
}

static long long
last_seq(uint32_t c, int expect)
{
	long long s = 0;
	int i;

	for (i = 0; i < expect; i++) {
		json_t *j = simt_expect_send(&t, c);

		s = json_integer_value(json_object_get(j, "s"));
		json_decref(j);
	}
	return s;
}

static void
test_replay_in_order(void **state)
{
	char sid[64];
	uint32_t a, b;
	long long seen, s;
	json_t *j;
	int i;

	(void)state;
	a = simt_identify(&t, INTENTS, sid, sizeof(sid));
	events(5);
	seen = last_seq(a, 5);                    /* READY, 3 guilds, 5 */
	assert_int_equal(seen, 9);
	/* The client lost the last three in the drop. */
	sim_conn_closed(t.sim, t.now, a, -1);
	b = simt_open(&t, PATH);
	simt_send(&t, b, RESUME, sid, seen - 3);
	for (i = 0; i < 3; i++) {
		j = simt_expect_send(&t, b);
		s = json_integer_value(json_object_get(j, "s"));
		assert_int_equal(s, seen - 2 + i);
		assert_string_equal(json_string_value(json_object_get(j, "t")),
		    "MESSAGE_CREATE");
		json_decref(j);
	}
	j = simt_expect_send(&t, b);
	assert_string_equal(json_string_value(json_object_get(j, "t")),
	    "RESUMED");
	assert_int_equal(json_integer_value(json_object_get(j, "s")), seen + 1);
	json_decref(j);
	assert_int_equal(sim_counters(t.sim)->resumes, 1);
	assert_int_equal(sim_counters(t.sim)->events_replayed, 3);
	assert_int_equal(sim_counters(t.sim)->identifies, 1);
}

static void
test_detached_session_buffers(void **state)
{
	char sid[64];
	uint32_t a, b, other;
	json_t *j;
	struct sim_http_resp r;
	json_t *ready;
	char ch[32], path[96];

	(void)state;
	/* Session A sees messages another client posts while A is gone. */
	a = simt_open(&t, PATH);
	simt_send(&t, a, "{\"op\":2,\"d\":{\"token\":\"sim-token\","
	    "\"intents\":%d,\"properties\":{}}}", INTENTS);
	ready = simt_expect_dispatch(&t, a, "READY");
	snprintf(sid, sizeof(sid), "%s", json_string_value(json_object_get(
	    json_object_get(ready, "d"), "session_id")));
	json_decref(ready);
	j = simt_expect_dispatch(&t, a, "GUILD_CREATE");
	snprintf(ch, sizeof(ch), "%s", json_string_value(json_object_get(
	    json_array_get(json_object_get(json_object_get(j, "d"),
	    "channels"), 0), "id")));
	json_decref(j);
	simt_drain(&t);
	sim_conn_closed(t.sim, t.now, a, 4000);
	other = simt_identify(&t, 1, NULL, 0);
	(void)other;
	snprintf(path, sizeof(path), "/api/v10/channels/%s/messages", ch);
	assert_int_equal(simt_http(&t, "POST", path, "Bot sim-token",
	    "{\"content\":\"while you were away\"}", NULL, &r), 200);
	sim_http_resp_free(&r);
	simt_drain(&t);
	b = simt_open(&t, PATH);
	simt_send(&t, b, RESUME, sid, 4LL);
	j = simt_expect_send(&t, b);
	assert_string_equal(json_string_value(json_object_get(j, "t")),
	    "MESSAGE_CREATE");
	assert_int_equal(json_integer_value(json_object_get(j, "s")), 5);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    j, "d"), "content")), "while you were away");
	json_decref(j);
	json_decref(simt_expect_dispatch(&t, b, "RESUMED"));
}

static void
expect_op9(uint32_t c, bool d)
{
	json_t *j = simt_expect_send(&t, c);

	assert_int_equal(json_integer_value(json_object_get(j, "op")), 9);
	assert_int_equal(json_is_true(json_object_get(j, "d")), d);
	json_decref(j);
}

static void
test_resume_failures(void **state)
{
	char sid[64];
	uint32_t a, b;

	(void)state;
	b = simt_open(&t, PATH);
	simt_send(&t, b, RESUME, "0123456789abcdef0123456789abcdef", 1LL);
	expect_op9(b, false);
	a = simt_identify(&t, INTENTS, sid, sizeof(sid));
	sim_conn_closed(t.sim, t.now, a, -1);
	simt_send(&t, b, RESUME, sid, 99LL);          /* from the future */
	assert_int_equal(simt_expect_close(&t, b), 4007);
	b = simt_open(&t, PATH);
	simt_send(&t, b, RESUME, sid, 1LL);           /* gone with 4007 */
	expect_op9(b, false);
	b = simt_open(&t, PATH);
	simt_send(&t, b, "{\"op\":6,\"d\":{\"token\":\"bad\","
	    "\"session_id\":\"%s\",\"seq\":1}}", sid);
	assert_int_equal(simt_expect_close(&t, b), 4004);
	assert_int_equal(sim_counters(t.sim)->resumes_failed, 3);
}

static void
test_seq_older_than_buffer(void **state)
{
	char sid[64];
	uint32_t a, b;

	(void)state;
	a = simt_identify(&t, INTENTS, sid, sizeof(sid));
	events(30);                                   /* buffer keeps 20 */
	simt_drain(&t);
	sim_conn_closed(t.sim, t.now, a, -1);
	b = simt_open(&t, PATH);
	simt_send(&t, b, RESUME, sid, 4LL);
	assert_int_equal(simt_expect_close(&t, b), 4007);
	/* The last 20 are still there for a client that saw more. */
	a = simt_identify(&t, INTENTS, sid, sizeof(sid));
	events(30);
	simt_drain(&t);
	sim_conn_closed(t.sim, t.now, a, -1);
	b = simt_open(&t, PATH);
	simt_send(&t, b, RESUME, sid, 24LL);
	assert_int_equal(last_seq(b, 10), 34);
	json_decref(simt_expect_dispatch(&t, b, "RESUMED"));
}

static void
test_resume_window(void **state)
{
	char sid[64];
	uint32_t a, b;

	(void)state;
	a = simt_identify(&t, INTENTS, sid, sizeof(sid));
	sim_conn_closed(t.sim, t.now, a, -1);
	simt_advance(&t, 180000);
	b = simt_open(&t, PATH);
	simt_send(&t, b, RESUME, sid, 4LL);
	expect_op9(b, false);
}

static void
test_client_1000_ends_session(void **state)
{
	char sid[64];
	uint32_t a, b;

	(void)state;
	a = simt_identify(&t, INTENTS, sid, sizeof(sid));
	sim_conn_closed(t.sim, t.now, a, 1000);
	b = simt_open(&t, PATH);
	simt_send(&t, b, RESUME, sid, 4LL);
	expect_op9(b, false);
}

static void
test_takeover(void **state)
{
	char sid[64];
	uint32_t a, b;

	(void)state;
	a = simt_identify(&t, INTENTS, sid, sizeof(sid));
	b = simt_open(&t, PATH);
	simt_send(&t, b, RESUME, sid, 4LL);
	assert_int_equal(simt_expect_close(&t, a), 4000);
	json_decref(simt_expect_dispatch(&t, b, "RESUMED"));
}

static void
test_op9_resumable_same_socket(void **state)
{
	char sid[64], err[128];
	uint32_t a;

	(void)state;
	a = simt_identify(&t, INTENTS, sid, sizeof(sid));
	assert_int_equal(sim_fault_line(t.sim, t.now,
	    "invalid_session true", err, sizeof(err)), 1);
	expect_op9(a, true);
	/* discord.js resumes on the same socket after op 9 true. */
	simt_send(&t, a, RESUME, sid, 4LL);
	json_decref(simt_expect_dispatch(&t, a, "RESUMED"));
	assert_int_equal(sim_fault_line(t.sim, t.now,
	    "invalid_session false", err, sizeof(err)), 1);
	expect_op9(a, false);
	simt_send(&t, a, RESUME, sid, 5LL);
	expect_op9(a, false);
}

static void
test_op7(void **state)
{
	char sid[64], err[128];
	uint32_t a, b;
	json_t *j;

	(void)state;
	a = simt_identify(&t, INTENTS, sid, sizeof(sid));
	assert_int_equal(sim_fault_line(t.sim, t.now, "reconnect", err,
	    sizeof(err)), 1);
	j = simt_expect_send(&t, a);
	assert_int_equal(json_integer_value(json_object_get(j, "op")), 7);
	json_decref(j);
	/* Ignored input until the grace ends, then a close. */
	simt_send(&t, a, "{\"op\":1,\"d\":4}");
	assert_int_equal(simt_drain(&t), 0);
	simt_advance(&t, 5000);
	assert_int_equal(simt_expect_close(&t, a), 4000);
	b = simt_open(&t, PATH);
	simt_send(&t, b, RESUME, sid, 4LL);
	json_decref(simt_expect_dispatch(&t, b, "RESUMED"));
}

static void
test_server_close_codes_and_sessions(void **state)
{
	static const struct { int code; bool keeps; } cases[] = {
		{ 4000, true }, { 4001, true }, { 4002, true }, { 4008, true },
		{ 1000, true }, { 4900, true }, { 4003, false }, { 4005, false },
		{ 4007, false }, { 4009, false }, { 4013, false },
	};
	char sid[64], line[32], err[128];
	size_t i;
	uint32_t a, b;
	json_t *j;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		a = simt_identify(&t, INTENTS, sid, sizeof(sid));
		snprintf(line, sizeof(line), "close %d", cases[i].code);
		assert_int_equal(sim_fault_line(t.sim, t.now, line, err,
		    sizeof(err)), 1);
		assert_int_equal(simt_expect_close(&t, a), cases[i].code);
		b = simt_open(&t, PATH);
		simt_send(&t, b, RESUME, sid, 4LL);
		j = simt_expect_send(&t, b);
		assert_int_equal(json_integer_value(json_object_get(j, "op")),
		    cases[i].keeps ? 0 : 9);
		json_decref(j);
		sim_conn_closed(t.sim, t.now, b, 1000);
		simt_drain(&t);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_replay_in_order, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_detached_session_buffers,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume_failures, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_seq_older_than_buffer,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume_window, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_client_1000_ends_session,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_takeover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_op9_resumable_same_socket,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_op7, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_server_close_codes_and_sessions, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
