/*
 * Timers on the host's time: vigil.every runs each period, an error in one
 * run is logged and the next run still happens, vigil.after runs once,
 * vigil.cancel stops one (also from inside itself), and the host's deadline
 * is the next timer's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../support/script-fixture.h"

static const char timers[] =
    "local n = 0\n"
    "vigil.every(2, function()\n"
    "  n = n + 1\n"
    "  if n == 2 then error('second run fails') end\n"
    "  vigil.log.info('every run %d', n)\n"
    "end)\n"
    "vigil.after(0.5, function() vigil.log.info('after ran') end)\n"
    "local gone = vigil.after(3, function() vigil.log.info('cancelled ran') end)\n"
    "vigil.cancel(gone)\n"
    "local self\n"
    "local k = 0\n"
    "self = vigil.every(1, function()\n"
    "  k = k + 1\n"
    "  vigil.log.info('self %d', k)\n"
    "  if k == 3 then vigil.cancel(self) end\n"
    "end)\n";

static void
every_after_cancel(void **state)
{
	struct sfx *f = sfx_new(NULL);
	int64_t t0 = f->t;

	(void)state;
	assert_int_equal(sfx_load(f, "b/timers.lua", timers), 0);
	assert_int_equal(script_host_next_deadline(f->host), t0 + 500);
	sfx_advance(f, 499);
	assert_int_equal(sfx_logged(f, LOG_INFO, "after ran"), 0);
	sfx_advance(f, 1);
	assert_int_equal(sfx_logged(f, LOG_INFO, "after ran"), 1);
	sfx_advance(f, 10000);
	assert_int_equal(sfx_logged(f, LOG_INFO, "after ran"), 1);
	assert_int_equal(sfx_logged(f, LOG_INFO, "every run 1"), 1);
	assert_int_equal(sfx_logged(f, LOG_ERROR, "timers.lua:4: second run fails"), 1);
	assert_int_equal(sfx_logged(f, LOG_INFO, "every run 3"), 1);
	assert_int_equal(sfx_logged(f, LOG_INFO, "every run 5"), 1);
	assert_int_equal(sfx_logged(f, LOG_INFO, "every run 6"), 0);
	assert_int_equal(sfx_logged(f, LOG_INFO, "cancelled ran"), 0);
	assert_int_equal(sfx_logged(f, LOG_INFO, "self 3"), 1);
	assert_int_equal(sfx_logged(f, LOG_INFO, "self 4"), 0);
	assert_int_equal(script_host_next_deadline(f->host), t0 + 12000);
	sfx_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_after_cancel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
