/* splitmix64 (Steele, Lea, Flood 2014); see rng.h for why it is enough. */
#include "bot/rng.h"

void
rng_seed(struct rng *r, uint64_t seed)
{
	r->state = seed;
}

uint64_t
rng_u64(struct rng *r)
{
	uint64_t z = (r->state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

double
rng_unit(struct rng *r)
{
	/* The top 53 bits fill a double's mantissa exactly. */
	return (double)(rng_u64(r) >> 11) * 0x1.0p-53;
}

int64_t
rng_range(struct rng *r, int64_t lo, int64_t hi)
{
	if (hi <= lo)
		return lo;
	uint64_t span = (uint64_t)(hi - lo) + 1;
	return lo + (int64_t)(rng_u64(r) % span);
}
