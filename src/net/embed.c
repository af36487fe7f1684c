/*
 * Placeholder until src/sim's lws server lands in this branch.
 */
#include <stdio.h>

#include "net/embed.h"

struct embed *
embed_start(struct lws_context *ctx, const struct app_config *cfg, char *api, size_t apilen,
    char *err, size_t errlen)
{
	(void)ctx;
	(void)cfg;
	(void)api;
	(void)apilen;
	snprintf(err, errlen, "the embedded emulator is not built in yet: use --api URL");
	return NULL;
}

void
embed_stop(struct embed *e)
{
	(void)e;
}
