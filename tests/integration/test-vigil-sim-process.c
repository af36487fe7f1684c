/*
 * vigil-sim as a program: --help covers every flag and fault, the JSON
 * line, exit codes for bad flags and for SIGINT/SIGTERM, a scenario file,
 * chaos mode, the address it listens on (127.0.0.1 only, or --bind's), and
 * a large burst delivered whole, plain and zlib-stream compressed. How fast
 * is `make bench`'s business (bench/run.sh bursts at vigil itself).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../support/sim-proc.h"
#include "../support/ws-client.h"
#include "sim/sim.h"

#define WAIT 3000
#define IDENTIFY "{\"op\":2,\"d\":{\"token\":\"sim-token\",\"intents\":513," \
	"\"properties\":{\"os\":\"linux\",\"browser\":\"t\",\"device\":\"t\"}}}"

static const char *
sim_path(void)
{
	static char path[512];
	const char *dir = getenv("VIGIL_BUILD");

	snprintf(path, sizeof(path), "%s/vigil-sim", dir != NULL ? dir :
	    "build");
	return path;
}

/* Runs vigil-sim with one argument; its exit status; output into buf. */
static int
run(const char *arg, char *buf, size_t len)
{
	char cmd[1024];
	FILE *p;
	size_t n;
	int status;

	snprintf(cmd, sizeof(cmd), "%s %s 2>&1", sim_path(), arg);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(buf, 1, len - 1, p);
	buf[n] = '\0';
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
test_help_documents_everything(void **state)
{
	static char out[65536];
	const struct sim_setting *st;
	char flag[80];
	json_t *cat, *f;
	size_t n, i, k;

	(void)state;
	assert_int_equal(run("--help", out, sizeof(out)), 0);
	st = sim_settings(&n);
	for (i = 0; i < n; i++) {
		snprintf(flag, sizeof(flag), "--%s ", st[i].name);
		for (k = 2; flag[k] != '\0'; k++)
			flag[k] = flag[k] == '_' ? '-' : flag[k];
		if (strstr(out, flag) == NULL)
			fail_msg("--help lacks %s", flag);
	}
	cat = sim_fault_catalog();
	json_array_foreach(cat, i, f) {
		snprintf(flag, sizeof(flag), "  %s", json_string_value(
		    json_object_get(f, "name")));
		if (strstr(out, flag) == NULL)
			fail_msg("--help lacks fault %s", flag + 2);
	}
	json_decref(cat);
	assert_non_null(strstr(out, "--scenario"));
	assert_non_null(strstr(out, "--port"));
	assert_non_null(strstr(out, "--bind"));
}

/* Whether a TCP connection to addr:port is accepted. */
static bool
reachable(const char *addr, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), rc;

	assert_true(fd >= 0);
	assert_int_equal(inet_pton(AF_INET, addr, &sa.sin_addr), 1);
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return rc == 0;
}

/*
 * The control API has no authentication: the emulator must listen on its
 * one address. lws used to open an IPv6 socket on every address whatever
 * the vhost's iface said (found by tests/chaos, which binds a veth address).
 */
static void
test_listens_on_one_address(void **state)
{
	static const char *const bind2[] = { "--bind", "127.0.0.2", NULL };
	struct simproc sp;

	(void)state;
	assert_int_equal(simproc_start(&sp, NULL), 0);
	assert_true(reachable("127.0.0.1", sp.port));
	assert_false(reachable("127.0.0.2", sp.port));
	simproc_stop(&sp);
	assert_int_equal(simproc_start(&sp, bind2), 0);
	assert_true(reachable("127.0.0.2", sp.port));
	assert_false(reachable("127.0.0.1", sp.port));
	simproc_stop(&sp);
}

static void
test_bad_flags(void **state)
{
	char out[4096];

	(void)state;
	assert_int_equal(run("--nope", out, sizeof(out)), 2);
	assert_int_equal(run("--heartbeat-interval fast", out, sizeof(out)),
	    2);
	assert_non_null(strstr(out, "heartbeat_interval"));
	assert_int_equal(run("--bind localhost", out, sizeof(out)), 2);
	assert_non_null(strstr(out, "--bind"));
	assert_int_equal(run("--guilds 500", out, sizeof(out)), 2);
	assert_non_null(strstr(out, "out of range"));
	assert_int_equal(run("--scenario /nonexistent/file", out,
	    sizeof(out)), 1);
	assert_non_null(strstr(out, "scenario"));
}

static void
test_announce_and_signals(void **state)
{
	struct simproc sp;
	json_t *j;

	(void)state;
	assert_int_equal(simproc_start(&sp, NULL), 0);
	j = simproc_get(&sp, "/_ctl/settings");
	assert_non_null(j);
	json_decref(j);
	/* SIGINT ends it as cleanly as SIGTERM does (on its own: a SIGTERM
	 * after it would hide a SIGINT that did nothing). */
	assert_int_equal(simproc_signal(&sp, SIGINT), 0);
}

