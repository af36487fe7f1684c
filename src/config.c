/*
 * Settings: one table of keys, shared by the config file and the flags
 * that take a value, so both accept exactly the same values. The parser
 * takes arbitrary bytes (it is fuzzed): every line is bounded, NUL bytes
 * are refused, numbers must be whole and in range.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "net/redis-url.h"
#include "net/httpd.h"

typedef int (*setter_fn)(struct vigil_options *o, const char *v, char *why, size_t whylen);

struct key {
	const char *name;               /* in the file */
	const char *flag;               /* "--api", or NULL when file-only */
	setter_fn set;
};

static int
parse_bool(const char *v, bool *out, char *why, size_t whylen)
{
	static const char *yes[] = { "true", "yes", "on", "1" }, *no[] = { "false", "no", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0 || strcasecmp(v, no[i]) == 0) {
			*out = strcasecmp(v, yes[i]) == 0;
			return 0;
		}
	}
	snprintf(why, whylen, "expected true or false");
	return -1;
}

/* A switch stored as its negation ("color = false" sets no_color). */
static int
parse_off(const char *v, bool *off, char *why, size_t whylen)
{
	bool on;

	if (parse_bool(v, &on, why, whylen) < 0)
		return -1;
	*off = !on;
	return 0;
}

static int
parse_num(const char *v, double lo, double hi, double *out, char *why, size_t whylen)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (end == v || *end != '\0' || errno != 0 || !isfinite(d) || d < lo || d > hi) {
		snprintf(why, whylen, "expected a number from %g to %g", lo, hi);
		return -1;
	}
	*out = d;
	return 0;
}

static int
parse_int(const char *v, long long lo, long long hi, long long *out, char *why, size_t whylen)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(v, &end, 10);
	if (end == v || *end != '\0' || errno != 0 || n < lo || n > hi) {
		snprintf(why, whylen, "expected a whole number from %lld to %lld", lo, hi);
		return -1;
	}
	*out = n;
	return 0;
}

/* "90", "90s", "1500ms", "3m", "1h" (a bare number is in unit_ms). */
static int
parse_duration(const char *v, int64_t unit_ms, int64_t max_ms, int64_t *out, char *why,
    size_t whylen)
{
	char num[64];
	size_t n = strspn(v, "0123456789.");
	const char *u = v + n;
	double d, mult;

	if (n == 0 || n >= sizeof(num))
		goto bad;
	memcpy(num, v, n);
	num[n] = '\0';
	mult = *u == '\0' ? (double)unit_ms : strcmp(u, "ms") == 0 ? 1 : strcmp(u, "s") == 0 ? 1e3 :
	    strcmp(u, "m") == 0 ? 6e4 : strcmp(u, "h") == 0 ? 3.6e6 : -1;
	if (mult < 0 || parse_num(num, 0, 1e12, &d, why, whylen) < 0 || d * mult > (double)max_ms)
		goto bad;
	*out = (int64_t)llround(d * mult);
	return 0;
bad:
	snprintf(why, whylen, "expected a duration such as 90s, 1500ms or 3m (at most %lld s)",
	    (long long)(max_ms / 1000));
	return -1;
}

static int
copy(char *dst, size_t dstlen, const char *v, char *why, size_t whylen)
{
	if (strlen(v) >= dstlen) {
		snprintf(why, whylen, "too long (at most %zu bytes)", dstlen - 1);
		return -1;
	}
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static int
set_token(struct vigil_options *o, const char *v, char *why, size_t whylen)
{
	size_t n = strlen(v);

	/* The message never repeats the value: it is a secret. */
	if (n < 6 || n >= sizeof(o->app.bot.token)) {
		snprintf(why, whylen, "a token is 6 to %zu characters", sizeof(o->app.bot.token) - 1);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (!isgraph((unsigned char)v[i])) {
			snprintf(why, whylen, "a token has no spaces or control characters");
			return -1;
		}
	}
	memcpy(o->app.bot.token, v, n + 1);
	return 0;
}

static int
set_api(struct vigil_options *o, const char *v, char *why, size_t whylen)
{
	if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0) {
		snprintf(why, whylen, "expected an http:// or https:// URL");
		return -1;
	}
	return copy(o->app.api_base, sizeof(o->app.api_base), v, why, whylen);
}

