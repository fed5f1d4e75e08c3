/* test_uq.c — `dais uncertainty` end to end on a small M/M/1 problem: what
 * uncertainty.h5 holds, the same datasets for 1 and 2 threads, resuming
 * from a checkpoint, and the shipped baseline problem file loading. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "h5/h5i.h"
#include "helpers.h"
#include "models/registry.h"
#include "run/sweep.h"
#include "run/uq.h"
#include "sim/file.h"

/* Two parameters of a short M/M/1 queue; its utilisation is exactly
 * arrival / service in expectation. */
static char *write_problem(const char *dir)
{
	static char path[1100];
	snprintf(path, sizeof path, "%s/p.json", dir);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, "{ \"scenario\": \"%s\",\n"
	           "  \"set\": [\"replications=1\", \"queue.customers=3000\", \"queue.warmup=100\"],\n"
	           "  \"parameters\": [\n"
	           "    { \"path\": \"queue.arrival_rate\", \"bounds\": [0.3, 0.7], \"source\": \"estimate\" },\n"
	           "    { \"path\": \"queue.service_rate\", \"distribution\": \"triangular\",\n"
	           "      \"bounds\": [1, 2], \"mode\": 1.2, \"source\": \"estimate\" } ],\n"
	           "  \"outputs\": [\"mean_wait\", \"server_utilisation\"] }\n",
	        th_src("tests/scenarios/good/mm1.json"));
	fclose(f);
	return path;
}

static int run_cli(const char *problem, const char *out, const char *threads, const char *method)
{
	char *argv[] = { "uncertainty", (char *)problem, "-o", (char *)out, "--samples", "16",
	                 "--threads", (char *)threads, "--method", (char *)method, "--quiet",
	                 "--bootstrap", "50", NULL };
	return cmd_uncertainty(13, argv);
}

Test(uq, file_holds_design_outputs_quantiles_and_indices, .timeout = 120)
{
	char *dir = th_mkdtemp(), out[1100], h5[1200];
	const char *p = write_problem(dir);
	snprintf(out, sizeof out, "%s/out", dir);
	cr_assert_eq(run_cli(p, out, "2", "sobol"), 0);
	snprintf(h5, sizeof h5, "%s/uncertainty.h5", out);
	h5i *f = h5i_open(h5, NULL);
	cr_assert_not_null(f);
	struct h5i_data x, y, s1, st, p50;
	cr_assert_eq(h5i_read(f, "/design/x", &x, NULL), SIM_OK);
	cr_expect_eq(x.rank, 2);
	cr_expect_eq(x.dims[0], 16 * 4, "N (k + 2) points");
	cr_expect_eq(x.dims[1], 2);
	cr_expect_eq(x.ncolumns, 2);
	for (size_t r = 0; r < x.dims[0]; r++) {
		cr_expect(x.v[2 * r] >= 0.3 && x.v[2 * r] <= 0.7, "arrival %g", x.v[2 * r]);
		cr_expect(x.v[2 * r + 1] >= 1 && x.v[2 * r + 1] <= 2, "service %g", x.v[2 * r + 1]);
	}
	cr_assert_eq(h5i_read(f, "/outputs/y", &y, NULL), SIM_OK);
	cr_expect_eq(y.dims[0], 64);
	cr_expect_eq(y.dims[1], 2);
	for (size_t r = 0; r < y.dims[0]; r++) { /* a short run: within 25% of rho */
		double rho = x.v[2 * r] / x.v[2 * r + 1];
		cr_expect(fabs(y.v[2 * r + 1] - rho) < 0.25 * rho, "utilisation %g, rho %g",
		          y.v[2 * r + 1], rho);
	}
	cr_assert_eq(h5i_read(f, "/quantiles/mean_wait/p50", &p50, NULL), SIM_OK);
	cr_expect(p50.v[0] > 0);
	cr_assert_eq(h5i_read(f, "/sobol/server_utilisation/S1", &s1, NULL), SIM_OK);
	cr_expect_eq(s1.dims[0], 2);
	cr_assert_eq(h5i_read(f, "/sobol/server_utilisation/ST", &st, NULL), SIM_OK);
	for (int i = 0; i < 2; i++)
		cr_expect(isfinite(s1.v[i]) && isfinite(st.v[i]), "index %d", i);
	cr_expect_gt(st.v[0] + st.v[1], 0.5, "utilisation depends on the two rates only");
	h5i_data_release(&x);
	h5i_data_release(&y);
	h5i_data_release(&s1);
	h5i_data_release(&st);
	h5i_data_release(&p50);
	char *method = NULL;
	cr_assert_eq(h5i_attr_str(f, "/", "method", &method, NULL), SIM_OK);
	cr_expect_str_eq(method, "sobol");
	free(method);
	h5i_close(f);
	snprintf(h5, sizeof h5, "%s/indices_mean_wait.dat", out);
	cr_expect(access(h5, F_OK) == 0, "the table of indices");
	snprintf(h5, sizeof h5, "%s/uncertainty.partial", out);
	cr_expect(access(h5, F_OK) != 0, "the checkpoint is removed when done");
	th_rmtree(dir);
	free(dir);
}

