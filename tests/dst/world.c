/*
 * The simulation's loop. Three things can be due: the earliest queued event,
 * the bot core's deadline and the emulator core's deadline. The clock jumps
 * straight to the earliest of them, so idle hours cost nothing; when several
 * are due in the same millisecond the seed picks the order. After every step
 * the checker looks at everything (check.c).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "world.h"

/* A core that keeps asking to be woken at the same instant is stuck. */
#define BUSY_MAX 10000

uint64_t
dst_rand(struct world *w)
{
	return rng_u64(&w->rng);
}

int64_t
dst_range(struct world *w, int64_t lo, int64_t hi)
{
	return rng_range(&w->rng, lo, hi);
}

double
dst_unit(struct world *w)
{
	return rng_unit(&w->rng);
}

struct vtime
dst_bot_now(const struct world *w)
{
	return (struct vtime){ .mono_ms = w->now.mono_ms + w->mono_shift,
	    .wall_ms = w->now.wall_ms };
}

int64_t
dst_to_world(const struct world *w, int64_t bot_mono)
{
	return bot_mono == VTIME_NEVER ? VTIME_NEVER : bot_mono - w->mono_shift;
}

struct ev *
dst_ev(struct world *w, enum ev_kind kind, int64_t at)
{
	struct ev *e = calloc(1, sizeof(*e));

	if (e == NULL)
		abort();
	e->kind = kind;
	e->at = at < w->now.mono_ms ? w->now.mono_ms : at;
	e->tie = dst_rand(w);
	e->serial = ++w->ev_serial;
	evq_push(&w->q, e);
	return e;
}

static void
bot_action(struct world *w, struct action *a)
{
	check_action(w, a);
	switch (a->kind) {
	case ACT_OPEN:
		gw_bot_open(w, a);
		break;
	case ACT_SEND:
		gw_bot_send(w, a);
		break;
	case ACT_CLOSE:
		gw_bot_close(w, a);
		break;
	case ACT_HTTP:
		rest_bot_send(w, a);
		break;
	case ACT_PERSIST:
		boot_persist(w);
		break;
	case ACT_ALERT:
	case ACT_PERMIT:        /* only with cfg.cluster_permits, which the world leaves off */
		break;
	}
}

/* Whether an armed crash strikes now; hit: an IDENTIFY went out. */
static bool
strike(struct world *w, bool hit)
{
	if (w->crash_mid == CRASH_ANY_DRAIN)
		return dst_unit(w) < 0.3;
	return w->crash_mid == CRASH_AFTER_IDENTIFY && hit;
}

/* Performs what the bot asked for. A crash armed "mid-drain" strikes
 * between two actions, so the state file must already hold whatever an
 * action that went out depends on (the budget before an IDENTIFY). */
void
dst_drain_bot(struct world *w)
{
	struct action a;
	bool hit = false;
	int n = 0;

	while (w->bot != NULL && bot_next_action(w->bot, &a)) {
		if (strike(w, hit)) {
			action_release(&a);
			boot_crash(w, "crash between two actions");
			return;
		}
		hit = hit || (a.kind == ACT_SEND && a.payload_len > 7 &&
		    memcmp(a.payload, "{\"op\":2,", 8) == 0);
		bot_action(w, &a);
		action_release(&a);
		n++;
	}
	/* Or right after the last one, before anything else can happen. */
	if (n > 0 && strike(w, hit))
		boot_crash(w, "crash right after a drain");
}

void
dst_drain_sim(struct world *w)
{
	struct sim_action a;

	while (sim_next_action(w->sim, &a)) {
		gw_sim_action(w, &a);
		sim_action_done(&a);
	}
}

static void
run_event(struct world *w, struct ev *e)
{
	w->st.events[e->kind]++;
	switch (e->kind) {
	case EV_CONNECT:
	case EV_OPENED:
	case EV_TO_SIM:
	case EV_TO_BOT:
	case EV_CLOSE_TO_SIM:
	case EV_CLOSE_TO_BOT:
		gw_event(w, e);
		break;
	case EV_HTTP_REQ:
	case EV_HTTP_RESP:
		rest_event(w, e);
		break;
	case EV_BOOT:
		boot_event(w, e);
		break;
	default:
		faults_event(w, e);
		break;
	}
	ev_free(e);
}

/* Moves the clock, counting where the time went. */
static void
advance(struct world *w, int64_t t)
{
	int64_t dt = t - w->now.mono_ms;

	if (dt <= 0)
		return;
	if (w->bot != NULL && w->bot->state == BOT_CONNECTED)
		w->st.connected_ms += dt;
	if (w->bot != NULL && w->bot->wait == WAIT_BUDGET)
		w->st.budget_wait_ms += dt;
	w->now.mono_ms = t;
	w->now.wall_ms += dt;
}

enum who { WHO_EVENT, WHO_BOT, WHO_SIM };

