/* redis-server as a child process for tests: see redis-proc.h. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "children.h"
#include "redis-proc.h"

#define START_MS 5000

static int
free_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* PING over the unix socket, raw RESP: +PONG, or -NOAUTH when protected. */
static bool
answers(const struct redisproc *rp)
{
	struct sockaddr_un a;
	char buf[64];
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	bool ok = false;

	if (fd < 0)
		return false;
	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", rp->sock);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    write(fd, "PING\r\n", 6) == 6) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 1000) == 1 && read(fd, buf, sizeof(buf)) > 0)
			ok = buf[0] == '+' || buf[0] == '-';
	}
	close(fd);
	return ok;
}

static int
spawn(struct redisproc *rp)
{
	char port[16], conf[128] = "";
	pid_t pid;

	snprintf(port, sizeof(port), "%d", rp->port);
	if (rp->password[0] != '\0') {
		FILE *f;
		snprintf(conf, sizeof(conf), "%s/redis.conf", rp->dir);
		f = fopen(conf, "w");
		if (f == NULL)
			return -1;
		fchmod(fileno(f), 0600);
		fprintf(f, "requirepass %s\n", rp->password);
		fclose(f);
	}
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		const char *argv[32];
		int n = 0;
		int devnull = open("/dev/null", 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (devnull >= 0) {
			dup2(devnull, 1);
			dup2(devnull, 2);
		}
		argv[n++] = "redis-server";
		if (conf[0] != '\0')
			argv[n++] = conf;       /* the password: a file, never argv */
		argv[n++] = "--port";
		argv[n++] = port;
		argv[n++] = "--bind";
		argv[n++] = "127.0.0.1";
		argv[n++] = "--unixsocket";
		argv[n++] = rp->sock;
		argv[n++] = "--dir";
		argv[n++] = rp->dir;
		argv[n++] = "--save";
		argv[n++] = "";
		argv[n++] = "--appendonly";
		argv[n++] = "no";
		argv[n++] = "--daemonize";
		argv[n++] = "no";
		argv[n] = NULL;
		execvp("redis-server", (char *const *)argv);
		_exit(127);
	}
	rp->pid = pid;
	children_remember(pid, true);
	for (long long end = mono_ms() + START_MS; mono_ms() < end;) {
		if (answers(rp))
			return 0;
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			children_remember(pid, false);
			rp->pid = 0;
			return -1;
		}
		usleep(20000);
	}
	redisproc_kill(rp);
	return -1;
}

int
redisproc_start(struct redisproc *rp, const char *password)
{
	memset(rp, 0, sizeof(*rp));
	snprintf(rp->dir, sizeof(rp->dir), "/tmp/vigil-redis.XXXXXX");
	if (mkdtemp(rp->dir) == NULL)
		return -1;
	snprintf(rp->sock, sizeof(rp->sock), "%s/redis.sock", rp->dir);
	if (password != NULL)
		snprintf(rp->password, sizeof(rp->password), "%s", password);
	/* A port found free can be taken before redis binds it: try again. */
	for (int i = 0; i < 5; i++) {
		rp->port = free_port();
		if (rp->port > 0 && spawn(rp) == 0)
			return 0;
	}
	return -1;
}

int
redisproc_restart(struct redisproc *rp)
{
	if (rp->pid > 0)
		redisproc_kill(rp);
	unlink(rp->sock);
	return spawn(rp);
}

void
redisproc_kill(struct redisproc *rp)
{
	if (rp->pid <= 0)
		return;
	kill(rp->pid, SIGCONT);
	kill(rp->pid, SIGKILL);
	waitpid(rp->pid, NULL, 0);
	children_remember(rp->pid, false);
	rp->pid = 0;
}

void
redisproc_pause(struct redisproc *rp, bool paused)
{
	if (rp->pid > 0)
		kill(rp->pid, paused ? SIGSTOP : SIGCONT);
}

void
redisproc_stop(struct redisproc *rp)
{
	char cmd[128];

	redisproc_kill(rp);
	if (rp->dir[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", rp->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "redis-proc: cannot remove %s\n", rp->dir);
	rp->dir[0] = '\0';
}

int
redisproc_cli(struct redisproc *rp, char *out, size_t outlen, const char *const *args)
{
	char cmd[1024];
	size_t n;
	FILE *f;

	/* The password goes through the environment, never argv. */
	if (rp->password[0] != '\0')
		setenv("REDISCLI_AUTH", rp->password, 1);
	else
		unsetenv("REDISCLI_AUTH");
	n = (size_t)snprintf(cmd, sizeof(cmd), "redis-cli -s '%s'", rp->sock);
	for (; *args != NULL && n < sizeof(cmd); args++)
		n += (size_t)snprintf(cmd + n, sizeof(cmd) - n, " '%s'", *args);
	if (n >= sizeof(cmd) || (f = popen(cmd, "r")) == NULL)
		return -1;
	/* Lines joined with spaces, the last newline dropped. */
	n = fread(out, 1, outlen - 1, f);
	out[n] = '\0';
	while (n > 0 && out[n - 1] == '\n')
		out[--n] = '\0';
	for (char *p = out; (p = strchr(p, '\n')) != NULL;)
		*p = ' ';
	return pclose(f) == 0 ? 0 : -1;
}
