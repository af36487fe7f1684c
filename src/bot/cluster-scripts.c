/*
 * The scripts' text (bot/cluster-scripts.h). Lua 5.1 and 5.4 alike: no
 * integer division, no goto, no bit operators, no nil inside a returned
 * table (it would cut the reply short).
 */
#include "bot/cluster-scripts.h"

/* Redis's clock in ms (TIME is seconds and microseconds). */
#define NOW_MS \
	"local t = redis.call('TIME')\n" \
	"local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"

/* Drops starts older than 24 h; used, and left under the stricter of our
 * limit and Discord's last reading (docs/design.md "Budget"). A start in
 * the very millisecond of the reading may or may not be in it: it counts
 * as after it (the conservative side). Sets used, left, dlimited, lim. */
#define WINDOW \
	"redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 86400000)\n" \
	"local used = redis.call('ZCARD', KEYS[1])\n" \
	"local limit = tonumber(ARGV_LIMIT)\n" \
	"local lim = redis.call('HMGET', KEYS[2], 'total', 'remaining', 'reset_at', 'read_at')\n" \
	"if lim[1] and tonumber(lim[1]) < limit then limit = tonumber(lim[1]) end\n" \
	"local left = limit - used\n" \
	"local dlimited = false\n" \
	"if lim[1] and tonumber(lim[3]) > now then\n" \
	"  local since = redis.call('ZCOUNT', KEYS[1], lim[4], '+inf')\n" \
	"  local dleft = tonumber(lim[2]) - since\n" \
	"  if dleft < left then left = dleft; dlimited = true end\n" \
	"end\n" \
	"if left < 0 then left = 0 end\n" \
	"local function next_free()\n" \
	"  if dlimited then return tonumber(lim[3]) end\n" \
	"  local o = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')\n" \
	"  if o[2] then return tonumber(o[2]) + 86400000 end\n" \
	"  return now + 86400000\n" \
	"end\n"

static const char permit[] =
	NOW_MS
	"local ARGV_LIMIT = ARGV[3]\n"
	"local epoch = redis.call('GET', KEYS[3])\n"
	"if not epoch then return {4, 0} end\n"
	"if ARGV[6] ~= '' and epoch ~= ARGV[6] then return {5, epoch} end\n"
	"local holder = redis.call('GET', KEYS[4])\n"
	"if holder then return {2, redis.call('PTTL', KEYS[4]), holder} end\n"
	WINDOW
	"if left <= tonumber(ARGV[4]) then return {3, next_free(), used} end\n"
	"redis.call('SET', KEYS[4], ARGV[1] .. ' shard ' .. ARGV[2], 'PX', ARGV[5])\n"
	"redis.call('ZADD', KEYS[1], now, ARGV[1] .. ':' .. ARGV[2] .. ':' .. now)\n"
	"return {1, left - 1, now}\n";

static const char identified[] =
	"if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {0} end\n"
	"redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])\n"
	"return {1}\n";

static const char seed[] =
	NOW_MS
	"local epoch = redis.call('GET', KEYS[2])\n"
	"if epoch then return {0, epoch} end\n"
	"redis.call('SET', KEYS[2], ARGV[1])\n"
	"for i = 1, tonumber(ARGV[2]) do\n"
	"  redis.call('ZADD', KEYS[1], now, 'assumed:' .. ARGV[1] .. ':' .. i)\n"
	"end\n"
	"for k = 0, tonumber(ARGV[3]) - 1 do\n"
	"  redis.call('SET', ARGV[4] .. k, 're-seeded store', 'PX', ARGV[5], 'NX')\n"
	"end\n"
	"return {1, ARGV[1]}\n";

static const char limit[] =
	NOW_MS
	"redis.call('HSET', KEYS[1], 'total', ARGV[1], 'remaining', ARGV[2],\n"
	"  'reset_at', now + tonumber(ARGV[3]), 'read_at', now, 'max_concurrency', ARGV[4])\n"
	"return {1, now}\n";

static const char budget[] =
	NOW_MS
	"local ARGV_LIMIT = ARGV[1]\n"
	WINDOW
	"local nf = 0\n"
	"if used > 0 or dlimited then nf = next_free() end\n"
	"return {used, left, nf, now}\n";

/* GCRA: tat is when the bucket is empty again; a request for n slots may
 * go when tat + n*T - burst*T <= now. */
#define GCRA \
	"local t = redis.call('TIME')\n" \
	"local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000\n" \
	"local T = 1000 / tonumber(ARGV[1])\n" \
	"local burst = tonumber(ARGV[2])\n" \
	"local tat = tonumber(redis.call('GET', KEYS[1]) or '0')\n" \
	"if tat < now then tat = now end\n"

