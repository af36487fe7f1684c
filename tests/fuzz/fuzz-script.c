/*
 * Arbitrary frames to a Lua script through the lazy payload view
 * (docs/bots.md). The script reads every part of the payload two ways, by
 * indexing the view and through msg:table(), and they must agree; it also
 * calls tostring and # on every view, and keeps the event past a yield-less
 * return to check it expires. Any disagreement is a script error saying
 * MISMATCH, which fails the input; other script errors (too deep a payload
 * for Lua's C stack, say) are allowed: they are the script's to have.
 * ASan watches the view's reads of the frame.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bot/bot.h"
#include "script/script-host.h"
#include "fuzz.h"

static const char walker[] =
    "kept = nil\n"
    "local function same(v, t, depth)\n"
    "  if depth > 40 then return end\n"
    "  local _ = tostring(v) .. #v\n"
    "  for k, x in pairs(t) do\n"
    "    local y = v[k]\n"
    "    if type(x) == 'table' then\n"
    "      if type(y) ~= 'userdata' then error('MISMATCH: ' .. tostring(k) .. ' is not a view') end\n"
    "      same(y, x, depth + 1)\n"
    "    elseif y ~= x and not (x ~= x and y ~= y) then\n"
    "      error('MISMATCH at ' .. tostring(k) .. ': ' .. tostring(y) .. ' vs ' .. tostring(x))\n"
    "    end\n"
    "  end\n"
    "end\n"
    "vigil.on('*', function(m)\n"
    "  if kept ~= nil and pcall(function() return kept.id end) then\n"
    "    error('MISMATCH: a view outlived its event')\n"
    "  end\n"
    "  if m == nil then return end\n"
    "  kept = m\n"
    "  if type(m) ~= 'userdata' then return end\n"
    "  same(m, m:table(), 0)\n"
    "end)\n";

static struct bot bot;
static struct frame_decoder dec;
static struct frame fr;
static struct script_host *host;
static int64_t t = 1000;

static int64_t
still(void *ud)
{
	(void)ud;
	return 0;
}

static char *
read_walker(void *ud, const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
	(void)ud, (void)path, (void)max, (void)err, (void)errlen;
	*len = sizeof(walker) - 1;
	return strdup(walker);
}

static struct vtime
now(void)
{
	struct vtime v = { t, t };

	return v;
}

static void
init(void)
{
	struct bot_config cfg;
	struct script_limits lim;
	struct script_driver drv = { NULL, still, read_walker, NULL };
	char err[256];

	bot_config_defaults(&cfg);
	cfg.log_capacity = 64;
	FUZZ_CHECK(bot_init(&bot, &cfg, now(), err, sizeof(err)) == 0, "%s", err);
	frame_decoder_init(&dec);
	script_limits_default(&lim);
	lim.memory = 16u << 20;
	lim.error_limit = 1000000;
	host = script_host_new(&bot, &lim, &drv, err, sizeof(err));
	FUZZ_CHECK(host != NULL, "%s", err);
	FUZZ_CHECK(script_host_load(host, now(), "fuzz/walker.lua", err, sizeof(err)) == 0, "%s", err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct event ev;
	struct action a;
	char err[128];
	uint64_t seq;
	char *buf;

	if (host == NULL)
		init();
	/* Its own copy, freed after the event: a view that read it later is
	 * a use-after-free. */
	buf = malloc(size + 1);
	FUZZ_CHECK(buf != NULL, "out of memory");
	memcpy(buf, data, size);
	buf[size] = '\0';
	t += 61000;
	bot.now = now();
	logring_set_time(bot.log, bot.now);
	seq = bot.log->next_seq;
	if (frame_decode(&fr, &dec, buf, size, err, sizeof(err)) == 0 && fr.t[0] != '\0') {
		memset(&ev, 0, sizeof(ev));
		ev.name = fr.t;
		ev.frame = &fr;
		listeners_emit(bot.listeners, &ev, bot.log);
	}
	free(buf);
	for (uint64_t s = seq; s < bot.log->next_seq; s++) {
		const struct log_entry *e = logring_get(bot.log, s);
		FUZZ_CHECK(e == NULL || strstr(e->text, "MISMATCH") == NULL, "%s", e->text);
	}
	while (bot_next_action(&bot, &a))
		action_release(&a);
	return 0;
}
