/*
 * The state file's content: the session-start budget and the resumable
 * session, as JSON. No I/O here; src/net writes it atomically (temp file,
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

static json_t *
session_to_json(const struct bot *b)
{
	if (!session_has(b))
		return json_null();
	return json_pack("{s:s, s:I, s:s, s:I}", "id", b->session_id, "seq", (json_int_t)b->seq,
	    "resume_url", b->resume_url, "last_seen_wall_ms", (json_int_t)b->last_seen_wall);
}

char *
bot_save_state(const struct bot *b, struct vtime now)
{
	json_t *root = json_pack("{s:i, s:I, s:o, s:o}", "vigil_state", STATE_VERSION,
	    "saved_wall_ms", (json_int_t)now.wall_ms,
	    "budget", budget_to_json(&b->budget),
	    "session", session_to_json(b));
	char *text = root ? json_dumps(root, JSON_INDENT(1)) : NULL;

	json_decref(root);
	return text;
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
	LOGF(&b->log, LOG_INFO, "session", "took over session %.12s... at seq %lld from the "
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
corrupt(struct bot *b, struct vtime now, char *err, size_t errlen, const char *what)
{
	budget_assume_used(&b->budget, now, b->cfg.budget_assume_on_corrupt,
	    "assumed: unreadable state file");
	snprintf(err, errlen, "state file unreadable (%s): assuming %d session starts were used now",
	    what, b->cfg.budget_assume_on_corrupt);
	LOGF(&b->log, LOG_ERROR, "state", "%s", err);
	return -1;
}

int
bot_load_state(struct bot *b, const char *text, size_t len, struct vtime now, char *err,
    size_t errlen)
{
	json_error_t jerr;
	json_t *root;
	char why[160];
	int rc;

	logring_set_time(&b->log, now);
	root = json_loadb(text, len, 0, &jerr);
	if (root == NULL) {
		snprintf(why, sizeof(why), "line %d column %d: %.100s", jerr.line, jerr.column, jerr.text);
		return corrupt(b, now, err, errlen, why);
	}
	if (!json_is_object(root) ||
	    json_integer_value(json_object_get(root, "vigil_state")) != STATE_VERSION) {
		json_decref(root);
		return corrupt(b, now, err, errlen, "not a vigil state file of version 1");
	}
	if (budget_from_json(&b->budget, json_object_get(root, "budget"), now, why, sizeof(why)) < 0) {
		json_decref(root);
		return corrupt(b, now, err, errlen, why);
	}
	rc = session_from_json(b, json_object_get(root, "session"), why, sizeof(why));
	json_decref(root);
	if (rc < 0) {
		/* The budget is intact; only the resume is lost (one start). */
		b->session_id[0] = '\0';
		LOGF(&b->log, LOG_WARN, "state", "saved session unreadable (%s): a new session will start", why);
	}
	return 0;
}
