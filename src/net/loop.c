/*
 * The lws native loop (docs/design.md "The loop"): one context, one client
 * vhost, one timer, signals through a signalfd and stdin as raw files.
 * lws_service sleeps until the earliest sul or fd event, so an idle vigil
 * costs nothing.
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "net/loop.h"

/*
 * lws has a single, process-wide log sink with no user pointer (4.1 has no
 * per-context logging), so the ring it writes to has to be reachable from a
 * static. This is the one piece of global mutable state in src/net: it is
 * set by loop_init and cleared by loop_free.
 */
static struct logring *lws_log_ring;

static void
lws_log_emit(int level, const char *line)
{
	enum log_level lv = LOG_DEBUG;
	size_t n = strlen(line);

	if (lws_log_ring == NULL)
		return;
	if (level & LLL_ERR)
		lv = LOG_WARN;  /* lws calls a refused connect an error; vigil decides */
	else if (level & LLL_WARN)
		lv = LOG_INFO;
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	if (log_enabled(lws_log_ring, lv))
		logring_add(lws_log_ring, lv, "lws", "%.*s", (int)n, line);
}

int
loop_resolve_signal(void)
{
	return SIGRTMIN;
}

static void
loop_sigset(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGWINCH);
	sigaddset(set, loop_resolve_signal());
}

int
loop_block_signals(char *err, size_t errlen)
{
	sigset_t set;

	loop_sigset(&set);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) {
		snprintf(err, errlen, "sigprocmask: %s", strerror(errno));
		return -1;
	}
	/* A peer that vanishes must show up as a failed write, not kill us. */
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

int64_t
loop_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

struct vtime
loop_now(void)
{
	struct timespec ts;
	struct vtime v;

	v.mono_ms = loop_now_us() / 1000;
	clock_gettime(CLOCK_REALTIME, &ts);
	v.wall_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	return v;
}

static struct loop *
loop_of(struct lws *wsi)
{
	return lws_context_user(lws_get_context(wsi));
}

static int
raw_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct loop_raw *r = lws_get_opaque_user_data(wsi);
	struct loop *l = loop_of(wsi);

	(void)user;
	(void)in;
	(void)len;
	if (r == NULL)
		return 0;
	if (reason == LWS_CALLBACK_RAW_RX_FILE || reason == LWS_CALLBACK_RAW_WRITEABLE_FILE ||
	    reason == LWS_CALLBACK_RAW_CLOSE_FILE)
		loop_stamp(l);
	switch (reason) {
	case LWS_CALLBACK_RAW_RX_FILE:
		l->busy = true;
		return r->on_rx != NULL ? r->on_rx(r, wsi) : 0;
	case LWS_CALLBACK_RAW_WRITEABLE_FILE:
		l->busy = true;
		return r->on_writable != NULL ? r->on_writable(r, wsi) : 0;
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		l->busy = true;
		lws_set_opaque_user_data(wsi, NULL);
		if (r->on_closed != NULL)
			r->on_closed(r, wsi);
		return 0;
	default:
		return 0;
	}
}

