/*
 * The inbound frame decoder, differentially: the jsmn fast path
 * (frame_decode and its accessors) against the full path (jansson, as
 * json_loadb on the whole frame and as event_json on `d`).
 *
 *  - Whatever the fast path accepts, jansson parses, with the same op, s
 *    and t; every token read through the accessors agrees with jansson's
 *    tree (strings decoded whole and truncated at character boundaries,
 *    integers, booleans, nulls, counts, frame_get on every key).
 *  - Whatever jansson parses as an object with a good envelope, the fast
 *    path accepts, unless the envelope breaks a rule only the fast path has
 *    (a duplicate or escaped op/s/t/d key, a `t` that does not fit).
 *  - Tokenizing only what is read (frame_decoder_want saying no to every
 *    dispatch) gives the same answer, the same envelope, and a `d` that is
 *    one token with nothing inside whenever it was skipped.
 *  - Tokenizing some of d (READS_SOME, keys "a" and "author") gives the same
 *    answer and envelope, and the same d key by key: its scalars, the
 *    containers under the listed keys whole, the others one empty token
 *    over the same bytes.
 */
#include <stdbool.h>
#include <string.h>

#include <jansson.h>

#include "bot/frame.h"
#include "bot/listeners.h"
#include "fuzz.h"

/* libFuzzer calls in one thread. The decoder is reused across inputs as
 * the gateway reuses it across frames (its grown buffer must survive any
 * sequence); the frame holds 8 KB of inline tokens, too big for a stack
 * frame under ASan's redzones. */
static struct frame_decoder dec, lazy_dec, some_dec;
static struct frame fr, lazy_fr, some_fr;

static void compare(int i, const json_t *j);

/* The decoded string of token i, malloc'd (NUL-terminated); *n its length. */
static char *
decoded(int i, size_t *n)
{
	const char *s;
	size_t raw;
	char *out;
	int w;

	FUZZ_CHECK(frame_span(&fr, i, &s, &raw), "token %d", i);
	out = malloc(raw + 1);
	FUZZ_CHECK(out != NULL, "out of memory");
	/* Decoding never grows a string, so raw + 1 bytes hold all of it. */
	w = frame_copy_str(&fr, i, out, raw + 1);
	FUZZ_CHECK(w >= 0 && (size_t)w <= raw, "token %d: %d of %zu", i, w, raw);
	*n = (size_t)w;
	return out;
}

/* Copies into small buffers must be NUL-terminated prefixes of the whole
 * string, cut at a character boundary, and as long as fits. */
static void
check_truncation(int i, const char *full, size_t n)
{
	static const size_t sizes[] = { 1, 2, 3, 4, 5, 8, 17 };
	char small[17];

	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t cap = sizes[k];
		int w = frame_copy_str(&fr, i, small, cap);

		FUZZ_CHECK(w >= 0 && (size_t)w < cap && small[w] == '\0', "cap %zu: %d", cap, w);
		FUZZ_CHECK(memcmp(small, full, (size_t)w) == 0, "cap %zu: not a prefix", cap);
		if ((size_t)w == n)
			continue;
		FUZZ_CHECK(((unsigned char)full[w] & 0xC0) != 0x80,
		    "cap %zu: cut inside a character at %d", cap, w);
		size_t next = 1;
		while ((size_t)w + next < n && ((unsigned char)full[w + next] & 0xC0) == 0x80)
			next++;
		FUZZ_CHECK((size_t)w + next >= cap, "cap %zu: stopped at %d, next char fits", cap, w);
	}
}

static void
compare_string(int i, const json_t *j)
{
	size_t n;
	char *s = decoded(i, &n);

	FUZZ_CHECK(json_is_string(j), "token %d is a string, jansson's is type %d", i,
	    json_typeof(j));
	FUZZ_CHECK(json_string_length(j) == n && memcmp(json_string_value(j), s, n) == 0,
	    "token %d decodes to %zu bytes '%.*s', jansson to %zu '%s'", i, n, (int)n, s,
	    json_string_length(j), json_string_value(j));
	check_truncation(i, s, n);
	free(s);
}

