/*
 * The cluster simulation (cluster-world.h). Discord is modelled as far as
 * the cluster invariants need: connections, HELLO, IDENTIFY → READY,
 * RESUME → RESUMED or op 9, heartbeats, GET /gateway/bot with the token's
 * real session-start count, and what it checks:
 *
 *  C1  never two live connections for one shard, except while a process
 *      that holds one is cut off from Redis or has just come back
 *      (docs/cluster.md "When Redis fails": a partition);
 *  C2  never two IDENTIFYs in one concurrency key within 5 s;
 *  C3  the token's session starts in any 24 h stay within the limit;
 *  C4  an IDENTIFY goes only on the store's permit for it, within its hold.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cluster.h"
#include "bot/bot.h"
#include "bot/fleet.h"
#include "bot/cluster-scripts.h"
#include "bot/rng.h"
#include "cluster-world.h"
#include "redis-sim.h"

#define PROCS           3
#define SHARDS          6
#define CLAIMS          3               /* each process claims 3 of the 6 */
#define LEASE_MS        6000
#define WALL0           1800000000000LL
#define EVENTS_MAX      4096
#define CONNS_MAX       64
#define IDENT_MAX       4096
#define CALM_MS         (10 * MS_PER_MIN)
#define TRACE_LINES     120
#define PARTITION_GRACE (LEASE_MS + LEASE_MS / 3 + 5 * MS_PER_S)

enum ev_kind { EV_OPEN, EV_FRAME, EV_CLOSE, EV_HTTP, EV_PERMIT };

struct cw_event {
	int64_t at;
	uint64_t serial;
	enum ev_kind kind;
	int proc, slot;
	uint64_t inc;                   /* the process incarnation it is for */
	uint32_t conn;
	int code;
	uint64_t id;
	char *text;
	struct bot_permit permit;
};

/* One shard of a process: made with the process (bot_init_shard), started
 * once its lease is ours, stopped (kept) when the lease is lost and taken
 * up again from the store's session when it comes back (app-cluster.c). */
struct slot {
	int shard;
	bool ours;
	bool started;                   /* bot_start done */
	bool lost;                      /* stopped because the lease went */
	struct bot bot;
	uint64_t granted_id;            /* the last permit the store granted it */
	int64_t granted_at;
};

/* One vigil process: one fleet (budget, identify queue, REST queue, cache)
 * for all the shards it claims, as src/app/app-shards.c builds it. */
struct proc {
	bool alive;
	int gen;
	uint64_t inc;
	char owner[32];
	struct fleet fleet;
	int nbots;                      /* shards made so far (freed on the way down) */
	struct slot sl[CLAIMS];
	int64_t next_renew, restart_at, partition_until, partition_ended, claim_from;
	int64_t renewed;                /* the last renewal that went through */
	bool store_down;                /* its last call found the store unreachable */
	bool contacted;                 /* reached the store once in this life */
	char epoch[64];
	int64_t reading_wall;           /* Discord's reading last shared */
};

struct dconn {
	bool live;
	int proc, slot, shard;
	uint64_t inc;
	uint32_t conn;
};

struct cworld {
	struct cw_opts o;
	struct rng rng;
	int64_t now, end;
	struct simredis *redis;
	int64_t redis_down_until;
	struct proc p[PROCS];
	struct cw_event ev[EVENTS_MAX];
	int nev;
	uint64_t serial, inc_serial;
	struct dconn c[CONNS_MAX];
	int nconn;
	/* Discord's view */
	int mc, limit, reserve;
	bool fence;                     /* cluster_fence this seed: C1 with no excuse */
	char sess[SHARDS][32];
	int64_t sess_seq[SHARDS];
	int sess_n;
	int64_t ident_wall[IDENT_MAX];
	int nident;
	int64_t last_ident[16];
	bool doubled[SHARDS];           /* two live connections now (excused) */
	int64_t next_fault;
	struct cw_stats st;
	char trace[TRACE_LINES][160];
	int trace_n;
	bool failed;
	char why[512];
};

static void
fail(struct cworld *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (w->failed)
		return;
	w->failed = true;
	n = snprintf(w->why, sizeof(w->why), "seed %llu at %.3f s: ",
	    (unsigned long long)w->o.seed, (double)w->now / 1000.0);
	va_start(ap, fmt);
	vsnprintf(w->why + n, sizeof(w->why) - (size_t)n, fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 2, 3)))
trace(struct cworld *w, const char *fmt, ...)
{
	char *line = w->trace[w->trace_n++ % TRACE_LINES];
	va_list ap;
	int n = snprintf(line, 160, "%10.3f ", (double)w->now / 1000.0);

	va_start(ap, fmt);
	vsnprintf(line + n, 160 - (size_t)n, fmt, ap);
	va_end(ap);
	if (w->o.verbose)
		printf("%s\n", line);
}

static struct vtime
vt(const struct cworld *w)
{
	return (struct vtime){ .mono_ms = w->now, .wall_ms = WALL0 + w->now };
}

static int64_t
lat(struct cworld *w)
{
	return rng_range(&w->rng, 2, 40);
}

static struct cw_event *
push(struct cworld *w, enum ev_kind k, int proc, int slot, int64_t in)
{
	struct cw_event *e;

	if (w->nev == EVENTS_MAX) {
		fail(w, "the event queue is full");
		return NULL;
	}
	e = &w->ev[w->nev++];
	memset(e, 0, sizeof(*e));
	e->at = w->now + in;
	e->serial = w->serial++;
	e->kind = k;
	e->proc = proc;
	e->slot = slot;
	e->inc = w->p[proc].inc;
	return e;
}

static void
push_frame(struct cworld *w, int proc, int slot, uint32_t conn, const char *text)
{
	struct cw_event *e = push(w, EV_FRAME, proc, slot, lat(w));

	if (e != NULL) {
		e->conn = conn;
		e->text = strdup(text);
	}
}

