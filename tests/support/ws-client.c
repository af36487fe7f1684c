/* A blocking websocket test client on lws: see ws-client.h. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include <libwebsockets.h>

#include "ws-client.h"

#define WSC_IN_MAX (64u << 20)

struct wsc_msg {
	struct wsc_msg *next;
	size_t len;
	bool ping;                        /* out: a ping, not a text message */
	char data[];
};

struct wsc {
	struct lws_context *ctx;
	struct lws *wsi;
	lws_sorted_usec_list_t sul;
	bool connected, failed, closed, keep;
	int close_code;
	struct wsc_msg *head, *tail;      /* received */
	struct wsc_msg *out_head, *out_tail;
	int want_close;
	bool want_drop;
	unsigned char *in;
	size_t in_len, in_cap;
	bool zlib, z_ready;
	z_stream z;
	ZSTD_DStream *zd;                 /* zstd-stream */
	unsigned long nmsgs, npongs;
	size_t nbytes;
};

/* The message appended, or NULL. */
static struct wsc_msg *
push(struct wsc_msg **head, struct wsc_msg **tail, const void *data,
    size_t len)
{
	struct wsc_msg *m = malloc(sizeof(*m) + len + 1);

	if (m == NULL)
		return NULL;
	m->next = NULL;
	m->len = len;
	m->ping = false;
	memcpy(m->data, data, len);
	m->data[len] = '\0';
	if (*tail != NULL)
		(*tail)->next = m;
	else
		*head = m;
	*tail = m;
	return m;
}

/* One step of decompressing src into buf[*used..cap): -1 on a corrupt
 * stream, 1 when the message is all out, 0 when it needs more room. */
static int
unpack_step(struct wsc *c, ZSTD_inBuffer *src, unsigned char *buf,
    size_t cap, size_t *used)
{
	ZSTD_outBuffer dst = { buf, cap, *used };
	size_t zrc;
	int rc;

	if (c->zd != NULL) {
		zrc = ZSTD_decompressStream(c->zd, &dst, src);
		*used = dst.pos;
		if (ZSTD_isError(zrc))
			return -1;
		return src->pos == src->size && dst.pos < cap;
	}
	c->z.next_in = (Bytef *)(uintptr_t)src->src + src->pos;
	c->z.avail_in = (uInt)(src->size - src->pos);
	c->z.next_out = buf + *used;
	c->z.avail_out = (uInt)(cap - *used);
	rc = inflate(&c->z, Z_SYNC_FLUSH);
	src->pos = src->size - c->z.avail_in;
	*used = cap - c->z.avail_out;
	if (rc != Z_OK && rc != Z_BUF_ERROR)
		return -1;
	return c->z.avail_in == 0 && c->z.avail_out != 0;
}

/* Decompresses one zlib-stream or zstd-stream message; NULL on a corrupt
 * stream. */
static unsigned char *
unpack_msg(struct wsc *c, const unsigned char *in, size_t len, size_t *out)
{
	ZSTD_inBuffer src = { in, len, 0 };
	size_t cap = len * 4 + 1024, used = 0;
	unsigned char *buf = malloc(cap), *nbuf;
	int rc;

	while (buf != NULL) {
		if ((rc = unpack_step(c, &src, buf, cap, &used)) < 0)
			break;
		if (rc == 1) {
			*out = used;
			return buf;
		}
		cap *= 2;
		nbuf = realloc(buf, cap);
		if (nbuf == NULL)
			break;
		buf = nbuf;
	}
	free(buf);
	return NULL;
}

static void
on_message(struct wsc *c, bool binary)
{
	unsigned char *plain;
	size_t len;

	c->nmsgs++;
	c->nbytes += c->in_len;
	if (!c->keep)
		return;
	if (binary && (c->z_ready || c->zd != NULL)) {
		plain = unpack_msg(c, c->in, c->in_len, &len);
		if (plain != NULL)
			push(&c->head, &c->tail, plain, len);
		free(plain);
		return;
	}
	push(&c->head, &c->tail, c->in, c->in_len);
}

static int
on_receive(struct wsc *c, struct lws *wsi, const void *in, size_t len)
{
	unsigned char *n;

	if (c->in_len + len > c->in_cap) {
		size_t cap = (c->in_len + len) * 2;

		if (cap > WSC_IN_MAX || (n = realloc(c->in, cap)) == NULL)
			return -1;
		c->in = n;
		c->in_cap = cap;
	}
	memcpy(c->in + c->in_len, in, len);
	c->in_len += len;
	if (lws_is_final_fragment(wsi)) {
		on_message(c, lws_frame_is_binary(wsi));
		c->in_len = 0;
	}
	return 0;
}

/*
 * The close frame, written raw rather than by lws_close_reason(): so lws
 * takes the server's echo for the server's own close and reports its code
 * (WS_PEER_INITIATED_CLOSE), where it drops an ack's payload unseen. RFC
 * 6455 §5.2: FIN and close, masked (a zero key), the code and "test".
 */
