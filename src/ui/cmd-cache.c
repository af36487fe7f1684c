/*
 * cache: the entity cache. `cache stats` lists what it holds; `cache flush`
 * empties it (a dispatch refills it; a resume does not replay what was
 * flushed).
 */
#include <string.h>

#include "app/app.h"
#include "ui/cmd.h"
#include "ui/ui.h"

static size_t
total(const struct cache_stats *s)
{
	size_t n = 0;

	for (int k = 0; k < CACHE_KINDS; k++)
		n += s->entries[k];
	return n;
}

static void
stats(struct ui *ui)
{
	struct cache_stats s;
	char line[LOG_TEXT_MAX];
	size_t off = 0;

	cache_get_stats(ui->bot->cache, &s);
	for (int k = 0; k < CACHE_KINDS && off < sizeof(line); k++)
		off += (size_t)snprintf(line + off, sizeof(line) - off, "%s%s %zu", k > 0 ? ", " : "",
		    cache_kind_name((enum cache_kind)k), s.entries[k]);
	ui_msg(ui, LOG_INFO, "cache: %zu entries (%s), %zu KiB", total(&s), line, s.bytes / 1024);
	ui_msg(ui, LOG_INFO, "cache: hits %llu, misses %llu, updates %llu, wipes %llu, flushes %llu",
	    (unsigned long long)s.hits, (unsigned long long)s.misses,
	    (unsigned long long)s.updates, (unsigned long long)s.wipes,
	    (unsigned long long)s.flushes);
}

static enum cmd_retval
cmd_cache_exec(struct ui *ui, int argc, char **argv)
{
	struct cache_stats s;

	(void)argc;
	if (strcmp(argv[1], "stats") == 0) {
		stats(ui);
		return CMD_OK;
	}
	if (strcmp(argv[1], "flush") != 0) {
		cmd_usage_error(ui, cmd_find("cache"), "flush or stats?");
		return CMD_ERROR;
	}
	cache_get_stats(ui->bot->cache, &s);
	bot_cache_flush(ui->bot, app_now(ui->app));
	app_kick(ui->app);
	ui_msg(ui, LOG_INFO, "cache: flushed %zu entries", total(&s));
	ui_dirty(ui, UI_DIRTY(P_STATUS), false);
	return CMD_OK;
}

const struct cmd_entry cmd_cache_entry = {
	.name = "cache",
	.usage = "flush | stats",
	.help = "empty the entity cache, or list what it holds",
	.min_args = 1,
	.max_args = 1,
	.complete = "flush || stats",
	.exec = cmd_cache_exec,
};
