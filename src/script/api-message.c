/*
 * The lazy payload view (docs/bots.md, "Messages and payloads"): msg.content,
 * msg.author.id, msg.mentions[1] read straight from the tokens of the frame
 * the bot core already decoded. Nothing is built per event but two small
 * userdata; a script that wants a plain table asks msg:table().
 *
 * The frame's buffer is the core's and is reused by the next frame, so the
 * source of an event expires when the event's listeners return.
 * The event's root view holds the source itself (one userdata per event);
 * nested views keep the root alive through their user value. A listener
 * waiting in vigil.rest still holds its views: for it the source takes its
 * own copy of the `d` span first, re-tokenized (view_source_end).
 */
#include <stdio.h>
#include <string.h>

#include "script/script-internal.h"

#define VIEW_MT   "vigil.view"
#define COPY_MT   "vigil.frame"
/* Longest number literal read without a buffer. */
#define NUMBER_MAX 64

struct source {
	const struct frame *f;          /* the core's frame, or the copy's */
	bool expired;
	int shard;                      /* the shard the event came from (msg.shard) */
};

struct copy {
	struct frame f;
	struct frame_decoder dec;
	char buf[];
};

struct view {
	struct source *src;             /* the root's, anchored by the user value */
	int rel;                        /* token index relative to `d` */
	bool root;                      /* this is the root: src is its own */
};

struct root {
	struct view v;
	struct source s;                /* user value 1: the copy, once made */
};

static const struct frame *
view_frame(lua_State *L, const struct view *v, int *tok)
{
	if (v->src->expired)
		luaL_error(L, "this payload view outlived its event (keep msg:table() instead)");
	*tok = v->src->f->d + v->rel;
	return v->src->f;
}

static void
push_view(lua_State *L, struct source *src, int src_idx, int rel)
{
	struct view *v = lua_newuserdatauv(L, sizeof(*v), 1);

	v->src = src;
	v->rel = rel;
	v->root = false;
	lua_pushvalue(L, src_idx < 0 ? src_idx - 1 : src_idx);
	lua_setiuservalue(L, -2, 1);
	luaL_setmetatable(L, VIEW_MT);
}

int
view_push_source(lua_State *L, const struct frame *f, int shard)
{
	struct root *r = lua_newuserdatauv(L, sizeof(*r), 1);

	r->s.f = f;
	r->s.expired = false;
	r->s.shard = shard;
	r->v.src = &r->s;
	r->v.rel = 0;
	r->v.root = true;
	luaL_setmetatable(L, VIEW_MT);
	return lua_gettop(L);
}

void
view_push_root(lua_State *L, int src_idx)
{
	struct root *r = lua_touserdata(L, src_idx);

	if (r->s.expired || r->s.f->d < 0)
		lua_pushnil(L);
	else
		lua_pushvalue(L, src_idx);
}

static int
copy_gc(lua_State *L)
{
	struct copy *c = lua_touserdata(L, 1);

	frame_decoder_free(&c->dec);
	return 0;
}

void
view_source_end(lua_State *L, int src_idx, bool keep)
{
	struct source *src = &((struct root *)lua_touserdata(L, src_idx))->s;
	const struct frame *f = src->f;
	const jsmntok_t *t;
	static const char head[] = "{\"op\":0,\"d\":";
	size_t start, end, n, len;
	struct copy *c;
	char err[96];

	if (!keep || f->d < 0) {
		src->expired = true;
		return;
	}
	t = &f->tok[f->d];
	start = (size_t)t->start;
	end = (size_t)t->end;
	/* A string's span leaves out its quotes. */
	if (t->type == JSMN_STRING) {
		start--;
		end++;
	}
	n = end - start;
	len = sizeof(head) - 1 + n + 1;
	c = lua_newuserdatauv(L, sizeof(*c) + len + 1, 0);
	frame_decoder_init(&c->dec);
	luaL_setmetatable(L, COPY_MT);
	memcpy(c->buf, head, sizeof(head) - 1);
	memcpy(c->buf + sizeof(head) - 1, f->buf + start, n);
	c->buf[len - 1] = '}';
	c->buf[len] = '\0';
	if (frame_decode(&c->f, &c->dec, c->buf, len, err, sizeof(err)) < 0 || c->f.d < 0) {
		src->expired = true;
		lua_pop(L, 1);
		return;
	}
	lua_setiuservalue(L, src_idx, 1);
	src->f = &c->f;
}

