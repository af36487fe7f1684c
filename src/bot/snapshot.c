/*
 * The console's snapshot of the core (bot_view) and the names of states,
 * phases and waits. Copying out keeps drawing away from live state: the
 * console can take its time with a view while the loop goes on.
 */
#include <stdio.h>
#include <string.h>

#include "bot/bot-internal.h"

const char *
bot_state_name(enum bot_state s)
{
	static const char *const names[] = { "Connected", "Disconnected", "Resuming", "Reconnecting" };

	return (unsigned)s < BOT_STATES ? names[s] : "?";
}

const char *
bot_phase_name(enum bot_phase p)
{
	static const char *const names[] = {
		"idle", "waiting", "fetching /gateway/bot", "waiting for the cluster's permit",
		"connecting", "waiting for HELLO",
		"identifying", "resuming", "connected", "closing", "stopped",
	};

	return (unsigned)p <= PHASE_STOPPED ? names[p] : "?";
}

const char *
bot_wait_name(enum bot_wait w)
{
	static const char *const names[] = {
		"none", "backoff (delay formula)", "invalid session (random 1-5 s)",
		"session-start budget", "identify spacing (5 s)", "cluster store unreachable",
	};

	return (unsigned)w <= WAIT_CLUSTER ? names[w] : "?";
}

static void
view_budget(const struct bot *b, struct vtime now, struct bot_snapshot *v)
{
	const struct budget *bu = b->budget;
	int64_t free_at = budget_next_free_wall(bu, now);

	v->budget_used = budget_used(bu, now);
	v->budget_limit = budget_limit(bu);
	v->budget_remaining = budget_remaining(bu, now);
	v->budget_reserve = bu->reserve;
	v->discord_known = bu->discord_known;
	v->d_total = bu->d_total;
	v->d_remaining = bu->d_remaining;
	v->d_max_concurrency = bu->d_max_concurrency;
	v->d_reset_in_ms = bu->discord_known ? bu->d_reset_wall_ms - now.wall_ms : 0;
	v->next_free_in_ms = free_at > 0 ? free_at - now.wall_ms : -1;
	v->projection = b->projection;
	v->projection_exhausts = v->projection > v->budget_remaining - v->budget_reserve;
	v->nrecent = budget_recent(bu, now, v->recent, (int)(sizeof(v->recent) / sizeof(v->recent[0])));
}

static void
view_countdown(const struct bot *b, struct vtime now, struct bot_snapshot *v)
{
	v->wait = b->phase == PHASE_WAIT ? b->wait : WAIT_NONE;
	v->attempt = b->phase == PHASE_CONNECTED || b->phase == PHASE_STOPPED ||
	    b->phase == PHASE_IDLE ? 0 : b->failures + 1;
	v->wait_total_ms = v->wait != WAIT_NONE ? b->wait_total_ms : 0;
	v->wait_left_ms = v->wait != WAIT_NONE ? b->deadline - now.mono_ms : 0;
	if (v->wait_left_ms < 0)
		v->wait_left_ms = 0;
	v->formula = b->formula;
}

void
bot_snapshot(const struct bot *b, struct vtime now, struct bot_snapshot *v)
{
	memset(v, 0, sizeof(*v));
	v->state = b->state;
	v->phase = b->phase;
	v->in_state_ms = now.mono_ms - b->state_since;
	memcpy(v->counts, b->counts, sizeof(v->counts));
	v->has_last = b->history_count > 0;
	if (v->has_last)
		v->last = b->history[(b->history_head + b->history_count - 1) % BOT_HISTORY];
	v->stopped = b->phase == PHASE_STOPPED;
	memcpy(v->stop_reason, b->stop_reason, sizeof(v->stop_reason));
	view_countdown(b, now, v);
	view_budget(b, now, v);
	v->has_session = session_has(b);
	memcpy(v->session_id, b->session_id, sizeof(v->session_id));
	v->seq = b->seq;
	memcpy(v->gateway_url, b->gateway_url, sizeof(v->gateway_url));
	memcpy(v->user, b->user, sizeof(v->user));
	v->shard_id = b->cfg.shard_id;
	v->shard_count = b->cfg.shard_count;
	v->hb_interval_ms = b->hb.interval_ms;
	v->rtt_ms = b->hb.last_rtt_ms;
	v->hb_next_in_ms = b->hb.next_at == VTIME_NEVER ? -1 : b->hb.next_at - now.mono_ms;
	v->ack_pending = b->hb.awaiting_ack;
	v->stats = b->stats;
	v->stats.listener_failures = b->listeners->failures;
	v->stats.malformed = b->decoder.malformed;
	cache_get_stats(b->cache, &v->cache);
	rlq_global_view(b->rest, now, &v->rest);
	v->log_dropped = b->log->dropped;
}

int
bot_history(const struct bot *b, struct bot_transition *out, int max)
{
	int n = b->history_count < max ? b->history_count : max;
	int skip = b->history_count - n;

	for (int i = 0; i < n; i++)
		out[i] = b->history[(b->history_head + skip + i) % BOT_HISTORY];
	return n;
}
