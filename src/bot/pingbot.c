/*
 * The seed's example bot: "!ping" in any channel is answered "Pong!" through
 * the REST queue. It ignores bots (its own replies included), so two bots
 * cannot ping-pong forever.
 */
#include <stdio.h>

#include "bot/bot-internal.h"

static int
on_message(void *ud, struct event *ev, char *err, size_t errlen)
{
	struct bot *b = ud;
	const struct frame *f = ev->frame;
	uint64_t channel;
	bool is_bot = false;
	char path[64];

	if (!frame_streq(f, frame_get(f, f->d, "content"), "!ping"))
		return 0;
	frame_bool(f, frame_get(f, f->d, "author.bot"), &is_bot);
	if (is_bot)
		return 0;
	if (!frame_u64(f, frame_get(f, f->d, "channel_id"), &channel)) {
		snprintf(err, errlen, "MESSAGE_CREATE without a channel_id");
		return -1;
	}
	snprintf(path, sizeof(path), "/channels/%llu/messages", (unsigned long long)channel);
	return bot_rest(b, b->now, "POST", path, "{\"content\":\"Pong!\"}", err, errlen);
}

int
pingbot_register(struct bot *b)
{
	return listeners_add(b->listeners, "pingbot", "MESSAGE_CREATE", on_message, b);
}
