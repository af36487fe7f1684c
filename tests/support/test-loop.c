/* A loop for tests: see test-loop.h. */
#include <stdio.h>
#include <string.h>

#include "net/gateway.h"
#include "test-loop.h"

int
tloop_init(struct tloop *t)
{
	struct loop_hooks none;
	char err[256];

	memset(t, 0, sizeof(*t));
	memset(&none, 0, sizeof(none));
	if (logring_init(&t->log, 4096) != 0)
		return -1;
	t->log.capture = LOG_DEBUG;
	if (loop_init(&t->loop, gateway_protocol(), &t->log, &none, err, sizeof(err)) < 0) {
		fprintf(stderr, "tloop: %s\n", err);
		logring_free(&t->log);
		return -1;
	}
	return 0;
}

void
tloop_free(struct tloop *t)
{
	loop_free(&t->loop);
	logring_free(&t->log);
}

bool
tloop_until(struct tloop *t, bool (*cond)(void *ud), void *ud, int ms)
{
	int64_t end = loop_now_us() / 1000 + ms;

	while (!cond(ud) && loop_now_us() / 1000 < end) {
		/* Wake at least every 50 ms to look at the time. */
		loop_arm(&t->loop, loop_now_us() / 1000 + 50);
		loop_turn(&t->loop);
	}
	return cond(ud);
}

static bool
never(void *ud)
{
	(void)ud;
	return false;
}

void
tloop_run(struct tloop *t, int ms)
{
	tloop_until(t, never, NULL, ms);
}

bool
tloop_logged(const struct tloop *t, const char *needle)
{
	for (uint64_t s = logring_first_seq(&t->log); ; s++) {
		const struct log_entry *e = logring_get(&t->log, s);
		if (e == NULL)
			return false;
		if (strstr(e->text, needle) != NULL)
			return true;
	}
}

void
tloop_dump(const struct tloop *t)
{
	for (uint64_t s = logring_first_seq(&t->log); ; s++) {
		const struct log_entry *e = logring_get(&t->log, s);
		if (e == NULL)
			return;
		fprintf(stderr, "  log: [%s] %s\n", e->source, e->text);
	}
}
