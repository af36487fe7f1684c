/*
 * One blocking HTTP request with libcurl for integration tests: status,
 * body and raw response headers, with a 5 s ceiling. https:// trusts the
 * CA file named by $VIGIL_TEST_CA when it is set.
 */
#ifndef VIGIL_TEST_HTTP_CLIENT_H
#define VIGIL_TEST_HTTP_CLIENT_H

#include <jansson.h>
#include <stddef.h>

struct httpc_resp {
	long status;                  /* 0 when the request failed */
	char *body;
	size_t len;
	char headers[8192];
	size_t hlen;
};

/* auth: the Authorization header's value, or NULL. 0, or -1 on failure. */
int httpc(const char *method, const char *url, const char *auth,
    const char *body, struct httpc_resp *);
/* The value of a header (case-insensitive name), or NULL. */
const char *httpc_header(const struct httpc_resp *, const char *name,
    char *buf, size_t len);
json_t *httpc_json(const struct httpc_resp *);
void httpc_free(struct httpc_resp *);

#endif
