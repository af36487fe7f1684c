/*
 * Lua values to JSON and back, for REST bodies and answers and for the
 * store. A table whose keys are exactly 1..n is an array, any other table
 * an object with string keys; an empty table is an object. Functions,
 * userdata, NaN and infinities are refused; nesting stops at
 * SCRIPT_JSON_DEPTH (cycles included).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "script/script-internal.h"

static json_t *to_json(lua_State *L, int idx, int depth, char *err, size_t errlen);

/* n when the table at idx has exactly the keys 1..n (n > 0), else 0. */
static lua_Integer
array_length(lua_State *L, int idx)
{
	lua_Integer n = (lua_Integer)lua_rawlen(L, idx), keys = 0;

	if (n == 0)
		return 0;
	lua_pushnil(L);
	while (lua_next(L, idx) != 0) {
		lua_pop(L, 1);
		if (!lua_isinteger(L, -1)) {
			lua_pop(L, 1);
			return 0;
		}
		keys++;
	}
	return keys == n ? n : 0;
}

static json_t *
table_to_json(lua_State *L, int idx, int depth, char *err, size_t errlen)
{
	lua_Integer n = array_length(L, idx);
	json_t *out = n > 0 ? json_array() : json_object();
	json_t *v;

	if (out == NULL)
		goto oom;
	for (lua_Integer i = 1; i <= n; i++) {
		lua_rawgeti(L, idx, i);
		v = to_json(L, lua_gettop(L), depth + 1, err, errlen);
		lua_pop(L, 1);
		if (v == NULL || json_array_append_new(out, v) < 0)
			goto fail;
	}
	if (n > 0)
		return out;
	lua_pushnil(L);
	while (lua_next(L, idx) != 0) {
		if (lua_type(L, -2) != LUA_TSTRING) {
			snprintf(err, errlen, "an object's keys must be strings");
			lua_pop(L, 2);
			goto fail;
		}
		v = to_json(L, lua_gettop(L), depth + 1, err, errlen);
		if (v == NULL || json_object_set_new(out, lua_tostring(L, -2), v) < 0) {
			lua_pop(L, 2);
			goto fail;
		}
		lua_pop(L, 1);
	}
	return out;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	json_decref(out);
	return NULL;
}

static json_t *
to_json(lua_State *L, int idx, int depth, char *err, size_t errlen)
{
	size_t n;
	const char *s;

	if (depth > SCRIPT_JSON_DEPTH || !lua_checkstack(L, 4)) {
		snprintf(err, errlen, "nested deeper than %d (a cycle?)", SCRIPT_JSON_DEPTH);
		return NULL;
	}
	switch (lua_type(L, idx)) {
	case LUA_TNIL:
		return json_null();
	case LUA_TBOOLEAN:
		return json_boolean(lua_toboolean(L, idx));
	case LUA_TNUMBER:
		if (lua_isinteger(L, idx))
			return json_integer((json_int_t)lua_tointeger(L, idx));
		if (!isfinite(lua_tonumber(L, idx))) {
			snprintf(err, errlen, "NaN and infinities are not JSON");
			return NULL;
		}
		return json_real(lua_tonumber(L, idx));
	case LUA_TSTRING:
		s = lua_tolstring(L, idx, &n);
		return json_stringn(s, n);
	case LUA_TTABLE:
		return table_to_json(L, idx, depth, err, errlen);
	default:
		snprintf(err, errlen, "a %s is not JSON-serialisable", luaL_typename(L, idx));
		return NULL;
	}
}

json_t *
json_from_lua(lua_State *L, int idx, char *err, size_t errlen)
{
	json_t *j = to_json(L, lua_absindex(L, idx), 0, err, errlen);

	if (j == NULL && err[0] == '\0')
		snprintf(err, errlen, "invalid UTF-8 or out of memory");
	return j;
}

static void
push(lua_State *L, const json_t *v)
{
	const char *key;
	json_t *item;
	size_t i;

	luaL_checkstack(L, 4, "JSON nested too deep");
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		lua_createtable(L, 0, (int)json_object_size(v));
		json_object_foreach((json_t *)v, key, item) {
			push(L, item);
			lua_setfield(L, -2, key);
		}
		return;
	case JSON_ARRAY:
		lua_createtable(L, (int)json_array_size(v), 0);
		json_array_foreach(v, i, item) {
			push(L, item);
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
		return;
	case JSON_STRING:
		lua_pushlstring(L, json_string_value(v), json_string_length(v));
		return;
	case JSON_INTEGER:
		lua_pushinteger(L, (lua_Integer)json_integer_value(v));
		return;
	case JSON_REAL:
		lua_pushnumber(L, json_real_value(v));
		return;
	case JSON_TRUE:
	case JSON_FALSE:
		lua_pushboolean(L, json_is_true(v));
		return;
	default:
		lua_pushnil(L);
		return;
	}
}

void
json_push(lua_State *L, const json_t *v)
{
	push(L, v);
}

static int
push_protected(lua_State *L)
{
	push(L, lua_touserdata(L, 1));
	return 1;
}

void
json_push_body(lua_State *L, const char *body, size_t len)
{
	json_error_t jerr;
	int rc;
	json_t *j = json_loadb(body, len, JSON_DECODE_ANY, &jerr);

	if (j == NULL || !(json_is_object(j) || json_is_array(j))) {
		json_decref(j);
		lua_pushlstring(L, body, len);
		return;
	}
	/* Built in protected mode so the tree is freed even when the
	 * script runs out of memory halfway. */
	lua_pushcfunction(L, push_protected);
	lua_pushlightuserdata(L, j);
	rc = lua_pcall(L, 1, 1, 0);
	json_decref(j);
	if (rc != LUA_OK)
		lua_error(L);
}
