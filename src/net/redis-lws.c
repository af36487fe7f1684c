/*
 * hiredis async on the lws loop (net/redis-lws.h). A struct rsock lives
 * from the connect until both hiredis has cleaned up and lws has closed our
 * dup of its fd, as curl-lws.c's csock does, so no callback sees freed
 * memory. The in-flight list mirrors hiredis's reply queue (Redis answers in
 * order): its head is the oldest unanswered command, which the watchdog
 * times.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/async.h>

#include "bot/rng.h"
#include "net/redis-lws.h"

enum rstate { R_DOWN, R_CONNECTING, R_UP, R_FREEING };

struct rcmd {
	struct redis_lws *r;
	redis_lws_reply_fn cb;
	void *ud;
	char *fmt;                      /* queued: the formatted command */
	size_t len;
	int64_t at_ms;                  /* when it was sent (mono) */
	struct rcmd *next;
};

struct rsock {
	struct loop_raw raw;            /* first: the loop hands it back */
	struct redis_lws *r;            /* NULL once the connection is dropped */
	redisAsyncContext *ac;          /* NULL once hiredis cleaned up */
	struct lws *wsi;                /* the dup's wsi, NULL once closed */
	bool want_write;
};

struct redis_lws {
	struct loop *loop;
	struct logring *log;
	struct redis_lws_config cfg;
	struct redis_lws_hooks hooks;
	char addr[64];                  /* the TCP host, resolved once */
	char name[REDIS_URL_HOST_MAX + 32];
	enum rstate state;
	redisAsyncContext *ac;
	struct rsock *sock;
	struct rcmd *queue, *queue_tail;        /* waiting for the connection */
	struct rcmd *flight, *flight_tail;      /* sent, unanswered */
	int pending;
	int handshake_left;
	int64_t connect_ms;
	int backoff_ms;
	bool announced_down;
	unsigned ups;
	char why[160];
	struct rng rng;
	lws_sorted_usec_list_t retry, watchdog, lost;
};

static void conn_start(struct redis_lws *r);
static void conn_lost(struct redis_lws *r, const char *why, bool hiredis_frees);

static int64_t
now_ms(void)
{
	return loop_now_us() / 1000;
}

/* ---- the socket, watched through a dup ---- */

static int
sock_rx(struct loop_raw *raw, struct lws *wsi)
{
	struct rsock *s = (struct rsock *)raw;

	(void)wsi;
	if (s->ac != NULL)
		redisAsyncHandleRead(s->ac);
	return 0;
}

static int
sock_writable(struct loop_raw *raw, struct lws *wsi)
{
	struct rsock *s = (struct rsock *)raw;

	(void)wsi;
	if (s->ac == NULL || !s->want_write)
		return 0;
	redisAsyncHandleWrite(s->ac);
	/* The raw-file POLLOUT is one-shot (pitfall 6): re-arm while wanted. */
	if (s->ac != NULL && s->want_write && s->wsi != NULL)
		lws_callback_on_writable(s->wsi);
	return 0;
}

static void
lost_cb(lws_sorted_usec_list_t *sul)
{
	struct redis_lws *r = lws_container_of(sul, struct redis_lws, lost);

	if (r->sock != NULL && r->sock->wsi == NULL)
		conn_lost(r, "connection closed", false);
}

static void
sock_closed(struct loop_raw *raw, struct lws *wsi)
{
	struct rsock *s = (struct rsock *)raw;

	(void)wsi;
	s->wsi = NULL;
	if (s->ac == NULL) {
		free(s);
		return;
	}
	/* lws closed the dup on POLLHUP/ERR (pitfall 8: a refused connect, a
	 * reset) before hiredis saw it: drop the connection from a timer, not
	 * from inside lws's close. */
	if (s->r != NULL)
		lws_sul_schedule(s->r->loop->ctx, 0, &s->r->lost, lost_cb, 0);
}

static void
ev_add_read(void *p)
{
	struct rsock *s = p;

	if (s->wsi != NULL)
		lws_rx_flow_control(s->wsi, 1);
}

static void
ev_del_read(void *p)
{
	struct rsock *s = p;

	if (s->wsi != NULL)
		lws_rx_flow_control(s->wsi, 0);
}

