/*
 * Faults a real network makes, with a real kernel in between: vigil runs
 * in a network namespace of its own, joined to the emulator's (the test's)
 * by a veth pair. First tc netem adds delay, jitter and loss for a while;
 * then the emulator's end of the pair goes down, a full black hole (no
 * RST, no FIN: packets vanish), for a few heartbeat intervals. vigil must
 * find the zombie within two intervals, come back once the link does, and
 * keep every invariant tests/chaos checks (chaos-check.h).
 *
 * Needs root and `ip netns`; skips with a clear message otherwise. A
 * kernel without netem (some VMs and containers) skips only that phase.
 */
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../support/chaos-check.h"
#include "../support/net-fixture.h"

#define HB_S 1.0

struct nsfx {
	struct netfx f;
	char ns[32], host_if[16], ns_if[16], host_ip[16], ns_ip[16];
	char wrap[64];
	bool made;
	char skip[256];
};

static struct nsfx nsfx;

static const char config[] =
    "resume_window = 30s\n"
    "close_timeout = 1s\n"
    "formula = min(a*0.3, 2)\n";

/* Runs a command line; its exit status. out (may be NULL) gets its output. */
static int __attribute__((format(printf, 3, 4)))
run(char *out, size_t outlen, const char *fmt, ...)
{
	char line[512], cmd[520], buf[256];
	va_list ap;
	size_t n = 0;
	FILE *p;
	int st;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "(%s) 2>&1", line);
	if ((p = popen(cmd, "r")) == NULL)
		return -1;
	while (fgets(buf, sizeof(buf), p) != NULL) {
		for (size_t i = 0; out != NULL && buf[i] != '\0' && n + 1 < outlen; i++)
			out[n++] = buf[i] == '\n' ? ' ' : buf[i];
	}
	if (out != NULL)
		out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int
make_link(struct nsfx *x)
{
	char err[160];
	int id = (int)(getpid() % 250) + 1;

	snprintf(x->ns, sizeof(x->ns), "vigil-dst-%d", (int)getpid());
	snprintf(x->host_if, sizeof(x->host_if), "vdh%d", (int)(getpid() % 100000));
	snprintf(x->ns_if, sizeof(x->ns_if), "vdn%d", (int)(getpid() % 100000));
	snprintf(x->host_ip, sizeof(x->host_ip), "10.231.%d.1", id);
	snprintf(x->ns_ip, sizeof(x->ns_ip), "10.231.%d.2", id);
	if (run(err, sizeof(err), "ip netns add %s", x->ns) != 0) {
		snprintf(x->skip, sizeof(x->skip), "`ip netns add` failed: %s", err);
		return -1;
	}
	x->made = true;
	if (run(err, sizeof(err), "ip link add %s type veth peer name %s && "
	    "ip link set %s netns %s && ip addr add %s/30 dev %s && ip link set %s up && "
	    "ip -n %s addr add %s/30 dev %s && ip -n %s link set %s up && "
	    "ip -n %s link set lo up", x->host_if, x->ns_if, x->ns_if, x->ns, x->host_ip,
	    x->host_if, x->host_if, x->ns, x->ns_ip, x->ns_if, x->ns, x->ns_if, x->ns) != 0) {
		snprintf(x->skip, sizeof(x->skip), "cannot set up the veth pair: %s", err);
		return -1;
	}
	return 0;
}

