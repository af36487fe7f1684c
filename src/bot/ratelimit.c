/*
 * The REST queue: requests wait in one FIFO per route key and go out when
 * their bucket, the global 50/s window, any 429 hold, backoff or ban allow
 * (docs/protocol.md §2). ratelimit-bucket.c decides what a bucket allows,
 * ratelimit-response.c what a response does. "When may this route send?" has one
 * answer, route_ready_at, used by rlq_next, rlq_next_deadline and the view
 * alike, so the deadline is exact and the view never disagrees.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/ratelimit-internal.h"

struct rlq_queue *
rlq_new(struct rng *rng, struct logring *log)
{
	struct rlq_queue *q = calloc(1, sizeof(*q));

	if (q == NULL)
		return NULL;
	q->rng = rng;
	q->log = log;
	for (int i = 0; i < RLQ_MAX_PENDING; i++)
		q->req[i].next = i + 1 < RLQ_MAX_PENDING ? i + 1 : -1;
	/* Long-past sends: the window starts empty. */
	for (int i = 0; i < RLQ_GLOBAL_PER_S; i++)
		q->sends[i] = INT64_MIN / 2;
	q->reap_head = q->reap_tail = -1;
	return q;
}

void
rlq_free(struct rlq_queue *q)
{
	if (q == NULL)
		return;
	for (int i = 0; i < RLQ_MAX_PENDING; i++) {
		free(q->req[i].path);
		free(q->req[i].body);
	}
	free(q);
}

void
rlq_req_release(struct rlq_queue *q, struct rlq_req *rq)
{
	free(rq->path);
	free(rq->body);
	memset(rq, 0, sizeof(*rq));
	rq->next = q->free_req;
	q->free_req = (int)(rq - q->req);
}

void
rlq_route_push_head(struct rlq_queue *q, struct rlq_req *rq)
{
	struct rlq_route *r = &q->route[rq->route];
	int i = (int)(rq - q->req);

	rq->state = RLQ_QUEUED;
	rq->next = r->head;
	r->head = i;
	if (r->tail < 0)
		r->tail = i;
	r->queued++;
	q->queued++;
}

static bool
method_ok(const char *m)
{
	static const char *const methods[] = { "GET", "POST", "PUT", "PATCH", "DELETE" };

	for (size_t k = 0; k < sizeof(methods) / sizeof(methods[0]); k++) {
		if (strcmp(m, methods[k]) == 0)
			return true;
	}
	return false;
}

static bool
path_ok(const char *p)
{
	size_t n;

	if (p[0] != '/')
		return false;
	for (n = 0; p[n] != '\0' && n < RLQ_PATH_MAX; n++) {
		if ((unsigned char)p[n] <= ' ' || (unsigned char)p[n] >= 0x7f)
			return false;
	}
	return n < RLQ_PATH_MAX;
}

static int
check_submit(const struct rlq_queue *q, const char *method, const char *path, char *err,
    size_t errlen)
{
	if (q->unauthorized) {
		snprintf(err, errlen, "REST stopped: Discord answered 401 Unauthorized; "
		    "fix the bot's credentials and restart");
		return -1;
	}
	if (q->free_req < 0) {
		snprintf(err, errlen, "REST queue full (%d requests): request refused",
		    RLQ_MAX_PENDING);
		return -1;
	}
	if (method == NULL || !method_ok(method)) {
		snprintf(err, errlen, "bad HTTP method \"%.16s\"", method != NULL ? method : "");
		return -1;
	}
	if (path == NULL || !path_ok(path)) {
		snprintf(err, errlen, "bad REST path: it must start with / and hold "
		    "fewer than %d printable characters", RLQ_PATH_MAX);
		return -1;
	}
	return 0;
}

/* Forgets routes with nothing queued or in flight whose bucket has nothing
 * left to teach; returns how many went. */
static int
sweep_routes(struct rlq_queue *q, int64_t now)
{
	int n = 0;

	for (int i = 0; i < RLQ_MAX_ROUTES; i++) {
		struct rlq_route *r = &q->route[i];

		if (!r->used || r->queued > 0 || r->inflight > 0 ||
		    !rlq_bucket_quiet(&q->bucket[r->bucket], now))
			continue;
		rlq_bucket_release(q, r->bucket);
		r->used = false;
		q->nroutes--;
		n++;
	}
	return n;
}

static int
route_find(const struct rlq_queue *q, const char *key)
{
	for (int i = 0; i < RLQ_MAX_ROUTES; i++) {
		if (q->route[i].used && strcmp(q->route[i].key, key) == 0)
			return i;
	}
	return -1;
}

