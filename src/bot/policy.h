/*
 * What vigil does when a gateway connection ends, in one table (docs/design.md
 * "States, resume and reconnect", docs/protocol.md §1.9): resume the session, start a new
 * one, or stop and tell the operator. Every row is unit-tested.
 */
#ifndef VIGIL_BOT_POLICY_H
#define VIGIL_BOT_POLICY_H

#include <stdbool.h>

#include "bot/log.h"

enum policy_action { POLICY_RESUME, POLICY_NEW_SESSION, POLICY_STOP };

/* Why a connection ended, when it is not a close code from the server. */
enum policy_cause {
	CAUSE_CLOSE,            /* the server sent a close frame with a code */
	CAUSE_DROP,             /* the connection died without a close frame */
	CAUSE_CONNECT_FAILED,   /* the connection never opened (refused, DNS, TLS, handshake) */
	CAUSE_OP7,              /* op 7 RECONNECT */
	CAUSE_OP9_RESUMABLE,    /* op 9 INVALID SESSION, d = true */
	CAUSE_OP9,              /* op 9 INVALID SESSION, d = false */
	CAUSE_ZOMBIE,           /* a heartbeat went unacknowledged */
	CAUSE_TIMEOUT,          /* HELLO, READY or RESUMED did not come in time */
	CAUSE_PROTOCOL,         /* the gateway sent something unusable (HELLO or READY without its fields) */
	CAUSE_OPERATOR_RESUME,  /* the operator asked for a resume */
	CAUSE_OPERATOR_NEW,     /* the operator asked for a new session */
	CAUSE_OPERATOR_STOP,    /* the operator asked vigil to stop */
};

struct policy_row {
	enum policy_cause cause;
	int code;               /* for CAUSE_CLOSE; 0 otherwise */
	enum policy_action action;
	enum log_level level;   /* how loudly to log it */
	const char *text;       /* what it means, for logs and the diagram */
};

/* The row for a cause; for CAUSE_CLOSE, the row for `code` (unknown codes
 * get a resume row: the session may well be alive). Never NULL. */
const struct policy_row *policy_lookup(enum policy_cause cause, int code);
/* The whole table, for tests and the console's help. */
const struct policy_row *policy_table(int *n);
const char *policy_action_name(enum policy_action a);

#endif
