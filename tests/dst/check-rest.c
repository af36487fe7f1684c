/*
 * Invariant 5 (docs/design.md): no REST request is dropped, and none is sent into a bucket
 * known to be empty.
 *
 * "Known" is what the bot could know: the answers it was given, in this
 * instance. From them the checker keeps, per route, the end of a window
 * that an answer said was used up (X-RateLimit-Remaining: 0) and the end
 * of any 429 hold, and overall the end of a global 429 and of an IP ban;
 * a request sent before one of these ends is a violation. Independently, a
 * bucket 429 from the emulator (one with X-RateLimit-Bucket) on a route
 * whose limits the bot had learned means its count was wrong. Requests the
 * bot gave up on that reach the emulator later taint the count, so they
 * excuse a 429; so does an answer without limits, for the one request that
 * probes the bucket after it (ratelimit-bucket.c). The global limit is judged on the send times: 51 within a
 * second broke it (the emulator counts arrivals, which a lossy network
 * bunches up, so its own global 429s prove nothing).
 *
 * "Dropped": the workload's POSTs carry a nonce. Each ends delivered (a
 * 2xx reached the bot), failed for a reason the queue gives up on (a 4xx,
 * RLQ_MAX_RETRIES errors or 5xx, a 401 that stops REST), or died with the
 * process; one still waiting 20 min after faults stop was lost.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "world.h"

#define BAN_FREEZE_MS (15 * MS_PER_MIN)   /* rlq's freeze for a ban that names no wait */

static int64_t
secs_to_ms(double s)
{
	double ms = s * 1000.0;

	return ms > 0 ? (int64_t)ceil(ms - 1e-6) : 0;
}

static struct route_track *
route_get(struct world *w, const char *key)
{
	struct route_track *r;

	for (int i = 0; i < w->nroutes; i++) {
		if (strcmp(w->routes[i].key, key) == 0)
			return &w->routes[i];
	}
	if (w->nroutes == DST_ROUTES_MAX)
		return NULL;
	r = &w->routes[w->nroutes++];
	memset(r, 0, sizeof(*r));
	snprintf(r->key, sizeof(r->key), "%s", key);
	r->empty_until = r->hold_until = INT64_MIN;
	return r;
}

static struct wl_req *
wl_get(struct world *w, int64_t nonce)
{
	return nonce >= 1 && (size_t)nonce <= w->nwl ? &w->wl[nonce - 1] : NULL;
}

static void
wl_end(struct world *w, struct wl_req *q, enum wl_state st, const char *why)
{
	if (q->state != WL_PENDING)
		return;
	q->state = st;
	snprintf(q->why, sizeof(q->why), "%s", why);
	if (st == WL_DELIVERED)
		w->st.wl_delivered++;
	else if (st == WL_FAILED)
		w->st.wl_failed++;
	else
		w->st.wl_killed++;
}

int64_t
rc_submit(struct world *w, const char *method, const char *path, bool tracked)
{
	char body[128], err[160];
	struct wl_req *q = NULL;
	int rc;

	if (tracked) {
		if (w->nwl == w->capwl) {
			w->capwl = w->capwl != 0 ? w->capwl * 2 : 1024;
			w->wl = realloc(w->wl, w->capwl * sizeof(*w->wl));
			if (w->wl == NULL)
				abort();
		}
		q = &w->wl[w->nwl++];
		memset(q, 0, sizeof(*q));
		q->nonce = (int64_t)w->nwl;
		q->gen = w->gen;
		q->submitted = w->now.mono_ms;
		snprintf(body, sizeof(body), "{\"content\":\"sim message %lld\",\"nonce\":\"%lld\"}",
		    (long long)q->nonce, (long long)q->nonce);
		w->st.wl_submitted++;
	}
	rc = bot_rest(w->bot, dst_bot_now(w), method, path, tracked ? body : NULL, err,
	    sizeof(err));
	if (rc != 0) {
		dst_trace(w, "workload: %s %s refused: %s", method, path, err);
		w->st.wl_refused++;
		if (q != NULL)
			q->state = WL_FAILED;
	}
	dst_drain_bot(w);
	return q != NULL ? q->nonce : -1;
}

