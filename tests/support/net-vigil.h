/*
 * Runs the real `vigil --headless --log-json` ($VIGIL_BUILD/vigil, default
 * build/vigil) for integration tests, in a private temp directory (config
 * file, state directory), and reads its JSON log lines. Every wait is
 * bounded; the child dies with the test process (PR_SET_PDEATHSIG) and is
 * killed by netv_cleanup.
 */
#ifndef VIGIL_TEST_NET_VIGIL_H
#define VIGIL_TEST_NET_VIGIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct netv {
	pid_t pid;
	int out;                        /* its stdout (non-blocking) */
	char dir[128];                  /* config and state/ */
	char partial[8192];             /* an incomplete last line */
	size_t plen;
	json_t **lines;
	size_t nlines, cap, cursor;
	int status;                     /* exit status once it exited, else -1 */
};

/* A fresh directory and vigil connecting to api with `config` as its
 * config file text (may be NULL) and extra flags (NULL-terminated, may be
 * NULL). 0, or -1. */
int netv_start(struct netv *v, const char *api, const char *config, const char *const *args);
/* Starts it again in the same directory (same state file). */
int netv_restart(struct netv *v, const char *api, const char *config, const char *const *args);
/* Waits for the next line after the cursor whose msg contains `msg` (NULL:
 * any) and, when `to` is given, that is a transition to that state; the
 * cursor moves past it. The line (borrowed), or NULL on timeout or exit. */
json_t *netv_wait(struct netv *v, int timeout_ms, const char *to, const char *msg);
/* Lines so far (all, not from the cursor) that match the same way. */
int netv_count(struct netv *v, const char *to, const char *msg);
/* The line's time in seconds. */
double netv_time(const json_t *line);
/* The number after "key=" in the last "stats:" line, or -1. */
long long netv_stat(struct netv *v, const char *key);
/* Sends sig and waits up to timeout_ms: the exit status, or -1 (killed). */
int netv_stop(struct netv *v, int sig, int timeout_ms);
/* Kills it if needed, removes the directory, frees the lines. */
void netv_cleanup(struct netv *v);
/* Prints everything it logged to stderr (on failure). */
void netv_dump(const struct netv *v);
/* The same for each started one of vs[0..n-1], headed "--- vigil I". */
void netv_dump_all(const struct netv *vs, int n);

/* A cmocka check over several vigils: on failure, what each logged, then
 * the failed condition (the file using it includes cmocka.h). */
#define NETV_CHECK(vs, n, cond) do {                                     \
	if (!(cond)) {                                                   \
		netv_dump_all((vs), (n));                                \
		fail_msg("%s:%d: %s", __FILE__, __LINE__, #cond);        \
	}                                                                \
} while (0)

#endif
