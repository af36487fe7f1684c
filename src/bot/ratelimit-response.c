/*
 * What a response does to the REST queue (ratelimit.h): learn the bucket,
 * then finish the request, or put it back at the head of its route after a
 * 429 (never counted against retries), a 5xx or a transport error (backoff
 * with jitter, RLQ_MAX_RETRIES tries). A 401 stops REST: the requests still
 * queued are failed by the queue itself and handed over by rlq_reap, so none
 * is lost without a report.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "bot/ratelimit-internal.h"

#define RLQ_BACKOFF_BASE_MS  500
#define RLQ_BACKOFF_CAP_MS   (30 * MS_PER_S)
#define RLQ_429_DEFAULT_MS   MS_PER_S          /* a 429 that names no wait */
#define RLQ_BODY_PARSE_MAX   (64 * 1024)       /* a 429 body is a few dozen bytes */

struct rlq_429 {
	bool banned, global, shared;
	int64_t wait_ms;
};

static int64_t
floor_sec(int64_t ms)
{
	return ms >= 0 ? ms / MS_PER_S : -((-ms + MS_PER_S - 1) / MS_PER_S);
}

int
rlq_invalid_count(const struct rlq_queue *q, int64_t now)
{
	int64_t sec = floor_sec(now);
	int n = 0;

	for (int i = 0; i < RLQ_INVALID_SLOTS; i++) {
		if (q->inv_sec[i] > sec - RLQ_INVALID_SLOTS && q->inv_sec[i] <= sec)
			n += (int)q->inv_count[i];
	}
	return n;
}

/* One 401, 403 or non-shared 429, in a ring of per-second counters. */
static void
invalid_add(struct rlq_queue *q, int64_t now)
{
	int64_t sec = floor_sec(now);
	int slot = (int)(((sec % RLQ_INVALID_SLOTS) + RLQ_INVALID_SLOTS) % RLQ_INVALID_SLOTS);
	int n;

	if (q->inv_sec[slot] != sec) {
		q->inv_sec[slot] = sec;
		q->inv_count[slot] = 0;
	}
	q->inv_count[slot]++;
	n = rlq_invalid_count(q, now);
	if (n < RLQ_INVALID_LIMIT / 2)
		q->inv_warned = false;
	else if (n >= RLQ_INVALID_LIMIT / 10 * 8 && !q->inv_warned) {
		q->inv_warned = true;
		RLQ_LOG(q, LOG_WARN, "%d invalid requests (401/403/429) in 10 minutes; "
		    "Discord bans the IP at %d", n, RLQ_INVALID_LIMIT);
	}
}

static struct rlq_req *
find_inflight(struct rlq_queue *q, uint64_t id)
{
	struct rlq_req *rq;

	if (id == 0)
		return NULL;
	rq = &q->req[id % RLQ_MAX_PENDING];
	return rq->id == id && rq->state == RLQ_INFLIGHT ? rq : NULL;
}

static void
fill_done(const struct rlq_req *rq, enum rlq_outcome o, const char *why, struct rlq_done *done)
{
	done->outcome = o;
	done->id = rq->id;
	done->tag = rq->tag;
	done->ud = rq->ud;
	done->status = rq->status;
	done->attempts = rq->attempts;
	snprintf(done->why, sizeof(done->why), "%s", why);
}

static void
finish(struct rlq_queue *q, struct rlq_req *rq, enum rlq_outcome o, const char *why,
    struct rlq_done *done)
{
	fill_done(rq, o, why, done);
	if (o == RLQ_DONE_OK)
		q->ok++;
	else
		q->failed++;
	rlq_req_release(q, rq);
}

/* Back at the head of its route, unless a 401 has stopped REST meanwhile. */
static void
requeue(struct rlq_queue *q, struct rlq_req *rq, const char *why, struct rlq_done *done)
{
	char buf[RLQ_WHY_MAX];

	if (q->unauthorized) {
		snprintf(buf, sizeof(buf), "%.96s; REST stopped by a 401", why);
		finish(q, rq, RLQ_DONE_FAILED, buf, done);
		return;
	}
	fill_done(rq, RLQ_RETRY, why, done);
	q->retries++;
	rlq_route_push_head(q, rq);
}

/* Equal jitter: half the doubled delay is kept so a retry never comes at
 * once, the other half spreads clients that failed together. */
