/*
 * vigil.rest(METHOD, PATH, BODY?) and vigil.send(CHANNEL, CONTENT): REST
 * through the bot core's rate-limit queue, never around it. vigil.rest
 * yields the listener's coroutine until the answer; the queue calls back
 * (bot_rest_call) and the coroutine resumes with status, body. An unloaded
 * script's callbacks are cancelled; its requests still complete in the queue.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "script/script-internal.h"

#define PATH_MAX_LEN 200

struct answer {
	struct scall *call;
	int status;
	const char *body;
	size_t len;
};

static void
resume_call(struct script *s, void *ud)
{
	struct answer *a = ud;
	struct scall *c = a->call;
	lua_State *L = s->L;
	lua_State *co;
	int listener = c->listener;

	lua_rawgeti(L, LUA_REGISTRYINDEX, c->thread);
	co = lua_tothread(L, -1);
	luaL_unref(L, LUA_REGISTRYINDEX, c->thread);
	c->used = false;
	/* Built on the main state (protected), then handed to the coroutine. */
	lua_pushinteger(L, a->status);
	if (a->body != NULL && a->len > 0)
		json_push_body(L, a->body, a->len);
	else
		lua_pushnil(L);
	if (co == NULL || !lua_checkstack(co, 2))
		luaL_error(L, "cannot resume a vigil.rest caller");
	lua_xmove(L, co, 2);
	script_resume(s, co, 2, listener);
	lua_pop(L, 1);
}

static void
on_answer(void *ud, struct vtime now, int status, const char *body, size_t len)
{
	struct scall *c = ud;
	struct answer a = { c, status, body, len };

	c->s->host->now = now;
	script_protected(c->s, resume_call, &a);
}

/* The body at idx as JSON text (malloc'd; *owned says whether to free). */
static const char *
body_text(lua_State *L, int idx, bool *owned)
{
	char err[128];
	json_t *j;
	char *text;

	*owned = false;
	if (idx == 0 || lua_isnil(L, idx))
		return NULL;
	if (lua_type(L, idx) == LUA_TSTRING)
		return lua_tostring(L, idx);
	j = json_from_lua(L, idx, err, sizeof(err));
	if (j == NULL)
		luaL_error(L, "body: %s", err);
	text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	if (text == NULL)
		luaL_error(L, "body: out of memory");
	*owned = true;
	return text;
}

static void
check_path(lua_State *L, const char *path)
{
	if (path[0] != '/' || strlen(path) > PATH_MAX_LEN)
		luaL_error(L, "path must start with / and be at most %d bytes (\"/channels/1/messages\")",
		    PATH_MAX_LEN);
}

static struct scall *
free_call(struct script *s)
{
	for (int i = 0; i < SCRIPT_CALLS_MAX; i++) {
		if (!s->calls[i].used)
			return &s->calls[i];
	}
	return NULL;
}

int
api_rest_call(lua_State *L, const char *method, const char *path, int body_idx)
{
	struct script *s = script_of(L);
	struct scall *c = free_call(s);
	char err[160];
	bool owned;
	const char *body;
	int rc;

	if (s->running != L)
		return luaL_error(L, "vigil.rest waits for its answer, so it runs only in a listener "
		    "or timer (not at the top level nor in a coroutine of your own)");
	if (c == NULL)
		return luaL_error(L, "vigil.rest: %d calls already waiting", SCRIPT_CALLS_MAX);
	check_path(L, path);
	body = body_text(L, body_idx, &owned);
	rc = bot_rest_call(s->host->bot, s->host->now, method, path, body, on_answer, c, s, err,
	    sizeof(err));
	if (owned)
		free((char *)body);
	if (rc < 0)
		return luaL_error(L, "vigil.rest: %s", err);
	c->s = s;
	c->listener = s->listener;
	lua_pushthread(L);
	c->thread = luaL_ref(L, LUA_REGISTRYINDEX);
	c->used = true;
	s->yielded = true;
	return lua_yield(L, 0);
}

static bool
is_snowflake(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 20)
		return false;
	return strspn(s, "0123456789") == n;
}

int
api_rest_send(lua_State *L, const char *channel, int idx)
{
	struct script *s = script_of(L);
	char path[64], err[160];
	const char *body;
	bool owned;
	int rc;

	if (!is_snowflake(channel))
		return luaL_error(L, "send: \"%s\" is not a channel id", channel);
	if (lua_type(L, idx) == LUA_TSTRING) {
		lua_newtable(L);
		lua_pushvalue(L, idx);
		lua_setfield(L, -2, "content");
		lua_replace(L, idx);
	}
	luaL_checktype(L, idx, LUA_TTABLE);
	body = body_text(L, idx, &owned);
	snprintf(path, sizeof(path), "/channels/%s/messages", channel);
	rc = bot_rest(s->host->bot, s->host->now, "POST", path, body, err, sizeof(err));
	if (owned)
		free((char *)body);
	if (rc < 0)
		return luaL_error(L, "send: %s", err);
	lua_pushboolean(L, 1);
	return 1;
}

static int
l_rest(lua_State *L)
{
	const char *method = luaL_checkstring(L, 1);
	const char *path = luaL_checkstring(L, 2);

	return api_rest_call(L, method, path, lua_isnoneornil(L, 3) ? 0 : 3);
}

static int
l_send(lua_State *L)
{
	const char *channel = luaL_checkstring(L, 1);

	luaL_checkany(L, 2);
	return api_rest_send(L, channel, 2);
}

void
api_rest_cancel(struct script *s)
{
	bot_rest_cancel(s->host->bot, s);
	for (int i = 0; i < SCRIPT_CALLS_MAX; i++)
		s->calls[i].used = false;
}

void
api_rest_open(lua_State *L)
{
	lua_pushcfunction(L, l_rest);
	lua_setfield(L, -2, "rest");
	lua_pushcfunction(L, l_send);
	lua_setfield(L, -2, "send");
}
