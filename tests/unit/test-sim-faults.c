/*
 * Faults in the emulator core: every fault's effect as actions, argument
 * checking (JSON and text), the control API's answers to bad input,
 * scenarios and seeded chaos.
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
#define AUTH "Bot sim-token"

static struct simt t;

SIMT_FIXTURES(t, NULL)

static int
fire(const char *line)
{
	char err[256];
	int n = sim_fault_line(t.sim, t.now, line, err, sizeof(err));

	if (n < 0)
		print_message("fault \"%s\": %s\n", line, err);
	return n;
}

static enum sim_action_kind
next_kind(uint32_t conn)
{
	struct sim_action a;
	char *data;

	assert_true(simt_next(&t, &a, &data));
	free(data);
	assert_int_equal(a.conn, conn);
	return a.kind;
}

static void
test_drop_and_blackhole(void **state)
{
	struct sim_action a;
	char *data;
	uint32_t c;

	(void)state;
	c = simt_identify(&t, 1, NULL, 0);
	assert_int_equal(fire("drop rst=true"), 1);
	assert_true(simt_next(&t, &a, &data));
	assert_int_equal(a.kind, SIM_ACT_DROP);
	assert_true(a.rst);
	c = simt_identify(&t, 1, NULL, 0);
	assert_int_equal(fire("blackhole"), 1);
	assert_int_equal(next_kind(c), SIM_ACT_BLACKHOLE);
	/* Nothing goes to it any more; it is let go after 10 minutes. */
	simt_send(&t, c, "{\"op\":1,\"d\":1}");
	assert_int_equal(simt_drain(&t), 0);
	simt_advance(&t, 600000);
	assert_int_equal(next_kind(c), SIM_ACT_DROP);
	assert_int_equal(sim_counters(t.sim)->faults_fired, 2);
}

static void
test_zombie(void **state)
{
	uint32_t c = simt_identify(&t, 1, NULL, 0);

	(void)state;
	assert_int_equal(fire("zombie"), 1);
	simt_send(&t, c, "{\"op\":1,\"d\":4}");
	assert_int_equal(simt_drain(&t), 0);
	/* Heartbeats still count for the server's own deadline. */
	assert_int_equal(sim_counters(t.sim)->heartbeats, 1);
	assert_int_equal(fire("clear"), 0);
	simt_send(&t, c, "{\"op\":1,\"d\":4}");
	assert_int_equal(simt_drain(&t), 1);
}

static void
test_heartbeat_request_and_malformed(void **state)
{
	uint32_t c = simt_identify(&t, 1, NULL, 0);
	struct sim_action a;
	json_t *j;
	char *data;

	(void)state;
	assert_int_equal(fire("heartbeat_request"), 1);
	j = simt_expect_send(&t, c);
	assert_int_equal(json_integer_value(json_object_get(j, "op")), 1);
	json_decref(j);
	assert_int_equal(fire("malformed"), 1);
	assert_true(simt_next(&t, &a, &data));
	assert_int_equal(a.kind, SIM_ACT_SEND);
	assert_null(json_loads(data, 0, NULL));
	free(data);
}

static void
test_oversize(void **state)
{
	uint32_t c = simt_identify(&t, 1, NULL, 0);
	struct sim_action a;
	char *data;

	(void)state;
	assert_int_equal(fire("oversize 200000"), 1);
	assert_true(simt_next(&t, &a, &data));
	assert_int_equal(a.conn, c);
	assert_true(a.len >= 200000 && a.len < 260000);
	free(data);
}

static void
test_refuse_and_stall(void **state)
{
	struct sim_conn_info info;

	(void)state;
	assert_int_equal(fire("refuse secs=2"), 0);
	assert_int_equal(sim_conn_open(t.sim, t.now, PATH, &info), 0);
	simt_advance(&t, 2000);
	simt_open(&t, PATH);
	assert_int_equal(fire("stall 1.5"), 0);
	assert_int_equal(sim_tcp_accept(t.sim, t.now), SIM_ADMIT_HOLD);
	assert_int_equal(sim_next_deadline(t.sim), t.now.mono_ms + 1500);
	simt_advance(&t, 1500);
	assert_int_equal(next_kind(0), SIM_ACT_RELEASE_HELD);
	assert_int_equal(sim_tcp_accept(t.sim, t.now), SIM_ADMIT_OK);
}

