/*
 * The XDG base directories, resolved by one rule for every file vigil keeps:
 * the config file, themes, the state file and the command history. As the
 * XDG Base Directory spec says, $XDG_CONFIG_HOME or $XDG_STATE_HOME counts
 * only when it is an absolute path; unset, empty or relative, the default
 * under $HOME is used ($HOME/.config, $HOME/.local/state), and without a
 * usable $HOME, the same under the working directory. The runtime directory
 * (sockets) is $XDG_RUNTIME_DIR/vigil, by the same absolute-only rule; without
 * it, the state directory the caller names.
 */
#ifndef VIGIL_APP_PATHS_H
#define VIGIL_APP_PATHS_H

#include <stddef.h>

enum paths_base { PATHS_CONFIG, PATHS_STATE };

/* Writes "<base>/vigil" (or "<base>/vigil/<sub>" when sub is not NULL) to
 * out. 0, or -1 when it does not fit. */
int paths_vigil(enum paths_base base, const char *sub, char *out, size_t len);

/* Writes "$XDG_RUNTIME_DIR/vigil", or state_dir without a usable
 * $XDG_RUNTIME_DIR. 0, or -1 when it does not fit. */
int paths_runtime(const char *state_dir, char *out, size_t len);

#endif
