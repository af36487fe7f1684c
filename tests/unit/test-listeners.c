/*
 * Listeners: order, isolation of a failing listener (logged with its name,
 * counted, the others still run), "*" for dispatches only, and the lazy
 * jansson tree built once per event and freed after it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/listeners.h"

/* jansson's allocations, counted to prove a tree is built once and freed. */
static long json_allocs, json_frees;

static void *
count_malloc(size_t n)
{
	json_allocs++;
	return malloc(n);
}

static void
count_free(void *p)
{
	if (p != NULL)
		json_frees++;
	free(p);
}

/* What the test listeners write down. */
struct trace {
	char calls[256];
	json_t *seen[4];
	int nseen;
};

static void
note(struct trace *t, const char *who)
{
	size_t n = strlen(t->calls);

	snprintf(t->calls + n, sizeof(t->calls) - n, "%s%s", n > 0 ? " " : "", who);
}

static int
ok_a(void *ud, struct event *ev, char *err, size_t errlen)
{
	(void)ev, (void)err, (void)errlen;
	note(ud, "a");
	return 0;
}

static int
ok_b(void *ud, struct event *ev, char *err, size_t errlen)
{
	(void)ev, (void)err, (void)errlen;
	note(ud, "b");
	return 0;
}

static int
failing(void *ud, struct event *ev, char *err, size_t errlen)
{
	note(ud, "fail");
	snprintf(err, errlen, "boom on %s", ev->name);
	return -1;
}

static int
failing_silently(void *ud, struct event *ev, char *err, size_t errlen)
{
	(void)ev, (void)err, (void)errlen;
	note(ud, "silent");
	return 7;
}

static int
wants_json(void *ud, struct event *ev, char *err, size_t errlen)
{
	struct trace *t = ud;

	(void)err, (void)errlen;
	note(t, "json");
	if (t->nseen < 4)
		t->seen[t->nseen++] = event_json(ev);
	return 0;
}

static int
decode(struct frame *f, struct frame_decoder *dec, const char *json)
{
	char err[64];

	return frame_decode(f, dec, json, strlen(json), err, sizeof(err));
}

static void
test_order_and_isolation(void **state)
{
	struct listeners ls;
	struct logring log;
	struct trace t = { .nseen = 0 };
	struct event ev = { .name = "MESSAGE_CREATE" };
	const struct log_entry *e;

	(void)state;
	assert_int_equal(logring_init(&log, 16), 0);
	listeners_init(&ls);
	assert_int_equal(listeners_add(&ls, "first", "MESSAGE_CREATE", ok_a, &t), 0);
	assert_int_equal(listeners_add(&ls, "ping-handler", "MESSAGE_CREATE", failing, &t), 0);
	assert_int_equal(listeners_add(&ls, "last", "MESSAGE_CREATE", ok_b, &t), 0);
	assert_int_equal(listeners_add(&ls, "other", "GUILD_CREATE", ok_a, &t), 0);
	listeners_emit(&ls, &ev, &log);
	listeners_emit(&ls, &ev, &log);
	assert_string_equal(t.calls, "a fail b a fail b");
	assert_int_equal(ls.failures, 2);
	assert_int_equal(ls.items[1].calls, 2);
	assert_int_equal(ls.items[1].failures, 2);
	assert_int_equal(ls.items[0].failures, 0);
	assert_int_equal(ls.items[3].calls, 0);
	assert_string_equal(ls.items[1].last_error, "boom on MESSAGE_CREATE");

	assert_int_equal(log.next_seq, 3);
	e = logring_get(&log, 1);
	assert_int_equal(e->level, LOG_WARN);
	assert_string_equal(e->source, "listener");
	assert_string_equal(e->text, "listener ping-handler failed on MESSAGE_CREATE: "
	    "boom on MESSAGE_CREATE");
	logring_free(&log);
}

/* An owner that goes away takes its listeners along; the others keep
 * their order. */
