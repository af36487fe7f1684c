/*
 * REST in the emulator core: routes and Discord's error bodies, the
 * X-RateLimit-* headers, per-route buckets keyed by the top-level id, 429
 * bodies, the global limit, the invalid-request counter and the Cloudflare
 * ban, and POST messages turning into MESSAGE_CREATE on the gateway.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../support/sim-drive.h"

#define AUTH "Bot sim-token"

static struct simt t;
/* Ids read from GUILD_CREATE: two #general and one #announcements. */
static char general[2][32], announcements[32], guild[32];

static void
read_ids(json_t *gc, int i)
{
	json_t *d = json_object_get(gc, "d"), *chans;

	chans = json_object_get(d, "channels");
	snprintf(general[i], sizeof(general[i]), "%s", json_string_value(
	    json_object_get(json_array_get(chans, 0), "id")));
	if (i > 0)
		return;
	snprintf(guild, sizeof(guild), "%s", json_string_value(
	    json_object_get(d, "id")));
	snprintf(announcements, sizeof(announcements), "%s",
	    json_string_value(json_object_get(json_array_get(chans, 2), "id")));
}

static uint32_t
identify(uint32_t intents)
{
	uint32_t c = simt_open(&t, "/?v=10");
	json_t *gc;
	int i;

	simt_send(&t, c, "{\"op\":2,\"d\":{\"token\":\"sim-token\","
	    "\"intents\":%u,\"properties\":{}}}", intents);
	for (i = 0; i < 2; i++) {
		gc = simt_expect_dispatch(&t, c, "GUILD_CREATE");
		read_ids(gc, i);
		json_decref(gc);
	}
	simt_drain(&t);
	return c;
}

static int
setup(void **state)
{
	(void)state;
	simt_fixture_start(&t, NULL);
	identify(1);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	simt_stop(&t);
	return 0;
}

static int
req(const char *method, const char *path, const char *auth,
    const char *body, json_t **out, struct sim_http_resp *r)
{
	return simt_http(&t, method, path, auth, body, out, r);
}

static void
expect_error(const char *method, const char *path, const char *auth,
    const char *body, int status, int code)
{
	struct sim_http_resp r;
	json_t *j;

	assert_int_equal(req(method, path, auth, body, &j, &r), status);
	assert_int_equal(json_integer_value(json_object_get(j, "code")), code);
	assert_true(json_is_string(json_object_get(j, "message")));
	json_decref(j);
	sim_http_resp_free(&r);
}

static void
test_errors(void **state)
{
	char path[96];

	(void)state;
	expect_error("GET", "/api/v10/users/@me", NULL, NULL, 401, 0);
	expect_error("GET", "/api/v10/users/@me", "sim-token", NULL, 401, 0);
	expect_error("GET", "/api/v10/users/@me", "Bot nope", NULL, 401, 0);
	expect_error("GET", "/api/v10/nothing", AUTH, NULL, 404, 0);
	expect_error("GET", "/api/v6/users/@me", AUTH, NULL, 400, 50041);
	expect_error("DELETE", "/api/v10/users/@me", AUTH, NULL, 405, 0);
	expect_error("GET", "/api/v10/channels/1", AUTH, NULL, 404, 10003);
	expect_error("GET", "/api/v10/guilds/1", AUTH, NULL, 404, 10004);
	expect_error("GET", "/api/v10/users/1", AUTH, NULL, 404, 10013);
	snprintf(path, sizeof(path), "/api/v10/channels/%s/messages",
	    general[0]);
	expect_error("POST", path, AUTH, "{nope", 400, 50109);
	expect_error("POST", path, AUTH, "{}", 400, 50006);
	expect_error("POST", path, AUTH, "{\"content\":5}", 400, 50035);
	snprintf(path, sizeof(path), "/api/v10/channels/%s/messages",
	    announcements);
	expect_error("POST", path, AUTH, "{\"content\":\"hi\"}", 403, 50013);
	assert_int_equal(sim_counters(t.sim)->rest_401, 3);
	assert_int_equal(sim_counters(t.sim)->rest_403, 1);
}

