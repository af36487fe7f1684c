/*
 * One loaded script: its Lua state with a counting allocator (the memory
 * cap), the count hook (the time limit), its top level, and the runs of its
 * callbacks as coroutines with their errors isolated (docs/bots.md).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "script/script-internal.h"

/* Lua 5.4: when ptr is NULL, osize is the kind of object being made, not a
 * size, so it must not be taken off the count. */
static void *
counting_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct script *s = ud;
	size_t old = ptr != NULL ? osize : 0;
	void *p;

	if (nsize == 0) {
		free(ptr);
		s->mem -= old;
		return NULL;
	}
	if (nsize > old && s->mem - old + nsize > s->mem_cap)
		return NULL;
	p = realloc(ptr, nsize);
	if (p == NULL)
		return NULL;
	s->mem = s->mem - old + nsize;
	if (s->mem > s->mem_peak)
		s->mem_peak = s->mem;
	return p;
}

struct script *
script_of(lua_State *L)
{
	void *ud;

	lua_getallocf(L, &ud);
	return ud;
}

static int64_t
clock_now(const struct script *s)
{
	return s->host->drv.clock_ms(s->host->drv.ud);
}

/* Redis's busy-script trick: once over time, the hook fires on every
 * instruction, so a pcall that swallows the error is hit again at once and
 * the run unwinds all the way out. */
static void
on_count(lua_State *L, lua_Debug *ar)
{
	struct script *s = script_of(L);

	(void)ar;
	if (!s->timed_out) {
		if (s->deadline == VTIME_NEVER || clock_now(s) < s->deadline)
			return;
		s->timed_out = true;
	}
	lua_sethook(L, on_count, LUA_MASKCOUNT, 1);
	luaL_error(L, "interrupted: ran longer than %d ms (script_timeout)",
	    (int)s->host->lim.timeout_ms);
}

static void
arm(struct script *s)
{
	s->timed_out = false;
	s->deadline = clock_now(s) + s->host->lim.timeout_ms;
}

static void
disarm(struct script *s, lua_State *L)
{
	s->deadline = VTIME_NEVER;
	s->timed_out = false;
	lua_sethook(L, on_count, LUA_MASKCOUNT, SCRIPT_HOOK_COUNT);
}

void
script_log(struct script *s, enum log_level level, const char *fmt, ...)
{
	struct logring *log = s->host->bot->log;
	char text[LOG_TEXT_MAX];
	va_list ap;

	if (!log_enabled(log, level))
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	logring_add(log, level, s->name, "%s", text);
}

static void
first_line(char *out, size_t outlen, const char *msg)
{
	size_t n = strcspn(msg, "\n");

	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, msg, n);
	out[n] = '\0';
}

static void
breaker(struct script *s, struct slistener *l)
{
	int64_t now = s->host->now.mono_ms;

	l->errors++;
	if (now - l->window_start >= SCRIPT_ERROR_WINDOW_MS) {
		l->window_start = now;
		l->window_errors = 0;
	}
	if (++l->window_errors <= s->host->lim.error_limit || l->disabled)
		return;
	l->disabled = true;
	script_log(s, LOG_ERROR, "listener %d (%s) disabled: more than %d errors in a minute; "
	    "`bot enable %s` turns it back on", l->handle, l->event, s->host->lim.error_limit,
	    s->name);
	bot_alert(s->host->bot, "bot %s: listener %s disabled after repeated errors", s->name,
	    l->event);
}

void
script_fail(struct script *s, int listener, const char *what, const char *msg)
{
	struct slistener *l = listener > 0 ? script_listener(s, listener) : NULL;
	const char *nl;

	if (msg == NULL)
		msg = "error object is not a string";
	s->nerrors++;
	host_count_error(s->host);
	first_line(s->last_error, sizeof(s->last_error), msg);
	script_log(s, LOG_ERROR, "%s: %s", what, s->last_error);
	nl = strchr(msg, '\n');
	if (nl != NULL)
		script_log(s, LOG_DEBUG, "%s", nl + 1);
	if (l != NULL)
		breaker(s, l);
}

static void
run_failed(struct script *s, lua_State *co, int listener)
{
	const char *msg = lua_tostring(co, -1);

	luaL_traceback(s->L, co, msg != NULL ? msg : "error object is not a string", 0);
	script_fail(s, listener, listener > 0 ? "listener" : "timer", lua_tostring(s->L, -1));
	lua_pop(s->L, 1);
}

void
script_resume(struct script *s, lua_State *co, int nargs, int listener)
{
	int status, nres;

	s->ncalls++;
	s->running = co;
	s->listener = listener;
	s->yielded = false;
	arm(s);
	status = lua_resume(co, s->L, nargs, &nres);
	s->running = NULL;
	disarm(s, co);
	if (status == LUA_OK) {
		lua_settop(co, 0);
		return;
	}
	if (status == LUA_YIELD) {
		if (!s->yielded)
			script_fail(s, listener, "listener",
			    "coroutine.yield outside a coroutine of your own (use vigil.rest)");
		return;
	}
	run_failed(s, co, listener);
}

/* A coroutine for the next run, pushed on the main state: the one the
 * last run left finished (a dead coroutine that returned normally can run
 * a new function in Lua 5.4), else a new one. Saves an allocation and its
 * garbage per event. */
static lua_State *
take_thread(struct script *s)
{
	lua_State *co = s->idle;

	if (co == NULL)
		return lua_newthread(s->L);
	s->idle = NULL;
	lua_rawgeti(s->L, LUA_REGISTRYINDEX, s->idle_ref);
	return co;
}

