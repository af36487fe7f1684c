/*
 * Gateway connections: the URL's query, HELLO, the client's frames and the
 * rules Discord enforces on them (payload size, the send limit, opcodes
 * allowed before IDENTIFY, heartbeats), the deadlines that end a silent
 * connection, and how each way of ending a connection affects its session.
 * IDENTIFY and RESUME themselves are in identify.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core.h"

/* A black-holed connection is let go after longer than any client waits. */
#define BLACKHOLE_MAX_MS 600000

struct query {
	char v[8], encoding[16], compress[24];
};

static const char *
close_text(int code)
{
	static const char *const text[] = {
		"Unknown error.", "Unknown opcode.", "Decode error.",
		"Not authenticated.", "Authentication failed.",
		"Already authenticated.", "Session no longer valid.",
		"Invalid seq.", "Rate limited.", "Session timed out.",
		"Invalid shard.", "Sharding required.", "Invalid API version.",
		"Invalid intent(s).", "Disallowed intent(s).",
	};

	if (code >= 4000 && code <= 4014)
		return text[code - 4000];
	return "";
}

/* Codes after which Discord wants a new session (docs/protocol.md §1.9). */
int
sim_gw_close_keeps_session(int code)
{
	switch (code) {
	case 4003: case 4004: case 4005: case 4006: case 4007: case 4009:
	case 4010: case 4011: case 4012: case 4013: case 4014:
		return 0;
	default:
		return 1;
	}
}

struct sim_conn *
sim_gw_conn(struct sim *sim, uint32_t id)
{
	int64_t i;

	for (i = 0; id != 0 && i < sim->cfg.max_connections; i++) {
		if (sim->conns[i].state != SIM_CONN_FREE &&
		    sim->conns[i].id == id)
			return &sim->conns[i];
	}
	return NULL;
}

/* From the interval the connection was told: a live change of the
 * setting is for new connections. */
static int64_t
hb_timeout(const struct sim *sim, const struct sim_conn *c)
{
	if (sim->cfg.heartbeat_timeout > 0)
		return sim->cfg.heartbeat_timeout;
	return c->hb_interval * 3 / 2;
}

void
sim_gw_send_op(struct sim *sim, struct sim_conn *c, int op, json_t *d)
{
	struct sim_frame *f;

	f = sim_frame_json(json_pack("{s:n, s:n, s:i, s:o}", "t", "s",
	    "op", op, "d", d != NULL ? d : json_null()));
	if (f == NULL)
		return;
	sim_push_send(sim, c->id, f);
	sim_frame_unref(f);
	c->frames_out++;
}

static void
conn_free(struct sim_conn *c)
{
	memset(c, 0, sizeof(*c));
	c->sess = -1;
}

void
sim_gw_close(struct sim *sim, struct vtime now, struct sim_conn *c, int code,
    const char *reason)
{
	if (c->sess >= 0)
		sim_sess_detach(sim, now, c->sess, sim_gw_close_keeps_session(code));
	sim_push_close(sim, c->id, code, reason != NULL ? reason :
	    close_text(code));
	conn_free(c);
}

void
sim_gw_drop(struct sim *sim, struct vtime now, struct sim_conn *c, bool rst)
{
	if (c->sess >= 0)
		sim_sess_detach(sim, now, c->sess, true);
	sim_push_drop(sim, c->id, rst);
	conn_free(c);
}

void
sim_gw_blackhole(struct sim *sim, struct vtime now, struct sim_conn *c)
{
	/* The session lives on: what it misses goes to its replay buffer. */
	if (c->sess >= 0)
		sim_sess_detach(sim, now, c->sess, true);
	c->sess = -1;
	c->state = SIM_CONN_BLACKHOLE;
	c->close_at = now.mono_ms + BLACKHOLE_MAX_MS;
	sim_push_kind(sim, SIM_ACT_BLACKHOLE, c->id);
}

void
sim_gw_reconnect(struct sim *sim, struct vtime now, struct sim_conn *c)
{
	sim_gw_send_op(sim, c, 7, NULL);
	if (c->sess >= 0)
		sim_sess_detach(sim, now, c->sess, true);
	c->sess = -1;
	c->state = SIM_CONN_CLOSING;
	c->close_at = now.mono_ms + sim->cfg.reconnect_grace;
	sim->counters.reconnects_sent++;
}

void
sim_gw_invalid_session(struct sim *sim, struct vtime now, struct sim_conn *c,
    bool resumable)
{
	sim_gw_send_op(sim, c, 9, json_boolean(resumable));
	if (c->sess >= 0)
		sim_sess_detach(sim, now, c->sess, resumable);
	/* The socket stays open: the client may IDENTIFY or RESUME on it. */
	c->sess = -1;
	c->state = SIM_CONN_AUTH;
	c->auth_deadline = now.mono_ms + sim->cfg.identify_timeout;
	sim->counters.invalid_sessions++;
}

