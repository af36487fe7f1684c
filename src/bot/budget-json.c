/*
 * The budget's part of the state file (budget.h: budget_to_json,
 * budget_from_json). No I/O here: src/net/statefile.c reads and writes.
 *
 *   { "version": 1,
 *     "starts": [ { "wall_ms": 1700000000000, "reason": "op 9" }, ... ],
 *     "discord": null | { "total", "remaining", "max_concurrency",
 *                         "seen_wall_ms", "reset_wall_ms", "used_since" } }
 *
 * Reading validates everything before it changes anything, so a bad file
 * leaves the budget as it was and the caller can fall back to
 * budget_assume_used with the message in hand.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "bot/budget.h"

#define BUDGET_JSON_VERSION 1
/* The first instant of year 10000: later stamps are garbage, not clocks. */
#define WALL_MAX_MS 253402300800000LL

static json_t *
start_to_json(const struct budget_start *s)
{
	json_t *o = json_object();

	if (o == NULL || json_object_set_new(o, "wall_ms", json_integer(s->wall_ms)) < 0 ||
	    json_object_set_new(o, "reason", json_string(s->reason)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
starts_to_json(const struct budget *b)
{
	json_t *a = json_array();
	int i;

	for (i = 0; a != NULL && i < b->count; i++) {
		const struct budget_start *s = &b->starts[(b->head + i) % BUDGET_MAX_STARTS];
		if (json_array_append_new(a, start_to_json(s)) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *
discord_to_json(const struct budget *b)
{
	if (!b->discord_known)
		return json_null();
	return json_pack("{s:i, s:i, s:i, s:I, s:I, s:i}",
	    "total", b->d_total, "remaining", b->d_remaining,
	    "max_concurrency", b->d_max_concurrency,
	    "seen_wall_ms", (json_int_t)b->d_seen_wall_ms,
	    "reset_wall_ms", (json_int_t)b->d_reset_wall_ms,
	    "used_since", b->d_used_since);
}

json_t *
budget_to_json(const struct budget *b)
{
	json_t *o = json_object();

	/* The _new setters release the value on failure, NULL included. */
	if (o == NULL ||
	    json_object_set_new(o, "version", json_integer(BUDGET_JSON_VERSION)) < 0 ||
	    json_object_set_new(o, "starts", starts_to_json(b)) < 0 ||
	    json_object_set_new(o, "discord", discord_to_json(b)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Reads integer `key` of object o into *out, within [lo, hi]; `where`
 * names o in the message. */
static int
get_int(const json_t *o, const char *where, const char *key, json_int_t lo,
    json_int_t hi, json_int_t *out, char *err, size_t errlen)
{
	const json_t *v = json_object_get(o, key);

	if (v == NULL) {
		snprintf(err, errlen, "%s: \"%s\" is missing", where, key);
		return -1;
	}
	if (!json_is_integer(v)) {
		snprintf(err, errlen, "%s: \"%s\" is not an integer", where, key);
		return -1;
	}
	*out = json_integer_value(v);
	if (*out < lo || *out > hi) {
		snprintf(err, errlen, "%s: \"%s\" is %lld, outside %lld..%lld", where, key,
		    (long long)*out, (long long)lo, (long long)hi);
		return -1;
	}
	return 0;
}

/* Reasons are shown on screen: vigil writes printable ASCII only, and a
 * file holding anything else was not written by it. */
static int
check_printable(const char *s, size_t n, const char *where, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < 0x20 || s[i] > 0x7e) {
			snprintf(err, errlen, "%s: \"reason\" holds a byte that is not "
			    "printable ASCII", where);
			return -1;
		}
	}
	return 0;
}

/* One start; *prev is the previous start's time (they must be in order). */
static int
check_start(const json_t *s, size_t i, json_int_t *prev, char *err, size_t errlen)
{
	char where[32];
	const json_t *reason;
	json_int_t wall;

	snprintf(where, sizeof(where), "starts[%zu]", i);
	if (!json_is_object(s)) {
		snprintf(err, errlen, "%s is not an object", where);
		return -1;
	}
	if (get_int(s, where, "wall_ms", 0, WALL_MAX_MS, &wall, err, errlen) < 0)
		return -1;
	if (wall < *prev) {
		snprintf(err, errlen, "%s is older than the start before it", where);
		return -1;
	}
	*prev = wall;
	reason = json_object_get(s, "reason");
	if (!json_is_string(reason)) {
		snprintf(err, errlen, "%s: \"reason\" is missing or not a string", where);
		return -1;
	}
	if (json_string_length(reason) >= BUDGET_REASON_MAX) {
		snprintf(err, errlen, "%s: \"reason\" is longer than %d bytes", where,
		    BUDGET_REASON_MAX - 1);
		return -1;
	}
	return check_printable(json_string_value(reason), json_string_length(reason),
	    where, err, errlen);
}

static int
check_starts(const json_t *starts, char *err, size_t errlen)
{
	json_int_t prev = 0;
	size_t i;

	if (!json_is_array(starts)) {
		snprintf(err, errlen, "\"starts\" is missing or not an array");
		return -1;
	}
	if (json_array_size(starts) > BUDGET_MAX_STARTS) {
		snprintf(err, errlen, "\"starts\" has %zu entries, more than %d",
		    json_array_size(starts), BUDGET_MAX_STARTS);
		return -1;
	}
	for (i = 0; i < json_array_size(starts); i++) {
		if (check_start(json_array_get(starts, i), i, &prev, err, errlen) < 0)
			return -1;
	}
	return 0;
}

/* A Discord reading, checked and unpacked into v[] in the order of
 * discord_keys. */
static const char *const discord_keys[] = {
	"total", "remaining", "max_concurrency", "seen_wall_ms", "reset_wall_ms",
	"used_since",
};
enum { D_TOTAL, D_REMAINING, D_MC, D_SEEN, D_RESET, D_USED, D_NKEYS };

static int
check_discord(const json_t *d, json_int_t v[D_NKEYS], char *err, size_t errlen)
{
	json_int_t lo[D_NKEYS] = { 1, 0, 1, 0, 0, 0 };
	json_int_t hi[D_NKEYS] = { INT_MAX, INT_MAX, BUDGET_MAX_CONCURRENCY,
	    WALL_MAX_MS, WALL_MAX_MS, INT_MAX };
	int k;

	if (!json_is_object(d)) {
		snprintf(err, errlen, "\"discord\" is not an object or null");
		return -1;
	}
	for (k = 0; k < D_NKEYS; k++) {
		if (get_int(d, "discord", discord_keys[k], lo[k], hi[k], &v[k], err, errlen) < 0)
			return -1;
		/* remaining is bounded by total; the reset comes at most 24 h
		 * after the reading (budget_update_discord clamps it so). */
		if (k == D_TOTAL)
			hi[D_REMAINING] = v[D_TOTAL];
		if (k == D_SEEN) {
			lo[D_RESET] = v[D_SEEN];
			hi[D_RESET] = v[D_SEEN] + BUDGET_WINDOW_MS;
		}
	}
	return 0;
}

static int
check_version(const json_t *j, char *err, size_t errlen)
{
	json_int_t version;

	if (!json_is_object(j)) {
		snprintf(err, errlen, "the budget is not a JSON object");
		return -1;
	}
	if (get_int(j, "budget", "version", 0, INT_MAX, &version, err, errlen) < 0)
		return -1;
	if (version != BUDGET_JSON_VERSION) {
		snprintf(err, errlen, "budget: version %lld is not one this vigil reads (%d)",
		    (long long)version, BUDGET_JSON_VERSION);
		return -1;
	}
	return 0;
}

/* Keeps the starts of the last 24 h; a start stamped after now (the clock
 * moved back) happened no later than now. */
static void
load_starts(struct budget *b, const json_t *starts, struct vtime now)
{
	const json_t *s;
	struct budget_start *dst;
	json_int_t wall;
	size_t i;

	b->head = 0;
	b->count = 0;
	json_array_foreach(starts, i, s) {
		wall = json_integer_value(json_object_get(s, "wall_ms"));
		if (wall > now.wall_ms)
			wall = now.wall_ms;
		if (now.wall_ms - wall >= BUDGET_WINDOW_MS)
			continue;
		dst = &b->starts[b->count++];
		dst->wall_ms = wall;
		snprintf(dst->reason, sizeof(dst->reason), "%s",
		    json_string_value(json_object_get(s, "reason")));
	}
}

/* A restart must not cut the 5 s identify spacing short: the newest start
 * holds every bucket for what is left of it. */
static void
hold_spacing(struct budget *b, struct vtime now)
{
	int64_t age, mono;
	int k;

	if (b->count == 0)
		return;
	age = now.wall_ms - b->starts[b->count - 1].wall_ms;
	if (age >= BUDGET_SPACING_MS)
		return;
	mono = now.mono_ms - age;
	if (mono <= 0)
		mono = 1;              /* 0 means none; 1 errs on the late side */
	for (k = 0; k < BUDGET_MAX_CONCURRENCY; k++) {
		if (b->last_identify_mono[k] < mono)
			b->last_identify_mono[k] = mono;
	}
}

int
budget_from_json(struct budget *b, const json_t *j, struct vtime now, char *err,
    size_t errlen)
{
	const json_t *starts, *d;
	json_int_t v[D_NKEYS];

	if (check_version(j, err, errlen) < 0)
		return -1;
	starts = json_object_get(j, "starts");
	if (check_starts(starts, err, errlen) < 0)
		return -1;
	d = json_object_get(j, "discord");
	if (d != NULL && !json_is_null(d) && check_discord(d, v, err, errlen) < 0)
		return -1;

	load_starts(b, starts, now);
	hold_spacing(b, now);
	b->discord_known = d != NULL && !json_is_null(d);
	if (b->discord_known) {
		b->d_total = (int)v[D_TOTAL];
		b->d_remaining = (int)v[D_REMAINING];
		b->d_max_concurrency = (int)v[D_MC];
		b->d_seen_wall_ms = v[D_SEEN];
		b->d_reset_wall_ms = v[D_RESET];
		b->d_used_since = (int)v[D_USED];
	}
	return 0;
}
