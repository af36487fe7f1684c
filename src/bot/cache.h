/*
 * The entity cache: guilds, channels, users, members and messages by
 * snowflake id, filled from READY, GUILD_CREATE and other dispatches. Each
 * kind has a cap; users, members and messages evict the least recently used
 * entry when full (guilds and channels refuse new entries past the cap and
 * count it, since evicting a guild would make the cache lie). Wiped on a new
 * session (reconnect), updated by resumed events, flushed on demand.
 *
 * Pure data structure: no I/O, no clock.
 */
#ifndef VIGIL_BOT_CACHE_H
#define VIGIL_BOT_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bot/frame.h"

enum cache_kind { CACHE_GUILD, CACHE_CHANNEL, CACHE_USER, CACHE_MEMBER, CACHE_MESSAGE, CACHE_KINDS };

#define CACHE_NAME_MAX     100
#define CACHE_CONTENT_MAX  200

struct cache_limits {
	size_t max[CACHE_KINDS];
};

struct cache_stats {
	size_t entries[CACHE_KINDS];
	size_t bytes;                  /* memory held by entries, index and contents */
	uint64_t evictions[CACHE_KINDS];
	uint64_t refused[CACHE_KINDS]; /* guild/channel inserts past the cap */
	uint64_t hits, misses;
	uint64_t updates;              /* dispatches that changed the cache */
	uint64_t wipes, flushes;
};

struct cache_guild   { uint64_t id; char name[CACHE_NAME_MAX]; bool unavailable; int member_count; };
struct cache_channel { uint64_t id, guild_id; int type; char name[CACHE_NAME_MAX]; };
struct cache_user    { uint64_t id; char username[CACHE_NAME_MAX]; bool bot; };
struct cache_member  { uint64_t guild_id, user_id; char nick[CACHE_NAME_MAX]; };
/* content is NUL-terminated, at most CACHE_CONTENT_MAX - 1 bytes, in a
 * block of its own length owned by the cache: most messages are far
 * shorter than the bound, and a fixed array made the 10,000 messages cost
 * 2.2 MB (docs/gateway-transport.md "Memory"). */
struct cache_message { uint64_t id, channel_id, author_id; char *content; };

struct cache;                      /* opaque */

/* Defaults: 10,000 guilds, 100,000 channels, 50,000 users, 50,000 members,
 * 10,000 messages. */
void cache_limits_default(struct cache_limits *l);
/* NULL when out of memory. */
struct cache *cache_new(const struct cache_limits *l);
void cache_free(struct cache *c);

/* Applies one dispatch (f->t): READY (self user, unavailable guilds),
 * GUILD_CREATE/UPDATE/DELETE (with channels, members and their users),
 * CHANNEL_CREATE/UPDATE/DELETE, GUILD_MEMBER_ADD/UPDATE/REMOVE, USER_UPDATE,
 * MESSAGE_CREATE/UPDATE/DELETE (the author is cached as a user).
 * 1 when the cache changed, 0 when the event is not one it keeps, -1 when a
 * known event lacks the fields it needs (the caller logs it). */
int cache_apply(struct cache *c, const struct frame *f);
/* What cache_apply reads of the `d` of dispatch t, for the decoder
 * (frame_decoder_want): NONE, or SOME with the keys of d whose objects or
 * arrays it reads in *nested. */
enum frame_reads cache_reads(const char *t, const char *const **nested);
/* Empties everything for a new session; counted in stats.wipes. */
void cache_wipe(struct cache *c);
/* A new session of one shard of shard_count: empties that shard's guilds
 * ((guild_id >> 22) % shard_count), their channels, members and messages,
 * and leaves the other shards' alone (users are shared and stay). With one
 * shard, cache_wipe. Counted in stats.wipes. */
void cache_wipe_shard(struct cache *c, int shard_id, int shard_count);
/* Guilds held for one shard of shard_count. */
size_t cache_shard_guilds(const struct cache *c, int shard_id, int shard_count);
/* Empties everything at the operator's request; counted in stats.flushes. */
void cache_flush(struct cache *c);

/* Lookups count a hit or a miss and refresh LRU order. Borrowed pointers,
 * valid until the next change to the cache. */
const struct cache_guild *cache_guild(struct cache *c, uint64_t id);
const struct cache_channel *cache_channel(struct cache *c, uint64_t id);
const struct cache_user *cache_user(struct cache *c, uint64_t id);
const struct cache_member *cache_member(struct cache *c, uint64_t guild_id, uint64_t user_id);
const struct cache_message *cache_message(struct cache *c, uint64_t id);
/* The bot's own user id from READY (0 before). */
uint64_t cache_self_id(const struct cache *c);

void cache_get_stats(const struct cache *c, struct cache_stats *out);
void cache_get_limits(const struct cache *c, struct cache_limits *out);
/* "guilds", "channels", "users", "members", "messages". */
const char *cache_kind_name(enum cache_kind k);

#endif
