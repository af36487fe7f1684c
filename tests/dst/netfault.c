/*
 * The network between the bot and the emulator, and what it does wrong.
 * Delivery is TCP-like: each direction of a link is a FIFO whose times
 * strictly increase, loss shows up as a retransmission delay (never as a
 * missing frame), and a partition (a full black hole) holds everything
 * until it heals. The faults: a connection reset, a partition, a lossy or
 * slow spell, refused connects, and REST transport errors.
 */
#include <math.h>
#include <stdio.h>

#include "world.h"

/* The longest partition: past the zombie check and the resume window. */
#define PARTITION_MAX_S 600

int64_t
net_deliver_at(struct world *w, int64_t *fifo, int64_t lat)
{
	const struct netstate *n = &w->net;
	int64_t t = w->now.mono_ms, at = t + lat;

	if (t < n->slow_until)
		at += n->slow_extra;
	if (t < n->lossy_until && dst_unit(w) < n->loss)
		at += dst_range(w, 200, 1200);          /* a retransmission */
	if (t < n->partition_until && at < n->partition_until + lat)
		at = n->partition_until + lat;
	if (at <= *fifo)
		at = *fifo + 1;
	*fifo = at;
	return at;
}

bool
net_partitioned(const struct world *w)
{
	return w->now.mono_ms < w->net.partition_until;
}

/* Log-uniform: short spells are common, long ones happen. */
static int64_t
spell_ms(struct world *w, double lo_s, double hi_s)
{
	double u = dst_unit(w);

	return (int64_t)(exp(log(lo_s) + u * (log(hi_s) - log(lo_s))) * 1000.0);
}

static void
mark_partition(struct world *w)
{
	for (int i = 0; i < DST_LINKS_MAX; i++) {
		struct link *l = &w->links[i];

		if (l->used && l->gen == w->gen && !l->bot_done && l->part_since == VTIME_NEVER)
			l->part_since = w->now.mono_ms;
	}
}

static void
end_at(struct world *w, int64_t at)
{
	dst_ev(w, EV_NET_END, at);
}

void
net_fault(struct world *w)
{
	struct netstate *n = &w->net;
	int64_t t = w->now.mono_ms, ms;
	int pick = (int)dst_range(w, 0, 99);

	if (pick < 30) {
		dst_trace(w, "net: reset the bot's connection");
		gw_net_reset(w);
	} else if (pick < 55) {
		ms = spell_ms(w, 1, PARTITION_MAX_S);
		dst_trace(w, "net: partition for %.1f s", (double)ms / 1000.0);
		if (n->partition_until < t + ms)
			n->partition_until = t + ms;
		mark_partition(w);
		end_at(w, n->partition_until);
	} else if (pick < 70) {
		ms = spell_ms(w, 10, 1800);
		n->loss = 0.05 + dst_unit(w) * 0.3;
		n->lossy_until = t + ms;
		dst_trace(w, "net: %.0f%% loss for %.0f s", n->loss * 100, (double)ms / 1000.0);
	} else if (pick < 80) {
		ms = spell_ms(w, 10, 1200);
		/* Slow, not dead: an ACK still comes well inside an interval. */
		n->slow_extra = dst_range(w, 20, w->prof.hb_interval / 8);
		n->slow_until = t + ms;
		dst_trace(w, "net: +%lld ms latency for %.0f s", (long long)n->slow_extra,
		    (double)ms / 1000.0);
	} else if (pick < 90) {
		ms = spell_ms(w, 2, 600);
		n->refuse_until = t + ms;
		dst_trace(w, "net: connects refused for %.1f s", (double)ms / 1000.0);
	} else {
		ms = spell_ms(w, 2, 600);
		n->rest_err_until = t + ms;
		dst_trace(w, "net: REST transport errors for %.1f s", (double)ms / 1000.0);
	}
}

/* A partition healed: ACKs flow again on the links that survived it. */
void
net_end(struct world *w)
{
	if (net_partitioned(w))
		return;
	for (int i = 0; i < DST_LINKS_MAX; i++)
		w->links[i].part_since = VTIME_NEVER;
}

void
net_clear(struct world *w)
{
	struct netstate *n = &w->net;
	int64_t t = w->now.mono_ms;

	if (n->partition_until > t)
		n->partition_until = t;
	if (n->lossy_until > t)
		n->lossy_until = t;
	if (n->slow_until > t)
		n->slow_until = t;
	if (n->refuse_until > t)
		n->refuse_until = t;
	if (n->rest_err_until > t)
		n->rest_err_until = t;
	/* Requests a partition held still arrive when it would have ended, but
	 * curl gave up on their connections: new requests go on new ones and
	 * need not queue behind them (seed 1189: REST stayed dark into the calm,
	 * and vigil identified on a stale count). */
	if (w->fifo_rest_req > t)
		w->fifo_rest_req = t;
	if (w->fifo_rest_resp > t)
		w->fifo_rest_resp = t;
	net_end(w);
}

/* The worst one-way delay a frame may see now, for the zombie bound. */
int64_t
net_worst_delay(const struct world *w)
{
	const struct netstate *n = &w->net;
	int64_t t = w->now.mono_ms, d = w->prof.lat + 1;

	if (t < n->slow_until || n->slow_extra > 0)
		d += n->slow_extra;
	if (t < n->lossy_until + 2000)
		d += 1200;
	return d;
}

const char *
net_state_text(const struct world *w, char *buf, size_t len)
{
	const struct netstate *n = &w->net;
	int64_t t = w->now.mono_ms;

	snprintf(buf, len, "%s%s%s%s%s", t < n->partition_until ? " partition" : "",
	    t < n->lossy_until ? " lossy" : "", t < n->slow_until ? " slow" : "",
	    t < n->refuse_until ? " refusing" : "", t < n->rest_err_until ? " rest-errors" : "");
	return buf;
}
