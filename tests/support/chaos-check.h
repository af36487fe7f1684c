/*
 * What the chaos tests (tests/chaos) check after a storm, shared by the
 * loopback run and the network-namespace run: invariants read from vigil's
 * JSON log and the emulator's counters and sessions, and the figures.
 */
#ifndef VIGIL_TEST_CHAOS_CHECK_H
#define VIGIL_TEST_CHAOS_CHECK_H

#include <stdbool.h>

#include "net-vigil.h"
#include "sim-proc.h"

struct chaos_watch {
	int polls;
	int max_live;           /* connections in auth or live state at once */
};

/* CHAOS_SECS from the environment, else def. */
int chaos_secs(int def);
/* Faults a minute: CHAOS_RATE, else 20. */
int chaos_rate(void);
/* Polls /_ctl/sessions: -1 (with a message) when two connections are in
 * auth or live state at once. */
int chaos_watch_sessions(struct simproc *, struct chaos_watch *);
/* Connected now, or within timeout_ms. */
bool chaos_connected(struct netv *, int timeout_ms);
/* The emulator's REST counter stops moving for 3 s (within timeout_ms). */
bool chaos_rest_drains(struct simproc *, int timeout_ms);
/* A second of "!ping" chatter is answered in full within timeout_ms. */
bool chaos_pings_answered(struct simproc *, struct netv *, int timeout_ms);
/* After vigil exited: 0, or -1 with a message per broken invariant. */
int chaos_invariants(struct simproc *, struct netv *, long long session_limit);
/* The figures, one block on stdout. */
void chaos_report(struct simproc *, struct netv *, const struct chaos_watch *, int secs,
    int rate, const char *what);

#endif
