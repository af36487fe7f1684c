/*
 * bot_rest_call: a REST request whose submitter hears the answer (the bot
 * scripts' vigil.rest). The request goes through the rate-limit queue like
 * any other; the callback waits in a list so a submitter that goes away
 * (an unloaded script) can drop its callbacks while the requests complete.
 * The list is bounded by the queue's own RLQ_MAX_PENDING.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bot/bot-internal.h"

struct rest_call {
	struct rest_call *prev, *next;
	struct bot *b;                  /* whose list it is on: the answer goes there */
	bot_rest_fn fn;                 /* NULL once cancelled */
	void *ud;
	const void *owner;
};

int
bot_rest_call(struct bot *b, struct vtime now, const char *method, const char *path,
    const char *body, bot_rest_fn fn, void *ud, const void *owner, char *err, size_t errlen)
{
	struct rest_call *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->b = b;
	c->fn = fn;
	c->ud = ud;
	c->owner = owner;
	if (bot_submit(b, now, method, path, body, TAG_CALL, c, err, errlen) < 0) {
		free(c);
		return -1;
	}
	c->next = b->calls;
	if (b->calls != NULL)
		b->calls->prev = c;
	b->calls = c;
	return 0;
}

static void
unlink_call(struct bot *b, struct rest_call *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		b->calls = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
}

void
rest_call_done(struct bot *b, struct vtime now, const struct rlq_done *done, const char *body,
    size_t len)
{
	struct rest_call *c = done->ud;
	bot_rest_fn fn = c->fn;
	void *ud = c->ud;

	unlink_call(b, c);
	free(c);
	if (fn != NULL)
		fn(ud, now, done->status, body, body != NULL ? len : 0);
}

int
bot_rest_cancel(struct bot *b, const void *owner)
{
	int n = 0;

	for (struct rest_call *c = b->calls; c != NULL; c = c->next) {
		if (c->owner == owner && c->fn != NULL) {
			c->fn = NULL;
			n++;
		}
	}
	return n;
}

struct bot *
rest_call_owner(const void *ud)
{
	return ((const struct rest_call *)ud)->b;
}

void
rest_calls_free(struct bot *b)
{
	while (b->calls != NULL) {
		struct rest_call *c = b->calls;
		b->calls = c->next;
		free(c);
	}
}
