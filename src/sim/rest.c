/*
 * The REST API under /api/v10 (v9 accepted): a route table, and the order
 * Discord checks a request in: Cloudflare ban, authorization, REST faults,
 * the global limit, the route's bucket, then the handler. Every answer but
 * a ban carries "Via: 1.1 google", which peers use to tell an API 429 from
 * a Cloudflare one.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core.h"

struct route_req {
	struct sim *sim;
	struct vtime now;
	const struct sim_http_req *req;
	uint64_t id;                  /* the route's snowflake, if any */
	struct sim_http_resp *resp;
};

typedef void route_fn(struct route_req *);

struct route {
	const char *method;
	const char *pattern;          /* "#" matches a snowflake */
	bool auth;
	bool major;                   /* the id names a top-level resource */
	route_fn *fn;
	struct rl_route rl;           /* limit 0: no bucket */
};

static route_fn get_gateway, get_gateway_bot, get_channel, get_messages,
    post_message, get_guild, get_me, get_user, post_webhook;

static const struct route routes[] = {
	{ "GET", "gateway", false, false, get_gateway, { NULL, 0, 0 } },
	{ "GET", "gateway/bot", true, false, get_gateway_bot,
	  { "41f9b2c57e0d4a18b3d2a9c6e1f07b44", 5, 5000 } },
	{ "GET", "channels/#", true, true, get_channel,
	  { "8c3e1a7d90b24f6aa1c5e3d7b9f20c61", 5, 5000 } },
	{ "GET", "channels/#/messages", true, true, get_messages,
	  { "2b6d9f1e4a8c4c03b7e5d1a9f3c60e28", 5, 5000 } },
	{ "POST", "channels/#/messages", true, true, post_message,
	  { "80c17d2f06b6a5b8e9d1c3f4a7e25d90", 5, 5000 } },
	{ "GET", "guilds/#", true, true, get_guild,
	  { "e4a7c2d9b1f64e8a93c0d5b7a2f1e6c8", 5, 5000 } },
	{ "GET", "users/@me", true, false, get_me,
	  { "a1d5e9c3b7f24d6e8c0a2b4d6f8e0a1c", 5, 5000 } },
	{ "GET", "users/#", true, false, get_user,
	  { "c7e3a9d1f5b24c8e6a0d2f4b6c8e0d2a", 5, 5000 } },
	/* The token in the URL is the webhook's authority: no Bot header. */
	{ "POST", "webhooks/#/*", false, true, post_webhook,
	  { "3f1d8b6a2c9e4e07a5b1d3c7e9f20a4b", 5, 2000 } },
};

#define NROUTES ((int)(sizeof(routes) / sizeof(routes[0])))

/* Matches path against a pattern, reading the "#" segment into *id; "*"
 * is any one segment (a webhook's token). */
static bool
match(const char *pattern, const char *path, uint64_t *id)
{
	while (*pattern != '\0' && *path != '\0') {
		if (*pattern == '*') {
			size_t n = strcspn(path, "/");

			if (n == 0)
				return false;
			path += n;
			pattern++;
		} else if (*pattern == '#') {
			char *end;

			if (!isdigit((unsigned char)*path))
				return false;
			*id = strtoull(path, &end, 10);
			path = end;
			pattern++;
		} else if (*pattern++ != *path++) {
			return false;
		}
	}
	return *pattern == '\0' && (*path == '\0' || strcmp(path, "/") == 0);
}

/* The route for path, or -1; *wrong_method when only the method differs. */
static int
find_route(const char *method, const char *path, uint64_t *id,
    bool *wrong_method)
{
	int i;

	*wrong_method = false;
	for (i = 0; i < NROUTES; i++) {
		if (!match(routes[i].pattern, path, id))
			continue;
		if (strcmp(routes[i].method, method) == 0)
			return i;
		*wrong_method = true;
	}
	return -1;
}

static bool
authorized(const struct sim *sim, const char *auth)
{
	return auth != NULL && !sim->token_revoked &&
	    strncmp(auth, "Bot ", 4) == 0 &&
	    strcmp(auth + 4, sim->cfg.token) == 0;
}

static void
count(struct sim *sim, struct vtime now, struct sim_http_resp *r)
{
	struct sim_counters *k = &sim->counters;
	bool shared = false;
	int i;

	for (i = 0; i < r->nhdr; i++) {
		if (strcmp(r->hdr[i].name, "X-RateLimit-Scope") == 0)
			shared = strcmp(r->hdr[i].value, "shared") == 0;
		if (strcmp(r->hdr[i].name, "X-RateLimit-Global") == 0)
			k->rest_429_global++;
	}
	if (r->status < 300)
		k->rest_2xx++;
	else if (r->status == 401)
		k->rest_401++;
	else if (r->status == 403)
		k->rest_403++;
	else if (r->status == 404)
		k->rest_404++;
	else if (r->status == 429)
		k->rest_429++;
	else if (r->status >= 500)
		k->rest_5xx++;
	sim_rl_count_invalid(sim, now, r->status, shared);
}

