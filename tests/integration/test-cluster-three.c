/*
 * Several shards per process in a cluster (docs/cluster.md "How to split
 * shards"), with real processes over loopback: three headless vigils own
 * shards 0-3, 4-7 and 8-11 of 12 against one vigil-sim with
 * max_concurrency 1 and 20 session starts left, sharing one redis-server of
 * the test's own. Everything asserted is read from the emulator, never from
 * vigil's log: every shard connected, no IDENTIFY refused for the 5 s
 * spacing of its key (the emulator answers one with op 9), at most 20
 * IDENTIFYs (exactly 12), no token reset. Then a fourth process claims 2-5,
 * overlapping two owners: it waits on all four, and no shard has two live
 * connections; once the owner of 0-3 is killed (-9) it takes 2 and 3 and
 * RESUMES them from the store (0 new IDENTIFYs), leaving 0 and 1 alone and
 * 4 and 5 with their owner.
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
#include <cmocka.h>

#include "../support/cluster-fixture.h"

#define SHARDS  12
#define STARTS  20

static struct clfx fx;

#define CHECK(cond) CLFX_CHECK(&fx, cond)

static int
setup(void **state)
{
	/* Spacing as Discord's: an IDENTIFY within 5 s of its key's last one
	 * is refused with op 9 and counted in invalid_sessions. */
	static const char *const args[] = { "--shards", "12", "--max-concurrency", "1",
		"--identify-spacing", "5000", "--session-remaining", "20", "--resume-window",
		"120s", "--heartbeat-interval", "5000", "--guilds", "24", "--max-sessions", "256",
		"--max-connections", "256", NULL };

	(void)state;
	/* A reserve of 4 leaves 16 of the 20 starts to spend: room for 12.
	 * A 6 s lease: renewals every 2 s leave a loaded machine slack. */
	return clfx_up(&fx, "itest3", "itest3-redis-pw", args, "cluster_lease = 6s\n"
	    "shards = 12\nbudget_reserve = 4\nresume_window = 120s\nclose_timeout = 1s\n");
}

static int
start(int i, const char *ids)
{
	char config[640];

	snprintf(config, sizeof(config), "%sshard_ids = %s\n", fx.config, ids);
	return netv_start(&fx.v[i], fx.api, config, NULL);
}

/* Per shard, the emulator's sessions with a live connection (READY sent,
 * the socket open): 1 is connected, 2 would be one shard twice. */
static void
live_by_shard(int live[SHARDS])
{
	json_t *j = simproc_get(&fx.sim, "/_ctl/sessions"), *s;
	size_t i;

	memset(live, 0, SHARDS * sizeof(*live));
	json_array_foreach(json_object_get(j, "sessions"), i, s) {
		json_t *sh = json_object_get(s, "shard");
		int id = (int)json_integer_value(json_array_get(sh, 0));

		if (sh != NULL && id >= 0 && id < SHARDS &&
		    json_is_integer(json_object_get(s, "conn")))
			live[id]++;
	}
	json_decref(j);
}

/* True when no shard is live twice; *n: the shards live once. */
static bool
at_most_once(int *n)
{
	int live[SHARDS];
	bool ok = true;

	live_by_shard(live);
	*n = 0;
	for (int k = 0; k < SHARDS; k++) {
		if (live[k] > 1)
			fprintf(stderr, "shard %d: %d live connections\n", k, live[k]);
		ok = ok && live[k] <= 1;
		*n += live[k] == 1;
	}
	return ok;
}

static bool
is_live(int shard)
{
	int live[SHARDS];

	live_by_shard(live);
	return live[shard] == 1;
}

static void
nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Polls the emulator until every shard is live once, checking all along
 * that none is live twice; the seconds it took, or -1 after timeout_s. */
static int
all_live(int timeout_s)
{
	int n = 0;

	for (int t = 0; t < timeout_s * 4; t++) {
		if (!at_most_once(&n))
			return -1;
		if (n == SHARDS)
			return t / 4;
		nap_ms(250);
	}
	fprintf(stderr, "%d of %d shards live after %d s\n", n, SHARDS, timeout_s);
	return -1;
}

static long long
counter(const char *name)
{
	long long n = simproc_counter(&fx.sim, name);

	fprintf(stderr, "  emulator %s = %lld\n", name, n);
	return n;
}

static void
three_processes_then_an_overlapping_fourth(void **state)
{
	bool connected;
	int took, n;

	(void)state;
	CHECK(start(0, "0-3") == 0);
	CHECK(start(1, "4-7") == 0);
	CHECK(start(2, "8-11") == 0);
	/* One key: 12 IDENTIFYs at least 5 s apart, after a lease time. */
	took = all_live(180);
	CHECK(took >= 0);
	print_message("12 shards of 3 processes live after %d s\n", took);
	CHECK(counter("identifies") == SHARDS);
	CHECK(counter("identifies") <= STARTS);
	CHECK(counter("invalid_sessions") == 0);
	CHECK(counter("identify_min_key_gap_ms") >= 5000);
	CHECK(counter("token_resets") == 0);
	CHECK(counter("session_starts_left") == STARTS - SHARDS);

	/* 2-5 is held by two owners: the fourth process waits on each. */
	CHECK(start(3, "2-5") == 0);
	for (int k = 0; k < 4; k++)
		CHECK(netv_wait(&fx.v[3], 15000, NULL, "is claimed by") != NULL);
	/* Well past one lease: the owners renew, it keeps waiting. */
	connected = netv_wait(&fx.v[3], 8000, "Connected", NULL) != NULL;
	CHECK(at_most_once(&n));
	CHECK(n == SHARDS);
	CHECK(counter("identifies") == SHARDS);
	CHECK(!connected);

	/* The owner of 0-3 dies: 2 and 3 move to the fourth process and
	 * resume; 0 and 1 stay dark, 4 and 5 stay with their owner. */
	CHECK(netv_stop(&fx.v[0], SIGKILL, 3000) == -1);
	for (int k = 0; k < 2; k++)
		CHECK(netv_wait(&fx.v[3], 30000, "Connected", NULL) != NULL);
	CHECK(counter("identifies") == SHARDS);
	CHECK(counter("resumes") >= 2);
	CHECK(at_most_once(&n));
	CHECK(is_live(2) && is_live(3) && is_live(4) && is_live(5));
	CHECK(!is_live(0) && !is_live(1));
	CHECK(n == SHARDS - 2);
	CHECK(counter("token_resets") == 0);
	CHECK(netv_count(&fx.v[3], NULL, "took over session") == 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_prestate_setup_teardown(three_processes_then_an_overlapping_fourth,
		    setup, clfx_teardown, &fx),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
