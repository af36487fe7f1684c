/*
 * The invariants of docs/design.md, checked after every step and on every
 * action, each with a message that says what broke and by how much.
 * check-seq.c has 3 and 6, check-rest.c has 5; here:
 *   1  one live connection: no ACT_OPEN while a conn is not reported closed
 *   2  session starts: every IDENTIFY sent, by any instance, counted over a
 *      rolling 24 h against the limit; a restarted instance counts at least
 *      as many as were sent; the emulator never resets the token
 *   4  the cache: wiped once per IDENTIFY and flushed once per operator
 *      flush, and otherwise never loses a guild
 *   7  a fatal close stops the bot, alerts the operator, and nothing
 *      connects again until the operator (or a restart) says so
 *   8  the token: only in IDENTIFY and RESUME, never in a URL, a REST
 *      request, an alert, a log line or the state file
 * and liveness: a waiting phase always has a deadline, and once faults stop
 * the bot is connected within LIVE_BOUND unless the budget holds it.
 */
#include <string.h>

#include "world.h"

bool
check_token_free(struct world *w, const char *what, const char *s, size_t len)
{
	size_t n = strlen(w->token);

	if (s == NULL || len < n || memmem(s, len, w->token, n) == NULL)
		return true;
	dst_fail(w, "invariant 8: the token appears in %s", what);
	return false;
}

/* The op of a payload the bot built ("{"op":N,..."), or -1. */
static int
payload_op(const char *p, size_t len)
{
	int op = 0;
	size_t i = 6;

	if (len < 7 || memcmp(p, "{\"op\":", 6) != 0)
		return -1;
	for (; i < len && p[i] >= '0' && p[i] <= '9'; i++)
		op = op * 10 + (p[i] - '0');
	return i > 6 ? op : -1;
}

static void
record_identify(struct world *w)
{
	int64_t now = w->now.wall_ms;
	int n = 0;

	if (w->ident_count == DST_IDENT_MAX) {
		w->ident_head = (w->ident_head + 1) % DST_IDENT_MAX;
		w->ident_count--;
	}
	w->identify_wall[(w->ident_head + w->ident_count++) % DST_IDENT_MAX] = now;
	w->st.identifies++;
	for (int i = 0; i < w->ident_count; i++)
		n += now - w->identify_wall[(w->ident_head + i) % DST_IDENT_MAX] < BUDGET_WINDOW_MS;
	if (n > w->prof.bot_limit && now - w->corrupt_wall >= BUDGET_WINDOW_MS)
		dst_fail(w, "invariant 2: %d IDENTIFYs in the last 24 h, the limit is %d", n,
		    w->prof.bot_limit);
}

static void
check_send(struct world *w, const struct action *a)
{
	int op = payload_op(a->payload, a->payload_len);

	dst_trace(w, "bot: send conn %u %.*s", a->conn,
	    (int)(a->payload_len < 90 ? a->payload_len : 90), a->payload);
	if (op != 2 && op != 6)
		check_token_free(w, "a gateway payload other than IDENTIFY/RESUME",
		    a->payload, a->payload_len);
	if (op == 2)
		record_identify(w);
}

void
check_action(struct world *w, const struct action *a)
{
	switch (a->kind) {
	case ACT_OPEN:
		dst_trace(w, "bot: open conn %u %s", a->conn, a->text);
		check_token_free(w, "a gateway URL", a->text, strlen(a->text));
		if (gw_live_links(w) > 0)
			dst_fail(w, "invariant 1: ACT_OPEN of conn %u while another connection "
			    "is not closed", a->conn);
		if (w->stopped_expected)
			dst_fail(w, "invariant 7: ACT_OPEN of conn %u after a stop (%s)", a->conn,
			    w->bot->stop_reason);
		break;
	case ACT_SEND:
		check_send(w, a);
		break;
	case ACT_CLOSE:
		dst_trace(w, "bot: close conn %u code %d (%s)", a->conn, a->close_code, a->text);
		check_token_free(w, "a close reason", a->text, strlen(a->text));
		break;
	case ACT_HTTP:
		dst_trace(w, "bot: http %llu %s %s", (unsigned long long)a->http_id, a->method,
		    a->path);
		check_token_free(w, "a REST path", a->path, strlen(a->path));
		check_token_free(w, "a REST body", a->body, a->body_len);
		break;
	case ACT_PERSIST:
		break;
	case ACT_ALERT:
		dst_trace(w, "bot: alert %s", a->text);
		check_token_free(w, "an alert", a->text, strlen(a->text));
		break;
	case ACT_PERMIT:
		dst_trace(w, "bot: permit %llu shard %d key %d", (unsigned long long)a->permit_id,
		    a->shard, a->key);
		break;
	}
}

static bool
fatal_code(int code)
{
	return code == 4004 || (code >= 4010 && code <= 4014);
}

