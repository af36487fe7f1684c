/*
 * One rule for the XDG directories (paths.h). Before it, two rules lived in
 * four places, so a relative $XDG_STATE_HOME put the history and the state
 * file in different directories.
 */
#include <stdio.h>
#include <stdlib.h>

#include "app/paths.h"

static const char *
usable(const char *dir)
{
	return dir != NULL && dir[0] == '/' ? dir : NULL;
}

int
paths_vigil(enum paths_base base, const char *sub, char *out, size_t len)
{
	const char *xdg = usable(getenv(base == PATHS_CONFIG ? "XDG_CONFIG_HOME" : "XDG_STATE_HOME"));
	const char *home = usable(getenv("HOME"));
	const char *under = base == PATHS_CONFIG ? ".config" : ".local/state";
	int n;

	if (xdg != NULL)
		n = snprintf(out, len, "%s/vigil%s%s", xdg, sub ? "/" : "", sub ? sub : "");
	else
		n = snprintf(out, len, "%s/%s/vigil%s%s", home ? home : ".", under,
		    sub ? "/" : "", sub ? sub : "");
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int
paths_runtime(const char *state_dir, char *out, size_t len)
{
	const char *rt = usable(getenv("XDG_RUNTIME_DIR"));
	int n = rt != NULL ? snprintf(out, len, "%s/vigil", rt) : snprintf(out, len, "%s", state_dir);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}
