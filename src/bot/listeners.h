/*
 * Listeners: code that reacts to gateway events (the seed's
 * addMessageCreateListener, plus Javacord's LostConnection, Resume and
 * Reconnect listeners). A listener that returns an error is logged with its
 * name and counted, and the others still run (the seed's global error
 * handler); the loop goes on.
 *
 * Events carry the tokenized frame (fast path). A listener that wants the
 * whole object asks event_json(), which parses `d` once per event with
 * jansson and shares the tree with later listeners.
 */
#ifndef VIGIL_BOT_LISTENERS_H
#define VIGIL_BOT_LISTENERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "bot/frame.h"
#include "bot/log.h"

#define LISTENERS_MAX      32
#define LISTENER_NAME_MAX  32
#define LISTENER_ERR_MAX   128

/* Lifecycle events (no frame). */
#define EVENT_LOST_CONNECTION "LOST_CONNECTION"
#define EVENT_RESUME          "RESUME"
#define EVENT_RECONNECT       "RECONNECT"
/* Matches every dispatch (not lifecycle events). */
#define EVENT_ANY_DISPATCH    "*"

struct event {
	const char *name;              /* dispatch `t`, or one of EVENT_* above */
	const struct frame *frame;     /* dispatches: the frame; NULL for lifecycle events */
	const char *detail;            /* lifecycle events: the reason, else NULL */
	int shard;                     /* the shard it came from */
	json_t *full;                  /* lazily built by event_json; owned by the event */
	bool full_failed;
};

/* 0 = handled; nonzero = failed, with a message in err. */
typedef int (*listener_fn)(void *ud, struct event *ev, char *err, size_t errlen);

struct listener {
	char name[LISTENER_NAME_MAX];
	char event[LISTENER_NAME_MAX];
	listener_fn fn;
	void *ud;
	uint64_t calls, failures;
	char last_error[LISTENER_ERR_MAX];
};

struct listeners {
	struct listener items[LISTENERS_MAX];
	int n;
	uint64_t failures;             /* across all listeners */
};

void listeners_init(struct listeners *ls);
/* Registers fn for `event` (a dispatch name, EVENT_*, or EVENT_ANY_DISPATCH).
 * 0, or -1 when the table is full or a name is too long. */
int listeners_add(struct listeners *ls, const char *name, const char *event,
    listener_fn fn, void *ud);
/* Removes every listener registered with ud (its owner goes away).
 * Returns how many. Not from inside listeners_emit. */
int listeners_remove(struct listeners *ls, const void *ud);
/* Runs every listener registered for ev->name (and "*" for dispatches), in
 * registration order. Failures are logged (WARN, source "listener") with the
 * listener's name and counted. Frees ev->full afterwards. */
void listeners_emit(struct listeners *ls, struct event *ev, struct logring *log);
/* True when a listener would run for the dispatch named `dispatch`. */
bool listeners_want(const struct listeners *ls, const char *dispatch);

/* The event's `d` as a jansson tree, parsed on first use; NULL when the
 * event has no frame or `d` does not parse. Borrowed from the event. */
json_t *event_json(struct event *ev);

#endif
