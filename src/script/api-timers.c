/*
 * vigil.every(SECONDS, fn), vigil.after(SECONDS, fn), vigil.cancel(handle):
 * the seed's periodic tasks, on the host's time (no clock read). A failing
 * run is logged and the next one still happens; a timer that fell behind
 * runs once and is rescheduled from now, never in a burst.
 */
#include <math.h>

#include "script/script-internal.h"

/* The shortest period: a timer must not turn the loop into a busy wait. */
#define TIMER_MIN_MS 10
#define TIMER_MAX_S  (365.0 * 24 * 3600)

static struct stimer *
timer_find(struct script *s, int handle)
{
	for (int i = 0; i < SCRIPT_TIMERS_MAX; i++) {
		if (s->tm[i].handle == handle)
			return &s->tm[i];
	}
	return NULL;
}

static int
add(lua_State *L, bool repeat)
{
	struct script *s = script_of(L);
	lua_Number secs = luaL_checknumber(L, 1);
	int64_t ms;
	struct stimer *t;

	luaL_checktype(L, 2, LUA_TFUNCTION);
	if (!(secs >= 0 && secs <= TIMER_MAX_S))
		return luaL_argerror(L, 1, "seconds between 0 and a year");
	ms = (int64_t)llround(secs * 1000.0);
	if (repeat && ms < TIMER_MIN_MS)
		ms = TIMER_MIN_MS;
	t = timer_find(s, 0);
	if (t == NULL)
		return luaL_error(L, "too many timers (at most %d)", SCRIPT_TIMERS_MAX);
	lua_pushvalue(L, 2);
	t->fn = luaL_ref(L, LUA_REGISTRYINDEX);
	t->due = s->host->now.mono_ms + ms;
	t->period = repeat ? ms : 0;
	t->handle = ++s->next_handle;
	lua_pushinteger(L, t->handle);
	return 1;
}

static int
l_every(lua_State *L)
{
	return add(L, true);
}

static int
l_after(lua_State *L)
{
	return add(L, false);
}

static void
drop(lua_State *L, struct stimer *t)
{
	luaL_unref(L, LUA_REGISTRYINDEX, t->fn);
	t->handle = 0;
}

static int
l_cancel(lua_State *L)
{
	struct script *s = script_of(L);
	lua_Integer h = luaL_checkinteger(L, 1);
	struct stimer *t = h > 0 && h <= s->next_handle ? timer_find(s, (int)h) : NULL;

	if (t != NULL)
		drop(L, t);
	lua_pushboolean(L, t != NULL);
	return 1;
}

void
api_timers_open(lua_State *L)
{
	lua_pushcfunction(L, l_every);
	lua_setfield(L, -2, "every");
	lua_pushcfunction(L, l_after);
	lua_setfield(L, -2, "after");
	lua_pushcfunction(L, l_cancel);
	lua_setfield(L, -2, "cancel");
}

static void
run_due(struct script *s, void *ud)
{
	int64_t now = *(const int64_t *)ud;

	for (int i = 0; i < SCRIPT_TIMERS_MAX; i++) {
		struct stimer *t = &s->tm[i];
		if (t->handle == 0 || t->due > now)
			continue;
		/* On the stack, the function outlives a cancel of its own timer. */
		lua_rawgeti(s->L, LUA_REGISTRYINDEX, t->fn);
		if (t->period > 0) {
			t->due += t->period;
			if (t->due <= now)
				t->due = now + t->period;
		} else {
			drop(s->L, t);
		}
		script_start(s, 0, 0);
	}
}

void
script_timers_run(struct script *s, struct vtime now)
{
	if (script_timers_next(s) > now.mono_ms)
		return;
	script_protected(s, run_due, &now.mono_ms);
}

int64_t
script_timers_next(const struct script *s)
{
	int64_t t = VTIME_NEVER;

	for (int i = 0; i < SCRIPT_TIMERS_MAX; i++) {
		if (s->tm[i].handle != 0 && s->tm[i].due < t)
			t = s->tm[i].due;
	}
	return t;
}
