/*
 * Route keys, the queue's side (ratelimit-route.c): what the REST queue needs to know
 * about a key made by rlq_route_key (ratelimit.h). Private to src/bot.
 */
#ifndef VIGIL_BOT_RATELIMIT_ROUTE_H
#define VIGIL_BOT_RATELIMIT_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#define RLQ_MAJOR_MAX 64

/* The top-level resource of a route key ("/channels/1", "/guilds/2",
 * "/webhooks/3/~<hash>"), "" when the route has none. Returns its length. */
size_t rlq_route_major(const char *key, char *out, size_t outlen);
/* True for interaction routes, which the global 50/s limit does not bind. */
bool rlq_route_global_exempt(const char *key);

#endif
