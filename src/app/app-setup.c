/*
 * Building the app: the core, the loop, the embedded emulator when there is
 * nothing else to talk to, the gateway and REST transports, the state file;
 * the handlers that turn loop events into core inputs; the emulator's
 * control API; and teardown in the order lws and curl need (docs/design.md "The loop"
 * §1.4): transports first, then the context, then the core.
 */
#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app-internal.h"
#include "app/paths.h"

void
app_config_defaults(struct app_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	bot_config_defaults(&cfg->bot);
	if (paths_vigil(PATHS_STATE, NULL, cfg->state_dir, sizeof(cfg->state_dir)) != 0)
		snprintf(cfg->state_dir, sizeof(cfg->state_dir), ".");
	cfg->stdout_level = LOG_INFO;
	cfg->sim_chatter_per_s = 0.5;
	cfg->ws_idle_ping_s = 60;
	cfg->ws_idle_hangup_s = 75;
	script_limits_default(&cfg->script);
}

/* --- loop events -> core inputs --- */

static void
on_timer(void *ud)
{
	struct app *a = ud;
	struct vtime now = loop_now();

	for (int i = 0; i < a->nshards; i++) {
		if (bot_next_deadline(&a->shards[i].bot, now) <= now.mono_ms)
			bot_tick(&a->shards[i].bot, now);
	}
	if (a->scripts != NULL)
		script_host_tick(a->scripts, now);
	app_kick(a);
}

static void
reload_on_hangup(struct app *a)
{
	char err[SCRIPT_ERR_MAX + 64];

	LOGF(app_log(a), LOG_INFO, "app", "SIGHUP: reloading the bots");
	if (app_reload_bots(a, err, sizeof(err)) < 0)
		LOGF(app_log(a), LOG_ERROR, "app", "SIGHUP: %s", err);
}

static void
on_signal(void *ud, const struct signalfd_siginfo *si)
{
	struct app *a = ud;
	int sig = (int)si->ssi_signo;

	if (sig == loop_resolve_signal()) {
		gateway_on_resolved(a->gw, si);
		return;
	}
	if (sig == SIGWINCH) {
		if (a->ui.on_resize != NULL)
			a->ui.on_resize(a->ui.ud);
		return;
	}
	/* The daemon convention (nginx, sshd): SIGHUP reloads. */
	if (sig == SIGHUP) {
		reload_on_hangup(a);
		return;
	}
	if (sig == SIGUSR1) {
		app_reopen_log(a);
		return;
	}
	LOGF(app_log(a), LOG_INFO, "app", "%s received", strsignal(sig));
	/* A second request, not the echo of the first (timeout(1) signals
	 * the child and then its group): stop waiting for the close. */
	if (a->quitting && loop_now().mono_ms - a->quit_started >= 500) {
		LOGF(app_log(a), LOG_WARN, "app", "quitting now, without waiting for the close");
		a->done = true;
		return;
	}
	app_quit(a, false);
}

static void
on_input(void *ud, const char *bytes, size_t n)
{
	struct app *a = ud;

	if (a->ui.on_input != NULL)
		a->ui.on_input(a->ui.ud, bytes, n);
}

static void
on_input_closed(void *ud)
{
	struct app *a = ud;

	if (a->ui.on_input_closed != NULL)
		a->ui.on_input_closed(a->ui.ud);
}

/* The shard a transport conn id belongs to, and the shard's own id for it
 * (app_gw_conn): its current conn when the low bits match, else an id the
 * shard ignores as old. NULL when no shard has that index. */
static struct bot *
shard_of(struct app *a, uint32_t gwconn, uint32_t *conn)
{
	uint32_t idx = gwconn >> APP_CONN_BITS, low = gwconn & APP_CONN_MASK;
	struct bot *b;

	if (idx >= (uint32_t)a->nshards)
		return NULL;
	b = &a->shards[idx].bot;
	*conn = (b->conn & APP_CONN_MASK) == low ? b->conn : low;
	return b;
}

static void
gw_opened(void *ud, uint32_t gwconn)
{
	struct app *a = ud;
	uint32_t conn;
	struct bot *b = shard_of(a, gwconn, &conn);

	if (b != NULL)
		bot_on_open(b, loop_now(), conn);
	app_kick(a);
}

