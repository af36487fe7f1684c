/*
 * What /metrics counts that the core does not (docs/operations.md): time
 * spent in each gateway state, REST requests by method, route template and
 * status, 429s by scope. Bounded: METRICS_SERIES (method, route, status)
 * series, the rest counted in one series method="other", route="other",
 * status -1 (shown "other"); METRICS_INFLIGHT requests
 * remembered between start and answer. No I/O, no clock: the app passes
 * the time.
 */
#ifndef VIGIL_APP_METRICS_H
#define VIGIL_APP_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "bot/bot.h"

#define METRICS_SERIES    128
#define METRICS_INFLIGHT  64
#define METRICS_ROUTE_MAX 96
#define METRICS_SCOPES    4             /* user, global, shared, none */

struct metrics_series {
	char method[8];
	char route[METRICS_ROUTE_MAX];
	int status;
	uint64_t n;
};

struct metrics {
	int64_t state_ms[BOT_STATES];   /* finished stays in each state */
	enum bot_state cur;
	int64_t cur_since;              /* mono */
	struct metrics_series series[METRICS_SERIES];
	int nseries;
	struct {
		uint64_t id;            /* 0 = free */
		char method[8];
		char route[METRICS_ROUTE_MAX];
	} inflight[METRICS_INFLIGHT];
	uint64_t r429[METRICS_SCOPES];
};

void metrics_init(struct metrics *m, enum bot_state s, int64_t now_mono);
/* The gateway is in state s now (call after every event; cheap). */
void metrics_state(struct metrics *m, enum bot_state s, int64_t now_mono);
/* Seconds in state s so far, the current stay included. */
double metrics_state_seconds(const struct metrics *m, enum bot_state s, int64_t now_mono);
/* A REST request went out / came back (status 0: a transport error). */
void metrics_rest_start(struct metrics *m, uint64_t id, const char *method, const char *path);
void metrics_rest_done(struct metrics *m, uint64_t id, int status, const char *scope);
/* "user", "global", "shared", "none" for r429[i]. */
const char *metrics_scope_name(int i);
/* The route's path template: ids become {id}, webhook and interaction
 * tokens {token}, reaction emoji {emoji}; the query is dropped. */
void metrics_route_template(const char *path, char *out, size_t len);

#endif
