/*
 * The HTTP vhost. A request is answered in its LWS_CALLBACK_HTTP (the
 * owner's answer is synchronous), then written in two writable turns:
 * headers, then the body. The struct lives until lws finalizes the vhost,
 * which may be after httpd_free (docs/design.md "The loop": the teardown order).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/httpd.h"

struct httpd {
	struct lws_vhost *vh;
	struct lws_protocols protos[2];
	struct lws_http_mount mount;    /* "/" to the callback: lws answers 404 itself otherwise */
	char addr[HTTPD_ADDR_MAX];
	int port;
	httpd_answer_fn answer;
	void *ud;
	bool stopping, creating, finalized;
};

struct httpd_pss {
	struct httpd_reply r;
	bool head;
	int stage;                      /* 0 nothing, 1 headers due, 2 body due */
};

int
httpd_parse_listen(const char *spec, char *addr, size_t addrlen, int *port, char *err,
    size_t errlen)
{
	const char *colon = strrchr(spec, ':');
	char *end;
	long p;

	if (colon == NULL || colon == spec || (size_t)(colon - spec) >= addrlen) {
		snprintf(err, errlen, "expected ADDR:PORT, like 127.0.0.1:9464");
		return -1;
	}
	p = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || p < 0 || p > 65535) {
		snprintf(err, errlen, "bad port in %s", spec);
		return -1;
	}
	snprintf(addr, addrlen, "%.*s", (int)(colon - spec), spec);
	*port = (int)p;
	return 0;
}

bool
httpd_is_loopback(const char *addr)
{
	return strncmp(addr, "127.", 4) == 0 || strcmp(addr, "localhost") == 0;
}

static struct httpd *
httpd_of(struct lws *wsi)
{
	return lws_get_vhost(wsi) != NULL ? lws_vhost_user(lws_get_vhost(wsi)) : NULL;
}

/* The full path from the request line (a mount's "in" drops the
 * mountpoint). */
static bool
request_path(struct lws *wsi, enum lws_token_indexes tok, char *path, size_t len)
{
	if (lws_hdr_total_length(wsi, tok) <= 0)
		return false;
	if (lws_hdr_copy(wsi, path, (int)len, tok) < 0)
		path[0] = '\0';
	return true;
}

static int
on_request(struct httpd *h, struct lws *wsi, struct httpd_pss *pss)
{
	static const char not_allowed[] = "only GET of /healthz, /readyz and /metrics\n";
	char path[256];
	bool get = request_path(wsi, WSI_TOKEN_GET_URI, path, sizeof(path));

	pss->head = !get && request_path(wsi, WSI_TOKEN_HEAD_URI, path, sizeof(path));
	memset(&pss->r, 0, sizeof(pss->r));
	if (get || pss->head) {
		h->answer(h->ud, path, &pss->r);
	} else {
		pss->r.status = 405;
		pss->r.content_type = "text/plain";
		pss->r.body = strdup(not_allowed);
		pss->r.len = pss->r.body != NULL ? strlen(pss->r.body) : 0;
	}
	pss->stage = 1;
	lws_callback_on_writable(wsi);
	return 0;
}

static int
write_headers(struct lws *wsi, struct httpd_pss *pss)
{
	unsigned char buf[LWS_PRE + 1024], *start = buf + LWS_PRE, *p = start;
	unsigned char *end = buf + sizeof(buf) - 1;

	if (lws_add_http_common_headers(wsi, (unsigned int)pss->r.status, pss->r.content_type,
	    pss->r.len, &p, end) != 0)
		return -1;
	if (pss->r.status == 405 && lws_add_http_header_by_name(wsi,
	    (const unsigned char *)"allow:", (const unsigned char *)"GET, HEAD", 9, &p, end) != 0)
		return -1;
	return lws_finalize_write_http_header(wsi, start, &p, end) != 0 ? -1 : 0;
}

static int
write_body(struct lws *wsi, struct httpd_pss *pss)
{
	unsigned char *out = malloc(LWS_PRE + pss->r.len);
	int n;

	if (out == NULL)
		return -1;
	memcpy(out + LWS_PRE, pss->r.body, pss->r.len);
	n = lws_write(wsi, out + LWS_PRE, pss->r.len, LWS_WRITE_HTTP_FINAL);
	free(out);
	return n < (int)pss->r.len ? -1 : 0;
}

static int
finish(struct lws *wsi, struct httpd_pss *pss)
{
	free(pss->r.body);
	memset(pss, 0, sizeof(*pss));
	return lws_http_transaction_completed(wsi) != 0 ? -1 : 0;
}

static int
on_writable(struct lws *wsi, struct httpd_pss *pss)
{
	if (pss->stage == 1) {
		if (write_headers(wsi, pss) != 0)
			return -1;
		if (pss->r.len == 0 || pss->head)
			return finish(wsi, pss);
		pss->stage = 2;
		lws_callback_on_writable(wsi);
		return 0;
	}
	if (pss->stage == 2) {
		if (write_body(wsi, pss) != 0)
			return -1;
		return finish(wsi, pss);
	}
	return 0;
}

static int
http_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct httpd *h = httpd_of(wsi);
	struct httpd_pss *pss = user;

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		if (h == NULL || h->stopping)
			return -1;
		return on_request(h, wsi, pss);
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		return 0;
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return on_writable(wsi, pss);
	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		if (pss != NULL) {
			free(pss->r.body);
			memset(pss, 0, sizeof(*pss));
		}
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

static void
on_finalize(struct lws_vhost *vh, void *arg)
{
	struct httpd *h = arg;

	(void)vh;
	if (h->creating)
		h->finalized = true;
	else
		free(h);
}

struct httpd *
httpd_new(struct lws_context *ctx, const char *addr, int port, httpd_answer_fn answer, void *ud,
    char *err, size_t errlen)
{
	struct httpd *h = calloc(1, sizeof(*h));
	struct lws_context_creation_info info;

	if (h == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->answer = answer;
	h->ud = ud;
	snprintf(h->addr, sizeof(h->addr), "%s", strcmp(addr, "localhost") == 0 ? "127.0.0.1" : addr);
	h->protos[0] = (struct lws_protocols){ "vigil-http", http_cb, sizeof(struct httpd_pss), 0,
	    0, NULL, 0 };
	h->mount.mountpoint = "/";
	h->mount.mountpoint_len = 1;
	h->mount.origin = "vigil-http";
	h->mount.origin_protocol = LWSMPRO_CALLBACK;
	memset(&info, 0, sizeof(info));
	info.mounts = &h->mount;
	info.vhost_name = "vigil-http";
	info.port = port;
	info.iface = h->addr;
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
	info.protocols = h->protos;
	info.user = h;
	info.finalize = on_finalize;
	info.finalize_arg = h;
	h->creating = true;
	h->vh = lws_create_vhost(ctx, &info);
	h->creating = false;
	if (h->vh == NULL) {
		snprintf(err, errlen, "cannot listen on %s:%d", h->addr, port);
		if (h->finalized)
			free(h);
		else
			h->stopping = true;     /* lws frees it when it lets the vhost go */
		return NULL;
	}
	h->port = lws_get_vhost_listen_port(h->vh);
	return h;
}

int
httpd_port(const struct httpd *h)
{
	return h->port;
}

void
httpd_free(struct httpd *h)
{
	if (h == NULL)
		return;
	h->stopping = true;
	lws_vhost_destroy(h->vh);
}
