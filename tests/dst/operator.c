/*
 * The people around the bot. The operator types console commands at random
 * moments of a storm (resume, reconnect, a new delay formula, cache flush,
 * stop and logout, each undone a while later), repairs what needs a human
 * when the storm ends (a new token after a reset, a restart from a stop),
 * and the bot's own code keeps REST and gateway traffic going: POSTs with
 * a nonce that the checker follows to the end, reads, bursts that fill a
 * bucket, presence updates.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "world.h"

static const char *const formulas[] = {
	DELAY_DEFAULT_EXPR, "a*2", "min(2^a, 300)", "a", "1", "min(a*a, 120)",
	"5 + rand()*10", "max(1, 30 - a)", "min(60, 1.5^a)",
	"@linear 3", "@exponential 1 120", "@full-jitter 1 60",
};

#define NFORMULAS ((int64_t)(sizeof(formulas) / sizeof(formulas[0])))

/* "@name arg arg" is a preset, anything else an expression. */
static int
compile(const char *text, struct delay_formula *f, char *err, size_t errlen)
{
	char buf[64], *argv[4], *p;
	int argc = 0;

	if (text[0] != '@')
		return delay_compile(f, text, err, errlen);
	snprintf(buf, sizeof(buf), "%s", text + 1);
	p = strchr(buf, ' ');
	while (p != NULL && argc < 4) {
		*p++ = '\0';
		argv[argc++] = p;
		p = strchr(p, ' ');
	}
	return delay_preset(f, buf, argc, (const char *const *)argv, err, errlen);
}

static void
set_formula(struct world *w)
{
	const char *text = formulas[dst_range(w, 0, NFORMULAS - 1)];
	struct delay_formula f;
	char err[160];

	if (compile(text, &f, err, sizeof(err)) != 0) {
		dst_fail(w, "harness: formula %s: %s", text, err);
		return;
	}
	bot_set_formula(w->bot, &f);
	dst_trace(w, "operator: formula %s", text);
}

static void
followup(struct world *w, int what)
{
	dst_ev(w, EV_FOLLOWUP, w->now.mono_ms + dst_range(w, 10, 1800) * MS_PER_S)->code = what;
}

static void
said(struct world *w, const char *cmd, int rc, const char *err)
{
	w->st.ops++;
	dst_trace(w, "operator: %s%s%s", cmd, rc != 0 ? ": " : "", rc != 0 ? err : "");
	if (rc == 0 && (strcmp(cmd, "resume") == 0 || strcmp(cmd, "reconnect") == 0))
		w->stopped_expected = false;
	dst_drain_bot(w);
}

void
op_command(struct world *w)
{
	struct bot *b = w->bot;
	struct vtime now = dst_bot_now(w);
	int pick = (int)dst_range(w, 0, 99), rc;
	char err[160] = "";

	if (b == NULL)
		return;
	if (pick < 20) {
		said(w, "resume", bot_cmd_resume(b, now, err, sizeof(err)), err);
	} else if (pick < 35) {
		said(w, "reconnect", bot_cmd_reconnect(b, now, err, sizeof(err)), err);
	} else if (pick < 55) {
		w->st.ops++;
		set_formula(w);
	} else if (pick < 75) {
		bot_cache_flush(b, now);
		w->flushes++;
		said(w, "cache flush", 0, err);
	} else if (pick < 90) {
		rc = bot_cmd_stop(b, now, err, sizeof(err));
		if (rc == 0) {
			w->stopped_expected = true;
			followup(w, 1);
		}
		said(w, "stop", rc, err);
	} else {
		rc = bot_cmd_logout(b, now, err, sizeof(err));
		w->stopped_expected = true;
		followup(w, 2);
		said(w, "logout", rc, err);
	}
}

/* The operator undoes a stop or a logout, if the bot is still stopped. */
void
op_followup(struct world *w, struct ev *e)
{
	struct bot *b = w->bot;
	char err[160] = "";

	if (b == NULL || b->phase != PHASE_STOPPED)
		return;
	if (e->code == 1 && b->session_id[0] != '\0')
		said(w, "resume", bot_cmd_resume(b, dst_bot_now(w), err, sizeof(err)), err);
	else
		said(w, "reconnect", bot_cmd_reconnect(b, dst_bot_now(w), err, sizeof(err)), err);
}

