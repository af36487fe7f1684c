/*
 * Websocket links: what src/net and the lws adapter do over real sockets,
 * done with events. A link joins one of the bot's conns to one of the
 * emulator's connections; each direction is a FIFO with latency (a TCP
 * stream), and each end closes on its own: the bot hears of the end only
 * through bot_on_close (exactly once per conn, the driver contract in
 * bot.h), the emulator through sim_conn_closed or its own CLOSE/DROP. A link
 * is forgotten when both ends are done and no event names it.
 */
#include <stdlib.h>
#include <string.h>

#include "world.h"

struct link *
gw_link(struct world *w, uint64_t serial)
{
	for (int i = 0; i < DST_LINKS_MAX; i++) {
		if (w->links[i].used && w->links[i].serial == serial)
			return &w->links[i];
	}
	return NULL;
}

/* The current instance's link for conn, while the bot still has it. */
struct link *
gw_link_conn(struct world *w, uint32_t conn)
{
	for (int i = 0; i < DST_LINKS_MAX; i++) {
		struct link *l = &w->links[i];

		if (l->used && l->gen == w->gen && l->conn == conn && !l->bot_done)
			return l;
	}
	return NULL;
}

static struct link *
link_sim(struct world *w, uint32_t sim_id)
{
	for (int i = 0; i < DST_LINKS_MAX; i++) {
		struct link *l = &w->links[i];

		if (l->used && l->sim_open && l->sim_id == sim_id)
			return l;
	}
	return NULL;
}

int
gw_live_links(const struct world *w)
{
	int n = 0;

	for (int i = 0; i < DST_LINKS_MAX; i++)
		n += w->links[i].used && w->links[i].gen == w->gen && !w->links[i].bot_done;
	return n;
}

static void
maybe_forget(struct link *l)
{
	if (l->bot_done && l->sim_done && l->refs == 0)
		l->used = false;
}

void
gw_unref(struct world *w, struct link *l)
{
	(void)w;
	l->refs--;
	maybe_forget(l);
}

static struct link *
link_new(struct world *w)
{
	int used = 0;

	for (int i = 0; i < DST_LINKS_MAX; i++)
		used += w->links[i].used;
	if (used + 1 > w->st.max_links)
		w->st.max_links = used + 1;
	for (int i = 0; i < DST_LINKS_MAX; i++) {
		struct link *l = &w->links[i];

		if (l->used)
			continue;
		memset(l, 0, sizeof(*l));
		l->used = true;
		l->serial = ++w->link_serial;
		l->zombie_since = VTIME_NEVER;
		l->part_since = net_partitioned(w) ? w->now.mono_ms : VTIME_NEVER;
		l->hello_at = VTIME_NEVER;
		l->blackhole_since = VTIME_NEVER;
		return l;
	}
	dst_fail(w, "harness: more than %d links at once", DST_LINKS_MAX);
	return NULL;
}

/* An event about link l, at a time the caller worked out. */
static struct ev *
link_ev(struct world *w, struct link *l, enum ev_kind kind, int64_t at)
{
	struct ev *e = dst_ev(w, kind, at);

	e->link = l->serial;
	l->refs++;
	return e;
}

static void
to_bot_close(struct world *w, struct link *l, int code, const char *reason)
{
	struct ev *e = link_ev(w, l, EV_CLOSE_TO_BOT,
	    net_deliver_at(w, &l->fifo_to_bot, w->prof.lat));

	e->code = code;
	snprintf(e->reason, sizeof(e->reason), "%s", reason);
}

static void
to_sim_close(struct world *w, struct link *l, int code)
{
	struct ev *e = link_ev(w, l, EV_CLOSE_TO_SIM,
	    net_deliver_at(w, &l->fifo_to_sim, w->prof.lat));

	e->code = code;
}

/* "ws://host/?v=10" -> "/?v=10". */
static void
url_path(const char *url, char *out, size_t len)
{
	const char *p = strstr(url, "://");

	p = p != NULL ? strchr(p + 3, '/') : NULL;
	snprintf(out, len, "%s", p != NULL ? p : "/");
}

void
gw_bot_open(struct world *w, const struct action *a)
{
	struct link *l = link_new(w);

	if (l == NULL)
		return;
	l->gen = w->gen;
	l->conn = a->conn;
	url_path(a->text, l->path, sizeof(l->path));
	if (!net_partitioned(w) && w->now.mono_ms < w->net.refuse_until) {
		l->sim_done = true;
		l->client_gone = true;
		link_ev(w, l, EV_CLOSE_TO_BOT, w->now.mono_ms + 2 * w->prof.lat)->code =
		    BOT_CLOSE_NONE;
		return;
	}
	link_ev(w, l, EV_CONNECT, net_deliver_at(w, &l->fifo_to_sim, w->prof.lat));
}

