/*
 * The `cluster` setting: where the cluster's Redis is (docs/cluster.md).
 *
 *   redis://HOST[:PORT][/DB]     TCP, port 6379 and database 0 by default
 *   unix:///PATH[?db=DB]         a unix socket
 *
 * A password in the URL is refused: the URL is printed in logs and on the
 * screen, so the password has its own setting (redis_password or
 * VIGIL_REDIS_PASSWORD) and is redacted like the token.
 */
#ifndef VIGIL_NET_REDIS_URL_H
#define VIGIL_NET_REDIS_URL_H

#include <stdbool.h>
#include <stddef.h>

#define REDIS_URL_HOST_MAX 256
#define REDIS_URL_PATH_MAX 108          /* sun_path */
#define REDIS_DEFAULT_PORT 6379
#define REDIS_DB_MAX       15           /* Redis's default `databases 16` */

struct redis_url {
	bool is_unix;
	char host[REDIS_URL_HOST_MAX];  /* TCP: name or numeric address */
	int port;
	char path[REDIS_URL_PATH_MAX];  /* unix: the socket */
	int db;
};

/* 0, or -1 with a message naming what is wrong. */
int redis_url_parse(const char *s, struct redis_url *out, char *err, size_t errlen);
/* The URL back as text, for logs ("redis://127.0.0.1:6379/0"). */
void redis_url_format(const struct redis_url *u, char *buf, size_t len);

#endif
