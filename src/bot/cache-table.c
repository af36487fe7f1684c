/*
 * The cache's table (cache_table.h). Records live in one array and never move
 * except when it grows, so an index slot is a 32-bit record number and the
 * LRU list is threaded through the node array: no allocation per entry.
 */
#include <stdlib.h>
#include <string.h>

#include "bot/cache-table.h"

#define CT_MIN_CAP 64

void
cache_table_init(struct cache_table *t, size_t elem, size_t max, bool lru)
{
	memset(t, 0, sizeof(*t));
	t->elem = elem;
	/* Record numbers are 32-bit, CT_NONE excluded. */
	t->max = max < CT_NONE / 2 ? max : CT_NONE / 2;
	t->lru = lru;
	t->free_head = t->head = t->tail = CT_NONE;
}

void
cache_table_on_drop(struct cache_table *t, void (*drop)(void *ud, void *rec), void *ud)
{
	t->drop = drop;
	t->drop_ud = ud;
}

static void *
rec_at(const struct cache_table *t, uint32_t i)
{
	return t->rec + (size_t)i * t->elem;
}

void
cache_table_clear(struct cache_table *t)
{
	uint64_t evictions = t->evictions, refused = t->refused;
	void (*drop)(void *, void *) = t->drop;
	void *ud = t->drop_ud;

	for (uint32_t i = 0; drop != NULL && i < t->cap; i++) {
		if (t->node[i].live)
			drop(ud, rec_at(t, i));
	}
	free(t->rec);
	free(t->node);
	free(t->index);
	cache_table_init(t, t->elem, t->max, t->lru);
	t->evictions = evictions;
	t->refused = refused;
	cache_table_on_drop(t, drop, ud);
}

