/*
 * The log ring; see log.h. Slots are allocated once at init and reused, so a
 * week of logging costs no more memory than a minute. Entry `seq` lives in
 * slot (seq - 1) % cap.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bot/log.h"

/* Big enough that a secret straddling LOG_TEXT_MAX is still whole here and
 * gets replaced before the entry is cut. */
#define LOG_FORMAT_MAX 1024
/* A secret cut short by the end of the format buffer is masked when at
 * least this much of it is left: shorter tails are too common to match. */
#define LOG_PARTIAL_MIN 6

static const char *const level_names[LOG_LEVEL_COUNT] = {
	"DEBUG", "INFO", "WARN", "ERROR"
};

int
logring_init(struct logring *r, size_t cap)
{
	memset(r, 0, sizeof(*r));
	if (cap == 0)
		cap = LOG_RING_DEFAULT;
	r->slots = calloc(cap, sizeof(*r->slots));
	if (r->slots == NULL)
		return -1;
	r->cap = cap;
	r->next_seq = 1;
	r->cleared_before = 1;
	r->shard = -1;
	/* Debug lines are opt-in (the console's `log level debug`): a filtered
	 * LOGF costs one comparison. */
	r->capture = LOG_INFO;
	return 0;
}

void
logring_free(struct logring *r)
{
	free(r->slots);
	/* The secret must not linger in freed memory either. */
	memset(r, 0, sizeof(*r));
}

void
logring_set_time(struct logring *r, struct vtime now)
{
	r->now = now;
}

int
logring_set_secret_slot(struct logring *r, int slot, const char *secret)
{
	size_t n;

	if (slot < 0 || slot >= LOG_SECRETS)
		return -1;
	if (secret == NULL || secret[0] == '\0') {
		memset(r->secret[slot], 0, sizeof(r->secret[slot]));
		r->secret_len[slot] = 0;
		return 0;
	}
	n = strlen(secret);
	if (n < LOG_PARTIAL_MIN || n >= sizeof(r->secret[slot]))
		return -1;
	memset(r->secret[slot], 0, sizeof(r->secret[slot]));
	memcpy(r->secret[slot], secret, n);
	r->secret_len[slot] = n;
	return 0;
}

int
logring_set_secret(struct logring *r, const char *secret)
{
	return logring_set_secret_slot(r, LOG_SECRET_TOKEN, secret);
}

/* Length of s[0..n) without a trailing incomplete UTF-8 sequence, so a cut
 * never leaves half a character on screen. */
static size_t
utf8_trim(const char *s, size_t n)
{
	size_t i, want;
	unsigned char c;

	if (n == 0)
		return 0;
	i = n - 1;
	while (i > 0 && n - i < 4 && ((unsigned char)s[i] & 0xC0) == 0x80)
		i--;
	c = (unsigned char)s[i];
	if (c < 0xC0)
		return n;
	want = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
	return n - i < want ? i : n;
}

/* Length of the longest proper prefix of the secret (at least
 * LOG_PARTIAL_MIN bytes) that ends s[0..n); 0 when there is none. */
static size_t
partial_secret_tail(const char *secret, size_t slen, const char *s, size_t n)
{
	size_t k;

	for (k = slen - 1; k >= LOG_PARTIAL_MIN; k--) {
		if (k <= n && memcmp(s + n - k, secret, k) == 0)
			return k;
	}
	return 0;
}

/* Appends src[0..n) to out, which holds *len bytes of cap; drops what does
 * not fit (the result is cut again to LOG_TEXT_MAX anyway). */
static void
append(char *out, size_t *len, size_t cap, const char *src, size_t n)
{
	if (n > cap - 1 - *len)
		n = cap - 1 - *len;
	memcpy(out + *len, src, n);
	*len += n;
	out[*len] = '\0';
}

/* Copies s (n bytes) into out with every occurrence of the secret replaced
 * by LOG_REDACTED; when `cut` says the format buffer truncated, a secret cut
 * short at the very end is replaced too. Returns the length written. */
static size_t
redact(const char *secret, size_t slen, const char *s, size_t n, bool cut, char *out,
    size_t cap)
{
	const char *hit;
	size_t len = 0, tail = 0;

	out[0] = '\0';
	while (slen > 0 && (hit = memmem(s, n, secret, slen)) != NULL) {
		append(out, &len, cap, s, (size_t)(hit - s));
		append(out, &len, cap, LOG_REDACTED, strlen(LOG_REDACTED));
		n -= (size_t)(hit - s) + slen;
		s = hit + slen;
	}
	if (cut && slen > 0)
		tail = partial_secret_tail(secret, slen, s, n);
	append(out, &len, cap, s, n - tail);
	if (tail > 0)
		append(out, &len, cap, LOG_REDACTED, strlen(LOG_REDACTED));
	return len;
}

