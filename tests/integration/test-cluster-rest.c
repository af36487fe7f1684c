/*
 * The cluster's shared REST limit with real processes over loopback
 * (docs/cluster.md): three headless vigils, one shard each, sharing one
 * redis-server of the test's own, against one vigil-sim whose global limit
 * is 50 requests a second. Each runs a Lua bot (docs/bots.md) that pushes
 * 150 messages the moment its shard's guilds are in, so 450 requests want
 * to leave at once, three times what one second allows. Everything is
 * judged at the emulator's end: its global 429 counter, and its message
 * store (GET /_ctl/messages), where every message must be found exactly
 * once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "../support/net-vigil.h"
#include "../support/redis-proc.h"
#include "../support/sim-proc.h"

#define PROCS      3
#define PUSH       150                  /* messages each process pushes */
#define TOTAL      (PROCS * PUSH)
#define LIMIT      50                   /* the emulator's global limit, per s */

/* Pushes PUSH messages "p<shard>-<n>" once every guild of its READY has
 * come in, round-robin over the shard's writable channels: with 50 guilds,
 * about 33 channels a shard, so no channel gets more than its route bucket
 * (5 per 5 s) and only the global limit holds the requests back. Once: a
 * second READY (a new session) must not push again. */
static const char push_lua[] =
	"local PUSH = 150\n"
	"local expected, seen, channels, pushed = nil, 0, {}, false\n"
	"local function push()\n"
	"  local shard = vigil.state().shard_id\n"
	"  pushed = true\n"
	"  for n = 1, PUSH do\n"
	"    vigil.send(channels[(n - 1) % #channels + 1], string.format('p%d-%d', shard, n))\n"
	"  end\n"
	"  vigil.log.info('pushed %d messages over %d channels', PUSH, #channels)\n"
	"end\n"
	"vigil.on('READY', function(r) expected = #r.guilds end)\n"
	"vigil.on('GUILD_CREATE', function(g)\n"
	"  for i = 1, #g.channels do\n"
	"    local c = g.channels[i]\n"
	"    if c.type == 0 and c.name ~= 'announcements' then channels[#channels + 1] = c.id end\n"
	"  end\n"
	"  seen = seen + 1\n"
	"  if not pushed and seen == expected then push() end\n"
	"end)\n";

struct fx {
	struct redisproc rp;
	struct simproc sim;
	struct netv v[PROCS];
	char api[96];
	char dir[64];                   /* the bot file */
	char bot[96];
};

static struct fx fx;

#define CHECK(cond) NETV_CHECK(fx.v, PROCS, cond)

static int
write_bot(void)
{
	FILE *f;

	snprintf(fx.dir, sizeof(fx.dir), "/tmp/vigil-restc.XXXXXX");
	if (mkdtemp(fx.dir) == NULL)
		return -1;
	snprintf(fx.bot, sizeof(fx.bot), "%s/push.lua", fx.dir);
	if ((f = fopen(fx.bot, "w")) == NULL)
		return -1;
	fputs(push_lua, f);
	return fclose(f) == 0 ? 0 : -1;
}

