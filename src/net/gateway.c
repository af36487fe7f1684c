/*
 * The gateway websocket client (docs/gateway-transport.md): an lws RAW
 * client connection (TCP, TLS and the loop stay lws's) that carries vigil's
 * own HTTP upgrade (ws-upgrade.c) and RFC 6455 framing (ws-frame.c). lws's
 * websocket client parses a byte at a time; this reads 64 KB at a time and
 * hands every whole frame on in place.
 *
 * One struct gw_conn per connection the core asked for; the core never has
 * two alive, but a connection it gave up on may still be closing when the
 * next one starts, so each carries its own id, buffers and queue.
 *
 * Exactly one on_close per connection: every path that ends a connection
 * (async connect error, the raw connection closing, a synchronous connect
 * failure, a failed lookup or upgrade, the wsi being destroyed some other
 * way) goes through report(), which fires once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/bot.h"
#include "net/gateway.h"
#include "net/inflate.h"
#include "net/resolve.h"
#include "net/tls-client.h"
#include "net/ws-frame.h"
#include "net/ws-upgrade.h"

/* lws's own wait for a server's answer to the upgrade, and for the peer's
 * close frame after ours (lws 4.1's values, kept). */
#define GW_UPGRADE_TIMEOUT_S  20
#define GW_CLOSE_ACK_S        5
#define GW_TLS_CHUNK          (16u << 10)

enum gc_state { GC_RESOLVING, GC_CONNECTING, GC_TLS, GC_UPGRADING, GC_OPEN };

struct gw_out {
	char *text;
	size_t len;
};

struct gw_conn {
	struct gateway *gw;
	struct gw_conn *next;           /* gw->conns */
	uint32_t id;
	struct lws *wsi;
	enum gc_state st;
	bool reported, in_connect, tls;
	bool compress, zstd;            /* zlib-stream, or zstd-stream as well */
	bool closing, aborting;         /* ours, carried out in WRITEABLE */
	bool close_sent;                /* our close frame is out: wait for theirs */
	bool echo_close;                /* theirs came first: answer, then hang up */
	bool request_sent;              /* the upgrade request is out */
	int close_code;
	char close_reason[124];         /* a close frame's reason fits 123 bytes */
	int peer_code;                  /* -1 until a close frame arrives */
	char peer_reason[124];
	char url[BOT_URL_MAX];          /* cut up in place by lws_parse_uri */
	const char *host;
	int port;
	char path[BOT_URL_MAX];
	char addr[64];
	struct resolve res;
	struct tlsc *tlsc;              /* wss:// only */
	char key[WSU_KEY_LEN + 1];      /* Sec-WebSocket-Key */
	char head[WSU_RESP_MAX];        /* the upgrade answer so far */
	size_t headlen;
	struct wsf_rx rx;
	char *zkeep;                    /* a compressed message still incomplete */
	size_t zlen, zcap;
	bool zover;
	struct zin z;
	unsigned char pong[WSF_CONTROL_MAX];
	size_t ponglen;
	bool pong_due, ping_due;
	/* The idle policy: a PING after idle_ping_s without a byte from the
	 * server, a hang-up at idle_hangup_s. */
	lws_sorted_usec_list_t idle;
	lws_usec_t last_rx;
	bool pinged;
	struct gw_out q[GW_QUEUE];
	int qhead, qcount;
};

struct gateway {
	struct loop *loop;
	struct logring *log;
	struct gw_events ev;
	int ping_s, hangup_s;
	struct gw_conn *conns;
	char ca_file[BOT_URL_MAX];
	SSL_CTX *ssl_ctx;               /* made at the first wss:// connection */
	unsigned char tx[LWS_PRE + WSF_HDR_MAX + GW_SEND_MAX + BOT_URL_MAX];
	unsigned char ctx_out[LWS_PRE + GW_TLS_CHUNK];     /* ciphertext to write */
	unsigned char plain[LOOP_READ_MAX];                /* plaintext read */
	struct gw_stats stats;
	bool dying;
};

static int gw_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len);

static const struct lws_protocols gw_proto = {
	GW_PROTOCOL, gw_callback, 0, 0, 0, NULL, 0
};

const struct lws_protocols *
gateway_protocol(void)
{
	return &gw_proto;
}

