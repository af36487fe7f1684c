/*
 * The control socket (docs/operations.md): a unix stream socket on the
 * loop that runs one console command per connection for `vigil ctl`.
 *
 * The protocol, one connection per command: the client writes the command
 * line and "\n"; vigil answers with output lines, each "I text", "W text"
 * or "E text" (the level: info, warn, error), then one last line "= 0"
 * (done) or "= 1" (refused), and closes. Only the uid vigil runs as (and
 * root) may connect (SO_PEERCRED); the directory is 0700, the socket 0600.
 */
#ifndef VIGIL_NET_CTLSOCK_H
#define VIGIL_NET_CTLSOCK_H

#include <stdbool.h>
#include <stddef.h>

#include "bot/log.h"
#include "net/loop.h"

#define CTL_REQUEST_MAX 1024            /* a longer request line is refused */
#define CTL_REPLY_MAX   (64u << 10)     /* output past this is cut, and says so */
#define CTL_CONNS_MAX   8               /* more connections wait in the backlog */
#define CTL_IDLE_S      5               /* a client silent this long is dropped */

/* Runs one command line, its output to out: 0 done, -1 refused. */
typedef int (*ctl_run_fn)(void *ud, const char *line, const struct line_out *out);

struct ctlsock;

/* The socket's default path, DIR/NAME.sock (DIR comes from paths_runtime).
 * Creates DIR (0700) if missing. 0, or -1 with a message (a path too long
 * for a unix socket). */
int ctlsock_default_path(const char *dir, const char *name, char *out, size_t len,
    char *err, size_t errlen);
/* Listens at path: a stale socket there (nobody answers) is replaced, a
 * live one is an error. log and loop are borrowed. NULL with a message. */
struct ctlsock *ctlsock_new(struct loop *l, struct logring *log, const char *path,
    ctl_run_fn run, void *ud, char *err, size_t errlen);
/* Unlinks the socket and forgets every connection (lws closes the fds when
 * the context goes). Before loop_free. */
void ctlsock_free(struct ctlsock *c);

#endif
