/*
 * The app's side of the cluster (docs/cluster.md): it claims every shard of
 * the process, answers each shard's ACT_PERMIT from the store, starts a
 * shard only once its lease is ours (taking over the session another
 * process left), stops it when the lease goes elsewhere and takes it up
 * again when it comes back, shares the sessions on every persist, holds
 * REST requests for the shared 50/s, spreads a global 429, and publishes
 * each shard's state.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "app/app-internal.h"
#include "app/cluster-metrics.h"

/* This process's shard by its id, or NULL (shards are few: a scan). */
static struct app_shard *
shard_of(struct app *a, int shard_id)
{
	for (int i = 0; i < a->nshards; i++) {
		if (a->shards[i].bot.cfg.shard_id == shard_id)
			return &a->shards[i];
	}
	return NULL;
}

static struct bot_permit
to_bot(const struct app *a, const struct cluster_permit *p)
{
	struct bot_permit bp;

	memset(&bp, 0, sizeof(bp));
	switch (p->status) {
	case CP_GRANTED:
		bp.status = BOT_PERMIT_GRANTED;
		snprintf(bp.why, sizeof(bp.why), "%d starts left cluster-wide", p->left);
		break;
	case CP_KEY_HELD:
		bp.status = BOT_PERMIT_KEY_HELD;
		bp.wait_ms = p->wait_ms;
		snprintf(bp.why, sizeof(bp.why), "held by %.80s", p->holder);
		break;
	case CP_BUDGET:
		bp.status = BOT_PERMIT_BUDGET;
		bp.wait_ms = p->next_free_wall_ms - app_now(a).wall_ms;
		snprintf(bp.why, sizeof(bp.why), "the cluster's count");
		break;
	case CP_UNREACHABLE:
		bp.status = BOT_PERMIT_UNREACHABLE;
		snprintf(bp.why, sizeof(bp.why), "%.90s", p->why);
		break;
	}
	return bp;
}

struct permit_ask {
	struct app_shard *sh;
	uint64_t id;
};

static void
permit_done(void *ud, const struct cluster_permit *p)
{
	struct permit_ask *q = ud;
	struct app *a = q->sh->app;
	struct bot_permit bp = to_bot(a, p);

	bot_on_permit(&q->sh->bot, app_now(a), q->id, &bp);
	app_kick(a);
	free(q);
}

/* Discord's reading (the fleet's, one for every shard here), shared before
 * the permit that follows it on the same connection, so the permit is
 * judged by it. */
static void
share_reading(struct app *a)
{
	const struct budget *b = &a->fleet.budget;

	if (!b->discord_known || b->d_seen_wall_ms == a->cluster_reading_wall)
		return;
	a->cluster_reading_wall = b->d_seen_wall_ms;
	cluster_report_limit(a->cluster, b->d_total, b->d_remaining - b->d_used_since,
	    b->d_reset_wall_ms - app_now(a).wall_ms, b->d_max_concurrency);
}

static void
permit_refused(struct bot *b, struct vtime now, uint64_t id, const char *why)
{
	struct bot_permit bp;

	memset(&bp, 0, sizeof(bp));
	bp.status = BOT_PERMIT_UNREACHABLE;
	snprintf(bp.why, sizeof(bp.why), "%.90s", why);
	bot_on_permit(b, now, id, &bp);
}

void
app_cluster_permit(struct app *a, const struct action *act)
{
	struct app_shard *sh = shard_of(a, act->shard);
	struct permit_ask *q;
	char err[200];

	/* The core asks only when told there is a cluster, for its own shard. */
	if (a->cluster == NULL || sh == NULL)
		return;
	share_reading(a);
	q = calloc(1, sizeof(*q));
	if (q == NULL) {
		permit_refused(&sh->bot, app_now(a), act->permit_id, "out of memory");
		return;
	}
	q->sh = sh;
	q->id = act->permit_id;
	if (cluster_permit(a->cluster, act->shard, act->key, permit_done, q, err,
	    sizeof(err)) < 0) {
		free(q);
		permit_refused(&sh->bot, app_now(a), act->permit_id, err);
	}
}

void
app_cluster_sent(struct app *a, const struct action *act)
{
	if (a->cluster != NULL && act->identify && a->cfg.bot.cluster_permits)
		cluster_identified(a->cluster, act->shard, act->key);
}

