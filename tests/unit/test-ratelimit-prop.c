/*
 * The REST queue against a fake Discord, over many seeds: random traffic on
 * routes that share buckets, random latency, and faults (5xx, lost
 * requests, global and shared 429s, bans, now and then a 401). Checks, at
 * every step:
 *  - every submitted id ends in exactly one RLQ_DONE_* (none lost);
 *  - nothing is handed out while the client was told its bucket is empty
 *    (remaining 0 or a 429) or while a global 429 or a ban holds REST;
 *  - the server never sees a bucket overflow the client could have known
 *    about (only a probe of a route that had not learned its bucket yet,
 *    or a window whose end no response ever told, can cause one);
 *  - at most 50 sends in any second;
 *  - rlq_next_deadline is exact: at that time, something goes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bot/ratelimit.h"

#define NSEEDS   300
#define NREQ     300
#define NTPL     6
#define NMAJ     3
#define NSB      (5 * NMAJ)
#define MAXEV    (NREQ + 8)
#define MAXHDR   6
#define IDSLOTS  1024

struct tpl {
	const char *method, *fmt;
	int bucket;
};

static const struct tpl tpls[NTPL] = {
	{ "POST", "/channels/%d/messages", 0 },
	{ "PATCH", "/channels/%d/messages/%d", 0 },   /* shares POST's bucket */
	{ "GET", "/channels/%d/messages", 1 },
	{ "PUT", "/channels/%d/messages/%d/reactions/x/@me", 2 },
	{ "PATCH", "/guilds/%d/members/%d", 3 },
	{ "GET", "/users/@me", 4 },                    /* no top-level id */
};

struct sreq {
	uint64_t id;
	int route, sbk;                /* client route index, server bucket key */
	bool probe;                    /* its route had not learned at dispatch */
	int done;
};

struct sbucket {
	int limit, count;
	int64_t window, end;
	bool excused;                  /* this window may overflow unknowably */
};

struct ev {
	int64_t t;
	int req;
	bool arrive;
	int status, nh;
	char h[MAXHDR][72];
	char body[96];
};

struct sim {
	uint64_t seed;
	struct rng rng, qrng;
	struct rlq_queue *q;
	int64_t now;
	struct sreq req[NREQ];
	int nreq, refused, arrivals, at401;
	int slot[IDSLOTS];             /* id -> req index, open addressing */
	struct sbucket sb[NSB];
	bool learned[NTPL * NMAJ];
	int64_t kempty[NSB], hold_all;
	int64_t sends[RLQ_GLOBAL_PER_S];
	int send_next;
	struct ev ev[MAXEV];
	int nev;
	uint64_t dispatched, overflows;
};

static struct vtime
at(int64_t ms)
{
	return (struct vtime){ ms, 1700000000000LL + ms };
}

static int64_t
max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

static int
find_req(const struct sim *s, uint64_t id)
{
	for (unsigned k = (unsigned)(id * 2654435761u) % IDSLOTS;; k = (k + 1) % IDSLOTS) {
		if (s->slot[k] < 0)
			fail_msg("seed %llu: unknown id %llu", (unsigned long long)s->seed,
			    (unsigned long long)id);
		if (s->req[s->slot[k]].id == id)
			return s->slot[k];
	}
}

static void
add_req(struct sim *s, uint64_t id, int route, int sbk)
{
	unsigned k = (unsigned)(id * 2654435761u) % IDSLOTS;

	while (s->slot[k] >= 0)
		k = (k + 1) % IDSLOTS;
	s->slot[k] = s->nreq;
	s->req[s->nreq++] = (struct sreq){ .id = id, .route = route, .sbk = sbk };
}

static struct ev *
new_ev(struct sim *s, int64_t t, int req, bool arrive)
{
	struct ev *e;

	assert_true(s->nev < MAXEV);
	e = &s->ev[s->nev++];
	memset(e, 0, sizeof(*e));
	e->t = t;
	e->req = req;
	e->arrive = arrive;
	return e;
}

static void
hdr(struct ev *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
hdr(struct ev *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->h[e->nh++], sizeof(e->h[0]), fmt, ap);
	va_end(ap);
}

