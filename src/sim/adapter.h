/*
 * The lws adapter's private parts, shared by server.c (lifecycle, clock,
 * timer, actions), serve-ws.c (the gateway protocol) and serve-http.c (REST
 * and control). Only those three include this.
 */
#ifndef VIGIL_SIM_ADAPTER_H
#define VIGIL_SIM_ADAPTER_H

#include <libwebsockets.h>
#include <stdbool.h>

#include "sim/server.h"
#include "sim/sim.h"
#include "sim/zstream.h"

/* What one slow client may have queued before it is dropped. */
#define OUTQ_MAX   (64u << 20)
/* What one lws_write() is handed over TLS: lws keeps what the socket did
 * not take and sends it before the next WRITEABLE. Also the protocol's
 * tx_packet_size, so lws hands it to TLS in one piece. */
#define TLS_WRITE_MAX (64u << 10)
/* A websocket frame's header at most: 2 bytes, and 8 of a 64-bit length. */
#define WS_HEAD_MAX 10
/* Client messages above SIM_MAX_PAYLOAD are refused by length alone, so
 * the adapter keeps only this much of one. */
#define INBUF_MAX  (SIM_MAX_PAYLOAD + 1)
#define HELD_MAX   256

/* Frames ready for the wire, headers and all, oldest first: a turn writes
 * many with one call (docs/emulator.md "Sending"). */
struct outq {
	unsigned char *buf;           /* cap bytes; the data at [head, head+len) */
	size_t head, len, cap;        /* head is always at a frame's start */
};

struct gw_pss {
	struct sim_server *srv;
	struct lws *wsi;
	uint32_t conn;
	bool established, blackholed, closing;
	int close_code;
	char close_reason[SIM_REASON_MAX];
	int peer_code;                /* from the client's close frame, or -1 */
	bool zlib;
	struct zstream z;
	unsigned char *zbuf;          /* one compressed message, zcap bytes */
	size_t zcap;
	struct outq q;
	char in[INBUF_MAX];
	size_t in_len, in_total;
};

struct http_pss {
	char method[8];
	char path[512];
	char query[512];
	char auth[SIM_TOKEN_MAX + 16];
	bool has_auth;
	char *body;
	size_t body_len;
	bool too_big;                 /* answer, then close: body unread */
	bool answered;
	int stage;                    /* 0: headers next, 1: body next */
	size_t sent;                  /* body bytes written so far */
	struct sim_http_resp resp;
};

struct sim_server {
	struct lws_context *ctx;
	struct lws_vhost *vh;
	struct sim *sim;
	struct lws_protocols protocols[3];
	struct lws_http_mount mounts[2];
	lws_sorted_usec_list_t sul;
	int port;
	char addr[48];                /* the IPv4 address it listens on */
	char url[SIM_URL_MAX];
	bool tls;
	bool stopping;
	bool creating, finalized;     /* see on_finalize() */
	struct gw_pss **conns;        /* by slot; id lookup is a scan */
	size_t nconns;
	struct lws *held[HELD_MAX];   /* TCP connections the stall holds */
	size_t nheld;
};

struct vtime sim_srv_now(void);
/* Applies every pending core action, then re-arms the timer. */
void sim_srv_drain(struct sim_server *);
struct sim_server *sim_srv_of(struct lws *);
void sim_srv_conn_add(struct sim_server *, struct gw_pss *);
void sim_srv_conn_del(struct sim_server *, struct gw_pss *);
void sim_srv_hold(struct sim_server *, struct lws *);
void sim_srv_forget(struct sim_server *, struct lws *);

/* serve-ws.c */
int sim_srv_ws_callback(struct lws *, enum lws_callback_reasons, void *user,
    void *in, size_t len);
void sim_ws_queue(struct gw_pss *, const char *data, size_t len);
void sim_ws_close(struct gw_pss *, int code, const char *reason);
void sim_ws_drop(struct gw_pss *, bool rst);
void sim_ws_blackhole(struct gw_pss *);

/* serve-http.c */
int sim_srv_http_callback(struct lws *, enum lws_callback_reasons, void *user,
    void *in, size_t len);

#endif
