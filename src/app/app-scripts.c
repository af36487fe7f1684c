/*
 * The bot scripts' driver (docs/bots.md): it lends the host a monotonic
 * clock for the time limit, reads the .lua files and the persisted stores,
 * writes the stores that changed (state directory, temp file + fsync +
 * rename, at most once a second), and finds the shipped bots/ping.lua when
 * no bot is configured: next to the build (../bots from the executable's
 * directory), then in VIGIL_DATADIR/bots as installed.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/app-internal.h"

#ifndef VIGIL_DATADIR
#define VIGIL_DATADIR "/usr/local/share/vigil"
#endif

#define STORE_PREFIX "store-"
#define DEFAULT_BOT  "ping.lua"

static int64_t
mono_ms(void *ud)
{
	struct timespec ts;

	(void)ud;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *
read_file(void *ud, const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rbe");
	char *buf;
	size_t n;

	(void)ud;
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc(max + 1);
	n = buf != NULL ? fread(buf, 1, max + 1, f) : 0;
	if (buf == NULL || ferror(f) || n > max) {
		snprintf(err, errlen, "%s: %s", path, buf == NULL ? "out of memory" :
		    ferror(f) ? "read error" : "file too big");
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static void
store_file(char *out, size_t outlen, const char *name)
{
	snprintf(out, outlen, STORE_PREFIX "%s.json", name);
}

static char *
store_read(void *ud, const char *name)
{
	struct app *a = ud;
	char file[SCRIPT_NAME_MAX + 16], err[PATH_MAX + 64], *text;
	size_t len;

	store_file(file, sizeof(file), name);
	if (statefile_read_as(a->cfg.state_dir, file, &text, &len, err, sizeof(err)) < 0)
		LOGF(app_log(a), LOG_ERROR, name, "store: %s", err);
	return text;
}

/* The shipped ping.lua: beside the build, else where `make install` put it. */
static bool
find_default(char *out, size_t outlen)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash != NULL) {
			*slash = '\0';
			if ((size_t)snprintf(out, outlen, "%.*s/../bots/" DEFAULT_BOT,
			    (int)(outlen - 20), exe) < outlen && access(out, R_OK) == 0)
				return true;
		}
	}
	snprintf(out, outlen, "%s/bots/" DEFAULT_BOT, VIGIL_DATADIR);
	return access(out, R_OK) == 0;
}

int
app_scripts_start(struct app *a, char *err, size_t errlen)
{
	struct script_driver drv = { a, mono_ms, read_file, store_read };
	char path[SCRIPT_PATH_MAX];

	a->store_at = VTIME_NEVER;
	a->scripts = script_host_new(app_bot(a), &a->cfg.script, &drv, err, errlen);
	if (a->scripts == NULL)
		return -1;
	for (int i = 0; i < a->cfg.nbots; i++) {
		if (script_host_load(a->scripts, loop_now(), a->cfg.bots[i], err, errlen) < 0)
			return -1;
	}
	if (a->cfg.nbots > 0 || a->cfg.no_bots)
		return 0;
	if (!find_default(path, sizeof(path))) {
		LOGF(app_log(a), LOG_WARN, "bot", "no bot configured and the shipped %s is not "
		    "found (%s/bots): running without one", DEFAULT_BOT, VIGIL_DATADIR);
		return 0;
	}
	return script_host_load(a->scripts, loop_now(), path, err, errlen);
}

void
app_scripts_persist(struct app *a, bool now)
{
	struct vtime t = loop_now();
	char name[SCRIPT_NAME_MAX], file[SCRIPT_NAME_MAX + 16], err[PATH_MAX + 64], *json;

	if (a->scripts == NULL || !script_host_store_dirty(a->scripts)) {
		a->store_at = VTIME_NEVER;
		return;
	}
	if (!now && t.mono_ms < a->store_at) {
		if (a->store_at == VTIME_NEVER)
			a->store_at = t.mono_ms + MS_PER_S;
		return;
	}
	while (script_host_store_take(a->scripts, name, sizeof(name), &json)) {
		store_file(file, sizeof(file), name);
		if (statefile_write_as(a->cfg.state_dir, file, json, strlen(json), err,
		    sizeof(err)) < 0)
			LOGF(app_log(a), LOG_ERROR, name, "store: %s", err);
		free(json);
	}
	a->store_at = VTIME_NEVER;
}

void
app_scripts_stop(struct app *a)
{
	struct script_info info;
	char err[128];

	if (a->scripts == NULL)
		return;
	while (script_host_info(a->scripts, 0, &info))
		script_host_unload(a->scripts, loop_now(), info.name, err, sizeof(err));
	app_scripts_persist(a, true);
	script_host_free(a->scripts, loop_now());
	a->scripts = NULL;
}

int64_t
app_scripts_deadline(const struct app *a)
{
	int64_t t;

	if (a->scripts == NULL)
		return VTIME_NEVER;
	t = script_host_next_deadline(a->scripts);
	return a->store_at < t ? a->store_at : t;
}

struct script_host *
app_scripts(struct app *a)
{
	return a->scripts;
}

int
app_reload_bots(struct app *a, char *err, size_t errlen)
{
	int rc;

	if (a->scripts == NULL || script_host_count(a->scripts) == 0) {
		snprintf(err, errlen, "no bot is loaded");
		return -1;
	}
	rc = script_host_reload(a->scripts, loop_now(), NULL, err, errlen);
	app_kick(a);
	return rc;
}
