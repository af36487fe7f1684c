/*
 * Shared between the files of src/script, not part of its public face
 * (script-host.h). One `struct script` is one loaded file and its Lua state;
 * the host owns the scripts, their stores and the link to the bot.
 */
#ifndef VIGIL_SCRIPT_INTERNAL_H
#define VIGIL_SCRIPT_INTERNAL_H

#include <jansson.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "script/script-host.h"

/* Instructions between two looks at the clock while a callback runs. */
#define SCRIPT_HOOK_COUNT      1000
/* Nesting of tables converted to or from JSON. */
#define SCRIPT_JSON_DEPTH      64
/* The breaker's window (docs/bots.md, "Errors"). */
#define SCRIPT_ERROR_WINDOW_MS MS_PER_MIN
/* Seconds of the host's error count ("errors in the last minute"). */
#define HOST_ERROR_SECONDS     60

#define EVENT_UNLOAD "UNLOAD"

struct script_store {
	char name[SCRIPT_NAME_MAX];     /* "" when free */
	json_t *obj;                    /* key -> JSON value */
	size_t bytes;                   /* sum of key and encoded value lengths */
	bool dirty;
};

struct slistener {
	int handle;                     /* 0: free slot */
	char event[LISTENER_NAME_MAX];
	int fn;                         /* registry reference */
	uint64_t calls, errors;
	int64_t window_start;
	int window_errors;
	bool disabled;
};

struct stimer {
	int handle;                     /* 0: free slot */
	int fn;
	int64_t due, period;            /* period 0: runs once */
};

/* A coroutine waiting in vigil.rest. */
struct scall {
	bool used;
	struct script *s;
	int thread;                     /* registry reference of the coroutine */
	int listener;                   /* the handle it runs for (0: a timer) */
};

struct script {
	struct script_host *host;
	char name[SCRIPT_NAME_MAX];
	char path[SCRIPT_PATH_MAX];
	char dir[SCRIPT_PATH_MAX];
	lua_State *L;
	size_t mem, mem_peak, mem_cap;
	int64_t deadline;               /* mono (driver's clock) while a callback runs */
	bool timed_out;
	lua_State *running;             /* the host's coroutine being resumed */
	lua_State *idle;                /* a finished coroutine kept for the next run */
	int idle_ref;                   /* its registry slot (LUA_NOREF: none yet) */
	bool yielded;                   /* the last run left its coroutine waiting */
	int listener;                   /* the handle the running coroutine serves (0: timer) */
	int next_handle;
	struct slistener ls[SCRIPT_LISTENERS_MAX];
	struct stimer tm[SCRIPT_TIMERS_MAX];
	struct scall calls[SCRIPT_CALLS_MAX];
	struct script_store *store;     /* the host's, kept across reloads */
	uint64_t ncalls, nerrors;
	char last_error[SCRIPT_ERR_MAX];
};

struct script_host {
	struct bot *bot;
	struct script_limits lim;
	struct script_driver drv;
	struct vtime now;
	struct script *s[SCRIPT_MAX];
	struct script_store stores[SCRIPT_MAX];
	int n;
	int64_t err_sec[HOST_ERROR_SECONDS];    /* which second each count is for */
	int err_count[HOST_ERROR_SECONDS];
};

/* script.c: one script's life and its callbacks. */
struct script *script_new(struct script_host *h, const char *path, struct script_store *store,
    char *err, size_t errlen);
void script_free(struct script *s);
/* Reads and runs the top level. 0, or -1 with the error (script:line). */
int script_run_main(struct script *s, char *err, size_t errlen);
struct script *script_of(lua_State *L);
/* Runs the function under the nargs values on top of the main state's
 * stack as a coroutine, under the time limit, and pops them; counts and
 * logs an error against listener handle (0: a timer). Call only inside
 * script_protected. */
void script_start(struct script *s, int nargs, int listener);
/* Resumes a coroutine waiting in vigil.rest with the nargs values on its
 * stack. Call only inside script_protected. */
void script_resume(struct script *s, lua_State *co, int nargs, int listener);
/* Runs fn(s, ud) in protected mode on the script's main state; a Lua error
 * there (out of memory) is logged against the script. */
void script_protected(struct script *s, void (*fn)(struct script *, void *), void *ud);
/* Records a failure: log line (ERROR, the script's name as source), counts,
 * and the listener's breaker. */
void script_fail(struct script *s, int listener, const char *what, const char *msg);
/* The script's log line. */
void script_log(struct script *s, enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* sandbox.c: the libraries a script gets, and require. */
void sandbox_open(lua_State *L);

/* api-*.c: the parts of the `vigil` table. Each pushes nothing and fills
 * the table at the top of the stack. */
void api_events_open(lua_State *L);
void api_timers_open(lua_State *L);
void api_rest_open(lua_State *L);
void api_cache_open(lua_State *L);
void api_log_open(lua_State *L);
void api_state_open(lua_State *L);
void api_store_open(lua_State *L);
void api_message_open(lua_State *L);

/* api-events.c */
struct slistener *script_listener(struct script *s, int handle);
/* Runs the listeners of ev (a dispatch or lifecycle event, or UNLOAD). */
void script_emit(struct script *s, struct event *ev);
bool script_listens(const struct script *s, const char *event, bool dispatch);

/* api-timers.c */
void script_timers_run(struct script *s, struct vtime now);
int64_t script_timers_next(const struct script *s);

/* api-rest.c */
/* Queues a REST call for the running coroutine; the body (string or
 * table) is at body_idx, 0 for none. Returns lua_yield's value. */
int api_rest_call(lua_State *L, const char *method, const char *path, int body_idx);
/* Sends content (string or table at idx) to channel; fire and forget. */
int api_rest_send(lua_State *L, const char *channel, int idx);
/* Drops the script's waiting calls (unload). */
void api_rest_cancel(struct script *s);

/* api-message.c: the lazy view over the event's frame. */
/* Pushes the payload view of f (nil when f has no `d`); the event source
 * stays at the returned stack index of L. */
int view_push_source(lua_State *L, const struct frame *f, int shard);
/* Pushes a view of the source at src_idx of L. */
void view_push_root(lua_State *L, int src_idx);
/* The event ends: a source a waiting coroutine can still reach copies its
 * bytes; one that nothing waits on expires. */
void view_source_end(lua_State *L, int src_idx, bool keep);

/* api-store.c */
void store_init(struct script_store *st);
void store_free(struct script_store *st);
/* Replaces the content with a JSON object's text. 0, or -1 with a message. */
int store_load(struct script_store *st, const char *json, size_t max, char *err, size_t errlen);

/* json.c: Lua values and JSON. */
/* Pushes v as Lua (objects and arrays as tables, null as nil). */
void json_push(lua_State *L, const json_t *v);
/* The Lua value at idx as JSON (new reference), or NULL with a message. */
json_t *json_from_lua(lua_State *L, int idx, char *err, size_t errlen);
/* Pushes the decoded body: a table when it is a JSON object or array,
 * else the string. */
void json_push_body(lua_State *L, const char *body, size_t len);

/* script-host.c */
void host_count_error(struct script_host *h);
/* Runs UNLOAD, then frees the script. */
void host_retire(struct script *s);

/* reload.c */
int host_reload_one(struct script_host *h, int i, char *err, size_t errlen);

#endif
