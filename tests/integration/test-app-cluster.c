/*
 * The cluster's primitives (src/app/cluster.c and the scripts of
 * src/bot/cluster-scripts.c) against a real redis-server of the test's own,
 * with several clients on one loop, each with its own connection as
 * separate processes would have: permits and the budget (also racing for
 * the last starts), the identify lock, the shared REST limit and its global
 * pause, leases, sessions, the cluster view, and a store that lost its data.
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

#include "app/cluster.h"
#include "app/cluster-metrics.h"
#include "../support/redis-proc.h"
#include "../support/test-loop.h"

#define CLIENTS 5

struct client {
	struct cluster *c;
	int granted, key_held, budget, unreachable, answers;
	struct cluster_permit last;
	int leases_ours, leases_refused;
	struct cluster_lease refused_lease;
	int local_used;
};

struct fx {
	struct tloop t;
	struct redisproc rp;
	struct client cl[CLIENTS];
	int n;
};

static struct fx fx;

static int
local_used(void *ud)
{
	return ((struct client *)ud)->local_used;
}

static void
on_lease(void *ud, const struct cluster_lease *l)
{
	struct client *k = ud;

	if (l->ours) {
		k->leases_ours++;
		return;
	}
	k->leases_refused++;
	k->refused_lease = *l;
}

static struct client *
client(int i, int limit, int reserve, int lease_ttl_ms)
{
	struct cluster_config cfg;
	struct cluster_hooks h;
	struct client *k = &fx.cl[i];
	char err[256];

	memset(&cfg, 0, sizeof(cfg));
	memset(&h, 0, sizeof(h));
	assert_int_equal(redis_url_parse("unix:///x", &cfg.redis.url, err, sizeof(err)), 0);
	snprintf(cfg.redis.url.path, sizeof(cfg.redis.url.path), "%s", fx.rp.sock);
	snprintf(cfg.name, sizeof(cfg.name), "test");
	snprintf(cfg.owner, sizeof(cfg.owner), "proc%d", i);
	cfg.limit = limit;
	cfg.reserve = reserve;
	cfg.assume_on_loss = 50;
	cfg.lease_ttl_ms = lease_ttl_ms;
	cfg.connect_ms = 10000;
	cfg.view_shards = 3;
	h.ud = k;
	h.local_used = local_used;
	h.on_lease = on_lease;
	k->c = cluster_new(&fx.t.loop, &fx.t.log, &cfg, &h, err, sizeof(err));
	if (k->c == NULL)
		fail_msg("%s", err);
	if (i >= fx.n)
		fx.n = i + 1;
	return k;
}

static bool
all_up(void *ud)
{
	(void)ud;
	for (int i = 0; i < fx.n; i++) {
		if (fx.cl[i].c != NULL && !cluster_is_up(fx.cl[i].c))
			return false;
	}
	return true;
}

static bool
quiet(void *ud)
{
	(void)ud;
	for (int i = 0; i < fx.n; i++) {
		if (fx.cl[i].c != NULL && redis_lws_pending(cluster_redis(fx.cl[i].c)) > 0)
			return false;
	}
	return true;
}

static void
settle(void)
{
	if (!tloop_until(&fx.t, quiet, NULL, 5000)) {
		tloop_dump(&fx.t);
		fail_msg("the store did not answer");
	}
}

static void
on_permit(void *ud, const struct cluster_permit *p)
{
	struct client *k = ud;

	k->answers++;
	k->last = *p;
	switch (p->status) {
	case CP_GRANTED: k->granted++; break;
	case CP_KEY_HELD: k->key_held++; break;
	case CP_BUDGET: k->budget++; break;
	case CP_UNREACHABLE: k->unreachable++; break;
	}
}

static int
permit(struct client *k, int shard, int key)
{
	char err[200];

	return cluster_permit(k->c, shard, key, on_permit, k, err, sizeof(err));
}

static int budget_used = -1, budget_left = -1;

static void
on_budget(void *ud, int used, int left, int64_t next_free, const char *err)
{
	(void)ud;
	(void)next_free;
	assert_null(err);
	budget_used = used;
	budget_left = left;
}

static void
read_budget(struct client *k)
{
	char err[200];

	budget_used = -1;
	assert_int_equal(cluster_budget(k->c, on_budget, NULL, err, sizeof(err)), 0);
	settle();
}

static int
setup(void **state)
{
	(void)state;
	memset(&fx, 0, sizeof(fx));
	if (tloop_init(&fx.t) < 0)
		return -1;
	if (redisproc_start(&fx.rp, NULL) < 0) {
		tloop_free(&fx.t);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	for (int i = 0; i < CLIENTS; i++)
		cluster_free(fx.cl[i].c);
	redisproc_stop(&fx.rp);
	tloop_free(&fx.t);
	return 0;
}

static void
permits_take_the_budget_down_to_the_reserve(void **state)
{
	struct client *a = client(0, 5, 1, 0);

	(void)state;
	assert_true(tloop_until(&fx.t, all_up, NULL, 5000));
	for (int s = 0; s < 5; s++)
		assert_int_equal(permit(a, s, s), 0);
	settle();
	assert_int_equal(a->granted, 4);
	assert_int_equal(a->budget, 1);
	assert_int_equal(a->last.status, CP_BUDGET);
	/* The next slot frees when the oldest start is 24 h old. */
	assert_true(a->last.next_free_wall_ms > (int64_t)time(NULL) * 1000 + 86000000);
	read_budget(a);
	assert_int_equal(budget_used, 4);
	assert_int_equal(budget_left, 1);
}