/* ---- the store, as a process sees it ---- */

static bool
reachable(struct cworld *w, int p)
{
	return w->now >= w->redis_down_until && w->now >= w->p[p].partition_until;
}

static void
key(char *buf, size_t len, const char *what, int n)
{
	if (n >= 0)
		snprintf(buf, len, "vigil:{sim}:%s:%d", what, n);
	else
		snprintf(buf, len, "vigil:{sim}:%s", what);
}

static redisReply *
eval(struct cworld *w, enum cluster_script s, int nk, const char *const *k, int na,
    const char *const *a)
{
	redisReply *r = simredis_eval(w->redis, WALL0 + w->now, s, nk, k, na, a);

	if (r == NULL || r->type == REDIS_REPLY_ERROR)
		fail(w, "script %s failed: %s", cluster_script(s)->name,
		    r != NULL ? r->str : "no reply");
	return r;
}

static long long
el(const redisReply *r, size_t i)
{
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || i >= r->elements)
		return 0;
	if (r->element[i]->type == REDIS_REPLY_INTEGER)
		return r->element[i]->integer;
	if (r->element[i]->type == REDIS_REPLY_STRING)
		return strtoll(r->element[i]->str, NULL, 10);
	return 0;
}

static const char *
es(const redisReply *r, size_t i)
{
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || i >= r->elements ||
	    r->element[i]->type != REDIS_REPLY_STRING)
		return "";
	return r->element[i]->str;
}

/* What the process knows of used starts: its fleet's count and Discord's
 * reading (cluster.c's local_used hook, app-cluster.c). */
static int
local_used(struct cworld *w, int p)
{
	const struct budget *b = &w->p[p].fleet.budget;
	int u, d;

	if (!w->p[p].alive)
		return 0;
	u = budget_used(b, vt(w));
	d = b->discord_known ? b->d_total - b->d_remaining + b->d_used_since : 0;
	return u > d ? u : d;
}

/* cluster.c's seed(): the epoch checked, a lost store re-seeded. */
static void
seed(struct cworld *w, int p)
{
	struct proc *pr = &w->p[p];
	char k0[64], k1[64], ep[32], n[16], hold[16], pre[64];
	const char *k[2] = { k0, k1 }, *a[5] = { ep, n, hold, pre, "5000" };
	int assumed = local_used(w, p) + (pr->epoch[0] != '\0' ? w->limit / 4 : 0);
	redisReply *r;

	key(k0, sizeof(k0), "starts", -1);
	key(k1, sizeof(k1), "epoch", -1);
	key(pre, sizeof(pre), "identify:", -1);
	snprintf(ep, sizeof(ep), "%016llx", (unsigned long long)rng_u64(&w->rng));
	snprintf(n, sizeof(n), "%d", assumed < w->limit ? assumed : w->limit);
	snprintf(hold, sizeof(hold), "%d", pr->epoch[0] != '\0' ? CLUSTER_KEYS_MAX : 0);
	r = eval(w, CS_SEED, 2, k, 5, a);
	if (r != NULL)
		snprintf(pr->epoch, sizeof(pr->epoch), "%s", es(r, 1));
	freeReplyObject(r);
}

/* Every call goes through here: an unreachable store marks the process
 * down; the first call that reaches it again re-syncs (cluster.c's
 * store_up: seed, and renew-only for a lease time). */
static bool
contact(struct cworld *w, int p)
{
	struct proc *pr = &w->p[p];

	if (!reachable(w, p)) {
		pr->store_down = true;
		return false;
	}
	if (!pr->contacted || pr->store_down) {
		pr->claim_from = w->now + LEASE_MS;
		pr->contacted = true;
		pr->store_down = false;
		seed(w, p);
	}
	return true;
}

/* ---- the permit: app-cluster.c's answer to ACT_PERMIT ---- */

static void
share_reading(struct cworld *w, int p)
{
	const struct budget *b = &w->p[p].fleet.budget;
	char k0[64], a[4][24];
	const char *k[1] = { k0 }, *av[4] = { a[0], a[1], a[2], a[3] };

	if (!b->discord_known || b->d_seen_wall_ms == w->p[p].reading_wall)
		return;
	w->p[p].reading_wall = b->d_seen_wall_ms;
	key(k0, sizeof(k0), "limit", -1);
	snprintf(a[0], sizeof(a[0]), "%d", b->d_total);
	snprintf(a[1], sizeof(a[1]), "%d", b->d_remaining - b->d_used_since);
	snprintf(a[2], sizeof(a[2]), "%lld",
	    (long long)(b->d_reset_wall_ms - vt(w).wall_ms));
	snprintf(a[3], sizeof(a[3]), "%d", b->d_max_concurrency);
	freeReplyObject(eval(w, CS_LIMIT, 1, k, 4, av));
}

/* How long a granted permit holds the key: through the connect to the
 * IDENTIFY (app-cluster.c's hold). */
static int64_t
permit_hold(const struct bot *b)
{
	return CLUSTER_SPACING_MS + b->cfg.hello_timeout_ms + CLUSTER_SPACING_MARGIN;
}

