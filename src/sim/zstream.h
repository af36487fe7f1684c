/*
 * Transport compression (docs/protocol.md §1.13), server side: one stream per
 * connection for its whole life. zlib-stream: deflate, each message flushed
 * with Z_SYNC_FLUSH so it ends in 00 00 ff ff and the client can inflate it
 * at once. zstd-stream: one zstd stream, each message flushed (ZSTD_e_flush),
 * so each decompresses whole. Kept out of the core, which speaks plain text.
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
	bool started;                 /* zlib: its 2-byte header is out */
};

/* zstd: zstd-stream, else zlib-stream. 0, or -1. */
int sim_zstream_init(struct zstream *, bool zstd);
/* The most one message of len bytes can take, compressed and flushed. */
size_t sim_zstream_bound(struct zstream *, size_t len);
/*
 * Compresses one message into out, which has room for at least
 * sim_zstream_bound(len) bytes: its compressed length, or 0 on failure.
 */
size_t sim_zstream_message(struct zstream *, const char *in, size_t len,
    unsigned char *out);
void sim_zstream_end(struct zstream *);

#endif