static void
compare_primitive(int i, const json_t *j)
{
	const char *s;
	size_t n;
	int64_t v;
	uint64_t u;
	bool b;

	frame_span(&fr, i, &s, &n);
	if (s[0] == 't' || s[0] == 'f') {
		FUZZ_CHECK(json_is_boolean(j), "token %d", i);
		FUZZ_CHECK(frame_bool(&fr, i, &b) && b == json_is_true(j), "token %d", i);
		return;
	}
	FUZZ_CHECK(frame_bool(&fr, i, &b) == false, "token %d: not a boolean", i);
	if (s[0] == 'n') {
		FUZZ_CHECK(json_is_null(j) && frame_is_null(&fr, i), "token %d", i);
		return;
	}
	FUZZ_CHECK(!frame_is_null(&fr, i), "token %d", i);
	if (json_is_real(j)) {
		FUZZ_CHECK(!frame_i64(&fr, i, &v), "token %d '%.*s' is real", i, (int)n, s);
		return;
	}
	FUZZ_CHECK(json_is_integer(j), "token %d '%.*s': type %d", i, (int)n, s, json_typeof(j));
	FUZZ_CHECK(frame_i64(&fr, i, &v) && v == json_integer_value(j),
	    "token %d '%.*s': jansson says %lld", i, (int)n, s,
	    (long long)json_integer_value(j));
	if (frame_u64(&fr, i, &u))
		FUZZ_CHECK(v >= 0 && u == (uint64_t)v, "token %d '%.*s'", i, (int)n, s);
	else
		FUZZ_CHECK(v < 0 || s[0] == '-', "token %d '%.*s': a snowflake", i, (int)n, s);
}

static bool
raw_equal(int a, int b)
{
	const char *sa, *sb;
	size_t na, nb;

	frame_span(&fr, a, &sa, &na);
	frame_span(&fr, b, &sb, &nb);
	return na == nb && memcmp(sa, sb, na) == 0;
}

/* True when no later key of the object (from token k on) decodes to the
 * same name: jansson keeps the last value of a duplicated key. */
static bool
last_of_its_name(int k, int left, const char *name, size_t n)
{
	for (k = frame_skip(&fr, k + 1); left > 0; left--, k = frame_skip(&fr, k + 1)) {
		size_t m;
		char *other = decoded(k, &m);
		bool same = m == n && memcmp(other, name, n) == 0;

		free(other);
		if (same)
			return false;
	}
	return true;
}

/* frame_get compares raw bytes and returns the first match; a dotted key
 * walks one level down. Checked for keys without dots. */
static void
check_get(int obj, int key)
{
	char name[64], dotted[130];
	const char *s;
	size_t n;
	int got, inner;

	frame_span(&fr, key, &s, &n);
	if (n >= sizeof(name) || memchr(s, '.', n) != NULL || memchr(s, '\0', n) != NULL)
		return;
	memcpy(name, s, n);
	name[n] = '\0';
	got = frame_get(&fr, obj, name);
	FUZZ_CHECK(got > obj && got <= key + 1 && raw_equal(got - 1, key),
	    "frame_get(%d, \"%s\") = %d, key at %d", obj, name, got, key);
	if (frame_count(&fr, key + 1) <= 0 || fr.tok[key + 1].type != JSMN_OBJECT)
		return;
	inner = key + 2;
	frame_span(&fr, inner, &s, &n);
	if (n >= 64 || memchr(s, '.', n) != NULL || memchr(s, '\0', n) != NULL)
		return;
	snprintf(dotted, sizeof(dotted), "%s.%.*s", name, (int)n, s);
	FUZZ_CHECK(frame_get(&fr, obj, dotted) == frame_get(&fr, got, dotted + strlen(name) + 1),
	    "frame_get(%d, \"%s\")", obj, dotted);
}

static void
compare_object(int i, const json_t *j)
{
	int size = fr.tok[i].size, k = i + 1, distinct = 0;

	FUZZ_CHECK(json_is_object(j), "token %d is an object, jansson's is type %d", i,
	    json_typeof(j));
	FUZZ_CHECK(frame_count(&fr, i) == size, "token %d", i);
	for (int left = size - 1; left >= 0; left--) {
		size_t n;
		char *name;

		FUZZ_CHECK(k < fr.ntok && fr.tok[k].type == JSMN_STRING, "key token %d", k);
		FUZZ_CHECK(fr.tok[k].size == 1, "key token %d has %d values", k, fr.tok[k].size);
		name = decoded(k, &n);
		check_get(i, k);
		if (last_of_its_name(k, left, name, n)) {
			const json_t *v = json_object_getn(j, name, n);

			FUZZ_CHECK(v != NULL, "key '%.*s' of token %d missing in jansson", (int)n,
			    name, i);
			compare(k + 1, v);
			distinct++;
		}
		free(name);
		k = frame_skip(&fr, k + 1);
	}
	FUZZ_CHECK(distinct == (int)json_object_size(j), "token %d: %d keys, jansson %zu", i,
	    distinct, json_object_size(j));
	FUZZ_CHECK(k == frame_skip(&fr, i), "token %d ends at %d", i, k);
}

static void
compare_array(int i, const json_t *j)
{
	int e = frame_first(&fr, i), size = fr.tok[i].size;

	FUZZ_CHECK(json_is_array(j), "token %d is an array, jansson's is type %d", i,
	    json_typeof(j));
	FUZZ_CHECK(size == (int)json_array_size(j), "token %d: %d elements, jansson %zu", i,
	    size, json_array_size(j));
	FUZZ_CHECK((size == 0) == (e < 0), "token %d", i);
	for (int k = 0; k < size; k++, e = frame_skip(&fr, e))
		compare(e, json_array_get(j, (size_t)k));
	FUZZ_CHECK(size == 0 || e == frame_skip(&fr, i), "token %d ends at %d", i, e);
}

