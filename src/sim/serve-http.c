/*
 * REST (/api/) and control (/_ctl/) over HTTP on lws: collect the method,
 * path, query, Authorization and a bounded body, hand them to the core, and
 * write its answer back (headers, then the body), keeping the connection
 * alive for the next request. Header names need their trailing colon on
 * HTTP/1 (docs/design.md, loop pitfalls 5 and 10).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/adapter.h"

#define HEADER_BUF 4096

/* The method, and the full path from its header: the mount callback's
 * "in" loses the mountpoint for some methods. */
static const char *
method_of(struct lws *wsi, char *path, size_t len)
{
	static const struct {
		enum lws_token_indexes tok;
		const char *name;
	} methods[] = {
		{ WSI_TOKEN_GET_URI, "GET" }, { WSI_TOKEN_POST_URI, "POST" },
		{ WSI_TOKEN_PUT_URI, "PUT" }, { WSI_TOKEN_PATCH_URI, "PATCH" },
		{ WSI_TOKEN_DELETE_URI, "DELETE" },
		{ WSI_TOKEN_HEAD_URI, "HEAD" },
		{ WSI_TOKEN_OPTIONS_URI, "OPTIONS" },
	};
	size_t i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		if (lws_hdr_total_length(wsi, methods[i].tok) <= 0)
			continue;
		if (lws_hdr_copy(wsi, path, (int)len, methods[i].tok) < 0)
			path[0] = '\0';
		return methods[i].name;
	}
	path[0] = '\0';
	return "GET";
}

static void
read_query(struct lws *wsi, char *buf, size_t len)
{
	char frag[256];
	size_t used = 0;
	int i, n;

	buf[0] = '\0';
	for (i = 0; ; i++) {
		n = lws_hdr_copy_fragment(wsi, frag, sizeof(frag),
		    WSI_TOKEN_HTTP_URI_ARGS, i);
		if (n < 0 || used + (size_t)n + 2 >= len)
			break;
		if (i > 0)
			buf[used++] = '&';
		memcpy(buf + used, frag, (size_t)n + 1);
		used += (size_t)n;
	}
}

