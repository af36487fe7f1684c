/*
 * The emulator inside vigil: with no token and no --api, src/sim's server
 * runs on the same lws context (its own vhost on 127.0.0.1, port 0) and the
 * bot connects to it, so a newcomer sees the whole console working.
 */
#ifndef VIGIL_APP_EMBED_H
#define VIGIL_APP_EMBED_H

#include <stddef.h>

#include <libwebsockets.h>

#include "app/app.h"

struct embed;

/* Starts it; its REST base ("http://127.0.0.1:P/api") goes into api.
 * NULL with a message. */
struct embed *embed_start(struct lws_context *ctx, const struct app_config *cfg, char *api,
    size_t apilen, char *err, size_t errlen);
void embed_stop(struct embed *e);

#endif
