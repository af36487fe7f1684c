/*
 * The adapter in-process, as vigil uses it: two emulators on one lws
 * context that the test owns (created with EXPLICIT_VHOSTS), serviced by a
 * thread of the test (the client helpers block, so they need their own).
 * Checks the start/port/fault/stop API and that stopping with clients
 * still connected closes them and frees everything.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "../support/http-client.h"
#include "../support/ws-client.h"
#include "sim/server.h"

#define WAIT 3000

struct host {
	pthread_t thread;
	struct lws_context *ctx;
	struct sim_server *a, *b;
	atomic_int port_a, port_b;
	atomic_int stop;              /* 1: stop server a, 2: finish */
	atomic_int fault_done;
	char err[256];
};

static void *
serve(void *arg)
{
	struct host *h = arg;
	struct lws_context_creation_info info;
	struct sim_config cfg;
	char err[256];
	bool a_stopped = false;

	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	info.fd_limit_per_thread = 256;
	h->ctx = lws_create_context(&info);
	sim_config_defaults(&cfg);
	cfg.chatter = 0;
	h->a = sim_server_start(h->ctx, &cfg, 0, h->err, sizeof(h->err));
	h->b = sim_server_start(h->ctx, &cfg, 0, h->err, sizeof(h->err));
	atomic_store(&h->port_b, h->b != NULL ? sim_server_port(h->b) : -1);
	atomic_store(&h->port_a, h->a != NULL ? sim_server_port(h->a) : -1);
	while (h->a != NULL && h->b != NULL && atomic_load(&h->stop) < 2) {
		if (atomic_load(&h->stop) == 1 && !a_stopped) {
			/* The console's path: a fault line, then stop. */
			if (sim_server_fault(h->b, "heartbeat_request", err,
			    sizeof(err)) >= 0)
				atomic_store(&h->fault_done, 1);
			sim_server_stop(h->a);
			a_stopped = true;
		}
		lws_service(h->ctx, 0);
	}
	lws_context_destroy(h->ctx);
	return NULL;
}

static void
wake(struct host *h)
{
	lws_cancel_service(h->ctx);
}

static int
wait_port(atomic_int *port)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int i;

	for (i = 0; i < 300 && atomic_load(port) == 0; i++)
		nanosleep(&ts, NULL);
	return atomic_load(port);
}

static void
test_two_servers_one_context(void **state)
{
	struct host *h = calloc(1, sizeof(*h));
	struct httpc_resp r;
	struct wsc *ca, *cb;
	char url[96];
	json_t *j;
	int pa, pb;

	(void)state;
	assert_int_equal(pthread_create(&h->thread, NULL, serve, h), 0);
	pa = wait_port(&h->port_a);
	pb = wait_port(&h->port_b);
	assert_true(pa > 0 && pb > 0 && pa != pb);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/v10/gateway", pa);
	assert_int_equal(httpc("GET", url, NULL, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	j = httpc_json(&r);
	snprintf(url, sizeof(url), "ws://127.0.0.1:%d", pa);
	assert_string_equal(json_string_value(json_object_get(j, "url")), url);
	json_decref(j);
	httpc_free(&r);
	ca = wsc_connect(pa, "/?v=10", WAIT);
	cb = wsc_connect(pb, "/?v=10", WAIT);
	assert_non_null(ca);
	assert_non_null(cb);
	json_decref(wsc_wait_op(ca, 10, WAIT));
	json_decref(wsc_wait_op(cb, 10, WAIT));
	/* Stopping a closes its client; b keeps serving and takes a fault. */
	atomic_store(&h->stop, 1);
	wake(h);
	assert_true(wsc_wait_closed(ca, WAIT) != -2);
	j = wsc_wait_op(cb, 1, WAIT);
	assert_non_null(j);
	json_decref(j);
	assert_int_equal(atomic_load(&h->fault_done), 1);
	wsc_free(ca);
	/* Destroying the context with b's client attached frees b too. */
	atomic_store(&h->stop, 2);
	wake(h);
	pthread_join(h->thread, NULL);
	assert_true(wsc_wait_closed(cb, WAIT) != -2);
	wsc_free(cb);
	free(h);
}

static void
test_port_in_use(void **state)
{
	struct lws_context_creation_info info;
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	struct lws_context *ctx;
	struct sim_config cfg;
	char err[256];
	int fd;

	(void)state;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 1), 0);
	getsockname(fd, (struct sockaddr *)&sa, &len);
	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	info.fd_limit_per_thread = 64;
	ctx = lws_create_context(&info);
	sim_config_defaults(&cfg);
	assert_null(sim_server_start(ctx, &cfg, ntohs(sa.sin_port), err,
	    sizeof(err)));
	assert_non_null(strstr(err, "cannot listen"));
	lws_context_destroy(ctx);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_servers_one_context),
		cmocka_unit_test(test_port_in_use),
	};

	lws_set_log_level(0, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
