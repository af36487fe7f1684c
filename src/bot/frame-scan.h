/*
 * The one pass under frame_decode (frame-check.c): checks the bytes as
 * jansson would and lays down jsmn tokens as it goes. Each token is what
 * jsmn's strict mode gives for valid JSON: start and end offsets (a
 * string's without its quotes, a container's past its bracket), size the
 * number of elements or keys (1 on a key with its value). Tokens past cap
 * are counted, not written, so the caller can size an array and scan again.
 *
 * Tokenize only what is read: when want_d is set, it is asked, at the
 * top-level key "d" (with the tokens laid down so far: the envelope keys
 * before d), what will be read of d (frame.h, enum frame_reads). What is
 * not read gets its one token, with size 0, and nothing inside it is
 * tokenized (it is still checked).
 */
#ifndef VIGIL_BOT_FRAME_SCAN_H
#define VIGIL_BOT_FRAME_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "bot/frame.h"

struct frame_scan {
	jsmntok_t *tok;
	unsigned cap;
	int ntok;                       /* out: tokens needed */
	enum frame_reads (*want_d)(void *ud, const jsmntok_t *tok, int ntok,
	    const char *const **nested);
	void *ud;
	bool d_muted;                   /* out: d's inside was not tokenized */
	bool d_partial;                 /* out: READS_SOME on an object d */
};

/* 0 with out->ntok tokens, or -1 with the byte offset and reason in err
 * (the same answer as frame_check_json). */
int frame_scan(const char *buf, size_t len, struct frame_scan *out, char *err, size_t errlen);

#endif
