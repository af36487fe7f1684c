/*
 * The many-shard simulation's invariants S1-S4 and liveness
 * (fleet-world.h), the faults it draws, and its report.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fleet-internal.h"

void
fw_trace(struct fw *w, const char *fmt, ...)
{
	char *line = w->trace[w->trace_n++ % 8];
	int n = snprintf(line, 160, "%9.3f s  ", (double)(w->now.mono_ms - 5000000) / 1000.0);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line + n, (size_t)(160 - n), fmt, ap);
	va_end(ap);
	if (w->o.verbose)
		printf("%s\n", line);
}

void
fw_fail(struct fw *w, const char *fmt, ...)
{
	va_list ap;

	if (w->r->failed)
		return;
	w->r->failed = true;
	va_start(ap, fmt);
	vsnprintf(w->r->why, sizeof(w->r->why), fmt, ap);
	va_end(ap);
	for (int i = 0; i < 8; i++)
		snprintf(w->r->last[i], sizeof(w->r->last[i]), "%s", w->trace[(w->trace_n + i) % 8]);
}

/* S1: a shard asks for a connection only when it has none. */
void
fw_check_open(struct fw *w, int shard)
{
	for (int i = 0; i < FW_LINKS; i++) {
		const struct flink *l = &w->links[i];

		if (l->used && l->gen == w->gen && l->shard == shard && !l->bot_closed)
			fw_fail(w, "S1: shard %d opens a connection while conn %u is alive", shard,
			    l->conn);
	}
	fw_trace(w, "shard %d: open", shard);
}

/* S2 and S3, when an IDENTIFY leaves. */
void
fw_check_identify(struct fw *w, int shard)
{
	int key = shard % w->mc, n = 0;
	int64_t last = w->key_ident[key];

	w->r->identifies++;
	w->identified[shard] = true;
	fw_trace(w, "shard %d: IDENTIFY (key %d)", shard, key);
	if (last != 0 && w->now.mono_ms - last < BUDGET_SPACING_MS)
		fw_fail(w, "S2: two IDENTIFYs in key %d within %lld ms (shard %d)", key,
		    (long long)(w->now.mono_ms - last), shard);
	w->key_ident[key] = w->now.mono_ms;
	if (w->ident_count == FW_IDENT_MAX) {
		w->ident_head = (w->ident_head + 1) % FW_IDENT_MAX;
		w->ident_count--;
	}
	w->ident_wall[(w->ident_head + w->ident_count++) % FW_IDENT_MAX] = w->now.wall_ms;
	for (int i = 0; i < w->ident_count; i++)
		n += w->ident_wall[(w->ident_head + i) % FW_IDENT_MAX] > w->now.wall_ms - MS_PER_DAY;
	if (n > w->limit)
		fw_fail(w, "S3: %d IDENTIFYs in 24 h, the limit is %d", n, w->limit);
}

/* A new process has an empty cache. */
void
fw_check_boot(struct fw *w)
{
	memset(w->guilds, 0, sizeof(w->guilds));
	fw_trace(w, "boot: %d shards", w->nshards);
}

void
fw_check_step(struct fw *w)
{
	if (sim_counters(w->sim)->token_resets != 0)
		fw_fail(w, "S3: Discord reset the token (the budget was exceeded)");
	for (int s = 0; w->up && s < w->nshards; s++) {
		size_t g = cache_shard_guilds(w->fleet->cache, s, w->nshards);

		/* S4: only a shard's own IDENTIFY empties its guilds. */
		if (g < w->guilds[s] && !w->identified[s])
			fw_fail(w, "S4: shard %d lost %zu guilds without a new session of its own", s,
			    w->guilds[s] - g);
		w->guilds[s] = g;
		w->identified[s] = false;
	}
}

void
fw_check_end(struct fw *w)
{
	if (!w->up)
		return;
	for (int s = 0; s < w->nshards; s++) {
		const struct bot *b = &w->bots[s];

		if (b->phase == PHASE_WAIT && b->wait == WAIT_BUDGET)
			continue;       /* excused: the budget, not a bug, keeps it out */
		if (b->state != BOT_CONNECTED) {
			fw_fail(w, "liveness: shard %d is %s (%s) after a %d min calm", s,
			    bot_state_name(b->state), bot_phase_name(b->phase),
			    (int)(FW_CALM_MS / MS_PER_MIN));
			return;
		}
	}
}

