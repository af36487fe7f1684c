/*
 * The running vigil: one thread, one loop (the libwebsockets native loop),
 * owning the bot core, the gateway websocket, the REST client (libcurl multi
 * on the same loop), the state file, stdin and a signalfd, and, when no
 * token and no --api are given, the emulator in-process.
 *
 * Two front ends drive it: the console (src/ui), through the hooks below,
 * and headless mode (logs to stdout), with no hooks. Neither touches a
 * socket: they call the bot's commands and then app_kick so the actions run.
 */
#ifndef VIGIL_APP_APP_H
#define VIGIL_APP_APP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bot/bot.h"
#include "bot/shard-set.h"
#include "script/script-host.h"

#define APP_URL_MAX 256

struct app_config {
	struct bot_config bot;          /* bot.shard_count: N, or 0 for auto (/gateway/bot's shards) */
	char shard_ids[SHARD_SET_TEXT_MAX];     /* this process's shards of N; "" = all */
	char api_base[APP_URL_MAX];     /* "https://discord.com/api", "http://127.0.0.1:P/api", or "" for the embedded emulator */
	char state_dir[PATH_MAX];       /* state file, history; default $XDG_STATE_HOME/vigil */
	char log_file[PATH_MAX];        /* "" = no log file */
	bool headless;                  /* log to stdout instead of a console */
	bool log_json;                  /* headless: one JSON object per line */
	enum log_level stdout_level;    /* headless: lowest level printed */
	bool logout;                    /* close with 1000 and forget the session, then exit */
	char endpoint[72];              /* "discord", "emulator", "api-HOST_PORT": names the state subdirectory and the control socket */
	char ctl_socket[PATH_MAX];      /* the control socket; "" = the default, "off" = none */
	char listen[128];               /* "ADDR:PORT" for /healthz /readyz /metrics; "" = off */
	char alert_webhook[512];        /* a secret: config file or VIGIL_ALERT_WEBHOOK only */
	int64_t alert_after_ms, alert_interval_ms;      /* 0 = 30 s, 5 min */
	/* The embedded emulator (ignored when api_base is set). */
	int sim_heartbeat_ms;
	double sim_chatter_per_s;
	uint64_t sim_seed;
	/* The websocket idle policy: a PING after this many seconds without
	 * a byte from the server, hang up after that many (a black-holed TCP
	 * connection). 0 = 60 s / 75 s. */
	int ws_idle_ping_s, ws_idle_hangup_s;
	/* Bot scripts (docs/bots.md): none given runs the shipped ping.lua. */
	char bots[SCRIPT_MAX][SCRIPT_PATH_MAX];
	int nbots;
	bool no_bots;                   /* `bot = none`: not even ping.lua */
	struct script_limits script;
	/* A PEM file of CAs to trust for wss:// and https:// instead of the
	 * system store; "" = the system store. Verification is always on. */
	char ca_file[PATH_MAX];
	/* The cluster (docs/cluster.md): "" = none, one process on its own. */
	char cluster[APP_URL_MAX];      /* redis://HOST:PORT/DB or unix:///PATH */
	char cluster_name[64];          /* "" = the bot's user id, once known */
	char redis_password[256];       /* a secret, like the token */
	int64_t cluster_lease_ms;       /* 0 = 15 s */
	bool cluster_fence;             /* give shards up when leases cannot be renewed */
};

/* What the console gives the loop. Every hook may be NULL. */
struct app_ui_hooks {
	void *ud;
	/* Bytes read from stdin (the console feeds them to readline). */
	void (*on_input)(void *ud, const char *bytes, size_t n);
	/* stdin reached EOF. */
	void (*on_input_closed)(void *ud);
	/* SIGWINCH arrived (through the signalfd). */
	void (*on_resize)(void *ud);
	/* The core raised ACT_ALERT (lost connection, fatal stop): bell, title. */
	void (*on_alert)(void *ud, const char *text);
	/* Once per loop turn that handled anything: draw what changed. */
	void (*render)(void *ud, struct vtime now);
	/* The console's own next wake-up (redraw throttle, the 1 s countdown
	 * tick), mono ms or VTIME_NEVER. The loop sleeps until the earliest of
	 * this, the core's deadline, curl's timer and fd activity. */
	int64_t (*next_deadline)(void *ud, struct vtime now);
};

struct app;                             /* opaque */

void app_config_defaults(struct app_config *cfg);
/* Builds the loop, starts the emulator if embedded, loads the state file
 * (a corrupt one is moved aside and reported, never silently reset).
 * NULL with a message on failure. */
struct app *app_new(const struct app_config *cfg, char *err, size_t errlen);
void app_set_ui(struct app *a, const struct app_ui_hooks *hooks);
/* Starts the bot and runs the loop until quit. Returns the exit status. */
int app_run(struct app *a);
/* Asks the loop to end: the session is closed with 4900 (resumable) and
 * persisted, or with 1000 and forgotten when logout is true; the loop exits
 * once the close completes (or times out). */