static struct bot_permit
permit(struct cworld *w, int p, int s, const struct action *act)
{
	struct proc *pr = &w->p[p];
	struct bot_permit bp;
	char k[4][64], sh[16], lim[16], res[16], hold[24];
	const char *kv[4] = { k[0], k[1], k[2], k[3] };
	const char *av[6] = { pr->owner, sh, lim, res, hold, pr->epoch };
	redisReply *r = NULL;
	long long code = 0;

	memset(&bp, 0, sizeof(bp));
	bp.status = BOT_PERMIT_UNREACHABLE;
	snprintf(bp.why, sizeof(bp.why), "cluster store unreachable");
	if (!contact(w, p))
		return bp;
	share_reading(w, p);
	key(k[0], sizeof(k[0]), "starts", -1);
	key(k[1], sizeof(k[1]), "limit", -1);
	key(k[2], sizeof(k[2]), "epoch", -1);
	key(k[3], sizeof(k[3]), "identify", act->key);
	snprintf(sh, sizeof(sh), "%d", act->shard);
	snprintf(lim, sizeof(lim), "%d", w->limit);
	snprintf(res, sizeof(res), "%d", w->reserve);
	snprintf(hold, sizeof(hold), "%lld", (long long)permit_hold(&pr->sl[s].bot));
	for (int tries = 0; tries < 3; tries++) {
		freeReplyObject(r);
		r = eval(w, CS_PERMIT, 4, kv, 6, av);
		code = el(r, 0);
		if (code == 4)
			seed(w, p);
		else if (code == 5)
			snprintf(pr->epoch, sizeof(pr->epoch), "%s", es(r, 1));
		else
			break;
	}
	switch (code) {
	case 1:
		bp.status = BOT_PERMIT_GRANTED;
		pr->sl[s].granted_id = act->permit_id;
		pr->sl[s].granted_at = w->now;
		break;
	case 2:
		bp.status = BOT_PERMIT_KEY_HELD;
		bp.wait_ms = el(r, 1) > 0 ? el(r, 1) : 1;
		w->st.permits_refused++;
		break;
	case 3:
		bp.status = BOT_PERMIT_BUDGET;
		bp.wait_ms = el(r, 1) - vt(w).wall_ms;
		w->st.permits_refused++;
		break;
	default:
		break;
	}
	freeReplyObject(r);
	return bp;
}

/* ---- Discord ---- */

static struct dconn *
conn_of(struct cworld *w, int p, int s, uint64_t inc, uint32_t conn)
{
	for (int i = 0; i < w->nconn; i++) {
		struct dconn *c = &w->c[i];
		if (c->live && c->proc == p && c->slot == s && c->inc == inc && c->conn == conn)
			return c;
	}
	return NULL;
}

static void
conn_end(struct cworld *w, struct dconn *c)
{
	*c = w->c[--w->nconn];
}

static int
starts_in_day(struct cworld *w)
{
	int n = 0;

	for (int i = 0; i < w->nident; i++)
		n += w->ident_wall[i] > vt(w).wall_ms - MS_PER_DAY;
	return n;
}

/* C4: an IDENTIFY goes only on the store's permit for this very request,
 * within the permit's hold, once: so none while the store is out of reach
 * but one granted just before. */
static void
permit_used(struct cworld *w, int p, int s)
{
	struct slot *sl = &w->p[p].sl[s];

	if (sl->granted_id == 0 || sl->granted_id != sl->bot.permit_id)
		fail(w, "C4: %s shard %d identified without the store's permit", w->p[p].owner,
		    sl->shard);
	else if (w->now - sl->granted_at > permit_hold(&sl->bot))
		fail(w, "C4: %s shard %d identified %lld ms after its permit, the hold is %lld ms",
		    w->p[p].owner, sl->shard, (long long)(w->now - sl->granted_at),
		    (long long)permit_hold(&sl->bot));
	if (!reachable(w, p))
		w->st.granted_then_cut++;
	sl->granted_id = 0;
}

/* The IDENTIFYs of the last 24 h are kept (older ones dropped when the
 * table fills), so C3 holds over campaigns of many days. */
static void
record_start(struct cworld *w)
{
	int n = 0;

	if (w->nident == IDENT_MAX) {
		for (int i = 0; i < w->nident; i++) {
			if (w->ident_wall[i] > vt(w).wall_ms - MS_PER_DAY)
				w->ident_wall[n++] = w->ident_wall[i];
		}
		w->nident = n;
	}
	if (w->nident < IDENT_MAX)
		w->ident_wall[w->nident++] = vt(w).wall_ms;
	else
		fail(w, "more than %d IDENTIFYs in 24 h: the table is full", IDENT_MAX);
}

static void
identify(struct cworld *w, int p, int s, uint32_t conn, int shard)
{
	int k = shard % w->mc;
	char text[512];

	w->st.identifies++;
	trace(w, "%s shard %d: IDENTIFY (key %d)", w->p[p].owner, shard, shard % w->mc);
	if (w->last_ident[k] != 0 && w->now - w->last_ident[k] < 5000)
		fail(w, "C2: shard %d identified %lld ms after another IDENTIFY in key %d", shard,
		    (long long)(w->now - w->last_ident[k]), k);
	w->last_ident[k] = w->now;
	permit_used(w, p, s);
	record_start(w);
	if (starts_in_day(w) > w->limit)
		fail(w, "C3: %d session starts in 24 h, the limit is %d", starts_in_day(w),
		    w->limit);
	snprintf(w->sess[shard], sizeof(w->sess[shard]), "s%d-%d", shard, ++w->sess_n);
	w->sess_seq[shard] = 1;
	snprintf(text, sizeof(text), "{\"op\":0,\"t\":\"READY\",\"s\":1,\"d\":{\"v\":10,"
	    "\"session_id\":\"%s\",\"resume_gateway_url\":\"ws://resume.sim\",\"user\":"
	    "{\"id\":\"99\",\"username\":\"b\",\"bot\":true},\"guilds\":[],\"shard\":[%d,%d]}}",
	    w->sess[shard], shard, SHARDS);
	push_frame(w, p, s, conn, text);
}

