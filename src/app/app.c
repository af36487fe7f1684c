/*
 * The running vigil (app.h): builds the loop and its parts, feeds real
 * events to the core and carries out the core's actions. Every event
 * handler ends with app_kick, which drains the core's actions and re-arms
 * the one timer at the core's next deadline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/app-internal.h"

struct vtime
app_now(const struct app *a)
{
	(void)a;
	return loop_now();
}

struct bot *
app_bot(struct app *a)
{
	return &a->shards[0].bot;
}

int
app_shards(const struct app *a)
{
	return a->nshards;
}

struct bot *
app_shard(struct app *a, int i)
{
	return &a->shards[i].bot;
}

struct fleet *
app_fleet(struct app *a)
{
	return &a->fleet;
}

/* Worse is larger: stopped, Disconnected, Reconnecting, Resuming, Connected. */
static int
badness(const struct bot *b)
{
	static const int rank[BOT_STATES] = { [BOT_CONNECTED] = 0, [BOT_RESUMING] = 1,
		[BOT_RECONNECTING] = 2, [BOT_DISCONNECTED] = 3 };

	return b->phase == PHASE_STOPPED ? 4 : rank[b->state];
}

const struct bot *
app_worst(const struct app *a)
{
	const struct bot *w = &a->shards[0].bot;

	for (int i = 1; i < a->nshards; i++) {
		if (badness(&a->shards[i].bot) > badness(w))
			w = &a->shards[i].bot;
	}
	return w;
}

struct logring *
app_log(struct app *a)
{
	logring_set_shard(&a->fleet.log, -1);
	logring_set_time(&a->fleet.log, loop_now());
	return &a->fleet.log;
}

const char *
app_endpoint_label(const struct app *a)
{
	return a->label;
}

bool
app_has_sim(const struct app *a)
{
	return a->has_sim;
}

int
app_http_port(const struct app *a)
{
	return a->http != NULL ? httpd_port(a->http) : 0;
}

const char *
app_state_dir(const struct app *a)
{
	return a->cfg.state_dir;
}

void
app_set_ui(struct app *a, const struct app_ui_hooks *hooks)
{
	a->ui = *hooks;
}

static int64_t
min64(int64_t x, int64_t y)
{
	return x < y ? x : y;
}

static void
rearm(struct app *a)
{
	struct vtime now = loop_now();
	int64_t t = a->ui_deadline;

	for (int i = 0; i < a->nshards; i++)
		t = min64(t, bot_next_deadline(&a->shards[i].bot, now));

	t = min64(t, app_scripts_deadline(a));
	t = min64(min64(t, a->watchdog_next), app_alert_deadline(a));

	if (a->quitting)
		t = min64(t, a->quit_deadline);
	loop_arm(&a->loop, t);
}

void
app_persist(struct app *a)
{
	struct vtime now = loop_now();
	char *text = fleet_save_state(&a->fleet, now);
	char err[PATH_MAX + 64];

	if (text == NULL) {
		LOGF(app_log(a), LOG_ERROR, "state", "out of memory saving the state");
		return;
	}
	if (statefile_write(a->cfg.state_dir, text, strlen(text), err, sizeof(err)) < 0) {
		a->persist_failures++;
		LOGF(app_log(a), LOG_ERROR, "state", "%s", err);
	}
	free(text);
}

static void
perform(struct app *a, int idx, struct action *act)
{
	switch (act->kind) {
	case ACT_OPEN:
		gateway_open(a->gw, app_gw_conn(idx, act->conn), act->text);
		break;
	case ACT_SEND:
		gateway_send(a->gw, app_gw_conn(idx, act->conn), act->payload, act->payload_len);
		act->payload = NULL;
		app_cluster_sent(a, act);
		break;
	case ACT_CLOSE:
		gateway_close(a->gw, app_gw_conn(idx, act->conn), act->close_code, act->text);
		break;
	case ACT_HTTP:
		metrics_rest_start(&a->metrics, act->http_id, act->method, act->path);
		if (!app_cluster_http(a, act))
			rest_perform(a->rest, act->http_id, act->method, act->path, act->body,
			    act->body_len);
		break;
	case ACT_PERSIST:
		app_persist(a);
		app_cluster_persisted(a);
		break;
	case ACT_PERMIT:
		app_cluster_permit(a, act);
		break;
	case ACT_ALERT:
		if (a->ui.on_alert != NULL)
			a->ui.on_alert(a->ui.ud, act->text);
		break;
	}
	action_release(act);
}