Test(uq, same_datasets_for_1_and_2_threads, .timeout = 120)
{
	char *dir = th_mkdtemp(), a[1100], b[1100], fa[1200], fb[1200];
	const char *p = write_problem(dir);
	const char *methods[] = { "sobol", "morris", "lhs" };
	for (int m = 0; m < 3; m++) {
		snprintf(a, sizeof a, "%s/t1_%s", dir, methods[m]);
		snprintf(b, sizeof b, "%s/t2_%s", dir, methods[m]);
		cr_assert_eq(run_cli(p, a, "1", methods[m]), 0);
		cr_assert_eq(run_cli(p, b, "2", methods[m]), 0);
		snprintf(fa, sizeof fa, "%s/uncertainty.h5", a);
		snprintf(fb, sizeof fb, "%s/uncertainty.h5", b);
		cr_expect_eq(th_compare_datasets(fa, fb, 0), 0, "%s: datasets differ", methods[m]);
	}
	th_rmtree(dir);
	free(dir);
}

/* The driver through the library: the checkpoint stays after uq_run (the
 * command removes it once the results are written). */
static sim_status run_lib(const uq *q, const char *out, int resume, uint64_t seed,
                          struct uq_result *res, sim_diag *d)
{
	struct uq_opts o = { .dir = out, .method = UQ_MORRIS, .samples = 6, .threads = 2,
	                     .have_seed = seed != 0, .seed = seed, .resume = resume, .quiet = 1 };
	sim_status st = uq_design(q, &o, res, d);
	return st == SIM_OK ? uq_run(q, &o, res, d) : st;
}

Test(uq, resume_keeps_checkpointed_points_and_refuses_another_design, .timeout = 120)
{
	char *dir = th_mkdtemp(), out[1100], ck[1200];
	const char *p = write_problem(dir);
	snprintf(out, sizeof out, "%s/out", dir);
	snprintf(ck, sizeof ck, "%s/uncertainty.partial", out);
	sim_diag d;
	diag_init(&d);
	uq *q = uq_load(p, model_types, &d);
	cr_assert_not_null(q);
	struct uq_result r1, r2;
	cr_assert_eq(run_lib(q, out, 0, 0, &r1, &d), SIM_OK);
	size_t rows = r1.rows;
	/* mark the first half kept, with a value no run gives, the rest to do */
	char *b;
	size_t n;
	cr_assert_eq(file_read(ck, (size_t)1 << 20, &b, &n, &d), SIM_OK);
	cr_assert_eq(n, 36 + rows + rows * 2 * 8);
	double mark = -12345;
	for (size_t r = 0; r < rows; r++) {
		b[36 + r] = r < rows / 2;
		if (r < rows / 2)
			memcpy(b + 36 + rows + r * 16, &mark, 8);
	}
	cr_assert_eq(file_write_atomic(ck, b, n, &d), SIM_OK);
	free(b);
	cr_assert_eq(run_lib(q, out, 1, 0, &r2, &d), SIM_OK);
	cr_expect_eq(r2.ran, rows - rows / 2);
	for (size_t r = 0; r < rows; r++)
		if (r < rows / 2)
			cr_expect_eq(r2.y[2 * r], mark, "row %zu was kept", r);
		else
			cr_expect_eq(r2.y[2 * r], r1.y[2 * r], "row %zu ran again, the same", r);
	uq_result_release(&r2);
	/* another seed is another design: its checkpoint is refused */
	cr_expect_eq(run_lib(q, out, 1, 7, &r2, &d), SIM_EINVAL);
	cr_assert_gt(d.n, 0);
	cr_expect(strstr(d.msg[d.n - 1], "holds the points of another") != NULL, "%s",
	          d.msg[d.n - 1]);
	uq_result_release(&r1);
	uq_result_release(&r2);
	uq_free(q);
	diag_release(&d);
	th_rmtree(dir);
	free(dir);
}

