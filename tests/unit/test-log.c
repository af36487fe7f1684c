/*
 * The log ring: bounded with a dropped count, lookups by seq after wrapping,
 * the level tested before formatting, the token redacted whatever the
 * truncation does, and cuts on UTF-8 boundaries.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "bot/log.h"

/* A Discord-shaped token (not a real one): 59 bytes. */
#define TOKEN "MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs"

static int
ring_setup(void **state)
{
	static struct logring r;

	if (logring_init(&r, 8) != 0)
		return -1;
	*state = &r;
	return 0;
}

static int
ring_teardown(void **state)
{
	logring_free(*state);
	return 0;
}

static const char *
last_text(const struct logring *r)
{
	const struct log_entry *e = logring_get(r, r->next_seq - 1);

	return e != NULL ? e->text : "(none)";
}

static void
test_init_defaults(void **state)
{
	struct logring r;

	(void)state;
	assert_int_equal(logring_init(&r, 0), 0);
	assert_int_equal(r.cap, LOG_RING_DEFAULT);
	assert_int_equal(r.next_seq, 1);
	assert_int_equal(logring_first_seq(&r), 1);
	assert_null(logring_get(&r, 0));
	assert_null(logring_get(&r, 1));
	assert_int_equal(r.capture, LOG_INFO);
	logring_free(&r);
}

static void
test_bounded_with_dropped(void **state)
{
	struct logring *r = *state;
	const struct log_entry *e;
	uint64_t seq;
	int i;

	for (i = 1; i <= 1000; i++)
		logring_add(r, i % 2 ? LOG_INFO : LOG_ERROR, "test", "line %d", i);
	assert_int_equal(r->next_seq, 1001);
	assert_int_equal(r->dropped, 992);
	assert_int_equal(logring_first_seq(r), 993);
	assert_int_equal(r->by_level[LOG_INFO], 500);
	assert_int_equal(r->by_level[LOG_ERROR], 500);
	assert_null(logring_get(r, 992));
	assert_null(logring_get(r, 1001));
	for (seq = 993; seq <= 1000; seq++) {
		char want[32];
		e = logring_get(r, seq);
		assert_non_null(e);
		assert_int_equal(e->seq, seq);
		snprintf(want, sizeof(want), "line %d", (int)seq);
		assert_string_equal(e->text, want);
	}
}

static int side_effects;

static int
counted_arg(void)
{
	return ++side_effects;
}

static void
test_level_filter_before_format(void **state)
{
	struct logring *r = *state;

	(void)state;
	side_effects = 0;
	LOGF(r, LOG_DEBUG, "test", "debug %d", counted_arg());
	assert_int_equal(side_effects, 0);
	assert_int_equal(r->next_seq, 1);
	r->capture = LOG_WARN;
	LOGF(r, LOG_INFO, "test", "info %d", counted_arg());
	assert_int_equal(side_effects, 0);
	LOGF(r, LOG_WARN, "test", "warn %d", counted_arg());
	assert_int_equal(side_effects, 1);
	assert_string_equal(last_text(r), "warn 1");
	assert_int_equal(logring_get(r, 1)->level, LOG_WARN);
	r->capture = LOG_DEBUG;
	LOGF(r, LOG_DEBUG, "test", "debug %d", counted_arg());
	assert_string_equal(last_text(r), "debug 2");
}

static void
test_entry_fields(void **state)
{
	struct logring *r = *state;
	const struct log_entry *e;

	logring_set_time(r, (struct vtime){ .mono_ms = 1234, .wall_ms = 1700000000000 });
	logring_add(r, LOG_WARN, "a-very-long-source-name", "x");
	e = logring_get(r, 1);
	assert_int_equal(e->mono_ms, 1234);
	assert_int_equal(e->wall_ms, 1700000000000);
	assert_string_equal(e->source, "a-very-long");
	assert_int_equal(e->from, -1);
	assert_int_equal(e->to, -1);

	logring_transition(r, 2, 0, "session", "%s -> %s", "Resuming", "Connected");
	e = logring_get(r, 2);
	assert_int_equal(e->level, LOG_INFO);
	assert_int_equal(e->from, 2);
	assert_int_equal(e->to, 0);
	assert_string_equal(e->text, "Resuming -> Connected");
	r->capture = LOG_ERROR;
	logring_transition(r, 0, 1, "session", "filtered");
	assert_int_equal(r->next_seq, 3);
}

