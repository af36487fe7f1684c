/*
 * The REST response parser: route keys, rate-limit header lines and a 429
 * body, as one HTTP exchange. An input reads like one:
 *
 *   GET /channels/1/messages/2          (the request: route key, submit)
 *   HTTP/1.1 429 Too Many Requests      (optional status line; 429 if none)
 *   X-RateLimit-Reset-After: 1.5        (header lines, CRLF optional)
 *                                       (a blank line)
 *   {"retry_after": 1.5, "global": false}   (the body)
 *
 * Each header line is handed over in a buffer of its exact length, with no
 * NUL after it, as curl hands them; what the parser keeps must be in range.
 * The response then goes through the queue, which must hand the request out
 * again in bounded time or report it done: no request is ever lost.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/ratelimit.h"
#include "bot/ratelimit-route.h"
#include "fuzz.h"

#define MAX_WAIT_MS (8LL * 24 * 3600 * 1000)   /* past every limit the parser keeps */

/* The log ring only records lines; it is reused so the target does not pay
 * for 4096 slots per input, and nothing read from it steers the queue. */
static struct logring logs;

static bool
printable_token(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s <= ' ' || *s > '~')
			return false;
	}
	return true;
}

static void
check_headers(const struct rlq_headers *h)
{
	FUZZ_CHECK(!h->has_limit || (h->limit >= 1 && h->limit <= 1000000), "limit %d", h->limit);
	FUZZ_CHECK(!h->has_remaining || (h->remaining >= 0 && h->remaining <= 1000000),
	    "remaining %d", h->remaining);
	FUZZ_CHECK(!h->has_reset_after || (isfinite(h->reset_after_s) && h->reset_after_s >= 0 &&
	    h->reset_after_s <= 7 * 24 * 3600), "reset-after %g", h->reset_after_s);
	FUZZ_CHECK(!h->has_retry_after || (isfinite(h->retry_after_s) && h->retry_after_s >= 0 &&
	    h->retry_after_s <= 7 * 24 * 3600), "retry-after %g", h->retry_after_s);
	FUZZ_CHECK(memchr(h->bucket, '\0', sizeof(h->bucket)) != NULL &&
	    printable_token(h->bucket), "bucket '%.64s'", h->bucket);
	FUZZ_CHECK(h->scope[0] == '\0' || strcmp(h->scope, "user") == 0 ||
	    strcmp(h->scope, "global") == 0 || strcmp(h->scope, "shared") == 0,
	    "scope '%.16s'", h->scope);
}

/* Segment number k (0-based) of a path as route keys see it: empty
 * segments skipped, the query and fragment left out. */
static bool
segment(const char *path, int k, const char **seg, size_t *n)
{
	const char *end = path + strcspn(path, "?#"), *s = path;

	for (;;) {
		while (s < end && *s == '/')
			s++;
		if (s == end)
			return false;
		*seg = s;
		while (s < end && *s != '/')
			s++;
		*n = (size_t)(s - *seg);
		if (k-- == 0)
			return true;
	}
}

/* The key at several sizes: always terminated, a shorter one a prefix of
 * the longer; a webhook's token never shows (keys reach screen and logs). */
static void
check_route_key(const char *method, const char *path, char *key, size_t keylen)
{
	static const size_t sizes[] = { 1, 2, 9, 33 };
	char small[33], major[RLQ_MAJOR_MAX];
	const char *seg;
	size_t n;

	rlq_route_key(method, path, key, keylen);
	FUZZ_CHECK(memchr(key, '\0', keylen) != NULL, "key not terminated");
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		rlq_route_key(method, path, small, sizes[k]);
		n = strlen(small);
		FUZZ_CHECK(n < sizes[k] && strncmp(small, key, n) == 0 &&
		    (n == strlen(key) || n == sizes[k] - 1), "'%s' cut at %zu: '%s'", key,
		    sizes[k], small);
	}
	n = rlq_route_major(key, major, sizeof(major));
	FUZZ_CHECK(n == strlen(major) && (n == 0 || strstr(key, major) != NULL),
	    "major '%s' of '%s'", major, key);
	if (!segment(path, 0, &seg, &n) || n != 8 || memcmp(seg, "webhooks", 8) != 0 ||
	    !segment(path, 2, &seg, &n))
		return;
	/* A token of 8 bytes or more that shows up once in the request must
	 * not be in the key ("reactions" is a word the key writes itself). */
	if (n >= 8 && strspn(seg, "0123456789") < n && !(n == 9 && memcmp(seg, "reactions", 9) == 0)) {
		char secret[RLQ_ROUTE_MAX];

		snprintf(secret, sizeof(secret), "%.*s", (int)n, seg);
		/* The key is the method up to a blank, one blank, the path's key. */
		const char *keypath = strchr(key, ' ');

		if (keypath != NULL && strstr(seg + 1, secret) == NULL && strstr(path, secret) == seg)
			FUZZ_CHECK(strstr(keypath, secret) == NULL, "token '%s' in key '%s'", secret,
			    key);
	}
}