/* The shard's session to the store, while its lease is ours and it runs
 * here (before, the store's copy is the one to adopt); unless it is the
 * one written last (always: the renewal keeps it from expiring). */
static void
session_put(struct app *a, struct app_shard *sh, bool always)
{
	const struct bot *b = &sh->bot;

	if (!sh->started || !cluster_owns(a->cluster, b->cfg.shard_id))
		return;
	if (!always && b->seq == sh->put_seq && strcmp(b->session_id, sh->put_id) == 0)
		return;
	sh->put_seq = b->seq;
	snprintf(sh->put_id, sizeof(sh->put_id), "%s", b->session_id);
	cluster_session_put(a->cluster, b->cfg.shard_id, b->session_id, b->seq, b->resume_url,
	    b->cfg.resume_window_ms);
}

void
app_cluster_persisted(struct app *a)
{
	for (int i = 0; a->cluster != NULL && i < a->nshards; i++)
		session_put(a, &a->shards[i], false);
}

/* ---- starting once the lease is ours ---- */

/* Quitting, a lease or a session that comes now starts nothing. */
static void
start_bot(struct app_shard *sh)
{
	if (sh->app->quitting)
		return;
	sh->started = true;
	bot_start(&sh->bot, app_now(sh->app));
	app_kick(sh->app);
}

static void
session_got(void *ud, const struct cluster_session *s, const char *err)
{
	struct app_shard *sh = ud;
	struct app *a = sh->app;

	if (err != NULL)
		LOGF(app_log(a), LOG_WARN, "cluster", "shard %d: cannot read its session from the "
		    "store (%s): starting without it", sh->bot.cfg.shard_id, err);
	else if (s->found)
		bot_adopt_session(&sh->bot, app_now(a), s->id, s->seq, s->url);
	start_bot(sh);
}

/* Resumes (or reconnects) a shard that is ours again. The stop that lost
 * it may still be closing its connection, and the core refuses a new
 * attempt until it has: app_cluster_turn tries again each turn. */
static bool
take_up(struct app_shard *sh)
{
	struct vtime now = app_now(sh->app);
	char why[160];
	int rc = sh->bot.session_id[0] != '\0' ? bot_cmd_resume(&sh->bot, now, why, sizeof(why))
	    : bot_cmd_reconnect(&sh->bot, now, why, sizeof(why));

	if (rc == 0)
		sh->take_up = false;
	return rc == 0;
}

/* The shard came back after it was lost (to another process, or fenced):
 * take it up again from the store's session, the newest there is. */
static void
session_again(void *ud, const struct cluster_session *s, const char *err)
{
	struct app_shard *sh = ud;
	struct app *a = sh->app;
	struct vtime now = app_now(a);

	/* Quitting, or the lease went again while the store answered. */
	if (a->quitting || !cluster_owns(a->cluster, sh->bot.cfg.shard_id))
		return;
	sh->lease_lost = false;
	if (err == NULL && s->found) {
		bot_forget_session(&sh->bot);
		bot_adopt_session(&sh->bot, now, s->id, s->seq, s->url);
	}
	sh->take_up = true;
	if (!take_up(sh))
		LOGF(app_log(a), LOG_INFO, "cluster", "shard %d: taken up once its stop has "
		    "closed", sh->bot.cfg.shard_id);
	app_kick(a);
}

static void
lease_ours(struct app *a, struct app_shard *sh)
{
	int shard = sh->bot.cfg.shard_id;
	char err[200];

	/* Still held back (a headless vigil with every shard stopped would
	 * quit) until the store's session is here. */
	if (sh->lease_lost) {
		LOGF(app_log(a), LOG_WARN, "cluster", "shard %d is ours again: taking it up", shard);
		if (cluster_session_get(a->cluster, shard, session_again, sh, err, sizeof(err)) < 0)
			session_again(sh, NULL, err);
		return;
	}
	if (sh->started)
		return;
	/* A shard that moved here resumes the session its last owner left. */
	if (sh->bot.session_id[0] == '\0' &&
	    cluster_session_get(a->cluster, shard, session_got, sh, err, sizeof(err)) == 0)
		return;
	start_bot(sh);
}

