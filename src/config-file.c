/*
 * Where settings come from: the config file's lines, the environment and
 * the flags, and what follows from them (emulator or Discord, the state
 * directory). The keys themselves are in config.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/paths.h"
#include "config.h"
#include "sim/sim.h"

static char *
trim(char *s)
{
	char *e = s + strlen(s);

	while (*s == ' ' || *s == '\t')
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* Cuts a comment: `#` at the start or after a blank, outside quotes. */
static void
cut_comment(char *s)
{
	bool quoted = false;

	for (char *p = s; *p != '\0'; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == '#' && !quoted && (p == s || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			return;
		}
	}
}

/* One line, NUL-terminated, without its newline. 0, or -1 with why. */
static int
parse_line(struct vigil_options *o, char *line, char *why, size_t whylen)
{
	char *eq, *key, *value, bad[150];
	size_t n;
	int rc;

	cut_comment(line);
	line = trim(line);
	if (*line == '\0')
		return 0;
	eq = strchr(line, '=');
	if (eq == NULL) {
		snprintf(why, whylen, "expected `key = value`");
		return -1;
	}
	*eq = '\0';
	key = trim(line);
	value = trim(eq + 1);
	n = strlen(value);
	if (n > 0 && value[0] == '"') {
		if (n < 2 || value[n - 1] != '"') {
			snprintf(why, whylen, "%s: unterminated quote", key);
			return -1;
		}
		value[n - 1] = '\0';
		value++;
	}
	if (strncmp(key, "--", 2) == 0 || (rc = config_set(o, key, value, bad, sizeof(bad))) == 0) {
		snprintf(why, whylen, "unknown key '%.40s'", key);
		return -1;
	}
	if (rc < 0) {
		snprintf(why, whylen, "%.40s: %s", key, bad);
		return -1;
	}
	return 0;
}

int
config_parse(struct vigil_options *o, const char *name, const char *text, size_t len,
    char *err, size_t errlen)
{
	char line[CONFIG_LINE_MAX + 1], why[200];
	size_t pos = 0;
	int lineno = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;
		lineno++;
		if (n > CONFIG_LINE_MAX) {
			snprintf(err, errlen, "%s:%d: line longer than %d bytes", name, lineno,
			    CONFIG_LINE_MAX);
			return -1;
		}
		if (memchr(text + pos, '\0', n) != NULL) {
			snprintf(err, errlen, "%s:%d: NUL byte in the line", name, lineno);
			return -1;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		if (parse_line(o, line, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "%s:%d: %s", name, lineno, why);
			return -1;
		}
		pos += n + (nl != NULL);
	}
	return 0;
}

int
config_load(struct vigil_options *o, const char *path, bool must_exist, char *err,
    size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;
	int rc;

	if (f == NULL) {
		if (errno == ENOENT && !must_exist)
			return 0;
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	buf = malloc(1 << 20);
	n = buf != NULL ? fread(buf, 1, 1 << 20, f) : 0;
	if (buf == NULL || ferror(f) || n == 1 << 20) {
		snprintf(err, errlen, "cannot read %s: %s", path,
		    buf == NULL ? "out of memory" : n == 1 << 20 ? "bigger than 1 MB" : strerror(errno));
		rc = -1;
	} else {
		rc = config_parse(o, path, buf, n, err, errlen);
	}
	if (buf != NULL)
		explicit_bzero(buf, n);         /* it may hold the token */
	free(buf);
	fclose(f);
	return rc;
}

int
config_env(struct vigil_options *o, char *err, size_t errlen)
{
	const char *token = getenv("VIGIL_TOKEN"), *api = getenv("VIGIL_API");
	const char *nc = getenv("NO_COLOR"), *hook = getenv("VIGIL_ALERT_WEBHOOK");
	const char *rpw = getenv("VIGIL_REDIS_PASSWORD");
	char why[160];

	if (token != NULL && token[0] != '\0' && config_set(o, "token", token, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "VIGIL_TOKEN: %s", why);
		return -1;
	}
	if (api != NULL && api[0] != '\0' && config_set(o, "api", api, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "VIGIL_API: %s", why);
		return -1;
	}
	if (hook != NULL && hook[0] != '\0' &&
	    config_set(o, "alert_webhook", hook, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "VIGIL_ALERT_WEBHOOK: %s", why);
		return -1;
	}
	if (rpw != NULL && rpw[0] != '\0' &&
	    config_set(o, "redis_password", rpw, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "VIGIL_REDIS_PASSWORD: %s", why);
		return -1;
	}
	if (nc != NULL && nc[0] != '\0')
		o->no_color = true;
	return 0;
}

/* A flag without a value; 1 when it was one, 0 when not. */
static int
bool_flag(struct vigil_options *o, const char *f)
{
	static const struct { const char *name; size_t off; } flags[] = {
		{ "--headless", offsetof(struct vigil_options, app.headless) },
		{ "--log-json", offsetof(struct vigil_options, app.log_json) },
		{ "--logout", offsetof(struct vigil_options, app.logout) },
		{ "--no-color", offsetof(struct vigil_options, no_color) },
		{ "--no-bell", offsetof(struct vigil_options, no_bell) },
		{ "--no-title", offsetof(struct vigil_options, no_title) },
		{ "--mouse", offsetof(struct vigil_options, mouse) },
		{ "--compress", offsetof(struct vigil_options, app.bot.compress) },
		{ "--help", offsetof(struct vigil_options, help) },
		{ "--version", offsetof(struct vigil_options, version) },
	};

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		if (strcmp(f, flags[i].name) == 0) {
			*(bool *)((char *)o + flags[i].off) = true;
			return 1;
		}
	}
	if (strcmp(f, "-h") == 0)
		o->help = true;
	return strcmp(f, "-h") == 0;
}

