/*
 * The host: the loaded scripts, their stores, the one listener in the bot
 * core that hands every event to them, the timers' deadline, and the health
 * the console shows (docs/bots.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "script/script-internal.h"

static const char *const host_events[] = {
	EVENT_ANY_DISPATCH, EVENT_LOST_CONNECTION, EVENT_RESUME, EVENT_RECONNECT,
};

void
script_limits_default(struct script_limits *l)
{
	l->timeout_ms = SCRIPT_TIMEOUT_DEFAULT_MS;
	l->memory = SCRIPT_MEMORY_DEFAULT;
	l->error_limit = SCRIPT_ERROR_LIMIT_DEFAULT;
	l->store = SCRIPT_STORE_DEFAULT;
}

static int
on_event(void *ud, struct event *ev, char *err, size_t errlen)
{
	struct script_host *h = ud;

	(void)err, (void)errlen;
	h->now = h->bot->now;
	for (int i = 0; i < h->n; i++)
		script_emit(h->s[i], ev);
	return 0;
}

struct script_host *
script_host_new(struct bot *bot, const struct script_limits *lim,
    const struct script_driver *drv, char *err, size_t errlen)
{
	struct script_host *h = calloc(1, sizeof(*h));

	if (h == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->bot = bot;
	h->lim = *lim;
	h->drv = *drv;
	h->now = bot->now;
	for (size_t i = 0; i < sizeof(host_events) / sizeof(host_events[0]); i++) {
		if (listeners_add(bot->listeners, "scripts", host_events[i], on_event, h) < 0) {
			snprintf(err, errlen, "the bot's listener table is full");
			listeners_remove(bot->listeners, h);
			free(h);
			return NULL;
		}
	}
	return h;
}

void
host_retire(struct script *s)
{
	struct event ev = { .name = EVENT_UNLOAD };

	script_emit(s, &ev);
	script_free(s);
}

void
script_host_free(struct script_host *h, struct vtime now)
{
	if (h == NULL)
		return;
	h->now = now;
	for (int i = 0; i < h->n; i++)
		host_retire(h->s[i]);
	for (int i = 0; i < SCRIPT_MAX; i++)
		store_free(&h->stores[i]);
	/* Events after this (a close during teardown) find no host. */
	listeners_remove(h->bot->listeners, h);
	free(h);
}

static int
find(const struct script_host *h, const char *name)
{
	for (int i = 0; i < h->n; i++) {
		if (strcmp(h->s[i]->name, name) == 0)
			return i;
	}
	return -1;
}

/* The store named name: the one already held (unloaded scripts' stores
 * stay until taken), else a free or clean slot filled from the driver. */
static struct script_store *
store_for(struct script_host *h, const char *name)
{
	struct script_store *st = NULL;
	char why[160], *json;

	for (int i = 0; i < SCRIPT_MAX; i++) {
		if (strcmp(h->stores[i].name, name) == 0)
			return &h->stores[i];
	}
	for (int i = 0; i < SCRIPT_MAX && st == NULL; i++) {
		bool attached = false;
		for (int k = 0; k < h->n; k++)
			attached = attached || h->s[k]->store == &h->stores[i];
		if (!attached && !h->stores[i].dirty)
			st = &h->stores[i];
	}
	if (st == NULL)
		return NULL;
	store_free(st);
	snprintf(st->name, sizeof(st->name), "%s", name);
	json = h->drv.store_read != NULL ? h->drv.store_read(h->drv.ud, name) : NULL;
	if (json != NULL && store_load(st, json, h->lim.store, why, sizeof(why)) < 0)
		LOGF(h->bot->log, LOG_ERROR, name, "store not loaded, starting empty: %s", why);
	free(json);
	return st;
}

int
script_host_load(struct script_host *h, struct vtime now, const char *path, char *err,
    size_t errlen)
{
	struct script_store *st;
	struct script *s;
	char probe_err[SCRIPT_ERR_MAX];

	h->now = now;
	if (h->n == SCRIPT_MAX) {
		snprintf(err, errlen, "%d bots are loaded already", SCRIPT_MAX);
		return -1;
	}
	/* A throwaway to learn the name the path gives. */
	s = script_new(h, path, NULL, err, errlen);
	if (s == NULL)
		return -1;
	if (find(h, s->name) >= 0) {
		snprintf(err, errlen, "a bot named %s is loaded already", s->name);
		script_free(s);
		return -1;
	}
	st = store_for(h, s->name);
	if (st == NULL) {
		snprintf(err, errlen, "%s: no room for its store", s->name);
		script_free(s);
		return -1;
	}
	s->store = st;
	if (script_run_main(s, probe_err, sizeof(probe_err)) < 0) {
		snprintf(err, errlen, "%s", probe_err);
		script_free(s);
		return -1;
	}
	h->s[h->n++] = s;
	LOGF(h->bot->log, LOG_INFO, "bot", "bot %s loaded from %s", s->name, s->path);
	return 0;
}

static int
not_loaded(char *err, size_t errlen, const char *name)
{
	snprintf(err, errlen, "no bot named %s is loaded (`bot` lists them)", name);
	return -1;
}

int
script_host_reload(struct script_host *h, struct vtime now, const char *name, char *err,
    size_t errlen)
{
	int i, failed = 0;

	h->now = now;
	if (name != NULL && name[0] != '\0') {
		i = find(h, name);
		return i < 0 ? not_loaded(err, errlen, name) : host_reload_one(h, i, err, errlen);
	}
	if (h->n == 0) {
		snprintf(err, errlen, "no bot is loaded");
		return -1;
	}
	for (i = 0; i < h->n; i++) {
		char why[SCRIPT_ERR_MAX + SCRIPT_NAME_MAX];
		if (host_reload_one(h, i, why, sizeof(why)) < 0 && failed++ == 0)
			snprintf(err, errlen, "%s", why);
	}
	return failed > 0 ? -1 : 0;
}

