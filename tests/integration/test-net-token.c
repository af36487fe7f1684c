/*
 * The token never leaves where the user put it: a real vigil at debug
 * level (curl's own story included) answers pings over REST and resumes
 * after a drop, so the token crosses the wire in an Authorization header,
 * an IDENTIFY and a RESUME; then nothing vigil printed, nothing in its
 * state directory and nothing in its argv holds it.
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

#define TOKEN "NzkyNzE1NDU0MTk2MDg4ODQy.X-hvzA.Ovy4MCQywSkoMRRclStW4xAYK7I"
/* The start of the token's secret part: a line cut short still shows it. */
#define NEEDLE "Ovy4MCQy"

static const char *const sim_args[] = { "--heartbeat-interval", "1000", "--ping-share", "1",
	"--token", TOKEN, NULL };
static const char *const vigil_args[] = { "--log-level", "debug", NULL };

static int
setup(void **state)
{
	static struct netfx f;

	*state = &f;
	return netfx_up(&f, sim_args, "token = " TOKEN "\n", vigil_args);
}

/* Whether the file at path holds the token (a missing file does not). */
static bool
file_holds(const char *path)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "grep -rqaF -- '%s' '%s' 2>/dev/null", NEEDLE, path);
	return system(cmd) == 0;
}

static bool
lines_hold(const struct netv *v)
{
	for (size_t i = 0; i < v->nlines; i++) {
		char *s = json_dumps(v->lines[i], JSON_COMPACT);
		bool found = s != NULL && strstr(s, NEEDLE) != NULL;

		free(s);
		if (found)
			return true;
	}
	return false;
}

static void
token_stays_put(void **state)
{
	struct netfx *f = *state;
	char path[256];
	long long ok0 = netfx_counter(f, "rest_2xx");

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)f->v.pid);
	NET_CHECK(f, !file_holds(path));
	NET_CHECK(f, simproc_set(&f->sim, "{\"chatter\":5}") == 200);
	usleep(600 * 1000);
	NET_CHECK(f, simproc_set(&f->sim, "{\"chatter\":0}") == 200);
	NET_CHECK(f, netfx_fault(f, "{\"fault\":\"drop\"}"));
	NET_CHECK(f, netv_wait(&f->v, 10000, "Connected", "RESUMED") != NULL);
	for (int waited = 0; netfx_counter(f, "rest_2xx") == ok0 && waited < 5000; waited += 100)
		usleep(100 * 1000);
	NET_CHECK(f, netfx_counter(f, "rest_2xx") > ok0);
	NET_CHECK(f, netv_stop(&f->v, SIGTERM, 5000) == 0);
	NET_CHECK(f, netv_count(&f->v, NULL, "Trying 127.0.0.1") > 0);   /* curl's debug was on */
	NET_CHECK(f, !lines_hold(&f->v));
	snprintf(path, sizeof(path), "%s/state", f->v.dir);
	NET_CHECK(f, !file_holds(path));
	snprintf(path, sizeof(path), "%s/config", f->v.dir);
	NET_CHECK(f, file_holds(path));                         /* where the user put it */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(token_stays_put, setup, netfx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
