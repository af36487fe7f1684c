/*
 * The app's own counters for /metrics. Route labels are path templates, so
 * a bot that writes to a thousand channels still makes one series per
 * route (docs/operations.md: bounded cardinality).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "app/metrics.h"

static const char *const scopes[METRICS_SCOPES] = { "user", "global", "shared", "none" };

const char *
metrics_scope_name(int i)
{
	return i >= 0 && i < METRICS_SCOPES ? scopes[i] : "none";
}

void
metrics_init(struct metrics *m, enum bot_state s, int64_t now_mono)
{
	memset(m, 0, sizeof(*m));
	m->cur = s;
	m->cur_since = now_mono;
}

void
metrics_state(struct metrics *m, enum bot_state s, int64_t now_mono)
{
	if (s == m->cur)
		return;
	m->state_ms[m->cur] += now_mono - m->cur_since;
	m->cur = s;
	m->cur_since = now_mono;
}

double
metrics_state_seconds(const struct metrics *m, enum bot_state s, int64_t now_mono)
{
	int64_t ms = m->state_ms[s] + (s == m->cur ? now_mono - m->cur_since : 0);

	return (double)ms / 1000.0;
}

static bool
all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
	}
	return n > 0;
}

/* Segment seg (n bytes) as the template shows it, given the two segments
 * before it as already written: NULL to keep it. */
static const char *
placeholder(const char *seg, size_t n, const char *prev, const char *prev2)
{
	if (all_digits(seg, n))
		return "{id}";
	if (strcmp(prev, "{id}") == 0 && (strcmp(prev2, "webhooks") == 0 ||
	    strcmp(prev2, "interactions") == 0))
		return "{token}";
	if (strcmp(prev, "reactions") == 0)
		return "{emoji}";
	return NULL;
}

void
metrics_route_template(const char *path, char *out, size_t len)
{
	char prev[METRICS_ROUTE_MAX] = "", prev2[METRICS_ROUTE_MAX] = "";
	size_t off = 0;

	out[0] = '\0';
	for (const char *p = path; *p == '/' && off + 1 < len;) {
		const char *seg = p + 1, *ph;
		size_t n = strcspn(seg, "/?#");

		ph = placeholder(seg, n, prev, prev2);
		memcpy(prev2, prev, sizeof(prev2));
		if (ph != NULL)
			snprintf(prev, sizeof(prev), "%s", ph);
		else
			snprintf(prev, sizeof(prev), "%.*s", (int)n, seg);
		off += (size_t)snprintf(out + off, len - off, "/%s", prev);
		p = seg + n;
	}
	/* A label value: nothing that needs escaping. */
	for (char *o = out; *o != '\0'; o++) {
		if (*o == '"' || *o == '\\' || (unsigned char)*o < 0x20)
			*o = '_';
	}
	if (out[0] == '\0')
		snprintf(out, len, "/");
}

void
metrics_rest_start(struct metrics *m, uint64_t id, const char *method, const char *path)
{
	for (int i = 0; i < METRICS_INFLIGHT; i++) {
		if (m->inflight[i].id != 0)
			continue;
		m->inflight[i].id = id;
		snprintf(m->inflight[i].method, sizeof(m->inflight[i].method), "%s", method);
		metrics_route_template(path, m->inflight[i].route, sizeof(m->inflight[i].route));
		return;
	}
}

static void
count(struct metrics *m, const char *method, const char *route, int status)
{
	struct metrics_series *s;

	for (int i = 0; i < m->nseries; i++) {
		s = &m->series[i];
		if (s->status == status && strcmp(s->method, method) == 0 &&
		    strcmp(s->route, route) == 0) {
			s->n++;
			return;
		}
	}
	if (m->nseries >= METRICS_SERIES - 1 && strcmp(route, "other") != 0) {
		count(m, "other", "other", -1);    /* the last series holds the overflow */
		return;
	}
	s = &m->series[m->nseries++];
	snprintf(s->method, sizeof(s->method), "%s", method);
	snprintf(s->route, sizeof(s->route), "%s", route);
	s->status = status;
	s->n = 1;
}

void
metrics_rest_done(struct metrics *m, uint64_t id, int status, const char *scope)
{
	const char *method = "other", *route = "other";
	int i;

	for (i = 0; i < METRICS_INFLIGHT && m->inflight[i].id != id; i++)
		;
	if (i < METRICS_INFLIGHT && id != 0) {
		method = m->inflight[i].method;
		route = m->inflight[i].route;
		m->inflight[i].id = 0;
	}
	count(m, method, route, status);
	if (status != 429)
		return;
	for (i = 0; i < METRICS_SCOPES - 1 && (scope == NULL || strcmp(scope, scopes[i]) != 0); i++)
		;
	m->r429[i]++;
}
