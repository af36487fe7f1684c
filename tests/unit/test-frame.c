/* The jsmn fast path: envelope, accessors, escapes, big frames, bad input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/frame.h"

static struct frame_decoder dec;
static struct frame fr;
static char err[96];

static int
decode(const char *s)
{
	return frame_decode(&fr, &dec, s, strlen(s), err, sizeof(err));
}

static void
envelope_dispatch(void **state)
{
	(void)state;
	assert_int_equal(decode("{\"t\":\"MESSAGE_CREATE\",\"s\":42,\"op\":0,"
	    "\"d\":{\"content\":\"!ping\",\"channel_id\":\"123456789012345678\"}}"), 0);
	assert_int_equal(fr.op, 0);
	assert_true(fr.has_s);
	assert_int_equal(fr.s, 42);
	assert_string_equal(fr.t, "MESSAGE_CREATE");
	assert_true(frame_streq(&fr, frame_get(&fr, fr.d, "content"), "!ping"));
	uint64_t ch = 0;
	assert_true(frame_u64(&fr, frame_get(&fr, fr.d, "channel_id"), &ch));
	assert_true(ch == 123456789012345678ULL);
}

static void
envelope_null_fields(void **state)
{
	(void)state;
	assert_int_equal(decode("{\"op\":11,\"d\":null,\"s\":null,\"t\":null}"), 0);
	assert_int_equal(fr.op, 11);
	assert_false(fr.has_s);
	assert_string_equal(fr.t, "");
	assert_true(frame_is_null(&fr, fr.d));
	assert_int_equal(decode("{\"op\":11}"), 0);
	assert_int_equal(fr.d, -1);
}

static void
nested_and_arrays(void **state)
{
	(void)state;
	assert_int_equal(decode("{\"op\":0,\"t\":\"X\",\"s\":1,\"d\":{\"a\":[1,{\"b\":[2,3]},4],"
	    "\"author\":{\"id\":\"77\",\"bot\":true,\"name\":\"x\"},\"z\":5}}"), 0);
	int arr = frame_get(&fr, fr.d, "a");
	assert_int_equal(frame_count(&fr, arr), 3);
	int e = frame_first(&fr, arr);
	int64_t v;
	assert_true(frame_i64(&fr, e, &v));
	assert_int_equal(v, 1);
	e = frame_skip(&fr, e);
	assert_int_equal(frame_count(&fr, frame_get(&fr, e, "b")), 2);
	e = frame_skip(&fr, e);
	assert_true(frame_i64(&fr, e, &v));
	assert_int_equal(v, 4);
	/* Skipping the nested array must land on the key after it. */
	assert_true(frame_i64(&fr, frame_get(&fr, fr.d, "z"), &v));
	assert_int_equal(v, 5);
	bool b = false;
	assert_true(frame_bool(&fr, frame_get(&fr, fr.d, "author.bot"), &b));
	assert_true(b);
	uint64_t id;
	assert_true(frame_u64(&fr, frame_get(&fr, fr.d, "author.id"), &id));
	assert_true(id == 77);
	assert_int_equal(frame_get(&fr, fr.d, "author.missing"), -1);
	assert_int_equal(frame_get(&fr, fr.d, "nope.id"), -1);
}

static void
string_escapes(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(decode("{\"op\":0,\"d\":{\"s\":\"a\\\"b\\\\c\\n\\u00e9\\ud83d\\ude00\\u65e5\"}}"), 0);
	int n = frame_copy_str(&fr, frame_get(&fr, fr.d, "s"), out, sizeof(out));
	assert_string_equal(out, "a\"b\\c\n\xc3\xa9\xf0\x9f\x98\x80\xe6\x97\xa5");
	assert_int_equal(n, (int)strlen(out));
}

static void
truncation_keeps_whole_characters(void **state)
{
	char out[6];

	(void)state;
	/* "ab" + 日 (3 bytes) + 本 (3 bytes): only "ab日" fits in 6 with the NUL. */
	assert_int_equal(decode("{\"op\":0,\"d\":{\"s\":\"ab\xe6\x97\xa5\xe6\x9c\xac\"}}"), 0);
	assert_int_equal(frame_copy_str(&fr, frame_get(&fr, fr.d, "s"), out, sizeof(out)), 5);
	assert_string_equal(out, "ab\xe6\x97\xa5");
	assert_int_equal(decode("{\"op\":0,\"d\":{\"s\":\"x\\u65e5\\u672c\"}}"), 0);
	assert_int_equal(frame_copy_str(&fr, frame_get(&fr, fr.d, "s"), out, 6), 4);
}

