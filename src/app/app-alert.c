/*
 * Webhook alerts, the delivery (docs/operations.md): the policy (alert.c)
 * queues, this sends one at a time with rest_hook on the loop's curl
 * multi, never with the bot's token, so an alert never waits on or delays
 * the gateway. A 429 waits what the answer says; a 5xx or a transport
 * error backs off 1, 2, 4 ... 60 s, ALERT_TRIES times at most; another 4xx
 * drops the alert. The URL holds a secret: it is never logged, only its
 * kind (a Discord webhook, or another URL) and the webhook's id.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/app-internal.h"

#define ALERT_TRIES        6
#define ALERT_BACKOFF_MAX  (60 * MS_PER_S)

/* ".../api/webhooks/ID/TOKEN" or ".../api/vN/webhooks/ID/TOKEN": Discord's
 * body. *id gets the id (not secret) for the log. */
static bool
discord_url(const char *url, char *id, size_t idlen)
{
	const char *p = strstr(url, "/api/");
	size_t n;

	if (p == NULL)
		return false;
	p += 5;
	if (*p == 'v' && isdigit((unsigned char)p[1])) {
		while (*++p != '/' && *p != '\0')
			;
		p++;
	}
	if (strncmp(p, "webhooks/", 9) != 0)
		return false;
	p += 9;
	n = strspn(p, "0123456789");
	if (n == 0 || p[n] != '/' || p[n + 1] == '\0')
		return false;
	snprintf(id, idlen, "%.*s", (int)n, p);
	return true;
}

void
app_alert_start(struct app *a)
{
	char id[32] = "";

	if (a->cfg.alert_webhook[0] == '\0')
		return;
	alerts_init(&a->alerts, a->cfg.alert_after_ms, a->cfg.alert_interval_ms);
	a->alert_on = true;
	a->alert_discord = discord_url(a->cfg.alert_webhook, id, sizeof(id));
	LOGF(app_log(a), LOG_INFO, "alert", "alerts to %s%s, after %llds down, one per kind per "
	    "%llds", a->alert_discord ? "the Discord webhook " : "a webhook (generic JSON)", id,
	    (long long)(a->alerts.after_ms / 1000), (long long)(a->alerts.interval_ms / 1000));
}

void
app_alert_script_disabled(struct app *a, const char *script, const char *why)
{
	char text[ALERT_TEXT_MAX];

	if (!a->alert_on)
		return;
	snprintf(text, sizeof(text), "bot script %s disabled: %s", script, why);
	alerts_raise(&a->alerts, ALERT_SCRIPT, loop_now(), bot_state_name(app_worst(a)->state),
	    app_worst(a)->cfg.shard_id, text, script);
	app_kick(a);
}

static void
fill_view(struct app *a, struct alert_view *v, struct vtime now)
{
	const struct bot *b = app_worst(a);
	struct rlq_global g;

	memset(v, 0, sizeof(*v));
	v->state = b->state;
	v->stopped = b->phase == PHASE_STOPPED;
	v->operator_stop = a->quitting;
	snprintf(v->stop_reason, sizeof(v->stop_reason), "%s", b->stop_reason);
	v->budget_wait = b->wait == WAIT_BUDGET;
	v->cluster_wait = b->wait == WAIT_CLUSTER;
	rlq_global_view(b->rest, now, &g);
	v->banned = g.banned;
	v->unauthorized = g.unauthorized;
	v->shard = b->cfg.shard_id;
	if (b->history_count > 0) {
		const struct bot_transition *t =
		    &b->history[(b->history_head + BOT_HISTORY - 1) % BOT_HISTORY];
		snprintf(v->last_reason, sizeof(v->last_reason), "%s", t->reason);
		v->resumed = strncmp(t->reason, "RESUMED", 7) == 0;
	}
}

