/* market.c — the day's market equilibrium (market.h). */
#include "market.h"

#include <math.h>

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

double mkt_pressure(const struct mkt_out *o)
{
	double rationed = o->offered_tot > 0 ? (o->offered_tot - o->served_tot) / o->offered_tot : 0;
	return o->util + rationed;
}

/* f(z) = D(z) - z, with o the market at z. */
static double excess(const struct mkt_params *mp, const struct mkt_in *in, double settle,
                     double z, struct mkt_out *o, int *evals)
{
	mkt_eval(mp, in, settle, z, o);
	++*evals;
	return mkt_pressure(o) - z;
}

/* A secant search inside the bracket [lo, hi] that D's range gives for free:
 * f(0) = D(0) >= 0 and f(2) = D(2) - 2 <= 0.  Each step is the secant's (the
 * caller's slope first; an end of [0, 2] not yet evaluated when the secant
 * passes it), and a bisection when the secant would leave the bracket or the
 * last step did not halve |f|, so the search always ends.  It stops at the
 * first z with |f(z)| <= MKT_Z_TOL and |f(z) / slope| <= MKT_Z_TOL: where D
 * does not increase, f' <= -1 and so |z - root| <= |f(z)|.  From yesterday's root and slope that is two or three evaluations,
 * where a bracketing solver needs two for its bracket and several more to
 * close it.  A bracket narrower than MKT_Z_TOL also stops it (a jump of D
 * across the root). */
sim_status mkt_solve(const struct mkt_params *mp, const struct mkt_in *in, double settle,
                     struct mkt_guess *g, struct mkt_out *o, sim_diag *d)
{
	double lo = 0, hi = 2;
	int lo_seen = 0, hi_seen = 0;           /* an end evaluated, not D's bound */
	double z = g && g->z >= 0 && g->z <= 2 ? g->z : 1;
	double slope = g && g->slope <= -1 && isfinite(g->slope) ? g->slope : -1;
	double zp = NAN, fp = NAN;
	int evals = 0;
	for (int it = 0; it < MAX_ITER; it++) {
		double f = excess(mp, in, settle, z, o, &evals);
		if (isnan(f))
			break;
		if (f >= 0)
			lo = z, lo_seen = 1;
		if (f <= 0)
			hi = z, hi_seen = 1;
		if (isfinite(zp) && z != zp && isfinite(fp) && isfinite(f)) {
			double sc = (f - fp) / (z - zp);
			if (sc < 0 && isfinite(sc))
				slope = sc;
		}
		if ((fabs(f) <= MKT_Z_TOL && fabs(f / slope) <= MKT_Z_TOL) || hi - lo <= MKT_Z_TOL) {
			o->evals = evals;
			if (g) {
				g->z = z;
				g->slope = slope < -1 ? slope : -1;
			}
			return SIM_OK;
		}
		double zn = isfinite(f) ? z - f / slope : NAN;
		if (zn >= hi)                   /* past an end: the end itself, once */
			zn = hi_seen ? NAN : hi;
		if (zn <= lo)
			zn = lo_seen ? NAN : lo;
		if (isnan(zn) || (isfinite(fp) && !(fabs(f) <= 0.5 * fabs(fp))))
			zn = 0.5 * (lo + hi);
		zp = z;
		fp = f;
		z = zn;
	}
	o->evals = evals;
	diag_add(d, "market: the equilibrium search did not converge in %d steps "
	         "(z in [%.17g, %.17g])", MAX_ITER, lo, hi);
	return SIM_EINVAL;
}
