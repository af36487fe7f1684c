/*
 * The gateway transport: a websocket client (lws raw connection, vigil's
 * own upgrade and framing: docs/gateway-transport.md) that turns the core's
 * ACT_OPEN / ACT_SEND / ACT_CLOSE into a connection and reports back
 * open, complete text messages and close, exactly once per connection
 * (also when the connect fails, synchronously or not).
 *
 * ws:// and wss:// (certificate and host name always checked, against
 * the system CAs or ca_file; tls-client.h); host names are resolved off the loop (resolve.h); messages are
 * reassembled from fragments up to GW_MESSAGE_MAX; zlib-stream or
 * zstd-stream when the URL asks for it; one lws_write per WRITEABLE from a bounded queue; an
 * idle policy (ping, then hang up) catches a black-holed TCP connection.
 */
#ifndef VIGIL_NET_GATEWAY_H
#define VIGIL_NET_GATEWAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/signalfd.h>

#include "bot/log.h"
#include "net/loop.h"

#define GW_PROTOCOL      "vigil-gateway"
#define GW_MESSAGE_MAX   (16u << 20)
#define GW_QUEUE         64             /* outbound payloads per connection */
#define GW_SEND_MAX      4096           /* Discord closes 4002 above this */

struct gw_events {
	void *ud;
	void (*on_open)(void *ud, uint32_t conn);
	/* buf is borrowed for the call only. */
	void (*on_frame)(void *ud, uint32_t conn, const char *buf, size_t len);
	/* code is the peer's close code or -1 (no close frame); reason may be NULL. */
	void (*on_close)(void *ud, uint32_t conn, int code, const char *reason);
};

struct gw_options {
	int idle_ping_s;                /* ws PING after this long without proof of life */
	int idle_hangup_s;              /* hang up after this long without a PONG */
	const char *ca_file;            /* wss:// trusts these CAs; NULL or "": the system's */
};

struct gw_stats {
	uint64_t messages, bytes, zbytes, oversize, inflate_errors, binary_ignored;
	uint64_t writes, queue_full;
};

struct gateway;

/* The protocol entry for the client vhost (loop_init's gw_proto). */
const struct lws_protocols *gateway_protocol(void);

/* NULL when out of memory. loop and log are borrowed. */
struct gateway *gateway_new(struct loop *loop, struct logring *log, const struct gw_events *ev,
    const struct gw_options *opt);
/* Closes every connection without reporting, and frees. Call before
 * loop_free. */
void gateway_free(struct gateway *gw);

void gateway_open(struct gateway *gw, uint32_t conn, const char *url);
/* Takes ownership of payload (malloc'd). Dropped, with a log line, when the
 * connection is not open or the queue is full. */
void gateway_send(struct gateway *gw, uint32_t conn, char *payload, size_t len);
/* code -1 drops the connection without a close frame. */
void gateway_close(struct gateway *gw, uint32_t conn, int code, const char *reason);
/* The loop's signalfd saw loop_resolve_signal(). */
void gateway_on_resolved(struct gateway *gw, const struct signalfd_siginfo *si);
/* True when no connection (or lookup) is alive. */
bool gateway_idle(const struct gateway *gw);
const struct gw_stats *gateway_stats(const struct gateway *gw);

#endif
