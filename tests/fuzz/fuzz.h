/*
 * What every fuzz target shares: libFuzzer's entry point and a check that
 * fails loudly. A failed check aborts, which libFuzzer reports as a crash
 * and saves the input that caused it, so a broken property is found and
 * kept exactly like a memory error.
 */
#ifndef VIGIL_TESTS_FUZZ_H
#define VIGIL_TESTS_FUZZ_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline void __attribute__((noreturn, format(printf, 4, 5)))
fuzz_fail(const char *file, int line, const char *what, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: check failed: %s\n  ", file, line, what);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* FUZZ_CHECK(cond, "printf-style detail", ...): say what was seen. */
#define FUZZ_CHECK(cond, ...) \
	((cond) ? (void)0 : fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__))

#endif
