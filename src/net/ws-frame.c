/*
 * RFC 6455 client framing; see ws-frame.h. The common case, a whole frame
 * inside the buffer read, costs one header parse and no copy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/ws-frame.h"

/* A buffer grown past this for one big frame is given back after it. */
#define WSF_KEEP (64u << 10)

struct hdr {
	bool fin;
	enum wsf_op op;
	size_t hlen;                    /* header bytes */
	uint64_t plen;                  /* payload bytes */
};

void
wsf_rx_init(struct wsf_rx *rx, size_t max)
{
	memset(rx, 0, sizeof(*rx));
	rx->max = max;
	rx->msg_op = WSF_CONT;
}

void
wsf_rx_free(struct wsf_rx *rx)
{
	free(rx->part);
	free(rx->msg);
	memset(rx, 0, sizeof(*rx));
}

void
wsf_rx_feed(struct wsf_rx *rx, const void *buf, size_t len)
{
	rx->in = buf;
	rx->inlen = len;
	rx->inpos = 0;
}

static int
fail(struct wsf_rx *rx, int *code, int c, char *err, size_t errlen, const char *why)
{
	rx->dead = true;
	*code = c;
	snprintf(err, errlen, "%s", why);
	return -1;
}

/* 1 with h once n bytes hold the whole header, 0 when they do not yet. */
static int
parse_hdr(const unsigned char *p, size_t n, struct hdr *h)
{
	size_t ext;

	if (n < 2)
		return 0;
	h->fin = (p[0] & 0x80) != 0;
	h->op = (enum wsf_op)(p[0] & 0x0f);
	h->plen = p[1] & 0x7f;
	ext = h->plen == 126 ? 2 : h->plen == 127 ? 8 : 0;
	h->hlen = 2 + ext + ((p[1] & 0x80) ? 4 : 0);
	if (n < h->hlen)
		return 0;
	if (ext > 0) {
		h->plen = 0;
		for (size_t i = 0; i < ext; i++)
			h->plen = (h->plen << 8) | p[2 + i];
	}
	return 1;
}

/* The rules a header must keep (§5.2, §5.5); NULL when it keeps them. */
static const char *
hdr_broken(const unsigned char *p, const struct hdr *h)
{
	if (p[0] & 0x70)
		return "RSV bit set without an extension";
	if (p[1] & 0x80)
		return "masked frame from the server";
	if (h->plen >> 63)
		return "64-bit length with the top bit set";
	switch (h->op) {
	case WSF_CONT: case WSF_TEXT: case WSF_BINARY:
		return NULL;
	case WSF_CLOSE: case WSF_PING: case WSF_PONG:
		if (!h->fin)
			return "fragmented control frame";
		return h->plen > WSF_CONTROL_MAX ? "control frame over 125 bytes" : NULL;
	default:
		return "unknown opcode";
	}
}

/* Room for want bytes in *buf; false when out of memory. */
static bool
reserve(unsigned char **buf, size_t *cap, size_t want)
{
	unsigned char *p;
	size_t c = *cap ? *cap : 4096;

	if (want <= *cap)
		return true;
	while (c < want)
		c *= 2;
	p = realloc(*buf, c);
	if (p == NULL)
		return false;
	*buf = p;
	*cap = c;
	return true;
}

/* Checks a header as soon as it is whole, before any of its payload is
 * kept: 0 to parse the frame, 1 to skip it (its message is over the
 * bound), or -1 (the parser is dead). */
static int
check(struct wsf_rx *rx, const unsigned char *p, const struct hdr *h, int *code, char *err,
    size_t errlen)
{
	const char *why = hdr_broken(p, h);

	if (why != NULL)
		return fail(rx, code, WSF_CLOSE_PROTOCOL, err, errlen, why);
	if (h->op == WSF_CONT && rx->dropping)
		return 1;
	if (h->op & 0x8)
		return 0;
	return h->plen > rx->max || h->plen > rx->max - (h->op == WSF_CONT ? rx->msglen : 0);
}

/* The frame's payload (plen bytes, of which `had` are already read) is
 * passed over unread, and so is the rest of its message. */
static void
start_skip(struct wsf_rx *rx, const struct hdr *h, uint64_t had)
{
	rx->skip = h->plen - had;
	rx->skip_fin = h->fin;
	rx->skipping = true;
	rx->dropped += h->plen + (rx->dropping ? 0 : rx->msglen);
	rx->dropping = true;
	rx->msglen = 0;
	if (h->op != WSF_CONT)
		rx->msg_op = h->op;
}

