/*
 * Faults over real sockets: a zombie connection is caught within two
 * heartbeat intervals; a black hole is caught and left; 4004 stops vigil
 * with a clear message and no retry; refused connections are retried after
 * the delays the formula gives; with no session start left vigil waits
 * instead of identifying; a malformed frame is logged and counted, a
 * message over 16 MB is dropped, and neither costs the connection.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../support/net-fixture.h"

#define HB_MS 500

static const char *const sim_args[] = { "--heartbeat-interval", "500", "--resume-window", "30s",
	NULL };
static const char config[] =
    "resume_window = 30s\n"
    "close_timeout = 1s\n"
    "# refused attempts wait a*0.2 s: 200, 400, 600 ms ...\n"
    "formula = a*0.2\n";

static int
setup(void **state)
{
	static struct netfx f;

	*state = &f;
	return netfx_up(&f, sim_args, config, NULL);
}

static void
zombie_caught(void **state)
{
	struct netfx *f = *state;
	double t0 = netfx_wall();
	json_t *z;

	NET_CHECK(f, netfx_fault(f, "{\"fault\":\"zombie\"}"));
	z = netv_wait(&f->v, 3000, NULL, "zombie");
	NET_CHECK(f, z != NULL);
	/* Within two intervals of the last ACK; the fault came after it. */
	NET_CHECK(f, netv_time(z) - t0 <= 2 * HB_MS / 1000.0 + 0.15);
	NET_CHECK(f, netv_wait(&f->v, 5000, "Connected", "RESUMED") != NULL);
	NET_CHECK(f, netfx_counter(f, "identifies") == 1);
}

static void
blackhole_caught(void **state)
{
	struct netfx *f = *state;
	double t0 = netfx_wall();
	json_t *z, *r;

	NET_CHECK(f, netfx_fault(f, "{\"fault\":\"blackhole\"}"));
	z = netv_wait(&f->v, 3000, "Disconnected", NULL);
	NET_CHECK(f, z != NULL);
	NET_CHECK(f, netv_time(z) - t0 <= 2 * HB_MS / 1000.0 + 0.15);
	/* The close handshake cannot finish in a black hole: vigil drops it. */
	r = netv_wait(&f->v, 6000, "Connected", "RESUMED");
	NET_CHECK(f, r != NULL);
	NET_CHECK(f, netv_time(r) - t0 <= 4.0);
	NET_CHECK(f, netfx_counter(f, "identifies") == 1);
}

/* With heartbeats far apart, lws's idle policy is what notices: a PING
 * after 1 s of silence, a hang-up when no PONG comes by 2 s. */
static int
setup_idle(void **state)
{
	static struct netfx f;
	static const char *const slow[] = { "--heartbeat-interval", "60000", NULL };
	static const char idle[] = "resume_window = 30s\nclose_timeout = 1s\nws_ping = 1\nws_hangup = 2\n";

	*state = &f;
	return netfx_up(&f, slow, idle, NULL);
}

/* Heartbeats far apart: producing 19 MB in the emulator cannot turn into
 * a zombie verdict. */
static int
setup_slow(void **state)
{
	static struct netfx f;
	static const char *const slow[] = { "--heartbeat-interval", "60000", NULL };

	*state = &f;
	return netfx_up(&f, slow, config, NULL);
}

static void
blackhole_idle_policy(void **state)
{
	struct netfx *f = *state;
	double t0 = netfx_wall();
	json_t *d;

	NET_CHECK(f, netfx_fault(f, "{\"fault\":\"blackhole\"}"));
	d = netv_wait(&f->v, 5000, "Disconnected", "dropped");
	NET_CHECK(f, d != NULL);
	NET_CHECK(f, netv_time(d) - t0 <= 3.5);
	NET_CHECK(f, netv_wait(&f->v, 5000, "Connected", "RESUMED") != NULL);
	NET_CHECK(f, netv_count(&f->v, NULL, "zombie") == 0);
}

static void
close_4004_stops(void **state)
{
	struct netfx *f = *state;

	NET_CHECK(f, netfx_fault(f, "{\"fault\":\"close\",\"code\":4004}"));
	NET_CHECK(f, netv_wait(&f->v, 3000, NULL, "4004 authentication failed") != NULL);
	NET_CHECK(f, netv_wait(&f->v, 3000, NULL, "stopped, not reconnecting") != NULL);
	/* Headless: nothing can restart it, so it exits with a failure. */
	NET_CHECK(f, netv_stop(&f->v, 0, 5000) == 1);
	NET_CHECK(f, netv_count(&f->v, NULL, "attempt 2") == 0);
	NET_CHECK(f, netfx_counter(f, "identifies") == 1);
	NET_CHECK(f, netfx_counter(f, "connections") == 1);
}

