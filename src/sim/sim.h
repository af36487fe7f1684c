/*
 * The emulator core: a Discord-compatible gateway (v10, JSON) and REST API
 * with fault injection, as a pure state machine. It reads no clock and
 * touches no socket: every entry point is handed the time, randomness comes
 * from the seed in the config, and effects come out as actions that the
 * caller drains with sim_next_action() after every call. The lws adapter
 * (server.h) is one caller; a deterministic simulation with a virtual clock
 * is another.
 *
 * Events in:  a TCP connection accepted (sim_tcp_accept), a websocket opened
 *             (sim_conn_open), a text frame (sim_conn_text), the client's
 *             close (sim_conn_closed), the caller's send queue emptied
 *             (sim_conn_drained), an HTTP request (sim_http), time passing
 *             (sim_tick).
 * Actions out: send text on a connection, close it with a code, drop it with
 *             no close frame, black-hole it, release held TCP connections.
 * Deadline:   sim_next_deadline(); call sim_tick() when it is reached.
 *
 * Connections carry plain text: transport compression (zlib-stream, zstd-stream) belongs
 * to the caller (zstream.h); sim_conn_open() says when a client asked for it.
 *
 * A driver's duties: drain the actions after every call; after a CLOSE or
 * DROP action the core has forgotten the connection (a later
 * sim_conn_closed() for it is ignored); a BLACKHOLE connection is neither
 * read nor written until the client goes; call sim_conn_drained() when a
 * connection's sends have all been delivered (bursts wait for it); hold
 * TCP connections while sim_tcp_accept() says so, until RELEASE_HELD.
 */
#ifndef VIGIL_SIM_SIM_H
#define VIGIL_SIM_SIM_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bot/vtime.h"

#define SIM_TOKEN_MAX     128
/* The emulator's own token, not a secret: what vigil presents to the
 * emulator it embeds, and vigil-sim's default. */
#define SIM_TOKEN_DEFAULT "sim-token"
#define SIM_URL_MAX       128
#define SIM_REASON_MAX    124       /* a close reason fits one control frame */
#define SIM_MAX_PAYLOAD   4096      /* client payloads above this: close 4002 */
#define SIM_BODY_MAX      (256 * 1024) /* REST/control bodies above: 413 */

/*
 * Every setting, with its default in config.c's table. Durations are in
 * milliseconds; rates are per second (chatter) or per minute (chaos).
 */
struct sim_config {
	char token[SIM_TOKEN_MAX];
	int64_t seed;
	int64_t heartbeat_interval;
	int64_t heartbeat_timeout;      /* 0: 1.5 x heartbeat_interval */
	int64_t identify_timeout;
	int64_t resume_window;
	int64_t reconnect_grace;        /* op 7, then a close this much later */
	int64_t session_limit;
	int64_t session_remaining;      /* -1: session_limit */
	int64_t session_window;
	int64_t max_concurrency;
	int64_t identify_spacing;
	int64_t replay_buffer;
	int64_t max_sessions;
	int64_t max_connections;
	int64_t guilds;
	int64_t users;
	int64_t message_store;
	int64_t shards;                 /* /gateway/bot's recommendation (at least what the guilds need) */
	int64_t max_guilds_per_shard;   /* an IDENTIFY for a shard holding more: close 4011 */
	int64_t privileged_intents;     /* privileged intents the app may use */
	int64_t send_limit;
	int64_t send_window;
	int64_t global_limit;
	int64_t invalid_limit;
	int64_t ban_duration;
	double chatter;                 /* chat messages per second */
	double ping_share;              /* share of chatter that is "!ping" */
	double chaos;                   /* random faults per minute */
};

/* What a setting is, for --help, GET /_ctl/settings and validation. */
enum sim_setting_type { SIM_SET_INT, SIM_SET_MS, SIM_SET_DOUBLE, SIM_SET_STR };

struct sim_setting {
	const char *name;               /* "heartbeat_interval"; flag --heartbeat-interval */
	enum sim_setting_type type;
	size_t offset;
	double min, max;
	bool live;                      /* may change while running */
	const char *help;
};

void sim_config_defaults(struct sim_config *);
/* The settings table; *n gets its length. */
const struct sim_setting *sim_settings(size_t *n);
const struct sim_setting *sim_setting_find(const char *name);
/* Parses value for the named setting ("-" and "_" alike) into cfg; 0 or -1. */
int sim_config_set(struct sim_config *cfg, const char *name, const char *value,
    char *err, size_t errlen);
/* The setting's current value in cfg, as text, into buf. */
void sim_config_get(const struct sim_config *cfg, const struct sim_setting *,
    char *buf, size_t len);

/* Strict number parsers (whole string, no overflow); 0 or -1. */
int sim_parse_int(const char *s, int64_t *out);
int sim_parse_double(const char *s, double *out);
/* "1500" (in units of unit_ms), "250ms", "1.5s", "2m", "1h", "1d". */
int sim_parse_duration(const char *s, int64_t unit_ms, int64_t *ms);

