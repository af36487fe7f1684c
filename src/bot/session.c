/*
 * The gateway session state machine: the seed's four states (Connected,
 * Disconnected, Resuming, Reconnecting) over internal phases (bot.h).
 *
 * The shape of a disconnect: the connection ends (a close code, a drop, op 7,
 * op 9, a zombie, a timeout, the operator), the policy table (policy.c) says
 * resume, start anew or stop; if the transport is still open it is closed
 * first (4900 keeps the session resumable, 1000 ends it) and the decision is
 * carried out once the transport reports closed, so there is never a second
 * connection while the first lives.
 *
 * Resuming is preferred for as long as it can work: the first resume after a
 * drop is immediate, failed attempts wait the delay formula, and only a
 * server refusal (op 9 false, 4007, 4009, ...) or the resume window passing
 * turns it into a new session. A session start is precious: every IDENTIFY
 * first passes the budget (budget.c) with Discord's count read fresh by
 * GET /gateway/bot.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bot/bot-internal.h"

#define REST_401_WHY "REST answered 401: the token is wrong or was reset"

static void attempt(struct bot *b, struct vtime now);
static void queued_reconnect(struct bot *b, struct vtime now);
static void end_connection(struct bot *b, struct vtime now, enum policy_cause cause, int code);

bool
session_has(const struct bot *b)
{
	return b->session_id[0] != '\0';
}

static void
forget_session(struct bot *b)
{
	b->session_id[0] = '\0';
	b->resume_url[0] = '\0';
	b->seq = 0;
}

static void __attribute__((format(printf, 4, 5)))
set_state(struct bot *b, struct vtime now, enum bot_state to, const char *fmt, ...)
{
	struct bot_transition *t;
	va_list ap;

	if (b->state == to)
		return;
	if (b->history_count == BOT_HISTORY) {
		b->history_head = (b->history_head + 1) % BOT_HISTORY;
		b->history_count--;
	}
	t = &b->history[(b->history_head + b->history_count++) % BOT_HISTORY];
	t->from = b->state;
	t->to = to;
	t->mono_ms = now.mono_ms;
	t->wall_ms = now.wall_ms;
	va_start(ap, fmt);
	vsnprintf(t->reason, sizeof(t->reason), fmt, ap);
	va_end(ap);
	b->counts[b->state][to]++;
	logring_transition(b->log, (int)b->state, (int)to, "session", "%s -> %s: %s",
	    bot_state_name(b->state), bot_state_name(to), t->reason);
	b->state = to;
	b->state_since = now.mono_ms;
}

static void
emit_lifecycle(struct bot *b, const char *name, const char *detail)
{
	struct event ev = { .name = name, .detail = detail, .shard = b->cfg.shard_id };

	listeners_emit(b->listeners, &ev, b->log);
}

/* The shard is off the identify path (connected, resuming, stopped, backing
 * off): its place in the queue and its key go to the next shard. */
static void
leave_queue(struct bot *b, struct vtime now)
{
	b->reconnect_queued = false;
	if (identq_leave(&b->fleet->idq, b->cfg.shard_id))
		fleet_wake_queue(b->fleet, now);
}

void
session_wait(struct bot *b, struct vtime now, enum bot_wait why, int64_t ms)
{
	if (why != WAIT_QUEUE && why != WAIT_SPACING)
		leave_queue(b, now);
	b->phase = PHASE_WAIT;
	b->wait = why;
	b->wait_total_ms = ms;
	b->deadline = now.mono_ms + ms;
}

static void
stop(struct bot *b, struct vtime now, enum log_level level, const char *why)
{
	leave_queue(b, now);
	b->phase = PHASE_STOPPED;
	b->wait = WAIT_NONE;
	b->deadline = VTIME_NEVER;
	snprintf(b->stop_reason, sizeof(b->stop_reason), "%s", why);
	set_state(b, now, BOT_DISCONNECTED, "stopped: %s", why);
	LOGF(b->log, level, "session", "stopped, not reconnecting: %s", why);
	act_alert(b, "stopped: %s", why);
	act_persist(b);
}

/* Any attempt failed (refused connect, drop, timeout): try again after the
 * formula's delay, keeping the plan (resume or identify). */
static int64_t
backoff_ms(struct bot *b)
{
	return delay_ms(&b->formula, b->failures, b->rng);
}

