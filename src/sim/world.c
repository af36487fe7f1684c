/*
 * The demo world: a few guilds, their channels and some users, with stable
 * snowflake ids from the seed, so a test or a demo sees the same ids every
 * run. Objects are rendered in Discord's shapes (user, member, channel,
 * guild), because the bot's decoder is tested against them.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/core.h"

#define DISCORD_EPOCH_MS 1420070400000LL
#define WORLD_BASE_MS    1577836800000LL  /* 2020-01-01: ids look lived-in */

static const char *const guild_names[] = {
	"Night Watch", "Harbor Lights", "The Lighthouse", "Tidewater",
	"North Tower", "Signal Fire", "Quiet Hours", "Morning Shift",
};

static const char *const user_names[] = {
	"ada", "brook", "cyrus", "dana", "elio", "fern", "gale", "hana", "ivo",
	"juno", "kit", "lior", "mara", "nico", "orla", "pax", "quin", "rhea",
	"sol", "tove", "uma", "vero", "wren", "xavi", "yara", "zeno",
};

static const char *const channel_names[SIM_CHANNELS_PER_GUILD] = {
	"general", "bot-commands", "announcements",
};

uint64_t
sim_world_snowflake(struct sim_world *w, int64_t wall_ms)
{
	uint64_t id;

	if (wall_ms < DISCORD_EPOCH_MS)
		wall_ms = DISCORD_EPOCH_MS;
	id = ((uint64_t)(wall_ms - DISCORD_EPOCH_MS) << 22) | (1u << 17) |
	    (w->snow_inc++ & 0xfffu);
	/* Ids only grow, even if the wall clock steps back. */
	if (id <= w->last_snow)
		id = w->last_snow + 1;
	w->last_snow = id;
	return id;
}

json_t *
sim_world_snowflake_json(uint64_t id)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, id);
	return json_string(buf);
}

void
sim_world_iso8601(int64_t wall_ms, char *buf, size_t len)
{
	time_t secs = (time_t)(wall_ms / 1000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03d000+00:00",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(wall_ms % 1000));
}

static void
random_hex(struct rng *r, char *buf, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i + 1 < n; i++)
		buf[i] = hex[rng_u64(r) & 15];
	buf[n - 1] = '\0';
}

static void
build_users(struct sim *sim)
{
	struct sim_world *w = &sim->world;
	size_t nnames = sizeof(user_names) / sizeof(user_names[0]);
	size_t pick = (size_t)rng_range(&sim->world_rng, 0, (int64_t)nnames - 1);
	int i;

	for (i = 0; i < w->nusers; i++) {
		struct sim_user *u = &w->users[i];

		u->id = sim_world_snowflake(w, w->epoch_ms + i * 997);
		if (i == 0) {
			snprintf(u->username, sizeof(u->username), "vigil-bot");
			u->bot = true;
		} else {
			const char *base = user_names[(pick + (size_t)i) %
			    nnames];

			/* A suffix keeps names unique past the list's end. */
			if ((size_t)i < nnames)
				snprintf(u->username, sizeof(u->username), "%s",
				    base);
			else
				snprintf(u->username, sizeof(u->username),
				    "%s%d", base, i / (int)nnames);
			snprintf(u->global_name, sizeof(u->global_name), "%c%s",
			    toupper((unsigned char)base[0]), u->username + 1);
		}
		if (rng_unit(&sim->world_rng) < 0.7)
			random_hex(&sim->world_rng, u->avatar, 33);
	}
}

static void
build_guild(struct sim *sim, int g)
{
	struct sim_world *w = &sim->world;
	struct sim_guild *gd = &w->guilds[g];
	size_t nnames = sizeof(guild_names) / sizeof(guild_names[0]);
	int c, u;

	/* A day apart would put every guild on one shard ((id >> 22) % N, and
	 * a day is a multiple of 1024 ms): g ms more spreads them round-robin. */
	gd->id = sim_world_snowflake(w, w->epoch_ms + 86400000LL * (g + 1) + g);
	snprintf(gd->name, sizeof(gd->name), "%s%s", guild_names[(size_t)g %
	    nnames], (size_t)g >= nnames ? " II" : "");
	gd->first_channel = g * SIM_CHANNELS_PER_GUILD;
	gd->joined_wall_ms = w->epoch_ms + 86400000LL * (g + 2);
	gd->members = 1;                      /* the bot */
	for (u = 1; u < w->nusers; u++) {
		if (rng_unit(&sim->world_rng) < 0.75 || u == 1)
			gd->members |= 1ULL << u;
	}
	gd->owner = 1 + (int)rng_range(&sim->world_rng, 0, w->nusers - 2);
	gd->members |= 1ULL << gd->owner;
	for (c = 0; c < SIM_CHANNELS_PER_GUILD; c++) {
		struct sim_channel *ch = &w->channels[gd->first_channel + c];

		ch->id = sim_world_snowflake(w, w->epoch_ms +
		    86400000LL * (g + 1) + 1000 * (c + 1));
		ch->guild_id = gd->id;
		ch->position = c;
		ch->read_only = c == SIM_CHANNELS_PER_GUILD - 1;
		snprintf(ch->name, sizeof(ch->name), "%s", channel_names[c]);
	}
}

int
sim_world_build(struct sim *sim, struct vtime now, char *err, size_t errlen)
{
	struct sim_world *w = &sim->world;
	int g;

	(void)now;
	w->nusers = (int)sim->cfg.users;
	w->nguilds = (int)sim->cfg.guilds;
	w->nchannels = w->nguilds * SIM_CHANNELS_PER_GUILD;
	w->users = calloc((size_t)w->nusers, sizeof(*w->users));
	w->guilds = calloc((size_t)w->nguilds, sizeof(*w->guilds));
	w->channels = calloc((size_t)w->nchannels, sizeof(*w->channels));
	if (w->users == NULL || w->guilds == NULL || w->channels == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	w->epoch_ms = WORLD_BASE_MS +
	    rng_range(&sim->world_rng, 0, 999) * 86400000LL;
	w->app_id = sim_world_snowflake(w, w->epoch_ms - 1000);
	build_users(sim);
	for (g = 0; g < w->nguilds; g++)
		build_guild(sim, g);
	return 0;
}

void
sim_world_free(struct sim_world *w)
{
	free(w->users);
	free(w->guilds);
	free(w->channels);
	memset(w, 0, sizeof(*w));
}

const struct sim_channel *
sim_world_channel(const struct sim *sim, uint64_t id)
{
	int i;

	for (i = 0; i < sim->world.nchannels; i++) {
		if (sim->world.channels[i].id == id)
			return &sim->world.channels[i];
	}
	return NULL;
}

const struct sim_guild *
sim_world_guild(const struct sim *sim, uint64_t id)
{
	int i;

	for (i = 0; i < sim->world.nguilds; i++) {
		if (sim->world.guilds[i].id == id)
			return &sim->world.guilds[i];
	}
	return NULL;
}

int
sim_world_user(const struct sim *sim, uint64_t id)
{
	int i;

	for (i = 0; i < sim->world.nusers; i++) {
		if (sim->world.users[i].id == id)
			return i;
	}
	return -1;
}

bool
sim_world_is_member(const struct sim_guild *g, int user)
{
	return user >= 0 && user < 64 && (g->members >> user & 1) != 0;
}
