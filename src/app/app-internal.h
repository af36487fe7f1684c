/*
 * The app's insides, shared by app.c (driving the core) and app-setup.c
 * (building and tearing down, the event handlers, the emulator's control
 * API). Nothing outside src/net includes this.
 */
#ifndef VIGIL_APP_APP_INTERNAL_H
#define VIGIL_APP_APP_INTERNAL_H

#include <stdio.h>

#include "app/app.h"
#include "app/cluster.h"
#include "app/embed.h"
#include "net/ctlsock.h"
#include "net/gateway.h"
#include "net/httpd.h"
#include "app/alert.h"
#include "app/metrics.h"
#include "app/logsink.h"
#include "net/loop.h"
#include "net/rest.h"
#include "net/sdnotify.h"
#include "net/statefile.h"
#include "script/script-host.h"

/* REST requests held for the cluster's shared 50/s: room for every request
 * the fleet's queue can have out at once, so none ever skips the shared
 * limit (a long global pause fills it). The strings are the core's
 * (borrowed until bot_on_http). */
#define APP_HTTP_WAIT RLQ_MAX_PENDING

struct app_http_wait {
	uint64_t id;
	const char *method, *path, *body;
	size_t body_len;
};

/* One shard: its session machine, and its part in the cluster
 * (app-cluster.c), driven by its lease. */
struct app_shard {
	struct bot bot;
	bool ready;                     /* bot_init_shard succeeded */
	struct app *app;
	bool started;                   /* bot_start ran (the lease was ours) */
	bool lease_lost;                /* stopped here: another process holds the lease */
	bool take_up;                   /* ours again while its stop still closed: resumed after */
	char published[CLUSTER_STATE_MAX];     /* the state last published */
	int64_t put_seq;                /* the session last written to the store */
	char put_id[BOT_SESSION_ID_MAX];
};

/* One gateway transport carries every shard's connection (its buffers are
 * the loop's, not a shard's): a transport conn id is the shard's index in
 * the top bits and the shard's own conn id below (docs/design.md
 * "Shards"). FLEET_SHARDS_MAX is 1 << (32 - APP_CONN_BITS). */
#define APP_CONN_BITS 20
#define APP_CONN_MASK ((1u << APP_CONN_BITS) - 1)
_Static_assert(FLEET_SHARDS_MAX <= (1u << (32 - APP_CONN_BITS)), "shard index bits");

static inline uint32_t
app_gw_conn(int shard_index, uint32_t conn)
{
	return ((uint32_t)shard_index << APP_CONN_BITS) | (conn & APP_CONN_MASK);
}

struct app {
	struct app_config cfg;
	struct fleet fleet;
	bool fleet_ready;
	struct app_shard *shards;       /* nshards, in shard order */
	int nshards;
	struct loop loop;
	struct gateway *gw;
	struct rest *rest;
	struct embed *sim;              /* the embedded emulator, or NULL */
	struct script_host *scripts;    /* the bot scripts (app-scripts.c) */
	int64_t store_at;               /* next write of changed stores, VTIME_NEVER when clean */
	struct ctlsock *ctl;            /* the control socket, or NULL */
	struct httpd *http;             /* /healthz /readyz /metrics, or NULL */
	struct metrics metrics;
	struct {
		void (*emit)(void *ud, FILE *f);
		void *ud;
	} providers[APP_METRICS_PROVIDERS];
	int nproviders;
	struct sdnotify notify;         /* systemd, when NOTIFY_SOCKET is set */
	bool notify_ready;              /* READY=1 sent */
	char notify_status[256];        /* the last STATUS= sent */
	int64_t watchdog_next;          /* mono, or VTIME_NEVER */
	struct alerts alerts;           /* webhook alerts, when alert_webhook is set */
	bool alert_on, alert_discord, alert_inflight;
	int alert_tries;
	int64_t alert_retry_at, alert_sent_mono, alert_latency_ms;
	uint64_t alerts_sent, alerts_failed;
	struct {
		char name[SCRIPT_NAME_MAX];
		int disabled;           /* listeners disabled, at the last turn */
	} alert_scripts[SCRIPT_MAX];
	char ctl_path[PATH_MAX];
	app_cmd_fn cmd_run;             /* the front end's command table */
	void *cmd_ud;
	struct app_ui_hooks ui;
	struct logsink out, file;       /* headless stdout; the log file */
	FILE *logf;
	char api[APP_URL_MAX + 8];      /* REST base with the version: ".../api/v10" */
	char root[APP_URL_MAX];         /* the server's root, for /_ctl/ */
	char label[128];
	bool has_sim, loopback;
	bool draining, quitting, done;
	bool loop_ready;
	int status;
	int64_t ui_deadline, quit_started, quit_deadline, logout_deadline;
	int64_t start_mono, start_wall_ms;      /* for uptime, process_start_time_seconds */
	uint64_t persist_failures;
	/* the cluster (app-cluster.c); cluster is NULL without `cluster` */
	struct cluster *cluster;
	int64_t cluster_reading_wall;   /* Discord's reading last shared */
	struct app_http_wait http_wait[APP_HTTP_WAIT];
	int http_head, http_count;
	bool http_asking;
	int cluster_release;            /* 0 not asked, 1 asked, 2 answered */
	char cluster_name[CLUSTER_NAME_MAX];
	lws_sorted_usec_list_t http_timer;
};