static void
one_identify_per_key_per_5s(void **state)
{
	struct client *a = client(0, 100, 0, 0), *b = client(1, 100, 0, 0);

	(void)state;
	assert_true(tloop_until(&fx.t, all_up, NULL, 5000));
	assert_int_equal(permit(a, 0, 0), 0);
	settle();
	assert_int_equal(permit(b, 4, 0), 0);
	assert_int_equal(permit(b, 5, 1), 0);
	settle();
	assert_int_equal(a->granted, 1);
	assert_int_equal(b->key_held, 1);
	assert_int_equal(b->granted, 1);
	read_budget(a);
	assert_int_equal(budget_used, 2);
}

static void
key_held_says_who_and_how_long(void **state)
{
	struct client *a = client(0, 100, 0, 0), *b = client(1, 100, 0, 0);

	(void)state;
	assert_true(tloop_until(&fx.t, all_up, NULL, 5000));
	assert_int_equal(permit(a, 3, 0), 0);
	settle();
	assert_int_equal(permit(b, 7, 0), 0);
	settle();
	assert_int_equal(b->last.status, CP_KEY_HELD);
	assert_string_equal(b->last.holder, "proc0 shard 3");
	/* Held through the connect (connect_ms), until the IDENTIFY. */
	assert_true(b->last.wait_ms > 0 &&
	    b->last.wait_ms <= CLUSTER_SPACING_MS + 10000 + CLUSTER_SPACING_MARGIN);
}

static long long
pttl(const char *k)
{
	char out[32];
	const char *args[] = { "PTTL", k, NULL };

	assert_int_equal(redisproc_cli(&fx.rp, out, sizeof(out), args), 0);
	return strtoll(out, NULL, 10);
}

/* The permit holds the key through the connect; the IDENTIFY re-stamps it
 * to rest 5 s from then. */
static void
the_key_rests_5s_from_the_identify(void **state)
{
	struct client *a = client(0, 100, 0, 0);

	(void)state;
	assert_true(tloop_until(&fx.t, all_up, NULL, 5000));
	assert_int_equal(permit(a, 2, 0), 0);
	settle();
	assert_int_equal(a->granted, 1);
	assert_true(pttl("vigil:{test}:identify:0") > 10000);
	cluster_identified(a->c, 2, 0);
	settle();
	assert_true(pttl("vigil:{test}:identify:0") <= CLUSTER_SPACING_MS + CLUSTER_SPACING_MARGIN);
	/* Another shard's IDENTIFY does not touch a key it does not hold. */
	cluster_identified(a->c, 3, 0);
	settle();
	assert_true(pttl("vigil:{test}:identify:0") > 4000);
}

/* Five processes race for the last ten starts: exactly ten win. */
static void
racing_clients_never_exceed_the_limit(void **state)
{
	int granted = 0, refused = 0;

	(void)state;
	for (int i = 0; i < CLIENTS; i++)
		client(i, 12, 2, 0);
	assert_true(tloop_until(&fx.t, all_up, NULL, 5000));
	for (int round = 0; round < 6; round++) {
		for (int i = 0; i < CLIENTS; i++) {
			int shard = i * 6 + round;
			assert_int_equal(permit(&fx.cl[i], shard, shard), 0);
		}
	}
	settle();
	for (int i = 0; i < CLIENTS; i++) {
		granted += fx.cl[i].granted;
		refused += fx.cl[i].budget;
		assert_int_equal(fx.cl[i].answers, 6);
	}
	assert_int_equal(granted, 10);
	assert_int_equal(refused, 20);
	read_budget(&fx.cl[0]);
	assert_int_equal(budget_used, 10);
	{
		char out[32];
		const char *args[] = { "ZCARD", "vigil:{test}:starts", NULL };
		assert_int_equal(redisproc_cli(&fx.rp, out, sizeof(out), args), 0);
		assert_string_equal(out, "10");
	}
}