static void
compare(int i, const json_t *j)
{
	FUZZ_CHECK(i >= 0 && i < fr.ntok && j != NULL, "token %d of %d", i, fr.ntok);
	switch (fr.tok[i].type) {
	case JSMN_OBJECT: compare_object(i, j); break;
	case JSMN_ARRAY: compare_array(i, j); break;
	case JSMN_STRING: compare_string(i, j); break;
	case JSMN_PRIMITIVE: compare_primitive(i, j); break;
	default: FUZZ_CHECK(false, "token %d has type %d", i, fr.tok[i].type);
	}
}

static void
check_envelope(const json_t *root)
{
	const json_t *s = json_object_get(root, "s"), *t = json_object_get(root, "t");

	FUZZ_CHECK(json_integer_value(json_object_get(root, "op")) == fr.op, "op %d", fr.op);
	if (fr.has_s)
		FUZZ_CHECK(json_is_integer(s) && json_integer_value(s) == fr.s, "s %lld",
		    (long long)fr.s);
	else
		FUZZ_CHECK(s == NULL || json_is_null(s), "s");
	if (fr.t[0] != '\0')
		FUZZ_CHECK(json_is_string(t) && strcmp(json_string_value(t), fr.t) == 0 &&
		    json_string_length(t) == strlen(fr.t), "t '%s'", fr.t);
	else
		FUZZ_CHECK(t == NULL || json_is_null(t) ||
		    (json_is_string(t) && json_string_length(t) == 0), "t");
	FUZZ_CHECK((fr.d >= 0) == (json_object_get(root, "d") != NULL), "d %d", fr.d);
}

/* The lazy full path a listener takes: `d` alone through event_json. */
static void
check_event_json(void)
{
	struct event ev;
	json_t *d;

	memset(&ev, 0, sizeof(ev));
	ev.name = fr.t;
	ev.frame = &fr;
	d = event_json(&ev);
	if (fr.d < 0) {
		FUZZ_CHECK(d == NULL, "event_json without a `d`");
		return;
	}
	FUZZ_CHECK(d != NULL, "event_json refused the `d` the fast path accepted");
	FUZZ_CHECK(event_json(&ev) == d, "event_json parses once");
	compare(fr.d, d);
	json_decref(ev.full);
}

/* The fast path may refuse a frame jansson reads only for its own
 * envelope rules: top-level op/s/t/d present twice or escaped, or a t that
 * does not fit FRAME_NAME_MAX. Tokens are there: the JSON was valid. */
static bool
envelope_rule_broken(void)
{
	static const char *const names[] = { "op", "s", "t", "d" };
	int seen[4] = { 0 }, k = 1;

	FUZZ_CHECK(fr.ntok > 0 && fr.tok[0].type == JSMN_OBJECT, "ntok %d", fr.ntok);
	for (int left = fr.tok[0].size; left > 0; left--, k = frame_skip(&fr, k + 1)) {
		const char *s;
		size_t n;

		frame_span(&fr, k, &s, &n);
		if (memchr(s, '\\', n) != NULL)
			return true;
		for (int m = 0; m < 4; m++) {
			if (frame_streq(&fr, k, names[m]) && ++seen[m] > 1)
				return true;
		}
		if (frame_streq(&fr, k, "t") && fr.tok[k + 1].type == JSMN_STRING &&
		    fr.tok[k + 1].end - fr.tok[k + 1].start >= FRAME_NAME_MAX)
			return true;
	}
	return false;
}

/* jansson read an object: would its envelope pass frame_decode's checks? */
static bool
envelope_ok(const json_t *root)
{
	const json_t *op = json_object_get(root, "op"), *s = json_object_get(root, "s"),
	    *t = json_object_get(root, "t");

	return json_is_object(root) && json_is_integer(op) && json_integer_value(op) >= 0 &&
	    json_integer_value(op) <= 255 && (s == NULL || json_is_null(s) || json_is_integer(s)) &&
	    (t == NULL || json_is_null(t) || json_is_string(t));
}

static enum frame_reads
wants_nothing(void *ud, const char *t, const char *const **nested)
{
	(void)ud;
	(void)t;
	(void)nested;
	return FRAME_READS_NONE;
}

static const char *const some_keys[] = { "a", "author", NULL };

static enum frame_reads
wants_some(void *ud, const char *t, const char *const **nested)
{
	(void)ud;
	(void)t;
	*nested = some_keys;
	return FRAME_READS_SOME;
}

