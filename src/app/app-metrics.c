/*
 * /metrics in the Prometheus text exposition format 0.0.4
 * (docs/operations.md lists every family). Names follow Prometheus's
 * conventions: base units (seconds, bytes), _total on counters. Written
 * into one memory stream per scrape; its cost is in `make bench`.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/app-internal.h"

static void
family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One line per shard of this process (the `shard` label). */
static void
gateway(FILE *f, struct app *a, int64_t now_mono)
{
	uint64_t gaps = 0, zombies = 0;
	int n = app_shards(a);

	family(f, "vigil_gateway_state", "gauge", "1 for the shard's current gateway state.");
	for (int i = 0; i < n; i++)
		for (int s = 0; s < BOT_STATES; s++)
			fprintf(f, "vigil_gateway_state{shard=\"%d\",state=\"%s\"} %d\n",
			    app_shard(a, i)->cfg.shard_id, bot_state_name((enum bot_state)s),
			    app_shard(a, i)->state == (enum bot_state)s);
	/* One timeline: the shard's with one shard, the worst shard's with
	 * more (shard="all"). */
	family(f, "vigil_state_seconds_total", "counter", "Seconds spent in each gateway state.");
	for (int s = 0; s < BOT_STATES; s++) {
		if (n == 1)
			fprintf(f, "vigil_state_seconds_total{shard=\"%d\",state=\"%s\"} %.3f\n",
			    app_shard(a, 0)->cfg.shard_id, bot_state_name((enum bot_state)s),
			    metrics_state_seconds(&a->metrics, (enum bot_state)s, now_mono));
		else
			fprintf(f, "vigil_state_seconds_total{shard=\"all\",state=\"%s\"} %.3f\n",
			    bot_state_name((enum bot_state)s),
			    metrics_state_seconds(&a->metrics, (enum bot_state)s, now_mono));
	}
	family(f, "vigil_gateway_events_total", "counter", "Gateway dispatches received.");
	for (int i = 0; i < n; i++)
		fprintf(f, "vigil_gateway_events_total{shard=\"%d\"} %llu\n",
		    app_shard(a, i)->cfg.shard_id, (unsigned long long)app_shard(a, i)->stats.events);
	for (int i = 0; i < n; i++) {
		gaps += app_shard(a, i)->stats.seq_gaps;
		zombies += app_shard(a, i)->stats.zombies;
	}
	family(f, "vigil_gateway_seq_gaps_total", "counter", "Dispatch sequence numbers skipped.");
	fprintf(f, "vigil_gateway_seq_gaps_total %llu\n", (unsigned long long)gaps);
	family(f, "vigil_heartbeat_rtt_seconds", "gauge",
	    "Last heartbeat round trip (NaN until the first ACK).");
	for (int i = 0; i < n; i++) {
		const struct bot *b = app_shard(a, i);

		if (b->hb.last_rtt_ms >= 0)
			fprintf(f, "vigil_heartbeat_rtt_seconds{shard=\"%d\"} %.3f\n", b->cfg.shard_id,
			    (double)b->hb.last_rtt_ms / 1000.0);
		else
			fprintf(f, "vigil_heartbeat_rtt_seconds{shard=\"%d\"} NaN\n", b->cfg.shard_id);
	}
	family(f, "vigil_reconnects_total", "counter",
	    "RESUMEs sent, and IDENTIFYs after the first.");
	for (int i = 0; i < n; i++) {
		const struct bot *b = app_shard(a, i);

		fprintf(f, "vigil_reconnects_total{shard=\"%d\",kind=\"resume\"} %llu\n",
		    b->cfg.shard_id, (unsigned long long)b->stats.resumes_sent);
		fprintf(f, "vigil_reconnects_total{shard=\"%d\",kind=\"identify\"} %llu\n",
		    b->cfg.shard_id,
		    (unsigned long long)(b->stats.identifies > 0 ? b->stats.identifies - 1 : 0));
	}
	family(f, "vigil_zombies_total", "counter", "Connections dropped for a missed heartbeat ACK.");
	fprintf(f, "vigil_zombies_total %llu\n", (unsigned long long)zombies);
}

