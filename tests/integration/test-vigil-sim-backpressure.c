/*
 * vigil-sim's writes under back-pressure (docs/emulator.md "Sending"): a
 * client that stops reading gets a GUILD_CREATE bigger than any socket
 * buffer (the oversize fault), so the server's write comes up short and
 * cuts it, and a burst behind it. Pings and a heartbeat sent meanwhile
 * must be answered between frames, never inside one: lws's client parser
 * is strict, and a pong inside a frame breaks the framing (a 1002 close) or
 * corrupts a message. Each transport on an emulator of its own (faults go
 * to every live connection).
 *
 * Only plain JSON is sure to cut a frame: compressed, the big GUILD_CREATE
 * is 0.5 MB (zlib) or 0.15 MB (zstd) and the burst's frames are 40 bytes,
 * so on loopback the socket takes each write whole (a turn ends at 1 MB,
 * and Linux wakes a writer only when a third of its buffer is free).
 * There the test checks what a held client gets, with no cut made sure of.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libwebsockets.h>

#include "../support/sim-proc.h"
#include "../support/ws-client.h"

/* Generous: the machine is shared. */
#define WAIT   20000
#define PINGS  3
#define COUNT  20000
/* Bytes of JSON: more than both sockets' buffers hold (tcp_wmem's 4 MB at
 * most) while the client reads nothing. */
#define BIG    (16 << 20)
#define IDENTIFY "{\"op\":2,\"d\":{\"token\":\"sim-token\",\"intents\":513," \
	"\"properties\":{\"os\":\"linux\",\"browser\":\"t\",\"device\":\"t\"}}}"

static struct simproc sp;

/* The client sends one heartbeat only: under valgrind reading 47 MB takes
 * longer than Discord's 41.25 s beat, and the emulator would close 4009. */
static const char *const sim_args[] = { "--heartbeat-interval", "600000", NULL };

SIMPROC_FIXTURES(sp, sim_args)

/* READY and the three GUILD_CREATEs; *seq is the last dispatch's. */
static struct wsc *
settled(const char *path, long long *seq)
{
	struct wsc *c = wsc_connect(sp.port, path, WAIT);
	json_t *j;
	int guilds = 0;

	assert_non_null(c);
	assert_int_equal(wsc_send(c, IDENTIFY), 0);
	while (guilds < 3) {
		j = wsc_recv_json(c, WAIT);
		assert_non_null(j);
		if (json_is_integer(json_object_get(j, "s")))
			*seq = json_integer_value(json_object_get(j, "s"));
		if (json_is_string(json_object_get(j, "t")) &&
		    strcmp(json_string_value(json_object_get(j, "t")),
		    "GUILD_CREATE") == 0)
			guilds++;
		json_decref(j);
	}
	return c;
}

/*
 * Holds reading while the big frame and the burst fill the sockets, sends
 * the pings and a heartbeat, then releases: the burst's events the
 * emulator had made by then (it makes more only as the socket drains),
 * which the heartbeat's ACK cannot come after.
 */
static long long
held(struct wsc *c, long long seq, const char *name, bool cut)
{
	long long ev0 = simproc_counter(&sp, "events_sent");
	long long ev;
	char body[64];
	unsigned long read0 = wsc_messages(c);

	wsc_hold(c, true);
	snprintf(body, sizeof(body), "{\"fault\":\"oversize\",\"bytes\":%d}",
	    BIG);
	assert_int_equal(simproc_fault(&sp, body), 200);
	snprintf(body, sizeof(body), "{\"fault\":\"burst\",\"count\":%d}",
	    COUNT);
	assert_int_equal(simproc_fault(&sp, body), 200);
	wsc_pump(c, 300, true);
	assert_int_equal(wsc_ping(c, "ping 1"), 0);
	assert_int_equal(wsc_send(c, "{\"op\":1,\"d\":%lld}", seq), 0);
	wsc_pump(c, 100, true);
	assert_int_equal(wsc_ping(c, "ping 2"), 0);
	wsc_pump(c, 100, true);
	assert_int_equal(wsc_ping(c, "ping 3"), 0);
	wsc_pump(c, 200, true);
	/* The burst's (the big GUILD_CREATE is an event too): with the rest
	 * of the big frame still lws's to send, only the first batch. */
	ev = simproc_counter(&sp, "events_sent") - ev0 - 1;
	printf("%s: held with %lld of the burst's events made, %lu messages "
	    "read\n", name, ev, wsc_messages(c) - read0);
	assert_true(ev > 0 && (!cut || ev < COUNT));
	assert_int_equal(wsc_pongs(c), 0);
	wsc_hold(c, false);
	return ev;
}

