/*
 * Atomic replace: write a temp file in the same directory, fsync it,
 * rename over the old one, fsync the directory so the rename itself is
 * durable. Writes are small (a few KB) and come at most about once a second.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/statefile.h"

static int
path_in(char *out, size_t outlen, const char *dir, const char *name, char *err, size_t errlen)
{
	if ((size_t)snprintf(out, outlen, "%s/%s", dir, name) >= outlen) {
		snprintf(err, errlen, "state directory path too long");
		return -1;
	}
	return 0;
}

int
statefile_mkdir(const char *dir, char *err, size_t errlen)
{
	char p[PATH_MAX];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof(p)) {
		snprintf(err, errlen, "bad state directory");
		return -1;
	}
	memcpy(p, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST) {
			snprintf(err, errlen, "cannot create %s: %s", p, strerror(errno));
			return -1;
		}
		p[i] = i < n ? '/' : '\0';
	}
	return 0;
}

static int
write_all(int fd, const char *text, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, text, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		text += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int
statefile_write(const char *dir, const char *text, size_t len, char *err, size_t errlen)
{
	return statefile_write_as(dir, STATEFILE_NAME, text, len, err, errlen);
}

int
statefile_write_as(const char *dir, const char *name, const char *text, size_t len,
    char *err, size_t errlen)
{
	char tmp[PATH_MAX], dst[PATH_MAX], tmpname[NAME_MAX + 1];
	int fd;

	snprintf(tmpname, sizeof(tmpname), ".%s.tmp", name);
	if (path_in(tmp, sizeof(tmp), dir, tmpname, err, errlen) < 0 ||
	    path_in(dst, sizeof(dst), dir, name, err, errlen) < 0)
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		return -1;
	}
	if (write_all(fd, text, len) < 0 || fsync(fd) < 0) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, dst) < 0) {
		snprintf(err, errlen, "cannot replace %s: %s", dst, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (sync_dir(dir) < 0) {
		snprintf(err, errlen, "cannot sync %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

static int
read_fd(int fd, char **out, size_t *len, char *err, size_t errlen)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	ssize_t got;

	while (buf != NULL) {
		if (n + 1 == cap) {
			char *p = cap >= STATEFILE_MAX ? NULL : realloc(buf, cap * 2);
			if (p == NULL)
				break;
			buf = p;
			cap *= 2;
		}
		got = read(fd, buf + n, cap - 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			break;
		if (got == 0) {
			buf[n] = '\0';
			*out = buf;
			*len = n;
			return 1;
		}
		n += (size_t)got;
	}
	snprintf(err, errlen, "%s", buf == NULL || n + 1 == cap ? "state file too big or out of memory" :
	    strerror(errno));
	free(buf);
	return -1;
}

int
statefile_read(const char *dir, char **out, size_t *len, char *err, size_t errlen)
{
	return statefile_read_as(dir, STATEFILE_NAME, out, len, err, errlen);
}

int
statefile_read_as(const char *dir, const char *name, char **out, size_t *len, char *err,
    size_t errlen)
{
	char p[PATH_MAX];
	int fd, rc;

	*out = NULL;
	*len = 0;
	if (path_in(p, sizeof(p), dir, name, err, errlen) < 0)
		return -1;
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0) {
		snprintf(err, errlen, "cannot read %s: %s", p, strerror(errno));
		return -1;
	}
	rc = read_fd(fd, out, len, err, errlen);
	close(fd);
	return rc;
}

int
statefile_set_aside(const char *dir, long long now_s, char *moved, size_t movedlen,
    char *err, size_t errlen)
{
	char p[PATH_MAX], name[64];

	snprintf(name, sizeof(name), STATEFILE_NAME ".corrupt-%lld", now_s);
	if (path_in(p, sizeof(p), dir, STATEFILE_NAME, err, errlen) < 0 ||
	    path_in(moved, movedlen, dir, name, err, errlen) < 0)
		return -1;
	if (rename(p, moved) < 0) {
		snprintf(err, errlen, "cannot move %s aside: %s", p, strerror(errno));
		return -1;
	}
	sync_dir(dir);
	return 0;
}
