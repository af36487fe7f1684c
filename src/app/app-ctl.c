/*
 * The app's control socket (net/ctlsock.h): where it listens and who runs
 * the commands. The command table is the front end's (src/ui), handed in
 * through app_set_commands, so the app never calls up into the console.
 * A control socket that cannot start is a warning, never a reason to keep
 * the bot offline.
 */
#include <stdio.h>
#include <string.h>

#include "app/app-internal.h"
#include "app/paths.h"

void
app_set_commands(struct app *a, app_cmd_fn run, void *ud)
{
	a->cmd_run = run;
	a->cmd_ud = ud;
}

const char *
app_ctl_path(const struct app *a)
{
	return a->ctl != NULL ? a->ctl_path : "";
}

static int
run_command(void *ud, const char *line, const struct line_out *out)
{
	struct app *a = ud;

	if (a->cmd_run == NULL) {
		out->line(out->ud, LOG_WARN, "this vigil takes no commands yet");
		return -1;
	}
	return a->cmd_run(a->cmd_ud, line, out);
}

/* The configured path, else NAME.sock in the runtime directory. */
static int
socket_path(struct app *a, char *err, size_t errlen)
{
	const char *name = a->cfg.endpoint[0] != '\0' ? a->cfg.endpoint : "vigil";
	char dir[PATH_MAX];

	if (a->cfg.ctl_socket[0] != '\0') {
		snprintf(a->ctl_path, sizeof(a->ctl_path), "%s", a->cfg.ctl_socket);
		return 0;
	}
	if (paths_runtime(a->cfg.state_dir, dir, sizeof(dir)) < 0) {
		snprintf(err, errlen, "the runtime directory's path is too long");
		return -1;
	}
	return ctlsock_default_path(dir, name, a->ctl_path, sizeof(a->ctl_path), err, errlen);
}

void
app_ctl_start(struct app *a)
{
	char err[PATH_MAX + 128];

	if (strcmp(a->cfg.ctl_socket, "off") == 0)
		return;
	if (socket_path(a, err, sizeof(err)) < 0) {
		LOGF(app_log(a), LOG_WARN, "ctl", "no control socket: %s", err);
		return;
	}
	a->ctl = ctlsock_new(&a->loop, app_log(a), a->ctl_path, run_command, a, err, sizeof(err));
	if (a->ctl == NULL)
		LOGF(app_log(a), LOG_WARN, "ctl", "no control socket: %s", err);
	else
		LOGF(app_log(a), LOG_INFO, "ctl", "control socket %s (vigil ctl)", a->ctl_path);
}
