/*
 * The demo world and what lives in it: stable ids from the seed, chatter
 * with !ping at its rate, Discord-shaped messages and their redaction
 * without MESSAGE_CONTENT, settings parsing, and zlib-stream framing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

#include "../support/sim-drive.h"
#include "sim/zstream.h"

#define PATH "/?v=10&encoding=json"

/* The ids of the first GUILD_CREATE for a seed, as one string. */
static void
world_ids(int64_t seed, char *buf, size_t len)
{
	struct sim_config cfg;
	struct simt t;
	uint32_t c;
	json_t *gc, *d;

	simt_config(&cfg);
	cfg.seed = seed;
	simt_start(&t, &cfg);
	c = simt_open(&t, PATH);
	simt_send(&t, c, "{\"op\":2,\"d\":{\"token\":\"sim-token\","
	    "\"intents\":1,\"properties\":{}}}");
	gc = simt_expect_dispatch(&t, c, "GUILD_CREATE");
	d = json_object_get(gc, "d");
	snprintf(buf, len, "%s/%s/%s", json_string_value(json_object_get(d,
	    "id")), json_string_value(json_object_get(d, "owner_id")),
	    json_string_value(json_object_get(json_array_get(json_object_get(
	    d, "channels"), 1), "id")));
	json_decref(gc);
	simt_stop(&t);
}

static void
test_stable_ids(void **state)
{
	char a[128], b[128], c[128];

	(void)state;
	world_ids(42, a, sizeof(a));
	world_ids(42, b, sizeof(b));
	world_ids(43, c, sizeof(c));
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
}

static void
check_message_shape(json_t *d)
{
	static const char *const keys[] = { "id", "channel_id", "guild_id",
	    "author", "member", "content", "timestamp", "edited_timestamp",
	    "tts", "mention_everyone", "mentions", "mention_roles",
	    "attachments", "embeds", "pinned", "type", "flags" };
	static const char *const author[] = { "id", "username",
	    "discriminator", "global_name", "avatar" };
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (json_object_get(d, keys[i]) == NULL)
			fail_msg("MESSAGE_CREATE lacks %s", keys[i]);
	for (i = 0; i < sizeof(author) / sizeof(author[0]); i++)
		if (json_object_get(json_object_get(d, "author"),
		    author[i]) == NULL)
			fail_msg("author lacks %s", author[i]);
	assert_true(json_is_string(json_object_get(d, "id")));
	assert_true(json_is_null(json_object_get(d, "edited_timestamp")));
}

static void
test_chatter(void **state)
{
	struct sim_config cfg;
	struct simt t;
	struct sim_action a;
	uint32_t full, plain;
	int n = 0, pings = 0, blank = 0;
	char *data;

	(void)state;
	simt_config(&cfg);
	cfg.chatter = 10;
	cfg.heartbeat_interval = 600000;
	simt_start(&t, &cfg);
	full = simt_identify(&t, 1 | 1 << 9 | 1 << 15, NULL, 0);
	plain = simt_identify(&t, 1 | 1 << 9, NULL, 0);
	simt_advance(&t, 60000);
	while (simt_next(&t, &a, &data)) {
		json_t *j = json_loads(data, 0, NULL), *d;
		const char *content;

		free(data);
		d = json_object_get(j, "d");
		content = json_string_value(json_object_get(d, "content"));
		if (a.conn == full) {
			check_message_shape(d);
			n++;
			pings += strcmp(content, "!ping") == 0;
		} else if (a.conn == plain) {
			blank += content[0] == '\0';
		}
		json_decref(j);
	}
	/* 10 a second for a minute, about a fifth of them !ping. */
	assert_true(n > 450 && n < 750);
	assert_true(pings > n / 10 && pings < n / 3);
	assert_int_equal(blank, n);
	assert_int_equal(sim_counters(t.sim)->messages_created, (uint64_t)n);
	simt_stop(&t);
}

