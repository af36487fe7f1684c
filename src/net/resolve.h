/*
 * Name resolution off the loop. lws 4.1 resolves client addresses with a
 * blocking getaddrinfo (docs/design.md, loop pitfall 2), which would freeze the
 * loop (and every heartbeat, redraw and REST timer) for as long as DNS
 * takes. glibc's getaddrinfo_a runs the lookup on its own thread and
 * announces completion with a queued real-time signal, which the loop
 * already reads through its signalfd: no thread of ours, no extra fd.
 */
#ifndef VIGIL_NET_RESOLVE_H
#define VIGIL_NET_RESOLVE_H

#include <netdb.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

struct resolve {
	struct gaicb cb;
	struct gaicb *list[1];
	struct addrinfo hints;
	struct sigevent sev;
	char host[256];
	bool busy;                      /* a lookup is in flight: keep this memory */
};

/* True when host is a numeric IPv4 or IPv6 address (no lookup needed). */
bool resolve_is_numeric(const char *host);
/* Starts looking up host; completion raises signal `sig` carrying `tag`.
 * 0, or -1 with a message. */
int resolve_start(struct resolve *r, const char *host, int sig, void *tag, char *err,
    size_t errlen);
/* After the signal: 0 with the first address as text in addr, or -1 with a
 * message. Ends the lookup (busy is false afterwards). */
int resolve_finish(struct resolve *r, char *addr, size_t addrlen, char *err, size_t errlen);
/* Tries to cancel; true when no lookup is in flight afterwards. When false
 * the memory must stay until the signal arrives (or resolve_wait). */
bool resolve_cancel(struct resolve *r);
/* Teardown: waits up to ms for an in-flight lookup and releases it. false
 * when it is still running: the memory must then be leaked, not freed. */
bool resolve_wait(struct resolve *r, int ms);

#endif
