/*
 * The burst fault: N MESSAGE_CREATE events of about 1.5 KB to one session,
 * as fast as the connection drains them. Events are made SIM_BURST_BATCH at
 * a time when the caller reports the connection drained, so a burst of
 * 200,000 never sits in memory at once. The payload is printed once a batch
 * and copied once an event with the fields that differ filled in, rather
 * than built as a tree or printed whole: the burst measures the client, not
 * the emulator (docs/emulator.md "Sending").
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

/*
 * One batch's payload with a hole wherever an event differs from the next:
 * the id, the burst's count (twice) and the nonce (the id again). Printed
 * once a batch, copied with the holes filled once an event.
 */
#define BURST_HOLE  '\x01'             /* never in JSON text: escaped */
#define BURST_HOLES 4

struct burst_tpl {
	char text[BURST_FRAME_MAX];
	size_t len;
	size_t hole[BURST_HOLES];     /* offsets of the BURST_HOLE bytes */
};

static int
tpl_init(struct sim *sim, struct vtime now, const struct sim_conn *c,
    struct burst_tpl *t)
{
	const struct sim_channel *ch = sim_world_channel(sim, c->channel);
	const struct sim_guild *g;
	json_t *a, *m;
	char *author, *member, ts[40];
	size_t i, k;
	int n;

	if (ch == NULL)
		ch = &sim->world.channels[0];
	g = sim_world_guild(sim, ch->guild_id);
	a = sim_world_user_json(sim, 1);
	m = sim_world_member_json(sim, g, 1);
	author = json_dumps(a, JSON_COMPACT);
	member = json_dumps(m, JSON_COMPACT);
	json_decref(a);
	json_decref(m);
	sim_world_iso8601(now.wall_ms, ts, sizeof(ts));
	n = author == NULL || member == NULL ? -1 : snprintf(t->text,
	    sizeof(t->text),
	    "{\"id\":\"\x01\",\"type\":0,\"content\":\"burst \x01"
	    " of a benchmark run: the quick brown fox jumps over the lazy dog"
	    "\",\"channel_id\":\"%" PRIu64 "\",\"author\":%s,\"attachments\":[],"
	    "\"timestamp\":\"%s\",\"edited_timestamp\":null,\"tts\":false,"
	    "\"mention_everyone\":false,\"mentions\":[],\"mention_roles\":[],"
	    "\"embeds\":[{\"type\":\"rich\",\"title\":\"Deploy report #\x01"
	    "\",\"description\":\"%s\",\"color\":5793266,"
	    "\"fields\":[{\"name\":\"status\",\"value\":\"ok\","
	    "\"inline\":true},{\"name\":\"duration\",\"value\":\"4m 12s\","
	    "\"inline\":true}],\"footer\":{\"text\":\"vigil-sim benchmark\"}}],\"components\":[],\"pinned\":false,"
	    "\"flags\":0,\"sticker_items\":[],\"nonce\":\"\x01\","
	    "\"guild_id\":\"%" PRIu64 "\",\"member\":%s}",
	    ch->id, author, ts, embed_text, ch->guild_id, member);
	free(author);
	free(member);
	/* Room for the holes' digits too, 20 each at most. */
	if (n < 0 || (size_t)n + BURST_HOLES * 20 >= sizeof(t->text))
		return -1;
	t->len = (size_t)n;
	for (i = 0, k = 0; i < t->len && k < BURST_HOLES; i++) {
		if (t->text[i] == BURST_HOLE)
			t->hole[k++] = i;
	}
	return k == BURST_HOLES ? 0 : -1;
}

/* v in decimal at out: how many digits. */
static size_t
put_u64(char *out, uint64_t v)
{
	char tmp[20];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

/* One event's payload into out (BURST_FRAME_MAX bytes): its length. */
static size_t
render(const struct burst_tpl *t, uint64_t id, uint64_t seq, char *out)
{
	const uint64_t fill[BURST_HOLES] = { id, seq, seq, id };
	size_t from = 0, len = 0, k;

	for (k = 0; k < BURST_HOLES; k++) {
		memcpy(out + len, t->text + from, t->hole[k] - from);
		len += t->hole[k] - from;
		len += put_u64(out + len, fill[k]);
		from = t->hole[k] + 1;
	}
	memcpy(out + len, t->text + from, t->len - from);
	return len + t->len - from;
}

void
sim_msg_burst_pump(struct sim *sim, struct vtime now, struct sim_conn *c)
{
	struct burst_tpl t;
	char buf[BURST_FRAME_MAX];
	size_t n;
	int i;

	if (c->sess < 0 || tpl_init(sim, now, c, &t) != 0)
		return;
	for (i = 0; i < SIM_BURST_BATCH && c->burst_left > 0; i++) {
		c->burst_seq++;
		c->burst_left--;
		n = render(&t, sim_world_snowflake(&sim->world, now.wall_ms),
		    c->burst_seq, buf);
		sim_sess_dispatch(sim, now, c->sess, "MESSAGE_CREATE", buf, n);
	}
}
