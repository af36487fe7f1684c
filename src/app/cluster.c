/*
 * The cluster's C API over its Redis scripts (app/cluster.h). Each call is
 * an eval (EVALSHA once the script's digest is known, EVAL otherwise or
 * after NOSCRIPT) whose reply a small handler turns into the caller's
 * struct. Handlers always run (they free their request); the caller's
 * callback is skipped only while the cluster is being freed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/cluster.h"
#include "bot/cluster-scripts.h"
#include "bot/rng.h"

#define KEY_MAX 160
#define SHA_MAX 48

struct cluster;
typedef void (*eval_fn)(struct cluster *c, void *ud, const redisReply *rep, const char *err);

struct ceval {
	struct cluster *c;
	enum cluster_script s;
	int argc;
	char **argv;
	size_t *argvlen;
	eval_fn fn;
	void *ud;
	bool retried;
};

struct cluster {
	struct loop *loop;
	struct logring *log;
	struct cluster_config cfg;
	struct cluster_hooks hooks;
	struct redis_lws *r;
	char prefix[CLUSTER_NAME_MAX + 16];     /* "vigil:{name}:" */
	char sha[CS_COUNT][SHA_MAX];    /* "" until SCRIPT LOAD answered */
	char epoch[64];                 /* the store's epoch as last seen, "" = none yet */
	bool dying;
	struct rng rng;
	struct cluster_stats st;
	/* leases */
	int shards[CLUSTER_SHARDS_MAX];
	bool ours[CLUSTER_SHARDS_MAX], known[CLUSTER_SHARDS_MAX];
	char holder[CLUSTER_SHARDS_MAX][CLUSTER_OWNER_MAX];
	int nshards;
	bool renewing;
	/* Leases may have lapsed while the store was out of reach (for this
	 * process, maybe for their owners too) or gone with its data: until
	 * this process has been in touch with the store for one lease time, it
	 * renews what it holds and takes only leases their owners released,
	 * so the owners renew first (mono ms; "never" until the first up). */
	int64_t claim_from_ms;
	int64_t renew_sent_ms, renewed_ms;      /* the last renewal sent; the last that went through */
	lws_sorted_usec_list_t renew;
	/* The view of every shard (cfg.view_shards, at most
	 * CLUSTER_SHARDS_MAX), read after each renewal. */
	struct cluster_shard_view *kept;
	int nkept;
	bool viewing;
};

static void
key(const struct cluster *c, char *buf, size_t len, const char *what, int shard)
{
	if (shard >= 0)
		snprintf(buf, len, "%s%s:%d", c->prefix, what, shard);
	else
		snprintf(buf, len, "%s%s", c->prefix, what);
}

/* ---- eval ---- */

static void
ceval_free(struct ceval *e)
{
	for (int i = 0; i < e->argc; i++)
		free(e->argv[i]);
	free(e->argv);
	free(e->argvlen);
	free(e);
}

static int ceval_send(struct ceval *e, char *err, size_t errlen);

static void
ceval_reply(void *ud, const redisReply *rep, const char *err)
{
	struct ceval *e = ud;
	struct cluster *c = e->c;
	char why[200];

	if (rep != NULL && rep->type == REDIS_REPLY_ERROR && !e->retried && !c->dying &&
	    strncmp(rep->str, "NOSCRIPT", 8) == 0) {
		/* A restarted Redis forgot the script: send its text once. */
		e->retried = true;
		if (ceval_send(e, why, sizeof(why)) == 0)
			return;
		e->fn(c, e->ud, NULL, why);
		ceval_free(e);
		return;
	}
	if (rep != NULL && rep->type == REDIS_REPLY_ERROR) {
		snprintf(why, sizeof(why), "cluster script %s: %.120s",
		    cluster_script(e->s)->name, rep->str);
		LOGF(c->log, LOG_ERROR, "cluster", "%s", why);
		e->fn(c, e->ud, NULL, why);
	} else if (rep != NULL && rep->type != REDIS_REPLY_ARRAY) {
		snprintf(why, sizeof(why), "cluster script %s: not an array",
		    cluster_script(e->s)->name);
		e->fn(c, e->ud, NULL, why);
	} else {
		e->fn(c, e->ud, rep, err);
	}
	ceval_free(e);
}

static int
ceval_send(struct ceval *e, char *err, size_t errlen)
{
	const struct cluster_script_def *d = cluster_script(e->s);
	const char *sha = e->c->sha[e->s];
	bool by_sha = sha[0] != '\0' && !e->retried;

	free(e->argv[0]);
	free(e->argv[1]);
	e->argv[0] = strdup(by_sha ? "EVALSHA" : "EVAL");
	e->argv[1] = strdup(by_sha ? sha : d->text);
	if (e->argv[0] == NULL || e->argv[1] == NULL) {
		snprintf(err, errlen, "cluster: out of memory");
		return -1;
	}
	e->argvlen[0] = strlen(e->argv[0]);
	e->argvlen[1] = strlen(e->argv[1]);
	return redis_lws_command(e->c->r, ceval_reply, e, e->argc, (const char **)e->argv,
	    e->argvlen, err, errlen);
}

