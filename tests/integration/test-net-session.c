/*
 * The session over real sockets: vigil --headless against vigil-sim on
 * loopback. READY; an abrupt drop resumes with the missed events replayed
 * and no sequence gap; op 7 resumes; op 9 (not resumable) starts a new
 * session after 1-5 s; a restart resumes instead of identifying; --logout
 * ends the session; zlib-stream and zstd-stream each carry a resume with
 * events replayed.
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

static const char *const sim_args[] = { "--heartbeat-interval", "1000", "--resume-window", "30s",
	NULL };
static const char config[] = "resume_window = 30s\nclose_timeout = 1s\n";

static int
setup(void **state)
{
	static struct netfx f;

	*state = &f;
	return netfx_up(&f, sim_args, config, NULL);
}

/* Quits with SIGTERM and checks the exit line's counters. */
static void
quit_and_check(struct netfx *f, long long identifies, long long wipes)
{
	NET_CHECK(f, netv_stop(&f->v, SIGTERM, 5000) == 0);
	NET_CHECK(f, netv_stat(&f->v, "seq_gaps") == 0);
	NET_CHECK(f, netv_stat(&f->v, "identifies") == identifies);
	NET_CHECK(f, netv_stat(&f->v, "cache_wipes") == wipes);
	NET_CHECK(f, netfx_counter(f, "identifies") == identifies);
}

static void
drop_resumes(void **state)
{
	struct netfx *f = *state;

	/* Chatter, and a refused first resume, so there is something to replay. */
	NET_CHECK(f, simproc_set(&f->sim, "{\"chatter\":30}") == 200);
	usleep(300 * 1000);
	NET_CHECK(f, netfx_fault(f, "{\"fault\":\"refuse\",\"secs\":0.5}"));
	NET_CHECK(f, netfx_fault(f, "{\"fault\":\"drop\"}"));
	NET_CHECK(f, netv_wait(&f->v, 3000, "Disconnected", "dropped") != NULL);
	NET_CHECK(f, netv_wait(&f->v, 8000, "Connected", "RESUMED") != NULL);
	NET_CHECK(f, netfx_counter(f, "resumes") >= 1);
	NET_CHECK(f, netfx_counter(f, "events_replayed") > 0);
	usleep(300 * 1000);
	quit_and_check(f, 1, 1);
	NET_CHECK(f, netv_stat(&f->v, "guilds") > 0);
}

static void
op7_resumes(void **state)
{
	struct netfx *f = *state;

	NET_CHECK(f, netfx_fault(f, "{\"fault\":\"reconnect\"}"));
	NET_CHECK(f, netv_wait(&f->v, 3000, NULL, "op 7") != NULL);
	NET_CHECK(f, netv_wait(&f->v, 5000, "Connected", "RESUMED") != NULL);
	quit_and_check(f, 1, 1);
}

static void
op9_new_session(void **state)
{
	struct netfx *f = *state;
	json_t *op9, *identify;
	double dt;

	NET_CHECK(f, netfx_fault(f, "{\"fault\":\"invalid_session\",\"resumable\":false}"));
	op9 = netv_wait(&f->v, 3000, NULL, "op 9: invalid session (not resumable)");
	NET_CHECK(f, op9 != NULL);
	identify = netv_wait(&f->v, 8000, NULL, "IDENTIFY");
	NET_CHECK(f, identify != NULL);
	dt = netv_time(identify) - netv_time(op9);
	/* 1-5 s after op 9, or when the identify spacing (5 s + 250 ms from
	 * the first IDENTIFY, moments before the fault) allows. */
	NET_CHECK(f, dt >= 0.95 && dt <= 5.45);
	NET_CHECK(f, netv_wait(&f->v, 5000, "Connected", "READY") != NULL);
	/* Charged once more, and the cache wiped once more. */
	quit_and_check(f, 2, 2);
}

static void
restart_resumes(void **state)
{
	struct netfx *f = *state;

	NET_CHECK(f, netv_stop(&f->v, SIGTERM, 5000) == 0);
	NET_CHECK(f, netv_restart(&f->v, f->api, config, NULL) == 0);
	NET_CHECK(f, netv_wait(&f->v, 5000, "Resuming", "restart") != NULL);
	NET_CHECK(f, netv_wait(&f->v, 5000, "Connected", "RESUMED") != NULL);
	NET_CHECK(f, netfx_counter(f, "identifies") == 1);
	NET_CHECK(f, netv_stop(&f->v, SIGTERM, 5000) == 0);
}

