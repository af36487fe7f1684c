/*
 * The deterministic simulation of a cluster (docs/cluster.md,
 * docs/simulation.md "The cluster"): several vigil processes, each one
 * fleet whose shards run while their leases are ours, sharing one simulated Redis
 * (redis-sim.h, the very scripts) and one simulated Discord gateway, on one
 * virtual clock with one seeded generator. Faults: processes killed (kill
 * -9) and restarted in a fresh state directory, Redis restarts that lose
 * every key, a process partitioned from Redis, dropped connections, op 9
 * false, expired sessions. After every step the cluster invariants are
 * checked; after a final calm every shard must be connected exactly once.
 *
 * The processes' driver mirrors src/app/app-cluster.c and the decisions of
 * src/app/cluster.c (permits after sharing Discord's reading, a re-seed on
 * every return of the store, renew-only for a lease time after it) over
 * the simulated Redis instead of hiredis.
 */
#ifndef VIGIL_DST_CLUSTER_WORLD_H
#define VIGIL_DST_CLUSTER_WORLD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct cw_opts {
	uint64_t seed;
	double days;
	bool verbose;
};

struct cw_stats {
	uint64_t steps, identifies, resumes, kills, exits, redis_restarts, redis_outages, partitions,
	    drops, op9, fenced,
	    takeovers, permits_refused, permits_unreachable, double_excused, budget_held,
	    retaken, granted_then_cut;
};

struct cworld;

struct cworld *cw_new(const struct cw_opts *o);
/* 0 when every step kept the invariants; -1 with cw_why. */
int cw_run(struct cworld *w);
const char *cw_why(const struct cworld *w);
const struct cw_stats *cw_stats(const struct cworld *w);
/* The failure and the last steps that led to it. */
void cw_report(const struct cworld *w, FILE *f);
/* One line of figures. */
void cw_summary(const struct cworld *w, FILE *f);
void cw_free(struct cworld *w);

#endif
