/*
 * The session-start budget over a virtual day: starts expiring at exactly
 * +24 h, Discord's reading against vigil's count (each stricter in turn),
 * its reset, the reserve, identify spacing, waits, the state file's JSON and
 * what happens when it is corrupt or the clock moves back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "bot/budget.h"

/* 2023-11-14T22:13:20Z; mono starts elsewhere so the two never agree. */
#define T0 1700000000000LL
#define M0 5000000LL

/* struct budget is ~400 KB: on the heap, not the test's stack. */
struct fixture {
	struct budget b, copy;
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return -1;
	budget_init(&fx->b, 1000, 10);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	free(*state);
	return 0;
}

/* A time `ms` after the start of the virtual day, on both clocks. */
static struct vtime
at(int64_t ms)
{
	return (struct vtime){ .mono_ms = M0 + ms, .wall_ms = T0 + ms };
}

static void
test_init(void **state)
{
	struct budget *b = &((struct fixture *)*state)->b;

	assert_int_equal(b->limit, 1000);
	assert_int_equal(b->reserve, 10);
	assert_int_equal(budget_used(b, at(0)), 0);
	assert_int_equal(budget_remaining(b, at(0)), 1000);
	assert_true(budget_may_identify(b, at(0), 0));
	assert_int_equal(budget_wait_ms(b, at(0), 0), 0);
	assert_int_equal(budget_next_free_wall(b, at(0)), 0);
	budget_init(b, 0, -1);
	assert_int_equal(b->limit, BUDGET_DEFAULT_LIMIT);
	assert_int_equal(b->reserve, BUDGET_DEFAULT_RESERVE);
	budget_init(b, 5, 50);
	assert_int_equal(b->reserve, 4);
	budget_init(b, 100000, 0);
	assert_int_equal(b->limit, BUDGET_MAX_STARTS);
}

static void
test_virtual_day(void **state)
{
	struct budget *b = &((struct fixture *)*state)->b;
	struct budget_start recent[4];

	budget_record(b, at(0), 0, "first start");
	budget_record(b, at(MS_PER_H), 0, "op 9");
	budget_record(b, at(2 * MS_PER_H), 0, "close 4007");
	assert_int_equal(budget_used(b, at(2 * MS_PER_H)), 3);
	assert_int_equal(budget_remaining(b, at(2 * MS_PER_H)), 997);
	assert_int_equal(budget_next_free_wall(b, at(2 * MS_PER_H)), T0 + MS_PER_DAY);
	/* Exactly at +24 h the first start no longer counts. */
	assert_int_equal(budget_used(b, at(MS_PER_DAY - 1)), 3);
	assert_int_equal(budget_used(b, at(MS_PER_DAY)), 2);
	assert_int_equal(budget_next_free_wall(b, at(MS_PER_DAY)), T0 + 25 * MS_PER_H);
	assert_int_equal(budget_used(b, at(25 * MS_PER_H)), 1);
	assert_int_equal(budget_used(b, at(26 * MS_PER_H)), 0);
	assert_int_equal(budget_next_free_wall(b, at(26 * MS_PER_H)), 0);

	assert_int_equal(budget_recent(b, at(MS_PER_DAY), recent, 4), 2);
	assert_string_equal(recent[0].reason, "close 4007");
	assert_string_equal(recent[1].reason, "op 9");
	assert_int_equal(recent[1].wall_ms, T0 + MS_PER_H);
	assert_int_equal(budget_recent(b, at(MS_PER_DAY), recent, 1), 1);
	/* Recording later drops the expired ones from the ring. */
	budget_record(b, at(30 * MS_PER_H), 0, "later");
	assert_int_equal(b->count, 1);
}

/* vigil's own count is the stricter: limit 5, reserve 1. */
static void
test_local_limit_and_reserve(void **state)
{
	struct budget *b = &((struct fixture *)*state)->b;
	int i;

	budget_init(b, 5, 1);
	for (i = 0; i < 3; i++)
		budget_record(b, at(i * 10 * MS_PER_S), 0, "test");
	assert_true(budget_may_identify(b, at(40 * MS_PER_S), 0));
	budget_record(b, at(40 * MS_PER_S), 0, "test");
	/* One left, and it is the reserve. */
	assert_int_equal(budget_remaining(b, at(50 * MS_PER_S)), 1);
	assert_false(budget_may_identify(b, at(50 * MS_PER_S), 0));
	assert_int_equal(budget_wait_ms(b, at(50 * MS_PER_S), 0), MS_PER_DAY - 50 * MS_PER_S);
	assert_true(budget_may_identify(b, at(MS_PER_DAY), 0));
	assert_int_equal(budget_wait_ms(b, at(MS_PER_DAY), 0), 0);
	/* Discord's larger reading does not loosen it. */
	budget_update_discord(b, at(60 * MS_PER_S), 1000, 990, 3 * MS_PER_H, 1);
	assert_int_equal(budget_remaining(b, at(60 * MS_PER_S)), 1);
	assert_int_equal(budget_limit(b), 5);
}