int
script_host_unload(struct script_host *h, struct vtime now, const char *name, char *err,
    size_t errlen)
{
	int i = find(h, name);
	struct script *s;

	h->now = now;
	if (i < 0)
		return not_loaded(err, errlen, name);
	s = h->s[i];
	memmove(&h->s[i], &h->s[i + 1], (size_t)(h->n - i - 1) * sizeof(h->s[0]));
	h->n--;
	host_retire(s);
	LOGF(h->bot->log, LOG_INFO, "bot", "bot %s unloaded", name);
	return 0;
}

int
script_host_enable(struct script_host *h, struct vtime now, const char *name, char *err,
    size_t errlen)
{
	int i = find(h, name), n = 0;

	h->now = now;
	if (i < 0)
		return not_loaded(err, errlen, name);
	for (int k = 0; k < SCRIPT_LISTENERS_MAX; k++) {
		struct slistener *l = &h->s[i]->ls[k];
		if (l->handle == 0 || !l->disabled)
			continue;
		l->disabled = false;
		l->window_errors = 0;
		l->window_start = now.mono_ms;
		n++;
	}
	LOGF(h->bot->log, LOG_INFO, "bot", "bot %s: %d listener%s enabled", name, n,
	    n == 1 ? "" : "s");
	return 0;
}

void
script_host_tick(struct script_host *h, struct vtime now)
{
	h->now = now;
	for (int i = 0; i < h->n; i++)
		script_timers_run(h->s[i], now);
}

int64_t
script_host_next_deadline(const struct script_host *h)
{
	int64_t t = VTIME_NEVER;

	for (int i = 0; i < h->n; i++) {
		int64_t d = script_timers_next(h->s[i]);
		if (d < t)
			t = d;
	}
	return t;
}

bool
script_host_store_take(struct script_host *h, char *name, size_t namelen, char **json)
{
	for (int i = 0; i < SCRIPT_MAX; i++) {
		struct script_store *st = &h->stores[i];
		if (!st->dirty)
			continue;
		*json = st->obj != NULL ? json_dumps(st->obj, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		if (*json == NULL)
			return false;
		st->dirty = false;
		snprintf(name, namelen, "%s", st->name);
		return true;
	}
	return false;
}

bool
script_host_store_dirty(const struct script_host *h)
{
	for (int i = 0; i < SCRIPT_MAX; i++) {
		if (h->stores[i].dirty)
			return true;
	}
	return false;
}

void
host_count_error(struct script_host *h)
{
	int64_t sec = h->now.mono_ms / MS_PER_S;
	int slot = (int)(sec % HOST_ERROR_SECONDS);

	if (h->err_sec[slot] != sec) {
		h->err_sec[slot] = sec;
		h->err_count[slot] = 0;
	}
	h->err_count[slot]++;
}

int
script_host_count(const struct script_host *h)
{
	return h->n;
}

static int
count_listeners(const struct script *s, bool disabled_only)
{
	int n = 0;

	for (int k = 0; k < SCRIPT_LISTENERS_MAX; k++)
		n += s->ls[k].handle != 0 && (!disabled_only || s->ls[k].disabled);
	return n;
}

bool
script_host_info(const struct script_host *h, int i, struct script_info *out)
{
	const struct script *s;

	if (i < 0 || i >= h->n)
		return false;
	s = h->s[i];
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", s->name);
	snprintf(out->path, sizeof(out->path), "%s", s->path);
	snprintf(out->last_error, sizeof(out->last_error), "%s", s->last_error);
	out->listeners = count_listeners(s, false);
	out->disabled = count_listeners(s, true);
	for (int k = 0; k < SCRIPT_TIMERS_MAX; k++)
		out->timers += s->tm[k].handle != 0;
	for (int k = 0; k < SCRIPT_CALLS_MAX; k++)
		out->waiting += s->calls[k].used;
	out->calls = s->ncalls;
	out->errors = s->nerrors;
	out->memory = s->mem;
	out->memory_peak = s->mem_peak;
	return true;
}

int
script_host_listeners(const struct script_host *h, int i, struct script_listener_info *out,
    int max)
{
	int n = 0;

	if (i < 0 || i >= h->n)
		return 0;
	for (int k = 0; k < SCRIPT_LISTENERS_MAX && n < max; k++) {
		const struct slistener *l = &h->s[i]->ls[k];
		if (l->handle == 0)
			continue;
		snprintf(out[n].event, sizeof(out[n].event), "%s", l->event);
		out[n].handle = l->handle;
		out[n].calls = l->calls;
		out[n].errors = l->errors;
		out[n].disabled = l->disabled;
		n++;
	}
	return n;
}

void
script_host_health(const struct script_host *h, struct vtime now, struct script_health *out)
{
	int64_t sec = now.mono_ms / MS_PER_S;

	memset(out, 0, sizeof(*out));
	out->scripts = h->n;
	for (int i = 0; i < HOST_ERROR_SECONDS; i++) {
		if (sec - h->err_sec[i] < HOST_ERROR_SECONDS)
			out->errors_last_min += h->err_count[i];
	}
	for (int i = 0; i < h->n; i++)
		out->disabled += count_listeners(h->s[i], true);
}
