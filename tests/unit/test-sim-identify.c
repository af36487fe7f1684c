/*
 * IDENTIFY in the emulator core: its checks in Discord's order, READY and
 * the GUILD_CREATEs (per shard), identify concurrency, and the daily
 * session-start budget up to the token reset.
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
#define IDENT "{\"op\":2,\"d\":{\"token\":\"%s\",\"intents\":%lld," \
	"\"properties\":{\"os\":\"linux\"}%s}}"

static struct simt t;

SIMT_FIXTURES(t, NULL)

static int
identify_close(const char *token, long long intents, const char *extra)
{
	uint32_t c = simt_open(&t, PATH);

	simt_send(&t, c, IDENT, token, intents, extra);
	return simt_expect_close(&t, c);
}

static void
test_refusals(void **state)
{
	(void)state;
	assert_int_equal(identify_close("wrong", 1, ""), 4004);
	assert_int_equal(identify_close("sim-token", 1LL << 22, ""), 4013);
	assert_int_equal(identify_close("sim-token", -1, ""), 4013);
	assert_int_equal(identify_close("sim-token", 1, ",\"shard\":[2,2]"),
	    4010);
	assert_int_equal(identify_close("sim-token", 1, ",\"shard\":[0]"),
	    4010);
	/* No properties: not an IDENTIFY Discord accepts. */
	{
		uint32_t c = simt_open(&t, PATH);

		simt_send(&t, c, "{\"op\":2,\"d\":{\"token\":\"sim-token\","
		    "\"intents\":1}}");
		assert_int_equal(simt_expect_close(&t, c), 4001);
	}
	assert_int_equal(sim_counters(t.sim)->identifies, 0);
}

static void
test_privileged(void **state)
{
	json_t *set = json_pack("{s:i}", "privileged_intents", 0);
	char err[128];

	(void)state;
	assert_int_equal(sim_set(t.sim, t.now, set, err, sizeof(err)), 0);
	json_decref(set);
	assert_int_equal(identify_close("sim-token", 1 << 15, ""), 4014);
	assert_int_equal(identify_close("sim-token", 1 << 1, ""), 4014);
	simt_identify(&t, 1 | 1 << 9, NULL, 0);
}

static void
test_already_authenticated(void **state)
{
	uint32_t c = simt_identify(&t, 1, NULL, 0);

	(void)state;
	simt_send(&t, c, IDENT, "sim-token", 1LL, "");
	assert_int_equal(simt_expect_close(&t, c), 4005);
}

static void
test_ready(void **state)
{
	uint32_t c = simt_open(&t, PATH);
	json_t *ready, *d, *gc;
	int n = 0;

	(void)state;
	simt_send(&t, c, IDENT, "sim-token", 513LL, "");
	ready = simt_expect_send(&t, c);
	d = json_object_get(ready, "d");
	assert_string_equal(json_string_value(json_object_get(ready, "t")),
	    "READY");
	assert_int_equal(json_integer_value(json_object_get(d, "v")), 10);
	assert_string_equal(json_string_value(json_object_get(d,
	    "resume_gateway_url")), "ws://127.0.0.1:1");
	assert_true(json_is_true(json_object_get(json_object_get(d, "user"),
	    "bot")));
	assert_true(json_is_true(json_object_get(json_array_get(
	    json_object_get(d, "guilds"), 0), "unavailable")));
	assert_non_null(json_object_get(json_object_get(d, "application"),
	    "id"));
	json_decref(ready);
	while (n < 3) {
		gc = simt_expect_send(&t, c);
		assert_string_equal(json_string_value(json_object_get(gc, "t")),
		    "GUILD_CREATE");
		assert_int_equal(json_integer_value(json_object_get(gc, "s")),
		    2 + n);
		assert_int_equal(json_array_size(json_object_get(
		    json_object_get(gc, "d"), "channels")), 3);
		json_decref(gc);
		n++;
	}
	assert_int_equal(simt_drain(&t), 0);
	assert_int_equal(sim_counters(t.sim)->identifies, 1);
}

static void
test_no_guilds_intent(void **state)
{
	uint32_t c = simt_open(&t, PATH);

	(void)state;
	simt_send(&t, c, IDENT, "sim-token", 512LL, "");
	json_decref(simt_expect_dispatch(&t, c, "READY"));
	assert_int_equal(simt_drain(&t), 0);
}

