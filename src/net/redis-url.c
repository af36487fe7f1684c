/* Parsing the `cluster` URL (net/redis-url.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/redis-url.h"

static int
parse_int(const char *s, size_t n, long lo, long hi, long *out)
{
	char buf[16], *end;
	long v;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (buf[0] < '0' || buf[0] > '9')
		return -1;
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int
parse_db(const char *s, size_t n, struct redis_url *u, char *err, size_t errlen)
{
	long db;

	if (parse_int(s, n, 0, REDIS_DB_MAX, &db) < 0) {
		snprintf(err, errlen, "cluster: the database must be a number from 0 to %d",
		    REDIS_DB_MAX);
		return -1;
	}
	u->db = (int)db;
	return 0;
}

static int
parse_unix(const char *s, struct redis_url *u, char *err, size_t errlen)
{
	const char *q = strchr(s, '?');
	size_t n = q != NULL ? (size_t)(q - s) : strlen(s);

	if (n == 0 || s[0] != '/') {
		snprintf(err, errlen, "cluster: unix:// needs an absolute path (unix:///run/redis.sock)");
		return -1;
	}
	if (n >= sizeof(u->path)) {
		snprintf(err, errlen, "cluster: the socket path is longer than %zu bytes",
		    sizeof(u->path) - 1);
		return -1;
	}
	memcpy(u->path, s, n);
	u->path[n] = '\0';
	u->is_unix = true;
	if (q == NULL)
		return 0;
	if (strncmp(q, "?db=", 4) != 0) {
		snprintf(err, errlen, "cluster: the only unix:// option is ?db=N");
		return -1;
	}
	return parse_db(q + 4, strlen(q + 4), u, err, errlen);
}

static int
parse_tcp(const char *s, struct redis_url *u, char *err, size_t errlen)
{
	const char *slash = strchr(s, '/');
	size_t hostport = slash != NULL ? (size_t)(slash - s) : strlen(s);
	const char *colon;
	size_t hn;
	long port = REDIS_DEFAULT_PORT;

	if (memchr(s, '@', hostport) != NULL) {
		snprintf(err, errlen, "cluster: no password in the URL; use redis_password "
		    "or VIGIL_REDIS_PASSWORD");
		return -1;
	}
	if (s[0] == '[') {                      /* [v6]:port */
		const char *close = memchr(s, ']', hostport);
		if (close == NULL) {
			snprintf(err, errlen, "cluster: unclosed [ in the address");
			return -1;
		}
		hn = (size_t)(close - s - 1);
		colon = close + 1 < s + hostport && close[1] == ':' ? close + 1 : NULL;
		if (hn >= sizeof(u->host))
			hn = sizeof(u->host);   /* refused below */
		else
			memcpy(u->host, s + 1, hn);
	} else {
		colon = memchr(s, ':', hostport);
		hn = colon != NULL ? (size_t)(colon - s) : hostport;
		if (hn < sizeof(u->host))
			memcpy(u->host, s, hn);
	}
	if (hn == 0 || hn >= sizeof(u->host)) {
		snprintf(err, errlen, "cluster: %s host in redis://HOST:PORT/DB",
		    hn == 0 ? "no" : "too long a");
		return -1;
	}
	u->host[hn] = '\0';
	if (colon != NULL &&
	    parse_int(colon + 1, (size_t)(s + hostport - colon - 1), 1, 65535, &port) < 0) {
		snprintf(err, errlen, "cluster: the port must be a number from 1 to 65535");
		return -1;
	}
	u->port = (int)port;
	if (slash == NULL || slash[1] == '\0')
		return 0;
	return parse_db(slash + 1, strlen(slash + 1), u, err, errlen);
}

int
redis_url_parse(const char *s, struct redis_url *out, char *err, size_t errlen)
{
	struct redis_url u;

	memset(&u, 0, sizeof(u));
	if (s == NULL || s[0] == '\0') {
		snprintf(err, errlen, "cluster: empty; want redis://HOST:PORT/DB or unix:///PATH");
		return -1;
	}
	if (strncmp(s, "redis://", 8) == 0) {
		if (parse_tcp(s + 8, &u, err, errlen) < 0)
			return -1;
	} else if (strncmp(s, "unix://", 7) == 0) {
		if (parse_unix(s + 7, &u, err, errlen) < 0)
			return -1;
	} else if (strncmp(s, "rediss://", 9) == 0) {
		snprintf(err, errlen, "cluster: rediss:// (TLS) is not supported; use a unix socket "
		    "or a tunnel (docs/cluster.md)");
		return -1;
	} else {
		snprintf(err, errlen, "cluster: want redis://HOST:PORT/DB or unix:///PATH");
		return -1;
	}
	*out = u;
	return 0;
}

void
redis_url_format(const struct redis_url *u, char *buf, size_t len)
{
	if (u->is_unix)
		snprintf(buf, len, "unix://%s?db=%d", u->path, u->db);
	else if (strchr(u->host, ':') != NULL)
		snprintf(buf, len, "redis://[%s]:%d/%d", u->host, u->port, u->db);
	else
		snprintf(buf, len, "redis://%s:%d/%d", u->host, u->port, u->db);
}
