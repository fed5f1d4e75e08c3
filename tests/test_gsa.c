/* test_gsa.c — the sensitivity estimators against closed forms: the Ishigami
 * function, a linear model, Morris on a linear function, Latin-hypercube
 * stratification and the distributions' quantiles. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_rng.h>

#include "analysis/gsa.h"

static double ishigami(const double *x)
{
	return sin(x[0]) + 7 * sin(x[1]) * sin(x[1]) + 0.1 * pow(x[2], 4) * sin(x[0]);
}

/* Runs a Saltelli design of n base rows through f on [lo, hi]^k. */
static void sobol_of(int k, size_t n, double lo, double hi, double (*f)(const double *),
                     struct gsa_sobol *s, int nboot)
{
	size_t rows = gsa_saltelli_rows(k, n);
	double *u = malloc(rows * k * sizeof *u), *y = malloc(rows * sizeof *y), x[8];
	cr_assert_eq(gsa_saltelli(k, n, u), SIM_OK);
	for (size_t r = 0; r < rows; r++) {
		for (int i = 0; i < k; i++)
			x[i] = lo + (hi - lo) * u[r * k + i];
		y[r] = f(x);
	}
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(g, 7);
	cr_assert_eq(gsa_sobol_indices(k, n, y, nboot, g, s), SIM_OK);
	gsl_rng_free(g);
	free(u);
	free(y);
}

Test(gsa, ishigami_indices_match_closed_form)
{
	/* a = 7, b = 0.1 on [-pi, pi]^3 */
	const double s1[] = { 0.3139, 0.4424, 0.0 }, st[] = { 0.5576, 0.4424, 0.2437 };
	struct gsa_sobol s[3];
	sobol_of(3, 8192, -M_PI, M_PI, ishigami, s, 200);
	for (int i = 0; i < 3; i++) {
		cr_expect(fabs(s[i].s1 - s1[i]) < 0.02, "S1[%d] = %g, want %g", i, s[i].s1, s1[i]);
		cr_expect(fabs(s[i].st - st[i]) < 0.02, "ST[%d] = %g, want %g", i, s[i].st, st[i]);
		cr_expect(s[i].s1_lo <= s[i].s1 && s[i].s1 <= s[i].s1_hi, "S1[%d] outside its CI", i);
		cr_expect(s[i].st_lo <= s[i].st && s[i].st <= s[i].st_hi, "ST[%d] outside its CI", i);
		cr_expect(s[i].s1_lo <= s1[i] + 0.01 && s1[i] - 0.01 <= s[i].s1_hi,
		          "S1[%d] interval [%g, %g] misses %g", i, s[i].s1_lo, s[i].s1_hi, s1[i]);
		cr_expect_eq(s[i].n_used, 8192);
	}
}

static double linear(const double *x) { return 1 * x[0] + 2 * x[1] + 3 * x[2] + 0 * x[3]; }

Test(gsa, linear_model_s1_equals_st_equals_share_of_variance)
{
	/* uniform on [0,1]: var a_i^2 / 12, so S_i = a_i^2 / 14 */
	const double want[] = { 1 / 14.0, 4 / 14.0, 9 / 14.0, 0 };
	struct gsa_sobol s[4];
	sobol_of(4, 4096, 0, 1, linear, s, 0);
	for (int i = 0; i < 4; i++) {
		cr_expect(fabs(s[i].s1 - want[i]) < 0.01, "S1[%d] = %g, want %g", i, s[i].s1, want[i]);
		cr_expect(fabs(s[i].st - want[i]) < 0.01, "ST[%d] = %g, want %g", i, s[i].st, want[i]);
		cr_expect(isnan(s[i].s1_lo), "no bootstrap asked, no interval");
	}
	cr_expect_eq(s[3].st, 0.0, "a parameter without effect has ST exactly 0");
}

static double with_hole(const double *x) { return x[0] > 0.5 && x[1] > 0.9 ? NAN : x[0] + x[1]; }

Test(gsa, non_finite_outputs_are_left_out_and_counted)
{
	struct gsa_sobol s[2];
	sobol_of(2, 1024, 0, 1, with_hole, s, 0);
	cr_expect_lt(s[0].n_used, 1024);
	cr_expect_gt(s[0].n_used, 800);
	cr_expect(isfinite(s[0].s1) && isfinite(s[1].st));
}

Test(gsa, saltelli_refuses_more_than_sobol_dimensions)
{
	double u[1];
	cr_expect_eq(gsa_saltelli(GSA_SOBOL_MAX_K + 1, 1, u), SIM_ERANGE);
	cr_expect_eq(gsa_saltelli(0, 1, u), SIM_ERANGE);
}

Test(gsa, saltelli_rows_share_columns_as_designed)
{
	int k = 3;
	size_t n = 4, rows = gsa_saltelli_rows(k, n);
	double *u = malloc(rows * k * sizeof *u);
	cr_assert_eq(gsa_saltelli(k, n, u), SIM_OK);
	for (size_t j = 0; j < n; j++) {
		const double *a = u + j * (k + 2) * k, *b = a + (k + 1) * k;
		for (int i = 0; i < k; i++)
			for (int c = 0; c < k; c++)
				cr_expect_eq(a[(1 + i) * k + c], c == i ? b[c] : a[c]);
	}
	free(u);
}

