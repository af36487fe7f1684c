/*
 * The bot scripts' host: every loaded Lua script, and the one thing the app
 * talks to (docs/bots.md). Like the bot core it does no I/O and reads no
 * clock: its driver hands it the time, reads files for it (the script and
 * what it requires, the persisted store) and writes the store when told it
 * changed. The driver also lends it a monotonic clock, read only to stop a
 * callback that runs past the time limit (tests pass a fake clock).
 *
 * Gateway events reach the scripts through one listener the host registers
 * in the bot core ("*" and the lifecycle events); REST calls go through the
 * core's rate-limit queue (bot_rest_call).
 */
#ifndef VIGIL_SCRIPT_HOST_H
#define VIGIL_SCRIPT_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bot/bot.h"
#include "bot/vtime.h"

#define SCRIPT_MAX             16      /* scripts loaded at once */
#define SCRIPT_NAME_MAX        32      /* "ping" for bots/ping.lua */
#define SCRIPT_PATH_MAX        512
#define SCRIPT_ERR_MAX         200
#define SCRIPT_LISTENERS_MAX   64      /* vigil.on handles per script */
#define SCRIPT_TIMERS_MAX      64      /* vigil.every/after handles per script */
#define SCRIPT_CALLS_MAX       64      /* vigil.rest calls waiting per script */
#define SCRIPT_SOURCE_MAX      (1u << 20)   /* a .lua file, required ones too */

#define SCRIPT_TIMEOUT_DEFAULT_MS   100
#define SCRIPT_MEMORY_DEFAULT       (64u << 20)
#define SCRIPT_ERROR_LIMIT_DEFAULT  10
#define SCRIPT_STORE_DEFAULT        (1u << 20)

struct script_limits {
	int64_t timeout_ms;             /* per callback run */
	size_t memory;                  /* bytes per Lua state */
	int error_limit;                /* failures a minute before a listener is disabled */
	size_t store;                   /* bytes of a script's store, as JSON */
};

struct script_driver {
	void *ud;
	/* Monotonic milliseconds; read only to enforce the time limit. */
	int64_t (*clock_ms)(void *ud);
	/* The file's bytes (malloc'd, *len set), or NULL with a message. */
	char *(*read_file)(void *ud, const char *path, size_t max, size_t *len, char *err,
	    size_t errlen);
	/* The persisted store of script `name` (malloc'd JSON text), or NULL
	 * when there is none. */
	char *(*store_read)(void *ud, const char *name);
};

/* One line of the console's `bot` list. */
struct script_info {
	char name[SCRIPT_NAME_MAX];
	char path[SCRIPT_PATH_MAX];
	int listeners, disabled, timers, waiting;
	uint64_t calls, errors;
	size_t memory, memory_peak;
	char last_error[SCRIPT_ERR_MAX];
};

/* One listener of a script. */
struct script_listener_info {
	char event[LISTENER_NAME_MAX];
	int handle;
	uint64_t calls, errors;
	bool disabled;
};

/* The console's always-visible line. */
struct script_health {
	int scripts;
	int errors_last_min;
	int disabled;
};

struct script_host;

void script_limits_default(struct script_limits *l);

/* Registers the host's listener with the bot. NULL with a message. */
struct script_host *script_host_new(struct bot *bot, const struct script_limits *lim,
    const struct script_driver *drv, char *err, size_t errlen);
/* Unloads every script (each gets UNLOAD) and frees the host. */
void script_host_free(struct script_host *h, struct vtime now);

/* Loads path as a new script named after its file ("bots/ping.lua" is
 * "ping"). 0, or -1 with a message (nothing loaded). */
int script_host_load(struct script_host *h, struct vtime now, const char *path, char *err,
    size_t errlen);
/* Reloads one script, or every one when name is NULL or "": the new code
 * runs in a fresh state, and only when its top level succeeds does the old
 * one get UNLOAD and go. 0, or -1 with a message (the old script runs on). */
int script_host_reload(struct script_host *h, struct vtime now, const char *name, char *err,
    size_t errlen);
int script_host_unload(struct script_host *h, struct vtime now, const char *name, char *err,
    size_t errlen);
/* Turns a script's disabled listeners back on. */
int script_host_enable(struct script_host *h, struct vtime now, const char *name, char *err,
    size_t errlen);

/* Runs the timers that are due. */
void script_host_tick(struct script_host *h, struct vtime now);
/* Mono ms of the next timer, or VTIME_NEVER. */
int64_t script_host_next_deadline(const struct script_host *h);

/* A store changed since it was last handed out: its script's name and its
 * JSON text (malloc'd; the caller frees it and persists it). false when
 * none is dirty. */
bool script_host_store_take(struct script_host *h, char *name, size_t namelen, char **json);
/* True when some store changed since it was last taken. */
bool script_host_store_dirty(const struct script_host *h);

int script_host_count(const struct script_host *h);
/* Script i (0-based, load order); false past the end. */
bool script_host_info(const struct script_host *h, int i, struct script_info *out);
/* Up to max listeners of script i. */
int script_host_listeners(const struct script_host *h, int i, struct script_listener_info *out,
    int max);
void script_host_health(const struct script_host *h, struct vtime now, struct script_health *out);

#endif
