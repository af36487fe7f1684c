/*
 * getaddrinfo_a with SIGEV_SIGNAL. The signal is blocked in every thread
 * (loop_block_signals runs before any thread exists), so it stays pending
 * for the process until the loop's signalfd reads it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "net/resolve.h"

bool
resolve_is_numeric(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

int
resolve_start(struct resolve *r, const char *host, int sig, void *tag, char *err,
    size_t errlen)
{
	int rc;

	if (r->busy) {
		snprintf(err, errlen, "a lookup is already in flight");
		return -1;
	}
	memset(r, 0, sizeof(*r));
	snprintf(r->host, sizeof(r->host), "%s", host);
	r->hints.ai_family = AF_UNSPEC;
	r->hints.ai_socktype = SOCK_STREAM;
	r->cb.ar_name = r->host;
	r->cb.ar_request = &r->hints;
	r->list[0] = &r->cb;
	r->sev.sigev_notify = SIGEV_SIGNAL;
	r->sev.sigev_signo = sig;
	r->sev.sigev_value.sival_ptr = tag;
	rc = getaddrinfo_a(GAI_NOWAIT, r->list, 1, &r->sev);
	if (rc != 0) {
		snprintf(err, errlen, "cannot resolve %s: %s", host, gai_strerror(rc));
		return -1;
	}
	r->busy = true;
	return 0;
}

static void
release(struct resolve *r)
{
	if (r->cb.ar_result != NULL)
		freeaddrinfo(r->cb.ar_result);
	r->cb.ar_result = NULL;
	r->busy = false;
}

int
resolve_finish(struct resolve *r, char *addr, size_t addrlen, char *err, size_t errlen)
{
	int rc = gai_error(&r->cb);
	const struct addrinfo *ai;
	const void *src;

	if (rc == EAI_INPROGRESS) {
		snprintf(err, errlen, "lookup still in progress");
		return -1;
	}
	if (rc != 0) {
		snprintf(err, errlen, "cannot resolve %s: %s", r->host, gai_strerror(rc));
		release(r);
		return -1;
	}
	ai = r->cb.ar_result;
	if (ai == NULL) {
		snprintf(err, errlen, "cannot resolve %s: no address", r->host);
		release(r);
		return -1;
	}
	if (ai->ai_family == AF_INET)
		src = &((const struct sockaddr_in *)(const void *)ai->ai_addr)->sin_addr;
	else
		src = &((const struct sockaddr_in6 *)(const void *)ai->ai_addr)->sin6_addr;
	rc = inet_ntop(ai->ai_family, src, addr, (socklen_t)addrlen) == NULL ? -1 : 0;
	if (rc < 0)
		snprintf(err, errlen, "cannot resolve %s: %s", r->host, strerror(errno));
	release(r);
	return rc;
}

bool
resolve_cancel(struct resolve *r)
{
	if (!r->busy)
		return true;
	if (gai_cancel(&r->cb) == EAI_CANCELED || gai_error(&r->cb) != EAI_INPROGRESS) {
		release(r);
		return true;
	}
	return false;
}

bool
resolve_wait(struct resolve *r, int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	const struct gaicb *list[1] = { &r->cb };

	if (resolve_cancel(r))
		return true;
	gai_suspend(list, 1, &ts);
	if (gai_error(&r->cb) == EAI_INPROGRESS)
		return false;
	release(r);
	return true;
}
