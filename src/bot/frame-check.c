/*
 * The fast path's JSON check and tokenizer (frame.h, frame_check_json;
 * frame-scan.h, frame_scan): one pass over the bytes that accepts exactly
 * the text jansson's json_loadb accepts, so a frame the fast path takes can
 * always be parsed in full by event_json, and that lays down jsmn's tokens
 * on the way (the same tokens jsmn's strict mode gives for valid JSON), so
 * the bytes are read once. jsmn alone was lax (it skips most commas and
 * colons, `{"op" ::1,,}`, and checks neither UTF-8 nor what an escape
 * means) and a second pass. tests/fuzz/fuzz-frame.c holds the result to
 * jansson's answers.
 *
 * jansson's rules beyond RFC 8259: no \u0000, no lone surrogate, an
 * integer must fit in 64 bits, a real must not overflow to infinity, and
 * values nest at most 2048 deep (counting the innermost scalar).
 * Iterative, with one bit per open container, so hostile nesting costs
 * 256 bytes of stack and no allocation.
 */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "bot/frame.h"
#include "bot/frame-scan.h"

#define MAX_DEPTH     2048             /* jansson's JSON_PARSER_MAX_DEPTH */
#define NUM_INLINE    64               /* longer reals are copied to the heap */

struct scan {
	const unsigned char *s;
	size_t n, i;
	int open;                          /* containers open */
	uint8_t is_obj[MAX_DEPTH / 8];     /* bit per open container */
	const char *why;
	struct frame_scan *out;            /* NULL: check only */
	int mute;                          /* no tokens at this depth and below */
	const char *const *pending;        /* READS_SOME: d's keys read, until d opens */
	const char *const *nested;         /* the same while d's object is open */
	int last_key;                      /* the key whose value comes next */
	int cont[MAX_DEPTH];               /* token of each open container */
};

/* A new token (counted even when the array is full, so the caller can size
 * one and scan again); its index, or -1 when none is laid down. */
static int
tok_new(struct scan *sc, jsmntype_t type, size_t start)
{
	struct frame_scan *o = sc->out;
	int k;

	if (o == NULL || sc->open >= sc->mute)
		return -1;
	k = o->ntok++;
	if ((unsigned)k < o->cap) {
		o->tok[k].type = type;
		o->tok[k].start = (int)start;
		o->tok[k].end = -1;
		o->tok[k].size = 0;
	}
	return k;
}

static void
tok_grow(struct scan *sc, int k)
{
	if (k >= 0 && (unsigned)k < sc->out->cap)
		sc->out->tok[k].size++;
}

static void
tok_end(struct scan *sc, int k, size_t end)
{
	if (k >= 0 && (unsigned)k < sc->out->cap)
		sc->out->tok[k].end = (int)end;
}

static bool
bad(struct scan *sc, const char *why)
{
	sc->why = why;
	return false;
}

static void
skip_ws(struct scan *sc)
{
	while (sc->i < sc->n && (sc->s[sc->i] == ' ' || sc->s[sc->i] == '\n' ||
	    sc->s[sc->i] == '\r' || sc->s[sc->i] == '\t'))
		sc->i++;
}

static int
hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		return (c | 0x20) - 'a' + 10;
	return -1;
}

