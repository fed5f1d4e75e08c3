/* gsa.c — sampling designs and sensitivity estimators (gsa.h). */
#include "gsa.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_qrng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

/* ---- distributions ---------------------------------------------------------- */

static const char *const dist_names[] = { "uniform", "loguniform", "normal", "truncnormal",
                                          "triangular" };

const char *gsa_dist_name(enum gsa_dist_kind k)
{
	return (unsigned)k < sizeof dist_names / sizeof *dist_names ? dist_names[k] : "?";
}

int gsa_dist_kind_of(const char *name)
{
	for (size_t i = 0; name && i < sizeof dist_names / sizeof *dist_names; i++)
		if (!strcmp(name, dist_names[i]))
			return (int)i;
	return -1;
}

double gsa_dist_quantile(const struct gsa_dist *d, double u)
{
	u = u < 0 ? 0 : u > 1 ? 1 : u;
	switch (d->kind) {
	case GSA_UNIFORM:
		return d->a + u * (d->b - d->a);
	case GSA_LOGUNIFORM: /* the bounds exactly at the ends, not exp(log(a)) */
		return u == 0 ? d->a : u == 1 ? d->b : exp(log(d->a) + u * (log(d->b) - log(d->a)));
	case GSA_NORMAL:
		u = u < GSA_U_EPS ? GSA_U_EPS : u > 1 - GSA_U_EPS ? 1 - GSA_U_EPS : u;
		return d->a + d->b * gsl_cdf_ugaussian_Pinv(u);
	case GSA_TRUNCNORMAL: {
		double pa = gsl_cdf_ugaussian_P((d->lo - d->a) / d->b);
		double pb = gsl_cdf_ugaussian_P((d->hi - d->a) / d->b);
		double p = pa + u * (pb - pa);
		if (p <= 0 || p >= 1) /* bounds far in a tail: the bound itself */
			return p <= 0 ? d->lo : d->hi;
		double x = d->a + d->b * gsl_cdf_ugaussian_Pinv(p);
		return x < d->lo ? d->lo : x > d->hi ? d->hi : x;
	}
	case GSA_TRIANGULAR: {
		double a = d->a, b = d->b, c = d->c, fc = (c - a) / (b - a);
		return u < fc ? a + sqrt(u * (b - a) * (c - a))
		              : b - sqrt((1 - u) * (b - a) * (b - c));
	}
	}
	return NAN;
}

/* ---- designs ------------------------------------------------------------------ */

size_t gsa_saltelli_rows(int k, size_t n) { return n * (size_t)(k + 2); }

sim_status gsa_saltelli(int k, size_t n, double *u)
{
	if (k < 1 || k > GSA_SOBOL_MAX_K)
		return SIM_ERANGE;
	gsl_qrng *q = gsl_qrng_alloc(gsl_qrng_sobol, (unsigned)(2 * k));
	double *ab = malloc(2 * (size_t)k * sizeof *ab);
	if (!q || !ab) {
		gsl_qrng_free(q);
		free(ab);
		return SIM_ENOMEM;
	}
	gsl_qrng_get(q, ab); /* the origin: skipped */
	size_t kk = (size_t)k;
	for (size_t j = 0; j < n; j++) {
		gsl_qrng_get(q, ab);
		double *blk = u + j * (kk + 2) * kk;  /* A, AB^(1..k), B */
		for (size_t r = 0; r < kk + 2; r++)
			memcpy(blk + r * kk, r == kk + 1 ? ab + kk : ab, kk * sizeof *ab);
		for (size_t i = 0; i < kk; i++)
			blk[(1 + i) * kk + i] = ab[kk + i];
	}
	free(ab);
	gsl_qrng_free(q);
	return SIM_OK;
}

size_t gsa_morris_rows(int k, size_t r) { return r * (size_t)(k + 1); }

