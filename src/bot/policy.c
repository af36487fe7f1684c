/*
 * The close-code and op policy table. The choices and why:
 *  - resume whenever the session may be alive: a drop, 4000-4002, server
 *    1000/1001 (Discord sends 1000 "for unknown reasons"; JDA, discord.py and
 *    Concord resume), op 7, op 9 d=true, a zombie; 4008 too, but loudly: it
 *    means vigil broke the send limit, a bug;
 *  - a new session when the server says the session is gone: 4003, 4005,
 *    4007, 4009 (and legacy 4006), op 9 d=false;
 *  - stop when retrying cannot help and would burn session starts: 4004
 *    (bad token) and 4010-4014 (shards, version, intents).
 */
#include <stddef.h>

#include "bot/policy.h"

static const struct policy_row rows[] = {
	{ CAUSE_DROP, 0, POLICY_RESUME, LOG_WARN, "connection dropped without a close frame" },
	{ CAUSE_CONNECT_FAILED, 0, POLICY_RESUME, LOG_WARN, "could not connect" },
	{ CAUSE_OP7, 0, POLICY_RESUME, LOG_INFO, "op 7: server asked for a reconnect" },
	{ CAUSE_OP9_RESUMABLE, 0, POLICY_RESUME, LOG_WARN, "op 9: invalid session (resumable)" },
	{ CAUSE_OP9, 0, POLICY_NEW_SESSION, LOG_WARN, "op 9: invalid session (not resumable)" },
	{ CAUSE_ZOMBIE, 0, POLICY_RESUME, LOG_WARN, "zombie: heartbeat not acknowledged" },
	{ CAUSE_TIMEOUT, 0, POLICY_RESUME, LOG_WARN, "timed out waiting for the gateway" },
	{ CAUSE_PROTOCOL, 0, POLICY_RESUME, LOG_ERROR, "the gateway broke the protocol" },
	{ CAUSE_OPERATOR_RESUME, 0, POLICY_RESUME, LOG_INFO, "operator asked for a resume" },
	{ CAUSE_OPERATOR_NEW, 0, POLICY_NEW_SESSION, LOG_INFO, "operator asked for a new session" },
	{ CAUSE_OPERATOR_STOP, 0, POLICY_STOP, LOG_INFO, "operator stopped the connection" },
	{ CAUSE_CLOSE, 1000, POLICY_RESUME, LOG_WARN, "1000 normal closure by the server" },
	{ CAUSE_CLOSE, 1001, POLICY_RESUME, LOG_WARN, "1001 server going away" },
	{ CAUSE_CLOSE, 1006, POLICY_RESUME, LOG_WARN, "1006 abnormal closure" },
	{ CAUSE_CLOSE, 4000, POLICY_RESUME, LOG_WARN, "4000 unknown error" },
	{ CAUSE_CLOSE, 4001, POLICY_RESUME, LOG_ERROR, "4001 unknown opcode (a vigil bug)" },
	{ CAUSE_CLOSE, 4002, POLICY_RESUME, LOG_ERROR, "4002 decode error (a vigil bug)" },
	{ CAUSE_CLOSE, 4003, POLICY_NEW_SESSION, LOG_WARN, "4003 not authenticated" },
	{ CAUSE_CLOSE, 4004, POLICY_STOP, LOG_ERROR, "4004 authentication failed: the token is wrong or was reset" },
	{ CAUSE_CLOSE, 4005, POLICY_NEW_SESSION, LOG_WARN, "4005 already authenticated" },
	{ CAUSE_CLOSE, 4006, POLICY_NEW_SESSION, LOG_WARN, "4006 session no longer valid" },
	{ CAUSE_CLOSE, 4007, POLICY_NEW_SESSION, LOG_WARN, "4007 invalid sequence on resume" },
	{ CAUSE_CLOSE, 4008, POLICY_RESUME, LOG_ERROR, "4008 rate limited (a vigil bug: send limit broken)" },
	{ CAUSE_CLOSE, 4009, POLICY_NEW_SESSION, LOG_WARN, "4009 session timed out" },
	{ CAUSE_CLOSE, 4010, POLICY_STOP, LOG_ERROR, "4010 invalid shard" },
	{ CAUSE_CLOSE, 4011, POLICY_STOP, LOG_ERROR, "4011 sharding required" },
	{ CAUSE_CLOSE, 4012, POLICY_STOP, LOG_ERROR, "4012 invalid API version" },
	{ CAUSE_CLOSE, 4013, POLICY_STOP, LOG_ERROR, "4013 invalid intents" },
	{ CAUSE_CLOSE, 4014, POLICY_STOP, LOG_ERROR, "4014 disallowed intents: enable them in the developer portal" },
};

static const struct policy_row unknown_close = {
	CAUSE_CLOSE, 0, POLICY_RESUME, LOG_WARN, "unknown close code"
};

const struct policy_row *
policy_lookup(enum policy_cause cause, int code)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (rows[i].cause == cause && (cause != CAUSE_CLOSE || rows[i].code == code))
			return &rows[i];
	}
	return &unknown_close;
}

const struct policy_row *
policy_table(int *n)
{
	*n = (int)(sizeof(rows) / sizeof(rows[0]));
	return rows;
}

const char *
policy_action_name(enum policy_action a)
{
	switch (a) {
	case POLICY_RESUME: return "resume";
	case POLICY_NEW_SESSION: return "new session";
	case POLICY_STOP: return "stop";
	}
	return "?";
}
