/*
 * What a run leaves behind: a ring of the last DST_TRACE_LINES steps (what
 * was delivered, what each core asked for, every fault), the first broken
 * invariant, and the figures. A failure prints the seed, the invariant, the
 * trace and the command that replays it; the same seed and days replay the
 * same steps, so the trace is the same every time.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "world.h"

static const char *const ev_names[EV_KINDS] = {
	"connect", "opened", "to-sim", "to-bot", "close-to-sim", "close-to-bot",
	"http-req", "http-resp", "fault", "workload", "operator", "followup",
	"crash", "boot", "calm", "calm-check", "storm", "net-end",
};

const char *
dst_ev_name(enum ev_kind k)
{
	return k < EV_KINDS ? ev_names[k] : "?";
}

/* "d012 03:04:05.678": the time since the run began. */
static void
stamp(const struct world *w, char *buf, size_t len)
{
	int64_t t = w->now.mono_ms - DST_T0_MONO;

	snprintf(buf, len, "d%03lld %02lld:%02lld:%02lld.%03lld", (long long)(t / MS_PER_DAY),
	    (long long)(t / MS_PER_H % 24), (long long)(t / MS_PER_MIN % 60),
	    (long long)(t / MS_PER_S % 60), (long long)(t % MS_PER_S));
}

static void
vtrace(struct world *w, const char *fmt, va_list ap)
{
	char *line = w->trace[w->trace_n % DST_TRACE_LINES];
	char when[32];
	int n;

	stamp(w, when, sizeof(when));
	n = snprintf(line, DST_TRACE_WIDTH, "%s  ", when);
	if (n > 0 && n < DST_TRACE_WIDTH)
		vsnprintf(line + n, DST_TRACE_WIDTH - (size_t)n, fmt, ap);
	/* Frames carry newlines only inside JSON strings; keep one line. */
	for (char *p = line; *p != '\0'; p++) {
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	}
	w->trace_n++;
	for (const char *p = line; *p != '\0'; p++)
		w->trace_hash = (w->trace_hash ^ (unsigned char)*p) * 0x100000001b3ULL;
	if (w->opts.verbose)
		printf("%s\n", line);
}

void
dst_trace(struct world *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vtrace(w, fmt, ap);
	va_end(ap);
}

void
dst_fail(struct world *w, const char *fmt, ...)
{
	va_list ap;

	if (w->failed)
		return;
	w->failed = true;
	va_start(ap, fmt);
	vsnprintf(w->why, sizeof(w->why), fmt, ap);
	va_end(ap);
	dst_trace(w, "FAIL: %s", w->why);
}

static void
replay_line(const struct world *w, FILE *f)
{
	fprintf(f, "dst: replay: make sim SEED=%llu DAYS=%g  (or: build/tests/dst/dst --seed %llu "
	    "--days %g --verbose)\n", (unsigned long long)w->opts.seed, w->opts.days,
	    (unsigned long long)w->opts.seed, w->opts.days);
}

void
dst_report(const struct world *w, FILE *f)
{
	uint64_t first = w->trace_n > DST_TRACE_LINES ? w->trace_n - DST_TRACE_LINES : 0;
	char when[32];

	stamp(w, when, sizeof(when));
	fprintf(f, "dst: FAILED seed %llu at %s (step %llu)\n", (unsigned long long)w->opts.seed,
	    when, (unsigned long long)w->st.steps);
	fprintf(f, "dst: %s\n", w->why);
	fprintf(f, "dst: the last %llu steps:\n", (unsigned long long)(w->trace_n - first));
	for (uint64_t i = first; i < w->trace_n; i++)
		fprintf(f, "  %s\n", w->trace[i % DST_TRACE_LINES]);
	fprintf(f, "dst: FAILED seed %llu: %s\n", (unsigned long long)w->opts.seed, w->why);
	replay_line(w, f);
}

void
dst_summary(const struct world *w, FILE *f)
{
	const struct dst_stats *s = &w->st;
	double days = (double)(w->now.mono_ms - DST_T0_MONO) / (double)MS_PER_DAY;
	double span = (double)(w->now.mono_ms - DST_T0_MONO);

	fprintf(f, "seed %llu: %.1f days, %llu steps, %llu faults (%llu emulator, %llu network), "
	    "%llu operator commands, %llu restarts (%llu reboots, %llu corrupt state files)\n",
	    (unsigned long long)w->opts.seed, days, (unsigned long long)s->steps,
	    (unsigned long long)s->faults, (unsigned long long)s->sim_faults,
	    (unsigned long long)s->net_faults, (unsigned long long)s->ops,
	    (unsigned long long)s->restarts, (unsigned long long)s->reboots,
	    (unsigned long long)s->corrupt);
	fprintf(f, "  profile: heartbeat %lld ms, latency %lld ms (REST %lld), %.0f faults/h, "
	    "session starts %d a day (vigil's limit %d, reserve %d), replay buffer %lld, "
	    "shard %d/%d\n", (long long)w->prof.hb_interval, (long long)w->prof.lat,
	    (long long)w->prof.rest_lat, w->prof.faults_per_h, w->prof.session_limit,
	    w->prof.bot_limit, w->prof.reserve, (long long)w->prof.replay_buffer,
	    w->prof.shard_id, w->prof.shard_count);
	fprintf(f, "  gateway: %llu identifies, %llu resumes (%llu RESUMED, %llu READY), "
	    "%llu zombies found, %llu fatal stops, %llu dispatches taken, %llu replayed twice "
	    "after restarts; connected %.1f%%, waiting for budget %.1f%%\n",
	    (unsigned long long)s->identifies, (unsigned long long)s->resumes,
	    (unsigned long long)s->resumed, (unsigned long long)s->readies,
	    (unsigned long long)(s->zombies + (w->bot != NULL ? w->bot->stats.zombies : 0)),
	    (unsigned long long)s->stops,
	    (unsigned long long)s->dispatches, (unsigned long long)s->dups,
	    span > 0 ? 100.0 * (double)s->connected_ms / span : 0.0,
	    span > 0 ? 100.0 * (double)s->budget_wait_ms / span : 0.0);
	fprintf(f, "  rest: %llu sent, %llu 2xx, %llu 5xx, %llu transport errors, %llu held; "
	    "429s: %llu injected, %llu blind (a fresh instance); workload %llu submitted, "
	    "%llu delivered, %llu failed, %llu refused, %llu lost in crashes\n",
	    (unsigned long long)s->rest_sent, (unsigned long long)s->rest_2xx,
	    (unsigned long long)s->rest_5xx, (unsigned long long)s->rest_err,
	    (unsigned long long)s->rest_held, (unsigned long long)s->rest_429_fault,
	    (unsigned long long)s->rest_429_bucket_blind, (unsigned long long)s->wl_submitted,
	    (unsigned long long)s->wl_delivered, (unsigned long long)s->wl_failed,
	    (unsigned long long)s->wl_refused, (unsigned long long)s->wl_killed);
	fprintf(f, "  liveness: %llu calm spells, %llu connected in time, %llu excused "
	    "(budget); %llu token resets (%llu injected, %llu by a stale Discord count); at most %d links\n",
	    (unsigned long long)s->calms, (unsigned long long)s->calm_connected,
	    (unsigned long long)s->calm_excused,
	    (unsigned long long)sim_counters(w->sim)->token_resets,
	    (unsigned long long)w->token_resets_injected,
	    (unsigned long long)s->stale_token_resets, s->max_links);
}
