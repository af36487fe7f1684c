/*
 * The REST queue driven by a virtual clock and hand-made responses: each
 * test is one rule of docs/protocol.md §2 (test-ratelimit-prop.c checks the invariants
 * over random traffic).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bot/ratelimit.h"

struct fx {
	struct rng rng;
	struct logring log;
	struct rlq_queue *q;
};

static struct vtime
at(int64_t ms)
{
	return (struct vtime){ ms, 1700000000000LL + ms };
}

static int
setup(void **state)
{
	static struct fx fx;

	rng_seed(&fx.rng, 1);
	if (logring_init(&fx.log, 256) < 0)
		return -1;
	fx.q = rlq_new(&fx.rng, &fx.log);
	*state = &fx;
	return fx.q != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	rlq_free(fx->q);
	logring_free(&fx->log);
	return 0;
}

static uint64_t
submit_f(struct rlq_queue *q, int64_t t, const char *method, const char *path, unsigned flags)
{
	char err[160] = "";
	uint64_t id = rlq_submit(q, at(t), method, path, "{}", 7, NULL, flags, err, sizeof(err));

	if (id == 0)
		fail_msg("submit %s %s refused: %s", method, path, err);
	return id;
}

static uint64_t
submit(struct rlq_queue *q, int64_t t, const char *path)
{
	return submit_f(q, t, "POST", path, 0);
}

/* The id rlq_next hands out at t, 0 when none. */
static uint64_t
next(struct rlq_queue *q, int64_t t)
{
	struct rlq_send s;

	return rlq_next(q, at(t), &s) ? s.id : 0;
}

static void
lines(struct rlq_headers *h, const char *const *l)
{
	rlq_headers_init(h);
	for (; *l != NULL; l++)
		rlq_headers_line(h, *l, strlen(*l));
}

static void
limits(struct rlq_headers *h, int limit, int remaining, const char *reset_after,
    const char *bucket)
{
	char a[64], b[64], c[64], d[96];
	const char *l[] = { a, b, c, d, "Via: 1.1 google", NULL };

	snprintf(a, sizeof(a), "X-RateLimit-Limit: %d", limit);
	snprintf(b, sizeof(b), "X-RateLimit-Remaining: %d", remaining);
	snprintf(c, sizeof(c), "X-RateLimit-Reset-After: %s", reset_after);
	snprintf(d, sizeof(d), "X-RateLimit-Bucket: %s", bucket);
	lines(h, l);
}

static struct rlq_done
complete(struct rlq_queue *q, int64_t t, uint64_t id, int status, const struct rlq_headers *h,
    const char *body)
{
	struct rlq_done d;

	rlq_complete(q, at(t), id, status, h, body, body != NULL ? strlen(body) : 0,
	    status == 0 ? "connection reset" : NULL, &d);
	assert_int_equal(d.id, id);
	return d;
}

static void
test_unknown_route_one_in_flight(void **state)
{
	struct rlq_queue *q = ((struct fx *)*state)->q;
	uint64_t a = submit(q, 0, "/channels/1/messages");
	uint64_t b = submit(q, 0, "/channels/1/messages");

	assert_int_equal(next(q, 0), a);
	assert_int_equal(next(q, 0), 0);
	assert_true(rlq_next_deadline(q, at(0)) == VTIME_NEVER);
	assert_int_equal(complete(q, 10, a, 200, NULL, NULL).outcome, RLQ_DONE_OK);
	assert_true(rlq_next_deadline(q, at(10)) == 10);
	assert_int_equal(next(q, 10), b);
}

static void
test_learned_limits_then_reset(void **state)
{
	struct rlq_queue *q = ((struct fx *)*state)->q;
	struct rlq_headers h;
	uint64_t id[7], sent[4];

	for (int i = 0; i < 7; i++)
		id[i] = submit(q, 0, "/channels/1/messages");
	assert_int_equal(next(q, 0), id[0]);
	limits(&h, 5, 4, "2.0", "abc");
	complete(q, 100, id[0], 200, &h, NULL);
	for (int i = 0; i < 4; i++) {
		sent[i] = next(q, 100);
		assert_int_equal(sent[i], id[i + 1]);
	}
	assert_int_equal(next(q, 100), 0);
	assert_true(rlq_next_deadline(q, at(100)) == 2100);
	/* Later responses agree on the same reset. */
	for (int i = 0; i < 4; i++) {
		limits(&h, 5, 3 - i, "1.9", "abc");
		complete(q, 200, sent[i], 200, &h, NULL);
	}
	assert_true(rlq_next_deadline(q, at(200)) == 2100);
	assert_int_equal(next(q, 2099), 0);
	assert_int_equal(next(q, 2100), id[5]);
	assert_int_equal(next(q, 2100), id[6]);
}

