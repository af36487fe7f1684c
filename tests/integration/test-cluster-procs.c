/*
 * The cluster with real processes over loopback (docs/cluster.md): headless
 * vigils sharing one redis-server of the test's own, against one vigil-sim.
 * One shard per process here (several: test-cluster-three): a shard
 * claimed twice, a migration by kill -9 that RESUMES elsewhere with 0 new
 * IDENTIFYs, and Redis killed and restarted with no IDENTIFY while it is
 * down, even under op 9 false.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../support/cluster-fixture.h"

static struct clfx fx;

#define CHECK(cond) CLFX_CHECK(&fx, cond)

static int
setup(void **state)
{
	(void)state;
	return clfx_up(&fx, "itest", "itest-redis-pw", NULL, "cluster_lease = 3s\n");
}

static int
live_connections(void)
{
	json_t *j = simproc_get(&fx.sim, "/_ctl/sessions");
	int n = (int)json_array_size(json_object_get(j, "connections"));

	json_decref(j);
	return n;
}

static bool
password_nowhere(const struct netv *v)
{
	char *s;
	bool clean = true;

	for (size_t i = 0; i < v->nlines && clean; i++) {
		s = json_dumps(v->lines[i], 0);
		clean = s != NULL && strstr(s, "itest-redis-pw") == NULL;
		free(s);
	}
	return clean;
}

/* The second process for a shard waits and says so; no second connection.
 * Its owner dies (kill -9); the waiting one, in its own state directory,
 * takes the lease and RESUMES the session from the store: 0 new IDENTIFYs. */
static void
claimed_twice_then_migrated_by_kill_9(void **state)
{
	char config[600];
	long long ids;

	(void)state;
	/* 6 s: renewals every 2 s leave a loaded machine 4 s of slack (a
	 * process that stalls longer is cut off, and its lease may go). */
	snprintf(config, sizeof(config), "%scluster_lease = 6s\n", fx.config);
	CHECK(netv_start(&fx.v[0], fx.api, config, NULL) == 0);
	CHECK(netv_wait(&fx.v[0], 15000, "Connected", NULL) != NULL);
	CHECK(netv_start(&fx.v[1], fx.api, config, NULL) == 0);
	CHECK(netv_wait(&fx.v[1], 10000, NULL, "is claimed by") != NULL);
	/* Well past one lease: v0 renews, v1 keeps waiting. */
	CHECK(netv_wait(&fx.v[1], 7000, "Connected", NULL) == NULL);
	ids = simproc_counter(&fx.sim, "identifies");
	if (ids != 1)
		fprintf(stderr, "identifies: %lld\n", ids);
	CHECK(ids == 1);
	CHECK(live_connections() == 1);
	/* A few events so there is a seq worth resuming at. */
	CHECK(simproc_fault(&fx.sim, "{\"fault\":\"burst\",\"count\":20}") == 200);
	CHECK(netv_wait(&fx.v[0], 5000, NULL, "persist") != NULL ||
	    simproc_counter(&fx.sim, "events_sent") > 0);
	CHECK(netv_stop(&fx.v[0], SIGKILL, 3000) == -1);
	CHECK(netv_wait(&fx.v[1], 15000, NULL, "took over session") != NULL);
	CHECK(netv_wait(&fx.v[1], 10000, "Connected", NULL) != NULL);
	CHECK(simproc_counter(&fx.sim, "identifies") == 1);
	CHECK(simproc_counter(&fx.sim, "resumes") >= 1);
	CHECK(live_connections() == 1);
	CHECK(password_nowhere(&fx.v[1]));
}

/* A planned migration: the owner exits cleanly (SIGTERM): it closes
 * resumably, saves the session, gives its lease up, and the standby takes
 * the shard at its next renewal (every 3 s), before the lease (9 s, renewed
 * up to 3 s before the exit) could lapse, resuming. */
static void
clean_exit_hands_over_at_once(void **state)
{
	char config[600];

	(void)state;
	snprintf(config, sizeof(config), "%scluster_lease = 9s\n", fx.config);
	CHECK(netv_start(&fx.v[0], fx.api, config, NULL) == 0);
	CHECK(netv_wait(&fx.v[0], 30000, "Connected", NULL) != NULL);
	CHECK(netv_start(&fx.v[1], fx.api, config, NULL) == 0);
	CHECK(netv_wait(&fx.v[1], 30000, NULL, "is claimed by") != NULL);
	CHECK(netv_stop(&fx.v[0], SIGTERM, 10000) == 0);
	CHECK(netv_count(&fx.v[0], NULL, "released 1 shard lease") == 1);
	CHECK(netv_wait(&fx.v[1], 5500, "Connected", NULL) != NULL);
	CHECK(simproc_counter(&fx.sim, "identifies") == 1);
	CHECK(simproc_counter(&fx.sim, "resumes") >= 1);
}

