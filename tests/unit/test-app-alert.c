/*
 * The alert policy over virtual time: a quick resume pages nobody, a long
 * outage pages once after alert_after and once when it ends (with the
 * downtime and how it came back), an operator's quit is no outage, the
 * other kinds fire on their rising edge, one alert per kind per interval
 * with the rest folded into the next (with a count), and the queue drops
 * its oldest when full.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "app/alert.h"

#define W0 1700000000000LL

static struct vtime
at(int64_t ms)
{
	struct vtime t = { 100000 + ms, W0 + ms };

	return t;
}

static struct alert_view
view(enum bot_state s)
{
	struct alert_view v;

	memset(&v, 0, sizeof(v));
	v.state = s;
	snprintf(v.last_reason, sizeof(v.last_reason), "connection dropped");
	return v;
}

static struct alerts *
fresh(void)
{
	struct alerts *al = calloc(1, sizeof(*al));

	assert_non_null(al);
	alerts_init(al, 30 * MS_PER_S, 5 * MS_PER_MIN);
	return al;
}

static void
test_quick_resume_pages_nobody(void **state)
{
	struct alerts *al = fresh();
	struct alert_view up = view(BOT_CONNECTED), down = view(BOT_RESUMING);

	(void)state;
	alerts_observe(al, &up, at(0));
	alerts_observe(al, &down, at(1000));
	assert_int_equal(alerts_deadline(al), at(31000).mono_ms);
	alerts_observe(al, &down, at(30999));
	up.resumed = true;
	alerts_observe(al, &up, at(31000 - 1));
	assert_null(alerts_peek(al));
	assert_int_equal(al->raised, 0);
	free(al);
}

static void
test_outage_pages_down_then_up(void **state)
{
	struct alerts *al = fresh();
	struct alert_view up = view(BOT_CONNECTED), down = view(BOT_DISCONNECTED);
	const struct alert_msg *m;

	(void)state;
	alerts_observe(al, &up, at(0));
	alerts_observe(al, &down, at(1000));
	alerts_observe(al, &down, at(31000));
	m = alerts_peek(al);
	assert_non_null(m);
	assert_int_equal(m->kind, ALERT_DOWN);
	assert_non_null(strstr(m->text, "disconnected for 30s"));
	assert_string_equal(m->state, "Disconnected");
	alerts_pop(al);
	alerts_observe(al, &down, at(60000));
	assert_null(alerts_peek(al));           /* one DOWN per outage */
	alerts_observe(al, &up, at(73000));
	m = alerts_peek(al);
	assert_non_null(m);
	assert_int_equal(m->kind, ALERT_UP);
	assert_non_null(strstr(m->text, "back online after 72s down (a new session)"));
	free(al);
}

static void
test_operator_quit_is_no_outage(void **state)
{
	struct alerts *al = fresh();
	struct alert_view up = view(BOT_CONNECTED), quit = view(BOT_DISCONNECTED);

	(void)state;
	quit.stopped = quit.operator_stop = true;
	alerts_observe(al, &up, at(0));
	alerts_observe(al, &quit, at(1000));
	alerts_observe(al, &quit, at(100000));
	assert_null(alerts_peek(al));
	free(al);
}

static void
test_edges(void **state)
{
	struct alerts *al = fresh();
	struct alert_view v = view(BOT_CONNECTED);
	int kinds[ALERT_KINDS] = { 0 };

	(void)state;
	alerts_observe(al, &v, at(0));
	v.banned = true;
	alerts_observe(al, &v, at(10));
	alerts_observe(al, &v, at(20));         /* still banned: no second */
	v.budget_wait = true;
	alerts_observe(al, &v, at(30));
	v.unauthorized = true;
	alerts_observe(al, &v, at(40));
	v.cluster_wait = true;
	alerts_observe(al, &v, at(45));
	alerts_observe(al, &v, at(46));         /* still waiting: no second */
	alerts_raise(al, ALERT_SCRIPT, at(50), "Connected", 0, "bot greeter disabled", "greeter");
	while (alerts_peek(al) != NULL) {
		kinds[alerts_peek(al)->kind]++;
		alerts_pop(al);
	}
	assert_int_equal(kinds[ALERT_BAN], 1);
	assert_int_equal(kinds[ALERT_BUDGET], 1);
	assert_int_equal(kinds[ALERT_FATAL], 1);
	assert_int_equal(kinds[ALERT_SCRIPT], 1);
	assert_int_equal(kinds[ALERT_CLUSTER], 1);
	free(al);
}

static void
test_folding(void **state)
{
	struct alerts *al = fresh();
	const struct alert_msg *m;

	(void)state;
	for (int i = 0; i < 5; i++)
		alerts_raise(al, ALERT_SCRIPT, at(i * 1000), "Connected", 0, "disabled", NULL);
	assert_int_equal(al->count, 1);         /* the first goes, four are folded */
	alerts_pop(al);
	assert_int_equal(alerts_deadline(al), at(5 * MS_PER_MIN).mono_ms);
	struct alert_view v = view(BOT_CONNECTED);
	alerts_observe(al, &v, at(5 * MS_PER_MIN - 1));
	assert_null(alerts_peek(al));
	alerts_observe(al, &v, at(5 * MS_PER_MIN));
	m = alerts_peek(al);
	assert_non_null(m);
	assert_int_equal(m->folded, 3);         /* the latest, with three more */
	assert_int_equal(m->mono_ms, at(4000).mono_ms);
	alerts_pop(al);
	/* Another kind is not held back by this one. */
	alerts_raise(al, ALERT_BAN, at(5 * MS_PER_MIN + 1), "Connected", 0, "ban", NULL);
	assert_non_null(alerts_peek(al));
	free(al);
}

static void
test_queue_bounded(void **state)
{
	struct alerts *al = fresh();

	(void)state;
	al->interval_ms = 1;
	for (int i = 0; i < ALERT_QUEUE + 5; i++)
		alerts_raise(al, ALERT_SCRIPT, at(i * 10), "Connected", 0, "x", NULL);
	assert_int_equal(al->count, ALERT_QUEUE);
	assert_int_equal(al->dropped, 5);
	assert_int_equal(alerts_peek(al)->mono_ms, at(50).mono_ms);  /* the oldest went */
	free(al);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quick_resume_pages_nobody),
		cmocka_unit_test(test_outage_pages_down_then_up),
		cmocka_unit_test(test_operator_quit_is_no_outage),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_folding),
		cmocka_unit_test(test_queue_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