void
app_kick(struct app *a)
{
	struct action act;

	/* Nested calls (a synchronous connect failure reports its close from
	 * inside perform) leave the draining to the outer loop. */
	if (a->draining)
		return;
	a->draining = true;
	/* A shard's call can leave actions with another (a REST answer goes
	 * out through the first shard, the identify queue wakes the next
	 * shard), so every shard is drained, until none has any. */
	for (bool more = true; more; ) {
		more = false;
		for (int i = 0; i < a->nshards; i++) {
			while (bot_next_action(&a->shards[i].bot, &act)) {
				perform(a, i, &act);
				more = true;
			}
		}
	}
	a->draining = false;
	metrics_state(&a->metrics, app_worst(a)->state, loop_now().mono_ms);
	rearm(a);
}

void
app_quit(struct app *a, bool logout)
{
	struct vtime now = loop_now();
	char err[128];
	int rc;

	if (a->quitting && !logout)
		return;
	a->quitting = true;
	app_notify_stopping(a);
	a->quit_started = now.mono_ms;
	a->quit_deadline = now.mono_ms + 2 * a->cfg.bot.close_timeout_ms + 1000;
	for (int i = 0; i < a->nshards; i++) {
		struct bot *b = &a->shards[i].bot;

		rc = logout ? bot_cmd_logout(b, now, err, sizeof(err)) :
		    bot_cmd_stop(b, now, err, sizeof(err));
		if (rc < 0)
			LOGF(app_log(a), LOG_DEBUG, "app", "quit: %s", err);
	}
	LOGF(app_log(a), LOG_INFO, "app", "quitting%s", logout ? " (logout: close 1000)" : "");
	app_kick(a);
}

/* True once nothing of the gateway is left alive. */
static bool
quit_done(struct app *a, struct vtime now)
{
	if (now.mono_ms >= a->quit_deadline)
		return true;
	if (!gateway_idle(a->gw))
		return false;
	for (int i = 0; i < a->nshards; i++) {
		const struct app_shard *sh = &a->shards[i];

		if (sh->bot.conn_open || sh->bot.conn_pending)
			return false;
	}
	return app_cluster_released(a);
}

static bool
all_stopped(const struct app *a)
{
	for (int i = 0; i < a->nshards; i++) {
		if (a->shards[i].bot.phase != PHASE_STOPPED)
			return false;
	}
	return true;
}

/* --logout: resume the saved session, then end it with 1000. */
static void
logout_step(struct app *a, struct vtime now)
{
	bool settled = true;

	if (a->quitting)
		return;
	for (int i = 0; i < a->nshards; i++) {
		const struct bot *b = &a->shards[i].bot;

		settled = settled && (b->state == BOT_CONNECTED || b->state == BOT_RECONNECTING ||
		    b->phase == PHASE_STOPPED);
	}
	if (settled || now.mono_ms >= a->logout_deadline)
		app_quit(a, true);
}

void
app_flush_logs(struct app *a)
{
	if (!a->fleet_ready)
		return;
	if (a->cfg.headless)
		logsink_flush(&a->out, &a->fleet.log);
	if (a->logf != NULL)
		logsink_flush(&a->file, &a->fleet.log);
}

