/*
 * RFC 6455 client framing (src/net/ws-frame.h). The frames of §5.7's
 * examples are written out byte by byte, fed whole, split at every byte
 * boundary and fed one byte at a time: the parser must hand out the same
 * messages every way.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "net/ws-frame.h"

#define MAX_SEEN 16

/* §5.7: a single-frame unmasked text message ("Hello"). */
static const unsigned char hello[] = { 0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f };
/* §5.7: a fragmented unmasked text message ("Hel", "lo"), with the
 * unmasked ping of §5.7 between the fragments (§5.4 allows it). */
static const unsigned char frag1[] = { 0x01, 0x03, 0x48, 0x65, 0x6c };
static const unsigned char ping[] = { 0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f };
static const unsigned char frag2[] = { 0x80, 0x02, 0x6c, 0x6f };
/* A close frame: 1000, "bye". */
static const unsigned char closing[] = { 0x88, 0x05, 0x03, 0xe8, 0x62, 0x79, 0x65 };
/* §5.7: the masked "Hello" a client sends, key 37 fa 21 3d. */
static const unsigned char masked_hello[] = {
	0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58
};
/* §5.7: the masked pong answering the ping. */
static const unsigned char masked_pong[] = {
	0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58
};
static const uint8_t rfc_key[4] = { 0x37, 0xfa, 0x21, 0x3d };

struct seen {
	enum wsf_op op;
	size_t len;
	unsigned char head[8];          /* the first bytes, to compare */
	unsigned char tail;             /* the last byte */
	int code;
};

struct stream {
	unsigned char *buf;
	size_t len;
};

static void
put(struct stream *s, const void *p, size_t n)
{
	s->buf = realloc(s->buf, s->len + n);
	assert_non_null(s->buf);
	memcpy(s->buf + s->len, p, n);
	s->len += n;
}

/* §5.7's 256-byte and 64 KiB binary messages, one unmasked frame each
 * (16- and 64-bit lengths); the payload bytes count up. */
static void
put_binary(struct stream *s, size_t n)
{
	unsigned char h[10] = { 0x82 };
	size_t hl;

	if (n <= 0xffff) {
		h[1] = 0x7e;
		h[2] = (unsigned char)(n >> 8);
		h[3] = (unsigned char)n;
		hl = 4;
	} else {
		h[1] = 0x7f;
		for (int i = 0; i < 8; i++)
			h[2 + i] = (unsigned char)((uint64_t)n >> (56 - 8 * i));
		hl = 10;
	}
	put(s, h, hl);
	for (size_t i = 0; i < n; i++) {
		unsigned char b = (unsigned char)i;
		put(s, &b, 1);
	}
}

static struct stream
rfc_stream(void)
{
	struct stream s = { NULL, 0 };

	put(&s, hello, sizeof(hello));
	put(&s, frag1, sizeof(frag1));
	put(&s, ping, sizeof(ping));
	put(&s, frag2, sizeof(frag2));
	put_binary(&s, 256);
	put_binary(&s, 65536);
	put(&s, closing, sizeof(closing));
	return s;
}

/* Feeds s in pieces of the given sizes (0 ends the list: the rest). */
static int
feed_all(const struct stream *s, const size_t *cuts, struct seen *seen)
{
	struct wsf_rx rx;
	struct wsf_msg m;
	size_t at = 0;
	int n = 0, code, rc;
	char err[96];

	wsf_rx_init(&rx, 1u << 20);
	for (int k = 0; at < s->len; k++) {
		size_t piece = cuts != NULL && cuts[k] != 0 ? cuts[k] : s->len - at;
		/* A copy, freed after the piece: nothing may be borrowed past it. */
		unsigned char *copy = malloc(piece);
		assert_non_null(copy);
		memcpy(copy, s->buf + at, piece);
		wsf_rx_feed(&rx, copy, piece);
		while ((rc = wsf_rx_next(&rx, &m, &code, err, sizeof(err))) == 1) {
			assert_true(n < MAX_SEEN);
			seen[n].op = m.op;
			seen[n].len = m.len;
			memcpy(seen[n].head, m.data, m.len < 8 ? m.len : 8);
			seen[n].tail = m.len > 0 ? m.data[m.len - 1] : 0;
			seen[n].code = m.op == WSF_CLOSE ? m.close_code : 0;
			n++;
		}
		assert_int_equal(rc, 0);
		free(copy);
		at += piece;
	}
	assert_int_equal(rx.partlen, 0);
	wsf_rx_free(&rx);
	return n;
}

