/* btc_fit.c — the Bitcoin back-test's errors against the observed hash rate
 * and the least-squares fit of the node parameters.  See btc_fit.h.
 */
#include "btc_fit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_vector.h>

/* ---------------------------------------------------------------------------
 * Errors against the observations
 * ------------------------------------------------------------------------- */

double btc_sim_month(const struct btc_params *p, const struct btc_trace *t, int i)
{
	const struct btc_series *s = &p->data.hr_month;
	int32_t a = s->day[i], b = s->day2[i];
	if (a < p->start || b > p->end)
		return NAN;
	double sum = 0;
	for (int32_t d = a; d <= b; d++)
		sum += t->ths[d - p->start];
	return sum / (b - a + 1) / 1e6;
}

double btc_sim_point(const struct btc_params *p, const struct btc_trace *t, int i)
{
	int32_t day = p->data.hr_point.day[i];
	if (day - 6 < p->start || day > p->end)
		return NAN;
	double sum = 0;
	for (int32_t d = day - 6; d <= day; d++)
		sum += t->ths[d - p->start];
	return sum / 7 / 1e6;
}

static double lratio(double s, double obs)
{
	return log10(fmax(s, 1e-30) / obs);
}

void btc_errors(const struct btc_params *p, const struct btc_trace *t, struct btc_err *e)
{
	const struct btc_data *bd = &p->data;
	memset(e, 0, sizeof *e);
	double s2in = 0, s2out = 0, ape = 0, bias = 0;
	for (int i = 0; i < bd->hr_month.n; i++) {
		double hs = btc_sim_month(p, t, i);
		if (isnan(hs))
			continue;
		double l = lratio(hs, bd->hr_month.v[i]);
		int32_t day = bd->hr_month.day[i];
		if (day >= p->fit_from && day <= p->fit_to) {
			s2in += l * l;
			e->n_in++;
		} else if (day >= p->hold_from) {
			s2out += l * l;
			ape += fabs(hs / bd->hr_month.v[i] - 1);
			bias += l;
			e->n_out++;
		}
	}
	for (int i = 0; i < bd->hr_point.n; i++) {
		double hs = btc_sim_point(p, t, i);
		if (isnan(hs) || bd->hr_point.day[i] < p->hold_from)
			continue;
		double l = lratio(hs, bd->hr_point.v[i]);
		s2out += l * l;
		ape += fabs(hs / bd->hr_point.v[i] - 1);
		bias += l;
		e->n_out++;
	}
	e->rmse_in = e->n_in ? sqrt(s2in / e->n_in) : NAN;
	e->rmse_out = e->n_out ? sqrt(s2out / e->n_out) : NAN;
	e->mape_out = e->n_out ? ape / e->n_out : NAN;
	e->bias_out = e->n_out ? bias / e->n_out : NAN;
	for (int k = 0; k < BTC_YEAR_STARTS; k++) {
		int32_t a = btc_days(2020 + k, 1, 1), b = a + 31;
		e->year_start[k] = e->year_obs[k] = e->year_sim[k] = NAN;
		for (int i = 0; i < bd->hr_point.n; i++)
			if (bd->hr_point.day[i] >= a && bd->hr_point.day[i] < b) {
				e->year_obs[k] = bd->hr_point.v[i];
				e->year_sim[k] = btc_sim_point(p, t, i);
				break;
			}
		if (isnan(e->year_obs[k]))
			for (int i = 0; i < bd->hr_month.n; i++)
				if (bd->hr_month.day[i] == a) {
					e->year_obs[k] = bd->hr_month.v[i];
					e->year_sim[k] = btc_sim_month(p, t, i);
				}
		if (!isnan(e->year_obs[k]) && !isnan(e->year_sim[k]))
			e->year_start[k] = lratio(e->year_sim[k], e->year_obs[k]);
	}
}

/* ---------------------------------------------------------------------------
 * The fit
 * ------------------------------------------------------------------------- */

struct fit_ctx {
	struct btc_params *p;
	struct btc_trace t;
	int idx[8];               /* which parameter each coordinate is */
	int n;
	int n_res;
	int *months;              /* (n_res,) observation index of each residual */
	int evals;
};

enum { FP_ENTRY, FP_HURDLE, FP_DECLINE, FP_PATIENCE, FP_SIGMA };

static double logistic(double x) { return 1.0 / (1.0 + exp(-x)); }