static int
write_close(struct wsc *c, struct lws *wsi)
{
	unsigned char f[LWS_PRE + 12] = { [LWS_PRE] = 0x88, 0x80 | 6 };

	f[LWS_PRE + 6] = (unsigned char)(c->want_close >> 8);
	f[LWS_PRE + 7] = (unsigned char)c->want_close;
	memcpy(f + LWS_PRE + 8, "test", 4);
	c->want_close = 0;
	return lws_write(wsi, f + LWS_PRE, 12, LWS_WRITE_RAW) < 12 ? -1 : 0;
}

static int
on_writeable(struct wsc *c, struct lws *wsi)
{
	struct wsc_msg *m = c->out_head;
	unsigned char *buf;
	int n;

	if (c->want_drop)
		return -1;
	if (m == NULL && c->want_close != 0)
		return write_close(c, wsi);
	if (m == NULL)
		return 0;
	if ((buf = malloc(LWS_PRE + m->len)) == NULL)
		return -1;
	memcpy(buf + LWS_PRE, m->data, m->len);
	n = lws_write(wsi, buf + LWS_PRE, m->len,
	    m->ping ? LWS_WRITE_PING : LWS_WRITE_TEXT);
	free(buf);
	c->out_head = m->next;
	if (c->out_head == NULL)
		c->out_tail = NULL;
	free(m);
	if (c->out_head != NULL || c->want_close != 0)
		lws_callback_on_writable(wsi);
	return n < 0 ? -1 : 0;
}

static int
callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct wsc *c = lws_context_user(lws_get_context(wsi));
	const unsigned char *p = in;

	(void)user;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		c->connected = true;
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		c->failed = c->closed = true;
		c->wsi = NULL;
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		return on_receive(c, wsi, in, len);
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return on_writeable(c, wsi);
	case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
		c->npongs++;
		break;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		if (len >= 2)
			c->close_code = p[0] << 8 | p[1];
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		c->closed = true;
		c->wsi = NULL;
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "wsc", callback, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

/* Ends the wait in poll(): the timer can fire just before it (when due
 * within its millisecond), which would then sleep until lws's own next
 * timer, up to 30 s later. */
static void
wake(lws_sorted_usec_list_t *sul)
{
	lws_cancel_service(lws_container_of(sul, struct wsc, sul)->ctx);
}

/* Services the loop until done(c) or the deadline; whether done. */
static bool
run_until(struct wsc *c, lws_usec_t deadline, bool (*done)(struct wsc *))
{
	lws_usec_t now;

	while (!done(c)) {
		now = lws_now_usecs();
		if (now >= deadline)
			return false;
		lws_sul_schedule(c->ctx, 0, &c->sul, wake, deadline - now);
		lws_service(c->ctx, 0);
	}
	lws_sul_cancel(&c->sul);
	return true;
}

static bool
is_closed(struct wsc *c)
{
	return c->closed;
}

static bool
settled(struct wsc *c)
{
	return c->connected || c->failed || c->closed;
}

struct wsc *
wsc_connect2(int port, const char *path, int timeout_ms, bool *failed_fast)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info ci;
	struct wsc *c = calloc(1, sizeof(*c));
	lws_usec_t deadline;

	*failed_fast = false;
	lws_set_log_level(0, NULL);
	c->close_code = -1;
	c->keep = true;
	c->zlib = strstr(path, "compress=zlib-stream") != NULL;
	if (c->zlib)
		c->z_ready = inflateInit(&c->z) == Z_OK;
	if (strstr(path, "compress=zstd-stream") != NULL)
		c->zd = ZSTD_createDStream();
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.user = c;
	info.fd_limit_per_thread = 64;
	if ((c->ctx = lws_create_context(&info)) == NULL) {
		wsc_free(c);
		return NULL;
	}
	memset(&ci, 0, sizeof(ci));
	ci.context = c->ctx;
	ci.address = "127.0.0.1";
	ci.port = port;
	ci.path = path;
	ci.host = ci.origin = "127.0.0.1";
	ci.local_protocol_name = "wsc";
	ci.pwsi = &c->wsi;
	if (lws_client_connect_via_info(&ci) == NULL)
		c->failed = true;
	deadline = lws_now_usecs() + timeout_ms * 1000LL;
	/* lws may sleep past our timer: a late success is a timeout too. */
	if (!run_until(c, deadline, settled) || !c->connected ||
	    lws_now_usecs() > deadline + 20000) {
		*failed_fast = c->failed;
		wsc_free(c);
		return NULL;
	}
	return c;
}

struct wsc *
wsc_connect(int port, const char *path, int timeout_ms)
{
	bool fast;

	return wsc_connect2(port, path, timeout_ms, &fast);
}

