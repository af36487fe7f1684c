/*
 * What a bucket's headers allow (ratelimit-internal.h has the state). The rule that
 * keeps invariant 5 (docs/design.md) under concurrency and reordered responses: `remaining`
 * only ever goes down within a window (a late response carries an old,
 * higher count), each response can only push the known end of the window
 * later, and a refill at reset counts the requests still in flight as spent,
 * because they may land in the new window. A request that fails unanswered
 * may have opened a window of its own, whose length we only guess (the
 * longest Reset-After seen can be short of the real window when every answer
 * came mid-window), so past that guess one request probes alone until an
 * answer brings limits again.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bot/ratelimit-internal.h"

int64_t
rlq_seconds_to_ms(double s)
{
	double ms = s * 1000.0;

	if (!(ms > 0))
		return 0;
	if (ms > 1e15)
		return (int64_t)1e15;
	/* The epsilon keeps 1.5 s at 1500 ms despite binary rounding. */
	return (int64_t)ceil(ms - 1e-6);
}

/* A fresh bucket with no route attached yet; -1 cannot happen while the
 * pool is as big as the route table, since each route holds one bucket. */
int
rlq_bucket_new(struct rlq_queue *q, const char *major)
{
	for (int i = 0; i < RLQ_MAX_ROUTES; i++) {
		struct rlq_bucket *b = &q->bucket[i];

		if (b->used)
			continue;
		memset(b, 0, sizeof(*b));
		b->used = true;
		snprintf(b->major, sizeof(b->major), "%s", major);
		return i;
	}
	return -1;
}

void
rlq_bucket_release(struct rlq_queue *q, int i)
{
	struct rlq_bucket *b = &q->bucket[i];

	if (--b->refs <= 0)
		b->used = false;
}

/* Moves route r, with its requests in flight, to bucket `to`. */
static void
bucket_move(struct rlq_queue *q, struct rlq_route *r, int to)
{
	struct rlq_bucket *from = &q->bucket[r->bucket], *dst = &q->bucket[to];

	from->inflight -= r->inflight;
	dst->inflight += r->inflight;
	/* dst's last headers did not count these. */
	if (dst->known)
		dst->remaining = dst->remaining > r->inflight ? dst->remaining - r->inflight : 0;
	dst->hold_until = rlq_max64(dst->hold_until, from->hold_until);
	dst->window_ms = rlq_max64(dst->window_ms, from->window_ms);
	dst->refs++;
	rlq_bucket_release(q, r->bucket);
	r->bucket = to;
}

void
rlq_bucket_learn_hash(struct rlq_queue *q, struct rlq_route *r, const char *hash)
{
	struct rlq_bucket *cur = &q->bucket[r->bucket];
	int i;

	if (hash[0] == '\0' || strcmp(cur->hash, hash) == 0)
		return;
	for (i = 0; i < RLQ_MAX_ROUTES; i++) {
		const struct rlq_bucket *b = &q->bucket[i];

		if (b->used && strcmp(b->hash, hash) == 0 && strcmp(b->major, r->major) == 0) {
			bucket_move(q, r, i);
			return;
		}
	}
	/* Alone in its bucket: it simply gets a name. What it learned so far
	 * stays, which errs on the side of waiting. */
	if (cur->refs == 1) {
		snprintf(cur->hash, sizeof(cur->hash), "%s", hash);
		return;
	}
	i = rlq_bucket_new(q, r->major);
	if (i < 0)
		return;
	snprintf(q->bucket[i].hash, sizeof(q->bucket[i].hash), "%s", hash);
	bucket_move(q, r, i);
}

int
rlq_bucket_remaining(const struct rlq_bucket *b, int64_t now)
{
	if (!b->known || (b->blind && now >= b->reset_at))
		return b->inflight == 0 ? 1 : 0;
	if (now >= b->reset_at)
		return b->limit > b->inflight ? b->limit - b->inflight : 0;
	return b->remaining;
}

int64_t
rlq_bucket_ready_at(const struct rlq_bucket *b, int64_t at)
{
	at = rlq_max64(at, b->hold_until);
	if (!b->known)
		return b->inflight == 0 ? at : VTIME_NEVER;
	if (rlq_bucket_remaining(b, at) > 0)
		return at;
	if (b->reset_at > at && rlq_bucket_remaining(b, b->reset_at) > 0)
		return b->reset_at;
	return VTIME_NEVER;       /* only a response can free a slot */
}

/* Nothing learned here would be lost by forgetting the bucket. */
bool
rlq_bucket_quiet(const struct rlq_bucket *b, int64_t now)
{
	return b->inflight == 0 && now >= b->hold_until && (!b->known || now >= b->reset_at);
}

void
rlq_bucket_sent(struct rlq_bucket *b, int64_t now)
{
	if (b->known) {
		int left = rlq_bucket_remaining(b, now);

		b->remaining = left > 0 ? left - 1 : 0;
	}
	b->inflight++;
}

/* A response without limits: the request may still have been counted, in a
 * window whose end we cannot see, so wait as long as the longest window. */
static void
update_blind(struct rlq_bucket *b, int64_t now)
{
	int left;

	if (!b->known)
		return;
	left = rlq_bucket_remaining(b, now);
	b->blind = true;
	/* Past the known window the refill forgets what was sent: this
	 * request may have opened the new one, so it stays spent there. */
	if (now >= b->reset_at && left > 0)
		left--;
	b->remaining = left;
	b->reset_at = rlq_max64(b->reset_at, now + b->window_ms);
}

/* Call after the answered request left b->inflight. */
void
rlq_bucket_update(struct rlq_bucket *b, int64_t now, const struct rlq_headers *h)
{
	int64_t reset;
	int avail;

	if (h == NULL || !h->has_limit || !h->has_remaining || !h->has_reset_after) {
		update_blind(b, now);
		return;
	}
	reset = now + rlq_seconds_to_ms(h->reset_after_s);
	b->window_ms = rlq_max64(b->window_ms, reset - now);
	/* Requests still in flight may not be in Discord's count yet. */
	avail = h->remaining > b->inflight ? h->remaining - b->inflight : 0;
	if (!b->known) {
		b->known = true;
		b->limit = h->limit;
		b->remaining = avail;
		b->reset_at = reset;
		return;
	}
	/* Limits again: a probe's answer is the count, not a guess. */
	if (reset > now)
		b->blind = false;
	b->remaining = rlq_bucket_remaining(b, now);
	b->limit = h->limit;
	if (reset <= now)
		return;           /* its window is over: nothing left to learn */
	b->reset_at = rlq_max64(b->reset_at, reset);
	if (avail < b->remaining)
		b->remaining = avail;
}

/* A 429 on this bucket: nothing goes before `until`; unless the limit is
 * the resource's (shared scope), our count was wrong and is now zero. */
void
rlq_bucket_hold(struct rlq_bucket *b, int64_t until, bool exhausted)
{
	b->hold_until = rlq_max64(b->hold_until, until);
	if (exhausted && b->known) {
		b->remaining = 0;
		b->reset_at = rlq_max64(b->reset_at, until);
	}
}
