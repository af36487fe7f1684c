/*
 * The envelope and the accessors; see frame.h. The tokens come from
 * frame_scan (frame-check.c), which checks and tokenizes in one pass.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/frame.h"
#include "bot/frame-scan.h"

void
frame_decoder_init(struct frame_decoder *dec)
{
	memset(dec, 0, sizeof(*dec));
}

void
frame_decoder_free(struct frame_decoder *dec)
{
	free(dec->heap);
	memset(dec, 0, sizeof(*dec));
}

void
frame_decoder_want(struct frame_decoder *dec, frame_wants_fn wants, void *ud)
{
	dec->wants = wants;
	dec->wants_ud = ud;
}

struct want_ctx {
	struct frame *f;
	const struct frame_decoder *dec;
};

/* At the top-level "d", with the envelope keys before it: what of d is
 * read? A non-dispatch, or an envelope without op or t before d: all. */
static enum frame_reads
want_d(void *ud, const jsmntok_t *tok, int ntok, const char *const **nested)
{
	struct want_ctx *w = ud;
	struct frame *f = w->f;
	char t[FRAME_NAME_MAX];
	int64_t op;
	int i;

	f->tok = (jsmntok_t *)(uintptr_t)tok;
	f->ntok = ntok;
	i = frame_get(f, 0, "op");
	if (i < 0 || !frame_i64(f, i, &op) || op != 0)
		return FRAME_READS_ALL;
	i = frame_get(f, 0, "t");
	if (i < 0 || f->tok[i].end - f->tok[i].start >= FRAME_NAME_MAX ||
	    frame_copy_str(f, i, t, sizeof(t)) < 0)
		return FRAME_READS_ALL;
	return w->dec->wants(w->dec->wants_ud, t, nested);
}

/* Checks and tokenizes into the inline array; on overflow grows the
 * decoder's buffer once and scans again. 0, or -1 with a reason. */
static int
tokenize(struct frame *f, struct frame_decoder *dec, char *err, size_t errlen)
{
	struct want_ctx w = { f, dec };
	struct frame_scan sc = { f->inline_tok, FRAME_INLINE_TOKENS, 0,
	    dec->wants != NULL ? want_d : NULL, &w, false, false };

	if (frame_scan(f->buf, f->len, &sc, err, errlen) < 0)
		return -1;
	if ((unsigned)sc.ntok > FRAME_INLINE_TOKENS) {
		if ((unsigned)sc.ntok > dec->heap_cap) {
			jsmntok_t *grown = realloc(dec->heap, (size_t)sc.ntok * sizeof(*grown));
			if (grown == NULL) {
				snprintf(err, errlen, "out of memory for tokens");
				return -1;
			}
			dec->heap = grown;
			dec->heap_cap = (unsigned)sc.ntok;
			dec->grown++;
		}
		sc.tok = dec->heap;
		sc.cap = dec->heap_cap;
		if (frame_scan(f->buf, f->len, &sc, err, errlen) < 0)
			return -1;
	}
	f->tok = sc.tok;
	f->ntok = sc.ntok;
	f->d_skipped = sc.d_muted;
	f->d_partial = sc.d_partial;
	return 0;
}

static int
fail(struct frame_decoder *dec, char *err, size_t errlen, const char *why)
{
	dec->malformed++;
	snprintf(err, errlen, "%s", why);
	return -1;
}

/* op, s, t and d are read by raw key, first match, where jansson decodes
 * keys and keeps the last: each may appear once, unescaped, so that both
 * read the same envelope. */
static int
envelope_keys_once(const struct frame *f, char *err, size_t errlen)
{
	static const char *const names[] = { "op", "s", "t", "d" };
	int seen[4] = { 0, 0, 0, 0 }, k = 1;
	char key[8];

	for (int left = f->tok[0].size; left > 0; left--, k = frame_skip(f, k + 1)) {
		const char *s;
		size_t n;
		bool escaped;

		if (!frame_span(f, k, &s, &n))
			break;
		escaped = memchr(s, '\\', n) != NULL;
		if (!escaped && n > 2)
			continue;
		/* A decoded key of up to 2 bytes fits 8 whole; a longer one
		 * (truncated or not) comes back longer than 2. */
		if (frame_copy_str(f, k, key, sizeof(key)) > 2)
			continue;
		for (int m = 0; m < 4; m++) {
			if (strcmp(key, names[m]) == 0 && (escaped || ++seen[m] > 1)) {
				snprintf(err, errlen, "\"%s\" is duplicated or escaped", names[m]);
				return -1;
			}
		}
	}
	return 0;
}

