/*
 * The control API under /_ctl/: JSON in, JSON out, loopback only, no auth.
 *
 *   GET  /_ctl/faults      the fault catalog (name, help, args)
 *   POST /_ctl/fault       {"fault":"close","code":4000} -> {"ok":true,...}
 *   GET  /_ctl/settings    every setting with its value and help
 *   POST /_ctl/set         {"heartbeat_interval":1000,...}, all or nothing
 *   GET  /_ctl/counters    what the emulator did
 *   GET  /_ctl/sessions    connections and sessions
 *   GET  /_ctl/messages    the message store, oldest first
 *   POST /_ctl/scenario    a scenario file's text (scenario.c)
 *
 * Bad input is a 400 with {"error": "..."} that says what to fix.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/faults.h"

/* A JSON value as the text sim_config_set() parses; NULL if unusable. */
static const char *
value_text(json_t *v, char *buf, size_t len)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v))
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, len, "%.17g", json_real_value(v));
	else
		return NULL;
	return buf;
}

static void
apply_changes(struct sim *sim, struct vtime now, json_t *obj,
    const struct sim_config *old)
{
	if (json_object_get(obj, "token") != NULL)
		sim->token_revoked = false;
	if (json_object_get(obj, "session_remaining") != NULL)
		sim_budget_set_remaining(sim, sim->cfg.session_remaining);
	else if (sim->budget.remaining > sim->cfg.session_limit)
		sim_budget_set_remaining(sim, sim->cfg.session_limit);
	if (sim->cfg.chatter != old->chatter)
		sim_msg_chatter_reschedule(sim, now);
	if (sim->cfg.chaos != old->chaos)
		sim_chaos_reschedule(sim, now);
}

int
sim_ctl_prepare_set(const struct sim *sim, json_t *obj, struct sim_config *next,
    char *err, size_t errlen)
{
	const struct sim_setting *st;
	const char *key, *text;
	char buf[64];
	json_t *v;

	*next = sim->cfg;
	if (!json_is_object(obj) || json_object_size(obj) == 0) {
		snprintf(err, errlen, "expected an object of settings, e.g. "
		    "{\"heartbeat_interval\":1000}");
		return -1;
	}
	json_object_foreach(obj, key, v) {
		if ((st = sim_setting_find(key)) != NULL && !st->live) {
			snprintf(err, errlen, "%s can only be set at start "
			    "(a vigil-sim flag)", st->name);
			return -1;
		}
		if ((text = value_text(v, buf, sizeof(buf))) == NULL) {
			snprintf(err, errlen, "%s: expected a number or a "
			    "string", key);
			return -1;
		}
		if (sim_config_set(next, key, text, err, errlen) != 0)
			return -1;
	}
	return 0;
}

int
sim_set(struct sim *sim, struct vtime now, json_t *obj, char *err,
    size_t errlen)
{
	struct sim_config next, old = sim->cfg;

	if (sim_ctl_prepare_set(sim, obj, &next, err, errlen) != 0)
		return -1;
	sim->cfg = next;
	apply_changes(sim, now, obj, &old);
	return 0;
}

json_t *
sim_settings_json(const struct sim *sim)
{
	static const char *const types[] = { "int", "ms", "number", "string" };
	const struct sim_setting *st;
	json_t *arr = json_array();
	char buf[SIM_TOKEN_MAX];
	size_t n, i;

	st = sim_settings(&n);
	for (i = 0; i < n; i++) {
		sim_config_get(&sim->cfg, &st[i], buf, sizeof(buf));
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:b,"
		    " s:f, s:f, s:s}", "name", st[i].name, "value", buf,
		    "type", types[st[i].type], "live", st[i].live,
		    "min", st[i].min, "max", st[i].max, "help", st[i].help));
	}
	return arr;
}

static void
post_fault(struct sim *sim, struct vtime now, json_t *body,
    struct sim_http_resp *r)
{
	json_t *name = json_object_get(body, "fault");
	char err[256];
	int n;

	if (!json_is_string(name)) {
		sim_resp_ctl_error(r, 400, "expected {\"fault\": NAME, ...args}; "
		    "GET /_ctl/faults lists the faults");
		return;
	}
	n = sim_fault(sim, now, json_string_value(name), body, err,
	    sizeof(err));
	if (n < 0) {
		sim_resp_ctl_error(r, 400, "%s", err);
		return;
	}
	sim_resp_json(r, 200, json_pack("{s:b, s:O, s:i}", "ok", 1, "fault", name,
	    "affected", n));
}

static void
post_set(struct sim *sim, struct vtime now, json_t *body,
    struct sim_http_resp *r)
{
	char err[256];

	if (sim_set(sim, now, body, err, sizeof(err)) != 0)
		sim_resp_ctl_error(r, 400, "%s", err);
	else
		sim_resp_json(r, 200, json_pack("{s:b, s:o}", "ok", 1,
		    "settings", sim_settings_json(sim)));
}

