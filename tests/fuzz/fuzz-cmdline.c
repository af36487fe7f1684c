/*
 * The console's command line, the part that runs without a terminal or a
 * network loop: cmd_split (words, quotes, escapes), cmd_find and the
 * arity check cmd_run makes, and completion from the templates. cmd_run
 * itself needs a live `struct app` (app_now, app_kick, app_sim_request in
 * the cmd-*.c files); docs/fuzzing.md says what split would let it run here.
 *
 * cmd_split is held to a plain reference splitter with no size limits:
 * when it succeeds, its words are exactly the reference's (nothing cut
 * short); when it refuses, it says why, and only for a reason the
 * reference sees (an open quote, too many words, a line too long).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/cmd.h"
#include "ui/ui.h"
#include "fuzz.h"

struct words {
	char *buf;                     /* NUL-separated words */
	int n;
	size_t bytes;                  /* of buf used, NULs included */
	bool open_quote;
};

/* The grammar as cmd.h states it: blanks separate words; "..." and '...'
 * group; a backslash outside '...' takes the next byte as it is. */
static void
reference_split(const char *line, struct words *w)
{
	char *o = w->buf;
	const char *p = line;

	w->n = 0;
	w->open_quote = false;
	for (;;) {
		char quote = 0;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		for (; *p != '\0' && (quote != 0 || (*p != ' ' && *p != '\t')); p++) {
			if (quote == 0 && (*p == '"' || *p == '\''))
				quote = *p;
			else if (quote != 0 && *p == quote)
				quote = 0;
			else {
				if (*p == '\\' && p[1] != '\0' && quote != '\'')
					p++;
				*o++ = *p;
			}
		}
		*o++ = '\0';
		w->n++;
		if (quote != 0) {
			w->open_quote = true;
			break;
		}
	}
	w->bytes = (size_t)(o - w->buf);
}

static void
check_split(const char *line, const struct words *ref, size_t buflen, int maxargs)
{
	char *buf = malloc(buflen), err[128], *argv[CMD_MAX_ARGS + 2];
	const char *r = ref->buf;
	int argc;

	FUZZ_CHECK(buf != NULL, "out of memory");
	err[0] = '\0';
	argc = cmd_split(line, buf, buflen, argv, maxargs, err, sizeof(err));
	if (argc < 0) {
		FUZZ_CHECK(err[0] != '\0', "refused without a reason");
		FUZZ_CHECK(ref->open_quote || ref->n > maxargs || ref->bytes > buflen - 1,
		    "refused (%s) a line of %d words, %zu bytes, buffer %zu", err, ref->n,
		    ref->bytes, buflen);
		free(buf);
		return;
	}
	FUZZ_CHECK(!ref->open_quote, "took a line with an open quote");
	FUZZ_CHECK(argc == ref->n && argc <= maxargs && argv[argc] == NULL,
	    "%d words, the reference %d (at most %d)", argc, ref->n, maxargs);
	for (int i = 0; i < argc; r += strlen(r) + 1, i++) {
		FUZZ_CHECK(argv[i] >= buf && argv[i] + strlen(argv[i]) < buf + buflen,
		    "word %d outside the buffer", i);
		FUZZ_CHECK(strcmp(argv[i], r) == 0, "word %d is '%s', the reference '%s' "
		    "(buffer %zu)", i, argv[i], r, buflen);
	}
	free(buf);
}

static void
collect(void *ud, const char *cand)
{
	int *n = ud;

	FUZZ_CHECK(cand != NULL && cand[0] != '\0', "an empty candidate");
	(*n)++;
}

/* What cmd_run does before it executes: find the command, check arity;
 * then completion of the next word, as readline would ask. The emulator's
 * fault names come from the network loop: `sim` is left out. */
static void
check_lookup(char *line)
{
	static struct ui ui;           /* zeroed: no screen, no app, no faults */
	char buf[CMD_LINE_MAX], err[128], *argv[CMD_MAX_ARGS + 1];
	const struct cmd_entry *e;
	int argc, n = 0;

	argc = cmd_split(line, buf, sizeof(buf), argv, CMD_MAX_ARGS, err, sizeof(err));
	if (argc <= 0)
		return;
	e = cmd_find(argv[0]);
	if (e != NULL) {
		FUZZ_CHECK(strcmp(e->name, argv[0]) == 0 ||
		    (e->alias != NULL && strcmp(e->alias, argv[0]) == 0), "'%s' found '%s'",
		    argv[0], e->name);
		FUZZ_CHECK(e->min_args >= 0 && (e->max_args < 0 || e->max_args >= e->min_args),
		    "%s: arity %d..%d", e->name, e->min_args, e->max_args);
	}
	if (strcmp(argv[0], "sim") == 0)
		return;
	cmd_complete(&ui, argc - 1, argv, argv[argc - 1], collect, &n);
	cmd_complete(&ui, argc, argv, "", collect, &n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1);
	struct words ref;

	FUZZ_CHECK(line != NULL, "out of memory");
	memcpy(line, data, size);
	line[size] = '\0';
	ref.buf = malloc(size + 2);
	FUZZ_CHECK(ref.buf != NULL, "out of memory");
	reference_split(line, &ref);
	check_split(line, &ref, CMD_LINE_MAX, CMD_MAX_ARGS);
	check_split(line, &ref, 24, 3);
	check_lookup(line);
	free(ref.buf);
	free(line);
	return 0;
}
