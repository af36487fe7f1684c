/*
 * The cluster's coordination primitives: one Redis script each, run with
 * EVALSHA (EVAL when Redis has not seen it), so each is atomic in Redis
 * (docs/cluster.md "What is shared"). The text is kept Lua 5.1 and 5.4
 * compatible: Redis runs 5.1, and the deterministic simulation runs the
 * very same text with Lua 5.4 over an in-memory store, so both have one
 * semantics. Every time is Redis's own clock (TIME), the one clock the
 * whole cluster shares: no process's clock skew matters.
 *
 * Pure data, no I/O. Keys live under the prefix "vigil:{NAME}:" (the hash
 * tag keeps them in one slot). Replies are arrays; the first element is a
 * status code, documented per script.
 */
#ifndef VIGIL_BOT_CLUSTER_SCRIPTS_H
#define VIGIL_BOT_CLUSTER_SCRIPTS_H

#include <stddef.h>

enum cluster_script {
	/* KEYS starts, limit, epoch, ident-lock. ARGV owner, shard, limit,
	 * reserve, hold_ms (the spacing plus the longest connect before the
	 * IDENTIFY), epoch_expected ("" = none known).
	 * {1, left_after, now}          granted: a start and the key's lock taken
	 * {2, wait_ms, holder}          the concurrency key is held
	 * {3, next_free_wall_ms, used}  no start left beyond the reserve
	 * {4, 0}                        the store has no epoch: lost or new
	 * {5, epoch}                    the epoch differs from the expected one */
	CS_PERMIT,
	/* KEYS ident-lock. ARGV holder ("owner shard N"), spacing_ms: the
	 * IDENTIFY went now; the key rests spacing_ms from here (the permit's
	 * hold covered the connect). {1} re-stamped; {0} not ours (any more) */
	CS_IDENTIFIED,
	/* KEYS starts, epoch. ARGV epoch, assumed_count, keys_to_hold,
	 * identify-key prefix, spacing_ms: a store that lost its data lost the
	 * identify locks too, so the seed holds keys 0..keys_to_hold-1.
	 * {1, epoch} seeded (assumed_count starts stamped now)
	 * {0, epoch} someone seeded first */
	CS_SEED,
	/* KEYS limit. ARGV total, remaining, reset_after_ms, max_concurrency.
	 * {1, now} */
	CS_LIMIT,
	/* KEYS starts, limit. ARGV limit. {used, left, next_free_wall_ms, now} */
	CS_BUDGET,
	/* KEYS rest. ARGV rate_per_s, burst, n. GCRA in ms.
	 * {1, 0} take the n slots now; {0, wait_ms} not before wait_ms */
	CS_REST_TAKE,
	/* KEYS rest. ARGV rate_per_s, burst, pause_ms: nobody sends before
	 * now + pause_ms (a global 429). {1, 0} */
	CS_REST_PAUSE,
	/* KEYS owner:S... ARGV owner, ttl_ms, careful ("1": take a free lease
	 * only when its owner released it, not when it lapsed): claim or
	 * renew each lease. {code, pttl_ms, holder} per key: 1 ours now, 0
	 * held by holder ("" with pttl -2: free, but careful) */
	CS_LEASE,
	/* KEYS owner:S... ARGV owner, ttl_ms: release those that are ours,
	 * marked released for ttl_ms (a careful claimant may take them).
	 * {released} */
	CS_RELEASE,
	/* KEYS owner:S, session:S. ARGV owner, id, seq, url, ttl_ms (id "" =
	 * forget it). {1} written; {0, holder} not our shard: nothing written */
	CS_SESSION_PUT,
	/* KEYS session:S. {1, id, seq, url} or {0} */
	CS_SESSION_GET,
	/* KEYS state. ARGV owner, shard, state. {1} */
	CS_PUBLISH,
	/* KEYS state. ARGV owner-key prefix, shards.
	 * {holder, pttl_ms, published} per shard ("" and -2 when unowned) */
	CS_VIEW,
	/* KEYS epoch (only to name the slot). ARGV key prefix, n: who holds
	 * the identify locks. {holder, pttl_ms} per key ("" and -2 when free) */
	CS_HOLDERS,
	CS_COUNT
};

struct cluster_script_def {
	const char *name;
	const char *text;
	int nkeys;                      /* -1: as many as the caller gives */
};

const struct cluster_script_def *cluster_script(enum cluster_script s);

#endif