/* The code unit of "\uXXXX" at s[i], or -1. */
static long
u_escape(const struct scan *sc, size_t i)
{
	long v = 0;

	if (i + 6 > sc->n || sc->s[i] != '\\' || sc->s[i + 1] != 'u')
		return -1;
	for (size_t k = i + 2; k < i + 6; k++) {
		int h = hex(sc->s[k]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* One escape at s[i] == '\\'; advances past it. */
static bool
escape(struct scan *sc)
{
	long hi, lo;

	if (sc->i + 1 >= sc->n)
		return bad(sc, "unterminated string");
	switch (sc->s[sc->i + 1]) {
	case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
		sc->i += 2;
		return true;
	}
	if ((hi = u_escape(sc, sc->i)) < 0)
		return bad(sc, "invalid escape");
	if (hi == 0)
		return bad(sc, "\\u0000 in a string");
	if (hi >= 0xDC00 && hi <= 0xDFFF)
		return bad(sc, "lone low surrogate");
	sc->i += 6;
	if (hi < 0xD800 || hi > 0xDBFF)
		return true;
	lo = u_escape(sc, sc->i);
	if (lo < 0xDC00 || lo > 0xDFFF)
		return bad(sc, "lone high surrogate");
	sc->i += 6;
	return true;
}

/* Bytes of the well-formed UTF-8 sequence at s[i] (no overlong form, no
 * surrogate, nothing past U+10FFFF), or 0. */
static size_t
utf8_seq(const struct scan *sc)
{
	const unsigned char *p = sc->s + sc->i;
	size_t left = sc->n - sc->i, len;
	unsigned char lo = 0x80, hi = 0xBF;

	if (p[0] < 0xC2 || p[0] > 0xF4)
		return 0;
	len = p[0] < 0xE0 ? 2 : p[0] < 0xF0 ? 3 : 4;
	if (p[0] == 0xE0)
		lo = 0xA0;
	else if (p[0] == 0xED)
		hi = 0x9F;
	else if (p[0] == 0xF0)
		lo = 0x90;
	else if (p[0] == 0xF4)
		hi = 0x8F;
	if (left < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t k = 2; k < len; k++) {
		if (p[k] < 0x80 || p[k] > 0xBF)
			return 0;
	}
	return len;
}

/* Bytes a string may hold as they are: printable ASCII but '"' and '\\'.
 * A table: this test runs once per string byte. */
#define P8(x)  x, x, x, x, x, x, x, x
static const uint8_t plain_tab[256] = {
	P8(0), P8(0), P8(0), P8(0),                       /* 0x00-0x1f */
	1, 1, 0, 1, 1, 1, 1, 1, P8(1), P8(1), P8(1),        /* 0x20-0x3f, no '"' */
	P8(1), P8(1), P8(1), 1, 1, 1, 1, 0, 1, 1, 1,        /* 0x40-0x5f, no '\\' */
	P8(1), P8(1), P8(1), P8(1),                       /* 0x60-0x7f */
};
#undef P8

static bool
plain(unsigned char c)
{
	return plain_tab[c];
}

/* Eight plain bytes at once (SWAR). (v - 0x0101..) & ~v & 0x8080.. is
 * nonzero iff some byte of v is zero, and with 0x2020.. iff some byte is
 * below 0x20: the exact existence tests from "Bit Twiddling Hacks". */
static bool
plain8(const unsigned char *p)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint64_t x, q, b;

	memcpy(&x, p, 8);
	q = x ^ (ones * '"');
	b = x ^ (ones * '\\');
	return ((((q - ones) & ~q) | ((b - ones) & ~b) | ((x - ones * 0x20) & ~x) | x) &
	    highs) == 0;
}

#ifdef __SSE2__
/* How many of the 16 bytes at p are plain (16 when all are). A signed
 * compare with 0x20 catches control bytes and every byte >= 0x80 at once. */
static unsigned
plain16(const unsigned char *p)
{
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')),
	    _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))), _mm_cmplt_epi8(x, _mm_set1_epi8(0x20)));
	unsigned m = (unsigned)_mm_movemask_epi8(stop);

	return m == 0 ? 16 : (unsigned)__builtin_ctz(m);
}
#endif

