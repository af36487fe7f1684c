/*
 * A small HTTP server on the loop's context (docs/operations.md): one more
 * lws vhost, no thread, GET only. Each request's path is handed to the
 * owner, which fills in the answer at once; a method other than GET (or
 * HEAD) gets 405 without reaching it. For /healthz, /readyz, /metrics.
 */
#ifndef VIGIL_NET_HTTPD_H
#define VIGIL_NET_HTTPD_H

#include <stdbool.h>
#include <stddef.h>

#include <libwebsockets.h>

#define HTTPD_ADDR_MAX 64

struct httpd_reply {
	int status;
	const char *content_type;       /* static */
	char *body;                     /* malloc'd; the server frees it */
	size_t len;
};

/* Fills r for a GET of path (no query string). */
typedef void (*httpd_answer_fn)(void *ud, const char *path, struct httpd_reply *r);

struct httpd;

/* Splits "ADDR:PORT" (an IPv4 address or "localhost"; port 0 picks a free
 * one). 0, or -1 with a message. */
int httpd_parse_listen(const char *spec, char *addr, size_t addrlen, int *port, char *err,
    size_t errlen);
/* True for 127.0.0.0/8 and "localhost". */
bool httpd_is_loopback(const char *addr);
/* Listens on addr:port in ctx. NULL with a message. */
struct httpd *httpd_new(struct lws_context *ctx, const char *addr, int port, httpd_answer_fn answer, void *ud, char *err, size_t errlen);
/* The port bound (useful after port 0). */
int httpd_port(const struct httpd *h);
/* Stops answering and closes the vhost (lws frees it later). */
void httpd_free(struct httpd *h);

#endif
