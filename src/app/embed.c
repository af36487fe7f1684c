/*
 * The emulator in-process: src/sim's server on vigil's own lws context,
 * 127.0.0.1, a free port, the emulator's default token.
 */
#include <stdio.h>
#include <stdlib.h>

#include "app/embed.h"
#include "sim/server.h"

struct embed {
	struct sim_server *srv;
};

struct embed *
embed_start(struct lws_context *ctx, const struct app_config *cfg, char *api, size_t apilen,
    char *err, size_t errlen)
{
	struct embed *e = calloc(1, sizeof(*e));
	struct sim_config sc;

	if (e == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	sim_config_defaults(&sc);
	if (cfg->sim_heartbeat_ms > 0)
		sc.heartbeat_interval = cfg->sim_heartbeat_ms;
	sc.chatter = cfg->sim_chatter_per_s;
	/* The shards vigil runs are the ones it recommends. */
	if (cfg->bot.shard_count > 1) {
		sc.shards = cfg->bot.shard_count;
		/* A demo world with a few guilds on every shard. */
		int64_t want = sc.shards * 4 > 50 ? 50 : sc.shards * 4;

		if (want > sc.guilds)
			sc.guilds = want;
	}
	if (cfg->sim_seed != 0)
		sc.seed = (int64_t)cfg->sim_seed;
	e->srv = sim_server_start(ctx, &sc, 0, err, errlen);
	if (e->srv == NULL) {
		free(e);
		return NULL;
	}
	snprintf(api, apilen, "http://127.0.0.1:%d/api", sim_server_port(e->srv));
	return e;
}

void
embed_stop(struct embed *e)
{
	if (e == NULL)
		return;
	sim_server_stop(e->srv);
	free(e);
}
