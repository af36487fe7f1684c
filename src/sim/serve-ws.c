/*
 * The gateway websocket on lws: new TCP connections (held while the stall
 * fault runs), the upgrade (refused when the core says so), reassembly of
 * client messages, an outbound queue of frames ready for the wire
 * (compressed per connection for zlib-stream and zstd-stream), written many
 * at a time on WRITEABLE (docs/emulator.md "Sending"), and the four ways the
 * core ends a connection: a close frame, a drop, a black hole, or the
 * client's close.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "sim/adapter.h"

/* Bytes one WRITEABLE writes at most before giving the loop back, so the
 * other connections and this one's heartbeats are read meanwhile. */
#define TURN_MAX   (1u << 20)
/* What an empty queue keeps of its buffer: a burst batch's worth, and
 * more. */
#define QUEUE_KEEP (1u << 20)

static void
queue_free(struct outq *q)
{
	free(q->buf);
	memset(q, 0, sizeof(*q));
}

/* Room for need more bytes at the tail: 0, or -1. */
static int
queue_reserve(struct outq *q, size_t need)
{
	size_t ncap;
	unsigned char *nbuf;

	if (q->head + q->len + need <= q->cap)
		return 0;
	if (q->head > 0) {
		memmove(q->buf, q->buf + q->head, q->len);
		q->head = 0;
		if (q->len + need <= q->cap)
			return 0;
	}
	for (ncap = q->cap != 0 ? q->cap : 64u << 10; ncap < q->len + need;)
		ncap *= 2;
	if ((nbuf = realloc(q->buf, ncap)) == NULL)
		return -1;
	q->buf = nbuf;
	q->cap = ncap;
	return 0;
}

/* RFC 6455 §5.2, server to client: FIN, the opcode, no mask, and the
 * length in the fewest bytes. Its length. */