static void
gw_frame(void *ud, uint32_t gwconn, const char *buf, size_t len)
{
	struct app *a = ud;
	uint32_t conn;
	struct bot *b = shard_of(a, gwconn, &conn);

	if (b != NULL)
		bot_on_frame(b, loop_now(), conn, buf, len);
	app_kick(a);
}

static void
gw_closed(void *ud, uint32_t gwconn, int code, const char *reason)
{
	struct app *a = ud;
	uint32_t conn;
	struct bot *b = shard_of(a, gwconn, &conn);

	if (b != NULL)
		bot_on_close(b, loop_now(), conn, code, reason);
	app_kick(a);
}

static void
rest_done(void *ud, uint64_t id, int status, const struct rlq_headers *h, const char *body,
    size_t len, const char *err)
{
	struct app *a = ud;
	struct rlq_headers none;

	if (h == NULL) {
		rlq_headers_init(&none);
		h = &none;
	}
	app_cluster_http_done(a, status, h);
	metrics_rest_done(&a->metrics, id, status, h->scope[0] != '\0' ? h->scope : NULL);
	fleet_on_http(&a->fleet, loop_now(), id, status, h, body, len, err);
	app_kick(a);
}

/* --- the emulator's control API --- */

struct ctl_call {
	struct app *a;
	void (*done)(void *ud, int status, const char *body, size_t len);
	void *ud;
};

static void
ctl_done(void *ud, int status, const char *body, size_t len)
{
	struct ctl_call *c = ud;

	c->done(c->ud, status, body, len);
	free(c);
}

int
app_sim_request(struct app *a, const char *method, const char *ctl_path, const char *json,
    void (*done)(void *ud, int status, const char *body, size_t len), void *ud,
    char *err, size_t errlen)
{
	char url[APP_URL_MAX + 256];
	struct ctl_call *c;

	if (!a->has_sim) {
		snprintf(err, errlen, "%s is not vigil's emulator", a->label);
		return -1;
	}
	if (strncmp(ctl_path, "/_ctl/", 6) != 0 ||
	    (size_t)snprintf(url, sizeof(url), "%s%s", a->root, ctl_path) >= sizeof(url)) {
		snprintf(err, errlen, "a control path starts with /_ctl/ and is short");
		return -1;
	}
	c = malloc(sizeof(*c));
	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*c = (struct ctl_call){ a, done, ud };
	if (rest_ctl(a->rest, method, url, json, ctl_done, c, err, errlen) < 0) {
		free(c);
		return -1;
	}
	return 0;
}

static void
probe_done(void *ud, int status, const char *body, size_t len)
{
	struct app *a = ud;

	(void)body;
	(void)len;
	a->has_sim = status == 200;
	if (a->has_sim) {
		snprintf(a->label, sizeof(a->label), "emulator %s", a->root + strlen("http://"));
		LOGF(app_log(a), LOG_INFO, "app", "%s answers the emulator's control API", a->root);
	}
}

void
app_probe_sim(struct app *a)
{
	char url[APP_URL_MAX + 32], err[128];

	/* Only a loopback peer can be the emulator; never ask Discord. */
	if (a->sim != NULL || !a->loopback)
		return;
	snprintf(url, sizeof(url), "%s/_ctl/settings", a->root);
	if (rest_ctl(a->rest, "GET", url, NULL, probe_done, a, err, sizeof(err)) < 0)
		LOGF(app_log(a), LOG_DEBUG, "app", "emulator probe: %s", err);
}

/* --- construction --- */

/* Derives the REST base, the server root and the label from api_base. */
static int
endpoints(struct app *a, const char *base, char *err, size_t errlen)
{
	char tmp[APP_URL_MAX];
	const char *prot, *host, *path;
	size_t n = strlen(base);
	int port;

	while (n > 0 && base[n - 1] == '/')
		n--;
	snprintf(a->api, sizeof(a->api), "%.*s%s", (int)n, base,
	    n > 4 && strncmp(base + n - 4, "/v10", 4) == 0 ? "" : "/v10");
	snprintf(a->root, sizeof(a->root), "%.*s", (int)n, base);
	n = strlen(a->root);
	if (n > 4 && strcmp(a->root + n - 4, "/v10") == 0)
		a->root[n -= 4] = '\0';
	if (n > 4 && strcmp(a->root + n - 4, "/api") == 0)
		a->root[n - 4] = '\0';
	snprintf(tmp, sizeof(tmp), "%s", base);
	if (lws_parse_uri(tmp, &prot, &host, &port, &path) != 0 ||
	    (strcmp(prot, "http") != 0 && strcmp(prot, "https") != 0)) {
		snprintf(err, errlen, "API base must be an http:// or https:// URL: %s", base);
		return -1;
	}
	a->loopback = strncmp(host, "127.", 4) == 0 || strcmp(host, "localhost") == 0 ||
	    strcmp(host, "::1") == 0;
	snprintf(a->label, sizeof(a->label), "%s", host);
	return 0;
}

