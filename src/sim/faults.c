/*
 * The fault catalog: every fault the emulator can inject, its arguments
 * (type, default, help) and the function that fires it (inject-*.c). The
 * control API, scenario files, chaos and vigil's console all come through
 * sim_fault() or sim_fault_line(), so arguments are checked in one place
 * and the catalog that GET /_ctl/faults serves is the one that runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/faults.h"

#define CONN_ARG { "conn", ARG_INT, NULL, 0, 4294967295.0, \
	"connection id (GET /_ctl/sessions); default: every connection" }
#define SECS_ARG(def) { "secs", ARG_DOUBLE, def, 0.001, 86400, \
	"how long, in seconds" }

/* RFC 6455 keeps these for "no code" states: never on the wire. */
static int
check_close(json_t *args, char *err, size_t errlen)
{
	json_int_t code = json_integer_value(json_object_get(args, "code"));

	if ((code < 1004 || code > 1006) && (code < 1015 || code >= 3000))
		return 0;
	snprintf(err, errlen, "close: code %lld may not be sent in a close "
	    "frame", (long long)code);
	return -1;
}

static int
check_scope(json_t *args, char *err, size_t errlen)
{
	const char *scope = json_string_value(json_object_get(args, "scope"));

	if (strcmp(scope, "user") == 0 || strcmp(scope, "shared") == 0)
		return 0;
	snprintf(err, errlen, "rest_429: scope must be user or shared");
	return -1;
}

static int
check_status(json_t *args, char *err, size_t errlen)
{
	if (json_integer_value(json_object_get(args, "status")) != 501)
		return 0;
	snprintf(err, errlen, "rest_5xx: status must be 500, 502, 503 or 504");
	return -1;
}

static const struct fault catalog[] = {
	{ .name = "drop", .help = "close the TCP connection with no close "
	  "frame", .each = sim_conn_drop, .states = FAULT_ANY,
	  .args = { CONN_ARG, { "rst", ARG_BOOL, "false", 0, 1,
	  "reset (RST) rather than FIN" } } },
	{ .name = "close", .help = "send a close frame with any code, then "
	  "close", .each = sim_conn_close, .states = FAULT_ANY,
	  .check = check_close,
	  .args = { { "code", ARG_INT, "4000", 1000, 4999,
	  "close code (1000-4999, not 1004-1006 or 1015-2999)" },
	  { "reason", ARG_STR, "", 0, SIM_REASON_MAX - 1,
	  "reason text (default: Discord's for the code)" }, CONN_ARG,
	  { "resumable", ARG_BOOL, NULL, 0, 1, "whether the session survives "
	  "(default: as Discord decides for the code)" } } },
	{ .name = "zombie", .help = "stop ACKing heartbeats (the connection "
	  "stays open)", .each = sim_conn_zombie, .states = FAULT_OPEN,
	  .args = { CONN_ARG } },
	{ .name = "blackhole", .help = "read nothing and send nothing, keep "
	  "the socket open", .each = sim_conn_blackhole, .states = FAULT_ANY,
	  .args = { CONN_ARG } },
	{ .name = "reconnect", .help = "send op 7 RECONNECT, close later if "
	  "the client does not", .each = sim_conn_reconnect,
	  .states = FAULT_OPEN, .args = { CONN_ARG } },
	{ .name = "invalid_session", .help = "send op 9 INVALID_SESSION",
	  .each = sim_conn_invalid_session, .states = FAULT_OPEN,
	  .args = { { "resumable", ARG_BOOL, "false", 0, 1,
	  "op 9's d: whether the session may be resumed" }, CONN_ARG } },
	{ .name = "heartbeat_request", .help = "send op 1: ask for a heartbeat "
	  "now", .each = sim_conn_heartbeat_request, .states = FAULT_OPEN,
	  .args = { CONN_ARG } },
	{ .name = "refuse", .help = "refuse websocket handshakes",
	  .fn = sim_inject_refuse, .args = { SECS_ARG("10") } },
	{ .name = "stall", .help = "accept TCP connections but answer nothing "
	  "(handshake, REST, control) until the time is up",
	  .fn = sim_inject_stall, .args = { SECS_ARG("10") } },
	{ .name = "malformed", .help = "send a text frame that is not valid "
	  "JSON", .each = sim_conn_malformed, .states = FAULT_OPEN,
	  .args = { CONN_ARG } },
	{ .name = "oversize", .help = "send a GUILD_CREATE padded to this many "
	  "bytes", .each = sim_conn_oversize, .states = FAULT_LIVE,
	  .args = { { "bytes", ARG_INT, "1048576", 4096, 33554432,
	  "frame size" }, CONN_ARG } },
	{ .name = "rest_429", .help = "answer every REST request 429 (a storm)",
	  .fn = sim_inject_rest_429, .check = check_scope,
	  .args = { SECS_ARG("10"), { "scope", ARG_STR, "user", 0, 8,
	  "X-RateLimit-Scope: user or shared" }, { "retry_after", ARG_DOUBLE,
	  "1.0", 0, 86400, "retry_after in the body, seconds" } } },
	{ .name = "global_429", .help = "answer every REST request with a "
	  "global 429", .fn = sim_inject_global_429, .args = { SECS_ARG("5") } },
	{ .name = "rest_5xx", .help = "answer the next REST requests with a "
	  "server error", .fn = sim_inject_rest_5xx, .check = check_status,
	  .args = { { "count", ARG_INT, "1", 1, 1000000,
	  "how many requests" }, { "status", ARG_INT, "502", 500, 504,
	  "500, 502, 503 or 504" } } },
	{ .name = "cf_ban", .help = "Cloudflare ban: 429 with no rate-limit "
	  "headers", .fn = sim_inject_cf_ban, .args = { SECS_ARG("60") } },
	{ .name = "expire_sessions", .help = "make every session unresumable "
	  "(RESUME gets op 9)", .fn = sim_inject_expire },
	{ .name = "token_reset", .help = "reset the token as Discord does past "
	  "the session limit: every session closes 4004, REST answers 401 "
	  "(POST /_ctl/set {\"token\":...} to issue a new one)",
	  .fn = sim_inject_token_reset },
	{ .name = "burst", .help = "send N MESSAGE_CREATE events of ~1.5 KB as "
	  "fast as the connection takes them", .fn = sim_inject_burst,
	  .args = { { "count", ARG_INT, "1000", 1, 100000000, "events" },
	  CONN_ARG, { "channel", ARG_STR, NULL, 1, 20,
	  "channel id (default: the first guild's #general)" } } },
	{ .name = "clear", .help = "end every timed fault (refuse, stall, REST "
	  "faults, ban) and every zombie", .fn = sim_inject_clear },
};