static void
big_frame_grows_once(void **state)
{
	size_t n = 2000, cap = n * 16 + 64;
	char *buf = malloc(cap);
	size_t w = 0;

	(void)state;
	w += (size_t)snprintf(buf + w, cap - w, "{\"op\":0,\"t\":\"GUILD_CREATE\",\"s\":7,\"d\":{\"m\":[");
	for (size_t i = 0; i < n; i++)
		w += (size_t)snprintf(buf + w, cap - w, "%s%zu", i ? "," : "", i);
	snprintf(buf + w, cap - w, "],\"last\":9}}");
	uint64_t grown = dec.grown;
	assert_int_equal(decode(buf), 0);
	assert_int_equal(frame_count(&fr, frame_get(&fr, fr.d, "m")), (int)n);
	int64_t v;
	assert_true(frame_i64(&fr, frame_get(&fr, fr.d, "last"), &v));
	assert_int_equal(v, 9);
	assert_true(dec.grown == grown + 1);
	/* The same size again reuses the buffer. */
	assert_int_equal(decode(buf), 0);
	assert_true(dec.grown == grown + 1);
	free(buf);
}

static void
malformed_frames(void **state)
{
	static const char *const bad[] = {
		"", "   ", "not json", "[1,2]", "{\"op\":\"0\"}", "{\"d\":1}", "{\"op\":0",
		"{\"op\":0}garbage", "{\"op\":0,\"s\":\"x\"}", "{\"op\":0,\"t\":5}", "{op:0}",
		"{\"op\":-1}", "{\"op\":1.5}", "{\"op\":0,\"d\":tru}", "\"str\"",
		"{\"op\":0,\"d\":01}", "{\"op\":0,\"d\":1.}", "{\"op\":0,\"d\":-}",
		"{\"op\":0,\"d\":1e}", "{\"op\":0,\"d\":nulll}",
	};
	uint64_t before = dec.malformed;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(decode(bad[i]), -1);
		assert_true(err[0] != '\0');
	}
	assert_true(dec.malformed == before + sizeof(bad) / sizeof(bad[0]));
}

static void
valid_literals_accepted(void **state)
{
	(void)state;
	assert_int_equal(decode("{\"op\":0,\"d\":[true,false,null,0,-0.5,1e5,2E-3,10]}"), 0);
	assert_int_equal(frame_count(&fr, fr.d), 8);
}

static void
snowflake_bounds(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(decode("{\"op\":0,\"d\":{\"a\":\"18446744073709551615\","
	    "\"b\":\"18446744073709551616\",\"c\":\"12x\",\"e\":\"\",\"f\":123}}"), 0);
	assert_true(frame_u64(&fr, frame_get(&fr, fr.d, "a"), &v));
	assert_true(v == UINT64_MAX);
	assert_false(frame_u64(&fr, frame_get(&fr, fr.d, "b"), &v));
	assert_false(frame_u64(&fr, frame_get(&fr, fr.d, "c"), &v));
	assert_false(frame_u64(&fr, frame_get(&fr, fr.d, "e"), &v));
	assert_true(frame_u64(&fr, frame_get(&fr, fr.d, "f"), &v));
	assert_true(v == 123);
}

/* Bytes of a literal, NULs included. */
#define DECODE_LIT(lit) frame_decode(&fr, &dec, lit, sizeof(lit) - 1, err, sizeof(err))

/* Found by tests/fuzz (regress/frame/): jsmn skips stray commas and colons,
 * so the fast path took frames jansson (event_json) refuses. */
static void
lax_structure_refused(void **state)
{
	static const char *const bad[] = {
		":{\"op\":1}", "{\"op\"::1}", "{\"op\":9,,}", "{\"op\":0,}", "{,\"op\":0}",
		"{\"\"\"ts\":\"op\":7}", "{\"\":\"s\":\"op\":7}", "{\"op\":0 \"d\":1}",
		"{\"op\":0,\"d\":[1,]}", "{\"op\":0,\"d\":[1 2]}", "{\"op\":0,\"d\":[,1]}",
		"{\"op\":0,\"d\":{\"a\"}}", "{\"op\":0,\"d\":{\"a\":1:2}}", "{\"op\":0,\"d\":[1}}",
		"{\"op\":0}}", "{\"op\":0}]",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (decode(bad[i]) != -1)
			fail_msg("accepted %s", bad[i]);
		assert_non_null(strstr(err, "invalid JSON at byte"));
	}
}