static void
logout_forgets(void **state)
{
	static const char *const logout[] = { "--logout", NULL };
	struct netfx *f = *state;

	NET_CHECK(f, netv_stop(&f->v, SIGTERM, 5000) == 0);
	NET_CHECK(f, netv_restart(&f->v, f->api, config, logout) == 0);
	NET_CHECK(f, netv_wait(&f->v, 5000, "Connected", "RESUMED") != NULL);
	NET_CHECK(f, netv_wait(&f->v, 5000, NULL, "logout") != NULL);
	NET_CHECK(f, netv_stop(&f->v, 0, 5000) == 0);
	/* The next start has no session to resume: a new one. */
	NET_CHECK(f, netv_restart(&f->v, f->api, config, NULL) == 0);
	/* The first IDENTIFY was moments ago: its spacing (5 s + 250 ms)
	 * comes first. */
	NET_CHECK(f, netv_wait(&f->v, 8000, "Connected", "READY") != NULL);
	NET_CHECK(f, netfx_counter(f, "identifies") == 2);
}

/* compress = name: debug level, to see the connection's open line. */
static int
setup_compressed(void **state, const char *name)
{
	static struct netfx f;
	static char zconfig[96];
	static const char *const debug[] = { "--log-level", "debug", NULL };

	snprintf(zconfig, sizeof(zconfig), "resume_window = 30s\ncompress = %s\n", name);
	*state = &f;
	return netfx_up(&f, sim_args, zconfig, debug);
}

static int
setup_zlib(void **state)
{
	return setup_compressed(state, "true");    /* the old boolean: zlib-stream */
}

static int
setup_zstd(void **state)
{
	return setup_compressed(state, "zstd-stream");
}

/* A drop with a refused first resume, so events are replayed, all through
 * transport compression `name`. */
static void
compressed(struct netfx *f, const char *name)
{
	char open_line[48], broken[48];

	snprintf(open_line, sizeof(open_line), "(plain, %s)", name);
	snprintf(broken, sizeof(broken), "%s broken", name);
	NET_CHECK(f, netv_count(&f->v, NULL, open_line) == 1);
	NET_CHECK(f, simproc_set(&f->sim, "{\"chatter\":50}") == 200);
	usleep(500 * 1000);
	NET_CHECK(f, netfx_fault(f, "{\"fault\":\"refuse\",\"secs\":0.5}"));
	NET_CHECK(f, netfx_fault(f, "{\"fault\":\"drop\"}"));
	NET_CHECK(f, netv_wait(&f->v, 5000, "Connected", "RESUMED") != NULL);
	NET_CHECK(f, netfx_counter(f, "events_replayed") > 0);
	usleep(300 * 1000);
	quit_and_check(f, 1, 1);
	NET_CHECK(f, netv_stat(&f->v, "events") > 10);
	NET_CHECK(f, netv_stat(&f->v, "malformed") == 0);
	NET_CHECK(f, netv_count(&f->v, NULL, open_line) == 2);
	NET_CHECK(f, netv_count(&f->v, NULL, broken) == 0);
}

static void
zlib_stream(void **state)
{
	compressed(*state, "zlib-stream");
}

static void
zstd_stream(void **state)
{
	compressed(*state, "zstd-stream");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(drop_resumes, setup, netfx_teardown),
		cmocka_unit_test_setup_teardown(op7_resumes, setup, netfx_teardown),
		cmocka_unit_test_setup_teardown(op9_new_session, setup, netfx_teardown),
		cmocka_unit_test_setup_teardown(restart_resumes, setup, netfx_teardown),
		cmocka_unit_test_setup_teardown(logout_forgets, setup, netfx_teardown),
		cmocka_unit_test_setup_teardown(zlib_stream, setup_zlib, netfx_teardown),
		cmocka_unit_test_setup_teardown(zstd_stream, setup_zstd, netfx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
