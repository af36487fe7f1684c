/*
 * RFC 6455 client framing (src/net/ws-frame.h): what the server sends is
 * untrusted bytes, framed before anything else reads them.
 *
 * The first byte picks a cut; the rest is the byte stream. It is parsed
 * three ways: fed whole, fed in two pieces at the cut, and fed one byte at
 * a time. All three must hand out the same messages and control frames
 * (op, length, bytes, close code) and end the same way (used up, or the
 * same protocol error with a close code of 1002 or 1009). A message never
 * exceeds the bound (a longer one is passed over as WSF_TOO_BIG), a control frame never exceeds 125 bytes, a close code
 * handed out is one a peer may send, and nothing read is ever borrowed past
 * the buffer it came from (each piece is a fresh allocation, freed after
 * use, so ASan sees any such read).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/ws-frame.h"
#include "fuzz.h"

#define MAX_BYTES 4096          /* the bound: small, so it is reached */
#define MAX_SEEN  64

struct seen {
	int n, rc, code;
	struct { int op, close_code; size_t len; uint32_t sum; } ev[MAX_SEEN];
};

static uint32_t
sum(const unsigned char *p, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static void
record(struct seen *s, const struct wsf_msg *m)
{
	if (m->op == WSF_TOO_BIG)
		FUZZ_CHECK(m->len > MAX_BYTES, "passed over %zu bytes", m->len);
	else
		FUZZ_CHECK(m->len <= MAX_BYTES, "message of %zu bytes", m->len);
	if (m->op == WSF_CLOSE || m->op == WSF_PING || m->op == WSF_PONG)
		FUZZ_CHECK(m->len <= WSF_CONTROL_MAX, "control frame of %zu bytes", m->len);
	if (m->op == WSF_CLOSE)
		FUZZ_CHECK(m->close_code == WSF_CLOSE_NO_CODE || (m->close_code >= 1000 &&
		    m->close_code <= 4999), "close code %d", m->close_code);
	if (s->n == MAX_SEEN)
		return;
	s->ev[s->n].op = m->op;
	s->ev[s->n].close_code = m->op == WSF_CLOSE ? m->close_code : 0;
	s->ev[s->n].len = m->len;
	s->ev[s->n].sum = m->op == WSF_TOO_BIG ? 0 : sum(m->data, m->len);
	s->n++;
}

/* Feeds in pieces of `step` bytes (0: cut once at `cut`). */
static void
parse(const unsigned char *in, size_t len, size_t cut, size_t step, struct seen *s)
{
	struct wsf_rx rx;
	struct wsf_msg m;
	size_t at = 0;
	char err[96];

	memset(s, 0, sizeof(*s));
	wsf_rx_init(&rx, MAX_BYTES);
	while (at < len && s->rc == 0) {
		size_t piece = step != 0 ? step : at == 0 && cut > 0 ? cut : len - at;
		unsigned char *copy;
		if (piece > len - at)
			piece = len - at;
		copy = malloc(piece);
		FUZZ_CHECK(copy != NULL, "malloc");
		memcpy(copy, in + at, piece);
		wsf_rx_feed(&rx, copy, piece);
		while ((s->rc = wsf_rx_next(&rx, &m, &s->code, err, sizeof(err))) == 1)
			record(s, &m);
		free(copy);
		at += piece;
	}
	if (s->rc < 0)
		FUZZ_CHECK(s->code == WSF_CLOSE_PROTOCOL || s->code == WSF_CLOSE_TOO_BIG,
		    "close code %d (%s)", s->code, err);
	else
		s->code = 0;
	wsf_rx_free(&rx);
}

static void
same(const struct seen *a, const struct seen *b, const char *how)
{
	FUZZ_CHECK(a->rc == b->rc && a->code == b->code, "%s: rc %d/%d code %d/%d", how, a->rc,
	    b->rc, a->code, b->code);
	FUZZ_CHECK(a->n == b->n, "%s: %d events, whole %d", how, b->n, a->n);
	for (int i = 0; i < a->n; i++)
		FUZZ_CHECK(memcmp(&a->ev[i], &b->ev[i], sizeof(a->ev[i])) == 0,
		    "%s: event %d differs (op %d/%d, len %zu/%zu)", how, i, a->ev[i].op,
		    b->ev[i].op, a->ev[i].len, b->ev[i].len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct seen whole, split, bytes;
	size_t cut;

	if (size < 1 || size > 3 * MAX_BYTES)
		return 0;
	cut = data[0] % (size);
	data++;
	size--;
	parse(data, size, 0, 0, &whole);
	parse(data, size, cut, 0, &split);
	same(&whole, &split, "split");
	parse(data, size, 0, 1, &bytes);
	same(&whole, &bytes, "byte by byte");
	return 0;
}