static void
check_rfc_seen(const struct seen *seen, int n)
{
	assert_int_equal(n, 6);
	assert_int_equal(seen[0].op, WSF_TEXT);
	assert_int_equal(seen[0].len, 5);
	assert_memory_equal(seen[0].head, "Hello", 5);
	assert_int_equal(seen[1].op, WSF_PING);         /* between the fragments */
	assert_memory_equal(seen[1].head, "Hello", 5);
	assert_int_equal(seen[2].op, WSF_TEXT);
	assert_int_equal(seen[2].len, 5);
	assert_memory_equal(seen[2].head, "Hello", 5);
	assert_int_equal(seen[3].op, WSF_BINARY);
	assert_int_equal(seen[3].len, 256);
	assert_int_equal(seen[3].tail, 255);
	assert_int_equal(seen[4].op, WSF_BINARY);
	assert_int_equal(seen[4].len, 65536);
	assert_int_equal(seen[4].head[7], 7);
	assert_int_equal(seen[5].op, WSF_CLOSE);
	assert_int_equal(seen[5].code, 1000);
}

static void
rfc_examples_whole(void **state)
{
	struct stream s = rfc_stream();
	struct seen seen[MAX_SEEN];

	(void)state;
	check_rfc_seen(seen, feed_all(&s, NULL, seen));
	free(s.buf);
}

static void
rfc_examples_split_everywhere(void **state)
{
	struct stream s = rfc_stream();
	struct seen seen[MAX_SEEN];
	size_t big_end = s.len - sizeof(closing), big_at = big_end - 65536 - 10;

	(void)state;
	for (size_t k = 1; k < s.len; k++) {
		size_t cuts[] = { k, 0 };
		/* Inside the 64 KiB payload every cut is alike: test its edges. */
		if (k > big_at + 64 && k + 64 < big_end)
			continue;
		memset(seen, 0, sizeof(seen));
		check_rfc_seen(seen, feed_all(&s, cuts, seen));
	}
	free(s.buf);
}

static void
rfc_examples_byte_by_byte(void **state)
{
	struct stream s = rfc_stream();
	struct seen seen[MAX_SEEN];
	size_t *ones = malloc((s.len + 1) * sizeof(*ones));

	(void)state;
	assert_non_null(ones);
	for (size_t i = 0; i < s.len; i++)
		ones[i] = 1;
	ones[s.len] = 0;
	check_rfc_seen(seen, feed_all(&s, ones, seen));
	free(ones);
	free(s.buf);
}

/* A frame wholly inside the buffer fed is handed out in place. */
static void
whole_frame_not_copied(void **state)
{
	unsigned char buf[sizeof(hello) * 2];
	struct wsf_rx rx;
	struct wsf_msg m;
	int code;
	char err[96];

	(void)state;
	memcpy(buf, hello, sizeof(hello));
	memcpy(buf + sizeof(hello), hello, sizeof(hello));
	wsf_rx_init(&rx, 1024);
	wsf_rx_feed(&rx, buf, sizeof(buf));
	assert_int_equal(wsf_rx_next(&rx, &m, &code, err, sizeof(err)), 1);
	assert_ptr_equal(m.data, buf + 2);
	assert_int_equal(wsf_rx_next(&rx, &m, &code, err, sizeof(err)), 1);
	assert_ptr_equal(m.data, buf + sizeof(hello) + 2);
	assert_int_equal(wsf_rx_next(&rx, &m, &code, err, sizeof(err)), 0);
	assert_int_equal(rx.copied, 0);
	wsf_rx_free(&rx);
}