/* Keeps co (on top of the main state) for the next run if it finished. */
static void
keep_thread(struct script *s, lua_State *co)
{
	if (s->idle != NULL || lua_status(co) != LUA_OK || lua_gettop(co) != 0)
		return;
	if (s->idle_ref == LUA_NOREF) {
		lua_pushvalue(s->L, -1);
		s->idle_ref = luaL_ref(s->L, LUA_REGISTRYINDEX);
	} else {
		lua_pushvalue(s->L, -1);
		lua_rawseti(s->L, LUA_REGISTRYINDEX, s->idle_ref);
	}
	s->idle = co;
}

void
script_start(struct script *s, int nargs, int listener)
{
	lua_State *L = s->L;
	lua_State *co = take_thread(s);

	/* fn and its arguments sit under the thread. */
	lua_rotate(L, -(nargs + 2), 1);
	lua_xmove(L, co, nargs + 1);
	script_resume(s, co, nargs, listener);
	if (!s->yielded)
		keep_thread(s, co);
	lua_pop(L, 1);
}

struct protected {
	struct script *s;
	void (*fn)(struct script *, void *);
	void *ud;
};

static int
protected_call(lua_State *L)
{
	struct protected *p = lua_touserdata(L, 1);

	lua_pop(L, 1);
	p->fn(p->s, p->ud);
	return 0;
}

void
script_protected(struct script *s, void (*fn)(struct script *, void *), void *ud)
{
	struct protected p = { s, fn, ud };
	lua_State *L = s->L;
	int top = lua_gettop(L);

	lua_pushcfunction(L, protected_call);
	lua_pushlightuserdata(L, &p);
	if (lua_pcall(L, 1, 0, 0) != LUA_OK)
		script_fail(s, 0, "host", lua_tostring(L, -1));
	lua_settop(L, top);
}

static int
name_from_path(const char *path, char *name, size_t namelen, char *dir, size_t dirlen)
{
	const char *base = strrchr(path, '/');
	size_t n, d;

	base = base != NULL ? base + 1 : path;
	d = (size_t)(base - path);
	n = strlen(base);
	if (n > 4 && strcmp(base + n - 4, ".lua") == 0)
		n -= 4;
	if (n == 0 || n >= namelen || d >= dirlen)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char c = base[i];
		if (!(c == '_' || c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z')))
			return -1;
	}
	memcpy(name, base, n);
	name[n] = '\0';
	memcpy(dir, path, d);
	dir[d] = '\0';
	return 0;
}

static int
open_api(lua_State *L)
{
	sandbox_open(L);
	lua_newtable(L);
	api_events_open(L);
	api_timers_open(L);
	api_rest_open(L);
	api_cache_open(L);
	api_log_open(L);
	api_state_open(L);
	api_store_open(L);
	api_message_open(L);
	lua_setglobal(L, "vigil");
	return 0;
}

struct script *
script_new(struct script_host *h, const char *path, struct script_store *store, char *err,
    size_t errlen)
{
	struct script *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->host = h;
	s->store = store;
	s->mem_cap = h->lim.memory;
	s->deadline = VTIME_NEVER;
	s->idle_ref = LUA_NOREF;
	if (strlen(path) >= sizeof(s->path) ||
	    name_from_path(path, s->name, sizeof(s->name), s->dir, sizeof(s->dir)) < 0) {
		snprintf(err, errlen, "%s: a bot is a .lua file named with letters, digits, - and _ "
		    "(at most %d)", path, SCRIPT_NAME_MAX - 1);
		free(s);
		return NULL;
	}
	snprintf(s->path, sizeof(s->path), "%s", path);
	s->L = lua_newstate(counting_alloc, s);
	if (s->L == NULL) {
		snprintf(err, errlen, "%s: out of memory for a Lua state", s->name);
		free(s);
		return NULL;
	}
	lua_sethook(s->L, on_count, LUA_MASKCOUNT, SCRIPT_HOOK_COUNT);
	lua_pushcfunction(s->L, open_api);
	if (lua_pcall(s->L, 0, 0, 0) != LUA_OK) {
		snprintf(err, errlen, "%s: %s", s->name, lua_tostring(s->L, -1));
		script_free(s);
		return NULL;
	}
	return s;
}

void
script_free(struct script *s)
{
	if (s == NULL)
		return;
	api_rest_cancel(s);
	if (s->L != NULL)
		lua_close(s->L);
	free(s);
}

static int
traceback(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);

	luaL_traceback(L, L, msg != NULL ? msg : "error object is not a string", 1);
	return 1;
}

int
script_run_main(struct script *s, char *err, size_t errlen)
{
	const struct script_driver *d = &s->host->drv;
	lua_State *L = s->L;
	char chunk[SCRIPT_NAME_MAX + 8], why[SCRIPT_ERR_MAX];
	size_t len;
	char *src;
	int rc;

	src = d->read_file(d->ud, s->path, SCRIPT_SOURCE_MAX, &len, why, sizeof(why));
	if (src == NULL) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	snprintf(chunk, sizeof(chunk), "@%s.lua", s->name);
	lua_pushcfunction(L, traceback);
	rc = luaL_loadbufferx(L, src, len, chunk, "t");
	free(src);
	if (rc == LUA_OK) {
		arm(s);
		rc = lua_pcall(L, 0, 0, -2);
		disarm(s, L);
	}
	if (rc != LUA_OK) {
		const char *msg = lua_tostring(L, -1);
		first_line(why, sizeof(why), msg != NULL ? msg : "error object is not a string");
		snprintf(err, errlen, "%s", why);
		if (msg != NULL && strchr(msg, '\n') != NULL)
			script_log(s, LOG_DEBUG, "%s", strchr(msg, '\n') + 1);
	}
	lua_settop(L, 0);
	return rc == LUA_OK ? 0 : -1;
}
