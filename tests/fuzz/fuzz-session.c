/*
 * The bot core as a whole (bot.h), driven by a fuzzed driver: each input
 * byte picks an event (time passes, the transport opens or closes with some
 * code, a gateway frame or raw bytes arrive, a REST answer comes, the
 * operator types a command), following the driver contract at the top of
 * bot.h. Checked after every event:
 *
 *  - never a second ACT_OPEN before the first connection is reported closed
 *    (docs/design.md invariant 1), and nothing sent on a connection that is not open;
 *  - session starts in the window never exceed the limit (invariant 2);
 *  - a fatal close code stops reconnecting and says why (invariant 7);
 *  - the token is in no payload but IDENTIFY and RESUME (the protocol
 *    needs it there), in no URL, alert or log line (invariant 8);
 *  - the core never asks to be woken at a time it keeps not handling (a
 *    deadline at or before now after a tick would spin the driver);
 *  - in a cluster (half the inputs), no IDENTIFY without a granted permit
 *    for the latest ACT_PERMIT, or the operator's --local override
 *    (docs/cluster.md "The seam").
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "bot/bot.h"
#include "fuzz.h"

#define TOKEN      "fuzz-token-ODk4NzY1NDMyMTA.secret"
#define MAX_HTTP   16
#define MAX_TICKS  64              /* ticks at one instant before it counts as a spin */

struct drv {
	struct bot *b;
	const uint8_t *in;
	size_t n, pos;
	int64_t t;                     /* virtual mono ms */
	uint32_t conn;                 /* the last connection the core opened */
	bool pending, open;            /* ACT_OPEN seen and not reported closed; opened */
	bool abort;                    /* ACT_CLOSE said drop it: the driver does at once */
	uint64_t http[MAX_HTTP];       /* ACT_HTTP requests not answered yet */
	bool http_gateway[MAX_HTTP];
	int nhttp;
	int64_t seq;                   /* the fake gateway's sequence */
	uint64_t permit;               /* the latest ACT_PERMIT, 0 none */
	bool granted, local;           /* it was granted; --local was given */
};

static uint8_t
byte(struct drv *d)
{
	return d->pos < d->n ? d->in[d->pos++] : 0;
}

static struct vtime
now_of(const struct drv *d)
{
	return (struct vtime){ .mono_ms = d->t, .wall_ms = 1700000000000LL + d->t };
}

static void
check_text(const char *what, const char *s)
{
	FUZZ_CHECK(s == NULL || strstr(s, TOKEN) == NULL, "the token is in a %s: %.200s", what, s);
}

static void
on_action(struct drv *d, struct action *a)
{
	switch (a->kind) {
	case ACT_OPEN:
		FUZZ_CHECK(!d->pending, "second connection %u while %u is not closed", a->conn,
		    d->conn);
		FUZZ_CHECK(a->conn > d->conn, "connection %u after %u", a->conn, d->conn);
		check_text("URL", a->text);
		d->conn = a->conn;
		d->pending = true;
		d->open = d->abort = false;
		break;
	case ACT_SEND:
		FUZZ_CHECK(a->conn == d->conn && d->open, "send on %u (current %u, open %d)",
		    a->conn, d->conn, d->open);
		FUZZ_CHECK(a->payload != NULL, "a send without a payload");
		if (strstr(a->payload, "\"op\":2,") == NULL && strstr(a->payload, "\"op\":6,") == NULL)
			check_text("payload", a->payload);
		if (strstr(a->payload, "\"op\":2,") != NULL) {
			FUZZ_CHECK(a->identify, "an IDENTIFY not marked as one");
			FUZZ_CHECK(!d->b->cfg.cluster_permits || d->granted || d->local,
			    "an IDENTIFY without the cluster's permit (latest %llu)",
			    (unsigned long long)d->permit);
			d->granted = d->local = false;
		}
		break;
	case ACT_CLOSE:
		FUZZ_CHECK(a->conn == d->conn && d->pending, "close of %u (current %u)", a->conn,
		    d->conn);
		check_text("close reason", a->text);
		/* A close handshake may take a while (the fuzzer decides when
		 * it ends); a drop is immediate. A driver that ignores both is
		 * outside the contract: the core then goes on without it. */
		d->abort = a->close_code == BOT_CLOSE_ABORT;
		break;
	case ACT_HTTP:
		FUZZ_CHECK(a->method != NULL && a->path != NULL, "a request without a route");
		if (d->nhttp < MAX_HTTP) {
			d->http_gateway[d->nhttp] = strcmp(a->path, "/gateway/bot") == 0;
			d->http[d->nhttp++] = a->http_id;
		}
		break;
	case ACT_ALERT:
		check_text("alert", a->text);
		break;
	case ACT_PERMIT:
		FUZZ_CHECK(d->b->cfg.cluster_permits, "a permit asked with no cluster");
		FUZZ_CHECK(a->permit_id > d->permit, "permit %llu after %llu",
		    (unsigned long long)a->permit_id, (unsigned long long)d->permit);
		d->permit = a->permit_id;
		d->granted = false;
		break;
	case ACT_PERSIST:
		break;
	}
}