static void
strings_as_jansson_reads_them(void **state)
{
	(void)state;
	/* Refused: raw control byte, \u0000, lone surrogates, malformed UTF-8
	 * (stray continuation, overlong, encoded surrogate, past U+10FFFF). */
	assert_int_equal(decode("{\"op\":0,\"d\":\"a\tb\"}"), -1);
	assert_int_equal(decode("{\"op\":0,\"d\":\"a\\u0000b\"}"), -1);
	assert_int_equal(decode("{\"op\":0,\"d\":\"\\ud83d\"}"), -1);
	assert_int_equal(decode("{\"op\":0,\"d\":\"\\ud83dx\\ude00\"}"), -1);
	assert_int_equal(decode("{\"op\":0,\"d\":\"\\ud83d\\u0041\"}"), -1);
	assert_int_equal(decode("{\"op\":0,\"d\":\"\\ude00\"}"), -1);
	assert_int_equal(decode("{\"op\":0,\"d\":\"\x80\"}"), -1);
	assert_int_equal(decode("{\"op\":0,\"d\":\"\xc0\xaf\"}"), -1);
	assert_int_equal(decode("{\"op\":0,\"d\":\"\xe0\x80\xaf\"}"), -1);
	assert_int_equal(decode("{\"op\":0,\"d\":\"\xed\xa0\x80\"}"), -1);
	assert_int_equal(decode("{\"op\":0,\"d\":\"\xf4\x90\x80\x80\"}"), -1);
	assert_int_equal(decode("{\"op\":0,\"d\":\"\xe6\x97\"}"), -1);
	assert_int_equal(decode("{\"op\":0,\"\xff\":1}"), -1);
	assert_int_equal(DECODE_LIT("{\"op\":9\0}"), -1);
	/* Accepted: DEL, the last code points of each length, a pair. */
	assert_int_equal(decode("{\"op\":0,\"d\":\"\x7f\xdf\xbf\xef\xbf\xbf\xf4\x8f\xbf\xbf"
	    "\\uD83D\\uDE00\"}"), 0);
}

static void
numbers_as_jansson_reads_them(void **state)
{
	int64_t v;

	(void)state;
	assert_int_equal(decode("{\"op\":0,\"d\":9223372036854775808}"), -1);
	assert_int_equal(decode("{\"op\":0,\"d\":-9223372036854775809}"), -1);
	assert_int_equal(decode("{\"op\":0,\"d\":99999999999999999999999}"), -1);
	assert_int_equal(decode("{\"op\":0,\"d\":1e400}"), -1);
	assert_int_equal(decode("{\"op\":0,\"d\":-1.5E+309}"), -1);
	assert_int_equal(decode("{\"op\":0,\"d\":[1e-400,-9223372036854775808,"
	    "9223372036854775807,0.000000000000000000000000000000000000000000000000000000000000"
	    "000000000000000000000000000000000000000000001]}"), 0);
	assert_true(frame_i64(&fr, frame_skip(&fr, frame_first(&fr, fr.d)), &v));
	assert_true(v == INT64_MIN);
}

/* jansson stops at 2048 nested values, the innermost scalar counted. */
static void
nesting_limit(void **state)
{
	size_t depth, n, cap = 2 * 2100 + 64;
	char *buf = malloc(cap);

	(void)state;
	assert_non_null(buf);
	for (depth = 2046; depth <= 2047; depth++) {
		n = (size_t)snprintf(buf, cap, "{\"op\":0,\"d\":");
		memset(buf + n, '[', depth);
		n += depth;
		buf[n++] = '1';
		memset(buf + n, ']', depth);
		n += depth;
		snprintf(buf + n, cap - n, "}");
		assert_int_equal(decode(buf), depth == 2046 ? 0 : -1);
	}
	free(buf);
}

/* The envelope is read by raw key and first match; jansson decodes keys
 * and keeps the last, so a duplicated or escaped op/s/t/d would make the
 * two paths see different frames. A t that does not fit is refused rather
 * than cut. */
