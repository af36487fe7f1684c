/* The `listen` setting (docs/operations.md): ADDR:PORT parsed with a clear
 * error, and which addresses stay on this machine, so that anything else is
 * said out loud when vigil starts serving /metrics there. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "net/httpd.h"

static void
parses_addr_and_port(void **state)
{
	char addr[HTTPD_ADDR_MAX], err[128];
	int port = -1;

	(void)state;
	assert_int_equal(httpd_parse_listen("127.0.0.1:9464", addr, sizeof(addr), &port, err,
	    sizeof(err)), 0);
	assert_string_equal(addr, "127.0.0.1");
	assert_int_equal(port, 9464);
	assert_int_equal(httpd_parse_listen("localhost:0", addr, sizeof(addr), &port, err,
	    sizeof(err)), 0);
	assert_string_equal(addr, "localhost");
	assert_int_equal(port, 0);
}

static void
refuses_bad_specs(void **state)
{
	static const char *bad[] = { "9464", ":9464", "127.0.0.1:", "127.0.0.1:http",
	    "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:94 64" };
	char addr[HTTPD_ADDR_MAX], err[128];
	int port;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(httpd_parse_listen(bad[i], addr, sizeof(addr), &port, err,
		    sizeof(err)), -1);
		assert_true(err[0] != '\0');
	}
}

static void
loopback_or_not(void **state)
{
	(void)state;
	assert_true(httpd_is_loopback("127.0.0.1"));
	assert_true(httpd_is_loopback("127.3.2.1"));
	assert_true(httpd_is_loopback("localhost"));
	assert_false(httpd_is_loopback("0.0.0.0"));
	assert_false(httpd_is_loopback("10.0.0.7"));
	assert_false(httpd_is_loopback("192.168.1.27"));
	assert_false(httpd_is_loopback("localhost.example.com"));
	assert_false(httpd_is_loopback("1270.0.0.1"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_addr_and_port),
		cmocka_unit_test(refuses_bad_specs),
		cmocka_unit_test(loopback_or_not),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