/* A refill at reset counts the requests still in flight as spent. */
static void
test_reset_keeps_inflight_spent(void **state)
{
	struct rlq_queue *q = ((struct fx *)*state)->q;
	struct rlq_headers h;
	uint64_t first;

	first = submit(q, 0, "/guilds/5/roles");
	for (int i = 0; i < 5; i++)
		submit(q, 0, "/guilds/5/roles");
	next(q, 0);
	limits(&h, 3, 2, "1", "r");
	complete(q, 10, first, 200, &h, NULL);
	assert_true(next(q, 10) != 0);
	assert_true(next(q, 10) != 0);
	assert_int_equal(next(q, 10), 0);
	assert_true(next(q, 1010) != 0);          /* 3 - 2 in flight */
	assert_int_equal(next(q, 1010), 0);
	assert_true(rlq_next_deadline(q, at(1010)) == VTIME_NEVER);
}

static void
test_shared_bucket(void **state)
{
	struct rlq_queue *q = ((struct fx *)*state)->q;
	struct rlq_headers h;
	struct rlq_row rows[4];
	uint64_t a1 = submit_f(q, 0, "GET", "/channels/1/messages/10", 0);
	uint64_t b1 = submit_f(q, 0, "PATCH", "/channels/1/messages/11", 0);
	uint64_t a2 = submit_f(q, 0, "GET", "/channels/1/messages/12", 0);
	uint64_t b2 = submit_f(q, 0, "PATCH", "/channels/1/messages/13", 0);

	/* Two unknown routes: one probe each. */
	assert_int_equal(next(q, 0), a1);
	assert_int_equal(next(q, 0), b1);
	assert_int_equal(next(q, 0), 0);
	limits(&h, 3, 2, "5", "shared-hash");
	complete(q, 50, a1, 200, &h, NULL);
	limits(&h, 3, 1, "4.95", "shared-hash");
	complete(q, 60, b1, 200, &h, NULL);
	/* One slot left for the two routes together. */
	assert_int_equal(next(q, 60), a2);
	assert_int_equal(next(q, 60), 0);
	assert_true(rlq_next_deadline(q, at(60)) == 5050);
	assert_int_equal(rlq_rows(q, at(60), rows, 4), 2);
	assert_string_equal(rows[0].bucket, "shared-hash");
	assert_string_equal(rows[1].bucket, "shared-hash");
	assert_true(rows[0].known && rows[0].remaining == 0 && rows[0].reset_in_ms == 4990);
	limits(&h, 3, 0, "4.9", "shared-hash");
	complete(q, 100, a2, 200, &h, NULL);
	assert_int_equal(next(q, 5049), 0);
	assert_int_equal(next(q, 5050), b2);
}

static void
test_majors_independent(void **state)
{
	struct rlq_queue *q = ((struct fx *)*state)->q;
	struct rlq_headers h;
	uint64_t c1 = submit(q, 0, "/channels/1/messages");
	uint64_t c2 = submit(q, 0, "/channels/2/messages");
	uint64_t c1b = submit(q, 0, "/channels/1/messages");
	uint64_t c2b = submit(q, 0, "/channels/2/messages");

	assert_int_equal(next(q, 0), c1);
	assert_int_equal(next(q, 0), c2);
	limits(&h, 5, 0, "3", "same");
	complete(q, 10, c1, 200, &h, NULL);
	limits(&h, 5, 4, "3", "same");
	complete(q, 10, c2, 200, &h, NULL);
	assert_int_equal(next(q, 10), c2b);
	assert_int_equal(next(q, 10), 0);
	assert_int_equal(next(q, 3010), c1b);
}

