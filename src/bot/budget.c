/*
 * The session-start budget; see budget.h. The state file's JSON is in
 * budget-json.c.
 *
 * The starts ring is kept in time order. A start stamped later than `now`
 * means the wall clock moved back: it happened no later than now, so it is
 * read as happening now, the latest it can have, which makes it expire last.
 * Queries are const and only skip expired starts; budget_record drops them.
 */
#include <limits.h>
#include <string.h>

#include "bot/budget.h"

static const struct budget_start *
nth(const struct budget *b, int i)
{
	return &b->starts[(b->head + i) % BUDGET_MAX_STARTS];
}

/* When the start counts as having happened, as seen from now. */
static int64_t
start_wall(const struct budget_start *s, struct vtime now)
{
	return s->wall_ms < now.wall_ms ? s->wall_ms : now.wall_ms;
}

/* A start at t counts until t + 24 h, exclusive. */
static bool
counted(const struct budget_start *s, struct vtime now)
{
	return now.wall_ms - start_wall(s, now) < BUDGET_WINDOW_MS;
}

/* Index of the oldest start still counted (count when none). */
static int
first_counted(const struct budget *b, struct vtime now)
{
	int i = 0;

	while (i < b->count && !counted(nth(b, i), now))
		i++;
	return i;
}

void
budget_init(struct budget *b, int limit, int reserve)
{
	memset(b, 0, sizeof(*b));
	if (limit <= 0)
		limit = BUDGET_DEFAULT_LIMIT;
	if (limit > BUDGET_MAX_STARTS)
		limit = BUDGET_MAX_STARTS;
	if (reserve < 0)
		reserve = BUDGET_DEFAULT_RESERVE;
	/* A reserve that swallows the whole limit would never let vigil start. */
	if (reserve >= limit)
		reserve = limit - 1;
	b->limit = limit;
	b->reserve = reserve;
}

/* Copies a reason, keeping printable ASCII only: reasons are shown on
 * screen and written to the state file, which must stay valid UTF-8. */
static void
copy_reason(char *dst, const char *reason)
{
	size_t i;

	if (reason == NULL)
		reason = "";
	for (i = 0; i < BUDGET_REASON_MAX - 1 && reason[i] != '\0'; i++)
		dst[i] = reason[i] >= 0x20 && reason[i] < 0x7f ? reason[i] : '?';
	dst[i] = '\0';
}

/* Appends one start at now, keeping the ring in time order. */
static void
append(struct budget *b, struct vtime now, const char *reason)
{
	struct budget_start *s;
	int i;

	while (b->count > 0 && !counted(nth(b, 0), now)) {
		b->head = (b->head + 1) % BUDGET_MAX_STARTS;
		b->count--;
	}
	/* Starts after now (the clock moved back) are the newest ones. */
	for (i = b->count - 1; i >= 0; i--) {
		s = &b->starts[(b->head + i) % BUDGET_MAX_STARTS];
		if (s->wall_ms <= now.wall_ms)
			break;
		s->wall_ms = now.wall_ms;
	}
	/* Full: the limit is at most BUDGET_MAX_STARTS, so the oldest start
	 * no longer changes any answer. */
	if (b->count == BUDGET_MAX_STARTS) {
		b->head = (b->head + 1) % BUDGET_MAX_STARTS;
		b->count--;
	}
	s = &b->starts[(b->head + b->count) % BUDGET_MAX_STARTS];
	s->wall_ms = now.wall_ms;
	copy_reason(s->reason, reason);
	b->count++;
}

int
budget_max_concurrency(const struct budget *b)
{
	int mc = b->discord_known ? b->d_max_concurrency : 1;

	if (mc < 1)
		mc = 1;
	if (mc > BUDGET_MAX_CONCURRENCY)
		mc = BUDGET_MAX_CONCURRENCY;
	return mc;
}

static int
bucket(const struct budget *b, int shard_id)
{
	int mc = budget_max_concurrency(b);

	return shard_id < 0 ? 0 : shard_id % mc;
}

void
budget_record(struct budget *b, struct vtime now, int shard_id, const char *reason)
{
	append(b, now, reason);
	if (b->discord_known)
		b->d_used_since++;
	/* 0 means "none": an IDENTIFY at mono 0 is kept as 1, so its spacing
	 * ends 1 ms late, never early. */
	b->last_identify_mono[bucket(b, shard_id)] = now.mono_ms != 0 ? now.mono_ms : 1;
}

void
budget_update_discord(struct budget *b, struct vtime now, int total, int remaining,
    int64_t reset_after_ms, int max_concurrency)
{
	/* A reading without a total is no reading: keep the last good one. */
	if (total <= 0)
		return;
	if (remaining < 0)
		remaining = 0;
	if (remaining > total)
		remaining = total;
	if (reset_after_ms < 0)
		reset_after_ms = 0;
	if (reset_after_ms > BUDGET_WINDOW_MS)
		reset_after_ms = BUDGET_WINDOW_MS;
	if (max_concurrency < 1)
		max_concurrency = 1;
	if (max_concurrency > BUDGET_MAX_CONCURRENCY)
		max_concurrency = BUDGET_MAX_CONCURRENCY;
	b->discord_known = true;
	b->d_total = total;
	b->d_remaining = remaining;
	b->d_max_concurrency = max_concurrency;
	b->d_seen_wall_ms = now.wall_ms;
	b->d_reset_wall_ms = now.wall_ms + reset_after_ms;
	b->d_used_since = 0;
}

