/*
 * vigil-sim: the emulator on its own, for tests, chaos runs and poking at
 * by hand. A flag for every setting (from the one settings table), one JSON
 * line on stdout once it listens, and a clean exit on SIGINT/SIGTERM, which
 * arrive through a signalfd adopted into the lws loop.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "sim/server.h"

#define SCENARIO_FILE_MAX (1u << 20)

enum { OPT_PORT = 1000, OPT_BIND, OPT_SCENARIO, OPT_VERBOSE, OPT_HELP, OPT_VERSION,
    OPT_TLS_CERT, OPT_TLS_KEY, OPT_SETTING };

static const struct option fixed_options[] = {
	{ "port", required_argument, NULL, OPT_PORT },
	{ "bind", required_argument, NULL, OPT_BIND },
	{ "scenario", required_argument, NULL, OPT_SCENARIO },
	{ "verbose", no_argument, NULL, OPT_VERBOSE },
	{ "tls-cert", required_argument, NULL, OPT_TLS_CERT },
	{ "tls-key", required_argument, NULL, OPT_TLS_KEY },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
};

#define NFIXED (sizeof(fixed_options) / sizeof(fixed_options[0]))

struct opts {
	struct sim_config cfg;
	int port;
	const char *bind;
	const char *scenario;
	const char *tls_cert, *tls_key;
	bool verbose;
};

static void
usage_settings(FILE *out)
{
	const struct sim_setting *st;
	struct sim_config def;
	char flag[64], val[SIM_TOKEN_MAX];
	size_t n, i, k;

	sim_config_defaults(&def);
	st = sim_settings(&n);
	for (i = 0; i < n; i++) {
		for (k = 0; st[i].name[k] != '\0' && k < sizeof(flag) - 1; k++)
			flag[k] = st[i].name[k] == '_' ? '-' : st[i].name[k];
		flag[k] = '\0';
		sim_config_get(&def, &st[i], val, sizeof(val));
		fprintf(out, "  --%s %s\n      %s (default %s%s)%s\n", flag,
		    st[i].type == SIM_SET_STR ? "TEXT" : st[i].type ==
		    SIM_SET_MS ? "MS" : st[i].type == SIM_SET_DOUBLE ? "RATE" :
		    "N", st[i].help, val, st[i].type == SIM_SET_MS ? " ms" : "",
		    st[i].live ? "" : "; start only");
	}
}

static void
usage_faults(FILE *out)
{
	json_t *cat = sim_fault_catalog(), *f, *a;
	size_t i, j;

	json_array_foreach(cat, i, f) {
		fprintf(out, "  %s", json_string_value(json_object_get(f,
		    "name")));
		json_array_foreach(json_object_get(f, "args"), j, a) {
			json_t *def = json_object_get(a, "default");

			fprintf(out, " [%s=%s]", json_string_value(
			    json_object_get(a, "name")), json_is_string(def) ?
			    json_string_value(def) : "-");
		}
		fprintf(out, "\n      %s\n", json_string_value(
		    json_object_get(f, "help")));
		json_array_foreach(json_object_get(f, "args"), j, a)
			fprintf(out, "      %s: %s\n", json_string_value(
			    json_object_get(a, "name")), json_string_value(
			    json_object_get(a, "help")));
	}
	json_decref(cat);
}

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: vigil-sim [--port N] [--bind ADDR] [--scenario FILE] "
	    "[--tls-cert FILE --tls-key FILE] "
	    "[--verbose] [--SETTING VALUE ...]\n"
	    "\n"
	    "A local Discord gateway (v10, JSON, zlib-/zstd-stream) and REST API with\n"
	    "fault injection, on 127.0.0.1. Once listening it prints one JSON\n"
	    "line: {\"port\", \"api\", \"gateway_url\", \"control\", \"token\", "
	    "\"pid\"}.\n"
	    "\n"
	    "  --port N         listen here (default 0: any free port)\n"
	    "  --bind ADDR      on this local IPv4 address (default 127.0.0.1)\n"
	    "  --scenario FILE  play a scenario file (below)\n"
	    "  --verbose        let libwebsockets log to stderr\n"
	    "  --tls-cert FILE  serve the gateway (wss://) and REST (https://) over TLS\n"
	    "  --tls-key FILE   with this certificate (PEM, chain allowed) and key\n"
	    "  --help, --version\n"
	    "\n"
	    "Settings (also POST /_ctl/set {\"name\": value}; durations take "
	    "ms, s, m, h):\n");
	usage_settings(out);
	fprintf(out,
	    "\n"
	    "Faults (POST /_ctl/fault {\"fault\": NAME, ARG: VALUE, ...}; in a\n"
	    "scenario, NAME ARG... positionally or ARG=VALUE):\n");
	usage_faults(out);
	fprintf(out,
	    "\n"
	    "Control API: GET /_ctl/faults, /_ctl/settings, /_ctl/counters,\n"
	    "/_ctl/sessions; POST /_ctl/fault, /_ctl/set, /_ctl/scenario.\n"
	    "\n"
	    "Scenario file: one instruction a line; '#' comments.\n"
	    "  30s zombie                  at 30 s from the start\n"
	    "  +5s close 4000 reason=bye   5 s after the previous line\n"
	    "  2m set chatter=5            change settings\n"
	    "  loop 1h                     start over every hour\n");
}

static struct option *
build_options(void)
{
	size_t n, i, k;
	const struct sim_setting *st = sim_settings(&n);
	struct option *o = calloc(NFIXED + n + 1, sizeof(*o));

	if (o == NULL)
		return NULL;
	memcpy(o, fixed_options, sizeof(fixed_options));
	for (i = 0; i < n; i++) {
		char *name = strdup(st[i].name);

		for (k = 0; name != NULL && name[k] != '\0'; k++)
			name[k] = name[k] == '_' ? '-' : name[k];
		o[NFIXED + i] = (struct option){ name, required_argument, NULL,
		    OPT_SETTING + (int)i };
	}
	return o;
}

static void
free_options(struct option *o)
{
	size_t n, i;

	sim_settings(&n);
	for (i = 0; o != NULL && i < n; i++)
		free((char *)(uintptr_t)o[NFIXED + i].name);
	free(o);
}

/* One option: 0 to go on, 1 to exit 0 (--help), 2 for a usage error. */
static int
handle_opt(int c, const char *arg, struct opts *op)
{
	const struct sim_setting *st;
	char err[256];
	int64_t port;
	size_t n;

	st = sim_settings(&n);
	switch (c) {
	case OPT_PORT:
		if (sim_parse_int(arg, &port) == 0 && port >= 0 &&
		    port <= 65535) {
			op->port = (int)port;
			return 0;
		}
		fprintf(stderr, "vigil-sim: bad --port %s\n", arg);
		return 2;
	case OPT_BIND:
		if (inet_pton(AF_INET, arg, &(struct in_addr){ 0 }) == 1) {
			op->bind = arg;
			return 0;
		}
		fprintf(stderr, "vigil-sim: bad --bind %s (an IPv4 address)\n",
		    arg);
		return 2;
	case OPT_SCENARIO:
		op->scenario = arg;
		return 0;
	case OPT_VERBOSE:
		op->verbose = true;
		return 0;
	case OPT_TLS_CERT:
		op->tls_cert = arg;
		return 0;
	case OPT_TLS_KEY:
		op->tls_key = arg;
		return 0;
	case OPT_HELP:
		usage(stdout);
		return 1;
	case OPT_VERSION:
		printf("vigil-sim %s\n", VIGIL_VERSION);
		return 1;
	}
	if (c < OPT_SETTING || (size_t)(c - OPT_SETTING) >= n) {
		fprintf(stderr, "vigil-sim: see --help\n");
		return 2;
	}
	if (sim_config_set(&op->cfg, st[c - OPT_SETTING].name, arg, err,
	    sizeof(err)) == 0)
		return 0;
	fprintf(stderr, "vigil-sim: %s\n", err);
	return 2;
}

