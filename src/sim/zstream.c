/* zlib-stream and zstd-stream: see zstream.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/zstream.h"

int
sim_zstream_init(struct zstream *zs, bool zstd)
{
	memset(zs, 0, sizeof(*zs));
	zs->zstd = zstd;
	if (zstd) {
		if ((zs->zc = ZSTD_createCCtx()) == NULL)
			return -1;
	} else if (deflateInit(&zs->z, Z_DEFAULT_COMPRESSION) != Z_OK) {
		return -1;
	}
	zs->ready = true;
	return 0;
}

/* One zstd-stream message: everything of it flushed out. */
static unsigned char *
zstd_message(struct zstream *zs, const char *in, size_t len, size_t headroom,
    size_t *outlen)
{
	size_t cap = headroom + ZSTD_compressBound(len) + 16, left;
	unsigned char *buf = malloc(cap);
	ZSTD_inBuffer src = { in, len, 0 };
	ZSTD_outBuffer dst;

	if (buf == NULL)
		return NULL;
	dst = (ZSTD_outBuffer){ buf + headroom, cap - headroom, 0 };
	left = ZSTD_compressStream2(zs->zc, &dst, &src, ZSTD_e_flush);
	/* The bound leaves room for all of it: anything left is an error. */
	if (ZSTD_isError(left) || left != 0) {
		free(buf);
		return NULL;
	}
	*outlen = dst.pos;
	return buf;
}

/* One zlib-stream message, ending in the Z_SYNC_FLUSH marker. */
static unsigned char *
zlib_message(struct zstream *zs, const char *in, size_t len, size_t headroom,
    size_t *outlen)
{
	size_t cap = headroom + deflateBound(&zs->z, (uLong)len) + 16;
	unsigned char *buf = malloc(cap), *nbuf;
	size_t used = headroom;
	int rc;

	if (buf == NULL)
		goto fail;
	zs->z.next_in = (Bytef *)(uintptr_t)in;
	zs->z.avail_in = (uInt)len;
	for (;;) {
		zs->z.next_out = buf + used;
		zs->z.avail_out = (uInt)(cap - used);
		rc = deflate(&zs->z, Z_SYNC_FLUSH);
		used = cap - zs->z.avail_out;
		if (rc != Z_OK && rc != Z_BUF_ERROR)
			goto fail;
		/* Done once deflate left room: the flush marker is out. */
		if (zs->z.avail_out != 0)
			break;
		cap *= 2;
		if ((nbuf = realloc(buf, cap)) == NULL)
			goto fail;
		buf = nbuf;
	}
	*outlen = used - headroom;
	return buf;
fail:
	free(buf);
	return NULL;
}

unsigned char *
sim_zstream_message(struct zstream *zs, const char *in, size_t len,
    size_t headroom, size_t *outlen)
{
	if (!zs->ready)
		return NULL;
	return zs->zstd ? zstd_message(zs, in, len, headroom, outlen) :
	    zlib_message(zs, in, len, headroom, outlen);
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
