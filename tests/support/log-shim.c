/*
 * TEMPORARY: a minimal log ring so the unit tests link before src/bot/log.c
 * lands. Delete this file when it does (they define the same symbols).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/log.h"

int
logring_init(struct logring *r, size_t cap)
{
	memset(r, 0, sizeof(*r));
	r->cap = cap != 0 ? cap : LOG_RING_DEFAULT;
	r->slots = calloc(r->cap, sizeof(*r->slots));
	r->next_seq = 1;
	return r->slots != NULL ? 0 : -1;
}

void
logring_free(struct logring *r)
{
	free(r->slots);
	memset(r, 0, sizeof(*r));
}

void
logring_add(struct logring *r, enum log_level level, const char *source, const char *fmt, ...)
{
	struct log_entry *e = &r->slots[(r->next_seq - 1) % r->cap];
	va_list ap;

	if (r->next_seq > r->cap)
		r->dropped++;
	memset(e, 0, sizeof(*e));
	e->seq = r->next_seq++;
	e->level = level;
	e->from = e->to = -1;
	snprintf(e->source, sizeof(e->source), "%s", source);
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof(e->text), fmt, ap);
	va_end(ap);
	r->by_level[level]++;
}

const struct log_entry *
logring_get(const struct logring *r, uint64_t seq)
{
	if (seq == 0 || seq >= r->next_seq || r->next_seq - seq > r->cap)
		return NULL;
	return &r->slots[(seq - 1) % r->cap];
}
