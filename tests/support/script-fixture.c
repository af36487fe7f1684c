/*
 * The script tests' fixture; see script-fixture.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "script-fixture.h"

static struct vtime
now_of(const struct sfx *f)
{
	struct vtime t = { f->t, 1700000000000LL + f->t };

	return t;
}

struct vtime
now_of_fixture(const struct sfx *f)
{
	return now_of(f);
}

static int64_t
fake_clock(void *ud)
{
	struct sfx *f = ud;

	f->clock_reads++;
	f->clock += f->clock_step;
	return f->clock;
}

static char *
read_file(void *ud, const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
	struct sfx *f = ud;

	for (int i = 0; i < SFX_FILES; i++) {
		if (f->files[i].text != NULL && strcmp(f->files[i].path, path) == 0) {
			*len = strlen(f->files[i].text);
			if (*len > max) {
				snprintf(err, errlen, "%s: too big", path);
				return NULL;
			}
			return strdup(f->files[i].text);
		}
	}
	snprintf(err, errlen, "%s: No such file or directory", path);
	return NULL;
}

static char *
store_read(void *ud, const char *name)
{
	struct sfx *f = ud;

	(void)name;
	return f->store != NULL ? strdup(f->store) : NULL;
}

static void
new_host(struct sfx *f)
{
	struct script_driver drv = { f, fake_clock, read_file, store_read };
	char err[256];

	f->host = script_host_new(f->bot, &f->lim, &drv, err, sizeof(err));
	if (f->host == NULL) {
		fprintf(stderr, "script host: %s\n", err);
		abort();
	}
}

struct sfx *
sfx_new(const struct script_limits *lim)
{
	struct sfx *f = calloc(1, sizeof(*f));
	struct bot_config cfg;
	char err[256];

	f->bot = calloc(1, sizeof(*f->bot));
	f->frame = calloc(1, sizeof(*f->frame));
	f->t = 1000;
	f->clock_step = 0;
	if (lim != NULL)
		f->lim = *lim;
	else
		script_limits_default(&f->lim);
	bot_config_defaults(&cfg);
	snprintf(cfg.token, sizeof(cfg.token), "fixture-token-0123456789");
	cfg.seed = 7;
	if (bot_init(f->bot, &cfg, now_of(f), err, sizeof(err)) < 0) {
		fprintf(stderr, "bot_init: %s\n", err);
		abort();
	}
	frame_decoder_init(&f->dec);
	new_host(f);
	return f;
}

void
sfx_restart(struct sfx *f)
{
	sfx_persist(f);
	script_host_free(f->host, now_of(f));
	new_host(f);
}

void
sfx_free(struct sfx *f)
{
	script_host_free(f->host, now_of(f));
	sfx_drain(f);
	bot_free(f->bot);
	free(f->bot);
	frame_decoder_free(&f->dec);
	free(f->frame);
	free(f->frame_buf);
	free(f->store);
	for (int i = 0; i < SFX_FILES; i++)
		free(f->files[i].text);
	free(f);
}

void
sfx_file(struct sfx *f, const char *path, const char *text)
{
	int slot = -1;

	for (int i = 0; i < SFX_FILES && slot < 0; i++) {
		if (f->files[i].text == NULL || strcmp(f->files[i].path, path) == 0)
			slot = i;
	}
	if (slot < 0)
		abort();
	free(f->files[slot].text);
	snprintf(f->files[slot].path, sizeof(f->files[slot].path), "%s", path);
	f->files[slot].text = strdup(text);
}

int
sfx_load(struct sfx *f, const char *path, const char *text)
{
	sfx_file(f, path, text);
	f->err[0] = '\0';
	return script_host_load(f->host, now_of(f), path, f->err, sizeof(f->err));
}

void
sfx_dispatch(struct sfx *f, const char *json)
{
	struct event ev;
	char err[128];
	size_t n = strlen(json);

	free(f->frame_buf);
	f->frame_buf = malloc(n + 1);
	memcpy(f->frame_buf, json, n + 1);
	if (frame_decode(f->frame, &f->dec, f->frame_buf, n, err, sizeof(err)) < 0) {
		fprintf(stderr, "sfx_dispatch: %s: %s\n", err, json);
		abort();
	}
	memset(&ev, 0, sizeof(ev));
	ev.name = f->frame->t;
	ev.frame = f->frame;
	ev.shard = f->bot->cfg.shard_id;
	f->bot->now = now_of(f);
	listeners_emit(f->bot->listeners, &ev, f->bot->log);
	/* The network layer reuses its buffer for the next frame: freed here,
	 * so a view that kept pointing into it is a use-after-free for ASan. */
	memset(f->frame_buf, 'X', n);
	free(f->frame_buf);
	f->frame_buf = NULL;
	sfx_drain(f);
}

void
sfx_lifecycle(struct sfx *f, const char *name, const char *detail)
{
	struct event ev;

	memset(&ev, 0, sizeof(ev));
	ev.name = name;
	ev.detail = detail;
	f->bot->now = now_of(f);
	listeners_emit(f->bot->listeners, &ev, f->bot->log);
	sfx_drain(f);
}

void
sfx_advance(struct sfx *f, int64_t ms)
{
	int64_t end = f->t + ms;

	for (;;) {
		int64_t d = script_host_next_deadline(f->host);
		if (d > end)
			break;
		if (d > f->t)
			f->t = d;
		script_host_tick(f->host, now_of(f));
		sfx_drain(f);
	}
	f->t = end;
}

void
sfx_drain(struct sfx *f)
{
	struct action a;

	while (bot_next_action(f->bot, &a)) {
		if (a.kind == ACT_ALERT)
			f->alerts++;
		if (a.kind == ACT_HTTP && f->nhttp < SFX_HTTP) {
			struct sfx_http *h = &f->http[f->nhttp++];
			h->id = a.http_id;
			snprintf(h->method, sizeof(h->method), "%s", a.method);
			snprintf(h->path, sizeof(h->path), "%s", a.path);
			snprintf(h->body, sizeof(h->body), "%.*s", (int)a.body_len,
			    a.body != NULL ? a.body : "");
		}
		action_release(&a);
	}
}

void
sfx_answer(struct sfx *f, uint64_t id, int status, const char *body)
{
	struct rlq_headers h;

	rlq_headers_init(&h);
	bot_on_http(f->bot, now_of(f), id, status, &h, body, body != NULL ? strlen(body) : 0,
	    NULL);
	sfx_drain(f);
}

int
sfx_logged(const struct sfx *f, enum log_level level, const char *text)
{
	const struct logring *r = f->bot->log;
	int n = 0;

	for (uint64_t s = logring_first_seq(r); s < r->next_seq; s++) {
		const struct log_entry *e = logring_get(r, s);
		if (e != NULL && e->level >= level && strstr(e->text, text) != NULL)
			n++;
	}
	return n;
}

void
sfx_persist(struct sfx *f)
{
	char name[SCRIPT_NAME_MAX], *json;

	while (script_host_store_take(f->host, name, sizeof(name), &json)) {
		free(f->store);
		f->store = json;
	}
}

const char *
sfx_shipped(const char *path)
{
	static char buf[16384];
	FILE *fp = fopen(path, "rb");
	size_t n;

	if (fp == NULL) {
		fprintf(stderr, "sfx_shipped: cannot open %s\n", path);
		abort();
	}
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	return buf;
}
