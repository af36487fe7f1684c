/*
 * Invariants 3 and 6 (docs/design.md), from what the harness delivers and what the bot sends.
 *
 * 3, no sequence gap. A frame counts as taken when the bot can act on it:
 * it is for the bot's current conn, the conn is open and the bot is not
 * closing it (bot_on_frame drops the rest, and then must not count them).
 * On one link the dispatches taken must be consecutive from where the link
 * started (READY's seq, or the seq its RESUME named). Across links: a RESUME
 * must name exactly the last seq the bot took for that session; lower is
 * allowed only in a new instance (the state file keeps the seq at most a
 * second stale: duplicates, never a gap); higher would skip events.
 *
 * 6, zombies. From the moment ACKs stop (the emulator's zombie fault, a
 * black hole, a partition), the bot must leave the connection within two
 * heartbeat intervals, plus the network's worst delay both ways: a beat due
 * after the stop goes unanswered, and the next one finds it so.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "world.h"

static struct sess_track *
sess_find(struct world *w, const char *id, bool create)
{
	struct sess_track *oldest = &w->sess[0];

	for (int i = 0; i < DST_SESS_MAX; i++) {
		if (strcmp(w->sess[i].id, id) == 0)
			return &w->sess[i];
		if (w->sess[i].gen < oldest->gen)
			oldest = &w->sess[i];
	}
	if (!create)
		return NULL;
	memset(oldest, 0, sizeof(*oldest));
	snprintf(oldest->id, sizeof(oldest->id), "%s", id);
	return oldest;
}

void
seq_resume_sent(struct world *w, struct link *l, const char *payload, size_t len)
{
	json_t *root = json_loadb(payload, len, 0, NULL);
	json_t *d = json_object_get(root, "d");
	const char *id = json_string_value(json_object_get(d, "session_id"));
	json_t *seq = json_object_get(d, "seq");
	struct sess_track *s;
	int64_t r = json_is_integer(seq) ? (int64_t)json_integer_value(seq) : 0;

	w->st.resumes++;
	if (id == NULL) {
		dst_fail(w, "RESUME without a session_id: %.*s", (int)len, payload);
		json_decref(root);
		return;
	}
	snprintf(l->sess, sizeof(l->sess), "%s", id);
	l->last_seq = r;
	l->seq_known = true;
	s = sess_find(w, id, false);
	if (s != NULL && r > s->seen)
		dst_fail(w, "invariant 3: RESUME of %.8s at seq %lld, but the bot took only up to "
		    "%lld: the server would skip %lld events", id, (long long)r,
		    (long long)s->seen, (long long)(r - s->seen));
	else if (s != NULL && r < s->seen && s->gen == w->gen)
		dst_fail(w, "invariant 3: RESUME of %.8s at seq %lld, but this instance took up "
		    "to %lld: it forgot events it had", id, (long long)r, (long long)s->seen);
	else if (s != NULL && r < s->seen)
		w->st.dups += (uint64_t)(s->seen - r);
	if (s == NULL) {
		s = sess_find(w, id, true);
		s->seen = r;
	}
	s->gen = w->gen;
	json_decref(root);
}

/* Learns the world's channels from the first GUILD_CREATE of each guild. */
static void
learn_guild(struct world *w, const char *buf, size_t len)
{
	json_t *root, *d, *ch;
	const char *sid;
	uint64_t gid;
	size_t i;

	if (w->nguilds == (int)(sizeof(w->guilds) / sizeof(w->guilds[0])))
		return;
	root = json_loadb(buf, len, 0, NULL);
	d = json_object_get(root, "d");
	sid = json_string_value(json_object_get(d, "id"));
	gid = sid != NULL ? strtoull(sid, NULL, 10) : 0;
	for (int g = 0; g < w->nguilds; g++) {
		if (w->guilds[g] == gid)
			gid = 0;
	}
	if (gid != 0) {
		w->guilds[w->nguilds++] = gid;
		json_array_foreach(json_object_get(d, "channels"), i, ch) {
			const char *id = json_string_value(json_object_get(ch, "id"));

			if (id != NULL && w->nchannels < DST_CHANNELS_MAX)
				w->channels[w->nchannels++] = strtoull(id, NULL, 10);
		}
	}
	json_decref(root);
}