#define NFAULTS ((int)(sizeof(catalog) / sizeof(catalog[0])))

int
sim_fault_index(const char *name)
{
	int i;

	for (i = 0; i < NFAULTS; i++) {
		if (strcmp(catalog[i].name, name) == 0)
			return i;
	}
	return -1;
}

const char *
sim_fault_name(int idx)
{
	return idx >= 0 && idx < NFAULTS ? catalog[idx].name : "?";
}

int
sim_fault_count(void)
{
	return NFAULTS;
}

const struct fault_arg *
sim_fault_find_arg(const struct fault *f, const char *name)
{
	int i;

	for (i = 0; i < FAULT_ARGS_MAX && f->args[i].name != NULL; i++) {
		if (strcmp(f->args[i].name, name) == 0)
			return &f->args[i];
	}
	return NULL;
}

static json_t *
arg_json(const struct fault_arg *a)
{
	static const char *const types[] = { "int", "number", "bool", "string" };
	json_t *o = json_pack("{s:s, s:s, s:s}", "name", a->name,
	    "type", types[a->type], "help", a->help);

	json_object_set_new(o, "default", a->def != NULL ?
	    json_string(a->def) : json_null());
	return o;
}

json_t *
sim_fault_catalog(void)
{
	json_t *arr = json_array();
	int i, j;

	for (i = 0; i < NFAULTS; i++) {
		json_t *args = json_array();

		for (j = 0; j < FAULT_ARGS_MAX && catalog[i].args[j].name; j++)
			json_array_append_new(args, arg_json(&catalog[i].args[j]));
		json_array_append_new(arr, json_pack("{s:s, s:s, s:o}",
		    "name", catalog[i].name, "help", catalog[i].help,
		    "args", args));
	}
	return arr;
}

/* Checks one value against its argument's type and range. */
static int
check_value(const struct fault *f, const struct fault_arg *a, json_t *v,
    char *err, size_t errlen)
{
	double d;

	switch (a->type) {
	case ARG_BOOL:
		if (json_is_boolean(v))
			return 0;
		break;
	case ARG_STR:
		if (json_is_string(v) &&
		    json_string_length(v) >= (size_t)a->min &&
		    json_string_length(v) <= (size_t)a->max)
			return 0;
		break;
	default:
		if (!json_is_number(v) || (a->type == ARG_INT &&
		    !json_is_integer(v)))
			break;
		d = json_number_value(v);
		if (d >= a->min && d <= a->max)
			return 0;
		snprintf(err, errlen, "%s: %s=%g is out of range [%g, %g]",
		    f->name, a->name, d, a->min, a->max);
		return -1;
	}
	snprintf(err, errlen, "%s: %s must be %s", f->name, a->name,
	    a->type == ARG_BOOL ? "true or false" : a->type == ARG_STR ?
	    "a string of the right length" : a->type == ARG_INT ?
	    "an integer" : "a number");
	return -1;
}

