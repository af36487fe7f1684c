/*
 * The emulator core's private structures and the functions its files share.
 * Only the core files include this; the adapter (server.c) and
 * vigil-sim use sim.h only.
 */
#ifndef VIGIL_SIM_CORE_H
#define VIGIL_SIM_CORE_H

#include "bot/rng.h"
#include "sim/sim.h"

#define SIM_SESSION_ID_LEN   32
#define SIM_SEND_RING_MAX    1024     /* the largest send_limit accepted */
#define SIM_CONCURRENCY_MAX  16
#define SIM_GLOBAL_RING_MAX  1000     /* the largest global_limit accepted */
#define SIM_REPLAY_BYTES_MAX (8u << 20) /* per session, whatever the count */
#define SIM_BUCKETS_MAX      1024
#define SIM_INVALID_SLOTS    600      /* one per second of the 10 min window */
#define SIM_CHANNELS_PER_GUILD 3
#define SIM_NAME_MAX         33
#define SIM_CONTENT_MAX      2000     /* Discord's message content limit */
#define SIM_NONCE_MAX        26
#define SIM_BURST_BATCH      64       /* burst events queued per drain */
#define SIM_TICK_EVENTS_MAX  1000     /* chatter messages caught up per tick */

/* Intents (gateway.mdx "Gateway Intents"). */
#define SIM_INTENT_GUILDS           (1u << 0)
#define SIM_INTENT_GUILD_MEMBERS    (1u << 1)
#define SIM_INTENT_GUILD_PRESENCES  (1u << 8)
#define SIM_INTENT_GUILD_MESSAGES   (1u << 9)
#define SIM_INTENT_DIRECT_MESSAGES  (1u << 12)
#define SIM_INTENT_MESSAGE_CONTENT  (1u << 15)
#define SIM_INTENTS_PRIVILEGED \
	(SIM_INTENT_GUILD_MEMBERS | SIM_INTENT_GUILD_PRESENCES | \
	 SIM_INTENT_MESSAGE_CONTENT)
/* Bits 0-16, 20, 21, 24, 25 are defined; anything else is 4013. */
#define SIM_INTENTS_VALID  0x0331ffffu

/* A serialized gateway payload, shared by the replay buffer and actions. */
struct sim_frame {
	unsigned refs;
	int64_t seq;                  /* 0 unless a dispatch */
	size_t len;
	char data[];
};

struct sim_session {
	bool used;
	bool resumable;
	char id[SIM_SESSION_ID_LEN + 1];
	uint32_t conn;                /* 0 while detached */
	int64_t seq;
	uint32_t intents;
	bool has_shard;
	int shard_id, shard_count;
	uint64_t token_gen;
	int64_t created_at;
	int64_t expires_at;           /* VTIME_NEVER while attached */
	struct sim_frame **ring;     /* oldest at ring_head */
	size_t ring_cap, ring_head, ring_len, ring_bytes;
};

enum sim_conn_state {
	SIM_CONN_FREE,
	SIM_CONN_AUTH,                /* HELLO sent, waiting for IDENTIFY/RESUME */
	SIM_CONN_LIVE,                /* a session is attached */
	SIM_CONN_CLOSING,             /* op 7 sent: input ignored until close */
	SIM_CONN_BLACKHOLE,
};

struct sim_conn {
	uint32_t id;
	enum sim_conn_state state;
	bool zlib;
	bool zombie;                  /* stop ACKing heartbeats */
	int sess;                     /* index into sim.sessions, or -1 */
	int64_t opened_at;
	int64_t auth_deadline;
	int64_t hb_deadline;
	int64_t hb_interval;          /* what its HELLO announced */
	int64_t close_at;
	int64_t sends[SIM_SEND_RING_MAX];
	int send_head, send_len;
	uint64_t burst_left, burst_seq;
	uint64_t channel;             /* burst target channel */
	uint64_t frames_in, frames_out;
};

