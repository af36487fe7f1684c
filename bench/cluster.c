/*
 * The cluster's round trips against a real Redis (make bench runs it with
 * a redis-server of its own, bench/cluster.sh): an identify permit with one
 * in flight (its latency), and REST-limit takes 200 in flight (the rate one
 * process's client can sustain). Figures only, never pass or fail.
 *
 *   bench/cluster URL [N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cluster.h"
#include "net/gateway.h"

#define PIPELINE 200

struct run {
	struct loop loop;
	struct logring log;
	struct cluster *c;
	int done, want;
};

static void
on_permit(void *ud, const struct cluster_permit *p)
{
	(void)p;
	((struct run *)ud)->done++;
}

static void
on_rest(void *ud, bool go, int64_t wait_ms, const char *err)
{
	(void)go;
	(void)wait_ms;
	(void)err;
	((struct run *)ud)->done++;
}

/* Turns the loop until `want` answers came (or 10 s passed). */
static bool
spin(struct run *r)
{
	int64_t end = loop_now_us() + 10000000;

	while (r->done < r->want && loop_now_us() < end) {
		loop_arm(&r->loop, loop_now_us() / 1000 + 50);
		loop_turn(&r->loop);
	}
	return r->done >= r->want;
}

int
main(int argc, char **argv)
{
	struct run r;
	struct loop_hooks none;
	struct cluster_config cfg;
	char err[256];
	int n = argc > 2 ? atoi(argv[2]) : 20000, serial = n / 10;
	int64_t t0, t1;

	if (argc < 2 || n < PIPELINE) {
		fprintf(stderr, "usage: cluster URL [N >= %d]\n", PIPELINE);
		return 2;
	}
	memset(&r, 0, sizeof(r));
	memset(&none, 0, sizeof(none));
	memset(&cfg, 0, sizeof(cfg));
	if (logring_init(&r.log, 256) < 0 ||
	    loop_init(&r.loop, gateway_protocol(), &r.log, &none, err, sizeof(err)) < 0 ||
	    redis_url_parse(argv[1], &cfg.redis.url, err, sizeof(err)) < 0) {
		fprintf(stderr, "cluster bench: %s\n", err);
		return 1;
	}
	snprintf(cfg.name, sizeof(cfg.name), "bench");
	cfg.limit = 10 * n;
	cfg.spacing_ms = 1;
	r.c = cluster_new(&r.loop, &r.log, &cfg, NULL, err, sizeof(err));
	if (r.c == NULL) {
		fprintf(stderr, "cluster bench: %s\n", err);
		return 1;
	}
	/* Up: the first answer comes once connected. */
	r.want = 1;
	if (cluster_permit(r.c, 0, 0, on_permit, &r, err, sizeof(err)) < 0 || !spin(&r)) {
		fprintf(stderr, "cluster bench: no store at %s\n", argv[1]);
		return 1;
	}
	t0 = loop_now_us();
	for (int i = 0; i < serial; i++) {
		r.want = r.done + 1;
		/* A new key each time: every permit is granted, none waits. */
		if (cluster_permit(r.c, i, 1 + i, on_permit, &r, err, sizeof(err)) < 0 || !spin(&r))
			return 1;
	}
	t1 = loop_now_us();
	printf("cluster permit   %.1f us a round trip (%d, one in flight, %s)\n",
	    (double)(t1 - t0) / serial, serial, argv[1]);
	t0 = loop_now_us();
	for (int k = 0; k < n / PIPELINE; k++) {
		r.want = r.done + PIPELINE;
		for (int i = 0; i < PIPELINE; i++)
			if (cluster_rest_take(r.c, 1, on_rest, &r, err, sizeof(err)) < 0)
				return 1;
		if (!spin(&r))
			return 1;
	}
	t1 = loop_now_us();
	printf("cluster rest     %.0f limit checks/s (%d, %d in flight)\n",
	    (double)(n / PIPELINE * PIPELINE) / ((double)(t1 - t0) / 1e6), n, PIPELINE);
	cluster_free(r.c);
	loop_free(&r.loop);
	logring_free(&r.log);
	return 0;
}
