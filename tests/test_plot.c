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

/* A fresh folder in dir and the results file res in it, open for writing. */
static h5o *new_results(void)
{
	strcpy(dir, "/tmp/dais_test_plot_XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(res, sizeof res, "%s/run.h5", dir);
	return h5o_create(res, NULL);
}

/* Writes r as the only replication of o, its summary, and commits o; frees both. */
static void commit_one_rep(h5o *o, rec *r)
{
	cr_assert_eq(h5o_write_rep(o, 0, r, NULL), SIM_OK);
	rec_free(r);
	cr_assert_eq(summary_write(o, NULL), SIM_OK);
	cr_assert_eq(h5o_commit(o, NULL), SIM_OK);
	h5o_free(o);
}

/* A results file of nrep replications: demand (positive, 4 decades), a
 * 2-column series with named columns and a constant. */
static void make_results(int nrep)
{
	h5o *o = new_results();
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
	/* the summary keeps SUMMARY_NSB significant bits: 1.1 and 2.9 are rounded */
	double q = ldexp(1.0, -(SUMMARY_NSB + 1));
	cr_expect_float_eq(v[0], 2, 1e-9);           /* mean */
	cr_expect_float_eq(v[1], 1.1, 1.1 * q);      /* p05 of {1,2,3} = 1 + 0.1 */
	cr_expect_float_eq(v[2], 2.9, 2.9 * q);      /* p95 */
	cr_expect_float_eq(v[5], 2, 1e-9);           /* p50 */
	cr_expect_float_eq(v[6], -2, 1e-9);          /* solana mean */
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

/* ---- figures for a paper: years, ranges, styles, left-out columns, names ---- */

/* A dated results file (start 2024-01-01), 2 replications sampled at days
 * 0, 182.625, 365.25 and 730.5: nodes_by_class has 12 classes, three of
 * them zero throughout; balance goes negative; nodes_retired does not, but
 * the 95% interval of its mean does; demand_tokens' long name
 * holds gnuplot code. */
static void make_dated(void)
{
	h5o *o = new_results();
	cr_assert_not_null(o);
	const char *cls[12] = { "c0", "c1", "c2", "c3", "c4", "c5",
	                        "c6", "c7", "c8", "c9", "c10", "c11" };
	static const double t[4] = { 0, 182.625, 365.25, 730.5 };
	for (int k = 0; k < 2; k++) {
		rec *r = rec_alloc("days since 2024-01-01");
		int a = rec_series(r, "nodes_by_class", "nodes", 12, cls);
		int b = rec_series(r, "balance", "USD", 1, NULL);
		int c = rec_series(r, "demand_tokens", "tokens/day", 1, NULL);
		int e = rec_series(r, "nodes_retired", "nodes", 1, NULL);
		for (int i = 0; i < 4; i++) {
			rec_set(r, e, 0, 10.0 * k * (i + 1)); /* 0 and 10: the CI dips below 0 */
			for (int j = 0; j < 12; j++) /* c1, c4, c7 zero throughout */
				rec_set(r, a, j, j % 3 == 1 && j < 10 ? 0 : 10 + j + i + k);
			rec_set(r, b, 0, i - 1.5 + k);
			rec_set(r, c, 0, 100 + i);
			cr_assert_eq(rec_sample(r, t[i]), SIM_OK);
		}
		cr_assert_eq(h5o_write_rep(o, k, r, NULL), SIM_OK);
		rec_free(r);
	}
	cr_assert_eq(h5o_put_attr_str(o, "/rep_0000/timeseries/demand_tokens", "long_name",
	                              "demand' . system('touch pwned') . '\nx", NULL), SIM_OK);
	cr_assert_eq(summary_write(o, NULL), SIM_OK);
	cr_assert_eq(h5o_commit(o, NULL), SIM_OK);
	h5o_free(o);
}

/* Writes the figure files of series into dir/f; the .gp and .dat are
 * written before gnuplot runs, so these tests need no gnuplot. */
static char *note_of(const char *series)
{
	char out[128];
	snprintf(out, sizeof out, "%s/f", dir);
	mkdir(out, 0755);
	h5i *f = h5i_open(res, NULL);
	cr_assert_not_null(f);
	char *note = NULL;
	FILE *save = stderr;
	stderr = fopen("/dev/null", "w");
	sim_status st = plot_series(f, series, out, PLOT_SVG, &note, NULL);
	fclose(stderr);
	stderr = save;
	h5i_close(f);
	if (spawn_have("gnuplot"))
		cr_expect_eq(st, SIM_OK, "%s", series);
	return note;
}

static void setup_dated(void) { make_dated(); }

static char *fig(const char *name)
{
	char out[128];
	snprintf(out, sizeof out, "%s/f", dir);
	return slurp(out, name);
}

Test(plot, dated_time_is_the_year, .init = setup_dated, .fini = teardown)
{
	free(note_of("balance"));
	char *s = fig("balance.dat");
	cr_expect(strstr(s, "# year mean_0"), "%s", s);
	/* 2024 + day / 365.25: day 182.625 is 2024.5, day 365.25 is 2025.0 */
	double y[4];
	char *p = strstr(s, "\n 2024 ");
	cr_assert_not_null(p, "%s", s);
	cr_expect(strstr(s, "\n 2024.5 "), "%s", s);
	cr_expect(strstr(s, "\n 2025 "), "%s", s);
	cr_expect(strstr(s, "\n 2026 "), "%s", s);
	cr_assert_eq(sscanf(p, " %lf", &y[0]), 1);
	cr_expect_float_eq(y[0], 2024.0, 1e-12);
	s = fig("balance.gp");
	cr_expect(strstr(s, "set xlabel 'year'"), "%s", s);
	/* dais export keeps days: the paper figures convert them themselves */
	h5i *f = h5i_open(res, NULL);
	char p2[256];
	snprintf(p2, sizeof p2, "%s/export.dat", dir);
	cr_assert_eq(plot_write_dat(f, "balance", p2, NULL), SIM_OK);
	h5i_close(f);
	s = slurp(dir, "export.dat");
	cr_expect(strstr(s, "\n 365.25 ") && !strstr(s, "\n 2025 "), "%s", s);
}

Test(plot, year_of_a_mid_year_start)
{
	/* 2023-07-02 is day 182 of 2023: year 2023 + 182 / 365.25 at day 0 */
	h5o *o = new_results();
	rec *r = rec_alloc("days since 2023-07-02");
	int a = rec_series(r, "x", "1", 1, NULL);
	rec_set(r, a, 0, 1);
	cr_assert_eq(rec_sample(r, 0), SIM_OK);
	rec_set(r, a, 0, 2);
	cr_assert_eq(rec_sample(r, 365.25), SIM_OK);
	commit_one_rep(o, r);
	free(note_of("x"));
	double y0, y1;
	char *s = strstr(fig("x.dat"), "\n 2023");
	cr_assert_not_null(s);
	cr_assert_eq(sscanf(s, " %lf %*s %*s %*s %*s %*s %*s %lf", &y0, &y1), 2);
	/* the table's %.10g: a millionth of a year */
	cr_expect_float_eq(y0, 2023 + 182 / 365.25, 1e-6);
	cr_expect_float_eq(y1, 2024 + 182 / 365.25, 1e-6);
	teardown();
}

Test(plot, undated_time_stays_time, .init = setup3, .fini = teardown)
{
	free(note_of("fee_by_chain"));
	char *s = fig("fee_by_chain.dat");
	cr_expect(strstr(s, "# t mean_0") && strstr(s, "\n 49 "), "%s", s);
	s = fig("fee_by_chain.gp");
	cr_expect(strstr(s, "set xlabel 't (day)'"), "%s", s);
}

Test(plot, non_negative_series_start_at_zero, .init = setup_dated, .fini = teardown)
{
	free(note_of("nodes_by_class"));
	free(note_of("balance"));
	cr_expect(strstr(fig("nodes_by_class.gp"), "set yrange [0:*]\n"));
	cr_expect(!strstr(fig("balance.gp"), "yrange"), "balance goes to -1.5");
	free(note_of("nodes_retired"));
	cr_expect(strstr(fig("nodes_retired.gp"), "set yrange [0:*]\n"), "counts start at 0");
	char *dat = fig("nodes_retired.dat"), *p = strstr(dat, "\n 2024 ");
	double v[5];
	cr_assert_not_null(p);
	cr_assert_eq(sscanf(p, " %*s %lf %lf %lf %lf %lf", &v[0], &v[1], &v[2], &v[3], &v[4]), 5);
	cr_expect_lt(v[3], 0, "the test needs a CI below zero");
}

Test(plot, twelve_distinct_styles)
{
	for (size_t i = 0; i < 12; i++) {
		const char *ci, *cj;
		int di, dj;
		plot_style(i, &ci, &di);
		cr_expect(strlen(ci) == 7 && ci[0] == '#', "%s", ci);
		for (size_t j = 0; j < i; j++) {
			plot_style(j, &cj, &dj);
			cr_expect(strcmp(ci, cj) || di != dj, "styles %zu and %zu are the same", i, j);
		}
	}
	const char *c0, *c6;
	int d0, d6;
	plot_style(0, &c0, &d0);
	plot_style(6, &c6, &d6);
	cr_expect(!strcmp(c0, "#0072B2") && d0 == 1 && !strcmp(c6, c0) && d6 == 2);
}

Test(plot, zero_columns_left_out_and_named, .init = setup_dated, .fini = teardown)
{
	char *note = note_of("nodes_by_class");
	cr_assert_not_null(note);
	cr_expect_str_eq(note, "3 of 12 zero throughout, not drawn: c1, c4, c7");
	free(note);
	char *s = fig("nodes_by_class.gp");
	cr_expect(strstr(s, "'3 of 12 zero throughout, not drawn: c1, c4, c7'"), "%s", s);
	cr_expect(!strstr(s, "title 'c1'") && !strstr(s, "title 'c4'") &&
	          !strstr(s, "title 'c7'"), "%s", s);
	cr_expect(strstr(s, "title 'c0'") && strstr(s, "title 'c11'"), "%s", s);
	/* every class keeps its own style: c11 is linetype 12, dashed sky blue */
	cr_expect(strstr(s, "using 1:68 with lines lt 12 title 'c11'"), "%s", s);
	cr_expect(strstr(s, "set linetype 12 lc rgb '#56B4E9' lw 2 dt 2\n"), "%s", s);
	cr_expect(strstr(s, "set linetype 1 lc rgb '#0072B2' lw 2 dt 1\n"), "%s", s);
	/* the table keeps every column */
	cr_expect(strstr(fig("nodes_by_class.dat"), "mean_11"));
	cr_expect_null(note_of("balance"));
}

Test(plot, long_names_and_units_in_labels, .init = setup_dated, .fini = teardown)
{
	free(note_of("nodes_by_class"));
	char *s = fig("nodes_by_class.gp");
	cr_expect(strstr(s, "set title 'Nodes by class'."), "%s", s);
	cr_expect(strstr(s, "set ylabel 'nodes by class (nodes)'"), "%s", s);
	/* a long name from the file stays one quoted string on one line */
	free(note_of("demand_tokens"));
	s = fig("demand_tokens.gp");
	cr_expect(strstr(s, "set title 'Demand'' . system(''touch pwned'') . '' x' noenhanced\n"),
	          "%s", s);
	cr_expect(strstr(s, "set ylabel 'demand'' . system(''touch pwned'') . '' x (tokens/day)'"),
	          "%s", s);
	char p[256];
	snprintf(p, sizeof p, "%s/f/pwned", dir);
	cr_expect_neq(access(p, F_OK), 0, "gnuplot ran code from a results file");
}

/* A zero column whose label holds a line break and a quote: the note stays
 * one line, and one quoted string in the script. */
Test(plot, hostile_label_of_a_zero_column)
{
	h5o *o = new_results();
	const char *cols[] = { "ok", "z'\nset output '/tmp/x" };
	rec *r = rec_alloc("day");
	int a = rec_series(r, "load_by_chain", "tx", 2, cols);
	for (int i = 0; i < 3; i++) {
		rec_set(r, a, 0, i + 1);
		rec_set(r, a, 1, 0);
		cr_assert_eq(rec_sample(r, i), SIM_OK);
	}
	commit_one_rep(o, r);
	char *note = note_of("load_by_chain");
	cr_assert_not_null(note);
	cr_expect_str_eq(note, "1 of 2 zero throughout, not drawn: z' set output '/tmp/x");
	free(note);
	cr_expect(strstr(fig("load_by_chain.gp"),
	                 ".'1 of 2 zero throughout, not drawn: z'' set output ''/tmp/x' noenhanced\n"),
	          "%s", fig("load_by_chain.gp"));
	teardown();
}

/* Many zero columns: some named, the rest counted, the note one short line. */
Test(plot, many_zero_columns_are_counted)
{
	h5o *o = new_results();
	char names[20][32];
	const char *cols[20];
	for (int j = 0; j < 20; j++) {
		snprintf(names[j], sizeof names[j], "class_number_%02d", j);
		cols[j] = names[j];
	}
	rec *r = rec_alloc("day");
	int a = rec_series(r, "nodes_by_class", "nodes", 20, cols);
	for (int i = 0; i < 3; i++) {
		for (int j = 0; j < 20; j++)
			rec_set(r, a, j, j == 0 ? i + 1 : 0);
		cr_assert_eq(rec_sample(r, i), SIM_OK);
	}
	commit_one_rep(o, r);
	char *note = note_of("nodes_by_class");
	cr_assert_not_null(note);
	/* 35 characters, then 17 for each name with its comma, while under 90 */
	cr_expect_str_eq(note, "19 of 20 zero throughout, not drawn: class_number_01, class_number_02, "
	                       "class_number_03, class_number_04 and 15 more");
	free(note);
	teardown();
}
