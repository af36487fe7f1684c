/*
 * vigil.store.get(k) / vigil.store.set(k, v): a small key-value store per
 * script, bounded (script_store bytes, counted as keys plus compact JSON
 * values). It lives in the host, so it survives reloads; the app persists
 * it when the host says it changed (script_host_store_take) and hands it
 * back at load (script_driver.store_read).
 */
#include <stdio.h>
#include <string.h>

#include "script/script-internal.h"

#define STORE_KEY_MAX 256
#define DUMP_FLAGS    (JSON_COMPACT | JSON_ENCODE_ANY)

void
store_init(struct script_store *st)
{
	memset(st, 0, sizeof(*st));
}

void
store_free(struct script_store *st)
{
	json_decref(st->obj);
	store_init(st);
}

static size_t
entry_bytes(const char *key, const json_t *v)
{
	return strlen(key) + json_dumpb(v, NULL, 0, DUMP_FLAGS);
}

int
store_load(struct script_store *st, const char *json, size_t max, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *obj = json_loads(json, 0, &jerr);
	const char *key;
	json_t *v;
	size_t bytes = 0;

	if (obj == NULL || !json_is_object(obj)) {
		snprintf(err, errlen, "the store is not a JSON object (%s)", obj ? "" : jerr.text);
		json_decref(obj);
		return -1;
	}
	json_object_foreach(obj, key, v)
		bytes += entry_bytes(key, v);
	if (bytes > max) {
		snprintf(err, errlen, "the store holds %zu bytes, over the %zu limit", bytes, max);
		json_decref(obj);
		return -1;
	}
	json_decref(st->obj);
	st->obj = obj;
	st->bytes = bytes;
	st->dirty = false;
	return 0;
}

static int
l_get(lua_State *L)
{
	struct script *s = script_of(L);
	const char *key = luaL_checkstring(L, 1);
	json_t *v = s->store->obj != NULL ? json_object_get(s->store->obj, key) : NULL;

	if (v == NULL)
		return 0;
	json_push(L, v);
	return 1;
}

static int
l_set(lua_State *L)
{
	struct script *s = script_of(L);
	struct script_store *st = s->store;
	const char *key = luaL_checkstring(L, 1);
	json_t *old, *v = NULL;
	size_t bytes;
	char err[128] = "";

	luaL_argcheck(L, key[0] != '\0' && strlen(key) < STORE_KEY_MAX, 1,
	    "a key of 1 to 255 bytes");
	if (st->obj == NULL && (st->obj = json_object()) == NULL)
		return luaL_error(L, "store: out of memory");
	if (!lua_isnoneornil(L, 2) && (v = json_from_lua(L, 2, err, sizeof(err))) == NULL)
		return luaL_error(L, "store.set(\"%s\"): %s", key, err);
	old = json_object_get(st->obj, key);
	bytes = st->bytes - (old != NULL ? entry_bytes(key, old) : 0);
	if (v != NULL)
		bytes += entry_bytes(key, v);
	if (v != NULL && bytes > s->host->lim.store) {
		json_decref(v);
		return luaL_error(L, "store.set(\"%s\"): the store would hold %I bytes, over its "
		    "%I limit (script_store)", key, (lua_Integer)bytes, (lua_Integer)s->host->lim.store);
	}
	if (v != NULL)
		json_object_set_new(st->obj, key, v);
	else
		json_object_del(st->obj, key);
	st->bytes = bytes;
	st->dirty = true;
	return 0;
}

void
api_store_open(lua_State *L)
{
	static const luaL_Reg fns[] = { { "get", l_get }, { "set", l_set }, { NULL, NULL } };

	luaL_newlib(L, fns);
	lua_setfield(L, -2, "store");
}
