/* The websocket upgrade (src/net/ws-upgrade.h): RFC 6455 §1.3's key and
 * accept, and the answers a client must refuse. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "net/ws-upgrade.h"

/* RFC 6455 §1.3: the nonce "the sample nonce" and its accept. */
static const unsigned char nonce[16] = "the sample nonce";
static const char rfc_key[] = "dGhlIHNhbXBsZSBub25jZQ==";
static const char rfc_accept[] = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

static void
rfc_accept_value(void **state)
{
	char out[40];

	(void)state;
	wsu_accept(rfc_key, out, sizeof(out));
	assert_string_equal(out, rfc_accept);
}

static void
request_has_key(void **state)
{
	char out[512], key[WSU_KEY_LEN + 1];
	int n;

	(void)state;
	/* Not zeroed: the key must come back terminated (lws's encoder leaves
	 * it unterminated when its buffer has no spare byte). */
	memset(key, 'x', sizeof(key));
	n = wsu_request(out, sizeof(out), "gateway.example", 443, true, "/?v=10&encoding=json", nonce, key);
	assert_true(n > 0);
	assert_string_equal(key, rfc_key);
	assert_non_null(strstr(out, "GET /?v=10&encoding=json HTTP/1.1\r\n"));
	assert_non_null(strstr(out, "\r\nHost: gateway.example\r\n"));
	assert_non_null(strstr(out, "\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"));
	assert_non_null(strstr(out, "\r\nSec-WebSocket-Version: 13\r\n"));
	assert_int_equal(wsu_head_end(out, (size_t)n), (size_t)n);
	n = wsu_request(out, sizeof(out), "127.0.0.1", 8080, false, "/", nonce, key);
	assert_non_null(strstr(out, "\r\nHost: 127.0.0.1:8080\r\n"));
	assert_int_equal(wsu_request(out, 40, "h", 80, false, "/", nonce, key), -1);
}

static int
check(const char *head)
{
	char err[160];

	return wsu_check(head, strlen(head), rfc_key, err, sizeof(err));
}

static void
answers(void **state)
{
	char err[160];
	static const char refused[] = "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n";

	(void)state;
	assert_int_equal(check("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"), 0);
	/* Header names and tokens in any case, Connection with other tokens. */
	assert_int_equal(check("HTTP/1.1 101 OK\r\nupgrade: WebSocket\r\n"
	    "CONNECTION: keep-alive, upgrade\r\nsec-websocket-accept:  s3pPLMBiTxaQ9kYGzzhZRbK+xOo= \r\n\r\n"), 0);
	assert_int_equal(check("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo\r\n\r\n"), -1);
	assert_int_equal(check("HTTP/1.1 101 OK\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"), -1);
	assert_int_equal(check("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: close\r\n"
	    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"), -1);
	assert_int_equal(check("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
	    "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n"), -1);
	assert_int_equal(wsu_check(refused, strlen(refused), rfc_key, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "HTTP/1.1 403 Forbidden"));
	assert_int_equal(wsu_head_end(refused, strlen(refused) - 1), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc_accept_value),
		cmocka_unit_test(request_has_key),
		cmocka_unit_test(answers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
