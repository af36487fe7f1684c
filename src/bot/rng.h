/*
 * The one source of randomness in the core (heartbeat jitter, backoff jitter,
 * the op 9 wait, rand() in delay formulas). It is seeded by the caller, so a
 * simulation with the same seed replays exactly. splitmix64: tiny, fast, and
 * statistically fine for jitter; not for secrets.
 */
#ifndef VIGIL_BOT_RNG_H
#define VIGIL_BOT_RNG_H

#include <stdint.h>

struct rng {
	uint64_t state;
};

void rng_seed(struct rng *r, uint64_t seed);
/* Next 64 random bits. */
uint64_t rng_u64(struct rng *r);
/* Uniform double in [0, 1). */
double rng_unit(struct rng *r);
/* Uniform integer in [lo, hi], both inclusive; lo when hi <= lo. */
int64_t rng_range(struct rng *r, int64_t lo, int64_t hi);

#endif
