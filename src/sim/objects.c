/*
 * Discord's object shapes for the demo world: user, member, channel, guild
 * (the REST form and the full GUILD_CREATE form). Field sets follow the
 * official docs closely enough that a decoder written against them works
 * unchanged on real payloads; ids are strings, absent things are null.
 */
#include <stdio.h>

#include "sim/core.h"

#define EVERYONE_PERMS "1071698660929"
#define SEND_MESSAGES  "2048"

static json_t *
str_or_null(const char *s)
{
	return s[0] != '\0' ? json_string(s) : json_null();
}

json_t *
sim_world_user_json(const struct sim *sim, int user)
{
	const struct sim_user *u = &sim->world.users[user];
	json_t *o;

	o = json_pack("{s:o, s:s, s:s, s:o, s:o, s:i, s:n, s:n}",
	    "id", sim_world_snowflake_json(u->id),
	    "username", u->username,
	    "discriminator", "0",
	    "global_name", str_or_null(u->global_name),
	    "avatar", str_or_null(u->avatar),
	    "public_flags", 0,
	    "banner", "accent_color");
	if (o != NULL && u->bot)
		json_object_set_new(o, "bot", json_true());
	return o;
}

json_t *
sim_world_member_json(const struct sim *sim, const struct sim_guild *g, int user)
{
	char joined[40];

	(void)sim;
	sim_world_iso8601(g->joined_wall_ms + user * 3600000LL, joined,
	    sizeof(joined));
	return json_pack("{s:[], s:s, s:b, s:b, s:i, s:b, s:n, s:n, s:n, s:n}",
	    "roles", "joined_at", joined, "deaf", 0, "mute", 0, "flags", 0,
	    "pending", 0, "premium_since", "nick", "avatar",
	    "communication_disabled_until");
}

static json_t *
overwrites_json(const struct sim_channel *ch)
{
	if (!ch->read_only)
		return json_array();
	/* @everyone (the guild's id) may not send: posting answers 403. */
	return json_pack("[{s:o, s:i, s:s, s:s}]",
	    "id", sim_world_snowflake_json(ch->guild_id), "type", 0,
	    "allow", "0", "deny", SEND_MESSAGES);
}

json_t *
sim_world_channel_json(const struct sim *sim, const struct sim_channel *ch)
{
	(void)sim;
	return json_pack("{s:o, s:i, s:o, s:s, s:i, s:o, s:n, s:b, s:n, s:i,"
	    " s:n, s:i}",
	    "id", sim_world_snowflake_json(ch->id),
	    "type", 0,
	    "guild_id", sim_world_snowflake_json(ch->guild_id),
	    "name", ch->name,
	    "position", ch->position,
	    "permission_overwrites", overwrites_json(ch),
	    "topic",
	    "nsfw", 0,
	    "last_message_id",
	    "rate_limit_per_user", 0,
	    "parent_id",
	    "flags", 0);
}

static json_t *
roles_json(const struct sim_guild *g)
{
	return json_pack("[{s:o, s:s, s:i, s:b, s:n, s:n, s:i, s:s, s:b, s:b,"
	    " s:i}]",
	    "id", sim_world_snowflake_json(g->id), "name", "@everyone",
	    "color", 0, "hoist", 0, "icon", "unicode_emoji", "position", 0,
	    "permissions", EVERYONE_PERMS, "managed", 0, "mentionable", 0,
	    "flags", 0);
}

static json_t *
guild_base_json(const struct sim *sim, const struct sim_guild *g)
{
	const struct sim_channel *sys = &sim->world.channels[g->first_channel];

	return json_pack("{s:o, s:s, s:n, s:n, s:n, s:n, s:n, s:o, s:n, s:i,"
	    " s:i, s:i, s:i, s:o, s:[], s:[], s:i, s:n, s:o, s:i, s:n, s:i,"
	    " s:n, s:i, s:i, s:s, s:n, s:i, s:[], s:b}",
	    "id", sim_world_snowflake_json(g->id),
	    "name", g->name,
	    "icon", "description", "splash", "discovery_splash", "banner",
	    "owner_id", sim_world_snowflake_json(sim->world.users[g->owner].id),
	    "afk_channel_id",
	    "afk_timeout", 300,
	    "verification_level", 0,
	    "default_message_notifications", 0,
	    "explicit_content_filter", 0,
	    "roles", roles_json(g),
	    "emojis", "features",
	    "mfa_level", 0,
	    "application_id",
	    "system_channel_id", sim_world_snowflake_json(sys->id),
	    "system_channel_flags", 0,
	    "rules_channel_id",
	    "max_members", 500000,
	    "vanity_url_code",
	    "premium_tier", 0,
	    "premium_subscription_count", 0,
	    "preferred_locale", "en-US",
	    "public_updates_channel_id",
	    "nsfw_level", 0,
	    "stickers",
	    "premium_progress_bar_enabled", 0);
}

static json_t *
members_json(const struct sim *sim, const struct sim_guild *g, int *count)
{
	json_t *arr = json_array();
	int u;

	*count = 0;
	for (u = 0; u < sim->world.nusers; u++) {
		json_t *m;

		if (!sim_world_is_member(g, u))
			continue;
		m = sim_world_member_json(sim, g, u);
		json_object_set_new(m, "user", sim_world_user_json(sim, u));
		json_array_append_new(arr, m);
		(*count)++;
	}
	return arr;
}

static json_t *
channels_json(const struct sim *sim, const struct sim_guild *g)
{
	json_t *arr = json_array();
	int c;

	for (c = 0; c < SIM_CHANNELS_PER_GUILD; c++) {
		const struct sim_channel *ch =
		    &sim->world.channels[g->first_channel + c];
		json_t *o = sim_world_channel_json(sim, ch);

		/* Channels inside GUILD_CREATE carry no guild_id. */
		json_object_del(o, "guild_id");
		json_array_append_new(arr, o);
	}
	return arr;
}

/* full: the GUILD_CREATE form, with the gateway-only fields. */
json_t *
sim_world_guild_json(const struct sim *sim, const struct sim_guild *g, bool full)
{
	json_t *o = guild_base_json(sim, g);
	char joined[40];
	int count;

	if (o == NULL || !full)
		return o;
	sim_world_iso8601(g->joined_wall_ms, joined, sizeof(joined));
	json_object_set_new(o, "joined_at", json_string(joined));
	json_object_set_new(o, "large", json_false());
	json_object_set_new(o, "unavailable", json_false());
	json_object_set_new(o, "members", members_json(sim, g, &count));
	json_object_set_new(o, "member_count", json_integer(count));
	json_object_set_new(o, "channels", channels_json(sim, g));
	json_object_set_new(o, "threads", json_array());
	json_object_set_new(o, "presences", json_array());
	json_object_set_new(o, "voice_states", json_array());
	json_object_set_new(o, "stage_instances", json_array());
	json_object_set_new(o, "guild_scheduled_events", json_array());
	json_object_set_new(o, "soundboard_sounds", json_array());
	return o;
}
