/*
 * The session-start budget. Discord allows `total` (normally 1000) IDENTIFYs
 * per 24 h for a token, across every process and shard that uses it; one more
 * and the token is reset. vigil keeps two counts and obeys the stricter:
 *
 *  - its own: every IDENTIFY it sends, time-stamped (wall clock), in a rolling
 *    24 h window, persisted in the state file so a restart cannot forget;
 *  - Discord's: `session_start_limit` from GET /gateway/bot (total,
 *    remaining, reset_after, max_concurrency), read fresh before each
 *    IDENTIFY, minus the IDENTIFYs vigil sent since that reading.
 *
 * A reserve (default 10) is kept back: may_identify is false once only the
 * reserve is left. Identify concurrency: one IDENTIFY per 5 s per
 * `shard_id % max_concurrency` bucket.
 *
 * All times are struct vtime; the 24 h window uses wall_ms, the 5 s spacing
 * uses mono_ms.
 */
#ifndef VIGIL_BOT_BUDGET_H
#define VIGIL_BOT_BUDGET_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "bot/vtime.h"

#define BUDGET_DEFAULT_LIMIT    1000
#define BUDGET_DEFAULT_RESERVE  10
/* Large bots get max(2000, guilds/1000*5); this bounds the record. */
#define BUDGET_MAX_STARTS       8192
#define BUDGET_WINDOW_MS        MS_PER_DAY
#define BUDGET_SPACING_MS       (5 * MS_PER_S)
/* Kept on top of the 5 s: two IDENTIFYs sent 5 s apart can arrive closer
 * when the first was slower on the way, and Discord counts arrivals (seen
 * as op 9 with 16 shards on one key). */
#define BUDGET_SPACING_MARGIN_MS 250
#define BUDGET_MAX_CONCURRENCY  16
#define BUDGET_REASON_MAX       40

struct budget_start {
	int64_t wall_ms;
	char reason[BUDGET_REASON_MAX];   /* "first start", "op 9", "close 4007", "assumed: corrupt state file" */
};

struct budget {
	int limit;                        /* vigil's own rule */
	int reserve;
	/* Session starts in the last 24 h, oldest first (a ring). */
	struct budget_start starts[BUDGET_MAX_STARTS];
	int head, count;
	/* Discord's last reading, if any. */
	bool discord_known;
	int d_total, d_remaining, d_max_concurrency;
	int64_t d_seen_wall_ms;           /* when it was read */
	int64_t d_reset_wall_ms;          /* seen + reset_after */
	int d_used_since;                 /* IDENTIFYs recorded after the reading */
	/* Identify spacing, per concurrency bucket (mono ms of the last IDENTIFY; 0 = none). */
	int64_t last_identify_mono[BUDGET_MAX_CONCURRENCY];
};

/* limit <= 0 means BUDGET_DEFAULT_LIMIT (at most BUDGET_MAX_STARTS); a
 * negative reserve means BUDGET_DEFAULT_RESERVE (at most limit - 1). */
void budget_init(struct budget *b, int limit, int reserve);

/* Records one IDENTIFY now. Call it before the IDENTIFY is sent (and persist
 * right after), so a crash cannot lose it. */
void budget_record(struct budget *b, struct vtime now, int shard_id, const char *reason);
/* A fresh session_start_limit reading. A total <= 0 is ignored; the rest is
 * clamped (reset_after to [0, 24 h], max_concurrency to
 * [1, BUDGET_MAX_CONCURRENCY]). */
void budget_update_discord(struct budget *b, struct vtime now, int total, int remaining,
    int64_t reset_after_ms, int max_concurrency);

/* Discord's max_concurrency when known, else 1: the number of identify keys. */
int budget_max_concurrency(const struct budget *b);
/* Session starts counted by vigil in the 24 h before now. */
int budget_used(const struct budget *b, struct vtime now);
/* The effective limit: min(limit, Discord's total when known). */
int budget_limit(const struct budget *b);
/* Starts left before the limit (not counting the reserve): the stricter of
 * limit - used and Discord's remaining (adjusted for starts since the
 * reading, and back to total once its reset time has passed). Never < 0. */
int budget_remaining(const struct budget *b, struct vtime now);
/* True when an IDENTIFY may be sent now: more than `reserve` left and the
 * shard's concurrency bucket is free. */
bool budget_may_identify(const struct budget *b, struct vtime now, int shard_id);
/* Milliseconds until budget_may_identify becomes true (0 if it is): the later
 * of the next freed slot (oldest start + 24 h, or Discord's reset) and the
 * 5 s spacing. Always finite: when no slot can ever free (Discord's total
 * is not above the reserve) it is BUDGET_WINDOW_MS, by when a fresh reading
 * may say otherwise. */
int64_t budget_wait_ms(const struct budget *b, struct vtime now, int shard_id);
/* Wall ms when the next slot of the 24 h window frees (oldest start + 24 h),
 * or 0 when no start is counted. */
int64_t budget_next_free_wall(const struct budget *b, struct vtime now);
/* The most recent starts, newest first, up to max. Returns how many. */
int budget_recent(const struct budget *b, struct vtime now, struct budget_start *out, int max);

/* A state file could not be read: assume `count` starts happened now (they
 * expire in 24 h) rather than silently resetting the budget to zero. */
void budget_assume_used(struct budget *b, struct vtime now, int count, const char *reason);

/* Serialisation for the state file (no I/O here).
 * budget_to_json: a new reference, or NULL when out of memory.
 * budget_from_json: replaces the starts and Discord reading with those in
 * `j` (the limit and reserve stay as configured). Starts older than 24 h are
 * dropped, starts in the future (clock moved back) are kept and clamped to
 * now. A start less than 5 s old holds every concurrency bucket for the rest
 * of its spacing, so a restart cannot identify too soon. 0, or -1 with a
 * message when `j` is not a valid budget object; *b is unchanged on error. */
json_t *budget_to_json(const struct budget *b);
int budget_from_json(struct budget *b, const json_t *j, struct vtime now, char *err, size_t errlen);

#endif
