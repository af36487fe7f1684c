/*
 * A small blocking websocket client for integration tests, on its own lws
 * context: connect, send text, wait (bounded) for the next message or the
 * close, and close with a code or drop without a close frame. Binary
 * messages are decompressed when the client asked for zlib-stream or
 * zstd-stream.
 */
#ifndef VIGIL_TEST_WS_CLIENT_H
#define VIGIL_TEST_WS_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct wsc;

enum wsc_event { WSC_MESSAGE, WSC_CLOSED, WSC_TIMEOUT };

/* Connects to ws://127.0.0.1:port + path; NULL if the handshake fails
 * within timeout_ms (refused, stalled, rejected). */
struct wsc *wsc_connect(int port, const char *path, int timeout_ms);
/* As wsc_connect, but *failed_fast says whether it failed before the
 * timeout (a refusal) rather than by timing out (a stall). */
struct wsc *wsc_connect2(int port, const char *path, int timeout_ms,
    bool *failed_fast);
void wsc_free(struct wsc *);
int wsc_send(struct wsc *, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Sends raw bytes as one text message. */
int wsc_send_raw(struct wsc *, const char *data, size_t len);
/* Sends a ping (payload up to 125 bytes); wsc_pongs() counts the pongs. */
int wsc_ping(struct wsc *, const char *payload);
unsigned long wsc_pongs(const struct wsc *);
/* The next message (caller frees *msg), or WSC_CLOSED, or WSC_TIMEOUT. */
enum wsc_event wsc_recv(struct wsc *, int timeout_ms, char **msg,
    size_t *len);
/* The next message parsed; NULL on close, timeout or bad JSON. */
json_t *wsc_recv_json(struct wsc *, int timeout_ms);
/* Skips messages until a dispatch of type t (or op if t is NULL and op
 * >= 0); NULL if the connection closes or the time runs out first. */
json_t *wsc_wait_dispatch(struct wsc *, const char *t, int timeout_ms);
json_t *wsc_wait_op(struct wsc *, int op, int timeout_ms);
/* Waits for the connection to end: the server's close code, -1 for a
 * close without a frame, -2 on timeout. Messages before it are dropped. */
int wsc_wait_closed(struct wsc *, int timeout_ms);
/* Closes with a close frame carrying code; returns at once. */
void wsc_close(struct wsc *, int code);
/* Closes the TCP connection with no close frame. */
void wsc_drop(struct wsc *);
bool wsc_is_closed(const struct wsc *);
/* Messages received so far (also counts ones not yet read). */
unsigned long wsc_messages(const struct wsc *);
size_t wsc_bytes(const struct wsc *);
/* Runs the loop for ms, keeping only the count of messages that arrive. */
void wsc_pump(struct wsc *, int ms, bool keep);
/* Stops (true) or resumes reading the socket, so the server's writes come
 * up short while held. */
void wsc_hold(struct wsc *, bool hold);

#endif
