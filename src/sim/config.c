/*
 * Every emulator setting in one table: its name (which is also the
 * vigil-sim flag and the key of POST /_ctl/set), type, range, whether it may
 * change at run time, and its help. Flags, the control API and scenario
 * "set" lines all go through sim_config_set(), so they cannot disagree.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core.h"

#define F(field) offsetof(struct sim_config, field)
#define DAY_MS   86400000.0

static const struct sim_setting settings[] = {
	{ "token", SIM_SET_STR, F(token), 1, SIM_TOKEN_MAX - 1, true,
	  "bot token clients must present (IDENTIFY, \"Authorization: Bot T\")" },
	{ "seed", SIM_SET_INT, F(seed), 0, 9.0e15, false,
	  "seed of the world's ids, the chatter and chaos" },
	{ "heartbeat_interval", SIM_SET_MS, F(heartbeat_interval), 50, 600000,
	  true, "HELLO's heartbeat_interval (a change is for new connections)" },
	{ "heartbeat_timeout", SIM_SET_MS, F(heartbeat_timeout), 0, 3600000,
	  true, "close 4009 when no heartbeat comes for this long "
	  "(0: 1.5 x heartbeat_interval)" },
	{ "identify_timeout", SIM_SET_MS, F(identify_timeout), 100, 3600000,
	  true, "close 4009 when neither IDENTIFY nor RESUME comes this long "
	  "after HELLO" },
	{ "resume_window", SIM_SET_MS, F(resume_window), 0, DAY_MS, true,
	  "how long a disconnected session stays resumable" },
	{ "reconnect_grace", SIM_SET_MS, F(reconnect_grace), 0, 600000, true,
	  "after op 7, close the connection (4000) if the client has not" },
	{ "session_limit", SIM_SET_INT, F(session_limit), 1, 1000000, true,
	  "session_start_limit.total: IDENTIFYs per window" },
	{ "session_remaining", SIM_SET_INT, F(session_remaining), -1, 1000000,
	  true, "session starts left now (-1: session_limit)" },
	{ "session_window", SIM_SET_MS, F(session_window), 1000, 7 * DAY_MS,
	  true, "length of the session-start window (Discord: 24 h)" },
	{ "max_concurrency", SIM_SET_INT, F(max_concurrency), 1,
	  SIM_CONCURRENCY_MAX, true, "identify buckets (shard_id % N)" },
	{ "identify_spacing", SIM_SET_MS, F(identify_spacing), 0, 600000, true,
	  "one IDENTIFY per bucket per this long, else op 9 false" },
	{ "replay_buffer", SIM_SET_INT, F(replay_buffer), 1, 100000, true,
	  "events kept per session for RESUME (new sessions)" },
	{ "max_sessions", SIM_SET_INT, F(max_sessions), 1, 4096, false,
	  "sessions kept at once" },
	{ "max_connections", SIM_SET_INT, F(max_connections), 1, 4096, false,
	  "gateway connections at once; more are refused" },
	{ "guilds", SIM_SET_INT, F(guilds), 1, 50, false,
	  "guilds in the demo world" },
	{ "users", SIM_SET_INT, F(users), 2, 64, false,
	  "users in the demo world, the bot included" },
	{ "message_store", SIM_SET_INT, F(message_store), 1, 100000, false,
	  "messages kept for GET /channels/{id}/messages" },
	{ "max_guilds_per_shard", SIM_SET_INT, F(max_guilds_per_shard), 1, 1000000, true,
	  "close 4011 (sharding required) when a shard would hold more guilds" },
	{ "shards", SIM_SET_INT, F(shards), 1, 1024, true,
	  "recommended shard count in GET /gateway/bot" },
	{ "privileged_intents", SIM_SET_INT, F(privileged_intents), 0,
	  SIM_INTENTS_PRIVILEGED, true, "privileged intents the app is "
	  "approved for (mask of 1<<1, 1<<8, 1<<15); others close 4014" },
	{ "send_limit", SIM_SET_INT, F(send_limit), 1, SIM_SEND_RING_MAX, true,
	  "client payloads per send_window before close 4008" },
	{ "send_window", SIM_SET_MS, F(send_window), 1, 3600000, true,
	  "the gateway send-limit window" },
	{ "global_limit", SIM_SET_INT, F(global_limit), 1, SIM_GLOBAL_RING_MAX,
	  true, "REST requests per second before a global 429" },
	{ "invalid_limit", SIM_SET_INT, F(invalid_limit), 1, 1000000, true,
	  "401/403/429 answers per 10 min before a Cloudflare ban" },
	{ "ban_duration", SIM_SET_MS, F(ban_duration), 1000, DAY_MS, true,
	  "how long a Cloudflare ban lasts" },
	{ "chatter", SIM_SET_DOUBLE, F(chatter), 0, 1000, true,
	  "background chat messages per second" },
	{ "ping_share", SIM_SET_DOUBLE, F(ping_share), 0, 1, true,
	  "share of chat messages that are \"!ping\"" },
	{ "chaos", SIM_SET_DOUBLE, F(chaos), 0, 600, true,
	  "random faults per minute (0: off)" },
};

void
sim_config_defaults(struct sim_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->token, sizeof(c->token), "%s", SIM_TOKEN_DEFAULT);
	c->seed = 1;
	c->heartbeat_interval = 41250;
	c->identify_timeout = 30000;
	c->resume_window = 180000;
	c->reconnect_grace = 5000;
	c->session_limit = 1000;
	c->session_remaining = -1;
	c->session_window = (int64_t)DAY_MS;
	c->max_concurrency = 1;
	c->identify_spacing = 5000;
	c->replay_buffer = 1000;
	c->max_sessions = 64;
	c->max_connections = 64;
	c->guilds = 3;
	c->max_guilds_per_shard = 2500;
	c->users = 12;
	c->message_store = 1000;
	c->shards = 1;
	c->privileged_intents = SIM_INTENTS_PRIVILEGED;
	c->send_limit = 120;
	c->send_window = 60000;
	c->global_limit = 50;
	c->invalid_limit = 10000;
	c->ban_duration = 3600000;
	c->chatter = 0.5;
	c->ping_share = 0.2;
}

const struct sim_setting *
sim_settings(size_t *n)
{
	*n = sizeof(settings) / sizeof(settings[0]);
	return settings;
}

const struct sim_setting *
sim_setting_find(const char *name)
{
	char norm[64];
	size_t i;

	for (i = 0; name[i] != '\0' && i < sizeof(norm) - 1; i++)
		norm[i] = name[i] == '-' ? '_' : name[i];
	norm[i] = '\0';
	for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		if (strcmp(settings[i].name, norm) == 0)
			return &settings[i];
	}
	return NULL;
}

int
sim_parse_int(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

int
sim_parse_double(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

/* "1500" (in unit_ms), "250ms", "1.5s", "2m", "1h", "1d". */
int
sim_parse_duration(const char *s, int64_t unit_ms, int64_t *ms)
{
	static const struct { const char *suffix; double ms; } units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
		{ "d", DAY_MS },
	};
	char *end;
	double v, scale = (double)unit_ms;
	size_t i;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || !isfinite(v) || v < 0)
		return -1;
	if (*end != '\0') {
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			if (strcmp(end, units[i].suffix) == 0)
				break;
		}
		if (i == sizeof(units) / sizeof(units[0]))
			return -1;
		scale = units[i].ms;
	}
	if (v * scale > 9.0e15)
		return -1;
	*ms = (int64_t)llround(v * scale);
	return 0;
}