struct gateway *
gateway_new(struct loop *loop, struct logring *log, const struct gw_events *ev,
    const struct gw_options *opt)
{
	struct gateway *gw = calloc(1, sizeof(*gw));

	if (gw == NULL)
		return NULL;
	gw->loop = loop;
	gw->log = log;
	gw->ev = *ev;
	snprintf(gw->ca_file, sizeof(gw->ca_file), "%s", opt->ca_file != NULL ? opt->ca_file : "");
	gw->ping_s = opt->idle_ping_s > 0 ? opt->idle_ping_s : 60;
	gw->hangup_s = opt->idle_hangup_s > gw->ping_s ? opt->idle_hangup_s : gw->ping_s + 15;
	return gw;
}

static void
unlink_conn(struct gateway *gw, struct gw_conn *c)
{
	for (struct gw_conn **p = &gw->conns; *p != NULL; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			return;
		}
	}
}

static void
conn_free(struct gw_conn *c)
{
	if (c->wsi != NULL)
		lws_set_opaque_user_data(c->wsi, NULL);
	unlink_conn(c->gw, c);
	lws_sul_cancel(&c->idle);
	for (int i = 0; i < c->qcount; i++)
		free(c->q[(c->qhead + i) % GW_QUEUE].text);
	zin_free(&c->z);
	tlsc_free(c->tlsc);
	wsf_rx_free(&c->rx);
	free(c->zkeep);
	free(c);
}

/* The connection is over for the core: tell it once. */
static void
report(struct gw_conn *c, int code, const char *reason)
{
	struct gateway *gw = c->gw;

	if (c->reported || gw->dying)
		return;
	c->reported = true;
	LOGF(gw->log, LOG_DEBUG, "gateway", "connection %u closed (%d%s%s)", c->id, code,
	    reason ? ": " : "", reason ? reason : "");
	gw->ev.on_close(gw->ev.ud, c->id, code, reason);
}

/* The wsi is gone: report if nobody did, and free unless the synchronous
 * connect call is still on the stack (it frees). */
static void
conn_done(struct gw_conn *c, int code, const char *reason)
{
	if (c->wsi != NULL)
		lws_set_opaque_user_data(c->wsi, NULL);
	c->wsi = NULL;
	report(c, code, reason);
	if (!c->in_connect && !c->res.busy)
		conn_free(c);
}

static struct gw_conn *
find(const struct gateway *gw, uint32_t id)
{
	for (struct gw_conn *c = gw->conns; c != NULL; c = c->next) {
		if (c->id == id && !c->reported)
			return c;
	}
	return NULL;
}

static void
connect_now(struct gw_conn *c)
{
	struct gateway *gw = c->gw;
	struct lws_client_connect_info ci;
	struct lws *wsi;

	memset(&ci, 0, sizeof(ci));
	ci.context = gw->loop->ctx;
	ci.vhost = gw->loop->vh;
	ci.address = c->addr;           /* numeric: lws would resolve on the loop */
	ci.port = c->port;
	ci.path = c->path;
	ci.host = c->host;              /* SNI and the certificate check */
	ci.method = "RAW";              /* the upgrade, the framing and TLS are ours */
	ci.local_protocol_name = GW_PROTOCOL;
	ci.opaque_user_data = c;
	ci.pwsi = &c->wsi;
	c->st = GC_CONNECTING;
	c->in_connect = true;
	wsi = lws_client_connect_via_info(&ci);
	c->in_connect = false;
	if (wsi != NULL)
		return;
	/* Failed at once: lws suppresses CONNECTION_ERROR here (pitfall 4). */
	c->wsi = NULL;
	conn_done(c, BOT_CLOSE_NONE, "connect failed");
}

/* Cuts the URL into host, port, path; 0, or -1 with a message. */
static int
parse_url(struct gw_conn *c, const char *url, char *err, size_t errlen)
{
	const char *prot, *ads, *path;

	snprintf(c->url, sizeof(c->url), "%s", url);
	if (lws_parse_uri(c->url, &prot, &ads, &c->port, &path) != 0 || ads[0] == '\0') {
		snprintf(err, errlen, "bad gateway URL");
		return -1;
	}
	if (strcmp(prot, "wss") == 0)
		c->tls = true;
	else if (strcmp(prot, "ws") != 0) {
		snprintf(err, errlen, "gateway URL must be ws:// or wss://");
		return -1;
	}
	c->host = ads;
	snprintf(c->path, sizeof(c->path), "/%s", path);
	c->zstd = strstr(c->path, "compress=zstd-stream") != NULL;
	c->compress = c->zstd || strstr(c->path, "compress=zlib-stream") != NULL;
	return 0;
}

