/* zlib-stream: one deflate stream, messages cut at Z_SYNC_FLUSH. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
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
	assert_int_equal(zin_init(&z), 0);
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
	assert_int_equal(zin_init(&z), 0);
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
	assert_int_equal(zin_init(&z), 0);
	assert_int_equal(zin_message(&z, junk, sizeof(junk), &out, &outlen, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "inflate"));
	zin_free(&z);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stream_of_messages),
		cmocka_unit_test(big_message_grows),
		cmocka_unit_test(garbage_fails),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