static int64_t
backoff_ms(struct rlq_queue *q, int failures)
{
	int64_t d = RLQ_BACKOFF_BASE_MS;

	for (int k = 1; k < failures && d < RLQ_BACKOFF_CAP_MS; k++)
		d *= 2;
	if (d > RLQ_BACKOFF_CAP_MS)
		d = RLQ_BACKOFF_CAP_MS;
	return d / 2 + rng_range(q->rng, 0, d / 2);
}

static void
retry_or_fail(struct rlq_queue *q, struct rlq_req *rq, int64_t now, const char *terr,
    struct rlq_done *done)
{
	struct rlq_route *r = &q->route[rq->route];
	char why[RLQ_WHY_MAX], last[RLQ_WHY_MAX];

	rq->failures++;
	if (rq->status == 0)
		snprintf(why, sizeof(why), "transport error: %.96s", terr != NULL ? terr : "unknown");
	else
		snprintf(why, sizeof(why), "HTTP %d", rq->status);
	if ((rq->flags & RLQ_NO_RETRY) != 0 || rq->failures >= RLQ_MAX_RETRIES) {
		snprintf(last, sizeof(last), "%.100s (try %d, no more retries)", why, rq->failures);
		finish(q, rq, RLQ_DONE_FAILED, last, done);
		return;
	}
	r->hold_until = rlq_max64(r->hold_until, now + backoff_ms(q, rq->failures));
	requeue(q, rq, why, done);
}

/* Fails every queued request into the reap list; returns how many. */
static int
fail_queued(struct rlq_queue *q)
{
	int n = 0;

	for (int i = 0; i < RLQ_MAX_ROUTES; i++) {
		struct rlq_route *r = &q->route[i];

		if (!r->used)
			continue;
		while (r->head >= 0) {
			int k = r->head;

			r->head = q->req[k].next;
			q->req[k].state = RLQ_REAPED;
			rlq_list_append(q, &q->reap_head, &q->reap_tail, k);
			n++;
		}
		r->tail = -1;
		q->queued -= r->queued;
		r->queued = 0;
	}
	return n;
}

static void
on_401(struct rlq_queue *q, struct rlq_req *rq, int64_t now, struct rlq_done *done)
{
	invalid_add(q, now);
	if (!q->unauthorized) {
		int n;

		q->unauthorized = true;
		n = fail_queued(q);
		RLQ_LOG(q, LOG_ERROR, "401 Unauthorized on %s: Discord rejected the bot's "
		    "credentials; REST stopped, %d queued request(s) failed",
		    q->route[rq->route].key, n);
	}
	finish(q, rq, RLQ_DONE_FAILED, "401 Unauthorized: credentials rejected, REST stopped", done);
}

bool
rlq_reap(struct rlq_queue *q, struct rlq_done *out)
{
	struct rlq_req *rq;

	if (q->reap_head < 0)
		return false;
	rq = &q->req[q->reap_head];
	q->reap_head = rq->next;
	if (q->reap_head < 0)
		q->reap_tail = -1;
	finish(q, rq, RLQ_DONE_FAILED, "not sent: REST stopped by a 401 Unauthorized", out);
	return true;
}

/* retry_after and global from a 429 body, when it is JSON. */
static void
parse_429_body(const char *body, size_t len, double *retry_s, bool *has_retry, bool *global)
{
	json_t *root, *v;
	double d;

	if (body == NULL || len == 0 || len > RLQ_BODY_PARSE_MAX)
		return;
	root = json_loadb(body, len, 0, NULL);
	if (root == NULL)
		return;
	v = json_object_get(root, "retry_after");
	if (json_is_number(v)) {
		d = json_number_value(v);
		if (isfinite(d) && d >= 0 && d <= 7.0 * 24 * 3600) {
			*retry_s = d;
			*has_retry = true;
		}
	}
	v = json_object_get(root, "global");
	if (json_is_boolean(v))
		*global = json_is_true(v);
	json_decref(root);
}

static void
classify_429(const struct rlq_headers *h, const char *body, size_t len, struct rlq_429 *out)
{
	static const struct rlq_headers none;
	double retry_s = 0;
	bool has_retry = false, global = false, rlq_headers;

	if (h == NULL)
		h = &none;
	parse_429_body(body, len, &retry_s, &has_retry, &global);
	if (!has_retry && h->has_retry_after) {
		retry_s = h->retry_after_s;
		has_retry = true;
	}
	rlq_headers = h->has_limit || h->has_remaining || h->has_reset_after ||
	    h->bucket[0] != '\0' || h->global || h->scope[0] != '\0';
	/* Cloudflare's ban carries neither Discord's headers nor Via. */
	out->banned = !rlq_headers && !h->has_via;
	out->global = global || h->global || strcmp(h->scope, "global") == 0;
	out->shared = strcmp(h->scope, "shared") == 0;
	out->wait_ms = has_retry ? rlq_seconds_to_ms(retry_s) :
	    out->banned ? RLQ_BAN_FREEZE_MS : RLQ_429_DEFAULT_MS;
}

