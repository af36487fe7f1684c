/*
 * Faults that are not about one connection: the REST faults (429 storm,
 * global 429, 5xx, Cloudflare ban), session expiry, the token reset, the
 * benchmark burst, and "clear", which ends every timed fault at once.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/faults.h"

static int64_t
arg_ms(json_t *args, const char *name)
{
	return (int64_t)llround(json_number_value(json_object_get(args,
	    name)) * 1000.0);
}

int
sim_inject_rest_429(struct sim *sim, struct vtime now, json_t *args, char *err,
    size_t errlen)
{
	const char *scope = json_string_value(json_object_get(args, "scope"));

	(void)err, (void)errlen;
	sim->rest.storm_until = now.mono_ms + arg_ms(args, "secs");
	sim->rest.storm_shared = strcmp(scope, "shared") == 0;
	sim->rest.storm_retry = json_number_value(json_object_get(args,
	    "retry_after"));
	return 0;
}

int
sim_inject_global_429(struct sim *sim, struct vtime now, json_t *args,
    char *err, size_t errlen)
{
	(void)err, (void)errlen;
	sim->rest.global429_until = now.mono_ms + arg_ms(args, "secs");
	return 0;
}

int
sim_inject_rest_5xx(struct sim *sim, struct vtime now, json_t *args, char *err,
    size_t errlen)
{
	json_int_t status = json_integer_value(json_object_get(args, "status"));

	(void)now, (void)err, (void)errlen;
	sim->rest.fivexx_left = json_integer_value(json_object_get(args,
	    "count"));
	sim->rest.fivexx_status = (int)status;
	return 0;
}

int
sim_inject_cf_ban(struct sim *sim, struct vtime now, json_t *args, char *err,
    size_t errlen)
{
	(void)err, (void)errlen;
	sim->rest.ban_until = now.mono_ms + arg_ms(args, "secs");
	sim->counters.bans++;
	return 0;
}

int
sim_inject_expire(struct sim *sim, struct vtime now, json_t *args, char *err,
    size_t errlen)
{
	int64_t i;
	int n = 0;

	(void)args, (void)err, (void)errlen;
	for (i = 0; i < sim->cfg.max_sessions; i++)
		n += sim->sessions[i].used;
	sim_sess_expire_all(sim, now);
	return n;
}

int
sim_inject_token_reset(struct sim *sim, struct vtime now, json_t *args,
    char *err, size_t errlen)
{
	(void)args, (void)err, (void)errlen;
	sim_gw_token_reset(sim, now);
	return 0;
}

/* The burst's channel: the argument's, or the first #general. */
static const struct sim_channel *
burst_channel(struct sim *sim, json_t *args, char *err, size_t errlen)
{
	json_t *id = json_object_get(args, "channel");
	const struct sim_channel *ch = &sim->world.channels[0];

	if (id == NULL)
		return ch;
	ch = sim_world_channel(sim, strtoull(json_string_value(id), NULL, 10));
	if (ch == NULL)
		snprintf(err, errlen, "burst: no channel %s",
		    json_string_value(id));
	return ch;
}

int
sim_inject_burst(struct sim *sim, struct vtime now, json_t *args, char *err,
    size_t errlen)
{
	const struct sim_channel *ch = burst_channel(sim, args, err, errlen);
	json_t *conn = json_object_get(args, "conn");
	uint64_t count = (uint64_t)json_integer_value(json_object_get(args,
	    "count"));
	int64_t i;
	int n = 0;

	if (ch == NULL)
		return -1;
	for (i = 0; i < sim->cfg.max_connections; i++) {
		struct sim_conn *c = &sim->conns[i];

		if (c->state != SIM_CONN_LIVE || (conn != NULL &&
		    c->id != (uint32_t)json_integer_value(conn)))
			continue;
		c->burst_left += count;
		c->channel = ch->id;
		sim_msg_burst_pump(sim, now, c);
		n++;
	}
	if (conn != NULL && n == 0) {
		snprintf(err, errlen, "burst: no live connection %lld",
		    (long long)json_integer_value(conn));
		return -1;
	}
	return n;
}

int
sim_inject_clear(struct sim *sim, struct vtime now, json_t *args, char *err,
    size_t errlen)
{
	int64_t i;

	(void)args, (void)err, (void)errlen;
	sim->refuse_until = 0;
	sim->stall_until = 0;
	sim_fault_tick(sim, now);
	sim->rest.storm_until = 0;
	sim->rest.global429_until = 0;
	sim->rest.fivexx_left = 0;
	sim->rest.ban_until = 0;
	for (i = 0; i < sim->cfg.max_connections; i++) {
		sim->conns[i].zombie = false;
		sim->conns[i].burst_left = 0;
	}
	return 0;
}
