/*
 * A simulated Redis for the deterministic simulation (docs/cluster.md):
 * an in-memory store of strings, sorted sets and hashes with expiry, on
 * the simulation's virtual clock, that runs the cluster's very scripts
 * (src/bot/cluster-scripts.c) with Lua 5.4. The scripts keep to what Lua
 * 5.1 and 5.4 share, and numbers cross into the store as Redis writes them,
 * so the simulation and the real Redis have one semantics.
 *
 * Replies come back as hiredis's redisReply, built by hiredis's own reader
 * from the RESP text Redis would send.
 */
#ifndef VIGIL_DST_REDIS_SIM_H
#define VIGIL_DST_REDIS_SIM_H

#include <stdint.h>

#include <hiredis/hiredis.h>

#include "bot/cluster-scripts.h"

struct simredis;

struct simredis *simredis_new(void);
void simredis_free(struct simredis *r);
/* A restart without persistence: every key is gone. */
void simredis_flush(struct simredis *r);
/* Runs the script at now_ms (wall ms: TIME). The reply (free with
 * freeReplyObject), an error reply when the script failed. */
redisReply *simredis_eval(struct simredis *r, int64_t now_ms, enum cluster_script s,
    int nkeys, const char *const *keys, int nargs, const char *const *args);

#endif