static int
eval(struct cluster *c, enum cluster_script s, int nkeys, const char *const *keys, int nargs,
    const char *const *args, eval_fn fn, void *ud, char *err, size_t errlen)
{
	struct ceval *e = calloc(1, sizeof(*e));
	char n[16];
	int i, argc = 3 + nkeys + nargs;

	if (e == NULL || (e->argv = calloc((size_t)argc, sizeof(char *))) == NULL ||
	    (e->argvlen = calloc((size_t)argc, sizeof(size_t))) == NULL) {
		if (e != NULL)
			free(e->argv);
		free(e);
		snprintf(err, errlen, "cluster: out of memory");
		return -1;
	}
	e->c = c;
	e->s = s;
	e->argc = argc;
	e->fn = fn;
	e->ud = ud;
	snprintf(n, sizeof(n), "%d", nkeys);
	e->argv[2] = strdup(n);
	for (i = 0; i < nkeys; i++)
		e->argv[3 + i] = strdup(keys[i]);
	for (i = 0; i < nargs; i++)
		e->argv[3 + nkeys + i] = strdup(args[i]);
	for (i = 2; i < argc; i++) {
		if (e->argv[i] == NULL) {
			ceval_free(e);
			snprintf(err, errlen, "cluster: out of memory");
			return -1;
		}
		e->argvlen[i] = strlen(e->argv[i]);
	}
	if (ceval_send(e, err, errlen) < 0) {
		ceval_free(e);
		return -1;
	}
	return 0;
}

static long long
elem_int(const redisReply *rep, size_t i)
{
	const redisReply *x;

	if (rep == NULL || i >= rep->elements)
		return 0;
	x = rep->element[i];
	if (x->type == REDIS_REPLY_INTEGER)
		return x->integer;
	if (x->type == REDIS_REPLY_STRING)
		return strtoll(x->str, NULL, 10);
	return 0;
}

static void
elem_str(const redisReply *rep, size_t i, char *buf, size_t len)
{
	const redisReply *x;

	buf[0] = '\0';
	if (rep == NULL || i >= rep->elements)
		return;
	x = rep->element[i];
	if (x->type == REDIS_REPLY_STRING)
		snprintf(buf, len, "%.*s", (int)x->len, x->str);
	else if (x->type == REDIS_REPLY_INTEGER)
		snprintf(buf, len, "%lld", x->integer);
}

/* Fire and forget: failures are logged, nobody waits. */
static void
logged(struct cluster *c, void *ud, const redisReply *rep, const char *err)
{
	(void)rep;
	if (err != NULL && !c->dying)
		LOGF(c->log, LOG_DEBUG, "cluster", "%s: %s", (const char *)ud, err);
}

/* ---- the epoch: a store that lost its data ---- */

static void
set_epoch(struct cluster *c, const char *epoch)
{
	if (strcmp(c->epoch, epoch) == 0)
		return;
	snprintf(c->epoch, sizeof(c->epoch), "%s", epoch);
	if (c->hooks.on_epoch != NULL && !c->dying)
		c->hooks.on_epoch(c->hooks.ud, c->epoch);
}

static void seed(struct cluster *c, eval_fn then, void *ud);

static int
assumed_on_seed(struct cluster *c)
{
	int n = c->hooks.local_used != NULL ? c->hooks.local_used(c->hooks.ud) : 0;

	/* We knew this store: it lost what every other process had counted. */
	if (c->epoch[0] != '\0')
		n += c->cfg.assume_on_loss;
	if (n > c->cfg.limit)
		n = c->cfg.limit;
	return n < 0 ? 0 : n;
}

struct seed_req {
	eval_fn then;
	void *ud;
	int assumed;
};

static void
seed_done(struct cluster *c, void *ud, const redisReply *rep, const char *err)
{
	struct seed_req *q = ud;
	char epoch[64];

	if (rep != NULL) {
		elem_str(rep, 1, epoch, sizeof(epoch));
		if (elem_int(rep, 0) == 1 && c->epoch[0] != '\0')
			c->st.reseeds++;
		if (elem_int(rep, 0) == 1 && c->epoch[0] != '\0')
			LOGF(c->log, LOG_WARN, "cluster", "the cluster store lost its data: "
			    "re-seeded assuming %d session starts used in the last 24 h "
			    "(never a silent reset)", q->assumed);
		else if (elem_int(rep, 0) == 1)
			LOGF(c->log, LOG_INFO, "cluster", "cluster store initialised "
			    "(%d session starts counted)", q->assumed);
		else if (c->epoch[0] != '\0' && strcmp(epoch, c->epoch) != 0)
			LOGF(c->log, LOG_WARN, "cluster", "the cluster store lost its data; "
			    "another process re-seeded it");
		set_epoch(c, epoch);
	}
	if (q->then != NULL)
		q->then(c, q->ud, rep, err);
	free(q);
}

