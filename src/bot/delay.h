/*
 * The reconnect delay formula: a small expression language in the attempt
 * number `a` (1 for the first retry), compiled once into a fixed-size
 * program and evaluated per attempt. No allocation: a struct delay_formula
 * is a plain value, so "the previous formula stays" is just not assigning a
 * failed compile.
 *
 * Grammar (precedence low to high; ^ is right-associative and binds tighter
 * than unary minus, so -a^2 is -(a^2)):
 *   expr   := term (('+' | '-') term)*
 *   term   := unary (('*' | '/') unary)*
 *   unary  := '-' unary | power
 *   power  := atom ('^' unary)?
 *   atom   := number | 'a' | func '(' args ')' | '(' expr ')'
 *   func   := min max (2 args) | floor ceil round sqrt log exp abs (1 arg)
 *           | rand (0 args; uniform [0,1) from the injected RNG)
 * Numbers: decimal with optional fraction and exponent (1, 0.5, 1e3).
 * round() rounds half away from zero (the seed's table needs it).
 *
 * Compile-time refusal: a syntax error, an unknown name, a wrong argument
 * count, a constant sub-expression that is NaN or infinite (1/0, sqrt(-1)),
 * a formula that is a negative constant, or one that gives NaN or infinity
 * for some attempt in 1..DELAY_PROBE_ATTEMPTS (with rand() = 0.5). Errors
 * name the 1-based column: "column 7: unknown function 'foo'".
 * Evaluation clamps the result to [0, cap_s].
 */
#ifndef VIGIL_BOT_DELAY_H
#define VIGIL_BOT_DELAY_H

#include <stddef.h>
#include <stdint.h>

#include "bot/rng.h"

#define DELAY_EXPR_MAX       256
#define DELAY_CODE_MAX       128
#define DELAY_STACK_MAX      32
#define DELAY_PROBE_ATTEMPTS 1000
#define DELAY_DEFAULT_CAP_S  3600.0
/* The seed's formula (Javacord's default). */
#define DELAY_DEFAULT_EXPR   "round(a^1.5 - a^1.5 / (1/(0.1*a) + 1))"

struct delay_op {
	uint8_t kind;                  /* private to delay.c */
	double num;
};

struct delay_formula {
	char text[DELAY_EXPR_MAX];     /* what the operator typed (or the preset's expansion) */
	char preset[32];               /* "javacord", "linear", ... or "" for a custom expression */
	struct delay_op code[DELAY_CODE_MAX];
	int ncode;
	double cap_s;                  /* evaluation clamps to [0, cap_s] */
};

/* Compiles `expr` with cap DELAY_DEFAULT_CAP_S. 0, or -1 with a message in
 * err (which names the column). *out is written only on success. */
int delay_compile(struct delay_formula *out, const char *expr, char *err, size_t errlen);
/* A named preset: "javacord" (no args, the default), "linear K",
 * "exponential BASE CAP", "full-jitter BASE CAP" (seconds). Same contract as
 * delay_compile. The preset's own CAP also becomes cap_s. */
int delay_preset(struct delay_formula *out, const char *name, int argc,
    const char *const *argv, char *err, size_t errlen);
/* The default formula; cannot fail. */
void delay_default(struct delay_formula *out);
/* Changes the clamp ceiling (seconds, > 0). */
void delay_set_cap(struct delay_formula *f, double cap_s);

/* Delay before attempt `attempt` (>= 1), seconds, clamped to [0, cap_s].
 * rand() draws from rng; rng may be NULL, then rand() is 0.5. */
double delay_eval_s(const struct delay_formula *f, int attempt, struct rng *rng);
/* The same in milliseconds, rounded to the nearest ms. */
int64_t delay_ms(const struct delay_formula *f, int attempt, struct rng *rng);
/* How many attempts fit in `seconds` of constant failure if each waits its
 * delay (rand() = 0.5; a delay under 1 s, zero included, counts as 1 s so
 * the answer is finite): the largest n with sum(delay(1..n)) <= seconds.
 * At most 1e7 seconds are counted. */
int delay_attempts_within(const struct delay_formula *f, double seconds);
/* Names of the presets, NULL-terminated (for completion and help). */
extern const char *const delay_preset_names[];

#endif
