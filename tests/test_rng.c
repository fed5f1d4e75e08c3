/* test_rng.c — stream derivation: reproducible, independent, GSL-compatible. */
#include <criterion/criterion.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>

#include "sim/rng.h"

Test(rng, same_tuple_same_stream)
{
	gsl_rng *a = rng_stream(42, 3, RNG_MODEL_DEMAND, 17);
	gsl_rng *b = rng_stream(42, 3, RNG_MODEL_DEMAND, 17);
	for (int i = 0; i < 10000; i++)
		cr_assert_eq(gsl_rng_get(a), gsl_rng_get(b));
	rng_reseed(a, 42, 3, RNG_MODEL_DEMAND, 17);
	gsl_rng_free(b);
	b = rng_stream(42, 3, RNG_MODEL_DEMAND, 17);
	for (int i = 0; i < 100; i++)
		cr_assert_eq(gsl_rng_get(a), gsl_rng_get(b));
	gsl_rng_free(a);
	gsl_rng_free(b);
}

Test(rng, keys_differ_in_every_field_and_order)
{
	uint64_t base = rng_key(1, 2, 3, 4);
	cr_assert_neq(base, rng_key(0, 2, 3, 4));
	cr_assert_neq(base, rng_key(1, 3, 3, 4));
	cr_assert_neq(base, rng_key(1, 2, 4, 4));
	cr_assert_neq(base, rng_key(1, 2, 3, 5));
	cr_assert_neq(rng_key(1, 2, 3, 4), rng_key(1, 2, 4, 3));
	cr_assert_neq(rng_key(0, 0, 0, 1), rng_key(0, 0, 1, 0));
	/* no collisions over a grid of 64k nearby tuples */
	enum { N = 1 << 16 };
	static uint64_t k[N];
	int n = 0;
	for (uint64_t rep = 0; rep < 64; rep++)
		for (uint32_t m = 0; m < 16; m++)
			for (uint64_t e = 0; e < 64; e++)
				k[n++] = rng_key(7, rep, m, e);
	for (int i = 0; i < N; i++)
		for (int j = i + 1; j < i + 64 && j < N; j++)
			cr_assert_neq(k[i], k[j]);
}

/* A stream depends on its own tuple only: drawing from another stream, or
 * creating more streams, never changes it. */
Test(rng, streams_are_independent_of_each_other)
{
	gsl_rng *a = rng_stream(9, 0, RNG_MODEL_NODES, 0);
	double first[100];
	for (int i = 0; i < 100; i++)
		first[i] = gsl_rng_uniform(a);
	gsl_rng *b = rng_stream(9, 0, RNG_MODEL_NODES, 0);
	gsl_rng *c = rng_stream(9, 0, RNG_MODEL_NODES, 1);
	for (int i = 0; i < 100; i++) {
		gsl_rng_uniform(c);
		cr_assert_eq(gsl_rng_uniform(b), first[i]);
	}
	/* neighbouring streams are uncorrelated: |r| small over 10^5 pairs */
	enum { N = 100000 };
	static double x[N], y[N];
	for (int i = 0; i < N; i++) {
		x[i] = gsl_rng_uniform(b);
		y[i] = gsl_rng_uniform(c);
	}
	double r = gsl_stats_correlation(x, 1, y, 1, N);
	cr_assert_lt(fabs(r), 5.0 / sqrt(N), "correlation %g between neighbouring streams", r);
	gsl_rng_free(a);
	gsl_rng_free(b);
	gsl_rng_free(c);
}

/* The derived generator is a working MT19937 under GSL's distributions:
 * uniform mean and variance, exponential mean, within 5 standard errors. */
Test(rng, distributions_have_the_right_moments)
{
	gsl_rng *r = rng_stream(123, 0, RNG_MODEL_KERNEL, 0);
	cr_assert_str_eq(gsl_rng_name(r), "mt19937");
	enum { N = 200000 };
	double su = 0, su2 = 0, se = 0;
	for (int i = 0; i < N; i++) {
		double u = gsl_rng_uniform(r);
		cr_assert(u >= 0 && u < 1);
		su += u;
		su2 += u * u;
		se += gsl_ran_exponential(r, 2.0);
	}
	double mu = su / N, var = su2 / N - mu * mu;
	cr_assert_lt(fabs(mu - 0.5), 5 * sqrt(1.0 / 12 / N));
	cr_assert_lt(fabs(var - 1.0 / 12), 0.002);
	cr_assert_lt(fabs(se / N - 2.0), 5 * 2.0 / sqrt(N));
	gsl_rng_free(r);
}

