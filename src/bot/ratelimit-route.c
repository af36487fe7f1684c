/*
 * Route keys: which requests share a FIFO (ratelimit.h, docs/protocol.md §2.2).
 * Minor ids collapse to ":id" so that one route covers every message of a
 * channel; the top-level id stays, because Discord limits each channel,
 * guild and webhook on its own. A webhook token belongs to its top-level
 * resource but is a secret, so the key carries a hash of it: keys are shown
 * on screen and written to logs.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bot/ratelimit.h"
#include "bot/ratelimit-route.h"

/* A bounded writer: appends what fits, always NUL-terminated. */
struct kbuf {
	char *p;
	size_t len, cap;
};

struct seg {
	const char *s;
	size_t n;
};

static void
kb_put(struct kbuf *b, const char *s, size_t n)
{
	size_t room = b->cap - 1 - b->len;

	if (n > room)
		n = room;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
kb_puts(struct kbuf *b, const char *s)
{
	kb_put(b, s, strlen(s));
}

static bool
seg_is(struct seg g, const char *lit)
{
	return g.n == strlen(lit) && memcmp(g.s, lit, g.n) == 0;
}

static bool
seg_digits(struct seg g)
{
	if (g.n == 0 || g.n > 20)
		return false;
	for (size_t k = 0; k < g.n; k++) {
		if (g.s[k] < '0' || g.s[k] > '9')
			return false;
	}
	return true;
}

/* "~" and 16 hex digits of FNV-1a: distinct tokens stay distinct routes
 * without the token itself ever reaching a key. */
static void
kb_put_hashed(struct kbuf *b, struct seg g)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	char hex[24];

	for (size_t k = 0; k < g.n; k++) {
		h ^= (unsigned char)g.s[k];
		h *= 0x100000001b3ULL;
	}
	snprintf(hex, sizeof(hex), "~%016llx", (unsigned long long)h);
	kb_puts(b, hex);
}

/* Writes segment number pos (0-based) of a path whose first segment is
 * `first` and whose previous one is `prev`. */
static void
put_segment(struct kbuf *b, int pos, struct seg first, struct seg prev, struct seg g)
{
	bool major = seg_is(first, "channels") || seg_is(first, "guilds") ||
	    seg_is(first, "webhooks");

	if (pos == 1 && major && seg_digits(g))
		kb_put(b, g.s, g.n);
	else if (pos == 2 && seg_is(first, "webhooks"))
		kb_put_hashed(b, g);
	else if (pos == 2 && seg_is(first, "interactions"))
		kb_puts(b, ":token");
	else if (seg_digits(g))
		kb_puts(b, ":id");
	else if (seg_is(prev, "invites") || seg_is(prev, "templates"))
		kb_puts(b, ":code");
	else
		kb_put(b, g.s, g.n);
}

void
rlq_route_key(const char *method, const char *path, char *out, size_t outlen)
{
	struct kbuf b = { out, 0, outlen };
	struct seg first = { "", 0 }, prev = { "", 0 }, g;
	const char *s, *end;
	int pos = 0;

	if (outlen == 0)
		return;
	out[0] = '\0';
	method = method != NULL ? method : "";
	path = path != NULL ? path : "";
	kb_put(&b, method, strcspn(method, " \t\r\n"));
	kb_puts(&b, " ");
	end = path + strcspn(path, "?#");
	for (s = path; s < end; pos++) {
		while (s < end && *s == '/')
			s++;
		g.s = s;
		while (s < end && *s != '/')
			s++;
		g.n = (size_t)(s - g.s);
		if (g.n == 0)
			break;
		/* Every reaction sub-path shares one limit (docs/protocol.md §2.2). */
		if (seg_is(g, "reactions")) {
			kb_puts(&b, "/reactions");
			return;
		}
		if (pos == 0)
			first = g;
		kb_puts(&b, "/");
		put_segment(&b, pos, first, prev, g);
		prev = g;
	}
	if (pos == 0)
		kb_puts(&b, "/");
}

size_t
rlq_route_major(const char *key, char *out, size_t outlen)
{
	static const char *const tops[] = { "/channels/", "/guilds/", "/webhooks/" };
	const char *p = strchr(key, ' ');
	size_t n = 0;

	if (outlen == 0)
		return 0;
	out[0] = '\0';
	if (p == NULL)
		return 0;
	p++;
	for (size_t k = 0; k < sizeof(tops) / sizeof(tops[0]) && n == 0; k++) {
		size_t tl = strlen(tops[k]), dl;

		if (strncmp(p, tops[k], tl) != 0)
			continue;
		dl = strspn(p + tl, "0123456789");
		if (dl > 0)
			n = tl + dl;
	}
	if (n > 0 && strncmp(p, "/webhooks/", 10) == 0 && strncmp(p + n, "/~", 2) == 0)
		n += 1 + strcspn(p + n + 1, "/");
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	return n;
}

bool
rlq_route_global_exempt(const char *key)
{
	const char *p = strchr(key, ' ');

	return p != NULL && strncmp(p + 1, "/interactions/", 14) == 0;
}
