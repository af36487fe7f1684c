/*
 * Coroutine REST: vigil.rest yields the listener (or timer) until the
 * answer comes through the bot's queue, then returns status and body (a
 * table for JSON); the payload view survives the yield on its own copy
 * (the frame's buffer is freed meanwhile: ASan checks it); an error after
 * the resume counts against the listener; an unloaded script's waiting
 * calls are dropped while the request completes; vigil.send's body.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../support/script-fixture.h"

#define MSG "{\"op\":0,\"s\":1,\"t\":\"MESSAGE_CREATE\",\"d\":{\"id\":\"5\",\"content\":\"%s\"," \
    "\"channel_id\":\"42\",\"author\":{\"id\":\"7\",\"username\":\"caf\\u00e9\"}}}"

static void
say(struct sfx *f, const char *content)
{
	char buf[512];

	snprintf(buf, sizeof(buf), MSG, content);
	sfx_dispatch(f, buf);
}

static const char fetcher[] =
    "kept = nil\n"
    "vigil.on('MESSAGE_CREATE', function(m)\n"
    "  if m.content == 'fetch' then\n"
    "    local author = m.author\n"
    "    local status, body = vigil.rest('GET', '/channels/' .. m.channel_id .. '/messages?limit=2')\n"
    "    vigil.log.info('got %d, %s first %s; after the yield: %s by %s', status, type(body),\n"
    "      body[1].id, m.content, author.username)\n"
    "  elseif m.content == 'fail' then\n"
    "    local status, body = vigil.rest('GET', '/channels/1/messages')\n"
    "    error('after the answer ' .. status)\n"
    "  elseif m.content == 'keep' then\n"
    "    kept = m\n"
    "  elseif m.content == 'late' then\n"
    "    local ok, err = pcall(function() return kept.content end)\n"
    "    vigil.log.info('late read: %s', err)\n"
    "  elseif m.content == 'send' then\n"
    "    vigil.send(m.channel_id, { content = 'hi', embeds = { { title = 't' } } })\n"
    "  end\n"
    "end)\n";

static void
rest_yields_and_resumes(void **state)
{
	struct sfx *f = sfx_new(NULL);

	(void)state;
	assert_int_equal(sfx_load(f, "b/fetch.lua", fetcher), 0);
	say(f, "fetch");
	assert_int_equal(f->nhttp, 1);
	assert_string_equal(f->http[0].method, "GET");
	assert_string_equal(f->http[0].path, "/channels/42/messages?limit=2");
	/* Other events run while it waits. */
	say(f, "other");
	sfx_answer(f, f->http[0].id, 200, "[{\"id\":\"9\"},{\"id\":\"8\"}]");
	assert_int_equal(sfx_logged(f, LOG_INFO,
	    "got 200, table first 9; after the yield: fetch by caf\xc3\xa9"), 1);
	sfx_free(f);
}

static void
error_after_resume_counts(void **state)
{
	struct script_info info;
	struct sfx *f = sfx_new(NULL);

	(void)state;
	assert_int_equal(sfx_load(f, "b/fetch.lua", fetcher), 0);
	say(f, "fail");
	sfx_answer(f, f->http[0].id, 404, "{\"message\":\"Unknown Channel\"}");
	assert_int_equal(sfx_logged(f, LOG_ERROR, "fetch.lua:10: after the answer 404"), 1);
	assert_true(script_host_info(f->host, 0, &info));
	assert_int_equal(info.errors, 1);
	assert_int_equal(info.waiting, 0);
	sfx_free(f);
}

static void
view_expires_without_yield(void **state)
{
	struct sfx *f = sfx_new(NULL);

	(void)state;
	assert_int_equal(sfx_load(f, "b/fetch.lua", fetcher), 0);
	say(f, "keep");
	say(f, "late");
	assert_int_equal(sfx_logged(f, LOG_INFO, "late read: fetch.lua:14: this payload view outlived"), 1);
	sfx_free(f);
}

static void
unload_drops_waiting_calls(void **state)
{
	struct sfx *f = sfx_new(NULL);
	char err[128];

	(void)state;
	assert_int_equal(sfx_load(f, "b/fetch.lua", fetcher), 0);
	say(f, "fetch");
	assert_int_equal(f->nhttp, 1);
	assert_int_equal(script_host_unload(f->host, now_of_fixture(f), "fetch", err, sizeof(err)), 0);
	/* The request completes in the queue; nobody is resumed. */
	sfx_answer(f, f->http[0].id, 200, "[{\"id\":\"9\"}]");
	assert_int_equal(sfx_logged(f, LOG_DEBUG, "got 200"), 0);
	assert_int_equal(f->bot->stats.rest_ok, 1);
	sfx_free(f);
}

static void
send_body(void **state)
{
	struct sfx *f = sfx_new(NULL);

	(void)state;
	assert_int_equal(sfx_load(f, "b/fetch.lua", fetcher), 0);
	say(f, "send");
	assert_int_equal(f->nhttp, 1);
	assert_string_equal(f->http[0].path, "/channels/42/messages");
	assert_string_equal(f->http[0].body, "{\"content\":\"hi\",\"embeds\":[{\"title\":\"t\"}]}");
	sfx_free(f);
}

static void
timer_rest(void **state)
{
	struct sfx *f = sfx_new(NULL);

	(void)state;
	assert_int_equal(sfx_load(f, "b/poll.lua",
	    "vigil.after(1, function()\n"
	    "  local s, b = vigil.rest('GET', '/gateway')\n"
	    "  vigil.log.info('timer got %d %s', s, b.url)\n"
	    "end)\n"), 0);
	sfx_advance(f, 1000);
	assert_int_equal(f->nhttp, 1);
	sfx_answer(f, f->http[0].id, 200, "{\"url\":\"wss://x\"}");
	assert_int_equal(sfx_logged(f, LOG_INFO, "timer got 200 wss://x"), 1);
	sfx_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rest_yields_and_resumes),
		cmocka_unit_test(error_after_resume_counts),
		cmocka_unit_test(view_expires_without_yield),
		cmocka_unit_test(unload_drops_waiting_calls),
		cmocka_unit_test(send_body),
		cmocka_unit_test(timer_rest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