void
gateway_open(struct gateway *gw, uint32_t conn, const char *url)
{
	struct gw_conn *c = calloc(1, sizeof(*c));
	char err[160];

	if (c == NULL) {
		LOGF(gw->log, LOG_ERROR, "gateway", "out of memory opening a connection");
		gw->ev.on_close(gw->ev.ud, conn, BOT_CLOSE_NONE, "out of memory");
		return;
	}
	c->gw = gw;
	c->id = conn;
	c->peer_code = BOT_CLOSE_NONE;
	wsf_rx_init(&c->rx, GW_MESSAGE_MAX);
	c->next = gw->conns;
	gw->conns = c;
	if (parse_url(c, url, err, sizeof(err)) < 0) {
		conn_done(c, BOT_CLOSE_NONE, err);
		return;
	}
	if (resolve_is_numeric(c->host)) {
		snprintf(c->addr, sizeof(c->addr), "%s", c->host);
		connect_now(c);
		return;
	}
	c->st = GC_RESOLVING;
	if (resolve_start(&c->res, c->host, loop_resolve_signal(), c, err, sizeof(err)) < 0)
		conn_done(c, BOT_CLOSE_NONE, err);
}

void
gateway_on_resolved(struct gateway *gw, const struct signalfd_siginfo *si)
{
	struct gw_conn *c;
	char err[160];

	/* The pointer came through the kernel: trust it only if it is ours. */
	for (c = gw->conns; c != NULL; c = c->next) {
		if ((uint64_t)(uintptr_t)c == si->ssi_ptr)
			break;
	}
	if (c == NULL || !c->res.busy)
		return;
	if (resolve_finish(&c->res, c->addr, sizeof(c->addr), err, sizeof(err)) < 0) {
		conn_done(c, BOT_CLOSE_NONE, err);
		return;
	}
	if (c->reported) {              /* closed while resolving */
		conn_free(c);
		return;
	}
	LOGF(gw->log, LOG_DEBUG, "gateway", "%s is %s", c->host, c->addr);
	connect_now(c);
}

void
gateway_send(struct gateway *gw, uint32_t conn, char *payload, size_t len)
{
	struct gw_conn *c = find(gw, conn);

	if (c == NULL || c->st != GC_OPEN || c->closing || c->aborting || len > GW_SEND_MAX) {
		LOGF(gw->log, LOG_WARN, "gateway", "payload of %zu bytes dropped: connection %u %s",
		    len, conn, len > GW_SEND_MAX ? "limit is 4096 bytes" : "is not open");
		free(payload);
		return;
	}
	if (c->qcount == GW_QUEUE) {
		gw->stats.queue_full++;
		LOGF(gw->log, LOG_ERROR, "gateway", "send queue full (%d): payload dropped", GW_QUEUE);
		free(payload);
		return;
	}
	c->q[(c->qhead + c->qcount++) % GW_QUEUE] = (struct gw_out){ payload, len };
	lws_callback_on_writable(c->wsi);
}

void
gateway_close(struct gateway *gw, uint32_t conn, int code, const char *reason)
{
	struct gw_conn *c = find(gw, conn);

	if (c == NULL)
		return;
	if (c->st == GC_RESOLVING) {
		report(c, BOT_CLOSE_NONE, "closed while resolving");
		if (resolve_cancel(&c->res))
			conn_free(c);
		return;
	}
	if (code < 0 || c->st != GC_OPEN) {
		/* No handshake to speak of: drop it on the next service pass. */
		c->aborting = true;
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
		return;
	}
	c->closing = true;
	c->close_code = code;
	snprintf(c->close_reason, sizeof(c->close_reason), "%s", reason ? reason : "");
	lws_callback_on_writable(c->wsi);
}

bool
gateway_idle(const struct gateway *gw)
{
	return gw->conns == NULL;
}

const struct gw_stats *
gateway_stats(const struct gateway *gw)
{
	return &gw->stats;
}

void
gateway_free(struct gateway *gw)
{
	if (gw == NULL)
		return;
	gw->dying = true;
	while (gw->conns != NULL) {
		struct gw_conn *c = gw->conns;
		if (c->res.busy && !resolve_wait(&c->res, 2000)) {
			/* The lookup thread still writes into c: leak it. */
			unlink_conn(gw, c);
			continue;
		}
		conn_free(c);
	}
	SSL_CTX_free(gw->ssl_ctx);
	free(gw);
}