static void
sessions(FILE *f, const struct bot_snapshot *v)
{
	family(f, "vigil_session_starts_used", "gauge", "Session starts used in the last 24 h.");
	fprintf(f, "vigil_session_starts_used %d\n", v->budget_used);
	family(f, "vigil_session_starts_remaining", "gauge", "Session starts left in 24 h.");
	fprintf(f, "vigil_session_starts_remaining %d\n", v->budget_remaining);
	family(f, "vigil_session_starts_limit", "gauge", "Session starts allowed in 24 h.");
	fprintf(f, "vigil_session_starts_limit %d\n", v->budget_limit);
	family(f, "vigil_session_starts_reserve", "gauge", "Session starts kept for the operator.");
	fprintf(f, "vigil_session_starts_reserve %d\n", v->budget_reserve);
}

static void
rest(FILE *f, const struct metrics *m, const struct bot_snapshot *v)
{
	family(f, "vigil_rest_requests_total", "counter",
	    "REST responses by method, route template and status (0: transport error).");
	for (int i = 0; i < m->nseries; i++) {
		char st[16] = "other";  /* the overflow series */
		if (m->series[i].status >= 0)
			snprintf(st, sizeof(st), "%d", m->series[i].status);
		fprintf(f, "vigil_rest_requests_total{method=\"%s\",route=\"%s\",status=\"%s\"} %llu\n",
		    m->series[i].method, m->series[i].route, st, (unsigned long long)m->series[i].n);
	}
	family(f, "vigil_rest_queue_depth", "gauge", "REST requests waiting in the rate-limit queue.");
	fprintf(f, "vigil_rest_queue_depth %d\n", v->rest.pending);
	family(f, "vigil_rest_429_total", "counter", "REST 429 answers by X-RateLimit-Scope.");
	for (int i = 0; i < METRICS_SCOPES; i++)
		fprintf(f, "vigil_rest_429_total{scope=\"%s\"} %llu\n", metrics_scope_name(i),
		    (unsigned long long)m->r429[i]);
	family(f, "vigil_rest_invalid_requests", "gauge",
	    "401, 403 and 429 answers in the last 10 minutes (Cloudflare bans at 10,000).");
	fprintf(f, "vigil_rest_invalid_requests %d\n", v->rest.invalid_10min);
}

static void
cache_and_log(FILE *f, const struct bot_snapshot *v, const struct logring *log)
{
	family(f, "vigil_cache_entries", "gauge", "Entities held in the cache by kind.");
	for (int k = 0; k < CACHE_KINDS; k++)
		fprintf(f, "vigil_cache_entries{kind=\"%s\"} %zu\n",
		    cache_kind_name((enum cache_kind)k), v->cache.entries[k]);
	family(f, "vigil_log_lines_total", "counter", "Log lines recorded by level.");
	for (int l = 0; l < LOG_LEVEL_COUNT; l++)
		fprintf(f, "vigil_log_lines_total{level=\"%s\"} %llu\n",
		    log_level_name((enum log_level)l), (unsigned long long)log->by_level[l]);
}

/* Bot scripts, with label script = the bot's name (at most SCRIPT_MAX). */
static void
scripts(FILE *f, const struct app *a)
{
	struct script_info si;
	int n = a->scripts != NULL ? script_host_count(a->scripts) : 0;

	if (n == 0)
		return;
	family(f, "vigil_script_errors_total", "counter", "Bot script callback failures.");
	for (int i = 0; i < n; i++)
		if (script_host_info(a->scripts, i, &si))
			fprintf(f, "vigil_script_errors_total{script=\"%s\"} %llu\n", si.name,
			    (unsigned long long)si.errors);
	family(f, "vigil_script_memory_bytes", "gauge", "Memory held by each bot's Lua state.");
	for (int i = 0; i < n; i++)
		if (script_host_info(a->scripts, i, &si))
			fprintf(f, "vigil_script_memory_bytes{script=\"%s\"} %zu\n", si.name, si.memory);
	family(f, "vigil_script_listeners_disabled", "gauge",
	    "Bot script listeners disabled for failing too often.");
	for (int i = 0; i < n; i++)
		if (script_host_info(a->scripts, i, &si))
			fprintf(f, "vigil_script_listeners_disabled{script=\"%s\"} %d\n", si.name,
			    si.disabled);
}

