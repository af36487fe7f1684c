/*
 * The entity cache's insides, shared by cache.c (lifecycle, lookups,
 * stats) and cache-apply.c (dispatches). One cache_table per kind; members are
 * keyed by (guild id, user id), the others by (id, 0).
 */
#ifndef VIGIL_BOT_CACHE_INTERNAL_H
#define VIGIL_BOT_CACHE_INTERNAL_H

#include "bot/cache.h"
#include "bot/cache-table.h"

struct cache {
	struct cache_limits lim;
	struct cache_table t[CACHE_KINDS];
	uint64_t self_id;
	uint64_t hits, misses, updates, wipes, flushes;
	size_t content_bytes;          /* held by the messages' contents */
};

/* The messages table's drop (cache_table_on_drop): frees the content. */
void cache_message_drop(void *ud, void *rec);

#endif
