/* Redis, the emulator and a few vigils: cluster-fixture.h. */
#include <stdio.h>
#include <string.h>

#include "cluster-fixture.h"

int
clfx_up(struct clfx *f, const char *name, const char *password,
    const char *const *sim_args, const char *extra)
{
	memset(f, 0, sizeof(*f));
	for (int i = 0; i < CLFX_PROCS; i++) {
		f->v[i].pid = -1;
		f->v[i].out = -1;
	}
	if (redisproc_start(&f->rp, password) < 0)
		return -1;
	if (simproc_start(&f->sim, sim_args) < 0) {
		redisproc_stop(&f->rp);
		return -1;
	}
	snprintf(f->api, sizeof(f->api), "%s/api", f->sim.base);
	snprintf(f->config, sizeof(f->config), "cluster = unix://%s\ncluster_name = %s\n"
	    "redis_password = %s\n%s", f->rp.sock, name, password, extra);
	return 0;
}

void
clfx_down(struct clfx *f)
{
	for (int i = 0; i < CLFX_PROCS; i++) {
		if (f->v[i].dir[0] != '\0')
			netv_cleanup(&f->v[i]);
	}
	simproc_stop(&f->sim);
	redisproc_stop(&f->rp);
}

int
clfx_teardown(void **state)
{
	clfx_down(*state);
	return 0;
}