static void
alerts(FILE *f, const struct app *a)
{
	if (!a->alert_on)
		return;
	family(f, "vigil_alerts_total", "counter",
	    "Webhook alerts: sent, failed (given up), dropped (queue full), folded.");
	fprintf(f, "vigil_alerts_total{result=\"sent\"} %llu\n", (unsigned long long)a->alerts_sent);
	fprintf(f, "vigil_alerts_total{result=\"failed\"} %llu\n",
	    (unsigned long long)a->alerts_failed);
	fprintf(f, "vigil_alerts_total{result=\"dropped\"} %llu\n",
	    (unsigned long long)a->alerts.dropped);
	fprintf(f, "vigil_alerts_total{result=\"folded\"} %llu\n",
	    (unsigned long long)(a->alerts.raised - a->alerts.queued));
	family(f, "vigil_alert_queue_depth", "gauge", "Webhook alerts waiting to be sent.");
	fprintf(f, "vigil_alert_queue_depth %d\n", a->alerts.count);
	family(f, "vigil_alert_latency_seconds", "gauge",
	    "How long after the disconnect (or its cause) the last alert left.");
	fprintf(f, "vigil_alert_latency_seconds %.3f\n", (double)a->alert_latency_ms / 1000.0);
}

/* utime + stime (fields 14, 15 of /proc/self/stat, after the comm). */
static double
cpu_seconds(void)
{
	char buf[1024], *p;
	unsigned long ut = 0, st = 0;
	FILE *f = fopen("/proc/self/stat", "re");
	size_t n;

	if (f == NULL)
		return NAN;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return NAN;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static double
rss_bytes(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "re");

	if (f == NULL)
		return NAN;
	if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
		rss = -1;
	fclose(f);
	return rss < 0 ? NAN : (double)rss * (double)sysconf(_SC_PAGESIZE);
}

static void
process(FILE *f, const struct app *a)
{
	family(f, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
	fprintf(f, "process_resident_memory_bytes %.0f\n", rss_bytes());
	family(f, "process_cpu_seconds_total", "counter", "User and system CPU time in seconds.");
	fprintf(f, "process_cpu_seconds_total %.2f\n", cpu_seconds());
	family(f, "process_start_time_seconds", "gauge", "Start time since the Unix epoch, seconds.");
	fprintf(f, "process_start_time_seconds %.3f\n", (double)a->start_wall_ms / 1000.0);
}

char *
app_metrics_text(struct app *a, size_t *len)
{
	struct vtime now = loop_now();
	struct bot_snapshot *v = malloc(sizeof(*v));
	char *text = NULL;
	FILE *f;

	if (v == NULL || (f = open_memstream(&text, len)) == NULL) {
		free(v);
		return NULL;
	}
	bot_snapshot(app_worst(a), now, v);
	metrics_state(&a->metrics, app_worst(a)->state, now.mono_ms);
	gateway(f, a, now.mono_ms);
	sessions(f, v);
	rest(f, &a->metrics, v);
	cache_and_log(f, v, app_log(a));
	alerts(f, a);
	scripts(f, a);
	for (int i = 0; i < a->nproviders; i++)
		a->providers[i].emit(a->providers[i].ud, f);
	process(f, a);
	free(v);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

int
app_add_metrics(struct app *a, void (*emit)(void *ud, FILE *f), void *ud)
{
	if (a->nproviders == APP_METRICS_PROVIDERS)
		return -1;
	a->providers[a->nproviders].emit = emit;
	a->providers[a->nproviders++].ud = ud;
	return 0;
}