/* Strips "/api/v10/"; NULL (with a 400 in r) for another version. */
static const char *
versioned(const char *path, struct sim_http_resp *r)
{
	if (strncmp(path, "/api/v10/", 9) == 0)
		return path + 9;
	if (strncmp(path, "/api/v9/", 8) == 0)
		return path + 8;
	/* Discord's webhook URLs carry no version. */
	if (strncmp(path, "/api/webhooks/", 14) == 0)
		return path + 5;
	sim_resp_error(r, 400, 50041, "Invalid API version provided.");
	return NULL;
}

static void
route(struct sim *sim, struct vtime now, const struct sim_http_req *req,
    struct sim_http_resp *r)
{
	struct route_req rr = { sim, now, req, 0, r };
	const char *rest = versioned(req->path, r);
	bool wrong_method;
	int i;

	if (rest == NULL)
		return;
	if ((i = find_route(req->method, rest, &rr.id, &wrong_method)) < 0) {
		if (wrong_method)
			sim_resp_error(r, 405, 0, "405: Method Not Allowed");
		else
			sim_resp_error(r, 404, 0, "404: Not Found");
		return;
	}
	if (routes[i].auth && !authorized(sim, req->authorization)) {
		sim_resp_error(r, 401, 0, "401: Unauthorized");
		return;
	}
	if (sim_rl_faults(sim, now, r) != 0)
		return;
	/* Unauthenticated routes are limited per IP or by their own bucket,
	 * not by the bot's global limit. */
	if (routes[i].auth && sim_rl_global(sim, now, r) != 0)
		return;
	if (routes[i].rl.limit > 0 && sim_rl_check(sim, now, i, &routes[i].rl,
	    routes[i].major ? rr.id : 0, r) != 0)
		return;
	routes[i].fn(&rr);
}

void
sim_rest_handle(struct sim *sim, struct vtime now, const struct sim_http_req *req,
    struct sim_http_resp *r)
{
	sim->counters.rest_requests++;
	if (now.mono_ms < sim->rest.ban_until) {
		sim_rl_banned(sim, r);
		return;
	}
	route(sim, now, req, r);
	sim_resp_header(r, "Via", "1.1 google");
	count(sim, now, r);
}

/* ---- handlers ---- */

static void
get_gateway(struct route_req *rr)
{
	sim_resp_json(rr->resp, 200, json_pack("{s:s}", "url",
	    rr->sim->gateway_url));
}

static void
get_gateway_bot(struct route_req *rr)
{
	const struct sim_config *c = &rr->sim->cfg;
	/* Never fewer than the guilds need, as Discord recommends. */
	int64_t need = (rr->sim->world.nguilds + c->max_guilds_per_shard - 1) /
	    c->max_guilds_per_shard;

	sim_resp_json(rr->resp, 200, json_pack("{s:s, s:I, s:o}",
	    "url", rr->sim->gateway_url,
	    "shards", (json_int_t)(need > c->shards ? need : c->shards),
	    "session_start_limit", sim_budget_json(rr->sim, rr->now)));
}

static void
get_channel(struct route_req *rr)
{
	const struct sim_channel *ch = sim_world_channel(rr->sim, rr->id);

	if (ch == NULL)
		sim_resp_error(rr->resp, 404, 10003, "Unknown Channel");
	else
		sim_resp_json(rr->resp, 200, sim_world_channel_json(rr->sim, ch));
}

/* The value of key in a query string, or "" . */
static void
query_get(const char *query, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);
	const char *p = query;

	buf[0] = '\0';
	while (p != NULL && *p != '\0') {
		const char *end = strchr(p, '&');
		size_t n = end != NULL ? (size_t)(end - p) : strlen(p);

		if (n > klen && strncmp(p, key, klen) == 0 && p[klen] == '=' &&
		    n - klen - 1 < len) {
			memcpy(buf, p + klen + 1, n - klen - 1);
			buf[n - klen - 1] = '\0';
			return;
		}
		p = end != NULL ? end + 1 : NULL;
	}
}