/* The ids of a GET messages answer, newest first, as "a,b,c". */
static void
list_ids(const char *query, int status, char *out, size_t outlen)
{
	char path[160];
	struct sim_http_resp r;
	json_t *j, *m;
	size_t i, off = 0;

	snprintf(path, sizeof(path), "/api/v10/channels/%s/messages%s", general[0], query);
	assert_int_equal(req("GET", path, AUTH, NULL, &j, &r), status);
	out[0] = '\0';
	json_array_foreach(j, i, m)
		off += (size_t)snprintf(out + off, outlen - off, "%s%s", i > 0 ? "," : "",
		    json_string_value(json_object_get(m, "id")));
	json_decref(j);
	sim_http_resp_free(&r);
}

/* Discord's paging: newest first; `after` gives the messages right after
 * it (so a client pages forward), `before` the ones right before it; limit
 * 1-100, default 50; bad input is a 400. */
static void
test_message_history(void **state)
{
	char path[96], ids[5][32], got[256], want[256], q[160];
	struct sim_http_resp r;
	json_t *j;

	(void)state;
	snprintf(path, sizeof(path), "/api/v10/channels/%s/messages", general[0]);
	for (int i = 0; i < 5; i++) {
		simt_advance(&t, 1000);
		assert_int_equal(req("POST", path, AUTH, "{\"content\":\"m\"}", &j, &r), 200);
		snprintf(ids[i], sizeof(ids[i]), "%s", json_string_value(json_object_get(j, "id")));
		json_decref(j);
		sim_http_resp_free(&r);
	}
	snprintf(q, sizeof(q), "?after=%s&limit=2", ids[0]);
	list_ids(q, 200, got, sizeof(got));
	snprintf(want, sizeof(want), "%s,%s", ids[2], ids[1]);
	assert_string_equal(got, want);
	snprintf(q, sizeof(q), "?before=%s&limit=2", ids[4]);
	list_ids(q, 200, got, sizeof(got));
	snprintf(want, sizeof(want), "%s,%s", ids[3], ids[2]);
	assert_string_equal(got, want);
	snprintf(q, sizeof(q), "?after=%s", ids[2]);
	list_ids(q, 200, got, sizeof(got));
	snprintf(want, sizeof(want), "%s,%s", ids[4], ids[3]);
	assert_string_equal(got, want);
	expect_error("GET", "/api/v10/channels/1/messages", AUTH, NULL, 404, 10003);
	simt_advance(&t, 5000);
	snprintf(q, sizeof(q), "%s?limit=0", path);
	expect_error("GET", q, AUTH, NULL, 400, 50035);
	simt_advance(&t, 5000);
	snprintf(q, sizeof(q), "%s?limit=101", path);
	expect_error("GET", q, AUTH, NULL, 400, 50035);
	simt_advance(&t, 5000);
	snprintf(q, sizeof(q), "%s?after=abc", path);
	expect_error("GET", q, AUTH, NULL, 400, 50035);
}

static void
test_too_long_and_too_big(void **state)
{
	char path[96], *body = malloc(SIM_BODY_MAX + 64);
	struct sim_http_resp r;
	json_t *j;

	(void)state;
	snprintf(path, sizeof(path), "/api/v10/channels/%s/messages",
	    general[0]);
	memcpy(body, "{\"content\":\"", 12);
	memset(body + 12, 'x', 2001);
	memcpy(body + 12 + 2001, "\"}", 3);
	assert_int_equal(req("POST", path, AUTH, body, &j, &r), 400);
	assert_non_null(json_object_get(json_object_get(json_object_get(j,
	    "errors"), "content"), "_errors"));
	json_decref(j);
	sim_http_resp_free(&r);
	memset(body, ' ', SIM_BODY_MAX + 10);
	body[SIM_BODY_MAX + 10] = '\0';
	expect_error("POST", path, AUTH, body, 413, 40005);
	free(body);
}

