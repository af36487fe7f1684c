/*
 * The machine-readable state, shared by `vigil ctl status --json`,
 * /healthz and /readyz (docs/operations.md): one snapshot of the core,
 * the loop's lag and the process's uptime, as one JSON object a line.
 */
#include <jansson.h>
#include <stdlib.h>
#include <unistd.h>

#include "app/app-internal.h"

bool
app_ready(const struct app *a, char *why, size_t whylen)
{
	const struct bot *b = app_worst(a);

	if (b->state == BOT_CONNECTED)
		return true;
	if (b->phase == PHASE_STOPPED)
		snprintf(why, whylen, "stopped: %s", b->stop_reason);
	else if (b->wait != WAIT_NONE)
		snprintf(why, whylen, "%s, waiting (%s) for attempt %d", bot_state_name(b->state),
		    bot_wait_name(b->wait), b->failures + 1);
	else
		snprintf(why, whylen, "%s, %s", bot_state_name(b->state), bot_phase_name(b->phase));
	return false;
}

static json_t *
budget_json(const struct bot_snapshot *v)
{
	return json_pack("{s:i,s:i,s:i,s:i}", "used", v->budget_used, "remaining",
	    v->budget_remaining, "limit", v->budget_limit, "reserve", v->budget_reserve);
}

static json_t *
rest_json(const struct bot_snapshot *v)
{
	const struct rlq_global *g = &v->rest;

	return json_pack("{s:i,s:i,s:I,s:I,s:i,s:b,s:b}", "pending", g->pending, "inflight",
	    g->inflight, "sent", (json_int_t)g->sent, "hits429", (json_int_t)g->hits429,
	    "invalid_10min", g->invalid_10min, "banned", g->banned, "unauthorized",
	    g->unauthorized);
}

char *
app_status_json(struct app *a)
{
	struct vtime now = loop_now();
	struct bot_snapshot *v = malloc(sizeof(*v));
	char why[BOT_REASON_MAX + 64] = "";
	bool ready;
	json_t *o;
	char *text;

	if (v == NULL)
		return NULL;
	bot_snapshot(app_worst(a), now, v);
	ready = app_ready(a, why, sizeof(why));
	o = json_pack("{s:s,s:I,s:s,s:s,s:s,s:b,s:s,s:f,s:f,s:I,s:[i,i],s:s,s:b,s:I,s:I,s:o,s:o,s:s}",
	    "version", VIGIL_VERSION, "pid", (json_int_t)getpid(), "endpoint", a->label,
	    "state", bot_state_name(v->state), "phase", bot_phase_name(v->phase), "ready", ready,
	    "reason", why, "in_state_seconds", (double)v->in_state_ms / 1000.0,
	    "uptime_seconds", (double)(now.mono_ms - a->start_mono) / 1000.0,
	    "loop_lag_ms", (json_int_t)a->loop.lag_ms, "shard", v->shard_id,
	    v->shard_count > 0 ? v->shard_count : 1, "user", v->user, "session", v->has_session,
	    "seq", (json_int_t)v->seq, "rtt_ms", (json_int_t)v->rtt_ms,
	    "budget", budget_json(v), "rest", rest_json(v), "ctl_socket", app_ctl_path(a));
	free(v);
	if (o == NULL)
		return NULL;
	text = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(6));
	json_decref(o);
	return text;
}
