/*
 * Runs build/vigil-sim (or $VIGIL_BUILD/vigil-sim) for integration tests:
 * --port 0, no chatter, no identify spacing unless the test says otherwise;
 * waits (bounded) for its JSON line; stops it with SIGTERM, then SIGKILL.
 * A child still running when the test process exits is killed, and it dies
 * with its parent (PR_SET_PDEATHSIG).
 */
#ifndef VIGIL_TEST_SIM_PROC_H
#define VIGIL_TEST_SIM_PROC_H

#include <jansson.h>
#include <sys/types.h>

#include "http-client.h"

struct simproc {
	pid_t pid;
	int port;
	char base[64];                /* "http://127.0.0.1:PORT" (https:// over TLS) */
};

/* cmocka fixtures over a test file's static struct simproc. */
#define SIMPROC_FIXTURES(sp, args) \
	static int setup(void **state) \
	{ (void)state; return simproc_start(&(sp), (args)); } \
	static int teardown(void **state) \
	{ (void)state; return simproc_stop(&(sp)) == 0 ? 0 : -1; }

/* args: extra flags, NULL-terminated (may be NULL). 0, or -1. */
int simproc_start(struct simproc *, const char *const *args);
/* SIGTERM, then SIGKILL after 3 s: the exit status (-1 if killed). */
int simproc_stop(struct simproc *);
/* The same with another signal than SIGTERM. */
int simproc_signal(struct simproc *, int sig);
/* HTTP to the emulator: path like "/_ctl/counters". */
int simproc_http(struct simproc *, const char *method, const char *path,
    const char *auth, const char *body, struct httpc_resp *);
/* POST /_ctl/fault with body; the HTTP status. */
long simproc_fault(struct simproc *, const char *body);
long simproc_set(struct simproc *, const char *body);
/* A counter from GET /_ctl/counters; -1 if it cannot be read. */
long long simproc_counter(struct simproc *, const char *name);
/* GET path as JSON (NULL on failure). */
json_t *simproc_get(struct simproc *, const char *path);

#endif
