/*
 * The deterministic simulation (docs/design.md "Tests, layer by layer"): the bot
 * core and the emulator core in one process, joined by a simulated network
 * on one virtual clock, every random choice drawn from one seeded generator.
 * A seed is a whole history: the same seed replays the same steps exactly.
 *
 *   world.c     the loop: the event queue, the clock, who goes next
 *   evq.c       events ordered by virtual time, ties broken by the seed
 *   gateway.c   websocket links between the bot's conns and the emulator's
 *   rest.c      the REST path: ACT_HTTP -> sim_http -> bot_on_http
 *   boot.c      the bot process: start, crash, restart from the state file
 *   faults.c    the fault scheduler: storms, calms, operators, workload
 *   netfault.c  what the network does wrong (partitions, loss, refusals)
 *   check.c     invariants 1, 2, 4, 7, 8 and liveness, after every step
 *   check-seq.c invariants 3 (no seq gap) and 6 (zombies within two beats)
 *   check-rest.c invariant 5 (no request lost, none into a known-empty bucket)
 *   trace.c     the last steps, the failure report, the summary
 *
 * Times: "now" is the world's clock, which the emulator sees as is. The bot
 * sees mono shifted by a per-boot offset (a reboot restarts CLOCK_MONOTONIC)
 * and the same wall clock.
 */
#ifndef VIGIL_DST_WORLD_H
#define VIGIL_DST_WORLD_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bot/bot.h"
#include "sim/sim.h"

#define DST_LINKS_MAX     64
#define DST_TRACE_LINES   200
#define DST_TRACE_WIDTH   200
#define DST_SESS_MAX      8
#define DST_ROUTES_MAX    512
#define DST_IDENT_MAX     8192
#define DST_CHANNELS_MAX  64
#define DST_TOKEN_MAX     64
#define DST_WHY_MAX       640
#define DST_HTTP_TIMEOUT  (20 * MS_PER_S)   /* the network layer's REST timeout */
#define DST_T0_WALL       1767225600000LL   /* 2026-01-01 */
#define DST_T0_MONO       5000000LL

/* What an armed crash waits for. */
enum { CRASH_NONE, CRASH_ANY_DRAIN, CRASH_AFTER_IDENTIFY };

enum ev_kind {
	EV_CONNECT,             /* a handshake reaches the emulator */
	EV_OPENED,              /* the handshake's answer reaches the bot */
	EV_TO_SIM,              /* a text frame reaches the emulator */
	EV_TO_BOT,              /* a text frame reaches the bot */
	EV_CLOSE_TO_SIM,        /* the bot's close frame or its FIN/RST */
	EV_CLOSE_TO_BOT,        /* the emulator's close, a drop, a refusal */
	EV_HTTP_REQ,            /* a REST request reaches the emulator */
	EV_HTTP_RESP,           /* its answer (or a transport error) reaches the bot */
	EV_FAULT,               /* the scheduler draws the next fault */
	EV_WORKLOAD,            /* the bot's own REST and gateway traffic */
	EV_OPERATOR,            /* an operator command */
	EV_FOLLOWUP,            /* the operator comes back after stop/logout */
	EV_CRASH,               /* the bot process dies */
	EV_BOOT,                /* and is started again */
	EV_CALM,                /* faults stop: liveness is due */
	EV_CALM_CHECK,          /* liveness: connected by now */
	EV_STORM,               /* faults resume */
	EV_NET_END,             /* a timed network fault ends */
	EV_KINDS,
};

struct hreq;

struct ev {
	int64_t at;
	uint64_t tie;
	uint64_t serial;
	enum ev_kind kind;
	uint64_t link;          /* a link's serial */
	int code;
	char *data;
	size_t len;
	struct hreq *req;
	char reason[64];
};

struct evq {
	struct ev **heap;
	size_t n, cap;
};

struct link {
	bool used;
	uint64_t serial;
	uint64_t gen;           /* the bot instance that opened it */
	uint32_t conn;          /* the bot's id */
	uint32_t sim_id;        /* the emulator's, 0 before the handshake */
	char path[128];
	bool bot_open;          /* bot_on_open delivered */
	bool bot_done;          /* bot_on_close delivered, or the instance died */
	bool client_gone;       /* the client sent its close or went away */
	bool sim_open;          /* the emulator holds it */
	bool sim_done;          /* the emulator forgot it, or never will know it */
	bool sim_blackhole;
	bool held;              /* waiting for RELEASE_HELD */
	bool dead;              /* reset by the network: nothing gets through */
	int64_t fifo_to_bot, fifo_to_sim;
	uint64_t cut_to_bot;    /* frames queued before this serial were reset */
	int inflight_to_bot;
	int refs;
	/* checks */
	int64_t zombie_since;   /* world mono; VTIME_NEVER while ACKs flow */
	int64_t hello_at;       /* HELLO reached the bot */
	int64_t part_since;     /* a partition cut it off; VTIME_NEVER when none */
	int64_t blackhole_since;        /* the emulator black-holed it */
	char sess[40];          /* the session the bot runs on it */
	int64_t last_seq;       /* last dispatch the bot took on it */
	bool seq_known;
};

