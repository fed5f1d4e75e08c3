/* gsa.h — global sensitivity analysis: sampling designs and estimators.
 *
 * Pure numerics: nothing here knows scenarios, files or models.  A design is
 * a matrix of points in the unit cube (row-major, n rows by k columns); the
 * caller maps each column to its parameter through gsa_dist_quantile, runs
 * its model at every row and hands the outputs back to an estimator.
 *
 *     // Sobol indices with Saltelli sampling: N base rows give N (k + 2) runs
 *     double *u = malloc(gsa_saltelli_rows(k, N) * k * sizeof *u);
 *     gsa_saltelli(k, N, u);                          // unit-cube points
 *     for (r...) y[r] = model(quantiles of u[r*k..]);
 *     struct gsa_sobol s[k];
 *     gsa_sobol_indices(k, N, y, 1000, rng, s);       // S1, ST, 95% intervals
 *
 * About the Saltelli design (Saltelli et al. 2010, the layout SALib uses
 * without second-order terms): base row j of a 2k-dimensional quasi-random
 * Sobol sequence gives A_j (its first k coordinates) and B_j (its last k);
 * the design holds, for j = 0..N-1, the k + 2 rows
 *     A_j, AB_j^(1), ..., AB_j^(k), B_j
 * where AB_j^(i) is A_j with column i taken from B_j.  The sequence is GSL's
 * gsl_qrng_sobol, whose first point (the origin) is skipped, as SALib does.
 * GSL's Sobol sequence has at most 40 dimensions, so Saltelli designs take
 * at most GSA_SOBOL_MAX_K = 20 parameters; more is refused (SIM_ERANGE)
 * rather than padded with a second, unrelated sequence whose columns would
 * not be jointly low-discrepancy.  Morris and LHS have no such limit.
 *
 * About the estimators, with f_A, f_B, f_ABi the outputs at those rows and V
 * the variance of all 2N values of f_A and f_B together:
 *     S1_i = mean_j( f_B (f_ABi - f_A) ) / V         (Saltelli 2010, eq. b)
 *     ST_i = mean_j( (f_A - f_ABi)^2 ) / (2 V)        (Jansen 1999)
 * Base rows where any of f_A, f_B or f_ABi is not finite are left out of
 * parameter i's sums (and counted in n_used).  The intervals are percentile
 * bootstrap intervals (2.5% and 97.5%) over nboot resamples of the base rows
 * with replacement, drawn from the caller's generator.
 *
 * About Morris (Morris 1991; Campolongo et al. 2007 for mu*): r trajectories
 * of k + 1 points on a grid of p levels {0, 1/(p-1), ..., 1}, step
 * delta = p / (2 (p - 1)); each trajectory starts at a random grid point,
 * moves one coordinate at a time by +delta or -delta in a random order.  The
 * elementary effect of coordinate i is (y_after - y_before) / (+-delta), in
 * output units per unit of the unit-cube coordinate: for y = sum a_i x_i
 * with x_i uniform on [lo_i, hi_i], mu*_i = |a_i| (hi_i - lo_i).
 *
 * About Latin hypercubes: each column is an independent random permutation
 * of the n strata [s/n, (s+1)/n), each point uniform within its stratum.
 */
#ifndef DAIS_GSA_H
#define DAIS_GSA_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

#include "sim/status.h"

#define GSA_SOBOL_MAX_K 20

/* ---- distributions ---------------------------------------------------------- */

enum gsa_dist_kind {
	GSA_UNIFORM,      /* a = lower, b = upper */
	GSA_LOGUNIFORM,   /* log-uniform on [a, b], 0 < a < b */
	GSA_NORMAL,       /* mean a, sd b */
	GSA_TRUNCNORMAL,  /* mean a, sd b, truncated to [lo, hi] */
	GSA_TRIANGULAR    /* lower a, mode c, upper b */
};

struct gsa_dist {
	enum gsa_dist_kind kind;
	double a, b, c;   /* as above */
	double lo, hi;    /* the support; the bounds for truncnormal */
};

/* The u-quantile of d, u in [0, 1].  For the normal, whose support is
 * unbounded, u is clipped to [GSA_U_EPS, 1 - GSA_U_EPS] so that the corners
 * of a Morris grid map to finite values (the 0.1% and 99.9% quantiles). */
#define GSA_U_EPS 1e-3
double gsa_dist_quantile(const struct gsa_dist *d, double u);

/* The name of a kind ("uniform", ...) and back (-1 when unknown). */
const char *gsa_dist_name(enum gsa_dist_kind k);
int gsa_dist_kind_of(const char *name);

/* ---- designs ------------------------------------------------------------------ */

/* Rows of a Saltelli design: n (k + 2). */
size_t gsa_saltelli_rows(int k, size_t n);
/* Fills u (gsa_saltelli_rows(k, n) by k) as above.  SIM_ERANGE when k is
 * out of [1, GSA_SOBOL_MAX_K], SIM_ENOMEM. */
sim_status gsa_saltelli(int k, size_t n, double *u) SIM_MUST_CHECK;

/* Rows of a Morris design: r (k + 1). */
size_t gsa_morris_rows(int k, size_t r);
/* Fills u (r (k + 1) by k) with r trajectories on p levels (p even, >= 2)
 * and order (r, k): order[t*k + s] is the coordinate trajectory t moves at
 * its step s. */
void gsa_morris(int k, size_t r, int p, gsl_rng *rng, double *u, int *order);

/* Fills u (n by k) with a Latin hypercube. */
void gsa_lhs(int k, size_t n, gsl_rng *rng, double *u);

/* ---- estimators --------------------------------------------------------------- */

struct gsa_sobol {
	double s1, s1_lo, s1_hi;  /* first order, 95% bootstrap interval */
	double st, st_lo, st_hi;  /* total */
	size_t n_used;            /* base rows with finite outputs */
};

/* Indices of every parameter from the outputs y (gsa_saltelli_rows(k, n),
 * in design order).  nboot = 0: no intervals (NaN).  A parameter with fewer
 * than 2 usable rows, or outputs without variance, gets NaN. */
sim_status gsa_sobol_indices(int k, size_t n, const double *y, int nboot, gsl_rng *rng,
                             struct gsa_sobol *out) SIM_MUST_CHECK;

struct gsa_morris {
	double mu, mu_star, sigma; /* mean, mean of |EE|, sd of EE (n - 1) */
	size_t n_used;             /* trajectories with finite effects */
};

/* Elementary effects of the Morris design (u and order from gsa_morris, y
 * its outputs) into out (k). */
void gsa_morris_effects(int k, size_t r, const double *u, const int *order, const double *y,
                        struct gsa_morris *out);

/* Quantiles q (nq values in [0, 1]) of the finite values of y (n) into out;
 * NaN when none is finite.  Returns how many were finite. */
size_t gsa_quantiles(const double *y, size_t n, const double *q, int nq, double *out);

#endif
