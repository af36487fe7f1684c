/*
 * The many-shard simulation (fleet-world.h): the loop, the network, the
 * process's deaths and the faults. The invariants are in fleet-check.c.
 */
#include <stdlib.h>
#include <string.h>

#include "fleet-internal.h"
#include "world.h"

/* --- the event heap, ordered by (time, serial): one seed, one history --- */

static bool
before(const struct fev *a, const struct fev *b)
{
	return a->at != b->at ? a->at < b->at : a->serial < b->serial;
}

struct fev *
fw_ev(struct fw *w, enum fk kind, int64_t at)
{
	struct fev *e = calloc(1, sizeof(*e));
	size_t i;

	if (e == NULL || (w->n == w->cap && (w->cap = w->cap ? w->cap * 2 : 256,
	    w->heap = realloc(w->heap, w->cap * sizeof(*w->heap))) == NULL))
		abort();
	e->at = at < w->now.mono_ms ? w->now.mono_ms : at;
	e->serial = ++w->serial;
	e->kind = kind;
	e->link = -1;
	i = w->n++;
	while (i > 0 && before(e, w->heap[(i - 1) / 2])) {
		w->heap[i] = w->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	w->heap[i] = e;
	return e;
}

static struct fev *
pop(struct fw *w)
{
	struct fev *top = w->heap[0], *last = w->heap[--w->n];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= w->n)
			break;
		if (c + 1 < w->n && before(w->heap[c + 1], w->heap[c]))
			c++;
		if (!before(w->heap[c], last))
			break;
		w->heap[i] = w->heap[c];
		i = c;
	}
	if (w->n > 0)
		w->heap[i] = last;
	return top;
}

static void
req_free(struct freq *r)
{
	if (r == NULL)
		return;
	free(r->path);
	free(r->body);
	free(r->rbody);
	free(r);
}

static void
ev_done(struct fev *e)
{
	free(e->data);
	req_free(e->req);
	free(e);
}

int64_t
fw_range(struct fw *w, int64_t lo, int64_t hi)
{
	return rng_range(&w->rng, lo, hi);
}

/* --- links: a bot conn and an emulator conn --- */

static struct flink *
link_of(struct fw *w, int shard, uint32_t conn)
{
	for (int i = 0; i < FW_LINKS; i++) {
		struct flink *l = &w->links[i];

		if (l->used && l->gen == w->gen && l->shard == shard && l->conn == conn)
			return l;
	}
	return NULL;
}

static struct flink *
link_sim(struct fw *w, uint32_t sim_id)
{
	for (int i = 0; i < FW_LINKS; i++) {
		if (w->links[i].used && w->links[i].sim_id == sim_id && !w->links[i].sim_closed)
			return &w->links[i];
	}
	return NULL;
}

static void
maybe_forget(struct flink *l)
{
	if (l->bot_closed && l->sim_closed)
		l->used = false;
}

static struct fev *
link_ev(struct fw *w, struct flink *l, enum fk kind, int extra)
{
	struct fev *e = fw_ev(w, kind, w->now.mono_ms + l->lat * (1 + extra));

	e->link = (int)(l - w->links);
	e->gen = l->gen;
	return e;
}

static void
close_to_bot(struct fw *w, struct flink *l, int code)
{
	struct fev *e;

	if (l->bot_closed || l->close_to_bot_sent)
		return;
	l->close_to_bot_sent = true;
	e = link_ev(w, l, FK_CLOSE_TO_BOT, 0);
	e->code = code;
}

static void
close_to_sim(struct fw *w, struct flink *l, int code)
{
	struct fev *e;

	if (l->sim_closed || l->close_to_sim_sent)
		return;
	l->close_to_sim_sent = true;
	e = link_ev(w, l, FK_CLOSE_TO_SIM, 0);
	e->code = code;
}

/* --- the emulator's actions --- */

void
fw_drain_sim(struct fw *w)
{
	struct sim_action a;
	struct flink *l;
	struct fev *e;

	while (sim_next_action(w->sim, &a)) {
		l = link_sim(w, a.conn);
		if (l != NULL && a.kind == SIM_ACT_SEND && !l->bot_closed && !l->blackhole) {
			e = link_ev(w, l, FK_TO_BOT, 0);
			e->data = dst_copy(a.data, a.len);
			e->len = a.len;
		} else if (l != NULL && (a.kind == SIM_ACT_CLOSE || a.kind == SIM_ACT_DROP)) {
			l->sim_closed = true;
			close_to_bot(w, l, a.kind == SIM_ACT_CLOSE ? a.code : BOT_CLOSE_NONE);
			maybe_forget(l);
		} else if (l != NULL && a.kind == SIM_ACT_BLACKHOLE) {
			l->blackhole = true;
		}
		sim_action_done(&a);
	}
}

/* --- the bots' actions --- */

