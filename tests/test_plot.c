/* test_plot.c — figures and tables from a small results file.  The figure
 * tests need gnuplot and are skipped without it. */
#include <criterion/criterion.h>

#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "h5/h5o.h"
#include "analysis/plot.h"
#include "analysis/summary.h"
#include "sim/spawn.h"

static char dir[64], res[128];

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

/* A results file of nrep replications: demand (positive, 4 decades), a
 * 2-column series with named columns and a constant. */
static void make_results(int nrep)
{
	strcpy(dir, "/tmp/dais_test_plot_XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(res, sizeof res, "%s/run.h5", dir);
	h5o *o = h5o_create(res, NULL);
	cr_assert_not_null(o);
	const char *cols[] = { "sui", "solana" };
	for (int k = 0; k < nrep; k++) {
		rec *r = rec_alloc("day");
		int a = rec_series(r, "demand_tokens", "tokens/day", 1, NULL);
		int b = rec_series(r, "fee_by_chain", "USD", 2, cols);
		int c = rec_series(r, "overhead", "factor", 1, NULL);
		for (int i = 0; i < 50; i++) {
			rec_set(r, a, 0, pow(10, i / 10.0) * (1 + 0.1 * k));
			rec_set(r, b, 0, i + k);
			rec_set(r, b, 1, i % 7 ? -i - k : NAN);
			rec_set(r, c, 0, 1.25);
			cr_assert_eq(rec_sample(r, i), SIM_OK);
		}
		cr_assert_eq(h5o_write_rep(o, k, r, NULL), SIM_OK);
		rec_free(r);
	}
	cr_assert_eq(summary_write(o, NULL), SIM_OK);
	cr_assert_eq(h5o_commit(o, NULL), SIM_OK);
	h5o_free(o);
}

static void setup3(void) { make_results(3); }
static void setup1(void) { make_results(1); }
static void teardown(void) { nftw(dir, rm_cb, 8, FTW_DEPTH | FTW_PHYS); }

static long file_size(const char *d, const char *name)
{
	char p[256];
	struct stat sb;
	snprintf(p, sizeof p, "%s/%s", d, name);
	return stat(p, &sb) == 0 ? (long)sb.st_size : -1;
}

static char *slurp(const char *d, const char *name)
{
	char p[256];
	snprintf(p, sizeof p, "%s/%s", d, name);
	FILE *f = fopen(p, "r");
	cr_assert_not_null(f, "%s", p);
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

static int run_plot(int argc, char **argv)
{
	FILE *save = stdout;
	stdout = fopen("/dev/null", "w");
	int rc = cmd_plot(argc, argv);
	fclose(stdout);
	stdout = save;
	return rc;
}

Test(plot, dat_table_without_gnuplot, .init = setup3, .fini = teardown)
{
	h5i *f = h5i_open(res, NULL);
	char p[256];
	snprintf(p, sizeof p, "%s/fee.dat", dir);
	cr_assert_eq(plot_write_dat(f, "fee_by_chain", p, NULL), SIM_OK);
	sim_diag d;
	diag_init(&d);
	cr_expect_eq(plot_write_dat(f, "nope", p, &d), SIM_EINVAL);
	cr_expect(d.n == 1 && strstr(d.msg[0], "no summary of series 'nope'"));
	diag_release(&d);
	h5i_close(f);
	char *s = slurp(dir, "fee.dat");
	cr_expect(strstr(s, "0=sui 1=solana"));
	/* Row t=1: mean of sui over k=0..2 is 1+1 = 2; solana -(1+k): mean -2. */
	char *row = strstr(s, "\n 1 ");
	cr_assert_not_null(row);
	double t, v[12];
	cr_assert_eq(sscanf(row, " %lf %lf %lf %lf %lf %lf %lf %lf", &t, &v[0], &v[1], &v[2], &v[3],
	                    &v[4], &v[5], &v[6]), 8);
	cr_expect_float_eq(v[0], 2, 1e-9);     /* mean */
	cr_expect_float_eq(v[1], 1.1, 1e-9);   /* p05 of {1,2,3} = 1 + 0.1 */
	cr_expect_float_eq(v[2], 2.9, 1e-9);   /* p95 */
	cr_expect_float_eq(v[5], 2, 1e-9);     /* p50 */
	cr_expect_float_eq(v[6], -2, 1e-9);    /* solana mean */
	cr_expect(strstr(s, "\n 0 ") && strstr(strstr(s, "\n 0 "), "NaN")); /* i=0: solana unset */
}

Test(plot, no_gnuplot_is_a_clear_error, .init = setup3, .fini = teardown)
{
	char *path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	setenv("PATH", dir, 1); /* a directory without gnuplot */
	FILE *save = stderr;
	stderr = fopen("/dev/null", "w");
	char *argv[] = { "plot", res, NULL };
	int rc = cmd_plot(2, argv);
	fclose(stderr);
	stderr = save;
	if (path)
		setenv("PATH", path, 1);
	free(path);
	cr_expect_eq(rc, 1);
	cr_expect_eq(file_size(dir, "figures/demand_tokens.png"), -1);
}

Test(plot, figures_for_every_series, .init = setup3, .fini = teardown)
{
	if (!spawn_have("gnuplot"))
		cr_skip_test("gnuplot not on PATH");
	char out[128];
	snprintf(out, sizeof out, "%s/figs/nested", dir);
	char *argv[] = { "plot", res, "-o", out, NULL };
	cr_assert_eq(run_plot(4, argv), 0);
	static const char *const files[] = {
		"demand_tokens.png", "demand_tokens.svg", "demand_tokens.dat", "demand_tokens.gp",
		"fee_by_chain.png", "fee_by_chain.svg", "fee_by_chain.dat", "fee_by_chain.gp",
	};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		cr_expect_gt(file_size(out, files[i]), 0, "%s", files[i]);
	char *gp = slurp(out, "demand_tokens.gp");
	cr_expect(strstr(gp, "set logscale y"), "demand spans 5 decades");
	cr_expect(strstr(gp, "filledcurves"));
	cr_expect(strstr(gp, "tokens/day"));
	gp = slurp(out, "fee_by_chain.gp");
	cr_expect(!strstr(gp, "logscale"), "fees have negative values");
	cr_expect(strstr(gp, "'solana'"), "column names are single-quoted gnuplot strings");
	cr_expect(!strstr(gp, "yrange"), "gnuplot ranges the fees itself");
	/* gnuplot cannot range a constant (it warns): 1.25 gets +-5% */
	gp = slurp(out, "overhead.gp");
	cr_expect(strstr(gp, "set yrange [1.1875:1.3125]"), "%s", gp);
}

Test(plot, series_and_format_selection, .init = setup3, .fini = teardown)
{
	if (!spawn_have("gnuplot"))
		cr_skip_test("gnuplot not on PATH");
	char *argv[] = { "plot", res, "--series", "fee_by_chain", "--format", "svg", NULL };
	cr_assert_eq(run_plot(6, argv), 0);
	char out[128];
	snprintf(out, sizeof out, "%s/figures", dir); /* default: beside the results */
	cr_expect_gt(file_size(out, "fee_by_chain.svg"), 0);
	cr_expect_eq(file_size(out, "fee_by_chain.png"), -1);
	cr_expect_eq(file_size(out, "demand_tokens.svg"), -1);
	char *bad[] = { "plot", res, "--series", "nope", NULL };
	FILE *save = stderr;
	stderr = fopen("/dev/null", "w");
	int rc = run_plot(4, bad);
	fclose(stderr);
	stderr = save;
	cr_expect_eq(rc, 2);
}

Test(plot, one_replication_is_just_the_line, .init = setup1, .fini = teardown)
{
	if (!spawn_have("gnuplot"))
		cr_skip_test("gnuplot not on PATH");
	char out[128];
	snprintf(out, sizeof out, "%s/f", dir);
	char *argv[] = { "plot", res, "-o", out, NULL };
	cr_assert_eq(run_plot(4, argv), 0);
	cr_expect_gt(file_size(out, "demand_tokens.png"), 0);
	char *gp = slurp(out, "demand_tokens.gp");
	cr_expect(!strstr(gp, "filledcurves"));
}
