/* Every row of the close-code and op policy table (docs/design.md). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "bot/policy.h"

static void
expect_close(int code, enum policy_action action)
{
	const struct policy_row *r = policy_lookup(CAUSE_CLOSE, code);

	assert_non_null(r);
	if (r->action != action)
		fail_msg("close %d: expected %s, got %s", code, policy_action_name(action),
		    policy_action_name(r->action));
	assert_non_null(r->text);
	assert_true(strlen(r->text) > 0);
}

static void
resume_codes(void **state)
{
	static const int codes[] = { 1000, 1001, 1006, 4000, 4001, 4002, 4008 };

	(void)state;
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		expect_close(codes[i], POLICY_RESUME);
}

static void
new_session_codes(void **state)
{
	static const int codes[] = { 4003, 4005, 4006, 4007, 4009 };

	(void)state;
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		expect_close(codes[i], POLICY_NEW_SESSION);
}

static void
fatal_codes_stop(void **state)
{
	static const int codes[] = { 4004, 4010, 4011, 4012, 4013, 4014 };

	(void)state;
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		expect_close(codes[i], POLICY_STOP);
		assert_int_equal(policy_lookup(CAUSE_CLOSE, codes[i])->level, LOG_ERROR);
	}
}

static void
our_bugs_are_loud(void **state)
{
	(void)state;
	assert_int_equal(policy_lookup(CAUSE_CLOSE, 4008)->level, LOG_ERROR);
	assert_int_equal(policy_lookup(CAUSE_CLOSE, 4001)->level, LOG_ERROR);
	assert_int_equal(policy_lookup(CAUSE_CLOSE, 4002)->level, LOG_ERROR);
}

static void
unknown_code_resumes(void **state)
{
	(void)state;
	assert_int_equal(policy_lookup(CAUSE_CLOSE, 4999)->action, POLICY_RESUME);
	assert_int_equal(policy_lookup(CAUSE_CLOSE, 3000)->action, POLICY_RESUME);
	assert_int_equal(policy_lookup(CAUSE_CLOSE, 4999)->code, 0);
}

static void
causes(void **state)
{
	(void)state;
	assert_int_equal(policy_lookup(CAUSE_DROP, 0)->action, POLICY_RESUME);
	assert_int_equal(policy_lookup(CAUSE_CONNECT_FAILED, 0)->action, POLICY_RESUME);
	assert_int_equal(policy_lookup(CAUSE_OP7, 0)->action, POLICY_RESUME);
	assert_int_equal(policy_lookup(CAUSE_OP9_RESUMABLE, 0)->action, POLICY_RESUME);
	assert_int_equal(policy_lookup(CAUSE_OP9, 0)->action, POLICY_NEW_SESSION);
	assert_int_equal(policy_lookup(CAUSE_ZOMBIE, 0)->action, POLICY_RESUME);
	assert_int_equal(policy_lookup(CAUSE_TIMEOUT, 0)->action, POLICY_RESUME);
	assert_int_equal(policy_lookup(CAUSE_PROTOCOL, 0)->action, POLICY_RESUME);
	assert_int_equal(policy_lookup(CAUSE_OPERATOR_RESUME, 0)->action, POLICY_RESUME);
	assert_int_equal(policy_lookup(CAUSE_OPERATOR_NEW, 0)->action, POLICY_NEW_SESSION);
	assert_int_equal(policy_lookup(CAUSE_OPERATOR_STOP, 0)->action, POLICY_STOP);
}

static void
table_has_one_row_per_key(void **state)
{
	int n;
	const struct policy_row *t = policy_table(&n);

	(void)state;
	assert_true(n >= 27);
	for (int i = 0; i < n; i++) {
		for (int j = i + 1; j < n; j++)
			assert_false(t[i].cause == t[j].cause && t[i].code == t[j].code);
		assert_ptr_equal(policy_lookup(t[i].cause, t[i].code), &t[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(resume_codes),
		cmocka_unit_test(new_session_codes),
		cmocka_unit_test(fatal_codes_stop),
		cmocka_unit_test(our_bugs_are_loud),
		cmocka_unit_test(unknown_code_resumes),
		cmocka_unit_test(causes),
		cmocka_unit_test(table_has_one_row_per_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
