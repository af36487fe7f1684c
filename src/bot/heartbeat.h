/*
 * Gateway heartbeating (docs/protocol.md §1.4). After HELLO the first beat waits
 * interval × jitter (jitter uniform in [0,1) from the injected RNG), then one
 * beat every interval. A beat that comes due while the previous one is still
 * unacknowledged means the connection is a zombie: the caller closes it with
 * a resumable code. So a server that stops ACKing is caught within two
 * intervals.
 *
 * A beat requested by the server (op 1) is sent at once but does not arm the
 * zombie check (as discord.js does): an op 1 arriving just before a
 * scheduled beat must not make a healthy connection look dead.
 */
#ifndef VIGIL_BOT_HEARTBEAT_H
#define VIGIL_BOT_HEARTBEAT_H

#include <stdbool.h>
#include <stdint.h>

#include "bot/rng.h"
#include "bot/vtime.h"

struct heartbeat {
	int64_t interval_ms;            /* 0 until HELLO */
	int64_t next_at;                /* mono ms of the next scheduled beat; VTIME_NEVER when stopped */
	bool awaiting_ack;              /* a scheduled beat is unacknowledged */
	int64_t sent_at;                /* mono ms of the beat an ACK would answer */
	int64_t last_rtt_ms;            /* -1 until the first ACK; kept across connections */
	int64_t last_ack_at;
	uint64_t sent, acked, requested;
};

enum hb_due { HB_NOTHING, HB_SEND, HB_ZOMBIE };

void hb_init(struct heartbeat *hb);
/* The connection is gone: no beats until the next HELLO. RTT is kept. */
void hb_stop(struct heartbeat *hb);
/* HELLO received: schedules the first beat at now + interval × jitter. */
void hb_start(struct heartbeat *hb, int64_t interval_ms, struct vtime now, struct rng *rng);
/* Call when now >= hb_deadline. HB_SEND: send a beat now (the next one is
 * scheduled). HB_ZOMBIE: the previous beat was never acknowledged; beats
 * stop. HB_NOTHING: not due yet, or stopped. */
enum hb_due hb_check(struct heartbeat *hb, struct vtime now);
/* Server op 1: the caller sends a beat now. */
void hb_requested(struct heartbeat *hb, struct vtime now);
void hb_ack(struct heartbeat *hb, struct vtime now);
int64_t hb_deadline(const struct heartbeat *hb);

#endif
