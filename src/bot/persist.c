/*
 * The state file's content: the session-start budget and the resumable
 * session of each shard, as JSON. One shard of one writes version 1, as
 * before shards; more write version 2, with the shard count and a session
 * per shard id ("shards": {"0": {...}, "5": null}). Both are read. No I/O here; src/net writes it atomically (temp file,
 * fsync, rename) whenever the core asks with ACT_PERSIST.
 *
 * Loading is strict: anything unexpected is an error with a message, never a
 * guess. A budget that cannot be read is replaced by an assumption of
 * cfg.budget_assume_on_corrupt starts made now (never a silent reset to
 * zero); a session that cannot be read is simply not resumed.
 */
#include <stdio.h>
#include <string.h>

#include "bot/bot-internal.h"

#define STATE_VERSION 1
#define STATE_VERSION_SHARDS 2

static json_t *
session_to_json(const struct bot *b)
{
	if (!session_has(b))
		return json_null();
	return json_pack("{s:s, s:I, s:s, s:I}", "id", b->session_id, "seq", (json_int_t)b->seq,
	    "resume_url", b->resume_url, "last_seen_wall_ms", (json_int_t)b->last_seen_wall);
}

static json_t *
shards_to_json(const struct fleet *f)
{
	json_t *o = json_object();
	char key[16];

	for (int i = 0; o != NULL && i < f->nbots; i++) {
		snprintf(key, sizeof(key), "%d", f->bots[i]->cfg.shard_id);
		json_object_set_new(o, key, session_to_json(f->bots[i]));
	}
	return o;
}

char *
fleet_save_state(const struct fleet *f, struct vtime now)
{
	json_t *root;
	char *text;

	if (f->shard_count == 1 && f->nbots == 1)
		root = json_pack("{s:i, s:I, s:o, s:o}", "vigil_state", STATE_VERSION,
		    "saved_wall_ms", (json_int_t)now.wall_ms,
		    "budget", budget_to_json(&f->budget),
		    "session", session_to_json(f->bots[0]));
	else
		root = json_pack("{s:i, s:I, s:o, s:i, s:o}", "vigil_state", STATE_VERSION_SHARDS,
		    "saved_wall_ms", (json_int_t)now.wall_ms,
		    "budget", budget_to_json(&f->budget),
		    "shard_count", f->shard_count,
		    "shards", shards_to_json(f));
	text = root ? json_dumps(root, JSON_INDENT(1)) : NULL;
	json_decref(root);
	return text;
}

char *
bot_save_state(const struct bot *b, struct vtime now)
{
	return fleet_save_state(b->fleet, now);
}

bool
bot_forget_session(struct bot *b)
{
	bool had = session_has(b);

	b->session_id[0] = '\0';
	b->resume_url[0] = '\0';
	b->seq = 0;
	return had;
}

bool
bot_adopt_session(struct bot *b, struct vtime now, const char *id, int64_t seq, const char *url)
{
	if (session_has(b) || id == NULL || id[0] == '\0' || url == NULL || url[0] == '\0' ||
	    strlen(id) >= sizeof(b->session_id) || strlen(url) >= sizeof(b->resume_url) ||
	    seq < 0)
		return false;
	memcpy(b->session_id, id, strlen(id) + 1);
	memcpy(b->resume_url, url, strlen(url) + 1);
	b->seq = seq;
	/* The store keeps a session only for the resume window after its last
	 * write, so it is fresh enough to try; a failed resume falls back to
	 * a new session as always. */
	b->last_seen_wall = now.wall_ms;
	LOGF(b->log, LOG_INFO, "session", "took over session %.12s... at seq %lld from the "
	    "cluster store", id, (long long)seq);
	return true;
}

