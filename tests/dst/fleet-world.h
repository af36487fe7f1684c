/*
 * The deterministic simulation of many shards (docs/simulation.md
 * "Shards"): one fleet of N bot cores and the emulator core on one virtual
 * clock, joined by a simulated network whose latencies keep each direction
 * of a link in order. Faults: a shard's connection dropped, closed with a
 * resumable or a fatal-to-the-session code, op 7, op 9, a zombie, the
 * operator's `reconnect all` (rolling), `reconnect N` and `resume N`, and
 * the whole process killed and started again from its state file.
 *
 * After every step the shard invariants (docs/design.md "Shards"):
 *   S1 never two live connections for one shard;
 *   S2 never two IDENTIFYs in one concurrency key within 5 s;
 *   S3 the shared budget never exceeded (and Discord never resets the token);
 *   S4 a shard's new session never wipes another shard's guilds;
 * and at the end, after a calm, every shard connected (liveness).
 */
#ifndef VIGIL_DST_FLEET_WORLD_H
#define VIGIL_DST_FLEET_WORLD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct fw_opts {
	uint64_t seed;
	double days;
	int shards;             /* 0: drawn by the seed (2-16) */
	int max_concurrency;    /* 0: drawn by the seed (1, 2, 4 or 16) */
	bool verbose;
};

struct fw_result {
	bool failed;
	char why[512];
	char last[8][160];      /* the last steps before a failure */
	double days;
	int shards, max_concurrency;
	uint64_t steps, faults, identifies, resumes, restarts, rolling;
	uint64_t max_spacing_violations;        /* always 0 when clean */
};

/* Runs one seed; 0 when clean, -1 with r->why. */
int fw_run(const struct fw_opts *o, struct fw_result *r);
void fw_print(const struct fw_opts *o, const struct fw_result *r, FILE *out);

#endif