static int64_t
content_length(struct lws *wsi)
{
	char buf[24];

	if (lws_hdr_copy(wsi, buf, sizeof(buf),
	    WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0)
		return 0;
	return strtoll(buf, NULL, 10);
}

static void
answer(struct sim_server *srv, struct lws *wsi, struct http_pss *pss,
    size_t body_len)
{
	struct sim_http_req req;

	memset(&req, 0, sizeof(req));
	req.method = pss->method;
	req.path = pss->path;
	req.query = pss->query[0] != '\0' ? pss->query : NULL;
	req.authorization = pss->has_auth ? pss->auth : NULL;
	req.body = pss->body;
	req.body_len = body_len;
	sim_http(srv->sim, sim_srv_now(), &req, &pss->resp);
	free(pss->body);
	pss->body = NULL;
	pss->answered = true;
	sim_srv_drain(srv);
	lws_callback_on_writable(wsi);
}

static int
on_http(struct sim_server *srv, struct lws *wsi, struct http_pss *pss)
{
	int64_t cl = content_length(wsi);

	memset(pss, 0, sizeof(*pss));
	snprintf(pss->method, sizeof(pss->method), "%s",
	    method_of(wsi, pss->path, sizeof(pss->path)));
	read_query(wsi, pss->query, sizeof(pss->query));
	pss->has_auth = lws_hdr_copy(wsi, pss->auth, sizeof(pss->auth),
	    WSI_TOKEN_HTTP_AUTHORIZATION) > 0;
	if (cl > SIM_BODY_MAX) {
		/* The core answers 413 on the length alone. */
		pss->too_big = true;
		answer(srv, wsi, pss, (size_t)cl);
	} else if (cl <= 0) {
		answer(srv, wsi, pss, 0);
	}
	return 0;
}

static int
on_body(struct http_pss *pss, const void *in, size_t len)
{
	char *nbody;

	if (pss->too_big || pss->body_len + len > SIM_BODY_MAX) {
		pss->too_big = true;
		return 0;
	}
	if ((nbody = realloc(pss->body, pss->body_len + len)) == NULL)
		return -1;
	pss->body = nbody;
	memcpy(pss->body + pss->body_len, in, len);
	pss->body_len += len;
	return 0;
}

static int
write_headers(struct lws *wsi, struct http_pss *pss)
{
	unsigned char buf[LWS_PRE + HEADER_BUF], *start = buf + LWS_PRE;
	unsigned char *p = start, *end = buf + sizeof(buf) - 1;
	const struct sim_http_resp *r = &pss->resp;
	char name[48];
	int i;

	if (lws_add_http_common_headers(wsi, (unsigned int)r->status,
	    r->content_type != NULL ? r->content_type : "application/json",
	    r->body_len, &p, end) != 0)
		return -1;
	for (i = 0; i < r->nhdr; i++) {
		snprintf(name, sizeof(name), "%s:", r->hdr[i].name);
		if (lws_add_http_header_by_name(wsi, (unsigned char *)name,
		    (unsigned char *)r->hdr[i].value,
		    (int)strlen(r->hdr[i].value), &p, end) != 0)
			return -1;
	}
	return lws_finalize_write_http_header(wsi, start, &p, end) != 0 ?
	    -1 : 0;
}

/* One piece of the body a WRITEABLE: over TLS, a body past one record
 * written at once arrived cut short (a /_ctl/set answer of 4.3 KB). */
#define HTTP_BODY_CHUNK 4096

static int
write_body(struct lws *wsi, struct http_pss *pss)
{
	size_t left = pss->resp.body_len - pss->sent;
	size_t n = left < HTTP_BODY_CHUNK ? left : HTTP_BODY_CHUNK;
	unsigned char *out = malloc(LWS_PRE + n);
	int w;

	if (out == NULL)
		return -1;
	memcpy(out + LWS_PRE, pss->resp.body + pss->sent, n);
	w = lws_write(wsi, out + LWS_PRE, n, n == left ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP);
	free(out);
	if (w < (int)n)
		return -1;
	pss->sent += n;
	return 0;
}

/* Ends the transaction: keep-alive for the next request, or close. */
static int
finish(struct lws *wsi, struct http_pss *pss)
{
	bool close_now = pss->too_big;

	sim_http_resp_free(&pss->resp);
	memset(pss, 0, sizeof(*pss));
	if (close_now)
		return -1;
	return lws_http_transaction_completed(wsi) != 0 ? -1 : 0;
}

static int
on_writeable(struct lws *wsi, struct http_pss *pss)
{
	if (!pss->answered)
		return 0;
	if (pss->stage == 0) {
		if (write_headers(wsi, pss) != 0)
			return -1;
		if (pss->resp.body_len == 0)
			return finish(wsi, pss);
		pss->stage = 1;
		lws_callback_on_writable(wsi);
		return 0;
	}
	if (write_body(wsi, pss) != 0)
		return -1;
	if (pss->sent < pss->resp.body_len) {
		lws_callback_on_writable(wsi);
		return 0;
	}
	return finish(wsi, pss);
}

static void
forget(struct http_pss *pss)
{
	if (pss == NULL)
		return;
	free(pss->body);
	sim_http_resp_free(&pss->resp);
	memset(pss, 0, sizeof(*pss));
}

int
sim_srv_http_callback(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len)
{
	struct sim_server *srv = sim_srv_of(wsi);
	struct http_pss *pss = user;

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		if (srv == NULL || srv->stopping)
			return -1;
		return on_http(srv, wsi, pss);
	case LWS_CALLBACK_HTTP_BODY:
		return on_body(pss, in, len);
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		if (srv == NULL || srv->stopping)
			return -1;
		answer(srv, wsi, pss, pss->too_big ? SIM_BODY_MAX + 1 :
		    pss->body_len);
		return 0;
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return on_writeable(wsi, pss);
	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		forget(pss);
		return 0;
	case LWS_CALLBACK_WSI_DESTROY:
		if (srv != NULL)
			sim_srv_forget(srv, wsi);
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}
