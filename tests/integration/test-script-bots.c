/*
 * Lua bots in a real vigil against vigil-sim over loopback:
 *  - ping.lua (the default bot) is loaded and answers (the answering itself
 *    is test-net-rest.c's ping_answered, now through ping.lua);
 *  - SIGHUP reloads under a 20,000-event burst (2,000 under valgrind): every event handled exactly
 *    once across the script generations, 0 sequence gaps, and no IDENTIFY,
 *    RESUME or new connection;
 *  - a runaway listener is interrupted each time while heartbeats stay on
 *    time: no zombie, no close, one connection;
 *  - missed.lua recovers exactly the messages sent while a forced
 *    reconnect (op 9, not resumable) was under way.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../support/net-fixture.h"

/* The 20,000 events; under valgrind (tests/valgrind.sh sets
 * VIGIL_VALGRIND) vigil runs 20-50 times slower, so a tenth of them. */
static int
burst_count(void)
{
	return getenv("VIGIL_VALGRIND") != NULL ? 2000 : 20000;
}

static char dir[64];

/* Writes a bot file in the test's directory; returns its path. */
static const char *
bot_file(const char *name, const char *text)
{
	static char path[4][128];
	static int next;
	char *p = path[next++ % 4];
	FILE *f;

	snprintf(p, sizeof(path[0]), "%s/%s", dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return p;
}

static int
setup(void **state)
{
	static struct netfx f;

	memset(&f, 0, sizeof(f));
	*state = &f;
	snprintf(dir, sizeof(dir), "/tmp/vigil-bots.XXXXXX");
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[96];

	netfx_teardown(state);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The msg of log line i, or "". */
static const char *
msg_of(const struct netv *v, size_t i)
{
	const char *s = json_string_value(json_object_get(v->lines[i], "msg"));

	return s != NULL ? s : "";
}

/* Reads lines until one contains text (bounded); true when seen. */
static bool
wait_log(struct netfx *f, const char *text, int timeout_ms)
{
	f->v.cursor = 0;
	return netv_wait(&f->v, timeout_ms, NULL, text) != NULL;
}

static void
default_ping(void **state)
{
	static const char *const sim_args[] = { "--heartbeat-interval", "1000", NULL };
	struct netfx *f = *state;

	NET_CHECK(f, netfx_up(f, sim_args, "", NULL) == 0);
	NET_CHECK(f, wait_log(f, "bot ping loaded from", 2000));
	NET_CHECK(f, netv_stop(&f->v, SIGTERM, 5000) == 0);
}

/* A format: the burst's size is its one %d. */
static const char generations[] =
    "local gen = (vigil.store.get('gen') or 0) + 1\n"
    "vigil.store.set('gen', gen)\n"
    "local n = 0\n"
    "vigil.on('MESSAGE_CREATE', function(msg)\n"
    "  if msg.content:sub(1, 6) == 'burst ' then n = n + 1 end\n"
    "  if msg.content:find('^burst %d ') then vigil.log.info('the last burst event') end\n"
    "end)\n"
    "vigil.on('UNLOAD', function() vigil.log.info('gen %%d handled %%d', gen, n) end)\n";

static void
reload_under_burst(void **state)
{
	/* Under valgrind a 1 s heartbeat goes unanswered while the burst is
	 * handled, and the zombie's resume falls off the emulator's replay
	 * buffer: a slower beat keeps the one session the test is about. */
	const char *const sim_args[] = { "--heartbeat-interval",
		getenv("VIGIL_VALGRIND") != NULL ? "30000" : "1000", "--chatter", "0", NULL };
	struct netfx *f = *state;
	const int burst = burst_count();
	char script[sizeof(generations) + 16];
	const char *args[] = { "--bot", NULL, NULL };
	long long conns, idents, resumes, handled = 0;
	int reloads = 0, gens = 0;
	char body[64];

	snprintf(script, sizeof(script), generations, burst);
	args[1] = bot_file("gen.lua", script);
	NET_CHECK(f, netfx_up(f, sim_args, "", args) == 0);
	conns = netfx_counter(f, "connections");
	idents = netfx_counter(f, "identifies");
	resumes = netfx_counter(f, "resumes");
	snprintf(body, sizeof(body), "{\"fault\":\"burst\",\"count\":%d}", burst);
	NET_CHECK(f, netfx_fault(f, body));
	/* Reload again and again while the bot handles the burst. (The
	 * emulator's send count would not do: it queues a whole burst that
	 * fits the socket's buffers at once.) */
	while (netv_count(&f->v, NULL, "the last burst event") == 0 && reloads < 800) {
		kill(f->v.pid, SIGHUP);
		reloads++;
		usleep(5 * 1000);
	}
	NET_CHECK(f, reloads >= 3);
	NET_CHECK(f, wait_log(f, "the last burst event", 30000));
	NET_CHECK(f, netv_stop(&f->v, SIGTERM, 20000) == 0);
	for (size_t i = 0; i < f->v.nlines; i++) {
		int g;
		long long n;
		if (sscanf(msg_of(&f->v, i), "gen %d handled %lld", &g, &n) == 2) {
			handled += n;
			gens++;
		}
	}
	fprintf(stderr, "reload under burst: %d SIGHUPs sent, %d generations, %lld of %d events "
	    "handled\n", reloads, gens, handled, burst);
	NET_CHECK(f, gens >= 3);
	NET_CHECK(f, handled == burst);
	NET_CHECK(f, netv_stat(&f->v, "seq_gaps") == 0);
	NET_CHECK(f, netv_stat(&f->v, "identifies") == 1);
	NET_CHECK(f, netv_stat(&f->v, "resumes") == 0);
	NET_CHECK(f, netfx_counter(f, "connections") == conns);
	NET_CHECK(f, netfx_counter(f, "identifies") == idents);
	NET_CHECK(f, netfx_counter(f, "resumes") == resumes);
}

static void
runaway_interrupted(void **state)
{
	static const char *const sim_args[] = { "--heartbeat-interval", "1000", "--chatter", "0", NULL };
	struct netfx *f = *state;
	const char *args[] = { "--bot", bot_file("spin.lua",
	    "vigil.on('MESSAGE_CREATE', function(msg)\n"
	    "  while true do pcall(function() while true do end end) end\n"
	    "end)\n"), NULL };
	long long conns, closes, interrupted = 0;

	NET_CHECK(f, netfx_up(f, sim_args, "", args) == 0);
	conns = netfx_counter(f, "connections");
	closes = netfx_counter(f, "closes_sent");
	NET_CHECK(f, simproc_set(&f->sim, "{\"chatter\":2}") == 200);
	usleep(6000 * 1000);
	NET_CHECK(f, simproc_set(&f->sim, "{\"chatter\":0}") == 200);
	NET_CHECK(f, netv_stop(&f->v, SIGTERM, 5000) == 0);
	for (size_t i = 0; i < f->v.nlines; i++)
		interrupted += strstr(msg_of(&f->v, i), "interrupted: ran longer than 100 ms") != NULL;
	fprintf(stderr, "runaway: %lld callbacks interrupted\n", interrupted);
	NET_CHECK(f, interrupted >= 3);
	NET_CHECK(f, netv_stat(&f->v, "zombies") == 0);
	NET_CHECK(f, netfx_counter(f, "closes_sent") == closes);
	NET_CHECK(f, netfx_counter(f, "connections") == conns);
}

static const char tracker[] =
    "vigil.on('MESSAGE_CREATE', function(m) vigil.log.info('live %s %s', m.channel_id, m.id) end)\n";

/* The ids after `prefix` in every log line, into ids; returns how many. */
static int
collect(const struct netv *v, const char *fmt, char ids[][24], int max, int n)
{
	for (size_t i = 0; i < v->nlines && n < max; i++) {
		char ch[24], id[24];
		if (sscanf(msg_of(v, i), fmt, ch, id) == 2)
			snprintf(ids[n++], 24, "%s", id);
	}
	return n;
}

/* missed.lua skips a live event whose message a catch-up page already
 * handled (it reached the page before its own event arrived); the tracker
 * still logs it, so it is taken out of the live ids. Returns the new count. */
static int
drop_late_copies(const struct netv *v, char ids[][24], int live)
{
	static char late[256][24];
	int nlate = collect(v, "missed: in %23[0-9], %23[0-9] came live", late, 256, 0), kept = 0;

	for (int i = 0; i < live; i++) {
		bool is_late = false;
		for (int k = 0; k < nlate; k++)
			is_late = is_late || strcmp(ids[i], late[k]) == 0;
		if (!is_late)
			memmove(ids[kept++], ids[i], 24);
	}
	return kept;
}

static bool
distinct_channels(const struct netv *v, int want)
{
	char seen[8][24];
	int n = 0;

	for (size_t i = 0; i < v->nlines && n < want; i++) {
		char ch[24], id[24];
		bool known = false;
		if (sscanf(msg_of(v, i), "live %23s %23s", ch, id) != 2)
			continue;
		for (int k = 0; k < n; k++)
			known = known || strcmp(seen[k], ch) == 0;
		if (!known && n < 8)
			snprintf(seen[n++], 24, "%s", ch);
	}
	return n >= want;
}

static void
missed_recovers(void **state)
{
	static const char *const sim_args[] = { "--heartbeat-interval", "1000", "--chatter", "0",
		"--guilds", "1", NULL };
	static char ids[4096][24];
	struct netfx *f = *state;
	const char *args[] = { "--bot", bot_file("track.lua", tracker), "--bot", NULL, NULL };
	long long created;
	int live, n;
	char path[256];

	snprintf(path, sizeof(path), "%s/../bots/missed.lua", getenv("VIGIL_BUILD") != NULL ?
	    getenv("VIGIL_BUILD") : "build");
	args[3] = path;
	NET_CHECK(f, netfx_up(f, sim_args, "", args) == 0);
	NET_CHECK(f, simproc_set(&f->sim, "{\"chatter\":10}") == 200);
	for (int waited = 0; waited < 10000 && !distinct_channels(&f->v, 2); waited += 100) {
		netv_wait(&f->v, 100, NULL, "no such line");
	}
	NET_CHECK(f, distinct_channels(&f->v, 2));
	/* Not resumable: vigil waits 1-5 s, then a new session. */
	NET_CHECK(f, netfx_fault(f, "{\"fault\":\"invalid_session\",\"resumable\":false}"));
	NET_CHECK(f, wait_log(f, "missed: ", 15000));
	usleep(500 * 1000);
	NET_CHECK(f, simproc_set(&f->sim, "{\"chatter\":0}") == 200);
	usleep(500 * 1000);
	created = netfx_counter(f, "messages_created");
	NET_CHECK(f, netv_stop(&f->v, SIGTERM, 5000) == 0);
	live = collect(&f->v, "live %23s %23s", ids, 4096, 0);
	live = drop_late_copies(&f->v, ids, live);
	n = collect(&f->v, "missed in %23[0-9]: %23[0-9]", ids, 4096, live);
	fprintf(stderr, "missed: %lld messages created, %d seen live, %d recovered\n", created, live,
	    n - live);
	NET_CHECK(f, n - live > 0);
	NET_CHECK(f, n == created);
	for (int i = 0; i < n; i++) {
		for (int k = i + 1; k < n; k++)
			NET_CHECK(f, strcmp(ids[i], ids[k]) != 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(default_ping, setup, teardown),
		cmocka_unit_test_setup_teardown(reload_under_burst, setup, teardown),
		cmocka_unit_test_setup_teardown(runaway_interrupted, setup, teardown),
		cmocka_unit_test_setup_teardown(missed_recovers, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