static void
test_remove_by_owner(void **state)
{
	struct listeners ls;
	struct trace t = { .nseen = 0 }, other = { .nseen = 0 };
	struct event ev = { .name = "MESSAGE_CREATE" };

	(void)state;
	listeners_init(&ls);
	assert_int_equal(listeners_add(&ls, "a1", "MESSAGE_CREATE", ok_a, &t), 0);
	assert_int_equal(listeners_add(&ls, "gone", "*", ok_b, &other), 0);
	assert_int_equal(listeners_add(&ls, "b1", "MESSAGE_CREATE", ok_b, &t), 0);
	assert_int_equal(listeners_add(&ls, "gone2", "RESUME", ok_a, &other), 0);
	assert_int_equal(listeners_remove(&ls, &other), 2);
	assert_int_equal(listeners_remove(&ls, &other), 0);
	assert_int_equal(ls.n, 2);
	listeners_emit(&ls, &ev, NULL);
	assert_string_equal(t.calls, "a b");
	assert_string_equal(other.calls, "");
}

static void
test_failure_without_message(void **state)
{
	struct listeners ls;
	struct logring log;
	struct trace t = { .nseen = 0 };
	struct event ev = { .name = EVENT_RECONNECT, .detail = "close 4007" };

	(void)state;
	assert_int_equal(logring_init(&log, 4), 0);
	listeners_init(&ls);
	assert_int_equal(listeners_add(&ls, "refetch", EVENT_RECONNECT, failing_silently, &t), 0);
	assert_int_equal(listeners_add(&ls, "after", EVENT_RECONNECT, ok_a, &t), 0);
	listeners_emit(&ls, &ev, &log);
	assert_string_equal(t.calls, "silent a");
	assert_string_equal(ls.items[0].last_error, "failed with code 7");
	assert_string_equal(logring_get(&log, 1)->text,
	    "listener refetch failed on RECONNECT: failed with code 7");
	/* No log ring is allowed too: still counted. */
	listeners_emit(&ls, &ev, NULL);
	assert_int_equal(ls.failures, 2);
	logring_free(&log);
}

static void
test_any_matches_dispatches_only(void **state)
{
	static const char *const lifecycle[] = {
		EVENT_LOST_CONNECTION, EVENT_RESUME, EVENT_RECONNECT,
	};
	struct listeners ls;
	struct trace t = { .nseen = 0 };
	struct event ev;
	size_t i;

	(void)state;
	listeners_init(&ls);
	assert_int_equal(listeners_add(&ls, "all", EVENT_ANY_DISPATCH, ok_a, &t), 0);
	assert_int_equal(listeners_add(&ls, "resume", EVENT_RESUME, ok_b, &t), 0);
	for (i = 0; i < 3; i++) {
		ev = (struct event){ .name = lifecycle[i], .detail = "test" };
		listeners_emit(&ls, &ev, NULL);
	}
	assert_string_equal(t.calls, "b");
	ev = (struct event){ .name = "GUILD_CREATE" };
	listeners_emit(&ls, &ev, NULL);
	ev = (struct event){ .name = "TYPING_START" };
	listeners_emit(&ls, &ev, NULL);
	assert_string_equal(t.calls, "b a a");
}

static void
test_add_limits(void **state)
{
	struct listeners ls;
	char name[64];
	int i;

	(void)state;
	listeners_init(&ls);
	memset(name, 'n', sizeof(name));
	name[LISTENER_NAME_MAX] = '\0';
	assert_int_equal(listeners_add(&ls, name, "READY", ok_a, NULL), -1);
	name[LISTENER_NAME_MAX - 1] = '\0';
	assert_int_equal(listeners_add(&ls, name, "READY", ok_a, NULL), 0);
	assert_int_equal(listeners_add(&ls, "x", "", ok_a, NULL), -1);
	assert_int_equal(listeners_add(&ls, "x", NULL, ok_a, NULL), -1);
	assert_int_equal(listeners_add(&ls, "x", "READY", NULL, NULL), -1);
	for (i = 1; i < LISTENERS_MAX; i++)
		assert_int_equal(listeners_add(&ls, "x", "READY", ok_a, NULL), 0);
	assert_int_equal(listeners_add(&ls, "x", "READY", ok_a, NULL), -1);
	assert_int_equal(ls.n, LISTENERS_MAX);
}

