/* Blocking HTTP for tests: see http-client.h. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "http-client.h"

#define BODY_MAX (16u << 20)

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct httpc_resp *r = arg;
	size_t len = size * n;
	char *nb;

	if (r->len + len > BODY_MAX ||
	    (nb = realloc(r->body, r->len + len + 1)) == NULL)
		return 0;
	r->body = nb;
	memcpy(r->body + r->len, data, len);
	r->len += len;
	r->body[r->len] = '\0';
	return len;
}

static size_t
on_header(char *data, size_t size, size_t n, void *arg)
{
	struct httpc_resp *r = arg;
	size_t len = size * n;

	if (r->hlen + len < sizeof(r->headers)) {
		memcpy(r->headers + r->hlen, data, len);
		r->hlen += len;
		r->headers[r->hlen] = '\0';
	}
	return len;
}

int
httpc(const char *method, const char *url, const char *auth,
    const char *body, struct httpc_resp *r)
{
	struct curl_slist *hdrs = NULL;
	char line[512];
	CURL *e = curl_easy_init();
	CURLcode rc;

	memset(r, 0, sizeof(*r));
	if (e == NULL)
		return -1;
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	if (auth != NULL) {
		snprintf(line, sizeof(line), "Authorization: %s", auth);
		hdrs = curl_slist_append(hdrs, line);
	}
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	/* An emulator over TLS: its test CA (tests/integration/test-net-tls.c). */
	if (getenv("VIGIL_TEST_CA") != NULL)
		curl_easy_setopt(e, CURLOPT_CAINFO, getenv("VIGIL_TEST_CA"));
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
	if (body != NULL)
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
	rc = curl_easy_perform(e);
	if (rc == CURLE_OK)
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(e);
	return rc == CURLE_OK ? 0 : -1;
}

const char *
httpc_header(const struct httpc_resp *r, const char *name, char *buf,
    size_t len)
{
	size_t nlen = strlen(name);
	const char *p = r->headers;

	while ((p = strchr(p, '\n')) != NULL) {
		p++;
		if (strncasecmp(p, name, nlen) != 0 || p[nlen] != ':')
			continue;
		p += nlen + 1;
		p += strspn(p, " ");
		snprintf(buf, len, "%.*s", (int)strcspn(p, "\r\n"), p);
		return buf;
	}
	return NULL;
}

json_t *
httpc_json(const struct httpc_resp *r)
{
	return r->body != NULL ? json_loadb(r->body, r->len, 0, NULL) : NULL;
}

void
httpc_free(struct httpc_resp *r)
{
	free(r->body);
	r->body = NULL;
}
