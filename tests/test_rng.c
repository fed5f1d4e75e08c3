/* test_rng.c — stream derivation: reproducible, independent, GSL-compatible. */
#include <criterion/criterion.h>
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

/* splitmix64 reference values (Vigna's splitmix64.c with seed 0). */
Test(rng, splitmix64_matches_reference)
{
	uint64_t s = 0;
	cr_assert_eq(rng_splitmix64(&s), 0xe220a8397b1dcdafULL);
	cr_assert_eq(rng_splitmix64(&s), 0x6e789e6aa1b965f4ULL);
	cr_assert_eq(rng_splitmix64(&s), 0x06c45d188009454fULL);
}
