/*
 * The bot core's facade: one struct, inputs in, actions out, a view for the
 * console. No I/O and no clock: every entry point takes `now`, and the
 * caller performs the actions and calls bot_tick when bot_next_deadline
 * comes. The network layer (src/net) and the deterministic simulation
 * (tests/dst) are the two drivers.
 *
 * Driving it:
 *   bot_init → (bot_load_state) → bot_start
 *   loop: feed events (bot_on_open/close/frame/http), call bot_tick at the
 *   deadline, then drain bot_next_action until false and perform each.
 *
 * Connections are numbered: every ACT_OPEN carries a new `conn`, and events
 * name the conn they belong to; events for an older conn are ignored. The
 * driver must report exactly one bot_on_close for every conn it was asked to
 * open (also when the connect fails), and must close a conn when told to
 * with ACT_CLOSE. The core never asks for a second connection before the
 * first is reported closed (docs/design.md invariant 1).
 */
#ifndef VIGIL_BOT_BOT_H
#define VIGIL_BOT_BOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bot/budget.h"
#include "bot/cache.h"
#include "bot/delay.h"
#include "bot/fleet.h"
#include "bot/frame.h"
#include "bot/heartbeat.h"
#include "bot/listeners.h"
#include "bot/log.h"
#include "bot/policy.h"
#include "bot/ratelimit.h"
#include "bot/rng.h"
#include "bot/sendlimit.h"
#include "bot/vtime.h"

/* The four public states (the seed's diagram). */
enum bot_state { BOT_CONNECTED, BOT_DISCONNECTED, BOT_RESUMING, BOT_RECONNECTING, BOT_STATES };

/* Internal phases; the console may show them as detail. */
enum bot_phase {
	PHASE_IDLE,             /* before bot_start */
	PHASE_WAIT,             /* waiting before the next attempt (see wait_reason) */
	PHASE_FETCH,            /* GET /gateway/bot before an IDENTIFY */
	PHASE_PERMIT,           /* ACT_PERMIT sent: waiting for the cluster's answer */
	PHASE_CONNECTING,       /* ACT_OPEN sent, transport not open yet */
	PHASE_HELLO,            /* open, waiting for HELLO */
	PHASE_IDENTIFYING,      /* IDENTIFY sent, waiting for READY */
	PHASE_RESUMING,         /* RESUME sent, replaying until RESUMED */
	PHASE_CONNECTED,
	PHASE_CLOSING,          /* ACT_CLOSE sent, waiting for the transport to close */
	PHASE_STOPPED,          /* fatal close code or operator stop */
};

enum bot_wait {
	WAIT_NONE,
	WAIT_BACKOFF,           /* the delay formula after a failed attempt */
	WAIT_INVALID_SESSION,   /* a random 1-5 s after op 9 */
	WAIT_BUDGET,            /* no session start left (or only the reserve) */
	WAIT_SPACING,           /* identify concurrency: 5 s per bucket */
	WAIT_CLUSTER,           /* the cluster store cannot answer: no IDENTIFY without it */
	WAIT_QUEUE,             /* the identify queue: another shard of the key goes first */
};

/* Client close codes. 4900 keeps the session resumable (JDA and Concord use
 * it); 1000 ends it. */
#define BOT_CLOSE_RESUMABLE 4900
#define BOT_CLOSE_NORMAL    1000
/* bot_on_close's code when the connection ended without a close frame. */
#define BOT_CLOSE_NONE      (-1)
/* ACT_CLOSE's code when the driver must drop the connection without a
 * close handshake (it is stuck). */
#define BOT_CLOSE_ABORT     (-1)

#define BOT_URL_MAX         512
#define BOT_SESSION_ID_MAX  128
#define BOT_REASON_MAX      96
#define BOT_HISTORY         64
#define BOT_TOKEN_MAX       256
#define BOT_SEND_QUEUE      32
#define BOT_PROJECTION_S    (24.0 * 3600.0)   /* the view's projection: a day of failures */

enum action_kind {
	ACT_OPEN,               /* open a websocket to url, as conn */
	ACT_SEND,               /* send payload (text) on conn */
	ACT_CLOSE,              /* close conn with code (BOT_CLOSE_ABORT: drop it) */
	ACT_HTTP,               /* perform REST request http_id */
	ACT_PERSIST,            /* write bot_save_state() to the state file now */
	ACT_ALERT,              /* tell the operator (bell, pane title): text says why */
	ACT_PERMIT,             /* ask the cluster for an identify permit (permit_id,
	                         * shard, key); answer with bot_on_permit */
};

