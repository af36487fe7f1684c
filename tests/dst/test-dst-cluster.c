/*
 * The cluster's deterministic simulation in make check (docs/simulation.md
 * "The cluster"): several seeds of a few simulated days each, three vigil
 * processes over six shards sharing one simulated Redis that runs the very
 * cluster scripts, with kills, Redis restarts and outages, partitions,
 * drops and op 9 false; C1-C4 after every step and every shard connected
 * after the final calm. DST_CLUSTER_SEED, DST_CLUSTER_SEEDS and
 * DST_CLUSTER_DAYS make a longer campaign (make dst-cluster);
 * DST_CLUSTER_VERBOSE prints every step.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "cluster-world.h"

static void
run(uint64_t seed, double days)
{
	struct cw_opts o = { .seed = seed, .days = days, .verbose = getenv("DST_CLUSTER_VERBOSE") };
	struct cworld *w = cw_new(&o);
	int rc;

	assert_non_null(w);
	rc = cw_run(w);
	cw_summary(w, stdout);
	fflush(stdout);
	if (rc != 0) {
		cw_report(w, stdout);
		fail_msg("%s (replay: DST_CLUSTER_SEEDS=1 DST_CLUSTER_SEED=%llu)", cw_why(w),
		    (unsigned long long)seed);
	}
	cw_free(w);
}

static double
env_num(const char *name, double def)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? strtod(v, NULL) : def;
}

static void
seeds_run_clean(void **state)
{
	uint64_t first = (uint64_t)env_num("DST_CLUSTER_SEED", 1);
	int seeds = (int)env_num("DST_CLUSTER_SEEDS", 8);
	double days = env_num("DST_CLUSTER_DAYS", 0.25);

	(void)state;
	for (int i = 0; i < seeds; i++)
		run(first + (uint64_t)i, days);
}

/* The same seed replays the same history. */
static void
replay_is_exact(void **state)
{
	struct cw_opts o = { .seed = 5, .days = 0.1 };
	struct cworld *a = cw_new(&o), *b = cw_new(&o);

	(void)state;
	assert_int_equal(cw_run(a), cw_run(b));
	assert_int_equal(cw_stats(a)->steps, cw_stats(b)->steps);
	assert_int_equal(cw_stats(a)->identifies, cw_stats(b)->identifies);
	assert_int_equal(cw_stats(a)->resumes, cw_stats(b)->resumes);
	cw_free(a);
	cw_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(seeds_run_clean),
		cmocka_unit_test(replay_is_exact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