static void
test_global_window(void **state)
{
	struct rlq_queue *q = ((struct fx *)*state)->q;
	struct rlq_global g;
	char path[64];
	int n = 0;

	for (int i = 0; i < 60; i++) {
		snprintf(path, sizeof(path), "/channels/%d/messages", 1000 + i);
		submit(q, 0, path);
	}
	submit(q, 0, "/interactions/5/tok/callback");
	for (int t = 0; t < 1000; t += 100) {
		while (next(q, t) != 0)
			n++;
	}
	/* 50 plus the interaction, which the global limit does not bind. */
	assert_int_equal(n, 51);
	rlq_global_view(q, at(999), &g);
	assert_int_equal(g.sent_last_s, 50);
	assert_int_equal(g.pending, 10);
	assert_true(rlq_next_deadline(q, at(999)) == 1000);
	while (next(q, 1000) != 0)
		n++;
	assert_int_equal(n, 61);
}

static void
test_429_body_and_header(void **state)
{
	struct rlq_queue *q = ((struct fx *)*state)->q;
	struct rlq_headers h;
	struct rlq_done d;
	static const char *const ra3[] = { "Retry-After: 3", "Via: 1.1 google",
		"X-RateLimit-Scope: user", NULL };
	uint64_t a = submit(q, 0, "/channels/1/messages");

	/* Body retry_after (float) wins over the whole-second header. */
	assert_int_equal(next(q, 0), a);
	lines(&h, ra3);
	d = complete(q, 100, a, 429, &h, "{\"message\":\"slow\",\"retry_after\":1.5,\"global\":false}");
	assert_int_equal(d.outcome, RLQ_RETRY);
	assert_true(rlq_next_deadline(q, at(100)) == 1600);
	assert_int_equal(next(q, 1599), 0);
	assert_int_equal(next(q, 1600), a);
	/* No JSON: the header. */
	d = complete(q, 1700, a, 429, &h, "<html>");
	assert_true(rlq_next_deadline(q, at(1700)) == 4700);
	/* 429s never exhaust retries. */
	for (int i = 0; i < RLQ_MAX_RETRIES + 3; i++) {
		int64_t t = rlq_next_deadline(q, at(0));

		assert_int_equal(next(q, t), a);
		assert_int_equal(complete(q, t, a, 429, &h, NULL).outcome, RLQ_RETRY);
	}
	assert_int_equal(next(q, 100000), a);
	d = complete(q, 100000, a, 204, NULL, NULL);
	assert_int_equal(d.outcome, RLQ_DONE_OK);
	assert_int_equal(d.attempts, RLQ_MAX_RETRIES + 6);
	assert_int_equal(d.tag, 7);
}

static void
test_global_429_holds_all(void **state)
{
	struct fx *fx = *state;
	struct rlq_queue *q = fx->q;
	struct rlq_headers h;
	struct rlq_global g;
	static const char *const gl[] = { "X-RateLimit-Global: true", "X-RateLimit-Scope: global",
		"Retry-After: 1", "Via: 1.1 google", NULL };
	uint64_t a = submit(q, 0, "/channels/1/messages");
	uint64_t b = submit(q, 0, "/guilds/2/members/3");

	assert_int_equal(next(q, 0), a);
	lines(&h, gl);
	complete(q, 10, a, 429, &h, "{\"retry_after\":0.25,\"global\":true}");
	assert_int_equal(next(q, 10), 0);
	rlq_global_view(q, at(10), &g);
	assert_int_equal(g.global_wait_ms, 250);
	assert_true(rlq_next_deadline(q, at(10)) == 260);
	assert_int_equal(next(q, 260), a);
	assert_int_equal(next(q, 260), b);
	assert_int_equal(fx->log.by_level[LOG_WARN], 1);
}

static void
test_shared_scope_not_invalid(void **state)
{
	struct rlq_queue *q = ((struct fx *)*state)->q;
	struct rlq_headers h;
	struct rlq_global g;
	static const char *const sh[] = { "X-RateLimit-Limit: 10", "X-RateLimit-Remaining: 9",
		"X-RateLimit-Reset-After: 1", "X-RateLimit-Bucket: emoji",
		"X-RateLimit-Scope: shared", "Retry-After: 1337", "Via: 1.1 google", NULL };
	static const char *const us[] = { "X-RateLimit-Scope: user", "Via: 1.1 google", NULL };
	uint64_t a = submit(q, 0, "/guilds/1/emojis");
	uint64_t b = submit(q, 0, "/guilds/2/emojis");

	assert_int_equal(next(q, 0), a);
	assert_int_equal(next(q, 0), b);
	lines(&h, sh);
	complete(q, 10, a, 429, &h, "{\"retry_after\":1336.57,\"global\":false}");
	rlq_global_view(q, at(10), &g);
	assert_int_equal(g.invalid_10min, 0);
	/* Only that resource waits, despite remaining 9. */
	complete(q, 10, b, 200, NULL, NULL);
	submit(q, 20, "/guilds/2/emojis");
	assert_true(next(q, 20) != 0);
	assert_int_equal(next(q, 1000000), 0);
	assert_int_equal(next(q, 1336580), a);
	lines(&h, us);
	complete(q, 1336600, a, 429, &h, NULL);
	rlq_global_view(q, at(1336600), &g);
	assert_int_equal(g.invalid_10min, 1);
	assert_int_equal(g.hits429, 2);
}

