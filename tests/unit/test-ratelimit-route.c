/* Route keys (ratelimit.h rlq_route_key, route.h): a table of paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bot/ratelimit.h"
#include "bot/ratelimit-route.h"

struct key_case {
	const char *method, *path, *want;
};

static const struct key_case cases[] = {
	{ "GET", "/channels/123/messages", "GET /channels/123/messages" },
	{ "POST", "/channels/123/messages", "POST /channels/123/messages" },
	{ "GET", "/channels/123/messages/456", "GET /channels/123/messages/:id" },
	{ "GET", "/channels/123/messages/456?limit=5", "GET /channels/123/messages/:id" },
	{ "GET", "/channels/123/messages?before=99&limit=50", "GET /channels/123/messages" },
	{ "PATCH", "/guilds/77/members/88", "PATCH /guilds/77/members/:id" },
	{ "PUT", "/channels/1/messages/2/reactions/x/@me",
	  "PUT /channels/1/messages/:id/reactions" },
	{ "DELETE", "/channels/1/messages/2/reactions/%F0%9F%91%8D/555",
	  "DELETE /channels/1/messages/:id/reactions" },
	{ "DELETE", "/channels/1/messages/2/reactions", "DELETE /channels/1/messages/:id/reactions" },
	{ "GET", "/users/@me", "GET /users/@me" },
	{ "DELETE", "/users/@me/guilds/555", "DELETE /users/@me/guilds/:id" },
	{ "GET", "/gateway/bot", "GET /gateway/bot" },
	{ "POST", "/interactions/999/aW50ZXJhY3Rpb24/callback",
	  "POST /interactions/:id/:token/callback" },
	{ "GET", "/invites/discord-api", "GET /invites/:code" },
	{ "GET", "/guilds/templates/hgM48av5Q69A", "GET /guilds/templates/:code" },
	{ "GET", "/applications/42/commands/43", "GET /applications/:id/commands/:id" },
	{ "GET", "//channels//123//messages/", "GET /channels/123/messages" },
	{ "GET", "", "GET /" },
	{ "GET", "/", "GET /" },
	{ "GET", "/channels/abc/messages", "GET /channels/abc/messages" },
	{ "GET", "/guilds/1/channels/2", "GET /guilds/1/channels/:id" },
};

static void
test_key_table(void **state)
{
	char out[RLQ_ROUTE_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rlq_route_key(cases[i].method, cases[i].path, out, sizeof(out));
		if (strcmp(out, cases[i].want) != 0)
			fail_msg("%s %s: got \"%s\", want \"%s\"", cases[i].method,
			    cases[i].path, out, cases[i].want);
	}
}

/* The webhook token is part of the route (two tokens, two routes) but
 * never appears in the key. */
static void
test_webhook_token_hashed(void **state)
{
	char a[RLQ_ROUTE_MAX], b[RLQ_ROUTE_MAX], c[RLQ_ROUTE_MAX], major[RLQ_MAJOR_MAX];

	(void)state;
	rlq_route_key("POST", "/webhooks/12/SECRETtokenAAA?wait=true", a, sizeof(a));
	rlq_route_key("POST", "/webhooks/12/SECRETtokenBBB", b, sizeof(b));
	rlq_route_key("PATCH", "/webhooks/12/SECRETtokenAAA/messages/5", c, sizeof(c));
	assert_null(strstr(a, "SECRET"));
	assert_null(strstr(c, "SECRET"));
	assert_string_not_equal(a, b);
	assert_int_equal(strncmp(a, "POST /webhooks/12/~", 19), 0);
	assert_int_equal(strlen(a), strlen("POST /webhooks/12/~") + 16);
	assert_int_equal(strncmp(c + 6, a + 5, strlen(a) - 5), 0);
	assert_string_equal(c + strlen(c) - 13, "/messages/:id");
	rlq_route_major(a, major, sizeof(major));
	assert_string_equal(major, a + 5);
}

static void
test_major(void **state)
{
	char major[RLQ_MAJOR_MAX];

	(void)state;
	assert_int_equal(rlq_route_major("GET /channels/123/messages/:id", major, sizeof(major)), 13);
	assert_string_equal(major, "/channels/123");
	rlq_route_major("PATCH /guilds/9/members/:id", major, sizeof(major));
	assert_string_equal(major, "/guilds/9");
	rlq_route_major("GET /users/@me/guilds/:id", major, sizeof(major));
	assert_string_equal(major, "");
	rlq_route_major("GET /channels/abc", major, sizeof(major));
	assert_string_equal(major, "");
	rlq_route_major("nospace", major, sizeof(major));
	assert_string_equal(major, "");
	rlq_route_major("GET /guilds/123456", major, 6);
	assert_string_equal(major, "/guil");
	assert_true(rlq_route_global_exempt("POST /interactions/:id/:token/callback"));
	assert_false(rlq_route_global_exempt("POST /channels/1/messages"));
}

/* Never writes past outlen and always terminates. */
static void
test_truncation(void **state)
{
	char path[600], out[RLQ_ROUTE_MAX + 8];

	(void)state;
	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	memset(out, 'Z', sizeof(out));
	rlq_route_key("GET", path, out, RLQ_ROUTE_MAX);
	assert_int_equal(strlen(out), RLQ_ROUTE_MAX - 1);
	assert_int_equal(out[RLQ_ROUTE_MAX], 'Z');
	rlq_route_key("GET", "/channels/1", out, 1);
	assert_string_equal(out, "");
	rlq_route_key(NULL, NULL, out, sizeof(out));
	assert_string_equal(out, " /");
	out[0] = 'Q';
	rlq_route_key("GET", "/x", out, 0);
	assert_int_equal(out[0], 'Q');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_table),
		cmocka_unit_test(test_webhook_token_hashed),
		cmocka_unit_test(test_major),
		cmocka_unit_test(test_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