static bool
string(struct scan *sc)
{
	const unsigned char *s = sc->s;
	size_t i = sc->i + 1, n = sc->n, len;

	/* The hot loop of the check: most string bytes are plain ASCII. */
	for (;;) {
#ifdef __SSE2__
		for (unsigned k = 16; k == 16 && i + 16 <= n; i += k)
			k = plain16(s + i);
#endif
		while (i + 8 <= n && plain8(s + i))
			i += 8;
		while (i < n && plain(s[i]))
			i++;
		sc->i = i;
		if (i == n)
			return bad(sc, "unterminated string");
		if (s[i] == '"') {
			sc->i = i + 1;
			return true;
		}
		if (s[i] < 0x20)
			return bad(sc, "control character in a string");
		if (s[i] == '\\') {
			if (!escape(sc))
				return false;
		} else if ((len = utf8_seq(sc)) > 0)
			sc->i += len;
		else
			return bad(sc, "invalid UTF-8");
		i = sc->i;
	}
}

static size_t
digits(const struct scan *sc, size_t i)
{
	size_t k = i;

	while (k < sc->n && sc->s[k] >= '0' && sc->s[k] <= '9')
		k++;
	return k - i;
}

/* jansson refuses an integer outside int64_t and a real that overflows.
 * strtod follows LC_NUMERIC, so '.' becomes the locale's decimal point. */