enum sim_admit
sim_tcp_accept(struct sim *sim, struct vtime now)
{
	if (now.mono_ms >= sim->stall_until)
		return SIM_ADMIT_OK;
	sim->holding = true;
	sim->counters.held++;
	return SIM_ADMIT_HOLD;
}

static void
parse_query(const char *path_query, struct query *q)
{
	const char *p = strchr(path_query, '?');

	memset(q, 0, sizeof(*q));
	while (p != NULL && *p != '\0') {
		const char *key = p + 1, *eq, *end;
		size_t klen, vlen;
		char *dst = NULL;
		size_t cap = 0;

		end = strchr(key, '&');
		if (end == NULL)
			end = key + strlen(key);
		eq = memchr(key, '=', (size_t)(end - key));
		p = *end != '\0' ? end : NULL;
		if (eq == NULL)
			continue;
		klen = (size_t)(eq - key);
		vlen = (size_t)(end - eq - 1);
		if (klen == 1 && key[0] == 'v')
			dst = q->v, cap = sizeof(q->v);
		else if (klen == 8 && memcmp(key, "encoding", 8) == 0)
			dst = q->encoding, cap = sizeof(q->encoding);
		else if (klen == 8 && memcmp(key, "compress", 8) == 0)
			dst = q->compress, cap = sizeof(q->compress);
		if (dst != NULL && vlen < cap) {
			memcpy(dst, eq + 1, vlen);
			dst[vlen] = '\0';
		}
	}
}

/* 0, or closes c with the reason the URL is refused. */
static int
check_query(struct sim *sim, struct vtime now, struct sim_conn *c,
    const struct query *q)
{
	if (strcmp(q->v, "10") != 0 && strcmp(q->v, "9") != 0) {
		sim_gw_close(sim, now, c, 4012, NULL);
		return -1;
	}
	/* Real Discord serves these; the emulator does not, and says so. */
	if (q->encoding[0] != '\0' && strcmp(q->encoding, "json") != 0) {
		sim_gw_close(sim, now, c, 1003, "vigil-sim: only encoding=json");
		return -1;
	}
	if (q->compress[0] != '\0' && strcmp(q->compress, "zlib-stream") != 0 &&
	    strcmp(q->compress, "zstd-stream") != 0) {
		sim_gw_close(sim, now, c, 1003, "vigil-sim: only zlib-stream and zstd-stream");
		return -1;
	}
	return 0;
}

static struct sim_conn *
conn_slot(struct sim *sim)
{
	int64_t i;

	for (i = 0; i < sim->cfg.max_connections; i++) {
		if (sim->conns[i].state == SIM_CONN_FREE)
			return &sim->conns[i];
	}
	return NULL;
}

uint32_t
sim_conn_open(struct sim *sim, struct vtime now, const char *path_query,
    struct sim_conn_info *info)
{
	struct sim_conn *c;
	struct query q;
	uint32_t id;

	memset(info, 0, sizeof(*info));
	c = conn_slot(sim);
	if (now.mono_ms < sim->refuse_until || c == NULL) {
		sim->counters.refused++;
		return 0;
	}
	conn_free(c);
	if (sim->next_conn_id == 0)
		sim->next_conn_id = 1;
	c->id = id = sim->next_conn_id++;
	c->state = SIM_CONN_AUTH;
	c->opened_at = now.mono_ms;
	c->auth_deadline = now.mono_ms + sim->cfg.identify_timeout;
	c->hb_interval = sim->cfg.heartbeat_interval;
	c->hb_deadline = now.mono_ms + hb_timeout(sim, c);
	sim->counters.connections++;
	parse_query(path_query, &q);
	info->zlib = strcmp(q.compress, "zlib-stream") == 0;
	info->zstd = strcmp(q.compress, "zstd-stream") == 0;
	c->zlib = info->zlib || info->zstd;
	if (check_query(sim, now, c, &q) != 0)
		return id;
	sim_gw_send_op(sim, c, 10, json_pack("{s:I, s:[s]}", "heartbeat_interval",
	    (json_int_t)c->hb_interval, "_trace",
	    "[\"vigil-sim\",{\"micros\":0.0}]"));
	return id;
}

/* The 120-per-60-s rule, over a sliding window of this client's sends. */
static int
send_allowed(struct sim *sim, struct vtime now, struct sim_conn *c)
{
	int64_t limit = sim->cfg.send_limit;

	while (c->send_len > 0 &&
	    c->sends[c->send_head] <= now.mono_ms - sim->cfg.send_window) {
		c->send_head = (c->send_head + 1) % SIM_SEND_RING_MAX;
		c->send_len--;
	}
	if (c->send_len >= limit)
		return 0;
	c->sends[(c->send_head + c->send_len++) % SIM_SEND_RING_MAX] =
	    now.mono_ms;
	return 1;
}

