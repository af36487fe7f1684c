/*
 * sim: inject a fault into vigil's emulator through its control API, only
 * when connected to it. The faults come from the emulator itself
 * (GET /_ctl/faults: name, help, typed arguments), so every fault it has is
 * here, completed by name, with no list kept in the console.
 *
 *   sim                          list the faults
 *   sim drop                     fire one (a unique prefix will do:
 *   sim invalid false              "invalid" is invalid_session)
 *   sim close 4000 reason=bye    arguments by position or name=value
 *
 * The request is asynchronous: the answer arrives on the loop and goes to
 * the log pane.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "app/app.h"
#include "ui/cmd.h"
#include "ui/ui.h"

static void fire(struct ui *ui, const char *line);

static void
list(struct ui *ui)
{
	for (size_t i = 0; i < ui->nfaults; i++) {
		const struct sim_fault *f = &ui->faults[i];
		char args[96];
		size_t off = 0;

		args[0] = '\0';
		for (int a = 0; a < f->nargs && off < sizeof(args); a++)
			off += (size_t)snprintf(args + off, sizeof(args) - off, " [%s]", f->arg[a]);
		ui_msg(ui, LOG_INFO, "sim: %s%s  %s", f->name, args, f->help);
	}
}

static void
take_fault(struct sim_fault *f, json_t *o)
{
	json_t *args = json_object_get(o, "args"), *a;
	size_t i;

	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", json_string_value(json_object_get(o, "name")));
	snprintf(f->help, sizeof(f->help), "%s",
	    json_is_string(json_object_get(o, "help")) ?
	    json_string_value(json_object_get(o, "help")) : "");
	json_array_foreach(args, i, a) {
		if (f->nargs == UI_FAULT_ARGS || !json_is_string(json_object_get(a, "name")))
			break;
		snprintf(f->arg[f->nargs], sizeof(f->arg[0]), "%s",
		    json_string_value(json_object_get(a, "name")));
		snprintf(f->type[f->nargs++], sizeof(f->type[0]), "%s",
		    json_is_string(json_object_get(a, "type")) ?
		    json_string_value(json_object_get(a, "type")) : "string");
	}
}

static void
on_catalog(void *ud, int status, const char *body, size_t len)
{
	struct ui *ui = ud;
	json_t *arr = status == 200 ? json_loadb(body, len, 0, NULL) : NULL, *o;
	size_t i;

	ui->faults_asked = false;
	if (!json_is_array(arr)) {
		ui_msg(ui, LOG_WARN, "sim: the emulator's fault list did not come (HTTP %d)", status);
		json_decref(arr);
		return;
	}
	ui->nfaults = 0;
	json_array_foreach(arr, i, o) {
		if (ui->nfaults == UI_FAULTS_MAX)
			break;
		if (json_is_string(json_object_get(o, "name")))
			take_fault(&ui->faults[ui->nfaults++], o);
	}
	json_decref(arr);
	if (ui->sim_pending[0] != '\0') {
		char line[sizeof(ui->sim_pending)];

		snprintf(line, sizeof(line), "%s", ui->sim_pending);
		ui->sim_pending[0] = '\0';
		if (line[0] == '\0' || strcmp(line, "-") == 0)
			list(ui);
		else
			fire(ui, line);
	}
}

void
cmd_sim_fetch(struct ui *ui)
{
	char err[128];

	if (ui->nfaults > 0 || ui->faults_asked || !app_has_sim(ui->app))
		return;
	if (app_sim_request(ui->app, "GET", "/_ctl/faults", NULL, on_catalog, ui, err,
	    sizeof(err)) != 0) {
		ui_msg(ui, LOG_WARN, "sim: %s", err);
		return;
	}
	ui->faults_asked = true;
	ui->fault_tries++;
}

/* The fault named, or the only one it is a prefix of ('-' for '_'). */
static const struct sim_fault *
find_fault(struct ui *ui, const char *name)
{
	const struct sim_fault *hit = NULL;
	char want[32];
	size_t n;

	snprintf(want, sizeof(want), "%s", name);
	for (char *c = want; *c != '\0'; c++)
		if (*c == '-')
			*c = '_';
	n = strlen(want);
	for (size_t i = 0; i < ui->nfaults; i++) {
		if (strcmp(ui->faults[i].name, want) == 0)
			return &ui->faults[i];
		if (strncmp(ui->faults[i].name, want, n) == 0) {
			if (hit != NULL)
				return NULL;
			hit = &ui->faults[i];
		}
	}
	return hit;
}

/* A typed JSON value for an argument, or NULL with a message. */
static json_t *
arg_value(const char *type, const char *text, char *err, size_t errlen)
{
	char *end;

	if (strcmp(type, "bool") == 0) {
		if (strcasecmp(text, "true") == 0 || strcasecmp(text, "yes") == 0 ||
		    strcmp(text, "1") == 0)
			return json_true();
		if (strcasecmp(text, "false") == 0 || strcasecmp(text, "no") == 0 ||
		    strcmp(text, "0") == 0)
			return json_false();
	} else if (strcmp(type, "int") == 0) {
		long long v = strtoll(text, &end, 10);

		if (*text != '\0' && *end == '\0')
			return json_integer(v);
	} else if (strcmp(type, "number") == 0) {
		double v = strtod(text, &end);

		if (*text != '\0' && *end == '\0')
			return json_real(v);
	} else {
		return json_string(text);
	}
	snprintf(err, errlen, "\"%s\" is not a%s %s", text, type[0] == 'i' ? "n" : "", type);
	return NULL;
}

