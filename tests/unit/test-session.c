/*
 * The session state machine, driven through the bot facade by a scripted
 * fake driver on a virtual clock: every action the core asks for is
 * recorded, and the script answers as a gateway and REST server would.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/bot.h"

#define TOKEN "test-token-0123456789"
#define MAX_SEEN 512

struct rig {
	struct bot *b;                  /* heap: struct bot is large */
	int64_t t;                      /* virtual mono ms */
	struct action *seen;            /* every action, payloads kept (MAX_SEEN) */
	int nseen, cursor;              /* cursor: first action not yet inspected */
	uint32_t conn;                  /* the connection the core opened last */
	bool open;
	uint64_t http_id;               /* the last ACT_HTTP */
	char http_path[128];
	int persists, alerts, opens, closes;
	int last_close_code;
	int64_t seq;                    /* the fake server's sequence */
};

static struct vtime
now_of(const struct rig *r)
{
	return (struct vtime){ .mono_ms = r->t, .wall_ms = 1700000000000LL + r->t };
}

/* Records every pending action and updates what the fake driver knows. */
static void
drain(struct rig *r)
{
	struct action a;

	while (bot_next_action(r->b, &a)) {
		assert_true(r->nseen < MAX_SEEN);
		if (a.kind == ACT_OPEN) {
			/* Invariant 1 (docs/design.md): never a second live connection. */
			assert_false(r->open);
			r->conn = a.conn;
			r->opens++;
		} else if (a.kind == ACT_HTTP) {
			r->http_id = a.http_id;
			snprintf(r->http_path, sizeof(r->http_path), "%s %s", a.method, a.path);
		} else if (a.kind == ACT_PERSIST) {
			r->persists++;
		} else if (a.kind == ACT_ALERT) {
			r->alerts++;
		} else if (a.kind == ACT_CLOSE) {
			r->closes++;
			r->last_close_code = a.close_code;
		}
		r->seen[r->nseen++] = a;
	}
}

static void
rig_init(struct rig *r, const struct bot_config *cfg)
{
	char err[128];

	memset(r, 0, sizeof(*r));
	r->t = 1000;
	r->b = calloc(1, sizeof(*r->b));
	r->seen = calloc(MAX_SEEN, sizeof(*r->seen));
	assert_non_null(r->b);
	assert_non_null(r->seen);
	assert_int_equal(bot_init(r->b, cfg, now_of(r), err, sizeof(err)), 0);
}

static void
rig_config(struct bot_config *cfg)
{
	bot_config_defaults(cfg);
	snprintf(cfg->token, sizeof(cfg->token), "%s", TOKEN);
	cfg->seed = 42;
}

static void
rig_free(struct rig *r)
{
	for (int i = 0; i < r->nseen; i++)
		action_release(&r->seen[i]);
	bot_free(r->b);
	free(r->b);
	free(r->seen);
}

/* Moves the clock to t, ticking the core at each deadline on the way. */
static void
advance_to(struct rig *r, int64_t t)
{
	for (;;) {
		int64_t d = bot_next_deadline(r->b, now_of(r));
		if (d > t)
			break;
		if (d > r->t)
			r->t = d;
		bot_tick(r->b, now_of(r));
		drain(r);
	}
	r->t = t;
}

/* The next action of a kind after the cursor (advancing past it); NULL if none. */
static const struct action *
next_of(struct rig *r, enum action_kind kind)
{
	for (; r->cursor < r->nseen; r->cursor++) {
		if (r->seen[r->cursor].kind == kind)
			return &r->seen[r->cursor++];
	}
	return NULL;
}

static void
frame(struct rig *r, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	bot_on_frame(r->b, now_of(r), r->conn, buf, strlen(buf));
	drain(r);
}

static void
dispatch(struct rig *r, const char *t, const char *d)
{
	frame(r, "{\"op\":0,\"t\":\"%s\",\"s\":%lld,\"d\":%s}", t, (long long)++r->seq, d);
}

static void
answer_gateway_bot(struct rig *r, int remaining)
{
	char body[256];
	struct rlq_headers h;

	assert_string_equal(r->http_path, "GET /gateway/bot");
	rlq_headers_init(&h);
	snprintf(body, sizeof(body), "{\"url\":\"ws://gw.test\",\"shards\":1,\"session_start_limit\":"
	    "{\"total\":1000,\"remaining\":%d,\"reset_after\":3600000,\"max_concurrency\":1}}", remaining);
	bot_on_http(r->b, now_of(r), r->http_id, 200, &h, body, strlen(body), NULL);
	r->http_path[0] = '\0';
	drain(r);
}

static void
transport_open(struct rig *r)
{
	r->open = true;
	bot_on_open(r->b, now_of(r), r->conn);
	drain(r);
}

static void
transport_closed(struct rig *r, int code)
{
	r->open = false;
	bot_on_close(r->b, now_of(r), r->conn, code, code == BOT_CLOSE_NONE ? "dropped" : "closed");
	drain(r);
}

static void
hello(struct rig *r, int interval)
{
	frame(r, "{\"op\":10,\"d\":{\"heartbeat_interval\":%d}}", interval);
}

static void
ready(struct rig *r)
{
	r->seq = 0;
	dispatch(r, "READY", "{\"v\":10,\"session_id\":\"sess-1\",\"resume_gateway_url\":\"ws://resume.test\","
	    "\"user\":{\"id\":\"99\",\"username\":\"vigil-bot\",\"bot\":true},\"guilds\":[]}");
}