/* A REST request on the wire; referenced by its events and the held list. */
struct hreq {
	int refs;
	uint64_t gen, id;
	char method[8];
	char *path, *body;
	size_t body_len;
	char route[RLQ_ROUTE_MAX];
	int64_t sent_at;
	bool answered;          /* the bot got its answer (or gave up) */
	bool known_at_send;     /* the checker had seen this route's limits */
	int64_t nonce;          /* the workload's id, -1 for others */
	int status;
	struct rlq_headers h;
	char *rbody;
	size_t rlen;
	char err[64];
	struct hreq *next_held;
};

/* One route as the checker knows it (invariant 5). */
struct route_track {
	char key[RLQ_ROUTE_MAX];
	bool known;
	bool tainted;           /* a request the bot gave up on reached it later */
	/* An answer without limits (a transport error, a bare 5xx): the request
	 * may have opened a window whose end the bot cannot see, so until limits
	 * come back one request may probe, and its 429 is no miscount. */
	bool blind, probed;
	int64_t empty_until, hold_until;        /* bot mono */
};

enum wl_state { WL_PENDING, WL_DELIVERED, WL_FAILED, WL_KILLED };

struct wl_req {
	int64_t nonce;
	uint64_t gen;
	uint64_t http_id;
	enum wl_state state;
	int failures;
	int64_t submitted;      /* world mono */
	char why[48];
};

struct sess_track {
	char id[40];
	int64_t seen;           /* the last seq the bot took for it */
	uint64_t gen;           /* the instance that took it */
};

/* A seed's character: drawn once, so seeds differ in kind, not only in luck. */
struct profile {
	int64_t hb_interval;
	int64_t lat, rest_lat;
	double faults_per_h;
	int session_limit, reserve;
	int bot_limit;          /* vigil's own limit: Discord's or stricter */
	int64_t resume_window, sim_resume_window;
	double chatter;
	double rest_per_h;
	double crashes_per_day;
	double ops_per_day;
	int64_t storm_ms, calm_ms;
	int64_t replay_buffer;  /* events a session keeps for RESUME */
	int shard_id, shard_count;
};

/* The network's faults, all timed (world mono). */
struct netstate {
	int64_t partition_until;
	int64_t lossy_until;
	double loss;
	int64_t slow_until, slow_extra;
	int64_t refuse_until;
	int64_t rest_err_until;
};

struct dst_stats {
	uint64_t steps, events[EV_KINDS], ticks_bot, ticks_sim;
	uint64_t faults, sim_faults, net_faults, ops, restarts, reboots, corrupt;
	uint64_t frames_to_bot, frames_to_sim, dispatches, dups;
	uint64_t identifies, resumes, resumed, readies, zombies, stops;
	uint64_t rest_sent, rest_2xx, rest_429_bucket_blind, rest_429_fault,
	    rest_5xx, rest_err, rest_held;
	uint64_t wl_submitted, wl_refused, wl_delivered, wl_failed, wl_killed;
	uint64_t calms, calm_connected, calm_excused;
	int64_t connected_ms, budget_wait_ms;
	uint64_t stale_token_resets;
	uint64_t fault_count[40];
	int max_links;
};

struct dst_opts {
	uint64_t seed;
	double days;
	bool verbose;           /* print every trace line as it happens */
	bool quiet_faults;      /* no faults at all (a control run) */
};

struct world {
	struct dst_opts opts;
	struct rng rng;
	struct profile prof;
	struct vtime now;
	int64_t end;
	struct evq q;
	uint64_t ev_serial;
	struct sim *sim;
	/* the bot process */
	struct bot *bot;
	uint64_t gen;
	int64_t mono_shift;     /* bot mono = world mono + mono_shift */
	char token[DST_TOKEN_MAX];
	int token_gen;
	char *state;            /* the state file */
	size_t state_len;
	int crash_mid;          /* armed: a drain dies part-way (CRASH_*) */
	bool wants_crash;
	struct bot_config cfg;
	/* the network */
	struct link links[DST_LINKS_MAX];
	uint64_t link_serial;
	struct netstate net;
	struct hreq *held;
	int64_t fifo_rest_req, fifo_rest_resp;
	/* the world outside */
	uint64_t channels[DST_CHANNELS_MAX];
	bool channel_ro[DST_CHANNELS_MAX];
	int nchannels;
	uint64_t guilds[8];
	int nguilds;
	bool calm;
	int64_t calm_since;
	bool calm_settled;              /* connected at the calm check: stays so */
	bool token_reset_pending;
	int64_t pressure_wall;          /* budget pressure last applied */
	/* the checker's records */
	int64_t identify_wall[DST_IDENT_MAX];
	int ident_head, ident_count;
	int64_t corrupt_wall;           /* a corrupt state file was loaded */
	struct sess_track sess[DST_SESS_MAX];
	struct route_track routes[DST_ROUTES_MAX];
	int nroutes;
	int64_t known_global_until, known_ban_until;  /* bot mono */
	int64_t sends[RLQ_GLOBAL_PER_S];        /* the last sends, bot mono, a ring */
	int nsends, send_head;
	struct wl_req *wl;
	size_t nwl, capwl;
	int64_t next_nonce;
	uint64_t flushes;               /* operator flushes in this instance */
	size_t cache_guilds;
	uint64_t cache_wipes, cache_flushes;
	uint64_t log_seq;               /* next log entry to look at */
	bool stopped_expected;
	int64_t wait_seen;              /* the deadline of the last wait checked */
	bool fatal_seen;
	int alerts_in_step;
	uint64_t token_resets_injected;
	int64_t last_step_mono;
	/* the trace and the verdict */
	char trace[DST_TRACE_LINES][DST_TRACE_WIDTH];
	uint64_t trace_n;
	uint64_t trace_hash;    /* of every line: two runs of a seed must agree */
	bool failed;
	char why[DST_WHY_MAX];
	struct dst_stats st;
};

