/*
 * bot: the operator's Lua bots (docs/bots.md). `bot` lists each script with
 * its listeners, calls, errors, memory and last error; `bot reload [NAME]`
 * swaps in new code (a failed reload keeps the old code running and says
 * why); `bot load PATH`, `bot unload NAME`, `bot enable NAME` (listeners the
 * circuit breaker disabled).
 */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "ui/cmd.h"
#include "ui/ui.h"

static void
list_one(struct ui *ui, struct script_host *h, int i)
{
	struct script_info s;
	struct script_listener_info ls[SCRIPT_LISTENERS_MAX];
	char line[LOG_TEXT_MAX];
	size_t off = 0;
	int n;

	script_host_info(h, i, &s);
	ui_msg(ui, LOG_INFO, "bot %s (%s): %d listener%s (%d disabled), %d timer%s, %d waiting, "
	    "%llu calls, %llu errors, %zu KiB (peak %zu KiB)", s.name, s.path, s.listeners,
	    s.listeners == 1 ? "" : "s", s.disabled, s.timers, s.timers == 1 ? "" : "s", s.waiting,
	    (unsigned long long)s.calls, (unsigned long long)s.errors, s.memory / 1024,
	    s.memory_peak / 1024);
	n = script_host_listeners(h, i, ls, SCRIPT_LISTENERS_MAX);
	for (int k = 0; k < n && off < sizeof(line); k++)
		off += (size_t)snprintf(line + off, sizeof(line) - off, "%s#%d %s %llu/%llu%s",
		    k > 0 ? ", " : "", ls[k].handle, ls[k].event, (unsigned long long)ls[k].calls,
		    (unsigned long long)ls[k].errors, ls[k].disabled ? " DISABLED" : "");
	if (n > 0)
		ui_msg(ui, LOG_INFO, "  listeners (calls/errors): %s", line);
	if (s.last_error[0] != '\0')
		ui_msg(ui, LOG_WARN, "  last error: %s", s.last_error);
}

static enum cmd_retval
list(struct ui *ui, struct script_host *h)
{
	int n = script_host_count(h);

	if (n == 0)
		ui_msg(ui, LOG_INFO, "bot: none loaded (`bot load PATH` loads one)");
	for (int i = 0; i < n; i++)
		list_one(ui, h, i);
	return CMD_OK;
}

static enum cmd_retval
done(struct ui *ui, int rc, const char *err, const char *what)
{
	app_kick(ui->app);
	ui_dirty(ui, UI_DIRTY(P_STATUS), false);
	if (rc < 0) {
		ui_msg(ui, LOG_ERROR, "bot: %s", err);
		return CMD_ERROR;
	}
	ui_msg(ui, LOG_INFO, "bot: %s", what);
	return CMD_OK;
}

static enum cmd_retval
cmd_bot_exec(struct ui *ui, int argc, char **argv)
{
	struct script_host *h = app_scripts(ui->app);
	struct vtime now = app_now(ui->app);
	const char *sub = argc > 1 ? argv[1] : "list";
	const char *arg = argc > 2 ? argv[2] : NULL;
	char err[SCRIPT_ERR_MAX + 64], what[SCRIPT_PATH_MAX + 32];

	if (strcmp(sub, "list") == 0)
		return list(ui, h);
	if (strcmp(sub, "reload") == 0) {
		snprintf(what, sizeof(what), "reloaded %s", arg != NULL ? arg : "every bot");
		return done(ui, arg != NULL ? script_host_reload(h, now, arg, err, sizeof(err)) :
		    app_reload_bots(ui->app, err, sizeof(err)), err, what);
	}
	if (arg == NULL) {
		cmd_usage_error(ui, cmd_find("bot"), "which bot?");
		return CMD_ERROR;
	}
	snprintf(what, sizeof(what), "%s %s", sub, arg);
	if (strcmp(sub, "load") == 0)
		return done(ui, script_host_load(h, now, arg, err, sizeof(err)), err, "loaded");
	if (strcmp(sub, "unload") == 0)
		return done(ui, script_host_unload(h, now, arg, err, sizeof(err)), err, what);
	if (strcmp(sub, "enable") == 0)
		return done(ui, script_host_enable(h, now, arg, err, sizeof(err)), err, "enabled");
	cmd_usage_error(ui, cmd_find("bot"), "list, reload, load, unload or enable?");
	return CMD_ERROR;
}

const struct cmd_entry cmd_bot_entry = {
	.name = "bot",
	.usage = "[list] | reload [NAME] | load PATH | unload NAME | enable NAME",
	.help = "your Lua bots: list them, reload, load, unload, re-enable listeners",
	.details = "A failed reload keeps the old code running and shows the error.\n"
	    "enable turns back on the listeners disabled for failing too often.\n"
	    "SIGHUP reloads every bot, like `bot reload`. See docs/bots.md.",
	.min_args = 0,
	.max_args = 2,
	.complete = "list || reload %(bots) || load || unload %(bots) || enable %(bots)",
	.exec = cmd_bot_exec,
};