static void
push_string(lua_State *L, const struct frame *f, int tok)
{
	const char *s;
	size_t n;
	luaL_Buffer b;
	char *out;
	int got;

	frame_span(f, tok, &s, &n);
	if (memchr(s, '\\', n) == NULL) {
		lua_pushlstring(L, s, n);
		return;
	}
	/* Decoding never lengthens a string. */
	out = luaL_buffinitsize(L, &b, n + 1);
	got = frame_copy_str(f, tok, out, n + 1);
	luaL_pushresultsize(&b, got > 0 ? (size_t)got : 0);
}

static void
push_primitive(lua_State *L, const struct frame *f, int tok)
{
	const char *s;
	size_t n;
	char num[NUMBER_MAX];

	frame_span(f, tok, &s, &n);
	switch (s[0]) {
	case 't': lua_pushboolean(L, 1); return;
	case 'f': lua_pushboolean(L, 0); return;
	case 'n': lua_pushnil(L); return;
	default: break;
	}
	if (n >= sizeof(num)) {
		lua_pushlstring(L, s, n);
		if (lua_stringtonumber(L, lua_tostring(L, -1)) != 0)
			lua_remove(L, -2);
		return;
	}
	memcpy(num, s, n);
	num[n] = '\0';
	if (lua_stringtonumber(L, num) == 0)
		lua_pushnil(L);
}

/* Pushes token tok of the view at index 1's frame. */
static void
push_value(lua_State *L, struct view *v, const struct frame *f, int tok)
{
	switch (f->tok[tok].type) {
	case JSMN_STRING: push_string(L, f, tok); return;
	case JSMN_PRIMITIVE: push_primitive(L, f, tok); return;
	default: break;
	}
	/* The root anchors every view of its event. */
	if (v->root)
		lua_pushvalue(L, 1);
	else
		lua_getiuservalue(L, 1, 1);
	push_view(L, v->src, -1, tok - f->d);
	lua_remove(L, -2);
}

/* The value token for key (n bytes, raw compare) in object obj, or -1. */
static int
object_get(const struct frame *f, int obj, const char *key, size_t n)
{
	int k = obj + 1;

	for (int i = 0; i < f->tok[obj].size && k + 1 < f->ntok; i++) {
		const jsmntok_t *t = &f->tok[k];
		if ((size_t)(t->end - t->start) == n && memcmp(f->buf + t->start, key, n) == 0)
			return k + 1;
		k = frame_skip(f, k + 1);
	}
	return -1;
}

static int
array_get(const struct frame *f, int arr, lua_Integer i)
{
	int k;

	if (i < 1 || i > f->tok[arr].size)
		return -1;
	k = arr + 1;
	while (--i > 0)
		k = frame_skip(f, k);
	return k;
}

static int m_table(lua_State *L);
static int m_reply(lua_State *L);

static int
method(lua_State *L, const char *key)
{
	if (strcmp(key, "table") == 0)
		lua_pushcfunction(L, m_table);
	else if (strcmp(key, "reply") == 0)
		lua_pushcfunction(L, m_reply);
	else
		lua_pushnil(L);
	return 1;
}

static int
v_index(lua_State *L)
{
	struct view *v = lua_touserdata(L, 1);
	int tok, got = -1;
	const struct frame *f = view_frame(L, v, &tok);
	const char *key;
	size_t n;

	if (lua_type(L, 2) == LUA_TSTRING) {
		key = lua_tolstring(L, 2, &n);
		if (f->tok[tok].type == JSMN_OBJECT)
			got = object_get(f, tok, key, n);
		/* The payload's own field wins; the event's shard otherwise. */
		if (got < 0 && v->root && strcmp(key, "shard") == 0) {
			lua_pushinteger(L, v->src->shard);
			return 1;
		}
		if (got < 0)
			return method(L, key);
	} else if (lua_isinteger(L, 2) && f->tok[tok].type == JSMN_ARRAY) {
		got = array_get(f, tok, lua_tointeger(L, 2));
	}
	if (got < 0) {
		lua_pushnil(L);
		return 1;
	}
	push_value(L, v, f, got);
	return 1;
}

