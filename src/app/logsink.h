/*
 * Log sinks: stdout in headless mode (systemd, CI, benchmarks) and the
 * optional log file. Each drains the log ring by seq after every loop turn,
 * as text or as one JSON object a line (time, level, source, msg, and for
 * state transitions from, to, reason), and says "N lines dropped" when the
 * ring overwrote lines it had not written yet.
 */
#ifndef VIGIL_APP_LOGSINK_H
#define VIGIL_APP_LOGSINK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bot/log.h"

#define LOGSINK_LINE_MAX 1024

struct logsink {
	FILE *f;                        /* borrowed */
	bool json;
	enum log_level level;           /* lowest level written */
	uint64_t next;                  /* next seq to write */
	uint64_t written, dropped;
};

void logsink_init(struct logsink *s, FILE *f, bool json, enum log_level level);
/* Writes what the ring holds beyond s->next, then flushes f. */
void logsink_flush(struct logsink *s, const struct logring *r);
/* One entry as a line (with "\n"); returns its length. */
size_t logsink_format(const struct log_entry *e, bool json, char *buf, size_t len);

#endif
