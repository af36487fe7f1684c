/*
 * vigil's one-shot commands (`vigil formula`, ...): each takes its own argv
 * (argv[0] is the command's name), writes its answer to `out` and its
 * complaints to `err`, and returns the process exit status: 0, or 2 for a
 * usage error or a bad argument (ctl adds 1: refused).
 */
#ifndef VIGIL_CLI_H
#define VIGIL_CLI_H

#include <stdio.h>

/* vigil formula [EXPR | preset NAME ARGS...] [--attempts N]: the delays a
 * reconnect formula gives and how many attempts it makes in 24 h. */
int cli_formula(int argc, char **argv, FILE *out, FILE *err);
/* vigil ctl [--socket PATH] COMMAND [ARGS]: a console command run in a
 * running vigil. 0 done, 1 refused, 2 no vigil answered or a usage error. */
int cli_ctl(int argc, char **argv, FILE *out, FILE *err);

#endif
