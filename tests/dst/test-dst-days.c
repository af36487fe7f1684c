/*
 * The deterministic simulation as part of make check: a few hundred
 * simulated days over several seeds, each with its own profile (heartbeat,
 * latency, fault rate, budget, ...), every invariant checked after every
 * step. A failure prints the seed, the broken invariant, the last steps and
 * the command that replays them. Each seed's figures are printed, so the
 * log shows what was exercised. Under ASan the days are quartered.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>
#include <jansson.h>

#include "world.h"
#include "fleet-world.h"

#if defined(__SANITIZE_ADDRESS__)
#define DAYS_SCALE 0.25
#else
#define DAYS_SCALE 1.0
#endif

static void
run(uint64_t seed, double days, bool quiet)
{
	struct dst_opts o = { .seed = seed, .days = days * DAYS_SCALE, .quiet_faults = quiet };
	struct world *w = dst_new(&o);
	int rc;

	assert_non_null(w);
	rc = w->failed ? -1 : dst_run(w);
	if (rc != 0)
		dst_report(w, stdout);
	dst_summary(w, stdout);
	fflush(stdout);
	if (rc != 0)
		fail_msg("seed %llu: %s", (unsigned long long)seed, w->why);
	dst_free(w);
}

/* The same seed gives the same steps: every trace line hashes alike. */
static void
test_replay_is_exact(void **state)
{
	struct dst_opts o = { .seed = 11, .days = 3 };
	struct world *a = dst_new(&o), *b = dst_new(&o);

	(void)state;
	assert_int_equal(dst_run(a), 0);
	assert_int_equal(dst_run(b), 0);
	assert_int_equal(a->st.steps, b->st.steps);
	assert_int_equal(a->trace_n, b->trace_n);
	assert_true(a->trace_hash == b->trace_hash);
	dst_free(a);
	dst_free(b);
}

/* Every fault the emulator knows is one the scheduler fires. */
static void
test_catalogue_covered(void **state)
{
	json_t *cat = sim_fault_catalog(), *f;
	size_t i;

	(void)state;
	json_array_foreach(cat, i, f) {
		const char *name = json_string_value(json_object_get(f, "name"));

		if (!faults_fires(name))
			fail_msg("the emulator's fault \"%s\" is never fired by tests/dst/faults.c",
			    name);
	}
	json_decref(cat);
}

/* Without faults the bot connects once and stays: a control. */
static void
test_quiet_days(void **state)
{
	(void)state;
	run(7, 10, true);
}

#define SEED_TEST(n) \
	static void test_seed_##n(void **state) { (void)state; run(n, 25, false); }

SEED_TEST(1)
SEED_TEST(2)
SEED_TEST(3)
SEED_TEST(4)
SEED_TEST(5)
SEED_TEST(6)
SEED_TEST(7)
SEED_TEST(8)

/* Many shards in one fleet (fleet-world.h): S1-S4 after every step. */
static void
run_fleet(uint64_t seed, int shards, int mc, double days)
{
	struct fw_opts o = { .seed = seed, .days = days * DAYS_SCALE, .shards = shards,
	    .max_concurrency = mc };
	struct fw_result r;
	int rc = fw_run(&o, &r);

	fw_print(&o, &r, stdout);
	fflush(stdout);
	if (rc != 0)
		fail_msg("seed %llu: %s", (unsigned long long)seed, r.why);
}

static void
test_shards_16_mc1(void **state)
{
	(void)state;
	run_fleet(1, 16, 1, 5);
}

static void
test_shards_16_mc16(void **state)
{
	(void)state;
	run_fleet(2, 16, 16, 5);
}

/* The seed draws the shard count and max_concurrency. */
static void
test_shards_drawn(void **state)
{
	(void)state;
	for (uint64_t seed = 3; seed < 9; seed++)
		run_fleet(seed, 0, 0, 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalogue_covered),
		cmocka_unit_test(test_replay_is_exact),
		cmocka_unit_test(test_quiet_days),
		cmocka_unit_test(test_seed_1), cmocka_unit_test(test_seed_2),
		cmocka_unit_test(test_seed_3), cmocka_unit_test(test_seed_4),
		cmocka_unit_test(test_seed_5), cmocka_unit_test(test_seed_6),
		cmocka_unit_test(test_seed_7), cmocka_unit_test(test_seed_8),
		cmocka_unit_test(test_shards_16_mc1), cmocka_unit_test(test_shards_16_mc16),
		cmocka_unit_test(test_shards_drawn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