static void
submit_one(struct sim *s)
{
	int tpl = (int)rng_range(&s->rng, 0, NTPL - 1);
	int maj = tpls[tpl].bucket == 4 ? 1 : (int)rng_range(&s->rng, 1, NMAJ);
	unsigned flags = rng_range(&s->rng, 0, 19) == 0 ? RLQ_NO_RETRY : 0;
	char path[96], err[160];
	uint64_t id;

	snprintf(path, sizeof(path), tpls[tpl].fmt, maj, (int)rng_range(&s->rng, 1, 99));
	id = rlq_submit(s->q, at(s->now), tpls[tpl].method, path, NULL, tpl, NULL, flags, err,
	    sizeof(err));
	if (id == 0) {
		/* Only a 401 may refuse here: the queue never fills in this test. */
		assert_true(s->at401 >= 0 && s->arrivals > s->at401);
		s->refused++;
		return;
	}
	add_req(s, id, tpl * NMAJ + maj - 1, tpls[tpl].bucket * NMAJ + maj - 1);
}

/* What rlq_next hands out is checked against what the client was told. */
static void
check_send(struct sim *s, struct sreq *r)
{
	if (s->now < s->hold_all)
		fail_msg("seed %llu t=%lld: sent during a global 429 or ban",
		    (unsigned long long)s->seed, (long long)s->now);
	if (s->learned[r->route] && s->now < s->kempty[r->sbk])
		fail_msg("seed %llu t=%lld: sent into bucket %d known empty until %lld",
		    (unsigned long long)s->seed, (long long)s->now, r->sbk,
		    (long long)s->kempty[r->sbk]);
	if (s->now - s->sends[s->send_next] < MS_PER_S)
		fail_msg("seed %llu t=%lld: more than %d sends in one second",
		    (unsigned long long)s->seed, (long long)s->now, RLQ_GLOBAL_PER_S);
	s->sends[s->send_next] = s->now;
	s->send_next = (s->send_next + 1) % RLQ_GLOBAL_PER_S;
}

static int
dispatch_all(struct sim *s)
{
	struct rlq_send snd;
	int n = 0;

	while (rlq_next(s->q, at(s->now), &snd)) {
		struct sreq *r = &s->req[find_req(s, snd.id)];

		check_send(s, r);
		assert_true(r->done == 0);
		r->probe = !s->learned[r->route];
		new_ev(s, s->now + rng_range(&s->rng, 1, 150), (int)(r - s->req), true);
		s->dispatched++;
		n++;
	}
	return n;
}

static void
limits_hdrs(struct ev *e, const struct sbucket *b, int sbk, int64_t ta)
{
	hdr(e, "X-RateLimit-Limit: %d", b->limit);
	hdr(e, "X-RateLimit-Remaining: %d", b->limit - b->count);
	hdr(e, "X-RateLimit-Reset-After: %.3f", (double)(b->end - ta) / 1000.0);
	hdr(e, "X-RateLimit-Bucket: b%d", sbk / NMAJ);
	hdr(e, "Via: 1.1 google");
}

/* Faults that Discord does not count against the bucket. */
static bool
uncounted_fault(struct sim *s, struct ev *e, const struct sbucket *b, int sbk, int64_t ta)
{
	int roll = (int)rng_range(&s->rng, 0, 999);
	double ra = (double)rng_range(&s->rng, 10, 1500) / 1000.0;

	if (roll < 15) {
		e->t = ta + 900;           /* lost on the way: a timeout */
	} else if (roll < 25) {
		e->status = 429;
		hdr(e, "X-RateLimit-Global: true");
		hdr(e, "X-RateLimit-Scope: global");
		hdr(e, "Via: 1.1 google");
		snprintf(e->body, sizeof(e->body), "{\"retry_after\":%.3f,\"global\":true}", ra);
	} else if (roll < 35) {
		e->status = 429;
		limits_hdrs(e, b, sbk, ta);
		hdr(e, "X-RateLimit-Scope: shared");
		snprintf(e->body, sizeof(e->body), "{\"retry_after\":%.3f,\"global\":false}", ra);
	} else if (roll < 37) {
		e->status = 429;
		if (roll == 36)
			hdr(e, "Retry-After: %d", (int)rng_range(&s->rng, 1, 30));
		snprintf(e->body, sizeof(e->body), "{\"code\":0,\"message\":\"blocked\"}");
	} else if (roll < 77) {
		e->status = (int)rng_range(&s->rng, 500, 504);
	} else {
		return false;
	}
	return true;
}

