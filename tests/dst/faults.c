/*
 * The fault scheduler. A seed draws a profile (faults.c's profile_draw),
 * then the run alternates storms and calms: in a storm, faults arrive as a
 * Poisson process, drawn from everything the emulator's catalogue knows
 * (through sim_fault_line, as a scenario or the control API would), every
 * close code, budget pressure from "another process", live setting changes
 * and the network's faults; operator commands and crashes come on their own
 * clocks (operator.c, boot.c). A calm clears every fault and lets the
 * operator repair what needs a human (a reset token, a stop); LIVE_BOUND
 * later the bot must be connected. The run ends with a long calm so that
 * every REST request can be accounted for.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "world.h"

#define LIVE_BOUND   (20 * MS_PER_MIN)
#define FINAL_CALM   (2 * MS_PER_H)

/* Exponential gaps for `per_hour` events an hour. */
static int64_t
gap(struct world *w, double per_hour)
{
	double ms = -log(1.0 - dst_unit(w)) * (double)MS_PER_H / per_hour;

	return ms < 1.0 ? 1 : ms > 1e12 ? (int64_t)1e12 : (int64_t)ms;
}

void
faults_profile(struct world *w)
{
	static const int64_t beats[] = { 41250, 41250, 41250, 45000, 20000, 10000, 5000, 90000 };
	static const double rates[] = { 2, 6, 6, 12, 30 };
	struct profile *p = &w->prof;

	p->hb_interval = beats[dst_range(w, 0, 7)];
	p->lat = dst_range(w, 1, 60);
	p->rest_lat = dst_range(w, 5, 150);
	p->faults_per_h = rates[dst_range(w, 0, 4)];
	p->session_limit = dst_unit(w) < 0.7 ? 1000 : (int)dst_range(w, 20, 200);
	p->bot_limit = dst_unit(w) < 0.7 ? p->session_limit :
	    (int)dst_range(w, 15, p->session_limit / 2);
	p->reserve = (int)dst_range(w, 0, p->bot_limit < 100 ? 3 : 10);
	p->resume_window = 3 * MS_PER_MIN;
	p->sim_resume_window = dst_unit(w) < 0.7 ? 3 * MS_PER_MIN :
	    dst_range(w, 30, 300) * MS_PER_S;
	p->chatter = 0.001 + dst_unit(w) * 0.01;
	p->rest_per_h = 2 + dst_unit(w) * 40;
	p->crashes_per_day = 0.5 + dst_unit(w) * 5;
	p->ops_per_day = 2 + dst_unit(w) * 30;
	p->storm_ms = dst_range(w, 1, 8) * MS_PER_H;
	/* A short replay buffer turns long gaps into failed resumes (4007). */
	p->replay_buffer = dst_unit(w) < 0.2 ? dst_range(w, 2, 30) : 1000;
	p->shard_count = dst_unit(w) < 0.2 ? 2 : 1;
	p->shard_id = (int)dst_range(w, 0, p->shard_count - 1);
	p->calm_ms = dst_range(w, 25, 60) * MS_PER_MIN;
}

