/*
 * Scenario files: a script of faults and setting changes with time offsets,
 * so a demo or a test can play out a day. One instruction per line:
 *
 *     # comment
 *     30s   zombie                      offset from the scenario's start
 *     +5s   close 4000 reason="bye"     offset from the previous line
 *     2m    set chatter=5 heartbeat_interval=10000
 *     loop 1h                           start over every hour (optional)
 *
 * Offsets take ms, s, m, h or d (a bare number is seconds). Fault lines use
 * the syntax of sim_fault_line(). Everything is checked when loaded, so a
 * typo fails at once and not an hour into a run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/faults.h"

#define SCENARIO_LINES_MAX 4096
#define SCENARIO_LINE_MAX  512

struct scen_line {
	int64_t at;                   /* ms from the start */
	char text[SCENARIO_LINE_MAX];
};

struct sim_scenario {
	struct scen_line *lines;
	size_t n, next;
	int64_t start;
	int64_t loop;                 /* 0: play once */
};

void
sim_scenario_free(struct sim_scenario *sc)
{
	if (sc == NULL)
		return;
	free(sc->lines);
	free(sc);
}

/* "set a=1 b=2" as the JSON object sim_set() takes. */
static json_t *
set_args(const char *rest, char *err, size_t errlen)
{
	json_t *obj = json_object();
	char tok[SCENARIO_LINE_MAX], *eq;
	const char *p = rest;
	size_t n;

	while (*(p += strspn(p, " \t")) != '\0') {
		n = strcspn(p, " \t");
		snprintf(tok, sizeof(tok), "%.*s", (int)n, p);
		p += n;
		eq = strchr(tok, '=');
		if (eq == NULL || eq == tok) {
			snprintf(err, errlen, "set: expected name=value, not "
			    "\"%.60s\"", tok);
			json_decref(obj);
			return NULL;
		}
		*eq = '\0';
		json_object_set_new(obj, tok, json_string(eq + 1));
	}
	return obj;
}

/* Checks one instruction without running it. */
static int
check_line(const struct sim *sim, const char *text, char *err, size_t errlen)
{
	struct sim_config probe;
	char name[32];
	size_t n = strcspn(text, " \t");
	json_t *args;
	int rc;

	if (n == 3 && strncmp(text, "set", 3) == 0) {
		if ((args = set_args(text + 3, err, errlen)) == NULL)
			return -1;
		rc = sim_ctl_prepare_set(sim, args, &probe, err, errlen);
		json_decref(args);
		return rc;
	}
	snprintf(name, sizeof(name), "%.*s", (int)n, text);
	if (sim_fault_index(name) < 0) {
		snprintf(err, errlen, "unknown fault \"%s\"", name);
		return -1;
	}
	if (sim_fault_args_from_line(name, text + n, &args, err, errlen) != 0)
		return -1;
	rc = sim_fault_check(name, args, err, errlen);
	json_decref(args);
	return rc;
}

/* Parses one non-blank line into sc; 0 or -1 with err. */
static int
parse_line(const struct sim *sim, struct sim_scenario *sc, char *line,
    int64_t *prev, char *err, size_t errlen)
{
	char off[32];
	size_t n = strcspn(line, " \t");
	bool rel = line[0] == '+';
	int64_t ms;

	if (n >= sizeof(off)) {
		snprintf(err, errlen, "bad offset");
		return -1;
	}
	snprintf(off, sizeof(off), "%.*s", (int)n, line);
	line += n + strspn(line + n, " \t");
	if (strcmp(off, "loop") == 0) {
		if (sim_parse_duration(line, 1000, &sc->loop) != 0 ||
		    sc->loop <= 0) {
			snprintf(err, errlen, "loop: bad period \"%s\"", line);
			return -1;
		}
		return 0;
	}
	if (sim_parse_duration(off + rel, 1000, &ms) != 0) {
		snprintf(err, errlen, "bad offset \"%s\" (try 30s, +5s, 2m)",
		    off);
		return -1;
	}
	if (check_line(sim, line, err, errlen) != 0)
		return -1;
	if (sc->n == SCENARIO_LINES_MAX) {
		snprintf(err, errlen, "more than %d lines", SCENARIO_LINES_MAX);
		return -1;
	}
	*prev = rel ? *prev + ms : ms;
	sc->lines[sc->n].at = *prev;
	snprintf(sc->lines[sc->n++].text, SCENARIO_LINE_MAX, "%s", line);
	return 0;
}