/* A full first connection: fetch, open, HELLO, IDENTIFY, READY. */
static void
connect_fresh(struct rig *r)
{
	bot_start(r->b, now_of(r));
	drain(r);
	answer_gateway_bot(r, 1000);
	transport_open(r);
	hello(r, 1000);
	ready(r);
	assert_int_equal(r->b->state, BOT_CONNECTED);
}

static bool
payload_has(const struct action *a, const char *needle)
{
	return a != NULL && a->payload != NULL && strstr(a->payload, needle) != NULL;
}

static void
first_start_identifies_after_fetch(void **state)
{
	struct bot_config cfg;
	struct rig r;
	const struct action *a;

	(void)state;
	rig_config(&cfg);
	rig_init(&r, &cfg);
	bot_start(r.b, now_of(&r));
	drain(&r);
	assert_int_equal(r.b->state, BOT_RECONNECTING);
	/* The budget is read fresh before the IDENTIFY: no socket yet. */
	assert_int_equal(r.opens, 0);
	answer_gateway_bot(&r, 1000);
	a = next_of(&r, ACT_OPEN);
	assert_non_null(a);
	assert_string_equal(a->text, "ws://gw.test/?v=10&encoding=json");
	transport_open(&r);
	hello(&r, 1000);
	/* The start is persisted before the IDENTIFY leaves. */
	int persist_at = -1, identify_at = -1;
	for (int i = 0; i < r.nseen; i++) {
		if (r.seen[i].kind == ACT_PERSIST && persist_at < 0)
			persist_at = i;
		if (payload_has(&r.seen[i], "\"op\":2"))
			identify_at = i;
	}
	assert_true(persist_at >= 0 && identify_at > persist_at);
	assert_true(payload_has(&r.seen[identify_at], TOKEN));
	assert_true(payload_has(&r.seen[identify_at], "\"intents\""));
	ready(&r);
	assert_int_equal(r.b->state, BOT_CONNECTED);
	assert_string_equal(r.b->session_id, "sess-1");
	assert_int_equal(budget_used(r.b->budget, now_of(&r)), 1);
	assert_int_equal(r.b->counts[BOT_DISCONNECTED][BOT_RECONNECTING], 1);
	assert_int_equal(r.b->counts[BOT_RECONNECTING][BOT_CONNECTED], 1);
	rig_free(&r);
}

static void
drop_resumes_at_once_without_identify(void **state)
{
	struct bot_config cfg;
	struct rig r;
	const struct action *a;

	(void)state;
	rig_config(&cfg);
	rig_init(&r, &cfg);
	connect_fresh(&r);
	dispatch(&r, "MESSAGE_CREATE", "{\"id\":\"5\",\"channel_id\":\"7\",\"content\":\"hi\","
	    "\"author\":{\"id\":\"8\",\"username\":\"u\"}}");
	r.cursor = r.nseen;
	transport_closed(&r, BOT_CLOSE_NONE);
	assert_int_equal(r.b->state, BOT_RESUMING);
	assert_int_equal(r.b->counts[BOT_CONNECTED][BOT_DISCONNECTED], 1);
	assert_int_equal(r.b->counts[BOT_DISCONNECTED][BOT_RESUMING], 1);
	/* Immediate, to the resume URL, no fetch. */
	a = next_of(&r, ACT_OPEN);
	assert_non_null(a);
	assert_string_equal(a->text, "ws://resume.test/?v=10&encoding=json");
	assert_int_equal(r.alerts, 1);
	transport_open(&r);
	hello(&r, 1000);
	a = next_of(&r, ACT_SEND);
	assert_true(payload_has(a, "\"op\":6"));
	assert_true(payload_has(a, "\"session_id\":\"sess-1\""));
	assert_true(payload_has(a, "\"seq\":2"));
	dispatch(&r, "MESSAGE_CREATE", "{\"id\":\"6\",\"channel_id\":\"7\",\"content\":\"missed\","
	    "\"author\":{\"id\":\"8\",\"username\":\"u\"}}");
	dispatch(&r, "RESUMED", "{}");
	assert_int_equal(r.b->state, BOT_CONNECTED);
	assert_int_equal(r.b->counts[BOT_RESUMING][BOT_CONNECTED], 1);
	assert_int_equal(budget_used(r.b->budget, now_of(&r)), 1);
	assert_int_equal(r.b->stats.seq_gaps, 0);
	/* READY, the message, its replay and RESUMED: all dispatches. */
	assert_int_equal(r.b->stats.events, 4);
	rig_free(&r);
}

