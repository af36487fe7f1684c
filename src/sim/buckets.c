/*
 * REST rate limits, as Discord applies them: a bucket per route and
 * top-level resource (channel or guild id) with the X-RateLimit-* headers on
 * every answer, a global per-second limit, the invalid-request counter (401,
 * 403 and non-shared 429 in a sliding 10 min window) that turns into a
 * Cloudflare ban, and the REST faults (429 storm, global 429, 5xx).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core.h"

#define INVALID_WINDOW_S SIM_INVALID_SLOTS

static const char ban_message[] =
    "You are being blocked from accessing our API temporarily due to "
    "exceeding our rate limits frequently. Please read our docs at "
    "https://discord.com/developers/docs/topics/rate-limits to prevent "
    "this moving forward.";

static struct sim_bucket *
bucket_find(struct sim *sim, struct vtime now, int route, uint64_t major)
{
	struct sim_bucket *b = sim->rest.buckets, *unused = NULL;
	struct sim_bucket *expired = NULL, *soonest = NULL, *spare;
	int i;

	for (i = 0; i < SIM_BUCKETS_MAX; i++) {
		if (b[i].used && b[i].route == route && b[i].major == major)
			return &b[i];
		if (!b[i].used) {
			unused = unused != NULL ? unused : &b[i];
		} else if (b[i].reset_at <= now.mono_ms) {
			expired = expired != NULL ? expired : &b[i];
		} else if (soonest == NULL || b[i].reset_at < soonest->reset_at) {
			soonest = &b[i];
		}
	}
	/* Full of live buckets: forget the one closest to refilling. */
	spare = unused != NULL ? unused : expired != NULL ? expired : soonest;
	memset(spare, 0, sizeof(*spare));
	spare->used = true;
	spare->route = route;
	spare->major = major;
	spare->reset_at = now.mono_ms;
	return spare;
}

static void
bucket_headers(struct sim_http_resp *r, struct vtime now,
    const struct rl_route *rt, const struct sim_bucket *b)
{
	int64_t after = b->reset_at - now.mono_ms;

	sim_resp_header(r, "X-RateLimit-Limit", "%lld", (long long)rt->limit);
	sim_resp_header(r, "X-RateLimit-Remaining", "%lld",
	    (long long)b->remaining);
	sim_resp_header(r, "X-RateLimit-Reset", "%.3f",
	    (double)(now.wall_ms + after) / 1000.0);
	sim_resp_header(r, "X-RateLimit-Reset-After", "%.3f",
	    (double)after / 1000.0);
	sim_resp_header(r, "X-RateLimit-Bucket", "%s", rt->bucket);
}

/* 0 and the bucket's headers, or -1 with a 429 in r. */
int
sim_rl_check(struct sim *sim, struct vtime now, int route,
    const struct rl_route *rt, uint64_t major, struct sim_http_resp *r)
{
	struct sim_bucket *b = bucket_find(sim, now, route, major);

	if (b->reset_at <= now.mono_ms) {
		b->remaining = rt->limit;
		b->reset_at = now.mono_ms + rt->window;
	}
	if (b->remaining <= 0) {
		sim_resp_too_many(r, (double)(b->reset_at - now.mono_ms) / 1000.0,
		    false, "user");
		bucket_headers(r, now, rt, b);
		return -1;
	}
	b->remaining--;
	bucket_headers(r, now, rt, b);
	return 0;
}

/* The global limit over a sliding second: 0, or -1 with a global 429. */
int
sim_rl_global(struct sim *sim, struct vtime now, struct sim_http_resp *r)
{
	struct sim_rest *rs = &sim->rest;
	int64_t oldest;

	while (rs->global_len > 0 &&
	    rs->global_ring[rs->global_head] <= now.mono_ms - 1000) {
		rs->global_head = (rs->global_head + 1) % SIM_GLOBAL_RING_MAX;
		rs->global_len--;
	}
	if (rs->global_len >= sim->cfg.global_limit) {
		oldest = rs->global_ring[rs->global_head];
		sim_resp_too_many(r, (double)(oldest + 1000 - now.mono_ms) / 1000.0,
		    true, "global");
		return -1;
	}
	rs->global_ring[(rs->global_head + rs->global_len++) %
	    SIM_GLOBAL_RING_MAX] = now.mono_ms;
	return 0;
}