static void
ev_add_write(void *p)
{
	struct rsock *s = p;

	s->want_write = true;
	if (s->wsi != NULL)
		lws_callback_on_writable(s->wsi);
}

static void
ev_del_write(void *p)
{
	struct rsock *s = p;

	s->want_write = false;
}

/* hiredis is freeing its context (and closing its fd): kill our dup. */
static void
ev_cleanup(void *p)
{
	struct rsock *s = p;

	s->ac = NULL;
	s->want_write = false;
	if (s->r != NULL && s->r->sock == s)
		s->r->sock = NULL;
	s->r = NULL;
	if (s->wsi != NULL)
		lws_set_timeout(s->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
	else
		free(s);
}

static int
sock_watch(struct redis_lws *r, redisAsyncContext *ac)
{
	struct rsock *s = calloc(1, sizeof(*s));
	int fd;

	if (s == NULL)
		return -1;
	s->raw.on_rx = sock_rx;
	s->raw.on_writable = sock_writable;
	s->raw.on_closed = sock_closed;
	s->r = r;
	s->ac = ac;
	fd = fcntl(ac->c.fd, F_DUPFD_CLOEXEC, 3);
	if (fd >= 0)
		s->wsi = loop_adopt(r->loop, fd, &s->raw);
	if (s->wsi == NULL) {
		free(s);
		return -1;
	}
	ac->ev.data = s;
	ac->ev.addRead = ev_add_read;
	ac->ev.delRead = ev_del_read;
	ac->ev.addWrite = ev_add_write;
	ac->ev.delWrite = ev_del_write;
	ac->ev.cleanup = ev_cleanup;
	r->sock = s;
	return 0;
}

/* ---- commands ---- */

static void
cmd_free(struct rcmd *c)
{
	if (c->fmt != NULL)
		redisFreeCommand(c->fmt);
	free(c);
}

static void
cmd_finish(struct rcmd *c, const redisReply *reply, const char *err)
{
	struct redis_lws *r = c->r;

	if (r != NULL)
		r->pending--;
	if (c->cb != NULL)
		c->cb(c->ud, reply, err);
	cmd_free(c);
}

/* Fails every queued command (they were waiting for a connection). */
static void
queue_fail(struct redis_lws *r, const char *why)
{
	while (r->queue != NULL) {
		struct rcmd *c = r->queue;
		r->queue = c->next;
		if (r->queue == NULL)
			r->queue_tail = NULL;
		cmd_finish(c, NULL, why);
	}
}

static void
flight_remove(struct redis_lws *r, struct rcmd *c)
{
	struct rcmd *prev = NULL;

	for (struct rcmd *p = r->flight; p != NULL; prev = p, p = p->next) {
		if (p != c)
			continue;
		if (prev == NULL)
			r->flight = p->next;
		else
			prev->next = p->next;
		if (r->flight_tail == p)
			r->flight_tail = prev;
		return;
	}
}

static void watchdog_arm(struct redis_lws *r);

static void
on_reply(redisAsyncContext *ac, void *reply, void *priv)
{
	struct rcmd *c = priv;
	struct redis_lws *r = c->r;
	char why[200];

	(void)ac;
	if (r != NULL)
		flight_remove(r, c);
	if (reply == NULL) {
		snprintf(why, sizeof(why), "cluster store unreachable: %s",
		    r != NULL && r->why[0] != '\0' ? r->why : "connection lost");
		cmd_finish(c, NULL, why);
		return;
	}
	cmd_finish(c, reply, NULL);
}

static int
cmd_send(struct redis_lws *r, struct rcmd *c)
{
	if (r->ac == NULL ||
	    redisAsyncFormattedCommand(r->ac, on_reply, c, c->fmt, c->len) != REDIS_OK)
		return -1;
	redisFreeCommand(c->fmt);
	c->fmt = NULL;
	c->at_ms = now_ms();
	c->next = NULL;
	if (r->flight_tail != NULL)
		r->flight_tail->next = c;
	else
		r->flight = c;
	r->flight_tail = c;
	watchdog_arm(r);
	return 0;
}

static struct rcmd *
cmd_new(struct redis_lws *r, redis_lws_reply_fn cb, void *ud, int argc, const char **argv,
    const size_t *argvlen)
{
	struct rcmd *c = calloc(1, sizeof(*c));
	int n;

	if (c == NULL)
		return NULL;
	n = redisFormatCommandArgv(&c->fmt, argc, argv, argvlen);
	if (n < 0) {
		free(c);
		return NULL;
	}
	c->len = (size_t)n;
	c->r = r;
	c->cb = cb;
	c->ud = ud;
	return c;
}

int
redis_lws_command(struct redis_lws *r, redis_lws_reply_fn cb, void *ud, int argc,
    const char **argv, const size_t *argvlen, char *err, size_t errlen)
{
	struct rcmd *c;

	if (r->state == R_DOWN || r->state == R_FREEING) {
		snprintf(err, errlen, "cluster store unreachable: %s", r->why);
		return -1;
	}
	if (r->pending >= REDIS_LWS_QUEUE_MAX) {
		snprintf(err, errlen, "cluster store: %d commands waiting already",
		    REDIS_LWS_QUEUE_MAX);
		return -1;
	}
	c = cmd_new(r, cb, ud, argc, argv, argvlen);
	if (c == NULL) {
		snprintf(err, errlen, "cluster store: out of memory");
		return -1;
	}
	if (r->state == R_UP) {
		if (cmd_send(r, c) < 0) {
			cmd_free(c);
			snprintf(err, errlen, "cluster store unreachable: connection closing");
			return -1;
		}
	} else {
		if (r->queue_tail != NULL)
			r->queue_tail->next = c;
		else
			r->queue = c;
		r->queue_tail = c;
	}
	r->pending++;
	return 0;
}

/* ---- the connection ---- */

static void
retry_cb(lws_sorted_usec_list_t *sul)
{
	struct redis_lws *r = lws_container_of(sul, struct redis_lws, retry);

	if (r->state == R_DOWN)
		conn_start(r);
}

static void
watchdog_cb(lws_sorted_usec_list_t *sul)
{
	struct redis_lws *r = lws_container_of(sul, struct redis_lws, watchdog);
	int64_t now = now_ms();
	char why[96];

	if (r->state == R_CONNECTING && now - r->connect_ms >= r->cfg.timeout_ms) {
		snprintf(why, sizeof(why), "no connection within %d ms", r->cfg.timeout_ms);
		conn_lost(r, why, false);
		return;
	}
	if (r->state == R_UP && r->flight != NULL && now - r->flight->at_ms >= r->cfg.timeout_ms) {
		snprintf(why, sizeof(why), "no reply within %d ms", r->cfg.timeout_ms);
		conn_lost(r, why, false);
		return;
	}
	watchdog_arm(r);
}

/* Armed only while something is awaited: an idle connection costs no wakeups. */
static void
watchdog_arm(struct redis_lws *r)
{
	int64_t since;

	if (r->state == R_CONNECTING)
		since = r->connect_ms;
	else if (r->state == R_UP && r->flight != NULL)
		since = r->flight->at_ms;
	else {
		lws_sul_cancel(&r->watchdog);
		return;
	}
	int64_t in = since + r->cfg.timeout_ms - now_ms();
	if (in < 1)
		in = 1;
	lws_sul_schedule(r->loop->ctx, 0, &r->watchdog, watchdog_cb, (lws_usec_t)in * 1000);
}

static void
conn_lost(struct redis_lws *r, const char *why, bool hiredis_frees)
{
	redisAsyncContext *ac = r->ac;
	bool was_up = r->state == R_UP;
	int64_t delay;

	if (r->state == R_DOWN || r->state == R_FREEING)
		return;
	snprintf(r->why, sizeof(r->why), "%s", why);
	r->state = R_DOWN;
	r->ac = NULL;
	if (r->sock != NULL)
		r->sock->r = NULL;
	r->sock = NULL;
	lws_sul_cancel(&r->watchdog);
	lws_sul_cancel(&r->lost);
	if (ac != NULL) {
		ac->data = NULL;
		/* In-flight callbacks run now, with a NULL reply. */
		if (!hiredis_frees)
			redisAsyncFree(ac);
	}
	queue_fail(r, "cluster store unreachable");
	delay = r->backoff_ms;
	delay += rng_range(&r->rng, -delay / 4, delay / 4);
	r->backoff_ms = r->backoff_ms * 2 > r->cfg.backoff_max_ms ? r->cfg.backoff_max_ms
	    : r->backoff_ms * 2;
	lws_sul_schedule(r->loop->ctx, 0, &r->retry, retry_cb, (lws_usec_t)delay * 1000);
	if (was_up || !r->announced_down) {
		r->announced_down = true;
		LOGF(r->log, was_up ? LOG_WARN : LOG_INFO, "cluster",
		    "cluster store %s unreachable: %s; retrying with backoff", r->name, why);
		if (r->hooks.on_down != NULL)
			r->hooks.on_down(r->hooks.ud, why);
	} else {
		LOGF(r->log, LOG_DEBUG, "cluster", "cluster store %s: %s; next try in %lld ms",
		    r->name, why, (long long)delay);
	}
}

static void
on_connect(const redisAsyncContext *ac, int status)
{
	struct redis_lws *r = ac->data;

	if (r == NULL || status == REDIS_OK)
		return;
	conn_lost(r, ac->errstr != NULL && ac->errstr[0] != '\0' ? ac->errstr : "connect failed",
	    true);
}

static void
on_disconnect(const redisAsyncContext *ac, int status)
{
	struct redis_lws *r = ac->data;

	(void)status;
	if (r != NULL)
		conn_lost(r, ac->err != 0 && ac->errstr[0] != '\0' ? ac->errstr
		    : "connection closed by the server", true);
}

static void
went_up(struct redis_lws *r)
{
	r->state = R_UP;
	r->ups++;
	r->backoff_ms = REDIS_LWS_BACKOFF_MIN;
	r->why[0] = '\0';
	r->announced_down = false;
	LOGF(r->log, LOG_INFO, "cluster", "cluster store %s: connected", r->name);
	while (r->queue != NULL) {
		struct rcmd *c = r->queue;
		r->queue = c->next;
		if (r->queue == NULL)
			r->queue_tail = NULL;
		if (cmd_send(r, c) < 0)
			cmd_finish(c, NULL, "cluster store unreachable");
	}
	watchdog_arm(r);
	if (r->hooks.on_up != NULL)
		r->hooks.on_up(r->hooks.ud);
}

/* AUTH, SELECT and PING answer in order; any error drops the connection
 * (from the loop: hiredis is inside its callback here, and frees later). */
static void
on_handshake(redisAsyncContext *ac, void *reply, void *priv)
{
	struct redis_lws *r = priv;
	redisReply *rep = reply;
	char why[200];

	if (rep == NULL || r == NULL || ac->data != r || r->state != R_CONNECTING)
		return;
	if (rep->type == REDIS_REPLY_ERROR) {
		if (strncmp(rep->str, "NOAUTH", 6) == 0)
			snprintf(why, sizeof(why), "Redis wants a password "
			    "(redis_password or VIGIL_REDIS_PASSWORD)");
		else
			snprintf(why, sizeof(why), "handshake refused: %.150s", rep->str);
		LOGF(r->log, LOG_ERROR, "cluster", "cluster store %s: %s", r->name, why);
		conn_lost(r, why, false);
		return;
	}
	if (--r->handshake_left == 0)
		went_up(r);
}

static int
handshake(struct redis_lws *r)
{
	char db[16];
	const char *auth[2] = { "AUTH", r->cfg.password };
	const char *sel[2] = { "SELECT", db };
	const char *ping[1] = { "PING" };

	snprintf(db, sizeof(db), "%d", r->cfg.url.db);
	r->handshake_left = 0;
	if (r->cfg.password[0] != '\0') {
		if (redisAsyncCommandArgv(r->ac, on_handshake, r, 2, auth, NULL) != REDIS_OK)
			return -1;
		r->handshake_left++;
	}
	if (redisAsyncCommandArgv(r->ac, on_handshake, r, 2, sel, NULL) != REDIS_OK ||
	    redisAsyncCommandArgv(r->ac, on_handshake, r, 1, ping, NULL) != REDIS_OK)
		return -1;
	r->handshake_left += 2;
	return 0;
}

static void
conn_start(struct redis_lws *r)
{
	redisAsyncContext *ac;

	r->state = R_CONNECTING;
	r->connect_ms = now_ms();
	ac = r->cfg.url.is_unix ? redisAsyncConnectUnix(r->cfg.url.path)
	    : redisAsyncConnect(r->addr, r->cfg.url.port);
	if (ac == NULL || ac->err != 0) {
		char why[160];
		snprintf(why, sizeof(why), "%s", ac != NULL ? ac->errstr : "out of memory");
		if (ac != NULL)
			redisAsyncFree(ac);
		conn_lost(r, why, true);
		return;
	}
	ac->data = r;
	r->ac = ac;
	redisAsyncSetConnectCallback(ac, on_connect);
	redisAsyncSetDisconnectCallback(ac, on_disconnect);
	if (sock_watch(r, ac) < 0) {
		conn_lost(r, "cannot watch the socket", false);
		return;
	}
	if (handshake(r) < 0) {
		conn_lost(r, "cannot send the handshake", false);
		return;
	}
	watchdog_arm(r);
}

/* Resolved once: hiredis's own lookup would block the loop on every
 * reconnect (loop pitfall 2). */
static int
resolve_host(struct redis_lws *r, char *err, size_t errlen)
{
	struct addrinfo hints, *res;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(r->cfg.url.host, NULL, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "cluster: cannot resolve %s: %s", r->cfg.url.host,
		    gai_strerror(rc));
		return -1;
	}
	if (res->ai_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)(void *)res->ai_addr)->sin6_addr,
		    r->addr, sizeof(r->addr));
	else
		inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)res->ai_addr)->sin_addr,
		    r->addr, sizeof(r->addr));
	freeaddrinfo(res);
	return 0;
}

