/*
 * The bot process: start, crash, start again. A crash is kill -9: the
 * struct bot is freed with whatever it had in memory (the REST queue, the
 * send queue, unsent actions), its connections are reset by the kernel, and
 * the next instance knows only the state file, the text of the last
 * ACT_PERSIST. Variants: a crash between two actions of one drain, a reboot
 * (CLOCK_MONOTONIC starts again near zero), and a corrupt state file.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "world.h"

/* How long a crashed bot stays down, log-uniform in seconds. */
#define DOWN_MIN_S 1
#define DOWN_MAX_S 900

static int
identifies_in_window(const struct world *w)
{
	int n = 0;

	for (int i = 0; i < w->ident_count; i++) {
		int64_t t = w->identify_wall[(w->ident_head + i) % DST_IDENT_MAX];

		n += w->now.wall_ms - t < BUDGET_WINDOW_MS;
	}
	return n;
}

static void
load_state(struct world *w, struct bot *b)
{
	char err[256];
	int before = identifies_in_window(w);
	bool corrupt;

	if (w->state == NULL)
		return;
	corrupt = bot_load_state(b, w->state, w->state_len, dst_bot_now(w), err, sizeof(err)) != 0;
	if (corrupt)
		dst_trace(w, "boot: %s", err);
	check_boot(w, before, corrupt);
}

void
boot_start(struct world *w, bool reboot)
{
	struct bot_config cfg = w->cfg;
	char err[256];
	struct bot *b = calloc(1, sizeof(*b));

	if (b == NULL)
		abort();
	w->gen++;
	if (reboot)
		w->mono_shift = dst_range(w, 10000, 10 * MS_PER_DAY) - w->now.mono_ms;
	snprintf(cfg.token, sizeof(cfg.token), "%s", w->token);
	cfg.seed = dst_rand(w);
	if (bot_init(b, &cfg, dst_bot_now(w), err, sizeof(err)) != 0) {
		free(b);
		dst_fail(w, "bot_init: %s", err);
		return;
	}
	w->bot = b;
	w->log_seq = 1;
	w->flushes = 0;
	w->cache_guilds = 0;
	w->cache_wipes = 0;
	w->cache_flushes = 0;
	w->stopped_expected = false;
	dst_trace(w, "boot: instance %llu%s", (unsigned long long)w->gen,
	    reboot ? " (after a reboot)" : "");
	load_state(w, b);
	bot_start(b, dst_bot_now(w));
	dst_drain_bot(w);
}

void
boot_crash(struct world *w, const char *why)
{
	if (w->bot == NULL)
		return;
	dst_trace(w, "crash: %s", why);
	w->st.zombies += w->bot->stats.zombies;
	gw_instance_died(w);
	rc_instance_died(w);
	seq_instance_died(w);
	bot_free(w->bot);
	free(w->bot);
	w->bot = NULL;
	w->crash_mid = CRASH_NONE;
	w->st.restarts++;
}

void
boot_persist(struct world *w)
{
	char *text = bot_save_state(w->bot, dst_bot_now(w));

	if (text == NULL) {
		dst_fail(w, "bot_save_state: out of memory");
		return;
	}
	free(w->state);
	w->state = text;
	w->state_len = strlen(text);
	check_token_free(w, "the state file", text, w->state_len);
}

static int64_t
downtime(struct world *w)
{
	double u = dst_unit(w);

	return (int64_t)(DOWN_MIN_S * 1000.0 * pow((double)DOWN_MAX_S / DOWN_MIN_S, u));
}

static void
on_crash(struct world *w, struct ev *e)
{
	int kind = (int)dst_range(w, 0, 99);
	struct ev *boot;

	(void)e;
	if (w->bot == NULL)
		return;
	boot = dst_ev(w, EV_BOOT, w->now.mono_ms + downtime(w));
	boot->code = kind < 15;                 /* a reboot */
	if (kind >= 15 && kind < 18 && w->state != NULL) {
		/* A torn write, as if rename were not atomic. */
		w->state_len /= 3;
		w->state[w->state_len] = '\0';
		w->st.corrupt++;
	}
	if (kind >= 60) {
		w->crash_mid = kind < 80 ? CRASH_ANY_DRAIN : CRASH_AFTER_IDENTIFY;
		dst_trace(w, "crash armed: %s", kind < 80 ? "the next drain dies part-way" :
		    "it dies right after the next IDENTIFY");
		return;
	}
	boot_crash(w, "kill -9");
}

void
boot_event(struct world *w, struct ev *e)
{
	if (e->kind == EV_CRASH) {
		on_crash(w, e);
		return;
	}
	/* A mid-drain crash that never met a drain happens now. */
	if (w->bot != NULL)
		boot_crash(w, "kill -9 (no drain came)");
	if (e->code)
		w->st.reboots++;
	boot_start(w, e->code != 0);
}