static void
seed(struct cluster *c, eval_fn then, void *ud)
{
	struct seed_req *q = calloc(1, sizeof(*q));
	char k0[KEY_MAX], k1[KEY_MAX], epoch[64], n[16], hold[16], pre[KEY_MAX], sp[16];
	char err[200];
	const char *keys[2] = { k0, k1 }, *args[5] = { epoch, n, hold, pre, sp };

	if (q == NULL)
		return;
	q->then = then;
	q->ud = ud;
	q->assumed = assumed_on_seed(c);
	key(c, k0, sizeof(k0), "starts", -1);
	key(c, k1, sizeof(k1), "epoch", -1);
	snprintf(epoch, sizeof(epoch), "%016llx", (unsigned long long)rng_u64(&c->rng));
	snprintf(n, sizeof(n), "%d", q->assumed);
	/* Only a store we knew lost locks; a new one has none to lose. */
	snprintf(hold, sizeof(hold), "%d", c->epoch[0] != '\0' ? CLUSTER_KEYS_MAX : 0);
	snprintf(pre, sizeof(pre), "%sidentify:", c->prefix);
	snprintf(sp, sizeof(sp), "%d", c->cfg.spacing_ms);
	if (eval(c, CS_SEED, 2, keys, 5, args, seed_done, q, err, sizeof(err)) < 0) {
		if (then != NULL)
			then(c, ud, NULL, err);
		free(q);
	}
}

/* ---- connection events ---- */

static void
loaded(void *ud, const redisReply *rep, const char *err)
{
	struct ceval *e = ud;   /* only c and s are set */

	if (rep != NULL && rep->type == REDIS_REPLY_STRING && rep->len < SHA_MAX)
		snprintf(e->c->sha[e->s], SHA_MAX, "%s", rep->str);
	(void)err;
	free(e);
}

static void renew_now(struct cluster *c);

static void
store_up(void *ud)
{
	struct cluster *c = ud;
	char err[200];

	for (int s = 0; s < CS_COUNT; s++) {
		struct ceval *e = calloc(1, sizeof(*e));
		const char *argv[3] = { "SCRIPT", "LOAD", cluster_script(s)->text };
		if (e == NULL)
			break;
		e->c = c;
		e->s = s;
		if (redis_lws_command(c->r, loaded, e, 3, argv, NULL, err, sizeof(err)) < 0)
			free(e);
	}
	/* Re-sync: a store that came back empty is re-seeded before any
	 * permit (they queue behind this on the one connection). */
	seed(c, NULL, NULL);
	c->claim_from_ms = loop_now_us() / 1000 + c->cfg.lease_ttl_ms;
	renew_now(c);
}

/* ---- permits ---- */

struct permit_req {
	int shard, key, tries;
	cluster_permit_fn cb;
	void *ud;
};

static int permit_send(struct cluster *c, struct permit_req *q, char *err, size_t errlen);

static void
permit_answer(struct cluster *c, struct permit_req *q, struct cluster_permit *p)
{
	p->shard = q->shard;
	c->st.permits[p->status]++;
	if (p->status == CP_GRANTED)
		c->st.starts_left = p->left;
	if (!c->dying)
		q->cb(q->ud, p);
	free(q);
}

static void
permit_unreachable(struct cluster *c, struct permit_req *q, const char *why)
{
	struct cluster_permit p;

	memset(&p, 0, sizeof(p));
	p.status = CP_UNREACHABLE;
	snprintf(p.why, sizeof(p.why), "%.*s", (int)sizeof(p.why) - 1, why);
	permit_answer(c, q, &p);
}

static void
permit_retry(struct cluster *c, void *ud, const redisReply *rep, const char *err)
{
	struct permit_req *q = ud;
	char why[200];

	(void)rep;
	if (err != NULL) {
		permit_unreachable(c, q, err);
		return;
	}
	if (permit_send(c, q, why, sizeof(why)) < 0)
		permit_unreachable(c, q, why);
}

static void
permit_done(struct cluster *c, void *ud, const redisReply *rep, const char *err)
{
	struct permit_req *q = ud;
	struct cluster_permit p;
	long long code = elem_int(rep, 0);

	if (rep == NULL) {
		permit_unreachable(c, q, err != NULL ? err : "cluster store unreachable");
		return;
	}
	memset(&p, 0, sizeof(p));
	if (code == 4 && q->tries++ < 2) {
		seed(c, permit_retry, q);       /* emptied under us (FLUSHALL) */
		return;
	}
	if (code == 5 && q->tries++ < 2) {
		/* Another process re-seeded a store that lost its data. */
		char epoch[64];
		elem_str(rep, 1, epoch, sizeof(epoch));
		set_epoch(c, epoch);
		LOGF(c->log, LOG_WARN, "cluster", "the cluster store was re-seeded since "
		    "this process last saw it");
		permit_retry(c, q, NULL, NULL);
		return;
	}
	switch (code) {
	case 1:
		p.status = CP_GRANTED;
		p.left = (int)elem_int(rep, 1);
		break;
	case 2:
		p.status = CP_KEY_HELD;
		p.wait_ms = elem_int(rep, 1);
		elem_str(rep, 2, p.holder, sizeof(p.holder));
		if (p.wait_ms < 1)
			p.wait_ms = 1;
		break;
	case 3:
		p.status = CP_BUDGET;
		p.next_free_wall_ms = elem_int(rep, 1);
		break;
	default:
		permit_unreachable(c, q, "cluster store: its epoch keeps changing");
		return;
	}
	permit_answer(c, q, &p);
}

