/* zlib-stream: one deflate stream, messages cut at Z_SYNC_FLUSH. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "net/inflate.h"

/* Compresses msg onto the shared stream, ending with the flush suffix. */
static size_t
deflate_msg(z_stream *zs, const char *msg, unsigned char *out, size_t cap)
{
	zs->next_in = (unsigned char *)(uintptr_t)msg;
	zs->avail_in = (uInt)strlen(msg);
	zs->next_out = out;
	zs->avail_out = (uInt)cap;
	assert_int_equal(deflate(zs, Z_SYNC_FLUSH), Z_OK);
	return cap - zs->avail_out;
}

static void
stream_of_messages(void **state)
{
	static const char *msgs[] = {
		"{\"op\":10,\"d\":{\"heartbeat_interval\":41250}}",
		"{\"op\":0,\"s\":1,\"t\":\"READY\",\"d\":{\"session_id\":\"abc\"}}",
		"{\"op\":11}",
		"{\"op\":0,\"s\":2,\"t\":\"MESSAGE_CREATE\",\"d\":{\"content\":\"!ping\"}}",
	};
	unsigned char buf[4096];
	z_stream zs;
	struct zin z;
	char err[96];

	(void)state;
	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit(&zs, Z_DEFAULT_COMPRESSION), Z_OK);
	assert_int_equal(zin_init(&z, false), 0);
	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		size_t n = deflate_msg(&zs, msgs[i], buf, sizeof(buf));
		const char *out;
		size_t outlen;
		assert_true(zin_complete(buf, n));
		assert_false(zin_complete(buf, n - 1));
		assert_int_equal(zin_message(&z, buf, n, &out, &outlen, err, sizeof(err)), 0);
		assert_int_equal(outlen, strlen(msgs[i]));
		assert_memory_equal(out, msgs[i], outlen);
	}
	deflateEnd(&zs);
	zin_free(&z);
}

static void
big_message_grows(void **state)
{
	static char big[200000];
	static unsigned char buf[250000];
	z_stream zs;
	struct zin z;
	const char *out;
	size_t n, outlen;
	char err[96];

	(void)state;
	for (size_t i = 0; i < sizeof(big) - 1; i++)
		big[i] = (char)('a' + (i * 7 + i / 13) % 26);
	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit(&zs, 1), Z_OK);
	n = deflate_msg(&zs, big, buf, sizeof(buf));
	assert_int_equal(zin_init(&z, false), 0);
	assert_int_equal(zin_message(&z, buf, n, &out, &outlen, err, sizeof(err)), 0);
	assert_int_equal(outlen, sizeof(big) - 1);
	assert_memory_equal(out, big, outlen);
	deflateEnd(&zs);
	zin_free(&z);
}

static void
garbage_fails(void **state)
{
	static const unsigned char junk[] = { 1, 2, 3, 4, 5, 6, 0, 0, 0xff, 0xff };
	struct zin z;
	const char *out;
	size_t outlen;
	char err[96];

	(void)state;
	assert_int_equal(zin_init(&z, false), 0);
	assert_int_equal(zin_message(&z, junk, sizeof(junk), &out, &outlen, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "inflate"));
	zin_free(&z);
}

/* A decompression bomb: 17 MB of zeros deflate to about 17 KB; the message
 * is refused at ZIN_OUT_MAX, not inflated whole. */
static void
bomb_refused(void **state)
{
	size_t big = ZIN_OUT_MAX + (1u << 20), cap = big / 500;
	char *zeros = calloc(1, big);
	unsigned char *buf = malloc(cap);
	z_stream zs;
	struct zin z;
	const char *out;
	size_t outlen;
	char err[96];

	(void)state;
	assert_non_null(zeros);
	assert_non_null(buf);
	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit(&zs, 9), Z_OK);
	zs.next_in = (unsigned char *)zeros;
	zs.avail_in = (uInt)big;
	zs.next_out = buf;
	zs.avail_out = (uInt)cap;
	assert_int_equal(deflate(&zs, Z_SYNC_FLUSH), Z_OK);
	assert_int_equal(zs.avail_in, 0);
	assert_int_equal(zin_init(&z, false), 0);
	assert_int_equal(zin_message(&z, buf, cap - zs.avail_out, &out, &outlen, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "over"));
	deflateEnd(&zs);
	zin_free(&z);
	free(buf);
	free(zeros);
}

/* zstd-stream: one compression stream, each message flushed, each
 * decompressed whole; its window carries over (later messages refer back). */
static void
zstd_stream_of_messages(void **state)
{
	static const char *msgs[] = {
		"{\"op\":10,\"d\":{\"heartbeat_interval\":41250}}",
		"{\"op\":0,\"s\":1,\"t\":\"MESSAGE_CREATE\",\"d\":{\"content\":\"!ping\"}}",
		"{\"op\":0,\"s\":2,\"t\":\"MESSAGE_CREATE\",\"d\":{\"content\":\"!ping\"}}",
		"",
	};
	unsigned char buf[4096];
	ZSTD_CCtx *zc = ZSTD_createCCtx();
	struct zin z;
	const char *out;
	size_t outlen;
	char err[96];

	(void)state;
	assert_non_null(zc);
	assert_int_equal(zin_init(&z, true), 0);
	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		ZSTD_inBuffer in = { msgs[i], strlen(msgs[i]), 0 };
		ZSTD_outBuffer ob = { buf, sizeof(buf), 0 };
		assert_int_equal(ZSTD_compressStream2(zc, &ob, &in, ZSTD_e_flush), 0);
		assert_int_equal(zin_message(&z, buf, ob.pos, &out, &outlen, err, sizeof(err)), 0);
		assert_int_equal(outlen, strlen(msgs[i]));
		assert_memory_equal(out, msgs[i], outlen);
	}
	/* Not zstd at all. */
	assert_int_equal(zin_message(&z, (const unsigned char *)"garbage!", 8, &out, &outlen,
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "zstd"));
	ZSTD_freeCCtx(zc);
	zin_free(&z);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stream_of_messages),
		cmocka_unit_test(big_message_grows),
		cmocka_unit_test(garbage_fails),
		cmocka_unit_test(bomb_refused),
		cmocka_unit_test(zstd_stream_of_messages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