static void
test_snowflakes_grow(void **state)
{
	struct sim_config cfg;
	struct sim_http_resp r;
	struct simt t;
	uint32_t c;
	json_t *gc, *list;
	char path[96];
	unsigned long long prev = 0, id;
	size_t i;

	(void)state;
	simt_config(&cfg);
	cfg.chatter = 50;
	simt_start(&t, &cfg);
	c = simt_open(&t, PATH);
	simt_send(&t, c, "{\"op\":2,\"d\":{\"token\":\"sim-token\","
	    "\"intents\":1,\"properties\":{}}}");
	gc = simt_expect_dispatch(&t, c, "GUILD_CREATE");
	snprintf(path, sizeof(path), "/api/v10/channels/%s/messages?limit=100",
	    json_string_value(json_object_get(json_array_get(json_object_get(
	    json_object_get(gc, "d"), "channels"), 0), "id")));
	json_decref(gc);
	simt_advance(&t, 10000);
	simt_drain(&t);
	assert_int_equal(simt_http(&t, "GET", path, "Bot sim-token", NULL,
	    &list, &r), 200);
	sim_http_resp_free(&r);
	assert_true(json_array_size(list) > 10);
	/* Newest first, ids strictly decreasing down the list. */
	for (i = json_array_size(list); i > 0; i--) {
		id = strtoull(json_string_value(json_object_get(json_array_get(
		    list, i - 1), "id")), NULL, 10);
		assert_true(id > prev);
		prev = id;
	}
	json_decref(list);
	simt_stop(&t);
}

static void
test_settings_parse(void **state)
{
	struct sim_config cfg;
	char err[256];
	size_t n, i, j;
	const struct sim_setting *st = sim_settings(&n);

	(void)state;
	sim_config_defaults(&cfg);
	assert_int_equal(sim_config_set(&cfg, "heartbeat-interval", "1.5s",
	    err, sizeof(err)), 0);
	assert_int_equal(cfg.heartbeat_interval, 1500);
	assert_int_equal(sim_config_set(&cfg, "resume_window", "2m", err,
	    sizeof(err)), 0);
	assert_int_equal(cfg.resume_window, 120000);
	assert_int_equal(sim_config_set(&cfg, "session_limit", "12x", err,
	    sizeof(err)), -1);
	assert_int_equal(sim_config_set(&cfg, "session_limit", "0", err,
	    sizeof(err)), -1);
	assert_int_equal(sim_config_set(&cfg, "chatter", "nan", err,
	    sizeof(err)), -1);
	assert_int_equal(sim_config_set(&cfg, "token", "", err, sizeof(err)),
	    -1);
	assert_int_equal(sim_config_set(&cfg, "nope", "1", err, sizeof(err)),
	    -1);
	for (i = 0; i < n; i++) {
		assert_true(strlen(st[i].help) > 10);
		for (j = i + 1; j < n; j++)
			assert_string_not_equal(st[i].name, st[j].name);
	}
}

static void
test_zstream(void **state)
{
	static const char *const msgs[] = { "{\"op\":10,\"d\":{}}",
	    "{\"t\":\"READY\",\"s\":1,\"op\":0,\"d\":{\"v\":10}}",
	    "{\"op\":11,\"d\":null}" };
	struct zstream zs;
	z_stream in, ref;
	unsigned char out[256], z[256], want[256];
	size_t i, len;

	(void)state;
	assert_int_equal(sim_zstream_init(&zs, false), 0);
	memset(&in, 0, sizeof(in));
	memset(&ref, 0, sizeof(ref));
	assert_int_equal(inflateInit(&in), Z_OK);
	assert_int_equal(deflateInit(&ref, Z_DEFAULT_COMPRESSION), Z_OK);
	for (i = 0; i < 3; i++) {
		assert_true(sim_zstream_bound(&zs, strlen(msgs[i])) <= sizeof(z));
		len = sim_zstream_message(&zs, msgs[i], strlen(msgs[i]), z);
		assert_true(len > 4);
		assert_memory_equal(z + len - 4, "\x00\x00\xff\xff", 4);
		/* The same bytes as a zlib stream's, header and all. */
		ref.next_in = (Bytef *)(uintptr_t)msgs[i];
		ref.avail_in = (uInt)strlen(msgs[i]);
		ref.next_out = want;
		ref.avail_out = sizeof(want);
		assert_int_equal(deflate(&ref, Z_SYNC_FLUSH), Z_OK);
		assert_int_equal(len, sizeof(want) - ref.avail_out);
		assert_memory_equal(z, want, len);
		in.next_in = z;
		in.avail_in = (uInt)len;
		in.next_out = out;
		in.avail_out = sizeof(out);
		assert_int_equal(inflate(&in, Z_SYNC_FLUSH), Z_OK);
		assert_int_equal(sizeof(out) - in.avail_out, strlen(msgs[i]));
		assert_memory_equal(out, msgs[i], strlen(msgs[i]));
	}
	inflateEnd(&in);
	deflateEnd(&ref);
	sim_zstream_end(&zs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stable_ids),
		cmocka_unit_test(test_chatter),
		cmocka_unit_test(test_snowflakes_grow),
		cmocka_unit_test(test_settings_parse),
		cmocka_unit_test(test_zstream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