static int
copy_str(const json_t *j, const char *key, char *out, size_t outlen, char *err, size_t errlen)
{
	const char *s = json_string_value(json_object_get(j, key));

	if (s == NULL || s[0] == '\0' || strlen(s) >= outlen) {
		snprintf(err, errlen, "session.%s is missing, empty or too long", key);
		return -1;
	}
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

static int
session_from_json(struct bot *b, const json_t *j, char *err, size_t errlen)
{
	json_t *seq = json_object_get(j, "seq"), *seen = json_object_get(j, "last_seen_wall_ms");
	char id[BOT_SESSION_ID_MAX], url[BOT_URL_MAX];

	if (json_is_null(j))
		return 0;
	if (!json_is_object(j)) {
		snprintf(err, errlen, "session is not an object");
		return -1;
	}
	if (copy_str(j, "id", id, sizeof(id), err, errlen) < 0 ||
	    copy_str(j, "resume_url", url, sizeof(url), err, errlen) < 0)
		return -1;
	if (strncmp(url, "ws://", 5) != 0 && strncmp(url, "wss://", 6) != 0) {
		snprintf(err, errlen, "session.resume_url is not a ws:// or wss:// URL");
		return -1;
	}
	if (!json_is_integer(seq) || json_integer_value(seq) < 0 || !json_is_integer(seen)) {
		snprintf(err, errlen, "session.seq or session.last_seen_wall_ms is not a valid integer");
		return -1;
	}
	memcpy(b->session_id, id, sizeof(id));
	memcpy(b->resume_url, url, sizeof(url));
	b->seq = json_integer_value(seq);
	b->last_seen_wall = json_integer_value(seen);
	return 0;
}

static int
corrupt(struct fleet *f, int assume, struct vtime now, char *err, size_t errlen, const char *what)
{
	budget_assume_used(&f->budget, now, assume, "assumed: unreadable state file");
	snprintf(err, errlen, "state file unreadable (%s): assuming %d session starts were used now",
	    what, assume);
	LOGF(&f->log, LOG_ERROR, "state", "%s", err);
	return -1;
}

/* One shard's saved session; a bad one costs that shard a new session, not
 * the others their resume. */
static void
restore_session(struct bot *b, const json_t *j)
{
	char why[160];

	if (session_from_json(b, j, why, sizeof(why)) == 0)
		return;
	b->session_id[0] = '\0';
	logring_set_shard(b->log, b->cfg.shard_id);
	LOGF(b->log, LOG_WARN, "state", "saved session unreadable (%s): a new session will start", why);
	logring_set_shard(b->log, -1);
}

/* Version 2: a session per shard id, kept only when the shard count is the
 * same (a session belongs to its [shard_id, shard_count]). */
static void
restore_shards(struct fleet *f, const json_t *root)
{
	const json_t *shards = json_object_get(root, "shards");
	json_int_t count = json_integer_value(json_object_get(root, "shard_count"));
	char key[16];

	if (count != f->shard_count) {
		LOGF(&f->log, LOG_WARN, "state",
		    "the saved sessions are for %lld shards, not %d: every shard starts anew",
		    (long long)count, f->shard_count);
		return;
	}
	for (int i = 0; i < f->nbots; i++) {
		snprintf(key, sizeof(key), "%d", f->bots[i]->cfg.shard_id);
		restore_session(f->bots[i], json_object_get(shards, key));
	}
}

static void
restore_single(struct fleet *f, const json_t *root)
{
	const json_t *j = json_object_get(root, "session");

	if (f->shard_count == 1 && f->nbots == 1) {
		restore_session(f->bots[0], j);
		return;
	}
	if (!json_is_null(j) && j != NULL)
		LOGF(&f->log, LOG_WARN, "state",
		    "the saved session was for one shard: every shard starts anew");
}

int
fleet_load_state(struct fleet *f, int assume, const char *text, size_t len, struct vtime now,
    char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root;
	json_int_t version;
	char why[160];

	logring_set_time(&f->log, now);
	root = json_loadb(text, len, 0, &jerr);
	if (root == NULL) {
		snprintf(why, sizeof(why), "line %d column %d: %.100s", jerr.line, jerr.column, jerr.text);
		return corrupt(f, assume, now, err, errlen, why);
	}
	version = json_integer_value(json_object_get(root, "vigil_state"));
	if (!json_is_object(root) || (version != STATE_VERSION && version != STATE_VERSION_SHARDS)) {
		json_decref(root);
		return corrupt(f, assume, now, err, errlen, "not a vigil state file of version 1 or 2");
	}
	if (budget_from_json(&f->budget, json_object_get(root, "budget"), now, why, sizeof(why)) < 0) {
		json_decref(root);
		return corrupt(f, assume, now, err, errlen, why);
	}
	if (version == STATE_VERSION)
		restore_single(f, root);
	else
		restore_shards(f, root);
	json_decref(root);
	return 0;
}

int
bot_load_state(struct bot *b, const char *text, size_t len, struct vtime now, char *err,
    size_t errlen)
{
	return fleet_load_state(b->fleet, b->cfg.budget_assume_on_corrupt, text, len, now, err,
	    errlen);
}
