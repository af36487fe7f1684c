/*
 * The in-process side of `make bench`: takes one MESSAGE_CREATE exactly as
 * the emulator's burst fault sends it (from the sim core, in-process), times
 * jansson's full parse of it against the core's fast path, and profiles what
 * vigil does per event, stage by stage, to set against the end-to-end cost
 * per event that bench/run.sh measures:
 *   framing  RFC 6455 frames parsed out of 64 KB reads (ws-frame.c)
 *   JSON     frame_decode as `--bot none` decodes: the check and, in the
 *            same pass, the tokens of what the cache reads (the fast path
 *            line above it tokenizes the whole frame, as jansson parses it)
 *   cache    cache_apply on the decoded frame
 *   core     the rest of bot_on_frame: the sequence, the session, the
 *            pump (bot_on_frame's whole cost less JSON and cache; no bot
 *            script here: run.sh's second burst measures bots/ping.lua)
 * Each figure is the least of three runs, in this process's CPU time (the
 * end-to-end figure is CPU time too: on a shared machine the wall clock
 * counts other programs' turns). The last line is
 * machine-readable for run.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "bot/bot.h"
#include "bot/cache.h"
#include "bot/frame.h"
#include "net/ws-frame.h"
#include "sim/sim.h"

#define READ_CHUNK (64u << 10)

/* This process's CPU time: it is single-threaded. */
static double
cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Drains the emulator's actions, keeping a copy of the first
 * MESSAGE_CREATE sent. */
static char *
drain(struct sim *sim, char *keep, size_t *len)
{
	struct sim_action a;

	while (sim_next_action(sim, &a)) {
		if (keep == NULL && a.kind == SIM_ACT_SEND && a.data != NULL &&
		    memmem(a.data, a.len, "\"MESSAGE_CREATE\"", 16) != NULL) {
			keep = malloc(a.len);
			if (keep != NULL) {
				memcpy(keep, a.data, a.len);
				*len = a.len;
			}
		}
		sim_action_done(&a);
	}
	return keep;
}

static char *
burst_payload(size_t *len)
{
	static const char identify[] = "{\"op\":2,\"d\":{\"token\":\"sim-token\",\"intents\":33281,"
	    "\"properties\":{\"os\":\"linux\",\"browser\":\"bench\",\"device\":\"bench\"}}}";
	struct vtime now = { 1000, 1700000000000LL };
	struct sim_config cfg;
	char err[160], *p = NULL;
	struct sim_conn_info info;
	struct sim *sim;
	uint32_t conn;

	sim_config_defaults(&cfg);
	cfg.chatter = 0;
	sim = sim_new(&cfg, now, err, sizeof(err));
	if (sim == NULL) {
		fprintf(stderr, "bench: %s\n", err);
		return NULL;
	}
	memset(&info, 0, sizeof(info));
	conn = sim_conn_open(sim, now, "/?v=10&encoding=json", &info);
	drain(sim, NULL, len);
	sim_conn_text(sim, now, conn, identify, strlen(identify));
	drain(sim, NULL, len);
	if (sim_fault_line(sim, now, "burst 1", err, sizeof(err)) < 0)
		fprintf(stderr, "bench: burst: %s\n", err);
	for (int i = 0; i < 4 && p == NULL; i++) {
		p = drain(sim, p, len);
		sim_conn_drained(sim, now, conn);
	}
	sim_free(sim);
	return p;
}

/* ns per frame to parse n copies of msg, framed as the server frames it,
 * out of READ_CHUNK reads. */
