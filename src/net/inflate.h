/*
 * Transport compression (docs/protocol.md §1.13): one decompression stream
 * for the whole connection, and the output buffer reused for every message
 * and bounded. zlib-stream: every gateway message ends with the
 * Z_SYNC_FLUSH suffix 00 00 ff ff (a message may come in several). zstd-
 * stream: one zstd stream, every message flushed, so each websocket message
 * decompresses whole.
 */
#ifndef VIGIL_NET_INFLATE_H
#define VIGIL_NET_INFLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zlib.h>
#include <zstd.h>

#define ZIN_OUT_MAX (16u << 20)         /* the same bound as a frame */

struct zin {
	bool zstd;
	z_stream zs;
	ZSTD_DCtx *zd;
	bool live;
	char *out;                      /* the last message, reused */
	size_t cap;
	uint64_t in_bytes, out_bytes;
};

/* A fresh stream (one per connection): zstd-stream when zstd, else
 * zlib-stream. 0, or -1 when out of memory. */
int zin_init(struct zin *z, bool zstd);
void zin_free(struct zin *z);
/* zlib-stream: true when buf ends with the flush suffix (a message is
 * complete). */
bool zin_complete(const unsigned char *buf, size_t len);
/* Inflates the compressed bytes of one complete message. 0 with the text in
 * out and outlen (borrowed until the next call), or -1 with a message (the
 * stream is then unusable: close the connection). */
int zin_message(struct zin *z, const unsigned char *in, size_t len, const char **out,
    size_t *outlen, char *err, size_t errlen);

#endif