struct sim_counters {
	uint64_t connections, refused, held;
	uint64_t identifies, sessions_created, resumes, resumes_failed;
	uint64_t events_sent, events_replayed, bytes_sent;
	uint64_t heartbeats, heartbeat_acks;
	uint64_t closes_sent, drops, client_closes;
	uint64_t invalid_sessions, reconnects_sent;
	uint64_t token_resets;
	uint64_t rest_requests, rest_2xx, rest_401, rest_403, rest_404, rest_429,
	    rest_429_global, rest_5xx, rest_banned;
	uint64_t bans;
	uint64_t messages_created, messages_posted;   /* posted: by REST */
	uint64_t faults_fired, chaos_fired, scenario_fired;
	uint64_t webhooks_received;
};

enum sim_action_kind {
	SIM_ACT_SEND,                   /* data/len on conn (text) */
	SIM_ACT_CLOSE,                  /* close frame code + reason, then close */
	SIM_ACT_DROP,                   /* close TCP without a close frame */
	SIM_ACT_BLACKHOLE,              /* stop reading and writing conn */
	SIM_ACT_RELEASE_HELD,           /* serve the TCP connections held so far */
};

struct sim_frame;

struct sim_action {
	enum sim_action_kind kind;
	uint32_t conn;
	int code;
	bool rst;                       /* DROP: reset rather than FIN */
	char reason[SIM_REASON_MAX];
	const char *data;               /* SEND: valid until sim_action_done() */
	size_t len;
	struct sim_frame *frame;
};

struct sim_conn_info {
	bool zlib;                      /* compress=zlib-stream was asked for */
	bool zstd;                      /* compress=zstd-stream was asked for */
};

struct sim_http_req {
	const char *method;             /* "GET", "POST", ... */
	const char *path;               /* "/api/v10/gateway/bot", no query */
	const char *query;              /* "limit=5&after=1" or NULL */
	const char *authorization;      /* the header's value or NULL */
	const char *body;
	size_t body_len;
};

#define SIM_HDR_MAX 16

struct sim_http_hdr {
	char name[40];
	char value[96];
};

struct sim_http_resp {
	int status;
	const char *content_type;
	struct sim_http_hdr hdr[SIM_HDR_MAX];
	int nhdr;
	char *body;                     /* owned; sim_http_resp_free() */
	size_t body_len;
};

enum sim_admit { SIM_ADMIT_OK, SIM_ADMIT_HOLD };

struct sim;

/* A new emulator, or NULL with a message in err. */
struct sim *sim_new(const struct sim_config *, struct vtime now, char *err,
    size_t errlen);
void sim_free(struct sim *);
/* Where clients reach the gateway ("ws://127.0.0.1:PORT"): READY's
 * resume_gateway_url and GET /gateway[/bot] point there. */
void sim_set_gateway_url(struct sim *, const char *url);
const struct sim_config *sim_config(const struct sim *);
const struct sim_counters *sim_counters(const struct sim *);

/* A TCP connection arrived: serve it, or hold it unread (the stall fault)
 * until a SIM_ACT_RELEASE_HELD action. */
enum sim_admit sim_tcp_accept(struct sim *, struct vtime now);
/* A websocket upgrade on path_query ("/?v=10&encoding=json"): the new
 * connection's id, or 0 to refuse the handshake (the refuse fault, or too
 * many connections). */
uint32_t sim_conn_open(struct sim *, struct vtime now, const char *path_query,
    struct sim_conn_info *info);
/* One complete client message. buf may be NULL when len is larger than
 * the caller kept: the core refuses it on its length alone. */
void sim_conn_text(struct sim *, struct vtime now, uint32_t conn,
    const char *buf, size_t len);
/* The client closed with code, or went away with no close frame (-1). */
void sim_conn_closed(struct sim *, struct vtime now, uint32_t conn, int code);
/* Everything queued for conn has been written (paces the burst fault). */
void sim_conn_drained(struct sim *, struct vtime now, uint32_t conn);
/* Answers a REST (/api/...) or control (/_ctl/...) request. */
void sim_http(struct sim *, struct vtime now, const struct sim_http_req *,
    struct sim_http_resp *);
void sim_http_resp_free(struct sim_http_resp *);
void sim_tick(struct sim *, struct vtime now);
/* The earliest mono_ms at which sim_tick() has work; VTIME_NEVER if none. */
int64_t sim_next_deadline(const struct sim *);

/* Pops the next action; false when there is none. */
bool sim_next_action(struct sim *, struct sim_action *);
void sim_action_done(struct sim_action *);

/* Fires a fault; args is a JSON object of its arguments (may be NULL).
 * How many connections it touched (0 for the others), or -1 with err. */
int sim_fault(struct sim *, struct vtime now, const char *name, json_t *args,
    char *err, size_t errlen);
/* The same from a text line: "close 4000 reason=bye", as in a scenario. */
int sim_fault_line(struct sim *, struct vtime now, const char *line,
    char *err, size_t errlen);
/* Every fault with its arguments and help: [{name, help, args: [...]}]. */
json_t *sim_fault_catalog(void);
/* Changes settings from a JSON object (numbers, or strings as on the
 * command line); all or nothing; 0 or -1 with err. */
int sim_set(struct sim *, struct vtime now, json_t *obj, char *err,
    size_t errlen);
/* Replaces the running scenario with text (see scenario.c for the syntax);
 * its offsets count from now. The number of lines, or -1 with err. */
int sim_scenario_load(struct sim *, struct vtime now, const char *text,
    char *err, size_t errlen);

json_t *sim_counters_json(const struct sim *, struct vtime now);
json_t *sim_sessions_json(const struct sim *, struct vtime now);
json_t *sim_settings_json(const struct sim *);

#endif
