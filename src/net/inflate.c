/*
 * zlib-stream inflate and zstd-stream decompression. The stream keeps its
 * dictionary (its window) across messages, so it lives as long as the
 * connection and is never reset in between.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/inflate.h"

int
zin_init(struct zin *z, bool zstd)
{
	memset(z, 0, sizeof(*z));
	z->zstd = zstd;
	if (zstd ? (z->zd = ZSTD_createDCtx()) == NULL : inflateInit(&z->zs) != Z_OK)
		return -1;
	z->live = true;
	return 0;
}

void
zin_free(struct zin *z)
{
	if (z->live && z->zstd)
		ZSTD_freeDCtx(z->zd);
	else if (z->live)
		inflateEnd(&z->zs);
	free(z->out);
	memset(z, 0, sizeof(*z));
}

bool
zin_complete(const unsigned char *buf, size_t len)
{
	return len >= 4 && buf[len - 4] == 0x00 && buf[len - 3] == 0x00 &&
	    buf[len - 2] == 0xff && buf[len - 1] == 0xff;
}

/* Doubles the output buffer up to the bound. 0, or -1. */
static int
grow(struct zin *z)
{
	size_t cap = z->cap ? z->cap * 2 : 16384;
	char *p;

	if (z->cap >= ZIN_OUT_MAX)
		return -1;
	if (cap > ZIN_OUT_MAX)
		cap = ZIN_OUT_MAX;
	p = realloc(z->out, cap);
	if (p == NULL)
		return -1;
	z->out = p;
	z->cap = cap;
	return 0;
}

/* One zstd-stream message: all its input in, until nothing more comes out. */
static int
unzstd(struct zin *z, const unsigned char *in, size_t len, size_t *have, char *err,
    size_t errlen)
{
	ZSTD_inBuffer src = { in, len, 0 };
	ZSTD_outBuffer dst;
	size_t rc;

	do {
		if (*have == z->cap && grow(z) < 0) {
			snprintf(err, errlen, "decompressed message over %u bytes", ZIN_OUT_MAX);
			return -1;
		}
		dst = (ZSTD_outBuffer){ z->out, z->cap, *have };
		rc = ZSTD_decompressStream(z->zd, &dst, &src);
		*have = dst.pos;
		if (ZSTD_isError(rc)) {
			snprintf(err, errlen, "zstd: %s", ZSTD_getErrorName(rc));
			return -1;
		}
	} while (src.pos < src.size || dst.pos == dst.size);
	return 0;
}

/* One zlib-stream message (or the part of one that came). */
static int
unzlib(struct zin *z, const unsigned char *in, size_t len, size_t *out_have, char *err,
    size_t errlen)
{
	size_t have = 0;
	int rc;

	z->zs.next_in = (unsigned char *)(uintptr_t)in;
	z->zs.avail_in = (uInt)len;
	do {
		if (have == z->cap && grow(z) < 0) {
			snprintf(err, errlen, "inflated message over %u bytes", ZIN_OUT_MAX);
			return -1;
		}
		z->zs.next_out = (unsigned char *)z->out + have;
		z->zs.avail_out = (uInt)(z->cap - have);
		rc = inflate(&z->zs, Z_SYNC_FLUSH);
		have = z->cap - z->zs.avail_out;
		if (rc == Z_BUF_ERROR && z->zs.avail_out > 0)
			break;  /* no progress possible: all input consumed */
		if (rc != Z_OK) {
			snprintf(err, errlen, "inflate: %s", z->zs.msg ? z->zs.msg : zError(rc));
			return -1;
		}
	} while (z->zs.avail_in > 0 || z->zs.avail_out == 0);
	*out_have = have;
	return 0;
}

int
zin_message(struct zin *z, const unsigned char *in, size_t len, const char **out,
    size_t *outlen, char *err, size_t errlen)
{
	size_t have = 0;

	if (!z->live) {
		snprintf(err, errlen, "decompression stream not initialised");
		return -1;
	}
	if ((z->zstd ? unzstd(z, in, len, &have, err, errlen) :
	    unzlib(z, in, len, &have, err, errlen)) < 0)
		return -1;
	z->in_bytes += len;
	z->out_bytes += have;
	*out = z->out;
	*outlen = have;
	return 0;
}