static void
test_ban_freezes_rest(void **state)
{
	struct fx *fx = *state;
	struct rlq_queue *q = fx->q;
	struct rlq_headers h;
	struct rlq_global g;
	uint64_t a = submit(q, 0, "/channels/1/messages");
	uint64_t b = submit(q, 0, "/channels/2/messages");

	assert_int_equal(next(q, 0), a);
	assert_int_equal(next(q, 0), b);
	rlq_headers_init(&h);
	complete(q, 10, a, 429, &h, "{\"code\":0,\"message\":\"You are being blocked\"}");
	complete(q, 11, b, 429, NULL, "error code: 1015");
	submit(q, 12, "/guilds/3/roles");
	assert_int_equal(next(q, 12), 0);
	rlq_global_view(q, at(12), &g);
	assert_true(g.banned);
	assert_int_equal(g.ban_left_ms, RLQ_BAN_FREEZE_MS - 1);
	assert_int_equal(fx->log.by_level[LOG_ERROR], 1);
	assert_true(rlq_next_deadline(q, at(12)) == 11 + RLQ_BAN_FREEZE_MS);
	assert_int_equal(next(q, 11 + RLQ_BAN_FREEZE_MS), a);
	/* Via present: Discord's own 429, not a ban. */
	rlq_headers_line(&h, "Via: 1.1 google", 15);
	complete(q, RLQ_BAN_FREEZE_MS + 20, a, 429, &h, "{\"retry_after\":2}");
	rlq_global_view(q, at(RLQ_BAN_FREEZE_MS + 20), &g);
	assert_false(g.banned);
	assert_true(next(q, RLQ_BAN_FREEZE_MS + 20) != 0);
}

static void
test_ban_retry_after_header(void **state)
{
	struct rlq_queue *q = ((struct fx *)*state)->q;
	struct rlq_headers h;
	static const char *const ra[] = { "Retry-After: 60", NULL };
	uint64_t a = submit(q, 0, "/channels/1/messages");

	next(q, 0);
	lines(&h, ra);
	complete(q, 0, a, 429, &h, NULL);
	assert_true(rlq_next_deadline(q, at(0)) == 60000);
}

static void
test_5xx_backoff_then_ok(void **state)
{
	struct rlq_queue *q = ((struct fx *)*state)->q;
	struct rlq_done d;
	uint64_t a = submit(q, 0, "/channels/1/messages");
	int64_t t;

	next(q, 0);
	d = complete(q, 100, a, 503, NULL, NULL);
	assert_int_equal(d.outcome, RLQ_RETRY);
	t = rlq_next_deadline(q, at(100));
	assert_true(t >= 100 + 250 && t <= 100 + 500);
	assert_int_equal(next(q, t - 1), 0);
	assert_int_equal(next(q, t), a);
	d = complete(q, t, a, 0, NULL, NULL);
	assert_string_equal(d.why, "transport error: connection reset");
	t = rlq_next_deadline(q, at(t));
	assert_int_equal(next(q, t), a);
	d = complete(q, t, a, 200, NULL, NULL);
	assert_int_equal(d.outcome, RLQ_DONE_OK);
	assert_int_equal(d.attempts, 3);
}