static void
failed_resumes_follow_the_formula_then_identify(void **state)
{
	struct bot_config cfg;
	struct rig r;
	int64_t lost;

	(void)state;
	rig_config(&cfg);
	cfg.resume_window_ms = 19 * MS_PER_S;
	rig_init(&r, &cfg);
	connect_fresh(&r);
	lost = r.t;
	transport_closed(&r, BOT_CLOSE_NONE);
	/* Attempt 1 is immediate; it fails to connect. */
	assert_int_equal(r.opens, 2);
	transport_closed(&r, BOT_CLOSE_NONE);
	/* The seed's table: 1, 2, 4, 6, 7 seconds. */
	static const int64_t delays[] = { 1000, 2000, 4000, 6000, 7000 };
	for (size_t i = 0; i < sizeof(delays) / sizeof(delays[0]); i++) {
		int opens = r.opens;
		assert_int_equal(r.b->wait, WAIT_BACKOFF);
		advance_to(&r, r.t + delays[i] - 1);
		assert_int_equal(r.opens, opens);
		advance_to(&r, r.t + 1);
		if (r.t - lost > cfg.resume_window_ms)
			break;
		assert_int_equal(r.opens, opens + 1);
		assert_int_equal(r.b->state, BOT_RESUMING);
		transport_closed(&r, BOT_CLOSE_NONE);
	}
	/* 1+2+4+6+7 = 20 s > 19 s: the window has passed, so the next one identifies. */
	assert_int_equal(r.b->state, BOT_RECONNECTING);
	assert_int_equal(r.b->counts[BOT_RESUMING][BOT_RECONNECTING], 1);
	assert_string_equal(r.http_path, "GET /gateway/bot");
	rig_free(&r);
}

static void
op9_false_waits_then_identifies_and_wipes(void **state)
{
	struct bot_config cfg;
	struct rig r;
	struct cache_stats cs;

	(void)state;
	rig_config(&cfg);
	rig_init(&r, &cfg);
	connect_fresh(&r);
	dispatch(&r, "GUILD_CREATE", "{\"id\":\"300\",\"name\":\"g\",\"member_count\":1,\"channels\":[],"
	    "\"members\":[]}");
	cache_get_stats(r.b->cache, &cs);
	assert_true(cs.entries[CACHE_GUILD] == 1);
	frame(&r, "{\"op\":9,\"d\":false}");
	assert_int_equal(r.b->state, BOT_RECONNECTING);
	assert_int_equal(r.last_close_code, BOT_CLOSE_RESUMABLE);
	transport_closed(&r, 4900);
	assert_int_equal(r.b->wait, WAIT_INVALID_SESSION);
	assert_true(r.b->wait_total_ms >= 1000 && r.b->wait_total_ms <= 5000);
	assert_int_equal(r.opens, 1);
	advance_to(&r, r.t + 5000 + BUDGET_SPACING_MARGIN_MS);
	answer_gateway_bot(&r, 999);
	assert_int_equal(r.opens, 2);
	transport_open(&r);
	hello(&r, 1000);
	cache_get_stats(r.b->cache, &cs);
	assert_true(cs.entries[CACHE_GUILD] == 0);
	assert_true(cs.wipes >= 2);
	ready(&r);
	assert_int_equal(budget_used(r.b->budget, now_of(&r)), 2);
	assert_int_equal(r.b->state, BOT_CONNECTED);
	rig_free(&r);
}

static void
op7_closes_resumable_and_resumes(void **state)
{
	struct bot_config cfg;
	struct rig r;

	(void)state;
	rig_config(&cfg);
	rig_init(&r, &cfg);
	connect_fresh(&r);
	frame(&r, "{\"op\":7,\"d\":null}");
	assert_int_equal(r.closes, 1);
	assert_int_equal(r.last_close_code, BOT_CLOSE_RESUMABLE);
	/* No new connection until the old one is reported closed. */
	assert_int_equal(r.opens, 1);
	transport_closed(&r, 4900);
	assert_int_equal(r.opens, 2);
	assert_int_equal(r.b->state, BOT_RESUMING);
	rig_free(&r);
}

static void
zombie_detected_within_two_intervals(void **state)
{
	struct bot_config cfg;
	struct rig r;
	int64_t start;

	(void)state;
	rig_config(&cfg);
	rig_init(&r, &cfg);
	connect_fresh(&r);
	start = r.t;
	r.cursor = r.nseen;
	/* The server never ACKs. */
	advance_to(&r, start + 2000);
	assert_true(payload_has(next_of(&r, ACT_SEND), "\"op\":1"));
	assert_int_equal(r.b->stats.zombies, 1);
	assert_int_equal(r.last_close_code, BOT_CLOSE_RESUMABLE);
	/* Disconnected until the transport confirms the close, then resuming. */
	assert_int_equal(r.b->state, BOT_DISCONNECTED);
	assert_int_equal(r.opens, 1);
	transport_closed(&r, 4900);
	assert_int_equal(r.b->state, BOT_RESUMING);
	assert_int_equal(r.opens, 2);
	rig_free(&r);
}

static void
heartbeat_carries_last_seq(void **state)
{
	struct bot_config cfg;
	struct rig r;
	const struct action *a;

	(void)state;
	rig_config(&cfg);
	rig_init(&r, &cfg);
	connect_fresh(&r);
	dispatch(&r, "TYPING_START", "{}");
	r.cursor = r.nseen;
	frame(&r, "{\"op\":1,\"d\":null}");
	a = next_of(&r, ACT_SEND);
	assert_non_null(a);
	assert_string_equal(a->payload, "{\"op\":1,\"d\":2}");
	rig_free(&r);
}

static void
fatal_close_stops_for_good(void **state)
{
	struct bot_config cfg;
	struct rig r;

	(void)state;
	rig_config(&cfg);
	rig_init(&r, &cfg);
	connect_fresh(&r);
	transport_closed(&r, 4004);
	assert_int_equal(r.b->state, BOT_DISCONNECTED);
	assert_int_equal(r.b->phase, PHASE_STOPPED);
	assert_non_null(strstr(r.b->stop_reason, "4004"));
	advance_to(&r, r.t + 24 * MS_PER_H);
	assert_int_equal(r.opens, 1);
	assert_true(r.alerts >= 2);
	rig_free(&r);
}