/* Adds one argument ("4000" by position, or "reason=bye") to body. */
static int
add_arg(const struct sim_fault *f, json_t *body, const char *word, int *pos, char *err,
    size_t errlen)
{
	const char *eq = strchr(word, '=');
	int a = -1;
	json_t *v;

	if (eq != NULL) {
		for (int i = 0; i < f->nargs; i++)
			if (strncmp(f->arg[i], word, (size_t)(eq - word)) == 0 &&
			    f->arg[i][eq - word] == '\0')
				a = i;
	} else {
		a = (*pos)++;
	}
	if (a < 0 || a >= f->nargs) {
		snprintf(err, errlen, "%s takes %d argument%s; \"%s\" is one too many or unknown",
		    f->name, f->nargs, f->nargs == 1 ? "" : "s", word);
		return -1;
	}
	if ((v = arg_value(f->type[a], eq != NULL ? eq + 1 : word, err, errlen)) == NULL)
		return -1;
	json_object_set_new(body, f->arg[a], v);
	return 0;
}

static void
on_fired(void *ud, int status, const char *body, size_t len)
{
	struct ui *ui = ud;
	json_t *j = json_loadb(body, len, 0, NULL);
	json_t *e = json_object_get(j, "error");
	const char *name = json_string_value(json_object_get(j, "fault"));

	if (status == 200)
		ui_msg(ui, LOG_INFO, "sim: %s fired (%lld connection%s affected)",
		    name != NULL ? name : "fault",
		    (long long)json_integer_value(json_object_get(j, "affected")),
		    json_integer_value(json_object_get(j, "affected")) == 1 ? "" : "s");
	else
		ui_msg(ui, LOG_WARN, "sim: refused (HTTP %d): %.*s", status,
		    json_is_string(e) ? (int)json_string_length(e) : (int)(len > 200 ? 200 : len),
		    json_is_string(e) ? json_string_value(e) : body);
	json_decref(j);
}

static int
build_body(struct ui *ui, char **argv, int argc, char **out, char *err, size_t errlen)
{
	const struct sim_fault *f = find_fault(ui, argv[0]);
	json_t *body;
	int pos = 0;

	if (f == NULL) {
		snprintf(err, errlen, "no such fault '%s' (or more than one starts so); `sim` "
		    "lists them", argv[0]);
		return -1;
	}
	body = json_pack("{s:s}", "fault", f->name);
	for (int i = 1; i < argc; i++)
		if (add_arg(f, body, argv[i], &pos, err, errlen) != 0) {
			json_decref(body);
			return -1;
		}
	*out = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	return *out != NULL ? 0 : -1;
}

static void
fire(struct ui *ui, const char *line)
{
	char buf[CMD_LINE_MAX], err[192], *argv[CMD_MAX_ARGS + 1], *json = NULL;
	int argc = cmd_split(line, buf, sizeof(buf), argv, CMD_MAX_ARGS, err, sizeof(err));

	if (argc <= 0 || build_body(ui, argv, argc, &json, err, sizeof(err)) != 0) {
		ui_msg(ui, LOG_WARN, "sim: %s", argc == 0 ? "which fault?" : err);
		return;
	}
	if (app_sim_request(ui->app, "POST", "/_ctl/fault", json, on_fired, ui, err,
	    sizeof(err)) != 0)
		ui_msg(ui, LOG_WARN, "sim: %s", err);
	free(json);
}

static enum cmd_retval
cmd_sim_exec(struct ui *ui, int argc, char **argv)
{
	char line[sizeof(ui->sim_pending)];
	size_t off = 0;

	if (!app_has_sim(ui->app)) {
		ui_msg(ui, LOG_WARN, "sim: not connected to vigil's emulator (%s): nothing to inject",
		    app_endpoint_label(ui->app));
		return CMD_ERROR;
	}
	line[0] = '\0';
	for (int i = 1; i < argc && off < sizeof(line); i++)
		off += (size_t)snprintf(line + off, sizeof(line) - off, "%s\"%s\"", i > 1 ? " " : "",
		    argv[i]);
	if (ui->nfaults == 0) {
		snprintf(ui->sim_pending, sizeof(ui->sim_pending), "%s", argc == 1 ? "-" : line);
		cmd_sim_fetch(ui);
		return CMD_OK;
	}
	if (argc == 1)
		list(ui);
	else
		fire(ui, line);
	return CMD_OK;
}

const struct cmd_entry cmd_sim_entry = {
	.name = "sim",
	.usage = "[FAULT [ARG... | NAME=VALUE...]]",
	.help = "list the emulator's faults, or inject one (emulator only)",
	.details = "sim drop            drop the connection (no close frame)\n"
	    "sim close 4000      close with a code\n"
	    "sim invalid false   op 9, not resumable (a unique prefix names a fault)",
	.min_args = 0,
	.max_args = -1,
	.complete = "%(faults)",
	.exec = cmd_sim_exec,
};