static int
permit_send(struct cluster *c, struct permit_req *q, char *err, size_t errlen)
{
	char k[4][KEY_MAX], shard[16], lim[16], res[16], hold[16];
	const char *keys[4] = { k[0], k[1], k[2], k[3] };
	const char *args[6] = { c->cfg.owner, shard, lim, res, hold, c->epoch };

	key(c, k[0], sizeof(k[0]), "starts", -1);
	key(c, k[1], sizeof(k[1]), "limit", -1);
	key(c, k[2], sizeof(k[2]), "epoch", -1);
	key(c, k[3], sizeof(k[3]), "identify", q->key);
	snprintf(shard, sizeof(shard), "%d", q->shard);
	snprintf(lim, sizeof(lim), "%d", c->cfg.limit);
	snprintf(res, sizeof(res), "%d", c->cfg.reserve);
	snprintf(hold, sizeof(hold), "%d", c->cfg.spacing_ms + c->cfg.connect_ms +
	    CLUSTER_SPACING_MARGIN);
	return eval(c, CS_PERMIT, 4, keys, 6, args, permit_done, q, err, errlen);
}

int
cluster_permit(struct cluster *c, int shard, int key_, cluster_permit_fn cb, void *ud,
    char *err, size_t errlen)
{
	struct permit_req *q = calloc(1, sizeof(*q));

	if (q == NULL) {
		snprintf(err, errlen, "cluster: out of memory");
		return -1;
	}
	q->shard = shard;
	q->key = key_;
	q->cb = cb;
	q->ud = ud;
	if (permit_send(c, q, err, errlen) < 0) {
		free(q);
		return -1;
	}
	return 0;
}

void
cluster_identified(struct cluster *c, int shard, int key_)
{
	char k0[KEY_MAX], holder[CLUSTER_OWNER_MAX + 16], sp[16], err[200];
	const char *keys[1] = { k0 }, *args[2] = { holder, sp };

	key(c, k0, sizeof(k0), "identify", key_);
	snprintf(holder, sizeof(holder), "%s shard %d", c->cfg.owner, shard);
	snprintf(sp, sizeof(sp), "%d", c->cfg.spacing_ms + CLUSTER_SPACING_MARGIN);
	if (eval(c, CS_IDENTIFIED, 1, keys, 2, args, logged, "identified", err,
	    sizeof(err)) < 0)
		LOGF(c->log, LOG_DEBUG, "cluster", "shard %d: key not re-stamped: %s", shard, err);
}

/* ---- the budget and Discord's reading ---- */

struct budget_req {
	cluster_budget_fn cb;
	void *ud;
};

static void
budget_done(struct cluster *c, void *ud, const redisReply *rep, const char *err)
{
	struct budget_req *q = ud;

	if (!c->dying)
		q->cb(q->ud, (int)elem_int(rep, 0), (int)elem_int(rep, 1), elem_int(rep, 2),
		    rep == NULL ? (err != NULL ? err : "cluster store unreachable") : NULL);
	free(q);
}

int
cluster_budget(struct cluster *c, cluster_budget_fn cb, void *ud, char *err, size_t errlen)
{
	struct budget_req *q = calloc(1, sizeof(*q));
	char k0[KEY_MAX], k1[KEY_MAX], lim[16];
	const char *keys[2] = { k0, k1 }, *args[1] = { lim };

	if (q == NULL) {
		snprintf(err, errlen, "cluster: out of memory");
		return -1;
	}
	q->cb = cb;
	q->ud = ud;
	key(c, k0, sizeof(k0), "starts", -1);
	key(c, k1, sizeof(k1), "limit", -1);
	snprintf(lim, sizeof(lim), "%d", c->cfg.limit);
	if (eval(c, CS_BUDGET, 2, keys, 1, args, budget_done, q, err, errlen) < 0) {
		free(q);
		return -1;
	}
	return 0;
}

void
cluster_report_limit(struct cluster *c, int total, int remaining, int64_t reset_after_ms,
    int max_concurrency)
{
	char k0[KEY_MAX], a[4][24], err[200];
	const char *keys[1] = { k0 }, *args[4] = { a[0], a[1], a[2], a[3] };

	key(c, k0, sizeof(k0), "limit", -1);
	snprintf(a[0], sizeof(a[0]), "%d", total);
	snprintf(a[1], sizeof(a[1]), "%d", remaining);
	snprintf(a[2], sizeof(a[2]), "%lld", (long long)reset_after_ms);
	snprintf(a[3], sizeof(a[3]), "%d", max_concurrency);
	if (eval(c, CS_LIMIT, 1, keys, 4, args, logged, "session_start_limit", err,
	    sizeof(err)) < 0)
		LOGF(c->log, LOG_DEBUG, "cluster", "session_start_limit not shared: %s", err);
}

/* ---- the shared REST limit ---- */

struct rest_req {
	cluster_rest_fn cb;
	void *ud;
};

static void
rest_done(struct cluster *c, void *ud, const redisReply *rep, const char *err)
{
	struct rest_req *q = ud;

	if (rep != NULL && elem_int(rep, 0) != 1)
		c->st.rest_waits++;
	if (!c->dying)
		q->cb(q->ud, elem_int(rep, 0) == 1, elem_int(rep, 1),
		    rep == NULL ? (err != NULL ? err : "cluster store unreachable") : NULL);
	free(q);
}

static void
rest_args(const struct cluster *c, char *k0, char a[3][24], int64_t third)
{
	key(c, k0, KEY_MAX, "rest", -1);
	snprintf(a[0], sizeof(a[0]), "%d", c->cfg.rest_rate);
	snprintf(a[1], sizeof(a[1]), "%d", c->cfg.rest_burst);
	snprintf(a[2], sizeof(a[2]), "%lld", (long long)third);
}