static int
rest_status(const char *path, json_t **body, struct sim_http_resp *r)
{
	return simt_http(&t, "GET", path, AUTH, NULL, body, r);
}

static void
test_rest_faults(void **state)
{
	struct sim_http_resp r;
	json_t *j;

	(void)state;
	assert_int_equal(fire("rest_429 secs=1 scope=shared retry_after=2.5"),
	    0);
	assert_int_equal(rest_status("/api/v10/users/@me", &j, &r), 429);
	assert_string_equal(simt_header(&r, "X-RateLimit-Scope"), "shared");
	assert_true(json_real_value(json_object_get(j, "retry_after")) == 2.5);
	assert_string_equal(simt_header(&r, "Retry-After"), "3");
	json_decref(j);
	sim_http_resp_free(&r);
	simt_advance(&t, 1000);
	assert_int_equal(fire("global_429 2"), 0);
	assert_int_equal(rest_status("/api/v10/users/@me", &j, &r), 429);
	assert_true(json_is_true(json_object_get(j, "global")));
	json_decref(j);
	sim_http_resp_free(&r);
	simt_advance(&t, 2000);
	assert_int_equal(fire("rest_5xx count=2 status=503"), 0);
	assert_int_equal(rest_status("/api/v10/users/@me", NULL, &r), 503);
	assert_string_equal(r.content_type, "text/html");
	sim_http_resp_free(&r);
	assert_int_equal(rest_status("/api/v10/users/@me", NULL, &r), 503);
	sim_http_resp_free(&r);
	assert_int_equal(rest_status("/api/v10/users/@me", NULL, &r), 200);
	sim_http_resp_free(&r);
	assert_int_equal(fire("rest_5xx 1 500"), 0);
	assert_int_equal(rest_status("/api/v10/users/@me", &j, &r), 500);
	assert_int_equal(json_integer_value(json_object_get(j, "code")), 0);
	json_decref(j);
	sim_http_resp_free(&r);
	assert_int_equal(fire("cf_ban secs=5"), 0);
	assert_int_equal(rest_status("/api/v10/users/@me", NULL, &r), 429);
	assert_int_equal(r.nhdr, 0);
	sim_http_resp_free(&r);
	assert_int_equal(sim_counters(t.sim)->rest_5xx, 3);
	assert_int_equal(sim_counters(t.sim)->rest_banned, 1);
}

static void
test_expire_and_token_reset(void **state)
{
	char sid[64];
	uint32_t c, b;
	json_t *j;

	(void)state;
	c = simt_identify(&t, 1, sid, sizeof(sid));
	assert_int_equal(fire("expire_sessions"), 1);
	sim_conn_closed(t.sim, t.now, c, -1);
	b = simt_open(&t, PATH);
	simt_send(&t, b, "{\"op\":6,\"d\":{\"token\":\"sim-token\","
	    "\"session_id\":\"%s\",\"seq\":4}}", sid);
	j = simt_expect_send(&t, b);
	assert_int_equal(json_integer_value(json_object_get(j, "op")), 9);
	json_decref(j);
	c = simt_identify(&t, 1, NULL, 0);
	assert_int_equal(fire("token_reset"), 0);
	assert_int_equal(simt_expect_close(&t, b), 4004);
	assert_int_equal(simt_expect_close(&t, c), 4004);
}

static void
test_burst(void **state)
{
	uint32_t c = simt_identify(&t, 1, NULL, 0);
	struct sim_action a;
	size_t bytes = 0;
	int n = 0;
	char *data;

	(void)state;
	assert_int_equal(fire("burst 150"), 1);
	while (simt_next(&t, &a, &data)) {
		json_t *j = json_loads(data, 0, NULL);

		assert_non_null(j);
		assert_string_equal(json_string_value(json_object_get(j, "t")),
		    "MESSAGE_CREATE");
		json_decref(j);
		bytes += a.len;
		n++;
		free(data);
	}
	/* One batch per drain, so a huge burst never sits in memory. */
	assert_int_equal(n, 64);
	sim_conn_drained(t.sim, t.now, c);
	sim_conn_drained(t.sim, t.now, c);
	sim_conn_drained(t.sim, t.now, c);
	n += simt_drain(&t);
	assert_int_equal(n, 150);
	assert_true(bytes / 64 > 1300 && bytes / 64 < 1700);
	assert_int_equal(fire("burst 5 channel=1"), -1);
}

