/*
 * One kind of the entity cache (cache.h): fixed-size records keyed by one
 * or two 64-bit ids, in an open-addressing index (linear probing, backward
 * shift deletion, load <= 1/2), with an optional LRU list. Storage grows by
 * doubling up to `max` records and is never larger; when full, an LRU table
 * evicts its least recently used record and a plain one refuses. Private to
 * src/bot.
 */
#ifndef VIGIL_BOT_CTABLE_H
#define VIGIL_BOT_CTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CT_NONE UINT32_MAX

struct cnode {
	uint64_t k1, k2;
	uint32_t prev, next;           /* LRU links; next also threads the free list */
	bool live;
};

struct ctable {
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
	uint64_t evictions, refused;   /* kept across ctable_clear */
};

void ctable_init(struct ctable *t, size_t elem, size_t max, bool lru);
/* Frees every record and the index; the counters stay. */
void ctable_clear(struct ctable *t);
/* The record for the key or NULL; LRU order is not changed. */
void *ctable_get(const struct ctable *t, uint64_t k1, uint64_t k2);
/* Makes rec (from this table) the most recently used. */
void ctable_touch(struct ctable *t, const void *rec);
/* The record for the key, made most recently used; when absent, a zeroed
 * one is added (*added = true), evicting or refusing when full. NULL when
 * refused or out of memory. */
void *ctable_put(struct ctable *t, uint64_t k1, uint64_t k2, bool *added);
/* true when the key was there. */
bool ctable_del(struct ctable *t, uint64_t k1, uint64_t k2);
/* Deletes every record for which match(rec, arg); returns how many. */
size_t ctable_del_if(struct ctable *t, bool (*match)(const void *rec, void *arg), void *arg);
/* Memory held: record slots, their nodes and the index. */
size_t ctable_bytes(const struct ctable *t);

#endif