/* 0 to run, 1 to exit 0 (--help), 2 for a usage error. */
static int
parse_args(int argc, char **argv, struct opts *op)
{
	struct option *longopts = build_options();
	int c, rc = 0;

	if (longopts == NULL)
		return 2;
	while (rc == 0 &&
	    (c = getopt_long(argc, argv, "", longopts, NULL)) != -1)
		rc = handle_opt(c, optarg, op);
	if (rc == 0 && optind < argc) {
		fprintf(stderr, "vigil-sim: unexpected \"%s\"\n", argv[optind]);
		rc = 2;
	}
	if (rc == 0 && (op->tls_cert == NULL) != (op->tls_key == NULL)) {
		fprintf(stderr, "vigil-sim: --tls-cert and --tls-key go together\n");
		rc = 2;
	}
	free_options(longopts);
	return rc;
}

static void
lws_to_stderr(int level, const char *line)
{
	(void)level;
	fprintf(stderr, "vigil-sim: lws: %s", line);
}

static int
on_signal(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct signalfd_siginfo si;
	volatile bool *stop;

	(void)user, (void)in, (void)len;
	if (reason != LWS_CALLBACK_RAW_RX_FILE)
		return 0;
	stop = lws_vhost_user(lws_get_vhost(wsi));
	if (read(lws_get_socket_fd(wsi), &si, sizeof(si)) > 0)
		*stop = true;
	return 0;
}

