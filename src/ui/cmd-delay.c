/*
 * delay: the reconnect delay formula. Without arguments it shows the
 * formula, its first delays and what it would spend in 24 h of constant
 * failure against the session starts left; `delay EXPR` and `delay preset
 * NAME [ARGS]` replace it. A bad formula is refused with its column marked
 * and the old one stays.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "ui/cmd.h"
#include "ui/ui.h"

#define SHOW_DELAYS 10

static void
first_delays(const struct delay_formula *f, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int a = 1; a <= SHOW_DELAYS && off < len; a++) {
		double s = delay_eval_s(f, a, NULL);

		off += (size_t)snprintf(buf + off, len - off, "%s%g", a > 1 ? " " : "", s);
	}
}

static void
show(struct ui *ui, const struct delay_formula *f, const char *verb)
{
	struct vtime now = app_now(ui->app);
	const struct budget *bu = ui->bot->budget;
	int usable = budget_remaining(bu, now) - bu->reserve;
	int proj = delay_attempts_within(f, 24.0 * 3600.0);
	char delays[128];

	first_delays(f, delays, sizeof(delays));
	ui_msg(ui, LOG_INFO, "delay: %s %s%s%s (cap %gs)", verb, f->text,
	    f->preset[0] != '\0' ? ", preset " : "", f->preset, f->cap_s);
	ui_msg(ui, LOG_INFO, "delay: attempts 1-%d wait %s s", SHOW_DELAYS, delays);
	ui_msg(ui, proj > usable ? LOG_WARN : LOG_INFO,
	    "delay: 24 h of constant failure makes %d attempts; %d session starts usable%s", proj,
	    usable < 0 ? 0 : usable, proj > usable ? ": this formula could exhaust the budget" : "");
}

/* "column 7: ..." from delay.h: echo the expression with a caret. */
static void
refuse(struct ui *ui, const char *expr, const char *err)
{
	long col = 0;

	if (strncmp(err, "column ", 7) == 0)
		col = strtol(err + 7, NULL, 10);
	ui_msg(ui, LOG_WARN, "delay: refused, the formula stays: %s", err);
	if (col > 0 && col <= (long)strlen(expr) + 1) {
		ui_msg(ui, LOG_WARN, "  %s", expr);
		ui_msg(ui, LOG_WARN, "  %*s^", (int)col - 1, "");
	}
}

static enum cmd_retval
apply(struct ui *ui, const struct delay_formula *f)
{
	if (bot_set_formula(ui->bot, f) != 0) {
		ui_msg(ui, LOG_WARN, "delay: the core refused the formula; it stays");
		return CMD_ERROR;
	}
	app_kick(ui->app);
	show(ui, f, "now");
	ui_dirty(ui, UI_DIRTY(P_COUNTDOWN) | UI_DIRTY(P_BUDGET), false);
	return CMD_OK;
}

static enum cmd_retval
set_preset(struct ui *ui, int argc, char **argv)
{
	struct delay_formula f;
	char err[160];

	if (argc < 3) {
		cmd_usage_error(ui, cmd_find("delay"), "which preset?");
		return CMD_ERROR;
	}
	if (delay_preset(&f, argv[2], argc - 3, (const char *const *)argv + 3, err,
	    sizeof(err)) != 0) {
		ui_msg(ui, LOG_WARN, "delay: refused, the formula stays: %s", err);
		return CMD_ERROR;
	}
	return apply(ui, &f);
}

static enum cmd_retval
cmd_delay_exec(struct ui *ui, int argc, char **argv)
{
	struct delay_formula f;
	char expr[DELAY_EXPR_MAX], err[160];
	size_t off = 0;

	if (argc == 1) {
		show(ui, &ui->bot->formula, "formula");
		return CMD_OK;
	}
	if (strcmp(argv[1], "preset") == 0)
		return set_preset(ui, argc, argv);
	expr[0] = '\0';
	for (int i = 1; i < argc && off < sizeof(expr); i++)
		off += (size_t)snprintf(expr + off, sizeof(expr) - off, "%s%s", i > 1 ? " " : "",
		    argv[i]);
	if (off >= sizeof(expr)) {
		ui_msg(ui, LOG_WARN, "delay: formula too long (at most %d bytes)", DELAY_EXPR_MAX - 1);
		return CMD_ERROR;
	}
	if (delay_compile(&f, expr, err, sizeof(err)) != 0) {
		refuse(ui, expr, err);
		return CMD_ERROR;
	}
	return apply(ui, &f);
}

const struct cmd_entry cmd_delay_entry = {
	.name = "delay",
	.usage = "[EXPR | preset NAME [ARGS]]",
	.help = "show or set the reconnect delay formula (seconds, in the attempt a)",
	.details = "delay                       the formula, its first delays, its 24 h projection\n"
	    "delay a*2                   a new formula: + - * / ^, min max floor ceil round\n"
	    "                            sqrt log exp abs rand, numbers and a\n"
	    "delay preset javacord       the default; also linear K, exponential BASE CAP,\n"
	    "                            full-jitter BASE CAP",
	.min_args = 0,
	.max_args = -1,
	.complete = "preset %(presets)",
	.exec = cmd_delay_exec,
};