/* Discord's reading is the stricter (another process shares the token). */
static void
test_discord_stricter(void **state)
{
	struct budget *b = &((struct fixture *)*state)->b;
	int i;

	budget_update_discord(b, at(0), 1000, 15, 3 * MS_PER_H, 1);
	assert_int_equal(budget_remaining(b, at(0)), 15);
	for (i = 0; i < 5; i++)
		budget_record(b, at(i * 10 * MS_PER_S), 0, "test");
	assert_int_equal(b->d_used_since, 5);
	assert_int_equal(budget_remaining(b, at(MS_PER_MIN)), 10);
	assert_false(budget_may_identify(b, at(MS_PER_MIN), 0));
	/* Free again at Discord's reset, not in 24 h. */
	assert_int_equal(budget_wait_ms(b, at(MS_PER_MIN), 0), 3 * MS_PER_H - MS_PER_MIN);
	/* After the reset: Discord's total, less nothing started since; the
	 * local count (5 used) is now the stricter. */
	assert_int_equal(budget_remaining(b, at(3 * MS_PER_H)), 995);
	assert_true(budget_may_identify(b, at(3 * MS_PER_H), 0));
	budget_record(b, at(4 * MS_PER_H), 0, "after reset");
	assert_int_equal(budget_remaining(b, at(4 * MS_PER_H)), 994);
	/* Discord's total below the limit is the limit. */
	budget_update_discord(b, at(5 * MS_PER_H), 500, 500, MS_PER_DAY, 1);
	assert_int_equal(budget_limit(b), 500);
}

/* After Discord's reset its count is rebuilt from vigil's starts since. */
static void
test_discord_after_reset(void **state)
{
	struct budget *b = &((struct fixture *)*state)->b;
	int i;

	budget_init(b, 1000, 2);
	budget_update_discord(b, at(0), 5, 5, MS_PER_MIN, 1);
	for (i = 0; i < 3; i++)
		budget_record(b, at(MS_PER_MIN + i * 10 * MS_PER_S), 0, "test");
	/* 5 - 3 = 2 left, the reserve: wait for the first of the three to
	 * leave Discord's (now rolling, as far as vigil knows) count. */
	assert_int_equal(budget_remaining(b, at(2 * MS_PER_MIN)), 2);
	assert_int_equal(budget_wait_ms(b, at(2 * MS_PER_MIN), 0), MS_PER_DAY - MS_PER_MIN);
	/* A total not above the reserve never lets it identify: the wait is
	 * still finite (a day), since callers add it to a clock. */
	budget_update_discord(b, at(3 * MS_PER_MIN), 2, 2, MS_PER_MIN, 1);
	assert_false(budget_may_identify(b, at(3 * MS_PER_MIN), 0));
	assert_int_equal(budget_wait_ms(b, at(3 * MS_PER_MIN), 0), MS_PER_DAY);
}

static void
test_concurrency_spacing(void **state)
{
	struct budget *b = &((struct fixture *)*state)->b;

	/* Unknown max_concurrency means 1: every shard shares one bucket. */
	budget_record(b, at(0), 0, "shard 0");
	assert_false(budget_may_identify(b, at(0), 1));
	assert_int_equal(budget_wait_ms(b, at(1000), 3), 4000 + BUDGET_SPACING_MARGIN_MS);

	budget_update_discord(b, at(10 * MS_PER_S), 1000, 999, MS_PER_DAY, 2);
	budget_record(b, at(10 * MS_PER_S), 0, "shard 0");
	assert_false(budget_may_identify(b, at(10 * MS_PER_S + 4999), 0));
	assert_false(budget_may_identify(b, at(10 * MS_PER_S + 4999), 2));
	assert_true(budget_may_identify(b, at(10 * MS_PER_S + 1), 1));
	assert_int_equal(budget_wait_ms(b, at(10 * MS_PER_S + 1), 2), 4999 + BUDGET_SPACING_MARGIN_MS);
	assert_false(budget_may_identify(b, at(15 * MS_PER_S), 0));
	assert_true(budget_may_identify(b, at(15 * MS_PER_S + BUDGET_SPACING_MARGIN_MS), 0));
	/* Spacing runs on mono: a wall clock jump does not shorten it. */
	assert_false(budget_may_identify(b,
	    (struct vtime){ .mono_ms = M0 + 11 * MS_PER_S, .wall_ms = T0 + MS_PER_H }, 0));
	/* Out-of-range readings are clamped. */
	budget_update_discord(b, at(20 * MS_PER_S), 1000, 2000, -5, 99);
	assert_int_equal(b->d_remaining, 1000);
	assert_int_equal(b->d_max_concurrency, BUDGET_MAX_CONCURRENCY);
	assert_int_equal(b->d_reset_wall_ms, T0 + 20 * MS_PER_S);
	budget_update_discord(b, at(21 * MS_PER_S), 0, 0, 0, 1);
	assert_int_equal(b->d_total, 1000);
}