static void
open_conn(struct bot *b, struct vtime now, const char *base)
{
	char url[BOT_URL_MAX];

	payload_gateway_url(base, !b->cfg.compress ? NULL : b->cfg.zstd ? "zstd-stream" :
	    "zlib-stream", url, sizeof(url));
	if (++b->conn == 0)
		b->conn = 1;
	b->conn_pending = true;
	b->conn_open = false;
	b->stats.connects++;
	b->phase = PHASE_CONNECTING;
	b->deadline = now.mono_ms + b->cfg.hello_timeout_ms;
	LOGF(b->log, LOG_INFO, "session", "attempt %d: %s %s", b->failures + 1,
	    b->resume_plan ? "resuming at" : "connecting to", url);
	act_open(b, url);
}

/* GET /gateway/bot failed; the next attempt waits the formula's delay, and
 * at least min_ms. */
static void
fetch_failed(struct bot *b, struct vtime now, const char *why, int64_t min_ms)
{
	b->fetch_id = 0;
	b->fetch_failures++;
	if (b->fetch_failures >= 3 && b->gateway_url[0] != '\0') {
		/* REST down but maybe not the gateway: vigil's own count still
		 * guards the budget. */
		LOGF(b->log, LOG_WARN, "session",
		    "GET /gateway/bot failed %d times (%s); using the cached gateway URL",
		    b->fetch_failures, why);
		permit_then_open(b, now);
		return;
	}
	b->failures++;
	int64_t ms = backoff_ms(b);
	if (ms < min_ms)
		ms = min_ms;
	LOGF(b->log, LOG_WARN, "session", "GET /gateway/bot failed: %s; next attempt in %lld ms",
	    why, (long long)ms);
	session_wait(b, now, WAIT_BACKOFF, ms);
}

static void
fetch_gateway(struct bot *b, struct vtime now)
{
	struct rlq_global g;
	char err[160];
	uint64_t id;

	id = rlq_submit(b->rest, now, "GET", "/gateway/bot", NULL, TAG_GATEWAY_BOT, b,
	    RLQ_NO_RETRY, err, sizeof(err));
	if (id == 0) {
		/* Refused before anything was sent. After a 401 (a late answer
		 * to an earlier, timed-out fetch can bring one) it always will
		 * be; otherwise nothing here waits on I/O, so a formula of 0
		 * would retry at once, forever (found by fuzz-session). */
		rlq_global_view(b->rest, now, &g);
		if (g.unauthorized)
			stop(b, now, LOG_ERROR, REST_401_WHY);
		else
			fetch_failed(b, now, err, MS_PER_S);
		return;
	}
	b->fetch_id = id;
	b->phase = PHASE_FETCH;
	b->deadline = now.mono_ms + b->cfg.fetch_timeout_ms;
}

/* The budget and the identify queue decide whether an IDENTIFY may go now;
 * if not, wait for the slot and say why. The daily budget is asked first:
 * a shard that has no start to spend must not hold a key others could use. */
static bool
budget_allows(struct bot *b, struct vtime now)
{
	int64_t ms = budget_wait_ms(b->budget, now, b->cfg.shard_id);
	int left = budget_remaining(b->budget, now);

	if (ms > 0 && left <= b->budget->reserve) {
		leave_queue(b, now);
		LOGF(b->log, LOG_WARN, "budget",
		    "%d session starts left (reserve %d): waiting %lld s for a free slot",
		    left, b->budget->reserve, (long long)(ms / MS_PER_S));
		session_wait(b, now, WAIT_BUDGET, ms);
		return false;
	}
	if (!identq_take(&b->fleet->idq, b->cfg.shard_id, budget_max_concurrency(b->budget))) {
		LOGF(b->log, LOG_DEBUG, "budget", "identify queue: shard %d of the key goes first",
		    identq_holder(&b->fleet->idq, b->cfg.shard_id % budget_max_concurrency(b->budget),
		    budget_max_concurrency(b->budget)));
		session_wait(b, now, WAIT_QUEUE, ms > IDQ_RECHECK_MS ? ms : IDQ_RECHECK_MS);
		return false;
	}
	if (ms <= 0)
		return true;
	LOGF(b->log, LOG_DEBUG, "budget", "identify spacing: waiting %lld ms", (long long)ms);
	session_wait(b, now, WAIT_SPACING, ms);
	return false;
}