void
gw_bot_send(struct world *w, struct action *a)
{
	struct link *l = gw_link_conn(w, a->conn);
	struct ev *e;

	if (l == NULL || !l->bot_open || l->client_gone) {
		dst_fail(w, "driver contract: ACT_SEND on conn %u, which is not open", a->conn);
		return;
	}
	if (a->payload_len > 6 && memcmp(a->payload, "{\"op\":6", 7) == 0)
		seq_resume_sent(w, l, a->payload, a->payload_len);
	w->st.frames_to_sim++;
	if (l->sim_done || l->dead)
		return;
	e = link_ev(w, l, EV_TO_SIM, net_deliver_at(w, &l->fifo_to_sim, w->prof.lat));
	e->data = a->payload;
	e->len = a->payload_len;
	a->payload = NULL;
}

void
gw_bot_close(struct world *w, const struct action *a)
{
	struct link *l = gw_link_conn(w, a->conn);

	if (l == NULL) {
		dst_fail(w, "driver contract: ACT_CLOSE of conn %u, which the bot no longer has",
		    a->conn);
		return;
	}
	if (a->close_code != BOT_CLOSE_ABORT && l->bot_open && !l->client_gone) {
		/* The close handshake: the emulator echoes, the bot hears. A
		 * reset link reports its end on its own. */
		l->client_gone = true;
		if (l->dead)
			return;
		if (!l->sim_done)
			to_sim_close(w, l, a->close_code);
		else
			to_bot_close(w, l, a->close_code, "closed");
		return;
	}
	/* A drop (or a connect given up): the driver reports it at once; the
	 * emulator sees the reset when it gets there. */
	l->client_gone = true;
	l->cut_to_bot = w->ev_serial + 1;
	link_ev(w, l, EV_CLOSE_TO_BOT, w->now.mono_ms)->code = BOT_CLOSE_NONE;
	if (!l->sim_done && !l->dead)
		to_sim_close(w, l, -1);
}

static void
connect_now(struct world *w, struct link *l)
{
	struct sim_conn_info info;
	uint32_t id = sim_conn_open(w->sim, w->now, l->path, &info);

	if (id == 0) {
		l->sim_done = true;
		to_bot_close(w, l, BOT_CLOSE_NONE, "handshake refused");
		return;
	}
	l->sim_id = id;
	l->sim_open = true;
	link_ev(w, l, EV_OPENED, net_deliver_at(w, &l->fifo_to_bot, w->prof.lat));
	dst_drain_sim(w);
}

static void
on_connect(struct world *w, struct link *l)
{
	if (l->client_gone) {
		l->sim_done = true;
		return;
	}
	if (sim_tcp_accept(w->sim, w->now) == SIM_ADMIT_HOLD) {
		l->held = true;
		return;
	}
	connect_now(w, l);
}

void
gw_release_held(struct world *w)
{
	for (int i = 0; i < DST_LINKS_MAX; i++) {
		struct link *l = &w->links[i];

		if (!l->used || !l->held)
			continue;
		l->held = false;
		if (l->client_gone) {
			l->sim_done = true;
			maybe_forget(l);
			continue;
		}
		connect_now(w, l);
	}
}

static void
on_to_sim(struct world *w, struct link *l, struct ev *e)
{
	if (!l->sim_open || l->sim_blackhole)
		return;
	sim_conn_text(w->sim, w->now, l->sim_id, e->data, e->len);
	dst_drain_sim(w);
}

static void
on_close_to_sim(struct world *w, struct link *l, int code)
{
	if (!l->sim_open) {
		l->sim_done = true;
		return;
	}
	/* A black hole reads no close frame; only the reset gets through. */
	if (l->sim_blackhole && code >= 0)
		return;
	l->sim_open = false;
	l->sim_done = true;
	sim_conn_closed(w->sim, w->now, l->sim_id, code);
	dst_drain_sim(w);
	if (code >= 0 && !l->bot_done)
		to_bot_close(w, l, code, "close echoed");
}

static void
on_to_bot(struct world *w, struct link *l, struct ev *e)
{
	struct bot *b = w->bot;
	bool taken;

	l->inflight_to_bot--;
	if (l->bot_done || l->dead || e->serial < l->cut_to_bot || b == NULL ||
	    l->gen != w->gen)
		return;
	taken = b->conn == l->conn && b->conn_open && b->phase != PHASE_CLOSING;
	w->st.frames_to_bot++;
	seq_frame(w, l, e->data, e->len, taken);
	bot_on_frame(b, dst_bot_now(w), l->conn, e->data, e->len);
	dst_drain_bot(w);
	if (l->inflight_to_bot == 0 && l->sim_open) {
		sim_conn_drained(w->sim, w->now, l->sim_id);
		dst_drain_sim(w);
	}
}