static bool
alert_queued(const struct bot *b)
{
	for (size_t i = 0; i < b->act_count; i++) {
		if (b->actions[(b->act_head + i) % b->act_cap].kind == ACT_ALERT)
			return true;
	}
	return false;
}

void
check_close_delivered(struct world *w, const struct link *l, int code, int phase_before)
{
	const struct bot *b = w->bot;
	char num[16];

	snprintf(num, sizeof(num), "%d", code);
	dst_trace(w, "close: conn %u code %d reaches the bot (was %s, now %s)", l->conn, code,
	    bot_phase_name((enum bot_phase)phase_before), bot_phase_name(b->phase));
	if (!fatal_code(code) || b->conn != l->conn || phase_before < PHASE_HELLO ||
	    phase_before > PHASE_CONNECTED)
		return;
	w->st.stops++;
	if (b->phase != PHASE_STOPPED)
		dst_fail(w, "invariant 7: close %d did not stop the bot (phase %s)", code,
		    bot_phase_name(b->phase));
	else if (!alert_queued(b))
		dst_fail(w, "invariant 7: close %d stopped the bot without telling the operator",
		    code);
	else if (strstr(b->stop_reason, num) == NULL)
		dst_fail(w, "invariant 7: close %d stopped the bot, but the reason says \"%s\"",
		    code, b->stop_reason);
	w->stopped_expected = true;
}

void
check_boot(struct world *w, int sent, bool corrupt)
{
	const struct bot *b = w->bot;
	int used = budget_used(b->budget, dst_bot_now(w));

	if (corrupt) {
		w->corrupt_wall = w->now.wall_ms;
		if (used < w->cfg.budget_assume_on_corrupt)
			dst_fail(w, "invariant 2: a corrupt state file left %d starts counted, "
			    "not the assumed %d", used, w->cfg.budget_assume_on_corrupt);
		return;
	}
	/* Within a day of a corrupt file the count is an assumption. */
	if (used < sent && w->now.wall_ms - w->corrupt_wall >= BUDGET_WINDOW_MS)
		dst_fail(w, "invariant 2: after a restart the bot counts %d session starts in "
		    "24 h, but %d IDENTIFYs were sent", used, sent);
}

static void
check_token_resets(struct world *w)
{
	uint64_t k = sim_counters(w->sim)->token_resets;

	if (k <= w->token_resets_injected + w->st.stale_token_resets)
		return;
	/* Another process spent the budget after vigil's last reading of
	 * Discord's count (a stale answer does not count as a reading: the
	 * core ignores it), REST was down, so vigil identified on its own
	 * count and that reading: a design
	 * choice (session.c, fetch_failed), counted in the summary. The
	 * operator gets a new token at the next calm. */
	if (w->bot == NULL || !w->bot->budget->discord_known ||
	    w->pressure_wall > w->bot->budget->d_seen_wall_ms) {
		w->st.stale_token_resets++;
		w->token_reset_pending = true;
		dst_trace(w, "token reset: IDENTIFY on a stale Discord count");
		return;
	}
	dst_fail(w, "invariant 2: the emulator reset the token: an IDENTIFY went past "
	    "Discord's session-start limit");
}

static void
check_cache(struct world *w)
{
	struct cache_stats cs;
	const struct bot *b = w->bot;

	cache_get_stats(b->cache, &cs);
	if (cs.wipes != b->stats.identifies)
		dst_fail(w, "invariant 4: %llu cache wipes for %llu IDENTIFYs",
		    (unsigned long long)cs.wipes, (unsigned long long)b->stats.identifies);
	else if (cs.flushes != w->flushes)
		dst_fail(w, "invariant 4: %llu cache flushes for %llu operator flushes",
		    (unsigned long long)cs.flushes, (unsigned long long)w->flushes);
	else if (cs.wipes == w->cache_wipes && cs.flushes == w->cache_flushes &&
	    cs.entries[CACHE_GUILD] < w->cache_guilds)
		dst_fail(w, "invariant 4: the cache lost guilds (%zu -> %zu) without a wipe or "
		    "flush", w->cache_guilds, cs.entries[CACHE_GUILD]);
	w->cache_wipes = cs.wipes;
	w->cache_flushes = cs.flushes;
	w->cache_guilds = cs.entries[CACHE_GUILD];
}

static void
check_log(struct world *w)
{
	const struct logring *r = w->bot->log;

	if (w->log_seq < logring_first_seq(r))
		w->log_seq = logring_first_seq(r);
	for (; w->log_seq < r->next_seq; w->log_seq++) {
		const struct log_entry *e = logring_get(r, w->log_seq);

		if (e != NULL && !check_token_free(w, "a log line", e->text, strlen(e->text)))
			return;
	}
}