/* Keeps a close frame's code and reason (RFC 6455 §5.5.1), made printable. */
static void
on_peer_close(struct gw_conn *c, const struct wsf_msg *m)
{
	size_t n = 0;

	if (m->close_code == WSF_CLOSE_NO_CODE)
		return;
	c->peer_code = m->close_code;
	for (size_t i = 0; i < m->reason_len && n < sizeof(c->peer_reason) - 1; i++)
		c->peer_reason[n++] = (m->reason[i] >= 0x20 && m->reason[i] != 0x7f) ?
		    (char)m->reason[i] : '.';
	c->peer_reason[n] = '\0';
}

static void
deliver(struct gw_conn *c, const char *text, size_t len)
{
	struct gateway *gw = c->gw;

	gw->stats.messages++;
	gw->stats.bytes += len;
	gw->ev.on_frame(gw->ev.ud, c->id, text, len);
}

/* Keeps a compressed message whose end has not come yet, within
 * GW_MESSAGE_MAX. false once over. */
static bool
zkeep(struct gw_conn *c, const unsigned char *in, size_t len)
{
	if (c->zover || len > GW_MESSAGE_MAX - c->zlen) {
		c->zover = true;
		return false;
	}
	if (c->zlen + len > c->zcap) {
		size_t cap = c->zcap ? c->zcap : 65536;
		char *p;
		while (cap < c->zlen + len)
			cap *= 2;
		p = realloc(c->zkeep, cap);
		if (p == NULL) {
			c->zover = true;
			return false;
		}
		c->zkeep = p;
		c->zcap = cap;
	}
	memcpy(c->zkeep + c->zlen, in, len);
	c->zlen += len;
	return true;
}

/* A binary message on a compressed connection. 0, or -1 to drop it. */
static int
inflated(struct gw_conn *c, const unsigned char *buf, size_t len)
{
	struct gateway *gw = c->gw;
	bool whole = c->zstd || zin_complete(buf, len);
	const char *text;
	size_t n;
	char err[96];

	if (!whole || c->zlen > 0) {
		/* zlib-stream: the rest of this message comes in the next one. */
		zkeep(c, buf, len);
		if (!whole)
			return 0;
		buf = (const unsigned char *)c->zkeep;
		len = c->zlen;
		c->zlen = 0;
		if (c->zover) {
			c->zover = false;
			gw->stats.oversize++;
			LOGF(gw->log, LOG_ERROR, "gateway", "message over %u bytes dropped", GW_MESSAGE_MAX);
			return 0;
		}
	}
	gw->stats.zbytes += len;
	if (zin_message(&c->z, buf, len, &text, &n, err, sizeof(err)) < 0) {
		gw->stats.inflate_errors++;
		LOGF(gw->log, LOG_ERROR, "gateway", "%s broken (%s): dropping connection %u",
		    c->zstd ? "zstd-stream" : "zlib-stream", err, c->id);
		return -1;
	}
	deliver(c, text, n);
	return 0;
}

static int
message(struct gw_conn *c, const struct wsf_msg *m)
{
	if (m->op == WSF_TEXT) {
		deliver(c, (const char *)m->data, m->len);
		return 0;
	}
	if (c->compress)
		return inflated(c, m->data, m->len);
	c->gw->stats.binary_ignored++;
	LOGF(c->gw->log, LOG_WARN, "gateway", "binary message of %zu bytes ignored (no compression asked)",
	    m->len);
	return 0;
}

/* A protocol error from the server: close with the framer's code. */
static void
broken(struct gw_conn *c, int code, const char *why)
{
	LOGF(c->gw->log, LOG_ERROR, "gateway", "connection %u: %s; closing with %d", c->id, why, code);
	c->closing = c->echo_close = true;     /* no answer awaited */
	c->close_code = code;
	snprintf(c->close_reason, sizeof(c->close_reason), "%s", why);
	lws_callback_on_writable(c->wsi);
}

