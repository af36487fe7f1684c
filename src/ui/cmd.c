/*
 * The command table and everything generated from it: lookup, splitting a
 * line into words, arity errors, running a line, and completion from each
 * entry's template. Command files hold only behaviour.
 *
 * Every answer goes through ui_msg: to the log pane (source "cmd"), so a
 * message cannot be lost behind a redraw, or, for a command that came over
 * the control socket, into its reply. Bad input is a WARN and changes
 * nothing.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "app/app.h"
#include "ui/cmd.h"
#include "ui/ui.h"


const struct cmd_entry *const cmd_table[] = {
	&cmd_bot_entry,
	&cmd_budget_entry,
	&cmd_cache_entry,
	&cmd_cluster_entry,
	&cmd_delay_entry,
	&cmd_help_entry,
	&cmd_log_entry,
	&cmd_queue_entry,
	&cmd_quit_entry,
	&cmd_reconnect_entry,
	&cmd_resume_entry,
	&cmd_shard_entry,
	&cmd_sim_entry,
	&cmd_status_entry,
	&cmd_theme_entry,
	NULL
};

const struct cmd_entry *
cmd_find(const char *name)
{
	for (size_t i = 0; cmd_table[i] != NULL; i++) {
		const struct cmd_entry *e = cmd_table[i];

		if (strcmp(e->name, name) == 0 || (e->alias != NULL && strcmp(e->alias, name) == 0))
			return e;
	}
	return NULL;
}

/* Copies one word from *pp into *out (quotes and backslashes resolved).
 * 0, -1 for an unterminated quote, or -2 when the word does not fit (a cut
 * word would run as another argument: found by fuzzing). */
static int
split_word(const char **pp, char **out, char *end)
{
	const char *p = *pp;
	char quote = 0, *o = *out;
	bool cut = false;

	for (; *p != '\0' && (quote != 0 || (*p != ' ' && *p != '\t')); p++) {
		if (quote == 0 && (*p == '"' || *p == '\'')) {
			quote = *p;
			continue;
		}
		if (quote != 0 && *p == quote) {
			quote = 0;
			continue;
		}
		if (*p == '\\' && p[1] != '\0' && quote != '\'')
			p++;
		if (o < end)
			*o++ = *p;
		else
			cut = true;
	}
	*o++ = '\0';
	*pp = p;
	*out = o;
	return quote != 0 ? -1 : cut ? -2 : 0;
}

int
cmd_split(const char *line, char *buf, size_t buflen, char **argv, int maxargs,
    char *err, size_t errlen)
{
	char *o = buf, *end = buf + buflen - 1;
	int argc = 0, rc;

	for (const char *p = line;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if (argc == maxargs) {
			snprintf(err, errlen, "too many words (at most %d)", maxargs);
			return -1;
		}
		if (o >= end) {
			snprintf(err, errlen, "line too long");
			return -1;
		}
		argv[argc++] = o;
		if ((rc = split_word(&p, &o, end)) != 0) {
			snprintf(err, errlen, rc == -1 ? "unterminated quote" : "line too long");
			return -1;
		}
	}
	argv[argc] = NULL;
	return argc;
}

void
cmd_usage_error(struct ui *ui, const struct cmd_entry *e, const char *why)
{
	if (why != NULL)
		ui_msg(ui, LOG_WARN, "%s: %s", e->name, why);
	ui_msg(ui, LOG_WARN, "usage: %s %s  (help %s)", e->name, e->usage, e->name);
}

enum cmd_retval
cmd_confirm(struct ui *ui, const char *question, void (*on_yes)(struct ui *ui))
{
	if (ui->out != NULL) {
		ui_msg(ui, LOG_WARN, "refused: %s (nobody can answer that here)", question);
		return CMD_ERROR;
	}
	snprintf(ui->confirm_q, sizeof(ui->confirm_q), "%s", question);
	ui->confirm_yes = on_yes;
	ui_msg(ui, LOG_WARN, "%s [y/N]", question);
	ui_dirty(ui, UI_DIRTY(P_INPUT), false);
	return CMD_OK;
}

