/* The config loader: file lines, flags, environment, what follows. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"

static int
parse(struct vigil_options *o, const char *text, char *err, size_t errlen)
{
	config_defaults(o);
	return config_parse(o, "cfg", text, strlen(text), err, errlen);
}

static void
good_file(void **state)
{
	struct vigil_options o;
	char err[256];

	(void)state;
	assert_int_equal(parse(&o,
	    "# a comment\n"
	    "token = abcdef.123456   # trailing comment\n"
	    "api = \"http://127.0.0.1:8787/api\"\n"
	    "\n"
	    "   log_level=debug\r\n"
	    "resume_window = 90s\n"
	    "close_timeout = 1500ms\n"
	    "compress = yes\n"
	    "chatter = 2.5\n"
	    "color = off\n"
	    "formula = min(2^a, 300)\n"
	    "intents = 513", err, sizeof(err)), 0);
	assert_string_equal(o.app.bot.token, "abcdef.123456");
	assert_string_equal(o.app.api_base, "http://127.0.0.1:8787/api");
	assert_int_equal(o.app.stdout_level, LOG_DEBUG);
	assert_int_equal(o.app.bot.resume_window_ms, 90000);
	assert_int_equal(o.app.bot.close_timeout_ms, 1500);
	assert_true(o.app.bot.compress);
	assert_true(o.app.sim_chatter_per_s == 2.5);
	assert_true(o.no_color);
	assert_string_equal(o.app.bot.formula, "min(2^a, 300)");
	assert_int_equal(o.app.bot.intents, 513);
}

static void
bot_keys(void **state)
{
	struct vigil_options o;
	char err[256];

	(void)state;
	assert_int_equal(parse(&o,
	    "bot = bots/ping.lua\n"
	    "bot = \"/srv/my bot/count.lua\"\n"
	    "script_timeout = 250\n"
	    "script_memory = 32M\n"
	    "script_error_limit = 3\n"
	    "script_store = 512K\n", err, sizeof(err)), 0);
	assert_int_equal(o.app.nbots, 2);
	assert_string_equal(o.app.bots[0], "bots/ping.lua");
	assert_string_equal(o.app.bots[1], "/srv/my bot/count.lua");
	assert_false(o.app.no_bots);
	assert_int_equal(o.app.script.timeout_ms, 250);
	assert_int_equal(o.app.script.memory, 32u << 20);
	assert_int_equal(o.app.script.error_limit, 3);
	assert_int_equal(o.app.script.store, 512u << 10);
	assert_int_equal(parse(&o, "bot = none\n", err, sizeof(err)), 0);
	assert_true(o.app.no_bots);
	assert_int_equal(o.app.nbots, 0);
	assert_int_equal(parse(&o, "script_memory = 12\n", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cfg:1:"));
	assert_int_equal(parse(&o, "script_store = 2M\n", err, sizeof(err)), -1);
	assert_int_equal(parse(&o, "script_error_limit = 0\n", err, sizeof(err)), -1);
	assert_int_equal(parse(&o, "script_timeout = 2m\n", err, sizeof(err)), -1);
}

static void
expect_error(const char *text, const char *want)
{
	struct vigil_options o;
	char err[256];

	assert_int_equal(parse(&o, text, err, sizeof(err)), -1);
	if (strstr(err, want) == NULL)
		fail_msg("for %s: got \"%s\", wanted \"%s\"", text, err, want);
}

static void
bad_lines(void **state)
{
	(void)state;
	expect_error("log_level = info\nfoo = 1\n", "cfg:2: unknown key 'foo'");
	expect_error("\n\nlog_level = loud\n", "cfg:3: log_level: expected debug, info, warn or error");
	expect_error("just words\n", "cfg:1: expected `key = value`");
	expect_error("theme = \"open\n", "cfg:1: theme: unterminated quote");
	expect_error("resume_window = 3 days\n", "cfg:1: resume_window: expected a duration");
	expect_error("intents = 12x\n", "cfg:1: intents: expected a whole number");
	expect_error("budget_reserve = 5000\n", "budget_reserve: expected a whole number from 0 to");
	expect_error("formula = a +\n", "cfg:1: formula:");
	expect_error("api = ftp://x\n", "api: expected an http:// or https:// URL");
	expect_error("--api = http://x\n", "unknown key");
}

static void
token_never_echoed(void **state)
{
	struct vigil_options o;
	char err[256];

	(void)state;
	assert_int_equal(parse(&o, "token = secret token here\n", err, sizeof(err)), -1);
	assert_null(strstr(err, "secret"));
	assert_int_equal(parse(&o, "token = abc\n", err, sizeof(err)), -1);
	assert_null(strstr(err, "abc"));
}

static void
hostile_bytes(void **state)
{
	struct vigil_options o;
	char err[256], *big;
	static const char nul[] = "theme = a\0b\n";

	(void)state;
	config_defaults(&o);
	assert_int_equal(config_parse(&o, "cfg", nul, sizeof(nul) - 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "NUL"));
	big = malloc(CONFIG_LINE_MAX + 100);
	memset(big, 'x', CONFIG_LINE_MAX + 99);
	big[CONFIG_LINE_MAX + 99] = '\0';
	assert_int_equal(parse(&o, big, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "longer than"));
	free(big);
	/* A line that fits but overflows a field is refused, not truncated. */
	big = malloc(600);
	memcpy(big, "api = http://", 13);
	memset(big + 13, 'h', 580);
	big[593] = '\0';
	assert_int_equal(parse(&o, big, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too long"));
	free(big);
}

static int
args(struct vigil_options *o, char *err, size_t errlen, int argc, ...)
{
	char *argv[16];
	va_list ap;

	va_start(ap, argc);
	argv[0] = "vigil";
	for (int i = 1; i < argc; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	config_defaults(o);
	return config_args(o, argc, argv, err, errlen);
}

static void
flags(void **state)
{
	struct vigil_options o;
	char err[256];

	(void)state;
	assert_int_equal(args(&o, err, sizeof(err), 6, "--headless", "--log-json", "--api=http://h/api",
	    "--log-level", "warn"), 0);
	assert_true(o.app.headless);
	assert_true(o.app.log_json);
	assert_string_equal(o.app.api_base, "http://h/api");
	assert_int_equal(o.app.stdout_level, LOG_WARN);
	assert_int_equal(args(&o, err, sizeof(err), 3, "--token", "abcdefgh"), -1);
	assert_non_null(strstr(err, "never taken from the command line"));
	assert_null(strstr(err, "abcdefgh"));
	assert_int_equal(args(&o, err, sizeof(err), 2, "--token=abcdefgh"), -1);
	assert_null(strstr(err, "abcdefgh"));
	assert_int_equal(args(&o, err, sizeof(err), 2, "--bogus"), -1);
	assert_non_null(strstr(err, "unknown flag --bogus"));
	assert_int_equal(args(&o, err, sizeof(err), 2, "--api"), -1);
	assert_non_null(strstr(err, "needs a value"));
	assert_int_equal(args(&o, err, sizeof(err), 2, "stray"), -1);
	assert_int_equal(args(&o, err, sizeof(err), 3, "--sim-heartbeat", "250"), 0);
	assert_int_equal(o.app.sim_heartbeat_ms, 250);
}

static void
derived(void **state)
{
	struct vigil_options o;
	char err[256], *argv[] = { "vigil", "--state-dir", "/tmp/x", NULL };
	char *bare[] = { "vigil", NULL };

	(void)state;
	setenv("XDG_CONFIG_HOME", "/nonexistent-vigil-test", 1);
	setenv("XDG_STATE_HOME", "/tmp/vigil-test-state", 1);
	unsetenv("VIGIL_TOKEN");
	unsetenv("VIGIL_API");
	assert_int_equal(config_all(&o, 1, bare, err, sizeof(err)), 0);
	assert_string_equal(o.app.bot.token, "sim-token");
	assert_string_equal(o.app.api_base, "");
	assert_string_equal(o.app.state_dir, "/tmp/vigil-test-state/vigil/emulator");
	setenv("VIGIL_TOKEN", "real.token.value", 1);
	assert_int_equal(config_all(&o, 1, bare, err, sizeof(err)), 0);
	assert_string_equal(o.app.api_base, CONFIG_DISCORD_API);
	assert_string_equal(o.app.state_dir, "/tmp/vigil-test-state/vigil");
	setenv("VIGIL_API", "http://127.0.0.1:8787/api", 1);
	assert_int_equal(config_all(&o, 1, bare, err, sizeof(err)), 0);
	assert_string_equal(o.app.state_dir, "/tmp/vigil-test-state/vigil/api-127.0.0.1_8787_api");
	assert_int_equal(config_all(&o, 3, argv, err, sizeof(err)), 0);
	assert_string_equal(o.app.state_dir, "/tmp/x");
	setenv("VIGIL_TOKEN", "bad token", 1);
	assert_int_equal(config_all(&o, 1, bare, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "VIGIL_TOKEN"));
	unsetenv("VIGIL_TOKEN");
	unsetenv("VIGIL_API");
	argv[1] = "--config";
	argv[2] = "/nonexistent-vigil-test/config";
	assert_int_equal(config_all(&o, 3, argv, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot read"));
}

/* The cluster's settings; the Redis password is a secret like the token. */
static void
cluster_settings(void **state)
{
	struct vigil_options o;
	char err[256];

	(void)state;
	assert_int_equal(parse(&o, "cluster = redis://10.0.0.5:6380/2\ncluster_name = mybot\n"
	    "redis_password = \"pw-on-file\"\ncluster_lease = 9s\ncluster_fence = on\n", err,
	    sizeof(err)), 0);
	assert_true(o.app.cluster_fence);
	assert_string_equal(o.app.cluster, "redis://10.0.0.5:6380/2");
	assert_string_equal(o.app.cluster_name, "mybot");
	assert_string_equal(o.app.redis_password, "pw-on-file");
	assert_int_equal(o.app.cluster_lease_ms, 9000);
	expect_error("cluster = redis://h:99999\n", "cfg:1: cluster: the port must be");
	expect_error("cluster = http://h\n", "cfg:1: cluster: want redis://");
	expect_error("cluster = redis://:pw-in-url@h\n", "cluster: no password in the URL");
	expect_error("cluster_name = a:b\n", "cluster_name: a name without");
	expect_error("cluster_lease = 1s\n", "cluster_lease: at least 2 s");
	assert_int_equal(parse(&o, "redis_password = tiny\n", err, sizeof(err)), -1);
	assert_null(strstr(err, "tiny"));
	assert_int_equal(parse(&o, "cluster = redis://:pw-in-url@h\n", err, sizeof(err)), -1);
	assert_null(strstr(err, "pw-in-url"));
	assert_int_equal(args(&o, err, sizeof(err), 3, "--redis-password", "abcdefgh"), -1);
	assert_non_null(strstr(err, "VIGIL_REDIS_PASSWORD"));
	assert_null(strstr(err, "abcdefgh"));
	assert_int_equal(args(&o, err, sizeof(err), 3, "--cluster", "unix:///run/r.sock"), 0);
	assert_string_equal(o.app.cluster, "unix:///run/r.sock");
	setenv("VIGIL_REDIS_PASSWORD", "pw-from-env", 1);
	config_defaults(&o);
	assert_int_equal(config_env(&o, err, sizeof(err)), 0);
	assert_string_equal(o.app.redis_password, "pw-from-env");
	setenv("VIGIL_REDIS_PASSWORD", "abc", 1);
	assert_int_equal(config_env(&o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "VIGIL_REDIS_PASSWORD"));
	assert_null(strstr(err, "abc:"));
	unsetenv("VIGIL_REDIS_PASSWORD");
}

/* compress: zlib-stream, zstd-stream, off, and the old booleans. */
static void
compress_values(void **state)
{
	static const struct { const char *v; bool compress, zstd; } cases[] = {
		{ "zlib-stream", true, false }, { "zstd-stream", true, true },
		{ "off", false, false }, { "true", true, false }, { "ZSTD-STREAM", true, true },
	};
	struct vigil_options o;
	char text[64], err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "compress = %s\n", cases[i].v);
		assert_int_equal(parse(&o, text, err, sizeof(err)), 0);
		assert_true(o.app.bot.compress == cases[i].compress);
		assert_true(o.app.bot.zstd == cases[i].zstd);
	}
	expect_error("compress = brotli\n", "expected zlib-stream, zstd-stream or off");
	assert_int_equal(parse(&o, "ca_file = /etc/vigil/ca.pem\n", err, sizeof(err)), 0);
	assert_string_equal(o.app.ca_file, "/etc/vigil/ca.pem");
	expect_error("ca_file =\n", "PEM");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_file),
		cmocka_unit_test(bot_keys),
		cmocka_unit_test(bad_lines),
		cmocka_unit_test(token_never_echoed),
		cmocka_unit_test(hostile_bytes),
		cmocka_unit_test(flags),
		cmocka_unit_test(derived),
		cmocka_unit_test(cluster_settings),
		cmocka_unit_test(compress_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