void gsa_morris(int k, size_t r, int p, gsl_rng *rng, double *u, int *order)
{
	size_t kk = (size_t)k;
	double delta = p / (2.0 * (p - 1));
	for (size_t t = 0; t < r; t++) {
		double *row = u + t * (kk + 1) * kk;
		int *ord = order + t * kk;
		/* start: a level from which the move stays on the grid, in either direction */
		double *dir = malloc(kk * sizeof *dir);
		SIM_ASSERT(dir != NULL);
		for (size_t i = 0; i < kk; i++) {
			int lvl = (int)gsl_rng_uniform_int(rng, (unsigned long)(p / 2));
			double lo = lvl / (double)(p - 1);
			int up = gsl_rng_uniform_int(rng, 2) == 0;
			row[i] = up ? lo : lo + delta;
			dir[i] = up ? delta : -delta;
			ord[i] = (int)i;
		}
		gsl_ran_shuffle(rng, ord, kk, sizeof *ord);
		for (size_t s = 0; s < kk; s++) {
			double *next = row + (s + 1) * kk;
			memcpy(next, row + s * kk, kk * sizeof *next);
			next[ord[s]] += dir[ord[s]];
		}
		free(dir);
	}
}

void gsa_lhs(int k, size_t n, gsl_rng *rng, double *u)
{
	size_t kk = (size_t)k;
	size_t *perm = malloc(n * sizeof *perm);
	SIM_ASSERT(perm != NULL || n == 0);
	for (size_t i = 0; i < kk; i++) {
		for (size_t j = 0; j < n; j++)
			perm[j] = j;
		gsl_ran_shuffle(rng, perm, n, sizeof *perm);
		for (size_t j = 0; j < n; j++)
			u[j * kk + i] = (perm[j] + gsl_rng_uniform(rng)) / (double)n;
	}
	free(perm);
}

/* ---- Sobol estimators --------------------------------------------------------- */

/* The sums of one parameter over the base rows in idx (m of them, repeats
 * allowed): S1 and ST as above; NaN when fewer than two rows or no variance. */
static void sobol_one(int k, int i, const double *y, const size_t *idx, size_t m,
                      double *s1, double *st, size_t *used)
{
	size_t kk = (size_t)k, n = 0;
	double num1 = 0, numt = 0;
	/* V over the pooled f_A and f_B, in one pass (Welford) */
	double mean = 0, m2 = 0;
	size_t cnt = 0;
	for (size_t t = 0; t < m; t++) {
		const double *blk = y + idx[t] * (kk + 2);
		double fa = blk[0], fb = blk[kk + 1], fab = blk[1 + i];
		if (!isfinite(fa) || !isfinite(fb) || !isfinite(fab))
			continue;
		n++;
		num1 += fb * (fab - fa);
		numt += (fa - fab) * (fa - fab);
		for (int w = 0; w < 2; w++) {
			double x = w ? fb : fa, dlt = x - mean;
			cnt++;
			mean += dlt / cnt;
			m2 += dlt * (x - mean);
		}
	}
	double v = cnt > 1 ? m2 / (cnt - 1) : 0;
	*used = n;
	if (n < 2 || !(v > 0)) {
		*s1 = *st = NAN;
		return;
	}
	*s1 = num1 / n / v;
	*st = numt / n / (2 * v);
}

static double pct(double *v, size_t n, double q)
{
	gsl_sort(v, 1, n);
	return gsl_stats_quantile_from_sorted_data(v, 1, n, q);
}