static void
server_arrive(struct sim *s, struct sreq *r, int64_t ta)
{
	struct sbucket *b = &s->sb[r->sbk];
	struct ev *e = new_ev(s, ta + rng_range(&s->rng, 1, 150), (int)(r - s->req), false);
	int roll;

	if (s->arrivals++ == s->at401) {
		e->status = 401;
		return;
	}
	if (uncounted_fault(s, e, b, r->sbk, ta))
		return;
	if (ta >= b->end) {
		b->count = 0;
		b->end = ta + b->window;
		b->excused = false;
	}
	b->excused |= r->probe;
	if (b->count >= b->limit) {
		if (!b->excused)
			fail_msg("seed %llu t=%lld: bucket %d overflowed (limit %d) by a "
			    "request the client could have held", (unsigned long long)s->seed,
			    (long long)ta, r->sbk, b->limit);
		s->overflows++;
		e->status = 429;
		limits_hdrs(e, b, r->sbk, ta);
		hdr(e, "X-RateLimit-Scope: user");
		snprintf(e->body, sizeof(e->body), "{\"retry_after\":%.3f,\"global\":false}",
		    (double)(b->end - ta) / 1000.0);
		return;
	}
	b->count++;
	roll = (int)rng_range(&s->rng, 0, 99);
	if (roll < 2) {
		/* Counted, then lost: no response tells where this window ends. */
		e->t = ta + 900;
		if (b->count == 1)
			b->excused = true;
		return;
	}
	e->status = roll < 4 ? 403 : 200;
	limits_hdrs(e, b, r->sbk, ta);
}

/* What the client now knows, as the checks see it. */
static void
learn(struct sim *s, const struct sreq *r, const struct rlq_headers *h, const char *body)
{
	double ra = 0;
	int64_t wait;

	if (h->has_limit && h->has_remaining && h->has_reset_after && h->bucket[0] != '\0')
		s->learned[r->route] = true;
	if (h->has_remaining && h->remaining == 0 && h->has_reset_after)
		s->kempty[r->sbk] = max64(s->kempty[r->sbk], s->now + (int64_t)(h->reset_after_s * 1000 + 0.5));
	if (body[0] == '\0' && !h->has_retry_after)
		return;
	if (sscanf(body, "{\"retry_after\":%lf", &ra) != 1 && h->has_retry_after)
		ra = h->retry_after_s;
	wait = (int64_t)(ra * 1000 + 0.5);
	if (h->global)
		s->hold_all = max64(s->hold_all, s->now + wait);
	else if (h->bucket[0] == '\0' && !h->has_via)
		s->hold_all = max64(s->hold_all, s->now + (wait > 0 ? wait : RLQ_BAN_FREEZE_MS));
	else if (s->learned[r->route])
		s->kempty[r->sbk] = max64(s->kempty[r->sbk], s->now + wait);
}

static void
report(struct sim *s, const struct rlq_done *d)
{
	struct sreq *r;

	if (d->outcome == RLQ_RETRY)
		return;
	r = &s->req[find_req(s, d->id)];
	if (r->done++ != 0)
		fail_msg("seed %llu: id %llu reported done twice", (unsigned long long)s->seed,
		    (unsigned long long)d->id);
}

static void
client_response(struct sim *s, const struct ev *e)
{
	struct sreq *r = &s->req[e->req];
	struct rlq_headers h;
	struct rlq_done d;

	rlq_headers_init(&h);
	for (int k = 0; k < e->nh; k++)
		rlq_headers_line(&h, e->h[k], strlen(e->h[k]));
	rlq_complete(s->q, at(s->now), r->id, e->status, &h, e->body, strlen(e->body),
	    e->status == 0 ? "timed out" : NULL, &d);
	if (e->status == 429 || e->status == 200 || e->status == 403)
		learn(s, r, &h, e->body);
	report(s, &d);
	while (rlq_reap(s->q, &d))
		report(s, &d);
}