static void
on_lease(void *ud, const struct cluster_lease *l)
{
	struct app *a = ud;
	struct app_shard *sh = shard_of(a, l->shard);
	char err[160];

	if (sh == NULL || a->quitting)
		return;
	if (l->ours) {
		lease_ours(a, sh);
		return;
	}
	if (!sh->started) {
		if (a->ui.on_alert != NULL) {
			snprintf(err, sizeof(err), "shard %d claimed by another process: waiting",
			    l->shard);
			a->ui.on_alert(a->ui.ud, err);
		}
		return;
	}
	/* Never two live connections for one shard (invariant 1), also
	 * across processes: whoever holds the lease keeps it. The shard is
	 * stopped, not freed: it comes back with its lease. */
	sh->lease_lost = true;
	sh->take_up = false;
	LOGF(app_log(a), LOG_ERROR, "cluster", "shard %d now belongs to %s: stopping it here",
	    l->shard, l->holder);
	if (bot_cmd_stop(&sh->bot, app_now(a), err, sizeof(err)) < 0)
		LOGF(app_log(a), LOG_DEBUG, "cluster", "shard %d: stop: %s", l->shard, err);
	app_kick(a);
}

bool
app_cluster_holds_back(const struct app *a)
{
	for (int i = 0; a->cluster != NULL && i < a->nshards; i++) {
		if (a->shards[i].lease_lost || a->shards[i].take_up)
			return true;
	}
	return false;
}

bool
app_cluster_begin(struct app *a)
{
	char err[160];
	int shards[CLUSTER_SHARDS_MAX]; /* app_cluster_new refused more */

	if (a->cluster == NULL)
		return false;
	for (int i = 0; i < a->nshards; i++)
		shards[i] = a->shards[i].bot.cfg.shard_id;
	LOGF(app_log(a), LOG_INFO, "cluster", "claiming %d shard(s) (shard_ids = %s) as %s",
	    a->nshards, a->cfg.shard_ids[0] != '\0' ? a->cfg.shard_ids : "all",
	    cluster_owner(a->cluster));
	if (cluster_claim(a->cluster, shards, a->nshards, err, sizeof(err)) < 0)
		LOGF(app_log(a), LOG_ERROR, "cluster", "%s", err);
	/* Never bot_start without the lease: each shard starts from on_lease. */
	return true;
}

/* ---- a clean exit gives the shards up at once ---- */

static void
released(void *ud, const char *err)
{
	struct app *a = ud;

	if (err != NULL)
		LOGF(app_log(a), LOG_INFO, "cluster", "leases not released (%s): they lapse in "
		    "%lld s", err, (long long)(a->cfg.cluster_lease_ms / MS_PER_S));
	a->cluster_release = 2;
	a->loop.busy = true;
}

bool
app_cluster_released(struct app *a)
{
	char err[160];

	if (a->cluster == NULL || a->cluster_release == 2)
		return true;
	if (a->cluster_release == 0) {
		/* After the connection closed and the session was saved (the
		 * save went first on the same connection): no one takes the
		 * shard while it is still connected here. */
		a->cluster_release = 1;
		if (cluster_release(a->cluster, released, a, err, sizeof(err)) < 0) {
			a->cluster_release = 2;
			return true;
		}
	}
	return false;
}

/* ---- REST under the shared limit ---- */

static void http_pump(struct app *a);

static void
http_timer_cb(lws_sorted_usec_list_t *sul)
{
	http_pump(lws_container_of(sul, struct app, http_timer));
}

static void
http_send_head(struct app *a)
{
	const struct app_http_wait *w = &a->http_wait[a->http_head];

	rest_perform(a->rest, w->id, w->method, w->path, w->body, w->body_len);
	a->http_head = (a->http_head + 1) % APP_HTTP_WAIT;
	a->http_count--;
}

static void
http_answer(void *ud, bool go, int64_t wait_ms, const char *err)
{
	struct app *a = ud;

	a->http_asking = false;
	if (a->http_count == 0)
		return;
	if (!go && err == NULL) {
		lws_sul_schedule(a->loop.ctx, 0, &a->http_timer, http_timer_cb,
		    (lws_usec_t)(wait_ms > 0 ? wait_ms : 1) * 1000);
		return;
	}
	/* An unreachable store must not stop REST: the local limit holds. */
	http_send_head(a);
	http_pump(a);
}

static void
http_pump(struct app *a)
{
	char err[200];

	while (a->http_count > 0 && !a->http_asking) {
		if (cluster_rest_take(a->cluster, 1, http_answer, a, err, sizeof(err)) == 0) {
			a->http_asking = true;
			return;
		}
		http_send_head(a);
	}
}

