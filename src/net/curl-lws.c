/*
 * curl multi on the lws loop. A struct csock lives from curl's first wish
 * for a socket until both curl has removed it and lws has closed our dup of
 * it; only then is it freed, so no callback ever sees freed memory.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/curl-lws.h"

struct csock {
	struct loop_raw raw;            /* first: the loop hands it back */
	struct curl_lws *cl;            /* NULL once the multi is gone */
	struct csock *next;
	curl_socket_t s;
	struct lws *wsi;                /* the dup's wsi, NULL when none */
	int want;                       /* CURL_POLL_IN / OUT / INOUT */
	bool removed;                   /* curl said REMOVE */
	bool lost;                      /* lws closed the dup first: tell curl */
};

struct curl_lws {
	CURLM *multi;
	struct loop *loop;
	struct logring *log;
	curl_lws_done_fn done;
	void *ud;
	lws_sorted_usec_list_t timer, errs, kick;
	struct csock *socks;
	int nsocks;
};

static void kick_cb(lws_sorted_usec_list_t *sul);

static void
drain(struct curl_lws *cl)
{
	CURLMsg *m;
	bool kick = false;
	int left;

	while ((m = curl_multi_info_read(cl->multi, &left)) != NULL) {
		CURL *easy;
		CURLcode rc;
		if (m->msg != CURLMSG_DONE)
			continue;
		easy = m->easy_handle;
		rc = m->data.result;
		curl_multi_remove_handle(cl->multi, easy);
		cl->done(cl->ud, easy, rc);
		kick = true;
	}
	/* A finished transfer frees its connection for a transfer waiting
	 * on it; curl wakes that one through its timer, so make sure the
	 * timer runs. A spare timeout action costs nothing. */
	if (kick)
		lws_sul_schedule(cl->loop->ctx, 0, &cl->kick, kick_cb, 0);
}

/* Always drain afterwards, even when the socket just went away (§1.2). */
static void
action(struct curl_lws *cl, curl_socket_t s, int ev)
{
	int running;

	cl->loop->busy = true;
	loop_stamp(cl->loop);
	curl_multi_socket_action(cl->multi, s, ev, &running);
	drain(cl);
}

static void
sock_free(struct csock *c)
{
	struct curl_lws *cl = c->cl;

	if (cl != NULL) {
		for (struct csock **p = &cl->socks; *p != NULL; p = &(*p)->next) {
			if (*p == c) {
				*p = c->next;
				break;
			}
		}
		cl->nsocks--;
	}
	free(c);
}

static int
sock_rx(struct loop_raw *r, struct lws *wsi)
{
	struct csock *c = (struct csock *)r;

	(void)wsi;
	if (c->cl != NULL && !c->removed)
		action(c->cl, c->s, CURL_CSELECT_IN);
	return 0;
}

static int
sock_writable(struct loop_raw *r, struct lws *wsi)
{
	struct csock *c = (struct csock *)r;

	(void)wsi;
	if (c->cl == NULL || c->removed || !(c->want & CURL_POLL_OUT))
		return 0;
	action(c->cl, c->s, CURL_CSELECT_OUT);
	/* The raw-file POLLOUT is one-shot: re-arm while curl still wants it. */
	if (!c->removed && c->wsi != NULL && (c->want & CURL_POLL_OUT))
		lws_callback_on_writable(c->wsi);
	return 0;
}

static void
errs_cb(lws_sorted_usec_list_t *sul)
{
	struct curl_lws *cl = (struct curl_lws *)((char *)sul - offsetof(struct curl_lws, errs));
	struct csock *c;

	/* Rescan after each call: curl may add or free sockets meanwhile. */
	for (;;) {
		for (c = cl->socks; c != NULL && !(c->lost && c->wsi == NULL); c = c->next)
			;
		if (c == NULL)
			return;
		c->lost = false;
		if (c->removed)
			sock_free(c);
		else
			action(cl, c->s, CURL_CSELECT_ERR);
	}
}

static void
sock_closed(struct loop_raw *r, struct lws *wsi)
{
	struct csock *c = (struct csock *)r;

	(void)wsi;
	c->wsi = NULL;
	if (c->cl == NULL || c->removed) {
		sock_free(c);
		return;
	}
	/* lws saw POLLHUP/ERR (a refused connect) and closed the dup on its
	 * own; curl would only notice through its own timer (§1.4). */
	c->lost = true;
	lws_sul_schedule(c->cl->loop->ctx, 0, &c->cl->errs, errs_cb, 0);
}

static void
watch(struct curl_lws *cl, struct csock *c)
{
	int fd = fcntl(c->s, F_DUPFD_CLOEXEC, 3);

	if (fd >= 0)
		c->wsi = loop_adopt(cl->loop, fd, &c->raw);
	if (c->wsi == NULL) {
		LOGF(cl->log, LOG_ERROR, "rest", "cannot watch a curl socket");
		c->lost = true;
		lws_sul_schedule(cl->loop->ctx, 0, &cl->errs, errs_cb, 0);
	}
}

