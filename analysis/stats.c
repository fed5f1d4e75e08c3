/* stats.c — replication statistics on GSL (see stats.h for definitions). */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

size_t stats_finite(const double *x, size_t n, double *out)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (isfinite(x[i]))
			out[k++] = x[i];
	return k;
}

/* About the cache: the summary asks for the same two quantiles (0.975 and
 * 0.95 at n-1 degrees of freedom) for every cell of every series, and GSL's
 * inverse takes microseconds: it was a sixth of a baseline run.  Per thread,
 * so it needs no lock. */
double stats_t_quantile(double q, double dof)
{
	if (!(dof >= 1) || !(q > 0 && q < 1))
		return NAN;
	static _Thread_local struct { double q, dof, v; } memo[4];
	static _Thread_local unsigned next;
	for (unsigned i = 0; i < 4; i++)
		if (memo[i].q == q && memo[i].dof == dof)
			return memo[i].v;
	double v = gsl_cdf_tdist_Pinv(q, dof);
	memo[next % 4].q = q;
	memo[next % 4].dof = dof;
	memo[next % 4].v = v;
	next++;
	return v;
}

void stats_t_interval(size_t n, double mean, double sd, double level,
                      double *lo, double *hi)
{
	if (n < 2 || !isfinite(mean) || !isfinite(sd)) {
		*lo = *hi = NAN;
		return;
	}
	double h = stats_t_quantile(0.5 + level / 2, (double)(n - 1)) * sd / sqrt((double)n);
	*lo = mean - h;
	*hi = mean + h;
}

double stats_quantile_sorted(const double *sorted, size_t n, double p)
{
	if (n == 0 || !(p >= 0 && p <= 1))
		return NAN;
	return gsl_stats_quantile_from_sorted_data(sorted, 1, n, p);
}

static void fill_nan(struct stats_summary *o, size_t n)
{
	o->n = n;
	o->n_finite = 0;
	o->mean = o->sd = o->sem = NAN;
	o->ci95_lo = o->ci95_hi = o->ci90_lo = o->ci90_hi = NAN;
	o->min = o->max = NAN;
	o->p025 = o->p05 = o->p25 = o->p50 = o->p75 = o->p95 = o->p975 = NAN;
}

void stats_summary_work(const double *x, size_t n, double *work,
                        struct stats_summary *o)
{
	fill_nan(o, n);
	size_t k = stats_finite(x, n, work);
	o->n_finite = k;
	if (k == 0)
		return;
	o->mean = gsl_stats_mean(work, 1, k);
	if (k >= 2) {
		o->sd = gsl_stats_sd_m(work, 1, k, o->mean);
		o->sem = o->sd / sqrt((double)k);
		stats_t_interval(k, o->mean, o->sd, 0.95, &o->ci95_lo, &o->ci95_hi);
		stats_t_interval(k, o->mean, o->sd, 0.90, &o->ci90_lo, &o->ci90_hi);
	}
	gsl_sort(work, 1, k);
	o->min = work[0];
	o->max = work[k - 1];
	o->p025 = stats_quantile_sorted(work, k, 0.025);
	o->p05 = stats_quantile_sorted(work, k, 0.05);
	o->p25 = stats_quantile_sorted(work, k, 0.25);
	o->p50 = stats_quantile_sorted(work, k, 0.50);
	o->p75 = stats_quantile_sorted(work, k, 0.75);
	o->p95 = stats_quantile_sorted(work, k, 0.95);
	o->p975 = stats_quantile_sorted(work, k, 0.975);
}

sim_status stats_summary(const double *x, size_t n, struct stats_summary *out)
{
	double *w = malloc((n ? n : 1) * sizeof *w);
	if (!w) {
		fill_nan(out, n);
		return SIM_ENOMEM;
	}
	stats_summary_work(x, n, w, out);
	free(w);
	return SIM_OK;
}

double stats_mean(const double *x, size_t n)
{
	struct stats_acc a;
	stats_acc_init(&a);
	for (size_t i = 0; i < n; i++)
		stats_acc_add(&a, x[i]);
	return stats_acc_mean(&a);
}

double stats_sd(const double *x, size_t n)
{
	struct stats_acc a;
	stats_acc_init(&a);
	for (size_t i = 0; i < n; i++)
		stats_acc_add(&a, x[i]);
	return stats_acc_sd(&a);
}

double stats_quantile(const double *x, size_t n, double p)
{
	double *w = malloc((n ? n : 1) * sizeof *w);
	if (!w)
		return NAN;
	size_t k = stats_finite(x, n, w);
	gsl_sort(w, 1, k);
	double q = stats_quantile_sorted(w, k, p);
	free(w);
	return q;
}

/* ---- streaming accumulator ------------------------------------------------ */

void stats_acc_init(struct stats_acc *a)
{
	*a = (struct stats_acc){ .mean = 0, .m2 = 0, .min = INFINITY, .max = -INFINITY };
}

void stats_acc_add(struct stats_acc *a, double x)
{
	if (!isfinite(x)) {
		a->n_skip++;
		return;
	}
	a->n++;
	double d = x - a->mean;
	a->mean += d / (double)a->n;
	a->m2 += d * (x - a->mean);
	if (x < a->min)
		a->min = x;
	if (x > a->max)
		a->max = x;
}

void stats_acc_merge(struct stats_acc *a, const struct stats_acc *b)
{
	a->n_skip += b->n_skip;
	if (b->n == 0)
		return;
	if (a->n == 0) {
		size_t skip = a->n_skip;
		*a = *b;
		a->n_skip = skip;
		return;
	}
	double na = (double)a->n, nb = (double)b->n, n = na + nb;
	double d = b->mean - a->mean;
	a->mean += d * nb / n;
	a->m2 += b->m2 + d * d * na * nb / n;
	a->n += b->n;
	if (b->min < a->min)
		a->min = b->min;
	if (b->max > a->max)
		a->max = b->max;
}

double stats_acc_mean(const struct stats_acc *a)
{
	return a->n ? a->mean : NAN;
}

double stats_acc_var(const struct stats_acc *a)
{
	return a->n >= 2 ? a->m2 / (double)(a->n - 1) : NAN;
}

double stats_acc_sd(const struct stats_acc *a)
{
	return sqrt(stats_acc_var(a));
}

void stats_acc_ci(const struct stats_acc *a, double level, double *lo, double *hi)
{
	stats_t_interval(a->n, stats_acc_mean(a), stats_acc_sd(a), level, lo, hi);
}