static void
give_up_resume(struct bot *b, struct vtime now, const char *why)
{
	b->resume_plan = false;
	forget_session(b);
	snprintf(b->identify_reason, sizeof(b->identify_reason), "%s", why);
	set_state(b, now, BOT_RECONNECTING, "%s", why);
	act_persist(b);
}

/* The wait is over: make the next attempt. */
static void
attempt(struct bot *b, struct vtime now)
{
	b->wait = WAIT_NONE;
	b->deadline = VTIME_NEVER;
	if (b->resume_plan &&
	    (!session_has(b) || now.mono_ms - b->lost_mono > b->cfg.resume_window_ms)) {
		LOGF(b->log, LOG_WARN, "session",
		    "resume window passed (%lld s since the connection was lost); starting a new session",
		    (long long)((now.mono_ms - b->lost_mono) / MS_PER_S));
		give_up_resume(b, now, "resume window passed");
	}
	if (b->resume_plan) {
		leave_queue(b, now);
		open_conn(b, now, b->resume_url);
		return;
	}
	if (!budget_allows(b, now))
		return;
	if (b->fleet->nbots > 1 && b->fleet->gateway_url[0] != '\0' &&
	    now.wall_ms - b->fleet->gateway_read_wall < FLEET_READING_FRESH_MS) {
		snprintf(b->gateway_url, sizeof(b->gateway_url), "%s", b->fleet->gateway_url);
		permit_then_open(b, now);
		return;
	}
	fetch_gateway(b, now);
}

/* Carries out b->next once the old connection is gone. */
static void
proceed(struct bot *b, struct vtime now)
{
	b->close_escalations = 0;
	if (b->next.action == POLICY_STOP) {
		stop(b, now, b->next.level, b->next.why);
		return;
	}
	set_state(b, now, b->resume_plan ? BOT_RESUMING : BOT_RECONNECTING, "%s", b->next.why);
	if (b->next.wait_ms > 0) {
		LOGF(b->log, LOG_INFO, "session", "next attempt (%d) in %lld ms: %s",
		    b->failures + 1, (long long)b->next.wait_ms, bot_wait_name(b->next.wait));
		session_wait(b, now, b->next.wait, b->next.wait_ms);
		return;
	}
	attempt(b, now);
}

static void
plan_stop(struct bot *b, const struct policy_row *row)
{
	b->next.action = POLICY_STOP;
	b->next.level = row->level;
	b->next.wait = WAIT_NONE;
	b->next.wait_ms = 0;
	snprintf(b->next.why, sizeof(b->next.why), "%s", row->text);
}

static void
plan_resume(struct bot *b, const struct policy_row *row, bool was_connected)
{
	b->next.action = POLICY_RESUME;
	snprintf(b->next.why, sizeof(b->next.why), "%s", row->text);
	if (was_connected && session_has(b)) {
		/* The first resume after a drop is immediate. */
		b->resume_plan = true;
		b->next.wait = WAIT_NONE;
		b->next.wait_ms = 0;
		return;
	}
	/* An attempt failed: same plan, after the formula's delay. */
	b->resume_plan = b->resume_plan && session_has(b);
	b->failures++;
	b->next.wait = WAIT_BACKOFF;
	b->next.wait_ms = backoff_ms(b);
}

static void
plan_new_session(struct bot *b, struct vtime now, const struct policy_row *row,
    enum policy_cause cause)
{
	/* Discord expects a random 1-5 s after op 9 before identifying. */
	int64_t op9_ms = cause == CAUSE_OP9 ? rng_range(b->rng, 1000, 5000) : 0;

	b->next.action = POLICY_NEW_SESSION;
	snprintf(b->next.why, sizeof(b->next.why), "%s", row->text);
	if (b->resume_plan || session_has(b) || cause == CAUSE_OPERATOR_NEW) {
		/* The server refused the session (or the operator wants a fresh
		 * one): identify, without counting it as a failed attempt. */
		give_up_resume(b, now, row->text);
		b->next.wait = op9_ms > 0 ? WAIT_INVALID_SESSION : WAIT_NONE;
		b->next.wait_ms = op9_ms;
		return;
	}
	/* An IDENTIFY was refused: back off like any failed attempt. */
	snprintf(b->identify_reason, sizeof(b->identify_reason), "%s", row->text);
	b->failures++;
	b->next.wait = WAIT_BACKOFF;
	b->next.wait_ms = backoff_ms(b);
	if (op9_ms > b->next.wait_ms) {
		b->next.wait = WAIT_INVALID_SESSION;
		b->next.wait_ms = op9_ms;
	}
}