static void
get_messages(struct route_req *rr)
{
	char v[32];
	int64_t limit = 50, after = 0, before = 0;

	if (sim_world_channel(rr->sim, rr->id) == NULL) {
		sim_resp_error(rr->resp, 404, 10003, "Unknown Channel");
		return;
	}
	query_get(rr->req->query, "limit", v, sizeof(v));
	if (v[0] != '\0' && (sim_parse_int(v, &limit) != 0 || limit < 1 ||
	    limit > 100)) {
		sim_resp_error(rr->resp, 400, 50035, "Invalid Form Body");
		return;
	}
	query_get(rr->req->query, "after", v, sizeof(v));
	if (v[0] != '\0' && (sim_parse_int(v, &after) != 0 || after < 0)) {
		sim_resp_error(rr->resp, 400, 50035, "Invalid Form Body");
		return;
	}
	query_get(rr->req->query, "before", v, sizeof(v));
	if (v[0] != '\0' && (sim_parse_int(v, &before) != 0 || before < 0)) {
		sim_resp_error(rr->resp, 400, 50035, "Invalid Form Body");
		return;
	}
	sim_resp_json(rr->resp, 200, sim_msg_list(rr->sim, rr->id, (int)limit,
	    (uint64_t)after, (uint64_t)before));
}

static void
get_guild(struct route_req *rr)
{
	const struct sim_guild *g = sim_world_guild(rr->sim, rr->id);

	if (g == NULL)
		sim_resp_error(rr->resp, 404, 10004, "Unknown Guild");
	else
		sim_resp_json(rr->resp, 200, sim_world_guild_json(rr->sim, g, false));
}

static void
get_me(struct route_req *rr)
{
	sim_resp_json(rr->resp, 200, sim_world_user_json(rr->sim, 0));
}

static void
get_user(struct route_req *rr)
{
	int u = sim_world_user(rr->sim, rr->id);

	if (u < 0)
		sim_resp_error(rr->resp, 404, 10013, "Unknown User");
	else
		sim_resp_json(rr->resp, 200, sim_world_user_json(rr->sim, u));
}

static size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static void
too_long(struct sim_http_resp *r)
{
	sim_resp_json(r, 400, json_pack("{s:s, s:i, s:{s:{s:[{s:s, s:s}]}}}",
	    "message", "Invalid Form Body", "code", 50035, "errors",
	    "content", "_errors", "code", "BASE_TYPE_MAX_LENGTH",
	    "message", "Must be 2000 or fewer in length."));
}

/* The nonce as text, "" when absent; -1 when it is not a valid one. */
static int
read_nonce(json_t *nonce, char *buf, size_t len)
{
	buf[0] = '\0';
	if (nonce == NULL || json_is_null(nonce))
		return 0;
	if (json_is_integer(nonce)) {
		snprintf(buf, len, "%lld", (long long)json_integer_value(nonce));
		return 0;
	}
	if (!json_is_string(nonce) || json_string_length(nonce) >= len)
		return -1;
	snprintf(buf, len, "%s", json_string_value(nonce));
	return 0;
}

static const char *
check_message(json_t *body, char *nonce, size_t len, struct sim_http_resp *r)
{
	json_t *content = json_object_get(body, "content");
	json_t *embeds = json_object_get(body, "embeds");
	const char *text;

	if (content != NULL && !json_is_string(content) &&
	    !json_is_null(content)) {
		sim_resp_error(r, 400, 50035, "Invalid Form Body");
		return NULL;
	}
	text = json_is_string(content) ? json_string_value(content) : "";
	if (text[0] == '\0' && json_array_size(embeds) == 0) {
		sim_resp_error(r, 400, 50006, "Cannot send an empty message");
		return NULL;
	}
	if (utf8_chars(text) > SIM_CONTENT_MAX) {
		too_long(r);
		return NULL;
	}
	if (read_nonce(json_object_get(body, "nonce"), nonce, len) != 0) {
		sim_resp_error(r, 400, 50035, "Invalid Form Body");
		return NULL;
	}
	return text;
}

static void
post_webhook(struct route_req *rr)
{
	sim_webhook_post(rr->sim, rr->now, rr->id, rr->req->query, rr->req->body,
	    rr->req->body_len, rr->resp);
}

static void
post_message(struct route_req *rr)
{
	const struct sim_channel *ch = sim_world_channel(rr->sim, rr->id);
	char nonce[SIM_NONCE_MAX];
	const char *text;
	json_t *body;

	if (ch == NULL) {
		sim_resp_error(rr->resp, 404, 10003, "Unknown Channel");
		return;
	}
	body = json_loadb(rr->req->body != NULL ? rr->req->body : "",
	    rr->req->body_len, 0, NULL);
	if (!json_is_object(body)) {
		json_decref(body);
		sim_resp_error(rr->resp, 400, 50109,
		    "The request body contains invalid JSON.");
		return;
	}
	text = check_message(body, nonce, sizeof(nonce), rr->resp);
	if (text != NULL && ch->read_only)
		sim_resp_error(rr->resp, 403, 50013, "Missing Permissions");
	else if (text != NULL)
		sim_resp_json(rr->resp, 200, sim_msg_create(rr->sim, rr->now, ch, 0,
		    text, nonce[0] != '\0' ? nonce : NULL));
	json_decref(body);
}
