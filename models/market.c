/* market.c — the day's market equilibrium (market.h). */
#include "market.h"

#include <math.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>

#define DAY_S 86400.0
#define U_LAT_MAX 0.95      /* the formula's queueing term stops growing here */
#define MAX_ITER 200

sim_status mkt_check(const struct mkt_params *mp, const char *src, sim_diag *d)
{
	sim_status st = SIM_OK;
	if (!(mp->scarcity_price_k >= 0 && mp->scarcity_price_k <= 100)) {
		diag_add(d, "%s: $.network.scarcity_price_k: expected a number in [0, 100], got %g",
		         src, mp->scarcity_price_k);
		st = SIM_EINVAL;
	}
	if (mp->n_lat < 0 || mp->n_lat > MKT_LAT_MAX) {
		diag_add(d, "%s: latency table: expected 0 to %d points, got %d", src, MKT_LAT_MAX,
		         mp->n_lat);
		return SIM_EINVAL;
	}
	for (int i = 0; i < mp->n_lat; i++)
		if (!(mp->lat_s[i] >= 0 && isfinite(mp->lat_s[i])) || !(mp->lat_u[i] >= 0) ||
		    (i > 0 && !(mp->lat_u[i] > mp->lat_u[i - 1]))) {
			diag_add(d, "%s: latency table: point %d: expected ascending utilisation and "
			         "latency >= 0, got u = %g, %g s", src, i, mp->lat_u[i], mp->lat_s[i]);
			st = SIM_EINVAL;
		}
	return st;
}

double mkt_latency(const struct mkt_params *mp, double u)
{
	if (mp->n_lat > 0) {                    /* piecewise linear, flat outside the table */
		if (u <= mp->lat_u[0])
			return mp->lat_s[0];
		for (int i = 1; i < mp->n_lat; i++)
			if (u <= mp->lat_u[i]) {
				double w = (u - mp->lat_u[i - 1]) / (mp->lat_u[i] - mp->lat_u[i - 1]);
				return mp->lat_s[i - 1] + w * (mp->lat_s[i] - mp->lat_s[i - 1]);
			}
		return mp->lat_s[mp->n_lat - 1];
	}
	if (u > U_LAT_MAX)
		u = U_LAT_MAX;
	return mp->latency_base_s + mp->latency_queue_s * u / (1 - u);
}

/* Largest models first, each on the smallest classes that hold it. */
static void allocate(const struct mkt_in *in, struct mkt_out *o)
{
	double left[HW_MAX_CLASSES], time_all = 0, time_used = 0;
	for (int h = 0; h < in->nh; h++) {
		left[h] = in->units[h] * DAY_S;      /* node-seconds */
		time_all += left[h];
		for (int m = 0; m < in->nm; m++)
			o->x[h][m] = 0;
	}
	o->served_tot = 0;
	for (int m = in->nm - 1; m >= 0; m--) {
		double rem = o->offered[m];
		for (int i = 0; i < in->nh && rem > 0; i++) {
			int h = in->order[i];
			double tps = in->tps[h][m];
			if (tps <= 0 || left[h] <= 0)
				continue;
			double can = left[h] * tps / in->cf;
			double take = rem < can ? rem : can;
			o->x[h][m] = take;
			left[h] -= take * in->cf / tps;
			if (left[h] < 0)
				left[h] = 0;
			rem -= take;
		}
		o->served[m] = o->offered[m] - (rem > 0 ? rem : 0);
		o->served_tot += o->served[m];
	}
	for (int h = 0; h < in->nh; h++) {
		double cap_s = in->units[h] * DAY_S;
		o->used[h] = cap_s > 0 ? 1 - left[h] / cap_s : 0;
		if (o->used[h] < 0)
			o->used[h] = 0;
		time_used += cap_s - left[h];
	}
	o->util = time_all > 0 ? time_used / time_all : 1.0;
	if (o->util > 1)
		o->util = 1;
}

