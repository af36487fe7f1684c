/*
 * The burst fault: N MESSAGE_CREATE events of about 1.5 KB to one session,
 * as fast as the connection drains them. Events are made SIM_BURST_BATCH at
 * a time when the caller reports the connection drained, so a burst of
 * 200,000 never sits in memory at once. The payload is printed from a
 * template rather than built as a tree: the burst measures the client, not
 * the emulator's JSON library.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core.h"

#define BURST_FRAME_MAX 2048

/* Realistic filler: an embed like the ones bots post. */
static const char embed_text[] =
    "Deploy finished for service gateway-relay in region eu-west: 14 "
    "instances replaced, 0 failed, p99 latency 212 ms (was 230 ms). "
    "Rollback window open for 30 minutes. Changes: retry budget per "
    "bucket, jitter on reconnect, structured close codes in logs. "
    "Runbook: check the resume ratio first, then the identify budget, "
    "then the REST queue depth per bucket.";

struct burst_parts {
	char *author, *member;
	char guild[24], channel[24];
};

static int
parts_init(struct sim *sim, struct sim_conn *c, struct burst_parts *p)
{
	const struct sim_channel *ch = sim_world_channel(sim, c->channel);
	const struct sim_guild *g;
	json_t *a, *m;

	if (ch == NULL)
		ch = &sim->world.channels[0];
	g = sim_world_guild(sim, ch->guild_id);
	a = sim_world_user_json(sim, 1);
	m = sim_world_member_json(sim, g, 1);
	p->author = json_dumps(a, JSON_COMPACT);
	p->member = json_dumps(m, JSON_COMPACT);
	json_decref(a);
	json_decref(m);
	snprintf(p->guild, sizeof(p->guild), "%" PRIu64, ch->guild_id);
	snprintf(p->channel, sizeof(p->channel), "%" PRIu64, ch->id);
	return p->author != NULL && p->member != NULL ? 0 : -1;
}

static int
print_one(struct sim *sim, struct vtime now, struct sim_conn *c,
    const struct burst_parts *p, char *buf, size_t len)
{
	uint64_t id = sim_world_snowflake(&sim->world, now.wall_ms);
	char ts[40];

	sim_world_iso8601(now.wall_ms, ts, sizeof(ts));
	return snprintf(buf, len,
	    "{\"id\":\"%" PRIu64 "\",\"type\":0,\"content\":\"burst %" PRIu64
	    " of a benchmark run: the quick brown fox jumps over the lazy dog"
	    "\",\"channel_id\":\"%s\",\"author\":%s,\"attachments\":[],"
	    "\"timestamp\":\"%s\",\"edited_timestamp\":null,\"tts\":false,"
	    "\"mention_everyone\":false,\"mentions\":[],\"mention_roles\":[],"
	    "\"embeds\":[{\"type\":\"rich\",\"title\":\"Deploy report #%"
	    PRIu64 "\",\"description\":\"%s\",\"color\":5793266,"
	    "\"fields\":[{\"name\":\"status\",\"value\":\"ok\","
	    "\"inline\":true},{\"name\":\"duration\",\"value\":\"4m 12s\","
	    "\"inline\":true}],\"footer\":{\"text\":\"vigil-sim benchmark\"}}],\"components\":[],\"pinned\":false,"
	    "\"flags\":0,\"sticker_items\":[],\"nonce\":\"%" PRIu64 "\","
	    "\"guild_id\":\"%s\",\"member\":%s}",
	    id, c->burst_seq, p->channel, p->author, ts, c->burst_seq,
	    embed_text, id, p->guild, p->member);
}

void
sim_msg_burst_pump(struct sim *sim, struct vtime now, struct sim_conn *c)
{
	struct burst_parts p;
	char buf[BURST_FRAME_MAX];
	int i, n;

	memset(&p, 0, sizeof(p));
	if (c->sess < 0 || parts_init(sim, c, &p) != 0)
		goto out;
	for (i = 0; i < SIM_BURST_BATCH && c->burst_left > 0; i++) {
		c->burst_seq++;
		c->burst_left--;
		n = print_one(sim, now, c, &p, buf, sizeof(buf));
		if (n < 0 || (size_t)n >= sizeof(buf))
			break;
		sim_sess_dispatch(sim, now, c->sess, "MESSAGE_CREATE", buf,
		    (size_t)n);
	}
out:
	free(p.author);
	free(p.member);
}