/* Discord's reading, when stricter, rules: 3 remaining, reserve 1. */
static void
discord_reading_is_shared(void **state)
{
	struct client *a = client(0, 1000, 1, 0), *b = client(1, 1000, 1, 0);

	(void)state;
	assert_true(tloop_until(&fx.t, all_up, NULL, 5000));
	cluster_report_limit(a->c, 1000, 3, 3600000, 16);
	settle();
	for (int s = 0; s < 4; s++)
		assert_int_equal(permit(b, s, s), 0);
	settle();
	assert_int_equal(b->granted, 2);
	assert_int_equal(b->budget, 2);
	/* Discord's reset, not the 24 h window, frees the next slot. */
	assert_true(b->last.next_free_wall_ms < (int64_t)time(NULL) * 1000 + 3700000);
}

struct rest_count {
	int go, wait;
	int64_t last_wait;
};

static void
on_rest(void *ud, bool go, int64_t wait_ms, const char *err)
{
	struct rest_count *rc = ud;

	assert_null(err);
	if (go)
		rc->go++;
	else {
		rc->wait++;
		rc->last_wait = wait_ms;
	}
}

/* 150 asks at once from three processes: the burst goes, the rest waits. */
static void
rest_limit_is_shared_and_paused_by_a_global_429(void **state)
{
	struct rest_count rc = { 0, 0, 0 };
	char err[200];

	(void)state;
	for (int i = 0; i < 3; i++)
		client(i, 1000, 10, 0);
	assert_true(tloop_until(&fx.t, all_up, NULL, 5000));
	for (int n = 0; n < 50; n++) {
		for (int i = 0; i < 3; i++)
			assert_int_equal(cluster_rest_take(fx.cl[i].c, 1, on_rest, &rc, err,
			    sizeof(err)), 0);
	}
	settle();
	assert_int_equal(rc.go + rc.wait, 150);
	/* The burst plus what 50/s refilled meanwhile; far from 150. */
	assert_true(rc.go >= CLUSTER_REST_BURST);
	assert_true(rc.go < 60);
	assert_true(rc.last_wait > 0);

	/* A global 429 seen by one pauses every process. */
	tloop_run(&fx.t, 1200);
	cluster_rest_pause(fx.cl[0].c, 2000);
	settle();
	memset(&rc, 0, sizeof(rc));
	assert_int_equal(cluster_rest_take(fx.cl[2].c, 1, on_rest, &rc, err, sizeof(err)), 0);
	settle();
	assert_int_equal(rc.go, 0);
	assert_true(rc.last_wait > 1500 && rc.last_wait <= 2000);
}

static bool
b_owns_1(void *ud)
{
	(void)ud;
	return cluster_owns(fx.cl[1].c, 1);
}

struct owns {
	int client, shard;
};

static bool
owns(void *ud)
{
	const struct owns *o = ud;

	return cluster_owns(fx.cl[o->client].c, o->shard);
}

/* Claims wait one lease time after the first contact with the store. */
static void
wait_owns(int client, int shard)
{
	struct owns o = { client, shard };

	if (!tloop_until(&fx.t, owns, &o, 8000)) {
		tloop_dump(&fx.t);
		fail_msg("client %d never held shard %d", client, shard);
	}
}

/* The client's /metrics families (malloc'd). */
static char *
metrics_of(const struct client *k)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	cluster_metrics(k->c, f);
	fclose(f);
	return text;
}

/* /metrics' families from the counters: no Redis call while scraping. */
static void
metrics_from_the_counters(void **state)
{
	struct client *a = client(0, 100, 0, 600);
	char *text;
	char err[200];
	int s0 = 3;

	(void)state;
	assert_true(tloop_until(&fx.t, all_up, NULL, 5000));
	assert_int_equal(cluster_claim(a->c, &s0, 1, err, sizeof(err)), 0);
	wait_owns(0, 3);
	assert_int_equal(permit(a, 3, 0), 0);
	assert_int_equal(permit(a, 4, 0), 0);
	settle();
	text = metrics_of(a);
	assert_non_null(strstr(text, "vigil_cluster_store_up 1\n"));
	assert_non_null(strstr(text, "vigil_cluster_permits_total{result=\"granted\"} 1\n"));
	assert_non_null(strstr(text, "vigil_cluster_permits_total{result=\"key_held\"} 1\n"));
	assert_non_null(strstr(text, "vigil_cluster_session_starts_left 99\n"));
	assert_non_null(strstr(text, "vigil_cluster_shard_owned{shard=\"3\"} 1\n"));
	free(text);
}

