/*
 * Drives the emulator core with no sockets and a fake clock, for unit
 * tests: open connections, send frames, advance time, and take the core's
 * actions one by one with cmocka assertions on what they are.
 */
#ifndef VIGIL_TEST_SIM_DRIVE_H
#define VIGIL_TEST_SIM_DRIVE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "sim/sim.h"

struct simt {
	struct sim *sim;
	struct vtime now;
};

/*
 * cmocka fixtures over a test file's static struct simt, started from
 * simt_config() and an optional edit of it; *state points at it.
 */
int simt_fixture_start(struct simt *, void (*edit)(struct sim_config *));
#define SIMT_FIXTURES(t, edit) \
	static int setup(void **state) \
	{ *state = &(t); return simt_fixture_start(&(t), (edit)); } \
	static int teardown(void **state) \
	{ (void)state; simt_stop(&(t)); return 0; }

/* A config for tests: no chatter, no identify spacing, long heartbeats. */
void simt_config(struct sim_config *);
void simt_start(struct simt *, const struct sim_config *);
void simt_stop(struct simt *);
/* Opens a connection on path and takes its HELLO; the conn id. */
uint32_t simt_open(struct simt *, const char *path);
void simt_send(struct simt *, uint32_t conn, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Moves the clock ms forward, ticking at every deadline on the way. */
void simt_advance(struct simt *, int64_t ms);
/* The next action; false if there is none. The copy's data is owned by
 * the caller (free it); the action itself is already released. */
bool simt_next(struct simt *, struct sim_action *, char **data);
/* Asserts the next action is a send to conn and returns it parsed. */
json_t *simt_expect_send(struct simt *, uint32_t conn);
/* Skips sends to conn until a dispatch of type t; returns its payload. */
json_t *simt_expect_dispatch(struct simt *, uint32_t conn, const char *t);
/* Asserts the next action closes conn and returns the code. */
int simt_expect_close(struct simt *, uint32_t conn);
/* Drops every pending action; how many there were. */
int simt_drain(struct simt *);
/* IDENTIFY with intents on a fresh connection, through READY and the
 * GUILD_CREATEs: the conn id; *session gets the session id. */
uint32_t simt_identify(struct simt *, uint32_t intents, char *session,
    size_t len);
/* An HTTP request to the core: status; *body (parsed) if asked. */
int simt_http(struct simt *, const char *method, const char *path,
    const char *auth, const char *body, json_t **out,
    struct sim_http_resp *resp);
const char *simt_header(const struct sim_http_resp *, const char *name);

#endif
