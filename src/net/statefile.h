/*
 * The state file (budget + resumable session, as the core serialises it):
 * written atomically (temp file, fsync, rename, fsync of the directory) so
 * a crash leaves either the old or the new file, never half of one. It
 * never holds the token.
 */
#ifndef VIGIL_NET_STATEFILE_H
#define VIGIL_NET_STATEFILE_H

#include <limits.h>
#include <stddef.h>

#define STATEFILE_NAME "state.json"
#define STATEFILE_MAX  (1u << 20)       /* a bigger file is not ours */

/* Creates dir (and missing parents, mode 0700). 0, or -1 with a message. */
int statefile_mkdir(const char *dir, char *err, size_t errlen);
/* Writes text atomically to dir/state.json. 0, or -1 with a message. */
int statefile_write(const char *dir, const char *text, size_t len, char *err, size_t errlen);
/* The same for another file of the state directory (a bot's store). */
int statefile_write_as(const char *dir, const char *name, const char *text, size_t len,
    char *err, size_t errlen);
/* Reads dir/state.json into a malloc'd NUL-terminated buffer. 1 with *out
 * set, 0 when there is no file, -1 with a message (unreadable, too big). */
int statefile_read(const char *dir, char **out, size_t *len, char *err, size_t errlen);
int statefile_read_as(const char *dir, const char *name, char **out, size_t *len, char *err,
    size_t errlen);
/* Moves dir/state.json aside to state.json.corrupt-<unix time>; the new
 * path goes into moved. 0, or -1 with a message. */
int statefile_set_aside(const char *dir, long long now_s, char *moved, size_t movedlen,
    char *err, size_t errlen);

#endif