static bool
number_in_range(struct scan *sc, const char *s, size_t n, bool real)
{
	char inline_buf[NUM_INLINE + 8], *buf = inline_buf, *end;
	const char *dp = ".";
	size_t dpn = 1, w = 0;
	bool ok;

	/* Up to 18 digits always fit; snowflakes are strings, so this is
	 * nearly every number a gateway sends. */
	if (!real && n <= 18)
		return true;
	if (!real && n > 20)
		return bad(sc, "integer out of range");
	if (real) {
		dp = localeconv()->decimal_point;
		dpn = strlen(dp);
	}
	if (n + dpn >= sizeof(inline_buf) && (buf = malloc(n + dpn + 1)) == NULL)
		return bad(sc, "out of memory for a long number");
	for (size_t k = 0; k < n; k++) {
		if (s[k] == '.') {
			memcpy(buf + w, dp, dpn);
			w += dpn;
		} else
			buf[w++] = s[k];
	}
	buf[w] = '\0';
	errno = 0;
	if (real)
		ok = !isinf(strtod(buf, &end));
	else {
		(void)strtoll(buf, &end, 10);
		ok = errno != ERANGE;
	}
	if (buf != inline_buf)
		free(buf);
	return ok ? true : bad(sc, real ? "real number overflow" : "integer out of range");
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool
number(struct scan *sc)
{
	size_t start = sc->i, d;
	bool real = false;

	if (sc->s[sc->i] == '-')
		sc->i++;
	if ((d = digits(sc, sc->i)) == 0 || (d > 1 && sc->s[sc->i] == '0'))
		return bad(sc, "malformed number");
	sc->i += d;
	if (sc->i < sc->n && sc->s[sc->i] == '.') {
		if ((d = digits(sc, sc->i + 1)) == 0)
			return bad(sc, "malformed number");
		sc->i += 1 + d;
		real = true;
	}
	if (sc->i < sc->n && (sc->s[sc->i] == 'e' || sc->s[sc->i] == 'E')) {
		sc->i++;
		if (sc->i < sc->n && (sc->s[sc->i] == '+' || sc->s[sc->i] == '-'))
			sc->i++;
		if ((d = digits(sc, sc->i)) == 0)
			return bad(sc, "malformed number");
		sc->i += d;
		real = true;
	}
	return number_in_range(sc, (const char *)sc->s + start, sc->i - start, real);
}

static bool
literal(struct scan *sc, const char *word)
{
	size_t n = strlen(word);

	if (sc->n - sc->i < n || memcmp(sc->s + sc->i, word, n) != 0)
		return bad(sc, "invalid literal");
	sc->i += n;
	return true;
}

static void
push(struct scan *sc, bool obj)
{
	uint8_t bit = (uint8_t)(1u << (sc->open % 8));

	if (obj)
		sc->is_obj[sc->open / 8] |= bit;
	else
		sc->is_obj[sc->open / 8] &= (uint8_t)~bit;
	sc->open++;
}

static bool
top_is_obj(const struct scan *sc)
{
	int k = sc->open - 1;

	return (sc->is_obj[k / 8] >> (k % 8)) & 1;
}

enum want { W_VALUE, W_VALUE_OR_CLOSE, W_KEY, W_KEY_OR_CLOSE, W_COLON, W_AFTER };

static bool
scalar(struct scan *sc, unsigned char c)
{
	switch (c) {
	case 't': return literal(sc, "true");
	case 'f': return literal(sc, "false");
	case 'n': return literal(sc, "null");
	default:
		if (c == '-' || (c >= '0' && c <= '9'))
			return number(sc);
		return bad(sc, "unexpected character");
	}
}

/* The top-level key "d": from here on, its value's inside may be muted. */
static void
at_d(struct scan *sc, int key)
{
	struct frame_scan *o = sc->out;
	const char *const *nested = NULL;
	const jsmntok_t *t;

	if (o == NULL || o->want_d == NULL || sc->open != 1 || key < 0 || (unsigned)key >= o->cap)
		return;
	t = &o->tok[key];
	if (t->end - t->start != 1 || sc->s[t->start] != 'd')
		return;
	switch (o->want_d(o->ud, o->tok, key, &nested)) {
	case FRAME_READS_NONE:
		sc->mute = 2;
		o->d_muted = true;
		break;
	case FRAME_READS_SOME:
		sc->pending = nested;
		break;
	case FRAME_READS_ALL:
		break;
	}
}

/* A key of d's object (start..end raw): its value's inside is muted unless
 * the key is one READS_SOME listed. */
static void
at_nested(struct scan *sc, size_t start, size_t end)
{
	const char *key = (const char *)sc->s + start;
	size_t n = end - start;

	/* Once per key of d: most differ from every listed key in the first
	 * byte, so that is compared first. */
	for (const char *const *k = sc->nested; *k != NULL; k++) {
		if (n > 0 && (*k)[0] == key[0] && strncmp(*k, key, n) == 0 && (*k)[n] == '\0')
			return;
	}
	sc->mute = 3;
}

/* A value starts at s[i]; returns what must follow it. */
static bool
value(struct scan *sc, enum want *next)
{
	unsigned char c = sc->s[sc->i];
	int k;
	bool ok;

	if (sc->open >= MAX_DEPTH)
		return bad(sc, "nested too deeply");
	*next = W_AFTER;
	if (sc->out != NULL && sc->open > 0 && sc->open < sc->mute)
		tok_grow(sc, top_is_obj(sc) ? sc->last_key : sc->cont[sc->open - 1]);
	if (sc->open == 1 && sc->pending != NULL) {    /* d's value */
		if (c == '{') {
			sc->nested = sc->pending;
			sc->out->d_partial = true;
		}
		sc->pending = NULL;
	}
	switch (c) {
	case '{':
	case '[':
		k = tok_new(sc, c == '{' ? JSMN_OBJECT : JSMN_ARRAY, sc->i);
		push(sc, c == '{');
		sc->cont[sc->open - 1] = k;
		sc->i++;
		*next = c == '{' ? W_KEY_OR_CLOSE : W_VALUE_OR_CLOSE;
		return true;
	case '"':
		k = tok_new(sc, JSMN_STRING, sc->i + 1);
		ok = string(sc);
		tok_end(sc, k, sc->i - 1);
		break;
	default:
		k = tok_new(sc, JSMN_PRIMITIVE, sc->i);
		ok = scalar(sc, c);
		tok_end(sc, k, sc->i);
		break;
	}
	if (sc->open + 1 == sc->mute)
		sc->mute = MAX_DEPTH + 1;      /* a scalar d: nothing was inside */
	return ok;
}

static bool
key(struct scan *sc)
{
	size_t start = sc->i + 1;
	int k = tok_new(sc, JSMN_STRING, start);
	bool ok;

	if (k >= 0)
		tok_grow(sc, sc->cont[sc->open - 1]);
	ok = string(sc);
	tok_end(sc, k, sc->i - 1);
	sc->last_key = k;
	if (!ok)
		return false;
	at_d(sc, k);
	if (sc->nested != NULL && sc->open == 2)
		at_nested(sc, start, sc->i - 1);
	return true;
}

/* Closes a container with c if it is the right bracket. */
static bool
close_with(struct scan *sc, unsigned char c)
{
	if (sc->open == 0 || c != (top_is_obj(sc) ? '}' : ']'))
		return bad(sc, "unexpected character");
	if (sc->out != NULL)
		tok_end(sc, sc->cont[sc->open - 1], sc->i + 1);
	if (sc->open == sc->mute)
		sc->mute = MAX_DEPTH + 1;      /* d is over: what follows it is tokenized */
	if (sc->open == 2)
		sc->nested = NULL;             /* d's object is over */
	sc->open--;
	sc->i++;
	return true;
}

/* Blanks, then true when a byte follows (else the caller's loop reports
 * the truncation with the same want). */
static bool
more(struct scan *sc)
{
	skip_ws(sc);
	return sc->i < sc->n;
}

/* One step of the grammar at a non-blank byte. The common runs (a key,
 * its colon and its value; a comma and what follows it) are taken in one
 * step: each trip round the caller's loop costs a dispatch. */
static bool
step(struct scan *sc, enum want *want)
{
	unsigned char c = sc->s[sc->i];

	switch (*want) {
	case W_VALUE_OR_CLOSE:
	case W_KEY_OR_CLOSE:
		if (c == ']' || c == '}') {
			*want = W_AFTER;
			return close_with(sc, c);
		}
		if (*want == W_VALUE_OR_CLOSE)
			return value(sc, want);
		/* FALLTHROUGH */
	case W_KEY:
		*want = W_COLON;
		if (c != '"')
			return bad(sc, "expected a key");
		if (!key(sc) || !more(sc) || sc->s[sc->i] != ':')
			return sc->why == NULL;
		sc->i++;
		*want = W_VALUE;
		return !more(sc) || value(sc, want);
	case W_COLON:
		*want = W_VALUE;
		return c == ':' ? (sc->i++, true) : bad(sc, "expected ':'");
	case W_VALUE:
		return value(sc, want);
	case W_AFTER:
		if (c == ',' && sc->open > 0) {
			*want = top_is_obj(sc) ? W_KEY : W_VALUE;
			sc->i++;
			return !more(sc) || step(sc, want);
		}
		return close_with(sc, c);
	}
	return bad(sc, "unexpected character");
}

static int
scan(const char *buf, size_t len, struct frame_scan *out, char *err, size_t errlen)
{
	struct scan sc;
	enum want want = W_VALUE;

	/* Not the container stack: it is written before it is read. */
	memset(&sc, 0, offsetof(struct scan, cont));
	sc.s = (const unsigned char *)buf;
	sc.n = len;
	sc.out = out;
	sc.mute = MAX_DEPTH + 1;
	sc.last_key = -1;
	if (out != NULL) {
		out->ntok = 0;
		out->d_muted = false;
		out->d_partial = false;
	}
	for (;;) {
		skip_ws(&sc);
		if (sc.i == sc.n) {
			if (want == W_AFTER && sc.open == 0)
				return 0;
			sc.why = "truncated JSON";
			break;
		}
		if (want == W_AFTER && sc.open == 0) {
			sc.why = "bytes after the JSON value";
			break;
		}
		if (!step(&sc, &want))
			break;
	}
	snprintf(err, errlen, "invalid JSON at byte %zu: %s", sc.i, sc.why);
	return -1;
}

int
frame_check_json(const char *buf, size_t len, char *err, size_t errlen)
{
	return scan(buf, len, NULL, err, errlen);
}

int
frame_scan(const char *buf, size_t len, struct frame_scan *out, char *err, size_t errlen)
{
	return scan(buf, len, out, err, errlen);
}