static void
on_close_to_bot(struct world *w, struct link *l, struct ev *e)
{
	int phase;

	if (l->bot_done || w->bot == NULL || l->gen != w->gen)
		return;
	phase = (int)w->bot->phase;
	l->bot_done = true;
	l->client_gone = true;
	bot_on_close(w->bot, dst_bot_now(w), l->conn, e->code, e->reason[0] ? e->reason : NULL);
	check_close_delivered(w, l, e->code, phase);
	dst_drain_bot(w);
}

void
gw_event(struct world *w, struct ev *e)
{
	struct link *l = gw_link(w, e->link);

	if (l == NULL)
		return;
	switch (e->kind) {
	case EV_CONNECT:
		on_connect(w, l);
		break;
	case EV_OPENED:
		if (!l->bot_done && !l->client_gone && !l->dead && l->gen == w->gen &&
		    w->bot != NULL) {
			l->bot_open = true;
			bot_on_open(w->bot, dst_bot_now(w), l->conn);
			dst_drain_bot(w);
		}
		break;
	case EV_TO_SIM:
		on_to_sim(w, l, e);
		break;
	case EV_TO_BOT:
		on_to_bot(w, l, e);
		break;
	case EV_CLOSE_TO_SIM:
		on_close_to_sim(w, l, e->code);
		break;
	case EV_CLOSE_TO_BOT:
		on_close_to_bot(w, l, e);
		break;
	default:
		break;
	}
	/* The handlers may have run a crash that reused nothing: l is still
	 * this link's slot, since a slot with refs is never freed. */
	gw_unref(w, l);
}

void
gw_sim_action(struct world *w, const struct sim_action *a)
{
	struct link *l = a->kind == SIM_ACT_RELEASE_HELD ? NULL : link_sim(w, a->conn);
	struct ev *e;

	if (a->kind == SIM_ACT_RELEASE_HELD) {
		gw_release_held(w);
		rest_release_held(w);
		return;
	}
	if (l == NULL)
		return;
	switch (a->kind) {
	case SIM_ACT_SEND:
		if (l->bot_done || l->client_gone || l->dead)
			return;
		e = link_ev(w, l, EV_TO_BOT, net_deliver_at(w, &l->fifo_to_bot, w->prof.lat));
		e->data = malloc(a->len + 1);
		if (e->data == NULL)
			abort();
		memcpy(e->data, a->data, a->len);
		e->data[a->len] = '\0';
		e->len = a->len;
		l->inflight_to_bot++;
		break;
	case SIM_ACT_CLOSE:
	case SIM_ACT_DROP:
		l->sim_open = false;
		l->sim_done = true;
		if (a->kind == SIM_ACT_DROP && a->rst)
			l->cut_to_bot = w->ev_serial + 1;
		if (!l->bot_done && !l->dead)
			to_bot_close(w, l, a->kind == SIM_ACT_CLOSE ? a->code : BOT_CLOSE_NONE,
			    a->kind == SIM_ACT_CLOSE ? a->reason : "connection dropped");
		maybe_forget(l);
		break;
	case SIM_ACT_BLACKHOLE:
		l->sim_blackhole = true;
		l->blackhole_since = w->now.mono_ms;
		break;
	default:
		break;
	}
}

/* The bot process died: its kernel resets every connection it had. */
void
gw_instance_died(struct world *w)
{
	for (int i = 0; i < DST_LINKS_MAX; i++) {
		struct link *l = &w->links[i];

		if (!l->used || l->gen != w->gen || l->bot_done)
			continue;
		l->bot_done = true;
		l->client_gone = true;
		if (l->sim_open)
			to_sim_close(w, l, -1);
		maybe_forget(l);
	}
}

/* A network fault resets the bot's current connection at both ends. */
void
gw_net_reset(struct world *w)
{
	for (int i = 0; i < DST_LINKS_MAX; i++) {
		struct link *l = &w->links[i];

		if (!l->used || l->gen != w->gen || l->bot_done || l->dead || !l->bot_open)
			continue;
		l->cut_to_bot = w->ev_serial + 1;
		l->dead = true;
		to_bot_close(w, l, BOT_CLOSE_NONE, "connection reset by the network");
		if (l->sim_open)
			to_sim_close(w, l, -1);
	}
}