static void
test_bad_arguments(void **state)
{
	char err[256];
	json_t *args;

	(void)state;
	assert_int_equal(fire("nope"), -1);
	assert_int_equal(fire("close 1005"), -1);
	assert_int_equal(fire("close 99999"), -1);
	assert_int_equal(fire("close abc"), -1);
	assert_int_equal(fire("close 4000 bye 3 true extra"), -1);
	assert_int_equal(fire("close code=4000 code=4001"), -1);
	assert_int_equal(fire("close reason=\"unterminated"), -1);
	assert_int_equal(fire("drop conn=77"), -1);
	assert_int_equal(fire("rest_429 scope=nobody"), -1);
	assert_int_equal(fire("rest_5xx status=501"), -1);
	assert_int_equal(fire("invalid_session maybe"), -1);
	args = json_pack("{s:s}", "code", "4000");
	assert_int_equal(sim_fault(t.sim, t.now, "close", args, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "integer"));
	json_decref(args);
	args = json_pack("{s:i}", "bogus", 1);
	assert_int_equal(sim_fault(t.sim, t.now, "drop", args, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "bogus"));
	json_decref(args);
	assert_int_equal(fire("close 4000 reason=\"going away\""), 0);
	assert_int_equal(sim_counters(t.sim)->faults_fired, 1);
}

static void
test_catalog(void **state)
{
	json_t *cat = sim_fault_catalog(), *f;
	size_t i;

	(void)state;
	assert_true(json_array_size(cat) >= 18);
	json_array_foreach(cat, i, f) {
		assert_true(json_is_string(json_object_get(f, "name")));
		assert_true(json_string_length(json_object_get(f, "help")) > 10);
		assert_true(json_is_array(json_object_get(f, "args")));
	}
	json_decref(cat);
}

static int
ctl(const char *method, const char *path, const char *body, json_t **out)
{
	struct sim_http_resp r;
	int status = simt_http(&t, method, path, NULL, body, out, &r);

	sim_http_resp_free(&r);
	return status;
}

static void
expect_ctl_error(const char *method, const char *path, const char *body,
    int status, const char *needle)
{
	json_t *j;

	const char *msg;

	assert_int_equal(ctl(method, path, body, &j), status);
	msg = json_string_value(json_object_get(j, "error"));
	if (msg == NULL || strstr(msg, needle) == NULL)
		fail_msg("%s %s: \"%s\" lacks \"%s\"", method, path,
		    msg != NULL ? msg : "(none)", needle);
	json_decref(j);
}

static void
test_control_api(void **state)
{
	json_t *j;

	(void)state;
	expect_ctl_error("POST", "/_ctl/fault", "{", 400, "not JSON");
	expect_ctl_error("POST", "/_ctl/fault", "[1]", 400, "object");
	expect_ctl_error("POST", "/_ctl/fault", "{\"code\":1}", 400,
	    "GET /_ctl/faults");
	expect_ctl_error("POST", "/_ctl/fault", "{\"fault\":\"x\"}", 400,
	    "unknown fault");
	expect_ctl_error("POST", "/_ctl/set", "{\"nope\":1}", 400,
	    "unknown setting");
	expect_ctl_error("POST", "/_ctl/set", "{\"guilds\":5}", 400,
	    "at start");
	expect_ctl_error("POST", "/_ctl/set", "{\"heartbeat_interval\":1}",
	    400, "out of range");
	expect_ctl_error("POST", "/_ctl/set", "{\"chatter\":true}", 400,
	    "number");
	expect_ctl_error("POST", "/_ctl/set", "{}", 400, "object");
	expect_ctl_error("GET", "/_ctl/fault", NULL, 405, "POST");
	expect_ctl_error("POST", "/_ctl/counters", "{}", 405, "GET");
	expect_ctl_error("GET", "/_ctl/what", NULL, 404, "GET /_ctl/");
	expect_ctl_error("POST", "/_ctl/scenario", "10s nope", 400,
	    "line 1");
	assert_int_equal(ctl("POST", "/_ctl/set", "{\"heartbeat_interval\":"
	    "\"2s\",\"chatter\":1.5}", &j), 200);
	json_decref(j);
	assert_int_equal(sim_config(t.sim)->heartbeat_interval, 2000);
	assert_true(sim_config(t.sim)->chatter == 1.5);
	assert_int_equal(ctl("POST", "/_ctl/fault", "{\"fault\":\"refuse\","
	    "\"secs\":1}", &j), 200);
	assert_true(json_is_true(json_object_get(j, "ok")));
	json_decref(j);
	assert_int_equal(ctl("GET", "/_ctl/counters", NULL, &j), 200);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j,
	    "faults"), "refuse")), 1);
	json_decref(j);
	assert_int_equal(ctl("GET", "/_ctl/settings", NULL, &j), 200);
	assert_true(json_array_size(j) > 20);
	json_decref(j);
	assert_int_equal(ctl("GET", "/_ctl/sessions", NULL, &j), 200);
	json_decref(j);
}

