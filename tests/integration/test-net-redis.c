/*
 * The Redis client on the lws loop (src/net/redis-lws.c) against a real
 * redis-server of the test's own: TCP and unix sockets, AUTH and SELECT,
 * a Redis killed and restarted, one that stops answering, the bounded queue.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "net/redis-lws.h"
#include "../support/redis-proc.h"
#include "../support/test-loop.h"

struct fx {
	struct tloop t;
	struct redisproc rp;
	struct redis_lws *r;
	int ups, downs;
	char why[200];
	int replies, failures;
	char last[256];
};

static void
on_up(void *ud)
{
	((struct fx *)ud)->ups++;
}

static void
on_down(void *ud, const char *why)
{
	struct fx *f = ud;

	f->downs++;
	snprintf(f->why, sizeof(f->why), "%s", why);
}

static void
on_reply(void *ud, const redisReply *rep, const char *err)
{
	struct fx *f = ud;

	if (rep == NULL) {
		f->failures++;
		snprintf(f->last, sizeof(f->last), "%s", err);
		return;
	}
	f->replies++;
	snprintf(f->last, sizeof(f->last), "%s", rep->str != NULL ? rep->str : "");
}

static bool
is_up(void *ud)
{
	struct fx *f = ud;

	return f->r != NULL && redis_lws_is_up(f->r);
}

static bool
is_down(void *ud)
{
	return ((struct fx *)ud)->downs > 0;
}

static bool
idle(void *ud)
{
	struct fx *f = ud;

	return redis_lws_pending(f->r) == 0;
}

static int
cmd(struct fx *f, const char *a, const char *b, const char *c)
{
	const char *argv[3] = { a, b, c };
	char err[200];
	int rc = redis_lws_command(f->r, on_reply, f, c != NULL ? 3 : b != NULL ? 2 : 1,
	    argv, NULL, err, sizeof(err));

	if (rc < 0)
		snprintf(f->last, sizeof(f->last), "%s", err);
	return rc;
}

static struct redis_lws *
client(struct fx *f, const char *url, const char *password, int timeout_ms)
{
	struct redis_lws_config cfg;
	struct redis_lws_hooks h = { f, on_up, on_down };
	char err[256];

	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(redis_url_parse(url, &cfg.url, err, sizeof(err)), 0);
	snprintf(cfg.password, sizeof(cfg.password), "%s", password != NULL ? password : "");
	cfg.timeout_ms = timeout_ms;
	cfg.backoff_max_ms = 500;
	f->r = redis_lws_new(&f->t.loop, &f->t.log, &cfg, &h, err, sizeof(err));
	if (f->r == NULL)
		fail_msg("%s", err);
	return f->r;
}

static int
setup_with(void **state, const char *password)
{
	static struct fx f;

	memset(&f, 0, sizeof(f));
	if (tloop_init(&f.t) < 0)
		return -1;
	if (redisproc_start(&f.rp, password) < 0) {
		tloop_free(&f.t);
		return -1;
	}
	*state = &f;
	return 0;
}

static int
setup(void **state)
{
	return setup_with(state, NULL);
}

static int
setup_pw(void **state)
{
	return setup_with(state, "s3cret-redis-pw");
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	redis_lws_free(f->r);
	redisproc_stop(&f->rp);
	tloop_free(&f->t);
	return 0;
}

static void
tcp_round_trip(void **state)
{
	struct fx *f = *state;
	char url[64];

	snprintf(url, sizeof(url), "redis://127.0.0.1:%d/2", f->rp.port);
	client(f, url, NULL, 0);
	assert_true(tloop_until(&f->t, is_up, f, 5000));
	assert_int_equal(f->ups, 1);
	assert_int_equal(cmd(f, "SET", "k", "v2"), 0);
	assert_int_equal(cmd(f, "GET", "k", NULL), 0);
	assert_true(tloop_until(&f->t, idle, f, 5000));
	assert_int_equal(f->replies, 2);
	assert_string_equal(f->last, "v2");
	/* It went to database 2, not 0. */
	{
		char out[64];
		const char *a0[] = { "-n", "0", "GET", "k", NULL };
		const char *a2[] = { "-n", "2", "GET", "k", NULL };
		assert_int_equal(redisproc_cli(&f->rp, out, sizeof(out), a0), 0);
		assert_string_equal(out, "");
		assert_int_equal(redisproc_cli(&f->rp, out, sizeof(out), a2), 0);
		assert_string_equal(out, "v2");
	}
}

