/*
 * A bot core and a script host for the script tests, with no network: a
 * fake clock (advanced by a step at every read, so a runaway loop reaches
 * its time limit deterministically), files held in memory, a persisted
 * store kept in memory, dispatches fed straight to the bot's listeners, and
 * the REST requests the core hands out answered by the test.
 */
#ifndef VIGIL_TESTS_SCRIPT_FIXTURE_H
#define VIGIL_TESTS_SCRIPT_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bot/bot.h"
#include "script/script-host.h"

#define SFX_FILES 8
#define SFX_HTTP  64

struct sfx_http {
	uint64_t id;
	char method[8];
	char path[128];
	char body[512];
};

struct sfx {
	struct bot *bot;
	struct script_host *host;
	struct script_limits lim;
	int64_t t;                      /* mono ms of the host's time */
	int64_t clock, clock_step;      /* the driver's clock for the time limit */
	int64_t clock_reads;
	struct { char path[128]; char *text; } files[SFX_FILES];
	char *store;                    /* the persisted store ("" name: one for all) */
	struct frame_decoder dec;
	struct frame *frame;
	char *frame_buf;
	struct sfx_http http[SFX_HTTP];
	int nhttp;
	int alerts;
	char err[256];
};

/* A bot (not connected) and a host with lim (NULL: the defaults). */
struct sfx *sfx_new(const struct script_limits *lim);
/* A new host on the same bot, as after a restart (the store file stays). */
void sfx_restart(struct sfx *f);
void sfx_free(struct sfx *f);
void sfx_file(struct sfx *f, const char *path, const char *text);
/* Writes path and loads it: 0, or -1 with f->err. */
int sfx_load(struct sfx *f, const char *path, const char *text);
/* A gateway frame's text, as a dispatch to the bot's listeners. The frame's
 * buffer is then overwritten, as the network layer's is. */
void sfx_dispatch(struct sfx *f, const char *json);
void sfx_lifecycle(struct sfx *f, const char *name, const char *detail);
/* Moves the host's time on by ms, running timers on the way. */
void sfx_advance(struct sfx *f, int64_t ms);
/* Collects the REST requests the core handed out into f->http. */
void sfx_drain(struct sfx *f);
/* Answers request id. */
void sfx_answer(struct sfx *f, uint64_t id, int status, const char *body);
/* How many log entries contain text (at level or above). */
int sfx_logged(const struct sfx *f, enum log_level level, const char *text);
/* The host's time. */
struct vtime now_of_fixture(const struct sfx *f);
/* Takes the dirty store into f->store. */
void sfx_persist(struct sfx *f);
/* A shipped file's text (bots/NAME.lua, read from the source tree), in a
 * static buffer that the next call reuses; aborts when it cannot be read. */
const char *sfx_shipped(const char *path);

#endif