bool
app_cluster_http(struct app *a, const struct action *act)
{
	struct app_http_wait *w;

	if (a->cluster == NULL || !cluster_is_up(a->cluster) || a->http_count >= APP_HTTP_WAIT)
		return false;
	w = &a->http_wait[(a->http_head + a->http_count) % APP_HTTP_WAIT];
	w->id = act->http_id;
	w->method = act->method;
	w->path = act->path;
	w->body = act->body;
	w->body_len = act->body_len;
	a->http_count++;
	http_pump(a);
	return true;
}

void
app_cluster_http_done(struct app *a, int status, const struct rlq_headers *h)
{
	if (a->cluster == NULL || status != 429 || h == NULL || !h->global)
		return;
	LOGF(app_log(a), LOG_WARN, "cluster", "a global 429: pausing REST cluster-wide for "
	    "%.3f s", h->retry_after_s);
	cluster_rest_pause(a->cluster, (int64_t)(h->retry_after_s * 1000.0) + 1);
}

/* ---- publishing the state ---- */

void
app_cluster_turn(struct app *a)
{
	for (int i = 0; a->cluster != NULL && i < a->nshards; i++) {
		struct app_shard *sh = &a->shards[i];
		const char *state = bot_state_name(sh->bot.state);

		if (sh->take_up && take_up(sh))
			app_kick(a);
		if (!sh->started || strcmp(state, sh->published) == 0)
			continue;
		snprintf(sh->published, sizeof(sh->published), "%s", state);
		cluster_publish(a->cluster, sh->bot.cfg.shard_id, state);
	}
}

/* ---- the console's grid ---- */

int
app_cluster_shards(const struct app *a)
{
	return a->cluster != NULL ? a->fleet.shard_count : 0;
}

enum app_owner
app_cluster_owner(const struct app *a, int shard)
{
	static const enum app_owner to_app[CO_COUNT] = {
		[CO_UNKNOWN] = APP_OWNER_UNKNOWN, [CO_HERE] = APP_OWNER_HERE,
		[CO_ELSEWHERE] = APP_OWNER_ELSEWHERE, [CO_LAPSED] = APP_OWNER_LAPSED,
		[CO_NOBODY] = APP_OWNER_NOBODY,
	};

	return a->cluster != NULL ? to_app[cluster_shard_owner(a->cluster, shard)]
	    : APP_OWNER_UNKNOWN;
}

/* ---- the console's report ---- */

#define REPORT_LINES (2 + CLUSTER_KEYS_MAX + CLUSTER_SHARDS_MAX)
#define REPORT_W     256              /* fits a shard's line with the longest names */

struct report {
	struct app *a;
	app_cluster_report_fn done;
	void *ud;
	char (*text)[REPORT_W];
	int n;
};

static void
report_end(struct report *r, const char *err)
{
	const char *lines[REPORT_LINES];

	for (int i = 0; i < r->n; i++)
		lines[i] = r->text[i];
	r->done(r->ud, lines, r->n, err);
	free(r->text);
	free(r);
}

static void
report_view(void *ud, const struct cluster_shard_view *v, int n, const char *err)
{
	struct report *r = ud;
	const char *me = cluster_owner(r->a->cluster);

	for (int i = 0; i < n && r->n < REPORT_LINES; i++) {
		char *t = r->text[r->n++];
		bool mine = strcmp(v[i].owner, me) == 0;
		if (v[i].owner[0] == '\0' && v[i].state[0] == '\0')
			snprintf(t, REPORT_W, "shard %d: nobody", v[i].shard);
		else if (v[i].lapsed)
			snprintf(t, REPORT_W, "shard %d: lease lapsed (last: %s by %s)%s", v[i].shard,
			    v[i].state[0] ? v[i].state : "?", v[i].published_by,
			    v[i].owner[0] ? "; now claimed" : "");
		else
			snprintf(t, REPORT_W, "shard %d: %s by %s%s (lease %lld s)", v[i].shard,
			    v[i].state[0] ? v[i].state : "starting", v[i].owner,
			    mine ? " (this process)" : " (elsewhere)",
			    (long long)(v[i].pttl_ms / MS_PER_S));
	}
	report_end(r, err);
}

/* The identify queue's keys: Discord's max_concurrency once read. */
static int
lock_count(const struct app *a)
{
	int n = a->fleet.budget.discord_known ? a->fleet.budget.d_max_concurrency : 1;

	return n < 1 ? 1 : n > CLUSTER_KEYS_MAX ? CLUSTER_KEYS_MAX : n;
}

