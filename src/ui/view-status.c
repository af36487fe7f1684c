/*
 * The status line: who is connected where, and how healthy it looks at a
 * glance (bot user, gateway endpoint, shard, last heartbeat round trip,
 * events per second over 10 s, the Lua bots' health, cache size, uptime).
 * A narrow terminal
 * loses whole fields, the least useful first, never half of one.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ui/ui.h"

/* Scripts loaded, then only what needs the operator: errors in the last
 * minute and listeners the breaker turned off. */
static void
bots_field(struct status_model *m, const struct script_health *h)
{
	int n = snprintf(m->bots, sizeof(m->bots), "%d", h->scripts);

	if (h->errors_last_min > 0 && n > 0 && (size_t)n < sizeof(m->bots))
		n += snprintf(m->bots + n, sizeof(m->bots) - (size_t)n, ", %d err/min",
		    h->errors_last_min);
	if (h->disabled > 0 && n > 0 && (size_t)n < sizeof(m->bots))
		snprintf(m->bots + n, sizeof(m->bots) - (size_t)n, ", %d off", h->disabled);
	m->bots_alarm = h->errors_last_min > 0 || h->disabled > 0;
}

void
view_status_update(struct status_model *m, const struct bot_snapshot *v,
    const struct script_health *bots, const char *endpoint, double evps, int64_t uptime_ms)
{
	size_t total = 0;

	memset(m, 0, sizeof(*m));
	snprintf(m->user, sizeof(m->user), "%s", v->user[0] != '\0' ? v->user : "(no user yet)");
	snprintf(m->endpoint, sizeof(m->endpoint), "%s", endpoint != NULL ? endpoint : "?");
	m->shard_id = v->shard_id;
	m->shard_count = v->shard_count > 0 ? v->shard_count : 1;
	m->rtt_ms = v->rtt_ms;
	m->hb_in_s = v->rtt_ms < 0 && v->hb_next_in_ms >= 0 ? ui_ceil_s(v->hb_next_in_ms) : -1;
	snprintf(m->evps, sizeof(m->evps), "%.1f", evps);
	for (int k = 0; k < CACHE_KINDS; k++)
		total += v->cache.entries[k];
	m->cache_entries = total;
	ui_dur(uptime_ms, m->uptime, sizeof(m->uptime));
	m->state = v->state;
	if (bots != NULL)
		bots_field(m, bots);
}

/* Which fields go first when the line is too narrow (docs/console.md):
 * uptime, then the cache size, then the event rate, the Lua bots' health,
 * the shard, the endpoint and the round trip; the bot's name stays. */
enum { DROP_UP = 1, DROP_CACHE, DROP_EVENTS, DROP_BOTS, DROP_SHARD, DROP_GATEWAY, DROP_RTT };

/* One " label value " field. */
static void
field(struct fit_line *l, int drop, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
field(struct fit_line *l, int drop, const char *label, const char *fmt, ...)
{
	char buf[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fit_field(l, drop);
	if (label != NULL)
		fit_add(l, ROLE_STATUS_KEY, " %s", label);
	fit_add(l, ROLE_STATUS, " %s ", buf);
}

static void
rtt_field(struct fit_line *l, const struct status_model *m)
{
	if (m->rtt_ms >= 0)
		field(l, DROP_RTT, "rtt", "%lld ms", (long long)m->rtt_ms);
	else if (m->hb_in_s >= 0)
		field(l, DROP_RTT, "rtt", "first beat in %ds", m->hb_in_s);
	else
		field(l, DROP_RTT, "rtt", "-");
}

/* In the alarm colour while listeners fail or are off. */
static void
bots_draw(struct fit_line *l, const struct status_model *m)
{
	if (m->bots[0] == '\0')
		return;
	fit_field(l, DROP_BOTS);
	fit_add(l, ROLE_STATUS_KEY, " bots");
	fit_add(l, m->bots_alarm ? ROLE_CRIT : ROLE_STATUS, " %s ", m->bots);
}

void
view_status_draw(WINDOW *w, const struct status_model *m)
{
	struct fit_line l;

	fit_init(&l);
	field(&l, 0, "vigil", "%s", m->user);
	field(&l, DROP_GATEWAY, "gateway", "%s", m->endpoint);
	field(&l, DROP_SHARD, "shard", "%d/%d", m->shard_id, m->shard_count);
	rtt_field(&l, m);
	field(&l, DROP_EVENTS, "events", "%s/s", m->evps);
	bots_draw(&l, m);
	field(&l, DROP_CACHE, "cache", "%zu", m->cache_entries);
	field(&l, DROP_UP, "up", "%s", m->uptime);
	wattrset(w, theme_attr(ROLE_STATUS));
	mvwhline(w, 0, 0, ' ', getmaxx(w));
	fit_draw(w, 0, 0, getmaxx(w), &l, 1);
	wattrset(w, theme_attr(ROLE_TEXT));
}
