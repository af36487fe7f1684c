/* The emulator + vigil pair: net-fixture.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "net-fixture.h"

int
netfx_up(struct netfx *f, const char *const *sim_args, const char *config,
    const char *const *vigil_args)
{
	memset(f, 0, sizeof(*f));
	f->v.pid = -1;
	f->v.out = -1;
	if (simproc_start(&f->sim, sim_args) < 0)
		return -1;
	f->sim_up = true;
	snprintf(f->api, sizeof(f->api), "%s/api", f->sim.base);
	if (netv_start(&f->v, f->api, config, vigil_args) < 0)
		return -1;
	if (netv_wait(&f->v, 10000, "Connected", NULL) == NULL) {
		netv_dump(&f->v);
		return -1;
	}
	return 0;
}

void
netfx_down(struct netfx *f)
{
	netv_cleanup(&f->v);
	if (f->sim_up)
		simproc_stop(&f->sim);
	f->sim_up = false;
}

int
netfx_teardown(void **state)
{
	netfx_down(*state);
	return 0;
}

bool
netfx_fault(struct netfx *f, const char *json)
{
	return simproc_fault(&f->sim, json) == 200;
}

long long
netfx_counter(struct netfx *f, const char *name)
{
	return simproc_counter(&f->sim, name);
}

double
netfx_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}