static void
report_locks(void *ud, const struct cluster_shard_view *v, int n, const char *err)
{
	struct report *r = ud;
	char e[160];

	if (err != NULL) {
		report_end(r, err);
		return;
	}
	for (int k = 0; k < n; k++) {
		if (v[k].owner[0] == '\0')
			snprintf(r->text[r->n++], REPORT_W, "identify key %d: free", k);
		else
			snprintf(r->text[r->n++], REPORT_W, "identify key %d: held by %s for %lld ms",
			    k, v[k].owner, (long long)v[k].pttl_ms);
	}
	if (cluster_view(r->a->cluster, r->a->cfg.bot.shard_count, report_view, r, e,
	    sizeof(e)) < 0)
		report_end(r, e);
}

static void
report_budget(void *ud, int used, int left, int64_t next_free_wall_ms, const char *err)
{
	struct report *r = ud;
	char e[160], next[48] = "";

	if (err != NULL) {
		report_end(r, err);
		return;
	}
	if (next_free_wall_ms > 0)
		snprintf(next, sizeof(next), ", next slot frees in %lld s",
		    (long long)((next_free_wall_ms - app_now(r->a).wall_ms) / MS_PER_S));
	snprintf(r->text[r->n++], REPORT_W, "shared budget: %d session starts used in 24 h, %d left "
	    "(reserve %d)%s", used, left, r->a->cfg.bot.budget_reserve, next);
	if (cluster_locks(r->a->cluster, lock_count(r->a), report_locks, r, e, sizeof(e)) < 0)
		report_end(r, e);
}