static void
test_5xx_gives_up(void **state)
{
	struct rlq_queue *q = ((struct fx *)*state)->q;
	struct rlq_global g;
	struct rlq_done d;
	uint64_t a = submit(q, 0, "/channels/1/messages");
	int64_t t = 0, prev_wait = 0;

	for (int i = 1; i <= RLQ_MAX_RETRIES; i++) {
		assert_int_equal(next(q, t), a);
		d = complete(q, t, a, 502, NULL, NULL);
		if (i < RLQ_MAX_RETRIES) {
			int64_t wait = rlq_next_deadline(q, at(t)) - t;

			assert_int_equal(d.outcome, RLQ_RETRY);
			assert_true(wait >= prev_wait / 2);
			prev_wait = wait;
			t += wait;
		}
	}
	assert_int_equal(d.outcome, RLQ_DONE_FAILED);
	assert_int_equal(d.status, 502);
	assert_int_equal(d.attempts, RLQ_MAX_RETRIES);
	assert_non_null(strstr(d.why, "HTTP 502"));
	rlq_global_view(q, at(t), &g);
	assert_int_equal(g.failed, 1);
	assert_int_equal(g.pending + g.inflight, 0);
}

static void
test_no_retry(void **state)
{
	struct rlq_queue *q = ((struct fx *)*state)->q;
	uint64_t a = submit_f(q, 0, "GET", "/gateway/bot", RLQ_NO_RETRY);
	struct rlq_done d;

	next(q, 0);
	d = complete(q, 5, a, 500, NULL, NULL);
	assert_int_equal(d.outcome, RLQ_DONE_FAILED);
	assert_int_equal(d.attempts, 1);
}

static void
test_4xx_fail_and_invalid(void **state)
{
	struct rlq_queue *q = ((struct fx *)*state)->q;
	struct rlq_global g;
	uint64_t a = submit(q, 0, "/channels/1/messages");
	uint64_t b = submit(q, 0, "/channels/2/messages");

	next(q, 0);
	next(q, 0);
	assert_int_equal(complete(q, 1, a, 403, NULL, NULL).outcome, RLQ_DONE_FAILED);
	assert_int_equal(complete(q, 1, b, 404, NULL, NULL).outcome, RLQ_DONE_FAILED);
	rlq_global_view(q, at(1), &g);
	assert_int_equal(g.invalid_10min, 1);
	rlq_global_view(q, at(RLQ_INVALID_WINDOW_MS + 1000), &g);
	assert_int_equal(g.invalid_10min, 0);
}

static void
test_401_stops_rest(void **state)
{
	struct fx *fx = *state;
	struct rlq_queue *q = fx->q;
	struct rlq_done d;
	struct rlq_global g;
	uint64_t ids[5];
	char err[160];
	int reaped = 0;

	ids[0] = submit(q, 0, "/channels/1/messages");
	ids[1] = submit(q, 0, "/channels/2/messages");
	ids[2] = submit(q, 0, "/channels/1/messages");
	ids[3] = submit(q, 0, "/channels/2/messages");
	ids[4] = submit(q, 0, "/guilds/9/roles");
	assert_int_equal(next(q, 0), ids[0]);
	assert_int_equal(next(q, 0), ids[1]);
	assert_int_equal(complete(q, 5, ids[0], 401, NULL, NULL).outcome, RLQ_DONE_FAILED);
	assert_int_equal(fx->log.by_level[LOG_ERROR], 1);
	while (rlq_reap(q, &d)) {
		assert_int_equal(d.outcome, RLQ_DONE_FAILED);
		assert_true(d.id == ids[2] || d.id == ids[3] || d.id == ids[4]);
		assert_non_null(strstr(d.why, "401"));
		reaped++;
	}
	assert_int_equal(reaped, 3);
	/* Still in flight: its answer is reported, but it is not retried. */
	d = complete(q, 6, ids[1], 502, NULL, NULL);
	assert_int_equal(d.outcome, RLQ_DONE_FAILED);
	assert_int_equal(rlq_submit(q, at(7), "GET", "/users/@me", NULL, 0, NULL, 0, err,
	    sizeof(err)), 0);
	assert_non_null(strstr(err, "401"));
	assert_int_equal(next(q, 7), 0);
	assert_true(rlq_next_deadline(q, at(7)) == VTIME_NEVER);
	rlq_global_view(q, at(7), &g);
	assert_true(g.unauthorized);
	assert_int_equal(g.failed, 5);
	assert_int_equal(g.pending + g.inflight, 0);
}

