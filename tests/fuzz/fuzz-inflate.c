/*
 * Transport compression (src/net/inflate.h): what a compressing gateway
 * sends is untrusted bytes, decompressed before any parser sees them.
 *
 *  - Raw (first byte 0 mod 4): the input is a zlib stream, cut into
 *    messages after each 00 00 ff ff suffix. Every message inflates to at
 *    most ZIN_OUT_MAX bytes, or the call fails with a message (and the
 *    stream is then dropped, as the gateway client drops the connection).
 *  - Round trip (first byte odd): the rest of the input is cut into up to
 *    eight messages, each deflated with Z_SYNC_FLUSH on one stream, as
 *    Discord does; each inflates back to exactly its text.
 *  - zstd-stream raw (first byte 2 mod 4): the input cut in two, as two
 *    messages of one zstd stream: each decompresses within ZIN_OUT_MAX or
 *    fails with a message.
 * The 16 MB bound itself is not reached from a fuzz input of a few KB
 * (deflate expands at most about 1000 times); tests/unit covers it.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "net/inflate.h"
#include "fuzz.h"

#define MAX_PARTS 8

static void
raw(const unsigned char *in, size_t len)
{
	struct zin z;
	const char *out;
	char err[160];
	size_t start = 0, outlen;

	FUZZ_CHECK(zin_init(&z, false) == 0, "zin_init");
	for (size_t i = 0; i < len; i++) {
		if (!zin_complete(in + start, i + 1 - start) && i + 1 != len)
			continue;
		err[0] = '\0';
		if (zin_message(&z, in + start, i + 1 - start, &out, &outlen, err, sizeof(err)) < 0) {
			FUZZ_CHECK(err[0] != '\0', "inflate failed without a reason");
			break;
		}
		FUZZ_CHECK(outlen <= ZIN_OUT_MAX && (outlen == 0 || out != NULL), "%zu bytes out",
		    outlen);
		start = i + 1;
	}
	zin_free(&z);
}

/* Deflates in[0..len) as one message of the stream; the bytes in *buf. */
static size_t
deflate_part(z_stream *zs, const unsigned char *in, size_t len, unsigned char **buf)
{
	size_t cap = deflateBound(zs, (uLong)len) + 16;

	*buf = malloc(cap);
	FUZZ_CHECK(*buf != NULL, "out of memory");
	zs->next_in = (unsigned char *)(uintptr_t)in;
	zs->avail_in = (uInt)len;
	zs->next_out = *buf;
	zs->avail_out = (uInt)cap;
	FUZZ_CHECK(deflate(zs, Z_SYNC_FLUSH) == Z_OK && zs->avail_in == 0, "deflate");
	return cap - zs->avail_out;
}

static void
round_trip(uint8_t cuts, const unsigned char *in, size_t len)
{
	z_stream zs;
	struct zin z;
	size_t start = 0;

	memset(&zs, 0, sizeof(zs));
	FUZZ_CHECK(deflateInit(&zs, Z_DEFAULT_COMPRESSION) == Z_OK, "deflateInit");
	FUZZ_CHECK(zin_init(&z, false) == 0, "zin_init");
	for (int part = 0;; part++) {
		/* A set bit of the first byte sends half of what is left, a
		 * clear one the rest: parts of varied sizes. */
		bool half = part < MAX_PARTS - 1 && ((cuts >> part) & 1) != 0;
		size_t n = half ? (len - start) / 2 : len - start;
		unsigned char *buf;
		const char *out;
		char err[160];
		size_t blen, outlen;

		/* Nothing to send is no message (a flush of nothing makes no
		 * progress, and Discord sends no empty frame). */
		if (n == 0) {
			if (!half)
				break;
			continue;
		}
		blen = deflate_part(&zs, in + start, n, &buf);

		FUZZ_CHECK(zin_complete(buf, blen), "no flush suffix after part %d", part);
		FUZZ_CHECK(zin_message(&z, buf, blen, &out, &outlen, err, sizeof(err)) == 0,
		    "part %d: %s", part, err);
		FUZZ_CHECK(outlen == n && (n == 0 || memcmp(out, in + start, n) == 0),
		    "part %d: %zu bytes back, %zu sent", part, outlen, n);
		free(buf);
		start += n;
		if (!half)
			break;
	}
	deflateEnd(&zs);
	zin_free(&z);
}

/* zstd-stream: the bytes as messages of one stream, cut in two at `cut`;
 * each decompresses within the bound or fails with a message. */
static void
raw_zstd(size_t cut, const unsigned char *in, size_t len)
{
	struct zin z;
	const char *out;
	char err[160];
	size_t outlen;

	FUZZ_CHECK(zin_init(&z, true) == 0, "zin_init zstd");
	cut = len == 0 ? 0 : cut % len;
	err[0] = '\0';
	if (zin_message(&z, in, cut, &out, &outlen, err, sizeof(err)) < 0 ||
	    zin_message(&z, in + cut, len - cut, &out, &outlen, err, sizeof(err)) < 0)
		FUZZ_CHECK(err[0] != '\0', "zstd failed without a reason");
	else
		FUZZ_CHECK(outlen <= ZIN_OUT_MAX, "%zu bytes out", outlen);
	zin_free(&z);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if ((data[0] & 3) == 2)
		raw_zstd(data[0] >> 2, data + 1, size - 1);
	else if (data[0] & 1)
		round_trip(data[0] >> 1, data + 1, size - 1);
	else
		raw(data + 1, size - 1);
	return 0;
}