static int
close_code_for(enum policy_cause cause)
{
	/* 1000 ends the session on Discord's side: only when vigil means it. */
	return cause == CAUSE_OPERATOR_NEW ? BOT_CLOSE_NORMAL : BOT_CLOSE_RESUMABLE;
}

static void
close_conn(struct bot *b, struct vtime now, int code, const char *reason)
{
	b->phase = PHASE_CLOSING;
	b->wait = WAIT_NONE;
	b->deadline = now.mono_ms + b->cfg.close_timeout_ms;
	hb_stop(&b->hb);
	act_close(b, code, reason);
}

/* A connection ended or must end: log, decide, close if needed, go on. */
static void
end_connection(struct bot *b, struct vtime now, enum policy_cause cause, int code)
{
	const struct policy_row *row = policy_lookup(cause, code);
	bool was_connected = b->phase == PHASE_CONNECTED;

	b->reconnect_queued = false;
	if (cause == CAUSE_CLOSE && row->code == 0)
		LOGF(b->log, row->level, "session", "close code %d (unknown) -> %s (attempt %d)",
		    code, policy_action_name(row->action), b->failures + 1);
	else
		LOGF(b->log, row->level, "session", "%s -> %s (attempt %d)", row->text,
		    policy_action_name(row->action), b->failures + 1);
	if (was_connected) {
		b->lost_mono = now.mono_ms;
		set_state(b, now, BOT_DISCONNECTED, "%s", row->text);
		emit_lifecycle(b, EVENT_LOST_CONNECTION, row->text);
		act_alert(b, "lost connection: %s", row->text);
	}
	if (row->action == POLICY_STOP)
		plan_stop(b, row);
	else if (row->action == POLICY_RESUME)
		plan_resume(b, row, was_connected);
	else
		plan_new_session(b, now, row, cause);
	act_persist(b);
	if (b->conn_open || b->conn_pending) {
		close_conn(b, now, close_code_for(cause), row->text);
		return;
	}
	proceed(b, now);
}

void
session_start(struct bot *b, struct vtime now)
{
	int64_t idle = now.wall_ms - b->last_seen_wall;

	if (session_has(b) && b->resume_url[0] != '\0' && idle >= 0 &&
	    idle < b->cfg.resume_window_ms) {
		b->resume_plan = true;
		b->lost_mono = now.mono_ms - idle;
		set_state(b, now, BOT_RESUMING, "restart: resuming the saved session (%lld s old)",
		    (long long)(idle / MS_PER_S));
	} else {
		if (session_has(b))
			LOGF(b->log, LOG_INFO, "session",
			    "saved session is %lld s old, past the resume window", (long long)(idle / MS_PER_S));
		forget_session(b);
		b->resume_plan = false;
		snprintf(b->identify_reason, sizeof(b->identify_reason), "first start");
		set_state(b, now, BOT_RECONNECTING, "start: new session");
	}
	attempt(b, now);
}

void
session_opened(struct bot *b, struct vtime now)
{
	(void)now;
	b->conn_open = true;
	if (b->phase == PHASE_CONNECTING)
		b->phase = PHASE_HELLO;
}

void
session_closed(struct bot *b, struct vtime now, int code, const char *reason)
{
	bool was_live = b->conn_open || b->conn_pending;

	b->conn_open = false;
	b->conn_pending = false;
	hb_stop(&b->hb);
	if (!was_live)
		return;
	if (b->phase == PHASE_CLOSING) {
		proceed(b, now);
		return;
	}
	if (b->phase < PHASE_CONNECTING || b->phase > PHASE_CONNECTED)
		return;
	if (code == BOT_CLOSE_NONE && b->phase == PHASE_CONNECTING) {
		b->stats.connect_failures++;
		LOGF(b->log, LOG_INFO, "session", "connect failed: %s", reason ? reason : "no reason given");
		end_connection(b, now, CAUSE_CONNECT_FAILED, 0);
		return;
	}
	if (code == BOT_CLOSE_NONE) {
		LOGF(b->log, LOG_DEBUG, "session", "transport closed: %s", reason ? reason : "no reason");
		end_connection(b, now, CAUSE_DROP, 0);
		return;
	}
	b->stats.closes_by_server++;
	end_connection(b, now, CAUSE_CLOSE, code);
}

