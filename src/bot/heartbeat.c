/* See heartbeat.h. */
#include "bot/heartbeat.h"

void
hb_init(struct heartbeat *hb)
{
	*hb = (struct heartbeat){ .next_at = VTIME_NEVER, .last_rtt_ms = -1 };
}

void
hb_stop(struct heartbeat *hb)
{
	hb->interval_ms = 0;
	hb->next_at = VTIME_NEVER;
	hb->awaiting_ack = false;
}

void
hb_start(struct heartbeat *hb, int64_t interval_ms, struct vtime now, struct rng *rng)
{
	if (interval_ms < 1)
		interval_ms = 1;
	hb->interval_ms = interval_ms;
	hb->awaiting_ack = false;
	hb->next_at = now.mono_ms + (int64_t)((double)interval_ms * rng_unit(rng));
}

enum hb_due
hb_check(struct heartbeat *hb, struct vtime now)
{
	if (hb->next_at == VTIME_NEVER || now.mono_ms < hb->next_at)
		return HB_NOTHING;
	if (hb->awaiting_ack) {
		hb_stop(hb);
		return HB_ZOMBIE;
	}
	hb->awaiting_ack = true;
	hb->sent_at = now.mono_ms;
	hb->sent++;
	/* Schedule from the due time, not from now, so a late loop turn does
	 * not drift the rhythm; but never schedule into the past. */
	hb->next_at += hb->interval_ms;
	if (hb->next_at <= now.mono_ms)
		hb->next_at = now.mono_ms + hb->interval_ms;
	return HB_SEND;
}

void
hb_requested(struct heartbeat *hb, struct vtime now)
{
	hb->requested++;
	hb->sent++;
	if (!hb->awaiting_ack)
		hb->sent_at = now.mono_ms;
}

void
hb_ack(struct heartbeat *hb, struct vtime now)
{
	hb->acked++;
	hb->last_ack_at = now.mono_ms;
	hb->last_rtt_ms = now.mono_ms - hb->sent_at;
	hb->awaiting_ack = false;
}

int64_t
hb_deadline(const struct heartbeat *hb)
{
	return hb->next_at;
}