/* netv runs $VIGIL_BUILD/vigil: a wrapper there enters the namespace. */
static int
make_wrapper(struct nsfx *x)
{
	const char *dir = getenv("VIGIL_BUILD");
	char real[PATH_MAX], path[128];
	FILE *f;

	if (realpath(dir != NULL ? dir : "build", real) == NULL)
		return -1;
	snprintf(x->wrap, sizeof(x->wrap), "/tmp/vigil-netns.XXXXXX");
	if (mkdtemp(x->wrap) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/vigil", x->wrap);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f, "#!/bin/sh\nexec ip netns exec %s %s/vigil \"$@\"\n", x->ns, real);
	fclose(f);
	return chmod(path, 0755);
}

static int
start(struct nsfx *x)
{
	const char *sim_args[] = { "--bind", x->host_ip, "--heartbeat-interval", "1000",
		"--resume-window", "30s", "--ping-share", "1", "--chatter", "2",
		"--guilds", "3", "--identify-spacing", "1s", NULL };
	const char *old = getenv("VIGIL_BUILD");
	char keep[PATH_MAX] = "build";
	int rc;

	if (simproc_start(&x->f.sim, sim_args) != 0)
		return -1;
	x->f.sim_up = true;
	snprintf(x->f.sim.base, sizeof(x->f.sim.base), "http://%s:%d", x->host_ip,
	    x->f.sim.port);
	snprintf(x->f.api, sizeof(x->f.api), "%s/api", x->f.sim.base);
	if (old != NULL)
		snprintf(keep, sizeof(keep), "%s", old);
	setenv("VIGIL_BUILD", x->wrap, 1);
	rc = netv_start(&x->f.v, x->f.api, config, NULL);
	setenv("VIGIL_BUILD", keep, 1);
	if (rc != 0 || netv_wait(&x->f.v, 15000, "Connected", NULL) == NULL) {
		netv_dump(&x->f.v);
		return -1;
	}
	return 0;
}

static int
setup(void **state)
{
	struct nsfx *x = &nsfx;

	memset(x, 0, sizeof(*x));
	x->f.v.pid = -1;
	x->f.v.out = -1;
	*state = x;
	if (geteuid() != 0) {
		snprintf(x->skip, sizeof(x->skip), "not root: network namespaces need "
		    "CAP_SYS_ADMIN (CI runs this as root)");
		return 0;
	}
	if (make_link(x) != 0)
		return 0;
	if (make_wrapper(x) != 0 || start(x) != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	struct nsfx *x = *state;
	char path[128];

	netfx_down(&x->f);
	if (x->made) {
		run(NULL, 0, "ip netns del %s", x->ns);
		run(NULL, 0, "ip link del %s", x->host_if);
	}
	if (x->wrap[0] != '\0') {
		snprintf(path, sizeof(path), "%s/vigil", x->wrap);
		unlink(path);
		rmdir(x->wrap);
	}
	return 0;
}

/* Keeps vigil's log read and the sessions watched for secs seconds. */
static void
watch(struct nsfx *x, int secs, struct chaos_watch *cw)
{
	time_t end = time(NULL) + secs;

	while (time(NULL) < end) {
		netv_count(&x->f.v, NULL, NULL);
		if (cw != NULL)
			NET_CHECK(&x->f, chaos_watch_sessions(&x->f.sim, cw) == 0);
		usleep(200 * 1000);
	}
}

static void
lossy_phase(struct nsfx *x, int secs, struct chaos_watch *cw)
{
	char err[160];

	if (run(err, sizeof(err), "ip -n %s link set %s txqueuelen 1000 && "
	    "ip netns exec %s tc qdisc add dev %s root netem delay 80ms 20ms loss 5%% && "
	    "tc qdisc add dev %s root netem delay 80ms 20ms loss 5%%", x->ns, x->ns_if, x->ns,
	    x->ns_if, x->host_if) != 0) {
		printf("netns: tc netem is not available here (%s): the loss and delay phase "
		    "is skipped; %d s over the plain link instead\n", err, secs);
		run(NULL, 0, "ip netns exec %s tc qdisc del dev %s root", x->ns, x->ns_if);
		watch(x, secs, cw);
		return;
	}
	printf("netns: %d s of 80 +- 20 ms delay and 5%% loss each way\n", secs);
	watch(x, secs, cw);
	run(NULL, 0, "ip netns exec %s tc qdisc del dev %s root", x->ns, x->ns_if);
	run(NULL, 0, "tc qdisc del dev %s root", x->host_if);
}

/* The emulator's end goes down: vigil's packets vanish, nothing answers. */
static void
blackhole_phase(struct nsfx *x, int secs)
{
	struct netfx *f = &x->f;
	double t0;
	json_t *z;

	NET_CHECK(f, chaos_connected(&f->v, 30000));
	f->v.cursor = f->v.nlines;
	t0 = netfx_wall();
	NET_CHECK(f, run(NULL, 0, "ip link set %s down", x->host_if) == 0);
	z = netv_wait(&f->v, (int)(3 * HB_S * 1000), NULL, "zombie");
	NET_CHECK(f, z != NULL);
	printf("netns: black hole for %d s; zombie found after %.2f s (two intervals: %.1f s)\n",
	    secs, netv_time(z) - t0, 2 * HB_S);
	NET_CHECK(f, netv_time(z) - t0 <= 2 * HB_S + 0.5);
	watch(x, secs, NULL);
	NET_CHECK(f, run(NULL, 0, "ip link set %s up", x->host_if) == 0);
	NET_CHECK(f, chaos_connected(&f->v, 45000));
}

static void
netns_faults(void **state)
{
	struct nsfx *x = *state;
	struct netfx *f = &x->f;
	struct chaos_watch cw = { 0 };
	int secs = chaos_secs(10);

	if (x->skip[0] != '\0') {
		printf("netns: skipped: %s\n", x->skip);
		skip();
	}
	lossy_phase(x, secs, &cw);
	blackhole_phase(x, secs > 8 ? 8 : secs);
	NET_CHECK(f, simproc_set(&f->sim, "{\"chatter\":0}") == 200);
	NET_CHECK(f, chaos_rest_drains(&f->sim, 20000));
	NET_CHECK(f, chaos_pings_answered(&f->sim, &f->v, 15000));
	NET_CHECK(f, netv_stop(&f->v, SIGTERM, 5000) == 0);
	chaos_report(&f->sim, &f->v, &cw, secs, 0, "network namespace");
	NET_CHECK(f, chaos_invariants(&f->sim, &f->v, 1000) == 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(netns_faults, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