/* The first answer wsf_rx_next gives for bytes p. */
static int
first(const unsigned char *p, size_t n, size_t max, int *code, char *err, size_t errlen)
{
	struct wsf_rx rx;
	struct wsf_msg m;
	int rc;

	wsf_rx_init(&rx, max);
	wsf_rx_feed(&rx, p, n);
	do
		rc = wsf_rx_next(&rx, &m, code, err, errlen);
	while (rc == 1);
	if (rc < 0) {   /* dead stays dead */
		int again;
		char why[96];
		assert_int_equal(wsf_rx_next(&rx, &m, &again, why, sizeof(why)), -1);
	}
	wsf_rx_free(&rx);
	return rc;
}

static void
expect_error(const unsigned char *p, size_t n, size_t max, int want_code, const char *want)
{
	int code = 0;
	char err[96] = "";

	assert_int_equal(first(p, n, max, &code, err, sizeof(err)), -1);
	assert_int_equal(code, want_code);
	assert_non_null(strstr(err, want));
}

static void
protocol_errors(void **state)
{
	static const unsigned char big64[] = { 0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 1 };
	static const unsigned char ctl_long[] = { 0x89, 0x7e, 0x00, 0x7e };
	static const unsigned char ctl_frag[] = { 0x09, 0x00 };
	static const unsigned char rsv[] = { 0xc1, 0x00 };
	static const unsigned char opc[] = { 0x83, 0x00 };
	static const unsigned char cont[] = { 0x80, 0x01, 0x41 };
	static const unsigned char nested[] = { 0x01, 0x01, 0x41, 0x81, 0x01, 0x42 };
	static const unsigned char close1[] = { 0x88, 0x01, 0x03 };
	static const unsigned char close1005[] = { 0x88, 0x02, 0x03, 0xed };

	(void)state;
	expect_error(masked_hello, sizeof(masked_hello), 1024, 1002, "masked");
	expect_error(big64, sizeof(big64), 1024, 1002, "top bit");
	expect_error(ctl_long, sizeof(ctl_long), 1024, 1002, "over 125");
	expect_error(ctl_frag, sizeof(ctl_frag), 1024, 1002, "fragmented control");
	expect_error(rsv, sizeof(rsv), 1024, 1002, "RSV");
	expect_error(opc, sizeof(opc), 1024, 1002, "opcode");
	expect_error(cont, sizeof(cont), 1024, 1002, "continuation without");
	expect_error(nested, sizeof(nested), 1024, 1002, "inside a fragmented");
	expect_error(close1, sizeof(close1), 1024, 1002, "1 byte");
	expect_error(close1005, sizeof(close1005), 1024, 1002, "close code");
}

/* A message over the bound is passed over, whole or fragmented, with
 * control frames between its fragments still handed out; the stream goes
 * on after it. */
static struct stream
oversize_stream(void)
{
	static const unsigned char big[] = { 0x81, 0x7e, 0x01, 0x40 };         /* 320 bytes */
	static const unsigned char frag_start[] = { 0x01, 0x7e, 0x00, 0xc8 };  /* 200, not final */
	static const unsigned char frag_end[] = { 0x80, 0x7e, 0x00, 0xc8 };    /* 200, final */
	struct stream s = { NULL, 0 };

	put(&s, big, sizeof(big));
	for (int i = 0; i < 320; i++)
		put(&s, "x", 1);
	put(&s, hello, sizeof(hello));
	put(&s, frag_start, sizeof(frag_start));
	for (int i = 0; i < 200; i++)
		put(&s, "y", 1);
	put(&s, ping, sizeof(ping));
	put(&s, frag_end, sizeof(frag_end));
	for (int i = 0; i < 200; i++)
		put(&s, "z", 1);
	put(&s, hello, sizeof(hello));
	return s;
}