static int
set_theme(struct vigil_options *o, const char *v, char *why, size_t whylen)
{
	return copy(o->theme, sizeof(o->theme), v, why, whylen);
}

static int
set_formula(struct vigil_options *o, const char *v, char *why, size_t whylen)
{
	struct delay_formula f;

	if (delay_compile(&f, v, why, whylen) < 0)
		return -1;
	return copy(o->app.bot.formula, sizeof(o->app.bot.formula), v, why, whylen);
}

static int
set_log_level(struct vigil_options *o, const char *v, char *why, size_t whylen)
{
	if (log_level_parse(v, &o->app.stdout_level) < 0) {
		snprintf(why, whylen, "expected debug, info, warn or error");
		return -1;
	}
	if (o->app.stdout_level < o->app.bot.log_capture)
		o->app.bot.log_capture = o->app.stdout_level;
	return 0;
}

static int
set_log_json(struct vigil_options *o, const char *v, char *why, size_t whylen)
{
	return parse_bool(v, &o->app.log_json, why, whylen);
}

static int
set_log_file(struct vigil_options *o, const char *v, char *why, size_t whylen)
{
	return copy(o->app.log_file, sizeof(o->app.log_file), v, why, whylen);
}

static int
set_ca_file(struct vigil_options *o, const char *v, char *why, size_t whylen)
{
	if (v[0] == '\0') {
		snprintf(why, whylen, "expected a file of PEM certificates");
		return -1;
	}
	return copy(o->app.ca_file, sizeof(o->app.ca_file), v, why, whylen);
}

static int
set_state_dir(struct vigil_options *o, const char *v, char *why, size_t whylen)
{
	if (v[0] == '\0') {
		snprintf(why, whylen, "expected a directory");
		return -1;
	}
	o->state_dir_set = true;
	return copy(o->app.state_dir, sizeof(o->app.state_dir), v, why, whylen);
}

static int
set_ctl_socket(struct vigil_options *o, const char *v, char *why, size_t whylen)
{
	return copy(o->app.ctl_socket, sizeof(o->app.ctl_socket), v, why, whylen);
}

static int
set_listen(struct vigil_options *o, const char *v, char *why, size_t whylen)
{
	char addr[HTTPD_ADDR_MAX];
	int port;

	if (v[0] != '\0' && httpd_parse_listen(v, addr, sizeof(addr), &port, why, whylen) < 0)
		return -1;
	return copy(o->app.listen, sizeof(o->app.listen), v, why, whylen);
}

/* The URL holds the webhook's token: a bad one is refused without
 * echoing it. */
static int
set_alert_webhook(struct vigil_options *o, const char *v, char *why, size_t whylen)
{
	if (v[0] != '\0' && strncmp(v, "https://", 8) != 0 && strncmp(v, "http://", 7) != 0) {
		snprintf(why, whylen, "expected an http:// or https:// URL");
		return -1;
	}
	if (strlen(v) >= sizeof(o->app.alert_webhook)) {
		snprintf(why, whylen, "URL too long (at most %zu bytes)",
		    sizeof(o->app.alert_webhook) - 1);
		return -1;
	}
	snprintf(o->app.alert_webhook, sizeof(o->app.alert_webhook), "%s", v);
	return 0;
}

static int
set_alert_after(struct vigil_options *o, const char *v, char *why, size_t whylen)
{
	return parse_duration(v, MS_PER_S, MS_PER_DAY, &o->app.alert_after_ms, why, whylen);
}

static int
set_alert_interval(struct vigil_options *o, const char *v, char *why, size_t whylen)
{
	return parse_duration(v, MS_PER_S, MS_PER_DAY, &o->app.alert_interval_ms, why, whylen);
}

static int
set_resume_window(struct vigil_options *o, const char *v, char *why, size_t whylen)
{
	return parse_duration(v, MS_PER_S, MS_PER_DAY, &o->app.bot.resume_window_ms, why, whylen);
}