static void
iso_time(int64_t wall_ms, char *buf, size_t len)
{
	time_t t = (time_t)(wall_ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static char *
body(const struct app *a, const struct alert_msg *m)
{
	char text[ALERT_TEXT_MAX + 96], when[32], *out;
	json_t *o;

	iso_time(m->wall_ms, when, sizeof(when));
	snprintf(text, sizeof(text), "vigil: %s", m->text);
	if (m->folded > 0)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
		    " (and %d more %s alert%s in the last %llds)", m->folded,
		    alert_kind_name(m->kind), m->folded == 1 ? "" : "s",
		    (long long)(a->alerts.interval_ms / 1000));
	if (a->alert_discord)
		o = json_pack("{s:s,s:s,s:{s:[]}}", "content", text, "username", "vigil",
		    "allowed_mentions", "parse");
	else
		o = json_pack("{s:s,s:s,s:s,s:i,s:s,s:s,s:i}", "text", text, "event",
		    alert_kind_name(m->kind), "state", m->state, "shard", m->shard, "time", when,
		    "detail", m->detail, "folded", m->folded);
	out = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return out;
}

static void
settle(struct app *a, bool sent, const char *why)
{
	const struct alert_msg *m = alerts_peek(&a->alerts);

	if (sent) {
		/* DOWN: how long after the disconnect the alert left. */
		a->alert_latency_ms = a->alert_sent_mono - (m->kind == ALERT_DOWN ? m->since_mono :
		    m->mono_ms);
		a->alerts_sent++;
		LOGF(app_log(a), LOG_INFO, "alert", "sent: %s, %.3f s after %s", m->text,
		    (double)a->alert_latency_ms / 1000.0, m->kind == ALERT_DOWN ?
		    "the disconnect" : "it was raised");
	} else {
		a->alerts_failed++;
		LOGF(app_log(a), LOG_WARN, "alert", "dropped (%s): %s", why, m->text);
	}
	/* The next one goes from the turn's end, not from inside curl's
	 * completion. */
	alerts_pop(&a->alerts);
	a->alert_tries = 0;
	a->alert_retry_at = 0;
}

static void
sent(void *ud, int status, const struct rlq_headers *h, const char *err)
{
	struct app *a = ud;
	int64_t now = loop_now().mono_ms, wait;
	char why[160];

	a->alert_inflight = false;
	if (status >= 200 && status < 300) {
		settle(a, true, NULL);
	} else if (status == 429 || status == 0 || status >= 500) {
		if (++a->alert_tries >= ALERT_TRIES) {
			snprintf(why, sizeof(why), "%d tries, the last %s", ALERT_TRIES, status == 0 ?
			    "a transport error" : "HTTP 429/5xx");
			settle(a, false, why);
		} else {
			wait = MS_PER_S << (a->alert_tries - 1);
			if (status == 429 && h->has_retry_after)
				wait = (int64_t)(h->retry_after_s * 1000.0);
			else if (status == 429 && h->has_reset_after)
				wait = (int64_t)(h->reset_after_s * 1000.0);
			a->alert_retry_at = now + (wait < ALERT_BACKOFF_MAX ? wait : ALERT_BACKOFF_MAX);
			LOGF(app_log(a), LOG_INFO, "alert", "webhook %s%s: retry %d in %lld ms",
			    status == 0 ? "unreachable: " : "answered HTTP ", status == 0 ?
			    (err != NULL ? err : "?") : status == 429 ? "429" : "5xx", a->alert_tries,
			    (long long)(a->alert_retry_at - now));
		}
	} else {
		snprintf(why, sizeof(why), "the webhook answered HTTP %d: check alert_webhook",
		    status);
		settle(a, false, why);
	}
	app_kick(a);
}

static void
pump(struct app *a, struct vtime now)
{
	const struct alert_msg *m = alerts_peek(&a->alerts);
	char err[160], *json;

	if (m == NULL || a->alert_inflight || now.mono_ms < a->alert_retry_at)
		return;
	if ((json = body(a, m)) == NULL) {
		settle(a, false, "out of memory");
		return;
	}
	a->alert_sent_mono = now.mono_ms;
	if (rest_hook(a->rest, a->cfg.alert_webhook, json, sent, a, err, sizeof(err)) < 0) {
		a->alert_retry_at = now.mono_ms + MS_PER_S;
		LOGF(app_log(a), LOG_WARN, "alert", "cannot send: %s", err);
	} else {
		a->alert_inflight = true;
	}
	free(json);
}

/* A script whose count of disabled listeners grew since the last turn (a
 * reload that re-enables them starts the count again). */
static void
check_scripts(struct app *a)
{
	struct script_info si;
	int n = a->scripts != NULL ? script_host_count(a->scripts) : 0;
	char why[SCRIPT_ERR_MAX + 48];

	for (int i = 0; i < n && i < SCRIPT_MAX; i++) {
		if (!script_host_info(a->scripts, i, &si))
			continue;
		if (strcmp(a->alert_scripts[i].name, si.name) != 0) {
			snprintf(a->alert_scripts[i].name, sizeof(a->alert_scripts[i].name), "%s",
			    si.name);
			a->alert_scripts[i].disabled = 0;
		}
		if (si.disabled > a->alert_scripts[i].disabled) {
			snprintf(why, sizeof(why), "%d listener%s disabled (%s)", si.disabled,
			    si.disabled == 1 ? "" : "s", si.last_error);
			app_alert_script_disabled(a, si.name, why);
		}
		a->alert_scripts[i].disabled = si.disabled;
	}
}

void
app_alert_turn(struct app *a, struct vtime now)
{
	struct alert_view v;

	if (!a->alert_on)
		return;
	fill_view(a, &v, now);
	alerts_observe(&a->alerts, &v, now);
	check_scripts(a);
	pump(a, now);
}

int64_t
app_alert_deadline(const struct app *a)
{
	int64_t t;

	if (!a->alert_on)
		return VTIME_NEVER;
	t = alerts_deadline(&a->alerts);
	if (!a->alert_inflight && alerts_peek(&a->alerts) != NULL && a->alert_retry_at < t)
		t = a->alert_retry_at;
	return t;
}