static double
time_framing(const char *msg, size_t len, int n)
{
	size_t flen = len + 4, total = flen * (size_t)n;
	unsigned char *stream = malloc(total), *chunk = malloc(READ_CHUNK);
	struct wsf_rx rx;
	struct wsf_msg m;
	char err[96];
	int code, seen = 0;
	double t0, t;

	if (stream == NULL || chunk == NULL) {
		free(stream);
		free(chunk);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		unsigned char *p = stream + (size_t)i * flen;
		p[0] = 0x81;
		p[1] = 126;
		p[2] = (unsigned char)(len >> 8);
		p[3] = (unsigned char)len;
		memcpy(p + 4, msg, len);
	}
	wsf_rx_init(&rx, 16u << 20);
	t0 = cpu_s();
	for (size_t off = 0; off < total; off += READ_CHUNK) {
		size_t k = total - off < READ_CHUNK ? total - off : READ_CHUNK;
		memcpy(chunk, stream + off, k);         /* what recv() does */
		wsf_rx_feed(&rx, chunk, k);
		while (wsf_rx_next(&rx, &m, &code, err, sizeof(err)) == 1)
			seen++;
	}
	t = cpu_s() - t0;
	wsf_rx_free(&rx);
	free(stream);
	free(chunk);
	return seen == n ? t / n * 1e9 : -1;
}

/* ns per cache_apply of the decoded frame f. */
static double
time_cache(const struct frame *f, int n)
{
	struct cache_limits lim;
	struct cache *c;
	double t0, t;

	cache_limits_default(&lim);
	c = cache_new(&lim);
	if (c == NULL)
		return -1;
	t0 = cpu_s();
	for (int i = 0; i < n; i++)
		cache_apply(c, f);
	t = cpu_s() - t0;
	cache_free(c);
	return t / n * 1e9;
}

static void
drain_bot(struct bot *b, struct vtime now, uint32_t *conn)
{
	static const char gw[] = "{\"url\":\"ws://bench\",\"shards\":1,\"session_start_limit\":"
	    "{\"total\":1000,\"remaining\":1000,\"reset_after\":3600000,\"max_concurrency\":1}}";
	struct rlq_headers h;
	struct action a;

	while (bot_next_action(b, &a)) {
		if (a.kind == ACT_HTTP) {
			rlq_headers_init(&h);
			bot_on_http(b, now, a.http_id, 200, &h, gw, strlen(gw), NULL);
		} else if (a.kind == ACT_OPEN) {
			*conn = a.conn;
			bot_on_open(b, now, a.conn);
		}
		action_release(&a);
	}
}

/* ns per bot_on_frame of msg (its "s" counting up) on a connected core
 * with the default config (the cache on), as `vigil --bot none` runs. */
static double
time_core(const char *msg, size_t len, int n)
{
	static const char hello[] = "{\"op\":10,\"d\":{\"heartbeat_interval\":41250}}";
	static const char ready[] = "{\"op\":0,\"t\":\"READY\",\"s\":1,\"d\":{\"session_id\":\"b\","
	    "\"resume_gateway_url\":\"ws://bench\",\"user\":{\"id\":\"1\",\"username\":\"b\"},"
	    "\"guilds\":[]}}";
	const char *after = strstr(msg, "\"s\":");
	struct vtime now = { 1000, 1700000000000LL };
	struct bot_config cfg;
	struct bot *b = calloc(1, sizeof(*b));
	char err[128], *buf = malloc(len + 32);
	struct bot_snapshot *snap = malloc(sizeof(*snap));
	uint32_t conn = 0;
	double t0, t = -1;

	if (b == NULL || buf == NULL || snap == NULL || after == NULL)
		goto out;
	after += 4;
	while (*after >= '0' && *after <= '9')
		after++;
	bot_config_defaults(&cfg);
	snprintf(cfg.token, sizeof(cfg.token), "bench-token");
	if (bot_init(b, &cfg, now, err, sizeof(err)) < 0)
		goto out;
	bot_start(b, now);
	drain_bot(b, now, &conn);
	bot_on_frame(b, now, conn, hello, strlen(hello));
	drain_bot(b, now, &conn);
	bot_on_frame(b, now, conn, ready, strlen(ready));
	drain_bot(b, now, &conn);
	t0 = cpu_s();
	for (int i = 0; i < n; i++) {
		int k = snprintf(buf, len + 32, "{\"t\":\"MESSAGE_CREATE\",\"s\":%d%s", i + 2, after);
		bot_on_frame(b, now, conn, buf, (size_t)k);
		drain_bot(b, now, &conn);
	}
	t = (cpu_s() - t0) / n * 1e9;
	bot_snapshot(b, now, snap);
	if (snap->stats.events < (uint64_t)n || snap->cache.updates == 0)
		t = -1;         /* not connected: the figure would mean nothing */
	bot_free(b);
out:
	free(b);
	free(buf);
	free(snap);
	return t;
}

