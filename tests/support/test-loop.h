/*
 * vigil's lws loop for tests that drive src/net pieces directly (the Redis
 * client, the cluster): a loop with its log ring, and a bounded spin until
 * a condition holds.
 */
#ifndef VIGIL_TEST_TEST_LOOP_H
#define VIGIL_TEST_TEST_LOOP_H

#include <stdbool.h>

#include "bot/log.h"
#include "net/loop.h"

struct tloop {
	struct loop loop;
	struct logring log;
};

/* 0, or -1 (printed). */
int tloop_init(struct tloop *t);
void tloop_free(struct tloop *t);
/* Turns the loop until cond(ud) is true or ms pass. The final cond(ud). */
bool tloop_until(struct tloop *t, bool (*cond)(void *ud), void *ud, int ms);
/* Turns the loop for ms. */
void tloop_run(struct tloop *t, int ms);
/* True when some log line contains needle. */
bool tloop_logged(const struct tloop *t, const char *needle);
/* Prints the log (for a failing test). */
void tloop_dump(const struct tloop *t);

#endif
