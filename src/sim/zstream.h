/*
 * Transport compression (docs/protocol.md §1.13), server side: one stream per
 * connection for its whole life. zlib-stream: deflate, each message flushed
 * with Z_SYNC_FLUSH so it ends in 00 00 ff ff and the client can inflate it
 * at once. zstd-stream: one zstd stream, each message flushed (ZSTD_e_flush),
 * so each decompresses whole on arrival. Kept out of the core, which speaks
 * plain text.
 */
#ifndef VIGIL_SIM_ZSTREAM_H
#define VIGIL_SIM_ZSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <zlib.h>
#include <zstd.h>

struct zstream {
	bool zstd;
	z_stream z;
	ZSTD_CCtx *zc;
	bool ready;
};

/* zstd: zstd-stream, else zlib-stream. 0, or -1. */
int sim_zstream_init(struct zstream *, bool zstd);
/*
 * Compresses one message into a new buffer with headroom free bytes in
 * front of the data (lws wants LWS_PRE); *outlen gets the data's length.
 * NULL on failure. The caller frees the buffer.
 */
unsigned char *sim_zstream_message(struct zstream *, const char *in, size_t len,
    size_t headroom, size_t *outlen);
void sim_zstream_end(struct zstream *);

#endif
