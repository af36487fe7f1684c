/*
 * The shard pieces of the core (docs/design.md "Shards"): shard sets as
 * operators write them, the identify queue's order per concurrency key, a
 * shard's wipe that leaves the other shards' guilds, the state file with a
 * session per shard (and today's single-shard file still read).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bot/bot.h"
#include "bot/shard-set.h"

static void
test_shard_set_parse(void **state)
{
	struct shard_set s;
	char err[160], text[64];

	(void)state;
	assert_int_equal(shard_set_parse(&s, "0,2,4-7", 16, err, sizeof(err)), 0);
	assert_int_equal(s.n, 6);
	assert_int_equal(s.ids[0], 0);
	assert_int_equal(s.ids[5], 7);
	shard_set_format(&s, text, sizeof(text));
	assert_string_equal(text, "0,2,4-7");
	assert_int_equal(shard_set_parse(&s, "all", 4, err, sizeof(err)), 0);
	assert_int_equal(s.n, 4);
	assert_int_equal(shard_set_parse(&s, "", 3, err, sizeof(err)), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(shard_set_parse(&s, "3,3,2-3", 8, err, sizeof(err)), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(shard_set_parse(&s, "5-2", 8, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "the range 5-2 is empty"));
	assert_int_equal(shard_set_parse(&s, "8", 8, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "past the last one (8 shards: 0-7)"));
	assert_int_equal(shard_set_parse(&s, "1;2", 8, err, sizeof(err)), -1);
	assert_int_equal(shard_set_parse(&s, "x", 8, err, sizeof(err)), -1);
	assert_int_equal(shard_set_parse(&s, "-1", 8, err, sizeof(err)), -1);
}

/* One key per shard % max_concurrency, first come first served, one
 * holder a key. */
static void
test_identify_queue_order(void **state)
{
	struct identq q;

	(void)state;
	assert_int_equal(identq_init(&q, 8), 0);
	assert_true(identq_take(&q, 0, 2));
	assert_true(identq_take(&q, 1, 2));        /* another key */
	assert_false(identq_take(&q, 2, 2));       /* key 0 is held */
	assert_false(identq_take(&q, 4, 2));
	assert_int_equal(identq_count(&q, 0, 2), 2);
	assert_int_equal(identq_first(&q, 0, 2), 2);
	assert_true(identq_leave(&q, 0));
	assert_false(identq_take(&q, 4, 2));       /* 2 came first */
	assert_true(identq_take(&q, 2, 2));
	assert_false(identq_leave(&q, 6));         /* never there */
	assert_true(identq_leave(&q, 2));
	assert_true(identq_take(&q, 4, 2));
	assert_int_equal(identq_count(&q, -1, 2), 0);
	identq_free(&q);
}

static void
apply(struct cache *c, struct frame_decoder *dec, struct frame *f, const char *text)
{
	char err[96];

	assert_int_equal(frame_decode(f, dec, text, strlen(text), err, sizeof(err)), 0);
	assert_true(cache_apply(c, f) >= 0);
}