void mkt_eval(const struct mkt_params *mp, const struct mkt_in *in, double settle, double z,
              struct mkt_out *o)
{
	double u = z < 1 ? z : 1;
	o->z = z;
	o->price_index = exp(mp->util_price_k * (u - mp->target_util)) *
	                 (z > 1 ? exp(mp->scarcity_price_k * (z - 1)) : 1.0);
	o->lat = mkt_latency(mp, u) + in->extra_latency_s;
	o->demand_tot = o->offered_tot = 0;
	for (int m = 0; m < in->nm; m++) {
		if (isfinite(in->cost[m]) && isfinite(settle)) {
			double c = in->cost[m];
			double pr = c * (1 + mp->margin) * o->price_index - in->sub[m];
			if (pr < mp->price_floor_frac * c)
				pr = mp->price_floor_frac * c;
			o->pdec[m] = pr + settle;
			o->cap[m] = dem_share_cap(in->dem, o->pdec[m], in->pcen[m], o->lat,
			                          in->dem->latency_cen_s, in->alpha);
		} else {
			o->pdec[m] = isfinite(in->cost[m]) ? INFINITY : NAN;
			o->cap[m] = 0;
		}
		o->share[m] = in->adopt * o->cap[m];
		double peff = o->share[m] > 0
			? o->share[m] * o->pdec[m] + (1 - o->share[m]) * in->pcen[m] : in->pcen[m];
		o->dem[m] = dem_elastic(in->demand[m], peff, in->pcen[m], in->dem->elasticity);
		o->offered[m] = o->share[m] * o->dem[m];
		o->demand_tot += o->dem[m];
		o->offered_tot += o->offered[m];
	}
	allocate(in, o);
}

/* D(z) - z for the root finder. */
struct excess_ctx {
	const struct mkt_params *mp;
	const struct mkt_in *in;
	double settle;
	struct mkt_out *o;
};

double mkt_pressure(const struct mkt_out *o)
{
	double rationed = o->offered_tot > 0 ? (o->offered_tot - o->served_tot) / o->offered_tot : 0;
	return o->util + rationed;
}

static double excess(double z, void *arg)
{
	struct excess_ctx *e = arg;
	mkt_eval(e->mp, e->in, e->settle, z, e->o);
	e->o->evals++;
	return mkt_pressure(e->o) - z;
}

sim_status mkt_solve(const struct mkt_params *mp, const struct mkt_in *in, double settle,
                     double hint, struct mkt_out *o, sim_diag *d)
{
	struct excess_ctx e = { mp, in, settle, o };
	o->evals = 0;
	/* A bracket [lo, hi] with D - z > 0 at lo and < 0 at hi: around the hint
	 * (yesterday's root, say) first, widened until it holds or is [0, 2]. */
	double w = 0.01, lo = 0, hi = 2, flo, fhi;
	if (!(hint >= 0 && hint <= 2))
		w = 2;
	for (;;) {
		lo = hint - w > 0 ? hint - w : 0;
		hi = hint + w < 2 ? hint + w : 2;
		if (w >= 2)
			lo = 0, hi = 2;
		flo = excess(lo, &e);
		if (!(flo > 0) && lo == 0)          /* nothing offered even at the lowest price */
			return SIM_OK;
		fhi = flo > 0 ? excess(hi, &e) : 1;
		if ((flo > 0 && fhi < 0) || (lo == 0 && hi == 2))
			break;
		w *= 8;
	}
	if (fhi == 0 && isfinite(flo)) {    /* the root is the end: D(2) = 2, all rationed */
		int evals = o->evals;
		mkt_eval(mp, in, settle, hi, o);
		o->evals = evals + 1;
		return SIM_OK;
	}
	if (!(fhi < 0) || !isfinite(flo)) {
		diag_add(d, "market: no equilibrium bracketed: D(0) - 0 = %g, D(2) - 2 = %g", flo, fhi);
		return SIM_EINVAL;
	}
	gsl_function F = { excess, &e };
	gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
	if (!s)
		return SIM_ENOMEM;
	sim_status st = SIM_EINVAL;
	if (gsl_root_fsolver_set(s, &F, lo, hi) == GSL_SUCCESS)
		for (int it = 0; it < MAX_ITER; it++) {
			if (gsl_root_fsolver_iterate(s) != GSL_SUCCESS)
				break;
			lo = gsl_root_fsolver_x_lower(s);
			hi = gsl_root_fsolver_x_upper(s);
			if (gsl_root_test_interval(lo, hi, MKT_Z_TOL, 0) == GSL_SUCCESS) {
				st = SIM_OK;
				break;
			}
		}
	double z = gsl_root_fsolver_root(s);
	gsl_root_fsolver_free(s);
	if (st != SIM_OK) {
		diag_add(d, "market: the equilibrium search did not converge in %d steps "
		         "(z in [%.17g, %.17g])", MAX_ITER, lo, hi);
		return st;
	}
	int evals = o->evals;
	mkt_eval(mp, in, settle, z, o);     /* the outputs at the root itself */
	o->evals = evals + 1;
	return SIM_OK;
}
