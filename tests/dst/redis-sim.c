/*
 * The simulated Redis (redis-sim.h). Only the commands the scripts use:
 * TIME, GET, SET [PX ms] [NX], PTTL, DEL, PEXPIRE, ZADD, ZREMRANGEBYSCORE,
 * ZCARD, ZCOUNT, ZRANGE 0 0 WITHSCORES, HSET, HGET, HMGET. Any other
 * command is a script error, so a script that grows a new command fails
 * here first. Linear lookups: a simulated cluster holds a few dozen keys.
 */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "redis-sim.h"

enum ktype { K_STR, K_ZSET, K_HASH };

struct pair {
	char *a, *b;                    /* zset: member, score text; hash: field, value */
	double score;
};

struct skey {
	char *name;
	enum ktype type;
	int64_t expire_at;              /* wall ms, 0 = never */
	char *str;
	struct pair *p;
	int np, capp;
};

struct simredis {
	struct skey *k;
	int nk, capk;
	lua_State *L;
	int fn[CS_COUNT];               /* each script compiled once (a registry ref) */
	int64_t now;
	char resp_err[160];
};

static void
key_clear(struct skey *k)
{
	free(k->name);
	free(k->str);
	for (int i = 0; i < k->np; i++) {
		free(k->p[i].a);
		free(k->p[i].b);
	}
	free(k->p);
	memset(k, 0, sizeof(*k));
}

static void
key_del(struct simredis *r, int i)
{
	key_clear(&r->k[i]);
	r->k[i] = r->k[--r->nk];
}

static void
expire_all(struct simredis *r)
{
	for (int i = 0; i < r->nk;) {
		/* As Redis: a key lives through its last millisecond (now > when). */
		if (r->k[i].expire_at != 0 && r->k[i].expire_at < r->now)
			key_del(r, i);
		else
			i++;
	}
}

static struct skey *
find(struct simredis *r, const char *name)
{
	for (int i = 0; i < r->nk; i++) {
		if (strcmp(r->k[i].name, name) == 0)
			return &r->k[i];
	}
	return NULL;
}

static struct skey *
create(struct simredis *r, const char *name, enum ktype t)
{
	struct skey *k;

	if (r->nk == r->capk) {
		r->capk = r->capk ? r->capk * 2 : 32;
		r->k = realloc(r->k, (size_t)r->capk * sizeof(*r->k));
	}
	k = &r->k[r->nk++];
	memset(k, 0, sizeof(*k));
	k->name = strdup(name);
	k->type = t;
	return k;
}

static struct pair *
pair_find(struct skey *k, const char *a)
{
	for (int i = 0; i < k->np; i++) {
		if (strcmp(k->p[i].a, a) == 0)
			return &k->p[i];
	}
	return NULL;
}

static struct pair *
pair_add(struct skey *k, const char *a)
{
	struct pair *p = pair_find(k, a);

	if (p != NULL)
		return p;
	if (k->np == k->capp) {
		k->capp = k->capp ? k->capp * 2 : 8;
		k->p = realloc(k->p, (size_t)k->capp * sizeof(*k->p));
	}
	p = &k->p[k->np++];
	memset(p, 0, sizeof(*p));
	p->a = strdup(a);
	return p;
}

static void
pair_del(struct skey *k, int i)
{
	free(k->p[i].a);
	free(k->p[i].b);
	k->p[i] = k->p[--k->np];
}

/* ---- Redis values into Lua, as Redis converts them ---- */

static void
push_bulk(lua_State *L, const char *s)
{
	if (s == NULL)
		lua_pushboolean(L, 0);          /* a nil bulk is false */
	else
		lua_pushstring(L, s);
}

static void
push_int(lua_State *L, long long v)
{
	lua_pushinteger(L, (lua_Integer)v);
}

static void
push_ok(lua_State *L)
{
	lua_newtable(L);
	lua_pushstring(L, "OK");
	lua_setfield(L, -2, "ok");
}

/* A score as Redis prints it. */
static void
score_text(double v, char *buf, size_t len)
{
	if (v == floor(v) && fabs(v) < 9e15)
		snprintf(buf, len, "%lld", (long long)v);
	else
		snprintf(buf, len, "%.17g", v);
}

static double
parse_bound(const char *s, bool *excl)
{
	*excl = s[0] == '(';
	if (*excl)
		s++;
	if (strcmp(s, "-inf") == 0)
		return -INFINITY;
	if (strcmp(s, "+inf") == 0 || strcmp(s, "inf") == 0)
		return INFINITY;
	return strtod(s, NULL);
}

