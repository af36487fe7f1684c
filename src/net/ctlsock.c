/*
 * The control socket on the loop: the listening socket and each accepted
 * connection are adopted as raw files, like the signalfd and curl's
 * sockets, so a command runs on the loop's thread between two events and
 * never blocks it (the reply is written as the socket takes it).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "net/ctlsock.h"

struct ctlconn {
	struct loop_raw raw;            /* first: the loop hands it back */
	struct ctlsock *cs;
	struct ctlconn *next;
	struct lws *wsi;
	char in[CTL_REQUEST_MAX];
	size_t inlen;
	char *out;                      /* the reply, CTL_REPLY_MAX + room for the end */
	size_t outlen, sent;
	bool cut, answered;
};

struct ctlsock {
	struct loop_raw raw;            /* the listening socket */
	struct loop *loop;
	struct logring *log;
	struct lws *wsi;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	ctl_run_fn run;
	void *ud;
	struct ctlconn *conns;
	int nconns;
};

int
ctlsock_default_path(const char *dir, const char *name, char *out, size_t len,
    char *err, size_t errlen)
{
	struct sockaddr_un sa;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	if ((size_t)snprintf(out, len, "%s/%s.sock", dir, name) >= len ||
	    strlen(out) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "control socket path too long (at most %zu bytes): %s/%s.sock",
		    sizeof(sa.sun_path) - 1, dir, name);
		return -1;
	}
	return 0;
}

/* --- one connection --- */

static void
reply_add(struct ctlconn *k, const char *text, size_t n)
{
	if (k->outlen + n > CTL_REPLY_MAX) {
		k->cut = true;
		return;
	}
	memcpy(k->out + k->outlen, text, n);
	k->outlen += n;
}

/* Each line of text (a message may hold several) with the level's mark. */
static void
reply_line(void *ud, enum log_level level, const char *text)
{
	struct ctlconn *k = ud;
	const char *mark = level >= LOG_ERROR ? "E " : level >= LOG_WARN ? "W " : "I ";

	for (;;) {
		const char *nl = strchr(text, '\n');
		size_t n = nl != NULL ? (size_t)(nl - text) : strlen(text);

		reply_add(k, mark, 2);
		reply_add(k, text, n);
		reply_add(k, "\n", 1);
		if (nl == NULL)
			return;
		text = nl + 1;
	}
}

/* Writes what the socket takes now; the rest when it is writable. Right
 * away, because a command like `quit` may end the loop before the next
 * writable callback. */
static void
flush_reply(struct ctlconn *k)
{
	ssize_t n = write(lws_get_socket_fd(k->wsi), k->out + k->sent, k->outlen - k->sent);

	if (n > 0)
		k->sent += (size_t)n;
	lws_callback_on_writable(k->wsi);
}

/* The end line always fits: out has room past CTL_REPLY_MAX for it. */
static void
reply_end(struct ctlconn *k, int rc)
{
	static const char cut[] = "W (output cut at 64 KiB)\n";
	int n;

	if (k->cut) {
		memcpy(k->out + k->outlen, cut, sizeof(cut) - 1);
		k->outlen += sizeof(cut) - 1;
	}
	n = snprintf(k->out + k->outlen, 8, "= %d\n", rc == 0 ? 0 : 1);
	k->outlen += (size_t)n;
	k->answered = true;
	flush_reply(k);
}

static void
answer(struct ctlconn *k, const char *line)
{
	struct line_out out = { reply_line, k };
	int rc;

	LOGF(k->cs->log, LOG_INFO, "ctl", "> %s", line);
	rc = k->cs->run(k->cs->ud, line, &out);
	reply_end(k, rc);
}

static void
refuse(struct ctlconn *k, const char *why)
{
	reply_line(k, LOG_WARN, why);
	reply_end(k, -1);
}

static int
conn_rx(struct loop_raw *r, struct lws *wsi)
{
	struct ctlconn *k = (struct ctlconn *)r;
	ssize_t n;
	char *nl;

	if (k->answered)
		return 0;
	n = read(lws_get_socket_fd(wsi), k->in + k->inlen, sizeof(k->in) - 1 - k->inlen);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return -1;
	k->inlen += (size_t)n;
	k->in[k->inlen] = '\0';
	if ((nl = strchr(k->in, '\n')) != NULL) {
		*nl = '\0';
		answer(k, k->in);
	} else if (k->inlen == sizeof(k->in) - 1) {
		refuse(k, "request longer than 1023 bytes");
	}
	return 0;
}

static int
conn_writable(struct loop_raw *r, struct lws *wsi)
{
	struct ctlconn *k = (struct ctlconn *)r;
	ssize_t n;

	if (!k->answered)
		return 0;
	if (k->sent == k->outlen)
		return -1;      /* all said: close */
	n = write(lws_get_socket_fd(wsi), k->out + k->sent, k->outlen - k->sent);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		lws_callback_on_writable(wsi);
		return 0;
	}
	if (n < 0)
		return -1;
	k->sent += (size_t)n;
	if (k->sent < k->outlen) {
		lws_callback_on_writable(wsi);
		return 0;
	}
	return -1;      /* all said: close */
}