/* What the core's decoder tokenizes with no listener: what the cache reads. */
static enum frame_reads
cache_wants(void *ud, const char *t, const char *const **nested)
{
	(void)ud;
	return cache_reads(t, nested);
}

/* ns per frame_decode of msg (into f, kept for the cache's timing). */
static double
time_json(struct frame *f, struct frame_decoder *dec, const char *msg, size_t len, int n)
{
	char err[96];
	double t0 = cpu_s();

	for (int i = 0; i < n; i++)
		frame_decode(f, dec, msg, len, err, sizeof(err));
	return (cpu_s() - t0) / n * 1e9;
}

static double
time_jansson(const char *msg, size_t len, int n)
{
	double t0 = cpu_s();

	for (int i = 0; i < n; i++)
		json_decref(json_loadb(msg, len, 0, NULL));
	return (cpu_s() - t0) / n * 1e9;
}

static double
least(double a, double b)
{
	return a < b ? a : b;
}

/* Each figure is the least of ROUNDS runs: the machine is shared, and
 * other work only ever adds time. */
#define ROUNDS 3

int
main(int argc, char **argv)
{
	int n = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 100000;
	size_t len = 0;
	char *msg = burst_payload(&len);
	struct frame_decoder dec, reads;
	static struct frame f;
	double tj = 1e30, full = 1e30, json = 1e30, framing = 1e30, cache = 1e30, core = 1e30;

	if (msg == NULL) {
		fprintf(stderr, "bench: no MESSAGE_CREATE from the emulator\n");
		return 1;
	}
	frame_decoder_init(&dec);
	frame_decoder_init(&reads);
	frame_decoder_want(&reads, cache_wants, NULL);
	for (int r = 0; r < ROUNDS; r++) {
		tj = least(tj, time_jansson(msg, len, n / 4));
		full = least(full, time_json(&f, &dec, msg, len, n));
		json = least(json, time_json(&f, &reads, msg, len, n));
		framing = least(framing, time_framing(msg, len, n));
		cache = least(cache, time_cache(&f, n));
		core = least(core, time_core(msg, len, n));
	}
	printf("payload          %zu bytes (the burst's MESSAGE_CREATE)\n", len);
	printf("jansson parse    %.0f msg/s, %.2f us each (%.0f MB/s)\n", 1e9 / tj, tj / 1e3,
	    len / tj * 1e3);
	printf("fast path        %.0f msg/s, %.2f us each (%.1fx jansson's parse), all tokenized\n",
	    1e9 / full, full / 1e3, tj / full);
	/* The core's share is a difference: under load it can come out
	 * below zero, which says only that the machine was busy. */
	if (core >= json + cache)
		printf("profile          per event: framing %.0f ns, JSON %.0f ns, cache %.0f ns, "
		    "core %.0f ns\n", framing, json, cache, core - json - cache);
	else
		printf("profile          per event: framing %.0f ns, JSON %.0f ns, cache %.0f ns, "
		    "core n/a (the machine was busier while JSON or cache was timed)\n", framing,
		    json, cache);
	/* For run.sh: in-process ns per event (framing + bot_on_frame). */
	printf("inproc_ns %.0f\n", framing + core);
	frame_decoder_free(&dec);
	frame_decoder_free(&reads);
	free(msg);
	return 0;
}
