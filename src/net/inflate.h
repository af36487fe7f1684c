/*
 * Transport compression, zlib-stream (docs/protocol.md §1.13): one inflate
 * stream for the whole connection; every gateway message ends with the
 * Z_SYNC_FLUSH suffix 00 00 ff ff. The output buffer is reused for every
 * message and bounded.
 */
#ifndef VIGIL_NET_INFLATE_H
#define VIGIL_NET_INFLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zlib.h>

#define ZIN_OUT_MAX (16u << 20)         /* the same bound as a frame */

struct zin {
	z_stream zs;
	bool live;
	char *out;                      /* the last message, reused */
	size_t cap;
	uint64_t in_bytes, out_bytes;
};

/* A fresh stream (one per connection). 0, or -1 when out of memory. */
int zin_init(struct zin *z);
void zin_free(struct zin *z);
/* True when buf ends with the flush suffix: a message is complete. */
bool zin_complete(const unsigned char *buf, size_t len);
/* Inflates the compressed bytes of one complete message. 0 with the text in
 * out and outlen (borrowed until the next call), or -1 with a message (the
 * stream is then unusable: close the connection). */
int zin_message(struct zin *z, const unsigned char *in, size_t len, const char **out,
    size_t *outlen, char *err, size_t errlen);

#endif