static void
unix_socket_and_queue_bound(void **state)
{
	struct fx *f = *state;
	char url[160];
	int i;

	snprintf(url, sizeof(url), "unix://%s?db=1", f->rp.sock);
	client(f, url, NULL, 0);
	/* Not up yet: commands wait, up to the bound. */
	for (i = 0; i < REDIS_LWS_QUEUE_MAX; i++)
		assert_int_equal(cmd(f, "INCR", "n", NULL), 0);
	assert_int_equal(cmd(f, "INCR", "n", NULL), -1);
	assert_non_null(strstr(f->last, "waiting already"));
	assert_true(tloop_until(&f->t, idle, f, 5000));
	assert_int_equal(f->replies, REDIS_LWS_QUEUE_MAX);
	assert_int_equal(f->failures, 0);
}

static void
killed_and_restarted(void **state)
{
	struct fx *f = *state;
	char url[64];

	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", f->rp.port);
	client(f, url, NULL, 0);
	assert_true(tloop_until(&f->t, is_up, f, 5000));
	redisproc_kill(&f->rp);
	assert_true(tloop_until(&f->t, is_down, f, 5000));
	/* Down: refused at once, never queued through the outage. */
	assert_int_equal(cmd(f, "PING", NULL, NULL), -1);
	assert_non_null(strstr(f->last, "cluster store unreachable"));
	/* Some reconnects fail while it is gone; it comes back by itself. */
	tloop_run(&f->t, 700);
	assert_false(redis_lws_is_up(f->r));
	assert_int_equal(redisproc_restart(&f->rp), 0);
	assert_true(tloop_until(&f->t, is_up, f, 5000));
	assert_int_equal(redis_lws_ups(f->r), 2);
	assert_int_equal(f->downs, 1);
	assert_int_equal(cmd(f, "PING", NULL, NULL), 0);
	assert_true(tloop_until(&f->t, idle, f, 5000));
	assert_string_equal(f->last, "PONG");
}

static void
unanswered_command_drops_the_connection(void **state)
{
	struct fx *f = *state;
	char url[64];

	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", f->rp.port);
	client(f, url, NULL, 400);
	assert_true(tloop_until(&f->t, is_up, f, 5000));
	redisproc_pause(&f->rp, true);
	assert_int_equal(cmd(f, "PING", NULL, NULL), 0);
	assert_true(tloop_until(&f->t, is_down, f, 5000));
	assert_int_equal(f->failures, 1);
	assert_non_null(strstr(f->last, "no reply within 400 ms"));
	redisproc_pause(&f->rp, false);
	assert_true(tloop_until(&f->t, is_up, f, 5000));
}

static void
refused_port_is_down_not_stuck(void **state)
{
	struct fx *f = *state;
	char url[64];

	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", f->rp.port);
	redisproc_kill(&f->rp);
	client(f, url, NULL, 0);
	assert_true(tloop_until(&f->t, is_down, f, 5000));
	assert_false(redis_lws_is_up(f->r));
	assert_int_equal(redisproc_restart(&f->rp), 0);
	assert_true(tloop_until(&f->t, is_up, f, 5000));
}

static void
password_right_wrong_and_missing(void **state)
{
	struct fx *f = *state;
	char url[64];

	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", f->rp.port);
	client(f, url, "s3cret-redis-pw", 0);
	assert_true(tloop_until(&f->t, is_up, f, 5000));
	redis_lws_free(f->r);

	client(f, url, "wrong-password", 0);
	assert_true(tloop_until(&f->t, is_down, f, 5000));
	assert_non_null(strstr(f->why, "handshake refused"));
	redis_lws_free(f->r);

	f->downs = 0;
	client(f, url, NULL, 0);
	assert_true(tloop_until(&f->t, is_down, f, 5000));
	assert_non_null(strstr(f->why, "wants a password"));
	/* Neither password reached the log. */
	assert_false(tloop_logged(&f->t, "s3cret-redis-pw"));
	assert_false(tloop_logged(&f->t, "wrong-password"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(tcp_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(unix_socket_and_queue_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(killed_and_restarted, setup, teardown),
		cmocka_unit_test_setup_teardown(unanswered_command_drops_the_connection, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(refused_port_is_down_not_stuck, setup, teardown),
		cmocka_unit_test_setup_teardown(password_right_wrong_and_missing, setup_pw,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
