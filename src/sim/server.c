/*
 * The adapter's spine: it creates the vhost, keeps the one timer armed at
 * the core's next deadline, and turns the core's actions into lws calls.
 * Everything protocol-shaped is in the core; this file only moves bytes and
 * reads the clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/adapter.h"

struct vtime
sim_srv_now(void)
{
	struct timespec ts;
	struct vtime now;

	clock_gettime(CLOCK_REALTIME, &ts);
	now.mono_ms = (int64_t)(lws_now_usecs() / 1000);
	now.wall_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	return now;
}

/* Some callbacks (GET_THREAD_ID, ...) come with no vhost: NULL then. */
struct sim_server *
sim_srv_of(struct lws *wsi)
{
	struct lws_vhost *vh = wsi != NULL ? lws_get_vhost(wsi) : NULL;

	return vh != NULL ? lws_vhost_user(vh) : NULL;
}

static struct gw_pss *
conn_find(struct sim_server *srv, uint32_t id)
{
	size_t i;

	for (i = 0; i < srv->nconns; i++) {
		if (srv->conns[i] != NULL && srv->conns[i]->conn == id)
			return srv->conns[i];
	}
	return NULL;
}

void
sim_srv_conn_add(struct sim_server *srv, struct gw_pss *pss)
{
	size_t i;

	for (i = 0; i < srv->nconns; i++) {
		if (srv->conns[i] == NULL) {
			srv->conns[i] = pss;
			return;
		}
	}
}

void
sim_srv_conn_del(struct sim_server *srv, struct gw_pss *pss)
{
	size_t i;

	for (i = 0; i < srv->nconns; i++) {
		if (srv->conns[i] == pss)
			srv->conns[i] = NULL;
	}
}

void
sim_srv_hold(struct sim_server *srv, struct lws *wsi)
{
	if (srv->nheld == HELD_MAX)
		return;
	srv->held[srv->nheld++] = wsi;
	lws_rx_flow_control(wsi, 0);
}

void
sim_srv_forget(struct sim_server *srv, struct lws *wsi)
{
	size_t i;

	for (i = 0; i < srv->nheld; i++) {
		if (srv->held[i] == wsi)
			srv->held[i] = srv->held[--srv->nheld];
	}
}

static void
release_held(struct sim_server *srv)
{
	size_t i;

	for (i = 0; i < srv->nheld; i++)
		lws_rx_flow_control(srv->held[i], 1);
	srv->nheld = 0;
}

static void
apply(struct sim_server *srv, const struct sim_action *a)
{
	struct gw_pss *pss;

	if (a->kind == SIM_ACT_RELEASE_HELD) {
		release_held(srv);
		return;
	}
	if ((pss = conn_find(srv, a->conn)) == NULL)
		return;
	switch (a->kind) {
	case SIM_ACT_SEND:
		sim_ws_queue(pss, a->data, a->len);
		break;
	case SIM_ACT_CLOSE:
		sim_ws_close(pss, a->code, a->reason);
		break;
	case SIM_ACT_DROP:
		sim_ws_drop(pss, a->rst);
		break;
	case SIM_ACT_BLACKHOLE:
		sim_ws_blackhole(pss);
		break;
	default:
		break;
	}
}

static void
on_timer(lws_sorted_usec_list_t *sul)
{
	struct sim_server *srv = lws_container_of(sul, struct sim_server, sul);

	sim_tick(srv->sim, sim_srv_now());
	sim_srv_drain(srv);
}

static void
arm(struct sim_server *srv)
{
	int64_t at = sim_next_deadline(srv->sim), in;

	if (at == VTIME_NEVER) {
		lws_sul_cancel(&srv->sul);
		return;
	}
	in = at - sim_srv_now().mono_ms;
	lws_sul_schedule(srv->ctx, 0, &srv->sul, on_timer,
	    (lws_usec_t)(in > 0 ? in : 0) * 1000);
}

void
sim_srv_drain(struct sim_server *srv)
{
	struct sim_action a;

	if (srv->stopping)
		return;
	while (sim_next_action(srv->sim, &a)) {
		apply(srv, &a);
		sim_action_done(&a);
	}
	arm(srv);
}

static void
free_server(struct sim_server *srv)
{
	lws_sul_cancel(&srv->sul);
	sim_free(srv->sim);
	free(srv->conns);
	free(srv);
}

/*
 * lws calls this just before it frees the vhost, which may be later than
 * sim_server_stop(): the mounts must live until then. A vhost that fails to
 * start is destroyed inside lws_create_vhost(), which is told apart.
 */
static void
on_finalize(struct lws_vhost *vh, void *arg)
{
	struct sim_server *srv = arg;

	(void)vh;
	if (srv->creating)
		srv->finalized = true;
	else
		free_server(srv);
}

