/*
 * Every fault switch of a running vigil-sim, seen from a real client: what
 * arrives (or does not) on the socket, and what the counters say.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../support/sim-proc.h"
#include "../support/ws-client.h"

#define WAIT 3000
#define PATH "/?v=10&encoding=json"
#define IDENTIFY "{\"op\":2,\"d\":{\"token\":\"sim-token\",\"intents\":513," \
	"\"properties\":{\"os\":\"linux\",\"browser\":\"t\",\"device\":\"t\"}}}"

static struct simproc sp;

SIMPROC_FIXTURES(sp, NULL)

/* A settled session: READY (its id to sid, when asked) and the three
 * GUILD_CREATEs. */
static struct wsc *
identify_as(char *sid, size_t sidlen)
{
	struct wsc *c = wsc_connect(sp.port, PATH, WAIT);
	json_t *j;
	int i;

	assert_non_null(c);
	wsc_send(c, IDENTIFY);
	j = wsc_wait_dispatch(c, "READY", WAIT);
	assert_non_null(j);
	if (sid != NULL)
		snprintf(sid, sidlen, "%s", json_string_value(json_object_get(json_object_get(j,
		    "d"), "session_id")));
	json_decref(j);
	for (i = 0; i < 3; i++) {
		j = wsc_wait_dispatch(c, "GUILD_CREATE", WAIT);
		assert_non_null(j);
		json_decref(j);
	}
	return c;
}

static struct wsc *
identify(void)
{
	return identify_as(NULL, 0);
}

static void
fault(const char *body)
{
	if (simproc_fault(&sp, body) != 200)
		fail_msg("fault %s refused", body);
}

static long long
fired(const char *name)
{
	json_t *j = simproc_get(&sp, "/_ctl/counters");
	long long n = json_integer_value(json_object_get(json_object_get(j,
	    "faults"), name));

	json_decref(j);
	return n;
}

static void
test_drop_and_close(void **state)
{
	struct wsc *c = identify();

	(void)state;
	fault("{\"fault\":\"drop\"}");
	assert_int_equal(wsc_wait_closed(c, WAIT), -1);
	wsc_free(c);
	c = identify();
	fault("{\"fault\":\"drop\",\"rst\":true}");
	assert_int_equal(wsc_wait_closed(c, WAIT), -1);
	wsc_free(c);
	c = identify();
	fault("{\"fault\":\"close\",\"code\":4900,\"reason\":\"custom\"}");
	assert_int_equal(wsc_wait_closed(c, WAIT), 4900);
	wsc_free(c);
	assert_int_equal(fired("drop"), 2);
	assert_int_equal(fired("close"), 1);
}

static void
test_zombie(void **state)
{
	struct wsc *c = identify();
	json_t *j;

	(void)state;
	fault("{\"fault\":\"zombie\"}");
	wsc_send(c, "{\"op\":1,\"d\":4}");
	j = wsc_wait_op(c, 11, 300);
	assert_null(j);
	assert_false(wsc_is_closed(c));
	fault("{\"fault\":\"clear\"}");
	wsc_send(c, "{\"op\":1,\"d\":4}");
	j = wsc_wait_op(c, 11, WAIT);
	assert_non_null(j);
	json_decref(j);
	wsc_free(c);
}

static void
test_blackhole(void **state)
{
	struct wsc *c = identify();
	json_t *j;

	(void)state;
	fault("{\"fault\":\"blackhole\"}");
	wsc_send(c, "{\"op\":1,\"d\":4}");
	fault("{\"fault\":\"heartbeat_request\"}");
	j = wsc_recv_json(c, 300);
	assert_null(j);
	assert_false(wsc_is_closed(c));
	wsc_free(c);
}

static void
test_reconnect_op7(void **state)
{
	struct wsc *c;
	json_t *j;

	(void)state;
	assert_int_equal(simproc_set(&sp, "{\"reconnect_grace\":200}"), 200);
	c = identify();
	fault("{\"fault\":\"reconnect\"}");
	j = wsc_wait_op(c, 7, WAIT);
	assert_non_null(j);
	json_decref(j);
	assert_int_equal(wsc_wait_closed(c, WAIT), 4000);
	wsc_free(c);
}

static void
test_heartbeat_request_and_invalid_session(void **state)
{
	struct wsc *c = identify();
	json_t *j;

	(void)state;
	fault("{\"fault\":\"heartbeat_request\"}");
	j = wsc_wait_op(c, 1, WAIT);
	assert_non_null(j);
	json_decref(j);
	fault("{\"fault\":\"invalid_session\",\"resumable\":true}");
	j = wsc_wait_op(c, 9, WAIT);
	assert_true(json_is_true(json_object_get(j, "d")));
	json_decref(j);
	wsc_free(c);
}

static long
elapsed_ms(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000 +
	    (now.tv_nsec - since->tv_nsec) / 1000000;
}

static void
test_refuse(void **state)
{
	struct timespec t0;
	struct wsc *c;
	bool fast;

	(void)state;
	fault("{\"fault\":\"refuse\",\"secs\":0.5}");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	c = wsc_connect2(sp.port, PATH, WAIT, &fast);
	assert_null(c);
	assert_true(fast);
	assert_true(elapsed_ms(&t0) < 400);
	usleep(600 * 1000);
	c = wsc_connect(sp.port, PATH, WAIT);
	assert_non_null(c);
	wsc_free(c);
	assert_true(simproc_counter(&sp, "refused") >= 1);
}