static int
set_cluster(struct vigil_options *o, const char *v, char *why, size_t whylen)
{
	struct redis_url u;
	char err[200];

	if (v[0] != '\0' && redis_url_parse(v, &u, err, sizeof(err)) < 0) {
		/* "cluster: ..." already; the key is named by the caller. */
		snprintf(why, whylen, "%s", err + strlen("cluster: "));
		return -1;
	}
	return copy(o->app.cluster, sizeof(o->app.cluster), v, why, whylen);
}

static int
set_cluster_name(struct vigil_options *o, const char *v, char *why, size_t whylen)
{
	if (strpbrk(v, "{}: \t") != NULL) {
		snprintf(why, whylen, "a name without {, }, : or spaces");
		return -1;
	}
	return copy(o->app.cluster_name, sizeof(o->app.cluster_name), v, why, whylen);
}

static int
set_redis_password(struct vigil_options *o, const char *v, char *why, size_t whylen)
{
	/* The message never repeats the value: it is a secret. */
	if (strlen(v) < 6 || strlen(v) >= sizeof(o->app.redis_password)) {
		snprintf(why, whylen, "a Redis password is 6 to %zu characters",
		    sizeof(o->app.redis_password) - 1);
		return -1;
	}
	memcpy(o->app.redis_password, v, strlen(v) + 1);
	return 0;
}

static int
set_cluster_fence(struct vigil_options *o, const char *v, char *why, size_t whylen)
{
	return parse_bool(v, &o->app.cluster_fence, why, whylen);
}

static int
set_cluster_lease(struct vigil_options *o, const char *v, char *why, size_t whylen)
{
	int64_t ms;

	if (parse_duration(v, MS_PER_S, 10 * MS_PER_MIN, &ms, why, whylen) < 0)
		return -1;
	if (ms < 2 * MS_PER_S) {
		snprintf(why, whylen, "at least 2 s (it is renewed every third of it)");
		return -1;
	}
	o->app.cluster_lease_ms = ms;
	return 0;
}

static int
set_close_timeout(struct vigil_options *o, const char *v, char *why, size_t whylen)
{
	int64_t ms;

	if (parse_duration(v, MS_PER_S, 10 * MS_PER_MIN, &ms, why, whylen) < 0)
		return -1;
	o->app.bot.close_timeout_ms = ms > 100 ? ms : 100;
	return 0;
}

static int
set_budget_reserve(struct vigil_options *o, const char *v, char *why, size_t whylen)
{
	long long n;

	if (parse_int(v, 0, o->app.bot.budget_limit, &n, why, whylen) < 0)
		return -1;
	o->app.bot.budget_reserve = (int)n;
	return 0;
}

static int
set_intents(struct vigil_options *o, const char *v, char *why, size_t whylen)
{
	long long n;

	if (parse_int(v, 0, (1LL << 31) - 1, &n, why, whylen) < 0)
		return -1;
	o->app.bot.intents = n;
	return 0;
}

/* zlib-stream, zstd-stream or off; a boolean still means zlib-stream or off. */
static int
set_compress(struct vigil_options *o, const char *v, char *why, size_t whylen)
{
	bool zlib = strcasecmp(v, "zlib-stream") == 0, zstd = strcasecmp(v, "zstd-stream") == 0;

	if (!zlib && !zstd && parse_bool(v, &zlib, why, whylen) < 0) {
		snprintf(why, whylen, "expected zlib-stream, zstd-stream or off");
		return -1;
	}
	o->app.bot.compress = zlib || zstd;
	o->app.bot.zstd = zstd;
	return 0;
}

/* N, or auto: GET /gateway/bot's recommendation (app-shards.c). */
static int
set_shards(struct vigil_options *o, const char *v, char *why, size_t whylen)
{
	long long n;

	if (strcmp(v, "auto") == 0) {
		o->app.bot.shard_count = 0;
		return 0;
	}
	if (parse_int(v, 1, FLEET_SHARDS_MAX, &n, why, whylen) < 0) {
		snprintf(why, whylen, "expected auto or a whole number from 1 to %d", FLEET_SHARDS_MAX);
		return -1;
	}
	o->app.bot.shard_count = (int)n;
	return 0;
}