static int
sim_line(struct world *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
sim_line(struct world *w, const char *fmt, ...)
{
	char line[160], err[160];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	rc = sim_fault_line(w->sim, w->now, line, err, sizeof(err));
	if (rc < 0)
		dst_trace(w, "fault: %s: %s", line, err);
	else
		dst_trace(w, "fault: %s (%d connections)", line, rc);
	dst_drain_sim(w);
	return rc;
}

static void
apply_settings(struct world *w, json_t *obj)
{
	char err[160], *text = json_dumps(obj, JSON_COMPACT);

	if (sim_set(w->sim, w->now, obj, err, sizeof(err)) != 0)
		dst_fail(w, "harness: sim_set %s: %s", text, err);
	else
		dst_trace(w, "fault: set %s", text);
	free(text);
	json_decref(obj);
}

static void
f_drop(struct world *w)
{
	sim_line(w, "drop rst=%s", dst_unit(w) < 0.3 ? "true" : "false");
}

static void
f_close(struct world *w)
{
	static const int codes[] = {
		1000, 1001, 1011, 1012, 1013, 3000, 4000, 4000, 4000, 4001, 4002, 4003,
		4005, 4006, 4007, 4008, 4009, 4009, 4100, 4900, 4999,
	};
	int code = codes[dst_range(w, 0, (int64_t)(sizeof(codes) / sizeof(codes[0])) - 1)];

	if (dst_unit(w) < 0.2)
		sim_line(w, "close %d resumable=%s", code, dst_unit(w) < 0.5 ? "true" : "false");
	else
		sim_line(w, "close %d", code);
}

static void
f_fatal(struct world *w)
{
	static const int codes[] = { 4004, 4010, 4011, 4012, 4013, 4014 };

	sim_line(w, "close %d", codes[dst_range(w, 0, 5)]);
}

static void
f_zombie(struct world *w)
{
	if (sim_line(w, "zombie") <= 0)
		return;
	for (int i = 0; i < DST_LINKS_MAX; i++) {
		struct link *l = &w->links[i];

		if (l->used && l->sim_open && !l->sim_blackhole && l->zombie_since == VTIME_NEVER)
			l->zombie_since = w->now.mono_ms;
	}
}

static void
f_invalid(struct world *w)
{
	sim_line(w, "invalid_session resumable=%s", dst_unit(w) < 0.5 ? "true" : "false");
}

static void
f_simple(struct world *w, const char *line)
{
	sim_line(w, "%s", line);
}

static void f_blackhole(struct world *w) { f_simple(w, "blackhole"); }
static void f_op7(struct world *w) { f_simple(w, "reconnect"); }
static void f_hbreq(struct world *w) { f_simple(w, "heartbeat_request"); }
static void f_malformed(struct world *w) { f_simple(w, "malformed"); }
static void f_expire(struct world *w) { f_simple(w, "expire_sessions"); }

static void
f_oversize(struct world *w)
{
	sim_line(w, "oversize bytes=%lld", (long long)dst_range(w, 5000, 300000));
}

static void
f_refuse(struct world *w)
{
	sim_line(w, "refuse secs=%lld", (long long)dst_range(w, 1, 300));
}

static void
f_stall(struct world *w)
{
	sim_line(w, "stall secs=%lld", (long long)dst_range(w, 1, 90));
}

static void
f_token(struct world *w)
{
	sim_line(w, "token_reset");
	w->token_reset_pending = true;
	w->token_resets_injected++;
}

static void
f_burst(struct world *w)
{
	sim_line(w, "burst count=%lld", (long long)dst_range(w, 10, 1500));
}

static void
f_rest429(struct world *w)
{
	sim_line(w, "rest_429 secs=%lld scope=%s retry_after=%.3f", (long long)dst_range(w, 1, 60),
	    dst_unit(w) < 0.3 ? "shared" : "user", 0.05 + dst_unit(w) * 5);
}

static void
f_global429(struct world *w)
{
	sim_line(w, "global_429 secs=%lld", (long long)dst_range(w, 1, 20));
}

static void
f_5xx(struct world *w)
{
	static const int status[] = { 500, 502, 503, 504 };

	sim_line(w, "rest_5xx count=%lld status=%d", (long long)dst_range(w, 1, 12),
	    status[dst_range(w, 0, 3)]);
}

static void
f_ban(struct world *w)
{
	sim_line(w, "cf_ban secs=%lld", (long long)dst_range(w, 5, 300));
}

/* Another process with the same token spends session starts. */
static void
f_pressure(struct world *w)
{
	int64_t left = dst_range(w, 1, w->prof.session_limit);

	if (dst_unit(w) < 0.25)
		left = dst_range(w, 1, w->prof.reserve + 3);
	w->pressure_wall = w->now.wall_ms;
	apply_settings(w, json_pack("{s:I}", "session_remaining", (json_int_t)left));
}

static void
f_heartbeat(struct world *w)
{
	static const int64_t beats[] = { 5000, 20000, 41250, 41250, 45000, 60000 };

	apply_settings(w, json_pack("{s:I}", "heartbeat_interval",
	    (json_int_t)beats[dst_range(w, 0, 5)]));
}

static void
f_net(struct world *w)
{
	w->st.net_faults++;
	net_fault(w);
}

/* Every fault of the emulator's catalogue that the scheduler fires; a new
 * one makes test-sim-days fail until it is added here. "clear" is fired at
 * the start of every calm. */
static const char *const catalogue_used[] = {
	"drop", "close", "zombie", "blackhole", "reconnect", "invalid_session",
	"heartbeat_request", "refuse", "stall", "malformed", "oversize", "rest_429",
	"global_429", "rest_5xx", "cf_ban", "expire_sessions", "token_reset", "burst", "clear",
};

bool
faults_fires(const char *name)
{
	for (size_t i = 0; i < sizeof(catalogue_used) / sizeof(catalogue_used[0]); i++) {
		if (strcmp(catalogue_used[i], name) == 0)
			return true;
	}
	return false;
}

static const struct fault_kind {
	const char *name;
	int weight;
	void (*fn)(struct world *);
} kinds[] = {
	{ "drop", 8, f_drop }, { "close", 12, f_close }, { "fatal close", 1, f_fatal },
	{ "zombie", 5, f_zombie }, { "blackhole", 2, f_blackhole }, { "op 7", 6, f_op7 },
	{ "op 9", 6, f_invalid }, { "op 1", 4, f_hbreq }, { "malformed", 1, f_malformed },
	{ "oversize", 1, f_oversize }, { "refuse", 2, f_refuse }, { "stall", 2, f_stall },
	{ "expire", 3, f_expire }, { "token reset", 1, f_token }, { "burst", 1, f_burst },
	{ "rest 429", 3, f_rest429 }, { "global 429", 2, f_global429 }, { "5xx", 3, f_5xx },
	{ "cf ban", 1, f_ban }, { "pressure", 2, f_pressure }, { "heartbeat", 1, f_heartbeat },
	{ "network", 14, f_net },
};

#define NKINDS ((int)(sizeof(kinds) / sizeof(kinds[0])))

static void
fault(struct world *w)
{
	int total = 0, r, i;

	for (i = 0; i < NKINDS; i++)
		total += kinds[i].weight;
	r = (int)dst_range(w, 0, total - 1);
	for (i = 0; i < NKINDS - 1 && r >= kinds[i].weight; i++)
		r -= kinds[i].weight;
	w->st.faults++;
	w->st.fault_count[i]++;
	if (kinds[i].fn != f_net)
		w->st.sim_faults++;
	kinds[i].fn(w);
}

const char *
faults_kind_name(int i)
{
	return i >= 0 && i < NKINDS ? kinds[i].name : NULL;
}

static int64_t
final_calm(const struct world *w)
{
	int64_t span = w->end - DST_T0_MONO;

	return span / 4 < FINAL_CALM ? span / 4 : FINAL_CALM;
}

static void
storm(struct world *w)
{
	int64_t len = w->prof.storm_ms / 2 + dst_range(w, 0, w->prof.storm_ms);
	int64_t last = w->end - final_calm(w);

	w->calm = false;
	w->calm_settled = false;
	dst_trace(w, "storm: faults for %lld min", (long long)(len / MS_PER_MIN));
	dst_ev(w, EV_CALM, w->now.mono_ms + len < last ? w->now.mono_ms + len : last);
}

static void
calm(struct world *w)
{
	char err[160];

	w->calm = true;
	w->calm_since = w->now.mono_ms;
	w->st.calms++;
	dst_trace(w, "calm: every fault cleared");
	sim_line(w, "clear");
	for (int i = 0; i < DST_LINKS_MAX; i++)
		w->links[i].zombie_since = VTIME_NEVER;
	net_clear(w);
	op_repair(w, err, sizeof(err));
	dst_ev(w, EV_CALM_CHECK, w->now.mono_ms + LIVE_BOUND);
	if (w->now.mono_ms + w->prof.calm_ms < w->end - final_calm(w))
		dst_ev(w, EV_STORM, w->now.mono_ms + w->prof.calm_ms);
}

void
faults_init(struct world *w)
{
	int64_t t = w->now.mono_ms;

	if (w->opts.quiet_faults) {
		w->calm = true;
		w->calm_since = t;
		dst_ev(w, EV_CALM_CHECK, t + LIVE_BOUND);
	} else {
		storm(w);
		dst_ev(w, EV_FAULT, t + gap(w, w->prof.faults_per_h));
		dst_ev(w, EV_OPERATOR, t + gap(w, w->prof.ops_per_day / 24));
		dst_ev(w, EV_CRASH, t + gap(w, w->prof.crashes_per_day / 24));
	}
	dst_ev(w, EV_WORKLOAD, t + gap(w, w->prof.rest_per_h));
}

void
faults_event(struct world *w, struct ev *e)
{
	int64_t t = w->now.mono_ms;

	switch (e->kind) {
	case EV_FAULT:
		if (!w->calm)
			fault(w);
		dst_ev(w, EV_FAULT, t + gap(w, w->prof.faults_per_h));
		break;
	case EV_OPERATOR:
		if (!w->calm)
			op_command(w);
		dst_ev(w, EV_OPERATOR, t + gap(w, w->prof.ops_per_day / 24));
		break;
	case EV_CRASH:
		if (!w->calm)
			boot_event(w, e);
		dst_ev(w, EV_CRASH, t + gap(w, w->prof.crashes_per_day / 24));
		break;
	case EV_WORKLOAD:
		op_workload(w);
		dst_ev(w, EV_WORKLOAD, t + gap(w, w->prof.rest_per_h));
		break;
	case EV_FOLLOWUP:
		op_followup(w, e);
		break;
	case EV_CALM:
		calm(w);
		break;
	case EV_CALM_CHECK:
		if (w->opts.quiet_faults) {
			w->calm_since = t - LIVE_BOUND;
			dst_ev(w, EV_CALM_CHECK, t + LIVE_BOUND);
		}
		check_calm(w);
		break;
	case EV_STORM:
		storm(w);
		break;
	case EV_NET_END:
		net_end(w);
		break;
	default:
		break;
	}
}