static void
answer_confirm(struct ui *ui, const char *line)
{
	void (*yes)(struct ui *) = ui->confirm_yes;

	ui->confirm_q[0] = '\0';
	ui->confirm_yes = NULL;
	ui_dirty(ui, UI_DIRTY(P_INPUT), false);
	if (strcasecmp(line, "y") == 0 || strcasecmp(line, "yes") == 0)
		yes(ui);
	else
		ui_msg(ui, LOG_INFO, "cancelled");
}

/* "/text" searches the log back from the bottom line; "/" alone goes on
 * to the next older match. */
static enum cmd_retval
search(struct ui *ui, const char *pattern)
{
	struct log_view *lv = &ui->log;
	bool again = *pattern == '\0';

	if (again && lv->search[0] == '\0') {
		ui_msg(ui, LOG_WARN, "search: type /text to search the log");
		return CMD_ERROR;
	}
	if (!again)
		snprintf(lv->search, sizeof(lv->search), "%s", pattern);
	ui_dirty(ui, UI_DIRTY(P_LOG), false);
	if (!view_log_find(lv, ui->bot->log, !again)) {
		ui_msg(ui, LOG_WARN, "search: no line matches \"%s\"", lv->search);
		return CMD_ERROR;
	}
	return CMD_OK;
}

static void
unknown(struct ui *ui, const char *name)
{
	char near[128] = "";
	size_t off = 0, n = strlen(name) < 2 ? strlen(name) : 2;

	for (size_t i = 0; cmd_table[i] != NULL && off < sizeof(near); i++)
		if (strncmp(cmd_table[i]->name, name, n) == 0)
			off += (size_t)snprintf(near + off, sizeof(near) - off, " %s",
			    cmd_table[i]->name);
	if (near[0] != '\0')
		ui_msg(ui, LOG_WARN, "unknown command '%s'; did you mean:%s", name, near);
	else
		ui_msg(ui, LOG_WARN, "unknown command '%s' (help lists them)", name);
}

/* Split, look up, check the arity, run: what both front ends share. */
static enum cmd_retval
exec_line(struct ui *ui, const char *line)
{
	char buf[CMD_LINE_MAX], err[128], *argv[CMD_MAX_ARGS + 1];
	const struct cmd_entry *e;
	int argc;

	if ((argc = cmd_split(line, buf, sizeof(buf), argv, CMD_MAX_ARGS, err, sizeof(err))) < 0) {
		ui_msg(ui, LOG_WARN, "%s", err);
		return CMD_ERROR;
	}
	if (argc == 0) {
		ui_msg(ui, LOG_WARN, "which command? (help lists them)");
		return CMD_ERROR;
	}
	if ((e = cmd_find(argv[0])) == NULL) {
		unknown(ui, argv[0]);
		return CMD_ERROR;
	}
	if (argc - 1 < e->min_args || (e->max_args >= 0 && argc - 1 > e->max_args)) {
		cmd_usage_error(ui, e, argc - 1 < e->min_args ? "too few arguments" :
		    "too many arguments");
		return CMD_ERROR;
	}
	return e->exec(ui, argc, argv);
}

enum cmd_retval
cmd_run(struct ui *ui, const char *line)
{
	while (*line == ' ' || *line == '\t')
		line++;
	if (ui->confirm_yes != NULL) {
		answer_confirm(ui, line);
		return CMD_OK;
	}
	if (*line == '\0')
		return CMD_OK;
	if (*line == '/')
		return search(ui, line + 1);
	ui_msg(ui, LOG_INFO, "> %s", line);
	return exec_line(ui, line);
}

int
cmd_run_remote(void *ud, const char *line, const struct line_out *out)
{
	struct ui *ui = ud;
	enum cmd_retval rc;

	ui->out = out;
	rc = exec_line(ui, line);
	ui->out = NULL;
	return rc == CMD_OK ? 0 : -1;
}