/* Reads `{"t":"NAME","s":N,` (the emulator's key order); false otherwise. */
static bool
dispatch_head(const char *buf, size_t len, char *t, size_t tlen, int64_t *s)
{
	const char *p = buf + 6, *end = buf + len, *q;

	if (len < 16 || memcmp(buf, "{\"t\":\"", 6) != 0)
		return false;
	q = memchr(p, '"', (size_t)(end - p));
	if (q == NULL || (size_t)(q - p) >= tlen || end - q < 7 || memcmp(q, "\",\"s\":", 6) != 0)
		return false;
	memcpy(t, p, (size_t)(q - p));
	t[q - p] = '\0';
	q += 6;
	if (q >= end || *q < '0' || *q > '9')
		return false;
	for (*s = 0; q < end && *q >= '0' && *q <= '9'; q++)
		*s = *s * 10 + (*q - '0');
	return q < end && *q == ',';
}

static void
on_ready(struct world *w, struct link *l, const char *buf, size_t len, int64_t s)
{
	const char *p = memmem(buf, len, "\"session_id\":\"", 14);
	struct sess_track *st;
	char id[40];
	size_t n = 0;

	if (p == NULL)
		return;
	for (p += 14; p < buf + len && *p != '"' && n + 1 < sizeof(id); p++)
		id[n++] = *p;
	id[n] = '\0';
	snprintf(l->sess, sizeof(l->sess), "%s", id);
	l->last_seq = s;
	l->seq_known = true;
	st = sess_find(w, id, true);
	st->seen = s;
	st->gen = w->gen;
	w->st.readies++;
}

static void
took(struct world *w, struct link *l, const char *t, int64_t s)
{
	struct sess_track *st;

	if (!l->seq_known)
		return;
	if (s <= l->last_seq) {
		dst_fail(w, "invariant 3: seq %lld (%s) again on one connection, after %lld",
		    (long long)s, t, (long long)l->last_seq);
		return;
	}
	if (s != l->last_seq + 1) {
		dst_fail(w, "invariant 3: seq gap on session %.8s: %s at %lld after %lld",
		    l->sess, t, (long long)s, (long long)l->last_seq);
		return;
	}
	l->last_seq = s;
	st = sess_find(w, l->sess, true);
	if (s > st->seen)
		st->seen = s;
	st->gen = w->gen;
	if (strcmp(t, "RESUMED") == 0)
		w->st.resumed++;
}

void
seq_frame(struct world *w, struct link *l, const char *buf, size_t len, bool taken)
{
	char t[40];
	int64_t s;

	if (!dispatch_head(buf, len, t, sizeof(t), &s)) {
		if (len > 7 && memmem(buf, len < 64 ? len : 64, "\"op\":10", 7) != NULL)
			l->hello_at = w->now.mono_ms;
		return;
	}
	if (strcmp(t, "GUILD_CREATE") == 0)
		learn_guild(w, buf, len);
	if (!taken)
		return;
	w->st.dispatches++;
	if (strcmp(t, "READY") == 0)
		on_ready(w, l, buf, len, s);
	else
		took(w, l, t, s);
}

void
seq_instance_died(struct world *w)
{
	(void)w;
}

void
zombie_check(struct world *w)
{
	const struct bot *b = w->bot;
	struct link *l = gw_link_conn(w, b->conn);
	int64_t since, valid_until = VTIME_NEVER, bound, iv = b->hb.interval_ms;

	if (l == NULL || !l->bot_open || l->client_gone || l->dead || !b->conn_open ||
	    b->phase < PHASE_HELLO || b->phase > PHASE_CONNECTED || iv <= 0 ||
	    l->hello_at == VTIME_NEVER)
		return;
	since = l->zombie_since < l->blackhole_since ? l->zombie_since : l->blackhole_since;
	if (l->part_since < since) {
		since = l->part_since;
		valid_until = w->net.partition_until;
	}
	if (since == VTIME_NEVER)
		return;
	if (since < l->hello_at)
		since = l->hello_at;
	bound = since + 2 * iv + 2 * net_worst_delay(w) + 10;
	if (w->now.mono_ms > bound && bound < valid_until)
		dst_fail(w, "invariant 6: no ACK since %lld ms ago and the connection is still "
		    "in use: two intervals are %lld ms", (long long)(w->now.mono_ms - since),
		    (long long)(2 * iv));
}