/* The wait is the later of the free slot and the spacing. */
static void
test_wait_combines(void **state)
{
	struct budget *b = &((struct fixture *)*state)->b;

	budget_init(b, 3, 1);
	budget_record(b, at(0), 0, "a");
	/* Slots free, spacing not. */
	assert_int_equal(budget_wait_ms(b, at(2000), 0), 3000 + BUDGET_SPACING_MARGIN_MS);
	budget_record(b, at(MS_PER_H), 0, "b");
	/* One left, the reserve: the slot (23 h away) dominates. */
	assert_int_equal(budget_wait_ms(b, at(MS_PER_H + 1000), 0),
	    MS_PER_DAY - MS_PER_H - 1000);
	assert_int_equal(budget_wait_ms(b, at(MS_PER_DAY - 1), 0), 1);

	/* A slot frees in 1 s, but the start 1 s ago holds 4 s more. */
	budget_init(b, 3, 1);
	budget_record(b, at(0), 0, "a");
	budget_record(b, at(MS_PER_DAY - 2000), 0, "b");
	assert_int_equal(budget_wait_ms(b, at(MS_PER_DAY - 1000), 0), 4000 + BUDGET_SPACING_MARGIN_MS);
	assert_int_equal(budget_wait_ms(b, at(MS_PER_DAY), 0), 3000 + BUDGET_SPACING_MARGIN_MS);
	assert_int_equal(budget_wait_ms(b, at(MS_PER_DAY + 3000 + BUDGET_SPACING_MARGIN_MS), 0), 0);
}

static void
test_clock_moved_back(void **state)
{
	struct budget *b = &((struct fixture *)*state)->b;
	struct vtime back = { .mono_ms = M0 + MS_PER_MIN, .wall_ms = T0 - MS_PER_H };
	struct budget_start recent[3];

	budget_record(b, at(0), 0, "before");
	budget_record(b, at(10 * MS_PER_S), 0, "before too");
	/* They happened no later than now: counted, and read as now. */
	assert_int_equal(budget_used(b, back), 2);
	assert_int_equal(budget_next_free_wall(b, back), back.wall_ms + MS_PER_DAY);
	budget_record(b, back, 0, "after");
	assert_int_equal(budget_recent(b, back, recent, 3), 3);
	assert_string_equal(recent[2].reason, "before");
	assert_int_equal(recent[2].wall_ms, back.wall_ms);
	/* All three were stamped now, so all three expire together. */
	assert_int_equal(budget_used(b, (struct vtime){ 0, back.wall_ms + MS_PER_DAY - 1 }), 3);
	assert_int_equal(budget_used(b, (struct vtime){ 0, back.wall_ms + MS_PER_DAY }), 0);
}

static void
test_assume_used(void **state)
{
	struct budget *b = &((struct fixture *)*state)->b;
	struct budget_start recent[1];

	budget_update_discord(b, at(0), 1000, 1000, MS_PER_DAY, 1);
	budget_assume_used(b, at(0), 500, NULL);
	assert_int_equal(budget_used(b, at(0)), 500);
	assert_int_equal(budget_remaining(b, at(0)), 500);
	assert_int_equal(b->d_used_since, 0);
	assert_true(budget_may_identify(b, at(0), 0));
	assert_int_equal(budget_recent(b, at(0), recent, 1), 1);
	assert_string_equal(recent[0].reason, "assumed: corrupt state file");
	assert_int_equal(budget_used(b, at(MS_PER_DAY)), 0);
	budget_assume_used(b, at(0), 100000, "assumed: test");
	assert_int_equal(budget_used(b, at(0)), BUDGET_MAX_STARTS);
	assert_int_equal(budget_remaining(b, at(0)), 0);
}