static void
fill_vhost_info(struct sim_server *srv, int port, const char *cert, const char *key,
    struct lws_context_creation_info *info)
{
	srv->protocols[0] = (struct lws_protocols){ "vigil-sim-gateway",
	    sim_srv_ws_callback, sizeof(struct gw_pss), 4096, 0, NULL,
	    TLS_WRITE_MAX };
	srv->protocols[1] = (struct lws_protocols){ "vigil-sim-http",
	    sim_srv_http_callback, sizeof(struct http_pss), 0, 0, NULL, 0 };
	srv->mounts[0].mountpoint = "/api";
	srv->mounts[1].mountpoint = "/_ctl";
	srv->mounts[0].mount_next = &srv->mounts[1];
	srv->mounts[0].origin = srv->mounts[1].origin = "vigil-sim-http";
	srv->mounts[0].origin_protocol = LWSMPRO_CALLBACK;
	srv->mounts[1].origin_protocol = LWSMPRO_CALLBACK;
	srv->mounts[0].mountpoint_len = 4;
	srv->mounts[1].mountpoint_len = 5;
	memset(info, 0, sizeof(*info));
	info->port = port;
	info->iface = srv->addr;
	info->vhost_name = "vigil-sim";
	/* Else lws opens an IPv6 socket and the address is not bound. */
	info->options = LWS_SERVER_OPTION_DISABLE_IPV6;
	if (cert != NULL && key != NULL) {
		info->options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info->ssl_cert_filepath = cert;
		info->ssl_private_key_filepath = key;
	}
	info->protocols = srv->protocols;
	info->mounts = srv->mounts;
	info->user = srv;
	info->finalize = on_finalize;
	info->finalize_arg = srv;
}

struct sim_server *
sim_server_start(struct lws_context *ctx, const struct sim_config *cfg,
    int port, char *err, size_t errlen)
{
	return sim_server_start_at(ctx, cfg, "127.0.0.1", port, err, errlen);
}

struct sim_server *
sim_server_start_at(struct lws_context *ctx, const struct sim_config *cfg,
    const char *addr, int port, char *err, size_t errlen)
{
	return sim_server_start_tls(ctx, cfg, addr, port, NULL, NULL, err, errlen);
}

struct sim_server *
sim_server_start_tls(struct lws_context *ctx, const struct sim_config *cfg,
    const char *addr, int port, const char *cert, const char *key, char *err,
    size_t errlen)
{
	struct sim_server *srv = calloc(1, sizeof(*srv));
	struct lws_context_creation_info info;

	if (srv == NULL || (srv->conns = calloc((size_t)cfg->max_connections,
	    sizeof(*srv->conns))) == NULL) {
		free(srv);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	srv->ctx = ctx;
	snprintf(srv->addr, sizeof(srv->addr), "%s", addr);
	srv->nconns = (size_t)cfg->max_connections;
	if ((srv->sim = sim_new(cfg, sim_srv_now(), err, errlen)) == NULL) {
		free(srv->conns);
		free(srv);
		return NULL;
	}
	srv->tls = cert != NULL && key != NULL;
	fill_vhost_info(srv, port, cert, key, &info);
	srv->creating = true;
	srv->vh = lws_create_vhost(ctx, &info);
	srv->creating = false;
	if (srv->vh == NULL) {
		snprintf(err, errlen, "cannot listen on %s:%d%s", srv->addr, port,
		    srv->tls ? " (or read the certificate and key)" : "");
		/* Not finalized yet: lws frees it when it lets the vhost go. */
		srv->stopping = true;
		if (srv->finalized)
			free_server(srv);
		return NULL;
	}
	srv->port = lws_get_vhost_listen_port(srv->vh);
	snprintf(srv->url, sizeof(srv->url), "%s://%s:%d", srv->tls ? "wss" : "ws", srv->addr,
	    srv->port);
	sim_set_gateway_url(srv->sim, srv->url);
	sim_srv_drain(srv);
	return srv;
}

bool
sim_server_tls(const struct sim_server *srv)
{
	return srv->tls;
}

int
sim_server_port(const struct sim_server *srv)
{
	return srv->port;
}

const char *
sim_server_gateway_url(const struct sim_server *srv)
{
	return srv->url;
}

struct sim *
sim_server_sim(struct sim_server *srv)
{
	return srv->sim;
}

void
sim_server_kick(struct sim_server *srv)
{
	sim_srv_drain(srv);
}

int
sim_server_fault(struct sim_server *srv, const char *line, char *err,
    size_t errlen)
{
	int n = sim_fault_line(srv->sim, sim_srv_now(), line, err, errlen);

	sim_srv_drain(srv);
	return n;
}

int
sim_server_scenario(struct sim_server *srv, const char *text, char *err,
    size_t errlen)
{
	int n = sim_scenario_load(srv->sim, sim_srv_now(), text, err, errlen);

	sim_srv_drain(srv);
	return n;
}

void
sim_server_stop(struct sim_server *srv)
{
	size_t i;

	srv->stopping = true;
	lws_sul_cancel(&srv->sul);
	release_held(srv);
	/* lws would close them only at its next periodic check: now. */
	for (i = 0; i < srv->nconns; i++) {
		if (srv->conns[i] != NULL)
			sim_ws_drop(srv->conns[i], false);
	}
	lws_vhost_destroy(srv->vh);
	lws_cancel_service(srv->ctx);
}
