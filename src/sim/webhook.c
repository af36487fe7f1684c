/*
 * Execute Webhook, the way Discord answers it: a JSON body with content
 * (or embeds), 204 with no body, or with ?wait=true 200 and the message;
 * 400 for a body that is not a message. The bucket (5 per 2 s per webhook)
 * is the route table's. What arrived is counted and the last
 * SIM_WEBHOOKS_KEPT bodies kept, so tests can read them.
 */
#include <stdio.h>
#include <string.h>

#include "sim/core.h"

static bool
wants_wait(const char *query)
{
	return query != NULL && (strstr(query, "wait=true") == query ||
	    strstr(query, "&wait=true") != NULL);
}

void
sim_webhook_post(struct sim *sim, struct vtime now, uint64_t webhook, const char *query,
    const char *body, size_t len, struct sim_http_resp *r)
{
	struct sim_webhook_post *kept;
	json_t *o = json_loadb(body != NULL ? body : "", len, 0, NULL);
	const char *content = json_string_value(json_object_get(o, "content"));

	if (!json_is_object(o) || ((content == NULL || content[0] == '\0') &&
	    json_object_get(o, "embeds") == NULL)) {
		json_decref(o);
		sim_resp_error(r, 400, 50006, "Cannot send an empty message");
		return;
	}
	sim->counters.webhooks_received++;
	kept = &sim->webhooks[sim->webhooks_seen++ % SIM_WEBHOOKS_KEPT];
	kept->webhook = webhook;
	snprintf(kept->body, sizeof(kept->body), "%.*s", (int)len, body);
	if (wants_wait(query))
		sim_resp_json(r, 200, json_pack("{s:o,s:s,s:o,s:i}", "id",
		    sim_world_snowflake_json(sim_world_snowflake(&sim->world, now.wall_ms)),
		    "content", content != NULL ? content : "", "webhook_id",
		    sim_world_snowflake_json(webhook), "type", 0));
	else
		sim_resp_json(r, 204, NULL);
	json_decref(o);
}

json_t *
sim_webhooks_json(const struct sim *sim)
{
	json_t *last = json_array();
	uint64_t n = sim->webhooks_seen, from = n > SIM_WEBHOOKS_KEPT ? n - SIM_WEBHOOKS_KEPT : 0;

	for (uint64_t i = from; i < n; i++) {
		const struct sim_webhook_post *p = &sim->webhooks[i % SIM_WEBHOOKS_KEPT];
		json_t *b = json_loads(p->body, 0, NULL);

		json_array_append_new(last, json_pack("{s:I,s:o}", "webhook", (json_int_t)p->webhook,
		    "body", b != NULL ? b : json_string(p->body)));
	}
	return json_pack("{s:I,s:o}", "received", (json_int_t)sim->counters.webhooks_received,
	    "last", last);
}