/* Checked against the shard count once it is known (app-shards.c); the
 * form is checked here, so a typo fails at the line that has it. */
static int
set_shard_ids(struct vigil_options *o, const char *v, char *why, size_t whylen)
{
	struct shard_set set;

	if (strlen(v) >= sizeof(o->app.shard_ids) ||
	    shard_set_parse(&set, v, FLEET_SHARDS_MAX, why, whylen) < 0) {
		if (strlen(v) >= sizeof(o->app.shard_ids))
			snprintf(why, whylen, "too long");
		return -1;
	}
	snprintf(o->app.shard_ids, sizeof(o->app.shard_ids), "%s", v);
	return 0;
}

static int
set_chatter(struct vigil_options *o, const char *v, char *why, size_t whylen)
{
	return parse_num(v, 0, 100000, &o->app.sim_chatter_per_s, why, whylen);
}

static int
set_sim_heartbeat(struct vigil_options *o, const char *v, char *why, size_t whylen)
{
	int64_t ms;

	if (parse_duration(v, 1, 10 * MS_PER_MIN, &ms, why, whylen) < 0)
		return -1;
	o->app.sim_heartbeat_ms = (int)ms;
	return 0;
}

static int
set_secs(int *out, const char *v, char *why, size_t whylen)
{
	int64_t ms;

	if (parse_duration(v, MS_PER_S, 3600 * MS_PER_S, &ms, why, whylen) < 0)
		return -1;
	*out = (int)((ms + 999) / 1000);
	return 0;
}

static int
set_ws_ping(struct vigil_options *o, const char *v, char *why, size_t whylen)
{
	return set_secs(&o->app.ws_idle_ping_s, v, why, whylen);
}

static int
set_ws_hangup(struct vigil_options *o, const char *v, char *why, size_t whylen)
{
	return set_secs(&o->app.ws_idle_hangup_s, v, why, whylen);
}

static int
set_color(struct vigil_options *o, const char *v, char *why, size_t whylen)
{
	return parse_off(v, &o->no_color, why, whylen);
}

static int
set_bell(struct vigil_options *o, const char *v, char *why, size_t whylen)
{
	return parse_off(v, &o->no_bell, why, whylen);
}

static int
set_title(struct vigil_options *o, const char *v, char *why, size_t whylen)
{
	return parse_off(v, &o->no_title, why, whylen);
}

static int
set_mouse(struct vigil_options *o, const char *v, char *why, size_t whylen)
{
	return parse_bool(v, &o->mouse, why, whylen);
}

/* "65536", "512K", "64M", "1G" (binary units). */
static int
parse_size(const char *v, size_t lo, size_t hi, size_t *out, char *why, size_t whylen)
{
	char num[32];
	size_t n = strspn(v, "0123456789");
	const char *u = v + n;
	double mult = *u == '\0' ? 1 : strcasecmp(u, "k") == 0 ? 1024.0 :
	    strcasecmp(u, "m") == 0 ? 1048576.0 : strcasecmp(u, "g") == 0 ? 1073741824.0 : -1;
	double d;

	if (n == 0 || n >= sizeof(num) || mult < 0)
		goto bad;
	memcpy(num, v, n);
	num[n] = '\0';
	d = strtod(num, NULL) * mult;
	if (d < (double)lo || d > (double)hi)
		goto bad;
	*out = (size_t)d;
	return 0;
bad:
	snprintf(why, whylen, "expected a size from %zuK to %zuM such as 512K or 64M", lo >> 10,
	    hi >> 20);
	return -1;
}

static int
set_bot(struct vigil_options *o, const char *v, char *why, size_t whylen)
{
	struct app_config *a = &o->app;

	if (a->nbots == SCRIPT_MAX) {
		snprintf(why, whylen, "at most %d bots", SCRIPT_MAX);
		return -1;
	}
	if (v[0] == '\0') {
		snprintf(why, whylen, "expected the path of a .lua file, or none");
		return -1;
	}
	/* "none": not even the shipped ping.lua (the benchmark's baseline). */
	if (strcmp(v, "none") == 0) {
		a->no_bots = true;
		return 0;
	}
	if (copy(a->bots[a->nbots], sizeof(a->bots[0]), v, why, whylen) < 0)
		return -1;
	a->nbots++;
	return 0;
}