/* Coordinates are transformed so that any real value is a valid parameter:
 * logs for rates, a logistic for the decline (kept in [0, 0.9]). */
static void theta_to_params(const struct fit_ctx *f, const gsl_vector *x, struct node_params *np)
{
	for (int k = 0; k < f->n; k++) {
		double v = gsl_vector_get(x, (size_t)k);
		switch (f->idx[k]) {
		case FP_ENTRY:    np->entry_rate = fmin(exp(v), 10.0); break;
		case FP_HURDLE:   np->hurdle_rate = fmin(exp(v), 100.0); break;
		case FP_DECLINE:  np->revenue_decline = 0.9 * logistic(v); break;
		case FP_PATIENCE: np->patience_days = fmin(exp(v), 3650.0); break;
		case FP_SIGMA:    np->elec_sigma = fmin(exp(v), 3.0); break;
		}
	}
}

static double param_to_theta(int which, const struct node_params *np)
{
	switch (which) {
	case FP_ENTRY:    return log(fmax(np->entry_rate, 1e-6));
	case FP_HURDLE:   return log(fmax(np->hurdle_rate, 1e-3));
	case FP_DECLINE: {
		double y = fmin(fmax(np->revenue_decline / 0.9, 0.02), 0.98);
		return log(y / (1 - y));
	}
	case FP_PATIENCE: return log(fmax(np->patience_days, 1.0));
	default:          return log(fmax(np->elec_sigma, 0.01));
	}
}

static int fit_f(const gsl_vector *x, void *data, gsl_vector *fv)
{
	struct fit_ctx *f = data;
	struct node_params np = f->p->nodes;
	np.deterministic = 1;
	theta_to_params(f, x, &np);
	f->evals++;
	if (btc_simulate(f->p, &np, NULL, &f->t) != SIM_OK)
		return GSL_EBADFUNC;
	for (int k = 0; k < f->n_res; k++) {
		int i = f->months[k];
		double hs = btc_sim_month(f->p, &f->t, i);
		gsl_vector_set(fv, (size_t)k, lratio(hs, f->p->data.hr_month.v[i]));
	}
	return GSL_SUCCESS;
}

static void fit_report(const size_t iter, void *params, const gsl_multifit_nlinear_workspace *w)
{
	struct fit_ctx *f = params;
	gsl_vector *x = gsl_multifit_nlinear_position(w);
	gsl_vector *r = gsl_multifit_nlinear_residual(w);
	struct node_params np = f->p->nodes;
	theta_to_params(f, x, &np);
	double chi = gsl_blas_dnrm2(r);
	fprintf(stderr, "bitcoin fit: iter %2zu  rmse_log10 %.4f  entry %.5g  hurdle %.4g  decline %.4g"
	        "  patience %.4g  sigma %.4g\n", iter, chi / sqrt((double)f->n_res),
	        np.entry_rate, np.hurdle_rate, np.revenue_decline, np.patience_days, np.elec_sigma);
}