static void
bot_open(struct fw *w, int shard, const struct action *a)
{
	struct flink *l = NULL;
	struct fev *e;

	fw_check_open(w, shard);
	for (int i = 0; i < FW_LINKS && l == NULL; i++) {
		if (!w->links[i].used)
			l = &w->links[i];
	}
	if (l == NULL) {
		fw_fail(w, "more than %d links", FW_LINKS);
		return;
	}
	memset(l, 0, sizeof(*l));
	l->used = true;
	l->gen = w->gen;
	l->shard = shard;
	l->conn = a->conn;
	l->lat = fw_range(w, 2, 80);
	snprintf(l->path, sizeof(l->path), "%s", strchr(a->text + 5, '/') ? strchr(a->text + 5, '/') : "/");
	e = link_ev(w, l, FK_CONNECT, 0);
	(void)e;
}

static void
bot_send(struct fw *w, int shard, struct action *a)
{
	struct flink *l = link_of(w, shard, a->conn);
	struct fev *e;

	if (strstr(a->payload, "\"op\":2") != NULL)
		fw_check_identify(w, shard);
	else if (strstr(a->payload, "\"op\":6") != NULL)
		w->r->resumes++;
	if (l == NULL || l->bot_closed || l->close_to_sim_sent || l->blackhole)
		return;
	e = link_ev(w, l, FK_TO_SIM, 0);
	e->data = a->payload;
	e->len = a->payload_len;
	a->payload = NULL;
}

static void
bot_close(struct fw *w, int shard, const struct action *a)
{
	struct flink *l = link_of(w, shard, a->conn);

	if (l == NULL || l->bot_closed)
		return;
	/* The close handshake: the emulator hears it, then the bot's
	 * transport reports the connection closed. An abort is at once. */
	close_to_sim(w, l, a->close_code);
	if (a->close_code == BOT_CLOSE_ABORT || l->blackhole || l->sim_closed) {
		l->close_to_bot_sent = false;
		close_to_bot(w, l, BOT_CLOSE_NONE);
		return;
	}
	if (!l->close_to_bot_sent) {
		struct fev *e = link_ev(w, l, FK_CLOSE_TO_BOT, 1);

		l->close_to_bot_sent = true;
		e->code = a->close_code;
	}
}

static void
bot_http(struct fw *w, int shard, const struct action *a)
{
	struct freq *r = calloc(1, sizeof(*r));
	struct fev *e;

	(void)shard;
	if (r == NULL)
		abort();
	r->id = a->http_id;
	snprintf(r->method, sizeof(r->method), "%s", a->method);
	r->path = dst_copy(a->path, strlen(a->path));
	r->body = a->body != NULL ? dst_copy(a->body, a->body_len) : NULL;
	r->body_len = a->body != NULL ? a->body_len : 0;
	e = fw_ev(w, FK_HTTP_REQ, w->now.mono_ms + fw_range(w, 5, 60));
	e->req = r;
	e->gen = w->gen;
}

static void
persist(struct fw *w)
{
	char *text = fleet_save_state(w->fleet, w->now);

	if (text == NULL)
		abort();
	free(w->state);
	w->state = text;
	w->state_len = strlen(text);
}

void
fw_drain_bots(struct fw *w)
{
	struct action a;

	for (int i = 0; w->up && i < w->nshards; i++) {
		struct bot *b = &w->bots[i];

		while (w->up && bot_next_action(b, &a)) {
			switch (a.kind) {
			case ACT_OPEN:
				bot_open(w, i, &a);
				break;
			case ACT_SEND:
				bot_send(w, i, &a);
				break;
			case ACT_CLOSE:
				bot_close(w, i, &a);
				break;
			case ACT_HTTP:
				bot_http(w, i, &a);
				break;
			case ACT_PERSIST:
				persist(w);
				break;
			case ACT_ALERT:
			case ACT_PERMIT:        /* only with cfg.cluster_permits, which the fleet leaves off */
				break;
			}
			action_release(&a);
		}
	}
}

/* --- the process: start, die --- */

static void
boot(struct fw *w)
{
	char err[160];

	w->gen++;
	w->fleet = calloc(1, sizeof(*w->fleet));
	w->bots = calloc((size_t)w->nshards, sizeof(*w->bots));
	if (w->fleet == NULL || w->bots == NULL ||
	    fleet_init(w->fleet, &w->cfg, w->nshards, w->now, err, sizeof(err)) < 0)
		abort();
	for (int i = 0; i < w->nshards; i++) {
		struct bot_config c = w->cfg;

		c.shard_id = i;
		if (bot_init_shard(&w->bots[i], w->fleet, &c, w->now, err, sizeof(err)) < 0)
			abort();
	}
	if (w->state != NULL)
		fleet_load_state(w->fleet, w->cfg.budget_assume_on_corrupt, w->state, w->state_len,
		    w->now, err, sizeof(err));
	w->up = true;
	fw_check_boot(w);
	for (int i = 0; i < w->nshards; i++)
		bot_start(&w->bots[i], w->now);
	fw_drain_bots(w);
}

