/*
 * One request = one easy handle, its parsed rate-limit headers and a
 * bounded body. Header lines go straight into rlq_headers_line as curl
 * delivers them; a status line starts a new response (redirects, 100
 * Continue), so only the last response's headers count.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/curl-lws.h"
#include "net/rest.h"

struct rest_req {
	struct rest *r;
	struct rest_req *next;
	CURL *easy;
	uint64_t id;
	rest_ctl_fn ctl;                /* non-NULL for a control request */
	rest_hook_fn hook;              /* non-NULL for a webhook */
	void *ctl_ud;
	struct rlq_headers h;
	char *body;
	size_t len, cap;
	char errbuf[CURL_ERROR_SIZE];
};

struct rest {
	struct curl_lws *cl;
	struct logring *log;
	char base[512];
	struct curl_slist *hdrs, *ctl_hdrs;
	rest_done_fn done;
	void *ud;
	struct rest_req *inflight;
	int n;
	FILE *curl_err;                 /* curl's stderr, into the ring */
	char ca_file[PATH_MAX];         /* "" = the system store */
};

static ssize_t
curl_err_write(void *cookie, const char *buf, size_t len)
{
	struct rest *r = cookie;
	size_t n = len;

	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	if (n > 0)
		LOGF(r->log, LOG_DEBUG, "curl", "%.*s", (int)(n > 200 ? 200 : n), buf);
	return (ssize_t)len;
}

/* curl's own story of a transfer (connects, reuse, errors) at debug level;
 * only CURLINFO_TEXT, never header or data lines (they hold the token). */
static int
on_debug(CURL *easy, curl_infotype type, char *text, size_t len, void *ud)
{
	struct rest *r = ud;

	(void)easy;
	if (type == CURLINFO_TEXT)
		curl_err_write(r, text, len);
	return 0;
}

static size_t
on_header(char *buf, size_t size, size_t n, void *ud)
{
	struct rest_req *q = ud;
	size_t len = size * n;

	if (len >= 5 && memcmp(buf, "HTTP/", 5) == 0)
		rlq_headers_init(&q->h);
	else
		rlq_headers_line(&q->h, buf, len);
	return len;
}

static size_t
on_body(char *buf, size_t size, size_t n, void *ud)
{
	struct rest_req *q = ud;
	size_t len = size * n;

	if (len > REST_BODY_MAX - q->len)
		return 0;       /* curl fails the transfer: CURLE_WRITE_ERROR */
	if (q->len + len + 1 > q->cap) {
		size_t cap = q->cap ? q->cap : 4096;
		char *p;
		while (cap < q->len + len + 1)
			cap *= 2;
		p = realloc(q->body, cap);
		if (p == NULL)
			return 0;
		q->body = p;
		q->cap = cap;
	}
	memcpy(q->body + q->len, buf, len);
	q->len += len;
	q->body[q->len] = '\0';
	return len;
}

static void
unlink_req(struct rest *r, struct rest_req *q)
{
	for (struct rest_req **p = &r->inflight; *p != NULL; p = &(*p)->next) {
		if (*p == q) {
			*p = q->next;
			r->n--;
			return;
		}
	}
}

static void
req_free(struct rest_req *q)
{
	if (q->easy != NULL)
		curl_easy_cleanup(q->easy);
	free(q->body);
	free(q);
}

static void
on_done(void *ud, CURL *easy, CURLcode rc)
{
	struct rest *r = ud;
	struct rest_req *q = NULL;
	long status = 0;
	const char *err = NULL;

	curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&q);
	unlink_req(r, q);
	if (rc == CURLE_OK)
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	else
		err = q->errbuf[0] != '\0' ? q->errbuf : curl_easy_strerror(rc);
	if (rc == CURLE_WRITE_ERROR && q->len >= REST_BODY_MAX - CURL_MAX_WRITE_SIZE)
		err = "response body too large";
	if (q->hook != NULL)
		q->hook(q->ctl_ud, (int)status, &q->h, err);
	else if (q->ctl != NULL)
		q->ctl(q->ctl_ud, (int)status, q->body ? q->body : "", q->len);
	else
		r->done(r->ud, q->id, (int)status, &q->h, q->body, q->len, err);
	req_free(q);
}