static void
test_queue_full_and_bad_input(void **state)
{
	struct rlq_queue *q = ((struct fx *)*state)->q;
	char err[160];

	for (int i = 0; i < RLQ_MAX_PENDING; i++)
		submit(q, 0, "/channels/1/messages");
	assert_int_equal(rlq_submit(q, at(0), "POST", "/channels/1/messages", NULL, 0, NULL, 0,
	    err, sizeof(err)), 0);
	assert_non_null(strstr(err, "full"));
	/* A finished request frees its slot. */
	complete(q, 1, next(q, 0), 200, NULL, NULL);
	assert_true(submit(q, 2, "/channels/1/messages") != 0);
	rlq_free(q);
	((struct fx *)*state)->q = q = rlq_new(&((struct fx *)*state)->rng, NULL);
	assert_int_equal(rlq_submit(q, at(0), "FETCH", "/x", NULL, 0, NULL, 0, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "method"));
	assert_int_equal(rlq_submit(q, at(0), "GET", "x", NULL, 0, NULL, 0, err, sizeof(err)), 0);
	assert_int_equal(rlq_submit(q, at(0), "GET", "/a b", NULL, 0, NULL, 0, err, sizeof(err)), 0);
	assert_int_equal(rlq_submit(q, at(0), NULL, NULL, NULL, 0, NULL, 0, err, sizeof(err)), 0);
}

/* Busy routes are never evicted; idle ones are, when the table is full. */
static void
test_route_table_bounded(void **state)
{
	struct rlq_queue *q = ((struct fx *)*state)->q;
	uint64_t ids[RLQ_MAX_ROUTES];
	char path[64], err[160];

	for (int i = 0; i < RLQ_MAX_ROUTES; i++) {
		snprintf(path, sizeof(path), "/channels/%d/messages", i + 1);
		ids[i] = submit(q, 0, path);
	}
	assert_int_equal(rlq_submit(q, at(0), "GET", "/channels/99999/pins", NULL, 0, NULL, 0,
	    err, sizeof(err)), 0);
	assert_non_null(strstr(err, "routes"));
	for (int t = 0, n = 0; n < 3; t += 1000) {
		struct rlq_send s;

		while (n < 3 && rlq_next(q, at(t), &s)) {
			struct rlq_done d;

			rlq_complete(q, at(t), s.id, 200, NULL, NULL, 0, NULL, &d);
			n++;
		}
	}
	assert_true(submit(q, 5000, "/channels/99999/pins") != 0);
	(void)ids;
}

static void
test_rows_busiest_first(void **state)
{
	struct rlq_queue *q = ((struct fx *)*state)->q;
	struct rlq_row rows[8];

	submit(q, 0, "/channels/1/messages");
	for (int i = 0; i < 3; i++)
		submit(q, 0, "/channels/2/messages");
	submit(q, 0, "/channels/3/messages");
	submit(q, 0, "/channels/3/messages");
	assert_int_equal(rlq_rows(q, at(0), rows, 8), 3);
	assert_string_equal(rows[0].route, "POST /channels/2/messages");
	assert_int_equal(rows[0].pending, 3);
	assert_string_equal(rows[1].route, "POST /channels/3/messages");
	assert_int_equal(rlq_rows(q, at(0), rows, 1), 1);
	assert_int_equal(rlq_rows(q, at(0), rows, 0), 0);
}

static void
test_unknown_id(void **state)
{
	struct rlq_queue *q = ((struct fx *)*state)->q;
	struct rlq_done d;
	uint64_t a = submit(q, 0, "/channels/1/messages");

	rlq_complete(q, at(0), a, 200, NULL, NULL, 0, NULL, &d);
	assert_int_equal(d.outcome, RLQ_RETRY);
	rlq_complete(q, at(0), 12345, 200, NULL, NULL, 0, NULL, &d);
	assert_int_equal(d.outcome, RLQ_RETRY);
	assert_int_equal(next(q, 0), a);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_unknown_route_one_in_flight), T(test_learned_limits_then_reset),
		T(test_reset_keeps_inflight_spent), T(test_shared_bucket),
		T(test_majors_independent), T(test_global_window), T(test_429_body_and_header),
		T(test_global_429_holds_all), T(test_shared_scope_not_invalid),
		T(test_ban_freezes_rest), T(test_ban_retry_after_header),
		T(test_5xx_backoff_then_ok), T(test_5xx_gives_up), T(test_no_retry),
		T(test_4xx_fail_and_invalid), T(test_401_stops_rest),
		T(test_queue_full_and_bad_input), T(test_route_table_bounded),
		T(test_rows_busiest_first), T(test_unknown_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