static void
fatal_code_during_attempt_stops(void **state)
{
	static const int codes[] = { 4010, 4011, 4012, 4013, 4014 };
	struct bot_config cfg;

	(void)state;
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		struct rig r;
		rig_config(&cfg);
		rig_init(&r, &cfg);
		bot_start(r.b, now_of(&r));
		drain(&r);
		answer_gateway_bot(&r, 1000);
		transport_open(&r);
		hello(&r, 1000);
		transport_closed(&r, codes[i]);
		assert_int_equal(r.b->phase, PHASE_STOPPED);
		advance_to(&r, r.t + MS_PER_H);
		assert_int_equal(r.opens, 1);
		rig_free(&r);
	}
}

static void
budget_exhausted_waits_instead_of_identifying(void **state)
{
	struct bot_config cfg;
	struct rig r;

	(void)state;
	rig_config(&cfg);
	cfg.budget_limit = 2;
	cfg.budget_reserve = 0;
	rig_init(&r, &cfg);
	connect_fresh(&r);
	/* op 9 false twice: the second new session uses the last start. */
	frame(&r, "{\"op\":9,\"d\":false}");
	transport_closed(&r, 4900);
	advance_to(&r, r.t + 6000);
	answer_gateway_bot(&r, 1000);
	transport_open(&r);
	hello(&r, 1000);
	ready(&r);
	assert_int_equal(budget_used(r.b->budget, now_of(&r)), 2);
	frame(&r, "{\"op\":9,\"d\":false}");
	transport_closed(&r, 4900);
	advance_to(&r, r.t + 6000);
	assert_int_equal(r.b->state, BOT_RECONNECTING);
	assert_int_equal(r.b->wait, WAIT_BUDGET);
	assert_string_equal(r.http_path, "");
	int opens = r.opens;
	/* Nothing for almost a day; then the first start leaves the window. */
	advance_to(&r, r.t + 23 * MS_PER_H);
	assert_int_equal(r.opens, opens);
	advance_to(&r, r.t + 2 * MS_PER_H);
	assert_string_equal(r.http_path, "GET /gateway/bot");
	rig_free(&r);
}

static void
discord_count_stricter_than_ours(void **state)
{
	struct bot_config cfg;
	struct rig r;

	(void)state;
	rig_config(&cfg);
	rig_init(&r, &cfg);
	bot_start(r.b, now_of(&r));
	drain(&r);
	/* Another process used the token: Discord says only the reserve is left. */
	answer_gateway_bot(&r, BUDGET_DEFAULT_RESERVE);
	assert_int_equal(r.opens, 0);
	assert_int_equal(r.b->wait, WAIT_BUDGET);
	rig_free(&r);
}

static void
rest_401_on_fetch_stops(void **state)
{
	struct bot_config cfg;
	struct rig r;
	struct rlq_headers h;

	(void)state;
	rig_config(&cfg);
	rig_init(&r, &cfg);
	bot_start(r.b, now_of(&r));
	drain(&r);
	rlq_headers_init(&h);
	bot_on_http(r.b, now_of(&r), r.http_id, 401, &h, "{\"message\":\"401: Unauthorized\",\"code\":0}",
	    40, NULL);
	drain(&r);
	assert_int_equal(r.b->phase, PHASE_STOPPED);
	assert_int_equal(r.opens, 0);
	rig_free(&r);
}

static void
rest_401_fails_every_queued_request(void **state)
{
	struct bot_config cfg;
	struct rig r;
	struct rlq_headers h;
	struct rlq_global g;
	char err[128];

	(void)state;
	rig_config(&cfg);
	rig_init(&r, &cfg);
	connect_fresh(&r);
	for (int i = 0; i < 3; i++)
		assert_int_equal(bot_rest(r.b, now_of(&r), "POST", "/channels/1/messages",
		    "{\"content\":\"x\"}", err, sizeof(err)), 0);
	drain(&r);
	/* Unknown route: one in flight, two queued behind it. */
	assert_string_equal(r.http_path, "POST /channels/1/messages");
	rlq_headers_init(&h);
	bot_on_http(r.b, now_of(&r), r.http_id, 401, &h, "{\"message\":\"401: Unauthorized\"}", 31,
	    NULL);
	drain(&r);
	/* None lost: all three end, reported as failed. */
	assert_int_equal(r.b->stats.rest_failed, 3);
	rlq_global_view(r.b->rest, now_of(&r), &g);
	assert_true(g.unauthorized);
	assert_int_equal(g.pending, 0);
	assert_int_equal(bot_rest(r.b, now_of(&r), "POST", "/channels/1/messages", "{}", err,
	    sizeof(err)), -1);
	rig_free(&r);
}