Test(uq, shipped_baseline_problem_loads_with_sources, .timeout = 120)
{
	sim_diag d;
	diag_init(&d);
	static const char *const files[] = { "scenarios/uncertainty/baseline.json",
	                                     "scenarios/uncertainty/opaque.json" };
	for (int j = 0; j < 2; j++) {
		uq *q = uq_load(th_src(files[j]), model_types, &d);
		diag_print(&d, stderr, "");
		cr_assert_not_null(q, "%s", files[j]);
		cr_expect(uq_nparams(q) >= 10 && uq_nparams(q) <= 15, "%d parameters", uq_nparams(q));
		cr_expect(uq_nparams(q) <= GSA_SOBOL_MAX_K);
		for (int i = 0; i < uq_nparams(q); i++)
			cr_expect(strlen(uq_param(q, i)->source) > 0);
		uq_free(q);
	}
	diag_release(&d);
}

/* A date never reached counts as its "missing" value and is counted as
 * censored: in one year Sui's fee never leaves its floor, so each of the 4
 * draws is censored at the horizon. */
Test(uq, censored_dates_are_counted, .timeout = 120)
{
	char *dir = th_mkdtemp(), path[1100], out[1100], dat[1300];
	snprintf(path, sizeof path, "%s/p.json", dir);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, "{ \"scenario\": \"%s\",\n"
	           "  \"set\": [\"replications=1\", \"network.horizon_years=1\"],\n"
	           "  \"parameters\": [\n"
	           "    { \"path\": \"demand.elasticity\", \"bounds\": [0.4, 0.6], \"source\": \"estimate\" } ],\n"
	           "  \"outputs\": [ { \"name\": \"fee_target_day_sui\", \"missing\": 365 },\n"
	           "               \"nodes_year_1\" ] }\n", th_src("scenarios/baseline.json"));
	fclose(f);
	snprintf(out, sizeof out, "%s/out", dir);
	char *argv[] = { "uncertainty", path, "-o", out, "--samples", "4", "--method", "lhs",
	                 "--quiet", NULL };
	cr_assert_eq(cmd_uncertainty(9, argv), 0);
	snprintf(dat, sizeof dat, "%s/uncertainty.h5", out);
	h5i *h = h5i_open(dat, NULL);
	cr_assert_not_null(h);
	struct h5i_data c, p50, cn;
	cr_assert_eq(h5i_read(h, "/quantiles/fee_target_day_sui/n_censored", &c, NULL), SIM_OK);
	cr_expect_eq(c.v[0], 4.0);
	cr_assert_eq(h5i_read(h, "/quantiles/fee_target_day_sui/p50", &p50, NULL), SIM_OK);
	cr_expect_eq(p50.v[0], 365.0);
	cr_assert_eq(h5i_read(h, "/quantiles/nodes_year_1/n_censored", &cn, NULL), SIM_OK);
	cr_expect_eq(cn.v[0], 0.0);
	h5i_data_release(&c);
	h5i_data_release(&p50);
	h5i_data_release(&cn);
	h5i_close(h);
	snprintf(dat, sizeof dat, "%s/dist_fee_target_day_sui.dat", out);
	char *text = NULL;
	size_t n = 0;
	cr_assert_eq(file_read(dat, 1 << 20, &text, &n, NULL), SIM_OK);
	cr_expect(strstr(text, "censored 4\n") != NULL, "%s", text);
	free(text);
	th_rmtree(dir);
	free(dir);
}

