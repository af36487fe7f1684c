/*
 * The config loader (src/config.h): the input as a config file for
 * config_parse, and its lines as command-line words for config_args.
 *
 *  - A refusal names the file and a line that exists ("fuzz.conf:N: ...")
 *    and never repeats the token it was given.
 *  - What a file or flags set is in range: a token of 6-255 visible bytes,
 *    a formula that compiles, a reserve within the limit, URLs with a
 *    scheme, durations within their bounds.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"

#define MAX_WORDS 32
#define NAME      "fuzz.conf"

/* About 20 KB (four PATH_MAX fields): static rather than on the stack. */
static struct vigil_options opts;

static void
check_options(const struct vigil_options *o, const char *how)
{
	const struct bot_config *b = &o->app.bot;
	struct delay_formula f;
	char err[160];
	size_t n = strnlen(b->token, sizeof(b->token));

	FUZZ_CHECK(n < sizeof(b->token) && (n == 0 || n >= 6), "%s: token of %zu bytes", how, n);
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(isgraph((unsigned char)b->token[i]), "%s: token byte %zu", how, i);
	FUZZ_CHECK(b->formula[0] == '\0' || delay_compile(&f, b->formula, err, sizeof(err)) == 0,
	    "%s: formula '%s' does not compile: %s", how, b->formula, err);
	FUZZ_CHECK(b->budget_reserve >= 0 && b->budget_reserve <= b->budget_limit,
	    "%s: reserve %d of %d", how, b->budget_reserve, b->budget_limit);
	FUZZ_CHECK(o->app.api_base[0] == '\0' || strncmp(o->app.api_base, "http://", 7) == 0 ||
	    strncmp(o->app.api_base, "https://", 8) == 0, "%s: api '%s'", how, o->app.api_base);
	FUZZ_CHECK(b->resume_window_ms >= 0 && b->resume_window_ms <= MS_PER_DAY &&
	    b->close_timeout_ms >= 100 && b->close_timeout_ms <= 10 * MS_PER_MIN,
	    "%s: resume window %lld, close timeout %lld", how, (long long)b->resume_window_ms,
	    (long long)b->close_timeout_ms);
	FUZZ_CHECK(o->app.sim_chatter_per_s >= 0 && o->app.sim_chatter_per_s <= 100000 &&
	    o->app.ws_idle_ping_s >= 0 && o->app.ws_idle_hangup_s >= 0,
	    "%s: chatter %g, ws %d/%d", how, o->app.sim_chatter_per_s, o->app.ws_idle_ping_s,
	    o->app.ws_idle_hangup_s);
	FUZZ_CHECK(memchr(o->theme, '\0', sizeof(o->theme)) != NULL &&
	    memchr(o->app.state_dir, '\0', sizeof(o->app.state_dir)) != NULL &&
	    memchr(o->app.log_file, '\0', sizeof(o->app.log_file)) != NULL, "%s: a path", how);
}

/* The value of the input's first `token = VALUE` line, if it is long
 * enough to be told apart from the rest of a message and shows nowhere
 * else in the input (else a message may quote it from another line). */
static void
token_in(const char *text, char *out, size_t outlen)
{
	const char *p = strstr(text, "token");
	size_t n;

	out[0] = '\0';
	if (p == NULL || (p != text && p[-1] != '\n'))
		return;
	p += 5;
	p += strspn(p, " \t");
	if (*p++ != '=')
		return;
	p += strspn(p, " \t\"");
	n = strcspn(p, " \t\"\r\n#");
	if (n >= 8 && n < outlen) {
		memcpy(out, p, n);
		out[n] = '\0';
		if (strstr(p + n, out) != NULL || strstr(text, out) != p)
			out[0] = '\0';
	}
}

/* data is the fuzzer's buffer, with no NUL after it: the parser must keep
 * to len. text is the same bytes, NUL-terminated. */
static void
fuzz_file(const char *data, const char *text, size_t len)
{
	char err[256], secret[256];
	int line = 0, lines = 1;

	for (size_t i = 0; i < len; i++)
		lines += data[i] == '\n';
	config_defaults(&opts);
	err[0] = '\0';
	if (config_parse(&opts, NAME, data, len, err, sizeof(err)) == 0) {
		check_options(&opts, "file");
		return;
	}
	FUZZ_CHECK(sscanf(err, NAME ":%d:", &line) == 1 && line >= 1 && line <= lines,
	    "refusal '%s' (%d lines)", err, lines);
	token_in(text, secret, sizeof(secret));
	FUZZ_CHECK(secret[0] == '\0' || strstr(err, secret) == NULL,
	    "the refusal repeats the token: %s", err);
}

/* The lines as argv[1..]: "--api", "http://x", "--headless", ... */
static void
fuzz_args(char *text)
{
	char *argv[MAX_WORDS + 1], err[256], *save = NULL;
	int argc = 1;

	argv[0] = "vigil";
	for (char *w = strtok_r(text, "\n", &save); w != NULL && argc < MAX_WORDS;
	    w = strtok_r(NULL, "\n", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	config_defaults(&opts);
	err[0] = '\0';
	if (config_args(&opts, argc, argv, err, sizeof(err)) == 0)
		check_options(&opts, "flags");
	else
		FUZZ_CHECK(err[0] != '\0', "flags refused without a reason");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	FUZZ_CHECK(text != NULL, "out of memory");
	memcpy(text, data, size);
	text[size] = '\0';
	fuzz_file((const char *)data, text, size);
	fuzz_args(text);
	free(text);
	return 0;
}
