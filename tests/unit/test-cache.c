/*
 * The entity cache fed with dispatch frames built here: READY,
 * GUILD_CREATE and friends, LRU order at the caps, refusals, wipe vs flush,
 * deletes, and a flood that must not grow memory. The table under it is
 * checked against a brute-force model.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bot/cache.h"
#include "bot/cache-table.h"
#include "bot/rng.h"

struct fx {
	struct frame_decoder dec;
	struct frame f;
	struct cache *c;
	char buf[8192];
};

static enum frame_reads
cache_wants(void *ud, const char *t, const char *const **nested)
{
	(void)ud;
	return cache_reads(t, nested);
}

static struct fx *
fx_new(const struct cache_limits *l)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	frame_decoder_init(&fx->dec);
	/* As the core decodes: only what the cache reads is tokenized. */
	frame_decoder_want(&fx->dec, cache_wants, NULL);
	fx->c = cache_new(l);
	assert_non_null(fx->c);
	return fx;
}

static void
fx_free(struct fx *fx)
{
	cache_free(fx->c);
	frame_decoder_free(&fx->dec);
	free(fx);
}

static int
apply(struct fx *fx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Formats a whole gateway frame and applies it. */
static int
apply(struct fx *fx, const char *fmt, ...)
{
	char err[96];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(fx->buf, sizeof(fx->buf), fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(fx->buf));
	if (frame_decode(&fx->f, &fx->dec, fx->buf, (size_t)n, err, sizeof(err)) != 0)
		fail_msg("bad test frame: %s: %s", err, fx->buf);
	return cache_apply(fx->c, &fx->f);
}

#define READY \
	"{\"op\":0,\"s\":1,\"t\":\"READY\",\"d\":{\"v\":10,\"session_id\":\"abc\"," \
	"\"user\":{\"id\":\"100\",\"username\":\"vigil\",\"bot\":true}," \
	"\"guilds\":[{\"id\":\"1\",\"unavailable\":true},{\"id\":\"2\",\"unavailable\":true}]}}"

#define GUILD1 \
	"{\"op\":0,\"s\":2,\"t\":\"GUILD_CREATE\",\"d\":{\"id\":\"1\",\"name\":\"Caf\\u00e9\"," \
	"\"member_count\":3,\"unavailable\":false,\"roles\":[{\"id\":\"5\",\"name\":\"x\"}]," \
	"\"channels\":[{\"id\":\"10\",\"type\":0,\"name\":\"general\"}," \
	"{\"id\":\"11\",\"type\":2,\"name\":\"voice\",\"topic\":null}]," \
	"\"members\":[{\"user\":{\"id\":\"200\",\"username\":\"ann\"},\"nick\":\"Annie\"}," \
	"{\"user\":{\"id\":\"201\",\"username\":\"bob\",\"bot\":false},\"nick\":null}]}}"

static void
test_ready_and_guild_create(void **state)
{
	struct fx *fx = fx_new(NULL);
	const struct cache_guild *g;
	const struct cache_channel *ch;
	const struct cache_member *m;
	struct cache_stats st;

	(void)state;
	assert_int_equal(apply(fx, READY), 1);
	assert_true(cache_self_id(fx->c) == 100);
	assert_true(cache_user(fx->c, 100)->bot);
	g = cache_guild(fx->c, 2);
	assert_non_null(g);
	assert_true(g->unavailable);
	assert_int_equal(apply(fx, GUILD1), 1);
	g = cache_guild(fx->c, 1);
	assert_false(g->unavailable);
	assert_string_equal(g->name, "Caf\xc3\xa9");
	assert_int_equal(g->member_count, 3);
	ch = cache_channel(fx->c, 11);
	assert_true(ch->guild_id == 1 && ch->type == 2);
	assert_string_equal(ch->name, "voice");
	assert_string_equal(cache_user(fx->c, 200)->username, "ann");
	m = cache_member(fx->c, 1, 200);
	assert_string_equal(m->nick, "Annie");
	assert_string_equal(cache_member(fx->c, 1, 201)->nick, "");
	assert_null(cache_member(fx->c, 2, 200));
	assert_null(cache_channel(fx->c, 5));
	cache_get_stats(fx->c, &st);
	assert_int_equal(st.entries[CACHE_GUILD], 2);
	assert_int_equal(st.entries[CACHE_CHANNEL], 2);
	assert_int_equal(st.entries[CACHE_USER], 3);
	assert_int_equal(st.entries[CACHE_MEMBER], 2);
	assert_int_equal(st.hits, 7);
	assert_int_equal(st.misses, 2);
	assert_int_equal(st.updates, 2);
	assert_true(st.bytes > 0);
	fx_free(fx);
}

static int
message(struct fx *fx, uint64_t id, uint64_t author, const char *content)
{
	return apply(fx, "{\"op\":0,\"s\":3,\"t\":\"MESSAGE_CREATE\",\"d\":{\"id\":\"%llu\","
	    "\"channel_id\":\"10\",\"author\":{\"id\":\"%llu\",\"username\":\"u%llu\"},"
	    "\"content\":\"%s\",\"embeds\":[]}}", (unsigned long long)id,
	    (unsigned long long)author, (unsigned long long)author, content);
}

static void
test_lru_eviction_order(void **state)
{
	struct cache_limits l;
	struct cache_stats st;
	struct fx *fx;

	(void)state;
	cache_limits_default(&l);
	l.max[CACHE_USER] = 3;
	l.max[CACHE_MESSAGE] = 3;
	fx = fx_new(&l);
	for (uint64_t i = 1; i <= 3; i++)
		assert_int_equal(message(fx, i, 10 + i, "hi"), 1);
	assert_non_null(cache_message(fx->c, 1));      /* 1 is now the newest */
	assert_non_null(cache_user(fx->c, 11));
	message(fx, 4, 14, "hi");
	assert_null(cache_message(fx->c, 2));
	assert_non_null(cache_message(fx->c, 1));
	assert_non_null(cache_message(fx->c, 3));
	assert_null(cache_user(fx->c, 12));
	assert_non_null(cache_user(fx->c, 11));
	/* An update refreshes too. */
	message(fx, 3, 13, "edited");
	message(fx, 5, 13, "hi");
	assert_null(cache_message(fx->c, 4));
	assert_string_equal(cache_message(fx->c, 3)->content, "edited");
	cache_get_stats(fx->c, &st);
	assert_int_equal(st.entries[CACHE_MESSAGE], 3);
	assert_int_equal(st.evictions[CACHE_MESSAGE], 2);
	assert_int_equal(st.evictions[CACHE_USER], 1);
	fx_free(fx);
}

static void
test_guilds_and_channels_refuse(void **state)
{
	struct cache_limits l;
	struct cache_stats st;
	struct fx *fx;

	(void)state;
	cache_limits_default(&l);
	l.max[CACHE_GUILD] = 2;
	l.max[CACHE_CHANNEL] = 3;
	fx = fx_new(&l);
	for (int g = 1; g <= 3; g++) {
		assert_int_equal(apply(fx, "{\"op\":0,\"t\":\"GUILD_CREATE\",\"d\":{\"id\":\"%d\","
		    "\"name\":\"g%d\",\"channels\":[{\"id\":\"%d1\"},{\"id\":\"%d2\"}],"
		    "\"members\":[]}}", g, g, g, g), g <= 2 ? 1 : 0);
	}
	assert_non_null(cache_guild(fx->c, 1));
	assert_non_null(cache_guild(fx->c, 2));
	assert_null(cache_guild(fx->c, 3));
	assert_null(cache_channel(fx->c, 31));       /* its guild was refused */
	assert_null(cache_channel(fx->c, 22));       /* past the channel cap */
	cache_get_stats(fx->c, &st);
	assert_int_equal(st.refused[CACHE_GUILD], 1);
	assert_int_equal(st.refused[CACHE_CHANNEL], 1);
	assert_int_equal(st.evictions[CACHE_GUILD], 0);
	/* Known ones still update at the cap. */
	assert_int_equal(apply(fx, "{\"op\":0,\"t\":\"GUILD_UPDATE\",\"d\":{\"id\":\"2\","
	    "\"name\":\"renamed\"}}"), 1);
	assert_string_equal(cache_guild(fx->c, 2)->name, "renamed");
	fx_free(fx);
}

static void
test_wipe_and_flush(void **state)
{
	struct fx *fx = fx_new(NULL);
	struct cache_stats st, base;

	(void)state;
	cache_get_stats(fx->c, &base);
	apply(fx, READY);
	apply(fx, GUILD1);
	for (uint64_t i = 1; i <= 500; i++)
		message(fx, i, 1000 + i, "x");
	cache_get_stats(fx->c, &st);
	assert_true(st.bytes > base.bytes);
	cache_wipe(fx->c);
	cache_get_stats(fx->c, &st);
	assert_int_equal(st.bytes, base.bytes);
	assert_int_equal(st.wipes, 1);
	assert_int_equal(st.flushes, 0);
	for (int k = 0; k < CACHE_KINDS; k++)
		assert_int_equal(st.entries[k], 0);
	assert_true(cache_self_id(fx->c) == 0);
	assert_null(cache_guild(fx->c, 1));
	apply(fx, READY);
	cache_flush(fx->c);
	cache_get_stats(fx->c, &st);
	assert_int_equal(st.wipes, 1);
	assert_int_equal(st.flushes, 1);
	assert_int_equal(st.bytes, base.bytes);
	fx_free(fx);
}

static void
test_deletes(void **state)
{
	struct fx *fx = fx_new(NULL);

	(void)state;
	apply(fx, READY);
	apply(fx, GUILD1);
	message(fx, 7, 200, "a");
	message(fx, 8, 200, "b");
	message(fx, 9, 200, "c");
	assert_int_equal(apply(fx, "{\"op\":0,\"t\":\"MESSAGE_DELETE\",\"d\":{\"id\":\"7\","
	    "\"channel_id\":\"10\"}}"), 1);
	assert_null(cache_message(fx->c, 7));
	assert_int_equal(apply(fx, "{\"op\":0,\"t\":\"MESSAGE_DELETE\",\"d\":{\"id\":\"7\"}}"), 0);
	assert_int_equal(apply(fx, "{\"op\":0,\"t\":\"MESSAGE_DELETE_BULK\",\"d\":{\"ids\":"
	    "[\"8\",\"9\",\"77\"],\"channel_id\":\"10\"}}"), 1);
	assert_null(cache_message(fx->c, 9));
	assert_int_equal(apply(fx, "{\"op\":0,\"t\":\"GUILD_MEMBER_REMOVE\",\"d\":{\"guild_id\":"
	    "\"1\",\"user\":{\"id\":\"201\"}}}"), 1);
	assert_null(cache_member(fx->c, 1, 201));
	assert_non_null(cache_user(fx->c, 201));
	assert_int_equal(apply(fx, "{\"op\":0,\"t\":\"CHANNEL_DELETE\",\"d\":{\"id\":\"11\"}}"), 1);
	assert_null(cache_channel(fx->c, 11));
	/* An outage keeps the guild as a stub. */
	assert_int_equal(apply(fx, "{\"op\":0,\"t\":\"GUILD_DELETE\",\"d\":{\"id\":\"1\","
	    "\"unavailable\":true}}"), 1);
	assert_true(cache_guild(fx->c, 1)->unavailable);
	assert_non_null(cache_channel(fx->c, 10));
	/* Leaving takes its channels and members along. */
	assert_int_equal(apply(fx, "{\"op\":0,\"t\":\"GUILD_DELETE\",\"d\":{\"id\":\"1\"}}"), 1);
	assert_null(cache_guild(fx->c, 1));
	assert_null(cache_channel(fx->c, 10));
	assert_null(cache_member(fx->c, 1, 200));
	assert_non_null(cache_guild(fx->c, 2));
	fx_free(fx);
}

static void
test_updates(void **state)
{
	struct fx *fx = fx_new(NULL);

	(void)state;
	apply(fx, GUILD1);
	message(fx, 7, 200, "first");
	assert_int_equal(apply(fx, "{\"op\":0,\"t\":\"MESSAGE_UPDATE\",\"d\":{\"id\":\"7\","
	    "\"channel_id\":\"10\",\"content\":\"second\"}}"), 1);
	assert_string_equal(cache_message(fx->c, 7)->content, "second");
	assert_true(cache_message(fx->c, 7)->author_id == 200);
	/* A partial update of an unknown message adds nothing. */
	assert_int_equal(apply(fx, "{\"op\":0,\"t\":\"MESSAGE_UPDATE\",\"d\":{\"id\":\"70\","
	    "\"content\":\"x\"}}"), 0);
	assert_int_equal(apply(fx, "{\"op\":0,\"t\":\"GUILD_MEMBER_UPDATE\",\"d\":{\"guild_id\":"
	    "\"1\",\"user\":{\"id\":\"200\",\"username\":\"ann2\"},\"nick\":\"A\"}}"), 1);
	assert_string_equal(cache_member(fx->c, 1, 200)->nick, "A");
	assert_string_equal(cache_user(fx->c, 200)->username, "ann2");
	assert_int_equal(apply(fx, "{\"op\":0,\"t\":\"USER_UPDATE\",\"d\":{\"id\":\"200\","
	    "\"username\":\"ann3\"}}"), 1);
	assert_string_equal(cache_user(fx->c, 200)->username, "ann3");
	assert_int_equal(apply(fx, "{\"op\":0,\"t\":\"CHANNEL_UPDATE\",\"d\":{\"id\":\"10\","
	    "\"guild_id\":\"1\",\"type\":5,\"name\":\"news\"}}"), 1);
	assert_int_equal(cache_channel(fx->c, 10)->type, 5);
	assert_int_equal(apply(fx, "{\"op\":0,\"t\":\"CHANNEL_CREATE\",\"d\":{\"id\":\"12\","
	    "\"type\":1}}"), 1);
	assert_true(cache_channel(fx->c, 12)->guild_id == 0);
	fx_free(fx);
}

static void
test_malformed_and_ignored(void **state)
{
	struct fx *fx = fx_new(NULL);
	struct cache_stats st;

	(void)state;
	assert_int_equal(apply(fx, "{\"op\":0,\"t\":\"MESSAGE_CREATE\",\"d\":{\"content\":\"x\"}}"), -1);
	assert_int_equal(apply(fx, "{\"op\":0,\"t\":\"MESSAGE_CREATE\",\"d\":{\"id\":\"1\","
	    "\"author\":{\"username\":\"x\"}}}"), -1);
	assert_int_equal(apply(fx, "{\"op\":0,\"t\":\"GUILD_CREATE\",\"d\":[1,2]}"), -1);
	assert_int_equal(apply(fx, "{\"op\":0,\"t\":\"READY\",\"d\":null}"), -1);
	assert_int_equal(apply(fx, "{\"op\":0,\"t\":\"READY\",\"d\":{\"guilds\":[]}}"), -1);
	assert_int_equal(apply(fx, "{\"op\":0,\"t\":\"GUILD_MEMBER_REMOVE\",\"d\":{\"guild_id\":\"1\"}}"), -1);
	assert_int_equal(apply(fx, "{\"op\":0,\"t\":\"MESSAGE_DELETE_BULK\",\"d\":{\"ids\":7}}"), -1);
	assert_int_equal(apply(fx, "{\"op\":0,\"t\":\"TYPING_START\",\"d\":{\"user_id\":\"1\"}}"), 0);
	assert_int_equal(apply(fx, "{\"op\":11,\"d\":null}"), 0);
	/* Wrong types and ids that do not fit leave things out, never crash. */
	assert_int_equal(apply(fx, "{\"op\":0,\"t\":\"GUILD_CREATE\",\"d\":{\"id\":\"99999999999999999999999\"}}"), -1);
	assert_int_equal(apply(fx, "{\"op\":0,\"t\":\"GUILD_CREATE\",\"d\":{\"id\":3,\"name\":4,"
	    "\"member_count\":\"many\",\"channels\":{\"id\":\"1\"},\"members\":[7,{\"user\":5}]}}"), 1);
	assert_string_equal(cache_guild(fx->c, 3)->name, "");
	cache_get_stats(fx->c, &st);
	assert_int_equal(st.entries[CACHE_CHANNEL], 0);
	assert_int_equal(st.updates, 1);
	fx_free(fx);
}

/* 300 two-byte characters: the copy stops on a character boundary. */
static void
test_content_truncated_on_boundary(void **state)
{
	struct fx *fx = fx_new(NULL);
	char content[700];
	const char *got;

	(void)state;
	for (int i = 0; i < 300; i++)
		memcpy(content + 2 * i, "\xc3\xa9", 2);
	content[600] = '\0';
	message(fx, 1, 2, content);
	got = cache_message(fx->c, 1)->content;
	assert_int_equal(strlen(got), CACHE_CONTENT_MAX - 2);
	assert_int_equal((unsigned char)got[strlen(got) - 2], 0xc3);
	fx_free(fx);
}

/* The cache owns each content, sized to it: a change replaces it, null
 * empties it, a partial update without one leaves it, and the bytes are
 * counted while held. ASan and valgrind see each block freed. */
static void
test_content_owned(void **state)
{
	struct fx *fx = fx_new(NULL);
	struct cache_stats a, b;

	(void)state;
	message(fx, 1, 2, "");
	cache_get_stats(fx->c, &a);
	assert_string_equal(cache_message(fx->c, 1)->content, "");
	message(fx, 1, 2, "twelve bytes");
	cache_get_stats(fx->c, &b);
	assert_int_equal(b.bytes - a.bytes, sizeof("twelve bytes"));
	assert_int_equal(apply(fx, "{\"op\":0,\"t\":\"MESSAGE_UPDATE\",\"d\":{\"id\":\"1\","
	    "\"channel_id\":\"11\"}}"), 1);
	assert_string_equal(cache_message(fx->c, 1)->content, "twelve bytes");
	assert_int_equal(apply(fx, "{\"op\":0,\"t\":\"MESSAGE_UPDATE\",\"d\":{\"id\":\"1\","
	    "\"content\":null}}"), 1);
	assert_string_equal(cache_message(fx->c, 1)->content, "");
	cache_get_stats(fx->c, &b);
	assert_int_equal(b.bytes, a.bytes);
	message(fx, 1, 2, "again");
	fx_free(fx);
}

/* 100,000 distinct messages from distinct authors: entries stay at the
 * caps and memory stops growing once they are reached. */
static void
test_flood_is_bounded(void **state)
{
	struct fx *fx = fx_new(NULL);
	struct cache_stats st;
	struct cache_limits l;
	size_t bytes_at_cap = 0;

	(void)state;
	cache_get_limits(fx->c, &l);
	for (uint64_t i = 1; i <= 100000; i++) {
		message(fx, 1000000 + i, 5000000 + i, "spam spam spam");
		if (i == 60000) {
			cache_get_stats(fx->c, &st);
			bytes_at_cap = st.bytes;
		}
	}
	cache_get_stats(fx->c, &st);
	assert_int_equal(st.entries[CACHE_MESSAGE], l.max[CACHE_MESSAGE]);
	assert_int_equal(st.entries[CACHE_USER], l.max[CACHE_USER]);
	assert_int_equal(st.evictions[CACHE_MESSAGE], 100000 - l.max[CACHE_MESSAGE]);
	assert_int_equal(st.bytes, bytes_at_cap);
	printf("flood: %zu bytes for %zu messages + %zu users\n", st.bytes,
	    st.entries[CACHE_MESSAGE], st.entries[CACHE_USER]);
	/* Record slots at most the cap, index at most 4x it, and each
	 * message's content in a block of its length. */
	assert_true(st.bytes <= l.max[CACHE_MESSAGE] * (sizeof(struct cache_message) + 48 +
	    sizeof("spam spam spam")) + l.max[CACHE_USER] * (sizeof(struct cache_user) + 48));
	/* A fixed 200-byte content would cost more than the whole entry. */
	assert_true(st.bytes < l.max[CACHE_MESSAGE] * CACHE_CONTENT_MAX +
	    l.max[CACHE_USER] * (sizeof(struct cache_user) + 48));
	assert_non_null(cache_message(fx->c, 1100000));
	assert_null(cache_message(fx->c, 1000001));
	cache_flush(fx->c);
	cache_get_stats(fx->c, &st);
	assert_int_equal(st.bytes, 0);
	fx_free(fx);
}

/* Random puts, gets and deletes against an array that knows the truth. */
static void
test_table_model(void **state)
{
	enum { KEYS = 300, MAX = 200 };
	static uint64_t model[KEYS];     /* stored value, 0 = absent */
	struct cache_table t;
	struct rng rng;
	size_t n = 0;

	(void)state;
	rng_seed(&rng, 7);
	cache_table_init(&t, sizeof(uint64_t), MAX, false);
	for (int step = 0; step < 200000; step++) {
		uint64_t k = (uint64_t)rng_range(&rng, 0, KEYS - 1), *v;
		bool added;

		if (rng_range(&rng, 0, 2) == 0) {
			assert_int_equal(cache_table_del(&t, k, k * 3), model[k] != 0);
			n -= model[k] != 0;
			model[k] = 0;
		} else if ((v = cache_table_put(&t, k, k * 3, &added)) != NULL) {
			assert_int_equal(added, model[k] == 0);
			n += added;
			*v = model[k] = (uint64_t)step + 1;
		} else {
			assert_true(n == MAX && model[k] == 0);
		}
		v = cache_table_get(&t, k, k * 3);
		assert_true(v == NULL ? model[k] == 0 : *v == model[k]);
		assert_int_equal(t.count, n);
	}
	for (uint64_t k = 0; k < KEYS; k++) {
		uint64_t *v = cache_table_get(&t, k, k * 3);

		assert_true(v == NULL ? model[k] == 0 : *v == model[k]);
	}
	cache_table_clear(&t);
	assert_int_equal(cache_table_bytes(&t), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ready_and_guild_create),
		cmocka_unit_test(test_lru_eviction_order),
		cmocka_unit_test(test_guilds_and_channels_refuse),
		cmocka_unit_test(test_wipe_and_flush),
		cmocka_unit_test(test_deletes),
		cmocka_unit_test(test_updates),
		cmocka_unit_test(test_malformed_and_ignored),
		cmocka_unit_test(test_content_truncated_on_boundary),
		cmocka_unit_test(test_content_owned),
		cmocka_unit_test(test_flood_is_bounded),
		cmocka_unit_test(test_table_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