static void
resume(struct cworld *w, int p, int s, uint32_t conn, int shard, const char *payload)
{
	char want[64], text[128];

	snprintf(want, sizeof(want), "\"session_id\":\"%s\"", w->sess[shard]);
	if (w->sess[shard][0] == '\0' || strstr(payload, want) == NULL) {
		push_frame(w, p, s, conn, "{\"op\":9,\"d\":false}");
		return;
	}
	w->st.resumes++;
	trace(w, "%s shard %d: RESUME %s", w->p[p].owner, shard, w->sess[shard]);
	snprintf(text, sizeof(text), "{\"op\":0,\"t\":\"RESUMED\",\"s\":%lld,\"d\":{}}",
	    (long long)++w->sess_seq[shard]);
	push_frame(w, p, s, conn, text);
}

/* app-cluster.c's app_cluster_sent: the key rests 5 s from the IDENTIFY. */
static void
identified(struct cworld *w, int p, const struct action *a)
{
	char k0[64], holder[64], sp[16];
	const char *k[1] = { k0 }, *av[2] = { holder, sp };

	if (!contact(w, p))
		return;
	key(k0, sizeof(k0), "identify", a->key);
	snprintf(holder, sizeof(holder), "%s shard %d", w->p[p].owner, a->shard);
	snprintf(sp, sizeof(sp), "%d", CLUSTER_SPACING_MS + CLUSTER_SPACING_MARGIN);
	freeReplyObject(eval(w, CS_IDENTIFIED, 1, k, 2, av));
}

static void
gateway_send(struct cworld *w, int p, int s, const struct action *a)
{
	struct slot *sl = &w->p[p].sl[s];
	struct dconn *c = conn_of(w, p, s, w->p[p].inc, a->conn);
	const char *t = a->payload;

	if (c == NULL || t == NULL)
		return;
	if (strstr(t, "\"op\":1,") != NULL || strncmp(t, "{\"op\":1}", 8) == 0)
		push_frame(w, p, s, a->conn, "{\"op\":11}");
	else if (strstr(t, "\"op\":2,") != NULL) {
		if (!a->identify)
			fail(w, "an IDENTIFY not marked as one");
		identify(w, p, s, a->conn, sl->shard);
		identified(w, p, a);
	}
	else if (strstr(t, "\"op\":6,") != NULL)
		resume(w, p, s, a->conn, sl->shard, t);
}

/* The answer goes to the process's fleet, whichever shard's FIFO carried
 * the request (its REST queue is shared). */
static void
rest(struct cworld *w, int p, const struct action *a)
{
	struct cw_event *e = push(w, EV_HTTP, p, 0, lat(w));
	char body[400];
	int left = w->limit - starts_in_day(w);

	if (e == NULL)
		return;
	e->id = a->http_id;
	if (strcmp(a->path, "/gateway/bot") != 0) {
		e->code = 404;
		e->text = strdup("{\"message\":\"404\",\"code\":0}");
		return;
	}
	snprintf(body, sizeof(body), "{\"url\":\"ws://gw.sim\",\"shards\":%d,"
	    "\"session_start_limit\":{\"total\":%d,\"remaining\":%d,\"reset_after\":%d,"
	    "\"max_concurrency\":%d}}", SHARDS, w->limit, left > 0 ? left : 0, (int)(MS_PER_DAY / 2),
	    w->mc);
	e->code = 200;
	e->text = strdup(body);
}

/* One shard's session into the store, while its lease is ours. */
static void
persist(struct cworld *w, int p, int s)
{
	const struct bot *b = &w->p[p].sl[s].bot;
	char k0[64], k1[64], seq[24], ttl[24];
	const char *k[2] = { k0, k1 };
	const char *a[5] = { w->p[p].owner, b->session_id, seq, b->resume_url, ttl };

	if (!w->p[p].sl[s].ours || b->session_id[0] == '\0' || !contact(w, p))
		return;
	key(k0, sizeof(k0), "owner", w->p[p].sl[s].shard);
	key(k1, sizeof(k1), "session", w->p[p].sl[s].shard);
	snprintf(seq, sizeof(seq), "%lld", (long long)b->seq);
	snprintf(ttl, sizeof(ttl), "%lld", (long long)b->cfg.resume_window_ms);
	freeReplyObject(eval(w, CS_SESSION_PUT, 2, k, 5, a));
}

/* ACT_PERSIST from any shard saves the whole fleet (one state file for
 * all; a shard's seq may ride on another's save), so every shard it owns
 * shares its session. */
static void
persist_all(struct cworld *w, int p)
{
	for (int i = 0; i < CLAIMS; i++)
		persist(w, p, i);
}

static void
perform(struct cworld *w, int p, int s, struct action *a)
{
	struct slot *sl = &w->p[p].sl[s];
	struct cw_event *e;
	struct dconn *c;

	switch (a->kind) {
	case ACT_OPEN:
		if (w->nconn == CONNS_MAX) {
			fail(w, "too many connections");
			break;
		}
		w->c[w->nconn++] = (struct dconn){ true, p, s, sl->shard, w->p[p].inc, a->conn };
		trace(w, "%s shard %d: open conn %u", w->p[p].owner, sl->shard, a->conn);
		if ((e = push(w, EV_OPEN, p, s, lat(w))) != NULL)
			e->conn = a->conn;
		break;
	case ACT_SEND:
		gateway_send(w, p, s, a);
		break;
	case ACT_CLOSE:
		/* One close per conn: a conn the server dropped has its close
		 * on the way already. */
		if ((c = conn_of(w, p, s, w->p[p].inc, a->conn)) == NULL)
			break;
		conn_end(w, c);
		trace(w, "%s shard %d: closes conn %u (%d)", w->p[p].owner, sl->shard, a->conn,
		    a->close_code);
		if ((e = push(w, EV_CLOSE, p, s, lat(w))) != NULL) {
			e->conn = a->conn;
			e->code = a->close_code == BOT_CLOSE_ABORT ? BOT_CLOSE_NONE : a->close_code;
		}
		break;
	case ACT_HTTP:
		rest(w, p, a);
		break;
	case ACT_PERSIST:
		persist_all(w, p);
		break;
	case ACT_PERMIT:
		if ((e = push(w, EV_PERMIT, p, s, lat(w))) != NULL) {
			e->id = a->permit_id;
			e->permit = permit(w, p, s, a);
			if (e->permit.status == BOT_PERMIT_UNREACHABLE)
				w->st.permits_unreachable++;
		}
		break;
	case ACT_ALERT:
		break;
	}
	action_release(a);
}

