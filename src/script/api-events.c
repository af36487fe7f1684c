/*
 * vigil.on(EVENT, fn) / vigil.off(handle), and the running of a script's
 * listeners for one event. A dispatch's payload is one lazy view shared by
 * the script's listeners for that event (api-message.c).
 */
#include <string.h>

#include "script/script-internal.h"

struct slistener *
script_listener(struct script *s, int handle)
{
	for (int i = 0; i < SCRIPT_LISTENERS_MAX; i++) {
		if (s->ls[i].handle == handle)
			return &s->ls[i];
	}
	return NULL;
}

static bool
matches(const struct slistener *l, const char *event, bool dispatch)
{
	if (l->handle == 0 || l->disabled)
		return false;
	if (l->event[0] == '*' && l->event[1] == '\0')
		return dispatch;
	return strcmp(l->event, event) == 0;
}

bool
script_listens(const struct script *s, const char *event, bool dispatch)
{
	for (int i = 0; i < SCRIPT_LISTENERS_MAX; i++) {
		if (matches(&s->ls[i], event, dispatch))
			return true;
	}
	return false;
}

static int
l_on(lua_State *L)
{
	struct script *s = script_of(L);
	const char *event = luaL_checkstring(L, 1);
	struct slistener *l;

	luaL_checktype(L, 2, LUA_TFUNCTION);
	if (event[0] == '\0' || strlen(event) >= LISTENER_NAME_MAX)
		return luaL_argerror(L, 1, "an event name of 1 to 31 bytes");
	l = script_listener(s, 0);
	if (l == NULL)
		return luaL_error(L, "too many listeners (at most %d)", SCRIPT_LISTENERS_MAX);
	lua_pushvalue(L, 2);
	l->fn = luaL_ref(L, LUA_REGISTRYINDEX);
	memset(l->event, 0, sizeof(l->event));
	memcpy(l->event, event, strlen(event));
	l->calls = l->errors = 0;
	l->window_start = 0;
	l->window_errors = 0;
	l->disabled = false;
	l->handle = ++s->next_handle;
	lua_pushinteger(L, l->handle);
	return 1;
}

static int
l_off(lua_State *L)
{
	struct script *s = script_of(L);
	lua_Integer h = luaL_checkinteger(L, 1);
	struct slistener *l = h > 0 && h <= s->next_handle ? script_listener(s, (int)h) : NULL;

	if (l == NULL) {
		lua_pushboolean(L, 0);
		return 1;
	}
	luaL_unref(L, LUA_REGISTRYINDEX, l->fn);
	l->handle = 0;
	lua_pushboolean(L, 1);
	return 1;
}

void
api_events_open(lua_State *L)
{
	lua_pushcfunction(L, l_on);
	lua_setfield(L, -2, "on");
	lua_pushcfunction(L, l_off);
	lua_setfield(L, -2, "off");
}

struct emit {
	struct event *ev;
	bool dispatch;
};

static void
push_arg(struct script *s, const struct emit *e, int src)
{
	if (src > 0)
		view_push_root(s->L, src);
	else if (e->ev->detail != NULL)
		lua_pushstring(s->L, e->ev->detail);
	else
		lua_pushnil(s->L);
}

static void
emit_protected(struct script *s, void *ud)
{
	struct emit *e = ud;
	int src = 0;
	bool kept = false;

	for (int i = 0; i < SCRIPT_LISTENERS_MAX; i++) {
		struct slistener *l = &s->ls[i];
		if (!matches(l, e->ev->name, e->dispatch))
			continue;
		if (src == 0 && e->dispatch)
			src = view_push_source(s->L, e->ev->frame, e->ev->shard);
		l->calls++;
		lua_rawgeti(s->L, LUA_REGISTRYINDEX, l->fn);
		push_arg(s, e, src);
		script_start(s, 1, l->handle);
		kept = kept || s->yielded;
	}
	if (src > 0)
		view_source_end(s->L, src, kept);
}

void
script_emit(struct script *s, struct event *ev)
{
	struct emit e = { ev, ev->frame != NULL };

	if (!script_listens(s, ev->name, e.dispatch))
		return;
	script_protected(s, emit_protected, &e);
}
