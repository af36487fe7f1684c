/*
 * The facade: initialisation, the action FIFO the driver drains, routing of
 * inputs to the session, REST and send queues, and the deadline the driver
 * must wake the core at. Each entry point stamps the call's time first so
 * listeners and log lines see it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/bot-internal.h"

void
bot_config_defaults(struct bot_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	/* GUILDS | GUILD_MESSAGES | MESSAGE_CONTENT: what bots/ping.lua reads. */
	cfg->intents = (1 << 0) | (1 << 9) | (1 << 15);
	cfg->shard_count = 1;
	cfg->resume_window_ms = 3 * MS_PER_MIN;
	cfg->hello_timeout_ms = 20 * MS_PER_S;
	cfg->ready_timeout_ms = 30 * MS_PER_S;
	cfg->fetch_timeout_ms = 15 * MS_PER_S;
	cfg->close_timeout_ms = 6 * MS_PER_S;
	cfg->budget_limit = BUDGET_DEFAULT_LIMIT;
	cfg->budget_reserve = BUDGET_DEFAULT_RESERVE;
	/* Discord's own count is read before every IDENTIFY anyway; this only
	 * matters when it cannot be read. A quarter is cautious without
	 * locking the bot out. */
	cfg->budget_assume_on_corrupt = BUDGET_DEFAULT_LIMIT / 4;
	cfg->log_capacity = LOG_RING_DEFAULT;
	cfg->log_capture = LOG_DEBUG;
	cache_limits_default(&cfg->cache);
	cfg->permit_retry_ms = 2 * MS_PER_S;
}

static void
enter(struct bot *b, struct vtime now)
{
	b->now = now;
	logring_set_time(b->log, now);
	logring_set_shard(b->log, b->cfg.shard_id);
}

/* Tokenize only what is read (frame.h): the core reads READY's d (and the
 * d of every non-dispatch), listeners all of what they are registered
 * for, the cache the fields it keeps of the events it keeps. */
static enum frame_reads
reads_d(void *ud, const char *t, const char *const **nested)
{
	struct bot *b = ud;

	if (strcmp(t, "READY") == 0 || listeners_want(b->listeners, t))
		return FRAME_READS_ALL;
	return cache_reads(t, nested);
}

static int
join(struct bot *b, struct fleet *f, const struct bot_config *cfg, struct vtime now, char *err,
    size_t errlen)
{
	b->cfg = *cfg;
	b->cfg.shard_count = f->shard_count;
	b->fleet = f;
	b->log = &f->log;
	b->budget = &f->budget;
	b->listeners = &f->listeners;
	b->cache = f->cache;
	b->rest = f->rest;
	b->state = BOT_DISCONNECTED;
	b->phase = PHASE_IDLE;
	b->deadline = VTIME_NEVER;
	b->persist_at = VTIME_NEVER;
	if (b->own_fleet) {
		b->rng = &f->rng;
	} else {
		rng_seed(&b->own_rng, cfg->seed ^ (0x9e3779b97f4a7c15ULL * (uint64_t)(cfg->shard_id + 1)));
		b->rng = &b->own_rng;
	}
	enter(b, now);
	delay_default(&b->formula);
	if (cfg->formula[0] != '\0' && delay_compile(&b->formula, cfg->formula, err, errlen) < 0)
		return -1;
	b->projection = delay_attempts_within(&b->formula, BOT_PROJECTION_S);
	hb_init(&b->hb);
	sendlimit_reset(&b->sendlimit, 0);
	frame_decoder_init(&b->decoder);
	frame_decoder_want(&b->decoder, reads_d, b);
	if (f->nbots == f->capbots) {
		snprintf(err, errlen, "more shards than the fleet was made for (%d)", f->capbots);
		return -1;
	}
	f->bots[f->nbots++] = b;
	return 0;
}