/* Completes the frame cut by the last buffer from the new one: 1 when part
 * holds it whole (header in h), 2 when it is to be skipped, 0 when the
 * input ran out first, -1. */
static int
fill_part(struct wsf_rx *rx, struct hdr *h, int *code, char *err, size_t errlen)
{
	for (;;) {
		size_t need = 2, take;
		int whole = parse_hdr(rx->part, rx->partlen, h), rc = 0;

		/* Checked once, when the header has just become whole. */
		if (whole && rx->partlen == h->hlen)
			rc = check(rx, rx->part, h, code, err, errlen);
		if (rc < 0)
			return -1;
		if (rc == 1) {
			start_skip(rx, h, 0);
			rx->partlen = 0;
			return 2;
		}
		if (whole)
			need = h->hlen + (size_t)h->plen;
		else if (rx->partlen >= 2)
			need = h->hlen;
		if (whole && rx->partlen == need)
			return 1;
		if (rx->inpos == rx->inlen)
			return 0;
		take = need - rx->partlen;
		if (take > rx->inlen - rx->inpos)
			take = rx->inlen - rx->inpos;
		if (!reserve(&rx->part, &rx->partcap, rx->partlen + take))
			return fail(rx, code, WSF_CLOSE_TOO_BIG, err, errlen, "out of memory for a frame");
		memcpy(rx->part + rx->partlen, rx->in + rx->inpos, take);
		rx->partlen += take;
		rx->inpos += take;
		rx->copied += take;
	}
}

/* The next whole frame: in place in the input, or from part. 1 with the
 * frame's start in *f, 2 when a frame is to be skipped, 0 when the input
 * is used up, -1. */
static int
next_frame(struct wsf_rx *rx, struct hdr *h, const unsigned char **f, int *code, char *err,
    size_t errlen)
{
	const unsigned char *p = rx->in + rx->inpos;
	size_t avail = rx->inlen - rx->inpos;
	int rc, verdict;

	if (rx->partlen > 0) {
		rc = fill_part(rx, h, code, err, errlen);
		if (rc == 1) {
			*f = rx->part;
			rx->part_ready = true;
		}
		return rc;
	}
	if (avail == 0)
		return 0;
	rc = parse_hdr(p, avail, h);
	verdict = rc == 1 ? check(rx, p, h, code, err, errlen) : 0;
	if (verdict < 0)
		return -1;
	if (verdict == 1) {
		start_skip(rx, h, 0);
		rx->inpos += h->hlen;
		return 2;
	}
	if (rc == 1 && avail - h->hlen >= h->plen) {
		*f = p;
		rx->inpos += h->hlen + (size_t)h->plen;
		return 1;
	}
	/* Cut by the end of this buffer: keep what there is of it. */
	rx->partlen = 0;
	return fill_part(rx, h, code, err, errlen);
}

/* Passes over a skipped frame's payload: 1 with WSF_TOO_BIG in m when its
 * message has ended, 2 when the frame has, 0 when the input ran out. */
static int
skip_on(struct wsf_rx *rx, struct wsf_msg *m)
{
	size_t n = rx->inlen - rx->inpos;

	if (n > rx->skip)
		n = (size_t)rx->skip;
	rx->inpos += n;
	rx->skip -= n;
	if (rx->skip > 0)
		return 0;
	rx->skipping = false;
	if (!rx->skip_fin)
		return 2;
	memset(m, 0, sizeof(*m));
	m->op = WSF_TOO_BIG;
	m->len = rx->dropped > SIZE_MAX ? SIZE_MAX : (size_t)rx->dropped;
	rx->dropped = 0;
	rx->dropping = false;
	rx->msg_op = WSF_CONT;
	return 1;
}

static bool
close_code_valid(int c)
{
	return (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1014) || (c >= 3000 && c <= 4999);
}

static int
on_close(struct wsf_rx *rx, struct wsf_msg *m, int *code, char *err, size_t errlen)
{
	m->close_code = WSF_CLOSE_NO_CODE;
	m->reason = m->data;
	m->reason_len = 0;
	if (m->len == 0)
		return 1;
	if (m->len == 1)
		return fail(rx, code, WSF_CLOSE_PROTOCOL, err, errlen, "close frame of 1 byte");
	m->close_code = (m->data[0] << 8) | m->data[1];
	if (!close_code_valid(m->close_code))
		return fail(rx, code, WSF_CLOSE_PROTOCOL, err, errlen, "invalid close code");
	m->reason = m->data + 2;
	m->reason_len = m->len - 2;
	return 1;
}

/* One whole frame: 1 with a message or control frame in m, 0 when it was
 * a fragment kept for later, -1. */