static int
by_offset(const void *a, const void *b)
{
	const struct scen_line *x = a, *y = b;

	return (x->at > y->at) - (x->at < y->at);
}

static int
parse(const struct sim *sim, struct sim_scenario *sc, const char *text,
    char *err, size_t errlen)
{
	char line[SCENARIO_LINE_MAX], msg[200];
	int64_t prev = 0;
	int lineno = 0;

	while (*text != '\0') {
		size_t n = strcspn(text, "\n");
		char *p;

		lineno++;
		if (n >= sizeof(line)) {
			snprintf(err, errlen, "line %d: longer than %d bytes",
			    lineno, SCENARIO_LINE_MAX - 1);
			return -1;
		}
		memcpy(line, text, n);
		line[n] = '\0';
		text += n + (text[n] == '\n');
		line[strcspn(line, "#\r")] = '\0';
		p = line + strspn(line, " \t");
		if (*p == '\0')
			continue;
		if (parse_line(sim, sc, p, &prev, msg, sizeof(msg)) != 0) {
			snprintf(err, errlen, "line %d: %s", lineno, msg);
			return -1;
		}
	}
	/* Relative lines may be written out of order: sort, keeping ties. */
	qsort(sc->lines, sc->n, sizeof(sc->lines[0]), by_offset);
	return 0;
}

int
sim_scenario_load(struct sim *sim, struct vtime now, const char *text,
    char *err, size_t errlen)
{
	struct sim_scenario *sc = calloc(1, sizeof(*sc));

	if (sc != NULL)
		sc->lines = calloc(SCENARIO_LINES_MAX, sizeof(*sc->lines));
	if (sc == NULL || sc->lines == NULL) {
		sim_scenario_free(sc);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (parse(sim, sc, text, err, errlen) != 0) {
		sim_scenario_free(sc);
		return -1;
	}
	sc->start = now.mono_ms;
	sim_scenario_free(sim->scenario);
	sim->scenario = sc;
	return (int)sc->n;
}

static void
run_line(struct sim *sim, struct vtime now, const char *text)
{
	char err[256];
	json_t *args;

	if (strncmp(text, "set", 3) == 0 && (text[3] == ' ' ||
	    text[3] == '\t')) {
		args = set_args(text + 3, err, sizeof(err));
		if (args != NULL && sim_set(sim, now, args, err,
		    sizeof(err)) == 0)
			sim->counters.scenario_fired++;
		json_decref(args);
		return;
	}
	if (sim_fault_line(sim, now, text, err, sizeof(err)) >= 0)
		sim->counters.scenario_fired++;
}

void
sim_scenario_tick(struct sim *sim, struct vtime now)
{
	struct sim_scenario *sc = sim->scenario;

	while (sc != NULL && sc->next < sc->n &&
	    sc->start + sc->lines[sc->next].at <= now.mono_ms)
		run_line(sim, now, sc->lines[sc->next++].text);
	if (sc != NULL && sc->next == sc->n && sc->loop > 0 &&
	    sc->start + sc->loop <= now.mono_ms) {
		sc->start += sc->loop;
		sc->next = 0;
	}
}

int64_t
sim_scenario_deadline(const struct sim *sim)
{
	const struct sim_scenario *sc = sim->scenario;

	if (sc == NULL)
		return VTIME_NEVER;
	if (sc->next < sc->n)
		return sc->start + sc->lines[sc->next].at;
	return sc->loop > 0 ? sc->start + sc->loop : VTIME_NEVER;
}
