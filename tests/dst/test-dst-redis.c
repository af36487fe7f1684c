/*
 * The simulated Redis (tests/dst/redis-sim.c) against a real redis-server:
 * the same seeded sequence of the cluster's scripts runs on both, the
 * simulation's clock set to the real Redis's TIME read right before each
 * call (in one MULTI with it, so nothing runs between), and every reply
 * must match (status codes and strings exactly; times, TTLs and waits
 * within 100 ms). This is what lets
 * the deterministic simulation stand for Redis.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "bot/rng.h"
#include "redis-sim.h"
#include "../support/redis-proc.h"

#define OPS 600

struct fx {
	struct redisproc rp;
	redisContext *real;
	struct simredis *sim;
};

static int
setup(void **state)
{
	static struct fx f;

	memset(&f, 0, sizeof(f));
	if (redisproc_start(&f.rp, NULL) < 0)
		return -1;
	f.real = redisConnectUnix(f.rp.sock);
	f.sim = simredis_new();
	if (f.real == NULL || f.real->err != 0 || f.sim == NULL)
		return -1;
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	redisFree(f->real);
	simredis_free(f->sim);
	redisproc_stop(&f->rp);
	return 0;
}

/* The real script's reply, and the real Redis's clock right before it ran:
 * TIME and the script in one MULTI, so nothing runs between them. */
static redisReply *
real_eval(struct fx *f, int argc, const char **argv, int64_t *now_ms)
{
	redisReply *r = NULL, *exec = NULL;
	void *rep;

	redisAppendCommand(f->real, "MULTI");
	redisAppendCommand(f->real, "TIME");
	redisAppendCommandArgv(f->real, argc, argv, NULL);
	redisAppendCommand(f->real, "EXEC");
	for (int i = 0; i < 4; i++) {
		if (redisGetReply(f->real, &rep) != REDIS_OK)
			return NULL;
		if (i < 3)
			freeReplyObject(rep);
		else
			exec = rep;
	}
	if (exec == NULL || exec->type != REDIS_REPLY_ARRAY || exec->elements != 2) {
		freeReplyObject(exec);
		return NULL;
	}
	*now_ms = strtoll(exec->element[0]->element[0]->str, NULL, 10) * 1000 +
	    strtoll(exec->element[0]->element[1]->str, NULL, 10) / 1000;
	/* Keep the script's reply, free the rest. */
	r = exec->element[1];
	exec->element[1] = NULL;
	exec->elements = 1;
	freeReplyObject(exec);
	return r;
}

/* A published state ends in "|<ms>": compare up to it. */
static bool
same_text(const char *a, const char *b)
{
	const char *ba = strrchr(a, '|'), *bb = strrchr(b, '|');

	if (ba != NULL && bb != NULL && ba - a == bb - b && strncmp(a, b, (size_t)(ba - a)) == 0)
		return llabs(strtoll(ba + 1, NULL, 10) - strtoll(bb + 1, NULL, 10)) <= 100;
	return strcmp(a, b) == 0;
}

static void
same(const redisReply *a, const redisReply *b, const char *what, int depth, size_t i)
{
	if (a->type != b->type)
		fail_msg("%s: reply type %d (real) vs %d (sim) at depth %d [%zu] (%s | %s)", what,
		    a->type, b->type, depth, i, a->str ? a->str : "", b->str ? b->str : "");
	switch (a->type) {
	case REDIS_REPLY_INTEGER:
		/* The first element is a status: exact. The rest may be times. */
		if (i == 0 ? a->integer != b->integer : llabs(a->integer - b->integer) > 100)
			fail_msg("%s: [%zu] %lld (real) vs %lld (sim)", what, i, a->integer,
			    b->integer);
		break;
	case REDIS_REPLY_ERROR:
		break;          /* both failed; the texts are each Lua's own */
	case REDIS_REPLY_STRING:
	case REDIS_REPLY_STATUS:
		if (!same_text(a->str, b->str))
			fail_msg("%s: [%zu] \"%s\" (real) vs \"%s\" (sim)", what, i, a->str, b->str);
		break;
	case REDIS_REPLY_ARRAY:
		if (a->elements != b->elements)
			fail_msg("%s: %zu elements (real) vs %zu (sim)", what, a->elements,
			    b->elements);
		for (size_t j = 0; j < a->elements; j++)
			same(a->element[j], b->element[j], what, depth + 1, j);
		break;
	default:
		break;
	}
}

static int calls;

static void
both(struct fx *f, enum cluster_script s, int nkeys, const char *const *keys, int nargs,
    const char *const *args)
{
	const char *argv[32];
	char n[8];
	int argc = 0;
	redisReply *real, *sim;

	argv[argc++] = "EVAL";
	argv[argc++] = cluster_script(s)->text;
	snprintf(n, sizeof(n), "%d", nkeys);
	argv[argc++] = n;
	for (int i = 0; i < nkeys; i++)
		argv[argc++] = keys[i];
	for (int i = 0; i < nargs; i++)
		argv[argc++] = args[i];
	int64_t now = 0;

	real = real_eval(f, argc, argv, &now);
	assert_non_null(real);
	sim = simredis_eval(f->sim, now, s, nkeys, keys, nargs, args);
	assert_non_null(sim);
	same(real, sim, cluster_script(s)->name, 0, 0);
	freeReplyObject(real);
	freeReplyObject(sim);
	calls++;
}