/* Reads op, s, t and d from the top-level object. */
static int
read_envelope(struct frame *f, char *err, size_t errlen)
{
	int64_t v;
	int i;

	if (envelope_keys_once(f, err, errlen) < 0)
		return -1;
	i = frame_get(f, 0, "op");
	if (i < 0 || !frame_i64(f, i, &v) || v < 0 || v > 255) {
		snprintf(err, errlen, "no integer \"op\"");
		return -1;
	}
	f->op = (int)v;
	i = frame_get(f, 0, "s");
	if (i >= 0 && !frame_is_null(f, i)) {
		if (!frame_i64(f, i, &f->s)) {
			snprintf(err, errlen, "\"s\" is not an integer");
			return -1;
		}
		f->has_s = true;
	}
	i = frame_get(f, 0, "t");
	if (i >= 0 && !frame_is_null(f, i) &&
	    frame_copy_str(f, i, f->t, sizeof(f->t)) < 0) {
		snprintf(err, errlen, "\"t\" is not a string");
		return -1;
	}
	/* Decoding never lengthens a string: a raw t that fits was not cut. */
	if (i >= 0 && f->tok[i].end - f->tok[i].start >= FRAME_NAME_MAX) {
		snprintf(err, errlen, "\"t\" is longer than %d bytes", FRAME_NAME_MAX - 1);
		return -1;
	}
	f->d = frame_get(f, 0, "d");
	return 0;
}

int
frame_decode(struct frame *f, struct frame_decoder *dec, const char *buf, size_t len,
    char *err, size_t errlen)
{
	char why[96];

	dec->frames++;
	f->buf = buf;
	f->len = len;
	f->ntok = 0;
	f->op = -1;
	f->has_s = false;
	f->s = 0;
	f->t[0] = '\0';
	f->d = -1;
	f->d_skipped = false;
	f->d_partial = false;
	f->tok = f->inline_tok;
	if (len > FRAME_MAX_BYTES)
		return fail(dec, err, errlen, "frame too big");
	/* The fast path accepts exactly what the full path can parse. */
	if (tokenize(f, dec, why, sizeof(why)) < 0)
		return fail(dec, err, errlen, why);
	if (f->ntok == 0 || f->tok[0].type != JSMN_OBJECT)
		return fail(dec, err, errlen, "not a JSON object");
	if (read_envelope(f, why, sizeof(why)) < 0)
		return fail(dec, err, errlen, why);
	return 0;
}

int
frame_skip(const struct frame *f, int i)
{
	int end;

	if (i < 0 || i >= f->ntok)
		return f->ntok;
	end = f->tok[i].end;
	for (i++; i < f->ntok && f->tok[i].start < end; i++)
		;
	return i;
}

/* One level of frame_get: key of exactly n bytes. */
static int
get_one(const struct frame *f, int obj, const char *key, size_t n)
{
	int k, i;

	if (obj < 0 || obj >= f->ntok || f->tok[obj].type != JSMN_OBJECT)
		return -1;
	k = obj + 1;
	for (i = 0; i < f->tok[obj].size && k + 1 < f->ntok; i++) {
		const jsmntok_t *t = &f->tok[k];
		if (t->type == JSMN_STRING && (size_t)(t->end - t->start) == n &&
		    memcmp(f->buf + t->start, key, n) == 0)
			return k + 1;
		k = frame_skip(f, k + 1);
	}
	return -1;
}

int
frame_get(const struct frame *f, int obj, const char *key)
{
	const char *dot;

	while ((dot = strchr(key, '.')) != NULL) {
		obj = get_one(f, obj, key, (size_t)(dot - key));
		if (obj < 0)
			return -1;
		key = dot + 1;
	}
	return get_one(f, obj, key, strlen(key));
}

int
frame_count(const struct frame *f, int i)
{
	if (i < 0 || i >= f->ntok)
		return -1;
	if (f->tok[i].type != JSMN_ARRAY && f->tok[i].type != JSMN_OBJECT)
		return -1;
	return f->tok[i].size;
}

int
frame_first(const struct frame *f, int i)
{
	if (frame_count(f, i) <= 0)
		return -1;
	return i + 1;
}

bool
frame_is_null(const struct frame *f, int i)
{
	return i >= 0 && i < f->ntok && f->tok[i].type == JSMN_PRIMITIVE &&
	    f->buf[f->tok[i].start] == 'n';
}

bool
frame_span(const struct frame *f, int i, const char **s, size_t *n)
{
	if (i < 0 || i >= f->ntok)
		return false;
	*s = f->buf + f->tok[i].start;
	*n = (size_t)(f->tok[i].end - f->tok[i].start);
	return true;
}

bool
frame_streq(const struct frame *f, int i, const char *lit)
{
	const char *s;
	size_t n;

	if (i < 0 || i >= f->ntok || f->tok[i].type != JSMN_STRING)
		return false;
	frame_span(f, i, &s, &n);
	return n == strlen(lit) && memcmp(s, lit, n) == 0;
}

