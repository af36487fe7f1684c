/*
 * vigil's settings, from four places, later ones winning: built-in
 * defaults, the config file ($XDG_CONFIG_HOME/vigil/config or --config),
 * the environment (VIGIL_TOKEN, VIGIL_API, VIGIL_REDIS_PASSWORD, NO_COLOR) and
 * the command line.
 *
 * The config file has one `key = value` a line; `#` starts a comment;
 * values may be double-quoted. An unknown key or a bad value is an error
 * naming the file and line. The token is taken from VIGIL_TOKEN or the file
 * only: a --token flag is refused, so it never shows in `ps`; so is the
 * cluster's Redis password (redis_password or VIGIL_REDIS_PASSWORD).
 */
#ifndef VIGIL_CONFIG_H
#define VIGIL_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "app/app.h"

#define CONFIG_LINE_MAX 4096
#define CONFIG_DISCORD_API "https://discord.com/api"

struct vigil_options {
	struct app_config app;
	/* the console (src/ui/console.h) */
	char theme[PATH_MAX];
	bool no_color, no_bell, no_title, mouse;
	/* bookkeeping */
	char config_path[PATH_MAX];     /* "" = the default location */
	bool state_dir_set;             /* given explicitly: used as is */
	bool help, version;
};

void config_defaults(struct vigil_options *o);
/* Sets one setting by file key ("log_level") or flag ("--log-level"): 1,
 * 0 when there is no such key, or -1 with the reason in why. */
int config_set(struct vigil_options *o, const char *key, const char *value, char *why,
    size_t whylen);
/* True when flag ("--api") takes a value. */
bool config_is_flag(const char *flag);
/* Applies one file's text (name is for messages). 0, or -1 with
 * "name:LINE: message". */
int config_parse(struct vigil_options *o, const char *name, const char *text, size_t len,
    char *err, size_t errlen);
/* Applies the file at path; a missing file is an error only when
 * must_exist. 0, or -1 with a message. */
int config_load(struct vigil_options *o, const char *path, bool must_exist, char *err,
    size_t errlen);
/* Applies VIGIL_TOKEN, VIGIL_API, VIGIL_ALERT_WEBHOOK, VIGIL_REDIS_PASSWORD,
 * NO_COLOR. 0, or -1 with a message. */
int config_env(struct vigil_options *o, char *err, size_t errlen);
/* Applies the flags (argv[0] is skipped). 0, or -1 with a message (a usage
 * error). */
int config_args(struct vigil_options *o, int argc, char **argv, char *err, size_t errlen);
/* Everything at once: defaults, file, environment, flags, then the derived
 * settings (emulator or Discord, the state directory). 0, or -1 with a
 * message (a usage error). */
int config_all(struct vigil_options *o, int argc, char **argv, char *err, size_t errlen);

#endif