/* One message or control frame. 0, or -1 to hang up now. */
static int
on_msg(struct gw_conn *c, const struct wsf_msg *m)
{
	switch (m->op) {
	case WSF_CLOSE:
		on_peer_close(c, m);
		if (c->close_sent)
			return -1;      /* the answer to ours: done */
		c->echo_close = true;
		lws_callback_on_writable(c->wsi);
		return 0;
	case WSF_PING:
		memcpy(c->pong, m->data, m->len);
		c->ponglen = m->len;
		c->pong_due = true;
		lws_callback_on_writable(c->wsi);
		return 0;
	case WSF_PONG:
		return 0;       /* proof of life, already taken */
	case WSF_TOO_BIG:
		c->gw->stats.oversize++;
		LOGF(c->gw->log, LOG_ERROR, "gateway", "message over %u bytes dropped", GW_MESSAGE_MAX);
		return 0;
	default:
		/* The core has let go of a closing connection: nothing to hand on. */
		if (c->closing || c->aborting)
			return 0;
		return message(c, m);
	}
}

static int
on_frames(struct gw_conn *c, const void *in, size_t len)
{
	struct wsf_msg m;
	char why[96];
	int code, rc;

	wsf_rx_feed(&c->rx, in, len);
	while (!c->echo_close && (rc = wsf_rx_next(&c->rx, &m, &code, why, sizeof(why))) != 0) {
		if (rc < 0) {
			broken(c, code, why);
			return 0;
		}
		if (on_msg(c, &m) < 0)
			return -1;
	}
	return 0;
}

static int
on_open(struct gw_conn *c)
{
	struct gateway *gw = c->gw;

	c->st = GC_OPEN;
	lws_set_timeout(c->wsi, NO_PENDING_TIMEOUT, 0);
	if (c->compress && zin_init(&c->z, c->zstd) < 0) {
		LOGF(gw->log, LOG_ERROR, "gateway", "cannot start decompression: out of memory");
		return -1;
	}
	LOGF(gw->log, LOG_DEBUG, "gateway", "connection %u open (%s%s)", c->id,
	    c->tls ? "TLS" : "plain", !c->compress ? "" : c->zstd ? ", zstd-stream" : ", zlib-stream");
	gw->ev.on_open(gw->ev.ud, c->id);
	return 0;
}

/* Bytes of the upgrade answer; what follows its head is already frames. */
static int
on_upgrade_bytes(struct gw_conn *c, const char *in, size_t len)
{
	size_t take = sizeof(c->head) - c->headlen, end, before = c->headlen;
	char why[160];

	if (take > len)
		take = len;
	memcpy(c->head + c->headlen, in, take);
	c->headlen += take;
	end = wsu_head_end(c->head, c->headlen);
	if (end == 0 && c->headlen == sizeof(c->head))
		snprintf(why, sizeof(why), "upgrade answer longer than %d bytes", WSU_RESP_MAX);
	else if (end == 0)
		return 0;
	else if (wsu_check(c->head, end, c->key, why, sizeof(why)) == 0) {
		if (on_open(c) < 0)
			return -1;
		return on_frames(c, in + (end - before), len - (end - before));
	}
	LOGF(c->gw->log, LOG_WARN, "gateway", "connection %u: %s", c->id, why);
	report(c, BOT_CLOSE_NONE, why);
	return -1;
}

/* Ciphertext TLS wants sent: written now (lws keeps what the socket
 * cannot take yet). 0, or -1. */
static int
flush(struct gw_conn *c)
{
	struct gateway *gw = c->gw;
	size_t n;

	while ((n = tlsc_out(c->tlsc, gw->ctx_out + LWS_PRE, GW_TLS_CHUNK)) > 0) {
		if (lws_write(c->wsi, gw->ctx_out + LWS_PRE, n, LWS_WRITE_RAW) < (int)n)
			return -1;
	}
	return 0;
}

/* The upgrade answer, then frames. */
static int
on_plain(struct gw_conn *c, const char *in, size_t len)
{
	if (c->st == GC_UPGRADING)
		return on_upgrade_bytes(c, in, len);
	return on_frames(c, in, len);
}

/* A failed TLS handshake is a failed attempt, with the reason said. */
static int
tls_failed(struct gw_conn *c, const char *why)
{
	LOGF(c->gw->log, LOG_WARN, "gateway", "connection %u to %s: %s", c->id, c->host, why);
	report(c, BOT_CLOSE_NONE, why);
	return -1;
}