/* Pearson's chi-square p-value of n draws of draw(r, mu) against the Poisson
 * distribution of mean mu: about 60 bins of equal probability mass from the
 * exact CDF (GSL's), the tails in the end bins. */
static double poisson_gof(double (*draw)(gsl_rng *, double), gsl_rng *r, double mu, int n)
{
	enum { BINS = 60 };
	unsigned edge[BINS + 1];     /* bin i holds edge[i] <= k < edge[i + 1] */
	double p[BINS], lo = 0;
	int nb = 0;
	edge[0] = 0;
	double k0 = floor(mu - 8 * sqrt(mu));   /* below it: under 1e-14 of the mass */
	for (unsigned k = k0 > 0 ? (unsigned)k0 : 0; nb < BINS - 1; k++) {
		double c = gsl_cdf_poisson_P(k, mu);
		if (c - lo >= 1.0 / BINS) {
			p[nb] = c - lo;
			edge[++nb] = k + 1;
			lo = c;
		}
		if (1 - c < 1.0 / BINS)
			break;
	}
	p[nb++] = 1 - lo;            /* the upper tail */
	double count[BINS] = { 0 };
	for (int i = 0; i < n; i++) {
		double k = draw(r, mu);
		int b = 0;
		while (b + 1 < nb && k >= edge[b + 1])
			b++;
		count[b]++;
	}
	double chi2 = 0;
	for (int b = 0; b < nb; b++)
		chi2 += (count[b] - n * p[b]) * (count[b] - n * p[b]) / (n * p[b]);
	return gsl_cdf_chisq_Q(chi2, nb - 1);
}

static double normal_approx(gsl_rng *r, double mu)
{
	return fmax(0, floor(mu + sqrt(mu) * gsl_ran_ugaussian(r) + 0.5));
}

/* rng_poisson against the exact Poisson distribution, on both sides of its
 * switch from GSL's sampler to PTRS at mean 10 and across the range PTRS
 * serves; the normal approximation, the same test's negative control, fails
 * it at the means where it is wrong. */
Test(rng, poisson_draws_follow_the_poisson_distribution)
{
	gsl_rng *r = rng_stream(2024, 0, RNG_MODEL_KERNEL, 1);
	const double mus[] = { 0.7, 9.99, 10, 13.5, 100, 2.5e3, 1e6 };
	for (size_t i = 0; i < sizeof mus / sizeof mus[0]; i++) {
		double pv = poisson_gof(rng_poisson, r, mus[i], 200000);
		cr_assert_gt(pv, 1e-4, "mean %g: chi-square p-value %g", mus[i], pv);
	}
	cr_assert_lt(poisson_gof(normal_approx, r, 10, 200000), 1e-6);
	cr_assert_lt(poisson_gof(normal_approx, r, 100, 200000), 1e-6);
	/* moments: mean and variance mu, within 5 standard errors */
	const double big[] = { 15, 1e5, 5e8 };
	for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
		enum { N = 200000 };
		double s = 0, s2 = 0, mu = big[i];
		for (int j = 0; j < N; j++) {
			double k = rng_poisson(r, mu);
			cr_assert(k >= 0 && k == floor(k));
			s += k - mu;
			s2 += (k - mu) * (k - mu);
		}
		double m = s / N, v = s2 / N - m * m;
		cr_assert_lt(fabs(m), 5 * sqrt(mu / N), "mean %g: mean off by %g", mu, m);
		cr_assert_lt(fabs(v / mu - 1), 5 * sqrt(2.0 / N), "mean %g: variance %g", mu, v);
	}
	cr_assert_eq(rng_poisson(r, 0), 0);
	cr_assert_eq(rng_poisson(r, -1), 0);
	cr_assert_eq(rng_poisson(r, NAN), 0);
	gsl_rng_free(r);
}

/* splitmix64 reference values (Vigna's splitmix64.c with seed 0). */
Test(rng, splitmix64_matches_reference)
{
	uint64_t s = 0;
	cr_assert_eq(rng_splitmix64(&s), 0xe220a8397b1dcdafULL);
	cr_assert_eq(rng_splitmix64(&s), 0x6e789e6aa1b965f4ULL);
	cr_assert_eq(rng_splitmix64(&s), 0x06c45d188009454fULL);
}