static void
test_gets(void **state)
{
	struct sim_http_resp r;
	char path[96];
	json_t *j;

	(void)state;
	snprintf(path, sizeof(path), "/api/v10/channels/%s", general[0]);
	assert_int_equal(req("GET", path, AUTH, NULL, &j, &r), 200);
	assert_string_equal(json_string_value(json_object_get(j, "name")),
	    "general");
	assert_string_equal(json_string_value(json_object_get(j, "guild_id")),
	    guild);
	json_decref(j);
	sim_http_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v9/guilds/%s", guild);
	assert_int_equal(req("GET", path, AUTH, NULL, &j, &r), 200);
	assert_string_equal(json_string_value(json_object_get(j, "id")), guild);
	assert_null(json_object_get(j, "members"));
	json_decref(j);
	sim_http_resp_free(&r);
	assert_int_equal(req("GET", "/api/v10/gateway", NULL, NULL, &j, &r),
	    200);
	assert_string_equal(json_string_value(json_object_get(j, "url")),
	    "ws://127.0.0.1:1");
	assert_string_equal(simt_header(&r, "Via"), "1.1 google");
	json_decref(j);
	sim_http_resp_free(&r);
}

static void
test_bucket_headers_and_429(void **state)
{
	struct sim_http_resp r;
	char path[96], other[96];
	json_t *j;
	int i;

	(void)state;
	snprintf(path, sizeof(path), "/api/v10/channels/%s", general[0]);
	snprintf(other, sizeof(other), "/api/v10/channels/%s", general[1]);
	for (i = 0; i < 5; i++) {
		char want[8];

		assert_int_equal(req("GET", path, AUTH, NULL, NULL, &r), 200);
		assert_string_equal(simt_header(&r, "X-RateLimit-Limit"), "5");
		snprintf(want, sizeof(want), "%d", 4 - i);
		assert_string_equal(simt_header(&r, "X-RateLimit-Remaining"),
		    want);
		sim_http_resp_free(&r);
		simt_advance(&t, 100);
	}
	assert_int_equal(req("GET", path, AUTH, NULL, &j, &r), 429);
	assert_string_equal(simt_header(&r, "X-RateLimit-Remaining"), "0");
	assert_string_equal(simt_header(&r, "X-RateLimit-Reset-After"),
	    "4.500");
	assert_string_equal(simt_header(&r, "X-RateLimit-Scope"), "user");
	assert_string_equal(simt_header(&r, "Retry-After"), "5");
	assert_non_null(simt_header(&r, "X-RateLimit-Bucket"));
	assert_null(simt_header(&r, "X-RateLimit-Global"));
	assert_true(json_is_real(json_object_get(j, "retry_after")));
	assert_true(json_real_value(json_object_get(j, "retry_after")) == 4.5);
	assert_true(json_is_false(json_object_get(j, "global")));
	json_decref(j);
	sim_http_resp_free(&r);
	/* Another channel is another bucket, with the same bucket hash. */
	assert_int_equal(req("GET", other, AUTH, NULL, NULL, &r), 200);
	assert_string_equal(simt_header(&r, "X-RateLimit-Remaining"), "4");
	sim_http_resp_free(&r);
	simt_advance(&t, 4500);
	assert_int_equal(req("GET", path, AUTH, NULL, NULL, &r), 200);
	assert_string_equal(simt_header(&r, "X-RateLimit-Remaining"), "4");
	sim_http_resp_free(&r);
	assert_int_equal(sim_counters(t.sim)->rest_429, 1);
}

static void
test_global_limit(void **state)
{
	struct sim_http_resp r;
	char path[96];
	json_t *j;
	int i, ok = 0;

	(void)state;
	for (i = 0; i < 60; i++) {
		snprintf(path, sizeof(path), "/api/v10/users/%s",
		    i % 2 ? "@me" : "1");
		if (req("GET", path, AUTH, NULL, NULL, &r) != 429)
			ok++;
		sim_http_resp_free(&r);
		simt_advance(&t, 1);
	}
	/* users/@me ran out its own bucket after 5; the rest hit 404s. */
	assert_true(ok < 60);
	simt_advance(&t, 1000);
	for (i = 0; i < 50; i++) {
		req("GET", "/api/v10/users/1", AUTH, NULL, NULL, &r);
		sim_http_resp_free(&r);
	}
	assert_int_equal(req("GET", "/api/v10/users/1", AUTH, NULL, &j, &r),
	    429);
	assert_string_equal(simt_header(&r, "X-RateLimit-Global"), "true");
	assert_string_equal(simt_header(&r, "X-RateLimit-Scope"), "global");
	assert_true(json_is_true(json_object_get(j, "global")));
	json_decref(j);
	sim_http_resp_free(&r);
	assert_true(sim_counters(t.sim)->rest_429_global >= 1);
}