static void
post_scenario(struct sim *sim, struct vtime now,
    const struct sim_http_req *req, struct sim_http_resp *r)
{
	char err[256], *text;
	int n;

	/* The body is not NUL-terminated; the parser wants a string. */
	text = malloc(req->body_len + 1);
	if (text == NULL) {
		sim_resp_ctl_error(r, 500, "out of memory");
		return;
	}
	memcpy(text, req->body != NULL ? req->body : "", req->body_len);
	text[req->body_len] = '\0';
	n = sim_scenario_load(sim, now, text, err, sizeof(err));
	free(text);
	if (n < 0)
		sim_resp_ctl_error(r, 400, "scenario: %s", err);
	else
		sim_resp_json(r, 200, json_pack("{s:b, s:i}", "ok", 1, "lines", n));
}

/* The body as a JSON object, or NULL with a 400 in r. */
static json_t *
body_object(const struct sim_http_req *req, struct sim_http_resp *r)
{
	json_error_t e;
	json_t *o;

	o = json_loadb(req->body != NULL ? req->body : "", req->body_len, 0,
	    &e);
	if (o == NULL) {
		sim_resp_ctl_error(r, 400, "body is not JSON: %s (line %d, "
		    "column %d)", e.text, e.line, e.column);
		return NULL;
	}
	if (!json_is_object(o)) {
		json_decref(o);
		sim_resp_ctl_error(r, 400, "body must be a JSON object");
		return NULL;
	}
	return o;
}

static void
post(struct sim *sim, struct vtime now, const char *what,
    const struct sim_http_req *req, struct sim_http_resp *r)
{
	json_t *body;

	if (strcmp(what, "scenario") == 0) {
		post_scenario(sim, now, req, r);
		return;
	}
	if ((body = body_object(req, r)) == NULL)
		return;
	if (strcmp(what, "fault") == 0)
		post_fault(sim, now, body, r);
	else
		post_set(sim, now, body, r);
	json_decref(body);
}

static json_t *
get(struct sim *sim, struct vtime now, size_t which)
{
	switch (which) {
	case 0:
		return sim_fault_catalog();
	case 1:
		return sim_settings_json(sim);
	case 2:
		return sim_counters_json(sim, now);
	case 3:
		return sim_webhooks_json(sim);
	case 4:
		return sim_msg_store_json(sim);
	default:
		return sim_sessions_json(sim, now);
	}
}

static void
ctl_handle(struct sim *sim, struct vtime now, const struct sim_http_req *req,
    struct sim_http_resp *r)
{
	static const char *const gets[] = { "faults", "settings", "counters",
	    "webhooks", "messages", "sessions" };
	static const char *const posts[] = { "fault", "set", "scenario" };
	const char *what = req->path + strlen("/_ctl/");
	bool is_get = strcmp(req->method, "GET") == 0;
	bool is_post = strcmp(req->method, "POST") == 0;
	size_t i;

	for (i = 0; i < sizeof(gets) / sizeof(gets[0]); i++) {
		if (strcmp(what, gets[i]) != 0)
			continue;
		if (is_get)
			sim_resp_json(r, 200, get(sim, now, i));
		else
			sim_resp_ctl_error(r, 405, "use GET for /_ctl/%s", what);
		return;
	}
	for (i = 0; i < sizeof(posts) / sizeof(posts[0]); i++) {
		if (strcmp(what, posts[i]) != 0)
			continue;
		if (is_post)
			post(sim, now, what, req, r);
		else
			sim_resp_ctl_error(r, 405, "use POST for /_ctl/%s", what);
		return;
	}
	sim_resp_ctl_error(r, 404, "no control endpoint %s; there are GET "
	    "/_ctl/{faults,settings,counters,webhooks,messages,sessions} and POST "
	    "/_ctl/{fault,set,scenario}", req->path);
}

void
sim_http(struct sim *sim, struct vtime now, const struct sim_http_req *req,
    struct sim_http_resp *r)
{
	bool ctl = strncmp(req->path, "/_ctl/", 6) == 0;

	memset(r, 0, sizeof(*r));
	if (req->body_len > SIM_BODY_MAX) {
		if (ctl) {
			sim_resp_ctl_error(r, 413, "body larger than %d bytes",
			    SIM_BODY_MAX);
			return;
		}
		sim_resp_error(r, 413, 40005, "Request entity too large");
		sim_resp_header(r, "Via", "1.1 google");
		return;
	}
	if (ctl)
		ctl_handle(sim, now, req, r);
	else if (strncmp(req->path, "/api/", 5) == 0)
		sim_rest_handle(sim, now, req, r);
	else
		sim_resp_error(r, 404, 0, "404: Not Found");
}
