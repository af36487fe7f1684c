/*
 * vigil.cache.guild(id), .channel(id), .user(id): what the bot's entity
 * cache holds, as a fresh table (a copy: changing it changes nothing), or
 * nil. Ids are strings, as in payloads.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "script/script-internal.h"

static uint64_t
check_id(lua_State *L)
{
	const char *s = luaL_checkstring(L, 1);
	char *end;
	unsigned long long v;

	if (s[0] < '0' || s[0] > '9')
		return 0;
	v = strtoull(s, &end, 10);
	return *end == '\0' ? (uint64_t)v : 0;
}

static void
set_id(lua_State *L, const char *k, uint64_t id)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, id);
	lua_pushstring(L, buf);
	lua_setfield(L, -2, k);
}

static void
set_str(lua_State *L, const char *k, const char *v)
{
	lua_pushstring(L, v);
	lua_setfield(L, -2, k);
}

static struct cache *
cache_of(lua_State *L)
{
	return script_of(L)->host->bot->cache;
}

static int
l_guild(lua_State *L)
{
	const struct cache_guild *g = cache_guild(cache_of(L), check_id(L));

	if (g == NULL)
		return 0;
	lua_createtable(L, 0, 4);
	set_id(L, "id", g->id);
	set_str(L, "name", g->name);
	lua_pushboolean(L, g->unavailable);
	lua_setfield(L, -2, "unavailable");
	lua_pushinteger(L, g->member_count);
	lua_setfield(L, -2, "member_count");
	return 1;
}

static int
l_channel(lua_State *L)
{
	const struct cache_channel *c = cache_channel(cache_of(L), check_id(L));

	if (c == NULL)
		return 0;
	lua_createtable(L, 0, 4);
	set_id(L, "id", c->id);
	if (c->guild_id != 0)
		set_id(L, "guild_id", c->guild_id);
	set_str(L, "name", c->name);
	lua_pushinteger(L, c->type);
	lua_setfield(L, -2, "type");
	return 1;
}

static int
l_user(lua_State *L)
{
	const struct cache_user *u = cache_user(cache_of(L), check_id(L));

	if (u == NULL)
		return 0;
	lua_createtable(L, 0, 3);
	set_id(L, "id", u->id);
	set_str(L, "username", u->username);
	lua_pushboolean(L, u->bot);
	lua_setfield(L, -2, "bot");
	return 1;
}

void
api_cache_open(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "guild", l_guild }, { "channel", l_channel }, { "user", l_user }, { NULL, NULL },
	};

	luaL_newlib(L, fns);
	lua_setfield(L, -2, "cache");
}