Test(uq, sensitivity_takes_its_ranges_from_a_problem_file)
{
	char *dir = th_mkdtemp();
	const char *p = write_problem(dir);
	cr_expect(uq_is_problem(p));
	cr_expect(!uq_is_problem(th_src("scenarios/sweeps/baseline_tornado.json")));
	sim_diag d;
	diag_init(&d);
	uq *q = uq_load(p, model_types, &d);
	cr_assert_not_null(q);
	char *text = uq_sweep_json(q, "out/tornado");
	cr_assert_not_null(text);
	sweep *w = sweep_load_text(text, p, model_types, &d);
	diag_print(&d, stderr, "");
	cr_assert_not_null(w);
	cr_expect_eq(sweep_mode(w), SWEEP_OAT);
	cr_expect_eq(sweep_npoints(w), 5);
	cr_expect_str_eq(sweep_param(w, 0)->values[0], "0.3");
	cr_expect_str_eq(sweep_param(w, 0)->values[1], "0.7");
	cr_expect_str_eq(sweep_param(w, 1)->values[0], "1");
	cr_expect_str_eq(sweep_param(w, 1)->values[1], "2");
	cr_expect_str_eq(sweep_default_dir(w), "out/tornado");
	sweep_free(w);
	free(text);
	uq_free(q);
	diag_release(&d);
	th_rmtree(dir);
	free(dir);
}

Test(uq, tornado_names_a_parameter_without_effect_and_its_design, .timeout = 120)
{
	char *dir = th_mkdtemp(), sw[1100], out[1100], log[1100];
	snprintf(sw, sizeof sw, "%s/t.json", dir);
	snprintf(out, sizeof out, "%s/out", dir);
	snprintf(log, sizeof log, "%s/warnings", dir);
	FILE *f = fopen(sw, "w");
	cr_assert_not_null(f);
	fprintf(f, "{ \"scenario\": \"%s\", \"mode\": \"oat\",\n"
	           "  \"set\": [\"replications=1\", \"network.horizon_years=0.1\"],\n"
	           "  \"parameters\": [\n"
	           "    { \"path\": \"token.emission.inflation_per_year\", \"low\": 0.01, \"high\": 0.1 },\n"
	           "    { \"path\": \"demand.start_tokens_per_day\", \"low\": 1e12, \"high\": 3e12 } ],\n"
	           "  \"outputs\": [\"nodes_year_1\"] }\n", th_src("scenarios/baseline.json"));
	fclose(f);
	sim_diag d;
	diag_init(&d);
	sweep *w = sweep_load(sw, model_types, &d);
	cr_assert_not_null(w);
	int status[5];
	struct sweep_opts o = { .dir = out, .threads = 2, .quiet = 1 };
	cr_assert_eq(sweep_run(w, &o, status, &d), SIM_OK);
	f = fopen(log, "w+");
	cr_expect_eq(sweep_warn_no_effect(w, out, status, f), 1);
	rewind(f);
	char line[1024] = "";
	cr_expect_not_null(fgets(line, sizeof line, f));
	fclose(f);
	cr_expect(strstr(line, "token.emission.inflation_per_year has no effect with "
	                       "token.emission.design 'decay'") != NULL, "%s", line);
	cr_expect(strstr(line, "demand") == NULL);
	sweep_free(w);
	diag_release(&d);
	th_rmtree(dir);
	free(dir);
}

Test(uq, command_line_statuses)
{
	char *help[] = { "uncertainty", "--help", NULL }, *none[] = { "uncertainty", NULL },
	     *few[] = { "uncertainty", "p.json", "--samples", "1", NULL },
	     *nan[] = { "uncertainty", "p.json", "--samples", "12x", NULL },
	     *missing[] = { "uncertainty", "/nonexistent/p.json", NULL };
	th_capture_begin();
	cr_expect_eq(cmd_uncertainty(2, help), 0);
	cr_expect_eq(cmd_uncertainty(1, none), 2);
	cr_expect_eq(cmd_uncertainty(4, few), 2);
	cr_expect_eq(cmd_uncertainty(4, nan), 2);
	cr_expect_eq(cmd_uncertainty(2, missing), 2);
	char msgs[8192];
	th_capture_end(msgs, sizeof msgs);
	cr_expect_neq(strstr(msgs, "--samples"), NULL, "%s", msgs);
	cr_expect_neq(strstr(msgs, "/nonexistent/p.json"), NULL, "%s", msgs);
}