static void
conn_forget(struct ctlconn *k)
{
	struct ctlsock *cs = k->cs;

	for (struct ctlconn **p = &cs->conns; *p != NULL; p = &(*p)->next) {
		if (*p == k) {
			*p = k->next;
			break;
		}
	}
	cs->nconns--;
	free(k->out);
	free(k);
}

static void
conn_closed(struct loop_raw *r, struct lws *wsi)
{
	(void)wsi;
	conn_forget((struct ctlconn *)r);
}

/* --- the listening socket --- */

static bool
peer_allowed(struct ctlsock *cs, int fd)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0) {
		LOGF(cs->log, LOG_WARN, "ctl", "control socket: SO_PEERCRED: %s", strerror(errno));
		return false;
	}
	/* root may: it could read the socket's owner's memory anyway. */
	if (uc.uid != getuid() && uc.uid != 0) {
		LOGF(cs->log, LOG_WARN, "ctl", "control socket: refused pid %ld of uid %ld",
		    (long)uc.pid, (long)uc.uid);
		return false;
	}
	return true;
}

static void
take(struct ctlsock *cs, int fd)
{
	struct ctlconn *k;

	if (cs->nconns >= CTL_CONNS_MAX) {
		static const char busy[] = "W busy: too many control connections\n= 1\n";
		/* A fresh socket's buffer takes this at once. */
		if (write(fd, busy, sizeof(busy) - 1) < 0)
			LOGF(cs->log, LOG_DEBUG, "ctl", "busy reply: %s", strerror(errno));
		close(fd);
		return;
	}
	k = calloc(1, sizeof(*k));
	if (k != NULL && (k->out = malloc(CTL_REPLY_MAX + 64)) == NULL) {
		free(k);
		k = NULL;
	}
	if (k == NULL) {
		close(fd);
		return;
	}
	k->raw.on_rx = conn_rx;
	k->raw.on_writable = conn_writable;
	k->raw.on_closed = conn_closed;
	k->cs = cs;
	k->next = cs->conns;
	cs->conns = k;
	cs->nconns++;
	k->wsi = loop_adopt(cs->loop, fd, &k->raw);
	if (k->wsi == NULL) {
		conn_forget(k);
		return;
	}
	lws_set_timeout(k->wsi, PENDING_TIMEOUT_USER_OK, CTL_IDLE_S);
}

static int
listen_rx(struct loop_raw *r, struct lws *wsi)
{
	struct ctlsock *cs = (struct ctlsock *)r;
	int fd;

	while ((fd = accept4(lws_get_socket_fd(wsi), NULL, NULL,
	    SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		if (peer_allowed(cs, fd))
			take(cs, fd);
		else
			close(fd);
	}
	return 0;
}

static void
listen_closed(struct loop_raw *r, struct lws *wsi)
{
	(void)wsi;
	((struct ctlsock *)r)->wsi = NULL;
}

/* Someone answers at path: another vigil owns it. */
static bool
alive(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool up;

	if (fd < 0)
		return false;
	up = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0;
	close(fd);
	return up;
}

static int
bind_socket(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	mode_t old;
	int fd, rc;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "control socket path too long: %s", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path));
	if (alive(&sa)) {
		snprintf(err, errlen, "another vigil answers at %s (set ctl_socket to run two)", path);
		return -1;
	}
	(void)unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* fchmod does not reach a unix socket's inode: narrow the umask
	 * around bind so the socket is 0600 from its first instant. */
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc < 0 || listen(fd, 16) < 0) {
		snprintf(err, errlen, "cannot listen at %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

struct ctlsock *
ctlsock_new(struct loop *l, struct logring *log, const char *path, ctl_run_fn run, void *ud,
    char *err, size_t errlen)
{
	struct ctlsock *cs = calloc(1, sizeof(*cs));
	int fd;

	if (cs == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((fd = bind_socket(path, err, errlen)) < 0) {
		free(cs);
		return NULL;
	}
	cs->loop = l;
	cs->log = log;
	cs->run = run;
	cs->ud = ud;
	snprintf(cs->path, sizeof(cs->path), "%s", path);
	cs->raw.on_rx = listen_rx;
	cs->raw.on_closed = listen_closed;
	cs->wsi = loop_adopt(l, fd, &cs->raw);
	if (cs->wsi == NULL) {
		(void)unlink(path);
		free(cs);
		snprintf(err, errlen, "cannot adopt the control socket");
		return NULL;
	}
	return cs;
}

void
ctlsock_free(struct ctlsock *c)
{
	if (c == NULL)
		return;
	while (c->conns != NULL) {
		lws_set_opaque_user_data(c->conns->wsi, NULL);
		conn_forget(c->conns);
	}
	if (c->wsi != NULL)
		lws_set_opaque_user_data(c->wsi, NULL);
	(void)unlink(c->path);
	free(c);
}
