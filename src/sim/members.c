/*
 * Op 8, REQUEST_GUILD_MEMBERS: answered with one GUILD_MEMBERS_CHUNK from
 * the demo world, filtered by username prefix or by user ids, as Discord
 * does for a small guild. Requests for guilds the session cannot see are
 * ignored.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim/core.h"

#define MEMBERS_LIMIT_MAX 100

static bool
wanted(const struct sim *sim, int user, const char *query, json_t *ids)
{
	const struct sim_user *u = &sim->world.users[user];
	size_t i;
	json_t *v;

	if (json_is_string(ids))
		return sim_world_user(sim, strtoull(json_string_value(ids), NULL,
		    10)) == user;
	if (json_is_array(ids)) {
		json_array_foreach(ids, i, v) {
			if (json_is_string(v) && sim_world_user(sim, strtoull(
			    json_string_value(v), NULL, 10)) == user)
				return true;
		}
		return false;
	}
	return strncasecmp(u->username, query, strlen(query)) == 0;
}

static json_t *
chunk_json(const struct sim *sim, const struct sim_guild *g, json_t *d)
{
	json_t *q = json_object_get(d, "query");
	json_t *ids = json_object_get(d, "user_ids");
	json_int_t limit = json_integer_value(json_object_get(d, "limit"));
	json_t *members = json_array(), *chunk;
	const char *query = json_is_string(q) ? json_string_value(q) : "";
	int u;

	if (limit <= 0 || limit > MEMBERS_LIMIT_MAX)
		limit = MEMBERS_LIMIT_MAX;
	for (u = 0; u < sim->world.nusers; u++) {
		json_t *m;

		if (!sim_world_is_member(g, u) || !wanted(sim, u, query, ids))
			continue;
		if ((json_int_t)json_array_size(members) >= limit)
			break;
		m = sim_world_member_json(sim, g, u);
		json_object_set_new(m, "user", sim_world_user_json(sim, u));
		json_array_append_new(members, m);
	}
	chunk = json_pack("{s:o, s:o, s:i, s:i, s:[]}", "guild_id",
	    sim_world_snowflake_json(g->id), "members", members, "chunk_index", 0,
	    "chunk_count", 1, "not_found");
	if (chunk != NULL && json_is_string(json_object_get(d, "nonce")))
		json_object_set(chunk, "nonce", json_object_get(d, "nonce"));
	return chunk;
}

void
sim_gw_request_members(struct sim *sim, struct vtime now, struct sim_conn *c,
    json_t *d)
{
	json_t *gid = json_object_get(d, "guild_id");
	const struct sim_guild *g;

	if (!json_is_string(gid)) {
		sim_gw_close(sim, now, c, 4001, "Invalid REQUEST_GUILD_MEMBERS.");
		return;
	}
	g = sim_world_guild(sim, strtoull(json_string_value(gid), NULL, 10));
	if (g == NULL || !sim_sess_on_shard(&sim->sessions[c->sess], g->id))
		return;
	sim_sess_dispatch_json(sim, now, c->sess, "GUILD_MEMBERS_CHUNK",
	    chunk_json(sim, g, d));
}