static int
guilds_on_shard(int shard, int count)
{
	uint32_t c = simt_open(&t, PATH);
	char extra[32];
	json_t *ready;
	int n;

	snprintf(extra, sizeof(extra), ",\"shard\":[%d,%d]", shard, count);
	simt_send(&t, c, IDENT, "sim-token", 1LL, extra);
	ready = simt_expect_dispatch(&t, c, "READY");
	n = (int)json_array_size(json_object_get(json_object_get(ready, "d"),
	    "guilds"));
	assert_int_equal(json_integer_value(json_array_get(json_object_get(
	    json_object_get(ready, "d"), "shard"), 0)), shard);
	json_decref(ready);
	/* One GUILD_CREATE per guild of the shard, nothing else. */
	assert_int_equal(simt_drain(&t), n);
	return n;
}

static void
test_sharding(void **state)
{
	(void)state;
	assert_int_equal(guilds_on_shard(0, 2) + guilds_on_shard(1, 2), 3);
}

static void
test_concurrency(void **state)
{
	json_t *set = json_pack("{s:i}", "identify_spacing", 5000);
	char err[128];
	uint32_t c;
	json_t *op9;

	(void)state;
	sim_set(t.sim, t.now, set, err, sizeof(err));
	json_decref(set);
	simt_identify(&t, 1, NULL, 0);
	c = simt_open(&t, PATH);
	simt_send(&t, c, IDENT, "sim-token", 1LL, "");
	op9 = simt_expect_send(&t, c);
	assert_int_equal(json_integer_value(json_object_get(op9, "op")), 9);
	assert_true(json_is_false(json_object_get(op9, "d")));
	json_decref(op9);
	assert_int_equal(sim_counters(t.sim)->identifies, 1);
	/* The socket stays open; after the spacing, IDENTIFY works. */
	simt_advance(&t, 5000);
	simt_send(&t, c, IDENT, "sim-token", 1LL, "");
	json_decref(simt_expect_dispatch(&t, c, "READY"));
}

static long long
remaining(void)
{
	struct sim_http_resp r;
	json_t *body;
	long long n;

	simt_http(&t, "GET", "/api/v10/gateway/bot", "Bot sim-token", NULL,
	    &body, &r);
	n = json_integer_value(json_object_get(json_object_get(body,
	    "session_start_limit"), "remaining"));
	json_decref(body);
	sim_http_resp_free(&r);
	return n;
}

static void
test_budget_and_token_reset(void **state)
{
	json_t *set = json_pack("{s:i}", "session_remaining", 2);
	struct sim_http_resp r;
	char err[128];
	uint32_t a, b, c;

	(void)state;
	sim_set(t.sim, t.now, set, err, sizeof(err));
	json_decref(set);
	assert_int_equal(remaining(), 2);
	a = simt_identify(&t, 1, NULL, 0);
	b = simt_identify(&t, 1, NULL, 0);
	assert_int_equal(remaining(), 0);
	/* Past the limit: Discord resets the token and ends everything. */
	c = simt_open(&t, PATH);
	simt_send(&t, c, IDENT, "sim-token", 1LL, "");
	assert_int_equal(simt_expect_close(&t, a), 4004);
	assert_int_equal(simt_expect_close(&t, b), 4004);
	assert_int_equal(simt_expect_close(&t, c), 4004);
	assert_int_equal(sim_counters(t.sim)->token_resets, 1);
	assert_int_equal(simt_http(&t, "GET", "/api/v10/users/@me",
	    "Bot sim-token", NULL, NULL, &r), 401);
	sim_http_resp_free(&r);
	assert_int_equal(identify_close("sim-token", 1, ""), 4004);
	/* A new token works again once the window refills. */
	set = json_pack("{s:s}", "token", "new-token");
	sim_set(t.sim, t.now, set, err, sizeof(err));
	json_decref(set);
	simt_advance(&t, 86400000);
	assert_int_equal(simt_http(&t, "GET", "/api/v10/users/@me",
	    "Bot new-token", NULL, NULL, &r), 200);
	sim_http_resp_free(&r);
	simt_identify(&t, 1, NULL, 0);
}

static void
test_budget_window(void **state)
{
	json_t *set = json_pack("{s:i, s:i}", "session_limit", 3,
	    "session_window", 60000);
	char err[128];

	(void)state;
	assert_int_equal(sim_set(t.sim, t.now, set, err, sizeof(err)), 0);
	json_decref(set);
	assert_int_equal(remaining(), 3);
	simt_identify(&t, 1, NULL, 0);
	simt_advance(&t, 30000);
	simt_identify(&t, 1, NULL, 0);
	assert_int_equal(remaining(), 1);
	/* The window opened at the first start: 30 s more refills it. */
	simt_advance(&t, 30000);
	assert_int_equal(remaining(), 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_privileged, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_already_authenticated,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_ready, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_guilds_intent, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sharding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrency, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_budget_and_token_reset,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_budget_window, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