static void
on_429(struct rlq_queue *q, struct rlq_req *rq, int64_t now, const struct rlq_headers *h,
    const char *body, size_t len, struct rlq_done *done)
{
	struct rlq_route *r = &q->route[rq->route];
	const char *scope;
	struct rlq_429 c;
	char why[RLQ_WHY_MAX];

	classify_429(h, body, len, &c);
	q->hits429++;
	r->hits429++;
	rlq_bucket_update(&q->bucket[r->bucket], now, h);
	scope = c.banned ? "ban" : c.global ? "global" : c.shared ? "shared" : "user";
	if (c.banned && q->ban_until <= now)
		RLQ_LOG(q, LOG_ERROR, "429 without rate-limit headers on %s: IP ban (Cloudflare?); "
		    "all REST frozen for %.3f s", r->key, (double)c.wait_ms / 1000.0);
	else
		RLQ_LOG(q, LOG_WARN, "429 on %s: retry after %.3f s (scope %s)", r->key,
		    (double)c.wait_ms / 1000.0, scope);
	if (c.banned)
		q->ban_until = rlq_max64(q->ban_until, now + c.wait_ms);
	else if (c.global)
		q->global_until = rlq_max64(q->global_until, now + c.wait_ms);
	else
		rlq_bucket_hold(&q->bucket[r->bucket], now + c.wait_ms, !c.shared);
	if (!c.shared)
		invalid_add(q, now);
	snprintf(why, sizeof(why), "429 (%s), retry in %.3f s", scope, (double)c.wait_ms / 1000.0);
	requeue(q, rq, why, done);
}

/* The request left the wire: it is no longer in flight anywhere. */
static void
land(struct rlq_queue *q, struct rlq_req *rq, int64_t now)
{
	struct rlq_route *r = &q->route[rq->route];

	r->inflight--;
	q->inflight--;
	q->bucket[r->bucket].inflight--;
	r->last_active = now;
}

void
rlq_complete(struct rlq_queue *q, struct vtime now, uint64_t id, int status,
    const struct rlq_headers *h, const char *body, size_t len, const char *transport_err,
    struct rlq_done *done)
{
	struct rlq_req *rq = find_inflight(q, id);
	struct rlq_route *r;
	char why[RLQ_WHY_MAX];

	memset(done, 0, sizeof(*done));
	done->id = id;
	if (rq == NULL) {
		done->outcome = RLQ_RETRY;      /* nothing for the caller to do */
		snprintf(done->why, sizeof(done->why), "unknown request id %llu",
		    (unsigned long long)id);
		RLQ_LOG(q, LOG_WARN, "response for unknown request id %llu ignored",
		    (unsigned long long)id);
		return;
	}
	r = &q->route[rq->route];
	rq->status = status;
	land(q, rq, now.mono_ms);
	if (h != NULL && h->bucket[0] != '\0')
		rlq_bucket_learn_hash(q, r, h->bucket);
	if (status == 429) {
		on_429(q, rq, now.mono_ms, h, body, len, done);
		return;
	}
	rlq_bucket_update(&q->bucket[r->bucket], now.mono_ms, h);
	if (status == 401) {
		on_401(q, rq, now.mono_ms, done);
	} else if (status >= 200 && status < 400) {
		finish(q, rq, RLQ_DONE_OK, "", done);
	} else if (status >= 400 && status < 500) {
		if (status == 403)
			invalid_add(q, now.mono_ms);
		snprintf(why, sizeof(why), "HTTP %d", status);
		finish(q, rq, RLQ_DONE_FAILED, why, done);
	} else if (status == 0 || (status >= 500 && status < 600)) {
		retry_or_fail(q, rq, now.mono_ms, transport_err, done);
	} else {
		snprintf(why, sizeof(why), "unexpected HTTP status %d", status);
		finish(q, rq, RLQ_DONE_FAILED, why, done);
	}
}