static void
test_stall(void **state)
{
	struct timespec t0;
	struct wsc *c;
	json_t *j;

	(void)state;
	fault("{\"fault\":\"stall\",\"secs\":0.6}");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* The handshake hangs until the stall ends, then completes. */
	assert_null(wsc_connect(sp.port, PATH, 300));
	c = wsc_connect(sp.port, PATH, WAIT);
	assert_non_null(c);
	assert_true(elapsed_ms(&t0) >= 550);
	j = wsc_wait_op(c, 10, WAIT);
	assert_non_null(j);
	json_decref(j);
	wsc_free(c);
	assert_true(simproc_counter(&sp, "held") >= 1);
}

static void
test_malformed_and_oversize(void **state)
{
	struct wsc *c = identify();
	char *msg;
	size_t len;

	(void)state;
	fault("{\"fault\":\"malformed\"}");
	assert_int_equal(wsc_recv(c, WAIT, &msg, &len), WSC_MESSAGE);
	assert_null(json_loadb(msg, len, 0, NULL));
	free(msg);
	fault("{\"fault\":\"oversize\",\"bytes\":2000000}");
	assert_int_equal(wsc_recv(c, WAIT, &msg, &len), WSC_MESSAGE);
	assert_true(len >= 2000000);
	assert_non_null(strstr(msg, "GUILD_CREATE"));
	free(msg);
	wsc_free(c);
}

static long
rest_status(const char *path, char *scope, size_t len)
{
	struct httpc_resp r;
	long status;

	simproc_http(&sp, "GET", path, "Bot sim-token", NULL, &r);
	status = r.status;
	if (scope != NULL && httpc_header(&r, "X-RateLimit-Scope", scope,
	    len) == NULL)
		scope[0] = '\0';
	httpc_free(&r);
	return status;
}

static void
test_rest_faults(void **state)
{
	char scope[32];

	(void)state;
	fault("{\"fault\":\"rest_429\",\"secs\":0.3,\"scope\":\"shared\"}");
	assert_int_equal(rest_status("/api/v10/users/@me", scope,
	    sizeof(scope)), 429);
	assert_string_equal(scope, "shared");
	usleep(300 * 1000);
	fault("{\"fault\":\"global_429\",\"secs\":0.3}");
	assert_int_equal(rest_status("/api/v10/users/@me", scope,
	    sizeof(scope)), 429);
	assert_string_equal(scope, "global");
	usleep(300 * 1000);
	fault("{\"fault\":\"rest_5xx\",\"count\":1,\"status\":502}");
	assert_int_equal(rest_status("/api/v10/users/@me", NULL, 0), 502);
	assert_int_equal(rest_status("/api/v10/users/@me", NULL, 0), 200);
	fault("{\"fault\":\"cf_ban\",\"secs\":0.3}");
	assert_int_equal(rest_status("/api/v10/users/@me", scope,
	    sizeof(scope)), 429);
	assert_string_equal(scope, "");
	usleep(300 * 1000);
	assert_int_equal(rest_status("/api/v10/users/@me", NULL, 0), 200);
}

static void
test_expire_and_token_reset(void **state)
{
	char sid[64];
	struct wsc *c = identify_as(sid, sizeof(sid));
	json_t *j;

	(void)state;
	assert_true(sid[0] != '\0');
	/* The expired session cannot be resumed from a new connection. */
	fault("{\"fault\":\"expire_sessions\"}");
	wsc_drop(c);
	wsc_free(c);
	c = wsc_connect(sp.port, PATH, WAIT);
	assert_non_null(c);
	wsc_send(c, "{\"op\":6,\"d\":{\"token\":\"sim-token\",\"session_id\":\"%s\","
	    "\"seq\":4}}", sid);
	j = wsc_wait_op(c, 9, WAIT);
	assert_non_null(j);
	assert_false(json_is_true(json_object_get(j, "d")));
	json_decref(j);
	wsc_free(c);
	c = identify();
	fault("{\"fault\":\"token_reset\"}");
	assert_int_equal(wsc_wait_closed(c, WAIT), 4004);
	wsc_free(c);
	assert_int_equal(rest_status("/api/v10/users/@me", NULL, 0), 401);
	assert_int_equal(simproc_set(&sp, "{\"token\":\"sim-token\"}"), 200);
	assert_int_equal(rest_status("/api/v10/users/@me", NULL, 0), 200);
	assert_int_equal(fired("expire_sessions"), 1);
	assert_int_equal(fired("token_reset"), 1);
}

static void
test_bad_control_input(void **state)
{
	struct httpc_resp r;
	json_t *j;

	(void)state;
	assert_int_equal(simproc_fault(&sp, "{\"fault\":\"close\","
	    "\"code\":\"x\"}"), 400);
	assert_int_equal(simproc_fault(&sp, "{\"fault\":\"teleport\"}"), 400);
	assert_int_equal(simproc_set(&sp, "{\"heartbeat_interval\":-5}"), 400);
	simproc_http(&sp, "POST", "/_ctl/fault", NULL, "{nope", &r);
	assert_int_equal(r.status, 400);
	j = httpc_json(&r);
	assert_non_null(strstr(json_string_value(json_object_get(j, "error")),
	    "not JSON"));
	json_decref(j);
	httpc_free(&r);
	j = simproc_get(&sp, "/_ctl/faults");
	assert_true(json_array_size(j) >= 18);
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drop_and_close),
		cmocka_unit_test(test_zombie),
		cmocka_unit_test(test_blackhole),
		cmocka_unit_test(test_reconnect_op7),
		cmocka_unit_test(test_heartbeat_request_and_invalid_session),
		cmocka_unit_test(test_refuse),
		cmocka_unit_test(test_stall),
		cmocka_unit_test(test_malformed_and_oversize),
		cmocka_unit_test(test_rest_faults),
		cmocka_unit_test(test_expire_and_token_reset),
		cmocka_unit_test(test_bad_control_input),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
