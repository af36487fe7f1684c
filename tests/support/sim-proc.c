/* vigil-sim as a child process for tests: see sim-proc.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "children.h"
#include "sim-proc.h"

#define START_MS    5000
#define STOP_MS     3000
#define ARGS_MAX    48

static void
exec_child(int out, const char *const *args)
{
	const char *dir = getenv("VIGIL_BUILD");
	char path[512];
	const char *argv[ARGS_MAX];
	int n = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	dup2(out, STDOUT_FILENO);
	snprintf(path, sizeof(path), "%s/vigil-sim", dir != NULL ? dir :
	    "build");
	argv[n++] = path;
	argv[n++] = "--port";
	argv[n++] = "0";
	argv[n++] = "--chatter";
	argv[n++] = "0";
	argv[n++] = "--identify-spacing";
	argv[n++] = "0";
	while (args != NULL && *args != NULL && n < ARGS_MAX - 1)
		argv[n++] = *args++;
	argv[n] = NULL;
	execv(path, (char *const *)(uintptr_t)argv);
	_exit(127);
}

/* Reads the announcement line within START_MS. */
static int
read_line(int fd, char *buf, size_t len)
{
	struct pollfd p = { fd, POLLIN, 0 };
	size_t used = 0;
	ssize_t n;

	while (used + 1 < len) {
		if (poll(&p, 1, START_MS) <= 0)
			return -1;
		if ((n = read(fd, buf + used, len - used - 1)) <= 0)
			return -1;
		used += (size_t)n;
		buf[used] = '\0';
		if (strchr(buf, '\n') != NULL)
			return 0;
	}
	return -1;
}

int
simproc_start(struct simproc *sp, const char *const *args)
{
	int fds[2];
	char line[1024];
	const char *api;
	json_t *j;

	memset(sp, 0, sizeof(*sp));
	if (pipe(fds) != 0)
		return -1;
	if ((sp->pid = fork()) < 0)
		return -1;
	if (sp->pid == 0) {
		close(fds[0]);
		exec_child(fds[1], args);
	}
	close(fds[1]);
	children_remember(sp->pid, true);
	if (read_line(fds[0], line, sizeof(line)) != 0 ||
	    (j = json_loads(line, 0, NULL)) == NULL) {
		close(fds[0]);
		simproc_stop(sp);
		return -1;
	}
	close(fds[0]);
	sp->port = (int)json_integer_value(json_object_get(j, "port"));
	api = json_string_value(json_object_get(j, "api"));
	/* https:// when it serves TLS (--tls-cert). */
	snprintf(sp->base, sizeof(sp->base), "%s://127.0.0.1:%d",
	    api != NULL && strncmp(api, "https:", 6) == 0 ? "https" : "http", sp->port);
	json_decref(j);
	return sp->port > 0 ? 0 : -1;
}

int
simproc_stop(struct simproc *sp)
{
	return simproc_signal(sp, SIGTERM);
}

int
simproc_signal(struct simproc *sp, int sig)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int status = 0, waited;

	if (sp->pid <= 0)
		return -1;
	kill(sp->pid, sig);
	for (waited = 0; waited < STOP_MS; waited += 10) {
		if (waitpid(sp->pid, &status, WNOHANG) == sp->pid)
			break;
		nanosleep(&ts, NULL);
	}
	if (waited >= STOP_MS) {
		kill(sp->pid, SIGKILL);
		waitpid(sp->pid, &status, 0);
	}
	children_remember(sp->pid, false);
	sp->pid = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int
simproc_http(struct simproc *sp, const char *method, const char *path,
    const char *auth, const char *body, struct httpc_resp *r)
{
	char url[512];

	snprintf(url, sizeof(url), "%s%s", sp->base, path);
	return httpc(method, url, auth, body, r);
}

static long
post(struct simproc *sp, const char *path, const char *body)
{
	struct httpc_resp r;
	long status;

	simproc_http(sp, "POST", path, NULL, body, &r);
	status = r.status;
	httpc_free(&r);
	return status;
}

long
simproc_fault(struct simproc *sp, const char *body)
{
	return post(sp, "/_ctl/fault", body);
}

long
simproc_set(struct simproc *sp, const char *body)
{
	return post(sp, "/_ctl/set", body);
}

json_t *
simproc_get(struct simproc *sp, const char *path)
{
	struct httpc_resp r;
	json_t *j = NULL;

	if (simproc_http(sp, "GET", path, NULL, NULL, &r) == 0 &&
	    r.status == 200)
		j = httpc_json(&r);
	httpc_free(&r);
	return j;
}

long long
simproc_counter(struct simproc *sp, const char *name)
{
	json_t *j = simproc_get(sp, "/_ctl/counters");
	long long v = -1;

	if (json_is_integer(json_object_get(j, name)))
		v = json_integer_value(json_object_get(j, name));
	json_decref(j);
	return v;
}