/* Performs every action, then checks what must hold between events. */
static void
drain(struct drv *d)
{
	struct action a;

	while (bot_next_action(d->b, &a)) {
		on_action(d, &a);
		action_release(&a);
	}
	if (d->abort && d->pending) {
		d->abort = d->pending = d->open = false;
		bot_on_close(d->b, now_of(d), d->conn, BOT_CLOSE_NONE, "dropped as asked");
		drain(d);
		return;
	}
	FUZZ_CHECK(budget_used(d->b->budget, now_of(d)) <= budget_limit(d->b->budget),
	    "%d session starts, limit %d", budget_used(d->b->budget, now_of(d)),
	    budget_limit(d->b->budget));
}

/* Moves the clock, waking the core at each deadline on the way. */
static void
advance(struct drv *d, int64_t dt)
{
	int64_t end = d->t + dt, last = -1;
	int same = 0;

	for (;;) {
		int64_t at = bot_next_deadline(d->b, now_of(d));

		if (at > end)
			break;
		if (at > d->t)
			d->t = at;
		same = d->t == last ? same + 1 : 0;
		FUZZ_CHECK(same < MAX_TICKS, "the core wants waking at %lld again and again",
		    (long long)d->t);
		last = d->t;
		bot_tick(d->b, now_of(d));
		drain(d);
	}
	d->t = end;
}

static void
frame(struct drv *d, const char *text)
{
	bot_on_frame(d->b, now_of(d), d->conn, text, strlen(text));
	drain(d);
}

static void
gateway_frame(struct drv *d)
{
	char buf[512];
	uint8_t k = byte(d);

	if (!d->open)
		return;
	switch (k % 10) {
	case 0:
		snprintf(buf, sizeof(buf), "{\"op\":10,\"d\":{\"heartbeat_interval\":%d}}",
		    1000 + byte(d) * 250);
		break;
	case 1:
		d->seq = 1;
		snprintf(buf, sizeof(buf), "{\"op\":0,\"t\":\"READY\",\"s\":1,\"d\":{\"v\":10,"
		    "\"session_id\":\"sess-%u\",\"resume_gateway_url\":\"ws://resume.test\","
		    "\"user\":{\"id\":\"99\",\"username\":\"vigil-bot\",\"bot\":true},\"guilds\":[]}}",
		    byte(d));
		break;
	case 2:
		snprintf(buf, sizeof(buf), "{\"op\":0,\"t\":\"RESUMED\",\"s\":%lld,\"d\":{}}",
		    (long long)++d->seq);
		break;
	case 3:
		/* Sometimes with a gap in the sequence. */
		d->seq += 1 + (byte(d) % 4 == 0);
		snprintf(buf, sizeof(buf), "{\"op\":0,\"t\":\"MESSAGE_CREATE\",\"s\":%lld,\"d\":{"
		    "\"id\":\"%u\",\"channel_id\":\"42\",\"guild_id\":\"7\",\"content\":\"%s\","
		    "\"author\":{\"id\":\"5\",\"username\":\"op\"}}}", (long long)d->seq, byte(d),
		    byte(d) % 2 ? "!ping" : "hello");
		break;
	case 4: snprintf(buf, sizeof(buf), "{\"op\":11,\"d\":null}"); break;
	case 5: snprintf(buf, sizeof(buf), "{\"op\":1,\"d\":null}"); break;
	case 6: snprintf(buf, sizeof(buf), "{\"op\":7,\"d\":null}"); break;
	case 7: snprintf(buf, sizeof(buf), "{\"op\":9,\"d\":%s}", byte(d) % 2 ? "true" : "false"); break;
	case 8:
		snprintf(buf, sizeof(buf), "{\"op\":0,\"t\":\"GUILD_CREATE\",\"s\":%lld,\"d\":{\"id\":\"7\","
		    "\"name\":\"g\",\"channels\":[{\"id\":\"42\",\"name\":\"c\"}]}}", (long long)++d->seq);
		break;
	default:
		snprintf(buf, sizeof(buf), "{\"op\":%u,\"d\":{\"heartbeat_interval\":\"x\"}}", byte(d));
		break;
	}
	frame(d, buf);
}

