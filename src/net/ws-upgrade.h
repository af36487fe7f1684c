/*
 * The client's HTTP/1.1 upgrade to a websocket (RFC 6455 §4.1), sans I/O:
 * the request to write and the check of the server's answer, including
 * Sec-WebSocket-Accept (SHA-1 of the key and the RFC's GUID, in base 64,
 * from OpenSSL and lws). The 16 random bytes of the key come from the
 * caller, so tests can fix them.
 */
#ifndef VIGIL_NET_WS_UPGRADE_H
#define VIGIL_NET_WS_UPGRADE_H

#include <stdbool.h>
#include <stddef.h>

#define WSU_KEY_LEN   24               /* base 64 of 16 bytes */
#define WSU_RESP_MAX  4096             /* an answer's headers, at most */

/* The GET request for path on host:port into out (cap bytes), with the
 * key made from nonce in key. Its length, or -1 when it does not fit. */
int wsu_request(char *out, size_t cap, const char *host, int port, bool tls, const char *path,
    const unsigned char nonce[16], char key[WSU_KEY_LEN + 1]);
/* The length of the answer's head (status line, headers and the blank
 * line) when buf holds it whole; 0 when more is needed. */
size_t wsu_head_end(const char *buf, size_t len);
/* 0 when the head is a 101 that accepts key (Upgrade, Connection and
 * Sec-WebSocket-Accept right, no extension or subprotocol imposed); -1 with
 * a message that quotes the status line when it is not a 101. */
int wsu_check(const char *head, size_t len, const char *key, char *err, size_t errlen);
/* Sec-WebSocket-Accept for key into out (at least 30 bytes: lws's
 * encoder wants one spare). */
void wsu_accept(const char *key, char *out, size_t outlen);

#endif