/* Moves the handshake on and flushes what it wrote. 0, or -1. */
static int
tls_step(struct gw_conn *c)
{
	char why[200];
	int rc = tlsc_handshake(c->tlsc, why, sizeof(why));

	if (flush(c) < 0)
		return -1;
	if (rc < 0)
		return tls_failed(c, why);
	if (rc == 1) {
		c->st = GC_UPGRADING;
		lws_callback_on_writable(c->wsi);       /* the upgrade request */
	}
	return 0;
}

static int
on_tls_rx(struct gw_conn *c, const char *in, size_t len)
{
	struct gateway *gw = c->gw;
	char why[200];
	int n;

	if (tlsc_feed(c->tlsc, in, len) < 0)
		return tls_failed(c, "TLS: out of memory");
	if (c->st == GC_TLS) {
		if (tls_step(c) < 0)
			return -1;
		if (c->st == GC_TLS)
			return 0;       /* the handshake waits for more */
	}
	while ((n = tlsc_read(c->tlsc, gw->plain, sizeof(gw->plain), why, sizeof(why))) > 0) {
		if (on_plain(c, (const char *)gw->plain, (size_t)n) < 0)
			return -1;
	}
	if (n < 0) {
		LOGF(gw->log, LOG_DEBUG, "gateway", "connection %u: %s", c->id, why);
		return -1;
	}
	return flush(c);
}

static int
on_rx(struct gw_conn *c, const char *in, size_t len)
{
	c->last_rx = lws_now_usecs();
	c->pinged = false;
	if (c->aborting)
		return -1;
	if (c->tlsc != NULL)
		return on_tls_rx(c, in, len);
	return on_plain(c, in, len);
}

static void idle_cb(lws_sorted_usec_list_t *sul);

static void
idle_arm(struct gw_conn *c, int secs)
{
	lws_usec_t at = c->last_rx + (lws_usec_t)secs * LWS_US_PER_SEC, now = lws_now_usecs();

	lws_sul_schedule(c->gw->loop->ctx, 0, &c->idle, idle_cb, at > now ? at - now : 0);
}

/* A PING after ping_s of silence, a hang-up at hangup_s: a black-holed TCP
 * connection is noticed even when the core's heartbeats are far apart. */
static void
idle_cb(lws_sorted_usec_list_t *sul)
{
	struct gw_conn *c = lws_container_of(sul, struct gw_conn, idle);
	struct gateway *gw = c->gw;
	lws_usec_t quiet = lws_now_usecs() - c->last_rx;

	if (c->wsi == NULL)
		return;
	if (quiet < (lws_usec_t)gw->ping_s * LWS_US_PER_SEC) {
		c->pinged = false;
		idle_arm(c, gw->ping_s);
		return;
	}
	if (!c->pinged) {
		c->pinged = c->ping_due = true;
		lws_callback_on_writable(c->wsi);
		idle_arm(c, gw->hangup_s);
		return;
	}
	if (quiet < (lws_usec_t)gw->hangup_s * LWS_US_PER_SEC) {
		idle_arm(c, gw->hangup_s);
		return;
	}
	LOGF(gw->log, LOG_DEBUG, "gateway", "connection %u: no PONG in %d s; hanging up", c->id,
	    gw->hangup_s);
	c->aborting = true;
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

static int
on_connected(struct gw_conn *c)
{
	struct gateway *gw = c->gw;
	char err[160];

	if (c->aborting)
		return -1;
	c->st = GC_UPGRADING;
	if (c->tls) {
		if (gw->ssl_ctx == NULL)
			gw->ssl_ctx = tlsc_ctx_new(gw->ca_file, err, sizeof(err));
		if (gw->ssl_ctx == NULL || (c->tlsc = tlsc_new(gw->ssl_ctx, c->host, err,
		    sizeof(err))) == NULL)
			return tls_failed(c, err);
		c->st = GC_TLS;         /* the ClientHello goes out when writable */
	}
	c->last_rx = lws_now_usecs();
	idle_arm(c, c->gw->ping_s);
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_AWAITING_SERVER_RESPONSE, GW_UPGRADE_TIMEOUT_S);
	lws_callback_on_writable(c->wsi);
	return 0;
}

/* Writes n bytes of gw->tx (after LWS_PRE). 0, or -1. */
static int
put(struct gw_conn *c, size_t n)
{
	struct gateway *gw = c->gw;

	if (c->tlsc != NULL ? tlsc_write(c->tlsc, gw->tx + LWS_PRE, n) < 0 || flush(c) < 0 :
	    lws_write(c->wsi, gw->tx + LWS_PRE, n, LWS_WRITE_RAW) < (int)n) {
		LOGF(gw->log, LOG_WARN, "gateway", "write failed on connection %u", c->id);
		return -1;
	}
	gw->stats.writes++;
	return 0;
}

