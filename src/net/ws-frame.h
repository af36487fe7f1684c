/*
 * RFC 6455 framing for a websocket client, sans I/O (docs/gateway-transport.md):
 * no socket, no clock, no randomness. The transport feeds it whatever bytes
 * it read and takes back whole messages and control frames; it frames what
 * the client sends, masked with a key the caller chooses.
 *
 * Receiving parses whole buffers: a frame that lies entirely inside the
 * buffer fed is handed out in place, with no copy. Only a frame cut by the
 * end of a read is copied (into `part`), and only the fragments of a
 * fragmented message are gathered (into `msg`). Both buffers are bounded by
 * the message limit given to wsf_rx_init.
 *
 * Server frames must be unmasked, RSV bits clear (no extension is
 * negotiated), control frames final and at most 125 bytes, a 64-bit length
 * must have its top bit clear, and fragments must follow the rules of
 * §5.4 (control frames may come between them). Text is not checked for
 * UTF-8 here: the JSON check above it does that (src/bot/frame-check.c).
 */
#ifndef VIGIL_NET_WS_FRAME_H
#define VIGIL_NET_WS_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WSF_HDR_MAX      14            /* 2 + 8 (64-bit length) + 4 (mask) */
#define WSF_CONTROL_MAX  125
/* Close codes a client sends when the server breaks the protocol. */
#define WSF_CLOSE_PROTOCOL  1002
#define WSF_CLOSE_TOO_BIG   1009
/* A close frame without a code (RFC 6455 §7.1.5: "no status received"). */
#define WSF_CLOSE_NO_CODE   1005

enum wsf_op {
	WSF_CONT = 0x0, WSF_TEXT = 0x1, WSF_BINARY = 0x2,
	WSF_CLOSE = 0x8, WSF_PING = 0x9, WSF_PONG = 0xA,
	WSF_TOO_BIG = 0x100,            /* not an opcode: a message over the bound was skipped */
};

/* One message or control frame, or WSF_TOO_BIG with the length of a
 * message that was over the bound: its bytes were passed over unread (not
 * kept, not copied), and the stream goes on after it. data is borrowed:
 * valid until the next wsf_rx_next or wsf_rx_feed. */
struct wsf_msg {
	enum wsf_op op;                 /* TEXT, BINARY, CLOSE, PING or PONG */
	const unsigned char *data;
	size_t len;
	int close_code;                 /* CLOSE: the code, or WSF_CLOSE_NO_CODE */
	const unsigned char *reason;    /* CLOSE: the reason's bytes (not checked) */
	size_t reason_len;
};

struct wsf_rx {
	size_t max;                     /* a message's bound */
	const unsigned char *in;        /* the buffer being fed (borrowed) */
	size_t inlen, inpos;
	unsigned char *part;            /* one frame cut by the end of a buffer */
	size_t partlen, partcap;
	bool part_ready;                /* part holds a whole frame to hand out */
	unsigned char *msg;             /* fragments of the message under way */
	size_t msglen, msgcap;
	enum wsf_op msg_op;             /* WSF_CONT when no message is under way */
	bool dropping;                  /* the message under way is over the bound */
	bool skipping, skip_fin;        /* passing over a frame's payload */
	uint64_t skip, dropped;         /* bytes left of it; bytes of the message */
	bool dead;                      /* a protocol error: nothing more is parsed */
	uint64_t frames, copied;        /* frames parsed; bytes copied into part */
};

void wsf_rx_init(struct wsf_rx *rx, size_t max);
void wsf_rx_free(struct wsf_rx *rx);
/* Hands the parser the next bytes read. buf is borrowed until wsf_rx_next
 * returns 0 (by then whatever it still needs is copied). */
void wsf_rx_feed(struct wsf_rx *rx, const void *buf, size_t len);
/* 1 with the next message or control frame in m; 0 when the bytes fed are
 * used up; -1 when the server broke the protocol, with the close code to
 * send in *code (1002, or 1009 when out of memory) and a message. Once -1,
 * always -1. */
int wsf_rx_next(struct wsf_rx *rx, struct wsf_msg *m, int *code, char *err, size_t errlen);

/* Frames payload as one final frame of opcode op, masked with mask, into
 * out (at least len + WSF_HDR_MAX bytes). Returns the frame's length. */
size_t wsf_write(unsigned char *out, enum wsf_op op, const void *payload, size_t len,
    const uint8_t mask[4]);
/* A close frame with code and reason (cut to fit 125 bytes) into out (at
 * least WSF_HDR_MAX + WSF_CONTROL_MAX bytes); code < 0 sends no code. */
size_t wsf_write_close(unsigned char *out, int code, const char *reason, const uint8_t mask[4]);

#endif
