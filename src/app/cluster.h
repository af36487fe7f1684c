/*
 * The cluster: several vigil processes sharing one token coordinate
 * through one Redis (docs/cluster.md). This is the C API over the scripts
 * of bot/cluster-scripts.h, on the Redis client of net/redis-lws.h: every
 * call is asynchronous, returns at once, and calls its callback exactly
 * once, later, from the loop (or returns -1 with a message and never calls
 * it). Nothing blocks, no thread.
 *
 * What it keeps itself:
 *  - the store's epoch: on every (re)connect it checks that the store still
 *    holds the cluster's data; a store that lost it is re-seeded with the
 *    conservative assumption (docs/cluster.md "When Redis fails"), never a
 *    silent reset of the budget;
 *  - the leases of the shards it claimed, renewed every lease_ttl / 3; a
 *    shard it does not hold is claimed only once it has been in touch with
 *    the store for one lease time, so owners renew first after an outage.
 */
#ifndef VIGIL_APP_CLUSTER_H
#define VIGIL_APP_CLUSTER_H

#include <stdbool.h>
#include <stdint.h>

#include "bot/log.h"
#include "net/loop.h"
#include "net/redis-lws.h"

#define CLUSTER_NAME_MAX        64
#define CLUSTER_OWNER_MAX       96
#define CLUSTER_SHARDS_MAX      1024
#define CLUSTER_LEASE_TTL_MS    15000
#define CLUSTER_SPACING_MS      5000    /* one IDENTIFY per concurrency key */
#define CLUSTER_SPACING_MARGIN  250     /* for the IDENTIFY's way to Discord */
/* Discord's global REST limit is 50 in any second (docs/emulator.md: a
 * sliding one), counted when requests arrive there. Slots are granted in
 * Redis's order, but each process's requests take their own way, so some
 * arrive later than the next ones: a GCRA of rate r and burst b lets
 * b + r x (1 s + that lateness) arrive in one second. 45/s with no burst
 * leaves 111 ms for it; 50/s with a burst of 10 let 59 through. */
#define CLUSTER_REST_RATE       45
#define CLUSTER_REST_BURST      1
#define CLUSTER_STATE_MAX       48
#define CLUSTER_KEYS_MAX        16      /* concurrency keys a re-seed holds (Discord's largest max_concurrency we keep) */

struct cluster_config {
	struct redis_lws_config redis;
	char name[CLUSTER_NAME_MAX];    /* cluster_name: keys live under vigil:{name}: */
	char owner[CLUSTER_OWNER_MAX];  /* "" = host:pid:random */
	int limit, reserve;             /* the session-start budget, as the bot's */
	int assume_on_loss;             /* starts assumed used when the store lost its data */
	int lease_ttl_ms;               /* <= 0: CLUSTER_LEASE_TTL_MS */
	int spacing_ms;                 /* <= 0: CLUSTER_SPACING_MS */
	int connect_ms;                 /* the longest from a permit to its IDENTIFY (the
	                                 * bot's hello timeout): the key is held that much
	                                 * longer, until cluster_identified re-stamps it */
	int rest_rate, rest_burst;      /* <= 0: the defaults above */
	bool fence;                     /* cluster_fence: give up the shards when no renewal
	                                 * went through for half a lease (docs/cluster.md) */
	int view_shards;                /* the bot's shard count: the view of them all is
	                                 * read after each renewal and kept
	                                 * (cluster_shard_owner); 0: none kept */
	char epoch[64];                 /* the store's epoch as last seen ("" none): kept
	                                 * by the caller across restarts (on_epoch), so a
	                                 * store that lost its data meanwhile is noticed */
};

enum cluster_permit_status {
	CP_GRANTED,             /* a start is taken and the key's lock is ours for 5 s */
	CP_KEY_HELD,            /* another shard holds the key: wait wait_ms */
	CP_BUDGET,              /* no start left beyond the reserve: next_free_wall_ms */
	CP_UNREACHABLE,         /* the store cannot answer: no IDENTIFY (why) */
};

struct cluster_permit {
	enum cluster_permit_status status;
	int shard;
	int left;                       /* GRANTED: starts left after this one */
	int64_t wait_ms;                /* KEY_HELD */
	int64_t next_free_wall_ms;      /* BUDGET */
	char holder[CLUSTER_OWNER_MAX + 16];   /* KEY_HELD: "owner shard N" */
	char why[160];                  /* UNREACHABLE */
};

struct cluster_lease {
	int shard;
	bool ours;
	int64_t pttl_ms;                /* ours: the lease's time left; else the holder's */
	char holder[CLUSTER_OWNER_MAX]; /* not ours: who holds it */
};

struct cluster_session {
	bool found;
	char id[128];
	int64_t seq;
	char url[512];
};

struct cluster_shard_view {
	int shard;
	char owner[CLUSTER_OWNER_MAX];  /* "" when nobody holds the lease */
	int64_t pttl_ms;
	bool lapsed;                    /* published by an owner whose lease is gone */
	char state[CLUSTER_STATE_MAX];  /* as its owner last published it */
	char published_by[CLUSTER_OWNER_MAX];
};

/* Who runs a shard, by the view read after the last renewal (cfg
 * view_shards). */
enum cluster_owner {
	CO_UNKNOWN,             /* no view read yet, or past view_shards */
	CO_HERE,                /* this process holds its lease */
	CO_ELSEWHERE,           /* another process does */
	CO_LAPSED,              /* its last owner's lease is gone and nobody took it */
	CO_NOBODY,              /* no lease and nothing ever published */
};
#define CO_COUNT (CO_NOBODY + 1)