int
app_cluster_report(struct app *a, app_cluster_report_fn done, void *ud, char *err,
    size_t errlen)
{
	struct report *r;

	if (a->cluster == NULL) {
		snprintf(err, errlen, "no cluster: set `cluster` (docs/cluster.md)");
		return -1;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL || (r->text = calloc(REPORT_LINES, sizeof(*r->text))) == NULL) {
		free(r);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	r->a = a;
	r->done = done;
	r->ud = ud;
	snprintf(r->text[r->n++], REPORT_W, "cluster %.60s: store %s%.80s%s as %.60s",
	    a->cfg.cluster, cluster_is_up(a->cluster) ? "up" : "unreachable (",
	    cluster_why_down(a->cluster), cluster_is_up(a->cluster) ? "" : ")",
	    cluster_owner(a->cluster));
	if (cluster_budget(a->cluster, report_budget, r, err, errlen) < 0) {
		free(r->text);
		free(r);
		return -1;
	}
	return 0;
}

/* ---- setup ---- */

/* Discord's tokens begin with the bot's user id in base64. */
static bool
user_id_of_token(const char *token, char *out, size_t outlen)
{
	static const char digits[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned bits = 0, acc = 0;
	size_t n = 0;

	for (const char *p = token; *p != '\0' && *p != '.' && *p != '='; p++) {
		const char *d = strchr(digits, *p == '-' ? '+' : *p == '_' ? '/' : *p);
		if (d == NULL || *p == '\0')
			return false;
		acc = (acc << 6) | (unsigned)(d - digits);
		bits += 6;
		if (bits >= 8) {
			char c = (char)((acc >> (bits - 8)) & 0xff);
			bits -= 8;
			if (c < '0' || c > '9' || n + 1 >= outlen)
				return false;
			out[n++] = c;
		}
	}
	out[n] = '\0';
	return n >= 15;                 /* a snowflake has 17-20 digits */
}

/* The default cluster_name: the bot's user id, from the token; a token
 * without one (the emulator's) gets a hash of it, never the token. */
static void
default_name(const struct app *a, char *out, size_t outlen)
{
	uint64_t h = 1469598103934665603ULL;

	if (user_id_of_token(a->cfg.bot.token, out, outlen))
		return;
	for (const char *p = a->cfg.bot.token; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	snprintf(out, outlen, "token-%016llx", (unsigned long long)h);
}

/* The store's epoch, kept in the state directory so that a restart notices
 * a store that lost its data while this process was down. */
#define EPOCH_FILE "cluster.json"

static void
load_epoch(struct app *a, const char *name, char *epoch, size_t len)
{
	char *text = NULL, err[PATH_MAX + 80];
	size_t n;
	json_t *j;

	epoch[0] = '\0';
	if (statefile_read_as(a->cfg.state_dir, EPOCH_FILE, &text, &n, err, sizeof(err)) <= 0) {
		free(text);
		return;
	}
	j = json_loadb(text, n, 0, NULL);
	if (json_is_string(json_object_get(j, "cluster")) && json_is_string(json_object_get(j,
	    "epoch")) && strcmp(json_string_value(json_object_get(j, "cluster")), name) == 0)
		snprintf(epoch, len, "%s", json_string_value(json_object_get(j, "epoch")));
	json_decref(j);
	free(text);
}

static void
on_epoch(void *ud, const char *epoch)
{
	struct app *a = ud;
	char err[PATH_MAX + 80];
	json_t *j = json_pack("{s:s,s:s}", "cluster", a->cluster_name, "epoch", epoch);
	char *text = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;

	if (text == NULL || statefile_write_as(a->cfg.state_dir, EPOCH_FILE, text, strlen(text),
	    err, sizeof(err)) < 0)
		LOGF(app_log(a), LOG_WARN, "cluster", "the store's epoch is not kept: %s",
		    text == NULL ? "out of memory" : err);
	free(text);
	json_decref(j);
}

static void
on_renewed(void *ud)
{
	struct app *a = ud;

	for (int i = 0; i < a->nshards; i++)
		session_put(a, &a->shards[i], true);
}

static int
local_used(void *ud)
{
	struct app *a = ud;
	const struct budget *b = &a->fleet.budget;
	int used = budget_used(b, app_now(a));
	int d_used = b->discord_known ? b->d_total - b->d_remaining + b->d_used_since : 0;

	return used > d_used ? used : d_used;
}

int
app_cluster_new(struct app *a, char *err, size_t errlen)
{
	struct cluster_config cc;
	struct cluster_hooks h;

	if (a->cfg.cluster[0] == '\0')
		return 0;
	if (a->nshards > CLUSTER_SHARDS_MAX) {
		snprintf(err, errlen, "cluster: %d shards in one process (shards, shard_ids); at "
		    "most %d", a->nshards, CLUSTER_SHARDS_MAX);
		return -1;
	}
	memset(&cc, 0, sizeof(cc));
	memset(&h, 0, sizeof(h));
	if (redis_url_parse(a->cfg.cluster, &cc.redis.url, err, errlen) < 0)
		return -1;
	memcpy(cc.redis.password, a->cfg.redis_password, sizeof(cc.redis.password));
	if (a->cfg.cluster_name[0] != '\0')
		snprintf(cc.name, sizeof(cc.name), "%s", a->cfg.cluster_name);
	else
		default_name(a, cc.name, sizeof(cc.name));
	cc.limit = a->cfg.bot.budget_limit;
	cc.reserve = a->cfg.bot.budget_reserve;
	cc.assume_on_loss = a->cfg.bot.budget_assume_on_corrupt;
	cc.lease_ttl_ms = (int)a->cfg.cluster_lease_ms;
	cc.connect_ms = (int)a->cfg.bot.hello_timeout_ms;
	cc.fence = a->cfg.cluster_fence;
	cc.view_shards = a->cfg.bot.shard_count;
	snprintf(a->cluster_name, sizeof(a->cluster_name), "%s", cc.name);
	load_epoch(a, cc.name, cc.epoch, sizeof(cc.epoch));
	h.ud = a;
	h.local_used = local_used;
	h.on_lease = on_lease;
	h.on_renewed = on_renewed;
	h.on_epoch = on_epoch;
	a->cluster = cluster_new(&a->loop, app_log(a), &cc, &h, err, errlen);
	explicit_bzero(cc.redis.password, sizeof(cc.redis.password));
	explicit_bzero(a->cfg.redis_password, sizeof(a->cfg.redis_password));
	if (a->cluster == NULL)
		return -1;
	if (app_add_metrics(a, cluster_metrics, a->cluster) < 0)
		LOGF(app_log(a), LOG_WARN, "cluster", "no room for the cluster's metrics");
	LOGF(app_log(a), LOG_INFO, "cluster", "cluster %s on %s", cc.name, a->cfg.cluster);
	return 0;
}

void
app_cluster_free(struct app *a)
{
	if (a->cluster == NULL)
		return;
	lws_sul_cancel(&a->http_timer);
	cluster_free(a->cluster);
	a->cluster = NULL;
}