static void
load_state(struct app *a)
{
	char err[PATH_MAX + 200], moved[PATH_MAX];
	struct vtime now = loop_now();
	char *text;
	size_t len;
	int rc = statefile_read(a->cfg.state_dir, &text, &len, err, sizeof(err));

	if (rc == 0) {
		LOGF(app_log(a), LOG_INFO, "state", "no state file in %s: a first start", a->cfg.state_dir);
		return;
	}
	if (rc > 0 && fleet_load_state(&a->fleet, a->cfg.bot.budget_assume_on_corrupt, text, len,
	    now, err, sizeof(err)) == 0) {
		bool forgot = false;

		free(text);
		/* The built-in emulator died with the last run, and its sessions
		 * with it: resuming would only wait out the resume window. */
		for (int i = 0; a->sim != NULL && i < a->nshards; i++)
			forgot = bot_forget_session(&a->shards[i].bot) || forgot;
		if (forgot)
			LOGF(app_log(a), LOG_INFO, "state",
			    "the built-in emulator starts fresh: the saved session cannot be resumed");
		return;
	}
	free(text);
	/* Corrupt or unreadable: keep it for a human, never silently reset. */
	if (statefile_set_aside(a->cfg.state_dir, (long long)(now.wall_ms / 1000), moved,
	    sizeof(moved), err, sizeof(err)) == 0)
		LOGF(app_log(a), LOG_ERROR, "state", "state file was unreadable; kept as %s", moved);
	else
		LOGF(app_log(a), LOG_ERROR, "state", "%s", err);
	if (rc < 0)
		fleet_load_state(&a->fleet, a->cfg.bot.budget_assume_on_corrupt, "", 0, now, err,
		    sizeof(err));
	app_persist(a);
}

/* SIGUSR1, after logrotate moved the file: what the ring holds goes to
 * the old file first, then the sink carries on in a new one at the same
 * seq, so no line is lost or written twice. A file that cannot be opened
 * keeps the old one. */
void
app_reopen_log(struct app *a)
{
	FILE *f;

	if (a->logf == NULL) {
		LOGF(app_log(a), LOG_INFO, "app", "SIGUSR1: no log_file to reopen");
		return;
	}
	logsink_flush(&a->file, app_log(a));
	f = fopen(a->cfg.log_file, "ae");
	if (f == NULL) {
		LOGF(app_log(a), LOG_ERROR, "app", "SIGUSR1: cannot reopen %s: %s; still writing "
		    "the old file", a->cfg.log_file, strerror(errno));
		return;
	}
	fclose(a->logf);
	a->logf = a->file.f = f;
	LOGF(app_log(a), LOG_INFO, "app", "SIGUSR1: log file %s reopened", a->cfg.log_file);
}

static int
open_log_file(struct app *a, char *err, size_t errlen)
{
	if (a->cfg.log_file[0] == '\0')
		return 0;
	a->logf = fopen(a->cfg.log_file, "ae");
	if (a->logf == NULL) {
		snprintf(err, errlen, "cannot open the log file %s", a->cfg.log_file);
		return -1;
	}
	logsink_init(&a->file, a->logf, a->cfg.log_json, a->cfg.stdout_level);
	return 0;
}

