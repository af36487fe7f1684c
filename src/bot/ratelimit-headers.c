/*
 * The response headers the REST queue reads (ratelimit.h). Every byte comes
 * from the network, so nothing is trusted: names compare case-insensitively,
 * values are trimmed, and a value must parse whole and fall in a sane range,
 * else the line is ignored as if it were absent.
 */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bot/ratelimit.h"

#define RLH_VALUE_MAX    64
#define RLH_MAX_COUNT    1000000
/* No real limit waits a week; a bigger value is a broken or hostile peer. */
#define RLH_MAX_SECONDS  (7.0 * 24 * 3600)

struct span {
	const char *s;
	size_t n;
};

void
rlq_headers_init(struct rlq_headers *h)
{
	memset(h, 0, sizeof(*h));
}

static char
ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* A span equals a lowercase literal, ignoring ASCII case. */
static bool
span_is(struct span v, const char *lit)
{
	if (v.n != strlen(lit))
		return false;
	for (size_t k = 0; k < v.n; k++) {
		if (ascii_lower(v.s[k]) != lit[k])
			return false;
	}
	return true;
}

static struct span
trim(const char *s, size_t n)
{
	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
	    s[n - 1] == '\n'))
		n--;
	return (struct span){ s, n };
}

static bool
all_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t k = 0; k < n; k++) {
		if (s[k] < '0' || s[k] > '9')
			return false;
	}
	return true;
}

/* A count: digits only (no sign, no blanks) within [0, RLH_MAX_COUNT]. */
static bool
parse_count(struct span v, int *out)
{
	char buf[16], *end;
	long n;

	if (v.n >= sizeof(buf) || !all_digits(v.s, v.n))
		return false;
	memcpy(buf, v.s, v.n);
	buf[v.n] = '\0';
	errno = 0;
	n = strtol(buf, &end, 10);
	if (errno != 0 || *end != '\0' || n < 0 || n > RLH_MAX_COUNT)
		return false;
	*out = (int)n;
	return true;
}

/* Seconds as Discord writes them: "1", "64.57". Refuses what strtod would
 * also take (signs, exponents, hex, inf, nan) so no surprise gets through.
 * strtod follows LC_NUMERIC, and the console runs in the user's locale: the
 * '.' becomes the locale's decimal point, or "0.523" would not parse under
 * a decimal comma and every Reset-After would be ignored. */
static bool
parse_seconds(struct span v, double *out)
{
	char buf[RLH_VALUE_MAX + 8], *end;
	const char *dot, *dp = localeconv()->decimal_point;
	size_t dpn = strlen(dp), w;
	double d;

	if (v.n >= RLH_VALUE_MAX || dpn > 8)
		return false;
	dot = memchr(v.s, '.', v.n);
	if (dot == NULL ? !all_digits(v.s, v.n) :
	    !all_digits(v.s, (size_t)(dot - v.s)) ||
	    !all_digits(dot + 1, v.n - (size_t)(dot - v.s) - 1))
		return false;
	w = dot == NULL ? v.n : (size_t)(dot - v.s);
	memcpy(buf, v.s, w);
	if (dot != NULL) {
		memcpy(buf + w, dp, dpn);
		memcpy(buf + w + dpn, dot + 1, v.n - w - 1);
		w += dpn + v.n - w - 1;
	}
	buf[w] = '\0';
	errno = 0;
	d = strtod(buf, &end);
	if (errno != 0 || *end != '\0' || !isfinite(d) || d < 0 || d > RLH_MAX_SECONDS)
		return false;
	*out = d;
	return true;
}

/* A bucket hash: printable ASCII without blanks, short enough to keep whole
 * (a truncated hash could merge two buckets). */
static void
set_bucket(struct rlq_headers *h, struct span v)
{
	if (v.n == 0 || v.n >= sizeof(h->bucket))
		return;
	for (size_t k = 0; k < v.n; k++) {
		if (v.s[k] <= ' ' || v.s[k] > '~')
			return;
	}
	memcpy(h->bucket, v.s, v.n);
	h->bucket[v.n] = '\0';
}

static void
set_count(struct span v, int min, int *val, bool *has)
{
	int n;

	if (parse_count(v, &n) && n >= min) {
		*val = n;
		*has = true;
	}
}

static void
set_seconds(struct span v, double *val, bool *has)
{
	double d;

	if (parse_seconds(v, &d)) {
		*val = d;
		*has = true;
	}
}

static void
set_scope(struct rlq_headers *h, struct span v)
{
	static const char *const scopes[] = { "user", "global", "shared" };

	for (size_t k = 0; k < sizeof(scopes) / sizeof(scopes[0]); k++) {
		if (span_is(v, scopes[k])) {
			memcpy(h->scope, scopes[k], strlen(scopes[k]) + 1);
			return;
		}
	}
}

static void
set_global(struct rlq_headers *h, struct span v)
{
	if (span_is(v, "true"))
		h->global = true;
	else if (span_is(v, "false"))
		h->global = false;
}

void
rlq_headers_line(struct rlq_headers *h, const char *line, size_t len)
{
	const char *colon;
	struct span name, v;

	if (line == NULL || (colon = memchr(line, ':', len)) == NULL)
		return;
	name = trim(line, (size_t)(colon - line));
	v = trim(colon + 1, len - (size_t)(colon - line) - 1);
	if (span_is(name, "via"))
		h->has_via = true;
	else if (span_is(name, "x-ratelimit-limit"))
		set_count(v, 1, &h->limit, &h->has_limit);
	else if (span_is(name, "x-ratelimit-remaining"))
		set_count(v, 0, &h->remaining, &h->has_remaining);
	else if (span_is(name, "x-ratelimit-reset-after"))
		set_seconds(v, &h->reset_after_s, &h->has_reset_after);
	else if (span_is(name, "retry-after"))
		set_seconds(v, &h->retry_after_s, &h->has_retry_after);
	else if (span_is(name, "x-ratelimit-bucket"))
		set_bucket(h, v);
	else if (span_is(name, "x-ratelimit-global"))
		set_global(h, v);
	else if (span_is(name, "x-ratelimit-scope"))
		set_scope(h, v);
}
