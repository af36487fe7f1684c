/*
 * The gateway send limit (docs/protocol.md §1.10): 120 payloads per connection in
 * any 60 s, else Discord closes with 4008; payloads over 4096 bytes are
 * closed with 4002. vigil keeps room for heartbeats like twilight does:
 * ordinary payloads may use 120 minus (one per heartbeat interval in a
 * minute, plus one), and priority payloads (heartbeat, IDENTIFY, RESUME) the
 * full 120.
 */
#ifndef VIGIL_BOT_SENDLIMIT_H
#define VIGIL_BOT_SENDLIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bot/vtime.h"

#define SENDLIMIT_MAX        120
#define SENDLIMIT_WINDOW_MS  (60 * MS_PER_S)
#define GATEWAY_PAYLOAD_MAX  4096

struct sendlimit {
	int64_t sent_at[SENDLIMIT_MAX];  /* ring of the last sends' mono ms */
	int head, count;
	int reserve;                     /* slots only priority payloads may use */
};

/* A new connection; the reserve follows from the heartbeat interval (0 =
 * not known yet: reserve for a 41.25 s interval). */
void sendlimit_reset(struct sendlimit *sl, int64_t heartbeat_interval_ms);
/* Mono ms from which a payload may be sent (<= now: now). */
int64_t sendlimit_next(const struct sendlimit *sl, struct vtime now, bool priority);
void sendlimit_record(struct sendlimit *sl, struct vtime now);
/* Sends in the 60 s before now. */
int sendlimit_used(const struct sendlimit *sl, struct vtime now);

#endif