static void
drain(struct cworld *w)
{
	struct action a;

	for (int p = 0; p < PROCS; p++) {
		for (int s = 0; s < w->p[p].nbots; s++) {
			while (bot_next_action(&w->p[p].sl[s].bot, &a))
				perform(w, p, s, &a);
		}
	}
}

/* ---- processes and leases ---- */

/* The session the store holds for slot s's shard, taken before a start:
 * a shard that moved resumes the session its last owner left. */
static bool
adopt_stored(struct cworld *w, int p, int s, bool replace)
{
	struct slot *sl = &w->p[p].sl[s];
	char k0[64];
	const char *k[1] = { k0 };
	redisReply *r;
	bool took = false;

	key(k0, sizeof(k0), "session", sl->shard);
	r = eval(w, CS_SESSION_GET, 1, k, 0, NULL);
	if (r != NULL && el(r, 0) == 1) {
		if (replace)
			bot_forget_session(&sl->bot);
		took = bot_adopt_session(&sl->bot, vt(w), es(r, 1), el(r, 2), es(r, 3));
	}
	freeReplyObject(r);
	return took;
}

/* app-cluster.c's session_again: the newest session there is, resumed,
 * else a new one. Refused (a stop's close still under way), the shard
 * would stay stopped for good, as app-cluster.c does not try again: a
 * failure here. */
static void
retake(struct cworld *w, int p, int s)
{
	struct slot *sl = &w->p[p].sl[s];
	char why[160];
	int rc;

	adopt_stored(w, p, s, true);
	rc = sl->bot.session_id[0] != '\0' ? bot_cmd_resume(&sl->bot, vt(w), why, sizeof(why))
	    : bot_cmd_reconnect(&sl->bot, vt(w), why, sizeof(why));
	if (rc < 0) {
		fail(w, "liveness: %s shard %d is ours again but stays stopped: %s", w->p[p].owner,
		    sl->shard, why);
		return;
	}
	w->st.retaken++;
	trace(w, "%s shard %d: taken up again", w->p[p].owner, sl->shard);
}

/* The lease is ours: the first time, start from the store's session; after
 * a loss, take the stopped shard up again. */
static void
lease_ours(struct cworld *w, int p, int s)
{
	struct slot *sl = &w->p[p].sl[s];

	if (!sl->started) {
		sl->started = true;
		if (adopt_stored(w, p, s, false))
			w->st.takeovers++;
		bot_start(&sl->bot, vt(w));
		return;
	}
	if (sl->lost) {
		sl->lost = false;
		retake(w, p, s);
	}
}

/* Lost to another process or fenced: stop here, keeping the shard (its
 * REST answers still come back to the fleet); the session stays
 * resumable for whoever holds the lease now. */
static void
stop_lost(struct cworld *w, int p)
{
	char err[128];

	for (int i = 0; i < CLAIMS; i++) {
		struct slot *sl = &w->p[p].sl[i];
		if (sl->ours || !sl->started || sl->lost)
			continue;
		sl->lost = true;
		trace(w, "%s shard %d: stopped (lease lost)", w->p[p].owner, sl->shard);
		bot_cmd_stop(&sl->bot, vt(w), err, sizeof(err));
	}
}

static void
renew(struct cworld *w, int p)
{
	struct proc *pr = &w->p[p];
	char k[CLAIMS][64], ttl[16];
	const char *kv[CLAIMS];
	const char *a[3] = { pr->owner, ttl, "0" };
	redisReply *r;

	pr->next_renew = w->now + LEASE_MS / 3;
	/* cluster.c's fence_check: half a lease without a renewal. */
	if (w->fence && pr->renewed != 0 && w->now - pr->renewed >= LEASE_MS / 2) {
		for (int i = 0; i < CLAIMS; i++) {
			if (!pr->sl[i].ours)
				continue;
			trace(w, "%s shard %d: fenced", pr->owner, pr->sl[i].shard);
			w->st.fenced++;
			pr->sl[i].ours = false;
		}
	}
	if (!contact(w, p)) {
		stop_lost(w, p);
		return;
	}
	pr->renewed = w->now;
	for (int i = 0; i < CLAIMS; i++) {
		key(k[i], sizeof(k[i]), "owner", pr->sl[i].shard);
		kv[i] = k[i];
	}
	if (w->now < pr->claim_from)
		a[2] = "1";
	snprintf(ttl, sizeof(ttl), "%d", LEASE_MS);
	r = eval(w, CS_LEASE, CLAIMS, kv, 3, a);
	for (int i = 0; r != NULL && i < CLAIMS; i++) {
		bool ours = el(r, (size_t)i * 3) == 1;
		if (ours != pr->sl[i].ours)
			trace(w, "%s shard %d: lease %s (%s)", pr->owner, pr->sl[i].shard,
			    ours ? "taken" : "lost", es(r, (size_t)i * 3 + 2));
		pr->sl[i].ours = ours;
	}
	freeReplyObject(r);
	stop_lost(w, p);
	for (int i = 0; i < CLAIMS; i++) {
		struct slot *sl = &pr->sl[i];
		/* app-cluster.c's on_renewed: a quiet session stays fresh. */
		if (sl->started && !sl->lost)
			persist(w, p, i);
		if (sl->ours)
			lease_ours(w, p, i);
	}
}

