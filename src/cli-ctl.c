/*
 * vigil ctl [--socket PATH] COMMAND [ARGS]: runs one console command in a
 * running vigil through its control socket (net/ctlsock.h has the
 * protocol) and prints its output: info lines on stdout, warnings and
 * errors on stderr. Exit status: 0 done, 1 refused, 2 no vigil answered
 * (or a usage error).
 *
 * Without --socket it looks where vigil listens by default
 * ($XDG_RUNTIME_DIR/vigil, else the state directory and its endpoint
 * subdirectories; then /run/vigil, the systemd unit's) and takes the one
 * socket that answers.
 */
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"
#include "app/app.h"
#include "app/paths.h"
#include "net/ctlsock.h"

#define CTL_TIMEOUT_S 30

static int
ctl_connect(const char *path)
{
	struct sockaddr_un sa;
	struct timeval tv = { CTL_TIMEOUT_S, 0 };
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

/* The one default socket that answers: its fd, or -1 with a message. */
static int
find_vigil(char *path, size_t len, FILE *err)
{
	struct app_config def;
	char dir[PATH_MAX], pat[3][PATH_MAX + 16];
	glob_t g;
	int fd = -1, found = 0;

	app_config_defaults(&def);
	if (paths_runtime(def.state_dir, dir, sizeof(dir)) < 0) {
		fprintf(err, "vigil ctl: the runtime directory's path is too long: use --socket\n");
		return -1;
	}
	snprintf(pat[0], sizeof(pat[0]), "%s/*.sock", dir);
	snprintf(pat[1], sizeof(pat[1]), "%s/*/*.sock", dir);
	memset(&g, 0, sizeof(g));
	(void)glob(pat[0], 0, NULL, &g);
	(void)glob(pat[1], GLOB_APPEND, NULL, &g);
	/* contrib/systemd/vigil.service's RuntimeDirectory. */
	snprintf(pat[2], sizeof(pat[2]), "/run/vigil/*.sock");
	if (strcmp(dir, "/run/vigil") != 0)
		(void)glob(pat[2], GLOB_APPEND, NULL, &g);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		int k = ctl_connect(g.gl_pathv[i]);
		if (k < 0)
			continue;
		if (++found == 1) {
			fd = k;
			snprintf(path, len, "%s", g.gl_pathv[i]);
			continue;
		}
		close(k);
		fprintf(err, "vigil ctl: several vigils answer (%s, %s, ...): choose one with "
		    "--socket\n", path, g.gl_pathv[i]);
	}
	globfree(&g);
	if (found > 1) {
		close(fd);
		return -1;
	}
	if (found == 0)
		fprintf(err, "vigil ctl: no vigil answers in %s\n", dir);
	return fd;
}

/* argv as a command line the console's splitter gives back word for word. */
static int
join(int argc, char **argv, char *line, size_t len)
{
	size_t off = 0;

	for (int i = 0; i < argc; i++) {
		bool plain = argv[i][0] != '\0' && strcspn(argv[i], " \t\"'\\") == strlen(argv[i]);

		if (i > 0 && off < len)
			line[off++] = ' ';
		if (!plain && off < len)
			line[off++] = '"';
		for (const char *p = argv[i]; *p != '\0' && off + 2 < len; p++) {
			if (!plain && (*p == '"' || *p == '\\'))
				line[off++] = '\\';
			line[off++] = *p;
		}
		if (!plain && off < len)
			line[off++] = '"';
	}
	if (off + 2 >= len)
		return -1;
	line[off++] = '\n';
	line[off] = '\0';
	return 0;
}

static int
send_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, buf, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Prints one reply line; its status (0 or 1) when it is the last. */
static int
print_line(const char *l, FILE *out, FILE *err)
{
	if (l[0] == '=' && l[1] == ' ')
		return l[2] == '0' ? 0 : 1;
	if (l[0] == 'I' && l[1] == ' ')
		fprintf(out, "%s\n", l + 2);
	else
		fprintf(err, "%s\n", l[0] != '\0' && l[1] == ' ' ? l + 2 : l);
	return -1;
}

static int
read_reply(int fd, FILE *out, FILE *err)
{
	char buf[CTL_REPLY_MAX + 256];
	size_t have = 0;
	int status = -1;
	ssize_t n;

	while ((n = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0 || (n < 0 && errno == EINTR)) {
		char *line = buf, *nl;
		if (n < 0)
			continue;
		have += (size_t)n;
		buf[have] = '\0';
		while ((nl = strchr(line, '\n')) != NULL) {
			int st;
			*nl = '\0';
			if ((st = print_line(line, out, err)) >= 0)
				status = st;
			line = nl + 1;
		}
		have -= (size_t)(line - buf);
		memmove(buf, line, have);
		if (have == sizeof(buf) - 1)
			have = 0;       /* a line this long is not vigil's */
	}
	if (status < 0)
		fprintf(err, "vigil ctl: vigil closed the connection without an answer\n");
	return status < 0 ? 2 : status;
}

static void
ctl_usage(FILE *f)
{
	fprintf(f, "usage: vigil ctl [--socket PATH] COMMAND [ARGS]\n"
	    "  runs a console command in a running vigil (vigil ctl help lists them)\n"
	    "  exit status: 0 done, 1 refused, 2 no vigil answered\n");
}

int
cli_ctl(int argc, char **argv, FILE *out, FILE *err)
{
	char path[PATH_MAX] = "", line[CTL_REQUEST_MAX];
	int i = 1, fd, status;
	bool given;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		ctl_usage(out);
		return 0;
	}
	if (argc > 2 && strcmp(argv[1], "--socket") == 0) {
		snprintf(path, sizeof(path), "%s", argv[2]);
		i = 3;
	}
	if (i >= argc) {
		ctl_usage(err);
		return 2;
	}
	if (join(argc - i, argv + i, line, sizeof(line)) < 0) {
		fprintf(err, "vigil ctl: command longer than %d bytes\n", CTL_REQUEST_MAX - 2);
		return 2;
	}
	given = path[0] != '\0';
	fd = given ? ctl_connect(path) : find_vigil(path, sizeof(path), err);
	if (fd < 0) {
		if (given)
			fprintf(err, "vigil ctl: no vigil answers at %s: %s\n", path, strerror(errno));
		return 2;
	}
	if (send_all(fd, line, strlen(line)) < 0) {
		fprintf(err, "vigil ctl: cannot send to %s: %s\n", path, strerror(errno));
		close(fd);
		return 2;
	}
	status = read_reply(fd, out, err);
	close(fd);
	return status;
}