/* A live link of a random shard, or NULL. */
static struct flink *
some_link(struct fw *w)
{
	int shard = (int)fw_range(w, 0, w->nshards - 1);

	for (int i = 0; i < FW_LINKS; i++) {
		struct flink *l = &w->links[i];

		if (l->used && l->gen == w->gen && l->shard == shard && !l->bot_closed &&
		    !l->sim_closed && l->sim_id != 0)
			return l;
	}
	return NULL;
}

static void
sim_line(struct fw *w, struct flink *l, const char *fault)
{
	char line[96], err[160];

	snprintf(line, sizeof(line), "%s conn=%u", fault, l->sim_id);
	fw_trace(w, "fault: shard %d: %s", l->shard, line);
	if (sim_fault_line(w->sim, w->now, line, err, sizeof(err)) < 0)
		fw_fail(w, "fault %s: %s", line, err);
	fw_drain_sim(w);
}

static void
operator(struct fw *w, int what)
{
	int s = (int)fw_range(w, 0, w->nshards - 1);
	char err[128];

	if (what == 0) {
		fw_trace(w, "operator: reconnect all (rolling)");
		w->r->rolling++;
		for (int i = 0; i < w->nshards; i++)
			bot_cmd_reconnect(&w->bots[i], w->now, err, sizeof(err));
	} else if (what == 1) {
		fw_trace(w, "operator: reconnect %d", s);
		bot_cmd_reconnect(&w->bots[s], w->now, err, sizeof(err));
	} else {
		fw_trace(w, "operator: resume %d", s);
		bot_cmd_resume(&w->bots[s], w->now, err, sizeof(err));
	}
	fw_drain_bots(w);
}

void
fw_fault(struct fw *w)
{
	int64_t k = fw_range(w, 0, 99);
	struct flink *l = w->up ? some_link(w) : NULL;

	fw_ev(w, FK_FAULT, w->now.mono_ms + fw_range(w, w->fault_gap / 4, w->fault_gap * 2));
	if (!w->up)
		return;
	w->r->faults++;
	if (k < 8) {
		fw_ev(w, FK_CRASH, w->now.mono_ms);
	} else if (k < 12) {
		operator(w, 0);
	} else if (k < 18) {
		operator(w, 1);
	} else if (k < 24) {
		operator(w, 2);
	} else if (l == NULL) {
		return;
	} else if (k < 45) {
		sim_line(w, l, "drop");
	} else if (k < 60) {
		sim_line(w, l, "close 4000");
	} else if (k < 70) {
		sim_line(w, l, "invalid_session resumable=false");
	} else if (k < 80) {
		sim_line(w, l, "reconnect");
	} else if (k < 88) {
		sim_line(w, l, "zombie");
	} else if (k < 94) {
		sim_line(w, l, "close 4009");
	} else {
		sim_line(w, l, "invalid_session resumable=true");
	}
}

void
fw_print(const struct fw_opts *o, const struct fw_result *r, FILE *out)
{
	fprintf(out, "seed %llu: %d shards, max_concurrency %d: %.1f days, %llu steps, %llu faults, "
	    "%llu identifies, %llu resumes, %llu restarts, %llu rolling reconnects: %s\n",
	    (unsigned long long)o->seed, r->shards, r->max_concurrency, r->days,
	    (unsigned long long)r->steps, (unsigned long long)r->faults,
	    (unsigned long long)r->identifies, (unsigned long long)r->resumes,
	    (unsigned long long)r->restarts, (unsigned long long)r->rolling,
	    r->failed ? "FAILED" : "clean");
	if (!r->failed)
		return;
	fprintf(out, "  %s\n  the last steps:\n", r->why);
	for (int i = 0; i < 8; i++) {
		if (r->last[i][0] != '\0')
			fprintf(out, "    %s\n", r->last[i]);
	}
	fprintf(out, "  replay: build/tests/dst/dst --shards %d --max-concurrency %d --seed %llu "
	    "--days %g --verbose\n", r->shards, r->max_concurrency, (unsigned long long)o->seed,
	    o->days);
}