static uint64_t
key_hash(uint64_t k1, uint64_t k2)
{
	uint64_t z = k1 ^ (k2 * 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* The index position holding the key, or the empty one where it would go. */
static size_t
find_pos(const struct cache_table *t, uint64_t k1, uint64_t k2, bool *found)
{
	size_t mask = t->nindex - 1, p = (size_t)key_hash(k1, k2) & mask;

	for (;; p = (p + 1) & mask) {
		uint32_t v = t->index[p];

		if (v == 0) {
			*found = false;
			return p;
		}
		if (t->node[v - 1].k1 == k1 && t->node[v - 1].k2 == k2) {
			*found = true;
			return p;
		}
	}
}

void *
cache_table_get(const struct cache_table *t, uint64_t k1, uint64_t k2)
{
	bool found;
	size_t p;

	if (t->count == 0)
		return NULL;
	p = find_pos(t, k1, k2, &found);
	return found ? rec_at(t, t->index[p] - 1) : NULL;
}

static void
lru_unlink(struct cache_table *t, uint32_t i)
{
	struct cnode *n = &t->node[i];

	if (n->prev != CT_NONE)
		t->node[n->prev].next = n->next;
	else
		t->head = n->next;
	if (n->next != CT_NONE)
		t->node[n->next].prev = n->prev;
	else
		t->tail = n->prev;
}

static void
lru_push(struct cache_table *t, uint32_t i)
{
	struct cnode *n = &t->node[i];

	n->prev = CT_NONE;
	n->next = t->head;
	if (t->head != CT_NONE)
		t->node[t->head].prev = i;
	t->head = i;
	if (t->tail == CT_NONE)
		t->tail = i;
}

void
cache_table_touch(struct cache_table *t, const void *rec)
{
	uint32_t i = (uint32_t)(((const unsigned char *)rec - t->rec) / t->elem);

	if (t->lru && t->head != i) {
		lru_unlink(t, i);
		lru_push(t, i);
	}
}

/* Empties index position p, shifting back the entries after it that
 * probed past it, so lookups never need tombstones. */
static void
index_remove(struct cache_table *t, size_t p)
{
	size_t mask = t->nindex - 1, q = p;

	t->index[p] = 0;
	for (;;) {
		uint32_t v;
		size_t home;

		q = (q + 1) & mask;
		if ((v = t->index[q]) == 0)
			return;
		home = (size_t)key_hash(t->node[v - 1].k1, t->node[v - 1].k2) & mask;
		if (q > p ? (home <= p || home > q) : (home <= p && home > q)) {
			t->index[p] = v;
			t->index[q] = 0;
			p = q;
		}
	}
}

/* Removes the record at index position p. */
static void
remove_at(struct cache_table *t, size_t p)
{
	uint32_t i = t->index[p] - 1;

	if (t->drop != NULL)
		t->drop(t->drop_ud, rec_at(t, i));
	index_remove(t, p);
	if (t->lru)
		lru_unlink(t, i);
	t->node[i].live = false;
	t->node[i].next = t->free_head;
	t->free_head = i;
	t->count--;
}

bool
cache_table_del(struct cache_table *t, uint64_t k1, uint64_t k2)
{
	bool found;
	size_t p;

	if (t->count == 0)
		return false;
	p = find_pos(t, k1, k2, &found);
	if (found)
		remove_at(t, p);
	return found;
}

size_t
cache_table_del_if(struct cache_table *t, bool (*match)(const void *rec, void *arg), void *arg)
{
	size_t n = 0;

	for (uint32_t i = 0; i < t->cap; i++) {
		if (t->node[i].live && match(rec_at(t, i), arg)) {
			cache_table_del(t, t->node[i].k1, t->node[i].k2);
			n++;
		}
	}
	return n;
}

static void
index_rebuild(struct cache_table *t)
{
	bool found;

	memset(t->index, 0, t->nindex * sizeof(*t->index));
	for (uint32_t i = 0; i < t->cap; i++) {
		if (t->node[i].live)
			t->index[find_pos(t, t->node[i].k1, t->node[i].k2, &found)] = i + 1;
	}
}

/* Doubles the record slots (up to max) and rebuilds the index. */
static int
grow(struct cache_table *t)
{
	size_t ncap = t->cap < CT_MIN_CAP ? CT_MIN_CAP : t->cap * 2, nidx = 1;
	unsigned char *rec;
	struct cnode *node;
	uint32_t *index;

	if (ncap > t->max)
		ncap = t->max;
	if (ncap <= t->cap)
		return -1;
	while (nidx < ncap * 2)
		nidx *= 2;
	if ((rec = realloc(t->rec, ncap * t->elem)) != NULL)
		t->rec = rec;
	if ((node = realloc(t->node, ncap * sizeof(*node))) != NULL)
		t->node = node;
	index = calloc(nidx, sizeof(*index));
	if (rec == NULL || node == NULL || index == NULL) {
		free(index);
		return -1;
	}
	for (size_t i = ncap; i-- > t->cap;) {
		t->node[i].live = false;
		t->node[i].next = t->free_head;
		t->free_head = (uint32_t)i;
	}
	t->cap = ncap;
	free(t->index);
	t->index = index;
	t->nindex = nidx;
	index_rebuild(t);
	return 0;
}

static void
evict_lru(struct cache_table *t)
{
	bool found;
	struct cnode *n = &t->node[t->tail];

	remove_at(t, find_pos(t, n->k1, n->k2, &found));
	t->evictions++;
}

void *
cache_table_put(struct cache_table *t, uint64_t k1, uint64_t k2, bool *added)
{
	bool found;
	uint32_t i;
	void *rec;

	*added = false;
	if ((rec = cache_table_get(t, k1, k2)) != NULL) {
		cache_table_touch(t, rec);
		return rec;
	}
	if (t->count >= t->max) {
		if (!t->lru || t->count == 0) {
			t->refused++;
			return NULL;
		}
		evict_lru(t);
	}
	if (t->free_head == CT_NONE && grow(t) < 0)
		return NULL;
	i = t->free_head;
	t->free_head = t->node[i].next;
	t->node[i] = (struct cnode){ .k1 = k1, .k2 = k2, .live = true };
	t->index[find_pos(t, k1, k2, &found)] = i + 1;
	if (t->lru)
		lru_push(t, i);
	t->count++;
	*added = true;
	rec = rec_at(t, i);
	memset(rec, 0, t->elem);
	return rec;
}

size_t
cache_table_bytes(const struct cache_table *t)
{
	return t->cap * (t->elem + sizeof(struct cnode)) + t->nindex * sizeof(uint32_t);
}