static int
v_len(lua_State *L)
{
	struct view *v = lua_touserdata(L, 1);
	int tok;
	const struct frame *f = view_frame(L, v, &tok);

	lua_pushinteger(L, f->tok[tok].size);
	return 1;
}

static int
v_tostring(lua_State *L)
{
	struct view *v = lua_touserdata(L, 1);
	int tok;
	const struct frame *f = view_frame(L, v, &tok);

	lua_pushlstring(L, f->buf + f->tok[tok].start,
	    (size_t)(f->tok[tok].end - f->tok[tok].start));
	return 1;
}

static int
v_newindex(lua_State *L)
{
	return luaL_error(L, "payloads are read-only (msg:table() gives a copy you may change)");
}

/* Builds the plain table of token tok; returns the token after it. */
static int
build(lua_State *L, const struct frame *f, int tok)
{
	const jsmntok_t *t = &f->tok[tok];
	int k = tok + 1;

	luaL_checkstack(L, 4, "payload nested too deep");
	if (t->type == JSMN_STRING) {
		push_string(L, f, tok);
		return k;
	}
	if (t->type == JSMN_PRIMITIVE) {
		push_primitive(L, f, tok);
		return k;
	}
	lua_createtable(L, t->type == JSMN_ARRAY ? t->size : 0,
	    t->type == JSMN_OBJECT ? t->size : 0);
	for (int i = 0; i < t->size; i++) {
		if (t->type == JSMN_ARRAY) {
			k = build(L, f, k);
			lua_rawseti(L, -2, i + 1);
			continue;
		}
		push_string(L, f, k);
		k = build(L, f, k + 1);
		/* Of a duplicated key the first wins, as when indexing. */
		lua_pushvalue(L, -2);
		if (lua_isnil(L, -2) || lua_rawget(L, -4) != LUA_TNIL) {
			lua_pop(L, 3);
			continue;
		}
		lua_pop(L, 1);
		lua_rawset(L, -3);
	}
	return k;
}

static int
m_table(lua_State *L)
{
	struct view *v = luaL_checkudata(L, 1, VIEW_MT);
	int tok;
	const struct frame *f = view_frame(L, v, &tok);

	build(L, f, tok);
	return 1;
}

static int
m_reply(lua_State *L)
{
	struct view *v = luaL_checkudata(L, 1, VIEW_MT);
	int tok, ch;
	const struct frame *f = view_frame(L, v, &tok);
	char channel[32];

	ch = f->tok[tok].type == JSMN_OBJECT ? object_get(f, tok, "channel_id", 10) : -1;
	if (ch < 0 || frame_copy_str(f, ch, channel, sizeof(channel)) <= 0)
		return luaL_error(L, "reply: this payload has no channel_id");
	return api_rest_send(L, channel, 2);
}

void
api_message_open(lua_State *L)
{
	static const luaL_Reg view_mt[] = {
		{ "__index", v_index },
		{ "__len", v_len },
		{ "__tostring", v_tostring },
		{ "__newindex", v_newindex },
		{ NULL, NULL },
	};

	luaL_newmetatable(L, VIEW_MT);
	luaL_setfuncs(L, view_mt, 0);
	/* getmetatable(msg) must not hand out __index to call on anything. */
	lua_pushliteral(L, "read-only payload");
	lua_setfield(L, -2, "__metatable");
	lua_pop(L, 1);
	luaL_newmetatable(L, COPY_MT);
	lua_pushcfunction(L, copy_gc);
	lua_setfield(L, -2, "__gc");
	lua_pop(L, 1);
}