static size_t
ws_head(unsigned char *h, bool binary, size_t len)
{
	int i;

	h[0] = 0x80 | (binary ? 0x2 : 0x1);
	if (len < 126) {
		h[1] = (unsigned char)len;
		return 2;
	}
	if (len <= 0xffff) {
		h[1] = 126;
		h[2] = (unsigned char)(len >> 8);
		h[3] = (unsigned char)len;
		return 4;
	}
	h[1] = 127;
	for (i = 0; i < 8; i++)
		h[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
	return 10;
}

/* A whole frame's length, from its header (ws_head()'s). */
static size_t
frame_len(const unsigned char *h)
{
	size_t len = h[1] & 0x7f;
	int i;

	if (len < 126)
		return 2 + len;
	if (len == 126)
		return 4 + ((size_t)h[2] << 8 | h[3]);
	for (len = 0, i = 0; i < 8; i++)
		len = len << 8 | h[2 + i];
	return 10 + len;
}

/* What of a frame the first n bytes of the queue end inside: 0 when they
 * end at a frame's end. The head is at a frame's start. */
static size_t
frame_rest(const struct outq *q, size_t n)
{
	size_t at = q->head, left = n;

	while (left > 0) {
		size_t flen = frame_len(q->buf + at);

		if (left < flen)
			return flen - left;
		left -= flen;
		at += flen;
	}
	return 0;
}

static void
queue_consume(struct outq *q, size_t n)
{
	q->head += n;
	q->len -= n;
	if (q->len == 0)
		q->head = 0;
	/* Empty: give back what a slow reader grew it to. */
	if (q->len == 0 && q->cap > QUEUE_KEEP)
		queue_free(q);
}

/* The message itself, or compressed into pss->zbuf: NULL on failure. */
static const void *
payload(struct gw_pss *pss, const char *data, size_t *len)
{
	size_t bound;
	unsigned char *z;

	if (!pss->zlib)
		return data;
	if ((bound = sim_zstream_bound(&pss->z, *len)) > pss->zcap) {
		if ((z = realloc(pss->zbuf, bound)) == NULL)
			return NULL;
		pss->zbuf = z;
		pss->zcap = bound;
	}
	*len = sim_zstream_message(&pss->z, data, *len, pss->zbuf);
	return *len != 0 ? pss->zbuf : NULL;
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
	struct outq *q = &pss->q;
	const void *p;

	if (pss->blackholed || pss->closing)
		return;
	if (q->len + len > OUTQ_MAX) {
		/* A client this far behind is gone in all but name. */
		uint32_t id = pss->conn;

		sim_ws_drop(pss, false);
		sim_conn_closed(pss->srv->sim, sim_srv_now(), id, -1);
		return;
	}
	if ((p = payload(pss, data, &len)) == NULL ||
	    queue_reserve(q, WS_HEAD_MAX + len) != 0)
		return;
	q->len += ws_head(q->buf + q->head + q->len, pss->zlib, len);
	memcpy(q->buf + q->head + q->len, p, len);
	q->len += len;
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

	queue_free(&pss->q);
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
	/* A frame cut short is lws's by now: it still goes out whole. */
	queue_free(&pss->q);
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

/* Hands the socket what it takes of len bytes now: how many, or -1. Plain
 * TCP is written directly: lws calls WRITEABLE only once it has nothing of
 * its own left to send, so nothing of lws's is behind or between. */
static ssize_t
send_some(struct gw_pss *pss, unsigned char *buf, size_t len)
{
	ssize_t n;

	if (pss->srv->tls) {
		if (len > TLS_WRITE_MAX)
			len = TLS_WRITE_MAX;
		return lws_write(pss->wsi, buf, len, LWS_WRITE_RAW) < (int)len ?
		    -1 : (ssize_t)len;
	}
	n = send(lws_get_socket_fd(pss->wsi), buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ?
		    0 : -1;
	return n;
}

/*
 * Writes what the socket takes of the queue, adding to *sent: -1 on error,
 * else 1 if all of it went straight in (the socket may take more now). A
 * frame a short write cut goes to lws whole, which sends what it holds
 * before anything of its own (a pong, the echo of a client's close frame)
 * and before the next WRITEABLE: so those never land inside a frame.
 */
static int
write_queue(struct gw_pss *pss, size_t *sent)
{
	struct outq *q = &pss->q;
	size_t want = q->len, rest;
	ssize_t n;

	if (want == 0)
		return 1;
	if ((n = send_some(pss, q->buf + q->head, want)) < 0)
		return -1;
	rest = frame_rest(q, (size_t)n);
	queue_consume(q, (size_t)n);
	*sent += (size_t)n;
	if (rest > 0) {
		if (lws_write(pss->wsi, q->buf + q->head, rest, LWS_WRITE_RAW) <
		    (int)rest)
			return -1;
		queue_consume(q, rest);
		*sent += rest;
		return 0;
	}
	return (size_t)n == want && !pss->srv->tls;
}

/*
 * Writes the queue; each time it is all out, a burst refills it, until the
 * socket is full or TURN_MAX is written. Over TLS, one write a turn: lws
 * buffers what the socket refused.
 */
static int
on_writeable(struct gw_pss *pss)
{
	size_t turn = 0;
	int more;

	if (pss->blackholed)
		return 0;
	for (;;) {
		if ((more = write_queue(pss, &turn)) < 0)
			return -1;
		if (!more || pss->q.len > 0 || pss->closing || pss->conn == 0 ||
		    turn >= TURN_MAX)
			break;
		sim_conn_drained(pss->srv->sim, sim_srv_now(), pss->conn);
		sim_srv_drain(pss->srv);
		if (pss->q.len == 0)
			return 0;
	}
	/* The close frame waits for a turn of its own: lws drops it if
	 * frames written just now are still in its buffer. */
	if (pss->closing && pss->q.len == 0 && turn == 0) {
		lws_close_reason(pss->wsi, (enum lws_close_status)
		    pss->close_code, (unsigned char *)pss->close_reason,
		    strlen(pss->close_reason));
		return -1;
	}
	if (pss->q.len > 0 || pss->closing || pss->conn != 0)
		lws_callback_on_writable(pss->wsi);
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
	queue_free(&pss->q);
	free(pss->zbuf);
	pss->zbuf = NULL;
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
			if (pss->q.len > 0 || pss->closing)
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