static void
a_shard_claimed_twice_is_refused_until_the_lease_lapses(void **state)
{
	struct client *a = client(0, 1000, 10, 1500), *b = client(1, 1000, 10, 1500);
	char err[200];
	int sa[2] = { 0, 1 }, sb[2] = { 1, 2 };

	(void)state;
	assert_true(tloop_until(&fx.t, all_up, NULL, 5000));
	assert_int_equal(cluster_claim(a->c, sa, 2, err, sizeof(err)), 0);
	wait_owns(0, 0);
	assert_int_equal(cluster_claim(b->c, sb, 2, err, sizeof(err)), 0);
	wait_owns(1, 2);
	settle();
	assert_true(cluster_owns(a->c, 0) && cluster_owns(a->c, 1));
	assert_false(cluster_owns(b->c, 1));
	assert_true(cluster_owns(b->c, 2));
	assert_int_equal(b->leases_refused, 1);
	assert_string_equal(b->refused_lease.holder, "proc0");
	assert_int_equal(b->refused_lease.shard, 1);
	assert_true(tloop_logged(&fx.t, "shard 1 is claimed by proc0"));
	/* a keeps renewing: b stays refused well past one lease. */
	tloop_run(&fx.t, 2500);
	assert_false(cluster_owns(b->c, 1));
	/* a dies without a word (kill -9): its lease lapses, b takes over. */
	cluster_free(a->c);
	a->c = NULL;
	assert_true(tloop_until(&fx.t, b_owns_1, NULL, 5000));
}

static struct cluster_session got;
static int got_n;

static void
on_session(void *ud, const struct cluster_session *s, const char *err)
{
	(void)ud;
	assert_null(err);
	got = *s;
	got_n++;
}

static void
sessions_move_with_their_shard(void **state)
{
	struct client *a = client(0, 1000, 10, 600), *b = client(1, 1000, 10, 600);
	char err[200];
	int s0 = 0;

	(void)state;
	assert_true(tloop_until(&fx.t, all_up, NULL, 5000));
	assert_int_equal(cluster_claim(a->c, &s0, 1, err, sizeof(err)), 0);
	wait_owns(0, 0);
	cluster_session_put(a->c, 0, "sess-abc", 42, "wss://resume.example/", 60000);
	/* Not b's shard: its write is refused. */
	cluster_session_put(b->c, 0, "sess-evil", 1, "wss://x/", 60000);
	settle();
	assert_int_equal(cluster_session_get(b->c, 0, on_session, NULL, err, sizeof(err)), 0);
	settle();
	assert_int_equal(got_n, 1);
	assert_true(got.found);
	assert_string_equal(got.id, "sess-abc");
	assert_int_equal(got.seq, 42);
	assert_string_equal(got.url, "wss://resume.example/");
	cluster_session_put(a->c, 0, "", 0, "", 0);
	settle();
	assert_int_equal(cluster_session_get(b->c, 0, on_session, NULL, err, sizeof(err)), 0);
	settle();
	assert_false(got.found);
}

static struct cluster_shard_view view[4];
static int view_n = -1;

static void
on_view(void *ud, const struct cluster_shard_view *v, int n, const char *err)
{
	(void)ud;
	assert_null(err);
	memcpy(view, v, (size_t)n * sizeof(*v));
	view_n = n;
}