struct action {
	enum action_kind kind;
	uint32_t conn;
	int close_code;
	char text[BOT_URL_MAX];         /* OPEN: url; CLOSE: reason; ALERT: message */
	char *payload;                  /* SEND: owned by the receiver, free() it */
	size_t payload_len;
	uint64_t http_id;               /* HTTP: the request; method/path/body are */
	const char *method;             /*   borrowed from the queue until */
	const char *path;               /*   bot_on_http(http_id) */
	const char *body;
	size_t body_len;
	uint64_t permit_id;             /* PERMIT: the request, and for which */
	int shard, key;                 /*   shard and concurrency key (also on an
	                                 *   IDENTIFY's SEND) */
	bool identify;                  /* SEND: the IDENTIFY; in a cluster its key rests
	                                 * 5 s from now (cluster_identified) */
};

/* The cluster's answer to ACT_PERMIT (docs/cluster.md "The seam"). */
enum bot_permit_status {
	BOT_PERMIT_GRANTED,             /* a start and the key's 5 s are ours: identify */
	BOT_PERMIT_KEY_HELD,            /* another shard has the key: wait wait_ms */
	BOT_PERMIT_BUDGET,              /* no start left cluster-wide: wait wait_ms */
	BOT_PERMIT_UNREACHABLE,         /* no answer from the store: no IDENTIFY */
};

struct bot_permit {
	enum bot_permit_status status;
	int64_t wait_ms;
	char why[BOT_REASON_MAX];       /* for the log: who holds the key, what failed */
};

struct bot_config {
	char token[BOT_TOKEN_MAX];      /* the bot token (no "Bot " prefix) */
	int64_t intents;
	int shard_id, shard_count;
	bool compress;                  /* ask for transport compression: */
	bool zstd;                      /*   zstd-stream when set, else zlib-stream */
	int64_t resume_window_ms;       /* how long a lost session is worth resuming */
	int64_t hello_timeout_ms, ready_timeout_ms, fetch_timeout_ms, close_timeout_ms;
	int budget_limit, budget_reserve;
	int budget_assume_on_corrupt;   /* starts assumed used when the state file is corrupt */
	size_t log_capacity;
	enum log_level log_capture;
	struct cache_limits cache;
	uint64_t seed;
	char formula[DELAY_EXPR_MAX];   /* "" = the default formula */
	bool cluster_permits;           /* every IDENTIFY asks the cluster first (ACT_PERMIT) */
	int64_t permit_retry_ms;        /* after an unreachable store (default 2 s) */
};

struct bot_transition {
	enum bot_state from, to;
	int64_t mono_ms, wall_ms;
	char reason[BOT_REASON_MAX];
};

struct bot_stats {
	uint64_t frames, malformed, events, seq_gaps;
	uint64_t identifies, resumes_sent, readies, resumed;
	uint64_t connects, connect_failures, closes_by_server;
	uint64_t zombies, op7, op9, listener_failures;
	uint64_t rest_ok, rest_failed;
	uint64_t sends, sends_refused;
};

/* The console's snapshot: copied out, so drawing never reads live state. */
struct bot_snapshot {
	enum bot_state state;
	enum bot_phase phase;
	int64_t in_state_ms;
	uint32_t counts[BOT_STATES][BOT_STATES];   /* transitions from → to */
	bool has_last;
	struct bot_transition last;
	bool stopped;
	char stop_reason[BOT_REASON_MAX];
	/* countdown */
	enum bot_wait wait;
	int attempt;                    /* the attempt being waited for or made (1-based), 0 when connected */
	int64_t wait_left_ms, wait_total_ms;
	struct delay_formula formula;
	/* budget */
	int budget_used, budget_limit, budget_remaining, budget_reserve;
	bool discord_known;
	int d_total, d_remaining, d_max_concurrency;
	int64_t d_reset_in_ms;
	int64_t next_free_in_ms;        /* until the oldest counted start leaves the window; -1 none */
	int projection;                 /* attempts 24 h of constant failure would make */
	bool projection_exhausts;       /* projection > remaining - reserve */
	struct budget_start recent[8];
	int nrecent;
	/* session */
	bool has_session;
	char session_id[BOT_SESSION_ID_MAX];
	int64_t seq;
	char gateway_url[BOT_URL_MAX];
	char user[64];
	int shard_id, shard_count;
	int64_t hb_interval_ms, rtt_ms;  /* rtt -1 until known */
	int64_t hb_next_in_ms;           /* to the next scheduled beat; -1 when none */
	bool ack_pending;
	struct bot_stats stats;
	struct cache_stats cache;
	struct rlq_global rest;
	uint64_t log_dropped;
};

/* Decided when a connection ends; carried out once the transport is closed. */
struct bot_next {
	enum policy_action action;
	enum log_level level;           /* how loudly a stop is logged */
	enum bot_wait wait;
	int64_t wait_ms;
	char why[BOT_REASON_MAX];
};

