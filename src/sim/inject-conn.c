/*
 * What each connection fault does (inject-world.c has the others).
 * Arguments arrive checked and defaulted (faults.c). A fault acts on one
 * connection ("conn") or on every connection in a state where it means
 * something; refuse and stall set a deadline the gateway compares with the
 * time it is given.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/faults.h"

static int64_t
arg_int(json_t *args, const char *name)
{
	return (int64_t)json_integer_value(json_object_get(args, name));
}

int
sim_fault_each(struct sim *sim, struct vtime now, json_t *args, unsigned states,
    conn_fault_fn *each, char *err, size_t errlen)
{
	int64_t i;
	int n = 0;

	if (json_object_get(args, "conn") != NULL) {
		struct sim_conn *c = sim_gw_conn(sim, (uint32_t)arg_int(args,
		    "conn"));

		if (c == NULL || (FAULT_ST(c->state) & states) == 0) {
			snprintf(err, errlen, "no connection %lld in a state "
			    "for this fault", (long long)arg_int(args, "conn"));
			return -1;
		}
		each(sim, now, c, args);
		return 1;
	}
	for (i = 0; i < sim->cfg.max_connections; i++) {
		struct sim_conn *c = &sim->conns[i];

		if (c->state == SIM_CONN_FREE ||
		    (FAULT_ST(c->state) & states) == 0)
			continue;
		each(sim, now, c, args);
		n++;
	}
	return n;
}

void
sim_conn_drop(struct sim *sim, struct vtime now, struct sim_conn *c, json_t *a)
{
	sim_gw_drop(sim, now, c, json_is_true(json_object_get(a, "rst")));
}

void
sim_conn_close(struct sim *sim, struct vtime now, struct sim_conn *c, json_t *a)
{
	json_t *resumable = json_object_get(a, "resumable");
	const char *reason = json_string_value(json_object_get(a, "reason"));

	/* An explicit "resumable" overrides Discord's rule for the code. */
	if (resumable != NULL && c->sess >= 0) {
		sim_sess_detach(sim, now, c->sess, json_is_true(resumable));
		c->sess = -1;
	}
	sim_gw_close(sim, now, c, (int)arg_int(a, "code"),
	    reason != NULL && reason[0] != '\0' ? reason : NULL);
}

void
sim_conn_zombie(struct sim *sim, struct vtime now, struct sim_conn *c, json_t *a)
{
	(void)sim, (void)now, (void)a;
	c->zombie = true;
}

void
sim_conn_blackhole(struct sim *sim, struct vtime now, struct sim_conn *c,
    json_t *a)
{
	(void)a;
	sim_gw_blackhole(sim, now, c);
}

void
sim_conn_reconnect(struct sim *sim, struct vtime now, struct sim_conn *c,
    json_t *a)
{
	(void)a;
	sim_gw_reconnect(sim, now, c);
}

void
sim_conn_invalid_session(struct sim *sim, struct vtime now, struct sim_conn *c,
    json_t *a)
{
	sim_gw_invalid_session(sim, now, c,
	    json_is_true(json_object_get(a, "resumable")));
}

void
sim_conn_heartbeat_request(struct sim *sim, struct vtime now, struct sim_conn *c,
    json_t *a)
{
	(void)now, (void)a;
	sim_gw_send_op(sim, c, 1, NULL);
}

void
sim_conn_malformed(struct sim *sim, struct vtime now, struct sim_conn *c,
    json_t *a)
{
	static const char junk[] = "{\"t\":\"MESSAGE_CREATE\",\"s\":,\"op\":0,"
	    "\"d\":{\"id\":\"1\",\"content\":\"unterminated";
	struct sim_frame *f = sim_frame_new(junk, sizeof(junk) - 1, 0);

	(void)now, (void)a;
	if (f == NULL)
		return;
	sim_push_send(sim, c->id, f);
	sim_frame_unref(f);
}

/* A GUILD_CREATE grown with made-up members: a large guild joining. */
static json_t *
padded_guild(struct sim *sim, const struct sim_session *s, size_t bytes)
{
	const struct sim_guild *g = &sim->world.guilds[0];
	json_t *o, *members;
	char joined[40], name[24];
	size_t i, n;
	int k;

	for (k = 0; k < sim->world.nguilds; k++) {
		if (sim_sess_on_shard(s, sim->world.guilds[k].id)) {
			g = &sim->world.guilds[k];
			break;
		}
	}
	o = sim_world_guild_json(sim, g, true);
	members = json_object_get(o, "members");
	sim_world_iso8601(g->joined_wall_ms, joined, sizeof(joined));
	/* One made-up member prints as about 200 bytes. */
	n = bytes / 200 + 1;
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "filler%zu", i);
		json_array_append_new(members, json_pack("{s:{s:o, s:s, s:s,"
		    " s:n, s:n}, s:[], s:s, s:b, s:b, s:i}", "user", "id",
		    sim_world_snowflake_json(g->id + 1000 + i), "username", name,
		    "discriminator", "0", "global_name", "avatar", "roles",
		    "joined_at", joined, "deaf", 0, "mute", 0, "flags", 0));
	}
	json_object_set_new(o, "member_count",
	    json_integer((json_int_t)json_array_size(members)));
	return o;
}

void
sim_conn_oversize(struct sim *sim, struct vtime now, struct sim_conn *c,
    json_t *a)
{
	sim_sess_dispatch_json(sim, now, c->sess, "GUILD_CREATE", padded_guild(sim,
	    &sim->sessions[c->sess], (size_t)arg_int(a, "bytes")));
}

static int64_t
arg_ms(json_t *args)
{
	return (int64_t)llround(json_number_value(json_object_get(args,
	    "secs")) * 1000.0);
}

int
sim_inject_refuse(struct sim *sim, struct vtime now, json_t *args, char *err,
    size_t errlen)
{
	(void)err, (void)errlen;
	sim->refuse_until = now.mono_ms + arg_ms(args);
	return 0;
}

int
sim_inject_stall(struct sim *sim, struct vtime now, json_t *args, char *err,
    size_t errlen)
{
	(void)err, (void)errlen;
	sim->stall_until = now.mono_ms + arg_ms(args);
	return 0;
}
