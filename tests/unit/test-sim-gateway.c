/*
 * The emulator core's gateway rules, with no sockets: the URL, HELLO, what
 * may come before IDENTIFY, payload checks, the send limit, heartbeats and
 * their deadlines, and what each way of closing does to the session.
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

static struct simt fixture;

SIMT_FIXTURES(fixture, NULL)

static void
test_hello(void **state)
{
	struct simt *t = *state;
	struct sim_conn_info info;
	uint32_t c = sim_conn_open(t->sim, t->now, PATH, &info);
	json_t *hello = simt_expect_send(t, c);

	assert_false(info.zlib);
	assert_int_equal(json_integer_value(json_object_get(hello, "op")), 10);
	assert_true(json_is_null(json_object_get(hello, "s")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    hello, "d"), "heartbeat_interval")), 60000);
	json_decref(hello);
	sim_conn_open(t->sim, t->now, PATH "&compress=zlib-stream", &info);
	assert_true(info.zlib);
	simt_drain(t);
}

static void
open_expect_close(struct simt *t, const char *path, int code)
{
	struct sim_conn_info info;
	uint32_t c = sim_conn_open(t->sim, t->now, path, &info);

	assert_int_equal(simt_expect_close(t, c), code);
}

static void
test_url_checks(void **state)
{
	struct simt *t = *state;

	open_expect_close(t, "/", 4012);
	open_expect_close(t, "/?v=6&encoding=json", 4012);
	open_expect_close(t, "/?v=10&encoding=etf", 1003);
	/* zstd-stream and zlib-stream are served (issue 14); nothing else. */
	open_expect_close(t, "/?v=10&compress=brotli-stream", 1003);
	simt_drain(t);
	simt_open(t, "/?v=9");
	simt_open(t, "/?v=10&compress=zstd-stream");
}

static void
expect_close_after(struct simt *t, const char *frame, int code)
{
	uint32_t c = simt_open(t, PATH);

	sim_conn_text(t->sim, t->now, c, frame, strlen(frame));
	assert_int_equal(simt_expect_close(t, c), code);
}

static void
test_payload_rules(void **state)
{
	struct simt *t = *state;
	char big[SIM_MAX_PAYLOAD + 64];
	uint32_t c;

	expect_close_after(t, "{\"op\":3,\"d\":{}}", 4003);
	expect_close_after(t, "{\"op\":8,\"d\":{}}", 4003);
	expect_close_after(t, "{\"op\":5,\"d\":null}", 4001);
	expect_close_after(t, "{\"op\":99}", 4001);
	expect_close_after(t, "not json", 4002);
	expect_close_after(t, "{\"d\":1}", 4002);
	expect_close_after(t, "{\"op\":1,\"d\":\"x\"}", 4001);
	memset(big, ' ', sizeof(big));
	memcpy(big, "{\"op\":1,\"d\":null}", 17);
	c = simt_open(t, PATH);
	sim_conn_text(t->sim, t->now, c, big, sizeof(big));
	assert_int_equal(simt_expect_close(t, c), 4002);
	c = simt_open(t, PATH);
	sim_conn_text(t->sim, t->now, c, NULL, 1u << 20);
	assert_int_equal(simt_expect_close(t, c), 4002);
}

static void
test_heartbeat_ack_before_identify(void **state)
{
	struct simt *t = *state;
	uint32_t c = simt_open(t, PATH);
	json_t *ack;

	simt_send(t, c, "{\"op\":1,\"d\":null}");
	ack = simt_expect_send(t, c);
	assert_int_equal(json_integer_value(json_object_get(ack, "op")), 11);
	json_decref(ack);
	assert_int_equal(sim_counters(t->sim)->heartbeat_acks, 1);
}

static void
test_send_limit(void **state)
{
	struct simt *t = *state;
	uint32_t c = simt_identify(t, 1, NULL, 0);
	int i;

	/* 120 payloads in a minute are fine (IDENTIFY was the first), the
	 * 121st is not. */
	for (i = 0; i < 119; i++) {
		simt_send(t, c, "{\"op\":3,\"d\":{\"status\":\"online\","
		    "\"since\":null,\"activities\":[],\"afk\":false}}");
		simt_advance(t, 400);
	}
	assert_int_equal(simt_drain(t), 0);
	simt_send(t, c, "{\"op\":1,\"d\":1}");
	assert_int_equal(simt_expect_close(t, c), 4008);
}