static sim_status fit_once(struct btc_params *p, int verbose, sim_diag *d)
{
	struct fit_ctx f = { .p = p };
	const int masks[] = { BTC_FIT_ENTRY, BTC_FIT_HURDLE, BTC_FIT_DECLINE, BTC_FIT_PATIENCE,
	                      BTC_FIT_SIGMA };   /* the lag is profiled by btc_fit */
	for (int k = 0; k < 5; k++)
		if (p->fit_mask & masks[k])
			f.idx[f.n++] = k;
	if (f.n == 0) {
		diag_add(d, "$.bitcoin.fit_params: no continuous parameter to fit");
		return SIM_EINVAL;
	}
	f.months = malloc((size_t)p->data.hr_month.n * sizeof *f.months);
	if (!f.months)
		return SIM_ENOMEM;
	for (int i = 0; i < p->data.hr_month.n; i++) {
		int32_t a = p->data.hr_month.day[i];
		if (a >= p->fit_from && a <= p->fit_to && a >= p->start &&
		    p->data.hr_month.day2[i] <= p->end)
			f.months[f.n_res++] = i;
	}
	if (f.n_res <= f.n) {
		diag_add(d, "$.bitcoin.fit_from: the fit window holds %d monthly observations, "
		         "need more than %d", f.n_res, f.n);
		free(f.months);
		return SIM_EINVAL;
	}
	gsl_multifit_nlinear_parameters fp = gsl_multifit_nlinear_default_parameters();
	fp.trs = gsl_multifit_nlinear_trs_lm;
	fp.fdtype = GSL_MULTIFIT_NLINEAR_CTRDIFF;
	/* a coarse step: band exits make the residuals piecewise smooth, and a
	 * tiny step would measure the jumps instead of the slope */
	fp.h_df = 1e-2;
	gsl_multifit_nlinear_workspace *w =
		gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &fp, (size_t)f.n_res, (size_t)f.n);
	gsl_vector *x = gsl_vector_alloc((size_t)f.n);
	sim_status st = SIM_ENOMEM;
	if (!w || !x)
		goto done;
	for (int k = 0; k < f.n; k++)
		gsl_vector_set(x, (size_t)k, param_to_theta(f.idx[k], &p->nodes));
	gsl_multifit_nlinear_fdf fdf = { .f = fit_f, .df = NULL, .fvv = NULL,
	                                 .n = (size_t)f.n_res, .p = (size_t)f.n, .params = &f };
	gsl_error_handler_t *old = gsl_set_error_handler_off();
	int gs = gsl_multifit_nlinear_init(x, &fdf, w);
	int info = 0;
	if (gs == GSL_SUCCESS)
		gs = gsl_multifit_nlinear_driver(60, 1e-5, 1e-6, 1e-8, verbose ? fit_report : NULL,
		                                 &f, &info, w);
	gsl_set_error_handler(old);
	p->fit_status = gs;
	p->fit_iters = (int)gsl_multifit_nlinear_niter(w);
	if (gs != GSL_SUCCESS && gs != GSL_EMAXITER && gs != GSL_ENOPROG) {
		diag_add(d, "bitcoin: the least-squares fit failed: %s", gsl_strerror(gs));
		st = SIM_EINVAL;
		goto done;
	}
	theta_to_params(&f, w->x, &p->nodes);
	p->fitted = 1;
	/* the errors at the optimum, with the scenario's own mode off */
	struct node_params np = p->nodes;
	np.deterministic = 1;
	st = btc_simulate(p, &np, NULL, &f.t);
	if (st == SIM_OK) {
		struct btc_err e;
		btc_errors(p, &f.t, &e);
		p->fit_rmse_in = e.rmse_in;
		p->fit_rmse_out = e.rmse_out;
		p->fit_mape_out = e.mape_out;
	}
	if (verbose)
		fprintf(stderr, "bitcoin fit: %s after %d iterations, %d simulations\n",
		        gsl_strerror(gs), p->fit_iters, f.evals);
done:
	gsl_vector_free(x);
	gsl_multifit_nlinear_free(w);
	btc_trace_release(&f.t);
	free(f.months);
	return st;
}

/* The lag is a whole number of days, so finite differences cannot see it:
 * it is profiled instead.  Each lag on a grid (0..120 days by 10, then the
 * best +-9 by 1) gets its own least-squares fit of the other parameters from
 * the same starting point; the lag with the smallest in-sample RMSE wins. */
sim_status btc_fit(struct btc_params *p, int verbose, sim_diag *d)
{
	if (!(p->fit_mask & BTC_FIT_LAG))
		return fit_once(p, verbose, d);
	const struct btc_params start = *p;
	struct btc_params best = *p;
	double best_rmse = INFINITY;
	int best_lag = -1, tried[131] = { 0 };
	for (int pass = 0; pass < 2; pass++) {
		int lo = pass ? best_lag - 9 : 0, hi = pass ? best_lag + 9 : 120;
		int step = pass ? 1 : 10;
		for (int lag = lo < 0 ? 0 : lo; lag <= hi && lag <= 130; lag += step) {
			if (tried[lag])
				continue;
			tried[lag] = 1;
			struct btc_params q = start;
			q.fit_mask &= ~BTC_FIT_LAG;
			q.lag_days = lag;
			if (q.fit_mask) {
				sim_status st = fit_once(&q, 0, d);
				if (st != SIM_OK)
					return st;
			} else {
				struct btc_trace t = { 0 };
				struct node_params np = q.nodes;
				np.deterministic = 1;
				sim_status st = btc_simulate(&q, &np, NULL, &t);
				struct btc_err e;
				if (st == SIM_OK)
					btc_errors(&q, &t, &e);
				btc_trace_release(&t);
				if (st != SIM_OK)
					return st;
				q.fit_rmse_in = e.rmse_in;
				q.fit_rmse_out = e.rmse_out;
				q.fit_mape_out = e.mape_out;
				q.fitted = 1;
			}
			if (verbose)
				fprintf(stderr, "bitcoin fit: lag %3d days  rmse_log10 %.4f  entry %.5g  hurdle %.4g"
				        "  decline %.4g\n", lag, q.fit_rmse_in, q.nodes.entry_rate,
				        q.nodes.hurdle_rate, q.nodes.revenue_decline);
			if (q.fit_rmse_in < best_rmse) {
				best_rmse = q.fit_rmse_in;
				best_lag = lag;
				best = q;
			}
		}
	}
	best.fit_mask = start.fit_mask;
	*p = best;
	return SIM_OK;
}