static void
crash(struct fw *w)
{
	fw_trace(w, "crash: kill -9, back in a while");
	for (int i = 0; i < FW_LINKS; i++) {
		struct flink *l = &w->links[i];

		if (!l->used || l->gen != w->gen)
			continue;
		/* The kernel resets the dead process's sockets. */
		l->bot_closed = true;
		if (!l->blackhole)
			close_to_sim(w, l, BOT_CLOSE_NONE);
		else
			l->sim_closed = true;
		maybe_forget(l);
	}
	for (int i = 0; i < w->nshards; i++)
		bot_free(&w->bots[i]);
	fleet_free(w->fleet);
	free(w->fleet);
	free(w->bots);
	w->fleet = NULL;
	w->bots = NULL;
	w->up = false;
	w->r->restarts++;
	fw_ev(w, FK_BOOT, w->now.mono_ms + fw_range(w, 200, 60 * MS_PER_S));
}

/* --- events --- */

static void
on_link(struct fw *w, struct fev *e)
{
	struct flink *l = &w->links[e->link];
	struct sim_conn_info info;
	struct bot *b = w->up && l->gen == w->gen ? &w->bots[l->shard] : NULL;

	if (!l->used)
		return;
	switch (e->kind) {
	case FK_CONNECT:
		if (l->bot_closed || l->close_to_sim_sent)
			break;
		l->sim_id = sim_conn_open(w->sim, w->now, l->path, &info);
		if (l->sim_id == 0) {
			l->sim_closed = true;
			close_to_bot(w, l, BOT_CLOSE_NONE);
		} else {
			link_ev(w, l, FK_OPENED, 0);
		}
		fw_drain_sim(w);
		break;
	case FK_OPENED:
		if (b != NULL && !l->bot_closed)
			bot_on_open(b, w->now, l->conn);
		break;
	case FK_TO_SIM:
		if (!l->sim_closed && l->sim_id != 0 && !l->blackhole)
			sim_conn_text(w->sim, w->now, l->sim_id, e->data, e->len);
		fw_drain_sim(w);
		break;
	case FK_TO_BOT:
		if (b != NULL && !l->bot_closed)
			bot_on_frame(b, w->now, l->conn, e->data, e->len);
		break;
	case FK_CLOSE_TO_SIM:
		if (!l->sim_closed && l->sim_id != 0)
			sim_conn_closed(w->sim, w->now, l->sim_id, e->code);
		l->sim_closed = true;
		fw_drain_sim(w);
		maybe_forget(l);
		break;
	case FK_CLOSE_TO_BOT:
		if (l->bot_closed)
			break;
		l->bot_closed = true;
		if (b != NULL)
			bot_on_close(b, w->now, l->conn, e->code, "closed");
		if (!l->sim_closed)
			close_to_sim(w, l, BOT_CLOSE_NONE);
		maybe_forget(l);
		break;
	default:
		break;
	}
}

static void
on_http(struct fw *w, struct fev *e)
{
	struct freq *r = e->req;
	struct sim_http_req req = { 0 };
	struct sim_http_resp resp;
	char path[512], *q;
	struct fev *back;

	if (e->kind == FK_HTTP_RESP) {
		if (w->up && e->gen == w->gen)
			fleet_on_http(w->fleet, w->now, r->id, r->status, &r->h, r->rbody, r->rlen, NULL);
		return;
	}
	snprintf(path, sizeof(path), "/api/v10%s", r->path);
	q = strchr(path, '?');
	if (q != NULL)
		*q++ = '\0';
	req.method = r->method;
	req.path = path;
	req.query = q;
	req.authorization = "Bot " SIM_TOKEN_DEFAULT;
	req.body = r->body;
	req.body_len = r->body_len;
	sim_http(w->sim, w->now, &req, &resp);
	r->status = resp.status;
	dst_read_headers(&r->h, &resp);
	r->rbody = dst_copy(resp.body != NULL ? resp.body : "", resp.body_len);
	r->rlen = resp.body_len;
	sim_http_resp_free(&resp);
	fw_drain_sim(w);
	back = fw_ev(w, FK_HTTP_RESP, w->now.mono_ms + fw_range(w, 5, 60));
	back->req = r;
	back->gen = e->gen;
	e->req = NULL;
}

