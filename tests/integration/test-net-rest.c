/*
 * REST over real sockets: "!ping" is answered "Pong!" through the
 * rate-limit queue, and through a storm of 429s every answer still gets
 * delivered, with no more 429s than one per bucket window.
 *
 * The emulator's chatter is all "!ping" here, so every message it creates
 * is a ping or vigil's answer: once quiet, messages = 2 x answers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../support/net-fixture.h"

/* Three guilds: three #bot-commands, three buckets of 5 per 5 s. */
#define GUILDS 3
static const char *const sim_args[] = { "--heartbeat-interval", "1000", "--ping-share", "1",
	"--guilds", "3", NULL };

static int
setup(void **state)
{
	static struct netfx f;

	*state = &f;
	return netfx_up(&f, sim_args, "", NULL);
}

/* Waits (bounded) until every ping since `m0` messages has its answer. */
static bool
all_answered(struct netfx *f, long long m0, long long ok0, int timeout_ms, long long *pings)
{
	for (int waited = 0; waited <= timeout_ms; waited += 100) {
		long long m = netfx_counter(f, "messages_created") - m0;
		long long answers = netfx_counter(f, "rest_2xx") - ok0;
		if (m > 0 && m == 2 * answers) {
			*pings = answers;
			return true;
		}
		usleep(100 * 1000);
	}
	return false;
}

static void
ping_answered(void **state)
{
	struct netfx *f = *state;
	long long m0 = netfx_counter(f, "messages_created"), ok0 = netfx_counter(f, "rest_2xx");
	long long pings = 0;

	NET_CHECK(f, simproc_set(&f->sim, "{\"chatter\":10}") == 200);
	usleep(800 * 1000);
	NET_CHECK(f, simproc_set(&f->sim, "{\"chatter\":0}") == 200);
	/* A channel that got more than 5 waits for its bucket to reset. */
	NET_CHECK(f, all_answered(f, m0, ok0, 7000, &pings));
	NET_CHECK(f, pings >= 2);
	NET_CHECK(f, netv_stop(&f->v, SIGTERM, 5000) == 0);
	NET_CHECK(f, netv_stat(&f->v, "rest_failed") == 0);
}

static void
storm_429_delivers(void **state)
{
	struct netfx *f = *state;
	long long m0 = netfx_counter(f, "messages_created"), ok0 = netfx_counter(f, "rest_2xx");
	long long pings = 0, hits;

	NET_CHECK(f, netfx_fault(f, "{\"fault\":\"rest_429\",\"secs\":2,\"retry_after\":1}"));
	NET_CHECK(f, simproc_set(&f->sim, "{\"chatter\":6}") == 200);
	usleep(1500 * 1000);
	NET_CHECK(f, simproc_set(&f->sim, "{\"chatter\":0}") == 200);
	NET_CHECK(f, all_answered(f, m0, ok0, 9000, &pings));
	NET_CHECK(f, pings >= 3);
	/* At most one 429 per bucket per retry_after window (2 s / 1 s, plus
	 * the window the storm ends in), never one per queued message. */
	hits = netfx_counter(f, "rest_429");
	NET_CHECK(f, hits >= 1 && hits <= GUILDS * 3);
	NET_CHECK(f, netv_stop(&f->v, SIGTERM, 5000) == 0);
	NET_CHECK(f, netv_stat(&f->v, "rest_failed") == 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(ping_answered, setup, netfx_teardown),
		cmocka_unit_test_setup_teardown(storm_429_delivers, setup, netfx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
