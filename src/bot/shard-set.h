/*
 * A set of shard ids, from the text operators write: "3", "0-7", "0,2,4-7"
 * or "all" (the config's shard_ids, the console's SHARDS argument). This
 * process's shards are such a set of the total N; splitting N over
 * processes is giving each a range (twilight's bucket() gives each process
 * a contiguous or strided part the same way). Pure: no I/O.
 */
#ifndef VIGIL_BOT_SHARD_SET_H
#define VIGIL_BOT_SHARD_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bot/fleet.h"

#define SHARD_SET_TEXT_MAX 256

struct shard_set {
	int n;                          /* how many ids, 0 = none */
	uint16_t ids[FLEET_SHARDS_MAX]; /* ascending, each once */
};

/* Parses text for shards 0..count-1 ("all" or "" = every one). 0, or -1 with
 * a message naming what is wrong (an empty range, an id past count - 1, a
 * malformed part). */
int shard_set_parse(struct shard_set *s, const char *text, int count, char *err, size_t errlen);
/* Every shard of count. */
void shard_set_all(struct shard_set *s, int count);
bool shard_set_has(const struct shard_set *s, int id);
/* "0-7", "0,2,4-7": the shortest text for the set, into out. */
void shard_set_format(const struct shard_set *s, char *out, size_t outlen);

#endif