static void
proc_free(struct proc *pr)
{
	for (int i = 0; i < pr->nbots; i++)
		bot_free(&pr->sl[i].bot);
	if (pr->nbots > 0 || pr->fleet.bots != NULL)
		fleet_free(&pr->fleet);
	pr->nbots = 0;
}

/* A fresh process: one fleet, its shards made now and started as their
 * leases come (app-shards.c, app-cluster.c). */
static void
proc_start(struct cworld *w, int p)
{
	struct proc *pr = &w->p[p];
	struct bot_config cfg;
	char err[160];

	pr->alive = true;
	pr->gen++;
	pr->inc = ++w->inc_serial;
	snprintf(pr->owner, sizeof(pr->owner), "p%dg%d", p, pr->gen);
	bot_config_defaults(&cfg);
	snprintf(cfg.token, sizeof(cfg.token), "sim-cluster-token");
	cfg.shard_count = SHARDS;
	cfg.cluster_permits = true;
	cfg.budget_limit = w->limit;
	cfg.budget_reserve = w->reserve;
	cfg.seed = rng_u64(&w->rng);
	if (fleet_init(&pr->fleet, &cfg, CLAIMS, vt(w), err, sizeof(err)) < 0) {
		fail(w, "fleet_init: %s", err);
		pr->alive = false;
		return;
	}
	for (int i = 0; i < CLAIMS; i++) {
		struct slot *sl = &pr->sl[i];
		memset(sl, 0, sizeof(*sl));
		sl->shard = (p * 2 + i) % SHARDS;  /* 0-2, 2-4, 4-0: each shard twice or once */
		cfg.shard_id = sl->shard;
		if (bot_init_shard(&sl->bot, &pr->fleet, &cfg, vt(w), err, sizeof(err)) < 0) {
			fail(w, "bot_init_shard: %s", err);
			break;
		}
		pr->nbots = i + 1;
	}
	pr->next_renew = w->now;
	pr->restart_at = VTIME_NEVER;
	pr->claim_from = 0;
	pr->contacted = false;
	pr->store_down = false;
	pr->epoch[0] = '\0';            /* a fresh state directory */
	trace(w, "start %s", pr->owner);
	pr->reading_wall = 0;
	pr->renewed = 0;
}

/* The process is gone: its connections drop (the sessions stay
 * resumable), its fleet is freed whole. */
static void
proc_down(struct cworld *w, int p)
{
	struct proc *pr = &w->p[p];

	for (int i = 0; i < w->nconn;) {
		if (w->c[i].proc == p)
			conn_end(w, &w->c[i]);
		else
			i++;
	}
	proc_free(pr);
	pr->alive = false;
	pr->restart_at = w->now + rng_range(&w->rng, 5 * MS_PER_S, 60 * MS_PER_S);
}

/* A clean exit (SIGTERM): each shard closes resumably and saves its
 * session, then the leases are released (app_cluster_released). */
static void
proc_exit(struct cworld *w, int p)
{
	struct proc *pr = &w->p[p];
	char k[CLAIMS][64], ttl[16];
	const char *kv[CLAIMS], *a[2] = { pr->owner, ttl };

	w->st.exits++;
	trace(w, "%s exits cleanly", pr->owner);
	for (int i = 0; i < CLAIMS; i++) {
		if (!pr->sl[i].lost)
			persist(w, p, i);
		key(k[i], sizeof(k[i]), "owner", pr->sl[i].shard);
		kv[i] = k[i];
	}
	snprintf(ttl, sizeof(ttl), "%d", LEASE_MS);
	if (contact(w, p))
		freeReplyObject(eval(w, CS_RELEASE, CLAIMS, kv, 2, a));
	proc_down(w, p);
}

static void
proc_kill(struct cworld *w, int p)
{
	w->st.kills++;
	trace(w, "kill -9 %s", w->p[p].owner);
	proc_down(w, p);
}

/* ---- faults ---- */

static struct dconn *
some_conn(struct cworld *w)
{
	return w->nconn > 0 ? &w->c[rng_range(&w->rng, 0, w->nconn - 1)] : NULL;
}

static void
fault(struct cworld *w)
{
	int64_t roll = rng_range(&w->rng, 0, 999);
	int p = (int)rng_range(&w->rng, 0, PROCS - 1);
	struct dconn *c = some_conn(w);
	struct cw_event *e;
	int alive = 0;

	for (int i = 0; i < PROCS; i++)
		alive += w->p[i].alive;
	/* Per mille. A lost store costs a quarter of the budget (the
	 * conservative re-seed), so it is rare, as it should be. */
	if (roll < 150) {
		if (w->p[p].alive && alive > 1 && roll < 75)
			proc_kill(w, p);
		else if (w->p[p].alive && alive > 1)
			proc_exit(w, p);
	} else if (roll < 165) {
		w->st.redis_restarts++;
		trace(w, "Redis restarts empty");
		simredis_flush(w->redis);
		/* A restart drops every client's connection, so each process
		 * re-syncs when it is back (cluster.c's store_up), whether or
		 * not it asked for anything meanwhile. */
		for (int i = 0; i < PROCS; i++)
			w->p[i].store_down = w->p[i].alive && w->p[i].contacted;
		w->redis_down_until = w->now + rng_range(&w->rng, MS_PER_S, 20 * MS_PER_S);
	} else if (roll < 215) {
		/* Out of reach for everyone, its data kept (a network outage, a
		 * restart with persistence): leases lapse meanwhile. */
		w->st.redis_outages++;
		trace(w, "Redis out of reach");
		w->redis_down_until = w->now + rng_range(&w->rng, MS_PER_S, 30 * MS_PER_S);
	} else if (roll < 330) {
		if (w->p[p].alive) {
			w->st.partitions++;
			trace(w, "%s cut off from Redis", w->p[p].owner);
			w->p[p].partition_until = w->now + rng_range(&w->rng, MS_PER_S, 20 * MS_PER_S);
			w->p[p].partition_ended = w->p[p].partition_until;
		}
	} else if (roll < 650) {
		if (c != NULL && (e = push(w, EV_CLOSE, c->proc, c->slot, lat(w))) != NULL) {
			w->st.drops++;
			trace(w, "drop %s shard %d conn %u", w->p[c->proc].owner, c->shard, c->conn);
			e->inc = c->inc;
			e->conn = c->conn;
			e->code = BOT_CLOSE_NONE;
			conn_end(w, c);
		}
	} else if (roll < 990) {
		if (c != NULL) {
			w->st.op9++;
			trace(w, "op 9 false to %s shard %d", w->p[c->proc].owner, c->shard);
			w->sess[c->shard][0] = '\0';
			push_frame(w, c->proc, c->slot, c->conn, "{\"op\":9,\"d\":false}");
		}
	} else {
		for (int s = 0; s < SHARDS; s++)
			w->sess[s][0] = '\0';
	}
}

