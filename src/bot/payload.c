/*
 * Outbound gateway payloads (docs/protocol.md §1.6-1.7). Built with jansson
 * except the heartbeat, which is tiny and frequent. The token goes into
 * IDENTIFY and RESUME and nowhere else.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/bot-internal.h"

static char *
dump(json_t *root, size_t *len)
{
	char *text = root ? json_dumps(root, JSON_COMPACT) : NULL;

	json_decref(root);
	*len = text ? strlen(text) : 0;
	return text;
}

char *
payload_identify(const struct bot *b, size_t *len)
{
	json_t *root = json_pack("{s:i, s:{s:s, s:I, s:{s:s, s:s, s:s}, s:[i,i], s:b, s:i}}",
	    "op", 2, "d",
	    "token", b->cfg.token,
	    "intents", (json_int_t)b->cfg.intents,
	    "properties", "os", "linux", "browser", "vigil", "device", "vigil",
	    "shard", b->cfg.shard_id, b->cfg.shard_count,
	    "compress", 0,
	    "large_threshold", 50);

	return dump(root, len);
}

char *
payload_resume(const struct bot *b, size_t *len)
{
	json_t *root = json_pack("{s:i, s:{s:s, s:s, s:I}}", "op", 6, "d",
	    "token", b->cfg.token, "session_id", b->session_id, "seq", (json_int_t)b->seq);

	return dump(root, len);
}

char *
payload_heartbeat(const struct bot *b, size_t *len)
{
	char buf[48];
	int n;

	if (b->seq > 0)
		n = snprintf(buf, sizeof(buf), "{\"op\":1,\"d\":%lld}", (long long)b->seq);
	else
		n = snprintf(buf, sizeof(buf), "{\"op\":1,\"d\":null}");
	*len = (size_t)n;
	return strdup(buf);
}

void
payload_gateway_url(const char *base, const char *compress, char *out, size_t outlen)
{
	size_t n = strlen(base);

	while (n > 0 && base[n - 1] == '/')
		n--;
	snprintf(out, outlen, "%.*s/?v=10&encoding=json%s%s", (int)n, base,
	    compress != NULL ? "&compress=" : "", compress != NULL ? compress : "");
}
