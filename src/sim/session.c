/*
 * Gateway sessions: what IDENTIFY creates and RESUME continues. A session
 * owns its sequence numbers and a bounded replay buffer of the dispatches it
 * was sent, and it outlives its connection by resume_window: events that
 * happen while it is detached go into the buffer, so a RESUME replays them
 * in order. Both bounds (count and bytes) drop the oldest first; a RESUME
 * from before the oldest kept event then fails, as on Discord.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core.h"

static int
free_slot(struct sim *sim)
{
	int64_t i, best = -1;

	for (i = 0; i < sim->cfg.max_sessions; i++) {
		if (!sim->sessions[i].used)
			return (int)i;
	}
	/* Full: evict the detached session closest to expiry. */
	for (i = 0; i < sim->cfg.max_sessions; i++) {
		struct sim_session *s = &sim->sessions[i];

		if (s->conn != 0)
			continue;
		if (best < 0 || s->expires_at < sim->sessions[best].expires_at)
			best = i;
	}
	if (best >= 0)
		sim_sess_invalidate(sim, (int)best);
	return (int)best;
}

int
sim_sess_new(struct sim *sim, struct vtime now)
{
	static const char hex[] = "0123456789abcdef";
	struct sim_session *s;
	int idx = free_slot(sim), i;

	if (idx < 0)
		return -1;
	s = &sim->sessions[idx];
	memset(s, 0, sizeof(*s));
	s->used = true;
	s->resumable = true;
	for (i = 0; i < SIM_SESSION_ID_LEN; i++)
		s->id[i] = hex[rng_u64(&sim->id_rng) & 15];
	s->token_gen = sim->token_gen;
	s->created_at = now.mono_ms;
	s->expires_at = VTIME_NEVER;
	sim->counters.sessions_created++;
	return idx;
}

int
sim_sess_find(const struct sim *sim, const char *id)
{
	int64_t i;

	for (i = 0; i < sim->cfg.max_sessions; i++) {
		if (sim->sessions[i].used && strcmp(sim->sessions[i].id, id) == 0)
			return (int)i;
	}
	return -1;
}

void
sim_sess_attach(struct sim *sim, int idx, struct sim_conn *c)
{
	struct sim_session *s = &sim->sessions[idx];

	s->conn = c->id;
	s->expires_at = VTIME_NEVER;
	c->sess = idx;
	c->state = SIM_CONN_LIVE;
}

void
sim_sess_detach(struct sim *sim, struct vtime now, int idx, bool resumable)
{
	struct sim_session *s = &sim->sessions[idx];

	s->conn = 0;
	if (!resumable || !s->resumable) {
		sim_sess_invalidate(sim, idx);
		return;
	}
	s->expires_at = now.mono_ms + sim->cfg.resume_window;
}

void
sim_sess_invalidate(struct sim *sim, int idx)
{
	struct sim_session *s = &sim->sessions[idx];
	size_t i;

	for (i = 0; i < s->ring_len; i++)
		sim_frame_unref(s->ring[(s->ring_head + i) % s->ring_cap]);
	free(s->ring);
	memset(s, 0, sizeof(*s));
}

static void
ring_drop_oldest(struct sim_session *s)
{
	struct sim_frame *f = s->ring[s->ring_head];

	s->ring_bytes -= f->len;
	sim_frame_unref(f);
	s->ring_head = (s->ring_head + 1) % s->ring_cap;
	s->ring_len--;
}

static int
ring_grow(struct sim_session *s, size_t limit)
{
	size_t ncap = s->ring_cap != 0 ? s->ring_cap * 2 : 64, i;
	struct sim_frame **r;

	if (ncap > limit)
		ncap = limit;
	r = malloc(ncap * sizeof(*r));
	if (r == NULL)
		return -1;
	for (i = 0; i < s->ring_len; i++)
		r[i] = s->ring[(s->ring_head + i) % s->ring_cap];
	free(s->ring);
	s->ring = r;
	s->ring_cap = ncap;
	s->ring_head = 0;
	return 0;
}

static void
ring_push(struct sim *sim, struct sim_session *s, struct sim_frame *f)
{
	size_t limit = (size_t)sim->cfg.replay_buffer;

	while (s->ring_len > 0 && (s->ring_len >= limit ||
	    s->ring_bytes + f->len > SIM_REPLAY_BYTES_MAX))
		ring_drop_oldest(s);
	if (s->ring_len == s->ring_cap && ring_grow(s, limit) != 0)
		return;
	f->refs++;
	s->ring[(s->ring_head + s->ring_len++) % s->ring_cap] = f;
	s->ring_bytes += f->len;
}