/* Raw bytes from the input as one frame: whatever a broken peer sends. */
static void
raw_frame(struct drv *d)
{
	size_t len = byte(d);

	if (len > d->n - d->pos)
		len = d->n - d->pos;
	if (d->open)
		bot_on_frame(d->b, now_of(d), d->conn, (const char *)d->in + d->pos, len);
	d->pos += len;
	drain(d);
}

static void
transport_close(struct drv *d)
{
	static const int codes[] = {
		BOT_CLOSE_NONE, 1000, 1001, 1006, 4000, 4001, 4002, 4003, 4004, 4005, 4007,
		4008, 4009, 4010, 4011, 4012, 4013, 4014, 4900, 3000,
	};
	int code = codes[byte(d) % (sizeof(codes) / sizeof(codes[0]))];
	bool fatal = code == 4004 || (code >= 4010 && code <= 4014);
	bool closing = d->b->phase == PHASE_CLOSING;

	if (!d->pending)
		return;
	/* A connection that never opened has no close code. */
	if (!d->open)
		code = BOT_CLOSE_NONE;
	fatal = fatal && d->open && !closing;
	d->pending = d->open = false;
	bot_on_close(d->b, now_of(d), d->conn, code, code == BOT_CLOSE_NONE ? "dropped" : "closed");
	drain(d);
	if (fatal)
		FUZZ_CHECK(d->b->phase == PHASE_STOPPED && d->b->stop_reason[0] != '\0',
		    "close %d: phase %s", code, bot_phase_name(d->b->phase));
}

/* The cluster answers the latest permit (or a stale one, ignored). */
static void
permit_answer(struct drv *d)
{
	struct bot_permit p;
	uint64_t id = d->permit - (byte(d) % 4 == 0 ? 1 : 0);

	if (d->permit == 0)
		return;
	memset(&p, 0, sizeof(p));
	p.status = (enum bot_permit_status)(byte(d) % 4);
	p.wait_ms = (int64_t)byte(d) * 100;
	snprintf(p.why, sizeof(p.why), "fuzz");
	if (id == d->permit && p.status == BOT_PERMIT_GRANTED &&
	    d->b->phase == PHASE_PERMIT)
		d->granted = true;
	bot_on_permit(d->b, now_of(d), id, &p);
	drain(d);
}

static void
http_answer(struct drv *d)
{
	static const int statuses[] = { 200, 200, 200, 429, 500, 401, 0, 404 };
	char body[320];
	struct rlq_headers h;
	int status = statuses[byte(d) % 8];
	bool gateway;
	uint64_t id;

	if (d->nhttp == 0)
		return;
	id = d->http[0];
	gateway = d->http_gateway[0];
	memmove(d->http, d->http + 1, (size_t)(d->nhttp - 1) * sizeof(d->http[0]));
	memmove(d->http_gateway, d->http_gateway + 1, (size_t)(d->nhttp - 1) * sizeof(bool));
	d->nhttp--;
	rlq_headers_init(&h);
	if (gateway && status == 200)
		snprintf(body, sizeof(body), "{\"url\":\"ws://gw.test\",\"shards\":1,"
		    "\"session_start_limit\":{\"total\":1000,\"remaining\":%d,\"reset_after\":%d,"
		    "\"max_concurrency\":%d}}", byte(d) * 4, byte(d) * 100000, 1 + byte(d) % 4);
	else
		snprintf(body, sizeof(body), "{\"retry_after\":%u.%u,\"global\":false}", byte(d) % 5,
		    byte(d));
	if (status == 429)
		rlq_headers_line(&h, "Via: 1.1 google", 15);
	bot_on_http(d->b, now_of(d), id, status, &h, body, strlen(body),
	    status == 0 ? "connection reset" : NULL);
	drain(d);
}

