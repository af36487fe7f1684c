/*
 * The emulator core (src/sim/sim.h), fed what its peers may send: client
 * gateway messages, REST and control requests, fault lines and scenarios.
 * It is every integration test's peer and runs alone for chaos runs, so a
 * bad client or a typo in a scenario must get an answer, never a crash.
 *
 * An input is lines, each one event:
 *   O /?v=10&encoding=json       open a gateway connection (the current one)
 *   C {"op":2,"d":{...}}         a client message on the current connection
 *   X 4000                       the client closes it (-1: goes away)
 *   H POST /api/v10/channels/1/messages {"content":"x"}
 *                                an HTTP request (REST or /_ctl/...)
 *   F close 4000 reason=bye      a fault line
 *   S 1s zombie;+2s resume       a scenario (';' separates its lines)
 *   T 1500                       time passes (ms, a minute at most)
 * Any other line is a client message. Checked: every refusal has a message,
 * every HTTP answer has a status and a body length that matches, every
 * action names a connection that was opened, and the clock always moves
 * the core on (no deadline it keeps not handling).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"
#include "fuzz.h"

#define LINE_MAX_LEN 4096
#define MAX_TICKS    64
#define T0_MONO      1000000
#define T0_WALL      1700000000000LL

struct run {
	struct sim *sim;
	struct vtime now;
	uint32_t conn;                 /* the current connection, 0 if none */
	uint32_t max_conn;             /* the highest id the core gave out */
};

static void
drain(struct run *r)
{
	struct sim_action a;

	while (sim_next_action(r->sim, &a)) {
		FUZZ_CHECK(a.kind == SIM_ACT_RELEASE_HELD || (a.conn >= 1 && a.conn <= r->max_conn),
		    "action %d for connection %u (highest %u)", (int)a.kind, a.conn, r->max_conn);
		FUZZ_CHECK(a.kind != SIM_ACT_SEND || (a.data != NULL || a.len == 0),
		    "a send without data");
		if ((a.kind == SIM_ACT_CLOSE || a.kind == SIM_ACT_DROP) && a.conn == r->conn)
			r->conn = 0;
		sim_action_done(&a);
	}
}

static void
advance(struct run *r, int64_t ms)
{
	int64_t end = r->now.mono_ms + ms, d, last = -1;
	int same = 0;

	while ((d = sim_next_deadline(r->sim)) <= end) {
		if (d > r->now.mono_ms) {
			r->now.wall_ms += d - r->now.mono_ms;
			r->now.mono_ms = d;
		}
		same = r->now.mono_ms == last ? same + 1 : 0;
		FUZZ_CHECK(same < MAX_TICKS, "the emulator wants ticking at %lld again and again",
		    (long long)r->now.mono_ms);
		last = r->now.mono_ms;
		sim_tick(r->sim, r->now);
		drain(r);
	}
	r->now.wall_ms += end - r->now.mono_ms;
	r->now.mono_ms = end;
}

static void
open_conn(struct run *r, const char *path)
{
	struct sim_conn_info info;
	uint32_t c;

	if (sim_tcp_accept(r->sim, r->now) != SIM_ADMIT_OK) {
		drain(r);
		return;
	}
	memset(&info, 0, sizeof(info));
	c = sim_conn_open(r->sim, r->now, path[0] != '\0' ? path : "/?v=10&encoding=json", &info);
	if (c != 0) {
		FUZZ_CHECK(c > r->max_conn, "connection %u after %u", c, r->max_conn);
		r->conn = r->max_conn = c;
	}
	drain(r);
}

static void
http(struct run *r, char *line)
{
	struct sim_http_req req;
	struct sim_http_resp resp;
	char *method = line, *path, *body, *q;

	path = strchr(method, ' ');
	if (path == NULL)
		return;
	*path++ = '\0';
	body = strchr(path, ' ');
	if (body != NULL)
		*body++ = '\0';
	q = strchr(path, '?');
	if (q != NULL)
		*q++ = '\0';
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = path;
	req.query = q;
	req.authorization = "Bot sim-token";
	req.body = body;
	req.body_len = body != NULL ? strlen(body) : 0;
	memset(&resp, 0, sizeof(resp));
	sim_http(r->sim, r->now, &req, &resp);
	FUZZ_CHECK(resp.status >= 100 && resp.status <= 599, "%s %s: status %d", method, path,
	    resp.status);
	FUZZ_CHECK(resp.nhdr >= 0 && resp.nhdr <= SIM_HDR_MAX, "%d headers", resp.nhdr);
	FUZZ_CHECK(resp.body != NULL || resp.body_len == 0, "a body length without a body");
	sim_http_resp_free(&resp);
	drain(r);
}

static void
scenario(struct run *r, char *text)
{
	char err[256];

	for (char *p = text; *p != '\0'; p++) {
		if (*p == ';')
			*p = '\n';
	}
	err[0] = '\0';
	if (sim_scenario_load(r->sim, r->now, text, err, sizeof(err)) < 0)
		FUZZ_CHECK(err[0] != '\0', "a scenario refused without a reason");
	drain(r);
}

static void
event(struct run *r, char *line)
{
	char err[256];
	long v;

	if (line[0] != '\0' && line[1] == ' ') {
		char *arg = line + 2;

		switch (line[0]) {
		case 'O': open_conn(r, arg); return;
		case 'X':
			if (r->conn != 0) {
				v = strtol(arg, NULL, 10);
				sim_conn_closed(r->sim, r->now, r->conn, v < -1 || v > 4999 ? -1 : (int)v);
				r->conn = 0;
				drain(r);
			}
			return;
		case 'H': http(r, arg); return;
		case 'F':
			err[0] = '\0';
			if (sim_fault_line(r->sim, r->now, arg, err, sizeof(err)) < 0)
				FUZZ_CHECK(err[0] != '\0', "fault '%s' refused without a reason", arg);
			drain(r);
			return;
		case 'S': scenario(r, arg); return;
		case 'T':
			v = strtol(arg, NULL, 10);
			/* A minute at most: chatter or chaos set on the way makes
			 * a long stretch slow, not more interesting. */
			advance(r, v < 0 ? 0 : v > 60000 ? 60000 : v);
			return;
		case 'C':
			line = arg;
			break;
		}
	}
	if (r->conn == 0)
		open_conn(r, "");
	if (r->conn != 0) {
		sim_conn_text(r->sim, r->now, r->conn, line, strlen(line));
		drain(r);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sim_config cfg;
	struct run r;
	char err[256], line[LINE_MAX_LEN];
	size_t pos = 0;

	memset(&r, 0, sizeof(r));
	r.now.mono_ms = T0_MONO;
	r.now.wall_ms = T0_WALL;
	sim_config_defaults(&cfg);
	cfg.guilds = 1;
	cfg.users = 3;
	cfg.message_store = 16;
	cfg.chatter = 0;
	r.sim = sim_new(&cfg, r.now, err, sizeof(err));
	FUZZ_CHECK(r.sim != NULL, "sim_new: %s", err);
	sim_set_gateway_url(r.sim, "ws://127.0.0.1:1");
	while (pos < size) {
		const uint8_t *nl = memchr(data + pos, '\n', size - pos);
		size_t n = nl != NULL ? (size_t)(nl - (data + pos)) : size - pos;

		/* A NUL ends the line early, as it would end a C string. */
		snprintf(line, sizeof(line), "%.*s", (int)(n < sizeof(line) ? n : sizeof(line) - 1),
		    (const char *)data + pos);
		pos += n + 1;
		event(&r, line);
	}
	advance(&r, 10000);
	sim_free(r.sim);
	return 0;
}
