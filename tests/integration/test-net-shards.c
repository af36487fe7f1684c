/*
 * Shards over real sockets (docs/design.md "Shards"): a real vigil and
 * vigil-sim on loopback. 16 shards start in ceil(16 / max_concurrency)
 * windows of 5 s, the spacing read from the emulator's counters (never
 * from vigil's log); one shard dropped resumes while the other 15 keep
 * their connections; a restart resumes all 16 with no session start; shards
 * 0-7 and 8-15 in two processes share one emulator; too few shards for the
 * guilds is Discord's 4011, and `shards = auto` takes the recommendation;
 * far more than recommended stops with a message naming `shards`.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../support/net-fixture.h"

#define SHARDS 16
#define SPACING_MS 5000

static const char config16[] = "shards = 16\nresume_window = 60s\nclose_timeout = 1s\n";

/* Waits until n more shards report Connected (transition lines). */
static bool
connected(struct netv *v, int n, int timeout_ms)
{
	for (int i = 0; i < n; i++) {
		if (netv_wait(v, timeout_ms, "Connected", NULL) == NULL)
			return false;
	}
	return true;
}

static int
start_sim(struct netfx *f, const char *mc)
{
	const char *args[] = { "--shards", "16", "--max-concurrency", mc, "--identify-spacing",
		"5000", "--heartbeat-interval", "3000", "--resume-window", "60s", "--guilds", "32",
		"--max-sessions", "256", "--max-connections", "256", NULL };

	if (simproc_start(&f->sim, args) != 0)
		return -1;
	f->sim_up = true;
	snprintf(f->api, sizeof(f->api), "%s/api", f->sim.base);
	return 0;
}

/* Shared by start_mc16, drop_one and restart_resumes_all, in that order. */
static struct netfx mc16;

static int
setup_mc16(void **state)
{
	(void)state;
	if (start_sim(&mc16, "16") != 0 || netv_start(&mc16.v, mc16.api, config16, NULL) != 0)
		return -1;
	return connected(&mc16.v, SHARDS, 20000) ? 0 : -1;
}

static int
teardown_mc16(void **state)
{
	(void)state;
	netfx_down(&mc16);
	return 0;
}

/* The conn each shard's session is on, from the emulator. */
static void
shard_conns(struct netfx *f, long long conns[SHARDS])
{
	json_t *j = simproc_get(&f->sim, "/_ctl/sessions"), *s;
	size_t i;

	for (int k = 0; k < SHARDS; k++)
		conns[k] = -1;
	json_array_foreach(json_object_get(j, "sessions"), i, s) {
		json_t *sh = json_object_get(s, "shard");
		int id = (int)json_integer_value(json_array_get(sh, 0));

		if (sh != NULL && id >= 0 && id < SHARDS && json_is_integer(json_object_get(s, "conn")))
			conns[id] = json_integer_value(json_object_get(s, "conn"));
	}
	json_decref(j);
}

/* max_concurrency 16: every shard in its own key, all in the first window. */
static void
start_mc16(void **state)
{
	struct netfx *f = &mc16;

	(void)state;

	NET_CHECK(f, netfx_counter(f, "identifies") == SHARDS);
	NET_CHECK(f, netfx_counter(f, "identify_span_ms") < SPACING_MS);
	NET_CHECK(f, netfx_counter(f, "invalid_sessions") == 0);
	print_message("16 shards, max_concurrency 16: identifies spread over %lld ms\n",
	    netfx_counter(f, "identify_span_ms"));
}

/* One shard's connection dropped: it resumes; the others keep theirs. */
static void
drop_one(void **state)
{
	struct netfx *f = &mc16;

	(void)state;
	long long before[SHARDS], after[SHARDS];
	char body[96];

	shard_conns(f, before);
	for (int k = 0; k < SHARDS; k++)
		NET_CHECK(f, before[k] > 0);
	snprintf(body, sizeof(body), "{\"fault\":\"drop\",\"conn\":%lld}", before[5]);
	NET_CHECK(f, netfx_fault(f, body));
	NET_CHECK(f, netv_wait(&f->v, 10000, "Connected", "shard 5: Resuming -> Connected") != NULL);
	shard_conns(f, after);
	for (int k = 0; k < SHARDS; k++)
		NET_CHECK(f, k == 5 ? after[k] != before[k] : after[k] == before[k]);
	NET_CHECK(f, netfx_counter(f, "identifies") == SHARDS);
	NET_CHECK(f, netfx_counter(f, "resumes") == 1);
}

/* A restart resumes every shard from the state file: no session start. */
static void
restart_resumes_all(void **state)
{
	struct netfx *f = &mc16;

	(void)state;

	NET_CHECK(f, netv_stop(&f->v, SIGTERM, 10000) == 0);
	NET_CHECK(f, netv_restart(&f->v, f->api, config16, NULL) == 0);
	for (int i = 0; i < SHARDS; i++)
		NET_CHECK(f, netv_wait(&f->v, 20000, "Connected", "RESUMED") != NULL);
	NET_CHECK(f, netfx_counter(f, "identifies") == SHARDS);
	NET_CHECK(f, netfx_counter(f, "resumes") == 1 + SHARDS);
}

