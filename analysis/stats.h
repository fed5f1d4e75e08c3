/* stats.h — statistics of replications: mean, spread, intervals, percentiles.
 *
 *     double x[] = { 2, 4, 4, 5, 7 };
 *     struct stats_summary s;
 *     if (stats_summary(x, 5, &s) != SIM_OK) ...         // SIM_ENOMEM only
 *     printf("%g [%g, %g]\n", s.mean, s.ci95_lo, s.ci95_hi);
 *
 *     struct stats_acc a; stats_acc_init(&a);            // streaming, O(1) memory
 *     for (...) stats_acc_add(&a, v);
 *     stats_acc_ci(&a, 0.95, &lo, &hi);
 *
 * About missing values: a NaN is a missing value (a projection that did not
 * happen, a cell never set).  Every function here leaves out values that are
 * not finite (NaN and ±inf, which would otherwise poison every moment) and
 * reports how many it used (n_finite).  With no finite value every result is
 * NaN; with one, the mean and percentiles are that value and sd, sem and the
 * intervals are NaN (a spread cannot be estimated from one replication).
 *
 * Definitions, so that other tools reproduce the numbers:
 *   - sd is the sample standard deviation (divisor n-1);
 *   - the level-L interval of the mean is mean ± t_{(1+L)/2, n-1} · sd/√n
 *     (Student t, gsl_cdf_tdist_Pinv): it assumes independent replications
 *     and a roughly normal mean, which holds for the usual 30+ replications;
 *   - percentiles interpolate linearly between order statistics
 *     (gsl_stats_quantile_from_sorted_data; R's type 7, numpy's default):
 *     the p-quantile of sorted x[0..n-1] is x[i] + f·(x[i+1]-x[i]) with
 *     i + f = p·(n-1).
 * Numbers are computed with GSL's stable one-pass-mean routines.
 */
#ifndef DAIS_STATS_H
#define DAIS_STATS_H

#include <stddef.h>

#include "sim/status.h"

/* Everything the results summary stores about one sample. */
struct stats_summary {
	size_t n;          /* values given */
	size_t n_finite;   /* values used (finite ones) */
	double mean;
	double sd;         /* sample standard deviation, n-1 */
	double sem;        /* standard error of the mean, sd/sqrt(n_finite) */
	double ci95_lo, ci95_hi; /* 95% t-interval of the mean */
	double ci90_lo, ci90_hi; /* 90% t-interval of the mean */
	double min, max;
	double p025, p05, p25, p50, p75, p95, p975; /* percentiles of the sample */
};

/* Summarises x[0..n-1] (NaN and ±inf left out).  Allocates n doubles of
 * scratch; returns SIM_ENOMEM (out filled with NaN) if that fails. */
sim_status stats_summary(const double *x, size_t n, struct stats_summary *out) SIM_MUST_CHECK;

/* The same without allocating: work holds at least n doubles. */
void stats_summary_work(const double *x, size_t n, double *work,
                        struct stats_summary *out);

/* Copies the finite values of x into out (may alias x); returns their count. */
size_t stats_finite(const double *x, size_t n, double *out);

/* Mean and sample sd of the finite values of x; NaN when too few. */
double stats_mean(const double *x, size_t n);
double stats_sd(const double *x, size_t n);

/* The q-quantile of Student's t with dof degrees of freedom
 * (stats_t_quantile(0.975, 4) = 2.776445); NaN for dof < 1. */
double stats_t_quantile(double q, double dof);

/* The level (0.95) t-interval of a mean from its sample size, mean and sd;
 * NaN bounds when n < 2. */
void stats_t_interval(size_t n, double mean, double sd, double level,
                      double *lo, double *hi);

/* The p-quantile (0 <= p <= 1) of sorted finite data; NaN when n == 0. */
double stats_quantile_sorted(const double *sorted, size_t n, double p);

/* The p-quantile of the finite values of x (copies and sorts; NaN on
 * allocation failure or no finite value). */
double stats_quantile(const double *x, size_t n, double p);

/* ---- streaming accumulator (Welford) ------------------------------------
 * For sums over many values that are not kept: one pass, numerically
 * stable, mergeable (for per-thread partial sums, Chan et al.). */
struct stats_acc {
	size_t n;      /* finite values added */
	size_t n_skip; /* non-finite values seen and left out */
	double mean;
	double m2;     /* sum of squared deviations from the mean */
	double min, max;
};

void stats_acc_init(struct stats_acc *a);
void stats_acc_add(struct stats_acc *a, double x);
/* a += b, as if every value of b had been added to a. */
void stats_acc_merge(struct stats_acc *a, const struct stats_acc *b);
double stats_acc_mean(const struct stats_acc *a); /* NaN when empty */
double stats_acc_var(const struct stats_acc *a);  /* sample variance; NaN when n < 2 */
double stats_acc_sd(const struct stats_acc *a);
void stats_acc_ci(const struct stats_acc *a, double level, double *lo, double *hi);

#endif
