/*
 * An emulator (vigil-sim) and a headless vigil talking to it, for the
 * network layer's integration tests. NET_CHECK dumps vigil's log before
 * failing, so a red test says what vigil saw.
 */
#ifndef VIGIL_TEST_NET_FIXTURE_H
#define VIGIL_TEST_NET_FIXTURE_H

#include <stdbool.h>

#include "net-vigil.h"
#include "sim-proc.h"

struct netfx {
	struct simproc sim;
	struct netv v;
	bool sim_up;
	char api[96];
};

#define NET_CHECK(f, cond) do {                                          \
	if (!(cond)) {                                                   \
		netv_dump(&(f)->v);                                      \
		fail_msg("%s:%d: %s", __FILE__, __LINE__, #cond);        \
	}                                                                \
} while (0)

/* Starts the emulator with sim_args and vigil with config and vigil_args,
 * then waits (10 s) until vigil is Connected. 0, or -1. */
int netfx_up(struct netfx *f, const char *const *sim_args, const char *config,
    const char *const *vigil_args);
/* Kills both and frees (always safe to call). */
void netfx_down(struct netfx *f);
/* netfx_down as a cmocka teardown (state is the struct netfx). */
int netfx_teardown(void **state);
/* POST /_ctl/fault with the JSON body; true on 200. */
bool netfx_fault(struct netfx *f, const char *json);
/* A counter of the emulator, or -1. */
long long netfx_counter(struct netfx *f, const char *name);
/* Wall-clock seconds now (to compare with log line times). */
double netfx_wall(void);

#endif
