/*
 * The fleet (fleet.h): building the shared parts, finding a shard, routing
 * REST answers to the shard that asked, and waking the next shard of a
 * concurrency key when the key frees.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/bot-internal.h"

int
fleet_guild_shard(uint64_t guild_id, int shard_count)
{
	return shard_count > 1 ? (int)((guild_id >> 22) % (uint64_t)shard_count) : 0;
}

int
fleet_init(struct fleet *f, const struct bot_config *cfg, int cap, struct vtime now,
    char *err, size_t errlen)
{
	memset(f, 0, sizeof(*f));
	f->shard_count = cfg->shard_count > 0 ? cfg->shard_count : 1;
	f->persist_due = VTIME_NEVER;
	if (f->shard_count > FLEET_SHARDS_MAX || cap < 1 || cap > f->shard_count) {
		snprintf(err, errlen, "%d shards of %d: at most %d, and no more than the total",
		    cap, f->shard_count, FLEET_SHARDS_MAX);
		return -1;
	}
	if (logring_init(&f->log, cfg->log_capacity) < 0) {
		snprintf(err, errlen, "out of memory for the log ring");
		return -1;
	}
	f->log.capture = cfg->log_capture;
	f->log.tag_shards = f->shard_count > 1;
	logring_set_secret(&f->log, cfg->token);
	logring_set_time(&f->log, now);
	rng_seed(&f->rng, cfg->seed);
	budget_init(&f->budget, cfg->budget_limit, cfg->budget_reserve);
	listeners_init(&f->listeners);
	f->cache = cache_new(&cfg->cache);
	f->rest = rlq_new(&f->rng, &f->log);
	f->bots = calloc((size_t)cap, sizeof(*f->bots));
	f->capbots = cap;
	if (f->cache == NULL || f->rest == NULL || f->bots == NULL ||
	    identq_init(&f->idq, cap) < 0) {
		snprintf(err, errlen, "out of memory");
		fleet_free(f);
		return -1;
	}
	return 0;
}

void
fleet_free(struct fleet *f)
{
	rlq_free(f->rest);
	cache_free(f->cache);
	identq_free(&f->idq);
	free(f->bots);
	logring_free(&f->log);
	memset(f, 0, sizeof(*f));
}

struct bot *
fleet_shard(const struct fleet *f, int shard_id)
{
	for (int i = 0; i < f->nbots; i++) {
		if (f->bots[i]->cfg.shard_id == shard_id)
			return f->bots[i];
	}
	return NULL;
}

/* The shard that asked: its own /gateway/bot fetch, the shard holding a
 * call's callback, else the first (a plain bot_rest only logs). */
static struct bot *
asker(const struct fleet *f, const struct rlq_done *done)
{
	if (done->tag == TAG_GATEWAY_BOT && done->ud != NULL)
		return done->ud;
	if (done->tag == TAG_CALL && done->ud != NULL)
		return rest_call_owner(done->ud);
	return f->bots[0];
}

void
fleet_on_http(struct fleet *f, struct vtime now, uint64_t http_id, int status,
    const struct rlq_headers *h, const char *body, size_t len, const char *err)
{
	struct rlq_done done;

	if (f->nbots == 0)
		return;
	logring_set_time(&f->log, now);
	rlq_complete(f->rest, now, http_id, status, h, body, len, err, &done);
	bot_http_done(asker(f, &done), now, &done, body, len);
	while (rlq_reap(f->rest, &done))
		bot_http_done(asker(f, &done), now, &done, NULL, 0);
	/* Whatever may go now leaves through the first shard's actions. */
	bot_pump(f->bots[0], now);
}

void
fleet_wake_queue(struct fleet *f, struct vtime now)
{
	int mc = budget_max_concurrency(&f->budget);

	for (int key = 0; key < mc; key++) {
		int next = identq_first(&f->idq, key, mc);
		struct bot *b = next >= 0 ? fleet_shard(f, next) : NULL;
		int64_t at;

		if (b == NULL || !bot_queued(b) || identq_holder(&f->idq, key, mc) >= 0)
			continue;
		at = now.mono_ms + budget_wait_ms(&f->budget, now, next);
		if (at < b->deadline)
			b->deadline = at;
	}
}