/* app-scripts.c: the scripts' driver (clock, files, stores). */
int app_scripts_start(struct app *a, char *err, size_t errlen);
/* Writes the stores that changed, at most once a second unless now. */
void app_scripts_persist(struct app *a, bool now);
/* UNLOAD for every script, the stores written, the host freed. */
void app_scripts_stop(struct app *a);
int64_t app_scripts_deadline(const struct app *a);

/* app.c */
void app_persist(struct app *a);
/* The loop's time, stamped on the log for lines the app writes itself. */
struct logring *app_log(struct app *a);
void app_flush_logs(struct app *a);
/* app-cluster.c: the app's side of the cluster (docs/cluster.md). Each does
 * nothing without `cluster`. */
int app_cluster_new(struct app *a, char *err, size_t errlen);
void app_cluster_free(struct app *a);
/* Instead of bot_start: claims every shard of the process and starts each
 * once its lease is ours (taking over a session another process left).
 * False without a cluster. */
bool app_cluster_begin(struct app *a);
/* True while a shard is stopped here because another process holds its
 * lease: it restarts when the lease comes back. */
bool app_cluster_holds_back(const struct app *a);
void app_cluster_permit(struct app *a, const struct action *act);
/* After an IDENTIFY's ACT_SEND: its key rests 5 s from now. */
void app_cluster_sent(struct app *a, const struct action *act);
/* After ACT_PERSIST (one save holds every shard): each shard's session
 * that changed goes to the store too. */
void app_cluster_persisted(struct app *a);
/* ACT_HTTP: true when held for the shared limit (it is sent later). */
bool app_cluster_http(struct app *a, const struct action *act);
/* A REST answer: a global 429 pauses the whole cluster. */
void app_cluster_http_done(struct app *a, int status, const struct rlq_headers *h);
/* Quitting, once the gateway is closed: true when the leases are released
 * (or there is nothing to release or nobody to tell). */
bool app_cluster_released(struct app *a);
/* Once per loop turn: publishes each shard's state when it changed. */
void app_cluster_turn(struct app *a);
/* app-shards.c: the fleet and this process's shards from the config (shards,
 * shard_ids; `auto` asks GET /gateway/bot). 0, or -1 with a message naming
 * the key at fault. */
int app_make_shards(struct app *a, char *err, size_t errlen);
/* app-setup.c: SIGUSR1 reopens log_file (logrotate without copytruncate). */
void app_reopen_log(struct app *a);
/* app-setup.c: asks the peer's control API whether it is vigil's emulator. */
void app_probe_sim(struct app *a);
/* app-ctl.c: listens on the control socket (a failure is logged). */
void app_ctl_start(struct app *a);
/* app-notify.c: systemd notifications, from the loop's turn only. */
void app_notify_start(struct app *a);
void app_notify_turn(struct app *a, struct vtime now);
void app_notify_stopping(struct app *a);
/* app-alert.c: webhook alerts, observed and sent from the loop's turn. */
void app_alert_start(struct app *a);
void app_alert_turn(struct app *a, struct vtime now);
int64_t app_alert_deadline(const struct app *a);
/* app-http.c: the HTTP vhost when `listen` is set. 0, or -1 with a message. */
int app_http_start(struct app *a, char *err, size_t errlen);
/* app-metrics.c: the exposition text (malloc'd), or NULL. */
char *app_metrics_text(struct app *a, size_t *len);

#endif