static bool
in_range(double v, double lo, bool lx, double hi, bool hx)
{
	return (lx ? v > lo : v >= lo) && (hx ? v < hi : v <= hi);
}

static int
wrong(lua_State *L, const char *cmd)
{
	return luaL_error(L, "redis-sim: %s: wrong arguments or type", cmd);
}

static struct skey *
typed(struct simredis *r, lua_State *L, const char *name, enum ktype t, bool make)
{
	struct skey *k = find(r, name);

	if (k != NULL && k->type != t)
		luaL_error(L, "WRONGTYPE %s", name);
	if (k == NULL && make)
		k = create(r, name, t);
	return k;
}

static int
cmd_set(struct simredis *r, lua_State *L, int n, const char **a)
{
	struct skey *k;
	int64_t px = 0;
	bool nx = false;

	if (n < 3)
		return wrong(L, "SET");
	for (int i = 3; i < n; i++) {
		if (strcasecmp(a[i], "NX") == 0)
			nx = true;
		else if (strcasecmp(a[i], "PX") == 0 && i + 1 < n)
			px = strtoll(a[++i], NULL, 10);
		else
			return wrong(L, "SET");
	}
	k = find(r, a[1]);
	if (k != NULL && nx) {
		lua_pushboolean(L, 0);
		return 1;
	}
	if (k != NULL)
		key_del(r, (int)(k - r->k));
	k = create(r, a[1], K_STR);
	k->str = strdup(a[2]);
	k->expire_at = px > 0 ? r->now + px : 0;
	push_ok(L);
	return 1;
}

static int
cmd_zset(struct simredis *r, lua_State *L, int n, const char **a)
{
	struct skey *k;
	bool lx, hx;
	double lo, hi;
	long long c = 0;

	if (strcasecmp(a[0], "ZADD") == 0) {
		if (n != 4)
			return wrong(L, "ZADD");
		k = typed(r, L, a[1], K_ZSET, true);
		c = pair_find(k, a[3]) == NULL;
		struct pair *p = pair_add(k, a[3]);
		p->score = strtod(a[2], NULL);
		push_int(L, c);
		return 1;
	}
	k = typed(r, L, a[1], K_ZSET, false);
	if (strcasecmp(a[0], "ZCARD") == 0) {
		push_int(L, k != NULL ? k->np : 0);
		return 1;
	}
	if (strcasecmp(a[0], "ZRANGE") == 0) {
		/* Only ZRANGE key 0 0 WITHSCORES: the lowest. */
		int lowest = -1;
		char buf[40];
		if (n != 5 || strcmp(a[2], "0") != 0 || strcmp(a[3], "0") != 0)
			return wrong(L, "ZRANGE");
		lua_newtable(L);
		for (int i = 0; k != NULL && i < k->np; i++) {
			if (lowest < 0 || k->p[i].score < k->p[lowest].score ||
			    (k->p[i].score == k->p[lowest].score &&
			    strcmp(k->p[i].a, k->p[lowest].a) < 0))
				lowest = i;
		}
		if (lowest >= 0) {
			score_text(k->p[lowest].score, buf, sizeof(buf));
			lua_pushstring(L, k->p[lowest].a);
			lua_rawseti(L, -2, 1);
			lua_pushstring(L, buf);
			lua_rawseti(L, -2, 2);
		}
		return 1;
	}
	if (n != 4)
		return wrong(L, a[0]);
	lo = parse_bound(a[2], &lx);
	hi = parse_bound(a[3], &hx);
	for (int i = 0; k != NULL && i < k->np;) {
		if (!in_range(k->p[i].score, lo, lx, hi, hx)) {
			i++;
			continue;
		}
		c++;
		if (strcasecmp(a[0], "ZREMRANGEBYSCORE") == 0)
			pair_del(k, i);
		else
			i++;
	}
	if (strcasecmp(a[0], "ZREMRANGEBYSCORE") != 0 && strcasecmp(a[0], "ZCOUNT") != 0)
		return wrong(L, a[0]);
	push_int(L, c);
	return 1;
}

