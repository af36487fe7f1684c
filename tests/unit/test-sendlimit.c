/* The gateway send limiter: 120/60 s with room for heartbeats. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "bot/sendlimit.h"

static struct vtime
at(int64_t ms)
{
	return (struct vtime){ .mono_ms = ms, .wall_ms = ms };
}

static void
reserve_follows_interval(void **state)
{
	struct sendlimit sl;

	(void)state;
	sendlimit_reset(&sl, 41250);
	assert_int_equal(sl.reserve, 3);        /* ceil(60/41.25) + 1 */
	sendlimit_reset(&sl, 1000);
	assert_int_equal(sl.reserve, 60);       /* capped at half */
	sendlimit_reset(&sl, 0);
	assert_int_equal(sl.reserve, 3);
}

static void
ordinary_sends_leave_room_for_heartbeats(void **state)
{
	struct sendlimit sl;
	int ordinary = 0;

	(void)state;
	sendlimit_reset(&sl, 41250);
	/* Everything at t=1000: ordinary payloads stop at 117. */
	while (sendlimit_next(&sl, at(1000), false) <= 1000) {
		sendlimit_record(&sl, at(1000));
		ordinary++;
	}
	assert_int_equal(ordinary, 117);
	/* Priority payloads still go, up to 120 in all. */
	for (int i = 0; i < 3; i++) {
		assert_true(sendlimit_next(&sl, at(1000), true) <= 1000);
		sendlimit_record(&sl, at(1000));
	}
	assert_int_equal(sendlimit_used(&sl, at(1000)), 120);
	assert_true(sendlimit_next(&sl, at(1000), true) == 61000);
}

static void
window_slides(void **state)
{
	struct sendlimit sl;

	(void)state;
	sendlimit_reset(&sl, 41250);
	for (int i = 0; i < 120; i++)
		sendlimit_record(&sl, at(i * 100));     /* 0 .. 11900 */
	assert_int_equal(sendlimit_used(&sl, at(11900)), 120);
	/* The oldest send (t=0) leaves the window at 60000. */
	assert_true(sendlimit_next(&sl, at(11900), true) == 60000);
	/* Ordinary payloads need 4 to leave: the 4th oldest is t=300. */
	assert_true(sendlimit_next(&sl, at(11900), false) == 60300);
	assert_int_equal(sendlimit_used(&sl, at(60000)), 119);
	assert_int_equal(sendlimit_used(&sl, at(71900)), 0);
}

static void
never_more_than_120_in_any_window(void **state)
{
	struct sendlimit sl;
	int64_t sent[2000];
	int n = 0;

	(void)state;
	sendlimit_reset(&sl, 1000);
	/* A greedy sender that always sends as soon as allowed. */
	for (int64_t t = 0; t < 300000 && n < 2000; t += 7) {
		bool pri = (t / 7) % 5 == 0;
		if (sendlimit_next(&sl, at(t), pri) <= t) {
			sendlimit_record(&sl, at(t));
			sent[n++] = t;
		}
	}
	for (int i = 0; i < n; i++) {
		int in = 0;
		for (int j = i; j < n && sent[j] < sent[i] + SENDLIMIT_WINDOW_MS; j++)
			in++;
		assert_true(in <= SENDLIMIT_MAX);
	}
	assert_true(n > 500);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reserve_follows_interval),
		cmocka_unit_test(ordinary_sends_leave_room_for_heartbeats),
		cmocka_unit_test(window_slides),
		cmocka_unit_test(never_more_than_120_in_any_window),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