static bool
listed(const struct frame *f, int key)
{
	for (int k = 0; some_keys[k] != NULL; k++) {
		if (frame_streq(f, key, some_keys[k]))
			return true;
	}
	return false;
}

/* Decodes the frame again into *f, reading of d what wants says: the same
 * answer and envelope as the full decode. True when the frame was taken. */
static bool
decode_again(struct frame *f, struct frame_decoder *d, frame_wants_fn wants, const char *buf,
    size_t size, int rc)
{
	char err[96];

	frame_decoder_want(d, wants, NULL);
	FUZZ_CHECK(frame_decode(f, d, buf, size, err, sizeof(err)) == rc,
	    "a decode reading less answered differently (%s)", err);
	if (rc != 0)
		return false;
	FUZZ_CHECK(f->op == fr.op && f->has_s == fr.has_s && f->s == fr.s &&
	    strcmp(f->t, fr.t) == 0 && (f->d < 0) == (fr.d < 0),
	    "envelope differs when reading less: op %d/%d", f->op, fr.op);
	return true;
}

/* The same frame decoded reading some of d: d compared key by key. */
static void
check_some(const char *buf, size_t size, int rc)
{
	int kf, ks;

	if (!decode_again(&some_fr, &some_dec, wants_some, buf, size, rc))
		return;
	if (!some_fr.d_partial) {
		FUZZ_CHECK(some_fr.ntok == fr.ntok, "not partial but %d tokens, not %d",
		    some_fr.ntok, fr.ntok);
		return;
	}
	FUZZ_CHECK(fr.op == 0 && fr.tok[fr.d].type == JSMN_OBJECT &&
	    frame_count(&some_fr, some_fr.d) == frame_count(&fr, fr.d), "partial d differs");
	kf = fr.d + 1;
	ks = some_fr.d + 1;
	for (int n = frame_count(&fr, fr.d); n > 0; n--) {
		const jsmntok_t *vf = &fr.tok[kf + 1], *vs = &some_fr.tok[ks + 1];
		int whole = frame_skip(&fr, kf + 1) - (kf + 1);
		int got = frame_skip(&some_fr, ks + 1) - (ks + 1);
		bool read = listed(&fr, kf) || (vf->type != JSMN_OBJECT && vf->type != JSMN_ARRAY);

		FUZZ_CHECK(fr.tok[kf].start == some_fr.tok[ks].start && vf->type == vs->type &&
		    vf->start == vs->start && vf->end == vs->end, "key of d at %d differs",
		    fr.tok[kf].start);
		FUZZ_CHECK(read ? got == whole && vs->size == vf->size : got == 1 && vs->size == 0,
		    "value at %d: %d tokens of %d", vf->start, got, whole);
		kf += 1 + whole;
		ks += 1 + got;
	}
}

/* The same frame decoded by a decoder that reads no dispatch's d. */
static void
check_lazy(const char *buf, size_t size, int rc)
{
	if (!decode_again(&lazy_fr, &lazy_dec, wants_nothing, buf, size, rc))
		return;
	if (!lazy_fr.d_skipped) {
		FUZZ_CHECK(lazy_fr.ntok == fr.ntok, "not skipped but %d tokens, not %d",
		    lazy_fr.ntok, fr.ntok);
		return;
	}
	FUZZ_CHECK(fr.op == 0 && lazy_fr.ntok <= fr.ntok && frame_count(&lazy_fr, lazy_fr.d) <= 0 &&
	    lazy_fr.tok[lazy_fr.d].start == fr.tok[fr.d].start &&
	    lazy_fr.tok[lazy_fr.d].end == fr.tok[fr.d].end, "skipped d differs");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	json_error_t jerr;
	json_t *root;
	char err[96];
	int rc;

	err[0] = '\0';
	rc = frame_decode(&fr, &dec, buf, size, err, sizeof(err));
	root = json_loadb(buf, size, 0, &jerr);
	check_lazy(buf, size, rc);
	check_some(buf, size, rc);
	if (rc == 0) {
		FUZZ_CHECK(root != NULL, "the fast path accepted what jansson refuses: "
		    "line %d column %d: %s", jerr.line, jerr.column, jerr.text);
		FUZZ_CHECK(fr.op >= 0 && fr.ntok > 0, "op %d ntok %d", fr.op, fr.ntok);
		check_envelope(root);
		compare(0, root);
		check_event_json();
	} else {
		FUZZ_CHECK(err[0] != '\0', "a refusal without a reason");
		/* jansson takes a NUL byte for the end and then accepts an
		 * unclosed `{"op":9\0}`; refusing that is right. */
		if (root != NULL && envelope_ok(root) && memchr(buf, '\0', size) == NULL)
			FUZZ_CHECK(envelope_rule_broken(), "the fast path refused what jansson "
			    "reads (%s)", err);
	}
	json_decref(root);
	return 0;
}
