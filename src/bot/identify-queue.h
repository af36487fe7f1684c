/*
 * The identify queue (docs/design.md "Shards"): every shard of a process
 * that wants a new session waits here, keyed by shard_id % max_concurrency,
 * first come first served (shards start in shard order, so start-up goes in
 * shard order). The first waiter of a key takes it and holds it from its
 * GET /gateway/bot until its IDENTIFY is sent or the attempt fails; the
 * budget then keeps the key resting 5 s after that IDENTIFY. A RESUME never
 * queues.
 *
 * Bounded by the number of shards: each shard waits at most once.
 * Pure data: no clock, no I/O.
 */
#ifndef VIGIL_BOT_IDENTIFY_QUEUE_H
#define VIGIL_BOT_IDENTIFY_QUEUE_H

#include <stdbool.h>

#include "bot/budget.h"

/* How long a shard behind another waits before it looks again when nobody
 * wakes it earlier (the fleet wakes the next waiter when a key frees). */
#define IDQ_RECHECK_MS BUDGET_SPACING_MS

struct identq {
	int *waiting;                   /* shard ids, oldest first */
	int nwaiting, cap;
	int holder[BUDGET_MAX_CONCURRENCY];     /* shard ids holding a key, -1 none */
};

/* cap: the most shards that can wait (the process's shard count).
 * 0, or -1 when out of memory. */
int identq_init(struct identq *q, int cap);
void identq_free(struct identq *q);

/* Asks for shard's key: true when shard holds it now (taken now or
 * before); false when another shard holds it or waits before it, and shard
 * waits in the queue. mc is the current max_concurrency. */
bool identq_take(struct identq *q, int shard, int mc);
/* shard leaves the queue and gives up its key, if any. True when it held
 * one (the next waiter of that key may go). */
bool identq_leave(struct identq *q, int shard);
bool identq_holds(const struct identq *q, int shard);
bool identq_waits(const struct identq *q, int shard);
/* The first waiter of key, or -1. */
int identq_first(const struct identq *q, int key, int mc);
/* The holder of key, or -1. */
int identq_holder(const struct identq *q, int key, int mc);
/* Shards waiting in key (all keys when key < 0). */
int identq_count(const struct identq *q, int key, int mc);

#endif
