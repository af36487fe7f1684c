/*
 * Hot reload with rollback (discord.py's): the new code is compiled and its
 * top level run in a fresh state while the old script keeps its listeners.
 * Only when that succeeds does the old one get UNLOAD and go; the swap is
 * one pointer between two events, so no event is lost or delivered twice
 * and the gateway connection is never touched. The store is the host's and
 * stays; what a failed top level wrote to it is rolled back too.
 */
#include <stdio.h>

#include "script/script-internal.h"

int
host_reload_one(struct script_host *h, int i, char *err, size_t errlen)
{
	struct script *old = h->s[i], *nw;
	struct script_store *st = old->store;
	json_t *saved = st->obj != NULL ? json_deep_copy(st->obj) : NULL;
	size_t bytes = st->bytes;
	bool dirty = st->dirty;
	char why[SCRIPT_ERR_MAX];

	nw = script_new(h, old->path, st, why, sizeof(why));
	if (nw == NULL || script_run_main(nw, why, sizeof(why)) < 0) {
		script_free(nw);
		json_decref(st->obj);
		st->obj = saved;
		st->bytes = bytes;
		st->dirty = dirty;
		snprintf(err, errlen, "%s: reload failed, the old code runs on: %s", old->name, why);
		LOGF(h->bot->log, LOG_ERROR, "bot", "%s", err);
		return -1;
	}
	json_decref(saved);
	h->s[i] = nw;
	host_retire(old);
	LOGF(h->bot->log, LOG_INFO, "bot", "bot %s reloaded", nw->name);
	return 0;
}