static int
cmd_hash(struct simredis *r, lua_State *L, int n, const char **a)
{
	struct skey *k;

	if (strcasecmp(a[0], "HSET") == 0) {
		long long added = 0;
		if (n < 4 || n % 2 != 0)
			return wrong(L, "HSET");
		k = typed(r, L, a[1], K_HASH, true);
		for (int i = 2; i + 1 < n; i += 2) {
			struct pair *p;
			added += pair_find(k, a[i]) == NULL;
			p = pair_add(k, a[i]);
			free(p->b);
			p->b = strdup(a[i + 1]);
		}
		push_int(L, added);
		return 1;
	}
	k = typed(r, L, a[1], K_HASH, false);
	if (strcasecmp(a[0], "HGET") == 0 && n == 3) {
		struct pair *p = k != NULL ? pair_find(k, a[2]) : NULL;
		push_bulk(L, p != NULL ? p->b : NULL);
		return 1;
	}
	if (strcasecmp(a[0], "HMGET") == 0 && n >= 3) {
		lua_newtable(L);
		for (int i = 2; i < n; i++) {
			struct pair *p = k != NULL ? pair_find(k, a[i]) : NULL;
			push_bulk(L, p != NULL ? p->b : NULL);
			lua_rawseti(L, -2, i - 1);
		}
		return 1;
	}
	return wrong(L, a[0]);
}

static int
dispatch(struct simredis *r, lua_State *L, int n, const char **a)
{
	struct skey *k;

	if (strcasecmp(a[0], "TIME") == 0) {
		char s[24], us[24];
		snprintf(s, sizeof(s), "%lld", (long long)(r->now / 1000));
		snprintf(us, sizeof(us), "%lld", (long long)(r->now % 1000) * 1000);
		lua_newtable(L);
		lua_pushstring(L, s);
		lua_rawseti(L, -2, 1);
		lua_pushstring(L, us);
		lua_rawseti(L, -2, 2);
		return 1;
	}
	if (n < 2)
		return wrong(L, a[0]);
	if (strcasecmp(a[0], "SET") == 0)
		return cmd_set(r, L, n, a);
	if (strncasecmp(a[0], "Z", 1) == 0)
		return cmd_zset(r, L, n, a);
	if (strncasecmp(a[0], "H", 1) == 0)
		return cmd_hash(r, L, n, a);
	k = find(r, a[1]);
	if (strcasecmp(a[0], "GET") == 0 && n == 2) {
		if (k != NULL && k->type != K_STR)
			return luaL_error(L, "WRONGTYPE %s", a[1]);
		push_bulk(L, k != NULL ? k->str : NULL);
		return 1;
	}
	if (strcasecmp(a[0], "PTTL") == 0 && n == 2) {
		push_int(L, k == NULL ? -2 : k->expire_at == 0 ? -1 : k->expire_at - r->now);
		return 1;
	}
	if (strcasecmp(a[0], "DEL") == 0 && n == 2) {
		if (k != NULL)
			key_del(r, (int)(k - r->k));
		push_int(L, k != NULL);
		return 1;
	}
	if (strcasecmp(a[0], "PEXPIRE") == 0 && n == 3) {
		if (k != NULL)
			k->expire_at = r->now + strtoll(a[2], NULL, 10);
		push_int(L, k != NULL);
		return 1;
	}
	return luaL_error(L, "redis-sim: unknown command %s", a[0]);
}

/* redis.call(...): arguments as Redis takes them from Lua: strings as
 * they are, numbers as Redis 7 prints a double (integral ones without a
 * fraction or exponent). */
static int
l_call(lua_State *L)
{
	struct simredis *r = lua_touserdata(L, lua_upvalueindex(1));
	int n = lua_gettop(L);
	const char *a[64];
	char num[64][40];

	if (n < 1 || n > 64)
		return luaL_error(L, "redis-sim: %d arguments", n);
	for (int i = 0; i < n; i++) {
		if (lua_type(L, i + 1) == LUA_TNUMBER) {
			score_text(lua_tonumber(L, i + 1), num[i], sizeof(num[i]));
			a[i] = num[i];
		} else if (lua_type(L, i + 1) == LUA_TSTRING) {
			a[i] = lua_tostring(L, i + 1);
		} else {
			return luaL_error(L, "redis-sim: argument %d is not a string or number", i + 1);
		}
	}
	return dispatch(r, L, n, a);
}

/* ---- the script's result as RESP, then through hiredis's reader ---- */

static void
out(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
out(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(*buf + *len, *cap - *len, fmt, ap);
		va_end(ap);
		if ((size_t)n < *cap - *len)
			break;
		*cap *= 2;
		*buf = realloc(*buf, *cap);
	}
	*len += (size_t)n;
}

/* Lua → Redis as Redis converts a script's result: a number is truncated
 * to an integer, a table is an array up to its first nil, false is nil. */
