/*
 * The simulation's command line, for long campaigns (make sim):
 *
 *   dst [--seed S] [--seeds K] [--days N] [--verbose] [--quiet-faults]
 *       [--shards N [--max-concurrency M]]
 *
 * runs K seeds from S, N simulated days each, and prints each seed's
 * figures and a total. With --shards, each seed runs the many-shard
 * simulation (fleet-world.h) with N shards (0: drawn by the seed) and
 * max_concurrency M (0: drawn). The first failure stops the campaign with the
 * report (seed, invariant, the last steps) and the command that replays it.
 * Exit status 0 when every seed ran clean, 1 on a failure, 2 on bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "world.h"
#include "fleet-world.h"

struct totals {
	double days;
	uint64_t steps, faults, identifies, resumes;
};

static int
usage(void)
{
	fprintf(stderr, "usage: dst [--seed S] [--seeds K] [--days N] [--verbose] "
	    "[--quiet-faults] [--shards N [--max-concurrency M]]\n");
	return 2;
}

static int
parse(int argc, char **argv, struct dst_opts *o, unsigned long long *seeds, struct fw_opts *fo)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end = NULL;

		if (strcmp(a, "--verbose") == 0) {
			o->verbose = true;
			continue;
		}
		if (strcmp(a, "--quiet-faults") == 0) {
			o->quiet_faults = true;
			continue;
		}
		if (v == NULL)
			return -1;
		if (strcmp(a, "--seed") == 0)
			o->seed = strtoull(v, &end, 10);
		else if (strcmp(a, "--seeds") == 0)
			*seeds = strtoull(v, &end, 10);
		else if (strcmp(a, "--days") == 0)
			o->days = strtod(v, &end);
		else if (strcmp(a, "--shards") == 0)
			fo->shards = (int)strtol(v, &end, 10);
		else if (strcmp(a, "--max-concurrency") == 0)
			fo->max_concurrency = (int)strtol(v, &end, 10);
		else
			return -1;
		if (strcmp(a, "--shards") == 0)
			fo->days = -1;  /* marks the many-shard simulation */
		if (end == v || *end != '\0')
			return -1;
		i++;
	}
	return o->days > 0 && *seeds > 0 ? 0 : -1;
}

static double
elapsed(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static int
one_fleet(const struct dst_opts *o, const struct fw_opts *fo, struct totals *t)
{
	struct fw_opts f = *fo;
	struct fw_result r;
	int rc;

	f.seed = o->seed;
	f.days = o->days;
	f.verbose = o->verbose;
	rc = fw_run(&f, &r);
	fw_print(&f, &r, stdout);
	t->days += r.days;
	t->steps += r.steps;
	t->faults += r.faults;
	t->identifies += r.identifies;
	t->resumes += r.resumes;
	fflush(stdout);
	return rc;
}

static int
one(const struct dst_opts *o, struct totals *t)
{
	struct world *w = dst_new(o);
	int rc;

	if (w == NULL) {
		fprintf(stderr, "dst: out of memory\n");
		return -1;
	}
	rc = w->failed ? -1 : dst_run(w);
	if (rc != 0)
		dst_report(w, stdout);
	dst_summary(w, stdout);
	t->days += (double)(w->now.mono_ms - DST_T0_MONO) / (double)MS_PER_DAY;
	t->steps += w->st.steps;
	t->faults += w->st.faults;
	t->identifies += w->st.identifies;
	t->resumes += w->st.resumes;
	dst_free(w);
	fflush(stdout);
	return rc;
}

int
main(int argc, char **argv)
{
	struct dst_opts o = { .seed = 1, .days = 10 };
	unsigned long long seeds = 1;
	struct totals t = { 0 };
	struct fw_opts fo = { 0 };
	struct timespec t0;
	int rc = 0;

	if (parse(argc, argv, &o, &seeds, &fo) != 0 || fo.shards < 0 || fo.shards > 256 ||
	    fo.max_concurrency < 0 || fo.max_concurrency > BUDGET_MAX_CONCURRENCY)
		return usage();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned long long i = 0; i < seeds && rc == 0; i++) {
		struct dst_opts one_o = o;

		one_o.seed = o.seed + i;
		rc = fo.days < 0 ? one_fleet(&one_o, &fo, &t) : one(&one_o, &t);
	}
	printf("dst: %s: %.1f simulated days, %llu steps, %llu faults, %llu identifies, "
	    "%llu resumes in %.1f s\n", rc == 0 ? "clean" : "FAILED", t.days,
	    (unsigned long long)t.steps, (unsigned long long)t.faults,
	    (unsigned long long)t.identifies, (unsigned long long)t.resumes, elapsed(&t0));
	return rc == 0 ? 0 : 1;
}