static int
setup(void **state)
{
	static const char *const sim_args[] = { "--global-limit", "50", "--guilds", "50",
	    "--shards", "3", "--max-concurrency", "3", NULL };

	(void)state;
	memset(&fx, 0, sizeof(fx));
	for (int i = 0; i < PROCS; i++) {
		fx.v[i].pid = -1;
		fx.v[i].out = -1;
	}
	if (write_bot() < 0 || redisproc_start(&fx.rp, "itest-redis-pw") < 0)
		return -1;
	if (simproc_start(&fx.sim, sim_args) < 0) {
		redisproc_stop(&fx.rp);
		return -1;
	}
	snprintf(fx.api, sizeof(fx.api), "%s/api", fx.sim.base);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	for (int i = 0; i < PROCS; i++) {
		if (fx.v[i].dir[0] != '\0')
			netv_cleanup(&fx.v[i]);
	}
	simproc_stop(&fx.sim);
	redisproc_stop(&fx.rp);
	if (fx.dir[0] != '\0') {
		unlink(fx.bot);
		rmdir(fx.dir);
	}
	return 0;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Polls the emulator until `name` reaches `want` (bounded): the last value. */
static long long
wait_counter(const char *name, long long want, int timeout_ms)
{
	long long v = simproc_counter(&fx.sim, name);

	for (int waited = 0; v < want && waited < timeout_ms; waited += 100) {
		sleep_ms(100);
		v = simproc_counter(&fx.sim, name);
	}
	return v;
}

struct seen {
	int count[PROCS][PUSH + 1];     /* deliveries of "p<shard>-<n>" */
	int64_t first[PROCS], last[PROCS];
	int64_t all_first, all_last;
	int bot, strays;                /* the bot's messages; ones not ours */
	int max_window;                 /* most messages in any 1 s (a figure: the
	                                 * emulator's window is on another clock) */
};

static int64_t
wall_of(const json_t *m)
{
	return (int64_t)json_integer_value(json_object_get(m, "wall_ms"));
}

static void
note(struct seen *s, const json_t *m)
{
	const char *content = json_string_value(json_object_get(m, "content"));
	int64_t at = wall_of(m);
	int p, n, used = 0;

	if (json_integer_value(json_object_get(m, "author")) != 0)
		return;
	s->bot++;
	if (content == NULL || sscanf(content, "p%d-%d%n", &p, &n, &used) != 2 ||
	    content[used] != '\0' || p < 0 || p >= PROCS || n < 1 || n > PUSH) {
		s->strays++;
		return;
	}
	s->count[p][n]++;
	if (s->first[p] == 0 || at < s->first[p])
		s->first[p] = at;
	if (at > s->last[p])
		s->last[p] = at;
	if (s->all_first == 0 || at < s->all_first)
		s->all_first = at;
	if (at > s->all_last)
		s->all_last = at;
}

/* The store is in creation order, so a two-finger walk finds the most
 * messages created within any 1000 ms (the emulator's own window). */
static int
busiest_second(const json_t *msgs)
{
	size_t n = json_array_size(msgs), lo = 0;
	int best = 0;

	for (size_t hi = 0; hi < n; hi++) {
		while (wall_of(json_array_get(msgs, hi)) - wall_of(json_array_get(msgs, lo)) >= 1000)
			lo++;
		if ((int)(hi - lo + 1) > best)
			best = (int)(hi - lo + 1);
	}
	return best;
}

static int
read_store(struct seen *s)
{
	json_t *j = simproc_get(&fx.sim, "/_ctl/messages"), *msgs, *m;
	size_t i;

	if (j == NULL)
		return -1;
	memset(s, 0, sizeof(*s));
	msgs = json_object_get(j, "messages");
	json_array_foreach(msgs, i, m)
		note(s, m);
	s->max_window = busiest_second(msgs);
	json_decref(j);
	return 0;
}

/* Deliveries that are not exactly one: missing ones and duplicates. */
static int
not_once(const struct seen *s, int *missing, int *dups)
{
	*missing = *dups = 0;
	for (int p = 0; p < PROCS; p++) {
		for (int n = 1; n <= PUSH; n++) {
			*missing += s->count[p][n] == 0;
			*dups += s->count[p][n] > 1 ? s->count[p][n] - 1 : 0;
		}
	}
	return *missing + *dups;
}

/* Three processes, 150 messages each, one global limit of 50/s: the shared
 * limiter in Redis keeps the three together under it. */
static void
three_processes_share_fifty_a_second(void **state)
{
	char config[512];
	const char *const args[] = { "--bot", fx.bot, NULL };
	struct seen s = { 0 };
	long long posted, g429, all429;
	int missing, dups;

	(void)state;
	for (int i = 0; i < PROCS; i++) {
		snprintf(config, sizeof(config), "cluster = unix://%s\ncluster_name = itest\n"
		    "redis_password = itest-redis-pw\ncluster_lease = 3s\nshards = %d\n"
		    "shard_ids = %d\n", fx.rp.sock, PROCS, i);
		CHECK(netv_start(&fx.v[i], fx.api, config, args) == 0);
	}
	for (int i = 0; i < PROCS; i++)
		CHECK(netv_wait(&fx.v[i], 30000, NULL, "pushed 150 messages") != NULL);
	/* 9 s at 50/s, with generous room for a loaded machine. */
	posted = wait_counter("messages_posted", TOTAL, 90000);
	/* A clean exit of every process: nothing more can arrive, so what the
	 * store holds now is final (a retried request would show up twice). */
	for (int i = 0; i < PROCS; i++)
		CHECK(netv_stop(&fx.v[i], SIGTERM, 10000) == 0);
	g429 = simproc_counter(&fx.sim, "rest_429_global");
	all429 = simproc_counter(&fx.sim, "rest_429");
	CHECK(read_store(&s) == 0);
	not_once(&s, &missing, &dups);
	fprintf(stderr, "posted %lld (store: %d by the bot, %d strays), missing %d, duplicates %d; "
	    "429s: %lld global, %lld in all; busiest second %d; all in %.3f s\n", posted,
	    s.bot, s.strays, missing, dups, g429, all429, s.max_window,
	    (double)(s.all_last - s.all_first) / 1000.0);
	for (int p = 0; p < PROCS; p++)
		fprintf(stderr, "  process %d: %.3f s to %.3f s, %.1f messages/s\n", p,
		    (double)(s.first[p] - s.all_first) / 1000.0,
		    (double)(s.last[p] - s.all_first) / 1000.0,
		    s.last[p] > s.first[p] ? PUSH * 1000.0 / (double)(s.last[p] - s.first[p]) : 0.0);
	CHECK(g429 == 0);
	CHECK(posted == TOTAL);
	CHECK(s.bot == TOTAL && s.strays == 0);
	CHECK(missing == 0 && dups == 0);
	/* The limiter spread them: beyond the first second's 50, 50 a second
	 * (less a margin for the clock's grain). */
	CHECK(s.all_last - s.all_first >= (TOTAL - LIMIT) * 1000 / LIMIT - 250);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(three_processes_share_fifty_a_second, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
