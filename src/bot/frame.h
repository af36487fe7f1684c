/*
 * The inbound fast path. Each gateway frame is checked and tokenized in one
 * pass into jsmn's tokens (frame-scan.h), without allocating in the common
 * case (FRAME_INLINE_TOKENS tokens live in the struct; bigger frames such
 * as READY or a large GUILD_CREATE grow one buffer owned by the decoder,
 * reused for every later frame). op, s, t and the `d` token are read at
 * decode time; everything else is read from the
 * tokens on demand. A jansson tree is built only when a listener asks
 * (listeners.h, event_json).
 *
 * The frame borrows the buffer it decoded: keep the buffer alive and
 * unchanged while the frame is in use.
 *
 * Token indices are ints; -1 means "absent". String accessors return raw
 * spans (JSON escapes not decoded) or decoded copies (frame_copy_str).
 */
#ifndef VIGIL_BOT_FRAME_H
#define VIGIL_BOT_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSMN_STRICT
#define JSMN_HEADER
#include <jsmn.h>
#undef JSMN_HEADER

#define FRAME_INLINE_TOKENS 512
/* A frame bigger than this is refused as malformed (READY can be several MB). */
#define FRAME_MAX_BYTES     (16u << 20)
#define FRAME_NAME_MAX      64

/* What the readers of a dispatch read of its `d` (frame_decoder_want). */
enum frame_reads {
	FRAME_READS_NONE,              /* nothing: d is checked, not tokenized */
	FRAME_READS_SOME,              /* d's keys and scalars, and the containers
	                                * under the keys listed; the others are
	                                * checked, not tokenized */
	FRAME_READS_ALL,
};

typedef enum frame_reads (*frame_wants_fn)(void *ud, const char *t, const char *const **nested);

struct frame_decoder {
	jsmntok_t *heap;               /* grown for big frames, reused */
	unsigned heap_cap;
	uint64_t frames, malformed, grown;
	frame_wants_fn wants;          /* frame_decoder_want */
	void *wants_ud;
};

struct frame {
	const char *buf;
	size_t len;
	jsmntok_t *tok;                /* inline_tok or the decoder's heap */
	int ntok;
	int op;                        /* -1 when absent */
	bool has_s;
	int64_t s;
	char t[FRAME_NAME_MAX];        /* "" unless a dispatch */
	int d;                         /* token of "d"; -1 when absent */
	bool d_skipped;                /* d is one token: nothing inside was tokenized */
	bool d_partial;                /* FRAME_READS_SOME: some containers in d are one token */
	jsmntok_t inline_tok[FRAME_INLINE_TOKENS];
};

void frame_decoder_init(struct frame_decoder *dec);
void frame_decoder_free(struct frame_decoder *dec);
/* Tokenize only what is read: wants(ud, t, &nested) says what will be read
 * of the `d` of a dispatch named t. NONE: d is still checked but not
 * tokenized (d_skipped: it reads as an empty value). SOME, with *nested a
 * NULL-terminated list of keys: d's own keys and scalar values are
 * tokenized, and the objects and arrays under those keys (raw compare,
 * whole subtrees); any other object or array in d is checked and is one
 * token that reads as empty (d_partial). ALL: everything. A non-dispatch,
 * and an envelope with d before op or t, is always tokenized whole. NULL,
 * the default, tokenizes every d. A malformed d is refused whatever was
 * tokenized. */
void frame_decoder_want(struct frame_decoder *dec, frame_wants_fn wants, void *ud);

/* Tokenizes buf and reads the envelope. 0, or -1 with a reason in err when
 * the frame is not a JSON object with an integer "op" (or is too big, is
 * JSON jansson would refuse, has `s`/`t` of the wrong type, a `t` longer
 * than FRAME_NAME_MAX - 1 bytes, or op/s/t/d twice or escaped at the top
 * level). Counts frames and malformed frames. */
int frame_decode(struct frame *f, struct frame_decoder *dec, const char *buf, size_t len,
    char *err, size_t errlen);
/* 0 when buf is one JSON value that jansson's json_loadb would parse (UTF-8,
 * escapes, number ranges, nesting depth); -1 with the byte offset and
 * reason in err. frame_decode calls it (frame-check.c). */
int frame_check_json(const char *buf, size_t len, char *err, size_t errlen);

/* The token after the whole subtree of token i (its next sibling). */
int frame_skip(const struct frame *f, int i);
/* The value token for `key` in object token obj; -1 when absent or obj is
 * not an object. A dotted key walks nested objects: "author.id". Keys
 * compare raw (escapes not decoded); of a duplicated key the first wins
 * (jansson keeps the last; Discord sends neither). */
int frame_get(const struct frame *f, int obj, const char *key);
/* Number of elements of array (or keys of object) token i; -1 otherwise. */
int frame_count(const struct frame *f, int i);
/* The first element of array token i (-1 when empty); the next one is
 * frame_skip(f, element). */
int frame_first(const struct frame *f, int i);

bool frame_is_null(const struct frame *f, int i);
/* The raw bytes of token i (for strings, without the quotes). */
bool frame_span(const struct frame *f, int i, const char **s, size_t *n);
/* True when token i is a string equal to `lit` (raw compare). */
bool frame_streq(const struct frame *f, int i, const char *lit);
/* Integer from a number token. */
bool frame_i64(const struct frame *f, int i, int64_t *out);
/* A snowflake: a string or number of digits that fits in 64 bits. */
bool frame_u64(const struct frame *f, int i, uint64_t *out);
bool frame_bool(const struct frame *f, int i, bool *out);
/* Decodes string token i (\n, \", \uXXXX and surrogate pairs to UTF-8)
 * into out, truncating at a character boundary to fit. Returns the length
 * written, or -1 when i is not a string. */
int frame_copy_str(const struct frame *f, int i, char *out, size_t outlen);

#endif
