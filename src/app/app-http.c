/*
 * /healthz, /readyz and /metrics (docs/operations.md) on one more vhost of
 * the loop's context: the loop answers them itself, so a wedged loop fails
 * /healthz. GET only, these three paths only; no control goes over HTTP.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app-internal.h"

static void
json_reply(struct httpd_reply *r, int status, json_t *o)
{
	r->status = status;
	r->content_type = "application/json";
	r->body = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
	json_decref(o);
	if (r->body == NULL) {
		r->status = 500;
		return;
	}
	r->len = strlen(r->body);
}

static void
healthz(struct app *a, struct httpd_reply *r)
{
	struct vtime now = loop_now();

	json_reply(r, 200, json_pack("{s:s,s:s,s:s,s:f,s:I}", "status", "ok",
	    "state", bot_state_name(app_worst(a)->state), "phase", bot_phase_name(app_worst(a)->phase),
	    "uptime_seconds", (double)(now.mono_ms - a->start_mono) / 1000.0,
	    "loop_lag_ms", (json_int_t)a->loop.lag_ms));
}

static void
readyz(struct app *a, struct httpd_reply *r)
{
	char why[BOT_REASON_MAX + 64] = "";
	bool ready = app_ready(a, why, sizeof(why));

	json_reply(r, ready ? 200 : 503, json_pack("{s:b,s:s,s:s}", "ready", ready,
	    "state", bot_state_name(app_worst(a)->state), "reason", why));
}

static void
answer(void *ud, const char *path, struct httpd_reply *r)
{
	struct app *a = ud;

	if (strcmp(path, "/healthz") == 0) {
		healthz(a, r);
	} else if (strcmp(path, "/readyz") == 0) {
		readyz(a, r);
	} else if (strcmp(path, "/metrics") == 0) {
		r->body = app_metrics_text(a, &r->len);
		r->status = r->body != NULL ? 200 : 500;
		r->content_type = "text/plain; version=0.0.4; charset=utf-8";
	} else {
		r->status = 404;
		r->content_type = "text/plain";
		r->body = strdup("not found: /healthz, /readyz and /metrics are served\n");
		r->len = r->body != NULL ? strlen(r->body) : 0;
	}
}

int
app_http_start(struct app *a, char *err, size_t errlen)
{
	char addr[HTTPD_ADDR_MAX];
	int port;

	if (a->cfg.listen[0] == '\0')
		return 0;
	if (httpd_parse_listen(a->cfg.listen, addr, sizeof(addr), &port, err, errlen) < 0)
		return -1;
	a->http = httpd_new(a->loop.ctx, addr, port, answer, a, err, errlen);
	if (a->http == NULL)
		return -1;
	if (!httpd_is_loopback(addr))
		LOGF(app_log(a), LOG_WARN, "http", "listening on %s:%d, beyond this machine: "
		    "/healthz, /readyz and /metrics are readable by anyone who reaches it", addr,
		    httpd_port(a->http));
	LOGF(app_log(a), LOG_INFO, "http", "serving /healthz /readyz /metrics on http://%s:%d",
	    addr, httpd_port(a->http));
	return 0;
}
