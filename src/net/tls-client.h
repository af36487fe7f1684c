/*
 * TLS for the gateway's raw connection, over memory: lws 4.1.6 cannot put
 * TLS on a RAW client connection (it starts the handshake before the socket
 * exists, docs/gateway-transport.md), so lws connects the TCP socket and
 * this layer, OpenSSL with a pair of memory BIOs, turns the ciphertext lws
 * reads into plaintext and the plaintext vigil writes into ciphertext.
 *
 * The certificate is always verified: against ca_file when one is given,
 * else the system store; the host name (or IP address) must match.
 */
#ifndef VIGIL_NET_TLS_CLIENT_H
#define VIGIL_NET_TLS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

struct tlsc;

/* One context per gateway: the trusted CAs. NULL with a message. */
SSL_CTX *tlsc_ctx_new(const char *ca_file, char *err, size_t errlen);
/* A client for host (a name, sent as SNI, or an IP address). NULL with a
 * message. */
struct tlsc *tlsc_new(SSL_CTX *ctx, const char *host, char *err, size_t errlen);
void tlsc_free(struct tlsc *t);

/* Ciphertext read from the socket. -1 when out of memory. */
int tlsc_feed(struct tlsc *t, const void *buf, size_t len);
/* Moves the handshake on: 1 once done, 0 while it waits for the peer, -1
 * with a message that says why (the certificate check's verdict). */
int tlsc_handshake(struct tlsc *t, char *err, size_t errlen);
/* Plaintext into buf: bytes (> 0), 0 when none is ready, -1 with a
 * message (the peer's close_notify or a broken stream). */
int tlsc_read(struct tlsc *t, void *buf, size_t cap, char *err, size_t errlen);
/* Encrypts len bytes for the socket. 0, or -1. */
int tlsc_write(struct tlsc *t, const void *buf, size_t len);
/* Ciphertext waiting for the socket, into buf: bytes, 0 when none. */
size_t tlsc_out(struct tlsc *t, void *buf, size_t cap);

#endif
