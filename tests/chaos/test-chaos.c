/*
 * Faults over real sockets: the real `vigil --headless --log-json` against
 * `vigil-sim --chaos N` for a bounded time (CHAOS_SECS, default 20; make
 * chaos runs 300), then a calm, then the invariants, read from vigil's own
 * JSON log and the emulator's counters:
 *
 *   1  never two live connections: the emulator's /_ctl/sessions, polled
 *      all along, never shows two connections in auth or live state;
 *   2  the budget: no token reset, IDENTIFYs within the session limit;
 *   3  no sequence gap: none logged, seq_gaps=0 in the exit stats;
 *   5  every REST message delivered: no request failed (rest_failed=0),
 *      every 2xx the emulator sent reached vigil (rest_ok = rest_2xx), and
 *      after the storm the queue is not wedged: pings sent in the calm are
 *      all answered (chatter is all "!ping", so messages = 2 x answers);
 *   7  nothing in the chaos menu is fatal: vigil never stops;
 * and liveness: Connected again soon after the chaos ends.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../support/net-fixture.h"
#include "../support/chaos-check.h"

#define SESSION_LIMIT 500

static const char *const sim_args[] = {
	"--heartbeat-interval", "1000", "--resume-window", "30s", "--ping-share", "1",
	"--chatter", "2", "--guilds", "3", "--identify-spacing", "1s",
	"--session-limit", "500", NULL,
};

static const char config[] =
    "resume_window = 30s\n"
    "close_timeout = 1s\n"
    "formula = min(a*0.3, 3)\n";

static void
storm(struct netfx *f, int secs, struct chaos_watch *cw)
{
	char body[64];
	time_t end = time(NULL) + secs;

	snprintf(body, sizeof(body), "{\"chaos\":%d}", chaos_rate());
	NET_CHECK(f, simproc_set(&f->sim, body) == 200);
	while (time(NULL) < end) {
		netv_count(&f->v, NULL, NULL);
		NET_CHECK(f, chaos_watch_sessions(&f->sim, cw) == 0);
		usleep(200 * 1000);
	}
	NET_CHECK(f, simproc_set(&f->sim, "{\"chaos\":0,\"chatter\":0}") == 200);
	NET_CHECK(f, netfx_fault(f, "{\"fault\":\"clear\"}"));
}

static void
chaos_over_loopback(void **state)
{
	struct netfx *f = *state;
	struct chaos_watch cw = { 0 };
	int secs = chaos_secs(20);

	storm(f, secs, &cw);
	NET_CHECK(f, chaos_connected(&f->v, 30000));
	NET_CHECK(f, chaos_rest_drains(&f->sim, 20000));
	NET_CHECK(f, chaos_pings_answered(&f->sim, &f->v, 15000));
	NET_CHECK(f, netv_stop(&f->v, SIGTERM, 5000) == 0);
	chaos_report(&f->sim, &f->v, &cw, secs, chaos_rate(), "loopback");
	NET_CHECK(f, chaos_invariants(&f->sim, &f->v, SESSION_LIMIT) == 0);
}

static int
setup(void **state)
{
	static struct netfx f;

	*state = &f;
	return netfx_up(&f, sim_args, config, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(chaos_over_loopback, setup, netfx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