/* Sends IDENTIFY after charging the budget and persisting it, so a crash
 * right after cannot forget the session start. */
static void
send_identify(struct bot *b, struct vtime now)
{
	char *text;
	size_t len;

	if (!budget_may_identify(b->budget, now, b->cfg.shard_id)) {
		/* Checked before the fetch and after it; still, never spend a
		 * start the budget does not have. */
		b->next.action = POLICY_NEW_SESSION;
		b->next.wait = WAIT_BUDGET;
		b->next.wait_ms = budget_wait_ms(b->budget, now, b->cfg.shard_id);
		snprintf(b->next.why, sizeof(b->next.why), "no session start left");
		close_conn(b, now, BOT_CLOSE_RESUMABLE, "no session start left");
		return;
	}
	cache_wipe_shard(b->cache, b->cfg.shard_id, b->cfg.shard_count);
	b->seq = 0;
	budget_record(b->budget, now, b->cfg.shard_id,
	    b->identify_reason[0] ? b->identify_reason : "new session");
	leave_queue(b, now);
	act_persist(b);
	text = payload_identify(b, &len);
	b->stats.identifies++;
	b->phase = PHASE_IDENTIFYING;
	b->deadline = now.mono_ms + b->cfg.ready_timeout_ms;
	LOGF(b->log, LOG_INFO, "session", "IDENTIFY (session start %d of %d in 24 h)",
	    budget_used(b->budget, now), budget_limit(b->budget));
	if (bot_send_now(b, now, text, len, true) == 0)
		act_mark_identify(b);
}

static void
send_resume(struct bot *b, struct vtime now)
{
	size_t len;
	char *text = payload_resume(b, &len);

	b->stats.resumes_sent++;
	b->replayed = 0;
	b->phase = PHASE_RESUMING;
	b->deadline = now.mono_ms + b->cfg.ready_timeout_ms;
	LOGF(b->log, LOG_INFO, "session", "RESUME session %.12s... at seq %lld",
	    b->session_id, (long long)b->seq);
	bot_send_now(b, now, text, len, true);
}

static void
on_hello(struct bot *b, struct vtime now, const struct frame *f)
{
	int64_t interval = 0;

	if (b->phase != PHASE_HELLO) {
		LOGF(b->log, LOG_WARN, "session", "HELLO in phase %s ignored", bot_phase_name(b->phase));
		return;
	}
	if (!frame_i64(f, frame_get(f, f->d, "heartbeat_interval"), &interval) || interval <= 0) {
		LOGF(b->log, LOG_ERROR, "session", "HELLO without a valid heartbeat_interval");
		end_connection(b, now, CAUSE_PROTOCOL, 0);
		return;
	}
	hb_start(&b->hb, interval, now, b->rng);
	sendlimit_reset(&b->sendlimit, interval);
	if (b->resume_plan)
		send_resume(b, now);
	else
		send_identify(b, now);
}

static void
send_heartbeat(struct bot *b, struct vtime now)
{
	size_t len;
	char *text = payload_heartbeat(b, &len);

	bot_send_now(b, now, text, len, true);
}

static void
connected(struct bot *b, struct vtime now, const char *why)
{
	leave_queue(b, now);
	b->phase = PHASE_CONNECTED;
	b->wait = WAIT_NONE;
	b->deadline = VTIME_NEVER;
	b->failures = 0;
	b->fetch_failures = 0;
	b->stop_reason[0] = '\0';
	set_state(b, now, BOT_CONNECTED, "%s", why);
	act_persist(b);
}