#define P "vigil:{eq}:"

static void
op(struct fx *f, struct rng *g)
{
	char a[8][48];
	const char *owners[] = { "procA", "procB" };
	const char *owner = owners[rng_range(g, 0, 1)];
	int shard = (int)rng_range(g, 0, 3);
	char okey[48], skey[48];

	snprintf(okey, sizeof(okey), P "owner:%d", shard);
	snprintf(skey, sizeof(skey), P "session:%d", shard);
	switch (rng_range(g, 0, 13)) {
	case 0: case 1: case 2: {
		const char *k[4] = { P "starts", P "limit", P "epoch", a[0] };
		const char *v[6] = { owner, a[1], "8", "1", "300", rng_range(g, 0, 3) ? "" : "e1" };
		snprintf(a[0], sizeof(a[0]), P "identify:%d", shard % 2);
		snprintf(a[1], sizeof(a[1]), "%d", shard);
		both(f, CS_PERMIT, 4, k, 6, v);
		break;
	}
	case 3: {
		const char *k[2] = { P "starts", P "epoch" };
		const char *v[5] = { rng_range(g, 0, 1) ? "e1" : "e2", "2", "2", P "identify:", "300" };
		both(f, CS_SEED, 2, k, 5, v);
		break;
	}
	case 4: {
		const char *k[1] = { P "limit" };
		const char *v[4] = { "8", a[0], "600000", "2" };
		snprintf(a[0], sizeof(a[0]), "%d", (int)rng_range(g, 0, 8));
		both(f, CS_LIMIT, 1, k, 4, v);
		break;
	}
	case 5: {
		const char *k[2] = { P "starts", P "limit" };
		const char *v[1] = { "8" };
		both(f, CS_BUDGET, 2, k, 1, v);
		break;
	}
	case 6: {
		const char *k[1] = { P "rest" };
		/* A slow rate: a decision right at a boundary would hang on
		 * the two clocks' sub-millisecond distance. */
		const char *v[3] = { "1", "2", a[0] };
		snprintf(a[0], sizeof(a[0]), "%d", (int)rng_range(g, 1, 3));
		both(f, rng_range(g, 0, 9) ? CS_REST_TAKE : CS_REST_PAUSE, 1, k, 3, v);
		break;
	}
	case 7: {
		const char *k[2] = { okey, P "owner:9" };
		const char *v[3] = { owner, "5000", rng_range(g, 0, 1) ? "1" : "0" };
		bool lease = rng_range(g, 0, 3) != 0;
		both(f, lease ? CS_LEASE : CS_RELEASE, rng_range(g, 0, 3) ? 2 : 1, k, lease ? 3 : 2,
		    v);
		break;
	}
	case 8: {
		const char *k[2] = { okey, skey };
		const char *v[5] = { owner, rng_range(g, 0, 4) ? "sess-x" : "", a[0], "wss://r/",
		    "60000" };
		snprintf(a[0], sizeof(a[0]), "%d", (int)rng_range(g, 1, 500));
		both(f, CS_SESSION_PUT, 2, k, 5, v);
		break;
	}
	case 9: {
		const char *k[1] = { skey };
		both(f, CS_SESSION_GET, 1, k, 0, NULL);
		break;
	}
	case 12: {
		const char *k[1] = { a[0] };
		const char *v[2] = { a[1], "300" };
		snprintf(a[0], sizeof(a[0]), P "identify:%d", shard % 2);
		snprintf(a[1], sizeof(a[1]), "%s shard %d", owner, shard);
		both(f, CS_IDENTIFIED, 1, k, 2, v);
		break;
	}
	case 10: {
		const char *k[1] = { P "state" };
		const char *v[3] = { owner, a[0], rng_range(g, 0, 1) ? "Connected" : "Resuming" };
		snprintf(a[0], sizeof(a[0]), "%d", shard);
		both(f, CS_PUBLISH, 1, k, 3, v);
		break;
	}
	case 11: {
		const char *k[1] = { P "epoch" };
		const char *v[2] = { P "identify:", "2" };
		both(f, CS_HOLDERS, 1, k, 2, v);
		break;
	}
	default: {
		const char *k[1] = { P "state" };
		const char *v[2] = { P "owner:", "5" };
		both(f, CS_VIEW, 1, k, 2, v);
		break;
	}
	}
}

static void
same_replies_as_a_real_redis(void **state)
{
	struct fx *f = *state;
	struct rng g;

	rng_seed(&g, 7);
	for (int i = 0; i < OPS; i++) {
		/* 2 ms apart: two calls in one millisecond could order their
		 * stamps differently on the two clocks (TIME and the script
		 * can still fall on either side of a millisecond). */
		usleep(2000);
		op(f, &g);
		/* Now and then the store loses everything, on both sides. */
		if (rng_range(&g, 0, 99) == 0) {
			redisReply *x = redisCommand(f->real, "FLUSHALL");
			freeReplyObject(x);
			simredis_flush(f->sim);
		}
	}
	assert_int_equal(calls, OPS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(same_replies_as_a_real_redis, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