void
wsc_free(struct wsc *c)
{
	struct wsc_msg *m, *next;

	if (c == NULL)
		return;
	if (c->ctx != NULL)
		lws_context_destroy(c->ctx);
	for (m = c->head; m != NULL; m = next) {
		next = m->next;
		free(m);
	}
	for (m = c->out_head; m != NULL; m = next) {
		next = m->next;
		free(m);
	}
	if (c->z_ready)
		inflateEnd(&c->z);
	ZSTD_freeDStream(c->zd);
	free(c->in);
	free(c);
}

static bool
sent(struct wsc *c)
{
	return c->out_head == NULL || c->closed;
}

/* Writes data as a text message or a ping, before returning, so sends and
 * REST calls keep order. */
static int
send_out(struct wsc *c, const char *data, size_t len, bool ping)
{
	struct wsc_msg *m;

	if (c->closed || c->wsi == NULL ||
	    (m = push(&c->out_head, &c->out_tail, data, len)) == NULL)
		return -1;
	m->ping = ping;
	lws_callback_on_writable(c->wsi);
	return run_until(c, lws_now_usecs() + 2000000, sent) ? 0 : -1;
}

int
wsc_send_raw(struct wsc *c, const char *data, size_t len)
{
	return send_out(c, data, len, false);
}

int
wsc_ping(struct wsc *c, const char *payload)
{
	return send_out(c, payload, strlen(payload), true);
}

int
wsc_send(struct wsc *c, const char *fmt, ...)
{
	char buf[16384];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -1;
	return wsc_send_raw(c, buf, (size_t)n);
}

static bool
has_news(struct wsc *c)
{
	return c->head != NULL || c->closed;
}

enum wsc_event
wsc_recv(struct wsc *c, int timeout_ms, char **msg, size_t *len)
{
	struct wsc_msg *m;

	run_until(c, lws_now_usecs() + timeout_ms * 1000LL, has_news);
	if ((m = c->head) == NULL)
		return c->closed ? WSC_CLOSED : WSC_TIMEOUT;
	c->head = m->next;
	if (c->head == NULL)
		c->tail = NULL;
	*len = m->len;
	*msg = malloc(m->len + 1);
	memcpy(*msg, m->data, m->len + 1);
	free(m);
	return WSC_MESSAGE;
}

json_t *
wsc_recv_json(struct wsc *c, int timeout_ms)
{
	char *msg;
	size_t len;
	json_t *j;

	if (wsc_recv(c, timeout_ms, &msg, &len) != WSC_MESSAGE)
		return NULL;
	j = json_loadb(msg, len, 0, NULL);
	free(msg);
	return j;
}

static json_t *
wait_for(struct wsc *c, const char *t, int op, int timeout_ms)
{
	lws_usec_t deadline = lws_now_usecs() + timeout_ms * 1000LL;
	json_t *j;

	for (;;) {
		lws_usec_t left = deadline - lws_now_usecs();

		if (left <= 0)
			return NULL;
		if ((j = wsc_recv_json(c, (int)(left / 1000) + 1)) == NULL)
			return NULL;
		if (t != NULL && json_is_string(json_object_get(j, "t")) &&
		    strcmp(json_string_value(json_object_get(j, "t")), t) == 0)
			return j;
		if (t == NULL && json_integer_value(json_object_get(j, "op")) ==
		    op)
			return j;
		json_decref(j);
	}
}

json_t *
wsc_wait_dispatch(struct wsc *c, const char *t, int timeout_ms)
{
	return wait_for(c, t, -1, timeout_ms);
}

json_t *
wsc_wait_op(struct wsc *c, int op, int timeout_ms)
{
	return wait_for(c, NULL, op, timeout_ms);
}

int
wsc_wait_closed(struct wsc *c, int timeout_ms)
{
	if (!run_until(c, lws_now_usecs() + timeout_ms * 1000LL, is_closed))
		return -2;
	return c->close_code;
}

void
wsc_close(struct wsc *c, int code)
{
	if (c->wsi == NULL)
		return;
	c->want_close = code;
	lws_callback_on_writable(c->wsi);
	run_until(c, lws_now_usecs() + 2000000, is_closed);
}

void
wsc_drop(struct wsc *c)
{
	if (c->wsi == NULL)
		return;
	c->want_drop = true;
	lws_callback_on_writable(c->wsi);
	run_until(c, lws_now_usecs() + 2000000, is_closed);
}

bool
wsc_is_closed(const struct wsc *c)
{
	return c->closed;
}

unsigned long
wsc_messages(const struct wsc *c)
{
	return c->nmsgs;
}

size_t
wsc_bytes(const struct wsc *c)
{
	return c->nbytes;
}

unsigned long
wsc_pongs(const struct wsc *c)
{
	return c->npongs;
}

void
wsc_hold(struct wsc *c, bool hold)
{
	if (c->wsi != NULL)
		lws_rx_flow_control(c->wsi, !hold);
}

void
wsc_pump(struct wsc *c, int ms, bool keep)
{
	c->keep = keep;
	run_until(c, lws_now_usecs() + ms * 1000LL, is_closed);
	c->keep = true;
}
