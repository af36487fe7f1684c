/*
 * The websocket upgrade, both halves; see ws-upgrade.h.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <libwebsockets.h>
#include <openssl/evp.h>

#include "net/ws-upgrade.h"

static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

int
wsu_request(char *out, size_t cap, const char *host, int port, bool tls, const char *path,
    const unsigned char nonce[16], char key[WSU_KEY_LEN + 1])
{
	char hostport[300], k[WSU_KEY_LEN + 8];
	int n;

	/* lws wants room for one byte more than the text and its NUL. */
	if (lws_b64_encode_string((const char *)nonce, 16, k, sizeof(k)) != WSU_KEY_LEN)
		return -1;
	memcpy(key, k, WSU_KEY_LEN + 1);
	/* The port is part of Host only when it is not the scheme's own. */
	if (port == (tls ? 443 : 80))
		snprintf(hostport, sizeof(hostport), "%s", host);
	else
		snprintf(hostport, sizeof(hostport), "%s:%d", host, port);
	n = snprintf(out, cap,
	    "GET %s HTTP/1.1\r\n"
	    "Host: %s\r\n"
	    "Upgrade: websocket\r\n"
	    "Connection: Upgrade\r\n"
	    "Sec-WebSocket-Key: %s\r\n"
	    "Sec-WebSocket-Version: 13\r\n"
	    "\r\n", path, hostport, key);
	return n < 0 || (size_t)n >= cap ? -1 : n;
}

size_t
wsu_head_end(const char *buf, size_t len)
{
	for (size_t i = 3; i < len; i++) {
		if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' && buf[i - 3] == '\r')
			return i + 1;
	}
	return 0;
}

void
wsu_accept(const char *key, char *out, size_t outlen)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char in[WSU_KEY_LEN + sizeof(ws_guid)];

	snprintf(in, sizeof(in), "%s%s", key, ws_guid);
	if (EVP_Digest(in, strlen(in), md, &mdlen, EVP_sha1(), NULL) != 1 || mdlen != 20) {
		snprintf(out, outlen, "-");    /* never equal to a base 64 value */
		return;
	}
	if (lws_b64_encode_string((const char *)md, 20, out, (int)outlen) < 0)
		snprintf(out, outlen, "-");
}

/* The value of header `name` in head (trimmed, up to the line's end) and
 * its length; NULL when absent. */
static const char *
header(const char *head, size_t len, const char *name, size_t *vlen)
{
	size_t nl = strlen(name);
	const char *p = memchr(head, '\n', len), *end = head + len;

	while (p != NULL && p + 1 < end) {
		const char *line = p + 1, *eol = memchr(line, '\n', (size_t)(end - line));
		const char *v;
		if (eol == NULL)
			return NULL;
		p = eol;
		if ((size_t)(eol - line) <= nl || line[nl] != ':' || strncasecmp(line, name, nl) != 0)
			continue;
		v = line + nl + 1;
		while (v < eol && (*v == ' ' || *v == '\t'))
			v++;
		while (eol > v && isspace((unsigned char)eol[-1]))
			eol--;
		*vlen = (size_t)(eol - v);
		return v;
	}
	return NULL;
}

/* True when the comma-separated value holds token (any case). */
static bool
has_token(const char *v, size_t n, const char *token)
{
	size_t tl = strlen(token);

	for (size_t i = 0; i + tl <= n; i++) {
		bool starts = i == 0 || v[i - 1] == ',' || v[i - 1] == ' ';
		bool ends = i + tl == n || v[i + tl] == ',' || v[i + tl] == ' ';
		if (starts && ends && strncasecmp(v + i, token, tl) == 0)
			return true;
	}
	return false;
}

/* The status line, made printable, for a message. */
static void
status_line(const char *head, size_t len, char *out, size_t outlen)
{
	size_t n = 0;

	for (size_t i = 0; i < len && head[i] != '\r' && head[i] != '\n' && n + 1 < outlen; i++)
		out[n++] = (head[i] >= 0x20 && head[i] < 0x7f) ? head[i] : '.';
	out[n] = '\0';
}

int
wsu_check(const char *head, size_t len, const char *key, char *err, size_t errlen)
{
	char want[40], line[64];
	const char *v;
	size_t n;

	if (len < 12 || strncmp(head, "HTTP/1.1 101", 12) != 0) {
		status_line(head, len, line, sizeof(line));
		snprintf(err, errlen, "upgrade refused: \"%s\"", line);
		return -1;
	}
	v = header(head, len, "upgrade", &n);
	if (v == NULL || !has_token(v, n, "websocket")) {
		snprintf(err, errlen, "upgrade answer without \"Upgrade: websocket\"");
		return -1;
	}
	v = header(head, len, "connection", &n);
	if (v == NULL || !has_token(v, n, "upgrade")) {
		snprintf(err, errlen, "upgrade answer without \"Connection: Upgrade\"");
		return -1;
	}
	if (header(head, len, "sec-websocket-extensions", &n) != NULL ||
	    header(head, len, "sec-websocket-protocol", &n) != NULL) {
		snprintf(err, errlen, "upgrade answer imposes an extension or subprotocol");
		return -1;
	}
	wsu_accept(key, want, sizeof(want));
	v = header(head, len, "sec-websocket-accept", &n);
	if (v == NULL || n != strlen(want) || memcmp(v, want, n) != 0) {
		snprintf(err, errlen, "upgrade answer with a wrong Sec-WebSocket-Accept");
		return -1;
	}
	return 0;
}