/* ---- the checks ---- */

static bool
recently_cut_off(const struct cworld *w, int p)
{
	return w->now < w->p[p].partition_until ||
	    (w->p[p].partition_ended != 0 && w->now - w->p[p].partition_ended < PARTITION_GRACE);
}

static void
check(struct cworld *w)
{
	for (int s = 0; s < SHARDS; s++) {
		int n = 0, excused = 0;
		for (int i = 0; i < w->nconn; i++) {
			if (w->c[i].shard != s)
				continue;
			n++;
			excused += recently_cut_off(w, w->c[i].proc);
		}
		if (n > 1 && (excused == 0 || w->fence))
			fail(w, "C1: %d live connections for shard %d", n, s);
		else if (n > 1 && !w->doubled[s])
			w->st.double_excused++;
		w->doubled[s] = n > 1;
	}
}

/* Who runs shard s, and how (for the liveness message). */
static const char *
runners(struct cworld *w, int s)
{
	static char buf[256];
	size_t n = 0;

	buf[0] = '\0';
	for (int p = 0; p < PROCS; p++) {
		for (int i = 0; i < CLAIMS; i++) {
			const struct slot *sl = &w->p[p].sl[i];
			if (sl->shard != s || !w->p[p].alive || n >= sizeof(buf))
				continue;
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s: %s%s, %s%s ", w->p[p].owner,
			    sl->ours ? "lease" : "no lease", sl->lost ? " lost" : "",
			    bot_phase_name(sl->bot.phase),
			    sl->bot.phase == PHASE_WAIT ? bot_wait_name(sl->bot.wait) : "");
		}
	}
	return buf;
}

/* Every re-seed after a lost store assumes a quarter of the limit: a
 * shard may rightly wait for the budget after a stormy day. */
static bool
budget_held(const struct cworld *w, int s)
{
	for (int p = 0; p < PROCS; p++) {
		for (int i = 0; i < CLAIMS; i++) {
			const struct slot *sl = &w->p[p].sl[i];
			if (sl->shard == s && w->p[p].alive && sl->bot.phase == PHASE_WAIT &&
			    sl->bot.wait == WAIT_BUDGET)
				return true;
		}
	}
	return false;
}

/* After the final calm: every shard connected, exactly once. */
static void
check_calm(struct cworld *w)
{
	for (int s = 0; s < SHARDS; s++) {
		int n = 0, connected = 0;
		for (int i = 0; i < w->nconn; i++) {
			const struct dconn *c = &w->c[i];
			const struct bot *b;
			if (c->shard != s)
				continue;
			n++;
			b = &w->p[c->proc].sl[c->slot].bot;
			connected += b->state == BOT_CONNECTED;
		}
		if (n == 0 && budget_held(w, s)) {
			w->st.budget_held++;
			continue;
		}
		if (n != 1 || connected != 1)
			fail(w, "liveness: after a %d min calm shard %d has %d connections, %d "
			    "connected; %s", CALM_MS / MS_PER_MIN, s, n, connected, runners(w, s));
	}
}

/* ---- the loop ---- */

static int64_t
next_time(struct cworld *w)
{
	int64_t t = w->next_fault;

	for (int i = 0; i < w->nev; i++)
		t = w->ev[i].at < t ? w->ev[i].at : t;
	for (int p = 0; p < PROCS; p++) {
		const struct proc *pr = &w->p[p];
		if (!pr->alive) {
			t = pr->restart_at < t ? pr->restart_at : t;
			continue;
		}
		t = pr->next_renew < t ? pr->next_renew : t;
		for (int s = 0; s < pr->nbots; s++) {
			int64_t d = bot_next_deadline(&pr->sl[s].bot, vt(w));
			t = d < t ? d : t;
		}
	}
	return t;
}

static void
deliver(struct cworld *w, struct cw_event *e)
{
	struct proc *pr = &w->p[e->proc];
	struct bot *b = &pr->sl[e->slot].bot;
	struct rlq_headers h;

	if (!pr->alive || pr->inc != e->inc || e->slot >= pr->nbots)
		return;
	switch (e->kind) {
	case EV_OPEN:
		if (conn_of(w, e->proc, e->slot, e->inc, e->conn) == NULL)
			return;
		bot_on_open(b, vt(w), e->conn);
		push_frame(w, e->proc, e->slot, e->conn,
		    "{\"op\":10,\"d\":{\"heartbeat_interval\":41250}}");
		break;
	case EV_FRAME:
		if (conn_of(w, e->proc, e->slot, e->inc, e->conn) != NULL)
			bot_on_frame(b, vt(w), e->conn, e->text, strlen(e->text));
		break;
	case EV_CLOSE:
		bot_on_close(b, vt(w), e->conn, e->code, "closed");
		break;
	case EV_HTTP:
		rlq_headers_init(&h);
		fleet_on_http(&pr->fleet, vt(w), e->id, e->code, &h, e->text, strlen(e->text), NULL);
		break;
	case EV_PERMIT:
		bot_on_permit(b, vt(w), e->id, &e->permit);
		break;
	}
}