static void
operator(struct drv *d)
{
	static const char *const formulas[] = { "a*2", "0", "min(2^a, 300)", "rand()*a", "1/0" };
	struct delay_formula f;
	char err[160];

	switch (byte(d) % 9) {
	case 8:
		bot_permit_override(d->b);
		d->local = true;
		bot_cmd_reconnect(d->b, now_of(d), err, sizeof(err));
		break;
	case 0: bot_cmd_resume(d->b, now_of(d), err, sizeof(err)); break;
	case 1: bot_cmd_reconnect(d->b, now_of(d), err, sizeof(err)); break;
	case 2: bot_cmd_stop(d->b, now_of(d), err, sizeof(err)); break;
	case 3: bot_cmd_logout(d->b, now_of(d), err, sizeof(err)); break;
	case 4: bot_cache_flush(d->b, now_of(d)); break;
	case 5:
		if (delay_compile(&f, formulas[byte(d) % 5], err, sizeof(err)) == 0)
			bot_set_formula(d->b, &f);
		break;
	case 6:
		bot_rest(d->b, now_of(d), byte(d) % 2 ? "GET" : "POST", "/channels/42/messages",
		    "{\"content\":\"Pong!\"}", err, sizeof(err));
		break;
	default:
		bot_gateway_send(d->b, now_of(d), "{\"op\":3,\"d\":{\"status\":\"idle\"}}", err,
		    sizeof(err));
		break;
	}
	drain(d);
}

/* An event for a connection that is gone: ignored by the core. */
static void
stale_event(struct drv *d)
{
	if (d->conn < 2)
		return;
	if (byte(d) % 2)
		bot_on_close(d->b, now_of(d), d->conn - 1, 4000, "old");
	else
		bot_on_frame(d->b, now_of(d), d->conn - 1, "{\"op\":7,\"d\":null}", 18);
	drain(d);
}

static void
step(struct drv *d)
{
	uint8_t a = byte(d), b;

	switch (a % 10) {
	case 0:
		b = byte(d);
		advance(d, (int64_t)b * b * 4);
		break;
	case 1:
		if (d->pending && !d->open) {
			d->open = true;
			bot_on_open(d->b, now_of(d), d->conn);
			drain(d);
		}
		break;
	case 2: transport_close(d); break;
	case 3: gateway_frame(d); break;
	case 4: raw_frame(d); break;
	case 5: http_answer(d); break;
	case 6: operator(d); break;
	case 7: stale_event(d); break;
	case 8: permit_answer(d); break;
	default: advance(d, 1 + byte(d) * 40); break;
	}
}

/* The token must not reach a log line either. */
static void
check_logs(const struct bot *b)
{
	for (uint64_t s = logring_first_seq(b->log); s < b->log->next_seq; s++) {
		const struct log_entry *e = logring_get(b->log, s);

		if (e != NULL)
			check_text("log line", e->text);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bot_config cfg;
	struct bot_snapshot v;
	struct drv d;
	char err[160];

	memset(&d, 0, sizeof(d));
	d.in = data;
	d.n = size;
	d.t = 1000;
	bot_config_defaults(&cfg);
	snprintf(cfg.token, sizeof(cfg.token), "%s", TOKEN);
	cfg.log_capacity = 256;
	cfg.seed = size;
	cfg.cluster_permits = size % 2 == 1;
	/* Heap: struct bot is 420 KB. */
	d.b = malloc(sizeof(*d.b));
	FUZZ_CHECK(d.b != NULL && bot_init(d.b, &cfg, now_of(&d), err, sizeof(err)) == 0,
	    "bot_init");
	bot_start(d.b, now_of(&d));
	drain(&d);
	while (d.pos < d.n) {
		step(&d);
		bot_snapshot(d.b, now_of(&d), &v);
		FUZZ_CHECK(v.budget_remaining >= 0 && v.wait_left_ms >= 0, "view: %d left, wait %lld",
		    v.budget_remaining, (long long)v.wait_left_ms);
	}
	check_logs(d.b);
	bot_free(d.b);
	free(d.b);
	return 0;
}
