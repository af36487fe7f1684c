/*
 * hiredis's async client on the lws loop (docs/design.md "The loop", loop
 * pitfalls 6 and 8; docs/cluster.md "The connection"). The Redis socket is
 * watched through a dup() adopted as an lws raw file, as curl's are: lws
 * closes what it owns, hiredis closes its own fd. No thread, no blocking
 * call once running (a host name is resolved once, in redis_lws_new).
 *
 * One connection, kept up: connect, AUTH when a password is set, SELECT,
 * PING; then up. A lost or refused connection, a failed handshake or a
 * command unanswered for `timeout_ms` drops it and reconnects with backoff
 * (250 ms doubling to 5 s, ±25 % jitter).
 *
 * Commands: redis_lws_command returns 0 and then calls its callback exactly
 * once, always later from the loop (never from inside the call); or it
 * returns -1 with a message and never calls it. While the connection is
 * being made, commands wait in a queue of REDIS_LWS_QUEUE_MAX; while it is
 * down they are refused at once ("cluster store unreachable"), so a caller
 * never acts on an answer that waited through an outage.
 */
#ifndef VIGIL_NET_REDIS_LWS_H
#define VIGIL_NET_REDIS_LWS_H

#include <stdbool.h>
#include <stddef.h>

#include <hiredis/hiredis.h>

#include "bot/log.h"
#include "net/loop.h"
#include "net/redis-url.h"

#define REDIS_LWS_QUEUE_MAX     256     /* queued + in flight */
#define REDIS_LWS_TIMEOUT_MS    3000
#define REDIS_LWS_BACKOFF_MIN   250
#define REDIS_LWS_BACKOFF_MAX   5000
#define REDIS_PASSWORD_MAX      256

/* reply is NULL when err says why (connection lost, timed out, freed);
 * a Redis error reply (type REDIS_REPLY_ERROR) comes as a reply. */
typedef void (*redis_lws_reply_fn)(void *ud, const redisReply *reply, const char *err);

struct redis_lws_hooks {
	void *ud;
	void (*on_up)(void *ud);                        /* connected and ready */
	void (*on_down)(void *ud, const char *why);     /* was up, or first try failed */
};

struct redis_lws_config {
	struct redis_url url;
	char password[REDIS_PASSWORD_MAX];      /* "" = none; never logged */
	int timeout_ms;                         /* <= 0: REDIS_LWS_TIMEOUT_MS */
	int backoff_max_ms;                     /* <= 0: REDIS_LWS_BACKOFF_MAX */
};

struct redis_lws;

/* Starts connecting at once. loop and log are borrowed; the password is
 * copied (and wiped on free). NULL with a message. */
struct redis_lws *redis_lws_new(struct loop *loop, struct logring *log,
    const struct redis_lws_config *cfg, const struct redis_lws_hooks *hooks,
    char *err, size_t errlen);
/* Pending callbacks are called with err "shutting down". Not from inside a
 * reply callback. Call before loop_free. */
void redis_lws_free(struct redis_lws *r);

bool redis_lws_is_up(const struct redis_lws *r);
/* Why it is not up ("" when up). */
const char *redis_lws_why_down(const struct redis_lws *r);
/* Commands queued or in flight. */
int redis_lws_pending(const struct redis_lws *r);
/* Times the connection came up (1 after the first connect). */
unsigned redis_lws_ups(const struct redis_lws *r);

int redis_lws_command(struct redis_lws *r, redis_lws_reply_fn cb, void *ud, int argc,
    const char **argv, const size_t *argvlen, char *err, size_t errlen);

#endif