/* The earliest event, ties by serial (deterministic). */
static bool
pop_due(struct cworld *w, struct cw_event *out)
{
	int best = -1;

	for (int i = 0; i < w->nev; i++) {
		if (w->ev[i].at > w->now)
			continue;
		if (best < 0 || w->ev[i].at < w->ev[best].at ||
		    (w->ev[i].at == w->ev[best].at && w->ev[i].serial < w->ev[best].serial))
			best = i;
	}
	if (best < 0)
		return false;
	*out = w->ev[best];
	w->ev[best] = w->ev[--w->nev];
	return true;
}

static void
step(struct cworld *w)
{
	struct cw_event e;

	w->st.steps++;
	if (w->now >= w->next_fault) {
		if (w->now < w->end - CALM_MS)
			fault(w);
		w->next_fault = w->now + rng_range(&w->rng, 20 * MS_PER_S, 120 * MS_PER_S);
	}
	for (int p = 0; p < PROCS; p++) {
		if (!w->p[p].alive && w->now >= w->p[p].restart_at)
			proc_start(w, p);
		if (w->p[p].alive && w->now >= w->p[p].next_renew)
			renew(w, p);
	}
	drain(w);
	while (pop_due(w, &e)) {
		deliver(w, &e);
		free(e.text);
		drain(w);
	}
	for (int p = 0; p < PROCS; p++) {
		for (int s = 0; s < w->p[p].nbots; s++) {
			struct bot *b = &w->p[p].sl[s].bot;
			if (bot_next_deadline(b, vt(w)) <= w->now)
				bot_tick(b, vt(w));
		}
	}
	drain(w);
	check(w);
}

int
cw_run(struct cworld *w)
{
	while (!w->failed && w->now < w->end) {
		int64_t t = next_time(w);
		w->now = t > w->now ? t : w->now;
		if (w->now > w->end)
			w->now = w->end;
		step(w);
	}
	if (!w->failed)
		check_calm(w);
	return w->failed ? -1 : 0;
}

struct cworld *
cw_new(const struct cw_opts *o)
{
	struct cworld *w = calloc(1, sizeof(*w));

	if (w == NULL || (w->redis = simredis_new()) == NULL) {
		free(w);
		return NULL;
	}
	w->o = *o;
	rng_seed(&w->rng, o->seed);
	w->end = (int64_t)(o->days * (double)MS_PER_DAY);
	if (w->end < 2 * CALM_MS)
		w->end = 2 * CALM_MS;
	w->mc = (int)rng_range(&w->rng, 1, 2);
	w->limit = (int)rng_range(&w->rng, 200, 1000);
	w->reserve = (int)rng_range(&w->rng, 0, 5);
	w->fence = rng_range(&w->rng, 0, 1) == 1;
	w->next_fault = rng_range(&w->rng, 30 * MS_PER_S, 90 * MS_PER_S);
	for (int p = 0; p < PROCS; p++)
		proc_start(w, p);
	return w;
}

const char *
cw_why(const struct cworld *w)
{
	return w->why;
}

const struct cw_stats *
cw_stats(const struct cworld *w)
{
	return &w->st;
}

void
cw_summary(const struct cworld *w, FILE *f)
{
	const struct cw_stats *s = &w->st;

	fprintf(f, "cluster seed %llu: %.2f days, mc %d, limit %d%s: %llu steps, %llu identifies, "
	    "%llu resumes (%llu taken over), %llu kills, %llu clean exits, %llu Redis restarts, %llu outages, %llu partitions, "
	    "%llu drops, %llu op 9, %llu permits refused, %llu unreachable, %llu shards fenced, %llu times a shard "
	    "was connected twice while its holder was cut off, %llu shards held by the budget at the end, "
	    "%llu shards taken up again after a lost lease, "
	    "%llu IDENTIFYs on a permit granted before the store went out of reach\n",
	    (unsigned long long)w->o.seed,
	    (double)w->end / MS_PER_DAY, w->mc, w->limit, w->fence ? ", fenced" : "",
	    (unsigned long long)s->steps,
	    (unsigned long long)s->identifies, (unsigned long long)s->resumes,
	    (unsigned long long)s->takeovers, (unsigned long long)s->kills,
	    (unsigned long long)s->exits,
	    (unsigned long long)s->redis_restarts, (unsigned long long)s->redis_outages,
	    (unsigned long long)s->partitions,
	    (unsigned long long)s->drops, (unsigned long long)s->op9,
	    (unsigned long long)s->permits_refused, (unsigned long long)s->permits_unreachable,
	    (unsigned long long)s->fenced,
	    (unsigned long long)s->double_excused, (unsigned long long)s->budget_held,
	    (unsigned long long)s->retaken,
	    (unsigned long long)s->granted_then_cut);
}

void
cw_report(const struct cworld *w, FILE *f)
{
	int n = w->trace_n < TRACE_LINES ? w->trace_n : TRACE_LINES;

	fprintf(f, "%s\nthe last %d steps:\n", w->why, n);
	for (int i = w->trace_n - n; i < w->trace_n; i++)
		fprintf(f, "  %s\n", w->trace[i % TRACE_LINES]);
}

void
cw_free(struct cworld *w)
{
	if (w == NULL)
		return;
	for (int p = 0; p < PROCS; p++)
		proc_free(&w->p[p]);
	for (int i = 0; i < w->nev; i++)
		free(w->ev[i].text);
	simredis_free(w->redis);
	free(w);
}