static int
start_parts(struct app *a, char *err, size_t errlen)
{
	struct loop_hooks lh = { a, on_timer, on_signal, on_input, on_input_closed };
	struct gw_events ge = { a, gw_opened, gw_frame, gw_closed };
	struct gw_options go = { a->cfg.ws_idle_ping_s, a->cfg.ws_idle_hangup_s, a->cfg.ca_file };
	char api[APP_URL_MAX];

	if (loop_init(&a->loop, gateway_protocol(), app_log(a), &lh, err, errlen) < 0)
		return -1;
	a->loop_ready = true;
	snprintf(api, sizeof(api), "%s", a->cfg.api_base);
	if (api[0] == '\0') {
		a->sim = embed_start(a->loop.ctx, &a->cfg, api, sizeof(api), err, errlen);
		if (a->sim == NULL)
			return -1;
		a->has_sim = true;
	}
	if (endpoints(a, api, err, errlen) < 0)
		return -1;
	if (a->sim != NULL)
		snprintf(a->label, sizeof(a->label), "emulator %s", a->root + strlen("http://"));
	a->gw = gateway_new(&a->loop, app_log(a), &ge, &go);
	if (a->gw == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	a->rest = rest_new(&a->loop, app_log(a), a->api, a->cfg.bot.token, rest_done, a, err, errlen);
	if (a->rest == NULL)
		return -1;
	rest_set_ca_file(a->rest, a->cfg.ca_file);
	return app_cluster_new(a, err, errlen);
}

struct app *
app_new(const struct app_config *cfg, char *err, size_t errlen)
{
	struct app *a = calloc(1, sizeof(*a));

	if (a == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	a->cfg = *cfg;
	a->cfg.bot.cluster_permits = a->cfg.cluster[0] != '\0';
	a->ui_deadline = VTIME_NEVER;
	a->watchdog_next = VTIME_NEVER;
	a->notify.fd = -1;
	a->start_mono = loop_now().mono_ms;
	a->start_wall_ms = loop_now().wall_ms;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (a->cfg.headless && a->cfg.bot.log_capture < a->cfg.stdout_level)
		a->cfg.bot.log_capture = a->cfg.stdout_level;  /* nobody reads the rest */
	if (a->cfg.headless)
		logsink_init(&a->out, stdout, a->cfg.log_json, a->cfg.stdout_level);
	if (statefile_mkdir(a->cfg.state_dir, err, errlen) < 0 ||
	    app_make_shards(a, err, errlen) < 0) {
		app_free(a);
		return NULL;
	}
	if (a->cfg.redis_password[0] != '\0')
		logring_set_secret_slot(&a->fleet.log, LOG_SECRET_REDIS, a->cfg.redis_password);
	metrics_init(&a->metrics, app_worst(a)->state, loop_now().mono_ms);
	if (open_log_file(a, err, errlen) < 0 || start_parts(a, err, errlen) < 0)
		goto fail;
	LOGF(app_log(a), LOG_INFO, "app", "vigil %s: REST %s, state in %s", VIGIL_VERSION, a->api,
	    a->cfg.state_dir);
	/* After the banner: the log opens with what vigil is and where. */
	if (app_scripts_start(a, err, errlen) < 0)
		goto fail;
	load_state(a);
	if (app_http_start(a, err, errlen) < 0)
		goto fail;
	app_ctl_start(a);
	app_notify_start(a);
	app_alert_start(a);
	return a;
fail:
	app_flush_logs(a);
	app_free(a);
	return NULL;
}

void
app_free(struct app *a)
{
	if (a == NULL)
		return;
	app_flush_logs(a);
	/* Transports first (they close their wsi and curl's sockets), then
	 * the emulator, then the context, then the core. */
	app_cluster_free(a);
	app_scripts_stop(a);
	ctlsock_free(a->ctl);
	httpd_free(a->http);
	rest_free(a->rest);
	gateway_free(a->gw);
	embed_stop(a->sim);
	if (a->loop_ready)
		loop_free(&a->loop);
	for (int i = 0; i < a->nshards; i++) {
		if (a->shards[i].ready)
			bot_free(&a->shards[i].bot);
	}
	free(a->shards);
	if (a->fleet_ready)
		fleet_free(&a->fleet);
	if (a->logf != NULL)
		fclose(a->logf);
	sdnotify_close(&a->notify);
	curl_global_cleanup();
	explicit_bzero(a->cfg.bot.token, sizeof(a->cfg.bot.token));
	explicit_bzero(a->cfg.redis_password, sizeof(a->cfg.redis_password));
	explicit_bzero(a->cfg.alert_webhook, sizeof(a->cfg.alert_webhook));
	free(a);
}
