/* The cluster's /metrics families; ud is the struct cluster. */
#ifndef VIGIL_APP_CLUSTER_METRICS_H
#define VIGIL_APP_CLUSTER_METRICS_H

#include <stdio.h>

void cluster_metrics(void *ud, FILE *f);

#endif