static void
resp(lua_State *L, int idx, char **buf, size_t *len, size_t *cap)
{
	switch (lua_type(L, idx)) {
	case LUA_TNUMBER:
		out(buf, len, cap, ":%lld\r\n", (long long)lua_tonumber(L, idx));
		break;
	case LUA_TSTRING: {
		size_t n;
		const char *s = lua_tolstring(L, idx, &n);
		out(buf, len, cap, "$%zu\r\n%s\r\n", n, s);
		break;
	}
	case LUA_TBOOLEAN:
		if (lua_toboolean(L, idx))
			out(buf, len, cap, ":1\r\n");
		else
			out(buf, len, cap, "$-1\r\n");
		break;
	case LUA_TTABLE: {
		int n = 0;
		idx = lua_absindex(L, idx);
		while (lua_rawgeti(L, idx, n + 1) != LUA_TNIL) {
			lua_pop(L, 1);
			n++;
		}
		lua_pop(L, 1);
		out(buf, len, cap, "*%d\r\n", n);
		for (int i = 1; i <= n; i++) {
			lua_rawgeti(L, idx, i);
			resp(L, -1, buf, len, cap);
			lua_pop(L, 1);
		}
		break;
	}
	default:
		out(buf, len, cap, "$-1\r\n");
	}
}

static redisReply *
read_reply(const char *text, size_t len)
{
	redisReader *rd = redisReaderCreate();
	void *rep = NULL;

	if (rd == NULL)
		return NULL;
	if (redisReaderFeed(rd, text, len) != REDIS_OK || redisReaderGetReply(rd, &rep) != REDIS_OK)
		rep = NULL;
	redisReaderFree(rd);
	return rep;
}

static void
set_array(lua_State *L, const char *name, int n, const char *const *v)
{
	lua_createtable(L, n, 0);
	for (int i = 0; i < n; i++) {
		lua_pushstring(L, v[i]);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setglobal(L, name);
}

redisReply *
simredis_eval(struct simredis *r, int64_t now_ms, enum cluster_script s, int nkeys,
    const char *const *keys, int nargs, const char *const *args)
{
	const struct cluster_script_def *d = cluster_script(s);
	size_t len = 0, cap = 256;
	char *buf = malloc(cap);
	redisReply *rep;

	r->now = now_ms;
	expire_all(r);
	set_array(r->L, "KEYS", nkeys, keys);
	set_array(r->L, "ARGV", nargs, args);
	if (r->fn[s] == LUA_NOREF) {
		if (luaL_loadbuffer(r->L, d->text, strlen(d->text), d->name) == LUA_OK)
			r->fn[s] = luaL_ref(r->L, LUA_REGISTRYINDEX);
		else
			lua_pop(r->L, 1);
	}
	if (r->fn[s] != LUA_NOREF)
		lua_rawgeti(r->L, LUA_REGISTRYINDEX, r->fn[s]);
	else
		lua_pushstring(r->L, "the script does not compile");
	if (r->fn[s] == LUA_NOREF || lua_pcall(r->L, 0, 1, 0) != LUA_OK) {
		/* As Redis: an error reply naming the script's failure. */
		out(&buf, &len, &cap, "-ERR %s\r\n", lua_tostring(r->L, -1));
		for (size_t i = 0; i < len - 2; i++)
			if (buf[i] == '\r' || buf[i] == '\n')
				buf[i] = ' ';
	} else {
		resp(r->L, -1, &buf, &len, &cap);
	}
	lua_settop(r->L, 0);
	rep = read_reply(buf, len);
	free(buf);
	return rep;
}

struct simredis *
simredis_new(void)
{
	struct simredis *r = calloc(1, sizeof(*r));

	if (r == NULL || (r->L = luaL_newstate()) == NULL) {
		free(r);
		return NULL;
	}
	/* What Redis's Lua offers the scripts: base, math, string. */
	luaL_requiref(r->L, "_G", luaopen_base, 1);
	luaL_requiref(r->L, LUA_MATHLIBNAME, luaopen_math, 1);
	luaL_requiref(r->L, LUA_STRLIBNAME, luaopen_string, 1);
	lua_settop(r->L, 0);
	lua_newtable(r->L);
	lua_pushlightuserdata(r->L, r);
	lua_pushcclosure(r->L, l_call, 1);
	lua_setfield(r->L, -2, "call");
	lua_setglobal(r->L, "redis");
	for (int s = 0; s < CS_COUNT; s++)
		r->fn[s] = LUA_NOREF;
	return r;
}

void
simredis_flush(struct simredis *r)
{
	while (r->nk > 0)
		key_del(r, r->nk - 1);
}

void
simredis_free(struct simredis *r)
{
	if (r == NULL)
		return;
	simredis_flush(r);
	free(r->k);
	lua_close(r->L);
	free(r);
}
