/*
 * The REST transport: performs what the core's rate-limit queue hands out
 * (ACT_HTTP) with libcurl on the loop, and the emulator's control requests,
 * which bypass the queue. Discord's requirements (docs/protocol.md §2.5):
 * "Authorization: Bot <token>", a DiscordBot User-Agent, JSON bodies. One
 * multi handle for the process, so connections (HTTP/2 where offered) are
 * reused.
 */
#ifndef VIGIL_NET_REST_H
#define VIGIL_NET_REST_H

#include <stddef.h>
#include <stdint.h>

#include "bot/log.h"
#include "bot/ratelimit.h"
#include "net/loop.h"

#define REST_BODY_MAX    (8u << 20)     /* a response above this is a failure */
#define REST_TIMEOUT_MS  10000L
#define REST_USER_AGENT  "DiscordBot (https://github.com/vigil, 0.1)"

/* A queued request's response; status 0 with err on a transport error.
 * Everything is borrowed for the call. */
typedef void (*rest_done_fn)(void *ud, uint64_t id, int status, const struct rlq_headers *h,
    const char *body, size_t len, const char *err);
/* A control request's response (status 0 on a transport error). */
typedef void (*rest_ctl_fn)(void *ud, int status, const char *body, size_t len);

struct rest;

/* base: the API root with version, "https://discord.com/api/v10". The token
 * goes only into the Authorization header. NULL with a message. */
struct rest *rest_new(struct loop *loop, struct logring *log, const char *base,
    const char *token, rest_done_fn done, void *ud, char *err, size_t errlen);
/* Abandons requests in flight without reporting them. Before loop_free. */
void rest_free(struct rest *r);
/* Trust the CAs in ca_file (PEM) instead of the system store; NULL or ""
 * for the system store. Certificates are always verified. */
void rest_set_ca_file(struct rest *r, const char *ca_file);
/* Starts request id; method/path/body stay borrowed until done is called.
 * On failure done is called at once with status 0. */
void rest_perform(struct rest *r, uint64_t id, const char *method, const char *path,
    const char *body, size_t body_len);
/* A request outside the queue to an absolute URL (body copied). 0, or -1
 * with a message (fn is then never called). */
int rest_ctl(struct rest *r, const char *method, const char *url, const char *json,
    rest_ctl_fn fn, void *ud, char *err, size_t errlen);
/* A webhook POST outside the queue to an absolute URL, with no
 * Authorization header (the URL may be a third party's: the token never
 * goes there). done gets the status (0 on a transport error, with err) and
 * the response's rate-limit headers. 0, or -1 with a message. */
typedef void (*rest_hook_fn)(void *ud, int status, const struct rlq_headers *h, const char *err);
int rest_hook(struct rest *r, const char *url, const char *json, rest_hook_fn fn, void *ud,
    char *err, size_t errlen);
/* Requests in flight. */
int rest_inflight(const struct rest *r);

#endif
