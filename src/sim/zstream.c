/* zlib-stream: see zstream.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/zstream.h"

int
sim_zstream_init(struct zstream *zs)
{
	memset(zs, 0, sizeof(*zs));
	if (deflateInit(&zs->z, Z_DEFAULT_COMPRESSION) != Z_OK)
		return -1;
	zs->ready = true;
	return 0;
}

unsigned char *
sim_zstream_message(struct zstream *zs, const char *in, size_t len,
    size_t headroom, size_t *outlen)
{
	size_t cap = headroom + deflateBound(&zs->z, (uLong)len) + 16;
	unsigned char *buf = malloc(cap), *nbuf;
	size_t used = headroom;
	int rc;

	if (buf == NULL || !zs->ready)
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

void
sim_zstream_end(struct zstream *zs)
{
	if (zs->ready)
		deflateEnd(&zs->z);
	zs->ready = false;
}