/* The store's epoch is kept in the state directory: a vigil restarted
 * after Redis lost its data while it was down re-seeds conservatively
 * instead of taking the empty store for a new cluster. */
static void
a_restart_notices_a_store_that_lost_its_data(void **state)
{
	(void)state;
	CHECK(netv_start(&fx.v[0], fx.api, fx.config, NULL) == 0);
	CHECK(netv_wait(&fx.v[0], 15000, "Connected", NULL) != NULL);
	CHECK(netv_stop(&fx.v[0], SIGTERM, 10000) == 0);
	CHECK(redisproc_restart(&fx.rp) == 0);
	CHECK(netv_restart(&fx.v[0], fx.api, fx.config, NULL) == 0);
	CHECK(netv_wait(&fx.v[0], 15000, NULL, "lost its data") != NULL);
	CHECK(netv_wait(&fx.v[0], 20000, "Connected", NULL) != NULL);
}

/* cluster_fence: with Redis out of reach for half a lease the shard is
 * given up (closed resumably), and taken up again, resumed, once its lease
 * is back: never connected without a lease for longer than that. */
static void
fence_gives_the_shard_up_and_takes_it_back(void **state)
{
	char config[600];

	(void)state;
	snprintf(config, sizeof(config), "%scluster_fence = on\n", fx.config);
	CHECK(netv_start(&fx.v[0], fx.api, config, NULL) == 0);
	CHECK(netv_wait(&fx.v[0], 15000, "Connected", NULL) != NULL);
	redisproc_kill(&fx.rp);
	CHECK(netv_wait(&fx.v[0], 10000, NULL, "giving it up (cluster_fence)") != NULL);
	CHECK(netv_wait(&fx.v[0], 5000, "Disconnected", NULL) != NULL);
	CHECK(live_connections() == 0);
	CHECK(redisproc_restart(&fx.rp) == 0);
	CHECK(netv_wait(&fx.v[0], 15000, NULL, "ours again") != NULL);
	CHECK(netv_wait(&fx.v[0], 10000, "Connected", NULL) != NULL);
	CHECK(simproc_counter(&fx.sim, "identifies") == 1);
	CHECK(simproc_counter(&fx.sim, "resumes") >= 1);
}

/* Redis dies: resumes go on, no IDENTIFY (even when op 9 false asks for
 * one); Redis comes back empty: the budget is re-seeded conservatively and
 * the IDENTIFY goes. */
static void
redis_down_means_no_identify_until_it_is_back(void **state)
{
	(void)state;
	CHECK(netv_start(&fx.v[0], fx.api, fx.config, NULL) == 0);
	CHECK(netv_wait(&fx.v[0], 10000, "Connected", NULL) != NULL);
	CHECK(simproc_counter(&fx.sim, "identifies") == 1);
	redisproc_kill(&fx.rp);
	CHECK(netv_wait(&fx.v[0], 8000, NULL, "unreachable") != NULL);
	/* A drop resumes without the store. */
	CHECK(simproc_fault(&fx.sim, "{\"fault\":\"drop\"}") == 200);
	CHECK(netv_wait(&fx.v[0], 10000, "Connected", NULL) != NULL);
	CHECK(simproc_counter(&fx.sim, "resumes") >= 1);
	/* op 9 false wants a new session: it waits for the store. */
	CHECK(simproc_fault(&fx.sim, "{\"fault\":\"invalid_session\",\"resumable\":false}") == 200);
	CHECK(netv_wait(&fx.v[0], 15000, NULL, "no IDENTIFY without the shared budget") != NULL);
	CHECK(netv_wait(&fx.v[0], 3000, "Connected", NULL) == NULL);
	CHECK(simproc_counter(&fx.sim, "identifies") == 1);
	CHECK(redisproc_restart(&fx.rp) == 0);
	CHECK(netv_wait(&fx.v[0], 15000, NULL, "lost its data") != NULL);
	CHECK(netv_wait(&fx.v[0], 15000, "Connected", NULL) != NULL);
	CHECK(simproc_counter(&fx.sim, "identifies") == 2);
	CHECK(password_nowhere(&fx.v[0]));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_prestate_setup_teardown(claimed_twice_then_migrated_by_kill_9, setup,
		    clfx_teardown, &fx),
		cmocka_unit_test_prestate_setup_teardown(clean_exit_hands_over_at_once, setup,
		    clfx_teardown, &fx),
		cmocka_unit_test_prestate_setup_teardown(a_restart_notices_a_store_that_lost_its_data,
		    setup, clfx_teardown, &fx),
		cmocka_unit_test_prestate_setup_teardown(fence_gives_the_shard_up_and_takes_it_back,
		    setup, clfx_teardown, &fx),
		cmocka_unit_test_prestate_setup_teardown(redis_down_means_no_identify_until_it_is_back,
		    setup, clfx_teardown, &fx),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