static int64_t
read_nonce(const struct hreq *r)
{
	const char *p;

	if (r->body == NULL || (p = strstr(r->body, "\"nonce\":\"")) == NULL)
		return -1;
	return strtoll(p + 9, NULL, 10);
}

/* The bot's own sends within any second, against the global 50/s. */
static void
global_window(struct world *w, int64_t now, const struct hreq *r)
{
	int64_t *oldest = &w->sends[w->send_head];

	if (w->nsends == RLQ_GLOBAL_PER_S && now < *oldest + MS_PER_S) {
		dst_fail(w, "invariant 5: %s makes %d requests within %lld ms: the global limit "
		    "is %d a second", r->route, RLQ_GLOBAL_PER_S + 1, (long long)(now - *oldest),
		    RLQ_GLOBAL_PER_S);
		return;
	}
	if (w->nsends < RLQ_GLOBAL_PER_S) {
		w->sends[(w->send_head + w->nsends++) % RLQ_GLOBAL_PER_S] = now;
		return;
	}
	*oldest = now;
	w->send_head = (w->send_head + 1) % RLQ_GLOBAL_PER_S;
}

void
rc_sent(struct world *w, struct hreq *r)
{
	struct route_track *rt = route_get(w, r->route);
	int64_t now = dst_bot_now(w).mono_ms, n = read_nonce(r);
	struct wl_req *q = wl_get(w, n);

	if (q != NULL && q->gen == r->gen) {
		q->http_id = r->id;
		r->nonce = n;
	}
	global_window(w, now, r);
	if (rt == NULL)
		return;
	r->known_at_send = rt->known && !rt->tainted && !(rt->blind && !rt->probed);
	if (rt->blind)
		rt->probed = true;
	if (now < w->known_ban_until)
		dst_fail(w, "invariant 5: %s sent during a ban the bot was told of (%lld ms left)",
		    r->route, (long long)(w->known_ban_until - now));
	else if (now < w->known_global_until)
		dst_fail(w, "invariant 5: %s sent during a global 429 (%lld ms left)", r->route,
		    (long long)(w->known_global_until - now));
	else if (now < rt->hold_until)
		dst_fail(w, "invariant 5: %s sent during its 429 hold (%lld ms left)", r->route,
		    (long long)(rt->hold_until - now));
	else if (rt->known && now < rt->empty_until)
		dst_fail(w, "invariant 5: %s sent into a bucket known to be empty (%lld ms before "
		    "its reset)", r->route, (long long)(rt->empty_until - now));
}

void
rc_foreign(struct world *w, const struct hreq *r)
{
	struct route_track *rt = r->gen == w->gen ? route_get(w, r->route) : NULL;

	if (rt != NULL)
		rt->tainted = true;
}

/* What a 429 teaches, as ratelimit-response.c's classify_429 reads it. */
static void
on_429(struct world *w, struct hreq *r, struct route_track *rt, int64_t now)
{
	const struct rlq_headers *h = &r->h;
	json_t *root = json_loadb(r->rbody, r->rlen, 0, NULL);
	json_t *ra = json_object_get(root, "retry_after");
	bool rl = h->has_limit || h->has_remaining || h->has_reset_after || h->bucket[0] != '\0' ||
	    h->global || h->scope[0] != '\0';
	bool banned = !rl && !h->has_via;
	bool global = json_is_true(json_object_get(root, "global")) || h->global ||
	    strcmp(h->scope, "global") == 0;
	int64_t wait = json_is_number(ra) ? secs_to_ms(json_number_value(ra)) :
	    h->has_retry_after ? secs_to_ms(h->retry_after_s) : banned ? BAN_FREEZE_MS : MS_PER_S;

	json_decref(root);
	if (banned && now + wait > w->known_ban_until)
		w->known_ban_until = now + wait;
	else if (global && now + wait > w->known_global_until)
		w->known_global_until = now + wait;
	else if (!banned && !global && rt != NULL && now + wait > rt->hold_until)
		rt->hold_until = now + wait;
	if (h->bucket[0] != '\0' && !global && r->known_at_send && rt != NULL && !rt->tainted)
		dst_fail(w, "invariant 5: 429 from bucket %s on %s: the bot's count said there "
		    "was room", h->bucket, r->route);
	else if (h->bucket[0] != '\0' && !global)
		w->st.rest_429_bucket_blind++;
	else
		w->st.rest_429_fault++;
}

