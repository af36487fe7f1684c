/*
 * The emulator's lifecycle, its clock-driven tick, and the action queue the
 * caller drains. Payloads are reference-counted frames so that one dispatch
 * is serialized once and shared by the replay buffer and the send action.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core.h"

/* More than any one call produces: a burst batch, a broadcast to every
 * session, a replay. Beyond it the caller is not draining: drop sends. */
#define ACTIONS_MAX (1u << 20)

struct sim_frame *
sim_frame_new(const char *data, size_t len, int64_t seq)
{
	struct sim_frame *f = malloc(sizeof(*f) + len + 1);

	if (f == NULL)
		return NULL;
	f->refs = 1;
	f->seq = seq;
	f->len = len;
	memcpy(f->data, data, len);
	f->data[len] = '\0';
	return f;
}

/* Serializes and steals payload. */
struct sim_frame *
sim_frame_json(json_t *payload)
{
	struct sim_frame *f = NULL;
	char *s;

	s = json_dumps(payload, JSON_COMPACT);
	json_decref(payload);
	if (s != NULL)
		f = sim_frame_new(s, strlen(s), 0);
	free(s);
	return f;
}

void
sim_frame_unref(struct sim_frame *f)
{
	if (f != NULL && --f->refs == 0)
		free(f);
}

int64_t
sim_min_deadline(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static struct sim_action *
push(struct sim *sim, enum sim_action_kind kind, uint32_t conn)
{
	struct sim_action *a;
	size_t ncap, i;

	if (sim->act_len == sim->act_cap) {
		if (sim->act_cap >= ACTIONS_MAX)
			return NULL;
		ncap = sim->act_cap != 0 ? sim->act_cap * 2 : 64;
		a = malloc(ncap * sizeof(*a));
		if (a == NULL)
			return NULL;
		for (i = 0; i < sim->act_len; i++)
			a[i] = sim->actions[(sim->act_head + i) % sim->act_cap];
		free(sim->actions);
		sim->actions = a;
		sim->act_cap = ncap;
		sim->act_head = 0;
	}
	a = &sim->actions[(sim->act_head + sim->act_len++) % sim->act_cap];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->conn = conn;
	return a;
}

void
sim_push_send(struct sim *sim, uint32_t conn, struct sim_frame *f)
{
	struct sim_action *a = push(sim, SIM_ACT_SEND, conn);

	if (a == NULL)
		return;
	f->refs++;
	a->frame = f;
	a->data = f->data;
	a->len = f->len;
	sim->counters.bytes_sent += f->len;
}

void
sim_push_close(struct sim *sim, uint32_t conn, int code, const char *reason)
{
	struct sim_action *a = push(sim, SIM_ACT_CLOSE, conn);

	if (a == NULL)
		return;
	a->code = code;
	snprintf(a->reason, sizeof(a->reason), "%s", reason);
	sim->counters.closes_sent++;
}

void
sim_push_drop(struct sim *sim, uint32_t conn, bool rst)
{
	struct sim_action *a = push(sim, SIM_ACT_DROP, conn);

	if (a != NULL)
		a->rst = rst;
	sim->counters.drops++;
}

void
sim_push_kind(struct sim *sim, enum sim_action_kind kind, uint32_t conn)
{
	push(sim, kind, conn);
}

bool
sim_next_action(struct sim *sim, struct sim_action *out)
{
	if (sim->act_len == 0)
		return false;
	*out = sim->actions[sim->act_head];
	sim->act_head = (sim->act_head + 1) % sim->act_cap;
	sim->act_len--;
	return true;
}

void
sim_action_done(struct sim_action *a)
{
	sim_frame_unref(a->frame);
	a->frame = NULL;
	a->data = NULL;
}

static void
seed_streams(struct sim *sim)
{
	uint64_t s = (uint64_t)sim->cfg.seed;

	/* Separate streams, so turning chatter on does not change chaos. */
	rng_seed(&sim->world_rng, s);
	rng_seed(&sim->chat_rng, s ^ 0x636861747465720aULL);
	rng_seed(&sim->chaos_rng, s ^ 0x6368616f730a0a0aULL);
	rng_seed(&sim->id_rng, s ^ 0x73657373696f6e0aULL);
}

struct sim *
sim_new(const struct sim_config *cfg, struct vtime now, char *err,
    size_t errlen)
{
	struct sim *sim = calloc(1, sizeof(*sim));

	if (sim == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	sim->cfg = *cfg;
	snprintf(sim->gateway_url, sizeof(sim->gateway_url), "ws://127.0.0.1");
	seed_streams(sim);
	sim->next_conn_id = 1;
	sim->conns = calloc((size_t)cfg->max_connections, sizeof(*sim->conns));
	sim->sessions = calloc((size_t)cfg->max_sessions,
	    sizeof(*sim->sessions));
	sim->store = calloc((size_t)cfg->message_store, sizeof(*sim->store));
	if (sim->conns == NULL || sim->sessions == NULL || sim->store == NULL) {
		snprintf(err, errlen, "out of memory");
		sim_free(sim);
		return NULL;
	}
	if (sim_world_build(sim, now, err, errlen) != 0) {
		sim_free(sim);
		return NULL;
	}
	sim_budget_init(sim);
	sim_msg_chatter_reschedule(sim, now);
	sim_chaos_reschedule(sim, now);
	return sim;
}

void
sim_free(struct sim *sim)
{
	struct sim_action a;
	int64_t i;

	if (sim == NULL)
		return;
	while (sim_next_action(sim, &a))
		sim_action_done(&a);
	for (i = 0; sim->sessions != NULL && i < sim->cfg.max_sessions; i++)
		sim_sess_invalidate(sim, (int)i);
	sim_scenario_free(sim->scenario);
	sim_world_free(&sim->world);
	free(sim->actions);
	free(sim->store);
	free(sim->sessions);
	free(sim->conns);
	free(sim);
}

void
sim_set_gateway_url(struct sim *sim, const char *url)
{
	snprintf(sim->gateway_url, sizeof(sim->gateway_url), "%s", url);
}

const struct sim_config *
sim_config(const struct sim *sim)
{
	return &sim->cfg;
}

const struct sim_counters *
sim_counters(const struct sim *sim)
{
	return &sim->counters;
}

void
sim_tick(struct sim *sim, struct vtime now)
{
	sim_fault_tick(sim, now);
	sim_gw_tick(sim, now);
	sim_sess_tick(sim, now);
	sim_msg_chatter_tick(sim, now);
	sim_chaos_tick(sim, now);
	sim_scenario_tick(sim, now);
}

int64_t
sim_next_deadline(const struct sim *sim)
{
	int64_t d = VTIME_NEVER;

	d = sim_min_deadline(d, sim_fault_deadline(sim));
	d = sim_min_deadline(d, sim_gw_deadline(sim));
	d = sim_min_deadline(d, sim_sess_deadline(sim));
	d = sim_min_deadline(d, sim->chatter_at);
	d = sim_min_deadline(d, sim->chaos_at);
	d = sim_min_deadline(d, sim_scenario_deadline(sim));
	return d;
}