static void
envelope_ambiguity_refused(void **state)
{
	char buf[160];

	(void)state;
	assert_int_equal(decode("{\"op\":2,\"op\":24}"), -1);
	assert_non_null(strstr(err, "\"op\""));
	assert_int_equal(decode("{\"op\":0,\"t\":\"A\",\"t\":\"B\"}"), -1);
	assert_int_equal(decode("{\"op\":0,\"s\":1,\"d\":1,\"d\":2}"), -1);
	assert_int_equal(decode("{\"op\":0,\"\\u0073\":5}"), -1);
	assert_int_equal(decode("{\"\\u006fp\":0}"), -1);
	/* Other keys may repeat or be escaped; so may names inside d. */
	assert_int_equal(decode("{\"op\":0,\"x\":1,\"x\":2,\"\\u0078y\":3,\"d\":{\"op\":1,\"op\":2}}"), 0);
	snprintf(buf, sizeof(buf), "{\"op\":0,\"t\":\"%063d\"}", 7);
	assert_int_equal(decode(buf), 0);
	assert_int_equal(strlen(fr.t), 63);
	snprintf(buf, sizeof(buf), "{\"op\":0,\"t\":\"%064d\"}", 7);
	assert_int_equal(decode(buf), -1);
	assert_non_null(strstr(err, "longer"));
}

static int wants_asked;

static enum frame_reads
wants_messages(void *ud, const char *t, const char *const **nested)
{
	(void)ud;
	(void)nested;
	wants_asked++;
	return strcmp(t, "MESSAGE_CREATE") == 0 ? FRAME_READS_ALL : FRAME_READS_NONE;
}

/* MESSAGE_CREATE as the cache reads it: d's scalars and its author. */
static enum frame_reads
wants_author(void *ud, const char *t, const char *const **nested)
{
	static const char *const author[] = { "author", "mem", NULL };

	(void)ud;
	(void)t;
	*nested = author;
	return FRAME_READS_SOME;
}

/* Only the listed containers of d are tokenized; the others are one empty
 * token over the same bytes, still checked to the byte: malformed JSON
 * inside a part not tokenized is refused as it would be in full. */
static void
partial_d(void **state)
{
	static const char msg[] = "{\"op\":0,\"t\":\"MESSAGE_CREATE\",\"s\":3,\"d\":{"
	    "\"embeds\":[{\"title\":\"x\",\"fields\":[{\"n\":1},{\"n\":[true,null]}]}],"
	    "\"id\":\"11\",\"author\":{\"id\":\"7\",\"flags\":{\"a\":[1]}},"
	    "\"member\":{\"roles\":[\"1\"],\"nick\":\"n\"},\"content\":\"hi\",\"mentions\":[],"
	    "\"tts\":false},\"z\":{\"q\":[1]}}";
	static const char *const broken[] = {
		/* inside embeds, which is not tokenized */
		"{\"op\":0,\"t\":\"M\",\"d\":{\"embeds\":[{\"a\":1,}],\"id\":\"1\"}}",
		"{\"op\":0,\"t\":\"M\",\"d\":{\"embeds\":[{\"a\":\"\\u0000\"}]}}",
		"{\"op\":0,\"t\":\"M\",\"d\":{\"embeds\":[{\"a\" 1}]}}",
		"{\"op\":0,\"t\":\"M\",\"d\":{\"member\":{\"n\":01}}}",
		"{\"op\":0,\"t\":\"M\",\"d\":{\"member\":{\"n\":\"\xc3\"}}}",
		"{\"op\":0,\"t\":\"M\",\"d\":{\"member\":[1,2}}}",
		"{\"op\":0,\"t\":\"M\",\"d\":{\"member\":{\"n\":[[[",
		"{\"op\":0,\"t\":\"M\",\"d\":{\"member\":{\"n\":99999999999999999999}}}",
	};
	int full, e, m, a;
	int64_t n;

	(void)state;
	assert_int_equal(decode(msg), 0);
	full = fr.ntok;
	frame_decoder_want(&dec, wants_author, NULL);
	assert_int_equal(decode(msg), 0);
	assert_true(fr.d_partial);
	assert_false(fr.d_skipped);
	assert_true(fr.ntok < full);
	assert_int_equal(fr.s, 3);
	assert_int_equal(frame_count(&fr, fr.d), 7);
	/* Read: scalars of d, and the author whole. */
	assert_true(frame_streq(&fr, frame_get(&fr, fr.d, "id"), "11"));
	assert_true(frame_streq(&fr, frame_get(&fr, fr.d, "content"), "hi"));
	assert_true(frame_streq(&fr, frame_get(&fr, fr.d, "author.id"), "7"));
	a = frame_get(&fr, fr.d, "author.flags.a");
	assert_int_equal(frame_count(&fr, a), 1);
	assert_true(frame_i64(&fr, frame_first(&fr, a), &n) && n == 1);
	/* Not read: one token each, spanning the same bytes, empty. */
	e = frame_get(&fr, fr.d, "embeds");
	assert_int_equal(fr.tok[e].type, JSMN_ARRAY);
	assert_int_equal(frame_count(&fr, e), 0);
	assert_int_equal(fr.buf[fr.tok[e].start], '[');
	assert_int_equal(fr.buf[fr.tok[e].end - 1], ']');
	assert_int_equal(frame_skip(&fr, e), e + 1);
	/* "mem" is listed: a key it only begins is not. */
	m = frame_get(&fr, fr.d, "member");
	assert_int_equal(frame_count(&fr, m), 0);
	assert_int_equal(frame_get(&fr, m, "nick"), -1);
	/* An empty array is one token either way. */
	assert_int_equal(frame_get(&fr, fr.d, "mentions") + 1, frame_get(&fr, fr.d, "tts") - 1);
	/* After d, tokenized again. */
	assert_int_equal(frame_count(&fr, frame_get(&fr, 0, "z.q")), 1);
	for (size_t k = 0; k < sizeof(broken) / sizeof(broken[0]); k++) {
		assert_int_equal(decode(broken[k]), -1);
		assert_non_null(strstr(err, "invalid JSON"));
	}
	frame_decoder_want(&dec, NULL, NULL);
	for (size_t k = 0; k < sizeof(broken) / sizeof(broken[0]); k++)
		assert_int_equal(decode(broken[k]), -1);
}

