/*
 * What the emulator reports about itself: the counters (GET /_ctl/counters)
 * and the live connections and sessions (GET /_ctl/sessions). Tests assert
 * on these, and vigil's console shows them next to what the bot believes.
 */
#include "sim/faults.h"

#define C(name) { #name, offsetof(struct sim_counters, name) }

static const struct {
	const char *name;
	size_t offset;
} counter_fields[] = {
	C(connections), C(refused), C(held),
	C(identifies), C(sessions_created), C(resumes), C(resumes_failed),
	C(events_sent), C(events_replayed), C(bytes_sent),
	C(heartbeats), C(heartbeat_acks),
	C(closes_sent), C(drops), C(client_closes),
	C(invalid_sessions), C(reconnects_sent), C(token_resets),
	C(rest_requests), C(rest_2xx), C(rest_401), C(rest_403), C(rest_404),
	C(rest_429), C(rest_429_global), C(rest_5xx), C(rest_banned),
	C(bans), C(messages_created), C(messages_posted),
	C(faults_fired), C(chaos_fired), C(scenario_fired),
	C(webhooks_received),
};

static int64_t
left(int64_t until, struct vtime now)
{
	return until > now.mono_ms ? until - now.mono_ms : 0;
}

static json_t *
active_faults(const struct sim *sim, struct vtime now)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}",
	    "refuse_ms", (json_int_t)left(sim->refuse_until, now),
	    "stall_ms", (json_int_t)left(sim->stall_until, now),
	    "rest_429_ms", (json_int_t)left(sim->rest.storm_until, now),
	    "global_429_ms", (json_int_t)left(sim->rest.global429_until, now),
	    "rest_5xx_left", (json_int_t)sim->rest.fivexx_left,
	    "ban_ms", (json_int_t)left(sim->rest.ban_until, now));
}

json_t *
sim_counters_json(const struct sim *sim, struct vtime now)
{
	json_t *o = json_object(), *faults = json_object();
	size_t i;
	int f;

	for (i = 0; i < sizeof(counter_fields) / sizeof(counter_fields[0]);
	    i++)
		json_object_set_new(o, counter_fields[i].name, json_integer(
		    (json_int_t)*(const uint64_t *)(const void *)(
		    (const char *)&sim->counters + counter_fields[i].offset)));
	for (f = 0; f < sim_fault_count() && f < SIM_FAULTS_MAX; f++)
		json_object_set_new(faults, sim_fault_name(f),
		    json_integer((json_int_t)sim->fault_counts[f]));
	json_object_set_new(o, "faults", faults);
	json_object_set_new(o, "session_starts_left",
	    json_integer(sim_budget_remaining(sim, now)));
	json_object_set_new(o, "invalid_requests",
	    json_integer(sim_rl_invalid_total(sim, now)));
	json_object_set_new(o, "token_revoked",
	    json_boolean(sim->token_revoked));
	json_object_set_new(o, "identify_min_key_gap_ms",
	    json_integer(sim->budget.min_key_gap));
	json_object_set_new(o, "identify_span_ms", json_integer(
	    sim->budget.first_identify < 0 ? -1 :
	    sim->budget.last_identify - sim->budget.first_identify));
	json_object_set_new(o, "active", active_faults(sim, now));
	return o;
}

static json_t *
conn_json(const struct sim *sim, const struct sim_conn *c, struct vtime now)
{
	static const char *const states[] = { "free", "auth", "live",
	    "closing", "blackhole" };

	return json_pack("{s:I, s:s, s:o, s:b, s:b, s:I, s:I, s:I, s:I}",
	    "id", (json_int_t)c->id, "state", states[c->state],
	    "session", c->sess >= 0 ? json_string(sim->sessions[c->sess].id) :
	    json_null(), "zlib", c->zlib, "zombie", c->zombie,
	    "age_ms", (json_int_t)(now.mono_ms - c->opened_at),
	    "frames_in", (json_int_t)c->frames_in,
	    "frames_out", (json_int_t)c->frames_out,
	    "burst_left", (json_int_t)c->burst_left);
}

static json_t *
session_json(const struct sim_session *s, struct vtime now)
{
	json_t *o = json_pack("{s:s, s:I, s:I, s:b, s:I, s:I}",
	    "session_id", s->id, "seq", (json_int_t)s->seq,
	    "intents", (json_int_t)s->intents, "resumable", s->resumable,
	    "buffered", (json_int_t)s->ring_len,
	    "age_ms", (json_int_t)(now.mono_ms - s->created_at));

	json_object_set_new(o, "conn", s->conn != 0 ?
	    json_integer(s->conn) : json_null());
	json_object_set_new(o, "expires_in_ms", s->conn != 0 ? json_null() :
	    json_integer(left(s->expires_at, now)));
	if (s->has_shard)
		json_object_set_new(o, "shard", json_pack("[i, i]",
		    s->shard_id, s->shard_count));
	return o;
}

json_t *
sim_sessions_json(const struct sim *sim, struct vtime now)
{
	json_t *conns = json_array(), *sessions = json_array();
	int64_t i;

	for (i = 0; i < sim->cfg.max_connections; i++) {
		if (sim->conns[i].state != SIM_CONN_FREE)
			json_array_append_new(conns,
			    conn_json(sim, &sim->conns[i], now));
	}
	for (i = 0; i < sim->cfg.max_sessions; i++) {
		if (sim->sessions[i].used)
			json_array_append_new(sessions,
			    session_json(&sim->sessions[i], now));
	}
	return json_pack("{s:o, s:o}", "connections", conns,
	    "sessions", sessions);
}
