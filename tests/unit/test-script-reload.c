/*
 * Reload with rollback and the store: a syntax error or a top-level error
 * in the new code leaves the old script running (it still answers) and
 * shows the error; a good reload runs UNLOAD on the old one, drops its
 * timers and listeners, and the new code gets every later event. The store
 * survives reloads (and rolls back with a failed one) and restarts, and
 * refuses what is not JSON or would pass its limit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "../support/script-fixture.h"

#define PING "{\"op\":0,\"s\":1,\"t\":\"MESSAGE_CREATE\",\"d\":{\"id\":\"5\",\"content\":\"!ping\"," \
    "\"channel_id\":\"42\",\"author\":{\"id\":\"7\"}}}"

static const char v1[] =
    "vigil.on('MESSAGE_CREATE', function(m) vigil.log.info('v1 saw %s', m.id) end)\n"
    "vigil.every(1, function() vigil.log.info('v1 tick') end)\n"
    "vigil.on('UNLOAD', function() vigil.log.info('v1 unloading') end)\n"
    "vigil.store.set('count', (vigil.store.get('count') or 0) + 1)\n";

static const char v2[] =
    "vigil.on('MESSAGE_CREATE', function(m) vigil.log.info('v2 saw %s', m.id) end)\n"
    "vigil.store.set('count', (vigil.store.get('count') or 0) + 1)\n";

static int
reload(struct sfx *f, const char *text)
{
	sfx_file(f, "b/r.lua", text);
	f->err[0] = '\0';
	return script_host_reload(f->host, now_of_fixture(f), "r", f->err, sizeof(f->err));
}

static void
reload_ok(struct sfx *f, const char *text)
{
	if (reload(f, text) != 0)
		fail_msg("reload: %s", f->err);
}

static void
rollback(void **state)
{
	struct sfx *f = sfx_new(NULL);

	(void)state;
	assert_int_equal(sfx_load(f, "b/r.lua", v1), 0);
	assert_int_equal(reload(f, "vigil.on('MESSAGE_CREATE', function(m) end"), -1);
	assert_non_null(strstr(f->err, "r.lua:1:"));
	assert_non_null(strstr(f->err, "old code runs on"));
	assert_int_equal(reload(f, "vigil.store.set('count', 100)\nerror('top level fails')"), -1);
	assert_non_null(strstr(f->err, "r.lua:2: top level fails"));
	assert_int_equal(sfx_logged(f, LOG_ERROR, "reload failed"), 2);
	sfx_dispatch(f, PING);
	assert_int_equal(sfx_logged(f, LOG_INFO, "v1 saw 5"), 1);
	sfx_advance(f, 1000);
	assert_int_equal(sfx_logged(f, LOG_INFO, "v1 tick"), 1);
	assert_int_equal(sfx_logged(f, LOG_INFO, "v1 unloading"), 0);
	assert_int_equal(script_host_count(f->host), 1);
	/* The failed top level's store.set was rolled back. */
	assert_int_equal(reload(f, "vigil.log.info('count is %d', vigil.store.get('count'))"), 0);
	assert_int_equal(sfx_logged(f, LOG_INFO, "count is 1"), 1);
	sfx_free(f);
}

static void
swap(void **state)
{
	struct sfx *f = sfx_new(NULL);

	(void)state;
	assert_int_equal(sfx_load(f, "b/r.lua", v1), 0);
	assert_int_equal(reload(f, v2), 0);
	assert_int_equal(sfx_logged(f, LOG_INFO, "v1 unloading"), 1);
	sfx_dispatch(f, PING);
	assert_int_equal(sfx_logged(f, LOG_INFO, "v1 saw"), 0);
	assert_int_equal(sfx_logged(f, LOG_INFO, "v2 saw 5"), 1);
	sfx_advance(f, 5000);
	assert_int_equal(sfx_logged(f, LOG_INFO, "v1 tick"), 0);
	assert_int_equal(script_host_next_deadline(f->host), VTIME_NEVER);
	sfx_free(f);
}

static void
store_survives(void **state)
{
	struct script_limits lim;
	struct sfx *f;

	(void)state;
	script_limits_default(&lim);
	lim.store = 64;
	f = sfx_new(&lim);
	assert_int_equal(sfx_load(f, "b/r.lua", v1), 0);
	assert_int_equal(reload(f, v2), 0);
	sfx_restart(f);
	assert_non_null(f->store);
	assert_string_equal(f->store, "{\"count\":2}");
	assert_int_equal(sfx_load(f, "b/r.lua", v2), 0);
	sfx_persist(f);
	assert_string_equal(f->store, "{\"count\":3}");
	reload_ok(f,
	    "assert(not pcall(vigil.store.set, 'f', function() end))\n"
	    "local ok, err = pcall(vigil.store.set, 'big', string.rep('x', 100))\n"
	    "assert(not ok and err:find('over its 64 limit'), err)\n"
	    "vigil.store.set('t', { a = { 1, 2 }, b = 'x' })\n"
	    "local t = vigil.store.get('t')\n"
	    "assert(t.a[2] == 2 and t.b == 'x')\n"
	    "vigil.store.set('count', nil)\n");
	sfx_persist(f);
	assert_string_equal(f->store, "{\"t\":{\"a\":[1,2],\"b\":\"x\"}}");
	sfx_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rollback),
		cmocka_unit_test(swap),
		cmocka_unit_test(store_survives),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