/* The big GUILD_CREATE, whole, next after the guilds. */
static void
read_big(struct wsc *c, long long seq)
{
	char *msg;
	size_t len;
	json_t *j;

	assert_int_equal(wsc_recv(c, WAIT, &msg, &len), WSC_MESSAGE);
	assert_true(len >= BIG);
	j = json_loadb(msg, len, 0, NULL);
	free(msg);
	if (j == NULL)
		fail_msg("the GUILD_CREATE of %zu bytes is not JSON", len);
	assert_int_equal(json_integer_value(json_object_get(j, "s")), seq);
	assert_string_equal(json_string_value(json_object_get(j, "t")),
	    "GUILD_CREATE");
	json_decref(j);
}

/* Every message after the big one: JSON, the burst's dispatches one seq
 * after the other, the ACK before the events made after the release. */
static void
read_burst(struct wsc *c, long long seq, long long made)
{
	long long n = 0, ack_at = -1;
	json_t *j;

	while (n < COUNT) {
		if ((j = wsc_recv_json(c, WAIT)) == NULL)
			fail_msg("after %lld events: %s", n, wsc_is_closed(c) ?
			    "closed" : "not JSON, or nothing");
		if (json_integer_value(json_object_get(j, "op")) == 11) {
			assert_int_equal(ack_at, -1);
			ack_at = n;
			json_decref(j);
			continue;
		}
		assert_int_equal(json_integer_value(json_object_get(j, "op")),
		    0);
		assert_int_equal(json_integer_value(json_object_get(j, "s")),
		    ++seq);
		assert_string_equal(json_string_value(json_object_get(j, "t")),
		    "MESSAGE_CREATE");
		n++;
		json_decref(j);
	}
	/* Made before the heartbeat, the whole burst is ahead of it. */
	if (ack_at < 0 && (j = wsc_wait_op(c, 11, WAIT)) != NULL) {
		ack_at = n;
		json_decref(j);
	}
	assert_true(ack_at >= 0 && ack_at <= made);
	/* RFC 6455 §5.5.3: a pong for only the latest of pings not yet
	 * answered is enough, and lws sends just that one. */
	assert_in_range(wsc_pongs(c), 1, PINGS);
}

static void
backpressure(const char *path, const char *name, bool cut)
{
	lws_usec_t t0;
	long long seq = 0, made;
	struct wsc *c = settled(path, &seq);

	t0 = lws_now_usecs();
	made = held(c, seq, name, cut);
	read_big(c, ++seq);
	read_burst(c, seq, made);
	wsc_close(c, 1000);
	assert_int_equal(wsc_wait_closed(c, WAIT), 1000);
	printf("%s: %zu bytes of messages on the wire, %lu pongs, in %ld ms\n",
	    name, wsc_bytes(c), wsc_pongs(c),
	    (long)((lws_now_usecs() - t0) / 1000));
	wsc_free(c);
}

static void
test_json(void **state)
{
	(void)state;
	backpressure("/?v=10&encoding=json", "json", true);
}

static void
test_zlib_stream(void **state)
{
	(void)state;
	backpressure("/?v=10&encoding=json&compress=zlib-stream",
	    "zlib-stream", false);
}

static void
test_zstd_stream(void **state)
{
	(void)state;
	backpressure("/?v=10&encoding=json&compress=zstd-stream",
	    "zstd-stream", false);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zlib_stream, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_zstd_stream, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
