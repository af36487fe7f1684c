/*
 * The fault catalog's types, shared by faults.c (the catalog and its
 * checks), faultargs.c (text arguments) and inject.c (what each fault does).
 * Core-private, like core.h.
 */
#ifndef VIGIL_SIM_FAULTS_H
#define VIGIL_SIM_FAULTS_H

#include "sim/core.h"

#define FAULT_ARGS_MAX 4

enum fault_arg_type { ARG_INT, ARG_DOUBLE, ARG_BOOL, ARG_STR };

struct fault_arg {
	const char *name;             /* NULL ends the list */
	enum fault_arg_type type;
	const char *def;              /* NULL: optional, no default */
	double min, max;              /* value range, or string length */
	const char *help;
};

/* Fires a fault with checked, defaulted args: how many connections it
 * touched (0 is fine), or -1 with a message in err. */
typedef int fault_fn(struct sim *, struct vtime now, json_t *args, char *err,
    size_t errlen);

/* Applies a connection fault to one target connection. */
typedef void conn_fault_fn(struct sim *, struct vtime now, struct sim_conn *,
    json_t *args);

#define FAULT_ST(s)  (1u << (s))
#define FAULT_LIVE   FAULT_ST(SIM_CONN_LIVE)
#define FAULT_OPEN   (FAULT_ST(SIM_CONN_AUTH) | FAULT_LIVE)
#define FAULT_ANY    (FAULT_OPEN | FAULT_ST(SIM_CONN_CLOSING))

struct fault {
	const char *name;
	const char *help;
	fault_fn *fn;                 /* fires the fault, or NULL: */
	conn_fault_fn *each;          /* applied to each target connection */
	unsigned states;              /* in one of these states */
	/* Checks what ranges cannot (0, or -1 with err); may be NULL. */
	int (*check)(json_t *args, char *err, size_t errlen);
	struct fault_arg args[FAULT_ARGS_MAX];
};

const struct fault *sim_fault_get(int idx);
/* Checks a fault's args as sim_fault() would, without firing it. */
int sim_fault_check(const char *name, json_t *args, char *err, size_t errlen);
int sim_fault_count(void);
const struct fault_arg *sim_fault_find_arg(const struct fault *, const char *name);
/* Parses text as a's type into *v (a new reference); 0 or -1 with err. */
int sim_fault_arg_parse(const struct fault_arg *a, const char *text, json_t **v,
    char *err, size_t errlen);

/* Applies each to the connection named by args' "conn", or to every
 * connection in states: how many, or -1 with err. */
int sim_fault_each(struct sim *, struct vtime now, json_t *args, unsigned states,
    conn_fault_fn *each, char *err, size_t errlen);

conn_fault_fn sim_conn_drop, sim_conn_close, sim_conn_zombie, sim_conn_blackhole, sim_conn_reconnect,
    sim_conn_invalid_session, sim_conn_heartbeat_request, sim_conn_malformed,
    sim_conn_oversize;
fault_fn sim_inject_refuse, sim_inject_stall, sim_inject_rest_429,
    sim_inject_global_429, sim_inject_rest_5xx, sim_inject_cf_ban, sim_inject_expire,
    sim_inject_token_reset, sim_inject_burst, sim_inject_clear;

#endif