static void
check_phase(struct world *w)
{
	const struct bot *b = w->bot;

	switch (b->phase) {
	case PHASE_WAIT:
	case PHASE_FETCH:
	case PHASE_CONNECTING:
	case PHASE_HELLO:
	case PHASE_IDENTIFYING:
	case PHASE_RESUMING:
	case PHASE_CLOSING:
		if (b->deadline == VTIME_NEVER)
			dst_fail(w, "liveness: phase %s has no deadline: nothing will move it",
			    bot_phase_name(b->phase));
		break;
	default:
		break;
	}
}

/*
 * Every wait is the one announced: a backoff is what the formula gives for
 * the attempt (within the spread of rand(): at most twice its midpoint), a
 * budget wait has no start left to spend, a spacing wait is at most 5 s, an
 * op 9 wait 1-5 s. Checked once per wait, when it begins.
 */
static void
check_wait(struct world *w)
{
	const struct bot *b = w->bot;
	struct vtime now = dst_bot_now(w);
	int64_t mid;

	if (b->phase != PHASE_WAIT || b->deadline == w->wait_seen)
		return;
	w->wait_seen = b->deadline;
	switch (b->wait) {
	case WAIT_BACKOFF:
		mid = delay_ms(&b->formula, b->failures, NULL);
		if (b->wait_total_ms > 2 * mid + MS_PER_S)
			dst_fail(w, "liveness: a backoff of %lld ms before attempt %d, the formula "
			    "%s gives %lld", (long long)b->wait_total_ms, b->failures + 1,
			    b->formula.text, (long long)mid);
		break;
	case WAIT_BUDGET:
		if (budget_remaining(b->budget, now) > b->budget->reserve)
			dst_fail(w, "liveness: waiting %lld s for the budget with %d starts left "
			    "(reserve %d)", (long long)(b->wait_total_ms / MS_PER_S),
			    budget_remaining(b->budget, now), b->budget->reserve);
		break;
	case WAIT_SPACING:
		if (b->wait_total_ms > BUDGET_SPACING_MS)
			dst_fail(w, "liveness: an identify-spacing wait of %lld ms",
			    (long long)b->wait_total_ms);
		break;
	case WAIT_INVALID_SESSION:
		if (b->wait_total_ms < MS_PER_S || b->wait_total_ms > 5 * MS_PER_S)
			dst_fail(w, "liveness: an op 9 wait of %lld ms, not 1-5 s",
			    (long long)b->wait_total_ms);
		break;
	default:
		break;
	}
}

/* With no fault left, nothing should take a settled connection down. */
static void
check_settled(struct world *w)
{
	const struct bot *b = w->bot;
	const struct bot_transition *t;

	if (!w->calm_settled || (b != NULL && b->state == BOT_CONNECTED))
		return;
	if (b == NULL || b->history_count == 0) {
		dst_fail(w, "liveness: the bot went away with no fault going on");
		return;
	}
	t = &b->history[(b->history_head + b->history_count - 1) % BOT_HISTORY];
	dst_fail(w, "liveness: the connection was lost with no fault going on: %s -> %s: %s",
	    bot_state_name(t->from), bot_state_name(t->to), t->reason);
}

void
check_step(struct world *w)
{
	check_token_resets(w);
	check_settled(w);
	if (w->bot == NULL || w->failed)
		return;
	if (gw_live_links(w) > 1)
		dst_fail(w, "invariant 1: %d connections live at once", gw_live_links(w));
	if (w->bot->stats.seq_gaps != 0)
		dst_fail(w, "invariant 3: the bot counted %llu sequence gaps",
		    (unsigned long long)w->bot->stats.seq_gaps);
	check_cache(w);
	check_log(w);
	check_phase(w);
	check_wait(w);
	zombie_check(w);
}

/* The operator has not made it impossible, and the budget does not hold it. */
static bool
excused(struct world *w)
{
	const struct bot *b = w->bot;
	struct vtime now = dst_bot_now(w);

	return b->wait == WAIT_BUDGET ||
	    budget_remaining(b->budget, now) <= b->budget->reserve;
}

void
check_calm(struct world *w)
{
	const struct bot *b = w->bot;

	if (b == NULL) {
		dst_fail(w, "liveness: the bot is not running %lld min after the faults stopped",
		    (long long)((w->now.mono_ms - w->calm_since) / MS_PER_MIN));
		return;
	}
	rc_calm(w);
	if (b->state == BOT_CONNECTED) {
		w->st.calm_connected++;
		w->calm_settled = true;
		return;
	}
	if (excused(w)) {
		w->st.calm_excused++;
		dst_trace(w, "calm: not connected, waiting for the budget");
		return;
	}
	dst_fail(w, "liveness: not connected %lld min after the faults stopped: %s, phase %s, "
	    "wait %s, attempt %d, %s", (long long)((w->now.mono_ms - w->calm_since) / MS_PER_MIN),
	    bot_state_name(b->state), bot_phase_name(b->phase), bot_wait_name(b->wait),
	    b->failures + 1, b->stop_reason[0] ? b->stop_reason : "no stop reason");
}

void
check_end(struct world *w)
{
	rc_end(w);
}
