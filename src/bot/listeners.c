/*
 * Listeners; see listeners.h. A failing listener is one log line and a
 * counter, never a reason to skip the next listener or stop the loop: the
 * seed's "global error handler".
 */
#include <stdio.h>
#include <string.h>

#include "bot/listeners.h"

static const char *const lifecycle_events[] = {
	EVENT_LOST_CONNECTION, EVENT_RESUME, EVENT_RECONNECT,
};

void
listeners_init(struct listeners *ls)
{
	memset(ls, 0, sizeof(*ls));
}

static bool
fits(const char *s, size_t max)
{
	return s != NULL && s[0] != '\0' && strnlen(s, max) < max;
}

int
listeners_add(struct listeners *ls, const char *name, const char *event,
    listener_fn fn, void *ud)
{
	struct listener *l;

	if (ls->n == LISTENERS_MAX || fn == NULL)
		return -1;
	if (!fits(name, LISTENER_NAME_MAX) || !fits(event, LISTENER_NAME_MAX))
		return -1;
	l = &ls->items[ls->n++];
	memset(l, 0, sizeof(*l));
	memcpy(l->name, name, strlen(name) + 1);
	memcpy(l->event, event, strlen(event) + 1);
	l->fn = fn;
	l->ud = ud;
	return 0;
}

int
listeners_remove(struct listeners *ls, const void *ud)
{
	int kept = 0, n = ls->n;

	for (int i = 0; i < n; i++) {
		if (ls->items[i].ud != ud)
			ls->items[kept++] = ls->items[i];
	}
	ls->n = kept;
	return n - kept;
}

static bool
is_lifecycle(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(lifecycle_events) / sizeof(lifecycle_events[0]); i++) {
		if (strcmp(name, lifecycle_events[i]) == 0)
			return true;
	}
	return false;
}

static bool
matches(const struct listener *l, const char *name, bool dispatch)
{
	if (strcmp(l->event, EVENT_ANY_DISPATCH) == 0)
		return dispatch;
	return strcmp(l->event, name) == 0;
}

bool
listeners_want(const struct listeners *ls, const char *dispatch)
{
	for (int i = 0; i < ls->n; i++) {
		if (matches(&ls->items[i], dispatch, true))
			return true;
	}
	return false;
}

static void
call(struct listeners *ls, struct listener *l, struct event *ev, struct logring *log)
{
	char err[LISTENER_ERR_MAX];
	int rc;

	err[0] = '\0';
	l->calls++;
	rc = l->fn(l->ud, ev, err, sizeof(err));
	if (rc == 0)
		return;
	l->failures++;
	ls->failures++;
	if (err[0] == '\0')
		snprintf(err, sizeof(err), "failed with code %d", rc);
	/* The callee may have left it unterminated at the very end. */
	err[sizeof(err) - 1] = '\0';
	memcpy(l->last_error, err, sizeof(l->last_error));
	if (log != NULL)
		LOGF(log, LOG_WARN, "listener", "listener %s failed on %s: %s", l->name,
		    ev->name, err);
}

void
listeners_emit(struct listeners *ls, struct event *ev, struct logring *log)
{
	bool dispatch;
	int i, n;

	if (ev->name == NULL)
		ev->name = "";
	dispatch = !is_lifecycle(ev->name);
	/* A listener added while this event runs waits for the next one. */
	n = ls->n;
	for (i = 0; i < n; i++) {
		if (matches(&ls->items[i], ev->name, dispatch))
			call(ls, &ls->items[i], ev, log);
	}
	json_decref(ev->full);
	ev->full = NULL;
}

json_t *
event_json(struct event *ev)
{
	const struct frame *f = ev->frame;
	const jsmntok_t *t;
	json_error_t jerr;
	size_t start, end;

	if (ev->full != NULL || ev->full_failed)
		return ev->full;
	if (f == NULL || f->d < 0 || f->d >= f->ntok) {
		ev->full_failed = true;
		return NULL;
	}
	t = &f->tok[f->d];
	start = (size_t)t->start;
	end = (size_t)t->end;
	/* jsmn's string spans leave out the quotes; the parser needs them. */
	if (t->type == JSMN_STRING) {
		start--;
		end++;
	}
	ev->full = json_loadb(f->buf + start, end - start, JSON_DECODE_ANY, &jerr);
	if (ev->full == NULL)
		ev->full_failed = true;
	return ev->full;
}
