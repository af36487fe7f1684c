/*
 * Messages: created by REST (the bot's replies), by the background chatter
 * that keeps the demo alive, and by the burst fault that benchmarks a
 * client. Each becomes a MESSAGE_CREATE in Discord's shape; without the
 * MESSAGE_CONTENT intent, content is blanked unless the bot wrote the
 * message or is mentioned in it, as Discord does. The store is a ring.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core.h"

static const char *const phrases[] = {
	"good morning everyone", "has anyone seen the deploy logs?",
	"lunch in ten", "the build is green again", "brb",
	"who broke staging", "coffee?", "nice work on the release",
	"is the bot still up?", "checking the dashboards now",
	"that latency graph looks odd", "ship it",
};

static bool
mentions_bot(const struct sim *sim, const char *content)
{
	char tag[32];

	snprintf(tag, sizeof(tag), "<@%" PRIu64 ">", sim->world.users[0].id);
	return strstr(content, tag) != NULL;
}

json_t *
sim_msg_json(const struct sim *sim, const struct sim_message *m, bool content)
{
	char ts[40];
	json_t *o, *mentions = json_array();

	sim_world_iso8601(m->wall_ms, ts, sizeof(ts));
	if (mentions_bot(sim, m->content))
		json_array_append_new(mentions, sim_world_user_json(sim, 0));
	o = json_pack("{s:o, s:i, s:s, s:o, s:o, s:o, s:s, s:n, s:b, s:b,"
	    " s:o, s:[], s:[], s:[], s:b, s:i, s:[]}",
	    "id", sim_world_snowflake_json(m->id),
	    "type", 0,
	    "content", content ? m->content : "",
	    "channel_id", sim_world_snowflake_json(m->channel_id),
	    "author", sim_world_user_json(sim, m->author),
	    "attachments", json_array(),
	    "timestamp", ts,
	    "edited_timestamp",
	    "tts", 0,
	    "mention_everyone", 0,
	    "mentions", mentions,
	    "mention_roles", "embeds", "components",
	    "pinned", 0,
	    "flags", 0,
	    "sticker_items");
	if (o != NULL && m->nonce[0] != '\0')
		json_object_set_new(o, "nonce", json_string(m->nonce));
	return o;
}

/* The gateway form: guild_id and the author's member object added. */
static char *
event_json(const struct sim *sim, const struct sim_message *m, bool content)
{
	const struct sim_guild *g = sim_world_guild(sim, m->guild_id);
	json_t *o = sim_msg_json(sim, m, content);
	char *s;

	json_object_set_new(o, "guild_id", sim_world_snowflake_json(m->guild_id));
	if (g != NULL)
		json_object_set_new(o, "member",
		    sim_world_member_json(sim, g, m->author));
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

static void
broadcast(struct sim *sim, struct vtime now, const struct sim_message *m)
{
	char *full = event_json(sim, m, true), *redacted = NULL;

	if (m->author != 0 && !mentions_bot(sim, m->content))
		redacted = event_json(sim, m, false);
	if (full != NULL)
		sim_sess_broadcast(sim, now, "MESSAGE_CREATE", full, redacted,
		    m->guild_id, SIM_INTENT_GUILD_MESSAGES);
	free(full);
	free(redacted);
}

json_t *
sim_msg_create(struct sim *sim, struct vtime now, const struct sim_channel *ch,
    int author, const char *content, const char *nonce)
{
	size_t cap = (size_t)sim->cfg.message_store;
	struct sim_message *m;

	m = &sim->store[(sim->store_head + sim->store_len) % cap];
	if (sim->store_len == cap)
		sim->store_head = (sim->store_head + 1) % cap;
	else
		sim->store_len++;
	memset(m, 0, sizeof(*m));
	m->id = sim_world_snowflake(&sim->world, now.wall_ms);
	m->channel_id = ch->id;
	m->guild_id = ch->guild_id;
	m->author = author;
	m->wall_ms = now.wall_ms;
	snprintf(m->content, sizeof(m->content), "%s", content);
	if (nonce != NULL)
		snprintf(m->nonce, sizeof(m->nonce), "%s", nonce);
	sim->counters.messages_created++;
	sim->counters.messages_posted += author == 0;
	broadcast(sim, now, m);
	return sim_msg_json(sim, m, true);
}

static bool
listed(const struct sim_message *m, uint64_t channel_id, uint64_t after, uint64_t before)
{
	return m->channel_id == channel_id && m->id > after && (before == 0 || m->id < before);
}

/* Newest first, as Discord lists them. With `after` (and no `before`),
 * Discord hands the `limit` messages right after it, so a client can page
 * forward; otherwise the newest ones before `before` (or of all). The store
 * is a ring of message_store messages, oldest first. */
json_t *
sim_msg_list(struct sim *sim, uint64_t channel_id, int limit, uint64_t after,
    uint64_t before)
{
	size_t cap = (size_t)sim->cfg.message_store, i, first = sim->store_len;
	json_t *arr = json_array();
	int n = 0;

#define AT(k) (&sim->store[(sim->store_head + (k)) % cap])
	if (after != 0 && before == 0) {
		for (i = 0; i < sim->store_len && n < limit; i++) {
			if (listed(AT(i), channel_id, after, before))
				n++;
			first = i + 1;
		}
	}
	for (i = first; i > 0 && (int)json_array_size(arr) < limit; i--) {
		const struct sim_message *m = AT(i - 1);
		if (listed(m, channel_id, after, before))
			json_array_append_new(arr, sim_msg_json(sim, m, true));
	}
#undef AT
	return arr;
}

/* The whole store, oldest first, for GET /_ctl/messages: what reached the
 * server, so a test counts deliveries at Discord's end, not the client's. */
json_t *
sim_msg_store_json(const struct sim *sim)
{
	size_t cap = (size_t)sim->cfg.message_store;
	json_t *arr = json_array();

	for (size_t i = 0; i < sim->store_len; i++) {
		const struct sim_message *m = &sim->store[(sim->store_head + i) % cap];

		json_array_append_new(arr, json_pack("{s:o, s:o, s:i, s:I, s:s}",
		    "id", sim_world_snowflake_json(m->id),
		    "channel_id", sim_world_snowflake_json(m->channel_id),
		    "author", m->author, "wall_ms", (json_int_t)m->wall_ms,
		    "content", m->content));
	}
	return json_pack("{s:I, s:o}", "kept", (json_int_t)cap, "messages", arr);
}

static int64_t
interarrival(struct sim *sim)
{
	double ms = -log(1.0 - rng_unit(&sim->chat_rng)) / sim->cfg.chatter *
	    1000.0;

	return ms < 1.0 ? 1 : (int64_t)ms;
}

void
sim_msg_chatter_reschedule(struct sim *sim, struct vtime now)
{
	sim->chatter_at = sim->cfg.chatter > 0 ?
	    now.mono_ms + interarrival(sim) : VTIME_NEVER;
}

static void
chat_once(struct sim *sim, struct vtime now)
{
	struct sim_world *w = &sim->world;
	const struct sim_guild *g;
	const char *content;
	int author, tries;

	g = &w->guilds[rng_range(&sim->chat_rng, 0, w->nguilds - 1)];
	author = 1;
	for (tries = 0; tries < 16; tries++) {
		author = (int)rng_range(&sim->chat_rng, 1, w->nusers - 1);
		if (sim_world_is_member(g, author))
			break;
	}
	if (rng_unit(&sim->chat_rng) < sim->cfg.ping_share)
		content = "!ping";
	else
		content = phrases[rng_range(&sim->chat_rng, 0,
		    (int64_t)(sizeof(phrases) / sizeof(phrases[0])) - 1)];
	/* !ping goes to #bot-commands, the rest to #general. */
	json_decref(sim_msg_create(sim, now, &w->channels[g->first_channel +
	    (strcmp(content, "!ping") == 0)], author, content, NULL));
}

void
sim_msg_chatter_tick(struct sim *sim, struct vtime now)
{
	int n;

	for (n = 0; sim->chatter_at <= now.mono_ms; n++) {
		if (n == SIM_TICK_EVENTS_MAX) {
			/* Far behind (a stopped process): skip, do not flood. */
			sim_msg_chatter_reschedule(sim, now);
			return;
		}
		chat_once(sim, now);
		sim->chatter_at += interarrival(sim);
	}
}
