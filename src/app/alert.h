/*
 * Webhook alerts, the policy (docs/operations.md): which changes page an
 * admin and when, one alert per kind per interval with later ones folded
 * into the next, and a bounded queue (ALERT_QUEUE; a full one drops the
 * oldest and counts it). No I/O and no clock: the app feeds it what the
 * core shows and the time, and sends what it queues (app-alert.c).
 */
#ifndef VIGIL_APP_ALERT_H
#define VIGIL_APP_ALERT_H

#include <stdbool.h>
#include <stdint.h>

#include "bot/bot.h"

#define ALERT_QUEUE       32
#define ALERT_TEXT_MAX    320
#define ALERT_DETAIL_MAX  160
#define ALERT_AFTER_MS    (30 * MS_PER_S)
#define ALERT_INTERVAL_MS (5 * MS_PER_MIN)

enum alert_kind {
	ALERT_DOWN,             /* disconnected longer than alert_after */
	ALERT_UP,               /* back after an alerted outage */
	ALERT_FATAL,            /* a fatal close code or REST 401: vigil stopped */
	ALERT_BUDGET,           /* waiting for session starts */
	ALERT_BAN,              /* REST frozen by a Cloudflare ban */
	ALERT_SCRIPT,           /* a bot script disabled */
	ALERT_CLUSTER,          /* the cluster store unreachable: a shard cannot identify */
	ALERT_KINDS
};

struct alert_msg {
	enum alert_kind kind;
	int64_t mono_ms, wall_ms;       /* when it was raised */
	int64_t since_mono;             /* DOWN/UP: when the outage began */
	char state[16];
	int shard;
	int folded;                     /* alerts of this kind folded into this one */
	char text[ALERT_TEXT_MAX];      /* one line for people */
	char detail[ALERT_DETAIL_MAX];
};

/* What the policy reads from the core at each turn. */
struct alert_view {
	enum bot_state state;
	bool stopped, operator_stop;    /* PHASE_STOPPED, and by the operator */
	char stop_reason[BOT_REASON_MAX];
	bool budget_wait;
	bool cluster_wait;              /* no IDENTIFY: the cluster store unreachable */
	bool banned, unauthorized;
	bool resumed;                   /* the last Connected came from RESUMED */
	int shard;
	char last_reason[BOT_REASON_MAX];
};

struct alerts {
	int64_t after_ms, interval_ms;
	bool down, down_alerted;
	int64_t down_since;
	struct alert_view last;
	bool seen;                      /* last holds a view */
	int64_t sent_at[ALERT_KINDS];   /* mono of the last queued; 0 none */
	int folded[ALERT_KINDS];
	bool held[ALERT_KINDS];
	struct alert_msg hold[ALERT_KINDS];     /* the latest folded one */
	struct alert_msg q[ALERT_QUEUE];
	int head, count;
	uint64_t raised, queued, dropped;
};

void alerts_init(struct alerts *al, int64_t after_ms, int64_t interval_ms);
/* One turn: compares v with the last view and raises what changed. */
void alerts_observe(struct alerts *al, const struct alert_view *v, struct vtime now);
/* Raises one alert (folded if its kind went out within the interval). */
void alerts_raise(struct alerts *al, enum alert_kind kind, struct vtime now, const char *state,
    int shard, const char *text, const char *detail);
/* The earliest mono ms something is due (a DOWN alert, a folded one). */
int64_t alerts_deadline(const struct alerts *al);
/* The oldest queued alert, or NULL; alerts_pop removes it. */
const struct alert_msg *alerts_peek(const struct alerts *al);
void alerts_pop(struct alerts *al);
/* "down", "up", "fatal", "budget", "ban", "script", "cluster". */
const char *alert_kind_name(enum alert_kind k);

#endif