static void
test_event_json_lazy(void **state)
{
	static const char msg[] = "{\"op\":0,\"s\":42,\"t\":\"MESSAGE_CREATE\","
	    "\"d\":{\"id\":\"1\",\"content\":\"!ping\",\"author\":{\"id\":\"7\"}}}";
	struct frame_decoder dec;
	struct frame *f = malloc(sizeof(*f));
	struct listeners ls;
	struct trace t = { .nseen = 0 };
	struct event ev;
	long allocs;

	(void)state;
	assert_non_null(f);
	frame_decoder_init(&dec);
	assert_int_equal(decode(f, &dec, msg), 0);
	ev = (struct event){ .name = f->t, .frame = f };
	listeners_init(&ls);
	assert_int_equal(listeners_add(&ls, "one", "MESSAGE_CREATE", wants_json, &t), 0);
	assert_int_equal(listeners_add(&ls, "none", "MESSAGE_CREATE", ok_a, &t), 0);
	assert_int_equal(listeners_add(&ls, "two", EVENT_ANY_DISPATCH, wants_json, &t), 0);

	allocs = json_allocs;
	listeners_emit(&ls, &ev, NULL);
	assert_string_equal(t.calls, "json a json");
	assert_int_equal(t.nseen, 2);
	assert_non_null(t.seen[0]);
	assert_ptr_equal(t.seen[0], t.seen[1]);
	assert_null(ev.full);
	assert_true(json_allocs > allocs);
	assert_int_equal(json_allocs, json_frees);

	/* Nobody asks: no tree at all. */
	listeners_init(&ls);
	assert_int_equal(listeners_add(&ls, "none", "MESSAGE_CREATE", ok_a, &t), 0);
	allocs = json_allocs;
	listeners_emit(&ls, &ev, NULL);
	assert_int_equal(json_allocs, allocs);
	frame_decoder_free(&dec);
	free(f);
}

static void
test_event_json_shapes(void **state)
{
	struct frame_decoder dec;
	struct frame *f = malloc(sizeof(*f));
	struct event ev;
	json_t *j;

	(void)state;
	assert_non_null(f);
	frame_decoder_init(&dec);
	assert_int_equal(decode(f, &dec, "{\"op\":0,\"t\":\"X\",\"d\":{\"content\":\"caf\\u00e9\"}}"), 0);
	ev = (struct event){ .name = "X", .frame = f };
	j = event_json(&ev);
	assert_string_equal(json_string_value(json_object_get(j, "content")), "caf\xc3\xa9");
	json_decref(ev.full);

	assert_int_equal(decode(f, &dec, "{\"op\":0,\"t\":\"X\",\"d\":\"text\"}"), 0);
	ev = (struct event){ .name = "X", .frame = f };
	assert_string_equal(json_string_value(event_json(&ev)), "text");
	json_decref(ev.full);

	assert_int_equal(decode(f, &dec, "{\"op\":11,\"d\":null}"), 0);
	ev = (struct event){ .name = "X", .frame = f };
	assert_true(json_is_null(event_json(&ev)));
	json_decref(ev.full);

	assert_int_equal(decode(f, &dec, "{\"op\":1}"), 0);
	ev = (struct event){ .name = "X", .frame = f };
	assert_null(event_json(&ev));
	assert_true(ev.full_failed);

	ev = (struct event){ .name = EVENT_RESUME };
	assert_null(event_json(&ev));
	frame_decoder_free(&dec);
	free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_isolation),
		cmocka_unit_test(test_remove_by_owner),
		cmocka_unit_test(test_failure_without_message),
		cmocka_unit_test(test_any_matches_dispatches_only),
		cmocka_unit_test(test_add_limits),
		cmocka_unit_test(test_event_json_lazy),
		cmocka_unit_test(test_event_json_shapes),
	};

	json_set_alloc_funcs(count_malloc, count_free);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