/* Validates args and fills in defaults: a new object, or NULL with err. */
static json_t *
resolve_args(const struct fault *f, json_t *args, char *err, size_t errlen)
{
	json_t *out = json_object(), *v;
	const char *key;
	int i;

	json_object_foreach(args, key, v) {
		const struct fault_arg *a = sim_fault_find_arg(f, key);

		if (strcmp(key, "fault") == 0)
			continue;
		if (a == NULL) {
			snprintf(err, errlen, "%s takes no argument \"%s\"",
			    f->name, key);
			goto fail;
		}
		if (check_value(f, a, v, err, errlen) != 0)
			goto fail;
		json_object_set(out, key, v);
	}
	for (i = 0; i < FAULT_ARGS_MAX && f->args[i].name != NULL; i++) {
		const struct fault_arg *a = &f->args[i];
		char e[8];

		if (json_object_get(out, a->name) != NULL || a->def == NULL)
			continue;
		if (sim_fault_arg_parse(a, a->def, &v, e, sizeof(e)) == 0)
			json_object_set_new(out, a->name, v);
	}
	if (f->check != NULL && f->check(out, err, errlen) != 0)
		goto fail;
	return out;
fail:
	json_decref(out);
	return NULL;
}

int
sim_fault_check(const char *name, json_t *args, char *err, size_t errlen)
{
	int idx = sim_fault_index(name);
	json_t *resolved;

	if (idx < 0) {
		snprintf(err, errlen, "unknown fault \"%s\"", name);
		return -1;
	}
	if ((resolved = resolve_args(&catalog[idx], args, err, errlen)) == NULL)
		return -1;
	json_decref(resolved);
	return 0;
}

int
sim_fault(struct sim *sim, struct vtime now, const char *name, json_t *args,
    char *err, size_t errlen)
{
	int idx = name != NULL ? sim_fault_index(name) : -1, n;
	json_t *resolved;

	if (idx < 0) {
		snprintf(err, errlen, "unknown fault \"%s\" (GET /_ctl/faults "
		    "lists them)", name != NULL ? name : "");
		return -1;
	}
	if (args != NULL && !json_is_object(args)) {
		snprintf(err, errlen, "%s: arguments must be an object", name);
		return -1;
	}
	resolved = resolve_args(&catalog[idx], args, err, errlen);
	if (resolved == NULL)
		return -1;
	if (catalog[idx].fn != NULL)
		n = catalog[idx].fn(sim, now, resolved, err, errlen);
	else /* a connection fault */
		n = sim_fault_each(sim, now, resolved, catalog[idx].states,
		    catalog[idx].each, err, errlen);
	json_decref(resolved);
	if (n < 0)
		return -1;
	sim->counters.faults_fired++;
	if (idx < SIM_FAULTS_MAX)
		sim->fault_counts[idx]++;
	return n;
}

int
sim_fault_line(struct sim *sim, struct vtime now, const char *line,
    char *err, size_t errlen)
{
	char name[32];
	const char *rest;
	json_t *args;
	size_t n;
	int rc;

	line += strspn(line, " \t");
	n = strcspn(line, " \t");
	if (n == 0 || n >= sizeof(name)) {
		snprintf(err, errlen, "expected a fault name");
		return -1;
	}
	memcpy(name, line, n);
	name[n] = '\0';
	rest = line + n;
	if (sim_fault_index(name) < 0) {
		snprintf(err, errlen, "unknown fault \"%s\"", name);
		return -1;
	}
	if (sim_fault_args_from_line(name, rest, &args, err, errlen) != 0)
		return -1;
	rc = sim_fault(sim, now, name, args, err, errlen);
	json_decref(args);
	return rc;
}

const struct fault *
sim_fault_get(int idx)
{
	return &catalog[idx];
}

void
sim_fault_tick(struct sim *sim, struct vtime now)
{
	if (sim->holding && now.mono_ms >= sim->stall_until) {
		sim->holding = false;
		sim_push_kind(sim, SIM_ACT_RELEASE_HELD, 0);
	}
}

int64_t
sim_fault_deadline(const struct sim *sim)
{
	return sim->holding ? sim->stall_until : VTIME_NEVER;
}
