/*
 * Functions shared between the files of the bot core, not part of its
 * public face (bot.h). Nothing outside src/bot includes this.
 */
#ifndef VIGIL_BOT_BOT_INTERNAL_H
#define VIGIL_BOT_BOT_INTERNAL_H

#include "bot/bot.h"

/* REST request tags: who gets the response. */
enum { TAG_USER = 1, TAG_GATEWAY_BOT = 2, TAG_CALL = 3 };

/* bot.c: the action FIFO. */
void act_open(struct bot *b, const char *url);
void act_send(struct bot *b, char *payload, size_t len);
void act_close(struct bot *b, int code, const char *reason);
void act_persist(struct bot *b);
void act_alert(struct bot *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void act_permit(struct bot *b, uint64_t id, int shard, int key);
/* Marks the SEND just queued as the IDENTIFY (for the cluster's key). */
void act_mark_identify(struct bot *b);
/* Sends a payload on the current connection under the send limit.
 * Takes ownership of text. 0, or -1 (refused and logged). */
int bot_send_now(struct bot *b, struct vtime now, char *text, size_t len, bool priority);

/* A REST request ended (or was failed by the queue after a 401). */
void bot_http_done(struct bot *b, struct vtime now, const struct rlq_done *done, const char *body,
    size_t len);
/* Hands out what may go now: REST requests and queued gateway payloads. */
void bot_pump(struct bot *b, struct vtime now);
/* session.c: waiting for its turn in the identify queue. */
bool bot_queued(const struct bot *b);

/* session.c: the connection state machine. */
void session_start(struct bot *b, struct vtime now);
void session_opened(struct bot *b, struct vtime now);
void session_closed(struct bot *b, struct vtime now, int code, const char *reason);
void session_frame(struct bot *b, struct vtime now, const struct frame *f);
void session_fetched(struct bot *b, struct vtime now, const struct rlq_done *done,
    const char *body, size_t len);
void session_tick(struct bot *b, struct vtime now);
int session_cmd_resume(struct bot *b, struct vtime now, char *err, size_t errlen);
int session_cmd_reconnect(struct bot *b, struct vtime now, char *err, size_t errlen);
int session_cmd_stop(struct bot *b, struct vtime now, char *err, size_t errlen);
int session_cmd_logout(struct bot *b, struct vtime now, char *err, size_t errlen);
bool session_has(const struct bot *b);
/* Opens the connection that will IDENTIFY (session.c). */
void session_open_for_identify(struct bot *b, struct vtime now);
void session_wait(struct bot *b, struct vtime now, enum bot_wait why, int64_t ms);

/* permit.c: the cluster's identify permit. */
/* Asks the cluster when the bot is in one, else opens at once. */
void permit_then_open(struct bot *b, struct vtime now);
/* PHASE_PERMIT's deadline passed: as an unreachable store. */
void permit_timed_out(struct bot *b, struct vtime now);
void permit_answer(struct bot *b, struct vtime now, uint64_t permit_id,
    const struct bot_permit *p);

/* payload.c: outbound gateway payloads (malloc'd JSON text, or NULL). */
char *payload_identify(const struct bot *b, size_t *len);
char *payload_resume(const struct bot *b, size_t *len);
char *payload_heartbeat(const struct bot *b, size_t *len);
/* "base/?v=10&encoding=json[&compress=zlib-stream]" into out. */
/* compress: "zlib-stream", "zstd-stream", or NULL for none. */
void payload_gateway_url(const char *base, const char *compress, char *out, size_t outlen);

/* Queues a REST request with its tag and ud (rlq_submit) and hands out
 * what may go now. 0, or -1 with a message. */
int bot_submit(struct bot *b, struct vtime now, const char *method, const char *path,
    const char *body, int tag, void *ud, char *err, size_t errlen);

/* rest-call.c: bot_rest_call's callbacks. */
void rest_call_done(struct bot *b, struct vtime now, const struct rlq_done *done,
    const char *body, size_t len);
void rest_calls_free(struct bot *b);
/* The shard whose list holds the call (a TAG_CALL request's ud). */
struct bot *rest_call_owner(const void *ud);

#endif