/* SIGINT/SIGTERM become readable data on a signalfd in the loop. */
static int
adopt_signals(struct lws_context *ctx, volatile bool *stop)
{
	static const struct lws_protocols protos[] = {
		{ "vigil-sim-signals", on_signal, 0, 0, 0, NULL, 0 },
		{ NULL, NULL, 0, 0, 0, NULL, 0 }
	};
	struct lws_context_creation_info info;
	lws_sock_file_fd_type fd;
	struct lws_vhost *vh;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0 ||
	    (fd.filefd = signalfd(-1, &set, SFD_CLOEXEC)) < 0)
		return -1;
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
	info.protocols = protos;
	info.vhost_name = "vigil-sim-signals";
	info.user = (void *)(uintptr_t)stop;
	if ((vh = lws_create_vhost(ctx, &info)) == NULL ||
	    lws_adopt_descriptor_vhost(vh, LWS_ADOPT_RAW_FILE_DESC, fd,
	    "vigil-sim-signals", NULL) == NULL) {
		close(fd.filefd);
		return -1;
	}
	return 0;
}

static char *
read_file(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *buf = malloc(SCENARIO_FILE_MAX + 1);
	size_t n = 0;

	if (f == NULL || buf == NULL) {
		snprintf(err, errlen, "%s: cannot read", path);
		goto fail;
	}
	n = fread(buf, 1, SCENARIO_FILE_MAX + 1, f);
	if (n > SCENARIO_FILE_MAX) {
		snprintf(err, errlen, "%s: larger than 1 MiB", path);
		goto fail;
	}
	buf[n] = '\0';
	fclose(f);
	return buf;
fail:
	if (f != NULL)
		fclose(f);
	free(buf);
	return NULL;
}

static int
load_scenario(struct sim_server *srv, const char *path)
{
	char err[256], *text = read_file(path, err, sizeof(err));
	int n = -1;

	if (text != NULL)
		n = sim_server_scenario(srv, text, err, sizeof(err));
	free(text);
	if (n < 0)
		fprintf(stderr, "vigil-sim: scenario %s\n", err);
	return n < 0 ? -1 : 0;
}

static void
announce(struct sim_server *srv, const struct sim_config *cfg,
    const char *addr)
{
	int port = sim_server_port(srv);
	const char *http = sim_server_tls(srv) ? "https" : "http";
	json_t *o = json_object();

	json_object_set_new(o, "port", json_integer(port));
	json_object_set_new(o, "api", json_sprintf("%s://%s:%d/api", http, addr,
	    port));
	json_object_set_new(o, "api_v10", json_sprintf(
	    "%s://%s:%d/api/v10", http, addr, port));
	json_object_set_new(o, "gateway_url",
	    json_string(sim_server_gateway_url(srv)));
	json_object_set_new(o, "control", json_sprintf(
	    "%s://%s:%d/_ctl", http, addr, port));
	json_object_set_new(o, "token", json_string(cfg->token));
	json_object_set_new(o, "pid", json_integer(getpid()));
	json_dumpf(o, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	fflush(stdout);
	json_decref(o);
}

int
main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	struct lws_context *ctx;
	struct sim_server *srv;
	volatile bool stop = false;
	struct opts op;
	char err[256];
	int rc;

	memset(&op, 0, sizeof(op));
	op.bind = "127.0.0.1";
	sim_config_defaults(&op.cfg);
	if ((rc = parse_args(argc, argv, &op)) != 0)
		return rc == 1 ? 0 : 2;
	signal(SIGPIPE, SIG_IGN);
	lws_set_log_level(op.verbose ? LLL_ERR | LLL_WARN | LLL_NOTICE : 0,
	    lws_to_stderr);
	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	if (op.tls_cert != NULL)
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.fd_limit_per_thread = (unsigned)op.cfg.max_connections + 512;
	if ((ctx = lws_create_context(&info)) == NULL) {
		fprintf(stderr, "vigil-sim: cannot create the lws context\n");
		return 1;
	}
	if ((srv = sim_server_start_tls(ctx, &op.cfg, op.bind, op.port, op.tls_cert,
	    op.tls_key, err, sizeof(err))) == NULL || adopt_signals(ctx, &stop) != 0 ||
	    (op.scenario != NULL && load_scenario(srv, op.scenario) != 0)) {
		if (srv == NULL)
			fprintf(stderr, "vigil-sim: %s\n", err);
		lws_context_destroy(ctx);
		return 1;
	}
	announce(srv, &op.cfg, op.bind);
	while (!stop && lws_service(ctx, 0) >= 0)
		;
	sim_server_stop(srv);
	lws_context_destroy(ctx);
	return 0;
}
