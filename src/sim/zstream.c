/* zlib-stream and zstd-stream: see zstream.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/zstream.h"

/*
 * deflateInit()'s own header for a 32 KB window at the default level. The
 * stream is raw deflate behind it: the bytes are the same as a zlib stream's,
 * but deflate skips the Adler-32 of every byte, which only a Z_FINISH trailer
 * would carry and a gateway stream never finishes.
 */
static const unsigned char zlib_header[2] = { 0x78, 0x9c };

/* Slack over the bounds: the flush marker (5 bytes), the header, the odd
 * bits a previous flush left. */
#define ZSTREAM_SLACK 16

int
sim_zstream_init(struct zstream *zs, bool zstd)
{
	memset(zs, 0, sizeof(*zs));
	zs->zstd = zstd;
	if (zstd) {
		if ((zs->zc = ZSTD_createCCtx()) == NULL)
			return -1;
	} else if (deflateInit2(&zs->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15,
	    8, Z_DEFAULT_STRATEGY) != Z_OK) {
		return -1;
	}
	zs->ready = true;
	return 0;
}

size_t
sim_zstream_bound(struct zstream *zs, size_t len)
{
	if (zs->zstd)
		return ZSTD_compressBound(len) + ZSTREAM_SLACK;
	return deflateBound(&zs->z, (uLong)len) + ZSTREAM_SLACK;
}

/* One zstd-stream message: everything of it flushed out. */
static size_t
zstd_message(struct zstream *zs, const char *in, size_t len, unsigned char *out)
{
	ZSTD_inBuffer src = { in, len, 0 };
	ZSTD_outBuffer dst = { out, sim_zstream_bound(zs, len), 0 };
	size_t left = ZSTD_compressStream2(zs->zc, &dst, &src, ZSTD_e_flush);

	/* The bound leaves room for all of it: anything left is an error. */
	return ZSTD_isError(left) || left != 0 ? 0 : dst.pos;
}

/* One zlib-stream message, ending in the Z_SYNC_FLUSH marker. */
static size_t
zlib_message(struct zstream *zs, const char *in, size_t len, unsigned char *out)
{
	size_t cap = sim_zstream_bound(zs, len), used = 0;
	int rc;

	if (!zs->started) {
		memcpy(out, zlib_header, sizeof(zlib_header));
		used = sizeof(zlib_header);
		zs->started = true;
	}
	zs->z.next_in = (Bytef *)(uintptr_t)in;
	zs->z.avail_in = (uInt)len;
	zs->z.next_out = out + used;
	zs->z.avail_out = (uInt)(cap - used);
	rc = deflate(&zs->z, Z_SYNC_FLUSH);
	/* Room left over means the flush marker is out: all of it. */
	if ((rc != Z_OK && rc != Z_BUF_ERROR) || zs->z.avail_out == 0 ||
	    zs->z.avail_in != 0)
		return 0;
	return cap - zs->z.avail_out;
}

size_t
sim_zstream_message(struct zstream *zs, const char *in, size_t len,
    unsigned char *out)
{
	if (!zs->ready)
		return 0;
	return zs->zstd ? zstd_message(zs, in, len, out) :
	    zlib_message(zs, in, len, out);
}

void
sim_zstream_end(struct zstream *zs)
{
	if (zs->ready && zs->zstd)
		ZSTD_freeCCtx(zs->zc);
	else if (zs->ready)
		deflateEnd(&zs->z);
	zs->ready = false;
}
