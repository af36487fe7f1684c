/*
 * Regressions found by the deterministic simulation (tests/dst): each test
 * is the smallest sequence of inputs that showed the bug, with the seed
 * that found it. They drive the cores directly, so they stay meaningful
 * however the simulation's fault mix changes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bot/ratelimit.h"
#include "../support/sim-drive.h"

static struct vtime
at(int64_t ms)
{
	return (struct vtime){ ms, 1700000000000LL + ms };
}

static uint64_t
next_id(struct rlq_queue *q, int64_t t)
{
	struct rlq_send s;

	return rlq_next(q, at(t), &s) ? s.id : 0;
}

static void
headers(struct rlq_headers *h, int limit, int remaining, const char *reset_after)
{
	const char *l[] = { NULL, NULL, NULL, "X-RateLimit-Bucket: b", "Via: 1.1 google" };
	char a[48], b[48], c[48];

	snprintf(a, sizeof(a), "X-RateLimit-Limit: %d", limit);
	snprintf(b, sizeof(b), "X-RateLimit-Remaining: %d", remaining);
	snprintf(c, sizeof(c), "X-RateLimit-Reset-After: %s", reset_after);
	l[0] = a;
	l[1] = b;
	l[2] = c;
	rlq_headers_init(h);
	for (size_t i = 0; i < sizeof(l) / sizeof(l[0]); i++)
		rlq_headers_line(h, l[i], strlen(l[i]));
}

/*
 * Seed 28 (dst --seed 28 --days 10): five POSTs went out after their
 * bucket's window had ended, a partition held them, the emulator counted
 * all five in a new window and the bot heard only "timed out". It then
 * took the window as unused and sent into the empty bucket: a 429, which
 * counts towards Discord's invalid-request ban. A request that fails
 * without an answer may have opened a new window: it must count as spent
 * there until that window could have ended.
 */
static void
test_blind_failure_after_reset_counts(void **state)
{
	struct rng rng;
	struct rlq_queue *q;
	struct rlq_headers h;
	struct rlq_done d;
	uint64_t first, id[5];

	(void)state;
	rng_seed(&rng, 28);
	q = rlq_new(&rng, NULL);
	assert_non_null(q);
	first = rlq_submit(q, at(0), "POST", "/channels/1/messages", "{}", 1, NULL, 0, NULL, 0);
	assert_int_equal(next_id(q, 0), first);
	headers(&h, 5, 4, "5.0");
	rlq_complete(q, at(10), first, 200, &h, NULL, 0, NULL, &d);
	/* The window ended at 5010; five go out in the next one. */
	for (int i = 0; i < 5; i++)
		rlq_submit(q, at(6000), "POST", "/channels/1/messages", "{}", 1, NULL, 0, NULL, 0);
	for (int i = 0; i < 5; i++) {
		id[i] = next_id(q, 6000);
		assert_true(id[i] != 0);
	}
	for (int i = 0; i < 5; i++) {
		rlq_complete(q, at(6100), id[i], 0, NULL, NULL, 0, "timed out", &d);
		assert_int_equal(d.outcome, RLQ_RETRY);
	}
	/* All five may be in the server's count until 6100 + 5000. */
	assert_int_equal(next_id(q, 7000), 0);
	assert_int_equal(next_id(q, 11099), 0);
	assert_true(next_id(q, 11100) != 0);
	rlq_free(q);
}

/*
 * Seed 1157 (dst --seed 1157 --days 20): the bot had only ever seen its
 * bucket mid-window (Reset-After 2.89 of a 5 s window), so it took windows
 * to last 2.89 s. Five GETs past the window all failed unanswered; one had
 * reached the emulator and opened a 5 s window, and 2.9 s later the bot sent
 * five again: the fifth got a 429. After a failure without an answer the
 * window's end is a guess, so past the guess one request probes alone, and
 * its answer's limits say how many may follow.
 */
static void
test_blind_failure_probes_alone(void **state)
{
	struct rng rng;
	struct rlq_queue *q;
	struct rlq_headers h;
	struct rlq_done d;
	uint64_t first, id[5], probe;

	(void)state;
	rng_seed(&rng, 1157);
	q = rlq_new(&rng, NULL);
	assert_non_null(q);
	first = rlq_submit(q, at(0), "GET", "/channels/1/messages", NULL, 0, NULL, 0, NULL, 0);
	assert_int_equal(next_id(q, 0), first);
	headers(&h, 5, 2, "2.89");
	rlq_complete(q, at(10), first, 200, &h, NULL, 0, NULL, &d);
	for (int i = 0; i < 5; i++)
		rlq_submit(q, at(6000), "GET", "/channels/1/messages", NULL, 0, NULL, 0, NULL, 0);
	for (int i = 0; i < 5; i++)
		assert_true((id[i] = next_id(q, 6000)) != 0);
	for (int i = 0; i < 5; i++)
		rlq_complete(q, at(6030), id[i], 0, NULL, NULL, 0, "connection reset by peer", &d);
	/* Past the guessed window (and the retry backoff): one, not five. */
	probe = next_id(q, 20000);
	assert_true(probe != 0);
	assert_int_equal(next_id(q, 20000), 0);
	assert_int_equal(next_id(q, 25000), 0);
	headers(&h, 5, 3, "2.0");
	rlq_complete(q, at(20030), probe, 200, &h, NULL, 0, NULL, &d);
	assert_int_equal(d.outcome, RLQ_DONE_OK);
	for (int i = 0; i < 3; i++)
		assert_true(next_id(q, 20030) != 0);
	assert_int_equal(next_id(q, 20030), 0);
	rlq_free(q);
}

/*
 * A live change of heartbeat_interval (POST /_ctl/set, the simulation's
 * "heartbeat" fault) applied at once to connections that had been told the
 * old interval in their HELLO: a client beating every 60 s was closed 4009
 * 1.5 s after its next beat. Each connection keeps the interval its HELLO
 * announced; the new one is for new connections.
 */
static void
test_heartbeat_change_spares_open_connections(void **state)
{
	struct sim_config cfg;
	struct simt t;
	struct sim_action a;
	json_t *set;
	char err[128], *data;
	uint32_t c;

	(void)state;
	simt_config(&cfg);
	simt_start(&t, &cfg);
	c = simt_identify(&t, 1, NULL, 0);
	set = json_pack("{s:i}", "heartbeat_interval", 1000);
	assert_int_equal(sim_set(t.sim, t.now, set, err, sizeof(err)), 0);
	json_decref(set);
	simt_advance(&t, 30000);
	simt_send(&t, c, "{\"op\":1,\"d\":2}");
	json_decref(simt_expect_send(&t, c));           /* the ACK */
	simt_advance(&t, 10000);
	while (simt_next(&t, &a, &data)) {
		free(data);
		assert_int_not_equal(a.kind, SIM_ACT_CLOSE);
	}
	simt_stop(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blind_failure_after_reset_counts),
		cmocka_unit_test(test_blind_failure_probes_alone),
		cmocka_unit_test(test_heartbeat_change_spares_open_connections),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