static void
the_cluster_view_marks_lapsed_owners(void **state)
{
	struct client *a = client(0, 1000, 10, 1000), *b = client(1, 1000, 10, 1000);
	char err[200], *text;
	int s0 = 0, s1 = 1;

	(void)state;
	assert_true(tloop_until(&fx.t, all_up, NULL, 5000));
	assert_int_equal(cluster_claim(a->c, &s0, 1, err, sizeof(err)), 0);
	assert_int_equal(cluster_claim(b->c, &s1, 1, err, sizeof(err)), 0);
	wait_owns(0, 0);
	wait_owns(1, 1);
	cluster_publish(a->c, 0, "Connected");
	cluster_publish(b->c, 1, "Resuming");
	settle();
	assert_int_equal(cluster_view(b->c, 3, on_view, NULL, err, sizeof(err)), 0);
	settle();
	assert_int_equal(view_n, 3);
	assert_string_equal(view[0].owner, "proc0");
	assert_string_equal(view[0].state, "Connected");
	assert_false(view[0].lapsed);
	assert_string_equal(view[1].owner, "proc1");
	assert_string_equal(view[1].state, "Resuming");
	assert_string_equal(view[2].owner, "");
	assert_string_equal(view[2].state, "");
	tloop_run(&fx.t, 400);
	assert_int_equal(cluster_shard_owner(b->c, 0), CO_ELSEWHERE);
	cluster_free(a->c);
	a->c = NULL;
	tloop_run(&fx.t, 1300);
	assert_int_equal(cluster_view(b->c, 3, on_view, NULL, err, sizeof(err)), 0);
	settle();
	assert_true(view[0].lapsed);
	assert_string_equal(view[0].published_by, "proc0");
	assert_false(view[1].lapsed);
	/* The view b reads after each renewal, for its grid and /metrics. */
	assert_int_equal(cluster_shard_owner(b->c, 0), CO_LAPSED);
	assert_int_equal(cluster_shard_owner(b->c, 1), CO_HERE);
	assert_int_equal(cluster_shard_owner(b->c, 2), CO_NOBODY);
	text = metrics_of(b);
	assert_non_null(strstr(text, "vigil_cluster_shards{owner=\"here\"} 1\n"));
	assert_non_null(strstr(text, "vigil_cluster_shards{owner=\"elsewhere\"} 0\n"));
	assert_non_null(strstr(text, "vigil_cluster_shards{owner=\"lapsed\"} 1\n"));
	assert_non_null(strstr(text, "vigil_cluster_shards{owner=\"nobody\"} 1\n"));
	free(text);
}

static bool
a_up(void *ud)
{
	return cluster_is_up(((struct client *)ud)->c);
}

static bool
a_down(void *ud)
{
	return !cluster_is_up(((struct client *)ud)->c);
}

/* Redis restarts empty: no IDENTIFY while it is down, and the budget comes
 * back conservatively (what we counted + the assumption), never at zero. */
static void
a_store_that_lost_its_data_is_reseeded_conservatively(void **state)
{
	struct client *a = client(0, 1000, 10, 0);
	char err[200];

	(void)state;
	assert_true(tloop_until(&fx.t, all_up, NULL, 5000));
	for (int s = 0; s < 3; s++)
		assert_int_equal(permit(a, s, s), 0);
	settle();
	assert_int_equal(a->granted, 3);
	a->local_used = 3;
	redisproc_kill(&fx.rp);
	assert_true(tloop_until(&fx.t, a_down, a, 5000));
	assert_int_equal(cluster_permit(a->c, 9, 9, on_permit, a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cluster store unreachable"));
	assert_int_equal(redisproc_restart(&fx.rp), 0);
	assert_true(tloop_until(&fx.t, a_up, a, 8000));
	settle();
	assert_true(tloop_logged(&fx.t, "lost its data"));
	read_budget(a);
	assert_int_equal(budget_used, 3 + 50);
	/* The identify locks went with the data: the re-seed holds every key
	 * for 5 s. (EVALSHA after the restart: NOSCRIPT, then the text.) */
	assert_int_equal(permit(a, 9, 9), 0);
	settle();
	assert_int_equal(a->key_held, 1);
	assert_string_equal(a->last.holder, "re-seeded store");
	assert_int_equal(a->granted, 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(permits_take_the_budget_down_to_the_reserve, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(one_identify_per_key_per_5s, setup, teardown),
		cmocka_unit_test_setup_teardown(key_held_says_who_and_how_long, setup, teardown),
		cmocka_unit_test_setup_teardown(the_key_rests_5s_from_the_identify, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(metrics_from_the_counters, setup, teardown),
		cmocka_unit_test_setup_teardown(racing_clients_never_exceed_the_limit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(discord_reading_is_shared, setup, teardown),
		cmocka_unit_test_setup_teardown(rest_limit_is_shared_and_paused_by_a_global_429,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    a_shard_claimed_twice_is_refused_until_the_lease_lapses, setup, teardown),
		cmocka_unit_test_setup_teardown(sessions_move_with_their_shard, setup, teardown),
		cmocka_unit_test_setup_teardown(the_cluster_view_marks_lapsed_owners, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    a_store_that_lost_its_data_is_reseeded_conservatively, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
