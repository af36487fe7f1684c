/*
 * The core reads no clock: every entry point is handed the time.
 * mono_ms orders events and drives deadlines (CLOCK_MONOTONIC in the real
 * loop, a virtual clock in simulations); wall_ms (Unix epoch, milliseconds)
 * is used only where the outside world counts in wall time: the rolling 24 h
 * session-start budget, the state file, and display. Both are milliseconds so
 * no code ever mixes units.
 */
#ifndef VIGIL_BOT_VTIME_H
#define VIGIL_BOT_VTIME_H

#include <stdint.h>

struct vtime {
	int64_t mono_ms;
	int64_t wall_ms;
};

/* "No deadline": larger than any real time, so min() over deadlines works. */
#define VTIME_NEVER INT64_MAX

#define MS_PER_S   1000LL
#define MS_PER_MIN (60LL * MS_PER_S)
#define MS_PER_H   (60LL * MS_PER_MIN)
#define MS_PER_DAY (24LL * MS_PER_H)

#endif
