/*
 * systemd's service notification (Type=notify), by the documented datagram
 * protocol of sd_notify(3): one AF_UNIX datagram per message to
 * $NOTIFY_SOCKET (a path, or "@name" in the abstract namespace). Written
 * here rather than linked from libsystemd: the protocol is a dozen lines
 * and stable, and vigil keeps no runtime dependency on systemd, so the same
 * binary runs under any supervisor (docs/operations.md).
 */
#ifndef VIGIL_NET_SDNOTIFY_H
#define VIGIL_NET_SDNOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>

struct sdnotify {
	int fd;                         /* -1: no NOTIFY_SOCKET, every send is a no-op */
	struct sockaddr_un sa;
	size_t salen;
	int64_t watchdog_ms;            /* WATCHDOG_USEC / 1000 for this pid, 0 = none */
};

/* Reads NOTIFY_SOCKET and WATCHDOG_USEC (honouring WATCHDOG_PID). 0 (also
 * when not under systemd), or -1 with a message for a bad NOTIFY_SOCKET. */
int sdnotify_open(struct sdnotify *n, char *err, size_t errlen);
/* Sends one message ("READY=1\nSTATUS=..."). 0, or -1 (errno set). */
int sdnotify_send(struct sdnotify *n, const char *msg);
bool sdnotify_active(const struct sdnotify *n);
void sdnotify_close(struct sdnotify *n);

#endif