struct bot_send {                       /* a queued non-priority gateway payload */
	char *text;
	size_t len;
};

struct bot {
	struct bot_config cfg;
	struct vtime now;               /* the time of the call being handled */
	/* A lone shard draws from the fleet's generator (as the REST queue
	 * does), so one shard replays exactly as before shards; each shard of
	 * a larger fleet has its own. */
	struct rng *rng, own_rng;
	/* What the shards share (fleet.h); the pointers below point into it. */
	struct fleet *fleet;
	bool own_fleet;                 /* made by bot_init for a lone shard */
	struct logring *log;
	struct delay_formula formula;
	/* delay_attempts_within(formula, 24 h), kept from bot_set_formula: a
	 * formula under 1 s costs 86,400 evaluations, too many per redraw. */
	int projection;
	struct budget *budget;
	struct heartbeat hb;
	struct sendlimit sendlimit;
	struct listeners *listeners;
	struct cache *cache;
	struct rlq_queue *rest;
	struct rest_call *calls;        /* bot_rest_call's callbacks waiting (rest-call.c) */
	struct frame_decoder decoder;

	/* session state (session.c) */
	enum bot_state state;
	enum bot_phase phase;
	enum bot_wait wait;
	int64_t state_since;            /* mono */
	int64_t deadline;               /* the phase's deadline (mono), VTIME_NEVER if none */
	int64_t wait_total_ms;
	int failures;                   /* failed attempts since the last READY/RESUMED */
	bool resume_plan;               /* the current or next attempt resumes */
	bool reconnect_queued;          /* `reconnect` waits, connected, for its turn in the identify queue */
	struct bot_next next;           /* what to do once PHASE_CLOSING ends */
	int close_escalations;          /* PHASE_CLOSING deadlines passed */
	char identify_reason[BUDGET_REASON_MAX];
	uint64_t replayed;              /* dispatches received while resuming */
	uint32_t conn;                  /* the current connection, 0 when none */
	bool conn_open;                 /* between bot_on_open and bot_on_close */
	bool conn_pending;              /* ACT_OPEN sent, bot_on_close not yet seen */
	char session_id[BOT_SESSION_ID_MAX];
	char resume_url[BOT_URL_MAX];
	int64_t seq;                    /* last sequence number; 0 = none */
	int64_t lost_mono;              /* when the session lost its connection */
	int64_t last_seen_wall;         /* last sign of life, persisted */
	bool had_session;               /* a session existed before (READY → reconnect event) */
	char gateway_url[BOT_URL_MAX];  /* from GET /gateway/bot */
	int fetch_failures;
	uint64_t fetch_id;
	char stop_reason[BOT_REASON_MAX];
	char user[64];
	uint64_t user_id;
	struct bot_transition history[BOT_HISTORY];
	int history_head, history_count;
	uint32_t counts[BOT_STATES][BOT_STATES];
	struct bot_send sendq[BOT_SEND_QUEUE];
	int sendq_head, sendq_count;

	/* the cluster's permits (permit.c) */
	uint64_t permit_id;             /* the request awaited in PHASE_PERMIT */
	bool permit_local_once;         /* the operator's `reconnect -f --local` */
	bool cluster_unreachable;       /* said once per outage */

	/* persistence */
	int64_t persist_at;             /* throttled persist of seq; VTIME_NEVER when clean */

	/* actions for the driver (a growable FIFO, drained after every call) */
	struct action *actions;
	size_t act_head, act_count, act_cap;

	struct bot_stats stats;
};

void bot_config_defaults(struct bot_config *cfg);

/* One shard alone, with a fleet of its own. 0, or -1 with a message (bad
 * formula, out of memory). */
int bot_init(struct bot *b, const struct bot_config *cfg, struct vtime now, char *err, size_t errlen);
/* One shard of a fleet (cfg.shard_id; the fleet's shard_count). */
int bot_init_shard(struct bot *b, struct fleet *f, const struct bot_config *cfg, struct vtime now,
    char *err, size_t errlen);
/* Frees everything (and the fleet when bot_init made it); undrained
 * actions are released. */
void bot_free(struct bot *b);

/* Restores the budget and the resumable session from a state file's text.
 * 0; or -1 with a message when the text is corrupt, in which case the budget
 * assumes cfg.budget_assume_on_corrupt starts were used now (never a silent
 * reset) and no session is restored. */
int bot_load_state(struct bot *b, const char *json, size_t len, struct vtime now,
    char *err, size_t errlen);
/* Drops a restored session before bot_start (its server is known to be
 * gone, e.g. an emulator that died with the last run): the next start
 * identifies. True when there was one. */
bool bot_forget_session(struct bot *b);
/* Takes a session another process left in the cluster store (a shard
 * that moved), before bot_start: the start then RESUMES it. Only when no
 * session is held already; true when taken. */
