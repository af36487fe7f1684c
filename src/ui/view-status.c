/*
 * The status line: who is connected where, and how healthy it looks at a
 * glance (bot user, gateway endpoint, shard, last heartbeat round trip,
 * events per second, cache size, uptime). Fields go left to right by
 * importance, so a narrow terminal loses the least useful ones.
 */
#include <stdio.h>
#include <string.h>

#include "ui/ui.h"

void
view_status_update(struct status_model *m, const struct bot_snapshot *v, const char *endpoint,
    double evps, int64_t uptime_ms)
{
	size_t total = 0;

	memset(m, 0, sizeof(*m));
	snprintf(m->user, sizeof(m->user), "%s", v->user[0] != '\0' ? v->user : "(no user yet)");
	snprintf(m->endpoint, sizeof(m->endpoint), "%s", endpoint != NULL ? endpoint : "?");
	m->shard_id = v->shard_id;
	m->shard_count = v->shard_count > 0 ? v->shard_count : 1;
	m->rtt_ms = v->rtt_ms;
	snprintf(m->evps, sizeof(m->evps), "%.1f", evps);
	for (int k = 0; k < CACHE_KINDS; k++)
		total += v->cache.entries[k];
	m->cache_entries = total;
	ui_dur(uptime_ms, m->uptime, sizeof(m->uptime));
	m->state = v->state;
}

/* One "label value" field; returns the new x. */
static int
field(WINDOW *w, int x, const char *label, const char *value)
{
	int cols = getmaxx(w);

	if (x >= cols)
		return x;
	if (label != NULL)
		x += ui_putf(w, 0, x, cols - x, ROLE_STATUS_KEY, " %s", label);
	x += ui_putf(w, 0, x, cols - x, ROLE_STATUS, " %s ", value);
	return x;
}

void
view_status_draw(WINDOW *w, const struct status_model *m)
{
	char buf[64];
	int x = 0;

	wattrset(w, theme_attr(ROLE_STATUS));
	mvwhline(w, 0, 0, ' ', getmaxx(w));
	x = field(w, x, "vigil", m->user);
	x = field(w, x, "gateway", m->endpoint);
	snprintf(buf, sizeof(buf), "%d/%d", m->shard_id, m->shard_count);
	x = field(w, x, "shard", buf);
	if (m->rtt_ms >= 0)
		snprintf(buf, sizeof(buf), "%lld ms", (long long)m->rtt_ms);
	else
		snprintf(buf, sizeof(buf), "-");
	x = field(w, x, "rtt", buf);
	snprintf(buf, sizeof(buf), "%s/s", m->evps);
	x = field(w, x, "events", buf);
	snprintf(buf, sizeof(buf), "%zu", m->cache_entries);
	x = field(w, x, "cache", buf);
	x = field(w, x, "up", m->uptime);
	if (m->notice[0] != '\0')
		field(w, x, NULL, m->notice);
	wattrset(w, theme_attr(ROLE_TEXT));
}
