/*
 * The lazy payload view: nested objects and arrays, escaped and unicode
 * strings (surrogate pairs included), numbers, booleans, null and missing
 * fields, msg:table(), tostring, # and read-only-ness.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "../support/script-fixture.h"

static const char frame[] =
    "{\"op\":0,\"s\":1,\"t\":\"MESSAGE_CREATE\",\"d\":{"
    "\"id\":\"1239876543210987521\","
    "\"content\":\"h\\u00e9llo \\ud83d\\ude00 \\\"q\\\" back\\\\slash\\nline caf\xc3\xa9\","
    "\"author\":{\"id\":\"7\",\"bot\":false,\"member\":{\"nick\":null,\"roles\":[\"1\",\"2\"]}},"
    "\"mentions\":[{\"id\":\"11\"},{\"id\":\"12\"},{\"id\":\"13\"}],"
    "\"embeds\":[],\"position\":-1,\"ratio\":0.75,\"big\":123456789012,\"tts\":true,"
    "\"with.dot\":\"dotted\"}}";

static const char checks[] =
    "vigil.on('MESSAGE_CREATE', function(m)\n"
    "  assert(m.id == '1239876543210987521', 'snowflake as string')\n"
    "  assert(m.content == 'h\\u{e9}llo \\u{1F600} \"q\" back\\\\slash\\nline caf\\u{e9}', 'escapes')\n"
    "  assert(utf8.len(m.content) == 32, 'utf8 ' .. tostring(utf8.len(m.content)))\n"
    "  assert(m.author.id == '7' and m.author.bot == false, 'nested')\n"
    "  assert(m.author.member.nick == nil, 'null is nil')\n"
    "  assert(m.author.member.roles[2] == '2' and #m.author.member.roles == 2, 'array')\n"
    "  assert(m.mentions[3].id == '13' and m.mentions[4] == nil and m.mentions[0] == nil, 'index')\n"
    "  assert(#m.embeds == 0 and m.embeds[1] == nil, 'empty array')\n"
    "  assert(m.position == -1 and math.type(m.position) == 'integer', 'integer')\n"
    "  assert(m.ratio == 0.75 and m.big == 123456789012 and m.tts == true, 'numbers')\n"
    "  assert(m.missing == nil and m.author.missing == nil, 'missing')\n"
    "  assert(m['with.dot'] == 'dotted', 'keys are not paths')\n"
    "  assert(m.shard == 0 and m.author.shard == nil, 'the event shard, at the root only')\n"
    "  assert(not pcall(function() m.content = 'x' end), 'read-only')\n"
    "  assert(getmetatable(m) == 'read-only payload', 'metatable hidden')\n"
    "  local t = m:table()\n"
    "  assert(t.author.member.roles[1] == '1' and t.mentions[2].id == '12', 'table')\n"
    "  assert(t.content == m.content and t.author.member.nick == nil, 'table strings')\n"
    "  t.content = 'changed'\n"
    "  assert(tostring(m.author):find('\"id\":\"7\"'), 'tostring')\n"
    "  vigil.log.info('view ok')\n"
    "end)\n";

static void
view_reads(void **state)
{
	struct sfx *f = sfx_new(NULL);

	(void)state;
	assert_int_equal(sfx_load(f, "b/view.lua", checks), 0);
	sfx_dispatch(f, frame);
	assert_int_equal(sfx_logged(f, LOG_ERROR, "view.lua"), 0);
	assert_int_equal(sfx_logged(f, LOG_INFO, "view ok"), 1);
	sfx_free(f);
}

static void
view_checks_can_fail(void **state)
{
	struct sfx *f = sfx_new(NULL);

	(void)state;
	assert_int_equal(sfx_load(f, "b/view.lua",
	    "vigil.on('MESSAGE_CREATE', function(m) assert(m.author.id == '8', 'wrong id') end)"), 0);
	sfx_dispatch(f, frame);
	assert_int_equal(sfx_logged(f, LOG_ERROR, "view.lua:1: wrong id"), 1);
	sfx_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(view_reads),
		cmocka_unit_test(view_checks_can_fail),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