void app_quit(struct app *a, bool logout);
void app_free(struct app *a);

/* The bot scripts' host, for the console's `bot` commands. After a
 * command, call app_kick. */
struct script_host *app_scripts(struct app *a);
/* Reloads every bot script (SIGHUP, `bot reload`). 0, or -1 with the first
 * failure (the scripts that failed keep their old code). */
int app_reload_bots(struct app *a, char *err, size_t errlen);

/* The loop's time (monotonic and wall). */
struct vtime app_now(const struct app *a);
/* The core, for commands and views. After calling a bot_cmd_* or any other
 * bot function that may produce actions, call app_kick. app_bot is the
 * first of this process's shards. */
struct bot *app_bot(struct app *a);
/* This process's shards, in shard order: app_shard(a, i) for i < app_shards(a). */
int app_shards(const struct app *a);
struct bot *app_shard(struct app *a, int i);
/* What the shards share. */
struct fleet *app_fleet(struct app *a);
/* The shard in the worst state (stopped, Disconnected, Reconnecting,
 * Resuming, Connected): what health, alerts and systemd report. */
const struct bot *app_worst(const struct app *a);
void app_kick(struct app *a);

/* Where vigil connects, for the status line: "emulator 127.0.0.1:8787" or
 * "discord.com". */
const char *app_endpoint_label(const struct app *a);
/* True when the peer is vigil's emulator (its control API answers). */
bool app_has_sim(const struct app *a);
/* A request to the emulator's control API (/_ctl/...), outside the REST
 * rate-limit queue. done is called once, on the loop, with the HTTP status
 * (0 on a transport error) and the body. 0, or -1 with a message. */
int app_sim_request(struct app *a, const char *method, const char *ctl_path, const char *json,
    void (*done)(void *ud, int status, const char *body, size_t len), void *ud,
    char *err, size_t errlen);
/* The cluster as the store sees it, for the console (docs/cluster.md):
 * done is called once, on the loop, with a few lines of text (the store,
 * the shared budget, each shard's owner and state, lapsed owners marked),
 * or with err. 0, or -1 with a message (no cluster configured). */
typedef void (*app_cluster_report_fn)(void *ud, const char *const *lines, int n,
    const char *err);
int app_cluster_report(struct app *a, app_cluster_report_fn done, void *ud, char *err,
    size_t errlen);
/* In a cluster the console's grid shows every shard of the bot (0 without
 * one): this process's from their bots, the others' as the store showed
 * them at the last lease renewal (docs/cluster.md "The cluster view"). */
enum app_owner {
	APP_OWNER_UNKNOWN,      /* not read yet */
	APP_OWNER_HERE,
	APP_OWNER_ELSEWHERE,    /* another process holds its lease */
	APP_OWNER_LAPSED,       /* its owner's lease is gone and nobody took it */
	APP_OWNER_NOBODY,       /* never claimed */
};
int app_cluster_shards(const struct app *a);
enum app_owner app_cluster_owner(const struct app *a, int shard);
/* The state directory in use (for the console's history file). */
const char *app_state_dir(const struct app *a);

/* The command table behind the control socket (net/ctlsock.h): run gets
 * one command line and writes its answer to out; 0 done, -1 refused. The
 * console and headless mode both register theirs; NULL unregisters. */
typedef int (*app_cmd_fn)(void *ud, const char *line, const struct line_out *out);
void app_set_commands(struct app *a, app_cmd_fn run, void *ud);
/* Where the control socket listens ("" when it does not). */
const char *app_ctl_path(const struct app *a);
/* The state as one line of JSON (version, pid, state, phase, ready and
 * why not, uptime, loop lag, shard, session, budget, REST); malloc'd, NULL
 * when out of memory. For `status --json` and /healthz. */
char *app_status_json(struct app *a);
/* Ready: the gateway Connected (every shard). Otherwise false and why. */
bool app_ready(const struct app *a, char *why, size_t whylen);
/* More metric families for /metrics, written by emit at every scrape in
 * the text format 0.0.4 (bot scripts: vigil_script_errors_total{script},
 * vigil_script_memory_bytes{script}). At most APP_METRICS_PROVIDERS;
 * 0, or -1 when full. */
#define APP_METRICS_PROVIDERS 4
int app_add_metrics(struct app *a, void (*emit)(void *ud, FILE *f), void *ud);
/* A bot script was disabled: a webhook alert (with alert_webhook set). */
void app_alert_script_disabled(struct app *a, const char *script, const char *why);
/* The port /metrics is served on, 0 when not. */
int app_http_port(const struct app *a);

#endif