void
sim_sess_dispatch(struct sim *sim, struct vtime now, int idx, const char *t,
    const char *d, size_t dlen)
{
	struct sim_session *s = &sim->sessions[idx];
	struct sim_frame *f;
	struct sim_conn *c;
	char head[96];
	int n;

	(void)now;
	s->seq++;
	/* Discord's key order: t, s, op, d. */
	n = snprintf(head, sizeof(head), "{\"t\":\"%s\",\"s\":%" PRId64
	    ",\"op\":0,\"d\":", t, s->seq);
	f = malloc(sizeof(*f) + (size_t)n + dlen + 2);
	if (f == NULL)
		return;
	f->refs = 1;
	f->seq = s->seq;
	f->len = (size_t)n + dlen + 1;
	memcpy(f->data, head, (size_t)n);
	memcpy(f->data + n, d, dlen);
	memcpy(f->data + n + dlen, "}", 2);
	ring_push(sim, s, f);
	c = s->conn != 0 ? sim_gw_conn(sim, s->conn) : NULL;
	if (c != NULL && c->state == SIM_CONN_LIVE) {
		sim_push_send(sim, c->id, f);
		c->frames_out++;
		sim->counters.events_sent++;
	}
	sim_frame_unref(f);
}

/* Serializes and steals d. */
void
sim_sess_dispatch_json(struct sim *sim, struct vtime now, int idx, const char *t,
    json_t *d)
{
	char *s = json_dumps(d, JSON_COMPACT);

	json_decref(d);
	if (s == NULL)
		return;
	sim_sess_dispatch(sim, now, idx, t, s, strlen(s));
	free(s);
}

bool
sim_sess_on_shard(const struct sim_session *s, uint64_t guild_id)
{
	if (!s->has_shard || s->shard_count <= 1)
		return true;
	if (guild_id == 0)
		return s->shard_id == 0;
	return (int)((guild_id >> 22) % (uint64_t)s->shard_count) ==
	    s->shard_id;
}

void
sim_sess_broadcast(struct sim *sim, struct vtime now, const char *t,
    const char *d, const char *d_redacted, uint64_t guild_id, uint32_t intent)
{
	int64_t i;

	for (i = 0; i < sim->cfg.max_sessions; i++) {
		struct sim_session *s = &sim->sessions[i];
		const char *body = d;

		if (!s->used || !sim_sess_on_shard(s, guild_id))
			continue;
		if (intent != 0 && (s->intents & intent) == 0)
			continue;
		if (d_redacted != NULL &&
		    (s->intents & SIM_INTENT_MESSAGE_CONTENT) == 0)
			body = d_redacted;
		sim_sess_dispatch(sim, now, (int)i, t, body, strlen(body));
	}
}

int
sim_sess_replay(struct sim *sim, int idx, struct sim_conn *c, int64_t seq)
{
	struct sim_session *s = &sim->sessions[idx];
	size_t i;

	if (seq < 0 || seq > s->seq)
		return -1;
	if (seq < s->seq && (s->ring_len == 0 ||
	    s->ring[s->ring_head]->seq > seq + 1))
		return -1;
	for (i = 0; i < s->ring_len; i++) {
		struct sim_frame *f = s->ring[(s->ring_head + i) % s->ring_cap];

		if (f->seq <= seq)
			continue;
		sim_push_send(sim, c->id, f);
		c->frames_out++;
		sim->counters.events_replayed++;
	}
	return 0;
}

void
sim_sess_expire_all(struct sim *sim, struct vtime now)
{
	int64_t i;

	(void)now;
	for (i = 0; i < sim->cfg.max_sessions; i++) {
		struct sim_session *s = &sim->sessions[i];

		if (!s->used)
			continue;
		if (s->conn == 0)
			sim_sess_invalidate(sim, (int)i);
		else
			s->resumable = false;
	}
}

void
sim_sess_tick(struct sim *sim, struct vtime now)
{
	int64_t i;

	for (i = 0; i < sim->cfg.max_sessions; i++) {
		struct sim_session *s = &sim->sessions[i];

		if (s->used && s->conn == 0 && s->expires_at <= now.mono_ms)
			sim_sess_invalidate(sim, (int)i);
	}
}

int64_t
sim_sess_deadline(const struct sim *sim)
{
	int64_t i, d = VTIME_NEVER;

	for (i = 0; i < sim->cfg.max_sessions; i++) {
		const struct sim_session *s = &sim->sessions[i];

		if (s->used && s->conn == 0)
			d = sim_min_deadline(d, s->expires_at);
	}
	return d;
}