/* world.c */
struct world *dst_new(const struct dst_opts *);
void dst_free(struct world *);
/* Runs to the end or the first broken invariant: 0, or -1 (w->why). */
int dst_run(struct world *);
struct vtime dst_bot_now(const struct world *);
int64_t dst_to_world(const struct world *, int64_t bot_mono);
uint64_t dst_rand(struct world *);
int64_t dst_range(struct world *, int64_t lo, int64_t hi);
double dst_unit(struct world *);
struct ev *dst_ev(struct world *, enum ev_kind, int64_t at);
void dst_drain_bot(struct world *);
void dst_drain_sim(struct world *);

/* evq.c */
void evq_push(struct evq *, struct ev *);
struct ev *evq_peek(const struct evq *);
struct ev *evq_pop(struct evq *);
void evq_free(struct evq *);
void ev_free(struct ev *);

/* gateway.c */
struct link *gw_link(struct world *, uint64_t serial);
struct link *gw_link_conn(struct world *, uint32_t conn);
void gw_bot_open(struct world *, const struct action *);
void gw_bot_send(struct world *, struct action *);
void gw_bot_close(struct world *, const struct action *);
void gw_sim_action(struct world *, const struct sim_action *);
void gw_event(struct world *, struct ev *);
void gw_release_held(struct world *);
void gw_instance_died(struct world *);
void gw_net_reset(struct world *);
void gw_unref(struct world *, struct link *);
int gw_live_links(const struct world *);

/* rest.c */
void rest_bot_send(struct world *, const struct action *);
void rest_event(struct world *, struct ev *);
void rest_release_held(struct world *);
void hreq_unref(struct hreq *);
/* A NUL-terminated malloc'd copy of s[0..n) (aborts when out of memory). */
char *dst_copy(const char *s, size_t n);
/* The emulator's answer's headers as real header lines would give them. */
void dst_read_headers(struct rlq_headers *h, const struct sim_http_resp *resp);

/* netfault.c */
int64_t net_deliver_at(struct world *, int64_t *fifo, int64_t lat);
bool net_partitioned(const struct world *);
void net_fault(struct world *);
void net_clear(struct world *);
void net_end(struct world *);
int64_t net_worst_delay(const struct world *);
const char *net_state_text(const struct world *, char *, size_t);

/* boot.c */
void boot_start(struct world *, bool first);
void boot_crash(struct world *, const char *why);
void boot_persist(struct world *);
void boot_event(struct world *, struct ev *);

/* faults.c */
void faults_init(struct world *);
void faults_event(struct world *, struct ev *);
void faults_profile(struct world *);

/* operator.c */
void op_command(struct world *);
void op_followup(struct world *, struct ev *);
void op_repair(struct world *, char *err, size_t errlen);
void op_workload(struct world *);
const char *faults_kind_name(int);
bool faults_fires(const char *catalogue_name);

/* check.c */
void check_step(struct world *);
void check_action(struct world *, const struct action *);
void check_open(struct world *, const struct link *);
void check_boot(struct world *, int used_before, bool corrupt);
void check_close_delivered(struct world *, const struct link *, int code, int phase_before);
void check_calm(struct world *);
void check_end(struct world *);
bool check_token_free(struct world *, const char *what, const char *s, size_t len);

/* check-seq.c */
void seq_resume_sent(struct world *, struct link *, const char *payload, size_t len);
void seq_frame(struct world *, struct link *, const char *buf, size_t len, bool taken);
void seq_instance_died(struct world *);
void zombie_check(struct world *);

/* check-rest.c */
void rc_sent(struct world *, struct hreq *);
void rc_answered(struct world *, struct hreq *);
void rc_instance_died(struct world *);
int64_t rc_submit(struct world *, const char *method, const char *path, bool tracked);
void rc_foreign(struct world *, const struct hreq *);
void rc_calm(struct world *);
void rc_end(struct world *);

/* trace.c */
void dst_trace(struct world *, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void dst_fail(struct world *, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void dst_report(const struct world *, FILE *);
void dst_summary(const struct world *, FILE *);
const char *dst_ev_name(enum ev_kind);

#endif