static void
test_clear(void **state)
{
	struct logring *r = *state;
	int i;

	for (i = 0; i < 3; i++)
		logring_add(r, LOG_INFO, "t", "%d", i);
	logring_clear(r);
	assert_int_equal(logring_first_seq(r), 4);
	assert_int_equal(logring_first_seq(r), r->next_seq);
	assert_null(logring_get(r, 3));
	/* Overwriting cleared entries is not dropping them. */
	for (i = 0; i < 8; i++)
		logring_add(r, LOG_INFO, "t", "after %d", i);
	assert_int_equal(r->dropped, 0);
	assert_int_equal(logring_first_seq(r), 4);
	logring_add(r, LOG_INFO, "t", "one more");
	assert_int_equal(r->dropped, 1);
	assert_int_equal(logring_first_seq(r), 5);
	assert_string_equal(logring_get(r, 5)->text, "after 1");
}

static void
test_secret_redacted(void **state)
{
	struct logring *r = *state;

	assert_int_equal(logring_set_secret(r, "short"), -1);
	assert_int_equal(logring_set_secret(r, TOKEN), 0);
	logring_add(r, LOG_INFO, "rest", "Authorization: Bot %s", TOKEN);
	assert_string_equal(last_text(r), "Authorization: Bot " LOG_REDACTED);
	logring_add(r, LOG_INFO, "rest", "%s%s and %.20s", TOKEN, TOKEN, TOKEN);
	assert_string_equal(last_text(r), LOG_REDACTED LOG_REDACTED " and MTk4NjIyNDgzNDcxOTI1");
	assert_int_equal(logring_set_secret(r, NULL), 0);
	logring_add(r, LOG_INFO, "rest", "%s", TOKEN);
	assert_string_equal(last_text(r), TOKEN);
}

/* The cluster's Redis password is a second secret, redacted alongside. */
static void
test_two_secrets_redacted(void **state)
{
	struct logring *r = *state;

	assert_int_equal(logring_set_secret_slot(r, LOG_SECRETS, "whatever-secret"), -1);
	assert_int_equal(logring_set_secret(r, TOKEN), 0);
	assert_int_equal(logring_set_secret_slot(r, LOG_SECRET_REDIS, "redis-pw-123"), 0);
	logring_add(r, LOG_INFO, "cluster", "AUTH redis-pw-123 with %s and redis-pw-123", TOKEN);
	assert_string_equal(last_text(r), "AUTH " LOG_REDACTED " with " LOG_REDACTED " and "
	    LOG_REDACTED);
	assert_int_equal(logring_set_secret_slot(r, LOG_SECRET_REDIS, NULL), 0);
	logring_add(r, LOG_INFO, "cluster", "redis-pw-123");
	assert_string_equal(last_text(r), "redis-pw-123");
}

/* A token straddling the entry's 255-byte cut is replaced before the cut, so
 * no part of it reaches the entry. */
static void
test_secret_at_entry_cut(void **state)
{
	struct logring *r = *state;
	int pad;

	assert_int_equal(logring_set_secret(r, TOKEN), 0);
	for (pad = 200; pad < 260; pad++) {
		logring_add(r, LOG_INFO, "t", "%*s%s", pad, "", TOKEN);
		assert_int_equal(strlen(last_text(r)), pad + strlen(LOG_REDACTED) > 255 ?
		    255 : (size_t)pad + strlen(LOG_REDACTED));
		assert_null(strstr(last_text(r), "MTk4Nj"));
	}
}

