/*
 * libcurl's multi interface on the lws loop (docs/design.md "The loop", loop pitfall 6 and the
 * four rules of pitfall 6): each curl socket is watched through a dup()
 * adopted as an lws raw file (lws closes what it owns, never curl's fd);
 * the one-shot POLLOUT is re-armed while curl wants OUT; a dup lws closes on
 * its own (POLLHUP) is reported to curl as CSELECT_ERR from a 0 µs timer;
 * REMOVE kills the dup asynchronously. curl is never called from inside its
 * own callbacks, and the done queue is drained after every socket_action.
 */
#ifndef VIGIL_NET_CURL_LWS_H
#define VIGIL_NET_CURL_LWS_H

#include <curl/curl.h>

#include "bot/log.h"
#include "net/loop.h"

/* A finished transfer: the easy handle is already out of the multi. */
typedef void (*curl_lws_done_fn)(void *ud, CURL *easy, CURLcode rc);

struct curl_lws;

/* NULL with a message. loop and log are borrowed. */
struct curl_lws *curl_lws_new(struct loop *loop, struct logring *log, curl_lws_done_fn done,
    void *ud, char *err, size_t errlen);
/* Cleans the multi up; remove running transfers first. Call before
 * loop_free. */
void curl_lws_free(struct curl_lws *cl);
/* Starts a transfer. 0, or -1 with a message. */
int curl_lws_add(struct curl_lws *cl, CURL *easy, char *err, size_t errlen);
/* Takes a running transfer out without reporting it. */
void curl_lws_remove(struct curl_lws *cl, CURL *easy);
/* Sockets currently watched (for tests and the leak check). */
int curl_lws_sockets(const struct curl_lws *cl);

#endif