/* Every "next attempt (N) in X ms" says formula(N - 1) = (N - 1) * 200. */
static void
check_delays(struct netfx *f, int *seen)
{
	*seen = 0;
	for (size_t i = 0; i < f->v.nlines; i++) {
		const char *m = json_string_value(json_object_get(f->v.lines[i], "msg"));
		int n;
		long long ms;
		if (m == NULL || sscanf(m, "next attempt (%d) in %lld ms", &n, &ms) != 2)
			continue;
		if (ms != (long long)(n - 1) * 200) {
			netv_dump(&f->v);
			fail_msg("attempt %d waited %lld ms, the formula says %d", n, ms, (n - 1) * 200);
		}
		(*seen)++;
	}
}

static void
refused_follows_formula(void **state)
{
	struct netfx *f = *state;
	int seen;

	NET_CHECK(f, netfx_fault(f, "{\"fault\":\"refuse\",\"secs\":1.5}"));
	NET_CHECK(f, netfx_fault(f, "{\"fault\":\"drop\"}"));
	NET_CHECK(f, netv_wait(&f->v, 8000, "Connected", "RESUMED") != NULL);
	check_delays(f, &seen);
	/* 0, 0.2, 0.6, 1.2 s refused; 2.0 s gets through. */
	NET_CHECK(f, seen >= 3);
	NET_CHECK(f, netfx_counter(f, "refused") >= 3);
	NET_CHECK(f, netfx_counter(f, "identifies") == 1);
}

static int
setup_no_budget(void **state)
{
	static struct netfx f;
	static const char *const args[] = { "--session-remaining", "0", NULL };

	*state = &f;
	memset(&f, 0, sizeof(f));
	f.v.pid = -1;
	f.v.out = -1;
	if (simproc_start(&f.sim, args) < 0)
		return -1;
	f.sim_up = true;
	snprintf(f.api, sizeof(f.api), "%s/api", f.sim.base);
	return netv_start(&f.v, f.api, config, NULL);
}

static void
budget_exhausted_waits(void **state)
{
	struct netfx *f = *state;

	NET_CHECK(f, netv_wait(&f->v, 10000, NULL, "waiting") != NULL);
	usleep(1000 * 1000);
	NET_CHECK(f, netv_count(&f->v, NULL, "IDENTIFY") == 0);
	NET_CHECK(f, netfx_counter(f, "identifies") == 0);
	NET_CHECK(f, netfx_counter(f, "connections") == 0);
	NET_CHECK(f, netv_stop(&f->v, SIGTERM, 5000) == 0);
}

static void
malformed_and_oversize(void **state)
{
	struct netfx *f = *state;

	/* Logged with an excerpt and counted, never fatal. */
	NET_CHECK(f, netfx_fault(f, "{\"fault\":\"malformed\"}"));
	NET_CHECK(f, netv_wait(&f->v, 3000, NULL, "malformed frame") != NULL);
	/* 2 MB is reassembled and handled: the event after it follows its seq
	 * with no gap. Over 16 MB is dropped whole, and nothing follows it, so
	 * its lost seq shows no gap either. */
	NET_CHECK(f, netfx_fault(f, "{\"fault\":\"oversize\",\"bytes\":2000000}"));
	NET_CHECK(f, netfx_fault(f, "{\"fault\":\"burst\",\"count\":1}"));
	NET_CHECK(f, netfx_fault(f, "{\"fault\":\"oversize\",\"bytes\":17000000}"));
	NET_CHECK(f, netv_wait(&f->v, 8000, NULL, "message over 16777216 bytes dropped") != NULL);
	NET_CHECK(f, netv_stop(&f->v, SIGTERM, 5000) == 0);
	NET_CHECK(f, netv_count(&f->v, "Disconnected", NULL) == 1);   /* the quit */
	NET_CHECK(f, netv_stat(&f->v, "malformed") == 1);
	NET_CHECK(f, netv_stat(&f->v, "seq_gaps") == 0);
	NET_CHECK(f, netv_stat(&f->v, "messages") == 1);
	NET_CHECK(f, netfx_counter(f, "identifies") == 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(zombie_caught, setup, netfx_teardown),
		cmocka_unit_test_setup_teardown(blackhole_caught, setup, netfx_teardown),
		cmocka_unit_test_setup_teardown(blackhole_idle_policy, setup_idle, netfx_teardown),
		cmocka_unit_test_setup_teardown(close_4004_stops, setup, netfx_teardown),
		cmocka_unit_test_setup_teardown(refused_follows_formula, setup, netfx_teardown),
		cmocka_unit_test_setup_teardown(budget_exhausted_waits, setup_no_budget, netfx_teardown),
		cmocka_unit_test_setup_teardown(malformed_and_oversize, setup_slow, netfx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