static int
set_number(struct sim_config *cfg, const struct sim_setting *st,
    const char *value, char *err, size_t errlen)
{
	double d;
	int64_t i;
	int rc;

	if (st->type == SIM_SET_DOUBLE)
		rc = sim_parse_double(value, &d);
	else if (st->type == SIM_SET_MS)
		rc = sim_parse_duration(value, 1, &i);
	else
		rc = sim_parse_int(value, &i);
	if (rc != 0) {
		snprintf(err, errlen, "%s: \"%s\" is not a %s", st->name, value,
		    st->type == SIM_SET_MS ? "duration (e.g. 500, 2s, 1m)" :
		    "number");
		return -1;
	}
	if (st->type != SIM_SET_DOUBLE)
		d = (double)i;
	if (d < st->min || d > st->max) {
		snprintf(err, errlen, "%s: %s is out of range [%g, %g]",
		    st->name, value, st->min, st->max);
		return -1;
	}
	if (st->type == SIM_SET_DOUBLE)
		*(double *)((char *)cfg + st->offset) = d;
	else
		*(int64_t *)((char *)cfg + st->offset) = i;
	return 0;
}

int
sim_config_set(struct sim_config *cfg, const char *name, const char *value,
    char *err, size_t errlen)
{
	const struct sim_setting *st = sim_setting_find(name);
	size_t len;

	if (st == NULL) {
		snprintf(err, errlen, "unknown setting \"%s\"", name);
		return -1;
	}
	if (st->type != SIM_SET_STR)
		return set_number(cfg, st, value, err, errlen);
	len = strlen(value);
	if (len < (size_t)st->min || len > (size_t)st->max) {
		snprintf(err, errlen, "%s: length must be %g to %g", st->name,
		    st->min, st->max);
		return -1;
	}
	memcpy((char *)cfg + st->offset, value, len + 1);
	return 0;
}

void
sim_config_get(const struct sim_config *cfg, const struct sim_setting *st,
    char *buf, size_t len)
{
	const char *p = (const char *)cfg + st->offset;

	switch (st->type) {
	case SIM_SET_STR:
		snprintf(buf, len, "%s", p);
		break;
	case SIM_SET_DOUBLE:
		snprintf(buf, len, "%g", *(const double *)(const void *)p);
		break;
	default:
		snprintf(buf, len, "%lld",
		    (long long)*(const int64_t *)(const void *)p);
		break;
	}
}