static struct rest_req *
req_new(struct rest *r, const char *method, const char *url, const char *body, size_t len,
    bool copy_body)
{
	struct rest_req *q = calloc(1, sizeof(*q));

	if (q == NULL || (q->easy = curl_easy_init()) == NULL) {
		free(q);
		return NULL;
	}
	q->r = r;
	rlq_headers_init(&q->h);
	curl_easy_setopt(q->easy, CURLOPT_URL, url);
	curl_easy_setopt(q->easy, CURLOPT_PRIVATE, q);
	curl_easy_setopt(q->easy, CURLOPT_ERRORBUFFER, q->errbuf);
	curl_easy_setopt(q->easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(q->easy, CURLOPT_HEADERDATA, q);
	curl_easy_setopt(q->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(q->easy, CURLOPT_WRITEDATA, q);
	curl_easy_setopt(q->easy, CURLOPT_USERAGENT, REST_USER_AGENT);
	curl_easy_setopt(q->easy, CURLOPT_TIMEOUT_MS, REST_TIMEOUT_MS);
	curl_easy_setopt(q->easy, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(q->easy, CURLOPT_NOSIGNAL, 1L);
	/* Verification stays on (curl's default); only the trusted CAs change. */
	if (r->ca_file[0] != '\0')
		curl_easy_setopt(q->easy, CURLOPT_CAINFO, r->ca_file);
	/* Wait for an HTTP/2 connection rather than open a second one; over
	 * plain http (HTTP/1.1, the emulator) there is nothing to wait for,
	 * and curl 7.88 can leave a waiting transfer pending for good. */
	if (strncmp(url, "https://", 8) == 0)
		curl_easy_setopt(q->easy, CURLOPT_PIPEWAIT, 1L);
	curl_easy_setopt(q->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(q->easy, CURLOPT_ACCEPT_ENCODING, "");
	if (r->curl_err != NULL)
		curl_easy_setopt(q->easy, CURLOPT_STDERR, r->curl_err);
	if (log_enabled(r->log, LOG_DEBUG)) {
		curl_easy_setopt(q->easy, CURLOPT_DEBUGFUNCTION, on_debug);
		curl_easy_setopt(q->easy, CURLOPT_DEBUGDATA, r);
		curl_easy_setopt(q->easy, CURLOPT_VERBOSE, 1L);
	}
	if (strcmp(method, "GET") != 0)
		curl_easy_setopt(q->easy, CURLOPT_CUSTOMREQUEST, method);
	if (body != NULL || strcmp(method, "POST") == 0) {
		curl_easy_setopt(q->easy, CURLOPT_POSTFIELDSIZE, (long)len);
		curl_easy_setopt(q->easy, copy_body ? CURLOPT_COPYPOSTFIELDS : CURLOPT_POSTFIELDS,
		    body != NULL ? body : "");
	}
	return q;
}

static int
start(struct rest *r, struct rest_req *q, char *err, size_t errlen)
{
	if (curl_lws_add(r->cl, q->easy, err, errlen) < 0)
		return -1;
	q->next = r->inflight;
	r->inflight = q;
	r->n++;
	return 0;
}

void
rest_perform(struct rest *r, uint64_t id, const char *method, const char *path,
    const char *body, size_t body_len)
{
	char url[1024], err[128];
	struct rest_req *q;

	if ((size_t)snprintf(url, sizeof(url), "%s%s", r->base, path) >= sizeof(url)) {
		r->done(r->ud, id, 0, NULL, NULL, 0, "URL too long");
		return;
	}
	q = req_new(r, method, url, body, body_len, false);
	if (q == NULL) {
		r->done(r->ud, id, 0, NULL, NULL, 0, "out of memory");
		return;
	}
	q->id = id;
	curl_easy_setopt(q->easy, CURLOPT_HTTPHEADER, r->hdrs);
	if (start(r, q, err, sizeof(err)) < 0) {
		req_free(q);
		r->done(r->ud, id, 0, NULL, NULL, 0, err);
	}
}

/* A request outside the queue: no Authorization, the body copied. */
static int
outside(struct rest *r, const char *method, const char *url, const char *json, rest_ctl_fn ctl,
    rest_hook_fn hook, void *ud, char *err, size_t errlen)
{
	struct rest_req *q = req_new(r, method, url, json, json ? strlen(json) : 0, true);

	if (q == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	q->ctl = ctl;
	q->hook = hook;
	q->ctl_ud = ud;
	curl_easy_setopt(q->easy, CURLOPT_HTTPHEADER, r->ctl_hdrs);
	if (start(r, q, err, errlen) < 0) {
		req_free(q);
		return -1;
	}
	return 0;
}

int
rest_ctl(struct rest *r, const char *method, const char *url, const char *json,
    rest_ctl_fn fn, void *ud, char *err, size_t errlen)
{
	return outside(r, method, url, json, fn, NULL, ud, err, errlen);
}

int
rest_hook(struct rest *r, const char *url, const char *json, rest_hook_fn fn, void *ud,
    char *err, size_t errlen)
{
	return outside(r, "POST", url, json, NULL, fn, ud, err, errlen);
}

int
rest_inflight(const struct rest *r)
{
	return r->n;
}

static int
headers(struct rest *r, const char *token)
{
	char auth[64 + 256];

	snprintf(auth, sizeof(auth), "Authorization: Bot %s", token);
	r->hdrs = curl_slist_append(NULL, auth);
	explicit_bzero(auth, sizeof(auth));
	r->ctl_hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	if (r->hdrs == NULL || r->ctl_hdrs == NULL)
		return -1;
	/* No "Expect: 100-continue" round trip for small JSON bodies. */
	if (curl_slist_append(r->hdrs, "Content-Type: application/json") == NULL ||
	    curl_slist_append(r->hdrs, "Expect:") == NULL ||
	    curl_slist_append(r->ctl_hdrs, "Expect:") == NULL)
		return -1;
	return 0;
}

struct rest *
rest_new(struct loop *loop, struct logring *log, const char *base, const char *token,
    rest_done_fn done, void *ud, char *err, size_t errlen)
{
	static const cookie_io_functions_t io = { NULL, curl_err_write, NULL, NULL };
	struct rest *r = calloc(1, sizeof(*r));

	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->log = log;
	r->done = done;
	r->ud = ud;
	snprintf(r->base, sizeof(r->base), "%s", base);
	r->curl_err = fopencookie(r, "w", io);
	if (r->curl_err != NULL)
		setvbuf(r->curl_err, NULL, _IOLBF, 0);
	if (headers(r, token) < 0) {
		snprintf(err, errlen, "out of memory");
		rest_free(r);
		return NULL;
	}
	r->cl = curl_lws_new(loop, log, on_done, r, err, errlen);
	if (r->cl == NULL) {
		rest_free(r);
		return NULL;
	}
	return r;
}

void
rest_set_ca_file(struct rest *r, const char *ca_file)
{
	snprintf(r->ca_file, sizeof(r->ca_file), "%s", ca_file != NULL ? ca_file : "");
}

void
rest_free(struct rest *r)
{
	if (r == NULL)
		return;
	while (r->inflight != NULL) {
		struct rest_req *q = r->inflight;
		r->inflight = q->next;
		curl_lws_remove(r->cl, q->easy);
		req_free(q);
	}
	curl_lws_free(r->cl);
	curl_slist_free_all(r->hdrs);
	curl_slist_free_all(r->ctl_hdrs);
	if (r->curl_err != NULL)
		fclose(r->curl_err);
	free(r);
}