static void
test_invalid_requests_ban(void **state)
{
	struct sim_http_resp r;
	json_t *set = json_pack("{s:i, s:i}", "invalid_limit", 20,
	    "ban_duration", 60000), *j;
	char err[128];
	int i;

	(void)state;
	sim_set(t.sim, t.now, set, err, sizeof(err));
	json_decref(set);
	for (i = 0; i < 20; i++) {
		req("GET", "/api/v10/users/@me", "Bot nope", NULL, NULL, &r);
		sim_http_resp_free(&r);
	}
	assert_int_equal(sim_counters(t.sim)->bans, 1);
	/* Banned: 429, code 0, no rate-limit headers, no Via. */
	assert_int_equal(req("GET", "/api/v10/users/@me", AUTH, NULL, &j, &r),
	    429);
	assert_int_equal(r.nhdr, 0);
	assert_int_equal(json_integer_value(json_object_get(j, "code")), 0);
	json_decref(j);
	sim_http_resp_free(&r);
	simt_advance(&t, 60000);
	assert_int_equal(req("GET", "/api/v10/users/@me", AUTH, NULL, NULL,
	    &r), 200);
	sim_http_resp_free(&r);
}

static void
test_invalid_window_slides(void **state)
{
	json_t *set = json_pack("{s:i}", "invalid_limit", 10), *c;
	struct sim_http_resp r;
	char err[128];
	int i;

	(void)state;
	sim_set(t.sim, t.now, set, err, sizeof(err));
	json_decref(set);
	for (i = 0; i < 9; i++) {
		req("GET", "/api/v10/users/@me", "Bot nope", NULL, NULL, &r);
		sim_http_resp_free(&r);
		simt_advance(&t, 60000);
	}
	c = sim_counters_json(t.sim, t.now);
	assert_int_equal(json_integer_value(json_object_get(c,
	    "invalid_requests")), 9);
	json_decref(c);
	/* Ten minutes after the first, it has left the window. */
	simt_advance(&t, 60000);
	req("GET", "/api/v10/users/@me", "Bot nope", NULL, NULL, &r);
	sim_http_resp_free(&r);
	assert_int_equal(sim_counters(t.sim)->bans, 0);
}

static void
test_message_create_dispatch(void **state)
{
	uint32_t full, plain;
	struct sim_http_resp r;
	char path[96];
	json_t *j, *ev;

	(void)state;
	full = identify(1 | 1 << 9 | 1 << 15);
	plain = identify(1 | 1 << 9);
	snprintf(path, sizeof(path), "/api/v10/channels/%s/messages",
	    general[0]);
	assert_int_equal(req("POST", path, AUTH, "{\"content\":\"pong\","
	    "\"nonce\":\"abc\"}", &j, &r), 200);
	assert_string_equal(json_string_value(json_object_get(j, "content")),
	    "pong");
	assert_true(json_is_true(json_object_get(json_object_get(j, "author"),
	    "bot")));
	json_decref(j);
	sim_http_resp_free(&r);
	ev = simt_expect_dispatch(&t, full, "MESSAGE_CREATE");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    ev, "d"), "content")), "pong");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    ev, "d"), "nonce")), "abc");
	assert_non_null(json_object_get(json_object_get(ev, "d"), "member"));
	json_decref(ev);
	/* The bot's own message keeps its content without the intent. */
	ev = simt_expect_dispatch(&t, plain, "MESSAGE_CREATE");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    ev, "d"), "content")), "pong");
	json_decref(ev);
	assert_int_equal(req("GET", path, AUTH, NULL, &j, &r), 200);
	assert_int_equal(json_array_size(j), 1);
	json_decref(j);
	sim_http_resp_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_long_and_too_big,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_gets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_message_history, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bucket_headers_and_429,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_global_limit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_invalid_requests_ban,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_window_slides,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_message_create_dispatch,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
