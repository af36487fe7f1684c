/*
 * The parse side of `make bench`: takes one MESSAGE_CREATE exactly as the
 * emulator's burst fault sends it (from the sim core, in-process) and times
 * jansson's full parse of it against the core's jsmn fast path, to compare
 * with the end-to-end cost per event that bench/run.sh measures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "bot/frame.h"
#include "sim/sim.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Drains the emulator's actions, keeping a copy of the first
 * MESSAGE_CREATE sent. */
static char *
drain(struct sim *sim, char *keep, size_t *len)
{
	struct sim_action a;

	while (sim_next_action(sim, &a)) {
		if (keep == NULL && a.kind == SIM_ACT_SEND && a.data != NULL &&
		    memmem(a.data, a.len, "\"MESSAGE_CREATE\"", 16) != NULL) {
			keep = malloc(a.len);
			if (keep != NULL) {
				memcpy(keep, a.data, a.len);
				*len = a.len;
			}
		}
		sim_action_done(&a);
	}
	return keep;
}

static char *
burst_payload(size_t *len)
{
	static const char identify[] = "{\"op\":2,\"d\":{\"token\":\"sim-token\",\"intents\":33281,"
	    "\"properties\":{\"os\":\"linux\",\"browser\":\"bench\",\"device\":\"bench\"}}}";
	struct vtime now = { 1000, 1700000000000LL };
	struct sim_config cfg;
	char err[160], *p = NULL;
	struct sim_conn_info info;
	struct sim *sim;
	uint32_t conn;

	sim_config_defaults(&cfg);
	cfg.chatter = 0;
	sim = sim_new(&cfg, now, err, sizeof(err));
	if (sim == NULL) {
		fprintf(stderr, "bench: %s\n", err);
		return NULL;
	}
	memset(&info, 0, sizeof(info));
	conn = sim_conn_open(sim, now, "/?v=10&encoding=json", &info);
	drain(sim, NULL, len);
	sim_conn_text(sim, now, conn, identify, strlen(identify));
	drain(sim, NULL, len);
	if (sim_fault_line(sim, now, "burst 1", err, sizeof(err)) < 0)
		fprintf(stderr, "bench: burst: %s\n", err);
	for (int i = 0; i < 4 && p == NULL; i++) {
		p = drain(sim, p, len);
		sim_conn_drained(sim, now, conn);
	}
	sim_free(sim);
	return p;
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 100000;
	size_t len = 0;
	char *msg = burst_payload(&len), err[96];
	struct frame_decoder dec;
	static struct frame f;
	double t0, tj, tf;

	if (msg == NULL) {
		fprintf(stderr, "bench: no MESSAGE_CREATE from the emulator\n");
		return 1;
	}
	t0 = now_s();
	for (int i = 0; i < n; i++)
		json_decref(json_loadb(msg, len, 0, NULL));
	tj = now_s() - t0;
	frame_decoder_init(&dec);
	t0 = now_s();
	for (int i = 0; i < n; i++)
		frame_decode(&f, &dec, msg, len, err, sizeof(err));
	tf = now_s() - t0;
	printf("payload          %zu bytes (the burst's MESSAGE_CREATE)\n", len);
	printf("jansson parse    %.0f msg/s, %.2f us each (%.0f MB/s)\n", n / tj, tj / n * 1e6,
	    n * (double)len / tj / 1e6);
	printf("jsmn fast path   %.0f msg/s, %.2f us each (%.1fx jansson)\n", n / tf, tf / n * 1e6,
	    tj / tf);
	frame_decoder_free(&dec);
	free(msg);
	return 0;
}