static void
sock_removed(struct curl_lws *cl, struct csock *c)
{
	(void)cl;
	c->removed = true;
	c->want = 0;
	if (c->wsi != NULL)
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
	else if (!c->lost)
		sock_free(c);
}

static int
sock_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct curl_lws *cl = userp;
	struct csock *c = socketp;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		curl_multi_assign(cl->multi, s, NULL);
		if (c != NULL)
			sock_removed(cl, c);
		return 0;
	}
	if (c == NULL || c->removed) {
		/* A removed socket can come back (curl issue #9799): new record. */
		c = calloc(1, sizeof(*c));
		if (c == NULL)
			return -1;
		c->raw.on_rx = sock_rx;
		c->raw.on_writable = sock_writable;
		c->raw.on_closed = sock_closed;
		c->cl = cl;
		c->s = s;
		c->next = cl->socks;
		cl->socks = c;
		cl->nsocks++;
		curl_multi_assign(cl->multi, s, c);
	}
	c->want = what;
	if (c->wsi == NULL && !c->lost)
		watch(cl, c);
	if (c->wsi == NULL)
		return 0;
	lws_rx_flow_control(c->wsi, (what & CURL_POLL_IN) ? 1 : 0);
	if (what & CURL_POLL_OUT)
		lws_callback_on_writable(c->wsi);
	return 0;
}

static void
timer_cb(lws_sorted_usec_list_t *sul)
{
	struct curl_lws *cl = (struct curl_lws *)((char *)sul - offsetof(struct curl_lws, timer));

	action(cl, CURL_SOCKET_TIMEOUT, 0);
}

/* The spare timeout action after a transfer ended. curl only calls its
 * timer function when its earliest deadline changes, so our timer is set
 * again from curl_multi_timeout rather than trusted to be still right. */
static void
kick_cb(lws_sorted_usec_list_t *sul)
{
	struct curl_lws *cl = (struct curl_lws *)((char *)sul - offsetof(struct curl_lws, kick));
	long ms = -1;

	action(cl, CURL_SOCKET_TIMEOUT, 0);
	curl_multi_timeout(cl->multi, &ms);
	if (ms < 0)
		lws_sul_cancel(&cl->timer);
	else
		lws_sul_schedule(cl->loop->ctx, 0, &cl->timer, timer_cb, (lws_usec_t)ms * 1000);
}

static int
timerfunc(CURLM *multi, long timeout_ms, void *userp)
{
	struct curl_lws *cl = userp;

	(void)multi;
	/* 0 means "soon", never "now": curl must not be re-entered here. */
	if (timeout_ms < 0)
		lws_sul_cancel(&cl->timer);
	else
		lws_sul_schedule(cl->loop->ctx, 0, &cl->timer, timer_cb,
		    (lws_usec_t)timeout_ms * 1000);
	return 0;
}

struct curl_lws *
curl_lws_new(struct loop *loop, struct logring *log, curl_lws_done_fn done, void *ud,
    char *err, size_t errlen)
{
	struct curl_lws *cl = calloc(1, sizeof(*cl));

	if (cl == NULL || (cl->multi = curl_multi_init()) == NULL) {
		snprintf(err, errlen, "cannot start libcurl");
		free(cl);
		return NULL;
	}
	/* Every loop object exists before the first add, which fires the
	 * timer callback at once (pitfall 6). */
	cl->loop = loop;
	cl->log = log;
	cl->done = done;
	cl->ud = ud;
	curl_multi_setopt(cl->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(cl->multi, CURLMOPT_SOCKETDATA, cl);
	curl_multi_setopt(cl->multi, CURLMOPT_TIMERFUNCTION, timerfunc);
	curl_multi_setopt(cl->multi, CURLMOPT_TIMERDATA, cl);
	curl_multi_setopt(cl->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	return cl;
}

int
curl_lws_add(struct curl_lws *cl, CURL *easy, char *err, size_t errlen)
{
	CURLMcode rc = curl_multi_add_handle(cl->multi, easy);

	if (rc != CURLM_OK) {
		snprintf(err, errlen, "curl: %s", curl_multi_strerror(rc));
		return -1;
	}
	return 0;
}

void
curl_lws_remove(struct curl_lws *cl, CURL *easy)
{
	curl_multi_remove_handle(cl->multi, easy);
}

int
curl_lws_sockets(const struct curl_lws *cl)
{
	return cl->nsocks;
}

void
curl_lws_free(struct curl_lws *cl)
{
	if (cl == NULL)
		return;
	lws_sul_cancel(&cl->timer);
	lws_sul_cancel(&cl->errs);
	lws_sul_cancel(&cl->kick);
	/* Closes pooled connections; REMOVE callbacks kill their dups. */
	curl_multi_cleanup(cl->multi);
	while (cl->socks != NULL) {
		struct csock *c = cl->socks;
		cl->socks = c->next;
		c->cl = NULL;
		/* A dup still open is freed when lws closes it (loop_free). */
		if (c->wsi == NULL)
			free(c);
	}
	free(cl);
}
