/* btc_fit.h — the Bitcoin back-test's errors and fit: how far a simulated
 * hash rate lies from the observed one, and the node parameters that bring
 * it closest (models/bitcoin.h is the model).
 *
 *     struct btc_params p;                     // btc_params_load
 *     p.fit_mask = BTC_FIT_ENTRY | BTC_FIT_DECLINE | BTC_FIT_LAG;
 *     if (btc_fit(&p, 0, &d)) ...              // p.nodes, p.lag_days fitted
 *     btc_simulate(&p, &np, NULL, &t);         // np = p.nodes, deterministic
 *     struct btc_err e;
 *     btc_errors(&p, &t, &e);                  // e.rmse_in, e.rmse_out, ...
 *
 * Observations are the monthly means of hr_month (to 2020-03) and the point
 * estimates of hr_point (from 2020); a simulated value is compared with each
 * over the same days (btc_sim_month, btc_sim_point).  Errors are in log10 of
 * simulated / observed.  The fit window holds the monthly observations whose
 * month starts in [fit_from, fit_to]; the held-out ones are those from
 * hold_from on, monthly and points alike.
 *
 * About the fit: gsl_multifit_nlinear (Levenberg-Marquardt trust region,
 * central-difference Jacobian with a coarse step) adjusts the continuous
 * parameters of p->fit_mask so that log10(simulated / observed) over the fit
 * window is least-squares, in deterministic mode, then records the in-sample
 * and held-out errors in p->fit_*.  Coordinates are transformed so that any
 * real value is a valid parameter (logs, a logistic for the decline).  The
 * lag, a whole number of days that finite differences cannot see, is
 * profiled instead: a fit at each lag of a grid, the smallest in-sample RMSE
 * wins.
 *
 * The naive benchmark (btc_naive) is what the model must beat: hash rate in
 * proportion to revenue over the cost of frontier hardware,
 *     H_naive(t) = c R6(t) / C6(t)                                   TH/s
 * with R the miners' revenue (btc_revenue, USD/day, the model's own), C the
 * all-in cost of one TH/s-day of the generation on sale (btc_frontier_cost,
 * USD) and R6, C6 their trailing means over BTC_NAIVE_WINDOW days.  The one scale
 * c is fitted in log10 on the fit window in closed form, and the benchmark's
 * errors are taken at the model's observations (btc_errors on its path).
 *
 *     double *ths = calloc(p.end - p.start + 1, sizeof *ths);
 *     struct btc_naive nv;
 *     if (btc_naive(&p, ths, &nv, &d)) ...     // nv.scale, nv.e.rmse_out
 *     btc_skill(e.rmse_out, nv.e.rmse_out)     // 1 - (model / naive)^2
 */
#ifndef DAIS_BTC_FIT_H
#define DAIS_BTC_FIT_H

#include "bitcoin.h"
#include "sim/status.h"

/* Errors of a trace against the observations. */
#define BTC_YEAR_STARTS 6          /* 2020 .. 2025 */
struct btc_err {
	int n_in, n_out;
	double rmse_in;            /* RMSE of log10(sim/obs), fit window */
	double rmse_out;           /* the same, held out */
	double mape_out;           /* mean |sim/obs - 1|, held out */
	double bias_out;           /* mean log10(sim/obs), held out */
	double year_start[BTC_YEAR_STARTS]; /* log10(sim/obs) at the first observation of each year */
	double year_obs[BTC_YEAR_STARTS];   /* that observation, EH/s */
	double year_sim[BTC_YEAR_STARTS];
};

/* Simulated EH/s comparable with observation i (monthly mean over the month,
 * or the 7-day mean ending on a point's day); NaN when those days lie
 * outside the trace. */
double btc_sim_month(const struct btc_params *p, const struct btc_trace *t, int i);
double btc_sim_point(const struct btc_params *p, const struct btc_trace *t, int i);
void btc_errors(const struct btc_params *p, const struct btc_trace *t, struct btc_err *e);

/* Fits the parameters of p->fit_mask (deterministic mode); on success the
 * fitted values are in p->nodes (and p->lag_days) and the errors in p->fit_*.
 * SIM_EINVAL with a message when no parameter is free, the window holds
 * too few observations or GSL fails.  verbose prints iterations
 * to stderr. */
sim_status btc_fit(struct btc_params *p, int verbose, sim_diag *d) SIM_MUST_CHECK;

/* The name of fit parameter k (bit k of fit_mask): "entry_rate", "hurdle_rate",
 * "revenue_decline", "patience_days", "elec_sigma", "lag_days"; NULL otherwise. */
const char *btc_fit_name(int k);

/* ---- the naive benchmark ---------------------------------------------------- */

#define BTC_NAIVE_WINDOW 182       /* days in the trailing means (6 months) */

/* out[i] = mean of x[max(0, i - w + 1) .. i], i < n: a trailing mean over w
 * values, over fewer at the start.  out may be x (it is filled from the end). */
void btc_trailing_mean(const double *x, int n, int w, double *out);

/* The all-in cost of one TH/s-day on a day, USD: the new-hardware price per
 * TH/s of the frontier generation (the last one available by then; column
 * p->capex_level) over its life in days (straight line, no residual, no
 * discounting), plus the energy of its j_per_th W for 24 h at btc_elec. */
double btc_frontier_cost(const struct btc_params *p, int32_t day);

struct btc_naive {
	double scale;              /* c, fitted on the fit window (dimensionless) */
	struct btc_err e;          /* its errors, as btc_errors reports the model's */
};

/* Fills ths (p->end - p->start + 1 days) with the benchmark's hash rate, TH/s,
 * and nv with its scale and errors; all NaN when the fit window holds no
 * observation.  SIM_ENOMEM (with a message) is the only failure. */
sim_status btc_naive(const struct btc_params *p, double *ths, struct btc_naive *nv,
                     sim_diag *d) SIM_MUST_CHECK;

/* Skill of a model over a benchmark by their RMSEs: 1 - (model / naive)^2
 * (1 perfect, 0 no better, negative worse); NaN when naive is 0 or NaN. */
double btc_skill(double rmse_model, double rmse_naive);

#endif