static void
on_ready(struct bot *b, struct vtime now, const struct frame *f)
{
	bool reconnect = b->had_session;

	if (b->phase != PHASE_IDENTIFYING) {
		LOGF(b->log, LOG_WARN, "session", "READY in phase %s ignored", bot_phase_name(b->phase));
		return;
	}
	if (frame_copy_str(f, frame_get(f, f->d, "session_id"), b->session_id,
	    sizeof(b->session_id)) <= 0 ||
	    frame_copy_str(f, frame_get(f, f->d, "resume_gateway_url"), b->resume_url,
	    sizeof(b->resume_url)) <= 0) {
		LOGF(b->log, LOG_ERROR, "session", "READY without session_id or resume_gateway_url");
		forget_session(b);
		end_connection(b, now, CAUSE_PROTOCOL, 0);
		return;
	}
	frame_copy_str(f, frame_get(f, f->d, "user.username"), b->user, sizeof(b->user));
	frame_u64(f, frame_get(f, f->d, "user.id"), &b->user_id);
	b->had_session = true;
	b->stats.readies++;
	connected(b, now, "READY: new session");
	if (reconnect)
		emit_lifecycle(b, EVENT_RECONNECT, "new session: the cache was wiped, events may be missed");
}

static void
on_resumed(struct bot *b, struct vtime now)
{
	if (b->phase != PHASE_RESUMING) {
		LOGF(b->log, LOG_WARN, "session", "RESUMED in phase %s ignored", bot_phase_name(b->phase));
		return;
	}
	b->stats.resumed++;
	char why[BOT_REASON_MAX];

	snprintf(why, sizeof(why), "RESUMED: %llu events replayed", (unsigned long long)b->replayed);
	connected(b, now, why);
	emit_lifecycle(b, EVENT_RESUME, "session resumed: no events missed");
}

static void
on_dispatch(struct bot *b, struct vtime now, const struct frame *f)
{
	struct event ev = { .name = f->t, .frame = f, .shard = b->cfg.shard_id };

	if (strcmp(f->t, "READY") == 0)
		on_ready(b, now, f);
	else if (strcmp(f->t, "RESUMED") == 0)
		on_resumed(b, now);
	else if (b->phase == PHASE_RESUMING) {
		/* Replay is progress: give it time. */
		b->replayed++;
		b->deadline = now.mono_ms + b->cfg.ready_timeout_ms;
	}
	if (b->phase != PHASE_CONNECTED && b->phase != PHASE_RESUMING)
		return;
	if (cache_apply(b->cache, f) < 0)
		LOGF(b->log, LOG_DEBUG, "cache", "%s lacks fields the cache needs", f->t);
	b->stats.events++;
	listeners_emit(b->listeners, &ev, b->log);
}

void
session_frame(struct bot *b, struct vtime now, const struct frame *f)
{
	bool d = false;

	switch (f->op) {
	case 0:
		on_dispatch(b, now, f);
		break;
	case 1:
		hb_requested(&b->hb, now);
		send_heartbeat(b, now);
		break;
	case 7:
		b->stats.op7++;
		end_connection(b, now, CAUSE_OP7, 0);
		break;
	case 9:
		b->stats.op9++;
		frame_bool(f, f->d, &d);
		end_connection(b, now, d ? CAUSE_OP9_RESUMABLE : CAUSE_OP9, 0);
		break;
	case 10:
		on_hello(b, now, f);
		break;
	case 11:
		hb_ack(&b->hb, now);
		break;
	default:
		LOGF(b->log, LOG_DEBUG, "session", "op %d ignored", f->op);
	}
}

/* Reads url and session_start_limit from GET /gateway/bot. */
static int
read_gateway_bot(struct bot *b, struct vtime now, const char *body, size_t len, char *err,
    size_t errlen)
{
	json_t *root = json_loadb(body ? body : "", len, 0, NULL);
	json_t *ssl = json_object_get(root, "session_start_limit");
	const char *url = json_string_value(json_object_get(root, "url"));
	int rc = -1;

	if (url == NULL || strlen(url) >= sizeof(b->gateway_url) - 32 ||
	    (strncmp(url, "wss://", 6) != 0 && strncmp(url, "ws://", 5) != 0)) {
		snprintf(err, errlen, "no usable \"url\" in the response");
	} else if (!json_is_integer(json_object_get(ssl, "remaining")) ||
	    !json_is_integer(json_object_get(ssl, "total"))) {
		snprintf(err, errlen, "no session_start_limit in the response");
	} else {
		json_t *mc = json_object_get(ssl, "max_concurrency");
		snprintf(b->gateway_url, sizeof(b->gateway_url), "%s", url);
		snprintf(b->fleet->gateway_url, sizeof(b->fleet->gateway_url), "%s", url);
		b->fleet->gateway_read_wall = now.wall_ms;
		budget_update_discord(b->budget, now,
		    (int)json_integer_value(json_object_get(ssl, "total")),
		    (int)json_integer_value(json_object_get(ssl, "remaining")),
		    (int64_t)json_number_value(json_object_get(ssl, "reset_after")),
		    json_is_integer(mc) ? (int)json_integer_value(mc) : 1);
		rc = 0;
	}
	json_decref(root);
	return rc;
}