static int
sig_rx(struct loop_raw *r, struct lws *wsi)
{
	struct loop *l = (struct loop *)((char *)r - offsetof(struct loop, sig_raw));
	struct signalfd_siginfo si;

	(void)wsi;
	while (read(l->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (!l->dying && l->hooks.on_signal != NULL)
			l->hooks.on_signal(l->hooks.ud, &si);
	}
	return 0;
}

static void
sig_closed(struct loop_raw *r, struct lws *wsi)
{
	struct loop *l = (struct loop *)((char *)r - offsetof(struct loop, sig_raw));

	(void)wsi;
	/* lws closed the fd it owned. */
	l->sig_wsi = NULL;
	l->sigfd = -1;
}

static int
in_rx(struct loop_raw *r, struct lws *wsi)
{
	struct loop *l = (struct loop *)((char *)r - offsetof(struct loop, in_raw));
	char buf[4096];
	ssize_t n = read(lws_get_socket_fd(wsi), buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return -1;      /* EOF: on_closed reports it */
	if (!l->dying && l->hooks.on_input != NULL)
		l->hooks.on_input(l->hooks.ud, buf, (size_t)n);
	return 0;
}

static void
in_closed(struct loop_raw *r, struct lws *wsi)
{
	struct loop *l = (struct loop *)((char *)r - offsetof(struct loop, in_raw));

	(void)wsi;
	/* A pipe's hangup arrives here without a 0-byte read (§1.4). */
	l->in_wsi = NULL;
	if (!l->dying && l->hooks.on_input_closed != NULL)
		l->hooks.on_input_closed(l->hooks.ud);
}

static int
make_vhost(struct loop *l, const struct lws_protocols *gw_proto, char *err, size_t errlen)
{
	struct lws_context_creation_info vi;

	/* The table must outlive the vhost: it lives in the loop. */
	struct lws_protocols *protos = l->protos;

	protos[0] = *gw_proto;
	memset(&protos[1], 0, sizeof(protos[1]));
	protos[1].name = LOOP_RAW_PROTOCOL;
	protos[1].callback = raw_cb;
	memset(&protos[2], 0, sizeof(protos[2]));
	memset(&vi, 0, sizeof(vi));
	vi.vhost_name = "vigil-client";
	vi.port = CONTEXT_PORT_NO_LISTEN;
	vi.protocols = protos;
	l->vh = lws_create_vhost(l->ctx, &vi);
	if (l->vh == NULL) {
		snprintf(err, errlen, "cannot create the client vhost");
		return -1;
	}
	return 0;
}

int
loop_init(struct loop *l, const struct lws_protocols *gw_proto, struct logring *ring,
    const struct loop_hooks *hooks, char *err, size_t errlen)
{
	struct lws_context_creation_info info;
	int mask = LLL_ERR | LLL_WARN;

	memset(l, 0, sizeof(*l));
	l->hooks = *hooks;
	l->ring = ring;
	l->timer_at = VTIME_NEVER;
	l->sigfd = -1;
	lws_log_ring = ring;
	if (log_enabled(ring, LOG_DEBUG))
		mask |= LLL_NOTICE;
	lws_set_log_level(mask, lws_log_emit);
	memset(&info, 0, sizeof(info));
	/* No DO_SSL_GLOBAL_INIT: no connection of this loop has lws's TLS
	 * (tls-client.c does the gateway's, curl REST's), and the client
	 * vhost's SSL_CTX with the system CAs it brings costs about 2 MB of
	 * RSS (docs/gateway-transport.md). */
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.gid = -1;
	info.uid = -1;
	info.user = l;
	/* lws sizes its fd table from ulimit -n, which can be huge. */
	info.fd_limit_per_thread = 1024;
	/* The buffer every read lands in: the gateway reads 64 KB at a time
	 * (docs/gateway-transport.md). */
	info.pt_serv_buf_size = LOOP_READ_MAX + LWS_PRE;
	l->ctx = lws_create_context(&info);
	if (l->ctx == NULL) {
		snprintf(err, errlen, "cannot create the libwebsockets context");
		lws_log_ring = NULL;
		return -1;
	}
	return make_vhost(l, gw_proto, err, errlen);
}

struct lws *
loop_adopt(struct loop *l, int fd, struct loop_raw *r)
{
	lws_adopt_desc_t ad;

	memset(&ad, 0, sizeof(ad));
	ad.vh = l->vh;
	ad.type = LWS_ADOPT_RAW_FILE_DESC;
	ad.fd.filefd = fd;
	ad.vh_prot_name = LOOP_RAW_PROTOCOL;
	ad.opaque = r;
	return lws_adopt_descriptor_vhost_via_info(&ad);
}

int
loop_adopt_std(struct loop *l, bool with_stdin, char *err, size_t errlen)
{
	sigset_t set;

	loop_sigset(&set);
	l->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (l->sigfd < 0) {
		snprintf(err, errlen, "signalfd: %s", strerror(errno));
		return -1;
	}
	l->sig_raw.on_rx = sig_rx;
	l->sig_raw.on_closed = sig_closed;
	l->sig_wsi = loop_adopt(l, l->sigfd, &l->sig_raw);
	if (l->sig_wsi == NULL) {
		l->sigfd = -1;
		snprintf(err, errlen, "cannot adopt the signalfd");
		return -1;
	}
	if (!with_stdin)
		return 0;
	l->in_raw.on_rx = in_rx;
	l->in_raw.on_closed = in_closed;
	l->in_wsi = loop_adopt(l, 0, &l->in_raw);
	if (l->in_wsi == NULL) {
		snprintf(err, errlen, "cannot adopt stdin");
		return -1;
	}
	return 0;
}

static void
timer_cb(lws_sorted_usec_list_t *sul)
{
	struct loop *l = (struct loop *)((char *)sul - offsetof(struct loop, timer));

	l->lag_ms = loop_now().mono_ms - l->timer_at;
	l->timer_at = VTIME_NEVER;
	l->busy = true;
	loop_stamp(l);
	if (!l->dying && l->hooks.on_timer != NULL)
		l->hooks.on_timer(l->hooks.ud);
}

void
loop_stamp(struct loop *l)
{
	if (l->ring != NULL)
		logring_set_time(l->ring, loop_now());
}

void
loop_arm(struct loop *l, int64_t at)
{
	int64_t us;

	if (at == l->timer_at)
		return;
	l->timer_at = at;
	if (at == VTIME_NEVER) {
		lws_sul_cancel(&l->timer);
		return;
	}
	us = at * 1000 - loop_now_us();
	lws_sul_schedule(l->ctx, 0, &l->timer, timer_cb, us > 0 ? us : 0);
}

int
loop_turn(struct loop *l)
{
	return lws_service(l->ctx, 0);
}

void
loop_free(struct loop *l)
{
	l->dying = true;
	if (l->ctx != NULL) {
		lws_sul_cancel(&l->timer);
		/* Closes every wsi, and with them the adopted fds. */
		lws_context_destroy(l->ctx);
		l->ctx = NULL;
	}
	if (l->sigfd >= 0)
		close(l->sigfd);
	l->sigfd = -1;
	lws_set_log_level(0, NULL);
	lws_log_ring = NULL;
}