/* One line of the input: [*pos, end of line), with *pos moved past it. */
static bool
next_line(const char *buf, size_t size, size_t *pos, const char **line, size_t *len)
{
	const char *nl;

	if (*pos >= size)
		return false;
	*line = buf + *pos;
	nl = memchr(*line, '\n', size - *pos);
	*len = nl != NULL ? (size_t)(nl - *line) : size - *pos;
	*pos += *len + (nl != NULL);
	return true;
}

/* Headers until a blank line (CR alone counts as blank); returns the status
 * from an "HTTP/x NNN" line, or 429. */
static int
read_headers(const char *buf, size_t size, size_t *pos, struct rlq_headers *h)
{
	const char *line;
	size_t len;
	int status = 429, s;

	rlq_headers_init(h);
	while (next_line(buf, size, pos, &line, &len)) {
		char *exact;

		if (len == 0 || (len == 1 && line[0] == '\r'))
			break;
		exact = malloc(len ? len : 1);
		FUZZ_CHECK(exact != NULL, "out of memory");
		memcpy(exact, line, len);
		if (len > 5 && memcmp(exact, "HTTP/", 5) == 0) {
			char text[32];

			snprintf(text, sizeof(text), "%.*s", (int)(len < 31 ? len : 31), exact);
			if (sscanf(text, "HTTP/%*s %d", &s) == 1 && s >= 0 && s <= 999)
				status = s;
		}
		rlq_headers_line(h, exact, len);
		free(exact);
		check_headers(h);
	}
	return status;
}

/* After the response, the request is either done or handed out again once
 * the queue's deadline comes; it is completed with a 200 at the latest on
 * the fourth try, so the exchange always ends. */
static void
run_queue(struct rlq_queue *q, struct vtime now, uint64_t id, int status,
    const struct rlq_headers *h, const char *body, size_t blen)
{
	struct rlq_send s;
	struct rlq_done done;
	struct rlq_global g;

	for (int round = 0; ; round++) {
		memset(&done, 0, sizeof(done));
		rlq_complete(q, now, id, status, h, body, blen, status == 0 ? "reset" : NULL, &done);
		FUZZ_CHECK(done.id == id, "done for %llu, not %llu", (unsigned long long)done.id,
		    (unsigned long long)id);
		rlq_global_view(q, now, &g);
		FUZZ_CHECK(g.global_wait_ms >= 0 && g.global_wait_ms <= MAX_WAIT_MS &&
		    g.ban_left_ms >= 0 && g.ban_left_ms <= MAX_WAIT_MS, "global wait %lld, ban %lld",
		    (long long)g.global_wait_ms, (long long)g.ban_left_ms);
		if (done.outcome != RLQ_RETRY) {
			FUZZ_CHECK(done.why[0] != '\0' || done.outcome == RLQ_DONE_OK, "status %d", status);
			FUZZ_CHECK(status != 429, "a 429 ended request %llu", (unsigned long long)id);
			return;
		}
		int64_t at = rlq_next_deadline(q, now);
		FUZZ_CHECK(at != VTIME_NEVER && at - now.mono_ms <= MAX_WAIT_MS,
		    "status %d: the retry waits %lld ms", status, (long long)(at - now.mono_ms));
		if (at > now.mono_ms) {
			now.wall_ms += at - now.mono_ms;
			now.mono_ms = at;
		}
		FUZZ_CHECK(rlq_next(q, now, &s) && s.id == id, "status %d: request not handed "
		    "out again at its deadline", status);
		if (round == 3)
			status = 200;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data, *line;
	char method[16], path[512], key[RLQ_ROUTE_MAX], err[160];
	struct vtime now = { 5000, 1700000000000LL };
	struct rlq_headers h;
	struct rlq_queue *q;
	struct rlq_send s;
	struct rng rng;
	size_t pos = 0, len, sp;
	uint64_t id;
	int status;

	if (logs.slots == NULL && logring_init(&logs, 64) < 0)
		abort();
	logs.capture = LOG_DEBUG;
	if (!next_line(buf, size, &pos, &line, &len))
		return 0;
	sp = memchr(line, ' ', len) != NULL ? (size_t)((const char *)memchr(line, ' ', len) - line) :
	    len;
	snprintf(method, sizeof(method), "%.*s", (int)sp, line);
	snprintf(path, sizeof(path), "%.*s", sp < len ? (int)(len - sp - 1) : 0,
	    sp < len ? line + sp + 1 : "");
	check_route_key(method, path, key, sizeof(key));
	status = read_headers(buf, size, &pos, &h);

	rng_seed(&rng, size);
	q = rlq_new(&rng, &logs);
	FUZZ_CHECK(q != NULL, "out of memory");
	id = rlq_submit(q, now, method, path, NULL, 1, NULL, 0, err, sizeof(err));
	if (id == 0) {
		FUZZ_CHECK(err[0] != '\0', "'%s %s' refused without a reason", method, path);
	} else {
		FUZZ_CHECK(rlq_next(q, now, &s) && s.id == id, "a fresh request is not sent");
		run_queue(q, now, id, status, &h, buf + pos, size - pos);
	}
	rlq_free(q);
	return 0;
}
