/*
 * Private to delay.c (the evaluator) and delay-parse.c (the compiler): the
 * program's opcodes and what the two halves share. Nothing else includes
 * this; struct delay_op stays opaque to the rest of vigil.
 *
 * An operator's `num` holds its 1-based column (only OP_NUM needs a value),
 * so a NaN found after compiling can still be pinned to a column.
 */
#ifndef VIGIL_BOT_DELAY_INTERNAL_H
#define VIGIL_BOT_DELAY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "bot/delay.h"

/* Pushes first, then binary operators, then unary ones: delay_op_arity
 * relies on the order. */
enum delay_op_kind {
	OP_NUM, OP_A, OP_RAND,
	OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_POW, OP_MIN, OP_MAX,
	OP_NEG, OP_FLOOR, OP_CEIL, OP_ROUND, OP_SQRT, OP_LOG, OP_EXP, OP_ABS,
};

/* Operands an op pops: 0 for pushes, 1 or 2. */
int delay_op_arity(int kind);
/* Runs a program with attempt a. *bad_col (when not NULL, and still 0) gets
 * the column of the first operator whose result is NaN or infinite. A
 * malformed program gives NaN. */
double delay_run(const struct delay_op *code, int n, double a, struct rng *rng,
    int *bad_col);
/* True when all of s is one number of the formula language (1, 0.5, 1e3),
 * finite; its value in *out. */
bool delay_parse_number(const char *s, double *out);

#endif
