/*
 * vigil's entry point: flags and modes. The console is the default mode;
 * each mode lives in its own file and is dispatched from here.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: vigil [--help] [--version]\n"
	    "       vigil formula [EXPR | preset NAME ARGS...] [--attempts N]\n"
	    "\n"
	    "vigil keeps a Discord gateway bot online and shows why it is (or is not).\n");
}

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("vigil %s\n", VIGIL_VERSION);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "formula") == 0)
		return cli_formula(argc - 1, argv + 1, stdout, stderr);
	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
