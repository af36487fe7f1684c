/*
 * The cluster's /metrics families (docs/operations.md, docs/cluster.md),
 * added with app_add_metrics when `cluster` is set. Read from the cluster's
 * counters at each scrape: no Redis call while scraping.
 */
#include <stdio.h>

#include "app/cluster.h"
#include "app/cluster-metrics.h"

static void
family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void
cluster_metrics(void *ud, FILE *f)
{
	static const char *const results[CP_UNREACHABLE + 1] = {
		"granted", "key_held", "budget", "unreachable",
	};
	static const char *const owners[CO_COUNT] = {
		"unknown", "here", "elsewhere", "lapsed", "nobody",
	};
	struct cluster *c = ud;
	struct cluster_stats st;
	const int *shards;
	const bool *ours;
	int n = cluster_claimed(c, &shards, &ours);

	cluster_get_stats(c, &st);
	family(f, "vigil_cluster_store_up", "gauge", "1 while the cluster's Redis answers.");
	fprintf(f, "vigil_cluster_store_up %d\n", st.up);
	family(f, "vigil_cluster_store_reconnects_total", "counter",
	    "Connections to the cluster's Redis after the first.");
	fprintf(f, "vigil_cluster_store_reconnects_total %u\n", st.reconnects);
	family(f, "vigil_cluster_store_reseeds_total", "counter",
	    "Times the store was found without its data and re-seeded conservatively.");
	fprintf(f, "vigil_cluster_store_reseeds_total %llu\n", (unsigned long long)st.reseeds);
	family(f, "vigil_cluster_permits_total", "counter",
	    "Identify permits asked of the cluster, by answer.");
	for (int i = 0; i <= CP_UNREACHABLE; i++)
		fprintf(f, "vigil_cluster_permits_total{result=\"%s\"} %llu\n", results[i],
		    (unsigned long long)st.permits[i]);
	family(f, "vigil_cluster_session_starts_left", "gauge",
	    "Cluster-wide session starts left after the last granted permit (NaN before one).");
	if (st.starts_left >= 0)
		fprintf(f, "vigil_cluster_session_starts_left %d\n", st.starts_left);
	else
		fprintf(f, "vigil_cluster_session_starts_left NaN\n");
	family(f, "vigil_cluster_rest_waits_total", "counter",
	    "REST requests held for the cluster's shared 50/s.");
	fprintf(f, "vigil_cluster_rest_waits_total %llu\n", (unsigned long long)st.rest_waits);
	family(f, "vigil_cluster_shard_owned", "gauge",
	    "1 for a claimed shard whose lease this process holds, 0 while it waits.");
	for (int i = 0; i < n; i++)
		fprintf(f, "vigil_cluster_shard_owned{shard=\"%d\"} %d\n", shards[i], ours[i]);
	family(f, "vigil_cluster_shards", "gauge", "Every shard of the bot by who runs it, "
	    "from the cluster view read at each lease renewal: here, elsewhere, lapsed (its "
	    "owner's lease is gone and nobody took it), nobody (never claimed).");
	for (int i = CO_HERE; i < CO_COUNT; i++)
		fprintf(f, "vigil_cluster_shards{owner=\"%s\"} %d\n", owners[i], st.by_owner[i]);
}