struct redis_lws *
redis_lws_new(struct loop *loop, struct logring *log, const struct redis_lws_config *cfg,
    const struct redis_lws_hooks *hooks, char *err, size_t errlen)
{
	struct redis_lws *r = calloc(1, sizeof(*r));

	if (r == NULL) {
		snprintf(err, errlen, "cluster: out of memory");
		return NULL;
	}
	r->loop = loop;
	r->log = log;
	r->cfg = *cfg;
	if (r->cfg.timeout_ms <= 0)
		r->cfg.timeout_ms = REDIS_LWS_TIMEOUT_MS;
	if (r->cfg.backoff_max_ms <= 0)
		r->cfg.backoff_max_ms = REDIS_LWS_BACKOFF_MAX;
	if (hooks != NULL)
		r->hooks = *hooks;
	r->backoff_ms = REDIS_LWS_BACKOFF_MIN;
	rng_seed(&r->rng, (uint64_t)loop_now_us() ^ ((uint64_t)getpid() << 32));
	redis_url_format(&cfg->url, r->name, sizeof(r->name));
	if (!cfg->url.is_unix && resolve_host(r, err, errlen) < 0) {
		explicit_bzero(r->cfg.password, sizeof(r->cfg.password));
		free(r);
		return NULL;
	}
	conn_start(r);
	return r;
}

