/*
 * The REST rate-limit queue (sans-I/O): which request may go out now, and
 * what a response teaches about the limits. The network layer sends what
 * rlq_next hands out and reports each response with rlq_complete.
 *
 * Discord's rules (docs/protocol.md §2): per-route buckets keyed by the
 * X-RateLimit-Bucket hash plus the top-level resource (channel, guild,
 * webhook id+token); one FIFO per route key; one request in flight per route
 * until its limits are known, then at most `remaining` in flight; decimal
 * Reset-After; a global 50 requests/s; on 429 the body's retry_after (float)
 * else Retry-After, honouring `global` and X-RateLimit-Scope; exponential
 * backoff with jitter on 5xx and network errors; a sliding 10-minute count
 * of 401/403/429 (shared-scope 429s excluded) against the 10,000 limit; a 429
 * without rate-limit headers is an IP ban that freezes REST; 401 freezes
 * REST and tells the operator.
 *
 * No request is dropped: each ends as RLQ_DONE_OK or RLQ_DONE_FAILED (after
 * RLQ_MAX_RETRIES failed tries on 5xx/network errors, a 4xx other than 429,
 * or at once when submitted with RLQ_NO_RETRY). 429s never exhaust retries.
 * A full queue refuses new requests at submit time, with an error, rather
 * than evicting queued ones.
 */
#ifndef VIGIL_BOT_RATELIMIT_H
#define VIGIL_BOT_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bot/log.h"
#include "bot/rng.h"
#include "bot/vtime.h"

#define RLQ_MAX_PENDING        2048    /* queued + in flight, all routes */
#define RLQ_MAX_ROUTES         256     /* idle routes are swept first when full */
#define RLQ_GLOBAL_PER_S       50
#define RLQ_INVALID_WINDOW_MS  (10 * MS_PER_MIN)
#define RLQ_INVALID_LIMIT      10000
#define RLQ_MAX_RETRIES        5
#define RLQ_BAN_FREEZE_MS      (15 * MS_PER_MIN)   /* when a ban gives no Retry-After */
#define RLQ_ROUTE_MAX          128
#define RLQ_BUCKET_MAX         64

/* Flags for rlq_submit. */
#define RLQ_NO_RETRY           0x1     /* report the first failure (GET /gateway/bot before IDENTIFY) */

/* The response headers that matter, parsed from raw header lines. */
struct rlq_headers {
	bool has_limit, has_remaining, has_reset_after, has_retry_after;
	int limit, remaining;
	double reset_after_s;             /* X-RateLimit-Reset-After (decimal) */
	double retry_after_s;             /* Retry-After */
	char bucket[RLQ_BUCKET_MAX];       /* X-RateLimit-Bucket */
	bool global;                      /* X-RateLimit-Global: true */
	char scope[16];                   /* X-RateLimit-Scope: user | global | shared */
	bool has_via;                     /* Via (Cloudflare passes it; a ban does not) */
};

void rlq_headers_init(struct rlq_headers *h);
/* Feeds one raw header line ("Name: value", CRLF optional). Names are
 * case-insensitive; unknown names and malformed values are ignored. */
void rlq_headers_line(struct rlq_headers *h, const char *line, size_t len);

/* The route key of a request: method + path with minor ids replaced by
 * ":id", the top-level id kept, reactions collapsed:
 *   PUT /channels/1/messages/2/reactions/x/@me -> "PUT /channels/1/messages/:id/reactions"
 * Writes at most outlen bytes (NUL-terminated). */
void rlq_route_key(const char *method, const char *path, char *out, size_t outlen);

struct rlq_send {                      /* a request the caller should send now */
	uint64_t id;
	const char *method;               /* borrowed until rlq_complete(id) */
	const char *path;                 /* "/channels/1/messages" (no base URL) */
	const char *body;                 /* JSON or NULL */
	size_t body_len;
};

enum rlq_outcome { RLQ_DONE_OK, RLQ_DONE_FAILED, RLQ_RETRY };

struct rlq_done {
	enum rlq_outcome outcome;          /* RLQ_RETRY: requeued, nothing for the caller */
	uint64_t id;
	int tag;                          /* what the submitter passed */
	void *ud;
	int status;                       /* last HTTP status, 0 for a transport error */
	int attempts;
	char why[128];                    /* failure reason */
};

struct rlq_row {                       /* one line of the console's queue view */
	char route[RLQ_ROUTE_MAX];
	char bucket[RLQ_BUCKET_MAX];       /* "" until learned */
	bool known;                       /* limits learned from headers */
	int limit, remaining;
	int64_t reset_in_ms;              /* 0 when not limited */
	int pending, inflight;
	uint64_t sent, hits429;
};

struct rlq_global {
	int per_s;                        /* the global limit */
	int sent_last_s;
	int64_t global_wait_ms;           /* > 0 while a global 429 holds everything */
	int invalid_10min;                /* 401/403/429 in the last 10 minutes */
	int invalid_limit;
	bool banned;                      /* 429 without rate-limit headers seen */
	int64_t ban_left_ms;
	bool unauthorized;                /* 401: REST stopped until restart */
	int pending, inflight;
	uint64_t sent, ok, failed, hits429, retries;
};

struct rlq_queue;                      /* opaque; allocated by rlq_new */

/* Returns NULL when out of memory. rng and log are borrowed. */
struct rlq_queue *rlq_new(struct rng *rng, struct logring *log);
void rlq_free(struct rlq_queue *q);

/* Queues a request. body (may be NULL) is copied. Returns the request id
 * (> 0), or 0 with a message in err when the queue is full, REST is stopped
 * by a 401, or the method/path is invalid. */
uint64_t rlq_submit(struct rlq_queue *q, struct vtime now, const char *method, const char *path,
    const char *body, int tag, void *ud, unsigned flags, char *err, size_t errlen);
/* Hands out the next request that may be sent now, marking it in flight.
 * false when none may go now (see rlq_next_deadline). */
bool rlq_next(struct rlq_queue *q, struct vtime now, struct rlq_send *out);
/* Reports the response to an in-flight request. status 0 = transport error
 * (transport_err says why). body/len may be NULL/0. Fills *done. */
void rlq_complete(struct rlq_queue *q, struct vtime now, uint64_t id, int status,
    const struct rlq_headers *h, const char *body, size_t len, const char *transport_err,
    struct rlq_done *done);
/* After a 401 the requests still queued are never sent: the queue fails
 * them itself, and each call hands over one such report (RLQ_DONE_FAILED,
 * like a completion) until it returns false. Call it after rlq_complete. */
bool rlq_reap(struct rlq_queue *q, struct rlq_done *out);
/* Mono ms when rlq_next may next hand something out, VTIME_NEVER if never
 * without new input. */
int64_t rlq_next_deadline(const struct rlq_queue *q, struct vtime now);

void rlq_global_view(const struct rlq_queue *q, struct vtime now, struct rlq_global *out);
/* Up to max rows, busiest first (pending, then recent activity). */
int rlq_rows(const struct rlq_queue *q, struct vtime now, struct rlq_row *rows, int max);

#endif