int
cluster_rest_take(struct cluster *c, int n, cluster_rest_fn cb, void *ud, char *err,
    size_t errlen)
{
	struct rest_req *q = calloc(1, sizeof(*q));
	char k0[KEY_MAX], a[3][24];
	const char *keys[1] = { k0 }, *args[3] = { a[0], a[1], a[2] };

	if (q == NULL) {
		snprintf(err, errlen, "cluster: out of memory");
		return -1;
	}
	q->cb = cb;
	q->ud = ud;
	rest_args(c, k0, a, n);
	if (eval(c, CS_REST_TAKE, 1, keys, 3, args, rest_done, q, err, errlen) < 0) {
		free(q);
		return -1;
	}
	return 0;
}

void
cluster_rest_pause(struct cluster *c, int64_t ms)
{
	char k0[KEY_MAX], a[3][24], err[200];
	const char *keys[1] = { k0 }, *args[3] = { a[0], a[1], a[2] };

	rest_args(c, k0, a, ms);
	if (eval(c, CS_REST_PAUSE, 1, keys, 3, args, logged, "global pause", err,
	    sizeof(err)) < 0)
		LOGF(c->log, LOG_DEBUG, "cluster", "global pause not shared: %s", err);
}

/* ---- leases ---- */

static void
renew_cb(lws_sorted_usec_list_t *sul)
{
	renew_now(lws_container_of(sul, struct cluster, renew));
}

static void
renew_arm(struct cluster *c)
{
	if (c->nshards > 0 && !c->dying)
		lws_sul_schedule(c->loop->ctx, 0, &c->renew, renew_cb,
		    (lws_usec_t)c->cfg.lease_ttl_ms * 1000 / 3);
}

static void
lease_changed(struct cluster *c, int i, bool ours, int64_t pttl, const char *holder)
{
	struct cluster_lease l;

	/* Free, but lapsed: taken once this process has been in touch with
	 * the store for a lease time (claim_from_ms). */
	if (!ours && holder[0] == '\0')
		return;
	bool changed = !c->known[i] || c->ours[i] != ours ||
	    (!ours && strcmp(c->holder[i], holder) != 0);

	c->known[i] = true;
	c->ours[i] = ours;
	snprintf(c->holder[i], sizeof(c->holder[i]), "%s", holder);
	if (!changed)
		return;
	if (ours)
		LOGF(c->log, LOG_INFO, "cluster", "shard %d: lease taken by this process (%s)",
		    c->shards[i], c->cfg.owner);
	else if (pttl != 0)             /* 0: fenced, and fence_check said why */
		LOGF(c->log, LOG_ERROR, "cluster", "shard %d is claimed by %s (lease ends in "
		    "%lld ms): refused here; waiting for it", c->shards[i], holder,
		    (long long)pttl);
	memset(&l, 0, sizeof(l));
	l.shard = c->shards[i];
	l.ours = ours;
	l.pttl_ms = pttl;
	snprintf(l.holder, sizeof(l.holder), "%s", holder);
	if (c->hooks.on_lease != NULL)
		c->hooks.on_lease(c->hooks.ud, &l);
}

static void
view_kept(void *ud, const struct cluster_shard_view *v, int n, const char *err)
{
	struct cluster *c = ud;

	c->viewing = false;
	if (err != NULL || n != c->cfg.view_shards)
		return;
	memcpy(c->kept, v, (size_t)n * sizeof(*v));
	c->nkept = n;
}

static void
view_keep(struct cluster *c)
{
	char err[200];

	if (c->kept == NULL || c->viewing)
		return;
	if (cluster_view(c, c->cfg.view_shards, view_kept, c, err, sizeof(err)) == 0)
		c->viewing = true;
	else
		LOGF(c->log, LOG_DEBUG, "cluster", "view not read: %s", err);
}

enum cluster_owner
cluster_shard_owner(const struct cluster *c, int shard)
{
	const struct cluster_shard_view *v;

	if (shard < 0 || shard >= c->nkept)
		return CO_UNKNOWN;
	v = &c->kept[shard];
	if (v->owner[0] != '\0')
		return strcmp(v->owner, c->cfg.owner) == 0 ? CO_HERE : CO_ELSEWHERE;
	return v->state[0] != '\0' ? CO_LAPSED : CO_NOBODY;
}

static void
lease_done(struct cluster *c, void *ud, const redisReply *rep, const char *err)
{
	(void)ud;
	c->renewing = false;
	if (c->dying)
		return;
	if (rep != NULL)
		c->renewed_ms = c->renew_sent_ms;
	if (rep == NULL) {
		/* Keep what we have: nobody can take a lease while the store
		 * is down for everyone (docs/cluster.md "When Redis fails"),
		 * unless fenced (renew_now). */
		LOGF(c->log, LOG_DEBUG, "cluster", "lease renewal failed: %s", err);
	} else {
		for (int i = 0; i < c->nshards && (size_t)(i * 3 + 2) < rep->elements; i++) {
			char holder[CLUSTER_OWNER_MAX];
			elem_str(rep, (size_t)i * 3 + 2, holder, sizeof(holder));
			lease_changed(c, i, elem_int(rep, (size_t)i * 3) == 1,
			    elem_int(rep, (size_t)i * 3 + 1), holder);
		}
		if (c->hooks.on_renewed != NULL)
			c->hooks.on_renewed(c->hooks.ud);
		view_keep(c);
	}
	renew_arm(c);
}

