/*
 * The emulator's libwebsockets adapter: one vhost, bound to 127.0.0.1 (or
 * another local address), on a context the caller owns and services
 * (vigil's own, or vigil-sim's).
 * The context must have been created with LWS_SERVER_OPTION_EXPLICIT_VHOSTS.
 * One port serves the gateway websocket at "/" (protocols[0], no
 * subprotocol), REST under /api/ and the control API under /_ctl/. Timers
 * are one lws_sul on the context; there are no globals, so several servers
 * may share a context.
 */
#ifndef VIGIL_SIM_SERVER_H
#define VIGIL_SIM_SERVER_H

#include <libwebsockets.h>
#include <stdbool.h>
#include <stddef.h>

#include "sim/sim.h"

struct sim_server;

/* Listens on 127.0.0.1:port (0: any free port). NULL with a message in
 * err. */
struct sim_server *sim_server_start(struct lws_context *,
    const struct sim_config *, int port, char *err, size_t errlen);
/* The same on another local IPv4 address (another machine or network
 * namespace can reach it); READY's resume_gateway_url names it. */
struct sim_server *sim_server_start_at(struct lws_context *,
    const struct sim_config *, const char *addr, int port, char *err,
    size_t errlen);
/* The same over TLS when cert and key (PEM files) are given: the gateway
 * is wss:// and REST https:// on the one port. The lws context must have
 * been created with LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT. */
struct sim_server *sim_server_start_tls(struct lws_context *,
    const struct sim_config *, const char *addr, int port, const char *cert,
    const char *key, char *err, size_t errlen);
int sim_server_port(const struct sim_server *);
bool sim_server_tls(const struct sim_server *);
/* "ws://ADDR:PORT" (wss:// over TLS), what READY's resume_gateway_url says. */
const char *sim_server_gateway_url(const struct sim_server *);
/* The core, to read counters or settings in-process. After changing it
 * directly, call sim_server_kick() so its actions run. */
struct sim *sim_server_sim(struct sim_server *);
void sim_server_kick(struct sim_server *);
/* Fires a fault from a line ("close 4000"): affected connections, or -1. */
int sim_server_fault(struct sim_server *, const char *line, char *err,
    size_t errlen);
/* Loads a scenario's text; its offsets count from now. Lines, or -1. */
int sim_server_scenario(struct sim_server *, const char *text, char *err,
    size_t errlen);
/* Closes every connection and the listener; the server is freed once lws
 * has let go of the vhost (at once, or when the context is destroyed). */
void sim_server_stop(struct sim_server *);

#endif