static void
mask_key(struct gw_conn *c, uint8_t key[4])
{
	lws_get_random(c->gw->loop->ctx, key, 4);
}

static int
send_request(struct gw_conn *c)
{
	struct gateway *gw = c->gw;
	unsigned char nonce[16];
	int n;

	lws_get_random(gw->loop->ctx, nonce, sizeof(nonce));
	n = wsu_request((char *)gw->tx + LWS_PRE, sizeof(gw->tx) - LWS_PRE, c->host, c->port, c->tls,
	    c->path, nonce, c->key);
	if (n < 0) {
		report(c, BOT_CLOSE_NONE, "upgrade request too long");
		return -1;
	}
	c->request_sent = true;
	return put(c, (size_t)n);
}

/* A close frame of ours: the core's, or the answer to the server's. */
static int
send_close(struct gw_conn *c)
{
	uint8_t key[4];
	int code = c->echo_close && !c->closing ? c->peer_code : c->close_code;

	mask_key(c, key);
	if (put(c, wsf_write_close(c->gw->tx + LWS_PRE, code, c->closing ? c->close_reason : "",
	    key)) < 0 || c->echo_close)
		return -1;      /* nothing more to wait for */
	c->close_sent = true;
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_ACK, GW_CLOSE_ACK_S);
	return 0;
}

/* One write per WRITEABLE (docs/design.md, loop pitfall 5): the upgrade, a close, a
 * PONG, a PING, then the queue. */
static int
on_writable(struct gw_conn *c)
{
	struct gateway *gw = c->gw;
	struct gw_out out;
	uint8_t key[4];
	int rc;

	if (c->aborting)
		return -1;      /* no close frame */
	if (c->st == GC_TLS)
		return tls_step(c);
	if (!c->request_sent)
		return send_request(c);
	if (c->st != GC_OPEN || c->close_sent)
		return 0;
	if (c->closing || c->echo_close)
		return send_close(c);
	if (c->pong_due || c->ping_due) {
		bool pong = c->pong_due;
		mask_key(c, key);
		rc = put(c, wsf_write(gw->tx + LWS_PRE, pong ? WSF_PONG : WSF_PING, c->pong,
		    pong ? c->ponglen : 0, key));
		if (pong)
			c->pong_due = false;
		else
			c->ping_due = false;
	} else if (c->qcount > 0) {
		out = c->q[c->qhead];
		c->qhead = (c->qhead + 1) % GW_QUEUE;
		c->qcount--;
		mask_key(c, key);
		rc = put(c, wsf_write(gw->tx + LWS_PRE, WSF_TEXT, out.text, out.len, key));
		free(out.text);
	} else {
		return 0;
	}
	if (rc == 0 && (c->qcount > 0 || c->pong_due || c->ping_due))
		lws_callback_on_writable(c->wsi);
	return rc;
}

static int
gw_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
    size_t len)
{
	struct gw_conn *c = lws_get_opaque_user_data(wsi);
	char why[128];

	(void)user;
	if (c == NULL)
		return 0;
	c->gw->loop->busy = true;
	if (reason != LWS_CALLBACK_RAW_RX)
		loop_stamp(c->gw->loop);        /* RX goes straight to the core, which stamps */
	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		snprintf(why, sizeof(why), "%s", in != NULL ? (const char *)in : "connect failed");
		conn_done(c, BOT_CLOSE_NONE, why);
		return 0;
	/* lws 4.1 says CONNECTED for a plain raw client, ADOPT once TLS is up. */
	case LWS_CALLBACK_RAW_CONNECTED:
	case LWS_CALLBACK_RAW_ADOPT:
		return on_connected(c);
	case LWS_CALLBACK_RAW_RX:
		return on_rx(c, in, len);
	case LWS_CALLBACK_RAW_WRITEABLE:
		return on_writable(c);
	case LWS_CALLBACK_RAW_CLOSE:
		conn_done(c, c->peer_code, c->peer_code >= 0 ? c->peer_reason : NULL);
		return 0;
	case LWS_CALLBACK_WSI_DESTROY:
		conn_done(c, BOT_CLOSE_NONE, "connection destroyed");
		return 0;
	default:
		return 0;
	}
}
