/*
 * zlib-stream inflate. The stream keeps its dictionary across messages, so
 * it lives as long as the connection and is never reset in between.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/inflate.h"

int
zin_init(struct zin *z)
{
	memset(z, 0, sizeof(*z));
	if (inflateInit(&z->zs) != Z_OK)
		return -1;
	z->live = true;
	return 0;
}

void
zin_free(struct zin *z)
{
	if (z->live)
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

int
zin_message(struct zin *z, const unsigned char *in, size_t len, const char **out,
    size_t *outlen, char *err, size_t errlen)
{
	size_t have = 0;
	int rc;

	if (!z->live) {
		snprintf(err, errlen, "inflate stream not initialised");
		return -1;
	}
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
	z->in_bytes += len;
	z->out_bytes += have;
	*out = z->out;
	*outlen = have;
	return 0;
}
