/* market.h — one day's market for decentralized inference, solved as an
 * equilibrium rather than iterated from yesterday.
 *
 *     struct mkt_in in = { ... };                 // today's demand, costs, fleet
 *     struct mkt_guess g = { NAN, NAN };          // or yesterday's root and slope
 *     struct mkt_out o;
 *     mkt_solve(&mp, &in, settle_usd_mtok, &g, &o, &diag);   // prices, shares, served
 *
 * The network's operators price every model class at
 *     P_m = max(c_m (1 + margin) pi(z) - sub_m, floor_frac c_m) + settle
 * where c_m is the full cost per token at the target utilisation u*, sub_m the
 * subsidy per token and settle the settlement cost per token.  The price index
 *     pi(z) = exp(k (min(z, 1) - u*)) exp(k_s max(z - 1, 0))
 * rises with the market's pressure z: the network's utilisation while there is
 * spare capacity, and beyond 1 the share of offered tokens the fleet cannot
 * serve (rationing shows as price, at rate k_s, not only as unserved tokens).
 * Users see the price and the latency L(min(z, 1)); the logit share cap and
 * the elastic demand give the offered tokens, which are allocated largest
 * model first to the smallest classes that hold it.  What comes back is
 *     D(z) = utilisation + unserved / offered.
 * The day's equilibrium is the z with D(z) = z.  D does not increase with z
 * (a higher price or latency never raises demand), so D(z) - z falls strictly
 * and has exactly one root in [0, 2] (D <= 2 always; the root is 2 itself when
 * nothing can be served, a fleet with no nodes); a safeguarded secant search
 * finds it to MKT_Z_TOL.  The root does not depend on where the search starts
 * (to MKT_Z_TOL), so no loop through the previous day can oscillate; a start
 * near the root only makes the search shorter.
 *
 * The latency is the table L(u) when one is given (from the serving model's
 * request-level simulation: network.c fills it from data/capacity/latency.csv),
 * else base + queue u / (1 - u), u capped at 0.95.
 */
#ifndef DAIS_MARKET_H
#define DAIS_MARKET_H

#include "demand.h"
#include "hardware.h"
#include "sim/status.h"

#define MKT_Z_TOL 1e-10       /* absolute tolerance on the pressure z */
#define MKT_LAT_MAX 16        /* points of a latency table */

struct mkt_params {
	double margin;            /* markup over full cost */
	double target_util;       /* u* */
	double util_price_k;      /* k */
	double scarcity_price_k;  /* k_s */
	double price_floor_frac;  /* the price never falls below this x cost (+ settle) */
	double latency_base_s;    /* formula: base + queue u/(1-u) */
	double latency_queue_s;
	int n_lat;                /* > 0: the table below replaces the formula */
	double lat_u[MKT_LAT_MAX], lat_s[MKT_LAT_MAX];  /* utilisation ascending, seconds */
};

struct mkt_in {
	int nh, nm;                                  /* classes, model classes */
	const int *order;                            /* classes in allocation order */
	const double (*tps)[DEM_MAX_MODELS];         /* tokens/s per node, 0 = does not fit */
	const double *units;                         /* nodes per class */
	const struct dem_params *dem;                /* logit and elasticity */
	double cf;                                   /* compute per token (verification, TEE) */
	double adopt, alpha;                         /* adoption, privacy preference */
	double extra_latency_s;                      /* settlement delay, per-request design */
	double demand[DEM_MAX_MODELS];               /* tokens/day at centralized prices */
	double cost[DEM_MAX_MODELS];                 /* USD/Mtok incl. cf; INFINITY: no class */
	double pcen[DEM_MAX_MODELS];                 /* centralized price, USD/Mtok */
	double sub[DEM_MAX_MODELS];                  /* subsidy, USD/Mtok */
};

struct mkt_out {
	double z;                                    /* pressure at the equilibrium */
	double price_index;                          /* pi(z) */
	double util;                                 /* node time used / node time */
	double lat;                                  /* s */
	int evals;                                   /* market evaluations used */
	double pdec[DEM_MAX_MODELS], cap[DEM_MAX_MODELS], share[DEM_MAX_MODELS];
	double dem[DEM_MAX_MODELS], offered[DEM_MAX_MODELS], served[DEM_MAX_MODELS];
	double x[HW_MAX_CLASSES][DEM_MAX_MODELS];    /* tokens/day of model m on class h */
	double used[HW_MAX_CLASSES];                 /* fraction of class time used */
	double demand_tot, offered_tot, served_tot;
};

/* Checks a parameter set: "<src>: $.network.<key>: ..." messages. */
sim_status mkt_check(const struct mkt_params *mp, const char *src, sim_diag *d) SIM_MUST_CHECK;

/* Latency at utilisation u (table or formula). */
double mkt_latency(const struct mkt_params *mp, double u);

/* The market at a given pressure z (one evaluation; o->z = z). */
void mkt_eval(const struct mkt_params *mp, const struct mkt_in *in, double settle, double z,
              struct mkt_out *o);

/* D(z) of an evaluation: its utilisation plus the share of offered tokens
 * it leaves unserved.  The equilibrium is where it equals o->z. */
double mkt_pressure(const struct mkt_out *o);

/* Where a search starts: a guess of the root z and of the slope of D(z) - z
 * there (NAN: none; a slope above -1 is taken as -1).  mkt_solve leaves the
 * root and the slope it measured, the start for a nearby search. */
struct mkt_guess {
	double z, slope;
};

/* The day's equilibrium at settlement cost settle (USD/Mtok): SIM_OK, or
 * SIM_EINVAL when the solver fails (a message names the day's inputs).  g
 * (NULL: none) only shortens the search: the root is the same to MKT_Z_TOL
 * wherever it starts.  o->evals counts the evaluations. */
sim_status mkt_solve(const struct mkt_params *mp, const struct mkt_in *in, double settle,
                     struct mkt_guess *g, struct mkt_out *o, sim_diag *d) SIM_MUST_CHECK;

#endif
