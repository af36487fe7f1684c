/* vigil --headless as a child process for integration tests: net-vigil.h. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net-vigil.h"

#define ARGS_MAX 40

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
write_config(const struct netv *v, const char *config)
{
	char path[192];
	FILE *f;

	snprintf(path, sizeof(path), "%s/config", v->dir);
	f = fopen(path, "w");
	if (f == NULL)
		return -1;
	fputs(config != NULL ? config : "", f);
	return fclose(f);
}

static void
exec_child(const struct netv *v, int out, const char *api, const char *const *args)
{
	const char *dir = getenv("VIGIL_BUILD");
	char path[512], cfg[192], state[192];
	const char *argv[ARGS_MAX];
	int n = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	dup2(out, STDOUT_FILENO);
	snprintf(path, sizeof(path), "%s/vigil", dir != NULL ? dir : "build");
	snprintf(cfg, sizeof(cfg), "%s/config", v->dir);
	snprintf(state, sizeof(state), "%s/state", v->dir);
	argv[n++] = path;
	argv[n++] = "--headless";
	argv[n++] = "--log-json";
	argv[n++] = "--api";
	argv[n++] = api;
	argv[n++] = "--config";
	argv[n++] = cfg;
	argv[n++] = "--state-dir";
	argv[n++] = state;
	while (args != NULL && *args != NULL && n < ARGS_MAX - 1)
		argv[n++] = *args++;
	argv[n] = NULL;
	unsetenv("VIGIL_TOKEN");
	unsetenv("VIGIL_API");
	execv(path, (char *const *)argv);
	_exit(127);
}

static int
spawn(struct netv *v, const char *api, const char *config, const char *const *args)
{
	int p[2];

	if (write_config(v, config) < 0 || pipe2(p, O_CLOEXEC) < 0)
		return -1;
	v->pid = fork();
	if (v->pid < 0)
		return -1;
	if (v->pid == 0)
		exec_child(v, p[1], api, args);
	close(p[1]);
	v->out = p[0];
	fcntl(v->out, F_SETFL, O_NONBLOCK);
	v->status = -1;
	v->plen = 0;
	return 0;
}

int
netv_start(struct netv *v, const char *api, const char *config, const char *const *args)
{
	memset(v, 0, sizeof(*v));
	v->pid = -1;
	v->out = -1;
	snprintf(v->dir, sizeof(v->dir), "/tmp/vigil-net.XXXXXX");
	if (mkdtemp(v->dir) == NULL)
		return -1;
	return spawn(v, api, config, args);
}

int
netv_restart(struct netv *v, const char *api, const char *config, const char *const *args)
{
	if (v->out >= 0)
		close(v->out);
	v->out = -1;
	return spawn(v, api, config, args);
}

static void
add_line(struct netv *v, const char *text, size_t len)
{
	json_t *j = json_loadb(text, len, 0, NULL);

	if (j == NULL) {
		/* Not JSON: keep it as a msg so a failure dump shows it. */
		j = json_pack("{s:s%}", "msg", text, len);
	}
	if (v->nlines == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 256;
		json_t **p = realloc(v->lines, cap * sizeof(*p));
		if (p == NULL) {
			json_decref(j);
			return;
		}
		v->lines = p;
		v->cap = cap;
	}
	v->lines[v->nlines++] = j;
}

/* Reads what is there into lines; false at EOF. */
static bool
pump(struct netv *v)
{
	char buf[8192];
	ssize_t n;

	while ((n = read(v->out, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				add_line(v, v->partial, v->plen);
				v->plen = 0;
			} else if (v->plen < sizeof(v->partial) - 1) {
				v->partial[v->plen++] = buf[i];
			}
		}
	}
	return !(n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR));
}

static bool
matches(const json_t *line, const char *to, const char *msg)
{
	const char *m = json_string_value(json_object_get(line, "msg"));
	const char *t = json_string_value(json_object_get(line, "to"));

	if (to != NULL && (t == NULL || strcmp(t, to) != 0))
		return false;
	return msg == NULL || (m != NULL && strstr(m, msg) != NULL);
}