static void
test_scenario(void **state)
{
	char err[256];
	uint32_t c;
	json_t *j;

	(void)state;
	c = simt_identify(&t, 1, NULL, 0);
	assert_int_equal(sim_scenario_load(t.sim, t.now,
	    "# a short day\n"
	    "1s heartbeat_request\n"
	    "+500ms set heartbeat_interval=5000\n"
	    "\n"
	    "3s close 4000 reason=\"scripted\"   # the end\n", err,
	    sizeof(err)), 3);
	simt_advance(&t, 999);
	assert_int_equal(simt_drain(&t), 0);
	simt_advance(&t, 1);
	j = simt_expect_send(&t, c);
	assert_int_equal(json_integer_value(json_object_get(j, "op")), 1);
	json_decref(j);
	simt_advance(&t, 500);
	assert_int_equal(sim_config(t.sim)->heartbeat_interval, 5000);
	simt_advance(&t, 1500);
	assert_int_equal(simt_expect_close(&t, c), 4000);
	assert_int_equal(sim_counters(t.sim)->scenario_fired, 3);
}

static void
test_scenario_errors_and_loop(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(sim_scenario_load(t.sim, t.now, "soon drop\n", err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "line 1"));
	assert_int_equal(sim_scenario_load(t.sim, t.now, "1s drop\n2s close "
	    "1005\n", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "line 2"));
	assert_int_equal(sim_scenario_load(t.sim, t.now, "1s set guilds=9\n",
	    err, sizeof(err)), -1);
	assert_int_equal(sim_scenario_load(t.sim, t.now, "loop forever\n",
	    err, sizeof(err)), -1);
	assert_int_equal(sim_scenario_load(t.sim, t.now,
	    "1s heartbeat_request\nloop 10s\n", err, sizeof(err)), 1);
	simt_advance(&t, 35000);
	assert_int_equal(sim_counters(t.sim)->scenario_fired, 4);
}

static uint64_t
chaos_run(uint64_t seed)
{
	struct sim_config cfg;
	uint64_t fired;
	int i;

	simt_config(&cfg);
	cfg.seed = (int64_t)seed;
	cfg.chaos = 30;
	simt_start(&t, &cfg);
	for (i = 0; i < 60; i++) {
		struct sim_conn_info info;
		uint32_t c = sim_conn_open(t.sim, t.now, PATH, &info);

		/* Chaos may be refusing connections just now. */
		if (c != 0)
			simt_send(&t, c, "{\"op\":2,\"d\":{\"token\":"
			    "\"sim-token\",\"intents\":1,\"properties\":{}}}");
		simt_advance(&t, 1000);
		simt_drain(&t);
	}
	fired = sim_counters(t.sim)->chaos_fired * 1000003u +
	    sim_counters(t.sim)->drops * 101 + sim_counters(t.sim)->closes_sent;
	simt_stop(&t);
	return fired;
}

static void
test_chaos_is_seeded(void **state)
{
	uint64_t a, b;

	(void)state;
	simt_stop(&t);
	a = chaos_run(7);
	b = chaos_run(7);
	assert_true(a == b);
	/* About 30 a minute over a minute: allow generous noise. */
	assert_true(a / 1000003u >= 10 && a / 1000003u <= 60);
	assert_true(chaos_run(8) != a);
	simt_fixture_start(&t, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_drop_and_blackhole, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_zombie, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_heartbeat_request_and_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversize, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_and_stall, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rest_faults, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_expire_and_token_reset,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_burst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_catalog, setup, teardown),
		cmocka_unit_test_setup_teardown(test_control_api, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_scenario, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scenario_errors_and_loop,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_chaos_is_seeded, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