bool
frame_i64(const struct frame *f, int i, int64_t *out)
{
	char tmp[24], *end;
	const char *s;
	size_t n;
	long long v;

	if (i < 0 || i >= f->ntok || f->tok[i].type != JSMN_PRIMITIVE)
		return false;
	frame_span(f, i, &s, &n);
	if (n == 0 || n >= sizeof(tmp) || !(s[0] == '-' || (s[0] >= '0' && s[0] <= '9')))
		return false;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	errno = 0;
	v = strtoll(tmp, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	*out = v;
	return true;
}

bool
frame_u64(const struct frame *f, int i, uint64_t *out)
{
	const char *s;
	size_t n, k;
	uint64_t v = 0;

	if (i < 0 || i >= f->ntok)
		return false;
	if (f->tok[i].type != JSMN_STRING && f->tok[i].type != JSMN_PRIMITIVE)
		return false;
	frame_span(f, i, &s, &n);
	if (n == 0 || n > 20)
		return false;
	for (k = 0; k < n; k++) {
		if (s[k] < '0' || s[k] > '9')
			return false;
		uint64_t d = (uint64_t)(s[k] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

bool
frame_bool(const struct frame *f, int i, bool *out)
{
	if (i < 0 || i >= f->ntok || f->tok[i].type != JSMN_PRIMITIVE)
		return false;
	if (f->buf[f->tok[i].start] == 't') {
		*out = true;
		return true;
	}
	if (f->buf[f->tok[i].start] == 'f') {
		*out = false;
		return true;
	}
	return false;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Reads 4 hex digits at s (n bytes available); -1 when malformed. */
static long
hex4(const char *s, size_t n)
{
	long v = 0;

	if (n < 4)
		return -1;
	for (int k = 0; k < 4; k++) {
		int h = hexval(s[k]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* UTF-8 encodes cp into b; returns the byte count. */
static int
utf8_put(char b[4], unsigned long cp)
{
	if (cp < 0x80) {
		b[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		b[0] = (char)(0xC0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		b[0] = (char)(0xE0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	b[0] = (char)(0xF0 | (cp >> 18));
	b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	b[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Decodes one escape at s[0] == '\\'; writes UTF-8 into b, returns bytes
 * written and sets *used to the input bytes consumed. */
static int
unescape(const char *s, size_t n, char b[4], size_t *used)
{
	long hi, lo;

	*used = 2;
	if (n < 2)
		return (*used = n, 0);
	switch (s[1]) {
	case 'n': b[0] = '\n'; return 1;
	case 't': b[0] = '\t'; return 1;
	case 'r': b[0] = '\r'; return 1;
	case 'b': b[0] = '\b'; return 1;
	case 'f': b[0] = '\f'; return 1;
	case 'u': break;
	default: b[0] = s[1]; return 1;
	}
	hi = hex4(s + 2, n - 2);
	if (hi < 0)
		return (b[0] = '?', 1);
	*used = 6;
	if (hi >= 0xD800 && hi <= 0xDBFF && n >= 12 && s[6] == '\\' && s[7] == 'u') {
		lo = hex4(s + 8, n - 8);
		if (lo >= 0xDC00 && lo <= 0xDFFF) {
			*used = 12;
			return utf8_put(b, 0x10000 + (((unsigned long)hi - 0xD800) << 10) +
			    ((unsigned long)lo - 0xDC00));
		}
	}
	if (hi >= 0xD800 && hi <= 0xDFFF)
		hi = 0xFFFD;               /* a lone surrogate */
	return utf8_put(b, (unsigned long)hi);
}

/* Bytes in the UTF-8 sequence that starts with lead byte c (1 for stray
 * continuation bytes, so malformed input still advances). */
static size_t
utf8_len(unsigned char c)
{
	if (c >= 0xF0)
		return 4;
	if (c >= 0xE0)
		return 3;
	if (c >= 0xC0)
		return 2;
	return 1;
}

int
frame_copy_str(const struct frame *f, int i, char *out, size_t outlen)
{
	const char *s, *src;
	size_t n, k = 0, w = 0, used;
	char b[4];
	size_t bn;

	if (i < 0 || i >= f->ntok || f->tok[i].type != JSMN_STRING || outlen == 0)
		return -1;
	frame_span(f, i, &s, &n);
	/* Most strings have no escape: one copy, cut back to the start of
	 * the character the bound falls in (the scan checked the UTF-8). */
	if (memchr(s, '\\', n) == NULL) {
		w = n;
		if (w >= outlen) {
			w = outlen - 1;
			while (w > 0 && ((unsigned char)s[w] & 0xC0) == 0x80)
				w--;
		}
		memcpy(out, s, w);
		out[w] = '\0';
		return (int)w;
	}
	while (k < n) {
		if (s[k] == '\\') {
			bn = (size_t)unescape(s + k, n - k, b, &used);
			src = b;
		} else {
			used = bn = utf8_len((unsigned char)s[k]);
			if (bn > n - k)
				used = bn = n - k;
			src = s + k;
		}
		/* Whole characters only, so truncation never splits one. */
		if (w + bn >= outlen)
			break;
		memcpy(out + w, src, bn);
		w += bn;
		k += used;
	}
	out[w] = '\0';
	return (int)w;
}