/* One step: the earliest due thing, the seed breaking ties. false at the
 * end of the run. */
static bool
step(struct world *w, int *busy)
{
	struct ev *e = evq_peek(&w->q);
	int64_t te = e != NULL ? e->at : VTIME_NEVER, tb = VTIME_NEVER, ts, t;
	enum who due[3];
	int n = 0;

	if (w->bot != NULL)
		tb = dst_to_world(w, bot_next_deadline(w->bot, dst_bot_now(w)));
	if (tb < w->now.mono_ms)
		tb = w->now.mono_ms;
	ts = sim_next_deadline(w->sim);
	if (ts < w->now.mono_ms)
		ts = w->now.mono_ms;
	t = te < tb ? te : tb;
	t = ts < t ? ts : t;
	if (t >= w->end)
		return false;
	*busy = t == w->now.mono_ms ? *busy + 1 : 0;
	if (*busy > BUSY_MAX) {
		dst_fail(w, "no progress: %d steps at the same instant (bot deadline %lld, emulator %lld)",
		    *busy, (long long)tb, (long long)ts);
		return false;
	}
	advance(w, t);
	if (te == t)
		due[n++] = WHO_EVENT;
	if (tb == t)
		due[n++] = WHO_BOT;
	if (ts == t)
		due[n++] = WHO_SIM;
	switch (due[n > 1 ? dst_range(w, 0, n - 1) : 0]) {
	case WHO_EVENT:
		run_event(w, evq_pop(&w->q));
		break;
	case WHO_BOT:
		w->st.ticks_bot++;
		bot_tick(w->bot, dst_bot_now(w));
		dst_drain_bot(w);
		break;
	case WHO_SIM:
		w->st.ticks_sim++;
		sim_tick(w->sim, w->now);
		dst_drain_sim(w);
		break;
	}
	return true;
}

int
dst_run(struct world *w)
{
	int busy = 0;

	while (!w->failed && step(w, &busy)) {
		w->st.steps++;
		check_step(w);
	}
	if (!w->failed) {
		advance(w, w->end);
		check_end(w);
	}
	return w->failed ? -1 : 0;
}

static int
sim_start(struct world *w)
{
	struct sim_config cfg;
	char err[256];

	sim_config_defaults(&cfg);
	snprintf(cfg.token, sizeof(cfg.token), "%s", w->token);
	cfg.seed = (int64_t)(dst_rand(w) >> 12);
	cfg.heartbeat_interval = w->prof.hb_interval;
	cfg.resume_window = w->prof.sim_resume_window;
	cfg.session_limit = w->prof.session_limit;
	cfg.chatter = w->prof.chatter;
	cfg.replay_buffer = w->prof.replay_buffer;
	cfg.shards = w->prof.shard_count;
	cfg.chaos = 0;
	w->sim = sim_new(&cfg, w->now, err, sizeof(err));
	if (w->sim == NULL) {
		dst_fail(w, "sim_new: %s", err);
		return -1;
	}
	sim_set_gateway_url(w->sim, "ws://gateway.sim");
	return 0;
}

static void
bot_setup(struct world *w)
{
	struct bot_config *c = &w->cfg;

	bot_config_defaults(c);
	c->budget_limit = w->prof.bot_limit;
	c->budget_reserve = w->prof.reserve;
	c->budget_assume_on_corrupt = w->prof.bot_limit / 4;
	c->resume_window_ms = w->prof.resume_window;
	c->log_capacity = 512;
	c->shard_id = w->prof.shard_id;
	c->shard_count = w->prof.shard_count;
}

struct world *
dst_new(const struct dst_opts *o)
{
	struct world *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	/* Insertion-ordered objects make dumps stable; the seed makes the
	 * hash layout the same in every run too. */
	json_object_seed(0x5eed);
	w->opts = *o;
	rng_seed(&w->rng, o->seed);
	w->now = (struct vtime){ .mono_ms = DST_T0_MONO, .wall_ms = DST_T0_WALL };
	w->end = DST_T0_MONO + (int64_t)(o->days * (double)MS_PER_DAY);
	w->corrupt_wall = INT64_MIN / 2;
	w->token_gen = 1;
	snprintf(w->token, sizeof(w->token), "sim-token-%d-abcdef", w->token_gen);
	faults_profile(w);
	if (sim_start(w) != 0)
		return w;
	bot_setup(w);
	faults_init(w);
	boot_start(w, true);
	return w;
}

void
dst_free(struct world *w)
{
	struct hreq *r, *next;

	if (w == NULL)
		return;
	if (w->bot != NULL) {
		bot_free(w->bot);
		free(w->bot);
	}
	evq_free(&w->q);
	for (r = w->held; r != NULL; r = next) {
		next = r->next_held;
		hreq_unref(r);
	}
	sim_free(w->sim);
	free(w->state);
	free(w->wl);
	free(w);
}