static void
server_error(struct sim_http_resp *r, int status)
{
	static const char page[] = "<html><head><title>%d %s</title></head>"
	    "<body><center><h1>%d %s</h1></center><hr><center>cloudflare"
	    "</center></body></html>";
	const char *text = status == 502 ? "Bad Gateway" : status == 503 ?
	    "Service Unavailable" : status == 504 ? "Gateway Timeout" :
	    "Internal Server Error";
	char body[256];

	if (status == 500) {
		sim_resp_error(r, 500, 0, "500: Internal Server Error");
		return;
	}
	/* Discord's edge answers these in HTML, not JSON. */
	snprintf(body, sizeof(body), page, status, text, status, text);
	free(r->body);
	r->status = status;
	r->content_type = "text/html";
	r->body = strdup(body);
	r->body_len = r->body != NULL ? strlen(r->body) : 0;
}

/* 0, or -1 with the answer an active REST fault gives. */
int
sim_rl_faults(struct sim *sim, struct vtime now, struct sim_http_resp *r)
{
	struct sim_rest *rs = &sim->rest;

	if (now.mono_ms < rs->global429_until) {
		sim_resp_too_many(r, (double)(rs->global429_until - now.mono_ms) /
		    1000.0, true, "global");
		return -1;
	}
	if (now.mono_ms < rs->storm_until) {
		sim_resp_too_many(r, rs->storm_retry, false,
		    rs->storm_shared ? "shared" : "user");
		return -1;
	}
	if (rs->fivexx_left > 0) {
		rs->fivexx_left--;
		server_error(r, rs->fivexx_status);
		return -1;
	}
	return 0;
}

static void
invalid_advance(struct sim_rest *rs, int64_t sec)
{
	int64_t s;

	if (sec - rs->invalid_sec >= INVALID_WINDOW_S)
		memset(rs->invalid, 0, sizeof(rs->invalid));
	else
		for (s = rs->invalid_sec + 1; s <= sec; s++)
			rs->invalid[s % INVALID_WINDOW_S] = 0;
	if (sec > rs->invalid_sec)
		rs->invalid_sec = sec;
}

int64_t
sim_rl_invalid_total(const struct sim *sim, struct vtime now)
{
	const struct sim_rest *rs = &sim->rest;
	int64_t sec = now.mono_ms / 1000, total = 0, s;

	for (s = rs->invalid_sec; s > rs->invalid_sec - INVALID_WINDOW_S &&
	    s > sec - INVALID_WINDOW_S && s >= 0; s--)
		total += rs->invalid[s % INVALID_WINDOW_S];
	return total;
}

void
sim_rl_count_invalid(struct sim *sim, struct vtime now, int status, bool shared)
{
	struct sim_rest *rs = &sim->rest;
	int64_t sec = now.mono_ms / 1000;

	if (status != 401 && status != 403 && (status != 429 || shared))
		return;
	invalid_advance(rs, sec);
	rs->invalid[sec % INVALID_WINDOW_S]++;
	if (sim_rl_invalid_total(sim, now) < sim->cfg.invalid_limit)
		return;
	rs->ban_until = now.mono_ms + sim->cfg.ban_duration;
	sim->counters.bans++;
	/* The ban is the penalty; the count starts afresh after it. */
	memset(rs->invalid, 0, sizeof(rs->invalid));
}

/* A Cloudflare ban: 429 with no X-RateLimit-*, no Retry-After, no Via. */
void
sim_rl_banned(struct sim *sim, struct sim_http_resp *r)
{
	sim->counters.rest_banned++;
	sim_resp_error(r, 429, 0, ban_message);
}
