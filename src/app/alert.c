/*
 * The alert policy. A quick resume pages nobody: DOWN waits alert_after
 * and is only raised if the outage lasts; UP only follows an alerted
 * outage. Every other kind is raised on its rising edge.
 */
#include <stdio.h>
#include <string.h>

#include "app/alert.h"

static const char *const kind_names[ALERT_KINDS] = {
	"down", "up", "fatal", "budget", "ban", "script", "cluster"
};

const char *
alert_kind_name(enum alert_kind k)
{
	return k < ALERT_KINDS ? kind_names[k] : "?";
}

void
alerts_init(struct alerts *al, int64_t after_ms, int64_t interval_ms)
{
	memset(al, 0, sizeof(*al));
	al->after_ms = after_ms > 0 ? after_ms : ALERT_AFTER_MS;
	al->interval_ms = interval_ms > 0 ? interval_ms : ALERT_INTERVAL_MS;
}

static void
enqueue(struct alerts *al, const struct alert_msg *m)
{
	if (al->count == ALERT_QUEUE) {
		al->head = (al->head + 1) % ALERT_QUEUE;        /* the oldest goes */
		al->count--;
		al->dropped++;
	}
	al->q[(al->head + al->count) % ALERT_QUEUE] = *m;
	al->count++;
	al->queued++;
}

static void
release(struct alerts *al, enum alert_kind k, int64_t now_mono)
{
	al->hold[k].folded = al->folded[k] - 1;
	enqueue(al, &al->hold[k]);
	al->sent_at[k] = now_mono;
	al->held[k] = false;
	al->folded[k] = 0;
}

static void
raise_msg(struct alerts *al, struct alert_msg *m)
{
	enum alert_kind k = m->kind;

	al->raised++;
	if (al->sent_at[k] == 0 || m->mono_ms - al->sent_at[k] >= al->interval_ms) {
		m->folded = 0;
		enqueue(al, m);
		al->sent_at[k] = m->mono_ms;
		return;
	}
	al->hold[k] = *m;
	al->held[k] = true;
	al->folded[k]++;
}

void
alerts_raise(struct alerts *al, enum alert_kind kind, struct vtime now, const char *state,
    int shard, const char *text, const char *detail)
{
	struct alert_msg m;

	memset(&m, 0, sizeof(m));
	m.kind = kind;
	m.mono_ms = now.mono_ms;
	m.wall_ms = now.wall_ms;
	m.since_mono = al->down_since;
	m.shard = shard;
	snprintf(m.state, sizeof(m.state), "%s", state);
	snprintf(m.text, sizeof(m.text), "%s", text);
	snprintf(m.detail, sizeof(m.detail), "%s", detail != NULL ? detail : "");
	raise_msg(al, &m);
}

static void
fmt_dur(int64_t ms, char *buf, size_t len)
{
	int64_t s = (ms + 500) / 1000;

	if (s < 120)
		snprintf(buf, len, "%llds", (long long)s);
	else if (s < 7200)
		snprintf(buf, len, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
	else
		snprintf(buf, len, "%lldh%02lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
}

static void
outage(struct alerts *al, const struct alert_view *v, struct vtime now)
{
	char text[ALERT_TEXT_MAX], dur[32];
	bool up = v->state == BOT_CONNECTED;

	if (!up && !al->down && !v->operator_stop) {
		al->down = true;
		al->down_alerted = false;
		al->down_since = now.mono_ms;
	}
	if (al->down && !up && !al->down_alerted && !v->operator_stop &&
	    now.mono_ms - al->down_since >= al->after_ms) {
		fmt_dur(now.mono_ms - al->down_since, dur, sizeof(dur));
		snprintf(text, sizeof(text), "shard %d disconnected for %s (%s): %s", v->shard, dur,
		    bot_state_name(v->state), v->last_reason);
		alerts_raise(al, ALERT_DOWN, now, bot_state_name(v->state), v->shard, text,
		    v->last_reason);
		al->down_alerted = true;
	}
	if (al->down && (up || v->operator_stop)) {
		if (up && al->down_alerted) {
			fmt_dur(now.mono_ms - al->down_since, dur, sizeof(dur));
			snprintf(text, sizeof(text), "shard %d back online after %s down (%s)",
			    v->shard, dur, v->resumed ? "resumed the session" : "a new session");
			alerts_raise(al, ALERT_UP, now, bot_state_name(v->state), v->shard, text,
			    v->resumed ? "resumed" : "new session");
		}
		al->down = false;
	}
}

/* Rising edges of the other kinds. */
static void
edges(struct alerts *al, const struct alert_view *v, struct vtime now)
{
	const struct alert_view *o = &al->last;
	const char *st = bot_state_name(v->state);
	char text[ALERT_TEXT_MAX];

	if (v->stopped && !v->operator_stop && !(al->seen && o->stopped)) {
		snprintf(text, sizeof(text), "shard %d stopped, not reconnecting: %s", v->shard,
		    v->stop_reason);
		alerts_raise(al, ALERT_FATAL, now, st, v->shard, text, v->stop_reason);
	}
	if (v->unauthorized && !(al->seen && o->unauthorized))
		alerts_raise(al, ALERT_FATAL, now, st, v->shard,
		    "REST answered 401: the token was refused; REST stopped until restart",
		    "REST 401");
	if (v->budget_wait && !(al->seen && o->budget_wait)) {
		snprintf(text, sizeof(text), "shard %d waiting for session starts (budget down to "
		    "the reserve or spent)", v->shard);
		alerts_raise(al, ALERT_BUDGET, now, st, v->shard, text, "session starts");
	}
	if (v->cluster_wait && !(al->seen && o->cluster_wait)) {
		snprintf(text, sizeof(text), "shard %d needs a new session and the cluster store "
		    "is unreachable: no IDENTIFY without the shared budget", v->shard);
		alerts_raise(al, ALERT_CLUSTER, now, st, v->shard, text, "cluster store unreachable");
	}
	if (v->banned && !(al->seen && o->banned))
		alerts_raise(al, ALERT_BAN, now, st, v->shard,
		    "REST frozen: a Cloudflare ban (429 without rate-limit headers)", "cloudflare");
}

void
alerts_observe(struct alerts *al, const struct alert_view *v, struct vtime now)
{
	outage(al, v, now);
	edges(al, v, now);
	for (int k = 0; k < ALERT_KINDS; k++) {
		if (al->held[k] && now.mono_ms - al->sent_at[k] >= al->interval_ms)
			release(al, (enum alert_kind)k, now.mono_ms);
	}
	al->last = *v;
	al->seen = true;
}

int64_t
alerts_deadline(const struct alerts *al)
{
	int64_t t = VTIME_NEVER;

	if (al->down && !al->down_alerted)
		t = al->down_since + al->after_ms;
	for (int k = 0; k < ALERT_KINDS; k++) {
		if (al->held[k] && al->sent_at[k] + al->interval_ms < t)
			t = al->sent_at[k] + al->interval_ms;
	}
	return t;
}

const struct alert_msg *
alerts_peek(const struct alerts *al)
{
	return al->count > 0 ? &al->q[al->head] : NULL;
}

void
alerts_pop(struct alerts *al)
{
	if (al->count == 0)
		return;
	al->head = (al->head + 1) % ALERT_QUEUE;
	al->count--;
}
