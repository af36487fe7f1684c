/* The core driver for unit tests: see sim-drive.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "sim-drive.h"

#define T0_MONO 1000000
#define T0_WALL 1767225600000LL    /* 2026-01-01 */

void
simt_config(struct sim_config *cfg)
{
	sim_config_defaults(cfg);
	cfg->chatter = 0;
	cfg->identify_spacing = 0;
	cfg->heartbeat_interval = 60000;
}

void
simt_start(struct simt *t, const struct sim_config *cfg)
{
	char err[256];

	t->now.mono_ms = T0_MONO;
	t->now.wall_ms = T0_WALL;
	t->sim = sim_new(cfg, t->now, err, sizeof(err));
	if (t->sim == NULL)
		fail_msg("sim_new: %s", err);
	sim_set_gateway_url(t->sim, "ws://127.0.0.1:1");
}

int
simt_fixture_start(struct simt *t, void (*edit)(struct sim_config *))
{
	struct sim_config cfg;

	simt_config(&cfg);
	if (edit != NULL)
		edit(&cfg);
	simt_start(t, &cfg);
	return 0;
}

void
simt_stop(struct simt *t)
{
	sim_free(t->sim);
	t->sim = NULL;
}

bool
simt_next(struct simt *t, struct sim_action *a, char **data)
{
	if (!sim_next_action(t->sim, a))
		return false;
	*data = NULL;
	if (a->kind == SIM_ACT_SEND) {
		*data = malloc(a->len + 1);
		memcpy(*data, a->data, a->len);
		(*data)[a->len] = '\0';
	}
	sim_action_done(a);
	return true;
}

int
simt_drain(struct simt *t)
{
	struct sim_action a;
	char *data;
	int n = 0;

	while (simt_next(t, &a, &data)) {
		free(data);
		n++;
	}
	return n;
}

json_t *
simt_expect_send(struct simt *t, uint32_t conn)
{
	struct sim_action a;
	json_error_t e;
	char *data;
	json_t *j;

	if (!simt_next(t, &a, &data))
		fail_msg("expected a send to conn %u, got no action", conn);
	if (a.kind != SIM_ACT_SEND || a.conn != conn)
		fail_msg("expected a send to conn %u, got kind %d to %u "
		    "(code %d)", conn, a.kind, a.conn, a.code);
	j = json_loads(data, 0, &e);
	if (j == NULL)
		fail_msg("send is not JSON: %s: %.200s", e.text, data);
	free(data);
	return j;
}

json_t *
simt_expect_dispatch(struct simt *t, uint32_t conn, const char *type)
{
	for (;;) {
		json_t *j = simt_expect_send(t, conn);
		const char *got = json_string_value(json_object_get(j, "t"));

		if (got != NULL && strcmp(got, type) == 0)
			return j;
		json_decref(j);
	}
}

int
simt_expect_close(struct simt *t, uint32_t conn)
{
	struct sim_action a;
	char *data;

	if (!simt_next(t, &a, &data))
		fail_msg("expected a close of conn %u, got no action", conn);
	if (a.kind != SIM_ACT_CLOSE || a.conn != conn)
		fail_msg("expected a close of conn %u, got kind %d to %u: "
		    "%.200s", conn, a.kind, a.conn, data != NULL ? data : "");
	free(data);
	return a.code;
}

uint32_t
simt_open(struct simt *t, const char *path)
{
	struct sim_conn_info info;
	uint32_t id = sim_conn_open(t->sim, t->now, path, &info);
	json_t *hello;

	assert_true(id != 0);
	hello = simt_expect_send(t, id);
	assert_int_equal(json_integer_value(json_object_get(hello, "op")), 10);
	json_decref(hello);
	return id;
}

void
simt_send(struct simt *t, uint32_t conn, const char *fmt, ...)
{
	char buf[8192];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof(buf));
	sim_conn_text(t->sim, t->now, conn, buf, (size_t)n);
}

void
simt_advance(struct simt *t, int64_t ms)
{
	int64_t end = t->now.mono_ms + ms, d;

	while ((d = sim_next_deadline(t->sim)) <= end) {
		if (d > t->now.mono_ms) {
			t->now.wall_ms += d - t->now.mono_ms;
			t->now.mono_ms = d;
		}
		sim_tick(t->sim, t->now);
	}
	t->now.wall_ms += end - t->now.mono_ms;
	t->now.mono_ms = end;
}

uint32_t
simt_identify(struct simt *t, uint32_t intents, char *session, size_t len)
{
	uint32_t c = simt_open(t, "/?v=10&encoding=json");
	json_t *ready;

	simt_send(t, c, "{\"op\":2,\"d\":{\"token\":\"%s\",\"intents\":%u,"
	    "\"properties\":{\"os\":\"linux\",\"browser\":\"t\","
	    "\"device\":\"t\"}}}", sim_config(t->sim)->token, intents);
	ready = simt_expect_dispatch(t, c, "READY");
	if (session != NULL)
		snprintf(session, len, "%s", json_string_value(json_object_get(
		    json_object_get(ready, "d"), "session_id")));
	json_decref(ready);
	simt_drain(t);
	return c;
}

int
simt_http(struct simt *t, const char *method, const char *path,
    const char *auth, const char *body, json_t **out,
    struct sim_http_resp *resp)
{
	struct sim_http_req req;
	char pbuf[512], *q;
	int status;

	snprintf(pbuf, sizeof(pbuf), "%s", path);
	q = strchr(pbuf, '?');
	if (q != NULL)
		*q++ = '\0';
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = pbuf;
	req.query = q;
	req.authorization = auth;
	req.body = body;
	req.body_len = body != NULL ? strlen(body) : 0;
	sim_http(t->sim, t->now, &req, resp);
	status = resp->status;
	if (out != NULL)
		*out = resp->body != NULL ? json_loadb(resp->body,
		    resp->body_len, 0, NULL) : NULL;
	return status;
}

const char *
simt_header(const struct sim_http_resp *r, const char *name)
{
	int i;

	for (i = 0; i < r->nhdr; i++) {
		if (strcasecmp(r->hdr[i].name, name) == 0)
			return r->hdr[i].value;
	}
	return NULL;
}
