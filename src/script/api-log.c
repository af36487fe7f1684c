/*
 * vigil.log.debug/info/warn/error(fmt, ...): string.format, then one line
 * in vigil's log with the script's name as the source. The level is tested
 * before anything is formatted.
 */
#include "script/script-internal.h"

static int
log_at(lua_State *L, enum log_level level)
{
	struct script *s = script_of(L);
	int n = lua_gettop(L);

	luaL_checkstring(L, 1);
	if (!log_enabled(s->host->bot->log, level))
		return 0;
	/* The real string.format, kept before the script could replace it. */
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, n, 1);
	script_log(s, level, "%s", lua_tostring(L, -1));
	return 0;
}

static int l_debug(lua_State *L) { return log_at(L, LOG_DEBUG); }
static int l_info(lua_State *L) { return log_at(L, LOG_INFO); }
static int l_warn(lua_State *L) { return log_at(L, LOG_WARN); }
static int l_error(lua_State *L) { return log_at(L, LOG_ERROR); }

void
api_log_open(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "debug", l_debug }, { "info", l_info }, { "warn", l_warn }, { "error", l_error },
		{ NULL, NULL },
	};

	lua_newtable(L);
	lua_getglobal(L, LUA_STRLIBNAME);
	lua_getfield(L, -1, "format");
	lua_remove(L, -2);
	luaL_setfuncs(L, fns, 1);
	lua_setfield(L, -2, "log");
}
