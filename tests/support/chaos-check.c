/* The chaos tests' checks and figures: chaos-check.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chaos-check.h"

int
chaos_secs(int def)
{
	const char *s = getenv("CHAOS_SECS");
	int n = s != NULL ? (int)strtol(s, NULL, 10) : 0;

	return n > 0 ? n : def;
}

int
chaos_rate(void)
{
	const char *s = getenv("CHAOS_RATE");
	int n = s != NULL ? (int)strtol(s, NULL, 10) : 0;

	return n > 0 ? n : 20;
}

int
chaos_watch_sessions(struct simproc *sp, struct chaos_watch *cw)
{
	json_t *j = simproc_get(sp, "/_ctl/sessions"), *c;
	int live = 0;
	size_t i;

	if (j == NULL)
		return 0;               /* a stall fault holds the control API too */
	json_array_foreach(json_object_get(j, "connections"), i, c) {
		const char *st = json_string_value(json_object_get(c, "state"));

		live += st != NULL && (strcmp(st, "auth") == 0 || strcmp(st, "live") == 0);
	}
	cw->polls++;
	if (live > cw->max_live)
		cw->max_live = live;
	if (live > 1) {
		char *text = json_dumps(j, JSON_COMPACT);

		fprintf(stderr, "chaos: invariant 1: %d live connections at once: %s\n", live,
		    text != NULL ? text : "");
		free(text);
	}
	json_decref(j);
	return live > 1 ? -1 : 0;
}

/* The state of the last transition vigil logged. */
static const char *
last_state(struct netv *v)
{
	netv_count(v, NULL, NULL);
	for (size_t i = v->nlines; i > 0; i--) {
		const char *to = json_string_value(json_object_get(v->lines[i - 1], "to"));

		if (to != NULL)
			return to;
	}
	return "";
}

bool
chaos_connected(struct netv *v, int timeout_ms)
{
	if (strcmp(last_state(v), "Connected") == 0)
		return true;
	v->cursor = v->nlines;
	return netv_wait(v, timeout_ms, "Connected", NULL) != NULL;
}

bool
chaos_rest_drains(struct simproc *sp, int timeout_ms)
{
	long long last = -2;
	int still = 0;

	for (int waited = 0; waited <= timeout_ms; waited += 250) {
		long long n = simproc_counter(sp, "rest_requests");

		still = n == last ? still + 250 : 0;
		if (still >= 3000)
			return true;
		last = n;
		usleep(250 * 1000);
	}
	return false;
}

/*
 * Chatter is all "!ping" and only vigil posts by REST: messages posted are
 * answers, the others are pings. An answer still owed from the storm may
 * land now too, hence "at least".
 */
bool
chaos_pings_answered(struct simproc *sp, struct netv *v, int timeout_ms)
{
	long long m0 = simproc_counter(sp, "messages_created");
	long long a0 = simproc_counter(sp, "messages_posted");
	long long pings = 0, answers = 0;

	if (simproc_set(sp, "{\"chatter\":5}") != 200)
		return false;
	usleep(1000 * 1000);
	if (simproc_set(sp, "{\"chatter\":0}") != 200)
		return false;
	for (int waited = 0; waited <= timeout_ms; waited += 100) {
		answers = simproc_counter(sp, "messages_posted") - a0;
		pings = simproc_counter(sp, "messages_created") - m0 - answers;
		if (pings > 0 && answers >= pings)
			return true;
		netv_count(v, NULL, NULL);
		usleep(100 * 1000);
	}
	fprintf(stderr, "chaos: invariant 5: %lld pings after the storm, %lld answers\n", pings,
	    answers);
	return false;
}

/* Log lines before vigil began to quit (its own stop does not count). */
static int
count_before_quit(struct netv *v, const char *msg)
{
	int n = 0;

	for (size_t i = 0; i < v->nlines; i++) {
		const char *m = json_string_value(json_object_get(v->lines[i], "msg"));

		if (m != NULL && strncmp(m, "quitting", 8) == 0)
			break;
		n += m != NULL && strstr(m, msg) != NULL;
	}
	return n;
}

static int
expect(bool ok, const char *what)
{
	if (!ok)
		fprintf(stderr, "chaos: %s\n", what);
	return ok ? 0 : -1;
}

int
chaos_invariants(struct simproc *sp, struct netv *v, long long limit)
{
	long long ids = simproc_counter(sp, "identifies");
	int bad = 0;

	netv_count(v, NULL, NULL);
	bad |= expect(simproc_counter(sp, "token_resets") == 0,
	    "invariant 2: the emulator reset the token");
	bad |= expect(ids >= 1 && ids <= limit && netv_stat(v, "identifies") <= limit,
	    "invariant 2: more IDENTIFYs than the session limit");
	bad |= expect(netv_stat(v, "seq_gaps") == 0 && netv_count(v, NULL, "sequence gap") == 0,
	    "invariant 3: a sequence gap");
	bad |= expect(netv_stat(v, "rest_failed") == 0,
	    "invariant 5: a REST request failed");
	bad |= expect(netv_stat(v, "rest_ok") == simproc_counter(sp, "rest_2xx"),
	    "invariant 5: vigil counts fewer successes than the emulator answered");
	bad |= expect(count_before_quit(v, "stopped, not reconnecting") == 0,
	    "invariant 7: vigil stopped, and nothing in the chaos menu is fatal");
	if (bad != 0)
		netv_dump(v);
	return bad;
}

void
chaos_report(struct simproc *sp, struct netv *v, const struct chaos_watch *cw, int secs,
    int rate, const char *what)
{
	printf("chaos (%s): %d s at %d faults/min: %lld faults fired; vigil: %d transitions, "
	    "%lld identifies, %lld resumes (%lld RESUMED), %lld zombies, %lld events, "
	    "%lld REST ok, %lld failed; emulator: %lld connections, %lld 429s, %lld 5xx, "
	    "%lld messages; at most %d live connection(s) over %d polls\n", what, secs,
	    rate, simproc_counter(sp, "chaos_fired"), netv_count(v, NULL, " -> "),
	    netv_stat(v, "identifies"), netv_stat(v, "resumes"), netv_stat(v, "resumed"),
	    netv_stat(v, "zombies"), netv_stat(v, "events"), netv_stat(v, "rest_ok"),
	    netv_stat(v, "rest_failed"), simproc_counter(sp, "connections"),
	    simproc_counter(sp, "rest_429"), simproc_counter(sp, "rest_5xx"),
	    simproc_counter(sp, "messages_created"), cw->max_live, cw->polls);
	fflush(stdout);
}
