/*
 * The cluster's identify permit: the seam between the sans-I/O core and
 * the cluster (docs/cluster.md "The seam"). With cfg.cluster_permits, the
 * connection that will IDENTIFY is opened only once the cluster granted a
 * start from the shared budget and the concurrency key's 5 s: the core
 * emits ACT_PERMIT, waits in PHASE_PERMIT, and the driver answers with
 * bot_on_permit. A RESUME never asks: it costs nothing, so resumes go on
 * while the store is down. An unreachable store means no IDENTIFY (the
 * shard waits and says so) unless the operator overrides it once.
 */
#include <stdio.h>
#include <string.h>

#include "bot/bot.h"
#include "bot/bot-internal.h"

void
permit_then_open(struct bot *b, struct vtime now)
{
	int mc = b->budget->d_max_concurrency > 0 ? b->budget->d_max_concurrency : 1;

	if (!b->cfg.cluster_permits) {
		session_open_for_identify(b, now);
		return;
	}
	if (b->permit_local_once) {
		b->permit_local_once = false;
		LOGF(b->log, LOG_WARN, "cluster", "identifying without the cluster's permit "
		    "(reconnect -f --local): this start is not in the shared count");
		session_open_for_identify(b, now);
		return;
	}
	if (++b->permit_id == 0)
		b->permit_id = 1;
	b->phase = PHASE_PERMIT;
	b->wait = WAIT_NONE;
	b->deadline = now.mono_ms + b->cfg.fetch_timeout_ms;
	act_permit(b, b->permit_id, b->cfg.shard_id, b->cfg.shard_id % mc);
}

static void
unreachable(struct bot *b, struct vtime now, const char *why)
{
	int64_t ms = b->cfg.permit_retry_ms > 0 ? b->cfg.permit_retry_ms : MS_PER_S;

	if (!b->cluster_unreachable) {
		b->cluster_unreachable = true;
		LOGF(b->log, LOG_WARN, "cluster", "cluster store unreachable (%s): no IDENTIFY "
		    "without the shared budget; asking again every %lld s (resumes go on; "
		    "`reconnect -f --local` overrides)", why, (long long)(ms / MS_PER_S));
		act_alert(b, "cluster store unreachable: waiting to identify");
	}
	session_wait(b, now, WAIT_CLUSTER, ms);
}

void
permit_timed_out(struct bot *b, struct vtime now)
{
	unreachable(b, now, "no answer");
}

void
permit_answer(struct bot *b, struct vtime now, uint64_t permit_id, const struct bot_permit *p)
{
	if (b->phase != PHASE_PERMIT || permit_id != b->permit_id)
		return;
	if (p->status != BOT_PERMIT_UNREACHABLE && b->cluster_unreachable) {
		b->cluster_unreachable = false;
		LOGF(b->log, LOG_INFO, "cluster", "cluster store answers again");
	}
	switch (p->status) {
	case BOT_PERMIT_GRANTED:
		LOGF(b->log, LOG_INFO, "cluster", "identify permit granted (%s)", p->why);
		session_open_for_identify(b, now);
		break;
	case BOT_PERMIT_KEY_HELD:
		LOGF(b->log, LOG_INFO, "cluster", "identify queue: %s; waiting %lld ms", p->why,
		    (long long)p->wait_ms);
		session_wait(b, now, WAIT_SPACING, p->wait_ms > 0 ? p->wait_ms : 1);
		break;
	case BOT_PERMIT_BUDGET:
		LOGF(b->log, LOG_WARN, "budget", "no session start left cluster-wide (%s): "
		    "waiting %lld s for a free slot", p->why, (long long)(p->wait_ms / MS_PER_S));
		session_wait(b, now, WAIT_BUDGET, p->wait_ms > 0 ? p->wait_ms : MS_PER_S);
		break;
	case BOT_PERMIT_UNREACHABLE:
		unreachable(b, now, p->why);
		break;
	}
}

void
bot_permit_override(struct bot *b)
{
	b->permit_local_once = true;
}