struct cluster_hooks {
	void *ud;
	/* This process's own count of starts in the last 24 h and Discord's
	 * last reading of used starts (total - remaining, 0 when unknown): what
	 * a re-seed may assume at least. May be NULL. */
	int (*local_used)(void *ud);
	/* A lease changed hands (ours → not, not → ours) or was refused. */
	void (*on_lease)(void *ud, const struct cluster_lease *l);
	/* A renewal went through (every lease_ttl / 3): a session that had
	 * no event to persist is written again, so its copy in the store
	 * does not expire while it lives. May be NULL. */
	void (*on_renewed)(void *ud);
	/* The store's epoch changed (first seen, or re-seeded): keep it for
	 * the next start. May be NULL. */
	void (*on_epoch)(void *ud, const char *epoch);
};

struct cluster_stats {
	bool up;
	unsigned reconnects;            /* connections made after the first */
	uint64_t permits[CP_UNREACHABLE + 1];   /* by enum cluster_permit_status */
	int starts_left;                /* from the last granted permit, -1 unknown */
	uint64_t rest_waits;            /* REST takes told to wait */
	uint64_t reseeds;               /* the store found without its data */
	int nshards, owned;             /* claimed, held */
	int by_owner[CO_COUNT];         /* the cluster's shards in the view kept */
};

struct cluster;

typedef void (*cluster_permit_fn)(void *ud, const struct cluster_permit *p);
typedef void (*cluster_rest_fn)(void *ud, bool go, int64_t wait_ms, const char *err);
typedef void (*cluster_session_fn)(void *ud, const struct cluster_session *s, const char *err);
typedef void (*cluster_view_fn)(void *ud, const struct cluster_shard_view *v, int n,
    const char *err);
typedef void (*cluster_budget_fn)(void *ud, int used, int left, int64_t next_free_wall_ms,
    const char *err);

/* Connects at once. NULL with a message. */
struct cluster *cluster_new(struct loop *loop, struct logring *log,
    const struct cluster_config *cfg, const struct cluster_hooks *hooks, char *err,
    size_t errlen);
/* Releases its leases when it can (best effort, not waited for), then
 * frees. Pending callbacks are dropped uncalled. */
void cluster_free(struct cluster *c);

bool cluster_is_up(const struct cluster *c);
const char *cluster_why_down(const struct cluster *c);
const char *cluster_owner(const struct cluster *c);
/* Counters for /metrics (no I/O). */
void cluster_get_stats(const struct cluster *c, struct cluster_stats *out);
/* The shards claimed (ids in shards[0..n)) and whether each is held. */
int cluster_claimed(const struct cluster *c, const int **shards, const bool **ours);
/* The Redis client, for tests. */
struct redis_lws *cluster_redis(struct cluster *c);

/* Before an IDENTIFY: a start from the shared budget and the concurrency
 * key's lock, atomically. */
int cluster_permit(struct cluster *c, int shard, int key, cluster_permit_fn cb, void *ud,
    char *err, size_t errlen);
/* The IDENTIFY of a permitted shard went now: its key rests the spacing
 * from here, not from the permit (fire and forget). */
void cluster_identified(struct cluster *c, int shard, int key);
/* The state of the shared budget. */
int cluster_budget(struct cluster *c, cluster_budget_fn cb, void *ud, char *err, size_t errlen);
/* A fresh session_start_limit reading (fire and forget; failures logged). */
void cluster_report_limit(struct cluster *c, int total, int remaining, int64_t reset_after_ms,
    int max_concurrency);

/* Before a REST request: n slots of the shared 50/s. */
int cluster_rest_take(struct cluster *c, int n, cluster_rest_fn cb, void *ud, char *err,
    size_t errlen);
/* A global 429: nobody in the cluster sends for ms (fire and forget). */
void cluster_rest_pause(struct cluster *c, int64_t ms);

/* Claims these shards (replacing any earlier claim) and keeps renewing;
 * on_lease tells what happened to each. 0, or -1 with a message. */
int cluster_claim(struct cluster *c, const int *shards, int n, char *err, size_t errlen);
/* True when the last renewal said the shard is ours. */
bool cluster_owns(const struct cluster *c, int shard);
/* Gives up every lease this process holds (a clean exit: another process
 * may take the shards at once) and stops renewing; done is called once
 * (with err when the store could not be told, the leases then lapse on
 * their own). 0, or -1 with a message. */
int cluster_release(struct cluster *c, void (*done)(void *ud, const char *err), void *ud,
    char *err, size_t errlen);

/* The shard's session, for a RESUME elsewhere (fire and forget; written
 * only while we hold its lease; id "" forgets it). */
void cluster_session_put(struct cluster *c, int shard, const char *id, int64_t seq,
    const char *url, int64_t ttl_ms);
int cluster_session_get(struct cluster *c, int shard, cluster_session_fn cb, void *ud,
    char *err, size_t errlen);

enum cluster_owner cluster_shard_owner(const struct cluster *c, int shard);

/* Publishes a shard's state for the cluster view (fire and forget). */
void cluster_publish(struct cluster *c, int shard, const char *state);
int cluster_view(struct cluster *c, int shards, cluster_view_fn cb, void *ud, char *err,
    size_t errlen);
/* Who holds each identify lock 0..keys-1 (at most CLUSTER_KEYS_MAX), as the
 * view's rows: shard is the key, owner its holder ("owner shard N"), pttl
 * how long it rests; state empty. 0, or -1 with a message. */
int cluster_locks(struct cluster *c, int keys, cluster_view_fn cb, void *ud, char *err,
    size_t errlen);

#endif
