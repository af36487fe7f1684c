/*
 * The fleet: what every shard of one vigil process shares (docs/design.md
 * "Shards"). Each shard is a `struct bot`, one session machine with its own
 * state, heartbeat, history, resumable session, action FIFO and connection
 * numbering; the fleet holds the rest, once:
 *
 *  - the session-start budget (Discord's limit is per token, not per shard)
 *    and the identify queue (identify-queue.h);
 *  - the REST queue with its global 50/s;
 *  - the entity cache, each guild attributed to its shard
 *    ((guild_id >> 22) % shard_count), so a shard's new session wipes only
 *    its own guilds;
 *  - the log ring (with more than one shard, every line a shard writes
 *    names it) and the listeners (events carry their shard).
 *
 * A later issue (issue 13) shares the budget and the queue across
 * processes; they are reached only through this struct so that can happen
 * here. Pure data, like the rest of the core: no I/O and no clock.
 */
#ifndef VIGIL_BOT_FLEET_H
#define VIGIL_BOT_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bot/budget.h"
#include "bot/cache.h"
#include "bot/frame.h"
#include "bot/identify-queue.h"
#include "bot/listeners.h"
#include "bot/log.h"
#include "bot/ratelimit.h"
#include "bot/rng.h"

/* A reading of GET /gateway/bot this young serves another shard's IDENTIFY:
 * the budget counts the starts since (d_used_since), and 16 shards of one
 * key window would otherwise ask 16 times at once, into its rate limit. */
#define FLEET_READING_FRESH_MS (5 * MS_PER_S)

/* Discord's largest bots run a few thousand shards; this bounds the
 * tables sized by the shard count. */
#define FLEET_SHARDS_MAX 4096
/* More than SHARDS_OVER_FACTOR x /gateway/bot's `shards`, and more than
 * SHARDS_OVER_FREE, is refused (stops with a message naming `shards`). */
#define SHARDS_OVER_FACTOR 4
#define SHARDS_OVER_FREE   16

struct bot;
struct bot_config;

struct fleet {
	int shard_count;                /* N: the total, over every process */
	struct logring log;
	struct budget budget;
	struct identq idq;
	struct listeners listeners;
	struct cache *cache;
	struct rlq_queue *rest;
	struct rng rng;                 /* the REST queue's jitter */
	struct bot **bots;              /* this process's shards, in the order added */
	int nbots, capbots;
	/* The last GET /gateway/bot answer's url, any shard's, and when (wall
	 * ms): shards identifying in one burst share one reading. */
	char gateway_url[512];
	int64_t gateway_read_wall;
	int64_t persisted_wall;         /* when a shard last asked for the state to be saved */
	int64_t persist_due;            /* mono of the save a shard has scheduled, VTIME_NEVER none */
	/* The frame being handled, by any shard: one at a time on the one
	 * loop, and 8 KB a shard saved (big: kept here, not on the stack). */
	struct frame frame;
};

/* The shared parts from cfg (shard_count, budget, cache limits, log,
 * token as the log's secret, seed); cap: the shards this process will add.
 * 0, or -1 with a message. */
int fleet_init(struct fleet *f, const struct bot_config *cfg, int cap, struct vtime now,
    char *err, size_t errlen);
/* Frees the shared parts; the shards must be freed first. */
void fleet_free(struct fleet *f);

/* A shard of this process by its shard id, or NULL. */
struct bot *fleet_shard(const struct fleet *f, int shard_id);

/* A REST response, for whichever shard asked (see bot_on_http). */
void fleet_on_http(struct fleet *f, struct vtime now, uint64_t http_id, int status,
    const struct rlq_headers *h, const char *body, size_t len, const char *err);

/* A key freed (a shard's IDENTIFY went, or its attempt ended) or the keys
 * changed (a new max_concurrency): wakes the first shard waiting for each
 * free key, at the time its spacing allows. */
void fleet_wake_queue(struct fleet *f, struct vtime now);

/* The state file's text for every shard (malloc'd), or NULL when out of
 * memory: version 1 for one shard of one (as before shards), version 2 with
 * a session per shard otherwise. */
char *fleet_save_state(const struct fleet *f, struct vtime now);
/* Restores the budget and each shard's session (bot_load_state); a corrupt
 * text assumes `assume` starts were used now. Add the shards first. */
int fleet_load_state(struct fleet *f, int assume, const char *json, size_t len, struct vtime now,
    char *err, size_t errlen);

/* The guild's shard: (guild_id >> 22) % shard_count (docs/protocol.md). */
int fleet_guild_shard(uint64_t guild_id, int shard_count);

#endif