static void
heartbeat(struct sim *sim, struct vtime now, struct sim_conn *c, json_t *d)
{
	if (d != NULL && !json_is_null(d) && !json_is_integer(d)) {
		sim_gw_close(sim, now, c, 4001, "Invalid heartbeat payload.");
		return;
	}
	c->hb_deadline = now.mono_ms + hb_timeout(sim, c);
	sim->counters.heartbeats++;
	if (c->zombie)
		return;
	sim_gw_send_op(sim, c, 11, NULL);
	sim->counters.heartbeat_acks++;
}

static bool
known_op(int op)
{
	switch (op) {
	case 1: case 2: case 3: case 4: case 6: case 8: case 31: case 43:
		return true;
	default:
		return false;
	}
}

static void
handle_op(struct sim *sim, struct vtime now, struct sim_conn *c, int op,
    json_t *d)
{
	bool authed = c->sess >= 0;

	if (!known_op(op)) {
		sim_gw_close(sim, now, c, 4001, NULL);
	} else if (op == 1) {
		heartbeat(sim, now, c, d);
	} else if (op == 2 || op == 6) {
		if (authed)
			sim_gw_close(sim, now, c, 4005, NULL);
		else if (op == 2)
			sim_gw_identify(sim, now, c, d);
		else
			sim_gw_resume(sim, now, c, d);
	} else if (!authed) {
		sim_gw_close(sim, now, c, 4003, NULL);
	} else if (op == 8) {
		sim_gw_request_members(sim, now, c, d);
	}
	/* Presence and voice updates (3, 4) and ops 31/43 are accepted. */
}

void
sim_conn_text(struct sim *sim, struct vtime now, uint32_t id,
    const char *buf, size_t len)
{
	struct sim_conn *c = sim_gw_conn(sim, id);
	json_t *root, *op;

	if (c == NULL || (c->state != SIM_CONN_AUTH &&
	    c->state != SIM_CONN_LIVE))
		return;
	c->frames_in++;
	if (!send_allowed(sim, now, c)) {
		sim_gw_close(sim, now, c, 4008, NULL);
		return;
	}
	if (buf == NULL || len > SIM_MAX_PAYLOAD) {
		sim_gw_close(sim, now, c, 4002, "Payload too large.");
		return;
	}
	root = json_loadb(buf, len, 0, NULL);
	op = json_object_get(root, "op");
	if (!json_is_integer(op)) {
		json_decref(root);
		sim_gw_close(sim, now, c, 4002, NULL);
		return;
	}
	handle_op(sim, now, c, (int)json_integer_value(op),
	    json_object_get(root, "d"));
	json_decref(root);
}

void
sim_conn_closed(struct sim *sim, struct vtime now, uint32_t id, int code)
{
	struct sim_conn *c = sim_gw_conn(sim, id);

	if (c == NULL)
		return;
	sim->counters.client_closes++;
	/* A client's 1000/1001 ends its session; anything else keeps it. */
	if (c->sess >= 0)
		sim_sess_detach(sim, now, c->sess, code != 1000 && code != 1001);
	conn_free(c);
}

void
sim_conn_drained(struct sim *sim, struct vtime now, uint32_t id)
{
	struct sim_conn *c = sim_gw_conn(sim, id);

	if (c != NULL && c->burst_left > 0 && c->state == SIM_CONN_LIVE)
		sim_msg_burst_pump(sim, now, c);
}

static void
conn_tick(struct sim *sim, struct vtime now, struct sim_conn *c)
{
	int64_t t = now.mono_ms;

	switch (c->state) {
	case SIM_CONN_AUTH:
		if (t >= c->auth_deadline || t >= c->hb_deadline)
			sim_gw_close(sim, now, c, 4009, NULL);
		break;
	case SIM_CONN_LIVE:
		if (t >= c->hb_deadline)
			sim_gw_close(sim, now, c, 4009, NULL);
		break;
	case SIM_CONN_CLOSING:
		if (t >= c->close_at)
			sim_gw_close(sim, now, c, 4000, "Reconnect requested.");
		break;
	case SIM_CONN_BLACKHOLE:
		if (t >= c->close_at)
			sim_gw_drop(sim, now, c, false);
		break;
	default:
		break;
	}
}

void
sim_gw_tick(struct sim *sim, struct vtime now)
{
	int64_t i;

	for (i = 0; i < sim->cfg.max_connections; i++)
		conn_tick(sim, now, &sim->conns[i]);
}

int64_t
sim_gw_deadline(const struct sim *sim)
{
	int64_t i, d = VTIME_NEVER;

	for (i = 0; i < sim->cfg.max_connections; i++) {
		const struct sim_conn *c = &sim->conns[i];

		if (c->state == SIM_CONN_AUTH)
			d = sim_min_deadline(d, sim_min_deadline(
			    c->auth_deadline, c->hb_deadline));
		else if (c->state == SIM_CONN_LIVE)
			d = sim_min_deadline(d, c->hb_deadline);
		else if (c->state != SIM_CONN_FREE)
			d = sim_min_deadline(d, c->close_at);
	}
	return d;
}