bool bot_adopt_session(struct bot *b, struct vtime now, const char *id, int64_t seq,
    const char *url);
/* The state file's text (malloc'd), or NULL when out of memory. */
char *bot_save_state(const struct bot *b, struct vtime now);

/* Begins connecting: resumes a fresh persisted session, else identifies. */
void bot_start(struct bot *b, struct vtime now);

void bot_on_open(struct bot *b, struct vtime now, uint32_t conn);
/* The connection ended (or never opened): code is the server's close code,
 * or BOT_CLOSE_NONE. reason may be NULL. */
void bot_on_close(struct bot *b, struct vtime now, uint32_t conn, int code, const char *reason);
/* One complete text message from the gateway (after any decompression). */
void bot_on_frame(struct bot *b, struct vtime now, uint32_t conn, const char *buf, size_t len);
/* A REST response: status 0 means a transport error (err says why). Any
 * shard of the fleet may be given it: the answer goes to the shard that
 * asked (fleet_on_http). */
void bot_on_http(struct bot *b, struct vtime now, uint64_t http_id, int status,
    const struct rlq_headers *h, const char *body, size_t len, const char *err);
/* The cluster's answer to ACT_PERMIT permit_id (answers to older requests
 * are ignored). */
void bot_on_permit(struct bot *b, struct vtime now, uint64_t permit_id,
    const struct bot_permit *p);
/* Call when now >= bot_next_deadline (calling earlier is harmless). */
void bot_tick(struct bot *b, struct vtime now);
/* Mono ms of the next thing the core must do, or VTIME_NEVER. */
int64_t bot_next_deadline(const struct bot *b, struct vtime now);

/* Pops the next action; false when none. */
bool bot_next_action(struct bot *b, struct action *out);
/* Frees what an action owns (the SEND payload). */
void action_release(struct action *a);

/* Operator commands: 0, or -1 with a message (nothing changed). */
int bot_cmd_resume(struct bot *b, struct vtime now, char *err, size_t errlen);
int bot_cmd_reconnect(struct bot *b, struct vtime now, char *err, size_t errlen);
/* The operator's override (`reconnect -f --local`): the next IDENTIFY
 * goes without the cluster's permit, on their responsibility. */
void bot_permit_override(struct bot *b);
/* Stops connecting; the session stays resumable (close 4900, persisted). */
int bot_cmd_stop(struct bot *b, struct vtime now, char *err, size_t errlen);
/* Ends the session for good (close 1000) and forgets it. */
int bot_cmd_logout(struct bot *b, struct vtime now, char *err, size_t errlen);
/* Replaces the delay formula (the old one stays on error). */
int bot_set_formula(struct bot *b, const struct delay_formula *f);
void bot_cache_flush(struct bot *b, struct vtime now);

/* Queues a REST request (path like "/channels/1/messages"). Its outcome is
 * logged. 0, or -1 with a message. */
int bot_rest(struct bot *b, struct vtime now, const char *method, const char *path,
    const char *body, char *err, size_t errlen);
/* How the submitter of bot_rest_call hears the end of its request: the
 * last HTTP status (0 for a transport error or a request REST stopped
 * before sending) and the body (NULL when none). */
typedef void (*bot_rest_fn)(void *ud, struct vtime now, int status, const char *body,
    size_t len);
/* Like bot_rest, and fn(ud, ...) is called once when the request ends
 * (from inside bot_on_http), unless bot_rest_cancel dropped it first.
 * owner groups a submitter's calls. 0, or -1 with a message. */
int bot_rest_call(struct bot *b, struct vtime now, const char *method, const char *path,
    const char *body, bot_rest_fn fn, void *ud, const void *owner, char *err, size_t errlen);
/* Drops the callbacks of owner's requests; the requests themselves run
 * on in the queue. Returns how many were dropped. */
int bot_rest_cancel(struct bot *b, const void *owner);
/* Raises ACT_ALERT (bell, pane title, log) for something outside the core,
 * such as a bot script's listener being disabled. */
void bot_alert(struct bot *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Queues a gateway payload (not heartbeat/identify/resume) under the send
 * limit. 0, or -1 with a message (too big, queue full, not connected). */
int bot_gateway_send(struct bot *b, struct vtime now, const char *json, char *err, size_t errlen);

void bot_snapshot(const struct bot *b, struct vtime now, struct bot_snapshot *out);
/* Transitions, oldest first: copies up to max, returns how many. */
int bot_history(const struct bot *b, struct bot_transition *out, int max);

const char *bot_state_name(enum bot_state s);
const char *bot_phase_name(enum bot_phase p);
const char *bot_wait_name(enum bot_wait w);

#endif