static json_t *
round_trip(const struct budget *b)
{
	json_t *j = budget_to_json(b);
	char *text;
	json_error_t jerr;

	assert_non_null(j);
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	assert_non_null(text);
	j = json_loads(text, 0, &jerr);
	free(text);
	assert_non_null(j);
	return j;
}

/* A restart: a new process, a new mono clock, the state file read back. */
static void
test_persist_across_restart(void **state)
{
	struct fixture *fx = *state;
	struct vtime later = { .mono_ms = 100000, .wall_ms = T0 + 2 * MS_PER_H + 2000 };
	struct budget_start recent[3];
	char err[128];
	json_t *j;

	budget_record(&fx->b, at(0), 0, "first start");
	budget_update_discord(&fx->b, at(MS_PER_H), 1000, 700, 5 * MS_PER_H, 4);
	budget_record(&fx->b, at(MS_PER_H), 0, "op 9");
	budget_record(&fx->b, at(2 * MS_PER_H), 0, "close \x01 4007\xc3\xa9");
	j = round_trip(&fx->b);

	budget_init(&fx->copy, 1000, 10);
	assert_int_equal(budget_from_json(&fx->copy, j, later, err, sizeof(err)), 0);
	json_decref(j);
	assert_int_equal(budget_used(&fx->copy, later), 3);
	assert_int_equal(budget_remaining(&fx->copy, later), 698);
	assert_int_equal(budget_recent(&fx->copy, later, recent, 3), 3);
	assert_string_equal(recent[0].reason, "close ? 4007??");
	assert_string_equal(recent[2].reason, "first start");
	assert_int_equal(recent[2].wall_ms, T0);
	assert_true(fx->copy.discord_known);
	assert_int_equal(fx->copy.d_max_concurrency, 4);
	assert_int_equal(fx->copy.d_reset_wall_ms, T0 + 6 * MS_PER_H);
	assert_int_equal(fx->copy.d_used_since, 2);
	/* The newest start was 2 s ago: its spacing holds for 3 s more. */
	assert_false(budget_may_identify(&fx->copy, later, 1));
	assert_int_equal(budget_wait_ms(&fx->copy, later, 1), 3000 + BUDGET_SPACING_MARGIN_MS);
	/* Loaded the next day, the starts have expired. */
	j = round_trip(&fx->b);
	assert_int_equal(budget_from_json(&fx->copy, j, at(MS_PER_DAY + MS_PER_H), err,
	    sizeof(err)), 0);
	json_decref(j);
	assert_int_equal(fx->copy.count, 1);
}

static void
test_load_clamps_future_starts(void **state)
{
	struct fixture *fx = *state;
	char err[128];
	json_t *j;

	budget_record(&fx->b, at(MS_PER_H), 0, "ahead");
	j = round_trip(&fx->b);
	assert_int_equal(budget_from_json(&fx->copy, j, at(0), err, sizeof(err)), 0);
	json_decref(j);
	assert_int_equal(fx->copy.starts[0].wall_ms, T0);
	assert_int_equal(budget_next_free_wall(&fx->copy, at(0)), T0 + MS_PER_DAY);
	assert_false(fx->copy.discord_known);
}