/* A token cut by the 1 KB format buffer leaves a prefix; redacting the whole
 * tokens before it shrinks the text enough for the prefix to reach the
 * entry, so it must be masked too. */
static void
test_secret_split_by_format_buffer(void **state)
{
	struct logring *r = *state;
	char want[LOG_TEXT_MAX];
	int i, n = 0;

	assert_int_equal(logring_set_secret(r, TOKEN), 0);
	/* 17 tokens = 1003 bytes; the 18th is cut after 20 bytes at 1023. */
	logring_add(r, LOG_INFO, "t", "%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s", TOKEN, TOKEN,
	    TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN,
	    TOKEN, TOKEN, TOKEN, TOKEN, TOKEN);
	for (i = 0; i < 18; i++)
		n += snprintf(want + n, sizeof(want) - (size_t)n, "%s", LOG_REDACTED);
	assert_string_equal(last_text(r), want);
	/* 17 tokens and 14 dashes leave 6 bytes of the 18th: masked. */
	logring_add(r, LOG_INFO, "t", "%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%.14s%s", TOKEN,
	    TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN,
	    TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, "----------------", TOKEN);
	assert_int_equal(strlen(last_text(r)), 17 * 10 + 14 + 10);
	assert_string_equal(last_text(r) + 170, "--------------" LOG_REDACTED);
	/* With 15 dashes only 5 bytes are left, too few to tell from a word. */
	logring_add(r, LOG_INFO, "t", "%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%.15s%s", TOKEN,
	    TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN,
	    TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, "----------------", TOKEN);
	assert_string_equal(last_text(r) + 170, "---------------MTk4N");
}

static void
test_utf8_cut(void **state)
{
	struct logring *r = *state;
	char pad[300];

	memset(pad, 'x', sizeof(pad));
	logring_add(r, LOG_INFO, "t", "%.254s\xc3\xa9", pad);           /* é: 2 bytes */
	assert_int_equal(strlen(last_text(r)), 254);
	logring_add(r, LOG_INFO, "t", "%.253s\xe2\x82\xac", pad);       /* €: 3 bytes */
	assert_int_equal(strlen(last_text(r)), 253);
	logring_add(r, LOG_INFO, "t", "%.252s\xf0\x9f\x98\x80", pad);   /* 4 bytes */
	assert_int_equal(strlen(last_text(r)), 252);
	logring_add(r, LOG_INFO, "t", "%.251s\xf0\x9f\x98\x80", pad);   /* fits: 255 */
	assert_int_equal(strlen(last_text(r)), 255);
	logring_add(r, LOG_INFO, "t", "%.300s", pad);
	assert_int_equal(strlen(last_text(r)), 255);
}

static void
test_level_names(void **state)
{
	enum log_level l;

	(void)state;
	assert_string_equal(log_level_name(LOG_DEBUG), "DEBUG");
	assert_string_equal(log_level_name(LOG_ERROR), "ERROR");
	assert_int_equal(log_level_parse("warning", &l), 0);
	assert_int_equal(l, LOG_WARN);
	assert_int_equal(log_level_parse("Info", &l), 0);
	assert_int_equal(l, LOG_INFO);
	assert_int_equal(log_level_parse("ERROR", &l), 0);
	assert_int_equal(l, LOG_ERROR);
	assert_int_equal(log_level_parse("verbose", &l), -1);
	assert_int_equal(log_level_parse(NULL, &l), -1);
}

#define RING_TEST(fn) cmocka_unit_test_setup_teardown(fn, ring_setup, ring_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_defaults),
		RING_TEST(test_bounded_with_dropped),
		RING_TEST(test_level_filter_before_format),
		RING_TEST(test_entry_fields),
		RING_TEST(test_clear),
		RING_TEST(test_secret_redacted),
		RING_TEST(test_two_secrets_redacted),
		RING_TEST(test_secret_at_entry_cut),
		RING_TEST(test_secret_split_by_format_buffer),
		RING_TEST(test_utf8_cut),
		cmocka_unit_test(test_level_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