Test(gsa, morris_mu_star_of_linear_function_is_slope_times_range)
{
	const double a[] = { 2, -3, 0.5 }, lo[] = { 0, 10, -1 }, hi[] = { 1, 20, 3 };
	int k = 3, p = 4;
	size_t r = 20, rows = gsa_morris_rows(k, r);
	double *u = malloc(rows * k * sizeof *u), *y = malloc(rows * sizeof *y);
	int *ord = malloc(r * k * sizeof *ord);
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	gsa_morris(k, r, p, g, u, ord);
	for (size_t row = 0; row < rows; row++) {
		y[row] = 0;
		for (int i = 0; i < k; i++) {
			double ui = u[row * k + i];
			cr_assert(ui >= 0 && ui <= 1 + 1e-12, "off the grid: %g", ui);
			y[row] += a[i] * (lo[i] + ui * (hi[i] - lo[i]));
		}
	}
	struct gsa_morris m[3];
	gsa_morris_effects(k, r, u, ord, y, m);
	for (int i = 0; i < k; i++) {
		double want = fabs(a[i]) * (hi[i] - lo[i]);
		cr_expect(fabs(m[i].mu_star - want) < 1e-9 * want, "mu*[%d] = %g, want %g", i,
		          m[i].mu_star, want);
		cr_expect(fabs(m[i].mu - a[i] * (hi[i] - lo[i])) < 1e-9 * want);
		cr_expect(m[i].sigma < 1e-9 * want, "linear: no interaction, sigma %g", m[i].sigma);
		cr_expect_eq(m[i].n_used, r);
	}
	gsl_rng_free(g);
	free(u);
	free(y);
	free(ord);
}

Test(gsa, lhs_hits_each_stratum_once_per_dimension)
{
	int k = 5;
	size_t n = 97;
	double *u = malloc(n * k * sizeof *u);
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	gsa_lhs(k, n, g, u);
	for (int i = 0; i < k; i++) {
		int *hit = calloc(n, sizeof *hit);
		for (size_t j = 0; j < n; j++) {
			double x = u[j * k + i];
			cr_assert(x >= 0 && x < 1);
			hit[(size_t)(x * n)]++;
		}
		for (size_t s = 0; s < n; s++)
			cr_expect_eq(hit[s], 1, "dimension %d stratum %zu hit %d times", i, s, hit[s]);
		free(hit);
	}
	gsl_rng_free(g);
	free(u);
}

Test(gsa, distribution_quantiles)
{
	struct gsa_dist un = { GSA_UNIFORM, 2, 6, 0, 2, 6 };
	cr_expect_float_eq(gsa_dist_quantile(&un, 0.25), 3, 1e-12);
	struct gsa_dist lu = { GSA_LOGUNIFORM, 1e5, 1e7, 0, 1e5, 1e7 };
	cr_expect_float_eq(gsa_dist_quantile(&lu, 0.5), 1e6, 1e-6);
	cr_expect_eq(gsa_dist_quantile(&lu, 0), 1e5, "the bounds exactly");
	cr_expect_eq(gsa_dist_quantile(&lu, 1), 1e7);
	struct gsa_dist nm = { GSA_NORMAL, 10, 2, 0, -INFINITY, INFINITY };
	cr_expect_float_eq(gsa_dist_quantile(&nm, 0.5), 10, 1e-12);
	cr_expect(isfinite(gsa_dist_quantile(&nm, 0)), "normal corners are clipped");
	struct gsa_dist tn = { GSA_TRUNCNORMAL, 0, 1, 0, 0, 1 };
	cr_expect_float_eq(gsa_dist_quantile(&tn, 0), 0, 1e-12);
	cr_expect_float_eq(gsa_dist_quantile(&tn, 1), 1, 1e-12);
	/* half-normal on [0, inf) truncated at 1: median where Phi(x) = 0.5 + (Phi(1) - 0.5) / 2 */
	cr_expect_float_eq(gsa_dist_quantile(&tn, 0.5), 0.44177, 1e-4);
	struct gsa_dist tr = { GSA_TRIANGULAR, 0, 2, 1, 0, 2 };
	cr_expect_float_eq(gsa_dist_quantile(&tr, 0.5), 1, 1e-12);
	cr_expect_float_eq(gsa_dist_quantile(&tr, 0.125), 0.5, 1e-12);
	cr_expect_eq(gsa_dist_kind_of("triangular"), GSA_TRIANGULAR);
	cr_expect_eq(gsa_dist_kind_of("beta"), -1);
}

Test(gsa, quantiles_skip_non_finite)
{
	double y[] = { 3, NAN, 1, 2, INFINITY, 5, 4 }, q[] = { 0, 0.5, 1 }, out[3];
	cr_expect_eq(gsa_quantiles(y, 7, q, 3, out), 5);
	cr_expect_eq(out[0], 1);
	cr_expect_eq(out[1], 3);
	cr_expect_eq(out[2], 5);
}