static void
test_invalid_json_refused(void **state)
{
	static const char *const cases[][2] = {
		{ "[]", "not a JSON object" },
		{ "{}", "\"version\" is missing" },
		{ "{\"version\":\"1\",\"starts\":[]}", "\"version\" is not an integer" },
		{ "{\"version\":2,\"starts\":[]}", "version 2" },
		{ "{\"version\":1}", "\"starts\" is missing or not an array" },
		{ "{\"version\":1,\"starts\":{}}", "\"starts\" is missing or not an array" },
		{ "{\"version\":1,\"starts\":[5]}", "starts[0] is not an object" },
		{ "{\"version\":1,\"starts\":[{\"reason\":\"x\"}]}", "starts[0]: \"wall_ms\" is missing" },
		{ "{\"version\":1,\"starts\":[{\"wall_ms\":1.5,\"reason\":\"x\"}]}", "not an integer" },
		{ "{\"version\":1,\"starts\":[{\"wall_ms\":-1,\"reason\":\"x\"}]}", "is -1, outside" },
		{ "{\"version\":1,\"starts\":[{\"wall_ms\":1e300,\"reason\":\"x\"}]}", "not an integer" },
		{ "{\"version\":1,\"starts\":[{\"wall_ms\":999999999999999999,\"reason\":\"x\"}]}",
		  "outside" },
		{ "{\"version\":1,\"starts\":[{\"wall_ms\":1}]}", "\"reason\" is missing or not a string" },
		{ "{\"version\":1,\"starts\":[{\"wall_ms\":1,\"reason\":"
		  "\"0123456789012345678901234567890123456789\"}]}", "longer than 39 bytes" },
		{ "{\"version\":1,\"starts\":[{\"wall_ms\":1,\"reason\":\"a\\nb\"}]}",
		  "not printable ASCII" },
		{ "{\"version\":1,\"starts\":[{\"wall_ms\":2,\"reason\":\"\"},"
		  "{\"wall_ms\":1,\"reason\":\"\"}]}", "starts[1] is older than the start before it" },
		{ "{\"version\":1,\"starts\":[],\"discord\":5}", "\"discord\" is not an object" },
		{ "{\"version\":1,\"starts\":[],\"discord\":{\"total\":0}}", "\"total\" is 0" },
		{ "{\"version\":1,\"starts\":[],\"discord\":{\"total\":10,\"remaining\":11}}",
		  "\"remaining\" is 11, outside 0..10" },
		{ "{\"version\":1,\"starts\":[],\"discord\":{\"total\":10,\"remaining\":1,"
		  "\"max_concurrency\":17}}", "\"max_concurrency\" is 17" },
		{ "{\"version\":1,\"starts\":[],\"discord\":{\"total\":10,\"remaining\":1,"
		  "\"max_concurrency\":1,\"seen_wall_ms\":100,\"reset_wall_ms\":99,"
		  "\"used_since\":0}}", "\"reset_wall_ms\" is 99" },
		{ "{\"version\":1,\"starts\":[],\"discord\":{\"total\":10,\"remaining\":1,"
		  "\"max_concurrency\":1,\"seen_wall_ms\":100,\"reset_wall_ms\":200}}",
		  "\"used_since\" is missing" },
	};
	struct fixture *fx = *state;
	json_error_t jerr;
	char err[160];
	size_t i;
	json_t *j;

	budget_record(&fx->b, at(0), 0, "kept");
	budget_update_discord(&fx->b, at(0), 1000, 500, MS_PER_H, 2);
	memcpy(&fx->copy, &fx->b, sizeof(fx->b));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		j = json_loads(cases[i][0], JSON_DECODE_ANY, &jerr);
		if (j == NULL)
			fail_msg("case %zu does not parse: %s", i, jerr.text);
		err[0] = '\0';
		assert_int_equal(budget_from_json(&fx->b, j, at(1000), err, sizeof(err)), -1);
		json_decref(j);
		if (strstr(err, cases[i][1]) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err, cases[i][1]);
		assert_memory_equal(&fx->b, &fx->copy, sizeof(fx->b));
	}
}

static void
test_too_many_starts_refused(void **state)
{
	struct fixture *fx = *state;
	json_t *j = budget_to_json(&fx->b), *starts = json_array();
	char err[128];
	int i;

	for (i = 0; i <= BUDGET_MAX_STARTS; i++)
		json_array_append_new(starts, json_pack("{s:I, s:s}", "wall_ms",
		    (json_int_t)T0, "reason", "x"));
	json_object_set_new(j, "starts", starts);
	memcpy(&fx->copy, &fx->b, sizeof(fx->b));
	assert_int_equal(budget_from_json(&fx->b, j, at(0), err, sizeof(err)), -1);
	assert_string_equal(err, "\"starts\" has 8193 entries, more than 8192");
	assert_memory_equal(&fx->b, &fx->copy, sizeof(fx->b));
	/* One fewer is fine. */
	json_array_remove(starts, 0);
	assert_int_equal(budget_from_json(&fx->b, j, at(0), err, sizeof(err)), 0);
	assert_int_equal(budget_used(&fx->b, at(0)), BUDGET_MAX_STARTS);
	json_decref(j);
}

#define BUDGET_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		BUDGET_TEST(test_init),
		BUDGET_TEST(test_virtual_day),
		BUDGET_TEST(test_local_limit_and_reserve),
		BUDGET_TEST(test_discord_stricter),
		BUDGET_TEST(test_discord_after_reset),
		BUDGET_TEST(test_concurrency_spacing),
		BUDGET_TEST(test_wait_combines),
		BUDGET_TEST(test_clock_moved_back),
		BUDGET_TEST(test_assume_used),
		BUDGET_TEST(test_persist_across_restart),
		BUDGET_TEST(test_load_clamps_future_starts),
		BUDGET_TEST(test_invalid_json_refused),
		BUDGET_TEST(test_too_many_starts_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