/* Tokenize only what is read: a d nobody reads is checked, not tokenized;
 * the envelope reads the same either way. */
static void
unread_d_not_tokenized(void **state)
{
	static const char typing[] = "{\"t\":\"TYPING_START\",\"s\":7,\"op\":0,"
	    "\"d\":{\"channel_id\":\"1\",\"user_id\":\"2\",\"member\":{\"roles\":[1,2,3]}}}";
	static const char message[] = "{\"t\":\"MESSAGE_CREATE\",\"s\":8,\"op\":0,"
	    "\"d\":{\"content\":\"!ping\"}}";
	static const char hello[] = "{\"op\":10,\"d\":{\"heartbeat_interval\":41250}}";
	static const char d_first[] = "{\"d\":{\"a\":1},\"op\":0,\"s\":9,\"t\":\"TYPING_START\"}";
	static const char broken[] = "{\"t\":\"TYPING_START\",\"s\":7,\"op\":0,\"d\":{\"a\":\"\\u0000\"}}";
	int full;

	(void)state;
	assert_int_equal(decode(typing), 0);
	full = fr.ntok;
	assert_false(fr.d_skipped);
	frame_decoder_want(&dec, wants_messages, NULL);
	wants_asked = 0;
	assert_int_equal(decode(typing), 0);
	assert_int_equal(wants_asked, 1);
	assert_true(fr.d_skipped);
	assert_true(fr.ntok < full);
	assert_int_equal(fr.s, 7);
	assert_string_equal(fr.t, "TYPING_START");
	assert_int_equal(frame_count(&fr, fr.d), 0);
	assert_int_equal(frame_get(&fr, fr.d, "channel_id"), -1);
	/* Still checked as jansson would. */
	assert_int_equal(decode(broken), -1);
	/* Read: tokenized whole. */
	assert_int_equal(decode(message), 0);
	assert_false(fr.d_skipped);
	assert_true(frame_streq(&fr, frame_get(&fr, fr.d, "content"), "!ping"));
	/* Not a dispatch, or d before op and t: tokenized whole, nobody asked. */
	wants_asked = 0;
	assert_int_equal(decode(hello), 0);
	assert_false(fr.d_skipped);
	assert_int_equal(decode(d_first), 0);
	assert_false(fr.d_skipped);
	assert_int_equal(wants_asked, 0);
	assert_int_equal(frame_count(&fr, fr.d), 1);
	frame_decoder_want(&dec, NULL, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(envelope_dispatch),
		cmocka_unit_test(envelope_null_fields),
		cmocka_unit_test(nested_and_arrays),
		cmocka_unit_test(string_escapes),
		cmocka_unit_test(truncation_keeps_whole_characters),
		cmocka_unit_test(big_frame_grows_once),
		cmocka_unit_test(malformed_frames),
		cmocka_unit_test(partial_d),
		cmocka_unit_test(valid_literals_accepted),
		cmocka_unit_test(snowflake_bounds),
		cmocka_unit_test(lax_structure_refused),
		cmocka_unit_test(strings_as_jansson_reads_them),
		cmocka_unit_test(numbers_as_jansson_reads_them),
		cmocka_unit_test(nesting_limit),
		cmocka_unit_test(envelope_ambiguity_refused),
		cmocka_unit_test(unread_d_not_tokenized),
	};
	int rc;

	frame_decoder_init(&dec);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	frame_decoder_free(&dec);
	return rc;
}
