/*
 * session_start_limit, as Discord keeps it: every successful IDENTIFY
 * spends one start; the window (24 h by default) opens at the first start
 * after a reset and refills everything when it ends; identifying with none
 * left resets the token (identify.c). Concurrency: one IDENTIFY per bucket
 * (shard_id % max_concurrency) per identify_spacing, else op 9.
 */
#include <limits.h>

#include "sim/core.h"

#define NEVER_IDENTIFIED INT64_MIN

void
sim_budget_init(struct sim *sim)
{
	struct sim_budget *b = &sim->budget;
	int i;

	b->remaining = sim->cfg.session_remaining >= 0 ?
	    sim->cfg.session_remaining : sim->cfg.session_limit;
	if (b->remaining > sim->cfg.session_limit)
		b->remaining = sim->cfg.session_limit;
	b->window_end = VTIME_NEVER;
	b->min_key_gap = b->first_identify = b->last_identify = -1;
	for (i = 0; i < SIM_CONCURRENCY_MAX; i++)
		b->bucket_last[i] = NEVER_IDENTIFIED;
}

static void
refresh(struct sim *sim, struct vtime now)
{
	struct sim_budget *b = &sim->budget;

	if (b->window_end != VTIME_NEVER && now.mono_ms >= b->window_end) {
		b->remaining = sim->cfg.session_limit;
		b->window_end = VTIME_NEVER;
	}
}

enum budget_verdict
sim_budget_take(struct sim *sim, struct vtime now, int shard_id)
{
	struct sim_budget *b = &sim->budget;
	int key = shard_id % (int)sim->cfg.max_concurrency;
	int64_t last = b->bucket_last[key];

	refresh(sim, now);
	if (last != NEVER_IDENTIFIED &&
	    now.mono_ms - last < sim->cfg.identify_spacing)
		return BUDGET_CONCURRENCY;
	if (b->remaining <= 0)
		return BUDGET_EXHAUSTED;
	b->remaining--;
	if (b->window_end == VTIME_NEVER)
		b->window_end = now.mono_ms + sim->cfg.session_window;
	if (last != NEVER_IDENTIFIED && (b->min_key_gap < 0 || now.mono_ms - last < b->min_key_gap))
		b->min_key_gap = now.mono_ms - last;
	if (b->first_identify < 0)
		b->first_identify = now.mono_ms;
	b->last_identify = now.mono_ms;
	b->bucket_last[key] = now.mono_ms;
	return BUDGET_OK;
}

void
sim_budget_set_remaining(struct sim *sim, int64_t remaining)
{
	if (remaining < 0 || remaining > sim->cfg.session_limit)
		remaining = sim->cfg.session_limit;
	sim->budget.remaining = remaining;
}

int64_t
sim_budget_remaining(const struct sim *sim, struct vtime now)
{
	const struct sim_budget *b = &sim->budget;

	if (b->window_end != VTIME_NEVER && now.mono_ms >= b->window_end)
		return sim->cfg.session_limit;
	return b->remaining;
}

json_t *
sim_budget_json(struct sim *sim, struct vtime now)
{
	struct sim_budget *b = &sim->budget;
	int64_t reset_after;

	refresh(sim, now);
	reset_after = b->window_end == VTIME_NEVER ? sim->cfg.session_window :
	    b->window_end - now.mono_ms;
	return json_pack("{s:I, s:I, s:I, s:I}",
	    "total", (json_int_t)sim->cfg.session_limit,
	    "remaining", (json_int_t)b->remaining,
	    "reset_after", (json_int_t)reset_after,
	    "max_concurrency", (json_int_t)sim->cfg.max_concurrency);
}
