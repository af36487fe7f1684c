/* See sendlimit.h. */
#include "bot/sendlimit.h"

void
sendlimit_reset(struct sendlimit *sl, int64_t heartbeat_interval_ms)
{
	if (heartbeat_interval_ms <= 0)
		heartbeat_interval_ms = 41250;
	sl->head = sl->count = 0;
	/* ceil(60 s / interval) heartbeats fit in a window, plus one for the
	 * RESUME or IDENTIFY of this connection. */
	sl->reserve = (int)((SENDLIMIT_WINDOW_MS + heartbeat_interval_ms - 1) /
	    heartbeat_interval_ms) + 1;
	if (sl->reserve > SENDLIMIT_MAX / 2)
		sl->reserve = SENDLIMIT_MAX / 2;
}

/* Drops sends older than the window. The ring is oldest-first. */
static void
expire(struct sendlimit *sl, int64_t now_ms)
{
	while (sl->count > 0 && sl->sent_at[sl->head] <= now_ms - SENDLIMIT_WINDOW_MS) {
		sl->head = (sl->head + 1) % SENDLIMIT_MAX;
		sl->count--;
	}
}

int
sendlimit_used(const struct sendlimit *sl, struct vtime now)
{
	int expired = 0;

	while (expired < sl->count &&
	    sl->sent_at[(sl->head + expired) % SENDLIMIT_MAX] <= now.mono_ms - SENDLIMIT_WINDOW_MS)
		expired++;
	return sl->count - expired;
}

int64_t
sendlimit_next(const struct sendlimit *sl, struct vtime now, bool priority)
{
	int allowed = priority ? SENDLIMIT_MAX : SENDLIMIT_MAX - sl->reserve;
	int used = sendlimit_used(sl, now);
	int k;

	if (used < allowed)
		return now.mono_ms;
	/* The (used - allowed + 1)-th oldest live send must leave the window. */
	k = (sl->head + (sl->count - used) + (used - allowed)) % SENDLIMIT_MAX;
	return sl->sent_at[k] + SENDLIMIT_WINDOW_MS;
}

void
sendlimit_record(struct sendlimit *sl, struct vtime now)
{
	expire(sl, now.mono_ms);
	if (sl->count == SENDLIMIT_MAX) {
		/* Callers check sendlimit_next first; overwrite rather than
		 * lose track of the newest send. */
		sl->head = (sl->head + 1) % SENDLIMIT_MAX;
		sl->count--;
	}
	sl->sent_at[(sl->head + sl->count) % SENDLIMIT_MAX] = now.mono_ms;
	sl->count++;
}
