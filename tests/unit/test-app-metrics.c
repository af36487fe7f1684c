/*
 * The app's own counters for /metrics: route templates never carry an id
 * or a token, the series table stays bounded (the overflow counted, not
 * lost), time per state adds up, 429s land in their scope.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/metrics.h"

static void
tmpl(const char *path, const char *want)
{
	char out[METRICS_ROUTE_MAX];

	metrics_route_template(path, out, sizeof(out));
	assert_string_equal(out, want);
}

static void
test_templates(void **state)
{
	(void)state;
	tmpl("/channels/831317772075139095/messages", "/channels/{id}/messages");
	tmpl("/channels/1/messages/2?limit=5", "/channels/{id}/messages/{id}");
	tmpl("/webhooks/123/aBc-tok_en", "/webhooks/{id}/{token}");
	tmpl("/webhooks/123/aBc-tok_en/messages/@original", "/webhooks/{id}/{token}/messages/@original");
	tmpl("/interactions/55/tok/callback", "/interactions/{id}/{token}/callback");
	tmpl("/channels/1/messages/2/reactions/%F0%9F%91%8D/@me",
	    "/channels/{id}/messages/{id}/reactions/{emoji}/@me");
	tmpl("/gateway/bot", "/gateway/bot");
	tmpl("", "/");
}

static void
test_series_bounded(void **state)
{
	struct metrics *m = calloc(1, sizeof(*m));
	char path[64];
	uint64_t total = 0;

	(void)state;
	assert_non_null(m);
	metrics_init(m, BOT_DISCONNECTED, 0);
	/* 300 distinct routes: one series each until the table is full. */
	for (int i = 0; i < 300; i++) {
		snprintf(path, sizeof(path), "/route%d/1", i);
		metrics_rest_start(m, (uint64_t)i + 1, "GET", path);
		metrics_rest_done(m, (uint64_t)i + 1, 200, NULL);
	}
	assert_int_equal(m->nseries, METRICS_SERIES);
	for (int i = 0; i < m->nseries; i++)
		total += m->series[i].n;
	assert_int_equal(total, 300);
	assert_string_equal(m->series[METRICS_SERIES - 1].route, "other");
	/* The same route with other ids is one series. */
	metrics_init(m, BOT_DISCONNECTED, 0);
	for (int i = 0; i < 50; i++) {
		snprintf(path, sizeof(path), "/channels/%d/messages", 1000 + i);
		metrics_rest_start(m, (uint64_t)i + 1, "POST", path);
		metrics_rest_done(m, (uint64_t)i + 1, 200, NULL);
	}
	assert_int_equal(m->nseries, 1);
	assert_int_equal(m->series[0].n, 50);
	free(m);
}

static void
test_state_seconds(void **state)
{
	struct metrics m;

	(void)state;
	metrics_init(&m, BOT_DISCONNECTED, 1000);
	metrics_state(&m, BOT_RECONNECTING, 3000);
	metrics_state(&m, BOT_CONNECTED, 3500);
	metrics_state(&m, BOT_CONNECTED, 9000);
	assert_true(metrics_state_seconds(&m, BOT_DISCONNECTED, 10000) == 2.0);
	assert_true(metrics_state_seconds(&m, BOT_RECONNECTING, 10000) == 0.5);
	assert_true(metrics_state_seconds(&m, BOT_CONNECTED, 10000) == 6.5);
	assert_true(metrics_state_seconds(&m, BOT_RESUMING, 10000) == 0.0);
}

static void
test_429_scopes(void **state)
{
	struct metrics m;

	(void)state;
	metrics_init(&m, BOT_CONNECTED, 0);
	metrics_rest_start(&m, 1, "POST", "/channels/1/messages");
	metrics_rest_done(&m, 1, 429, "shared");
	metrics_rest_done(&m, 2, 429, "global");
	metrics_rest_done(&m, 3, 429, NULL);
	metrics_rest_done(&m, 4, 429, "user");
	for (int i = 0; i < METRICS_SCOPES; i++)
		assert_int_equal(m.r429[i], 1);
	assert_string_equal(metrics_scope_name(3), "none");
	/* An id never seen counts under "other", not lost. */
	assert_string_equal(m.series[1].route, "other");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_templates),
		cmocka_unit_test(test_series_bounded),
		cmocka_unit_test(test_state_seconds),
		cmocka_unit_test(test_429_scopes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
