/*
 * The entity cache (cache.h): lifecycle, lookups and stats. What each
 * dispatch changes is in cache-apply.c. Guilds and channels refuse entries
 * past their cap (evicting one would make the cache lie about what the bot
 * can see); users, members and messages are LRU.
 */
#include <stdlib.h>

#include "bot/cache-internal.h"
#include "bot/fleet.h"

static const char *const kind_names[CACHE_KINDS] = {
	"guilds", "channels", "users", "members", "messages",
};

void
cache_limits_default(struct cache_limits *l)
{
	l->max[CACHE_GUILD] = 10000;
	l->max[CACHE_CHANNEL] = 100000;
	l->max[CACHE_USER] = 50000;
	l->max[CACHE_MEMBER] = 50000;
	l->max[CACHE_MESSAGE] = 10000;
}

struct cache *
cache_new(const struct cache_limits *l)
{
	static const size_t elem[CACHE_KINDS] = {
		sizeof(struct cache_guild), sizeof(struct cache_channel),
		sizeof(struct cache_user), sizeof(struct cache_member),
		sizeof(struct cache_message),
	};
	struct cache *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	if (l != NULL)
		c->lim = *l;
	else
		cache_limits_default(&c->lim);
	for (int k = 0; k < CACHE_KINDS; k++)
		cache_table_init(&c->t[k], elem[k], c->lim.max[k],
		    k != CACHE_GUILD && k != CACHE_CHANNEL);
	cache_table_on_drop(&c->t[CACHE_MESSAGE], cache_message_drop, c);
	return c;
}

static void
clear_all(struct cache *c)
{
	for (int k = 0; k < CACHE_KINDS; k++)
		cache_table_clear(&c->t[k]);
	c->self_id = 0;
}

void
cache_free(struct cache *c)
{
	if (c == NULL)
		return;
	clear_all(c);
	free(c);
}

void
cache_wipe(struct cache *c)
{
	clear_all(c);
	c->wipes++;
}

void
cache_flush(struct cache *c)
{
	clear_all(c);
	c->flushes++;
}

/* A counted lookup that refreshes LRU order. */
static const void *
lookup(struct cache *c, enum cache_kind k, uint64_t k1, uint64_t k2)
{
	void *rec = cache_table_get(&c->t[k], k1, k2);

	if (rec == NULL) {
		c->misses++;
		return NULL;
	}
	c->hits++;
	cache_table_touch(&c->t[k], rec);
	return rec;
}

const struct cache_guild *
cache_guild(struct cache *c, uint64_t id)
{
	return lookup(c, CACHE_GUILD, id, 0);
}

const struct cache_channel *
cache_channel(struct cache *c, uint64_t id)
{
	return lookup(c, CACHE_CHANNEL, id, 0);
}

const struct cache_user *
cache_user(struct cache *c, uint64_t id)
{
	return lookup(c, CACHE_USER, id, 0);
}

const struct cache_member *
cache_member(struct cache *c, uint64_t guild_id, uint64_t user_id)
{
	return lookup(c, CACHE_MEMBER, guild_id, user_id);
}

const struct cache_message *
cache_message(struct cache *c, uint64_t id)
{
	return lookup(c, CACHE_MESSAGE, id, 0);
}

uint64_t
cache_self_id(const struct cache *c)
{
	return c->self_id;
}

void
cache_get_stats(const struct cache *c, struct cache_stats *out)
{
	out->bytes = 0;
	for (int k = 0; k < CACHE_KINDS; k++) {
		out->entries[k] = c->t[k].count;
		out->evictions[k] = c->t[k].evictions;
		out->refused[k] = c->t[k].refused;
		out->bytes += cache_table_bytes(&c->t[k]);
	}
	out->bytes += c->content_bytes;
	out->hits = c->hits;
	out->misses = c->misses;
	out->updates = c->updates;
	out->wipes = c->wipes;
	out->flushes = c->flushes;
}

void
cache_get_limits(const struct cache *c, struct cache_limits *out)
{
	*out = c->lim;
}

const char *
cache_kind_name(enum cache_kind k)
{
	return (unsigned)k < CACHE_KINDS ? kind_names[k] : "?";
}

/* What a shard's wipe matches: its guilds and what hangs off them. */
struct shard_match {
	const struct cache *c;
	int shard, count;
};

static bool
guild_on(const struct shard_match *m, uint64_t guild_id)
{
	return fleet_guild_shard(guild_id, m->count) == m->shard;
}

static bool
match_guild(const void *rec, void *arg)
{
	return guild_on(arg, ((const struct cache_guild *)rec)->id);
}

static bool
match_channel(const void *rec, void *arg)
{
	const struct cache_channel *ch = rec;

	/* A DM channel has no guild; Discord sends DMs to shard 0. */
	return guild_on(arg, ch->guild_id);
}

static bool
match_member(const void *rec, void *arg)
{
	return guild_on(arg, ((const struct cache_member *)rec)->guild_id);
}

static bool
match_message(const void *rec, void *arg)
{
	const struct shard_match *m = arg;
	const struct cache_channel *ch = cache_table_get(&m->c->t[CACHE_CHANNEL],
	    ((const struct cache_message *)rec)->channel_id, 0);

	return ch != NULL ? guild_on(m, ch->guild_id) : m->shard == 0;
}

void
cache_wipe_shard(struct cache *c, int shard_id, int shard_count)
{
	struct shard_match m = { c, shard_id, shard_count };

	if (shard_count <= 1) {
		cache_wipe(c);
		return;
	}
	/* Messages first: they find their guild through their channel. */
	cache_table_del_if(&c->t[CACHE_MESSAGE], match_message, &m);
	cache_table_del_if(&c->t[CACHE_MEMBER], match_member, &m);
	cache_table_del_if(&c->t[CACHE_CHANNEL], match_channel, &m);
	cache_table_del_if(&c->t[CACHE_GUILD], match_guild, &m);
	c->wipes++;
}

size_t
cache_shard_guilds(const struct cache *c, int shard_id, int shard_count)
{
	const struct cache_table *t = &c->t[CACHE_GUILD];
	struct shard_match m = { c, shard_id, shard_count };
	size_t n = 0;

	for (size_t i = 0; i < t->cap; i++) {
		if (t->node[i].live && match_guild(t->rec + i * t->elem, &m))
			n++;
	}
	return n;
}
