/*
 * The cluster's process fixture (docs/cluster.md "Tests"): a redis-server
 * of the test's own with a password, one vigil-sim, and room for a few
 * headless vigils sharing them. CLFX_CHECK dumps every vigil's log before
 * failing (NETV_CHECK).
 */
#ifndef VIGIL_TEST_CLUSTER_FIXTURE_H
#define VIGIL_TEST_CLUSTER_FIXTURE_H

#include "net-vigil.h"
#include "redis-proc.h"
#include "sim-proc.h"

#define CLFX_PROCS 4

struct clfx {
	struct redisproc rp;
	struct simproc sim;
	struct netv v[CLFX_PROCS];     /* started by the test (netv_start) */
	char api[96];
	char config[512];               /* the cluster's keys, then `extra` */
};

#define CLFX_CHECK(f, cond) NETV_CHECK((f)->v, CLFX_PROCS, cond)

/* Redis with password, the emulator with sim_args (may be NULL), and
 * config: `cluster` on Redis's unix socket, cluster_name, redis_password,
 * then extra. 0, or -1. */
int clfx_up(struct clfx *f, const char *name, const char *password,
    const char *const *sim_args, const char *extra);
/* Kills every vigil, the emulator and Redis (safe to call twice). */
void clfx_down(struct clfx *f);
/* clfx_down as a cmocka teardown (state is the struct clfx). */
int clfx_teardown(void **state);

#endif
