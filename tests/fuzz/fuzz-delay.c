/*
 * The delay-formula compiler and its presets. An input is an expression for
 * delay_compile, or "preset NAME ARG..." for delay_preset. Whatever comes
 * in: no crash, a refusal always says why (delay_compile's always names a
 * column inside the text), and a formula that compiles evaluates to a finite
 * delay in [0, cap] for any attempt, in bounded time (the 24 h projection
 * included).
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "bot/delay.h"
#include "bot/rng.h"
#include "fuzz.h"

#define PRESET_WORD "preset "
#define MAX_ARGS    4

/* "column N: ..." with N within the text (one past its end for "ends
 * early"; DELAY_EXPR_MAX for a text that is too long). */
static void
check_column(const char *expr, const char *err)
{
	size_t len = strlen(expr);
	unsigned long col;
	int used = 0;

	FUZZ_CHECK(sscanf(err, "column %lu: %n", &col, &used) == 1 && used > 0,
	    "no column in \"%s\" for '%s'", err, expr);
	FUZZ_CHECK(col >= 1 && col <= (len < DELAY_EXPR_MAX ? len + 1 : DELAY_EXPR_MAX),
	    "column %lu outside '%s' (%zu bytes)", col, expr, len);
	FUZZ_CHECK(err[used] != '\0', "no message after the column: '%s'", err);
}

static void
check_delay(const struct delay_formula *f, int attempt, struct rng *rng)
{
	double cap = f->cap_s > 0 ? f->cap_s : DELAY_DEFAULT_CAP_S;
	double d = delay_eval_s(f, attempt, rng);
	int64_t ms = delay_ms(f, attempt, rng);

	FUZZ_CHECK(isfinite(d) && d >= 0 && d <= cap, "'%s' attempt %d: %g (cap %g)", f->text,
	    attempt, d, cap);
	FUZZ_CHECK(ms >= 0 && (double)ms <= cap * 1000.0 + 1, "'%s' attempt %d: %lld ms",
	    f->text, attempt, (long long)ms);
}

/* Evaluation is bounded for any attempt, including ones the compiler's
 * probe never tried; the projection over a day finishes. */
static void
check_formula(const struct delay_formula *f, uint64_t seed)
{
	static const int attempts[] = { -5, 0, 1, 2, 3, 10, 999, 1000, 1001, 100000, 2147483647 };
	struct rng rng;
	int n1, n2;

	FUZZ_CHECK(f->ncode >= 1 && f->ncode <= DELAY_CODE_MAX, "'%s': %d ops", f->text,
	    f->ncode);
	rng_seed(&rng, seed);
	for (size_t k = 0; k < sizeof(attempts) / sizeof(attempts[0]); k++) {
		check_delay(f, attempts[k], NULL);
		check_delay(f, attempts[k], &rng);
	}
	n1 = delay_attempts_within(f, 3600);
	n2 = delay_attempts_within(f, 86400);
	FUZZ_CHECK(n1 >= 0 && n1 <= 3600 && n2 >= n1 && n2 <= 86400,
	    "'%s': %d attempts in 1 h, %d in 24 h", f->text, n1, n2);
	FUZZ_CHECK(delay_attempts_within(f, NAN) == 0 && delay_attempts_within(f, -1) == 0,
	    "'%s': a projection over no time", f->text);
}

static void
fuzz_compile(const char *expr, uint64_t seed)
{
	struct delay_formula f, small;
	char err[160], tiny[8];
	int rc;

	memset(&f, 0xA5, sizeof(f));
	err[0] = '\0';
	rc = delay_compile(&f, expr, err, sizeof(err));
	/* A short error buffer truncates the message, never the outcome. */
	FUZZ_CHECK(delay_compile(&small, expr, tiny, sizeof(tiny)) == rc &&
	    strlen(tiny) < sizeof(tiny), "'%s'", expr);
	FUZZ_CHECK(delay_compile(&small, expr, NULL, 0) == rc, "'%s'", expr);
	if (rc < 0) {
		check_column(expr, err);
		return;
	}
	FUZZ_CHECK(rc == 0 && strcmp(f.text, expr) == 0 && f.preset[0] == '\0',
	    "'%s' compiled as '%s'", expr, f.text);
	check_formula(&f, seed);
}

/* "preset NAME ARG...": split on blanks, as the console's command does. */
static void
fuzz_preset(char *line, uint64_t seed)
{
	const char *argv[MAX_ARGS];
	struct delay_formula f;
	char err[160], *name, *save = NULL;
	int argc = 0, rc;

	name = strtok_r(line, " \t", &save);
	for (char *w; argc < MAX_ARGS && (w = strtok_r(NULL, " \t", &save)) != NULL;)
		argv[argc++] = w;
	err[0] = '\0';
	rc = delay_preset(&f, name, argc, argv, err, sizeof(err));
	if (rc < 0) {
		FUZZ_CHECK(err[0] != '\0', "preset '%s' refused without a reason",
		    name != NULL ? name : "(none)");
		return;
	}
	FUZZ_CHECK(rc == 0 && strcmp(f.preset, name) == 0 && f.cap_s > 0 && isfinite(f.cap_s),
	    "preset '%s' -> '%s' cap %g", name, f.preset, f.cap_s);
	check_formula(&f, seed);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* One byte past the longest accepted text, so "too long" is tried. */
	char text[DELAY_EXPR_MAX + 64];
	uint64_t seed = 0;

	if (size >= sizeof(text))
		size = sizeof(text) - 1;
	memcpy(text, data, size);
	text[size] = '\0';
	for (size_t k = 0; k < size; k++)
		seed = seed * 131 + data[k];
	if (strncmp(text, PRESET_WORD, strlen(PRESET_WORD)) == 0)
		fuzz_preset(text + strlen(PRESET_WORD), seed);
	else
		fuzz_compile(text, seed);
	return 0;
}
