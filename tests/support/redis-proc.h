/*
 * A redis-server of the test's own: a free loopback port and a unix socket
 * in a temp dir, nothing saved to disk, dying with its parent
 * (PR_SET_PDEATHSIG) and killed at exit, so nothing is left running.
 */
#ifndef VIGIL_TEST_REDIS_PROC_H
#define VIGIL_TEST_REDIS_PROC_H

#include <stdbool.h>
#include <sys/types.h>

struct redisproc {
	pid_t pid;
	int port;
	char dir[64];                   /* the temp dir (removed by stop) */
	char sock[100];                 /* dir/redis.sock */
	char password[64];              /* "" = none */
};

/* Starts it and waits (5 s) until it answers PING. password may be NULL.
 * 0, or -1. */
int redisproc_start(struct redisproc *rp, const char *password);
/* Starts it again on the same port and socket (empty: nothing was saved). */
int redisproc_restart(struct redisproc *rp);
/* SIGKILL and reap; the dir stays for a restart. */
void redisproc_kill(struct redisproc *rp);
/* SIGSTOP / SIGCONT: a Redis that stops answering without closing. */
void redisproc_pause(struct redisproc *rp, bool paused);
/* Kills it and removes its dir (safe to call twice). */
void redisproc_stop(struct redisproc *rp);
/* redis-cli against it: the answer in out, its lines joined by spaces.
 * 0, or -1. */
int redisproc_cli(struct redisproc *rp, char *out, size_t outlen, const char *const *args);

#endif