static int
setup_mc1(void **state)
{
	static struct netfx f;

	memset(&f, 0, sizeof(f));
	*state = &f;
	if (start_sim(&f, "1") != 0 || netv_start(&f.v, f.api, config16, NULL) != 0)
		return -1;
	return 0;
}

/* max_concurrency 1: one IDENTIFY per 5 s, 16 of them in about 75 s. */
static void
start_mc1(void **state)
{
	struct netfx *f = *state;
	long long span, gap;

	/* Bounded, generous: the machine is shared. */
	NET_CHECK(f, connected(&f->v, SHARDS, 40000));
	span = netfx_counter(f, "identify_span_ms");
	gap = netfx_counter(f, "identify_min_key_gap_ms");
	print_message("16 shards, max_concurrency 1: identifies over %lld ms, min gap %lld ms\n",
	    span, gap);
	NET_CHECK(f, netfx_counter(f, "identifies") == SHARDS);
	NET_CHECK(f, netfx_counter(f, "invalid_sessions") == 0);
	NET_CHECK(f, gap >= SPACING_MS);
	NET_CHECK(f, span >= (SHARDS - 1) * SPACING_MS);
	/* And not much more: a shard's turn is not lost to polling. */
	NET_CHECK(f, span <= (SHARDS - 1) * (SPACING_MS + 1000));
}

/* Shards 0-7 in one process, 8-15 in another, one emulator. */
static void
two_processes(void **state)
{
	static const char lo[] = "shards = 16\nshard_ids = 0-7\nresume_window = 60s\n";
	static const char hi[] = "shards = 16\nshard_ids = 8-15\nresume_window = 60s\n";
	struct netfx *f = *state;
	struct netv second;
	long long conns[SHARDS];

	memset(&second, 0, sizeof(second));
	NET_CHECK(f, netv_start(&f->v, f->api, lo, NULL) == 0);
	NET_CHECK(f, netv_start(&second, f->api, hi, NULL) == 0);
	NET_CHECK(f, connected(&f->v, 8, 20000));
	if (!connected(&second, 8, 20000)) {
		netv_dump(&second);
		fail_msg("shards 8-15 did not connect");
	}
	NET_CHECK(f, netv_count(&f->v, "Connected", "shard 8:") == 0);
	NET_CHECK(f, netv_count(&second, "Connected", "shard 7:") == 0);
	shard_conns(f, conns);
	for (int k = 0; k < SHARDS; k++)
		NET_CHECK(f, conns[k] > 0);
	NET_CHECK(f, netfx_counter(f, "identifies") == SHARDS);
	netv_cleanup(&second);
}

static int
setup_sim_only(void **state)
{
	static struct netfx f;

	memset(&f, 0, sizeof(f));
	*state = &f;
	return start_sim(&f, "16");
}

/* 20 guilds, at most 5 a shard: 2 shards get 4011 and stop; auto takes 4. */
static void
sharding_required(void **state)
{
	struct netfx *f = *state;

	NET_CHECK(f, simproc_set(&f->sim, "{\"max_guilds_per_shard\":8,\"shards\":1}") == 200);
	NET_CHECK(f, netv_start(&f->v, f->api, "shards = 2\n", NULL) == 0);
	NET_CHECK(f, netv_wait(&f->v, 10000, NULL, "4011 sharding required") != NULL);
	netv_stop(&f->v, SIGTERM, 10000);
	netv_cleanup(&f->v);
	memset(&f->v, 0, sizeof(f->v));
	NET_CHECK(f, netv_start(&f->v, f->api, "shards = auto\n", NULL) == 0);
	NET_CHECK(f, connected(&f->v, 4, 30000));
	NET_CHECK(f, netv_count(&f->v, NULL, "shards 0-3 of 4") == 1);
}

/* Far more shards than recommended: every shard stops, saying which key. */
static void
too_many_shards(void **state)
{
	struct netfx *f = *state;

	NET_CHECK(f, simproc_set(&f->sim, "{\"shards\":2}") == 200);
	NET_CHECK(f, netv_start(&f->v, f->api, "shards = 17\n", NULL) == 0);
	NET_CHECK(f, netv_wait(&f->v, 10000, NULL,
	    "shards = 17: more than 4 x the 2 Discord recommends") != NULL);
	NET_CHECK(f, netfx_counter(f, "identifies") == 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(sharding_required, setup_sim_only, netfx_teardown),
		cmocka_unit_test_setup_teardown(too_many_shards, setup_sim_only, netfx_teardown),
		cmocka_unit_test_setup_teardown(two_processes, setup_sim_only, netfx_teardown),
		cmocka_unit_test_setup(start_mc16, setup_mc16),
		cmocka_unit_test(drop_one),
		cmocka_unit_test_teardown(restart_resumes_all, teardown_mc16),
		cmocka_unit_test_setup_teardown(start_mc1, setup_mc1, netfx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