sim_status gsa_sobol_indices(int k, size_t n, const double *y, int nboot, gsl_rng *rng,
                             struct gsa_sobol *out)
{
	size_t *idx = malloc((n ? n : 1) * sizeof *idx);
	double *b1 = malloc(((size_t)nboot + 1) * (size_t)k * sizeof *b1);
	double *bt = malloc(((size_t)nboot + 1) * (size_t)k * sizeof *bt);
	if (!idx || !b1 || !bt) {
		free(idx);
		free(b1);
		free(bt);
		return SIM_ENOMEM;
	}
	for (size_t j = 0; j < n; j++)
		idx[j] = j;
	for (int i = 0; i < k; i++) {
		sobol_one(k, i, y, idx, n, &out[i].s1, &out[i].st, &out[i].n_used);
		out[i].s1_lo = out[i].s1_hi = out[i].st_lo = out[i].st_hi = NAN;
	}
	/* resamples drawn once for all parameters, in a fixed order: the
	 * intervals depend on the generator's seed only */
	size_t nb = 0;
	for (int b = 0; b < nboot && n > 0; b++, nb++) {
		for (size_t j = 0; j < n; j++)
			idx[j] = gsl_rng_uniform_int(rng, (unsigned long)n);
		for (int i = 0; i < k; i++) {
			size_t used;
			sobol_one(k, i, y, idx, n, &b1[(size_t)i * nboot + b], &bt[(size_t)i * nboot + b],
			          &used);
		}
	}
	for (int i = 0; i < k && nb > 0; i++) {
		double *v1 = b1 + (size_t)i * nboot, *vt = bt + (size_t)i * nboot;
		size_t m1 = 0, mt = 0;
		for (size_t b = 0; b < nb; b++) { /* keep the finite resamples */
			if (isfinite(v1[b]))
				v1[m1++] = v1[b];
			if (isfinite(vt[b]))
				vt[mt++] = vt[b];
		}
		if (m1 > 1) {
			out[i].s1_lo = pct(v1, m1, 0.025);
			out[i].s1_hi = pct(v1, m1, 0.975);
		}
		if (mt > 1) {
			out[i].st_lo = pct(vt, mt, 0.025);
			out[i].st_hi = pct(vt, mt, 0.975);
		}
	}
	free(idx);
	free(b1);
	free(bt);
	return SIM_OK;
}

/* ---- Morris --------------------------------------------------------------------- */

void gsa_morris_effects(int k, size_t r, const double *u, const int *order, const double *y,
                        struct gsa_morris *out)
{
	size_t kk = (size_t)k;
	for (int i = 0; i < k; i++)
		out[i] = (struct gsa_morris){ 0 };
	double *sum2 = calloc(kk, sizeof *sum2);
	SIM_ASSERT(sum2 != NULL);
	for (size_t t = 0; t < r; t++) {
		const double *row = u + t * (kk + 1) * kk;
		const double *yt = y + t * (kk + 1);
		for (size_t s = 0; s < kk; s++) {
			int i = order[t * kk + s];
			double step = row[(s + 1) * kk + i] - row[s * kk + i];
			double ee = (yt[s + 1] - yt[s]) / step;
			if (!isfinite(ee))
				continue;
			out[i].n_used++;
			out[i].mu += ee;
			out[i].mu_star += fabs(ee);
			sum2[i] += ee * ee;
		}
	}
	for (int i = 0; i < k; i++) {
		double n = (double)out[i].n_used;
		if (n < 1) {
			out[i].mu = out[i].mu_star = out[i].sigma = NAN;
			continue;
		}
		out[i].mu /= n;
		out[i].mu_star /= n;
		double var = n > 1 ? (sum2[i] - n * out[i].mu * out[i].mu) / (n - 1) : NAN;
		out[i].sigma = var > 0 ? sqrt(var) : n > 1 ? 0 : NAN;
	}
	free(sum2);
}

size_t gsa_quantiles(const double *y, size_t n, const double *q, int nq, double *out)
{
	double *v = malloc((n ? n : 1) * sizeof *v);
	SIM_ASSERT(v != NULL);
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (isfinite(y[i]))
			v[m++] = y[i];
	if (m)
		gsl_sort(v, 1, m);
	for (int j = 0; j < nq; j++)
		out[j] = m ? gsl_stats_quantile_from_sorted_data(v, 1, m, q[j]) : NAN;
	free(v);
	return m;
}
