/*
 * The gateway websocket on lws: new TCP connections (held while the stall
 * fault runs), the upgrade (refused when the core says so), reassembly of
 * client messages, an outbound queue drained on WRITEABLE (compressed per
 * connection for zlib-stream), and the four ways the core ends a
 * connection: a close frame, a drop, a black hole, or the client's close.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "sim/adapter.h"

/* Frames written per WRITEABLE before giving the loop back. */
#define WRITES_PER_TURN 64

static void
queue_free(struct gw_pss *pss)
{
	struct outbuf *b, *next;

	for (b = pss->head; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	pss->head = pss->tail = NULL;
	pss->queued = 0;
}

static struct outbuf *
outbuf_new(struct gw_pss *pss, const char *data, size_t len)
{
	struct outbuf *b;
	unsigned char *z;
	size_t zlen;

	if (!pss->zlib) {
		if ((b = malloc(sizeof(*b) + LWS_PRE + len)) == NULL)
			return NULL;
		memcpy(b->data + LWS_PRE, data, len);
		b->len = len;
		b->binary = false;
		return b;
	}
	/* Compressed in place behind room for the struct and LWS_PRE. */
	z = sim_zstream_message(&pss->z, data, len,
	    offsetof(struct outbuf, data) + LWS_PRE, &zlen);
	if ((b = (struct outbuf *)(void *)z) == NULL)
		return NULL;
	b->len = zlen;
	b->binary = true;
	return b;
}

/* The core forgets the connection; so do we, from the core's side. */
static void
detach(struct gw_pss *pss)
{
	sim_srv_conn_del(pss->srv, pss);
	pss->conn = 0;
}

void
sim_ws_queue(struct gw_pss *pss, const char *data, size_t len)
{
	struct outbuf *b;

	if (pss->blackholed || pss->closing)
		return;
	if (pss->queued + len > OUTQ_MAX) {
		/* A client this far behind is gone in all but name. */
		uint32_t id = pss->conn;

		sim_ws_drop(pss, false);
		sim_conn_closed(pss->srv->sim, sim_srv_now(), id, -1);
		return;
	}
	if ((b = outbuf_new(pss, data, len)) == NULL)
		return;
	b->next = NULL;
	if (pss->tail != NULL)
		pss->tail->next = b;
	else
		pss->head = b;
	pss->tail = b;
	pss->queued += b->len;
	if (pss->established)
		lws_callback_on_writable(pss->wsi);
}

void
sim_ws_close(struct gw_pss *pss, int code, const char *reason)
{
	pss->closing = true;
	pss->close_code = code;
	memcpy(pss->close_reason, reason, sizeof(pss->close_reason));
	detach(pss);
	if (pss->established)
		lws_callback_on_writable(pss->wsi);
}

void
sim_ws_drop(struct gw_pss *pss, bool rst)
{
	struct linger lg = { 1, 0 };

	queue_free(pss);
	detach(pss);
	if (rst)
		setsockopt(lws_get_socket_fd(pss->wsi), SOL_SOCKET, SO_LINGER,
		    &lg, sizeof(lg));
	/* No close frame: lws just closes the socket on its next turn. */
	lws_set_timeout(pss->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

void
sim_ws_blackhole(struct gw_pss *pss)
{
	pss->blackholed = true;
	queue_free(pss);
	lws_rx_flow_control(pss->wsi, 0);
}

/* The URL the client asked for, "/?v=10&encoding=json", into buf. */
static void
request_url(struct lws *wsi, char *buf, size_t len)
{
	char frag[128];
	size_t used;
	int i, n;

	if (lws_hdr_copy(wsi, buf, (int)len, WSI_TOKEN_GET_URI) < 0)
		buf[0] = '\0';
	used = strlen(buf);
	for (i = 0; used + 2 < len; i++) {
		n = lws_hdr_copy_fragment(wsi, frag, sizeof(frag),
		    WSI_TOKEN_HTTP_URI_ARGS, i);
		if (n < 0)
			break;
		if ((size_t)n + used + 2 >= len)
			break;
		buf[used++] = i == 0 ? '?' : '&';
		memcpy(buf + used, frag, (size_t)n + 1);
		used += (size_t)n;
	}
}

static int
on_filter(struct sim_server *srv, struct lws *wsi, struct gw_pss *pss)
{
	struct sim_conn_info info;
	char url[512];
	uint32_t id;

	request_url(wsi, url, sizeof(url));
	id = sim_conn_open(srv->sim, sim_srv_now(), url, &info);
	if (id == 0) {
		sim_srv_drain(srv);
		return -1;
	}
	memset(pss, 0, sizeof(*pss));
	pss->srv = srv;
	pss->wsi = wsi;
	pss->conn = id;
	pss->peer_code = -1;
	pss->zlib = (info.zlib || info.zstd) && sim_zstream_init(&pss->z, info.zstd) == 0;
	sim_srv_conn_add(srv, pss);
	sim_srv_drain(srv);
	return 0;
}

static void
on_receive(struct gw_pss *pss, struct lws *wsi, const void *in, size_t len)
{
	if (pss->conn == 0 || pss->blackholed)
		return;
	if (pss->in_len + len <= sizeof(pss->in)) {
		memcpy(pss->in + pss->in_len, in, len);
		pss->in_len += len;
	}
	pss->in_total += len;
	if (!lws_is_final_fragment(wsi))
		return;
	/* Too long to keep: the core refuses it on its length. */
	sim_conn_text(pss->srv->sim, sim_srv_now(), pss->conn,
	    pss->in_total == pss->in_len ? pss->in : NULL, pss->in_total);
	pss->in_len = pss->in_total = 0;
	sim_srv_drain(pss->srv);
}

/* Writes what the socket takes now: how many frames, or -1. */
static int
write_queue(struct gw_pss *pss)
{
	struct outbuf *b;
	int n;

	for (n = 0; (b = pss->head) != NULL && n < WRITES_PER_TURN; n++) {
		if (n > 0 && lws_send_pipe_choked(pss->wsi))
			break;
		if (lws_write(pss->wsi, b->data + LWS_PRE, b->len,
		    b->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT) <
		    (int)b->len)
			return -1;
		pss->head = b->next;
		if (pss->head == NULL)
			pss->tail = NULL;
		pss->queued -= b->len;
		free(b);
	}
	return n;
}

static int
on_writeable(struct gw_pss *pss)
{
	int n;

	if (pss->blackholed)
		return 0;
	if ((n = write_queue(pss)) < 0)
		return -1;
	/* The close frame waits for a turn of its own: lws drops it if
	 * frames written just now are still in its buffer. */
	if (pss->head != NULL || (pss->closing && n > 0)) {
		lws_callback_on_writable(pss->wsi);
		return 0;
	}
	if (pss->closing) {
		lws_close_reason(pss->wsi, (enum lws_close_status)
		    pss->close_code, (unsigned char *)pss->close_reason,
		    strlen(pss->close_reason));
		return -1;
	}
	if (pss->conn != 0) {
		sim_conn_drained(pss->srv->sim, sim_srv_now(), pss->conn);
		sim_srv_drain(pss->srv);
	}
	return 0;
}

static void
on_closed(struct gw_pss *pss)
{
	struct sim_server *srv = pss->srv;

	if (srv == NULL)
		return;
	if (pss->conn != 0 && !srv->stopping)
		sim_conn_closed(srv->sim, sim_srv_now(), pss->conn, pss->peer_code);
	detach(pss);
	queue_free(pss);
	if (pss->zlib)
		sim_zstream_end(&pss->z);
	pss->srv = NULL;
	sim_srv_drain(srv);
}

/* Small frames (compressed ones above all) must not wait for Nagle. */
static void
nodelay(struct lws *wsi)
{
	int one = 1;

	setsockopt(lws_get_socket_fd(wsi), IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one));
}

int
sim_srv_ws_callback(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len)
{
	struct sim_server *srv = sim_srv_of(wsi);
	struct gw_pss *pss = user;
	const unsigned char *code = in;

	switch (reason) {
	case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
		nodelay(wsi);
		if (srv == NULL || srv->stopping ||
		    sim_tcp_accept(srv->sim, sim_srv_now()) != SIM_ADMIT_HOLD)
			return 0;
		sim_srv_hold(srv, wsi);
		sim_srv_drain(srv);         /* the release is a new deadline */
		return 0;
	case LWS_CALLBACK_WSI_DESTROY:
		if (srv != NULL)
			sim_srv_forget(srv, wsi);
		return 0;
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		if (srv == NULL || srv->stopping || pss == NULL)
			return -1;
		return on_filter(srv, wsi, pss);
	case LWS_CALLBACK_ESTABLISHED:
		pss->established = true;
		if (pss->head != NULL || pss->closing)
			lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_RECEIVE:
		on_receive(pss, wsi, in, len);
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return on_writeable(pss);
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		if (len >= 2)
			pss->peer_code = code[0] << 8 | code[1];
		return 0;
	case LWS_CALLBACK_CLOSED:
		on_closed(pss);
		return 0;
	default:
		/* Plain HTTP on "/" gets lws's 404 rather than silence. */
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}
