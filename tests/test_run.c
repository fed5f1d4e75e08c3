/* test_run.c — `dais run` end to end: provenance, determinism across thread
 * counts, atomic output on interrupt and on bad input. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h5/h5i.h"
#include "helpers.h"
#include "run/run.h"
#include "sim/rec.h"
#include "sim/scn.h"
#include "sim/sim.h"
#include "models/registry.h"

static sim_status run_to(const char *out, int threads, const char *const *sets, int nsets)
{
	sim_diag d;
	diag_init(&d);
	scn *s = scn_load(th_src("scenarios/mm1.json"), sets, nsets, &d);
	cr_assert_not_null(s);
	struct run_opts o = { .models = model_types, .out = out, .threads = threads, .quiet = 1 };
	sim_status st = run_scenario(s, &o, &d);
	diag_print(&d, stderr, "");
	scn_free(s);
	diag_release(&d);
	return st;
}

static const char *small[] = { "queue.customers=30000", "queue.warmup=1000",
                               "replications=5", "queue.sample_every=500" };

Test(run, datasets_identical_for_1_and_2_threads)
{
	char *dir = th_mkdtemp(), a[1100], b[1100];
	snprintf(a, sizeof a, "%s/t1.h5", dir);
	snprintf(b, sizeof b, "%s/t2.h5", dir);
	cr_assert_eq(run_to(a, 1, small, 4), SIM_OK);
	cr_assert_eq(run_to(b, 2, small, 4), SIM_OK);
	cr_assert_eq(th_compare_datasets(a, b, 0), 0);
	/* and a different seed changes them */
	const char *other[] = { "queue.customers=30000", "queue.warmup=1000", "replications=5",
	                        "queue.sample_every=500", "seed=99" };
	snprintf(b, sizeof b, "%s/s99.h5", dir);
	cr_assert_eq(run_to(b, 2, other, 5), SIM_OK);
	cr_assert_neq(th_compare_datasets(a, b, 0), 0);
	th_rmtree(dir);
	free(dir);
}

Test(run, provenance_is_stored_and_scenario_reloads)
{
	char *dir = th_mkdtemp(), a[1100];
	snprintf(a, sizeof a, "%s/p.h5", dir);
	cr_assert_eq(run_to(a, 2, small, 4), SIM_OK);
	h5i *f = h5i_open(a, NULL);
	cr_assert_not_null(f);
	char *json = NULL, *model = NULL, *ver = NULL;
	double seed = 0, reps = 0;
	cr_assert_eq(h5i_attr_str(f, "/", "scenario_json", &json, NULL), SIM_OK);
	cr_assert_eq(h5i_attr_str(f, "/", "model", &model, NULL), SIM_OK);
	cr_assert_eq(h5i_attr_str(f, "/", "dais_version", &ver, NULL), SIM_OK);
	cr_assert_eq(h5i_attr_num(f, "/", "master_seed", &seed, NULL), SIM_OK);
	cr_assert_eq(h5i_attr_num(f, "/", "replications", &reps, NULL), SIM_OK);
	cr_assert_str_eq(model, "queue");
	cr_assert_eq(seed, 20240101);
	cr_assert_eq(reps, 5);
	cr_assert_gt(strlen(ver), 0);
	for (const char *k = "compiler"; k; k = !strcmp(k, "compiler") ? "host" :
	                                        !strcmp(k, "host") ? "created" :
	                                        !strcmp(k, "created") ? "wall_time_s" : NULL)
		cr_assert(h5i_has_attr(f, "/", k), "missing attribute %s", k);
	cr_assert_eq(h5i_nreps(f), 5);
	/* the stored scenario is the resolved one: the overrides are in it */
	sim_diag d;
	diag_init(&d);
	scn *s = scn_parse(json, "<stored>", NULL, 0, &d);
	cr_assert_not_null(s);
	cr_assert_eq(scn_int(s, "queue.customers"), 30000);
	cr_assert_eq(scn_int(s, "replications"), 5);
	scn_free(s);
	diag_release(&d);
	free(json);
	free(model);
	free(ver);
	h5i_close(f);
	th_rmtree(dir);
	free(dir);
}

Test(run, interrupted_run_leaves_nothing)
{
	char *dir = th_mkdtemp(), a[1100];
	snprintf(a, sizeof a, "%s/i.h5", dir);
	const char *big[] = { "queue.customers=2000000", "replications=2" };
	sim_interrupted = 1;
	sim_status st = run_to(a, 2, big, 2);
	sim_interrupted = 0;
	cr_assert_eq(st, SIM_EINTR);
	cr_assert_eq(access(a, F_OK), -1, "a results file was left behind");
	cr_assert_eq(th_count_entries(dir), 0, "a temporary file was left behind");
	th_rmtree(dir);
	free(dir);
}

/* Every replication is in, the summary is written, and then the interrupt
 * comes: the promise is still exit 130 with nothing at OUT. */
Test(run, interrupt_after_the_last_replication_still_writes_nothing)
{
	char *dir = th_mkdtemp(), a[1100];
	snprintf(a, sizeof a, "%s/late.h5", dir);
	sim_diag d;
	diag_init(&d);
	scn *s = scn_load(th_src("scenarios/mm1.json"), small, 4, &d);
	cr_assert(s);
	run_out *w;
	cr_assert_eq(run_out_open(s, a, 0, 1, RUN_KEEP_ALL, &w, &d), SIM_OK);
	for (int rep = 0; rep < run_out_nrep(w); rep++) {
		rec *r = rec_alloc("s");
		int x = rec_series(r, "x", "1", 1, NULL);
		rec_set(r, x, 0, rep);
		cr_assert_eq(rec_sample(r, 0), SIM_OK);
		cr_assert_eq(run_out_put(w, rep, r, &d), SIM_OK);
	}
	sim_interrupted = 1;
	sim_status st = run_out_commit(w, &d);
	sim_interrupted = 0;
	cr_expect_eq(st, SIM_EINTR);
	run_out_free(w);
	cr_expect_eq(access(a, F_OK), -1, "the results file was written");
	scn_free(s);
	diag_release(&d);
	th_rmtree(dir);
	free(dir);
}

Test(run, unwritable_directory_is_a_clear_error)
{
	sim_diag d;
	diag_init(&d);
	scn *s = scn_load(th_src("scenarios/mm1.json"), small, 4, &d);
	struct run_opts o = { .models = model_types, .out = "/nonexistent-dir/x.h5", .threads = 1, .quiet = 1 };
	cr_assert_neq(run_scenario(s, &o, &d), SIM_OK);
	cr_assert_geq(d.n, 1);
	cr_assert(strstr(d.msg[0], "/nonexistent-dir/x.h5") != NULL, "%s", d.msg[0]);
	scn_free(s);
	diag_release(&d);
}

/* Command-line integers are taken whole and in range, never half-read
 * (atoi would take "12x" as 12 and "x" as 0). */
Test(cli, integers_are_parsed_whole_and_in_range)
{
	long long v = 7;
	cr_assert(sim_parse_int("42", 0, 100, &v) && v == 42);
	cr_assert(sim_parse_int("-3", -5, 5, &v) && v == -3);
	cr_assert(sim_parse_int("9007199254740991", 0, 9007199254740991LL, &v) && v == 9007199254740991LL);
	static const char *const bad[] = { "", "x", "12x", "1.5", " ", "101", "-1", "99999999999999999999" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		v = 7;
		cr_assert(!sim_parse_int(bad[i], 0, 100, &v), "'%s' accepted", bad[i]);
		cr_assert_eq(v, 7, "'%s' changed the value", bad[i]);
	}
}
