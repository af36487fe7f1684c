/* Heartbeat timing and zombie detection on a virtual clock. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "bot/heartbeat.h"

static struct vtime
at(int64_t ms)
{
	return (struct vtime){ .mono_ms = ms, .wall_ms = 1700000000000LL + ms };
}

static void
first_beat_is_jittered_within_interval(void **state)
{
	struct heartbeat hb;
	struct rng r;
	int64_t min = INT64_MAX, max = 0;

	(void)state;
	rng_seed(&r, 1);
	for (int i = 0; i < 1000; i++) {
		hb_init(&hb);
		hb_start(&hb, 41250, at(1000), &r);
		int64_t d = hb_deadline(&hb) - 1000;
		assert_true(d >= 0 && d < 41250);
		min = d < min ? d : min;
		max = d > max ? d : max;
	}
	/* Spread over the interval, not stuck at one end. */
	assert_true(min < 2000);
	assert_true(max > 39000);
}

static void
beats_every_interval_while_acked(void **state)
{
	struct heartbeat hb;
	struct rng r;

	(void)state;
	rng_seed(&r, 7);
	hb_init(&hb);
	hb_start(&hb, 1000, at(0), &r);
	int64_t t = hb_deadline(&hb);
	assert_int_equal(hb_check(&hb, at(t - 1)), HB_NOTHING);
	for (int i = 0; i < 50; i++) {
		assert_int_equal(hb_check(&hb, at(t)), HB_SEND);
		hb_ack(&hb, at(t + 30));
		assert_int_equal(hb.last_rtt_ms, 30);
		assert_int_equal(hb_deadline(&hb), t + 1000);
		t += 1000;
	}
	assert_true(hb.sent == 50 && hb.acked == 50);
}

static void
missed_ack_is_zombie_within_two_intervals(void **state)
{
	struct heartbeat hb;
	struct rng r;

	(void)state;
	rng_seed(&r, 3);
	hb_init(&hb);
	hb_start(&hb, 1000, at(0), &r);
	int64_t t = hb_deadline(&hb);
	assert_int_equal(hb_check(&hb, at(t)), HB_SEND);
	hb_ack(&hb, at(t + 5));
	/* The server goes silent right after this ACK. */
	int64_t silent_from = t + 5;
	t += 1000;
	assert_int_equal(hb_check(&hb, at(t)), HB_SEND);
	assert_int_equal(hb_check(&hb, at(t + 999)), HB_NOTHING);
	assert_int_equal(hb_check(&hb, at(t + 1000)), HB_ZOMBIE);
	assert_true(t + 1000 - silent_from <= 2 * 1000);
	/* Stopped after a zombie. */
	assert_true(hb_deadline(&hb) == VTIME_NEVER);
	assert_int_equal(hb_check(&hb, at(t + 5000)), HB_NOTHING);
}

static void
server_request_does_not_arm_zombie(void **state)
{
	struct heartbeat hb;
	struct rng r;

	(void)state;
	rng_seed(&r, 5);
	hb_init(&hb);
	hb_start(&hb, 1000, at(0), &r);
	int64_t t = hb_deadline(&hb);
	/* op 1 just before the scheduled beat, its ACK after it. */
	hb_requested(&hb, at(t - 1));
	assert_int_equal(hb_check(&hb, at(t)), HB_SEND);
	hb_ack(&hb, at(t + 20));
	assert_int_equal(hb_check(&hb, at(t + 1000)), HB_SEND);
	assert_true(hb.requested == 1);
}

static void
late_loop_does_not_drift_or_burst(void **state)
{
	struct heartbeat hb;
	struct rng r;

	(void)state;
	rng_seed(&r, 9);
	hb_init(&hb);
	hb_start(&hb, 1000, at(0), &r);
	int64_t t = hb_deadline(&hb);
	/* The loop wakes 300 ms late: the next beat keeps the rhythm. */
	assert_int_equal(hb_check(&hb, at(t + 300)), HB_SEND);
	assert_int_equal(hb_deadline(&hb), t + 1000);
	hb_ack(&hb, at(t + 310));
	/* Asleep for 5 intervals: one beat, then from now, no burst. */
	assert_int_equal(hb_check(&hb, at(t + 6000)), HB_SEND);
	assert_int_equal(hb_deadline(&hb), t + 7000);
}

static void
stop_keeps_rtt(void **state)
{
	struct heartbeat hb;
	struct rng r;

	(void)state;
	rng_seed(&r, 11);
	hb_init(&hb);
	assert_int_equal(hb.last_rtt_ms, -1);
	hb_start(&hb, 500, at(0), &r);
	int64_t t = hb_deadline(&hb);
	hb_check(&hb, at(t));
	hb_ack(&hb, at(t + 42));
	hb_stop(&hb);
	assert_int_equal(hb.last_rtt_ms, 42);
	assert_true(hb_deadline(&hb) == VTIME_NEVER);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(first_beat_is_jittered_within_interval),
		cmocka_unit_test(beats_every_interval_while_acked),
		cmocka_unit_test(missed_ack_is_zombie_within_two_intervals),
		cmocka_unit_test(server_request_does_not_arm_zombie),
		cmocka_unit_test(late_loop_does_not_drift_or_burst),
		cmocka_unit_test(stop_keeps_rtt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
