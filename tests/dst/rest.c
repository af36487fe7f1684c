/*
 * The REST path, as src/net's libcurl transport would carry it: ACT_HTTP
 * becomes a request to the emulator ("/api/v10" + path, the token in
 * Authorization), its answer's headers go through rlq_headers_line like
 * real header lines, and both legs take the network's latency. What can go
 * wrong: the request never arrives (a transport error), it arrives and the
 * answer is lost (the emulator acted, the bot sees an error: a retried POST
 * then posts twice), the emulator holds it (the stall fault) or a partition
 * holds it, and past DST_HTTP_TIMEOUT the bot hears "timed out".
 */
#include <stdlib.h>
#include <string.h>

#include "world.h"

void
hreq_unref(struct hreq *r)
{
	if (r == NULL || --r->refs > 0)
		return;
	free(r->path);
	free(r->body);
	free(r->rbody);
	free(r);
}

char *
dst_copy(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (p == NULL)
		abort();
	if (n > 0)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static struct ev *
req_ev(struct world *w, struct hreq *r, enum ev_kind kind, int64_t at)
{
	struct ev *e = dst_ev(w, kind, at);

	e->req = r;
	r->refs++;
	return e;
}

/* The bot hears a transport error at `at`. */
static void
fail_at(struct world *w, struct hreq *r, int64_t at, const char *why)
{
	struct ev *e = req_ev(w, r, EV_HTTP_RESP, at);

	snprintf(e->reason, sizeof(e->reason), "%s", why);
	e->code = 1;
}

void
rest_bot_send(struct world *w, const struct action *a)
{
	struct hreq *r = calloc(1, sizeof(*r));
	int64_t at, t = w->now.mono_ms;

	if (r == NULL)
		abort();
	r->refs = 1;
	r->gen = w->gen;
	r->id = a->http_id;
	snprintf(r->method, sizeof(r->method), "%s", a->method);
	r->path = dst_copy(a->path, strlen(a->path));
	r->body = a->body != NULL ? dst_copy(a->body, a->body_len) : NULL;
	r->body_len = a->body != NULL ? a->body_len : 0;
	rlq_route_key(r->method, r->path, r->route, sizeof(r->route));
	r->sent_at = t;
	r->nonce = -1;
	w->st.rest_sent++;
	rc_sent(w, r);
	at = net_deliver_at(w, &w->fifo_rest_req, w->prof.rest_lat);
	if (at - t > DST_HTTP_TIMEOUT) {
		fail_at(w, r, t + DST_HTTP_TIMEOUT, "operation timed out");
	} else if (t < w->net.rest_err_until && dst_unit(w) < 0.5) {
		fail_at(w, r, at, "connection reset by peer");
	} else {
		struct ev *e = req_ev(w, r, EV_HTTP_REQ, at);

		/* The other half of the errors: it arrives, the answer does not. */
		e->code = t < w->net.rest_err_until;
	}
	hreq_unref(r);
}

void
dst_read_headers(struct rlq_headers *h, const struct sim_http_resp *resp)
{
	char line[160];

	rlq_headers_init(h);
	for (int i = 0; i < resp->nhdr; i++) {
		int n = snprintf(line, sizeof(line), "%s: %s\r\n", resp->hdr[i].name,
		    resp->hdr[i].value);

		if (n > 0 && (size_t)n < sizeof(line))
			rlq_headers_line(h, line, (size_t)n);
	}
}

/* The emulator answers; lose_answer: the answer never comes back. */
static void
serve(struct world *w, struct hreq *r, bool lose_answer)
{
	struct sim_http_req req;
	struct sim_http_resp resp;
	char path[RLQ_ROUTE_MAX + 64], auth[DST_TOKEN_MAX + 8], *q;
	int64_t at;

	snprintf(path, sizeof(path), "/api/v10%s", r->path);
	q = strchr(path, '?');
	if (q != NULL)
		*q++ = '\0';
	snprintf(auth, sizeof(auth), "Bot %s", w->token);
	memset(&req, 0, sizeof(req));
	req.method = r->method;
	req.path = path;
	req.query = q;
	req.authorization = auth;
	req.body = r->body;
	req.body_len = r->body_len;
	if (r->answered || r->gen != w->gen)
		rc_foreign(w, r);
	sim_http(w->sim, w->now, &req, &resp);
	r->status = resp.status;
	dst_read_headers(&r->h, &resp);
	r->rbody = dst_copy(resp.body != NULL ? resp.body : "", resp.body_len);
	r->rlen = resp.body_len;
	sim_http_resp_free(&resp);
	dst_drain_sim(w);                       /* a POST is a MESSAGE_CREATE */
	if (r->answered)
		return;
	at = net_deliver_at(w, &w->fifo_rest_resp, w->prof.rest_lat);
	if (lose_answer)
		fail_at(w, r, at, "connection reset by peer");
	else if (at - r->sent_at > DST_HTTP_TIMEOUT)
		fail_at(w, r, r->sent_at + DST_HTTP_TIMEOUT, "operation timed out");
	else
		req_ev(w, r, EV_HTTP_RESP, at);
}

static void
on_request(struct world *w, struct ev *e)
{
	struct hreq *r = e->req;

	if (sim_tcp_accept(w->sim, w->now) == SIM_ADMIT_HOLD) {
		w->st.rest_held++;
		r->refs++;
		r->next_held = w->held;
		w->held = r;
		fail_at(w, r, r->sent_at + DST_HTTP_TIMEOUT, "operation timed out");
		return;
	}
	serve(w, r, e->code != 0);
}

void
rest_release_held(struct world *w)
{
	struct hreq *r = w->held, *next;

	w->held = NULL;
	for (; r != NULL; r = next) {
		next = r->next_held;
		serve(w, r, false);
		hreq_unref(r);
	}
}

static void
on_answer(struct world *w, struct ev *e)
{
	struct hreq *r = e->req;
	bool error = e->code != 0;

	if (r->answered)
		return;
	r->answered = true;
	if (error) {
		r->status = 0;
		snprintf(r->err, sizeof(r->err), "%s", e->reason);
	}
	if (w->bot == NULL || r->gen != w->gen)
		return;
	if (error)
		w->st.rest_err++;
	else if (r->status >= 200 && r->status < 300)
		w->st.rest_2xx++;
	else if (r->status >= 500)
		w->st.rest_5xx++;
	rc_answered(w, r);
	dst_trace(w, "rest: %s %s -> %d%s%s", r->method, r->path, r->status,
	    error ? " " : "", error ? r->err : "");
	bot_on_http(w->bot, dst_bot_now(w), r->id, r->status, error ? NULL : &r->h,
	    error ? NULL : r->rbody, error ? 0 : r->rlen, error ? r->err : NULL);
	dst_drain_bot(w);
}

void
rest_event(struct world *w, struct ev *e)
{
	if (e->kind == EV_HTTP_REQ)
		on_request(w, e);
	else
		on_answer(w, e);
}