/* cluster_fence: a lease we could not renew for half its time may lapse
 * at the store before we hear of it, and another process may then take
 * the shard: give it up first (the lease ends by renewed + ttl; we stop by
 * renewed + ttl/2 + one tick of ttl/3). Resumes stop with it. */
static void
fence_check(struct cluster *c)
{
	int64_t now = loop_now_us() / 1000;

	if (!c->cfg.fence || c->renewed_ms == 0 || now - c->renewed_ms < c->cfg.lease_ttl_ms / 2)
		return;
	for (int i = 0; i < c->nshards; i++) {
		if (!c->ours[i])
			continue;
		LOGF(c->log, LOG_WARN, "cluster", "shard %d: no lease renewal for %lld ms: giving it "
		    "up (cluster_fence)", c->shards[i], (long long)(now - c->renewed_ms));
		lease_changed(c, i, false, 0, "nobody (fenced: the store is out of reach)");
	}
}

static void
renew_now(struct cluster *c)
{
	char (*k)[KEY_MAX], ttl[16], err[200];
	const char **keys;
	const char *args[3] = { c->cfg.owner, ttl,
	    loop_now_us() / 1000 < c->claim_from_ms ? "1" : "0" };

	lws_sul_cancel(&c->renew);
	if (c->nshards == 0 || c->renewing || c->dying)
		return;
	fence_check(c);
	c->renew_sent_ms = loop_now_us() / 1000;
	k = calloc((size_t)c->nshards, sizeof(*k));
	keys = calloc((size_t)c->nshards, sizeof(*keys));
	if (k != NULL && keys != NULL) {
		for (int i = 0; i < c->nshards; i++) {
			key(c, k[i], sizeof(k[i]), "owner", c->shards[i]);
			keys[i] = k[i];
		}
		snprintf(ttl, sizeof(ttl), "%d", c->cfg.lease_ttl_ms);
		if (eval(c, CS_LEASE, c->nshards, keys, 3, args, lease_done, NULL, err,
		    sizeof(err)) == 0)
			c->renewing = true;
	}
	free(k);
	free(keys);
	if (!c->renewing)
		renew_arm(c);
}

int
cluster_claim(struct cluster *c, const int *shards, int n, char *err, size_t errlen)
{
	if (n < 0 || n > CLUSTER_SHARDS_MAX) {
		snprintf(err, errlen, "cluster: at most %d shards per process", CLUSTER_SHARDS_MAX);
		return -1;
	}
	memcpy(c->shards, shards, (size_t)n * sizeof(*shards));
	memset(c->ours, 0, sizeof(c->ours));
	memset(c->known, 0, sizeof(c->known));
	c->nshards = n;
	renew_now(c);
	return 0;
}

struct release_req {
	void (*done)(void *ud, const char *err);
	void *ud;
};

static void
release_done(struct cluster *c, void *ud, const redisReply *rep, const char *err)
{
	struct release_req *q = ud;

	if (rep != NULL)
		LOGF(c->log, LOG_INFO, "cluster", "released %lld shard lease(s)", elem_int(rep, 0));
	if (!c->dying)
		q->done(q->ud, rep == NULL ? (err != NULL ? err : "cluster store unreachable") : NULL);
	free(q);
}

int
cluster_release(struct cluster *c, void (*done)(void *ud, const char *err), void *ud,
    char *err, size_t errlen)
{
	struct release_req *q = calloc(1, sizeof(*q));
	char (*k)[KEY_MAX] = calloc((size_t)(c->nshards > 0 ? c->nshards : 1), sizeof(*k));
	const char **keys = calloc((size_t)(c->nshards > 0 ? c->nshards : 1), sizeof(*keys));
	char ttl[16];
	const char *args[2] = { c->cfg.owner, ttl };
	int n = 0, rc = -1;

	if (q == NULL || k == NULL || keys == NULL) {
		snprintf(err, errlen, "cluster: out of memory");
		goto out;
	}
	q->done = done;
	q->ud = ud;
	/* Renewing would take them back. */
	lws_sul_cancel(&c->renew);
	for (int i = 0; i < c->nshards; i++) {
		key(c, k[n], sizeof(k[0]), "owner", c->shards[i]);
		keys[n] = k[n];
		n++;
	}
	c->nshards = 0;
	snprintf(ttl, sizeof(ttl), "%d", c->cfg.lease_ttl_ms);
	rc = eval(c, CS_RELEASE, n, keys, 2, args, release_done, q, err, errlen);
out:
	if (rc < 0)
		free(q);
	free(k);
	free(keys);
	return rc;
}

bool
cluster_owns(const struct cluster *c, int shard)
{
	for (int i = 0; i < c->nshards; i++) {
		if (c->shards[i] == shard)
			return c->ours[i];
	}
	return false;
}

/* ---- sessions ---- */