static void
test_send_limit_window_slides(void **state)
{
	struct simt *t = *state;
	uint32_t c = simt_identify(t, 1, NULL, 0);
	int i;

	for (i = 0; i < 119; i++)
		simt_send(t, c, "{\"op\":3,\"d\":{}}");
	simt_advance(t, 60001);
	simt_send(t, c, "{\"op\":1,\"d\":1}");
	json_decref(simt_expect_send(t, c));
}

static void
test_heartbeat_timeout(void **state)
{
	struct simt *t = *state;
	uint32_t c = simt_identify(t, 1, NULL, 0);

	simt_advance(t, 80000);
	simt_send(t, c, "{\"op\":1,\"d\":1}");
	json_decref(simt_expect_send(t, c));
	/* 1.5 intervals of silence: Discord gives up on the session. */
	simt_advance(t, 89999);
	assert_int_equal(simt_drain(t), 0);
	simt_advance(t, 2);
	assert_int_equal(simt_expect_close(t, c), 4009);
}

static void
test_identify_timeout(void **state)
{
	struct simt *t = *state;
	uint32_t c = simt_open(t, PATH);

	simt_advance(t, 29999);
	assert_int_equal(simt_drain(t), 0);
	simt_advance(t, 1);
	assert_int_equal(simt_expect_close(t, c), 4009);
}

static void
test_client_close_codes(void **state)
{
	struct simt *t = *state;
	json_t *sessions;
	uint32_t c;

	/* A client's 1000 ends the session, 4000 keeps it, a drop keeps it. */
	c = simt_identify(t, 1, NULL, 0);
	sim_conn_closed(t->sim, t->now, c, 1000);
	c = simt_identify(t, 1, NULL, 0);
	sim_conn_closed(t->sim, t->now, c, 4000);
	c = simt_identify(t, 1, NULL, 0);
	sim_conn_closed(t->sim, t->now, c, -1);
	sessions = sim_sessions_json(t->sim, t->now);
	assert_int_equal(json_array_size(json_object_get(sessions,
	    "sessions")), 2);
	assert_int_equal(json_array_size(json_object_get(sessions,
	    "connections")), 0);
	json_decref(sessions);
}

static void
test_presence_and_members(void **state)
{
	struct simt *t = *state;
	uint32_t c = simt_open(t, PATH);
	json_t *ready, *chunk, *d;
	char gid[32];

	simt_send(t, c, "{\"op\":2,\"d\":{\"token\":\"sim-token\","
	    "\"intents\":3,\"properties\":{}}}");
	ready = simt_expect_dispatch(t, c, "READY");
	snprintf(gid, sizeof(gid), "%s", json_string_value(json_object_get(
	    json_array_get(json_object_get(json_object_get(ready, "d"),
	    "guilds"), 0), "id")));
	json_decref(ready);
	simt_drain(t);
	simt_send(t, c, "{\"op\":3,\"d\":{\"status\":\"idle\"}}");
	assert_int_equal(simt_drain(t), 0);
	simt_send(t, c, "{\"op\":8,\"d\":{\"guild_id\":\"%s\","
	    "\"query\":\"\",\"limit\":0,\"nonce\":\"n1\"}}", gid);
	chunk = simt_expect_dispatch(t, c, "GUILD_MEMBERS_CHUNK");
	d = json_object_get(chunk, "d");
	assert_string_equal(json_string_value(json_object_get(d, "guild_id")),
	    gid);
	assert_string_equal(json_string_value(json_object_get(d, "nonce")),
	    "n1");
	assert_true(json_array_size(json_object_get(d, "members")) >= 2);
	json_decref(chunk);
	simt_send(t, c, "{\"op\":8,\"d\":{\"guild_id\":\"1\"}}");
	assert_int_equal(simt_drain(t), 0);
	simt_send(t, c, "{\"op\":8,\"d\":{}}");
	assert_int_equal(simt_expect_close(t, c), 4001);
}

static void
test_max_connections(void **state)
{
	struct simt t;
	struct sim_config cfg;
	struct sim_conn_info info;

	(void)state;
	simt_config(&cfg);
	cfg.max_connections = 2;
	simt_start(&t, &cfg);
	simt_open(&t, PATH);
	simt_open(&t, PATH);
	assert_int_equal(sim_conn_open(t.sim, t.now, PATH, &info), 0);
	assert_int_equal(sim_counters(t.sim)->refused, 1);
	simt_stop(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hello, setup, teardown),
		cmocka_unit_test_setup_teardown(test_url_checks, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_payload_rules, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_heartbeat_ack_before_identify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_limit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_send_limit_window_slides,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_heartbeat_timeout, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_identify_timeout, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_client_close_codes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_presence_and_members,
		    setup, teardown),
		cmocka_unit_test(test_max_connections),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
