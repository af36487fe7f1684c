/*
 * The notify socket: a datagram socket connected to nothing; each message
 * goes with sendto, so a restarted systemd is reached at the same address.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/sdnotify.h"

static int64_t
watchdog_ms(void)
{
	const char *us = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	long long v;

	if (us == NULL)
		return 0;
	/* WATCHDOG_PID names the process meant; without it, it is ours. */
	if (pid != NULL && strtoll(pid, NULL, 10) != (long long)getpid())
		return 0;
	v = strtoll(us, NULL, 10);
	return v > 0 ? (v + 999) / 1000 : 0;
}

int
sdnotify_open(struct sdnotify *n, char *err, size_t errlen)
{
	const char *path = getenv("NOTIFY_SOCKET");
	size_t len;

	memset(n, 0, sizeof(*n));
	n->fd = -1;
	if (path == NULL || path[0] == '\0')
		return 0;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(n->sa.sun_path)) {
		snprintf(err, errlen, "NOTIFY_SOCKET is neither a path nor @abstract: %.80s", path);
		return -1;
	}
	n->sa.sun_family = AF_UNIX;
	memcpy(n->sa.sun_path, path, len);
	if (path[0] == '@')
		n->sa.sun_path[0] = '\0';       /* the abstract namespace */
	n->salen = offsetof(struct sockaddr_un, sun_path) + len;
	n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (n->fd < 0) {
		snprintf(err, errlen, "notify socket: %s", strerror(errno));
		return -1;
	}
	n->watchdog_ms = watchdog_ms();
	return 0;
}

bool
sdnotify_active(const struct sdnotify *n)
{
	return n->fd >= 0;
}

int
sdnotify_send(struct sdnotify *n, const char *msg)
{
	if (n->fd < 0)
		return 0;
	if (sendto(n->fd, msg, strlen(msg), MSG_NOSIGNAL, (const struct sockaddr *)&n->sa,
	    (socklen_t)n->salen) < 0)
		return -1;
	return 0;
}

void
sdnotify_close(struct sdnotify *n)
{
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
}