/* Under valgrind (tests/valgrind.sh sets VIGIL_VALGRIND) vigil runs 20-50
 * times slower: every wait stretches. */
static int
scaled(int ms)
{
	return getenv("VIGIL_VALGRIND") != NULL ? ms * 10 : ms;
}

json_t *
netv_wait(struct netv *v, int timeout_ms, const char *to, const char *msg)
{
	int64_t end = now_ms() + scaled(timeout_ms);
	bool alive = true;

	for (;;) {
		for (; v->cursor < v->nlines; v->cursor++) {
			if (matches(v->lines[v->cursor], to, msg))
				return v->lines[v->cursor++];
		}
		int64_t left = end - now_ms();
		if (left <= 0 || !alive || v->out < 0)
			return NULL;
		struct pollfd pfd = { v->out, POLLIN, 0 };
		poll(&pfd, 1, (int)(left < 100 ? left : 100));
		alive = pump(v);
	}
}

int
netv_count(struct netv *v, const char *to, const char *msg)
{
	int n = 0;

	if (v->out >= 0)
		pump(v);
	for (size_t i = 0; i < v->nlines; i++)
		n += matches(v->lines[i], to, msg);
	return n;
}

double
netv_time(const json_t *line)
{
	const char *t = json_string_value(json_object_get(line, "time"));
	struct tm tm;
	char *rest;

	if (t == NULL)
		return 0;
	memset(&tm, 0, sizeof(tm));
	rest = strptime(t, "%Y-%m-%dT%H:%M:%S", &tm);
	if (rest == NULL)
		return 0;
	return (double)timegm(&tm) + (rest[0] == '.' ? strtod(rest, NULL) : 0);
}

long long
netv_stat(struct netv *v, const char *key)
{
	char pat[64];

	netv_count(v, NULL, NULL);
	snprintf(pat, sizeof(pat), " %s=", key);
	for (size_t i = v->nlines; i > 0; i--) {
		const char *m = json_string_value(json_object_get(v->lines[i - 1], "msg"));
		const char *p = m != NULL && strncmp(m, "stats:", 6) == 0 ? strstr(m, pat) : NULL;
		if (p != NULL)
			return strtoll(p + strlen(pat), NULL, 10);
	}
	return -1;
}

int
netv_stop(struct netv *v, int sig, int timeout_ms)
{
	int64_t end = now_ms() + scaled(timeout_ms);
	int st;

	if (v->pid <= 0)
		return v->status;
	kill(v->pid, sig);
	while (now_ms() < end) {
		if (waitpid(v->pid, &st, WNOHANG) == v->pid) {
			v->pid = -1;
			v->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
			netv_count(v, NULL, NULL);
			return v->status;
		}
		if (v->out >= 0)
			pump(v);
		usleep(10000);
	}
	kill(v->pid, SIGKILL);
	waitpid(v->pid, NULL, 0);
	v->pid = -1;
	return -1;
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void
netv_cleanup(struct netv *v)
{
	if (v->pid > 0) {
		kill(v->pid, SIGKILL);
		waitpid(v->pid, NULL, 0);
		v->pid = -1;
	}
	if (v->out >= 0)
		close(v->out);
	v->out = -1;
	if (v->dir[0] != '\0')
		nftw(v->dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	for (size_t i = 0; i < v->nlines; i++)
		json_decref(v->lines[i]);
	free(v->lines);
	memset(v, 0, sizeof(*v));
	v->pid = -1;
	v->out = -1;
}

void
netv_dump(const struct netv *v)
{
	for (size_t i = 0; i < v->nlines; i++) {
		char *s = json_dumps(v->lines[i], JSON_COMPACT);
		fprintf(stderr, "vigil| %s\n", s != NULL ? s : "?");
		free(s);
	}
}

void
netv_dump_all(const struct netv *vs, int n)
{
	for (int i = 0; i < n; i++) {
		if (vs[i].dir[0] == '\0')
			continue;
		fprintf(stderr, "--- vigil %d\n", i);
		netv_dump(&vs[i]);
	}
}