static void
learn(struct route_track *rt, const struct rlq_headers *h, int64_t now)
{
	int64_t until;

	if (rt == NULL)
		return;
	if (h == NULL || !h->has_limit || !h->has_remaining || !h->has_reset_after) {
		rt->blind = rt->known;
		rt->probed = false;
		return;
	}
	rt->known = true;
	until = now + secs_to_ms(h->reset_after_s);
	if (until > now)
		rt->blind = false;
	if (h->remaining == 0 && until > rt->empty_until)
		rt->empty_until = until;
}

static void
workload_answer(struct world *w, const struct hreq *r)
{
	struct wl_req *q = wl_get(w, r->nonce);
	char why[48];

	if (q == NULL)
		return;
	if (r->status >= 200 && r->status < 300) {
		wl_end(w, q, WL_DELIVERED, "delivered");
	} else if (r->status == 0 || r->status >= 500) {
		if (++q->failures >= RLQ_MAX_RETRIES)
			wl_end(w, q, WL_FAILED, "retries exhausted");
	} else if (r->status != 429) {
		snprintf(why, sizeof(why), "HTTP %d", r->status);
		wl_end(w, q, WL_FAILED, why);
	}
}

void
rc_answered(struct world *w, struct hreq *r)
{
	struct route_track *rt = route_get(w, r->route);
	int64_t now = dst_bot_now(w).mono_ms;

	workload_answer(w, r);
	/* A transport error: whatever the emulator answered never came back. */
	learn(rt, r->status == 0 ? NULL : &r->h, now);
	if (r->status == 0)
		return;
	if (r->status == 429)
		on_429(w, r, rt, now);
	if (r->status == 401) {
		for (size_t i = 0; i < w->nwl; i++) {
			if (w->wl[i].gen == w->gen)
				wl_end(w, &w->wl[i], WL_FAILED, "401: REST stopped");
		}
	}
}

void
rc_instance_died(struct world *w)
{
	for (size_t i = 0; i < w->nwl; i++) {
		if (w->wl[i].gen == w->gen)
			wl_end(w, &w->wl[i], WL_KILLED, "the process died");
	}
	w->nroutes = 0;
	w->nsends = 0;
	w->known_ban_until = w->known_global_until = INT64_MIN;
}

/* Everything submitted before `before` must have ended by now. */
static void
none_pending(struct world *w, int64_t before, const char *when)
{
	struct rlq_global g;

	rlq_global_view(w->bot->rest, dst_bot_now(w), &g);
	for (size_t i = 0; i < w->nwl; i++) {
		const struct wl_req *q = &w->wl[i];

		if (q->state != WL_PENDING || q->submitted >= before)
			continue;
		dst_fail(w, "invariant 5: request %lld (sent as http %llu) was submitted %lld s "
		    "ago and never ended, %s (queue: %d pending, %d in flight, ban %lld ms)",
		    (long long)q->nonce, (unsigned long long)q->http_id,
		    (long long)((w->now.mono_ms - q->submitted) / MS_PER_S), when, g.pending,
		    g.inflight, (long long)g.ban_left_ms);
		return;
	}
}

void
rc_calm(struct world *w)
{
	none_pending(w, w->calm_since, "20 min after the faults stopped");
}

void
rc_end(struct world *w)
{
	if (w->bot != NULL)
		none_pending(w, w->end - 30 * MS_PER_MIN, "at the end of the run");
}
