/*
 * Building HTTP answers: headers, JSON bodies, Discord's error bodies
 * ({message, code}), the control API's ({error}), and the 429 body with
 * its float retry_after. A response owns its body until sim_http_resp_free.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core.h"

void
sim_resp_header(struct sim_http_resp *r, const char *name, const char *fmt, ...)
{
	struct sim_http_hdr *h;
	va_list ap;

	if (r->nhdr >= SIM_HDR_MAX)
		return;
	h = &r->hdr[r->nhdr++];
	snprintf(h->name, sizeof(h->name), "%s", name);
	va_start(ap, fmt);
	vsnprintf(h->value, sizeof(h->value), fmt, ap);
	va_end(ap);
}

/* Steals body. */
void
sim_resp_json(struct sim_http_resp *r, int status, json_t *body)
{
	free(r->body);
	r->status = status;
	r->content_type = "application/json";
	r->body = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
	r->body_len = r->body != NULL ? strlen(r->body) : 0;
	json_decref(body);
}

void
sim_resp_error(struct sim_http_resp *r, int status, int code, const char *message)
{
	sim_resp_json(r, status, json_pack("{s:s, s:i}", "message", message,
	    "code", code));
}

void
sim_resp_ctl_error(struct sim_http_resp *r, int status, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sim_resp_json(r, status, json_pack("{s:s}", "error", msg));
}

/*
 * retry_after is a float in the body (3 decimals, like Discord's) and whole
 * seconds rounded up in Retry-After.
 */
void
sim_resp_too_many(struct sim_http_resp *r, double retry_after, bool global,
    const char *scope)
{
	double rounded = ceil(retry_after * 1000.0) / 1000.0;

	sim_resp_json(r, 429, json_pack("{s:s, s:f, s:b}",
	    "message", "You are being rate limited.",
	    "retry_after", rounded, "global", global));
	sim_resp_header(r, "Retry-After", "%.0f", ceil(retry_after));
	if (global)
		sim_resp_header(r, "X-RateLimit-Global", "true");
	sim_resp_header(r, "X-RateLimit-Scope", "%s", scope);
}

void
sim_http_resp_free(struct sim_http_resp *r)
{
	free(r->body);
	r->body = NULL;
	r->body_len = 0;
}
