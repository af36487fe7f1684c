/*
 * zlib-stream transport compression (docs/protocol.md §1.13), server side: one
 * deflate stream per connection for its whole life, each message flushed
 * with Z_SYNC_FLUSH so it ends in 00 00 ff ff and the client can inflate it
 * at once. Kept out of the core, which speaks plain text.
 */
#ifndef VIGIL_SIM_ZSTREAM_H
#define VIGIL_SIM_ZSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <zlib.h>

struct zstream {
	z_stream z;
	bool ready;
};

int sim_zstream_init(struct zstream *);
/*
 * Compresses one message into a new buffer with headroom free bytes in
 * front of the data (lws wants LWS_PRE); *outlen gets the data's length.
 * NULL on failure. The caller frees the buffer.
 */
unsigned char *sim_zstream_message(struct zstream *, const char *in, size_t len,
    size_t headroom, size_t *outlen);
void sim_zstream_end(struct zstream *);

#endif