/* Runs every event due now; events may add events. */
static void
run_events(struct sim *s)
{
	for (int i = 0; i < s->nev;) {
		struct ev e = s->ev[i];

		if (e.t != s->now) {
			i++;
			continue;
		}
		s->ev[i] = s->ev[--s->nev];
		if (e.arrive)
			server_arrive(s, &s->req[e.req], e.t);
		else
			client_response(s, &e);
	}
}

static int64_t
next_event(const struct sim *s)
{
	int64_t t = VTIME_NEVER;

	for (int i = 0; i < s->nev; i++)
		t = s->ev[i].t < t ? s->ev[i].t : t;
	return t;
}

static void
sim_init(struct sim *s, uint64_t seed)
{
	static const int64_t windows[] = { 250, 1000, 2500, 5000 };

	memset(s, 0, sizeof(*s));
	s->seed = seed;
	rng_seed(&s->rng, seed);
	rng_seed(&s->qrng, seed * 7919 + 1);
	s->q = rlq_new(&s->qrng, NULL);
	assert_non_null(s->q);
	memset(s->slot, -1, sizeof(s->slot));
	for (int i = 0; i < RLQ_GLOBAL_PER_S; i++)
		s->sends[i] = -MS_PER_S;
	for (int i = 0; i < NSB; i++) {
		s->sb[i].limit = (int)rng_range(&s->rng, 1, 6);
		s->sb[i].window = windows[rng_range(&s->rng, 0, 3)];
		s->sb[i].end = -1;
	}
	s->at401 = seed % 7 == 3 ? (int)rng_range(&s->rng, 20, NREQ) : -1;
}

/* Nothing may go just before the deadline, or the deadline was late. */
static void
check_not_early(struct sim *s, int64_t t)
{
	struct rlq_send snd;

	if (rlq_next(s->q, at(t), &snd))
		fail_msg("seed %llu t=%lld: deadline %lld was late", (unsigned long long)s->seed,
		    (long long)t, (long long)t + 1);
}

static void
run_seed(struct sim *s, uint64_t seed)
{
	int64_t next_submit = 0;
	int steps = 0;

	sim_init(s, seed);
	for (;;) {
		int64_t d, t;
		bool must_send;

		dispatch_all(s);
		d = rlq_next_deadline(s->q, at(s->now));
		assert_true(d > s->now);
		t = next_event(s);
		if (s->nreq + s->refused < NREQ && next_submit < t)
			t = next_submit;
		must_send = d < t;
		t = d < t ? d : t;
		if (t == VTIME_NEVER)
			break;
		if (must_send && d - 1 > s->now)
			check_not_early(s, d - 1);
		s->now = t;
		if (must_send && dispatch_all(s) == 0)
			fail_msg("seed %llu t=%lld: deadline passed and nothing went",
			    (unsigned long long)seed, (long long)t);
		run_events(s);
		if (s->nreq + s->refused < NREQ && next_submit == t) {
			submit_one(s);
			next_submit = t + rng_range(&s->rng, 0, 40);
		}
		if (++steps > 1000000)
			fail_msg("seed %llu: no end in sight", (unsigned long long)seed);
	}
	for (int i = 0; i < s->nreq; i++) {
		if (s->req[i].done != 1)
			fail_msg("seed %llu: id %llu never reported", (unsigned long long)seed,
			    (unsigned long long)s->req[i].id);
	}
	rlq_free(s->q);
}

static void
test_invariants_over_seeds(void **state)
{
	static struct sim s;
	uint64_t sends = 0, overflows = 0, reqs = 0;
	int refused = 0;

	(void)state;
	for (uint64_t seed = 1; seed <= NSEEDS; seed++) {
		run_seed(&s, seed);
		sends += s.dispatched;
		overflows += s.overflows;
		reqs += (uint64_t)s.nreq;
		refused += s.refused;
	}
	printf("%d seeds: %llu requests, %llu sends, %d refused after a 401, "
	    "%llu excused overflows\n", NSEEDS, (unsigned long long)reqs,
	    (unsigned long long)sends, refused, (unsigned long long)overflows);
	assert_true(sends > reqs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invariants_over_seeds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
