/*
 * vigil's entry point: flags and modes. The console is the default mode;
 * --headless runs the same loop logging to stdout; `vigil formula` is a
 * calculator for delay formulas. Exit status: 0 ok, 1 runtime failure,
 * 2 usage error.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "app/app.h"
#include "net/loop.h"
#include "ui/console.h"

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: vigil [--headless [--log-json]] [--api URL] [--config FILE] [--state-dir DIR]\n"
	    "             [--log-level LVL] [--log-file FILE] [--formula EXPR] [--compress]\n"
	    "             [--theme NAME] [--no-color] [--no-bell] [--no-title] [--mouse]\n"
	    "             [--resume-window DURATION] [--sim-chatter RATE] [--sim-heartbeat MS]\n"
	    "             [--shards N|auto] [--shard-ids 0-7|0,2,4-7]\n"
	    "             [--bot FILE.lua]... [--script-timeout MS] [--script-memory SIZE]\n"
	    "             [--script-error-limit N] [--script-store SIZE]\n"
	    "             [--ctl-socket PATH] [--listen ADDR:PORT]\n"
	    "             [--cluster URL] [--cluster-name NAME] [--cluster-lease DURATION]\n"
	    "       vigil --logout        end the saved session (close 1000) and forget it\n"
	    "       vigil formula [EXPR | preset NAME ARGS...] [--attempts N]\n"
	    "       vigil ctl [--socket PATH] COMMAND [ARGS]   (in a running vigil)\n"
	    "       vigil --help | --version\n"
	    "\n"
	    "vigil keeps a Discord gateway bot online and shows why it is (or is not).\n"
	    "\n"
	    "The token comes from VIGIL_TOKEN or `token = ...` in the config file\n"
	    "($XDG_CONFIG_HOME/vigil/config), never from the command line. With no token\n"
	    "and no --api (or VIGIL_API), vigil runs its own Discord emulator and connects\n"
	    "to it. --api URL points REST (and so the gateway, from URL/v10/gateway/bot)\n"
	    "at another Discord-compatible server, such as vigil-sim.\n"
	    "\n"
	    "Your bot is Lua: --bot FILE.lua (or `bot = FILE.lua`, repeatable); with none,\n"
	    "the shipped bots/ping.lua runs. SIGHUP reloads the bots (docs/bots.md).\n");
}

static int
run_console(struct app *a, const struct vigil_options *o)
{
	struct console_options co;

	console_options_defaults(&co);
	snprintf(co.theme, sizeof(co.theme), "%s", o->theme);
	co.no_color = co.no_color || o->no_color;
	co.bell = co.bell && !o->no_bell;
	co.title = co.title && !o->no_title;
	co.mouse = co.mouse || o->mouse;
	return console_run(a, &co);
}

static int
run(struct vigil_options *o)
{
	char err[512];
	struct app *a;
	int status;

	if (loop_block_signals(err, sizeof(err)) < 0) {
		fprintf(stderr, "vigil: %s\n", err);
		return 1;
	}
	a = app_new(&o->app, err, sizeof(err));
	if (a == NULL) {
		fprintf(stderr, "vigil: %s\n", err);
		return 1;
	}
	if (o->app.headless) {
		struct ui *cmds = console_headless_new(a);

		status = app_run(a);
		console_headless_free(cmds);
	} else {
		status = run_console(a, o);
	}
	app_free(a);
	return status;
}

int
main(int argc, char **argv)
{
	struct vigil_options o;
	char err[512];

	if (argc > 1 && strcmp(argv[1], "formula") == 0)
		return cli_formula(argc - 1, argv + 1, stdout, stderr);
	if (argc > 1 && strcmp(argv[1], "ctl") == 0)
		return cli_ctl(argc - 1, argv + 1, stdout, stderr);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--version") == 0) {
			printf("vigil %s\n", VIGIL_VERSION);
			return 0;
		}
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		}
	}
	if (config_all(&o, argc, argv, err, sizeof(err)) < 0) {
		fprintf(stderr, "vigil: %s\n(vigil --help shows the flags)\n", err);
		return 2;
	}
	return run(&o);
}
