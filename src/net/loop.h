/*
 * The one loop: a libwebsockets context serviced on one thread (the lws
 * native poll loop). It owns the client vhost, the one timer kept at the
 * earliest deadline of whoever drives it, a signalfd and stdin adopted as raw
 * files, and the routing of lws's own log lines into vigil's log ring.
 *
 * Other fds (libcurl's sockets) join as raw files through loop_adopt: each
 * owner embeds a struct loop_raw and gets its callbacks through it.
 */
#ifndef VIGIL_NET_LOOP_H
#define VIGIL_NET_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/signalfd.h>

#include <libwebsockets.h>

#include "bot/log.h"
#include "bot/vtime.h"

/* Embedded in the owner of an adopted fd. Callbacks may be NULL. on_rx and
 * on_writable return -1 to close the fd; on_closed is the last call (lws
 * has closed the fd by then). */
struct loop_raw {
	int (*on_rx)(struct loop_raw *r, struct lws *wsi);
	int (*on_writable)(struct loop_raw *r, struct lws *wsi);
	void (*on_closed)(struct loop_raw *r, struct lws *wsi);
};

struct loop_hooks {
	void *ud;
	void (*on_timer)(void *ud);             /* the deadline passed */
	void (*on_signal)(void *ud, const struct signalfd_siginfo *si);
	void (*on_input)(void *ud, const char *bytes, size_t n);
	void (*on_input_closed)(void *ud);
};

struct loop {
	struct lws_context *ctx;
	struct lws_vhost *vh;           /* the client vhost: gateway and raw files */
	struct lws_protocols protos[3]; /* the vhost's table (gateway, raw, end) */
	struct loop_hooks hooks;
	struct logring *ring;           /* stamped with the time of each event */
	lws_sorted_usec_list_t timer;
	int64_t timer_at;               /* mono ms armed, or VTIME_NEVER */
	int64_t lag_ms;                 /* how late the last timer ran (/healthz) */
	int sigfd;
	struct lws *sig_wsi, *in_wsi;
	struct loop_raw sig_raw, in_raw;
	bool busy;                      /* something was handled this turn */
	bool dying;                     /* teardown: callbacks must not call out */
};

/* The most one read brings in (lws's per-thread buffer). */
#define LOOP_READ_MAX (64u << 10)

/* Protocols the client vhost offers (gateway.c provides the first). */
#define LOOP_RAW_PROTOCOL "vigil-raw"

/* Blocks the signals the loop takes through its signalfd (call before any
 * thread exists, so none can take them): INT, TERM, HUP, USR1, WINCH and
 * loop_resolve_signal(). Ignores SIGPIPE. 0, or -1 with a message. */
int loop_block_signals(char *err, size_t errlen);
/* The real-time signal getaddrinfo_a completions arrive with. */
int loop_resolve_signal(void);

/* Creates the context and the client vhost with the gateway protocol
 * `gw_proto` first. Routes lws's log into `ring` (process-wide: lws has one
 * log sink). 0, or -1 with a message. */
int loop_init(struct loop *l, const struct lws_protocols *gw_proto, struct logring *ring,
    const struct loop_hooks *hooks, char *err, size_t errlen);
/* Adopts the signalfd and, when with_stdin, fd 0. 0, or -1 with a message. */
int loop_adopt_std(struct loop *l, bool with_stdin, char *err, size_t errlen);
/* Destroys the context (closing every wsi) and the signalfd. */
void loop_free(struct loop *l);

/* Adopts fd as a raw file bound to r; lws owns fd from now on (it closes it
 * even on failure). The wsi, or NULL. */
struct lws *loop_adopt(struct loop *l, int fd, struct loop_raw *r);

/* Now, from the system clocks (CLOCK_MONOTONIC, CLOCK_REALTIME). */
struct vtime loop_now(void);
/* Microseconds on CLOCK_MONOTONIC. */
int64_t loop_now_us(void);
/* Stamps the log ring with now, so lines logged while handling an event
 * carry its time (the core stamps only its own calls). */
void loop_stamp(struct loop *l);
/* Arms the one timer at mono ms `at` (VTIME_NEVER cancels). Re-arming at
 * the same time is free. */
void loop_arm(struct loop *l, int64_t at);
/* One turn: waits for the next fd event or timer and handles it. -1 when
 * the context is gone. */
int loop_turn(struct loop *l);

#endif