static int
set_script_timeout(struct vigil_options *o, const char *v, char *why, size_t whylen)
{
	int64_t ms;

	if (parse_duration(v, 1, 60 * MS_PER_S, &ms, why, whylen) < 0)
		return -1;
	o->app.script.timeout_ms = ms > 1 ? ms : 1;
	return 0;
}

static int
set_script_memory(struct vigil_options *o, const char *v, char *why, size_t whylen)
{
	return parse_size(v, (size_t)256 << 10, (size_t)4096 << 20, &o->app.script.memory, why, whylen);
}

static int
set_script_store(struct vigil_options *o, const char *v, char *why, size_t whylen)
{
	return parse_size(v, 1u << 10, 1u << 20, &o->app.script.store, why, whylen);
}

static int
set_script_error_limit(struct vigil_options *o, const char *v, char *why, size_t whylen)
{
	long long n;

	if (parse_int(v, 1, 1000000, &n, why, whylen) < 0)
		return -1;
	o->app.script.error_limit = (int)n;
	return 0;
}

static const struct key keys[] = {
	{ "bot", "--bot", set_bot },
	{ "script_timeout", "--script-timeout", set_script_timeout },
	{ "script_memory", "--script-memory", set_script_memory },
	{ "script_error_limit", "--script-error-limit", set_script_error_limit },
	{ "script_store", "--script-store", set_script_store },
	{ "token", NULL, set_token },
	{ "api", "--api", set_api },
	{ "theme", "--theme", set_theme },
	{ "formula", "--formula", set_formula },
	{ "log_level", "--log-level", set_log_level },
	{ "log_json", NULL, set_log_json },
	{ "log_file", "--log-file", set_log_file },
	{ "state_dir", "--state-dir", set_state_dir },
	{ "ctl_socket", "--ctl-socket", set_ctl_socket },
	{ "listen", "--listen", set_listen },
	{ "alert_webhook", NULL, set_alert_webhook },
	{ "alert_after", NULL, set_alert_after },
	{ "alert_interval", NULL, set_alert_interval },
	{ "resume_window", "--resume-window", set_resume_window },
	{ "close_timeout", NULL, set_close_timeout },
	{ "cluster", "--cluster", set_cluster },
	{ "cluster_name", "--cluster-name", set_cluster_name },
	{ "redis_password", NULL, set_redis_password },
	{ "cluster_lease", "--cluster-lease", set_cluster_lease },
	{ "cluster_fence", NULL, set_cluster_fence },
	{ "budget_reserve", NULL, set_budget_reserve },
	{ "intents", NULL, set_intents },
	{ "compress", NULL, set_compress },
	{ "shards", "--shards", set_shards },
	{ "shard_ids", "--shard-ids", set_shard_ids },
	{ "chatter", "--sim-chatter", set_chatter },
	{ "sim_heartbeat", "--sim-heartbeat", set_sim_heartbeat },
	{ "ws_ping", NULL, set_ws_ping },
	{ "ws_hangup", NULL, set_ws_hangup },
	{ "ca_file", NULL, set_ca_file },
	{ "color", NULL, set_color },
	{ "bell", NULL, set_bell },
	{ "title", NULL, set_title },
	{ "mouse", NULL, set_mouse },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

void
config_defaults(struct vigil_options *o)
{
	memset(o, 0, sizeof(*o));
	app_config_defaults(&o->app);
}

bool
config_is_flag(const char *flag)
{
	for (size_t i = 0; i < NKEYS; i++) {
		if (keys[i].flag != NULL && strcmp(flag, keys[i].flag) == 0)
			return true;
	}
	return strcmp(flag, "--config") == 0;
}

int
config_set(struct vigil_options *o, const char *key, const char *value, char *why, size_t whylen)
{
	for (size_t i = 0; i < NKEYS; i++) {
		if (strcmp(key, keys[i].name) == 0 ||
		    (keys[i].flag != NULL && strcmp(key, keys[i].flag) == 0))
			return keys[i].set(o, value, why, whylen) < 0 ? -1 : 1;
	}
	return 0;
}
