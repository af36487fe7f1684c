/*
 * The gateway websocket client on lws 4.1 (docs/design.md, loop pitfalls
 * 2-5). One struct gw_conn per connection the core asked for; the core
 * never has two alive, but a connection it gave up on may still be closing
 * when the next one starts, so each carries its own id, buffers and queue.
 *
 * Exactly one on_close per connection: every path that ends a connection
 * (async connect error, CLIENT_CLOSED, a synchronous connect failure, a
 * failed lookup, the wsi being destroyed some other way) goes through
 * report(), which fires once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/bot.h"
#include "net/gateway.h"
#include "net/inflate.h"
#include "net/resolve.h"

enum gc_state { GC_RESOLVING, GC_CONNECTING, GC_OPEN };

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
	bool reported, in_connect, compress, tls;
	bool closing, aborting;         /* ours, carried out in WRITEABLE */
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
	char *rx;                       /* reassembly, grown once per connection */
	size_t rxlen, rxcap;
	bool rx_over, rx_keep;
	struct zin z;
	struct gw_out q[GW_QUEUE];
	int qhead, qcount;
};

struct gateway {
	struct loop *loop;
	struct logring *log;
	struct gw_events ev;
	lws_retry_bo_t retry;
	struct gw_conn *conns;
	unsigned char tx[LWS_PRE + GW_SEND_MAX];
	struct gw_stats stats;
	bool dying;
};

static int gw_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len);

static const struct lws_protocols gw_proto = {
	GW_PROTOCOL, gw_callback, 0,
	/* Most messages then arrive in one piece and need no copy. */
	65536, 0, NULL, 0
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
	gw->retry.secs_since_valid_ping = (uint16_t)(opt->idle_ping_s > 0 ? opt->idle_ping_s : 60);
	gw->retry.secs_since_valid_hangup = (uint16_t)(opt->idle_hangup_s > opt->idle_ping_s ?
	    opt->idle_hangup_s : gw->retry.secs_since_valid_ping + 15);
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
	for (int i = 0; i < c->qcount; i++)
		free(c->q[(c->qhead + i) % GW_QUEUE].text);
	zin_free(&c->z);
	free(c->rx);
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
	ci.host = c->host;              /* Host header, SNI and the certificate check */
	ci.origin = c->host;
	ci.ssl_connection = c->tls ? LCCSCF_USE_SSL : 0;
	ci.protocol = NULL;             /* Discord uses no subprotocol (pitfall 3) */
	ci.local_protocol_name = GW_PROTOCOL;
	ci.opaque_user_data = c;
	ci.retry_and_idle_policy = &gw->retry;
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
	c->compress = strstr(c->path, "compress=zlib-stream") != NULL;
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
	free(gw);
}

/* Copies a close frame's code and reason (RFC 6455 §5.5.1). */
static void
on_peer_close(struct gw_conn *c, const unsigned char *in, size_t len)
{
	size_t n = 0;

	if (len < 2)
		return;
	c->peer_code = (in[0] << 8) | in[1];
	for (size_t i = 2; i < len && n < sizeof(c->peer_reason) - 1; i++)
		c->peer_reason[n++] = (in[i] >= 0x20 && in[i] != 0x7f) ? (char)in[i] : '.';
	c->peer_reason[n] = '\0';
}

/* Appends to the reassembly buffer within GW_MESSAGE_MAX. 0, or -1. */
static int
append(struct gw_conn *c, const char *in, size_t len)
{
	if (c->rx_over || len > GW_MESSAGE_MAX - c->rxlen) {
		c->rx_over = true;
		return -1;
	}
	if (c->rxlen + len > c->rxcap) {
		size_t cap = c->rxcap ? c->rxcap : 65536;
		char *p;
		while (cap < c->rxlen + len)
			cap *= 2;
		if (cap > GW_MESSAGE_MAX)
			cap = GW_MESSAGE_MAX;
		p = realloc(c->rx, cap);
		if (p == NULL) {
			c->rx_over = true;
			return -1;
		}
		c->rx = p;
		c->rxcap = cap;
	}
	memcpy(c->rx + c->rxlen, in, len);
	c->rxlen += len;
	return 0;
}

static void
deliver(struct gw_conn *c, const char *text, size_t len)
{
	struct gateway *gw = c->gw;

	gw->stats.messages++;
	gw->stats.bytes += len;
	gw->ev.on_frame(gw->ev.ud, c->id, text, len);
}

