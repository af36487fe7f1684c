/*
 * Starting and continuing sessions: IDENTIFY (validated in Discord's order:
 * token, intents, shard, concurrency, the daily budget), READY and the
 * GUILD_CREATEs that follow it, RESUME with its replay, and the token reset
 * that Discord performs when a bot identifies past its session-start limit.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sim/core.h"

static bool
token_ok(const struct sim *sim, json_t *token)
{
	return json_is_string(token) && !sim->token_revoked &&
	    strcmp(json_string_value(token), sim->cfg.token) == 0;
}

/* 0, or the close code the intents deserve. */
static int
check_intents(const struct sim *sim, json_t *intents)
{
	json_int_t v;

	if (!json_is_integer(intents))
		return 4013;
	v = json_integer_value(intents);
	if (v < 0 || (v & ~(json_int_t)SIM_INTENTS_VALID) != 0)
		return 4013;
	if ((v & SIM_INTENTS_PRIVILEGED & ~sim->cfg.privileged_intents) != 0)
		return 4014;
	return 0;
}

/* 0 with the shard read into s, or -1 for 4010. */
static int
read_shard(json_t *shard, struct sim_session *s)
{
	json_t *id = json_array_get(shard, 0), *count = json_array_get(shard, 1);

	s->has_shard = false;
	s->shard_id = 0;
	s->shard_count = 1;
	if (shard == NULL || json_is_null(shard))
		return 0;
	if (!json_is_array(shard) || json_array_size(shard) != 2 ||
	    !json_is_integer(id) || !json_is_integer(count))
		return -1;
	if (json_integer_value(count) < 1 || json_integer_value(count) > 4096 ||
	    json_integer_value(id) < 0 ||
	    json_integer_value(id) >= json_integer_value(count))
		return -1;
	s->has_shard = true;
	s->shard_id = (int)json_integer_value(id);
	s->shard_count = (int)json_integer_value(count);
	return 0;
}

static json_t *
ready_json(struct sim *sim, const struct sim_session *s)
{
	json_t *guilds = json_array(), *user, *d;
	int g;

	for (g = 0; g < sim->world.nguilds; g++) {
		const struct sim_guild *gd = &sim->world.guilds[g];

		if (sim_sess_on_shard(s, gd->id))
			json_array_append_new(guilds, json_pack("{s:o, s:b}",
			    "id", sim_world_snowflake_json(gd->id),
			    "unavailable", 1));
	}
	user = sim_world_user_json(sim, 0);
	json_object_set_new(user, "verified", json_true());
	json_object_set_new(user, "mfa_enabled", json_false());
	json_object_set_new(user, "flags", json_integer(0));
	d = json_pack("{s:i, s:o, s:o, s:s, s:s, s:s, s:{s:o, s:i}, s:[],"
	    " s:[], s:[], s:{}, s:[s]}",
	    "v", 10, "user", user, "guilds", guilds,
	    "session_id", s->id, "session_type", "normal",
	    "resume_gateway_url", sim->gateway_url,
	    "application", "id", sim_world_snowflake_json(sim->world.app_id),
	    "flags", 0,
	    "private_channels", "presences", "guild_join_requests",
	    "auth", "_trace", "[\"vigil-sim\",{\"micros\":0.0}]");
	if (d != NULL && s->has_shard)
		json_object_set_new(d, "shard", json_pack("[i, i]",
		    s->shard_id, s->shard_count));
	return d;
}

static void
send_ready(struct sim *sim, struct vtime now, int idx)
{
	const struct sim_session *s = &sim->sessions[idx];
	int g;

	sim_sess_dispatch_json(sim, now, idx, "READY", ready_json(sim, s));
	if ((s->intents & SIM_INTENT_GUILDS) == 0)
		return;
	for (g = 0; g < sim->world.nguilds; g++) {
		const struct sim_guild *gd = &sim->world.guilds[g];

		if (sim_sess_on_shard(s, gd->id))
			sim_sess_dispatch_json(sim, now, idx, "GUILD_CREATE",
			    sim_world_guild_json(sim, gd, true));
	}
}

/* Discord requires sharding past 2,500 guilds a shard (close 4011). */
static bool
too_many_guilds(const struct sim *sim, const struct sim_session *probe)
{
	int64_t n = 0;

	for (int g = 0; g < sim->world.nguilds; g++)
		n += sim_sess_on_shard(probe, sim->world.guilds[g].id);
	return n > sim->cfg.max_guilds_per_shard;
}

