/*
 * The entity cache's insides, shared by cache.c (lifecycle, lookups,
 * stats) and cacheapply.c (dispatches). One ctable per kind; members are
 * keyed by (guild id, user id), the others by (id, 0).
 */
#ifndef VIGIL_BOT_CACHEINT_H
#define VIGIL_BOT_CACHEINT_H

#include "bot/cache.h"
#include "bot/ctable.h"

struct cache {
	struct cache_limits lim;
	struct ctable t[CACHE_KINDS];
	uint64_t self_id;
	uint64_t hits, misses, updates, wipes, flushes;
};

#endif
