/*
 * The identify queue (identify-queue.h). Keys are computed with the
 * max_concurrency of the moment: Discord's reading can change it, and a
 * shard's key moves with it. The budget's per-key 5 s spacing stays the
 * last word before an IDENTIFY, so a change of max_concurrency while a key
 * is held can delay an IDENTIFY but never send two too close.
 */
#include <stdlib.h>

#include "bot/identify-queue.h"

static int
key_of(int shard, int mc)
{
	return shard % (mc > 0 ? mc : 1);
}

int
identq_init(struct identq *q, int cap)
{
	q->waiting = calloc((size_t)(cap > 0 ? cap : 1), sizeof(*q->waiting));
	q->nwaiting = 0;
	q->cap = cap > 0 ? cap : 1;
	for (int k = 0; k < BUDGET_MAX_CONCURRENCY; k++)
		q->holder[k] = -1;
	return q->waiting == NULL ? -1 : 0;
}

void
identq_free(struct identq *q)
{
	free(q->waiting);
	q->waiting = NULL;
	q->nwaiting = q->cap = 0;
}

static int
find_waiting(const struct identq *q, int shard)
{
	for (int i = 0; i < q->nwaiting; i++) {
		if (q->waiting[i] == shard)
			return i;
	}
	return -1;
}

static int
find_holder(const struct identq *q, int shard)
{
	for (int k = 0; k < BUDGET_MAX_CONCURRENCY; k++) {
		if (q->holder[k] == shard)
			return k;
	}
	return -1;
}

bool
identq_holds(const struct identq *q, int shard)
{
	return find_holder(q, shard) >= 0;
}

bool
identq_waits(const struct identq *q, int shard)
{
	return find_waiting(q, shard) >= 0;
}

int
identq_holder(const struct identq *q, int key, int mc)
{
	for (int k = 0; k < BUDGET_MAX_CONCURRENCY; k++) {
		if (q->holder[k] >= 0 && key_of(q->holder[k], mc) == key)
			return q->holder[k];
	}
	return -1;
}

int
identq_first(const struct identq *q, int key, int mc)
{
	for (int i = 0; i < q->nwaiting; i++) {
		if (key_of(q->waiting[i], mc) == key)
			return q->waiting[i];
	}
	return -1;
}

int
identq_count(const struct identq *q, int key, int mc)
{
	int n = 0;

	for (int i = 0; i < q->nwaiting; i++)
		n += key < 0 || key_of(q->waiting[i], mc) == key;
	return n;
}

static void
unwait(struct identq *q, int i)
{
	for (; i + 1 < q->nwaiting; i++)
		q->waiting[i] = q->waiting[i + 1];
	q->nwaiting--;
}

bool
identq_take(struct identq *q, int shard, int mc)
{
	int key = key_of(shard, mc), i, slot;

	if (identq_holds(q, shard))
		return true;
	i = find_waiting(q, shard);
	if (i < 0) {
		if (q->nwaiting == q->cap)
			return false;   /* more shards than the fleet was built for: cannot happen */
		q->waiting[q->nwaiting] = shard;
		i = q->nwaiting++;
	}
	if (identq_holder(q, key, mc) >= 0 || identq_first(q, key, mc) != shard)
		return false;
	slot = find_holder(q, -1);
	if (slot < 0)
		return false;   /* every slot held: max_concurrency shrank under them */
	unwait(q, i);
	q->holder[slot] = shard;
	return true;
}

bool
identq_leave(struct identq *q, int shard)
{
	int i = find_waiting(q, shard), k = find_holder(q, shard);

	if (i >= 0)
		unwait(q, i);
	if (k < 0)
		return false;
	q->holder[k] = -1;
	return true;
}
