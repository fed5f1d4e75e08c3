/* test_regress.c — the golden projections stay in their bands, and the
 * checker itself detects a projection that leaves its band. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "run/regress.h"
#include "models/registry.h"

/* Options for regress_check: DAIS's model types, reports to stderr. */
static const struct regress_opts *opts(int update, int threads)
{
	static struct regress_opts o;
	o = (struct regress_opts){ .models = model_types, .update = update, .threads = threads,
	                           .report = stderr };
	return &o;
}

Test(regress, golden_projections_stay_in_their_bands, .timeout = 300)
{
	sim_diag d;
	diag_init(&d);
	int nout = -1;
	sim_status st = regress_check(th_src("tests/golden/projections.tsv"), opts(0, 0), &nout, &d);
	diag_print(&d, stderr, "");
	cr_assert_eq(st, SIM_OK);
	cr_assert_eq(nout, 0, "%d projections left their bands (old and new values above); "
	             "if the change is deliberate run 'make regress-update'", nout);
	diag_release(&d);
}

static char *write_file(const char *dir, const char *name, const char *text)
{
	char *p = malloc(2048);
	snprintf(p, 2048, "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	return p;
}

Test(regress, detects_a_projection_outside_its_band_and_updates_it)
{
	char *dir = th_mkdtemp(), scen[4096], gold[4096];
	snprintf(scen, sizeof scen, "{\"extends\": \"%s\", \"queue\": {\"customers\": 20000}}",
	         th_src("scenarios/mm1.json"));
	char *sp = write_file(dir, "q.json", scen);
	snprintf(gold, sizeof gold,
	         "# a comment that update keeps\n"
	         "%s 2 mean_wait_analytic 4 abs:1e-9\n"
	         "%s 2 mean_wait 999 rel:0.01\n"
	         "%s 2 customers nan abs:1\n", sp, sp, sp);
	char *gp = write_file(dir, "g.tsv", gold);
	sim_diag d;
	diag_init(&d);
	int nout = 0;
	cr_assert_eq(regress_check(gp, opts(0, 1), &nout, &d), SIM_OK);
	cr_assert_eq(nout, 2, "mean_wait (999) and customers (nan) are out; got %d", nout);
	cr_assert_eq(regress_check(gp, opts(1, 1), &nout, &d), SIM_OK);
	cr_assert_eq(regress_check(gp, opts(0, 1), &nout, &d), SIM_OK);
	cr_assert_eq(nout, 0, "after update every projection is in its band");
	FILE *f = fopen(gp, "r");
	char line[512];
	cr_assert(fgets(line, sizeof line, f));
	cr_assert_str_eq(line, "# a comment that update keeps\n");
	fclose(f);
	diag_release(&d);
	th_rmtree(dir);
	free(sp);
	free(gp);
	free(dir);
}

Test(regress, bad_golden_lines_are_reported_with_file_and_line)
{
	char *dir = th_mkdtemp();
	char *gp = write_file(dir, "g.tsv", "# ok\nscenarios/mm1.json two mean_wait 1 rel:0.1\n"
	                                    "scenarios/mm1.json 2 mean_wait 1 pct:5\n");
	sim_diag d;
	diag_init(&d);
	int nout = 0;
	cr_assert_eq(regress_check(gp, opts(0, 1), &nout, &d), SIM_EINVAL);
	cr_assert_eq(d.n, 2);
	cr_assert(strstr(d.msg[0], "g.tsv:2:") != NULL, "%s", d.msg[0]);
	cr_assert(strstr(d.msg[1], "g.tsv:3: band: expected rel:F or abs:X, got 'pct:5'") != NULL,
	          "%s", d.msg[1]);
	diag_release(&d);
	th_rmtree(dir);
	free(gp);
	free(dir);
}
