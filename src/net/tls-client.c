/*
 * OpenSSL over a pair of memory BIOs; see tls-client.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "net/resolve.h"
#include "net/tls-client.h"

struct tlsc {
	SSL *ssl;
	BIO *in, *out;                  /* socket -> SSL, SSL -> socket */
};

SSL_CTX *
tlsc_ctx_new(const char *ca_file, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	int ok;

	if (ctx == NULL) {
		snprintf(err, errlen, "TLS: cannot create a context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (ca_file != NULL && ca_file[0] != '\0')
		ok = SSL_CTX_load_verify_locations(ctx, ca_file, NULL);
	else
		ok = SSL_CTX_set_default_verify_paths(ctx);
	if (ok != 1) {
		snprintf(err, errlen, "TLS: cannot load the CAs%s%s", ca_file != NULL &&
		    ca_file[0] != '\0' ? " from " : "", ca_file != NULL ? ca_file : "");
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

struct tlsc *
tlsc_new(SSL_CTX *ctx, const char *host, char *err, size_t errlen)
{
	struct tlsc *t = calloc(1, sizeof(*t));
	X509_VERIFY_PARAM *vp;
	bool ip = resolve_is_numeric(host);

	if (t == NULL || (t->ssl = SSL_new(ctx)) == NULL ||
	    (t->in = BIO_new(BIO_s_mem())) == NULL || (t->out = BIO_new(BIO_s_mem())) == NULL) {
		if (t != NULL && t->ssl == NULL) {
			BIO_free(t->in);
			BIO_free(t->out);
		}
		tlsc_free(t);
		snprintf(err, errlen, "TLS: out of memory");
		return NULL;
	}
	BIO_set_mem_eof_return(t->in, -1);      /* empty is "wait", not EOF */
	SSL_set_bio(t->ssl, t->in, t->out);
	vp = SSL_get0_param(t->ssl);
	X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if ((ip ? X509_VERIFY_PARAM_set1_ip_asc(vp, host) :
	    X509_VERIFY_PARAM_set1_host(vp, host, 0)) != 1 ||
	    (!ip && SSL_set_tlsext_host_name(t->ssl, host) != 1)) {
		snprintf(err, errlen, "TLS: cannot check the name %s", host);
		tlsc_free(t);
		return NULL;
	}
	SSL_set_connect_state(t->ssl);
	return t;
}

void
tlsc_free(struct tlsc *t)
{
	if (t == NULL)
		return;
	SSL_free(t->ssl);               /* frees both BIOs */
	free(t);
}

int
tlsc_feed(struct tlsc *t, const void *buf, size_t len)
{
	return len == 0 || BIO_write(t->in, buf, (int)len) == (int)len ? 0 : -1;
}

/* Why the stream failed, for a log line: the certificate's verdict when
 * that is what failed, else OpenSSL's first error. */
static void
why(struct tlsc *t, int rc, char *err, size_t errlen)
{
	long v = SSL_get_verify_result(t->ssl);
	unsigned long e = ERR_get_error();
	char buf[160];

	if (v != X509_V_OK) {
		snprintf(err, errlen, "TLS: certificate refused: %s", X509_verify_cert_error_string(v));
	} else if (e != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		snprintf(err, errlen, "TLS: %s", buf);
	} else if (SSL_get_error(t->ssl, rc) == SSL_ERROR_ZERO_RETURN) {
		snprintf(err, errlen, "TLS: the server closed the stream");
	} else {
		snprintf(err, errlen, "TLS: handshake failed");
	}
	ERR_clear_error();
}

int
tlsc_handshake(struct tlsc *t, char *err, size_t errlen)
{
	int rc = SSL_do_handshake(t->ssl);

	if (rc == 1)
		return 1;
	if (SSL_get_error(t->ssl, rc) == SSL_ERROR_WANT_READ)
		return 0;
	why(t, rc, err, errlen);
	return -1;
}

int
tlsc_read(struct tlsc *t, void *buf, size_t cap, char *err, size_t errlen)
{
	int n = SSL_read(t->ssl, buf, (int)cap);

	if (n > 0)
		return n;
	if (SSL_get_error(t->ssl, n) == SSL_ERROR_WANT_READ)
		return 0;
	why(t, n, err, errlen);
	return -1;
}

int
tlsc_write(struct tlsc *t, const void *buf, size_t len)
{
	return SSL_write(t->ssl, buf, (int)len) == (int)len ? 0 : -1;
}

size_t
tlsc_out(struct tlsc *t, void *buf, size_t cap)
{
	int n = BIO_read(t->out, buf, (int)cap);

	return n > 0 ? (size_t)n : 0;
}