/* The names of the fit parameters, by bit of BTC_FIT_*. */
static const char *const fit_names[] = { "entry_rate", "hurdle_rate", "revenue_decline",
                                         "patience_days", "elec_sigma", "lag_days" };

const char *btc_fit_name(int k)
{
	return k >= 0 && k < (int)(sizeof fit_names / sizeof *fit_names) ? fit_names[k] : NULL;
}

/* ---------------------------------------------------------------------------
 * The naive benchmark
 * ------------------------------------------------------------------------- */

void btc_trailing_mean(const double *x, int n, int w, double *out)
{
	/* summed afresh at each i (n w is a million at most): the values span ten
	 * decades, where a running sum would carry the early ones' rounding */
	for (int i = n - 1; i >= 0; i--) {
		int a = i - w + 1 > 0 ? i - w + 1 : 0;
		double sum = 0;
		for (int k = a; k <= i; k++)
			sum += x[k];
		out[i] = sum / (i - a + 1);
	}
}

double btc_frontier_cost(const struct btc_params *p, int32_t day)
{
	const struct btc_data *bd = &p->data;
	int g = 0;
	while (g + 1 < bd->n_gen && bd->gen[g + 1].avail <= day)
		g++;
	const struct btc_gen *G = &bd->gen[g];
	return G->usd_per_th[p->capex_level] / G->life_days +
	       G->j_per_th * 24 / 1000 * btc_elec(bd, day);
}

sim_status btc_naive(const struct btc_params *p, double *ths, struct btc_naive *nv,
                     sim_diag *d)
{
	const struct btc_data *bd = &p->data;
	int n = p->end - p->start + 1;
	double *rev = calloc((size_t)n, sizeof *rev), *cost = calloc((size_t)n, sizeof *cost);
	if (!rev || !cost) {
		free(rev);
		free(cost);
		diag_add(d, "bitcoin: naive benchmark: out of memory");
		return SIM_ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		rev[i] = btc_revenue(bd, p->start + i);
		cost[i] = btc_frontier_cost(p, p->start + i);
	}
	/* descending order inside btc_trailing_mean makes in place safe */
	btc_trailing_mean(rev, n, BTC_NAIVE_WINDOW, rev);
	btc_trailing_mean(cost, n, BTC_NAIVE_WINDOW, cost);
	for (int i = 0; i < n; i++)
		ths[i] = rev[i] / cost[i];
	free(rev);
	free(cost);
	/* c = 10^mean(log10 obs - log10 x) over the fit window: the least-squares
	 * scale in log10, since a month's mean of c x is c times the mean of x */
	struct btc_trace t = { .n_days = n, .ths = ths };
	double sum = 0;
	int m = 0;
	for (int i = 0; i < bd->hr_month.n; i++) {
		int32_t day = bd->hr_month.day[i];
		double x = btc_sim_month(p, &t, i);
		if (isnan(x) || day < p->fit_from || day > p->fit_to)
			continue;
		sum += log10(bd->hr_month.v[i] / x);
		m++;
	}
	/* no observation to scale by: NaN throughout, as btc_errors reports an
	 * empty window */
	nv->scale = m ? pow(10, sum / m) : NAN;
	for (int i = 0; i < n; i++)
		ths[i] *= nv->scale;
	btc_errors(p, &t, &nv->e);
	return SIM_OK;
}

double btc_skill(double rmse_model, double rmse_naive)
{
	if (!(rmse_naive > 0))
		return NAN;
	return 1 - rmse_model * rmse_model / (rmse_naive * rmse_naive);
}