struct sim_user {
	uint64_t id;
	char username[SIM_NAME_MAX];
	char global_name[SIM_NAME_MAX];
	char avatar[SIM_NAME_MAX];     /* "" for none */
	bool bot;
};

struct sim_channel {
	uint64_t id, guild_id;
	char name[SIM_NAME_MAX];
	bool read_only;               /* the bot may not post: 403 */
	int position;
};

struct sim_guild {
	uint64_t id;
	char name[64];
	int owner;                    /* user index */
	int first_channel;            /* SIM_CHANNELS_PER_GUILD from here */
	uint64_t members;             /* bit i: user i is a member (i < 64) */
	int64_t joined_wall_ms;
};

struct sim_world {
	struct sim_user *users;
	int nusers;                   /* users[0] is the bot */
	struct sim_guild *guilds;
	int nguilds;
	struct sim_channel *channels;
	int nchannels;
	uint64_t app_id;
	int64_t epoch_ms;             /* base of the world's snowflakes */
	uint32_t snow_inc;
	uint64_t last_snow;
};

struct sim_message {
	uint64_t id, channel_id, guild_id;
	int author;
	int64_t wall_ms;
	char content[SIM_CONTENT_MAX + 1];
	char nonce[SIM_NONCE_MAX];
};

struct sim_bucket {
	bool used;
	int route;
	uint64_t major;
	int64_t remaining;
	int64_t reset_at;             /* mono */
};

struct sim_rest {
	struct sim_bucket buckets[SIM_BUCKETS_MAX];
	int64_t global_ring[SIM_GLOBAL_RING_MAX];
	int global_head, global_len;
	uint32_t invalid[SIM_INVALID_SLOTS];
	int64_t invalid_sec;          /* mono second of the newest slot */
	int64_t ban_until;
	int64_t storm_until;
	bool storm_shared;
	double storm_retry;
	int64_t global429_until;
	int64_t fivexx_left;
	int fivexx_status;
};

struct sim_budget {
	int64_t remaining;
	int64_t window_end;           /* mono; VTIME_NEVER before the first use */
	int64_t bucket_last[SIM_CONCURRENCY_MAX];
	/* For tests of a client's spacing (GET /_ctl/counters): the smallest
	 * gap between two accepted IDENTIFYs of one key, and the first and
	 * last accepted IDENTIFY (mono ms); -1 when not seen. */
	int64_t min_key_gap, first_identify, last_identify;
};

struct sim_scenario;

#define SIM_FAULTS_MAX 32

#define SIM_WEBHOOKS_KEPT    8          /* the last posts kept for GET /_ctl/webhooks */
#define SIM_WEBHOOK_BODY_MAX 2048

struct sim {
	struct sim_config cfg;
	char gateway_url[SIM_URL_MAX];
	struct rng world_rng, chat_rng, chaos_rng, id_rng;
	struct sim_world world;
	struct sim_conn *conns;
	uint32_t next_conn_id;
	struct sim_session *sessions;
	struct sim_budget budget;
	struct sim_rest rest;
	uint64_t token_gen;
	bool token_revoked;
	int64_t refuse_until;
	int64_t stall_until;
	bool holding;                 /* TCP connections held since the stall */
	int64_t chatter_at;
	int64_t chaos_at;
	struct sim_scenario *scenario;
	struct sim_message *store;
	size_t store_head, store_len;
	struct sim_action *actions;
	size_t act_cap, act_head, act_len;
	struct sim_counters counters;
	uint64_t fault_counts[SIM_FAULTS_MAX];
	/* The last webhook posts, for tests (GET /_ctl/webhooks). */
	struct sim_webhook_post {
		uint64_t webhook;
		char body[SIM_WEBHOOK_BODY_MAX];
	} webhooks[SIM_WEBHOOKS_KEPT];
	uint64_t webhooks_seen;
};

