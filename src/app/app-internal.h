/*
 * The app's insides, shared by app.c (driving the core) and app-setup.c
 * (building and tearing down, the event handlers, the emulator's control
 * API). Nothing outside src/net includes this.
 */
#ifndef VIGIL_APP_APP_INTERNAL_H
#define VIGIL_APP_APP_INTERNAL_H

#include <stdio.h>

#include "app/app.h"
#include "app/embed.h"
#include "net/gateway.h"
#include "app/logsink.h"
#include "net/loop.h"
#include "net/rest.h"
#include "net/statefile.h"

/* One shard: its session machine and its own gateway connection. */
struct app_shard {
	struct app *a;
	struct bot bot;
	struct gateway *gw;
	bool ready;                     /* bot_init_shard succeeded */
};

struct app {
	struct app_config cfg;
	struct fleet fleet;
	bool fleet_ready;
	struct app_shard *shards;       /* nshards, in shard order */
	int nshards;
	struct loop loop;
	struct rest *rest;
	struct embed *sim;              /* the embedded emulator, or NULL */
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
	uint64_t persist_failures;
};

/* app.c */
void app_persist(struct app *a);
/* The loop's time, stamped on the log for lines the app writes itself. */
struct logring *app_log(struct app *a);
void app_flush_logs(struct app *a);
/* app-shards.c: the fleet and this process's shards from the config (shards,
 * shard_ids; `auto` asks GET /gateway/bot). 0, or -1 with a message naming
 * the key at fault. */
int app_make_shards(struct app *a, char *err, size_t errlen);
/* app-setup.c: asks the peer's control API whether it is vigil's emulator. */
void app_probe_sim(struct app *a);

#endif