int
bot_init_shard(struct bot *b, struct fleet *f, const struct bot_config *cfg, struct vtime now,
    char *err, size_t errlen)
{
	memset(b, 0, sizeof(*b));
	if (join(b, f, cfg, now, err, errlen) == 0)
		return 0;
	bot_free(b);
	return -1;
}

int
bot_init(struct bot *b, const struct bot_config *cfg, struct vtime now, char *err, size_t errlen)
{
	struct fleet *f = calloc(1, sizeof(*f));

	memset(b, 0, sizeof(*b));
	if (f == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (fleet_init(f, cfg, 1, now, err, errlen) < 0) {
		free(f);
		return -1;
	}
	b->own_fleet = true;
	b->fleet = f;
	if (join(b, f, cfg, now, err, errlen) == 0)
		return 0;
	bot_free(b);
	return -1;
}

static void
leave(struct bot *b)
{
	struct fleet *f = b->fleet;

	if (f == NULL)
		return;
	identq_leave(&f->idq, b->cfg.shard_id);
	for (int i = 0; i < f->nbots; i++) {
		if (f->bots[i] == b) {
			memmove(&f->bots[i], &f->bots[i + 1], (size_t)(f->nbots - i - 1) * sizeof(*f->bots));
			f->nbots--;
			break;
		}
	}
	if (b->own_fleet) {
		fleet_free(f);
		free(f);
	}
}

void
bot_free(struct bot *b)
{
	struct action a;

	while (bot_next_action(b, &a))
		action_release(&a);
	free(b->actions);
	for (int i = 0; i < b->sendq_count; i++)
		free(b->sendq[(b->sendq_head + i) % BOT_SEND_QUEUE].text);
	rest_calls_free(b);
	frame_decoder_free(&b->decoder);
	leave(b);
	memset(b->cfg.token, 0, sizeof(b->cfg.token));
	memset(b, 0, sizeof(*b));
}

/* Makes room for one more action. The FIFO is drained after every call, so
 * it stays small; false only when the process is out of memory. */
static bool
reserve(struct bot *b)
{
	struct action *grown;
	size_t cap;

	if (b->act_count < b->act_cap)
		return true;
	cap = b->act_cap ? b->act_cap * 2 : 16;
	grown = malloc(cap * sizeof(*grown));
	if (grown == NULL)
		return false;
	for (size_t i = 0; i < b->act_count; i++)
		grown[i] = b->actions[(b->act_head + i) % b->act_cap];
	free(b->actions);
	b->actions = grown;
	b->act_cap = cap;
	b->act_head = 0;
	return true;
}

/* Appends to the FIFO; out of memory, the action is lost with a log line
 * rather than a crash. */
static struct action *
push(struct bot *b, enum action_kind kind)
{
	struct action *a;

	if (!reserve(b)) {
		LOGF(b->log, LOG_ERROR, "bot", "out of memory: action %d lost", (int)kind);
		return NULL;
	}
	a = &b->actions[(b->act_head + b->act_count++) % b->act_cap];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->conn = b->conn;
	return a;
}

void
act_open(struct bot *b, const char *url)
{
	struct action *a = push(b, ACT_OPEN);

	if (a != NULL)
		snprintf(a->text, sizeof(a->text), "%s", url);
}

void
act_send(struct bot *b, char *payload, size_t len)
{
	struct action *a = push(b, ACT_SEND);

	if (a == NULL) {
		free(payload);
		return;
	}
	a->payload = payload;
	a->payload_len = len;
}

void
act_close(struct bot *b, int code, const char *reason)
{
	struct action *a = push(b, ACT_CLOSE);

	if (a == NULL)
		return;
	a->close_code = code;
	snprintf(a->text, sizeof(a->text), "%s", reason ? reason : "");
}

/* The driver serialises the state when it handles the action, so one
 * queued persist covers every change made before it is drained. */
void
act_persist(struct bot *b)
{
	b->persist_at = VTIME_NEVER;
	b->fleet->persist_due = VTIME_NEVER;
	b->fleet->persisted_wall = b->now.wall_ms;
	for (size_t i = 0; i < b->act_count; i++) {
		if (b->actions[(b->act_head + i) % b->act_cap].kind == ACT_PERSIST)
			return;
	}
	push(b, ACT_PERSIST);
}

void
act_permit(struct bot *b, uint64_t id, int shard, int key)
{
	struct action *a = push(b, ACT_PERMIT);

	if (a == NULL)
		return;
	a->permit_id = id;
	a->shard = shard;
	a->key = key;
}

void
act_mark_identify(struct bot *b)
{
	struct action *a;
	int mc = b->budget->d_max_concurrency > 0 ? b->budget->d_max_concurrency : 1;

	if (b->act_count == 0)
		return;
	a = &b->actions[(b->act_head + b->act_count - 1) % b->act_cap];
	if (a->kind != ACT_SEND)
		return;
	a->identify = true;
	a->shard = b->cfg.shard_id;
	a->key = b->cfg.shard_id % mc;
}

void
act_alert(struct bot *b, const char *fmt, ...)
{
	struct action *a = push(b, ACT_ALERT);
	va_list ap;

	if (a == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(a->text, sizeof(a->text), fmt, ap);
	va_end(ap);
}

void
bot_alert(struct bot *b, const char *fmt, ...)
{
	char text[BOT_URL_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	act_alert(b, "%s", text);
}

bool
bot_next_action(struct bot *b, struct action *out)
{
	if (b->act_count == 0)
		return false;
	*out = b->actions[b->act_head];
	b->act_head = (b->act_head + 1) % b->act_cap;
	b->act_count--;
	return true;
}

void
action_release(struct action *a)
{
	free(a->payload);
	a->payload = NULL;
}

int
bot_send_now(struct bot *b, struct vtime now, char *text, size_t len, bool priority)
{
	if (text == NULL) {
		LOGF(b->log, LOG_ERROR, "gateway", "out of memory building a payload");
		return -1;
	}
	if (len > GATEWAY_PAYLOAD_MAX || !b->conn_open ||
	    sendlimit_next(&b->sendlimit, now, priority) > now.mono_ms) {
		LOGF(b->log, LOG_ERROR, "gateway", "payload refused (%zu bytes, %s)", len,
		    len > GATEWAY_PAYLOAD_MAX ? "over 4096" :
		    !b->conn_open ? "not connected" : "send limit reached");
		b->stats.sends_refused++;
		free(text);
		return -1;
	}
	sendlimit_record(&b->sendlimit, now);
	b->stats.sends++;
	act_send(b, text, len);
	return 0;
}

void
bot_pump(struct bot *b, struct vtime now)
{
	struct rlq_send s;

	/* Room first: a request handed out by rlq_next must reach the driver,
	 * or it would stay in flight forever. */
	while (reserve(b) && rlq_next(b->rest, now, &s)) {
		struct action *a = push(b, ACT_HTTP);
		a->http_id = s.id;
		a->method = s.method;
		a->path = s.path;
		a->body = s.body;
		a->body_len = s.body_len;
	}
	while (b->sendq_count > 0 && b->phase == PHASE_CONNECTED &&
	    sendlimit_next(&b->sendlimit, now, false) <= now.mono_ms) {
		struct bot_send *q = &b->sendq[b->sendq_head];
		b->sendq_head = (b->sendq_head + 1) % BOT_SEND_QUEUE;
		b->sendq_count--;
		bot_send_now(b, now, q->text, q->len, false);
	}
}

void
bot_start(struct bot *b, struct vtime now)
{
	enter(b, now);
	session_start(b, now);
	bot_pump(b, now);
}

void
bot_on_open(struct bot *b, struct vtime now, uint32_t conn)
{
	enter(b, now);
	if (conn != b->conn)
		return;
	session_opened(b, now);
	bot_pump(b, now);
}

void
bot_on_close(struct bot *b, struct vtime now, uint32_t conn, int code, const char *reason)
{
	enter(b, now);
	if (conn != b->conn) {
		LOGF(b->log, LOG_DEBUG, "gateway", "close of old connection %u ignored", conn);
		return;
	}
	session_closed(b, now, code, reason);
	bot_pump(b, now);
}

/* A bounded, printable excerpt of a bad frame for the log. */
static void
excerpt(const char *buf, size_t len, char *out, size_t outlen)
{
	size_t n = len < outlen - 1 ? len : outlen - 1;

	for (size_t i = 0; i < n; i++)
		out[i] = (buf[i] >= 0x20 && buf[i] < 0x7f) ? buf[i] : '.';
	out[n] = '\0';
}

static void
track_seq(struct bot *b, struct vtime now, int64_t s)
{
	if (s <= b->seq)
		return;
	if (b->seq > 0 && s != b->seq + 1) {
		b->stats.seq_gaps++;
		LOGF(b->log, LOG_WARN, "gateway", "sequence gap: %lld after %lld",
		    (long long)s, (long long)b->seq);
	}
	b->seq = s;
	/* The seq is persisted at most once a second: a crash then costs a
	 * few duplicate events on resume, never a gap. */
	/* One save holds every shard: a busy fleet saves once a second, not
	 * once a second a shard. */
	if (b->persist_at == VTIME_NEVER && b->fleet->persist_due == VTIME_NEVER) {
		b->persist_at = now.mono_ms + MS_PER_S;
		b->fleet->persist_due = b->persist_at;
	}
}

void
bot_on_frame(struct bot *b, struct vtime now, uint32_t conn, const char *buf, size_t len)
{
	char err[96], ex[81];

	enter(b, now);
	if (conn != b->conn || !b->conn_open || b->phase == PHASE_CLOSING)
		return;
	b->stats.frames++;
	if (frame_decode(&b->fleet->frame, &b->decoder, buf, len, err, sizeof(err)) < 0) {
		b->stats.malformed++;
		excerpt(buf, len, ex, sizeof(ex));
		LOGF(b->log, LOG_WARN, "gateway", "malformed frame (%s, %zu bytes): %s", err, len, ex);
		return;
	}
	b->last_seen_wall = now.wall_ms;
	if (b->fleet->frame.has_s && b->fleet->frame.op == 0)
		track_seq(b, now, b->fleet->frame.s);
	/* A quiet session (heartbeats only) still proves it lives: saved a
	 * few times per resume window, a kill -9 restart can resume it. One
	 * save holds every shard, so the fleet saves once for all of them, at
	 * a wake-up it has anyway. */
	if (now.wall_ms - b->fleet->persisted_wall > b->cfg.resume_window_ms / 3)
		act_persist(b);
	session_frame(b, now, &b->fleet->frame);
	bot_pump(b, now);
}

void
bot_http_done(struct bot *b, struct vtime now, const struct rlq_done *done, const char *body,
    size_t len)
{
	enter(b, now);
	if (done->outcome == RLQ_RETRY)
		return;
	if (done->outcome == RLQ_DONE_OK)
		b->stats.rest_ok++;
	else
		b->stats.rest_failed++;
	if (done->tag == TAG_GATEWAY_BOT) {
		session_fetched(b, now, done, body, len);
		return;
	}
	if (done->outcome == RLQ_DONE_FAILED)
		LOGF(b->log, LOG_WARN, "rest", "request %llu failed after %d attempts: %s",
		    (unsigned long long)done->id, done->attempts, done->why);
	if (done->tag == TAG_CALL)
		rest_call_done(b, now, done, body, len);
}

void
bot_on_http(struct bot *b, struct vtime now, uint64_t http_id, int status,
    const struct rlq_headers *h, const char *body, size_t len, const char *err)
{
	fleet_on_http(b->fleet, now, http_id, status, h, body, len, err);
}

void
bot_on_permit(struct bot *b, struct vtime now, uint64_t permit_id, const struct bot_permit *p)
{
	enter(b, now);
	permit_answer(b, now, permit_id, p);
	bot_pump(b, now);
}

void
bot_tick(struct bot *b, struct vtime now)
{
	enter(b, now);
	session_tick(b, now);
	if (now.mono_ms >= b->persist_at)
		act_persist(b);
	bot_pump(b, now);
}

static int64_t
min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

int64_t
bot_next_deadline(const struct bot *b, struct vtime now)
{
	int64_t t = min64(b->deadline, b->persist_at);

	if (b->conn_open)
		t = min64(t, hb_deadline(&b->hb));
	if (b->sendq_count > 0 && b->phase == PHASE_CONNECTED)
		t = min64(t, sendlimit_next(&b->sendlimit, now, false));
	return min64(t, rlq_next_deadline(b->rest, now));
}

int
bot_cmd_resume(struct bot *b, struct vtime now, char *err, size_t errlen)
{
	int rc;

	enter(b, now);
	rc = session_cmd_resume(b, now, err, errlen);
	bot_pump(b, now);
	return rc;
}

int
bot_cmd_reconnect(struct bot *b, struct vtime now, char *err, size_t errlen)
{
	int rc;

	enter(b, now);
	rc = session_cmd_reconnect(b, now, err, errlen);
	bot_pump(b, now);
	return rc;
}

int
bot_cmd_stop(struct bot *b, struct vtime now, char *err, size_t errlen)
{
	enter(b, now);
	return session_cmd_stop(b, now, err, errlen);
}

int
bot_cmd_logout(struct bot *b, struct vtime now, char *err, size_t errlen)
{
	enter(b, now);
	return session_cmd_logout(b, now, err, errlen);
}

int
bot_set_formula(struct bot *b, const struct delay_formula *f)
{
	b->formula = *f;
	b->projection = delay_attempts_within(&b->formula, BOT_PROJECTION_S);
	LOGF(b->log, LOG_INFO, "delay", "delay formula is now %s%s%s", f->text,
	    f->preset[0] ? " (preset " : "", f->preset[0] ? f->preset : "");
	return 0;
}

void
bot_cache_flush(struct bot *b, struct vtime now)
{
	enter(b, now);
	cache_flush(b->cache);
	LOGF(b->log, LOG_INFO, "cache", "cache flushed by the operator");
}

int
bot_submit(struct bot *b, struct vtime now, const char *method, const char *path,
    const char *body, int tag, void *ud, char *err, size_t errlen)
{
	enter(b, now);
	if (rlq_submit(b->rest, now, method, path, body, tag, ud, 0, err, errlen) == 0)
		return -1;
	bot_pump(b, now);
	return 0;
}

int
bot_rest(struct bot *b, struct vtime now, const char *method, const char *path,
    const char *body, char *err, size_t errlen)
{
	return bot_submit(b, now, method, path, body, TAG_USER, NULL, err, errlen);
}

int
bot_gateway_send(struct bot *b, struct vtime now, const char *json, char *err, size_t errlen)
{
	size_t len = strlen(json);
	struct bot_send *q;

	enter(b, now);
	if (len > GATEWAY_PAYLOAD_MAX) {
		snprintf(err, errlen, "payload is %zu bytes; the gateway takes at most %d", len,
		    GATEWAY_PAYLOAD_MAX);
		return -1;
	}
	if (b->sendq_count == BOT_SEND_QUEUE) {
		snprintf(err, errlen, "gateway send queue full (%d payloads)", BOT_SEND_QUEUE);
		return -1;
	}
	q = &b->sendq[(b->sendq_head + b->sendq_count) % BOT_SEND_QUEUE];
	q->text = strdup(json);
	if (q->text == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	q->len = len;
	b->sendq_count++;
	bot_pump(b, now);
	return 0;
}