/* Once per loop turn: logs out, the console draws, quitting finishes. */
static void
turn_end(struct app *a)
{
	struct vtime now = loop_now();

	app_scripts_persist(a, false);
	if (a->loop.busy) {
		a->loop.busy = false;
		app_flush_logs(a);
		if (a->ui.render != NULL)
			a->ui.render(a->ui.ud, now);
		if (a->ui.next_deadline != NULL)
			a->ui_deadline = a->ui.next_deadline(a->ui.ud, now);
	}
	app_cluster_turn(a);
	if (a->cfg.logout)
		logout_step(a, now);
	if (!a->quitting && a->cfg.headless && all_stopped(a) && !app_cluster_holds_back(a)) {
		/* Nothing can restart a stopped bot without a console (but a
		 * shard stopped for its lease restarts when the lease is back). */
		a->status = 1;
		app_quit(a, false);
	}
	if (a->quitting && quit_done(a, now))
		a->done = true;
	app_notify_turn(a, now);
	app_alert_turn(a, now);
	rearm(a);
}

static bool
logout_needed(struct app *a)
{
	if (!a->cfg.logout)
		return true;
	for (int i = 0; i < a->nshards; i++) {
		if (a->shards[i].bot.session_id[0] != '\0')
			return true;
	}
	LOGF(app_log(a), LOG_INFO, "app", "--logout: no saved session, nothing to end");
	return false;
}

/* One line of counters at exit, for operators and the integration tests. */
static void
log_stats(struct app *a)
{
	struct bot_stats all = { 0 }, *s = &all;
	struct cache_stats cs;

	for (int i = 0; i < a->nshards; i++) {
		const struct bot_stats *t = &a->shards[i].bot.stats;

		all.events += t->events;
		all.malformed += t->malformed;
		all.seq_gaps += t->seq_gaps;
		all.identifies += t->identifies;
		all.resumes_sent += t->resumes_sent;
		all.resumed += t->resumed;
		all.zombies += t->zombies;
		all.rest_ok += t->rest_ok;
		all.rest_failed += t->rest_failed;
	}
	cache_get_stats(a->fleet.cache, &cs);
	LOGF(app_log(a), LOG_INFO, "app", "stats: events=%llu malformed=%llu seq_gaps=%llu "
	    "identifies=%llu resumes=%llu resumed=%llu zombies=%llu rest_ok=%llu rest_failed=%llu "
	    "guilds=%zu channels=%zu messages=%zu cache_wipes=%llu",
	    (unsigned long long)s->events, (unsigned long long)s->malformed,
	    (unsigned long long)s->seq_gaps, (unsigned long long)s->identifies,
	    (unsigned long long)s->resumes_sent, (unsigned long long)s->resumed,
	    (unsigned long long)s->zombies, (unsigned long long)s->rest_ok,
	    (unsigned long long)s->rest_failed, cs.entries[CACHE_GUILD], cs.entries[CACHE_CHANNEL],
	    cs.entries[CACHE_MESSAGE], (unsigned long long)cs.wipes);
}

int
app_run(struct app *a)
{
	struct vtime now = loop_now();
	char err[160];

	if (loop_adopt_std(&a->loop, a->ui.on_input != NULL, err, sizeof(err)) < 0) {
		LOGF(app_log(a), LOG_ERROR, "app", "%s", err);
		app_flush_logs(a);
		return 1;
	}
	app_probe_sim(a);
	a->logout_deadline = now.mono_ms + 30 * MS_PER_S;
	if (logout_needed(a)) {
		/* In shard order: the identify queue serves them so. */
		if (!app_cluster_begin(a)) {
			for (int i = 0; i < a->nshards; i++)
				bot_start(&a->shards[i].bot, now);
		}
		app_kick(a);
	} else {
		a->done = true;
	}
	a->loop.busy = true;
	turn_end(a);
	while (!a->done && loop_turn(&a->loop) >= 0)
		turn_end(a);
	/* The last word on disk: the latest seq, the session kept or ended,
	 * and what the bots' UNLOAD wrote to their stores. */
	app_scripts_stop(a);
	app_kick(a);
	app_persist(a);
	log_stats(a);
	LOGF(app_log(a), LOG_INFO, "app", "stopped (exit status %d)", a->status);
	app_flush_logs(a);
	return a->status;
}
