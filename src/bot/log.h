/*
 * The log ring: every log line of vigil (core, network layer, libwebsockets
 * and libcurl, console commands) lands here. Fixed capacity, chosen at init;
 * when full, the oldest entry is overwritten and counted in `dropped`, so
 * memory stays flat for days. Readers (the console's log view, the headless
 * stdout writer, the log file) remember the last `seq` they consumed.
 *
 * The level is tested before anything is formatted (LOGF), so a filtered
 * debug line costs one comparison. The bot token is registered as a secret
 * and redacted at the sink: whatever code formats, the token never reaches an
 * entry.
 */
#ifndef VIGIL_BOT_LOG_H
#define VIGIL_BOT_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bot/vtime.h"

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_LEVEL_COUNT };

#define LOG_TEXT_MAX     256
#define LOG_SOURCE_MAX   12
#define LOG_SECRET_MAX   256
#define LOG_SECRETS      2
#define LOG_SECRET_TOKEN 0
#define LOG_SECRET_REDIS 1
#define LOG_RING_DEFAULT 4096
/* What replaces a secret in an entry. */
#define LOG_REDACTED     "[redacted]"

struct log_entry {
	uint64_t seq;                  /* 1, 2, 3, ... never reused */
	int64_t mono_ms;
	int64_t wall_ms;
	enum log_level level;
	int8_t from, to;               /* enum bot_state of a transition line, else -1 */
	int16_t shard;                 /* the shard that wrote it when several run, else -1 */
	char source[LOG_SOURCE_MAX];   /* "session", "rest", "lws", "cmd", ... */
	char text[LOG_TEXT_MAX];       /* NUL-terminated, truncated to fit */
};

struct logring {
	struct log_entry *slots;
	size_t cap;
	uint64_t next_seq;             /* seq the next entry gets; starts at 1 */
	uint64_t dropped;              /* entries overwritten because the ring was full */
	uint64_t cleared_before;       /* seqs below this were cleared by logring_clear */
	enum log_level capture;        /* entries below this level are not recorded */
	uint64_t by_level[LOG_LEVEL_COUNT];
	struct vtime now;              /* stamped on each entry; set by the owner */
	int shard;                     /* the shard writing now, -1 none; set by the owner */
	bool tag_shards;               /* several shards: lines name theirs */
	/* The secrets to redact: the bot token, the cluster's Redis password. */
	char secret[LOG_SECRETS][LOG_SECRET_MAX];
	size_t secret_len[LOG_SECRETS];
};

/* Allocates `cap` slots (LOG_RING_DEFAULT when 0); capture starts at
 * LOG_INFO. 0, or -1 when out of memory. */
int logring_init(struct logring *r, size_t cap);
void logring_free(struct logring *r);
/* The time stamped on entries added from now on. */
void logring_set_time(struct logring *r, struct vtime now);
/* The shard that writes the next lines (-1: none); named in each line when
 * tag_shards is set. */
void logring_set_shard(struct logring *r, int shard);
/* Registers a secret to redact in slot LOG_SECRET_TOKEN or
 * LOG_SECRET_REDIS; NULL or "" clears it. Secrets shorter than 6 bytes are
 * refused (-1). */
int logring_set_secret_slot(struct logring *r, int slot, const char *secret);
/* Registers the token (slot LOG_SECRET_TOKEN) to redact; NULL or "" clears it.
 * Secrets shorter than 6 bytes are refused (-1): redacting them would mangle
 * ordinary words. */
int logring_set_secret(struct logring *r, const char *secret);

static inline bool
log_enabled(const struct logring *r, enum log_level level)
{
	return level >= r->capture;
}

/* Appends one entry (no level test: use LOGF). The text is formatted,
 * the secret redacted, then truncated to LOG_TEXT_MAX - 1 bytes. */
void logring_add(struct logring *r, enum log_level level, const char *source,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* A state transition line (INFO), carrying from/to for --log-json. */
void logring_transition(struct logring *r, int from, int to, const char *source,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#define LOGF(ring, level, source, ...)                                   \
	do {                                                             \
		if (log_enabled((ring), (level)))                        \
			logring_add((ring), (level), (source), __VA_ARGS__); \
	} while (0)

/* The oldest seq still held (== next_seq when empty). */
uint64_t logring_first_seq(const struct logring *r);
/* The entry with this seq, or NULL when it was overwritten, cleared or not
 * written yet. Borrowed: valid until the next add. */
const struct log_entry *logring_get(const struct logring *r, uint64_t seq);
/* Forgets every entry held so far (the console's `log clear`); not counted
 * as dropped. */
void logring_clear(struct logring *r);

/* "DEBUG", "INFO", "WARN", "ERROR". */
const char *log_level_name(enum log_level level);
/* Case-insensitive; accepts "warning" too. 0, or -1 when unknown. */
int log_level_parse(const char *s, enum log_level *out);

/* Where a command's answer goes, line by line: the console's log pane, or
 * a control-socket reply (net/ctlsock.h). */
struct line_out {
	void (*line)(void *ud, enum log_level level, const char *text);
	void *ud;
};

#endif