static void
copy_source(char *dst, const char *source)
{
	size_t n;

	if (source == NULL)
		source = "";
	n = strnlen(source, LOG_SOURCE_MAX - 1);
	memcpy(dst, source, n);
	dst[n] = '\0';
}

/* The slot for the next entry, counting the entry it overwrites as dropped
 * unless logring_clear already hid it. */
static struct log_entry *
next_slot(struct logring *r)
{
	uint64_t seq = r->next_seq++;

	if (seq > r->cap && seq - r->cap >= r->cleared_before)
		r->dropped++;
	return &r->slots[(seq - 1) % r->cap];
}

static void
add_v(struct logring *r, enum log_level level, int from, int to,
    const char *source, const char *fmt, va_list ap)
{
	char raw[LOG_FORMAT_MAX], clean[LOG_FORMAT_MAX];
	struct log_entry *e;
	size_t n, pre = 0;
	int rc;

	if (r->cap == 0)
		return;                /* not initialised, or freed */
	if ((unsigned)level >= LOG_LEVEL_COUNT)
		level = LOG_ERROR;
	/* With more than one shard every line a shard writes names it
	 * (docs/design.md "Shards"); one shard keeps its lines as they were. */
	if (r->tag_shards && r->shard >= 0)
		pre = (size_t)snprintf(raw, sizeof(raw), "shard %d: ", r->shard);
	rc = vsnprintf(raw + pre, sizeof(raw) - pre, fmt, ap);
	if (rc < 0) {
		rc = 0;
		raw[pre] = '\0';
	}
	rc += (int)pre;
	n = (size_t)rc < sizeof(raw) ? (size_t)rc : utf8_trim(raw, sizeof(raw) - 1);
	/* Each secret in turn; raw and clean swap roles. */
	n = redact(r->secret[LOG_SECRET_TOKEN], r->secret_len[LOG_SECRET_TOKEN], raw, n,
	    (size_t)rc >= sizeof(raw), clean, sizeof(clean));
	n = redact(r->secret[LOG_SECRET_REDIS], r->secret_len[LOG_SECRET_REDIS], clean, n,
	    (size_t)rc >= sizeof(raw), raw, sizeof(raw));
	memcpy(clean, raw, n + 1);
	if (n > LOG_TEXT_MAX - 1)
		n = utf8_trim(clean, LOG_TEXT_MAX - 1);

	e = next_slot(r);
	e->seq = r->next_seq - 1;
	e->mono_ms = r->now.mono_ms;
	e->wall_ms = r->now.wall_ms;
	e->level = level;
	e->from = (int8_t)from;
	e->to = (int8_t)to;
	e->shard = (int16_t)(r->tag_shards ? r->shard : -1);
	copy_source(e->source, source);
	memcpy(e->text, clean, n);
	e->text[n] = '\0';
	r->by_level[level]++;
}

void
logring_set_shard(struct logring *r, int shard)
{
	r->shard = shard;
}

void
logring_add(struct logring *r, enum log_level level, const char *source,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_v(r, level, -1, -1, source, fmt, ap);
	va_end(ap);
}

void
logring_transition(struct logring *r, int from, int to, const char *source,
    const char *fmt, ...)
{
	va_list ap;

	/* No LOGF wraps this call, so the capture level is tested here. */
	if (!log_enabled(r, LOG_INFO))
		return;
	va_start(ap, fmt);
	add_v(r, LOG_INFO, from, to, source, fmt, ap);
	va_end(ap);
}

uint64_t
logring_first_seq(const struct logring *r)
{
	uint64_t first = r->cleared_before;

	if (r->next_seq > r->cap && r->next_seq - r->cap > first)
		first = r->next_seq - r->cap;
	return first < r->next_seq ? first : r->next_seq;
}

const struct log_entry *
logring_get(const struct logring *r, uint64_t seq)
{
	if (seq < logring_first_seq(r) || seq >= r->next_seq)
		return NULL;
	return &r->slots[(seq - 1) % r->cap];
}

void
logring_clear(struct logring *r)
{
	r->cleared_before = r->next_seq;
}

const char *
log_level_name(enum log_level level)
{
	if ((unsigned)level >= LOG_LEVEL_COUNT)
		return "?";
	return level_names[level];
}

int
log_level_parse(const char *s, enum log_level *out)
{
	int i;

	if (s == NULL)
		return -1;
	if (strcasecmp(s, "warning") == 0) {
		*out = LOG_WARN;
		return 0;
	}
	for (i = 0; i < LOG_LEVEL_COUNT; i++) {
		if (strcasecmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}