/* sim.c: frames and the action queue */
struct sim_frame *sim_frame_new(const char *data, size_t len, int64_t seq);
struct sim_frame *sim_frame_json(json_t *payload);
void sim_frame_unref(struct sim_frame *);
void sim_push_send(struct sim *, uint32_t conn, struct sim_frame *);
void sim_push_close(struct sim *, uint32_t conn, int code, const char *reason);
void sim_push_drop(struct sim *, uint32_t conn, bool rst);
void sim_push_kind(struct sim *, enum sim_action_kind, uint32_t conn);
int64_t sim_min_deadline(int64_t a, int64_t b);

/* gateway.c: connections */
struct sim_conn *sim_gw_conn(struct sim *, uint32_t id);
void sim_gw_send_op(struct sim *, struct sim_conn *, int op, json_t *d);
void sim_gw_close(struct sim *, struct vtime now, struct sim_conn *, int code,
    const char *reason);
void sim_gw_drop(struct sim *, struct vtime now, struct sim_conn *, bool rst);
void sim_gw_blackhole(struct sim *, struct vtime now, struct sim_conn *);
void sim_gw_reconnect(struct sim *, struct vtime now, struct sim_conn *);
void sim_gw_invalid_session(struct sim *, struct vtime now, struct sim_conn *,
    bool resumable);
void sim_gw_tick(struct sim *, struct vtime now);
int64_t sim_gw_deadline(const struct sim *);
int sim_gw_close_keeps_session(int code);

/* identify.c: IDENTIFY, RESUME, READY */
void sim_gw_identify(struct sim *, struct vtime now, struct sim_conn *, json_t *d);
void sim_gw_resume(struct sim *, struct vtime now, struct sim_conn *, json_t *d);
void sim_gw_token_reset(struct sim *, struct vtime now);

/* members.c: op 8 REQUEST_GUILD_MEMBERS */
void sim_gw_request_members(struct sim *, struct vtime now, struct sim_conn *,
    json_t *d);
void sim_sess_dispatch_json(struct sim *, struct vtime now, int idx,
    const char *t, json_t *d);

/* session.c: sessions, sequence numbers, replay buffers */
int sim_sess_new(struct sim *, struct vtime now);
int sim_sess_find(const struct sim *, const char *id);
void sim_sess_attach(struct sim *, int idx, struct sim_conn *);
void sim_sess_detach(struct sim *, struct vtime now, int idx, bool resumable);
void sim_sess_invalidate(struct sim *, int idx);
void sim_sess_dispatch(struct sim *, struct vtime now, int idx, const char *t,
    const char *d, size_t dlen);
/* Fans an event out to every session that should see it: guild_id routes
 * it to a shard (0: shard 0), intent filters it (0: everyone). d_redacted,
 * when not NULL, goes to sessions without the MESSAGE_CONTENT intent. */
void sim_sess_broadcast(struct sim *, struct vtime now, const char *t,
    const char *d, const char *d_redacted, uint64_t guild_id,
    uint32_t intent);
/* 0 when replayed, -1 when seq is not in the buffer (4007). */
int sim_sess_replay(struct sim *, int idx, struct sim_conn *, int64_t seq);
void sim_sess_expire_all(struct sim *, struct vtime now);
void sim_sess_tick(struct sim *, struct vtime now);
int64_t sim_sess_deadline(const struct sim *);
bool sim_sess_on_shard(const struct sim_session *, uint64_t guild_id);

/* budget.c: session_start_limit and identify concurrency */
enum budget_verdict { BUDGET_OK, BUDGET_CONCURRENCY, BUDGET_EXHAUSTED };
void sim_budget_init(struct sim *);
enum budget_verdict sim_budget_take(struct sim *, struct vtime now, int shard_id);
json_t *sim_budget_json(struct sim *, struct vtime now);
void sim_budget_set_remaining(struct sim *, int64_t remaining);
int64_t sim_budget_remaining(const struct sim *, struct vtime now);

