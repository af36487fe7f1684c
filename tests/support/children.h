/*
 * Child processes a test started (vigil-sim, redis-server, vigil): each is
 * remembered until reaped, and whatever is still alive when the test
 * process exits is killed (SIGCONT first, in case it was paused), so a
 * failing test leaves nothing running.
 */
#ifndef VIGIL_TEST_CHILDREN_H
#define VIGIL_TEST_CHILDREN_H

#include <stdbool.h>
#include <sys/types.h>

#define CHILDREN_MAX 32

/* add: remember pid; !add: forget it (after it was reaped). */
void children_remember(pid_t pid, bool add);

#endif