static const char rest_take[] =
	GCRA
	"local new = tat + T * tonumber(ARGV[3])\n"
	"local at = new - T * burst\n"
	"if at > now then return {0, math.ceil(at - now)} end\n"
	"redis.call('SET', KEYS[1], string.format('%.3f', new), 'PX', math.ceil(new - now) + 1000)\n"
	"return {1, 0}\n";

static const char rest_pause[] =
	GCRA
	"local until_ = now + tonumber(ARGV[3]) + T * (burst - 1)\n"
	"if until_ > tat then tat = until_ end\n"
	"redis.call('SET', KEYS[1], string.format('%.3f', tat), 'PX', math.ceil(tat - now) + 1000)\n"
	"return {1, 0}\n";

/* A lease nobody holds is taken, unless `careful`: then only one its last
 * owner released (KEY:released), not one that lapsed. */
static const char lease[] =
	"local out = {}\n"
	"for i = 1, #KEYS do\n"
	"  local cur = redis.call('GET', KEYS[i])\n"
	"  local free = not cur and (ARGV[3] ~= '1' or redis.call('GET', KEYS[i] .. ':released'))\n"
	"  if cur == ARGV[1] or free then\n"
	"    redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[2])\n"
	"    redis.call('DEL', KEYS[i] .. ':released')\n"
	"    out[#out + 1] = 1; out[#out + 1] = tonumber(ARGV[2]); out[#out + 1] = ''\n"
	"  else\n"
	"    out[#out + 1] = 0; out[#out + 1] = redis.call('PTTL', KEYS[i]); out[#out + 1] = cur or ''\n"
	"  end\n"
	"end\n"
	"return out\n";

static const char release[] =
	"local n = 0\n"
	"for i = 1, #KEYS do\n"
	"  if redis.call('GET', KEYS[i]) == ARGV[1] then\n"
	"    redis.call('DEL', KEYS[i])\n"
	"    redis.call('SET', KEYS[i] .. ':released', ARGV[1], 'PX', ARGV[2])\n"
	"    n = n + 1\n"
	"  end\n"
	"end\n"
	"return {n}\n";

static const char session_put[] =
	"local cur = redis.call('GET', KEYS[1])\n"
	"if cur ~= ARGV[1] then return {0, cur or ''} end\n"
	"if ARGV[2] == '' then redis.call('DEL', KEYS[2]); return {1} end\n"
	"redis.call('HSET', KEYS[2], 'id', ARGV[2], 'seq', ARGV[3], 'url', ARGV[4])\n"
	"redis.call('PEXPIRE', KEYS[2], ARGV[5])\n"
	"return {1}\n";

static const char session_get[] =
	"local s = redis.call('HMGET', KEYS[1], 'id', 'seq', 'url')\n"
	"if not s[1] then return {0} end\n"
	"return {1, s[1], s[2], s[3]}\n";

static const char publish[] =
	NOW_MS
	"redis.call('HSET', KEYS[1], ARGV[2], ARGV[1] .. '|' .. ARGV[3] .. '|' .. now)\n"
	"return {1}\n";

/* Who holds PREFIX0 .. PREFIX(n-1), and for how long; `more` adds a
 * column per key. */
#define HOLDERS(more) \
	"local out = {}\n" \
	"for s = 0, tonumber(ARGV[2]) - 1 do\n" \
	"  local k = ARGV[1] .. s\n" \
	"  out[#out + 1] = redis.call('GET', k) or ''\n" \
	"  out[#out + 1] = redis.call('PTTL', k)\n" \
	more \
	"end\n" \
	"return out\n"

static const char view[] =
	HOLDERS("  out[#out + 1] = redis.call('HGET', KEYS[1], tostring(s)) or ''\n");

static const char holders[] = HOLDERS("");

static const struct cluster_script_def defs[CS_COUNT] = {
	[CS_PERMIT] = { "permit", permit, 4 },
	[CS_IDENTIFIED] = { "identified", identified, 1 },
	[CS_SEED] = { "seed", seed, 2 },
	[CS_LIMIT] = { "limit", limit, 1 },
	[CS_BUDGET] = { "budget", budget, 2 },
	[CS_REST_TAKE] = { "rest-take", rest_take, 1 },
	[CS_REST_PAUSE] = { "rest-pause", rest_pause, 1 },
	[CS_LEASE] = { "lease", lease, -1 },
	[CS_RELEASE] = { "release", release, -1 },
	[CS_SESSION_PUT] = { "session-put", session_put, 2 },
	[CS_SESSION_GET] = { "session-get", session_get, 1 },
	[CS_PUBLISH] = { "publish", publish, 1 },
	[CS_VIEW] = { "view", view, 1 },
	[CS_HOLDERS] = { "holders", holders, 1 },
};

const struct cluster_script_def *
cluster_script(enum cluster_script s)
{
	return s >= 0 && s < CS_COUNT ? &defs[s] : 0;
}