/* A binary message on a zlib-stream connection. 0, or -1 to drop it. */
static int
inflated(struct gw_conn *c, const char *buf, size_t len)
{
	struct gateway *gw = c->gw;
	const char *text;
	size_t n;
	char err[96];

	if (!zin_complete((const unsigned char *)buf, len)) {
		/* The rest of this message comes in the next one. */
		if (buf != c->rx && append(c, buf, len) < 0)
			return 0;
		c->rx_keep = true;
		return 0;
	}
	c->rx_keep = false;
	gw->stats.zbytes += len;
	if (zin_message(&c->z, (const unsigned char *)buf, len, &text, &n, err, sizeof(err)) < 0) {
		gw->stats.inflate_errors++;
		LOGF(gw->log, LOG_ERROR, "gateway", "zlib-stream broken (%s): dropping connection %u",
		    err, c->id);
		return -1;
	}
	deliver(c, text, n);
	return 0;
}

static int
message(struct gw_conn *c, const char *buf, size_t len, bool binary)
{
	if (!binary) {
		deliver(c, buf, len);
		return 0;
	}
	if (c->compress)
		return inflated(c, buf, len);
	c->gw->stats.binary_ignored++;
	LOGF(c->gw->log, LOG_WARN, "gateway", "binary message of %zu bytes ignored (no compression asked)",
	    len);
	return 0;
}

static int
on_receive(struct gw_conn *c, struct lws *wsi, const char *in, size_t len)
{
	bool first = lws_is_first_fragment(wsi), final = lws_is_final_fragment(wsi);
	bool binary = lws_frame_is_binary(wsi);
	int rc;

	if (c->closing || c->aborting)
		return 0;       /* the core has let go of it: nothing to reassemble */
	if (first && !c->rx_keep) {
		c->rxlen = 0;
		c->rx_over = false;
	}
	/* The common case: the whole message in one piece, handed on in place. */
	if (first && final && c->rxlen == 0)
		return message(c, in, len, binary);
	append(c, in, len);
	if (!final)
		return 0;
	if (c->rx_over) {
		c->gw->stats.oversize++;
		LOGF(c->gw->log, LOG_ERROR, "gateway", "message over %u bytes dropped", GW_MESSAGE_MAX);
		c->rxlen = 0;
		c->rx_keep = false;
		return 0;
	}
	rc = message(c, c->rx, c->rxlen, binary);
	if (!c->rx_keep)
		c->rxlen = 0;
	return rc;
}

static int
on_established(struct gw_conn *c)
{
	struct gateway *gw = c->gw;

	if (c->aborting)
		return -1;
	c->st = GC_OPEN;
	if (c->compress && zin_init(&c->z) < 0) {
		LOGF(gw->log, LOG_ERROR, "gateway", "cannot start zlib-stream: out of memory");
		return -1;
	}
	LOGF(gw->log, LOG_DEBUG, "gateway", "connection %u open (%s%s)", c->id,
	    c->tls ? "TLS" : "plain", c->compress ? ", zlib-stream" : "");
	gw->ev.on_open(gw->ev.ud, c->id);
	return 0;
}

/* One write per WRITEABLE (pitfall 5); a close of ours goes first. */
static int
on_writable(struct gw_conn *c, struct lws *wsi)
{
	struct gateway *gw = c->gw;
	struct gw_out out;
	int n;

	if (c->aborting)
		return -1;      /* no close reason set: no close frame */
	if (c->closing) {
		lws_close_reason(wsi, (enum lws_close_status)c->close_code,
		    (unsigned char *)c->close_reason, strlen(c->close_reason));
		return -1;
	}
	if (c->qcount == 0)
		return 0;
	out = c->q[c->qhead];
	c->qhead = (c->qhead + 1) % GW_QUEUE;
	c->qcount--;
	memcpy(gw->tx + LWS_PRE, out.text, out.len);
	free(out.text);
	n = lws_write(wsi, gw->tx + LWS_PRE, out.len, LWS_WRITE_TEXT);
	if (n < (int)out.len) {
		LOGF(gw->log, LOG_WARN, "gateway", "write failed on connection %u", c->id);
		return -1;
	}
	gw->stats.writes++;
	if (c->qcount > 0)
		lws_callback_on_writable(wsi);
	return 0;
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
	if (reason != LWS_CALLBACK_CLIENT_RECEIVE)
		loop_stamp(c->gw->loop);        /* RECEIVE goes straight to the core, which stamps */
	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		snprintf(why, sizeof(why), "%s", in != NULL ? (const char *)in : "connect failed");
		conn_done(c, BOT_CLOSE_NONE, why);
		return 0;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		return on_established(c);
	case LWS_CALLBACK_CLIENT_RECEIVE:
		return on_receive(c, wsi, in, len);
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return on_writable(c, wsi);
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		on_peer_close(c, in, len);
		return 0;
	case LWS_CALLBACK_CLIENT_CLOSED:
		conn_done(c, c->peer_code, c->peer_code >= 0 ? c->peer_reason : NULL);
		return 0;
	case LWS_CALLBACK_WSI_DESTROY:
		conn_done(c, BOT_CLOSE_NONE, "connection destroyed");
		return 0;
	default:
		return 0;
	}
}
