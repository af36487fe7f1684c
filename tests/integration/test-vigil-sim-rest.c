/*
 * vigil-sim's REST API over real HTTP: headers as curl sees them (names,
 * decimal Reset-After), 429 bodies, the global limit, the invalid-request
 * ban, oversized bodies, and a POSTed message arriving on the gateway.
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
#define AUTH "Bot sim-token"

static struct simproc sp;
static char channel[32];

static const char *const args[] = { "--seed", "9", NULL };

SIMPROC_FIXTURES(sp, args)

static struct wsc *
identify(void)
{
	struct wsc *c = wsc_connect(sp.port, "/?v=10&encoding=json", WAIT);
	json_t *gc;

	assert_non_null(c);
	wsc_send(c, "{\"op\":2,\"d\":{\"token\":\"sim-token\",\"intents\":"
	    "33281,\"properties\":{\"os\":\"linux\"}}}");
	gc = wsc_wait_dispatch(c, "GUILD_CREATE", WAIT);
	assert_non_null(gc);
	snprintf(channel, sizeof(channel), "%s", json_string_value(
	    json_object_get(json_array_get(json_object_get(json_object_get(gc,
	    "d"), "channels"), 0), "id")));
	json_decref(gc);
	return c;
}

static void
test_headers(void **state)
{
	struct httpc_resp r;
	char path[96], v[64];
	struct wsc *c = identify();

	(void)state;
	snprintf(path, sizeof(path), "/api/v10/channels/%s", channel);
	simproc_http(&sp, "GET", path, AUTH, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(httpc_header(&r, "x-ratelimit-limit", v,
	    sizeof(v)), "5");
	assert_string_equal(httpc_header(&r, "X-RateLimit-Remaining", v,
	    sizeof(v)), "4");
	assert_non_null(strchr(httpc_header(&r, "X-RateLimit-Reset-After", v,
	    sizeof(v)), '.'));
	assert_non_null(strchr(httpc_header(&r, "X-RateLimit-Reset", v,
	    sizeof(v)), '.'));
	assert_int_equal(strlen(httpc_header(&r, "X-RateLimit-Bucket", v,
	    sizeof(v))), 32);
	assert_string_equal(httpc_header(&r, "Via", v, sizeof(v)),
	    "1.1 google");
	assert_non_null(strstr(httpc_header(&r, "content-type", v,
	    sizeof(v)), "application/json"));
	httpc_free(&r);
	wsc_free(c);
}

static void
test_route_429(void **state)
{
	struct httpc_resp r;
	char path[96], v[64];
	json_t *j;
	struct wsc *c = identify();
	int i;

	(void)state;
	snprintf(path, sizeof(path), "/api/v10/channels/%s/messages",
	    channel);
	for (i = 0; i < 5; i++) {
		simproc_http(&sp, "GET", path, AUTH, NULL, &r);
		assert_int_equal(r.status, 200);
		httpc_free(&r);
	}
	simproc_http(&sp, "GET", path, AUTH, NULL, &r);
	assert_int_equal(r.status, 429);
	assert_string_equal(httpc_header(&r, "X-RateLimit-Scope", v,
	    sizeof(v)), "user");
	assert_non_null(httpc_header(&r, "Retry-After", v, sizeof(v)));
	assert_null(httpc_header(&r, "X-RateLimit-Global", v, sizeof(v)));
	j = httpc_json(&r);
	assert_string_equal(json_string_value(json_object_get(j, "message")),
	    "You are being rate limited.");
	assert_true(json_is_real(json_object_get(j, "retry_after")));
	assert_true(json_is_false(json_object_get(j, "global")));
	json_decref(j);
	httpc_free(&r);
	assert_int_equal(simproc_counter(&sp, "rest_429"), 1);
	wsc_free(c);
}

static void
test_global_limit(void **state)
{
	struct httpc_resp r;
	char v[64];
	json_t *j;
	int i, limited = 0;

	(void)state;
	/* Below the route's own 5, so every 429 here is the global one. */
	assert_int_equal(simproc_set(&sp, "{\"global_limit\":3}"), 200);
	for (i = 0; i < 6; i++) {
		simproc_http(&sp, "GET", "/api/v10/users/1", AUTH, NULL, &r);
		if (r.status == 429) {
			limited++;
			assert_non_null(httpc_header(&r, "X-RateLimit-Global",
			    v, sizeof(v)));
			assert_string_equal(v, "true");
			j = httpc_json(&r);
			assert_true(json_is_true(json_object_get(j, "global")));
			json_decref(j);
		}
		httpc_free(&r);
	}
	assert_true(limited >= 3);
}

static void
test_invalid_request_ban(void **state)
{
	struct httpc_resp r;
	char v[64];
	int i;

	(void)state;
	assert_int_equal(simproc_set(&sp, "{\"invalid_limit\":30}"), 200);
	for (i = 0; i < 30; i++) {
		simproc_http(&sp, "GET", "/api/v10/users/@me", "Bot wrong",
		    NULL, &r);
		assert_int_equal(r.status, 401);
		httpc_free(&r);
	}
	simproc_http(&sp, "GET", "/api/v10/users/@me", AUTH, NULL, &r);
	assert_int_equal(r.status, 429);
	assert_null(httpc_header(&r, "Via", v, sizeof(v)));
	assert_null(httpc_header(&r, "Retry-After", v, sizeof(v)));
	assert_null(httpc_header(&r, "X-RateLimit-Limit", v, sizeof(v)));
	httpc_free(&r);
	assert_int_equal(simproc_counter(&sp, "bans"), 1);
	assert_int_equal(simproc_counter(&sp, "rest_401"), 30);
}

static void
test_big_body(void **state)
{
	struct httpc_resp r;
	char path[96], *body = malloc(400 * 1024);
	struct wsc *c = identify();

	(void)state;
	memset(body, 'x', 400 * 1024 - 1);
	body[400 * 1024 - 1] = '\0';
	snprintf(path, sizeof(path), "/api/v10/channels/%s/messages",
	    channel);
	simproc_http(&sp, "POST", path, AUTH, body, &r);
	assert_int_equal(r.status, 413);
	httpc_free(&r);
	simproc_http(&sp, "POST", "/_ctl/scenario", NULL, body, &r);
	assert_int_equal(r.status, 413);
	httpc_free(&r);
	free(body);
	/* The server still answers afterwards. */
	simproc_http(&sp, "GET", "/api/v10/gateway", NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	httpc_free(&r);
	wsc_free(c);
}

static void
test_post_reaches_gateway(void **state)
{
	struct httpc_resp r;
	char path[96];
	struct wsc *c = identify();
	json_t *ev, *j;

	(void)state;
	snprintf(path, sizeof(path), "/api/v10/channels/%s/messages",
	    channel);
	simproc_http(&sp, "POST", path, AUTH, "{\"content\":\"pong\"}", &r);
	assert_int_equal(r.status, 200);
	j = httpc_json(&r);
	httpc_free(&r);
	ev = wsc_wait_dispatch(c, "MESSAGE_CREATE", WAIT);
	assert_non_null(ev);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    ev, "d"), "id")), json_string_value(json_object_get(j, "id")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    ev, "d"), "content")), "pong");
	json_decref(ev);
	json_decref(j);
	wsc_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_route_429, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_global_limit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_invalid_request_ban, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_big_body, setup, teardown),
		cmocka_unit_test_setup_teardown(test_post_reaches_gateway,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