/* Far more shards than Discord recommends: most would sit empty, each
 * costing a session start (docs/design.md "Shards"). Fewer than
 * recommended is Discord's to refuse (close 4011). */
static bool
shards_refused(struct bot *b, const char *body, size_t len, char *err, size_t errlen)
{
	json_t *root = json_loadb(body ? body : "", len, 0, NULL);
	json_int_t rec = json_integer_value(json_object_get(root, "shards"));
	int n = b->cfg.shard_count;

	json_decref(root);
	if (rec < 1 || n <= SHARDS_OVER_FREE || n <= SHARDS_OVER_FACTOR * rec)
		return false;
	snprintf(err, errlen, "shards = %d: more than %d x the %lld Discord recommends", n,
	    SHARDS_OVER_FACTOR, (long long)rec);
	return true;
}

void
session_fetched(struct bot *b, struct vtime now, const struct rlq_done *done, const char *body,
    size_t len)
{
	char err[160];
	int mc;

	if (b->phase != PHASE_FETCH || done->id != b->fetch_id)
		return;
	b->fetch_id = 0;
	if (done->status == 401) {
		stop(b, now, LOG_ERROR, REST_401_WHY);
		return;
	}
	if (done->outcome != RLQ_DONE_OK) {
		fetch_failed(b, now, done->why, 0);
		return;
	}
	mc = budget_max_concurrency(b->budget);
	if (read_gateway_bot(b, now, body, len, err, sizeof(err)) < 0) {
		fetch_failed(b, now, err, 0);
		return;
	}
	/* Until Discord's first reading every shard shares one key. */
	if (budget_max_concurrency(b->budget) != mc)
		fleet_wake_queue(b->fleet, now);
	if (shards_refused(b, body, len, err, sizeof(err))) {
		stop(b, now, LOG_ERROR, err);
		return;
	}
	b->fetch_failures = 0;
	LOGF(b->log, LOG_DEBUG, "budget", "Discord: %d of %d session starts remaining",
	    b->budget->d_remaining, b->budget->d_total);
	if (budget_allows(b, now))
		permit_then_open(b, now);
}

void
session_open_for_identify(struct bot *b, struct vtime now)
{
	open_conn(b, now, b->gateway_url);
}

static void
closing_timed_out(struct bot *b, struct vtime now)
{
	if (b->close_escalations++ == 0) {
		LOGF(b->log, LOG_WARN, "session", "close handshake timed out; dropping the connection");
		b->deadline = now.mono_ms + b->cfg.close_timeout_ms;
		act_close(b, BOT_CLOSE_ABORT, "close timed out");
		return;
	}
	LOGF(b->log, LOG_ERROR, "session",
	    "transport never reported the close of connection %u; going on without it", b->conn);
	b->conn_open = false;
	b->conn_pending = false;
	proceed(b, now);
}

void
session_tick(struct bot *b, struct vtime now)
{
	enum hb_due due = b->conn_open ? hb_check(&b->hb, now) : HB_NOTHING;

	if (due == HB_SEND)
		send_heartbeat(b, now);
	else if (due == HB_ZOMBIE) {
		b->stats.zombies++;
		end_connection(b, now, CAUSE_ZOMBIE, 0);
	}
	if (now.mono_ms < b->deadline)
		return;
	switch (b->phase) {
	case PHASE_WAIT:
		attempt(b, now);
		break;
	case PHASE_FETCH:
		fetch_failed(b, now, "timed out", 0);
		break;
	case PHASE_PERMIT:
		permit_timed_out(b, now);
		break;
	case PHASE_CONNECTING:
	case PHASE_HELLO:
	case PHASE_IDENTIFYING:
	case PHASE_RESUMING:
		end_connection(b, now, CAUSE_TIMEOUT, 0);
		break;
	case PHASE_CLOSING:
		closing_timed_out(b, now);
		break;
	case PHASE_CONNECTED:
		if (b->reconnect_queued) {
			queued_reconnect(b, now);
			break;
		}
		b->deadline = VTIME_NEVER;
		break;
	default:
		b->deadline = VTIME_NEVER;
	}
}