/* The route for key, created if need be; -1 when every route is busy. */
static int
route_get(struct rlq_queue *q, int64_t now, const char *key)
{
	struct rlq_route *r;
	int i = route_find(q, key);

	if (i >= 0)
		return i;
	if (q->nroutes >= RLQ_MAX_ROUTES && sweep_routes(q, now) == 0)
		return -1;
	for (i = 0; q->route[i].used; i++)
		;
	r = &q->route[i];
	memset(r, 0, sizeof(*r));
	r->used = true;
	snprintf(r->key, sizeof(r->key), "%s", key);
	rlq_route_major(key, r->major, sizeof(r->major));
	r->exempt = rlq_route_global_exempt(key);
	r->head = r->tail = -1;
	r->bucket = rlq_bucket_new(q, r->major);
	q->bucket[r->bucket].refs = 1;
	q->nroutes++;
	return i;
}

static char *
dup_bytes(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (p != NULL) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

static void
push_tail(struct rlq_queue *q, int r_idx, int i)
{
	struct rlq_route *r = &q->route[r_idx];

	q->req[i].route = r_idx;
	q->req[i].state = RLQ_QUEUED;
	rlq_list_append(q, &r->head, &r->tail, i);
	r->queued++;
	q->queued++;
}

uint64_t
rlq_submit(struct rlq_queue *q, struct vtime now, const char *method, const char *path,
    const char *body, int tag, void *ud, unsigned flags, char *err, size_t errlen)
{
	char key[RLQ_ROUTE_MAX];
	struct rlq_req *rq;
	int r, i;

	if (check_submit(q, method, path, err, errlen) < 0)
		return 0;
	rlq_route_key(method, path, key, sizeof(key));
	if ((r = route_get(q, now.mono_ms, key)) < 0) {
		snprintf(err, errlen, "REST queue: all %d routes are busy: request refused",
		    RLQ_MAX_ROUTES);
		return 0;
	}
	i = q->free_req;
	rq = &q->req[i];
	q->free_req = rq->next;
	rq->path = dup_bytes(path, strlen(path));
	rq->body_len = body != NULL ? strlen(body) : 0;
	rq->body = body != NULL ? dup_bytes(body, rq->body_len) : NULL;
	if (rq->path == NULL || (body != NULL && rq->body == NULL)) {
		rlq_req_release(q, rq);
		snprintf(err, errlen, "REST queue: out of memory: request refused");
		return 0;
	}
	snprintf(rq->method, sizeof(rq->method), "%s", method);
	rq->id = ++q->seq * RLQ_MAX_PENDING + (uint64_t)i;
	rq->tag = tag;
	rq->ud = ud;
	rq->flags = flags;
	push_tail(q, r, i);
	return rq->id;
}

/* The oldest of the last RLQ_GLOBAL_PER_S sends, plus one second. */
static int64_t
global_window_at(const struct rlq_queue *q)
{
	return q->sends[q->send_next] + MS_PER_S;
}

/* When route r may next hand out its head request (<= now: at once),
 * VTIME_NEVER when only a response can change that. */
static int64_t
route_ready_at(const struct rlq_queue *q, const struct rlq_route *r, int64_t now)
{
	int64_t at = now;

	if (r->head < 0 || q->unauthorized)
		return VTIME_NEVER;
	at = rlq_max64(at, r->hold_until);
	at = rlq_max64(at, q->ban_until);
	at = rlq_max64(at, q->global_until);
	if (!r->exempt)
		at = rlq_max64(at, global_window_at(q));
	return rlq_bucket_ready_at(&q->bucket[r->bucket], at);
}

static void
hand_out(struct rlq_queue *q, struct rlq_route *r, int64_t now, struct rlq_send *out)
{
	struct rlq_req *rq = &q->req[r->head];

	r->head = rq->next;
	if (r->head < 0)
		r->tail = -1;
	rq->next = -1;
	rq->state = RLQ_INFLIGHT;
	rq->attempts++;
	r->queued--;
	q->queued--;
	r->inflight++;
	q->inflight++;
	rlq_bucket_sent(&q->bucket[r->bucket], now);
	if (!r->exempt) {
		q->sends[q->send_next] = now;
		q->send_next = (q->send_next + 1) % RLQ_GLOBAL_PER_S;
	}
	r->sent++;
	q->sent++;
	r->last_active = now;
	out->id = rq->id;
	out->method = rq->method;
	out->path = rq->path;
	out->body = rq->body;
	out->body_len = rq->body_len;
}

bool
rlq_next(struct rlq_queue *q, struct vtime now, struct rlq_send *out)
{
	struct rlq_route *best = NULL;

	/* Called after every event: with nothing queued (the usual case) it
	 * must not walk all RLQ_MAX_ROUTES routes. */
	if (q->queued == 0)
		return false;
	/* Oldest head first, so routes share the wire in submission order. */
	for (int i = 0; i < RLQ_MAX_ROUTES; i++) {
		struct rlq_route *r = &q->route[i];

		if (!r->used || route_ready_at(q, r, now.mono_ms) > now.mono_ms)
			continue;
		if (best == NULL || q->req[r->head].id < q->req[best->head].id)
			best = r;
	}
	if (best == NULL)
		return false;
	hand_out(q, best, now.mono_ms, out);
	return true;
}

int64_t
rlq_next_deadline(const struct rlq_queue *q, struct vtime now)
{
	int64_t t = VTIME_NEVER;

	/* Only a route with a request queued has a deadline (route_ready_at). */
	if (q->queued == 0)
		return t;
	for (int i = 0; i < RLQ_MAX_ROUTES; i++) {
		if (q->route[i].used) {
			int64_t at = route_ready_at(q, &q->route[i], now.mono_ms);

			if (at < t)
				t = at;
		}
	}
	return t;
}

void
rlq_global_view(const struct rlq_queue *q, struct vtime now, struct rlq_global *out)
{
	int64_t t = now.mono_ms;

	memset(out, 0, sizeof(*out));
	out->per_s = RLQ_GLOBAL_PER_S;
	for (int i = 0; i < RLQ_GLOBAL_PER_S; i++)
		out->sent_last_s += q->sends[i] > t - MS_PER_S && q->sends[i] <= t;
	out->global_wait_ms = rlq_max64(0, q->global_until - t);
	out->invalid_10min = rlq_invalid_count(q, t);
	out->invalid_limit = RLQ_INVALID_LIMIT;
	out->ban_left_ms = rlq_max64(0, q->ban_until - t);
	out->banned = out->ban_left_ms > 0;
	out->unauthorized = q->unauthorized;
	out->pending = q->queued;
	out->inflight = q->inflight;
	out->sent = q->sent;
	out->ok = q->ok;
	out->failed = q->failed;
	out->hits429 = q->hits429;
	out->retries = q->retries;
}

static void
fill_row(const struct rlq_queue *q, const struct rlq_route *r, int64_t now, struct rlq_row *row)
{
	const struct rlq_bucket *b = &q->bucket[r->bucket];
	int64_t until = rlq_max64(r->hold_until, b->hold_until);

	memset(row, 0, sizeof(*row));
	snprintf(row->route, sizeof(row->route), "%s", r->key);
	snprintf(row->bucket, sizeof(row->bucket), "%s", b->hash);
	row->known = b->known;
	row->limit = b->limit;
	row->remaining = b->known ? rlq_bucket_remaining(b, now) : 0;
	if (b->known && row->remaining == 0)
		until = rlq_max64(until, b->reset_at);
	row->reset_in_ms = rlq_max64(0, until - now);
	row->pending = r->queued;
	row->inflight = r->inflight;
	row->sent = r->sent;
	row->hits429 = r->hits429;
}

static int
busier(const struct rlq_route *a, const struct rlq_route *b)
{
	if (a->queued != b->queued)
		return a->queued > b->queued;
	if (a->last_active != b->last_active)
		return a->last_active > b->last_active;
	return strcmp(a->key, b->key) < 0;
}

int
rlq_rows(const struct rlq_queue *q, struct vtime now, struct rlq_row *rows, int max)
{
	const struct rlq_route *order[RLQ_MAX_ROUTES];
	int n = 0;

	/* Insertion sort: at most RLQ_MAX_ROUTES rows, drawn about once a second. */
	for (int i = 0; i < RLQ_MAX_ROUTES; i++) {
		const struct rlq_route *r = &q->route[i];
		int k;

		if (!r->used)
			continue;
		for (k = n; k > 0 && busier(r, order[k - 1]); k--)
			order[k] = order[k - 1];
		order[k] = r;
		n++;
	}
	if (n > max)
		n = max > 0 ? max : 0;
	for (int i = 0; i < n; i++)
		fill_row(q, order[i], now.mono_ms, &rows[i]);
	return n;
}