static void
dispatch(struct fw *w, struct fev *e)
{
	switch (e->kind) {
	case FK_HTTP_REQ:
	case FK_HTTP_RESP:
		on_http(w, e);
		break;
	case FK_FAULT:
		if (!w->calm)
			fw_fault(w);
		break;
	case FK_BOOT:
		boot(w);
		break;
	case FK_CRASH:
		if (w->up)
			crash(w);
		break;
	case FK_CALM:
		w->calm = true;
		fw_trace(w, "calm: no more faults");
		break;
	default:
		on_link(w, e);
	}
}

/* The earliest of the next event, the emulator's deadline and every
 * shard's. */
static int64_t
next_time(struct fw *w)
{
	int64_t t = w->n > 0 ? w->heap[0]->at : VTIME_NEVER, d = sim_next_deadline(w->sim);

	if (d < t)
		t = d;
	for (int i = 0; w->up && i < w->nshards; i++) {
		d = bot_next_deadline(&w->bots[i], w->now);
		if (d < t)
			t = d;
	}
	return t;
}

static void
step(struct fw *w, int64_t t)
{
	if (t > w->now.mono_ms) {
		w->now.wall_ms += t - w->now.mono_ms;
		w->now.mono_ms = t;
	}
	if (w->n > 0 && w->heap[0]->at <= t) {
		struct fev *e = pop(w);

		dispatch(w, e);
		ev_done(e);
	} else if (sim_next_deadline(w->sim) <= t) {
		sim_tick(w->sim, w->now);
		fw_drain_sim(w);
	}
	for (int i = 0; w->up && i < w->nshards; i++) {
		if (bot_next_deadline(&w->bots[i], w->now) <= w->now.mono_ms)
			bot_tick(&w->bots[i], w->now);
	}
	fw_drain_bots(w);
	w->r->steps++;
	fw_check_step(w);
}

static int
make_sim(struct fw *w)
{
	struct sim_config c;
	char err[160];

	sim_config_defaults(&c);
	c.seed = (int64_t)(rng_u64(&w->rng) >> 12);
	c.heartbeat_interval = fw_range(w, 41250, 240000);
	c.session_limit = w->limit;
	c.max_concurrency = w->mc;
	c.shards = w->nshards;
	c.guilds = 50;
	c.chatter = 0;
	c.chaos = 0;
	c.max_sessions = 4 * w->nshards + 16;
	c.max_connections = 4 * w->nshards + 16;
	w->sim = sim_new(&c, w->now, err, sizeof(err));
	if (w->sim == NULL) {
		fw_fail(w, "sim_new: %s", err);
		return -1;
	}
	sim_set_gateway_url(w->sim, "ws://gateway.sim");
	return 0;
}

static void
setup(struct fw *w, const struct fw_opts *o, struct fw_result *r)
{
	static const int mcs[] = { 1, 2, 4, 16 };

	memset(r, 0, sizeof(*r));
	w->o = *o;
	w->r = r;
	rng_seed(&w->rng, o->seed * 0x9e3779b97f4a7c15ULL + 12);
	w->now = (struct vtime){ 5000000, 1767225600000LL };
	w->nshards = o->shards > 0 ? o->shards : (int)fw_range(w, 2, 16);
	w->mc = o->max_concurrency > 0 ? o->max_concurrency : mcs[fw_range(w, 0, 3)];
	w->limit = 1000;
	w->fault_gap = fw_range(w, 2, 30) * MS_PER_MIN;
	w->end = w->now.mono_ms + (int64_t)(o->days * (double)MS_PER_DAY);
	r->shards = w->nshards;
	r->max_concurrency = w->mc;
	bot_config_defaults(&w->cfg);
	snprintf(w->cfg.token, sizeof(w->cfg.token), "%s", SIM_TOKEN_DEFAULT);
	w->cfg.shard_count = w->nshards;
	w->cfg.seed = rng_u64(&w->rng);
	w->cfg.log_capacity = 256;
	w->cfg.log_capture = LOG_WARN;
}

int
fw_run(const struct fw_opts *o, struct fw_result *r)
{
	struct fw *w = calloc(1, sizeof(*w));
	int64_t t;

	if (w == NULL)
		abort();
	setup(w, o, r);
	if (make_sim(w) == 0) {
		boot(w);
		fw_ev(w, FK_FAULT, w->now.mono_ms + w->fault_gap);
		fw_ev(w, FK_CALM, w->end - FW_CALM_MS);
	}
	while (!r->failed && (t = next_time(w)) <= w->end)
		step(w, t);
	if (!r->failed)
		fw_check_end(w);
	r->days = (double)(w->now.mono_ms - 5000000) / (double)MS_PER_DAY;
	if (w->up) {
		for (int i = 0; i < w->nshards; i++)
			bot_free(&w->bots[i]);
		fleet_free(w->fleet);
		free(w->fleet);
		free(w->bots);
	}
	while (w->n > 0)
		ev_done(pop(w));
	free(w->heap);
	free(w->state);
	sim_free(w->sim);
	free(w);
	return r->failed ? -1 : 0;
}
