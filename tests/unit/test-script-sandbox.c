/*
 * The sandbox: every forbidden function is absent or refused (io,
 * os.execute, io.popen, os.exit, package.loadlib and C modules, debug,
 * binary chunks, dofile/loadfile), what stays is there, require loads only
 * Lua files from the script's own directory, and vigil.rest outside a
 * listener is an error with a clear message.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../support/script-fixture.h"

static const char checks[] =
    "assert(io == nil, 'io')\n"
    "assert(debug == nil, 'debug')\n"
    "assert(package == nil, 'package')\n"
    "assert(dofile == nil and loadfile == nil, 'dofile')\n"
    "for _, k in ipairs({'execute','exit','getenv','remove','rename','tmpname','setlocale'}) do\n"
    "  assert(os[k] == nil, 'os.' .. k)\n"
    "end\n"
    "assert(string.dump == nil, 'string.dump')\n"
    "local bin = '\\27Lua\\84\\0\\25\\147\\13\\10\\26\\10'\n"
    "local fn, e = load(bin, 'x', 'b')\n"
    "assert(fn == nil and e:find('binary'), 'binary chunk')\n"
    "assert(load('return 1 + 1')() == 2, 'text load')\n"
    "assert(load('return x', 'c', 't', { x = 5 })() == 5, 'load env')\n"
    "assert(type(os.time()) == 'number' and type(os.clock()) == 'number', 'os.time')\n"
    "assert(os.date('!%Y', 0) == '1970', 'os.date')\n"
    "assert(string.format and table.concat and math.floor and utf8.char, 'libs')\n"
    "assert(coroutine.wrap(function() return 3 end)() == 3, 'coroutine')\n"
    "assert(not pcall(require, '../etc/passwd'), 'require path')\n"
    "assert(not pcall(require, 'socket.core'), 'require C module')\n"
    "local ok, err = pcall(require, 'missing')\n"
    "assert(not ok and err:find('No such file'), 'require missing')\n"
    "assert(require('helper').answer == 42, 'require helper')\n"
    "assert(require('helper') == require('helper'), 'require caches')\n"
    "local ok2, err2 = pcall(vigil.rest, 'GET', '/gateway')\n"
    "assert(not ok2 and err2:find('only in a listener or timer'), 'rest outside')\n"
    "vigil.log.info('sandbox ok')\n";

static void
forbidden_refused(void **state)
{
	struct sfx *f = sfx_new(NULL);

	(void)state;
	sfx_file(f, "dir/helper.lua", "return { answer = 42 }");
	assert_int_equal(sfx_load(f, "dir/sandbox.lua", checks), 0);
	assert_int_equal(sfx_logged(f, LOG_INFO, "sandbox ok"), 1);
	sfx_free(f);
}

static void
each_check_can_fail(void **state)
{
	struct sfx *f = sfx_new(NULL);

	(void)state;
	/* The checks are real: a forbidden thing present is caught. */
	assert_int_equal(sfx_load(f, "dir/a.lua", "io = {} assert(io == nil, 'io')"), -1);
	assert_non_null(strstr(f->err, "a.lua:1: io"));
	assert_int_equal(sfx_load(f, "dir/b.lua", "return require('../../x')"), -1);
	assert_non_null(strstr(f->err, "own directory"));
	sfx_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(forbidden_refused),
		cmocka_unit_test(each_check_can_fail),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
