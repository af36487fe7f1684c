/*
 * vigil.state(): the public state of the connection, as the console shows
 * it. Built from the bot's snapshot, which holds no token: nothing a script
 * can reach does.
 */
#include "script/script-internal.h"

static void
set_int(lua_State *L, const char *k, lua_Integer v)
{
	lua_pushinteger(L, v);
	lua_setfield(L, -2, k);
}

static void
set_str(lua_State *L, const char *k, const char *v)
{
	lua_pushstring(L, v);
	lua_setfield(L, -2, k);
}

static int
l_state(lua_State *L)
{
	struct script_host *h = script_of(L)->host;
	struct bot_snapshot *v = lua_newuserdatauv(L, sizeof(*v), 0);

	bot_snapshot(h->bot, h->now, v);
	lua_createtable(L, 0, 12);
	set_str(L, "state", bot_state_name(v->state));
	set_str(L, "phase", bot_phase_name(v->phase));
	set_int(L, "attempt", v->attempt);
	set_int(L, "starts_left", v->budget_remaining);
	set_int(L, "shard_id", v->shard_id);
	set_int(L, "shard_count", v->shard_count);
	set_int(L, "seq", v->seq);
	set_int(L, "in_state_ms", v->in_state_ms);
	set_int(L, "identifies", (lua_Integer)v->stats.identifies);
	set_int(L, "resumes", (lua_Integer)v->stats.resumed);
	set_int(L, "events", (lua_Integer)v->stats.events);
	set_int(L, "now_ms", h->now.wall_ms);
	set_int(L, "mono_ms", h->now.mono_ms);
	return 1;
}

void
api_state_open(lua_State *L)
{
	lua_pushcfunction(L, l_state);
	lua_setfield(L, -2, "state");
}
