/* test_stats.c — replication statistics against hand-computed answers.
 *
 * Sample x = {2, 4, 4, 5, 7}: mean 22/5 = 4.4; squared deviations sum to 13.2,
 * so the sample variance is 13.2/4 = 3.3, sd = sqrt(3.3) = 1.8165902124584950
 * and sem = sqrt(3.3/5) = 0.81240384046359604.  Student t quantiles from
 * standard tables (e.g. NIST/SEMATECH e-Handbook 1.3.6.7.2):
 * t_{0.975,4} = 2.776445, t_{0.95,4} = 2.131847, t_{0.975,2} = 4.302653,
 * t_{0.975,29} = 2.045230.  Percentiles, R type 7 (h = p(n-1)):
 * p05 = 2 + 0.2*2 = 2.4, p25 = 4, p50 = 4, p75 = 5, p95 = 5 + 0.8*2 = 6.6,
 * p025 = 2.2, p975 = 6.8.
 */
#include <criterion/criterion.h>
#include <math.h>

#include "analysis/stats.h"

#define X5 2, 4, 4, 5, 7
static const double sd5 = 1.8165902124584950;
static const double sem5 = 0.81240384046359604;

static void check_x5(const struct stats_summary *s)
{
	cr_expect_float_eq(s->mean, 4.4, 1e-12);
	cr_expect_float_eq(s->sd, sd5, 1e-12);
	cr_expect_float_eq(s->sem, sem5, 1e-12);
	/* Tables give 7 digits: allow 1e-6 on t, i.e. ~1e-6 on the half-width. */
	cr_expect_float_eq(s->ci95_lo, 4.4 - 2.776445 * sem5, 2e-6);
	cr_expect_float_eq(s->ci95_hi, 4.4 + 2.776445 * sem5, 2e-6);
	cr_expect_float_eq(s->ci90_lo, 4.4 - 2.131847 * sem5, 2e-6);
	cr_expect_float_eq(s->ci90_hi, 4.4 + 2.131847 * sem5, 2e-6);
	cr_expect_float_eq(s->min, 2, 0);
	cr_expect_float_eq(s->max, 7, 0);
	cr_expect_float_eq(s->p025, 2.2, 1e-12);
	cr_expect_float_eq(s->p05, 2.4, 1e-12);
	cr_expect_float_eq(s->p25, 4, 1e-12);
	cr_expect_float_eq(s->p50, 4, 1e-12);
	cr_expect_float_eq(s->p75, 5, 1e-12);
	cr_expect_float_eq(s->p95, 6.6, 1e-12);
	cr_expect_float_eq(s->p975, 6.8, 1e-12);
}

Test(stats, summary_of_five_values)
{
	const double x[] = { X5 };
	struct stats_summary s;
	cr_assert_eq(stats_summary(x, 5, &s), SIM_OK);
	cr_expect_eq(s.n, 5);
	cr_expect_eq(s.n_finite, 5);
	check_x5(&s);
}

Test(stats, nan_and_inf_are_left_out_and_counted)
{
	const double x[] = { NAN, 2, 4, INFINITY, 4, 5, NAN, 7 };
	struct stats_summary s;
	cr_assert_eq(stats_summary(x, 8, &s), SIM_OK);
	cr_expect_eq(s.n, 8);
	cr_expect_eq(s.n_finite, 5);
	check_x5(&s);
	cr_expect_float_eq(stats_mean(x, 8), 4.4, 1e-12);
	cr_expect_float_eq(stats_sd(x, 8), sd5, 1e-12);
	cr_expect_float_eq(stats_quantile(x, 8, 0.95), 6.6, 1e-12);
}

Test(stats, one_value_has_no_spread)
{
	const double x[] = { NAN, 3 };
	struct stats_summary s;
	cr_assert_eq(stats_summary(x, 2, &s), SIM_OK);
	cr_expect_eq(s.n_finite, 1);
	cr_expect_float_eq(s.mean, 3, 0);
	cr_expect_float_eq(s.p05, 3, 0);
	cr_expect_float_eq(s.p95, 3, 0);
	cr_expect(isnan(s.sd) && isnan(s.sem));
	cr_expect(isnan(s.ci95_lo) && isnan(s.ci95_hi) && isnan(s.ci90_lo) && isnan(s.ci90_hi));
}

