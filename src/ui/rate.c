/*
 * The status line's events per second, averaged over the last
 * UI_RATE_WINDOW_MS (10 s): a world that chats at 0.5/s shows 0.5/s, not
 * 0.0/s for nine seconds out of ten and 1.0/s in the tenth. A sample is
 * taken at most once a second (the console wakes for it only while the
 * rate shown is not zero or new events came), and the rate is measured
 * from the oldest sample still inside the window.
 */
#include <string.h>

#include "ui/ui.h"

void
rate_init(struct ui_rate *r, int64_t now_ms, uint64_t count)
{
	memset(r, 0, sizeof(*r));
	r->at[0] = now_ms;
	r->count[0] = count;
	r->n = 1;
}

static int
slot(const struct ui_rate *r, int age)
{
	return (r->head - age + UI_RATE_SLOTS) % UI_RATE_SLOTS;
}

void
rate_sample(struct ui_rate *r, int64_t now_ms, uint64_t count)
{
	int newest = slot(r, 0), from = newest;

	if (now_ms - r->at[newest] < 1000)
		return;
	/* The oldest sample inside the window; the newest one when a quiet
	 * spell left every sample older than that. */
	for (int age = 0; age < r->n; age++) {
		int s = slot(r, age);

		if (now_ms - r->at[s] > UI_RATE_WINDOW_MS)
			break;
		from = s;
	}
	r->per_s = (double)(count - r->count[from]) * 1000.0 / (double)(now_ms - r->at[from]);
	r->head = (r->head + 1) % UI_RATE_SLOTS;
	r->at[r->head] = now_ms;
	r->count[r->head] = count;
	if (r->n < UI_RATE_SLOTS)
		r->n++;
}

int64_t
rate_next(const struct ui_rate *r, uint64_t count)
{
	int newest = slot(r, 0);

	if (r->per_s == 0 && count == r->count[newest])
		return VTIME_NEVER;
	return r->at[newest] + 1000;
}