static void
oversize_skipped(void **state)
{
	struct stream s = oversize_stream();
	static const enum wsf_op want[] = { WSF_TOO_BIG, WSF_TEXT, WSF_PING, WSF_TOO_BIG, WSF_TEXT };
	static const size_t want_len[] = { 320, 5, 5, 400, 5 };

	(void)state;
	for (size_t k = 0; k < s.len; k++) {
		struct wsf_rx rx;
		struct wsf_msg m;
		size_t cuts[2] = { k, s.len - k }, at = 0;
		int n = 0, code, rc;
		char err[96];

		wsf_rx_init(&rx, 300);
		for (int p = k == 0 ? 1 : 0; p < 2; p++) {
			wsf_rx_feed(&rx, s.buf + at, cuts[p]);
			at += cuts[p];
			while ((rc = wsf_rx_next(&rx, &m, &code, err, sizeof(err))) == 1) {
				assert_true(n < 5);
				assert_int_equal(m.op, want[n]);
				assert_int_equal(m.len, want_len[n]);
				n++;
			}
			assert_int_equal(rc, 0);
		}
		assert_int_equal(n, 5);
		/* Only a frame cut by the split is copied, and never one that
		 * is passed over: at most the 204 of the first fragment. */
		assert_true(rx.copied <= 204);
		wsf_rx_free(&rx);
	}
	free(s.buf);
}

static void
close_without_code(void **state)
{
	static const unsigned char bare[] = { 0x88, 0x00 };
	struct wsf_rx rx;
	struct wsf_msg m;
	int code;
	char err[96];

	(void)state;
	wsf_rx_init(&rx, 1024);
	wsf_rx_feed(&rx, bare, sizeof(bare));
	assert_int_equal(wsf_rx_next(&rx, &m, &code, err, sizeof(err)), 1);
	assert_int_equal(m.op, WSF_CLOSE);
	assert_int_equal(m.close_code, WSF_CLOSE_NO_CODE);
	assert_int_equal(m.reason_len, 0);
	wsf_rx_free(&rx);
}

static void
writer_masks(void **state)
{
	unsigned char out[70000 + WSF_HDR_MAX], *big;
	size_t n;

	(void)state;
	/* §5.7's masked examples, exactly. */
	n = wsf_write(out, WSF_TEXT, "Hello", 5, rfc_key);
	assert_int_equal(n, sizeof(masked_hello));
	assert_memory_equal(out, masked_hello, n);
	n = wsf_write(out, WSF_PONG, "Hello", 5, rfc_key);
	assert_memory_equal(out, masked_pong, n);
	/* 16- and 64-bit lengths; the payload unmasks back. */
	big = calloc(1, 70000);
	assert_non_null(big);
	n = wsf_write(out, WSF_BINARY, big, 300, rfc_key);
	assert_int_equal(n, 4 + 4 + 300);
	assert_int_equal(out[1], 0x80 | 126);
	assert_int_equal((out[2] << 8) | out[3], 300);
	assert_int_equal(out[8] ^ rfc_key[0], 0);
	assert_int_equal(out[8 + 299] ^ rfc_key[299 & 3], 0);
	n = wsf_write(out, WSF_BINARY, big, 70000, rfc_key);
	assert_int_equal(n, 10 + 4 + 70000);
	assert_int_equal(out[1], 0x80 | 127);
	assert_int_equal((out[7] << 16) | (out[8] << 8) | out[9], 70000);
	free(big);
}

static void
writer_close(void **state)
{
	static const uint8_t zero[4] = { 0, 0, 0, 0 };
	unsigned char out[WSF_HDR_MAX + WSF_CONTROL_MAX];
	char longer[300];
	size_t n;

	(void)state;
	n = wsf_write_close(out, 4900, "resuming", zero);
	assert_int_equal(n, 2 + 4 + 2 + 8);
	assert_int_equal(out[0], 0x88);
	assert_int_equal((out[6] << 8) | out[7], 4900);
	assert_memory_equal(out + 8, "resuming", 8);
	memset(longer, 'r', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	n = wsf_write_close(out, 1000, longer, zero);
	assert_int_equal(n, 2 + 4 + WSF_CONTROL_MAX);
	assert_int_equal(out[1], 0x80 | WSF_CONTROL_MAX);
	assert_int_equal(wsf_write_close(out, -1, NULL, zero), 2 + 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc_examples_whole),
		cmocka_unit_test(rfc_examples_split_everywhere),
		cmocka_unit_test(rfc_examples_byte_by_byte),
		cmocka_unit_test(whole_frame_not_copied),
		cmocka_unit_test(protocol_errors),
		cmocka_unit_test(oversize_skipped),
		cmocka_unit_test(close_without_code),
		cmocka_unit_test(writer_masks),
		cmocka_unit_test(writer_close),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