void
redis_lws_free(struct redis_lws *r)
{
	redisAsyncContext *ac;

	if (r == NULL)
		return;
	ac = r->ac;
	r->state = R_FREEING;
	snprintf(r->why, sizeof(r->why), "shutting down");
	lws_sul_cancel(&r->retry);
	lws_sul_cancel(&r->watchdog);
	lws_sul_cancel(&r->lost);
	r->ac = NULL;
	if (r->sock != NULL)
		r->sock->r = NULL;
	/* The in-flight callbacks still point at r: it is alive until here. */
	if (ac != NULL)
		redisAsyncFree(ac);
	for (struct rcmd *c = r->flight; c != NULL; c = c->next)
		c->r = NULL;
	queue_fail(r, "cluster store: shutting down");
	explicit_bzero(r->cfg.password, sizeof(r->cfg.password));
	free(r);
}

bool
redis_lws_is_up(const struct redis_lws *r)
{
	return r->state == R_UP;
}

const char *
redis_lws_why_down(const struct redis_lws *r)
{
	return r->state == R_UP ? "" : r->state == R_CONNECTING ? "connecting" : r->why;
}

int
redis_lws_pending(const struct redis_lws *r)
{
	return r->pending;
}

unsigned
redis_lws_ups(const struct redis_lws *r)
{
	return r->ups;
}