/* world.c: the demo world */
int sim_world_build(struct sim *, struct vtime now, char *err, size_t errlen);
void sim_world_free(struct sim_world *);
uint64_t sim_world_snowflake(struct sim_world *, int64_t wall_ms);
const struct sim_channel *sim_world_channel(const struct sim *, uint64_t id);
const struct sim_guild *sim_world_guild(const struct sim *, uint64_t id);
int sim_world_user(const struct sim *, uint64_t id);
json_t *sim_world_user_json(const struct sim *, int user);
json_t *sim_world_member_json(const struct sim *, const struct sim_guild *, int user);
json_t *sim_world_channel_json(const struct sim *, const struct sim_channel *);
json_t *sim_world_guild_json(const struct sim *, const struct sim_guild *, bool full);
bool sim_world_is_member(const struct sim_guild *, int user);
void sim_world_iso8601(int64_t wall_ms, char *buf, size_t len);
json_t *sim_world_snowflake_json(uint64_t id);

/* message.c: messages, chatter, the burst fault */
json_t *sim_msg_create(struct sim *, struct vtime now, const struct sim_channel *,
    int author, const char *content, const char *nonce);
json_t *sim_msg_list(struct sim *, uint64_t channel_id, int limit, uint64_t after,
    uint64_t before);
void sim_msg_chatter_tick(struct sim *, struct vtime now);
void sim_msg_chatter_reschedule(struct sim *, struct vtime now);
void sim_msg_burst_pump(struct sim *, struct vtime now, struct sim_conn *);
json_t *sim_msg_json(const struct sim *, const struct sim_message *, bool content);
json_t *sim_msg_store_json(const struct sim *);

/* rest.c, buckets.c, reply.c: REST */
void sim_rest_handle(struct sim *, struct vtime now, const struct sim_http_req *,
    struct sim_http_resp *);
struct rl_route {
	const char *bucket;           /* X-RateLimit-Bucket */
	int64_t limit;
	int64_t window;               /* ms */
};
int sim_rl_check(struct sim *, struct vtime now, int route,
    const struct rl_route *, uint64_t major, struct sim_http_resp *);
int sim_rl_global(struct sim *, struct vtime now, struct sim_http_resp *);
int sim_rl_faults(struct sim *, struct vtime now, struct sim_http_resp *);
void sim_rl_count_invalid(struct sim *, struct vtime now, int status, bool shared);
int64_t sim_rl_invalid_total(const struct sim *, struct vtime now);
void sim_rl_banned(struct sim *, struct sim_http_resp *);
void sim_resp_header(struct sim_http_resp *, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void sim_resp_json(struct sim_http_resp *, int status, json_t *body);
void sim_resp_error(struct sim_http_resp *, int status, int code,
    const char *message);
void sim_resp_ctl_error(struct sim_http_resp *, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void sim_resp_too_many(struct sim_http_resp *, double retry_after, bool global,
    const char *scope);

/* webhook.c: POST /api/webhooks/{id}/{token}, and what it received */
void sim_webhook_post(struct sim *, struct vtime now, uint64_t webhook, const char *query,
    const char *body, size_t len, struct sim_http_resp *);
json_t *sim_webhooks_json(const struct sim *);

/* faults.c, chaos.c, scenario.c, control.c */
int sim_fault_index(const char *name);
const char *sim_fault_name(int idx);
int sim_fault_args_from_line(const char *fault, const char *rest, json_t **args,
    char *err, size_t errlen);
void sim_fault_tick(struct sim *, struct vtime now);
/* Checks settings as POST /_ctl/set would; *next gets the result. */
int sim_ctl_prepare_set(const struct sim *, json_t *obj, struct sim_config *next,
    char *err, size_t errlen);
int64_t sim_fault_deadline(const struct sim *);
void sim_chaos_reschedule(struct sim *, struct vtime now);
void sim_chaos_tick(struct sim *, struct vtime now);
void sim_scenario_tick(struct sim *, struct vtime now);
int64_t sim_scenario_deadline(const struct sim *);
void sim_scenario_free(struct sim_scenario *);

#endif