static void
restart_within_window_resumes(void **state)
{
	struct bot_config cfg;
	struct rig r, r2;
	char err[200], *text;

	(void)state;
	rig_config(&cfg);
	rig_init(&r, &cfg);
	connect_fresh(&r);
	dispatch(&r, "TYPING_START", "{}");
	text = bot_save_state(r.b, now_of(&r));
	assert_non_null(text);
	/* The state file never holds the token. */
	assert_null(strstr(text, TOKEN));
	rig_init(&r2, &cfg);
	r2.t = r.t + 30 * MS_PER_S;
	assert_int_equal(bot_load_state(r2.b, text, strlen(text), now_of(&r2), err, sizeof(err)), 0);
	bot_start(r2.b, now_of(&r2));
	drain(&r2);
	assert_int_equal(r2.b->state, BOT_RESUMING);
	assert_int_equal(r2.opens, 1);
	assert_string_equal(r2.seen[0].text, "ws://resume.test/?v=10&encoding=json");
	transport_open(&r2);
	hello(&r2, 1000);
	assert_true(payload_has(next_of(&r2, ACT_SEND), "\"seq\":2"));
	/* The budget came along: still one start. */
	assert_int_equal(budget_used(r2.b->budget, now_of(&r2)), 1);
	free(text);
	rig_free(&r);
	rig_free(&r2);
}

static void
restart_after_window_identifies(void **state)
{
	struct bot_config cfg;
	struct rig r, r2;
	char err[200], *text;

	(void)state;
	rig_config(&cfg);
	rig_init(&r, &cfg);
	connect_fresh(&r);
	text = bot_save_state(r.b, now_of(&r));
	rig_init(&r2, &cfg);
	r2.t = r.t + cfg.resume_window_ms + MS_PER_S;
	assert_int_equal(bot_load_state(r2.b, text, strlen(text), now_of(&r2), err, sizeof(err)), 0);
	bot_start(r2.b, now_of(&r2));
	drain(&r2);
	assert_int_equal(r2.b->state, BOT_RECONNECTING);
	assert_string_equal(r2.http_path, "GET /gateway/bot");
	free(text);
	rig_free(&r);
	rig_free(&r2);
}

static void
forgotten_session_identifies_but_keeps_budget(void **state)
{
	struct bot_config cfg;
	struct rig r, r2;
	char err[200], *text;

	(void)state;
	rig_config(&cfg);
	rig_init(&r, &cfg);
	connect_fresh(&r);
	text = bot_save_state(r.b, now_of(&r));
	rig_init(&r2, &cfg);
	r2.t = r.t + MS_PER_S;
	assert_int_equal(bot_load_state(r2.b, text, strlen(text), now_of(&r2), err, sizeof(err)), 0);
	assert_true(bot_forget_session(r2.b));
	assert_false(bot_forget_session(r2.b));
	bot_start(r2.b, now_of(&r2));
	drain(&r2);
	assert_int_equal(r2.b->state, BOT_RECONNECTING);
	/* The restored start still holds the 5 s identify spacing. */
	assert_int_equal(r2.b->wait, WAIT_SPACING);
	advance_to(&r2, r2.t + BUDGET_SPACING_MS);
	assert_string_equal(r2.http_path, "GET /gateway/bot");
	assert_int_equal(budget_used(r2.b->budget, now_of(&r2)), 1);
	free(text);
	rig_free(&r);
	rig_free(&r2);
}

static void
corrupt_state_is_conservative(void **state)
{
	static const char *const bad[] = {
		"", "{", "[]", "{\"vigil_state\":2}", "{\"vigil_state\":1,\"budget\":7}",
		"\x00\x01garbage",
	};
	struct bot_config cfg;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rig r;
		char err[200] = "";
		rig_config(&cfg);
		rig_init(&r, &cfg);
		assert_int_equal(bot_load_state(r.b, bad[i], strlen(bad[i]), now_of(&r), err,
		    sizeof(err)), -1);
		assert_non_null(strstr(err, "unreadable"));
		assert_int_equal(budget_used(r.b->budget, now_of(&r)), cfg.budget_assume_on_corrupt);
		assert_false(r.b->session_id[0] != '\0');
		rig_free(&r);
	}
}

static void
stale_connection_events_ignored(void **state)
{
	struct bot_config cfg;
	struct rig r;
	uint32_t old;

	(void)state;
	rig_config(&cfg);
	rig_init(&r, &cfg);
	connect_fresh(&r);
	old = r.conn;
	transport_closed(&r, BOT_CLOSE_NONE);
	assert_true(r.conn != old);
	/* Late events for the old connection change nothing. */
	bot_on_close(r.b, now_of(&r), old, 4004, "late");
	bot_on_frame(r.b, now_of(&r), old, "{\"op\":9,\"d\":false}", 19);
	drain(&r);
	assert_int_equal(r.b->state, BOT_RESUMING);
	assert_true(r.b->phase != PHASE_STOPPED);
	rig_free(&r);
}

