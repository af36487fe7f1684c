/*
 * Shard sets (shard-set.h): parsing with a message for every mistake,
 * and the short form for the console and the log.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/shard-set.h"

void
shard_set_all(struct shard_set *s, int count)
{
	s->n = 0;
	for (int i = 0; i < count && i < FLEET_SHARDS_MAX; i++)
		s->ids[s->n++] = (uint16_t)i;
}

bool
shard_set_has(const struct shard_set *s, int id)
{
	for (int i = 0; i < s->n; i++) {
		if (s->ids[i] == id)
			return true;
	}
	return false;
}

/* One id of a part: digits only, below count. */
static int
read_id(const char *p, const char **end, int count, long *out, char *err, size_t errlen)
{
	char *e;

	if (*p < '0' || *p > '9') {
		snprintf(err, errlen, "\"%.20s\" is not a shard id", p);
		return -1;
	}
	errno = 0;
	*out = strtol(p, &e, 10);
	*end = e;
	if (errno != 0 || *out >= count) {
		snprintf(err, errlen, "shard %.12s is past the last one (%d shards: 0-%d)", p, count,
		    count - 1);
		return -1;
	}
	return 0;
}

/* "A" or "A-B" at *p; leaves *p after it. */
static int
read_part(const char **p, int count, bool *mark, char *err, size_t errlen)
{
	long lo, hi;
	const char *e;

	if (read_id(*p, &e, count, &lo, err, errlen) < 0)
		return -1;
	hi = lo;
	if (*e == '-' && read_id(e + 1, &e, count, &hi, err, errlen) < 0)
		return -1;
	if (hi < lo) {
		snprintf(err, errlen, "the range %ld-%ld is empty", lo, hi);
		return -1;
	}
	if (*e != '\0' && *e != ',') {
		snprintf(err, errlen, "unexpected \"%c\" after %ld (write 3, 0-7 or 0,2,4-7)", *e, hi);
		return -1;
	}
	for (long i = lo; i <= hi; i++)
		mark[i] = true;
	*p = *e == ',' ? e + 1 : e;
	return 0;
}

int
shard_set_parse(struct shard_set *s, const char *text, int count, char *err, size_t errlen)
{
	bool mark[FLEET_SHARDS_MAX] = { false };
	const char *p = text;

	if (count < 1 || count > FLEET_SHARDS_MAX) {
		snprintf(err, errlen, "%d shards: expected 1 to %d", count, FLEET_SHARDS_MAX);
		return -1;
	}
	if (text[0] == '\0' || strcmp(text, "all") == 0) {
		shard_set_all(s, count);
		return 0;
	}
	while (*p != '\0') {
		if (read_part(&p, count, mark, err, errlen) < 0)
			return -1;
	}
	s->n = 0;
	for (int i = 0; i < count; i++) {
		if (mark[i])
			s->ids[s->n++] = (uint16_t)i;
	}
	return 0;
}

void
shard_set_format(const struct shard_set *s, char *out, size_t outlen)
{
	size_t len = 0;

	out[0] = '\0';
	for (int i = 0; i < s->n && len < outlen; ) {
		int j = i;

		while (j + 1 < s->n && s->ids[j + 1] == s->ids[j] + 1)
			j++;
		len += (size_t)snprintf(out + len, outlen - len, "%s%d", i > 0 ? "," : "", s->ids[i]);
		if (j > i && len < outlen)
			len += (size_t)snprintf(out + len, outlen - len, "-%d", s->ids[j]);
		i = j + 1;
	}
}