static int
on_frame(struct wsf_rx *rx, const struct hdr *h, const unsigned char *payload,
    struct wsf_msg *m, int *code, char *err, size_t errlen)
{
	size_t n = (size_t)h->plen;

	memset(m, 0, sizeof(*m));
	m->op = h->op;
	m->data = payload;
	m->len = n;
	if (h->op == WSF_CLOSE)
		return on_close(rx, m, code, err, errlen);
	if (h->op == WSF_PING || h->op == WSF_PONG)
		return 1;
	if (h->op != WSF_CONT && rx->msg_op != WSF_CONT)
		return fail(rx, code, WSF_CLOSE_PROTOCOL, err, errlen, "new message inside a fragmented one");
	if (h->op == WSF_CONT && rx->msg_op == WSF_CONT)
		return fail(rx, code, WSF_CLOSE_PROTOCOL, err, errlen, "continuation without a message");
	if (h->op != WSF_CONT && h->fin)
		return 1;       /* the common case: handed out in place */
	if (!reserve(&rx->msg, &rx->msgcap, rx->msglen + n))
		return fail(rx, code, WSF_CLOSE_TOO_BIG, err, errlen, "out of memory for a message");
	if (n > 0)
		memcpy(rx->msg + rx->msglen, payload, n);
	rx->msglen += n;
	if (h->op != WSF_CONT)
		rx->msg_op = h->op;
	if (!h->fin)
		return 0;
	m->op = rx->msg_op;
	m->data = rx->msg;
	m->len = rx->msglen;
	rx->msg_op = WSF_CONT;
	rx->msglen = 0;         /* m->data stays valid: the bytes are not touched until the next call */
	return 1;
}

/* What was handed out last time is no longer borrowed: reuse or give back. */
static void
release(struct wsf_rx *rx)
{
	if (rx->part_ready) {
		rx->part_ready = false;
		rx->partlen = 0;
		if (rx->partcap > WSF_KEEP) {
			free(rx->part);
			rx->part = NULL;
			rx->partcap = 0;
		}
	}
	if (rx->msg_op == WSF_CONT && rx->msgcap > WSF_KEEP) {
		free(rx->msg);
		rx->msg = NULL;
		rx->msgcap = 0;
	}
}

int
wsf_rx_next(struct wsf_rx *rx, struct wsf_msg *m, int *code, char *err, size_t errlen)
{
	for (;;) {
		const unsigned char *f = NULL;
		struct hdr h;
		int rc;

		if (rx->dead)
			return fail(rx, code, WSF_CLOSE_PROTOCOL, err, errlen, "the stream is broken");
		release(rx);
		if (rx->skipping) {
			rc = skip_on(rx, m);
			if (rc == 2)
				continue;
			return rc;
		}
		rc = next_frame(rx, &h, &f, code, err, errlen);
		if (rc == 2)
			continue;
		if (rc <= 0)
			return rc;
		rx->frames++;
		rc = on_frame(rx, &h, f + h.hlen, m, code, err, errlen);
		if (rc != 0)
			return rc;
	}
}

size_t
wsf_write(unsigned char *out, enum wsf_op op, const void *payload, size_t len,
    const uint8_t mask[4])
{
	const unsigned char *in = payload;
	size_t n = 2;

	out[0] = (unsigned char)(0x80 | op);
	if (len < 126) {
		out[1] = (unsigned char)(0x80 | len);
	} else if (len <= 0xffff) {
		out[1] = 0x80 | 126;
		out[2] = (unsigned char)(len >> 8);
		out[3] = (unsigned char)len;
		n = 4;
	} else {
		out[1] = 0x80 | 127;
		for (int i = 0; i < 8; i++)
			out[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
		n = 10;
	}
	memcpy(out + n, mask, 4);
	n += 4;
	for (size_t i = 0; i < len; i++)
		out[n + i] = in[i] ^ mask[i & 3];
	return n + len;
}

size_t
wsf_write_close(unsigned char *out, int code, const char *reason, const uint8_t mask[4])
{
	unsigned char body[WSF_CONTROL_MAX];
	size_t n = 0, r;

	if (code >= 0) {
		body[0] = (unsigned char)(code >> 8);
		body[1] = (unsigned char)code;
		r = reason != NULL ? strlen(reason) : 0;
		if (r > WSF_CONTROL_MAX - 2)
			r = WSF_CONTROL_MAX - 2;
		memcpy(body + 2, reason != NULL ? reason : "", r);
		n = 2 + r;
	}
	return wsf_write(out, WSF_CLOSE, body, n, mask);
}