Test(stats, no_value_gives_nan)
{
	const double x[] = { NAN, NAN };
	struct stats_summary s;
	cr_assert_eq(stats_summary(x, 2, &s), SIM_OK);
	cr_expect_eq(s.n, 2);
	cr_expect_eq(s.n_finite, 0);
	cr_expect(isnan(s.mean) && isnan(s.p50) && isnan(s.ci95_lo) && isnan(s.min));
	cr_assert_eq(stats_summary(NULL, 0, &s), SIM_OK);
	cr_expect(isnan(s.mean));
	cr_expect(isnan(stats_mean(x, 2)) && isnan(stats_quantile(x, 2, 0.5)));
}

Test(stats, t_quantiles_match_tables)
{
	static const struct { double q, dof, t; } tab[] = {
		{ 0.975, 4, 2.776445 }, { 0.95, 4, 2.131847 }, { 0.975, 2, 4.302653 },
		{ 0.975, 29, 2.045230 }, { 0.95, 10, 1.812461 }, { 0.975, 1, 12.706205 },
	};
	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
		cr_expect_float_eq(stats_t_quantile(tab[i].q, tab[i].dof), tab[i].t, 1e-6,
		                   "t(%g, %g)", tab[i].q, tab[i].dof);
	cr_expect(isnan(stats_t_quantile(0.975, 0)));
	double lo, hi;
	stats_t_interval(5, 4.4, sd5, 0.95, &lo, &hi);
	cr_expect_float_eq(hi - lo, 2 * 2.776445 * sem5, 4e-6);
	stats_t_interval(1, 4.4, 0, 0.95, &lo, &hi);
	cr_expect(isnan(lo) && isnan(hi));
}

Test(stats, quantiles_of_sorted_data)
{
	const double x[] = { 10, 20, 30, 40 }; /* h = 3p: p=1/3 -> 20, p=0.5 -> 25 */
	cr_expect_float_eq(stats_quantile_sorted(x, 4, 0), 10, 0);
	cr_expect_float_eq(stats_quantile_sorted(x, 4, 1), 40, 0);
	cr_expect_float_eq(stats_quantile_sorted(x, 4, 0.5), 25, 1e-12);
	cr_expect_float_eq(stats_quantile_sorted(x, 4, 1.0 / 3), 20, 1e-12);
	cr_expect(isnan(stats_quantile_sorted(x, 0, 0.5)));
}

Test(stats, accumulator_matches_batch_and_merges)
{
	const double x[] = { X5, NAN };
	struct stats_acc a, b, c;
	stats_acc_init(&a);
	for (int i = 0; i < 6; i++)
		stats_acc_add(&a, x[i]);
	cr_expect_eq(a.n, 5);
	cr_expect_eq(a.n_skip, 1);
	cr_expect_float_eq(stats_acc_mean(&a), 4.4, 1e-12);
	cr_expect_float_eq(stats_acc_var(&a), 3.3, 1e-12);
	cr_expect_float_eq(a.min, 2, 0);
	cr_expect_float_eq(a.max, 7, 0);
	double lo, hi;
	stats_acc_ci(&a, 0.95, &lo, &hi);
	cr_expect_float_eq(lo, 4.4 - 2.776445 * sem5, 2e-6);

	stats_acc_init(&b); /* {2, 4} merged with {4, 5, 7, NaN} */
	stats_acc_init(&c);
	for (int i = 0; i < 2; i++)
		stats_acc_add(&b, x[i]);
	for (int i = 2; i < 6; i++)
		stats_acc_add(&c, x[i]);
	stats_acc_merge(&b, &c);
	cr_expect_eq(b.n, 5);
	cr_expect_eq(b.n_skip, 1);
	cr_expect_float_eq(stats_acc_mean(&b), 4.4, 1e-12);
	cr_expect_float_eq(stats_acc_var(&b), 3.3, 1e-12);

	stats_acc_init(&c); /* merging into an empty one copies */
	stats_acc_merge(&c, &b);
	cr_expect_float_eq(stats_acc_sd(&c), sd5, 1e-12);
	stats_acc_init(&c);
	cr_expect(isnan(stats_acc_mean(&c)) && isnan(stats_acc_var(&c)));
}

Test(stats, work_variant_does_not_touch_input)
{
	const double x[] = { 7, 5, 4, 4, 2 };
	double w[5];
	struct stats_summary s;
	stats_summary_work(x, 5, w, &s);
	check_x5(&s);
	cr_expect_float_eq(x[0], 7, 0);
}