void
cluster_session_put(struct cluster *c, int shard, const char *id, int64_t seq,
    const char *url, int64_t ttl_ms)
{
	char k0[KEY_MAX], k1[KEY_MAX], sq[24], ttl[24], err[200];
	const char *keys[2] = { k0, k1 };
	const char *args[5] = { c->cfg.owner, id, sq, url, ttl };

	key(c, k0, sizeof(k0), "owner", shard);
	key(c, k1, sizeof(k1), "session", shard);
	snprintf(sq, sizeof(sq), "%lld", (long long)seq);
	snprintf(ttl, sizeof(ttl), "%lld", (long long)(ttl_ms > 0 ? ttl_ms : 1));
	if (eval(c, CS_SESSION_PUT, 2, keys, 5, args, logged, "session", err, sizeof(err)) < 0)
		LOGF(c->log, LOG_DEBUG, "cluster", "shard %d: session not shared: %s", shard, err);
}

struct session_req {
	cluster_session_fn cb;
	void *ud;
};

static void
session_done(struct cluster *c, void *ud, const redisReply *rep, const char *err)
{
	struct session_req *q = ud;
	struct cluster_session s;

	memset(&s, 0, sizeof(s));
	if (rep != NULL && elem_int(rep, 0) == 1) {
		s.found = true;
		elem_str(rep, 1, s.id, sizeof(s.id));
		s.seq = elem_int(rep, 2);
		elem_str(rep, 3, s.url, sizeof(s.url));
	}
	if (!c->dying)
		q->cb(q->ud, &s, rep == NULL ? (err != NULL ? err : "cluster store unreachable")
		    : NULL);
	free(q);
}

int
cluster_session_get(struct cluster *c, int shard, cluster_session_fn cb, void *ud, char *err,
    size_t errlen)
{
	struct session_req *q = calloc(1, sizeof(*q));
	char k0[KEY_MAX];
	const char *keys[1] = { k0 };

	if (q == NULL) {
		snprintf(err, errlen, "cluster: out of memory");
		return -1;
	}
	q->cb = cb;
	q->ud = ud;
	key(c, k0, sizeof(k0), "session", shard);
	if (eval(c, CS_SESSION_GET, 1, keys, 0, NULL, session_done, q, err, errlen) < 0) {
		free(q);
		return -1;
	}
	return 0;
}

/* ---- the cluster view ---- */

void
cluster_publish(struct cluster *c, int shard, const char *state)
{
	char k0[KEY_MAX], sh[16], err[200];
	const char *keys[1] = { k0 }, *args[3] = { c->cfg.owner, sh, state };

	key(c, k0, sizeof(k0), "state", -1);
	snprintf(sh, sizeof(sh), "%d", shard);
	if (eval(c, CS_PUBLISH, 1, keys, 3, args, logged, "publish", err, sizeof(err)) < 0)
		LOGF(c->log, LOG_DEBUG, "cluster", "shard %d: state not published: %s", shard, err);
}

struct view_req {
	int n, cols;                    /* 3: a shard view; 2: identify locks */
	cluster_view_fn cb;
	void *ud;
};

static void
view_one(const redisReply *rep, int s, int cols, struct cluster_shard_view *v)
{
	char pub[CLUSTER_OWNER_MAX + CLUSTER_STATE_MAX + 32], *bar, *bar2;

	memset(v, 0, sizeof(*v));
	v->shard = s;
	elem_str(rep, (size_t)s * cols, v->owner, sizeof(v->owner));
	v->pttl_ms = elem_int(rep, (size_t)s * cols + 1);
	if (cols < 3)
		return;
	elem_str(rep, (size_t)s * cols + 2, pub, sizeof(pub));
	/* "owner|state|at" */
	bar = strchr(pub, '|');
	bar2 = bar != NULL ? strchr(bar + 1, '|') : NULL;
	if (bar == NULL || bar2 == NULL)
		return;
	*bar = '\0';
	*bar2 = '\0';
	snprintf(v->published_by, sizeof(v->published_by), "%.*s",
	    (int)sizeof(v->published_by) - 1, pub);
	snprintf(v->state, sizeof(v->state), "%.*s", (int)sizeof(v->state) - 1, bar + 1);
	v->lapsed = v->owner[0] == '\0' || strcmp(v->owner, v->published_by) != 0;
}

static void
view_done(struct cluster *c, void *ud, const redisReply *rep, const char *err)
{
	struct view_req *q = ud;
	struct cluster_shard_view *v = rep != NULL ? calloc((size_t)q->n, sizeof(*v)) : NULL;

	if (v != NULL) {
		for (int s = 0; s < q->n; s++)
			view_one(rep, s, q->cols, &v[s]);
	}
	if (!c->dying)
		q->cb(q->ud, v, v != NULL ? q->n : 0, v != NULL ? NULL
		    : err != NULL ? err : "cluster: out of memory");
	free(v);
	free(q);
}

/* Who holds the n keys of CS_VIEW (the shards' leases, with their
 * published states) or of CS_HOLDERS (the identify locks). */
static int
holders(struct cluster *c, enum cluster_script s, int n, cluster_view_fn cb, void *ud,
    char *err, size_t errlen)
{
	bool view = s == CS_VIEW;
	int max = view ? CLUSTER_SHARDS_MAX : CLUSTER_KEYS_MAX;
	struct view_req *q;
	char k0[KEY_MAX], pre[KEY_MAX], count[16];
	const char *keys[1] = { k0 }, *args[2] = { pre, count };

	if (n < 1 || n > max) {
		snprintf(err, errlen, "cluster: 1 to %d %s", max, view ? "shards" : "concurrency keys");
		return -1;
	}
	if ((q = calloc(1, sizeof(*q))) == NULL) {
		snprintf(err, errlen, "cluster: out of memory");
		return -1;
	}
	q->n = n;
	q->cols = view ? 3 : 2;
	q->cb = cb;
	q->ud = ud;
	key(c, k0, sizeof(k0), view ? "state" : "epoch", -1);
	snprintf(pre, sizeof(pre), "%s%s:", c->prefix, view ? "owner" : "identify");
	snprintf(count, sizeof(count), "%d", n);
	if (eval(c, s, 1, keys, 2, args, view_done, q, err, errlen) < 0) {
		free(q);
		return -1;
	}
	return 0;
}