static void
test_scenario_file(void **state)
{
	static const char *args[] = { "--scenario", NULL, NULL };
	char path[] = "/tmp/vigil-sim-scenario-XXXXXX";
	struct simproc sp;
	struct wsc *c;
	json_t *j;
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("# test day\n0.4s heartbeat_request\n+0.2s close 4000\n", f);
	fclose(f);
	args[1] = path;
	assert_int_equal(simproc_start(&sp, args), 0);
	unlink(path);
	c = wsc_connect(sp.port, "/?v=10", WAIT);
	assert_non_null(c);
	wsc_send(c, IDENTIFY);
	j = wsc_wait_op(c, 1, WAIT);
	assert_non_null(j);
	json_decref(j);
	assert_int_equal(wsc_wait_closed(c, WAIT), 4000);
	wsc_free(c);
	assert_int_equal(simproc_counter(&sp, "scenario_fired"), 2);
	assert_int_equal(simproc_stop(&sp), 0);
}

static void
test_chaos(void **state)
{
	static const char *const args[] = { "--chaos", "600", "--seed", "3",
	    NULL };
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	struct simproc sp;
	struct wsc *c;
	int i;

	(void)state;
	assert_int_equal(simproc_start(&sp, args), 0);
	c = wsc_connect(sp.port, "/?v=10", WAIT);
	if (c != NULL)
		wsc_send(c, IDENTIFY);
	for (i = 0; i < 40 && simproc_counter(&sp, "chaos_fired") < 3; i++)
		nanosleep(&ts, NULL);
	assert_true(simproc_counter(&sp, "chaos_fired") >= 3);
	wsc_free(c);
	assert_int_equal(simproc_stop(&sp), 0);
}

static void
burst(const char *path, unsigned long n)
{
	struct simproc sp;
	struct wsc *c;
	char body[128];
	unsigned long base;
	int i;

	assert_int_equal(simproc_start(&sp, NULL), 0);
	c = wsc_connect(sp.port, path, WAIT);
	assert_non_null(c);
	wsc_send(c, IDENTIFY);
	json_decref(wsc_wait_dispatch(c, "READY", WAIT));
	wsc_pump(c, 100, false);
	base = wsc_messages(c);
	snprintf(body, sizeof(body), "{\"fault\":\"burst\",\"count\":%lu}", n);
	assert_int_equal(simproc_fault(&sp, body), 200);
	for (i = 0; i < 200 && wsc_messages(c) - base < n; i++)
		wsc_pump(c, 50, false);
	/* Every event, and not one more: a burst that lost or repeated
	 * frames would not add up. */
	wsc_pump(c, 100, false);
	assert_int_equal(wsc_messages(c) - base, n);
	wsc_free(c);
	assert_int_equal(simproc_stop(&sp), 0);
}

static void
test_burst_complete(void **state)
{
	/* Under valgrind (tests/valgrind.sh sets VIGIL_VALGRIND) this client
	 * runs 20-50 times slower: fewer events, the same checks. */
	unsigned long scale = getenv("VIGIL_VALGRIND") != NULL ? 25 : 1;

	(void)state;
	burst("/?v=10&encoding=json", 50000 / scale);
	burst("/?v=10&encoding=json&compress=zlib-stream", 20000 / scale);
}

static void
test_burst_in_order(void **state)
{
	struct simproc sp;
	struct wsc *c;
	long long prev = 0, s;
	json_t *j;
	int i;

	(void)state;
	assert_int_equal(simproc_start(&sp, NULL), 0);
	c = wsc_connect(sp.port, "/?v=10", WAIT);
	wsc_send(c, IDENTIFY);
	assert_int_equal(simproc_fault(&sp, "{\"fault\":\"burst\","
	    "\"count\":300}"), 200);
	for (i = 0; i < 300; i++) {
		j = wsc_wait_dispatch(c, "MESSAGE_CREATE", WAIT);
		assert_non_null(j);
		s = json_integer_value(json_object_get(j, "s"));
		assert_true(s > prev);
		prev = s;
		json_decref(j);
	}
	wsc_free(c);
	assert_int_equal(simproc_stop(&sp), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help_documents_everything),
		cmocka_unit_test(test_bad_flags),
		cmocka_unit_test(test_listens_on_one_address),
		cmocka_unit_test(test_announce_and_signals),
		cmocka_unit_test(test_scenario_file),
		cmocka_unit_test(test_chaos),
		cmocka_unit_test(test_burst_in_order),
		cmocka_unit_test(test_burst_complete),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
