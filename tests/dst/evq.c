/*
 * The simulation's event queue: a binary heap ordered by virtual time, then
 * by a tie key drawn from the seed when the event was made. Two events due
 * in the same millisecond therefore run in an order that differs from seed
 * to seed but never between two runs of one seed. Frames on one link never
 * share a millisecond (netfault.c keeps each direction strictly increasing),
 * so the tie key cannot reorder a TCP stream.
 */
#include <stdlib.h>

#include "world.h"

static bool
before(const struct ev *a, const struct ev *b)
{
	if (a->at != b->at)
		return a->at < b->at;
	if (a->tie != b->tie)
		return a->tie < b->tie;
	return a->serial < b->serial;
}

static void
swap(struct ev **h, size_t i, size_t j)
{
	struct ev *t = h[i];

	h[i] = h[j];
	h[j] = t;
}

void
evq_push(struct evq *q, struct ev *e)
{
	size_t i;

	if (q->n == q->cap) {
		size_t ncap = q->cap != 0 ? q->cap * 2 : 256;
		struct ev **h = realloc(q->heap, ncap * sizeof(*h));

		if (h == NULL)
			abort();
		q->heap = h;
		q->cap = ncap;
	}
	i = q->n++;
	q->heap[i] = e;
	while (i > 0 && before(q->heap[i], q->heap[(i - 1) / 2])) {
		swap(q->heap, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

struct ev *
evq_peek(const struct evq *q)
{
	return q->n > 0 ? q->heap[0] : NULL;
}

struct ev *
evq_pop(struct evq *q)
{
	struct ev *top;
	size_t i = 0;

	if (q->n == 0)
		return NULL;
	top = q->heap[0];
	q->heap[0] = q->heap[--q->n];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < q->n && before(q->heap[l], q->heap[m]))
			m = l;
		if (r < q->n && before(q->heap[r], q->heap[m]))
			m = r;
		if (m == i)
			break;
		swap(q->heap, i, m);
		i = m;
	}
	return top;
}

void
ev_free(struct ev *e)
{
	if (e == NULL)
		return;
	free(e->data);
	if (e->req != NULL)
		hreq_unref(e->req);
	free(e);
}

void
evq_free(struct evq *q)
{
	while (q->n > 0)
		ev_free(evq_pop(q));
	free(q->heap);
	q->heap = NULL;
	q->cap = 0;
}
