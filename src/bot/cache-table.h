/*
 * One kind of the entity cache (cache.h): fixed-size records keyed by one
 * or two 64-bit ids, in an open-addressing index (linear probing, backward
 * shift deletion, load <= 1/2), with an optional LRU list. Storage grows by
 * doubling up to `max` records and is never larger; when full, an LRU table
 * evicts its least recently used record and a plain one refuses. Private to
 * src/bot.
 */
#ifndef VIGIL_BOT_CACHE_TABLE_H
#define VIGIL_BOT_CACHE_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CT_NONE UINT32_MAX

struct cnode {
	uint64_t k1, k2;
	uint32_t prev, next;           /* LRU links; next also threads the free list */
	bool live;
};

struct cache_table {
	size_t elem;                   /* bytes of one record */
	size_t max;                    /* records at most */
	bool lru;
	size_t count, cap;             /* records held, record slots allocated */
	unsigned char *rec;            /* cap records */
	struct cnode *node;            /* cap nodes, one per record slot */
	uint32_t *index;               /* nindex entries: slot + 1, 0 when empty */
	size_t nindex;
	uint32_t free_head;
	uint32_t head, tail;           /* most and least recently used */
	uint64_t evictions, refused;   /* kept across cache_table_clear */
	void (*drop)(void *ud, void *rec);   /* a record leaves: frees what it owns */
	void *drop_ud;
};

void cache_table_init(struct cache_table *t, size_t elem, size_t max, bool lru);
/* drop(ud, rec) is called for each record that leaves the table (deleted,
 * evicted or cleared), before its slot is reused. */
void cache_table_on_drop(struct cache_table *t, void (*drop)(void *ud, void *rec), void *ud);
/* Frees every record and the index; the counters and drop stay. */
void cache_table_clear(struct cache_table *t);
/* The record for the key or NULL; LRU order is not changed. */
void *cache_table_get(const struct cache_table *t, uint64_t k1, uint64_t k2);
/* Makes rec (from this table) the most recently used. */
void cache_table_touch(struct cache_table *t, const void *rec);
/* The record for the key, made most recently used; when absent, a zeroed
 * one is added (*added = true), evicting or refusing when full. NULL when
 * refused or out of memory. */
void *cache_table_put(struct cache_table *t, uint64_t k1, uint64_t k2, bool *added);
/* true when the key was there. */
bool cache_table_del(struct cache_table *t, uint64_t k1, uint64_t k2);
/* Deletes every record for which match(rec, arg); returns how many. */
size_t cache_table_del_if(struct cache_table *t, bool (*match)(const void *rec, void *arg), void *arg);
/* Memory held: record slots, their nodes and the index. */
size_t cache_table_bytes(const struct cache_table *t);

#endif
