/*
 * What a script may reach (docs/bots.md, "Sandbox"): the base library
 * without file access, string, table, math, utf8, coroutine, and of os only
 * time, date, clock and difftime. No io, debug, package or C modules; load
 * takes text only (no binary chunks); print goes to the log; require loads
 * Lua files from the script's own directory, read by the driver.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "script/script-internal.h"

#define REQUIRE_LOADED "vigil.required"

static const char *const base_removed[] = { "dofile", "loadfile", NULL };
static const char *const os_kept[] = { "time", "date", "clock", "difftime", NULL };

static void
open_lib(lua_State *L, const char *name, lua_CFunction open)
{
	luaL_requiref(L, name, open, 1);
	lua_pop(L, 1);
}

/* load with the mode forced to text: a binary chunk can crash the VM. */
static int
text_load(lua_State *L)
{
	int n = lua_gettop(L);

	if (n < 3)
		lua_settop(L, 3);
	lua_pushliteral(L, "t");
	lua_replace(L, 3);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	return lua_gettop(L);
}

static int
log_print(lua_State *L)
{
	struct script *s = script_of(L);
	luaL_Buffer b;
	int n = lua_gettop(L);

	luaL_buffinit(L, &b);
	for (int i = 1; i <= n; i++) {
		if (i > 1)
			luaL_addchar(&b, '\t');
		luaL_tolstring(L, i, NULL);
		luaL_addvalue(&b);
	}
	luaL_pushresult(&b);
	script_log(s, LOG_INFO, "%s", lua_tostring(L, -1));
	return 0;
}

static bool
module_name_ok(const char *name)
{
	if (name[0] == '\0' || strlen(name) >= SCRIPT_NAME_MAX)
		return false;
	for (const char *p = name; *p; p++) {
		if (!(*p == '_' || *p == '-' || (*p >= '0' && *p <= '9') ||
		    (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
			return false;
	}
	return true;
}

static int
require_file(lua_State *L)
{
	struct script *s = script_of(L);
	const struct script_driver *d = &s->host->drv;
	const char *name = luaL_checkstring(L, 1);
	char path[SCRIPT_PATH_MAX + SCRIPT_NAME_MAX + 8], chunk[SCRIPT_NAME_MAX + 8], why[200];
	size_t len;
	char *src;
	int rc;

	if (!module_name_ok(name))
		return luaL_error(L, "require '%s': a module is a .lua file in the bot's own directory, "
		    "named with letters, digits, - and _", name);
	lua_getfield(L, LUA_REGISTRYINDEX, REQUIRE_LOADED);
	if (lua_getfield(L, -1, name) != LUA_TNIL)
		return 1;
	lua_pop(L, 1);
	snprintf(path, sizeof(path), "%s%s.lua", s->dir, name);
	src = d->read_file(d->ud, path, SCRIPT_SOURCE_MAX, &len, why, sizeof(why));
	if (src == NULL)
		return luaL_error(L, "require '%s': %s", name, why);
	snprintf(chunk, sizeof(chunk), "@%s.lua", name);
	rc = luaL_loadbufferx(L, src, len, chunk, "t");
	free(src);
	if (rc != LUA_OK)
		return lua_error(L);
	lua_pushstring(L, name);
	lua_call(L, 1, 1);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		lua_pushboolean(L, 1);
	}
	lua_pushvalue(L, -1);
	lua_setfield(L, -3, name);
	return 1;
}

static void
trim_os(lua_State *L)
{
	lua_getglobal(L, "os");
	lua_newtable(L);
	for (int i = 0; os_kept[i] != NULL; i++) {
		lua_getfield(L, -2, os_kept[i]);
		lua_setfield(L, -2, os_kept[i]);
	}
	lua_setglobal(L, "os");
	lua_pop(L, 1);
}

void
sandbox_open(lua_State *L)
{
	open_lib(L, LUA_GNAME, luaopen_base);
	open_lib(L, LUA_STRLIBNAME, luaopen_string);
	open_lib(L, LUA_TABLIBNAME, luaopen_table);
	open_lib(L, LUA_MATHLIBNAME, luaopen_math);
	open_lib(L, LUA_UTF8LIBNAME, luaopen_utf8);
	open_lib(L, LUA_COLIBNAME, luaopen_coroutine);
	open_lib(L, LUA_OSLIBNAME, luaopen_os);
	trim_os(L);
	for (int i = 0; base_removed[i] != NULL; i++) {
		lua_pushnil(L);
		lua_setglobal(L, base_removed[i]);
	}
	/* string.dump makes binary chunks, which load refuses anyway. */
	lua_getglobal(L, LUA_STRLIBNAME);
	lua_pushnil(L);
	lua_setfield(L, -2, "dump");
	lua_pop(L, 1);
	lua_getglobal(L, "load");
	lua_pushcclosure(L, text_load, 1);
	lua_setglobal(L, "load");
	lua_pushcfunction(L, log_print);
	lua_setglobal(L, "print");
	lua_newtable(L);
	lua_setfield(L, LUA_REGISTRYINDEX, REQUIRE_LOADED);
	lua_pushcfunction(L, require_file);
	lua_setglobal(L, "require");
}