int
cluster_view(struct cluster *c, int shards, cluster_view_fn cb, void *ud, char *err,
    size_t errlen)
{
	return holders(c, CS_VIEW, shards, cb, ud, err, errlen);
}

int
cluster_locks(struct cluster *c, int keys, cluster_view_fn cb, void *ud, char *err,
    size_t errlen)
{
	return holders(c, CS_HOLDERS, keys, cb, ud, err, errlen);
}

/* ---- life ---- */

static void
default_owner(struct cluster *c)
{
	char host[64] = "host";

	gethostname(host, sizeof(host));
	host[sizeof(host) - 1] = '\0';
	snprintf(c->cfg.owner, sizeof(c->cfg.owner), "%s:%d:%04x", host, (int)getpid(),
	    (unsigned)(rng_u64(&c->rng) & 0xffff));
}

struct cluster *
cluster_new(struct loop *loop, struct logring *log, const struct cluster_config *cfg,
    const struct cluster_hooks *hooks, char *err, size_t errlen)
{
	struct cluster *c = calloc(1, sizeof(*c));
	struct redis_lws_hooks rh;

	if (c == NULL) {
		snprintf(err, errlen, "cluster: out of memory");
		return NULL;
	}
	if (cfg->name[0] == '\0' || strpbrk(cfg->name, "{}: ") != NULL) {
		snprintf(err, errlen, "cluster_name: a non-empty name without {, }, : or spaces");
		free(c);
		return NULL;
	}
	c->loop = loop;
	c->log = log;
	c->cfg = *cfg;
	if (hooks != NULL)
		c->hooks = *hooks;
	rng_seed(&c->rng, (uint64_t)loop_now_us() ^ ((uint64_t)getpid() << 40));
	if (c->cfg.owner[0] == '\0')
		default_owner(c);
	if (c->cfg.lease_ttl_ms <= 0)
		c->cfg.lease_ttl_ms = CLUSTER_LEASE_TTL_MS;
	if (c->cfg.spacing_ms <= 0)
		c->cfg.spacing_ms = CLUSTER_SPACING_MS;
	if (c->cfg.rest_rate <= 0)
		c->cfg.rest_rate = CLUSTER_REST_RATE;
	if (c->cfg.rest_burst <= 0)
		c->cfg.rest_burst = CLUSTER_REST_BURST;
	snprintf(c->prefix, sizeof(c->prefix), "vigil:{%s}:", c->cfg.name);
	c->claim_from_ms = INT64_MAX;
	if (c->cfg.view_shards > 0 && c->cfg.view_shards <= CLUSTER_SHARDS_MAX &&
	    (c->kept = calloc((size_t)c->cfg.view_shards, sizeof(*c->kept))) == NULL) {
		snprintf(err, errlen, "cluster: out of memory");
		free(c);
		return NULL;
	}
	snprintf(c->epoch, sizeof(c->epoch), "%s", c->cfg.epoch);
	c->st.starts_left = -1;
	rh.ud = c;
	rh.on_up = store_up;
	rh.on_down = NULL;
	c->r = redis_lws_new(loop, log, &c->cfg.redis, &rh, err, errlen);
	explicit_bzero(c->cfg.redis.password, sizeof(c->cfg.redis.password));
	if (c->r == NULL) {
		free(c->kept);
		free(c);
		return NULL;
	}
	return c;
}

void
cluster_free(struct cluster *c)
{
	if (c == NULL)
		return;
	c->dying = true;
	lws_sul_cancel(&c->renew);
	redis_lws_free(c->r);
	free(c->kept);
	free(c);
}

bool
cluster_is_up(const struct cluster *c)
{
	return redis_lws_is_up(c->r);
}

const char *
cluster_why_down(const struct cluster *c)
{
	return redis_lws_why_down(c->r);
}

const char *
cluster_owner(const struct cluster *c)
{
	return c->cfg.owner;
}

void
cluster_get_stats(const struct cluster *c, struct cluster_stats *out)
{
	*out = c->st;
	out->up = redis_lws_is_up(c->r);
	out->reconnects = redis_lws_ups(c->r) > 0 ? redis_lws_ups(c->r) - 1 : 0;
	out->nshards = c->nshards;
	out->owned = 0;
	for (int i = 0; i < c->nshards; i++)
		out->owned += c->ours[i];
	memset(out->by_owner, 0, sizeof(out->by_owner));
	for (int s = 0; s < c->nkept; s++)
		out->by_owner[cluster_shard_owner(c, s)]++;
}

int
cluster_claimed(const struct cluster *c, const int **shards, const bool **ours)
{
	*shards = c->shards;
	*ours = c->ours;
	return c->nshards;
}

struct redis_lws *
cluster_redis(struct cluster *c)
{
	return c->r;
}