static void
operator_commands(void **state)
{
	struct bot_config cfg;
	struct rig r;
	char err[128];

	(void)state;
	rig_config(&cfg);
	rig_init(&r, &cfg);
	/* Nothing to resume before a session exists. */
	assert_int_equal(bot_cmd_resume(r.b, now_of(&r), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no session"));
	connect_fresh(&r);
	assert_int_equal(bot_cmd_resume(r.b, now_of(&r), err, sizeof(err)), 0);
	drain(&r);
	assert_int_equal(r.last_close_code, BOT_CLOSE_RESUMABLE);
	transport_closed(&r, 4900);
	assert_int_equal(r.b->state, BOT_RESUMING);
	transport_open(&r);
	hello(&r, 1000);
	dispatch(&r, "RESUMED", "{}");
	/* reconnect ends the session with 1000 and identifies anew. */
	assert_int_equal(bot_cmd_reconnect(r.b, now_of(&r), err, sizeof(err)), 0);
	drain(&r);
	assert_int_equal(r.last_close_code, BOT_CLOSE_NORMAL);
	transport_closed(&r, 1000);
	assert_int_equal(r.b->state, BOT_RECONNECTING);
	advance_to(&r, r.t + 6000);
	answer_gateway_bot(&r, 998);
	transport_open(&r);
	hello(&r, 1000);
	ready(&r);
	assert_int_equal(budget_used(r.b->budget, now_of(&r)), 2);
	/* stop keeps the session resumable; a second stop is refused. */
	assert_int_equal(bot_cmd_stop(r.b, now_of(&r), err, sizeof(err)), 0);
	drain(&r);
	assert_int_equal(r.last_close_code, BOT_CLOSE_RESUMABLE);
	transport_closed(&r, 4900);
	assert_int_equal(r.b->phase, PHASE_STOPPED);
	assert_true(r.b->session_id[0] != '\0');
	assert_int_equal(bot_cmd_stop(r.b, now_of(&r), err, sizeof(err)), -1);
	/* resume from stopped works. */
	assert_int_equal(bot_cmd_resume(r.b, now_of(&r), err, sizeof(err)), 0);
	drain(&r);
	assert_int_equal(r.b->state, BOT_RESUMING);
	transport_open(&r);
	hello(&r, 1000);
	dispatch(&r, "RESUMED", "{}");
	/* logout ends it with 1000 and forgets it. */
	assert_int_equal(bot_cmd_logout(r.b, now_of(&r), err, sizeof(err)), 0);
	drain(&r);
	assert_int_equal(r.last_close_code, BOT_CLOSE_NORMAL);
	transport_closed(&r, 1000);
	assert_int_equal(r.b->phase, PHASE_STOPPED);
	assert_true(r.b->session_id[0] == '\0');
	rig_free(&r);
}

static void
malformed_frames_counted_not_fatal(void **state)
{
	struct bot_config cfg;
	struct rig r;

	(void)state;
	rig_config(&cfg);
	rig_init(&r, &cfg);
	connect_fresh(&r);
	frame(&r, "{\"op\":0,\"t\":\"MESSAGE_CREATE\",\"s\":");
	frame(&r, "not json at all");
	frame(&r, "{\"op\":\"x\"}");
	assert_int_equal(r.b->state, BOT_CONNECTED);
	assert_int_equal(r.b->stats.malformed, 3);
	rig_free(&r);
}

static void
close_timeout_escalates(void **state)
{
	struct bot_config cfg;
	struct rig r;

	(void)state;
	rig_config(&cfg);
	rig_init(&r, &cfg);
	connect_fresh(&r);
	frame(&r, "{\"op\":7,\"d\":null}");
	/* The transport never reports the close: vigil drops it. */
	advance_to(&r, r.t + cfg.close_timeout_ms);
	assert_int_equal(r.last_close_code, BOT_CLOSE_ABORT);
	assert_int_equal(r.opens, 1);
	transport_closed(&r, BOT_CLOSE_NONE);
	assert_int_equal(r.opens, 2);
	rig_free(&r);
}

static void
token_only_in_identify_and_resume(void **state)
{
	struct bot_config cfg;
	struct rig r;

	(void)state;
	rig_config(&cfg);
	rig_init(&r, &cfg);
	connect_fresh(&r);
	transport_closed(&r, BOT_CLOSE_NONE);
	transport_open(&r);
	hello(&r, 1000);
	/* A listener-style log line that tries to print the token. */
	LOGF(r.b->log, LOG_ERROR, "test", "token is %s", TOKEN);
	for (int i = 0; i < r.nseen; i++) {
		const struct action *a = &r.seen[i];
		bool allowed = payload_has(a, "\"op\":2") || payload_has(a, "\"op\":6");
		if (!allowed) {
			assert_null(a->payload ? strstr(a->payload, TOKEN) : NULL);
			assert_null(strstr(a->text, TOKEN));
		}
	}
	for (uint64_t s = logring_first_seq(r.b->log); s < r.b->log->next_seq; s++) {
		const struct log_entry *e = logring_get(r.b->log, s);
		assert_non_null(e);
		assert_null(strstr(e->text, TOKEN));
	}
	rig_free(&r);
}

static void
gateway_send_limit_and_size(void **state)
{
	struct bot_config cfg;
	struct rig r;
	char err[128], big[5000];

	(void)state;
	rig_config(&cfg);
	rig_init(&r, &cfg);
	connect_fresh(&r);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(bot_gateway_send(r.b, now_of(&r), big, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "4096"));
	int sent = 0;
	for (int i = 0; i < BOT_SEND_QUEUE; i++) {
		assert_int_equal(bot_gateway_send(r.b, now_of(&r), "{\"op\":3,\"d\":{}}", err,
		    sizeof(err)), 0);
		drain(&r);
	}
	for (int i = 0; i < r.nseen; i++)
		sent += payload_has(&r.seen[i], "\"op\":3");
	assert_int_equal(sent, BOT_SEND_QUEUE);
	rig_free(&r);
}

/* Found by fuzz-session: a fetch times out, the next one is queued, then
 * the late answer to the first is a 401. REST stops, the queued fetch is
 * failed, and every later fetch is refused before anything is sent; with
 * the formula "0" the core asked to be woken at the same instant forever. */
static void
late_401_to_a_timed_out_fetch_stops(void **state)
{
	struct bot_config cfg;
	struct rlq_headers h;
	struct rig r;
	uint64_t first;

	(void)state;
	rig_config(&cfg);
	snprintf(cfg.formula, sizeof(cfg.formula), "0");
	rig_init(&r, &cfg);
	bot_start(r.b, now_of(&r));
	drain(&r);
	first = r.http_id;
	advance_to(&r, r.t + cfg.fetch_timeout_ms + 1);
	/* The second fetch waits behind the first, still in flight. */
	assert_int_equal(r.b->phase, PHASE_FETCH);
	assert_true(r.http_id == first);
	rlq_headers_init(&h);
	bot_on_http(r.b, now_of(&r), first, 401, &h, "{}", 2, NULL);
	drain(&r);
	/* Bounded, so that a regression fails rather than spins. */
	for (int i = 0; i < 10 && bot_next_deadline(r.b, now_of(&r)) <= r.t; i++) {
		bot_tick(r.b, now_of(&r));
		drain(&r);
	}
	assert_int_equal(r.b->phase, PHASE_STOPPED);
	assert_non_null(strstr(r.b->stop_reason, "401"));
	assert_true(bot_next_deadline(r.b, now_of(&r)) > r.t);
	assert_int_equal(r.opens, 0);
	rig_free(&r);
}

/* A fetch the REST queue refuses (here: full) sent nothing, so its retry
 * waits at least a second whatever the formula says. */
static void
refused_fetch_waits_a_second(void **state)
{
	struct bot_config cfg;
	struct rig r;
	char err[128];
	int queued = 0;

	(void)state;
	rig_config(&cfg);
	snprintf(cfg.formula, sizeof(cfg.formula), "0");
	rig_init(&r, &cfg);
	while (bot_rest(r.b, now_of(&r), "GET", "/channels/1/messages", NULL, err, sizeof(err)) == 0)
		queued++;
	assert_int_equal(queued, RLQ_MAX_PENDING);
	bot_start(r.b, now_of(&r));
	drain(&r);
	assert_int_equal(r.b->phase, PHASE_WAIT);
	assert_true(r.b->deadline >= r.t + MS_PER_S);
	rig_free(&r);
}

/* The view's 24 h projection is kept from bot_set_formula, not counted per
 * snapshot: for a formula under a second that is 86,400 evaluations, up to
 * 18 ms per redraw here (found by fuzz-session's speed). */
static void
projection_follows_the_formula(void **state)
{
	struct bot_config cfg;
	struct delay_formula f;
	struct bot_snapshot *v = malloc(sizeof(*v));
	struct rig r;
	char err[128];

	(void)state;
	assert_non_null(v);
	rig_config(&cfg);
	rig_init(&r, &cfg);
	bot_snapshot(r.b, now_of(&r), v);
	assert_int_equal(v->projection, 567);
	assert_int_equal(delay_compile(&f, "a*2", err, sizeof(err)), 0);
	assert_int_equal(bot_set_formula(r.b, &f), 0);
	bot_snapshot(r.b, now_of(&r), v);
	assert_int_equal(v->projection, 293);
	assert_int_equal(delay_compile(&f, "0", err, sizeof(err)), 0);
	assert_int_equal(bot_set_formula(r.b, &f), 0);
	bot_snapshot(r.b, now_of(&r), v);
	assert_int_equal(v->projection, 86400);
	free(v);
	rig_free(&r);
}

/* --- the cluster's identify permit (src/bot/permit.c) --- */

static const struct action *
permit_asked(struct rig *r)
{
	const struct action *a = next_of(r, ACT_PERMIT);

	assert_non_null(a);
	assert_int_equal(r->b->phase, PHASE_PERMIT);
	return a;
}

static void
answer_permit(struct rig *r, const struct action *a, enum bot_permit_status st, int64_t wait)
{
	struct bot_permit p;

	memset(&p, 0, sizeof(p));
	p.status = st;
	p.wait_ms = wait;
	snprintf(p.why, sizeof(p.why), "test");
	bot_on_permit(r->b, now_of(r), a->permit_id, &p);
	drain(r);
}

static void
cluster_rig(struct rig *r)
{
	struct bot_config cfg;

	rig_config(&cfg);
	cfg.cluster_permits = true;
	rig_init(r, &cfg);
	bot_start(r->b, now_of(r));
	drain(r);
	answer_gateway_bot(r, 1000);
}

static void
permit_granted_then_identify(void **state)
{
	struct rig r;
	const struct action *a;

	(void)state;
	cluster_rig(&r);
	assert_int_equal(r.opens, 0);
	a = permit_asked(&r);
	assert_int_equal(a->shard, 0);
	assert_int_equal(a->key, 0);
	answer_permit(&r, a, BOT_PERMIT_GRANTED, 0);
	assert_int_equal(r.opens, 1);
	transport_open(&r);
	hello(&r, 1000);
	ready(&r);
	assert_int_equal(r.b->state, BOT_CONNECTED);
	rig_free(&r);
}

static void
permit_refusals_wait_and_ask_again(void **state)
{
	struct rig r;
	const struct action *a;
	uint64_t old;

	(void)state;
	cluster_rig(&r);
	a = permit_asked(&r);
	old = a->permit_id;
	answer_permit(&r, a, BOT_PERMIT_KEY_HELD, 3000);
	assert_int_equal(r.b->wait, WAIT_SPACING);
	assert_int_equal(r.opens, 0);
	/* A late duplicate of the answer changes nothing. */
	{
		struct action stale = { .permit_id = old };
		answer_permit(&r, &stale, BOT_PERMIT_GRANTED, 0);
		assert_int_equal(r.opens, 0);
	}
	advance_to(&r, r.t + 3000);
	answer_gateway_bot(&r, 1000);
	a = permit_asked(&r);
	assert_true(a->permit_id != old);
	answer_permit(&r, a, BOT_PERMIT_BUDGET, 3600000);
	assert_int_equal(r.b->wait, WAIT_BUDGET);
	assert_int_equal(r.opens, 0);
	rig_free(&r);
}

/* Redis down: no IDENTIFY, said once, asked again every permit_retry_ms;
 * the operator's --local override identifies once without it. */
static void
unreachable_store_means_no_identify(void **state)
{
	struct rig r;
	const struct action *a;
	char err[128];
	int alerts;

	(void)state;
	cluster_rig(&r);
	a = permit_asked(&r);
	answer_permit(&r, a, BOT_PERMIT_UNREACHABLE, 0);
	assert_int_equal(r.b->wait, WAIT_CLUSTER);
	alerts = r.alerts;
	assert_true(alerts >= 1);
	for (int i = 0; i < 5; i++) {
		advance_to(&r, r.t + r.b->cfg.permit_retry_ms);
		answer_gateway_bot(&r, 1000);
		a = permit_asked(&r);
		answer_permit(&r, a, BOT_PERMIT_UNREACHABLE, 0);
	}
	/* And a store that never answers is the same. */
	advance_to(&r, r.t + r.b->cfg.permit_retry_ms);
	answer_gateway_bot(&r, 1000);
	permit_asked(&r);
	advance_to(&r, r.t + r.b->cfg.fetch_timeout_ms);
	assert_int_equal(r.b->wait, WAIT_CLUSTER);
	assert_int_equal(r.opens, 0);
	assert_int_equal(r.alerts, alerts);
	assert_int_equal(budget_used(r.b->budget, now_of(&r)), 0);
	bot_permit_override(r.b);
	assert_int_equal(bot_cmd_reconnect(r.b, now_of(&r), err, sizeof(err)), 0);
	drain(&r);
	answer_gateway_bot(&r, 1000);
	assert_null(next_of(&r, ACT_PERMIT));
	assert_int_equal(r.opens, 1);
	rig_free(&r);
}

/* A shard that moved: the session from the store is resumed, no permit. */
static void
adopted_session_resumes_without_a_permit(void **state)
{
	struct bot_config cfg;
	struct rig r;
	const struct action *a;

	(void)state;
	rig_config(&cfg);
	cfg.cluster_permits = true;
	rig_init(&r, &cfg);
	assert_true(bot_adopt_session(r.b, now_of(&r), "sess-moved", 77, "ws://resume.test"));
	assert_false(bot_adopt_session(r.b, now_of(&r), "sess-other", 1, "ws://x"));
	bot_start(r.b, now_of(&r));
	drain(&r);
	a = next_of(&r, ACT_OPEN);
	assert_non_null(a);
	assert_non_null(strstr(a->text, "ws://resume.test"));
	r.cursor = 0;
	assert_null(next_of(&r, ACT_PERMIT));
	transport_open(&r);
	hello(&r, 1000);
	a = &r.seen[r.nseen - 1];
	assert_true(payload_has(a, "\"op\":6"));
	assert_true(payload_has(a, "sess-moved"));
	assert_true(payload_has(a, "\"seq\":77"));
	rig_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(first_start_identifies_after_fetch),
		cmocka_unit_test(drop_resumes_at_once_without_identify),
		cmocka_unit_test(failed_resumes_follow_the_formula_then_identify),
		cmocka_unit_test(op9_false_waits_then_identifies_and_wipes),
		cmocka_unit_test(op7_closes_resumable_and_resumes),
		cmocka_unit_test(zombie_detected_within_two_intervals),
		cmocka_unit_test(heartbeat_carries_last_seq),
		cmocka_unit_test(fatal_close_stops_for_good),
		cmocka_unit_test(fatal_code_during_attempt_stops),
		cmocka_unit_test(budget_exhausted_waits_instead_of_identifying),
		cmocka_unit_test(discord_count_stricter_than_ours),
		cmocka_unit_test(rest_401_on_fetch_stops),
		cmocka_unit_test(rest_401_fails_every_queued_request),
		cmocka_unit_test(restart_within_window_resumes),
		cmocka_unit_test(restart_after_window_identifies),
		cmocka_unit_test(forgotten_session_identifies_but_keeps_budget),
		cmocka_unit_test(corrupt_state_is_conservative),
		cmocka_unit_test(stale_connection_events_ignored),
		cmocka_unit_test(operator_commands),
		cmocka_unit_test(malformed_frames_counted_not_fatal),
		cmocka_unit_test(close_timeout_escalates),
		cmocka_unit_test(token_only_in_identify_and_resume),
		cmocka_unit_test(gateway_send_limit_and_size),
		cmocka_unit_test(late_401_to_a_timed_out_fetch_stops),
		cmocka_unit_test(refused_fetch_waits_a_second),
		cmocka_unit_test(projection_follows_the_formula),
		cmocka_unit_test(permit_granted_then_identify),
		cmocka_unit_test(permit_refusals_wait_and_ask_again),
		cmocka_unit_test(unreachable_store_means_no_identify),
		cmocka_unit_test(adopted_session_resumes_without_a_permit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