/* --flag VALUE or --flag=VALUE; *i moves past what was used. */
static int
value_flag(struct vigil_options *o, int argc, char **argv, int *i, char *err, size_t errlen)
{
	char name[64], why[200];
	const char *arg = argv[*i], *eq = strchr(arg, '='), *value;
	size_t n = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
	int rc;

	if (n >= sizeof(name)) {
		snprintf(err, errlen, "unknown flag %.40s", arg);
		return -1;
	}
	memcpy(name, arg, n);
	name[n] = '\0';
	if (strcmp(name, "--token") == 0) {
		snprintf(err, errlen, "the token is never taken from the command line (it would show "
		    "in ps): set VIGIL_TOKEN or `token =` in the config file");
		return -1;
	}
	if (strcmp(name, "--redis-password") == 0) {
		snprintf(err, errlen, "the Redis password is never taken from the command line (it "
		    "would show in ps): set VIGIL_REDIS_PASSWORD or `redis_password =` in the "
		    "config file");
		return -1;
	}
	if (!config_is_flag(name)) {
		snprintf(err, errlen, "unknown %s %.60s", strncmp(name, "--", 2) == 0 ? "flag" :
		    "argument", name);
		return -1;
	}
	if (eq == NULL && *i + 1 >= argc) {
		snprintf(err, errlen, "%s needs a value", name);
		return -1;
	}
	value = eq != NULL ? eq + 1 : argv[++*i];
	if (strcmp(name, "--config") == 0)
		return 0;       /* read first, by config_all */
	rc = config_set(o, name, value, why, sizeof(why));
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", name, why);
	return rc > 0 ? 0 : -1;
}

int
config_args(struct vigil_options *o, int argc, char **argv, char *err, size_t errlen)
{
	for (int i = 1; i < argc; i++) {
		if (bool_flag(o, argv[i]))
			continue;
		if (value_flag(o, argc, argv, &i, err, errlen) < 0)
			return -1;
	}
	return 0;
}

/* --config FILE, found before anything else is applied. */
static const char *
config_flag(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			return argv[i + 1];
		if (strncmp(argv[i], "--config=", 9) == 0)
			return argv[i] + 9;
	}
	return NULL;
}

static void
default_config_path(char *out, size_t len)
{
	if (paths_vigil(PATHS_CONFIG, "config", out, len) != 0)
		out[0] = '\0';
}

/* The embedded emulator, another server or Discord; each keeps its own
 * state (a budget spent on the emulator is not Discord's). */
static void
name_endpoint(struct app_config *c, bool embedded)
{
	if (embedded) {
		snprintf(c->endpoint, sizeof(c->endpoint), "emulator");
	} else if (strcmp(c->api_base, CONFIG_DISCORD_API) == 0) {
		snprintf(c->endpoint, sizeof(c->endpoint), "discord");
	} else {
		snprintf(c->endpoint, sizeof(c->endpoint), "api-%.64s", strstr(c->api_base, "://") + 3);
		for (char *p = c->endpoint + 4; *p != '\0'; p++) {
			if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-')
				*p = '_';
		}
	}
}

static void
derive(struct vigil_options *o)
{
	bool embedded = o->app.bot.token[0] == '\0' && o->app.api_base[0] == '\0';
	size_t n = strlen(o->app.state_dir);

	if (o->app.bot.token[0] == '\0')
		snprintf(o->app.bot.token, sizeof(o->app.bot.token), "%s", SIM_TOKEN_DEFAULT);
	else if (o->app.api_base[0] == '\0')
		snprintf(o->app.api_base, sizeof(o->app.api_base), "%s", CONFIG_DISCORD_API);
	name_endpoint(&o->app, embedded);
	if (!o->state_dir_set && strcmp(o->app.endpoint, "discord") != 0)
		snprintf(o->app.state_dir + n, sizeof(o->app.state_dir) - n, "/%s", o->app.endpoint);
}

int
config_all(struct vigil_options *o, int argc, char **argv, char *err, size_t errlen)
{
	const char *path = config_flag(argc, argv);

	config_defaults(o);
	if (path != NULL)
		snprintf(o->config_path, sizeof(o->config_path), "%s", path);
	else
		default_config_path(o->config_path, sizeof(o->config_path));
	if (config_load(o, o->config_path, path != NULL, err, errlen) < 0 ||
	    config_env(o, err, errlen) < 0 || config_args(o, argc, argv, err, errlen) < 0)
		return -1;
	derive(o);
	return 0;
}