/* Guild id 1<<22 is on shard 1 of 2, id 2<<22 on shard 0. */
static void
test_wipe_one_shard(void **state)
{
	struct frame_decoder dec;
	struct frame *f = calloc(1, sizeof(*f));
	struct cache *c = cache_new(NULL);
	char text[512];

	(void)state;
	assert_non_null(f);
	frame_decoder_init(&dec);
	for (unsigned long long g = 1; g <= 4; g++) {
		snprintf(text, sizeof(text), "{\"op\":0,\"s\":%llu,\"t\":\"GUILD_CREATE\",\"d\":{\"id\":"
		    "\"%llu\",\"name\":\"g\",\"member_count\":1,\"channels\":[{\"id\":\"%llu\","
		    "\"type\":0,\"name\":\"c\"}],\"members\":[]}}", g, g << 22, 1000 + g);
		apply(c, &dec, f, text);
	}
	apply(c, &dec, f, "{\"op\":0,\"s\":9,\"t\":\"MESSAGE_CREATE\",\"d\":{\"id\":\"77\","
	    "\"channel_id\":\"1001\",\"content\":\"hi\",\"author\":{\"id\":\"5\",\"username\":\"a\"}}}");
	assert_int_equal(cache_shard_guilds(c, 0, 2), 2);
	assert_int_equal(cache_shard_guilds(c, 1, 2), 2);
	cache_wipe_shard(c, 1, 2);
	assert_int_equal(cache_shard_guilds(c, 1, 2), 0);
	assert_int_equal(cache_shard_guilds(c, 0, 2), 2);
	assert_null(cache_channel(c, 1001));       /* guild 1 << 22: shard 1 */
	assert_non_null(cache_channel(c, 1002));
	assert_null(cache_message(c, 77));
	assert_non_null(cache_user(c, 5));         /* users are shared */
	cache_wipe_shard(c, 0, 1);                 /* one shard: everything */
	assert_int_equal(cache_shard_guilds(c, 0, 1), 0);
	cache_free(c);
	frame_decoder_free(&dec);
	free(f);
}

static struct vtime
at(int64_t ms)
{
	return (struct vtime){ 1000000 + ms, 1767225600000LL + ms };
}

/* Version 2 keeps a session per shard; version 1 is still read. */
static void
test_state_per_shard(void **state)
{
	struct fleet f;
	struct bot *b = calloc(3, sizeof(*b));
	struct bot_config cfg;
	char err[160], *text;

	(void)state;
	assert_non_null(b);
	bot_config_defaults(&cfg);
	cfg.shard_count = 4;
	assert_int_equal(fleet_init(&f, &cfg, 2, at(0), err, sizeof(err)), 0);
	for (int i = 0; i < 2; i++) {
		cfg.shard_id = i * 2 + 1;
		assert_int_equal(bot_init_shard(&b[i], &f, &cfg, at(0), err, sizeof(err)), 0);
	}
	snprintf(b[1].session_id, sizeof(b[1].session_id), "sess-3");
	snprintf(b[1].resume_url, sizeof(b[1].resume_url), "ws://gw.test");
	b[1].seq = 42;
	b[1].last_seen_wall = at(0).wall_ms;
	text = fleet_save_state(&f, at(0));
	assert_non_null(text);
	assert_non_null(strstr(text, "\"vigil_state\": 2"));
	b[1].session_id[0] = '\0';
	assert_int_equal(fleet_load_state(&f, 0, text, strlen(text), at(10), err, sizeof(err)), 0);
	assert_string_equal(b[1].session_id, "sess-3");
	assert_int_equal(b[1].seq, 42);
	assert_string_equal(b[0].session_id, "");
	free(text);
	for (int i = 0; i < 2; i++)
		bot_free(&b[i]);
	fleet_free(&f);

	/* Today's file, one shard of one: read as before. */
	cfg.shard_count = 1;
	cfg.shard_id = 0;
	assert_int_equal(bot_init(&b[2], &cfg, at(0), err, sizeof(err)), 0);
	snprintf(b[2].session_id, sizeof(b[2].session_id), "s1");
	snprintf(b[2].resume_url, sizeof(b[2].resume_url), "ws://x");
	b[2].seq = 7;
	text = bot_save_state(&b[2], at(0));
	assert_non_null(strstr(text, "\"vigil_state\": 1"));
	assert_null(strstr(text, "shards"));
	b[2].session_id[0] = '\0';
	assert_int_equal(bot_load_state(&b[2], text, strlen(text), at(10), err, sizeof(err)), 0);
	assert_string_equal(b[2].session_id, "s1");
	assert_int_equal(b[2].seq, 7);
	free(text);
	bot_free(&b[2]);
	free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shard_set_parse),
		cmocka_unit_test(test_identify_queue_order),
		cmocka_unit_test(test_wipe_one_shard),
		cmocka_unit_test(test_state_per_shard),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
