/*
 * Chaos mode: faults picked at random, at a mean rate (per minute) with
 * exponential gaps, from a weighted menu of the things a gateway does to
 * clients in real life. The menu lines go through sim_fault_line(), like a
 * scenario's. The generator is seeded, so the same seed gives the same
 * day; chaos never resets the token, bans or bursts.
 */
#include <math.h>
#include <stdio.h>

#include "sim/core.h"

/* A tick that comes late fires at most this many, then moves on. */
#define CHAOS_CATCH_UP_MAX 100

static const struct {
	const char *line;
	int weight;
} menu[] = {
	{ "drop", 10 },
	{ "drop rst=true", 3 },
	{ "close 4000", 6 },
	{ "close 1001", 2 },
	{ "close 4009", 1 },
	{ "zombie", 6 },
	{ "reconnect", 8 },
	{ "invalid_session true", 4 },
	{ "invalid_session false", 3 },
	{ "heartbeat_request", 6 },
	{ "blackhole", 2 },
	{ "malformed", 1 },
	{ "rest_429 secs=2", 4 },
	{ "rest_5xx count=2", 4 },
	{ "global_429 secs=1", 2 },
	{ "refuse secs=3", 2 },
	{ "stall secs=2", 1 },
};

#define NMENU (sizeof(menu) / sizeof(menu[0]))

static int64_t
gap(struct sim *sim)
{
	double ms = -log(1.0 - rng_unit(&sim->chaos_rng)) * 60000.0 /
	    sim->cfg.chaos;

	return ms < 1.0 ? 1 : (int64_t)ms;
}

void
sim_chaos_reschedule(struct sim *sim, struct vtime now)
{
	sim->chaos_at = sim->cfg.chaos > 0 ? now.mono_ms + gap(sim) :
	    VTIME_NEVER;
}

static const char *
pick(struct sim *sim)
{
	int total = 0, r;
	size_t i;

	for (i = 0; i < NMENU; i++)
		total += menu[i].weight;
	r = (int)rng_range(&sim->chaos_rng, 0, total - 1);
	for (i = 0; i < NMENU - 1 && r >= menu[i].weight; i++)
		r -= menu[i].weight;
	return menu[i].line;
}

void
sim_chaos_tick(struct sim *sim, struct vtime now)
{
	char err[128];
	int n;

	for (n = 0; sim->chaos_at <= now.mono_ms; n++) {
		if (n == CHAOS_CATCH_UP_MAX) {
			sim_chaos_reschedule(sim, now);
			return;
		}
		if (sim_fault_line(sim, now, pick(sim), err, sizeof(err)) >= 0)
			sim->counters.chaos_fired++;
		sim->chaos_at += gap(sim);
	}
}