int
budget_used(const struct budget *b, struct vtime now)
{
	return b->count - first_counted(b, now);
}

/* Counted starts from wall time `from` on. */
static int
used_since(const struct budget *b, struct vtime now, int64_t from)
{
	int i, n = 0;

	for (i = first_counted(b, now); i < b->count; i++) {
		if (start_wall(nth(b, i), now) >= from)
			n++;
	}
	return n;
}

/* Discord's remaining as of now: its reading minus what vigil started
 * since, or, once its window has reset, its total minus what vigil started
 * since the reset. INT_MAX when there is no reading. */
static int
discord_remaining(const struct budget *b, struct vtime now)
{
	if (!b->discord_known)
		return INT_MAX;
	if (now.wall_ms >= b->d_reset_wall_ms)
		return b->d_total - used_since(b, now, b->d_reset_wall_ms);
	return b->d_remaining - b->d_used_since;
}

int
budget_limit(const struct budget *b)
{
	if (b->discord_known && b->d_total < b->limit)
		return b->d_total;
	return b->limit;
}

int
budget_remaining(const struct budget *b, struct vtime now)
{
	int local = b->limit - budget_used(b, now);
	int discord = discord_remaining(b, now);
	int r = local < discord ? local : discord;

	return r < 0 ? 0 : r;
}

static int64_t
spacing_wait(const struct budget *b, struct vtime now, int shard_id)
{
	int64_t last = b->last_identify_mono[bucket(b, shard_id)];
	int64_t wait;

	if (last == 0)
		return 0;
	wait = last + BUDGET_SPACING_MS + BUDGET_SPACING_MARGIN_MS - now.mono_ms;
	return wait > 0 ? wait : 0;
}

bool
budget_may_identify(const struct budget *b, struct vtime now, int shard_id)
{
	return budget_remaining(b, now) > b->reserve && spacing_wait(b, now, shard_id) == 0;
}

/* Wall ms when the k-th (1-based) counted start from `from` on expires;
 * VTIME_NEVER when there are fewer. */
static int64_t
kth_expiry(const struct budget *b, struct vtime now, int64_t from, int k)
{
	int64_t t;
	int i;

	for (i = first_counted(b, now); i < b->count; i++) {
		t = start_wall(nth(b, i), now);
		if (t >= from && --k == 0)
			return t + BUDGET_WINDOW_MS;
	}
	return VTIME_NEVER;
}

/* When more than `reserve` starts are left by the local count: `need` of
 * the counted starts must expire first. */
static int64_t
local_free_wall(const struct budget *b, struct vtime now)
{
	int need = budget_used(b, now) - (b->limit - b->reserve) + 1;

	return need <= 0 ? now.wall_ms : kth_expiry(b, now, INT64_MIN, need);
}

/* The same by Discord's count: its reset gives everything back; after it,
 * vigil's own starts since the reset are what is used. */
static int64_t
discord_free_wall(const struct budget *b, struct vtime now)
{
	int used;

	if (discord_remaining(b, now) > b->reserve)
		return now.wall_ms;
	if (b->d_total <= b->reserve)
		return VTIME_NEVER;
	if (now.wall_ms < b->d_reset_wall_ms)
		return b->d_reset_wall_ms;
	used = used_since(b, now, b->d_reset_wall_ms);
	return kth_expiry(b, now, b->d_reset_wall_ms, used - (b->d_total - b->reserve) + 1);
}

int64_t
budget_wait_ms(const struct budget *b, struct vtime now, int shard_id)
{
	int64_t local = local_free_wall(b, now), discord = discord_free_wall(b, now);
	int64_t at = local > discord ? local : discord;
	int64_t wait, spacing = spacing_wait(b, now, shard_id);

	/* Callers add this to a clock: never hand them VTIME_NEVER. */
	if (at == VTIME_NEVER)
		return BUDGET_WINDOW_MS;
	wait = at > now.wall_ms ? at - now.wall_ms : 0;
	return wait > spacing ? wait : spacing;
}

int64_t
budget_next_free_wall(const struct budget *b, struct vtime now)
{
	int i = first_counted(b, now);

	if (i == b->count)
		return 0;
	return start_wall(nth(b, i), now) + BUDGET_WINDOW_MS;
}

int
budget_recent(const struct budget *b, struct vtime now, struct budget_start *out, int max)
{
	int i, n = 0, first = first_counted(b, now);

	for (i = b->count - 1; i >= first && n < max; i--) {
		out[n] = *nth(b, i);
		out[n].wall_ms = start_wall(nth(b, i), now);
		n++;
	}
	return n;
}

void
budget_assume_used(struct budget *b, struct vtime now, int count, const char *reason)
{
	int i;

	if (reason == NULL || reason[0] == '\0')
		reason = "assumed: corrupt state file";
	if (count > BUDGET_MAX_STARTS)
		count = BUDGET_MAX_STARTS;
	/* Not IDENTIFYs vigil sent: Discord's reading and the spacing stay. */
	for (i = 0; i < count; i++)
		append(b, now, reason);
}