/* A rolling restart: a connected shard keeps its session until its turn
 * in the identify queue comes, then ends it and identifies with the key it
 * now holds. */
static void
queued_reconnect(struct bot *b, struct vtime now)
{
	if (identq_take(&b->fleet->idq, b->cfg.shard_id, budget_max_concurrency(b->budget))) {
		b->reconnect_queued = false;
		end_connection(b, now, CAUSE_OPERATOR_NEW, 0);
		return;
	}
	b->reconnect_queued = true;
	b->deadline = now.mono_ms + IDQ_RECHECK_MS;
}

bool
bot_queued(const struct bot *b)
{
	return b->reconnect_queued || (b->phase == PHASE_WAIT && b->wait == WAIT_QUEUE);
}

static bool
attempt_in_flight(const struct bot *b)
{
	return b->phase == PHASE_FETCH || b->phase == PHASE_PERMIT || b->phase == PHASE_CLOSING ||
	    (b->phase >= PHASE_CONNECTING && b->phase < PHASE_CONNECTED);
}

int
session_cmd_resume(struct bot *b, struct vtime now, char *err, size_t errlen)
{
	if (!session_has(b)) {
		snprintf(err, errlen, "no session to resume (a new one needs `reconnect`)");
		return -1;
	}
	if (attempt_in_flight(b)) {
		snprintf(err, errlen, "an attempt is already in progress (%s)", bot_phase_name(b->phase));
		return -1;
	}
	if (b->phase == PHASE_CONNECTED) {
		end_connection(b, now, CAUSE_OPERATOR_RESUME, 0);
		return 0;
	}
	b->resume_plan = true;
	set_state(b, now, BOT_RESUMING, "operator asked for a resume");
	attempt(b, now);
	return 0;
}

int
session_cmd_reconnect(struct bot *b, struct vtime now, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	if (b->phase == PHASE_CONNECTED) {
		queued_reconnect(b, now);
		if (b->reconnect_queued)
			LOGF(b->log, LOG_INFO, "session",
			    "reconnect queued: %d shards wait for an IDENTIFY before this one",
			    identq_count(&b->fleet->idq, -1, budget_max_concurrency(b->budget)) - 1);
		return 0;
	}
	if (b->phase != PHASE_CLOSING && (b->conn_open || b->conn_pending)) {
		end_connection(b, now, CAUSE_OPERATOR_NEW, 0);
		return 0;
	}
	give_up_resume(b, now, "operator asked for a new session");
	b->next.action = POLICY_NEW_SESSION;
	b->next.wait = WAIT_NONE;
	b->next.wait_ms = 0;
	snprintf(b->next.why, sizeof(b->next.why), "operator asked for a new session");
	/* A close under way goes on; the new plan follows it. The budget still
	 * decides when the IDENTIFY goes. */
	if (b->phase != PHASE_CLOSING)
		attempt(b, now);
	return 0;
}

int
session_cmd_stop(struct bot *b, struct vtime now, char *err, size_t errlen)
{
	if (b->phase == PHASE_STOPPED) {
		snprintf(err, errlen, "already stopped");
		return -1;
	}
	if (b->conn_open || b->conn_pending) {
		end_connection(b, now, CAUSE_OPERATOR_STOP, 0);
		return 0;
	}
	stop(b, now, LOG_INFO, "operator stopped the connection");
	return 0;
}

int
session_cmd_logout(struct bot *b, struct vtime now, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	forget_session(b);
	b->resume_plan = false;
	LOGF(b->log, LOG_INFO, "session", "logout: the session is ended and forgotten");
	if (b->conn_open || b->conn_pending) {
		plan_stop(b, policy_lookup(CAUSE_OPERATOR_STOP, 0));
		snprintf(b->next.why, sizeof(b->next.why), "logged out");
		close_conn(b, now, BOT_CLOSE_NORMAL, "logout");
		act_persist(b);
		return 0;
	}
	if (b->phase != PHASE_STOPPED)
		stop(b, now, LOG_INFO, "logged out");
	act_persist(b);
	return 0;
}
