/*
 * Bot scripts' limits: the time limit interrupts a runaway listener (and a
 * top level), including one that tries to pcall its way past it; the
 * memory cap fails an allocation inside that script only, "not enough
 * memory", and the script answers the next event. The fixture's clock moves
 * 1 ms at each read, so "100 ms" is a fixed number of instructions.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../support/script-fixture.h"

#define MSG "{\"op\":0,\"s\":1,\"t\":\"MESSAGE_CREATE\",\"d\":{\"id\":\"5\",\"content\":\"%s\"," \
    "\"channel_id\":\"42\",\"author\":{\"id\":\"7\"}}}"

static void
say(struct sfx *f, const char *content)
{
	char buf[512];

	snprintf(buf, sizeof(buf), MSG, content);
	sfx_dispatch(f, buf);
}

static const char runaway[] =
    "vigil.on('MESSAGE_CREATE', function(m)\n"
    "  if m.content == 'loop' then while true do end end\n"
    "  if m.content == 'pcall' then\n"
    "    while true do pcall(function() while true do end end) end\n"
    "  end\n"
    "  if m.content == 'xpcall' then\n"
    "    for i = 1, 1e9 do xpcall(function() while true do end end, function(e) return e end) end\n"
    "  end\n"
    "  if m.content == 'nested' then\n"
    "    local co = coroutine.wrap(function() pcall(function() while true do end end) while true do end end)\n"
    "    while true do pcall(co) end\n"
    "  end\n"
    "  if m.content == 'ok' then vigil.log.info('still here') end\n"
    "end)\n";

static void
time_limit(void **state)
{
	static const char *const kinds[] = { "loop", "pcall", "xpcall", "nested" };
	struct sfx *f = sfx_new(NULL);
	int64_t reads;

	(void)state;
	f->clock_step = 1;
	assert_int_equal(sfx_load(f, "b/runaway.lua", runaway), 0);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		reads = f->clock_reads;
		say(f, kinds[i]);
		assert_int_equal(sfx_logged(f, LOG_ERROR, "interrupted: ran longer than 100 ms"),
		    (int)i + 1);
		/* Interrupted at the limit, not later: about 100 reads of the
		 * clock (one per 1000 instructions), not thousands. */
		assert_in_range(f->clock_reads - reads, 100, 110);
		say(f, "ok");
		assert_int_equal(sfx_logged(f, LOG_INFO, "still here"), (int)i + 1);
	}
	sfx_free(f);
}

static void
time_limit_top_level(void **state)
{
	struct sfx *f = sfx_new(NULL);

	(void)state;
	f->clock_step = 1;
	assert_int_equal(sfx_load(f, "b/spin.lua", "while true do pcall(function() while true do end end) end"), -1);
	assert_non_null(strstr(f->err, "interrupted"));
	assert_int_equal(script_host_count(f->host), 0);
	sfx_free(f);
}

static void
memory_cap(void **state)
{
	struct script_limits lim;
	struct script_info info;
	struct sfx *f;

	(void)state;
	script_limits_default(&lim);
	lim.memory = 1u << 20;
	f = sfx_new(&lim);
	assert_int_equal(sfx_load(f, "b/hog.lua",
	    "vigil.on('MESSAGE_CREATE', function(m)\n"
	    "  if m.content == 'hog' then\n"
	    "    local t = {}\n"
	    "    for i = 1, 1e9 do t[i] = string.rep('x', 100) .. i end\n"
	    "  end\n"
	    "  if m.content == 'ok' then vigil.log.info('alive, %.0f KiB', collectgarbage('count')) end\n"
	    "end)\n"), 0);
	say(f, "hog");
	assert_int_equal(sfx_logged(f, LOG_ERROR, "not enough memory"), 1);
	assert_true(script_host_info(f->host, 0, &info));
	assert_true(info.memory_peak <= lim.memory);
	assert_true(info.memory_peak > lim.memory / 2);
	say(f, "ok");
	assert_int_equal(sfx_logged(f, LOG_INFO, "alive"), 1);
	/* Over the cap at the top level: the load fails, nothing else does. */
	assert_int_equal(sfx_load(f, "b/big.lua", "x = string.rep('y', 4 << 20)"), -1);
	assert_non_null(strstr(f->err, "not enough memory"));
	assert_int_equal(script_host_count(f->host), 1);
	sfx_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(time_limit),
		cmocka_unit_test(time_limit_top_level),
		cmocka_unit_test(memory_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