/* 0, or the close code an IDENTIFY deserves; the shard into probe. */
static int
refusal(const struct sim *sim, json_t *d, struct sim_session *probe)
{
	int code;

	if (!json_is_object(d) ||
	    !json_is_object(json_object_get(d, "properties")))
		return 4001;
	if (!token_ok(sim, json_object_get(d, "token")))
		return 4004;
	if ((code = check_intents(sim, json_object_get(d, "intents"))) != 0)
		return code;
	if (read_shard(json_object_get(d, "shard"), probe) != 0)
		return 4010;
	return too_many_guilds(sim, probe) ? 4011 : 0;
}

void
sim_gw_identify(struct sim *sim, struct vtime now, struct sim_conn *c, json_t *d)
{
	struct sim_session probe, *s;
	int code, idx;

	if ((code = refusal(sim, d, &probe)) != 0) {
		sim_gw_close(sim, now, c, code, code == 4001 ?
		    "Invalid IDENTIFY payload." : NULL);
		return;
	}
	switch (sim_budget_take(sim, now, probe.shard_id)) {
	case BUDGET_CONCURRENCY:
		sim_gw_invalid_session(sim, now, c, false);
		return;
	case BUDGET_EXHAUSTED:
		sim_gw_token_reset(sim, now);
		return;
	default:
		break;
	}
	sim->counters.identifies++;
	if ((idx = sim_sess_new(sim, now)) < 0) {
		sim_gw_invalid_session(sim, now, c, false);
		return;
	}
	s = &sim->sessions[idx];
	s->intents = (uint32_t)json_integer_value(json_object_get(d,
	    "intents"));
	s->has_shard = probe.has_shard;
	s->shard_id = probe.shard_id;
	s->shard_count = probe.shard_count;
	sim_sess_attach(sim, idx, c);
	send_ready(sim, now, idx);
}

/* The session resumed elsewhere loses its old connection. */
static void
take_over(struct sim *sim, struct vtime now, int idx)
{
	struct sim_conn *old = sim_gw_conn(sim, sim->sessions[idx].conn);

	if (old != NULL)
		sim_gw_close(sim, now, old, 4000, "Session resumed elsewhere.");
	sim->sessions[idx].conn = 0;
}

void
sim_gw_resume(struct sim *sim, struct vtime now, struct sim_conn *c, json_t *d)
{
	json_t *sid = json_object_get(d, "session_id");
	json_t *seq = json_object_get(d, "seq");
	int idx;

	if (!json_is_object(d) || !json_is_string(sid) ||
	    (!json_is_integer(seq) && !json_is_null(seq))) {
		sim_gw_close(sim, now, c, 4001, "Invalid RESUME payload.");
		return;
	}
	if (!token_ok(sim, json_object_get(d, "token"))) {
		sim_gw_close(sim, now, c, 4004, NULL);
		return;
	}
	idx = sim_sess_find(sim, json_string_value(sid));
	if (idx < 0 || !sim->sessions[idx].resumable ||
	    sim->sessions[idx].token_gen != sim->token_gen) {
		sim->counters.resumes_failed++;
		sim_gw_invalid_session(sim, now, c, false);
		return;
	}
	take_over(sim, now, idx);
	if (sim_sess_replay(sim, idx, c, json_is_null(seq) ? 0 :
	    (int64_t)json_integer_value(seq)) != 0) {
		sim->counters.resumes_failed++;
		sim_sess_invalidate(sim, idx);
		sim_gw_close(sim, now, c, 4007, NULL);
		return;
	}
	sim->counters.resumes++;
	sim_sess_attach(sim, idx, c);
	sim_sess_dispatch_json(sim, now, idx, "RESUMED", json_pack("{s:[s]}", "_trace",
	    "[\"vigil-sim\",{\"micros\":0.0}]"));
}

void
sim_gw_token_reset(struct sim *sim, struct vtime now)
{
	int64_t i;

	sim->token_revoked = true;
	sim->token_gen++;
	sim->counters.token_resets++;
	for (i = 0; i < sim->cfg.max_connections; i++) {
		struct sim_conn *c = &sim->conns[i];

		if (c->state != SIM_CONN_FREE && c->state != SIM_CONN_BLACKHOLE)
			sim_gw_close(sim, now, c, 4004, NULL);
	}
	for (i = 0; i < sim->cfg.max_sessions; i++) {
		if (sim->sessions[i].used)
			sim_sess_invalidate(sim, (int)i);
	}
}
