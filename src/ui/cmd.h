/*
 * The command table (tmux's cmd.c and weechat's hook_command): every
 * console command is one `const struct cmd_entry` in its own cmd-*.c file,
 * listed in cmd_table[]. Lookup, arity errors, `help` and completion are
 * generated from the entries, never written by hand.
 *
 * Completion templates follow weechat: alternatives separated by "||", each
 * a sequence of words per argument position; a word is a literal
 * ("flush") or a provider "%(name)" (commands, log_levels, presets, themes,
 * faults, fault_args, bots). "log" completes with
 * "level %(log_levels) || filter || clear".
 */
#ifndef VIGIL_UI_CMD_H
#define VIGIL_UI_CMD_H

#include <stdbool.h>
#include <stddef.h>

#include "bot/log.h"

struct ui;
struct shard_set;

#define CMD_MAX_ARGS  16
#define CMD_LINE_MAX  512

enum cmd_retval { CMD_OK, CMD_ERROR };

struct cmd_entry {
	const char *name;
	const char *alias;              /* NULL or a short form ("q") */
	const char *usage;              /* "level <lvl> | filter [text] | clear" */
	const char *help;               /* one line; `help <cmd>` shows it */
	const char *details;            /* NULL or more lines ('\n'-separated) */
	int min_args, max_args;         /* -1: no maximum */
	const char *complete;           /* completion template, or NULL */
	enum cmd_retval (*exec)(struct ui *ui, int argc, char **argv);
};

extern const struct cmd_entry cmd_bot_entry;
extern const struct cmd_entry cmd_budget_entry;
extern const struct cmd_entry cmd_cache_entry;
extern const struct cmd_entry cmd_cluster_entry;
extern const struct cmd_entry cmd_delay_entry;
extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry cmd_log_entry;
extern const struct cmd_entry cmd_queue_entry;
extern const struct cmd_entry cmd_quit_entry;
extern const struct cmd_entry cmd_reconnect_entry;
extern const struct cmd_entry cmd_resume_entry;
extern const struct cmd_entry cmd_shard_entry;
extern const struct cmd_entry cmd_sim_entry;
extern const struct cmd_entry cmd_status_entry;
extern const struct cmd_entry cmd_theme_entry;

/* NULL-terminated, alphabetical. */
extern const struct cmd_entry *const cmd_table[];

/* The entry named (or aliased) `name`, or NULL. Exact names only. */
const struct cmd_entry *cmd_find(const char *name);

/* Splits a line into words in buf (quotes "..." and '...' group words,
 * backslash escapes). Returns argc, or -1 with a message. */
int cmd_split(const char *line, char *buf, size_t buflen, char **argv, int maxargs,
    char *err, size_t errlen);

/* Runs one command line typed at the console: a bad command or argument is
 * a WARN line in the log pane and changes nothing. A line starting with '/'
 * searches the log; a pending question takes the line as its answer. */
enum cmd_retval cmd_run(struct ui *ui, const char *line);
/* Runs one command line for the control socket: the same table, its
 * output lines to out instead of the log pane, no question asked (one
 * that would be is refused). 0 done, -1 refused. ud is the struct ui. */
int cmd_run_remote(void *ud, const char *line, const struct line_out *out);

/* Completion candidates for the word being typed: `words` are the complete
 * words before it, `prefix` the partial word. Calls add() for each match
 * (in a stable order). For readline's completion in cmdline.c. */
void cmd_complete(struct ui *ui, int nwords, char **words, const char *prefix,
    void (*add)(void *ud, const char *cand), void *ud);

/* "usage: NAME USAGE" in the log pane as a WARN. */
void cmd_usage_error(struct ui *ui, const struct cmd_entry *e, const char *why);

/* A pending yes/no question: the next line answers it ("y"/"yes" runs
 * `on_yes`, anything else cancels). The prompt shows the question. Over
 * the control socket nobody can answer: refused, CMD_ERROR. */
enum cmd_retval cmd_confirm(struct ui *ui, const char *question, void (*on_yes)(struct ui *ui));

/* SHARDS ("3", "0-7", "3,5", "all"; NULL: the shard shown) as indices of
 * this process's shards, into out. 0, or -1 after a WARN naming the
 * command. */
int cmd_shard_targets(struct ui *ui, const char *name, const char *arg, struct shard_set *out);

/* With more than one shard: the identify queue per concurrency key, as
 * "name: ..." lines. */
void cmd_shard_queue(struct ui *ui, const char *name);

/* Asks the emulator for its fault catalogue (GET /_ctl/faults) unless it is
 * known or on its way; a no-op without an emulator. */
void cmd_sim_fetch(struct ui *ui);

#endif