static void
new_token(struct world *w)
{
	char err[160];
	json_t *obj;

	w->token_gen++;
	snprintf(w->token, sizeof(w->token), "sim-token-%d-abcdef", w->token_gen);
	obj = json_pack("{s:s}", "token", w->token);
	if (sim_set(w->sim, w->now, obj, err, sizeof(err)) != 0)
		dst_fail(w, "harness: new token: %s", err);
	json_decref(obj);
	w->token_reset_pending = false;
	dst_trace(w, "operator: a new token");
}

/* When the storm ends: whatever needs a human gets one. */
void
op_repair(struct world *w, char *err, size_t errlen)
{
	struct bot *b;

	if (w->crash_mid)
		boot_crash(w, "kill -9 (armed before the calm)");
	if (w->token_reset_pending) {
		new_token(w);
		if (w->bot != NULL) {
			boot_crash(w, "the operator restarts vigil with the new token");
			boot_start(w, false);
		}
		return;
	}
	b = w->bot;
	if (b == NULL || b->phase != PHASE_STOPPED)
		return;
	if (b->session_id[0] != '\0')
		said(w, "resume", bot_cmd_resume(b, dst_bot_now(w), err, errlen), err);
	else
		said(w, "reconnect", bot_cmd_reconnect(b, dst_bot_now(w), err, errlen), err);
}

static void
presence(struct world *w)
{
	char err[160];

	if (bot_gateway_send(w->bot, dst_bot_now(w), "{\"op\":3,\"d\":{\"since\":null,"
	    "\"activities\":[],\"status\":\"online\",\"afk\":false}}", err, sizeof(err)) != 0)
		dst_trace(w, "workload: presence refused: %s", err);
	dst_drain_bot(w);
}

/* Reads over every channel at once: more than 50 may go in a second as
 * far as the buckets go, so only the global limit paces them. */
static void
fan_out(struct world *w)
{
	int64_t n = dst_range(w, 30, 150);
	char path[96];

	for (int64_t i = 0; i < n && w->bot != NULL; i++) {
		uint64_t ch = w->channels[i % w->nchannels];

		snprintf(path, sizeof(path), i / w->nchannels % 2 == 0 ? "/channels/%llu" :
		    "/channels/%llu/messages?limit=3", (unsigned long long)ch);
		rc_submit(w, "GET", path, false);
	}
}

/* Reads of channels that do not exist: each id is a route and a bucket of
 * its own, so the queue's route table fills and must forget quiet ones. */
static void
scan(struct world *w)
{
	int64_t n = dst_range(w, 50, 400);
	char path[96];

	for (int64_t i = 0; i < n && w->bot != NULL; i++) {
		snprintf(path, sizeof(path), "/channels/%llu",
		    (unsigned long long)(1000000 + dst_range(w, 0, 5000)));
		rc_submit(w, "GET", path, false);
	}
}

void
op_workload(struct world *w)
{
	int pick = (int)dst_range(w, 0, 99);
	uint64_t ch;
	char path[96];

	if (w->bot == NULL)
		return;
	if (w->nchannels == 0 || pick >= 96) {
		rc_submit(w, "GET", "/users/@me", false);
		return;
	}
	if (pick == 95) {
		scan(w);
		return;
	}
	ch = w->channels[dst_range(w, 0, w->nchannels - 1)];
	snprintf(path, sizeof(path), "/channels/%llu/messages", (unsigned long long)ch);
	if (pick < 50) {
		rc_submit(w, "POST", path, true);
	} else if (pick < 56) {
		for (int64_t n = dst_range(w, 5, 40); n > 0 && w->bot != NULL; n--)
			rc_submit(w, "POST", path, true);
	} else if (pick < 70) {
		snprintf(path, sizeof(path), "/channels/%llu", (unsigned long long)ch);
		rc_submit(w, "GET", path, false);
	} else if (pick < 80) {
		/* The query is not part of the route; a short page keeps the
		 * emulator's JSON cheap. */
		snprintf(path, sizeof(path), "/channels/%llu/messages?limit=3",
		    (unsigned long long)ch);
		rc_submit(w, "GET", path, false);
	} else if (pick < 82) {
		fan_out(w);
	} else if (pick < 88) {
		snprintf(path, sizeof(path), "/guilds/%llu",
		    (unsigned long long)w->guilds[dst_range(w, 0, w->nguilds - 1)]);
		rc_submit(w, "GET", path, false);
	} else {
		presence(w);
	}
}
