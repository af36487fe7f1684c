/*
 * The REST queue's insides, shared by its files and by nothing else:
 * ratelimit.c (requests, routes, what may go now), ratelimit-bucket.c (what a
 * bucket's headers allow) and ratelimit-response.c (what a response does).
 *
 * Everything is in fixed arrays inside struct rlq_queue, so the queue's
 * memory is one allocation whatever the traffic; only request paths and
 * bodies are copied to the heap. Lists are threaded through indices.
 */
#ifndef VIGIL_BOT_RATELIMIT_INTERNAL_H
#define VIGIL_BOT_RATELIMIT_INTERNAL_H

#include "bot/ratelimit.h"
#include "bot/ratelimit-route.h"

#define RLQ_PATH_MAX       2048
#define RLQ_METHOD_MAX     8
#define RLQ_INVALID_SLOTS  600      /* one counter per second of the 10-minute window */
#define RLQ_WHY_MAX        128

enum rlq_req_state { RLQ_FREE, RLQ_QUEUED, RLQ_INFLIGHT, RLQ_REAPED };

struct rlq_req {
	uint64_t id;                  /* seq * RLQ_MAX_PENDING + slot; 0 when free */
	enum rlq_req_state state;
	char method[RLQ_METHOD_MAX];
	char *path, *body;
	size_t body_len;
	int tag;
	void *ud;
	unsigned flags;
	int attempts;                 /* times handed out */
	int failures;                 /* 5xx and transport errors, against RLQ_MAX_RETRIES */
	int status;                   /* last HTTP status */
	int route;
	int next;                     /* FIFO, free list or reap list; -1 ends it */
};

/*
 * What Discord told us about one bucket (hash + top-level resource), or a
 * placeholder for one route whose bucket is not learned yet. `remaining`
 * counts sends still allowed with those in flight already taken off; once
 * reset_at has passed it is limit - inflight, since a request still in
 * flight may land in the next window.
 */
struct rlq_bucket {
	bool used;
	char hash[RLQ_BUCKET_MAX];     /* "" until X-RateLimit-Bucket is learned */
	char major[RLQ_MAJOR_MAX];
	int refs;                     /* routes mapped here */
	bool known;                   /* limit/remaining/reset learned */
	int limit, remaining, inflight;
	int64_t reset_at;             /* every counted request's window ends by then */
	int64_t window_ms;            /* the longest Reset-After seen */
	bool blind;                   /* a request failed unanswered since the last limits */
	int64_t hold_until;           /* a 429 on this bucket */
};

struct rlq_route {
	bool used;
	char key[RLQ_ROUTE_MAX];
	char major[RLQ_MAJOR_MAX];
	bool exempt;                  /* not bound by the global limit */
	int bucket;
	int head, tail;
	int queued, inflight;
	int64_t hold_until;           /* backoff after a 5xx or transport error */
	int64_t last_active;
	uint64_t sent, hits429;
};

struct rlq_queue {
	struct rng *rng;
	struct logring *log;
	struct rlq_req req[RLQ_MAX_PENDING];
	int free_req;
	uint64_t seq;
	struct rlq_route route[RLQ_MAX_ROUTES];
	int nroutes;
	struct rlq_bucket bucket[RLQ_MAX_ROUTES];   /* each route holds exactly one */
	int64_t sends[RLQ_GLOBAL_PER_S];           /* the last sends, a ring */
	int send_next;                            /* the oldest of them */
	int64_t global_until, ban_until;
	bool unauthorized;
	int reap_head, reap_tail;
	uint32_t inv_count[RLQ_INVALID_SLOTS];
	int64_t inv_sec[RLQ_INVALID_SLOTS];
	bool inv_warned;
	int queued, inflight;
	uint64_t sent, ok, failed, hits429, retries;
};

#define RLQ_LOG(q, level, ...)                                            \
	do {                                                             \
		if ((q)->log != NULL)                                    \
			LOGF((q)->log, (level), "rest", __VA_ARGS__);    \
	} while (0)

static inline int64_t
rlq_max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

/* Appends request i to a list threaded through req[].next. */
static inline void
rlq_list_append(struct rlq_queue *q, int *head, int *tail, int i)
{
	q->req[i].next = -1;
	if (*tail >= 0)
		q->req[*tail].next = i;
	else
		*head = i;
	*tail = i;
}

/* Seconds from a header or body to whole milliseconds, rounded up so that
 * a wait is never shorter than Discord asked. */
int64_t rlq_seconds_to_ms(double s);

/* ratelimit-bucket.c */
int rlq_bucket_new(struct rlq_queue *q, const char *major);
void rlq_bucket_release(struct rlq_queue *q, int b);
void rlq_bucket_learn_hash(struct rlq_queue *q, struct rlq_route *r, const char *hash);
int rlq_bucket_remaining(const struct rlq_bucket *b, int64_t now);
int64_t rlq_bucket_ready_at(const struct rlq_bucket *b, int64_t at);
bool rlq_bucket_quiet(const struct rlq_bucket *b, int64_t now);
void rlq_bucket_sent(struct rlq_bucket *b, int64_t now);
void rlq_bucket_update(struct rlq_bucket *b, int64_t now, const struct rlq_headers *h);
void rlq_bucket_hold(struct rlq_bucket *b, int64_t until, bool exhausted);

/* ratelimit.c */
void rlq_req_release(struct rlq_queue *q, struct rlq_req *rq);
void rlq_route_push_head(struct rlq_queue *q, struct rlq_req *rq);

/* ratelimit-response.c */
int rlq_invalid_count(const struct rlq_queue *q, int64_t now);

#endif
