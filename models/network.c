/* network.c — the coupled network model on the event core: six daily events
 * (exogenous, market, tokenomics, nodes, settlement, record) over one state.
 *
 * Everything a replication needs is allocated in net_run before the first
 * event; handlers only do arithmetic on flat arrays (O(classes x models + chains)
 * per market evaluation).  The parameters are net_params.c's.
 */
#include "network.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>

#include "sim/rng.h"
#include "sim/sim.h"
#include "market.h"

#define DAY_S 86400.0
#define DAYS_PER_YEAR 365.25
/* Memory of the subsidy per token seen by prices.  The subsidy per token is
 * the emission's value over the value served, learnt from past days; at 7
 * days, with the subsidy far above fees, that feedback through yesterday's
 * served value cycled with a two-day period (tests/test_market.c caught it);
 * a month's memory damps it in every committed scenario. */
#define SMOOTH_DAYS 30.0

/* Window sums for the "year N" scalars: these, then four per chain. */
enum { WIN_NODES, WIN_PFLOPS, WIN_TPS, WIN_SUPPLY, WIN_TREND, WIN_SERVED, WIN_FEES, WIN_SUB, WIN_N };
enum { WIN_AI_CAP, WIN_AI_TGT, WIN_MULT, WIN_DISP };
static const double win_years[3] = { 1, 5, 10 };

enum { PRIO_EXO = 0, PRIO_MARKET, PRIO_TOKEN, PRIO_NODES, PRIO_SETTLE, PRIO_RECORD };

/* ---------------------------------------------------------------- state */

struct net {
	const struct net_params *p;
	const struct model_ctx *ctx;
	rec *r;
	sim *s;
	sim_status err;
	int nh, nm, nk, ndays, day;
	int debug;                            /* DAIS_NET_DEBUG set: trace to stderr */
	int h_exo, h_mkt, h_tok, h_nodes, h_settle, h_rec;

	node_pop *pop[HW_MAX_CLASSES];
	gsl_rng *rng_nodes[HW_MAX_CLASSES], *rng_agents[HW_MAX_CLASSES], *rng_dem, *rng_ver;
	tok *tk;
	ver *vr;
	struct ver_params verp;   /* p->ver with the requests one draw covers */
	chains *ch;
	char cls_names[HW_MAX_CLASSES][HW_NAME_LEN];

	/* exogenous, today */
	double t_yr, year, trend, bound, noise_x, noise, adopt, tee_req;
	double pcen[DEM_MAX_MODELS];          /* USD/Mtok */
	double node_cost[HW_MAX_CLASSES];     /* USD per node-day: amortisation + energy */
	double amort[HW_MAX_CLASSES];         /* USD per node-day */
	double cost_tok[DEM_MAX_MODELS];      /* USD/Mtok, full cost of the cheapest entrant */
	int avail[HW_MAX_CLASSES];

	/* carried from yesterday: the subsidy's moving averages over SMOOTH_DAYS
	 * (operators learn what a token of work earns in subsidy over days), and
	 * the per-request settlement delay (the chain's finality) */
	double chain_delay_s, sub_ema, value_ema;
	double sub_mtok[DEM_MAX_MODELS];      /* subsidy per Mtok served, USD */

	/* market, today: solved with the chains' fees (solve_day) */
	double units[HW_MAX_CLASSES];
	struct mkt_in in;
	struct mkt_out mo;                    /* the equilibrium */
	double settle_mtok;                   /* settlement cost at the equilibrium, USD/Mtok */
	double offered_floor;                 /* offered tokens at floor fees */
	double tpt;                           /* settlement tx per served token */
	int evals;                            /* market evaluations today */
	struct mkt_guess g_eq;                /* the last market solved near the equilibrium */
	struct mkt_guess g_floor;             /* yesterday's market at floor fees */
	double s_prev;                        /* yesterday's settlement cost: today's search starts there */
	double z_eq;                          /* yesterday's pressure at the equilibrium */
	double jac[4];                        /* yesterday's Jacobian of the day's equations (NAN: none) */
	double fee_rev[HW_MAX_CLASSES], sub_rev[HW_MAX_CLASSES];  /* USD/day */
	double revenue_node[HW_MAX_CLASSES];  /* USD per node-day fed to nodes.h */
	double tee, tee_cap, ovh_ver, ovh_tee, cf, alpha;
	double fees_usd, sub_usd;
	double route[CHAIN_MAX];              /* routing share by chain */
	struct ver_day_out vo;
	struct tok_day_out to;
	struct chain_day_out co[CHAIN_MAX];
	double ai_tx[CHAIN_MAX], ai_latent[CHAIN_MAX];
	double ai_try[CHAIN_MAX];             /* AI tx by chain of the last market evaluation */
	int in_set[CHAIN_MAX];                /* 1: the chain is in the routing set */
	struct mkt_out scratch;               /* evaluations while searching */
	sim_diag *d;

	/* recorder ids */
	int s_dem, s_trend, s_share, s_cap, s_adopt, s_offer, s_served, s_unserved;
	int s_served_m, s_pdec, s_pcen, s_lat, s_nodes, s_pflops, s_cap_tps, s_used_h;
	int s_nodes_tot, s_util, s_supply, s_minted, s_burned, s_tprice, s_emis_op;
	int s_fees, s_sub, s_energy, s_amort, s_cutil, s_cload, s_cfee, s_caitx;
	int s_cobj;
	int s_set_u, s_set_tgt, s_set_mult, s_set_disp, s_set_lat;
	int s_bound, s_caish, s_ctgt, s_cmult, s_cdisp, s_clat, s_price_ix, s_pressure, s_evals;
	int s_ovh_ver, s_tee, s_tee_ovh, s_settle, s_ordered, s_exited, s_retired;
	int latent[CHAIN_MAX], targeted[CHAIN_MAX];
	/* "year N" scalars: means over the 365 days ending at day floor(N x 365.25) */
	double win[3][WIN_N + 4 * (CHAIN_MAX + 1)];   /* chains, then the routing set */
	int win_days[3];
	double win_cls[3][HW_MAX_CLASSES][2];   /* per class: nodes, revenue / all-in cost */
};

/* Chain k's day, or the routing set's for k = nk. */
static const struct chain_day_out *day_of(const struct net *n, int k)
{
	return k < n->nk ? &n->co[k] : chain_set_day(n->ch);
}

static double clamp01(double x) { return x < 0 ? 0 : x > 1 ? 1 : x; }

static void next(struct net *n, int h, int prio)
{
	if (n->day + 1 < n->ndays &&
	    sim_schedule(n->s, (n->day + 1) * DAY_S, prio, h, 0, 0.0) == EVQ_NONE)
		n->err = SIM_ENOMEM;
}

/* ---------------------------------------------------------------- events */

static void on_exo(sim *s, void *ctx, const struct evq_ev *ev)
{
	struct net *n = ctx;
	const struct net_params *p = n->p;
	(void)s;
	n->day = (int)floor(ev->t / DAY_S + 0.5);
	n->t_yr = n->day / DAYS_PER_YEAR;
	n->year = p->start_year + n->t_yr;
	n->trend = dem_trend(&p->dem, n->t_yr);
	n->bound = dem_world_bound(&p->dem, n->year);
	if (p->dem.world_bound && n->trend > n->bound)
		n->trend = n->bound;
	n->noise = dem_noise(&p->dem, &n->noise_x, n->rng_dem);
	n->adopt = dem_adoption(&p->dem, n->t_yr);
	n->tee_req = priv_tee_share(&p->priv, n->t_yr);
	for (int m = 0; m < n->nm; m++) {
		n->pcen[m] = dem_price_cen(&p->dem, m, n->t_yr);
		n->cost_tok[m] = INFINITY;
	}
	for (int h = 0; h < n->nh; h++) {
		const struct hw_class *c = &p->hwt.cls[h];
		double price = hw_price(c, &p->hw, n->year);
		int was = n->avail[h];
		n->avail[h] = hw_available(c, n->year);
		if (n->avail[h] && !was)
			rec_event(n->r, n->day, "hardware_available", h, price);
		n->amort[h] = price / (c->lifetime_years * DAYS_PER_YEAR);
		n->node_cost[h] = n->amort[h] + hw_energy_usd_per_day(c);
		node_pop_set_capex(n->pop[h], 0, price);
		double ship = c->shipments_per_day * p->supply_share *
		              pow(1 + p->hw.shipments_growth, n->t_yr);
		node_pop_set_supply(n->pop[h], 0, ship > 1e-9 ? ship : 1e-9);
		if (!n->avail[h])
			continue;
		for (int m = 0; m < n->nm; m++) {
			if (p->tps[h][m] <= 0)
				continue;
			double ct = n->node_cost[h] / (p->tps[h][m] * DAY_S * p->target_util) * 1e6;
			if (ct < n->cost_tok[m])
				n->cost_tok[m] = ct;
		}
	}
	next(n, n->h_exo, PRIO_EXO);
}

/* ---------------------------------------------------------------- the day's market */

/* The settlement cost, USD/Mtok, that the chains' equilibrium fees ask of a
 * market serving served tokens a day (n->ai_try gets its tx by chain). */
static double settle_phi(struct net *n, double served)
{
	const struct chain_settle *cs = &n->p->chain.settle;
	double tx = served * n->tpt, fee[CHAIN_MAX];
	if (cs->routing_mode == CHAIN_ROUTE_FIXED) {
		for (int k = 0; k < n->nk; k++) {     /* the cost reads routed chains' fees only */
			n->ai_try[k] = tx * n->route[k];
			fee[k] = n->route[k] > 0 ? chain_fee_eq(n->ch, k, n->ai_try[k]) : 0;
		}
		return chain_cost_per_mtok(&n->p->chain, n->vo.commit_tx_per_unit, fee);
	}
	/* cost routing: the network pays each chain its fee; the mean per tx */
	if (!isfinite(chain_route_cost(n->ch, tx, n->ai_try, fee)))
		return INFINITY;
	double paid = 0, cheapest = INFINITY;
	for (int k = 0; k < n->nk; k++) {
		paid += n->ai_try[k] > 0 ? n->ai_try[k] * fee[k] : 0;
		if (n->in_set[k] && fee[k] < cheapest)
			cheapest = fee[k];
	}
	double per_tx = tx > 0 ? paid / tx : cheapest;
	return n->tpt * 1e6 * per_tx;
}

/* Phi(S): the settlement cost, USD/Mtok, that the chains' equilibrium fees
 * ask when the network's market clears at settlement cost S; *o is that
 * market.  NAN after an error (n->err set). */
static double settle_implied(struct net *n, double S, struct mkt_guess *g, struct mkt_out *o)
{
	sim_status st = mkt_solve(&n->p->market, &n->in, S, g, o, n->d);
	n->evals += o->evals;
	if (st != SIM_OK) {
		n->err = SIM_EINVAL;
		return NAN;
	}
	return settle_phi(n, o->served_tot);
}

/* The settlement cost at the floor fees: the lowest it can be. */
static double settle_floor(const struct net *n)
{
	const struct chain_params *cp = &n->p->chain;
	double fee[CHAIN_MAX];
	chain_floor_fees(n->ch, fee);
	if (cp->settle.routing_mode == CHAIN_ROUTE_FIXED)
		return chain_cost_per_mtok(cp, n->vo.commit_tx_per_unit, fee);
	double cheapest = INFINITY;
	for (int k = 0; k < n->nk; k++)
		if (n->in_set[k] && fee[k] < cheapest)
			cheapest = fee[k];
	return n->tpt * 1e6 * cheapest;
}

struct fixed_ctx {
	struct net *n;
	struct mkt_out *o;
	int k;                              /* last values of the gap, so that Brent's */
	double x[4], g[4];                  /* set-up does not recompute its ends */
	double up_x;                        /* the lowest ln S with the gap >= 0 so far, */
	struct mkt_guess up_g;              /* and where its market search started */
};

/* ln S - ln Phi(S) at S = e^x: rises with x; its root is the day's settlement cost. */
static double settle_gap(double x, void *arg)
{
	struct fixed_ctx *f = arg;
	for (int i = 0; i < 4; i++)
		if (f->x[i] == x)
			return f->g[i];
	struct mkt_guess start = f->n->g_eq;
	double phi = settle_implied(f->n, exp(x), &f->n->g_eq, f->o);
	if (isnan(phi))
		return 0;                       /* stops the search; n->err is set */
	double lp = phi > 0 ? log(phi) : -745;
	double g = x - (lp < 709 ? lp : 709);
	if (g >= 0 && !(x >= f->up_x)) {
		f->up_x = x;
		f->up_g = start;
	}
	f->x[f->k] = x;
	f->g[f->k] = g;
	f->k = (f->k + 1) % 4;
	return g;
}

/* The settlement cost S* = Phi(S*).  While the fleet has spare capacity Phi
 * falls with S (a dearer settlement prices tokens, and so transactions, off
 * the market) and the fixed point is unique.  Under rationing (pressure above
 * 1) it need not be: a dearer settlement also lowers the scarcity markup,
 * which can move the served mix toward models that yield more tokens per
 * node-second, so served tokens, and Phi, can rise with S over short ranges
 * (day 1,859 of the baseline's first replication has three fixed points
 * within 6% of each other).  Both searches take a fixed point near
 * yesterday's: the quasi-Newton search starts there, the bracket tries
 * yesterday's cost (or where the quasi-Newton search stopped) +-1% first and
 * then moves outward from it.  S0, the cost at floor fees, lies below every fixed point
 * (Phi(S0) > S0 here) and a bracket's upper end has Phi(S) <= S.  The search
 * is on ln S, where Brent's steps are scale-free.  NAN with n->err set when
 * it fails. */
/* A bracket [xlo, xhi] of ln S with the gap <= 0 at xlo and >= 0 at xhi:
 * 0; or 1 with *s the answer when an end of the search is it; or -1 on an
 * error (n->err set). */
static int settle_bracket(struct net *n, double s0, double phi0, struct fixed_ctx *f,
                          double *xlo, double *xhi, double *s)
{
	/* yesterday's cost +-1% brackets today's on most days; else the bracket
	 * moves the way the gap points, doubling its width, a few times */
	if (isfinite(n->s_prev) && n->s_prev > s0) {
		double xmin = log(s0), c = log(n->s_prev), w = log(1.01);
		double a = fmax(c - w, xmin), b = c + w;
		double ga = settle_gap(a, f), gb = n->err ? NAN : settle_gap(b, f);
		for (int i = 0; i < 8 && !n->err; i++) {
			if (ga <= 0 && gb >= 0) {
				*xlo = a;
				*xhi = b;
				return 0;
			}
			if (ga > 0) {               /* the root is below a */
				if (a == xmin) {
					*s = s0;
					return 1;
				}
				b = a, gb = ga, w *= 2;
				a = fmax(a - w, xmin);
				ga = settle_gap(a, f);
			} else {                    /* above b */
				a = b, ga = gb, w *= 2;
				b += w;
				gb = settle_gap(b, f);
			}
		}
		if (n->err)
			return -1;
	}
	double hi = isfinite(phi0) ? phi0 : (s0 > 0 ? 4 * s0 : 1e-9), phi_hi = NAN;
	for (int i = 0; i < 400 && !n->err; i++) {
		phi_hi = settle_implied(n, hi, &n->g_eq, f->o);
		if (phi_hi <= hi)
			break;
		/* Phi(hi) > hi: AI still fills a target, or the market's mix of models
		 * moved Phi up by a rounding step; look further up */
		hi = isfinite(phi_hi) && phi_hi > 2 * hi ? phi_hi : 2 * hi;
	}
	if (!n->err && !(phi_hi <= hi)) {
		diag_add(n->d, "network: day %d: no settlement cost up to %g USD/1M tokens clears "
		         "the chains' targets", n->day, hi);
		n->err = SIM_EINVAL;
	}
	if (n->err)
		return -1;
	double lo = s0 > 0 ? s0 : hi * 1e-30;
	*xlo = log(lo);
	*xhi = log(hi);
	if (settle_gap(*xlo, f) >= 0 || n->err) {
		*s = lo;
		return n->err ? -1 : 1;
	}
	if (settle_gap(*xhi, f) <= 0 || n->err) {
		*s = hi;
		return n->err ? -1 : 1;
	}
	return 0;
}

/* One market evaluation at pressure z and settlement cost e^x, and the
 * residuals of the day's two equations there: r[0] = D(z) - z (the market
 * clears) and r[1] = x - ln Phi (the chains' fees ask what was assumed).
 * 0 where Phi is not a positive finite number (a chain's limit). */
static int joint_residual(struct net *n, double z, double x, struct mkt_out *o, double r[2])
{
	mkt_eval(&n->p->market, &n->in, exp(x), z, o);
	n->evals++;
	double phi = settle_phi(n, o->served_tot);
	r[0] = mkt_pressure(o) - z;
	r[1] = x - log(phi);
	return phi > 0 && isfinite(phi);
}

static double clamp(double v, double lo, double hi) { return v < lo ? lo : v > hi ? hi : v; }

#define SETTLE_X_TOL 1e-10  /* absolute tolerance on ln S, as MKT_Z_TOL on z */
#define NEWTON_MAX 16
#define NEWTON_H 1e-7     /* forward-difference step, in z and in ln S */
#define NEWTON_RES 1e-9   /* residuals at an accepted point */
#define NEWTON_STALL 5    /* steps in a row that do not halve the residuals: give up */

/* The Jacobian of the residuals at (z, x), r there, by forward differences. */
static int jacobian_fd(struct net *n, double z, double x, const double r[2], double J[4])
{
	struct mkt_out *o = &n->scratch;
	double hz = z + NEWTON_H <= 2 ? NEWTON_H : -NEWTON_H;
	double hx = NEWTON_H * fmax(1, fabs(x)), rz[2], rx[2];
	if (!joint_residual(n, z + hz, x, o, rz) || !joint_residual(n, z, x + hx, o, rx))
		return 0;
	J[0] = (rz[0] - r[0]) / hz;
	J[1] = (rx[0] - r[0]) / hx;
	J[2] = (rz[1] - r[1]) / hz;
	J[3] = (rx[1] - r[1]) / hx;
	return 1;
}

/* The day's equilibrium by a quasi-Newton method on both equations at once,
 * from yesterday's: both move little from day to day, and one evaluation of
 * the pair costs one market evaluation where the nested search (market root
 * inside fixed point) costs several.  The Jacobian starts as yesterday's
 * (a forward difference on the first day and after a fallback) and is kept
 * current by Broyden's rank-one update, so a step costs one evaluation.  A
 * step that does not lower the squared residuals, or lands where Phi is
 * infinite (AI traffic over a chain's limit), makes the Jacobian a fresh
 * forward difference; with a fresh one, the step is halved instead.  ln S
 * stays in [ln s0, ln phi0].  The search stops at a point whose residuals are
 * under NEWTON_RES and from which the Newton step moves z by at most
 * MKT_Z_TOL and ln S by at most SETTLE_X_TOL, the nested search's tolerances;
 * n->mo is then the market there.  Returns S, or NAN when the residuals stop
 * falling fast (a kink of D at z = 1, or a jump of Phi, near the root) or
 * NEWTON_MAX steps do not converge: the caller falls back to the nested
 * search, which is bracketed and always converges, starting from where this
 * one stopped. */
static double settle_newton(struct net *n, double s0, double phi0)
{
	if (!(s0 > 0) || !(phi0 > s0))
		return NAN;
	double xlo = log(s0), xhi = log(phi0);       /* +inf when phi0 is */
	double x = clamp(isfinite(n->s_prev) && n->s_prev > 0 ? log(n->s_prev) : xlo, xlo, xhi);
	double z = clamp(isfinite(n->z_eq) ? n->z_eq : 1, 0, 2);
	struct mkt_out *o = &n->scratch;
	double r[2], J[4];
	/* today's demand may not fit the chains at yesterday's cost: dearer */
	int ok = joint_residual(n, z, x, o, r);
	for (double up = 0.05; !ok && up < 100; up *= 2) {
		x = clamp(x + up, xlo, xhi);
		ok = joint_residual(n, z, x, o, r);
	}
	if (!ok)
		return NAN;
	int fresh = 0, at = 1, stall = 0;           /* at: o is the market at (z, x) */
	memcpy(J, n->jac, sizeof J);
	if (!(isfinite(J[0]) && isfinite(J[1]) && isfinite(J[2]) && isfinite(J[3]))) {
		if (!jacobian_fd(n, z, x, r, J))
			return NAN;
		fresh = 1, at = 0;
	}
	for (int it = 0; it < NEWTON_MAX; it++) {
		double det = J[0] * J[3] - J[1] * J[2];
		double dz = -(J[3] * r[0] - J[1] * r[1]) / det, dx = -(J[0] * r[1] - J[2] * r[0]) / det;
		if (!(fabs(det) > 0) || !isfinite(dz) || !isfinite(dx)) {
			if (fresh || !jacobian_fd(n, z, x, r, J))
				break;
			fresh = 1, at = 0;
			continue;
		}
		if (fabs(dz) <= MKT_Z_TOL && fabs(dx) <= SETTLE_X_TOL &&
		    fabs(r[0]) <= NEWTON_RES && fabs(r[1]) <= NEWTON_RES) {
			if (!at && !joint_residual(n, z, x, o, r))
				break;
			memcpy(n->jac, J, sizeof J);
			n->mo = *o;
			n->g_eq = (struct mkt_guess){ z, NAN };
			return exp(x);
		}
		double zn, xn, rn[2], m0 = r[0] * r[0] + r[1] * r[1];
		ok = 0;
		for (int half = 0; half < (fresh ? 8 : 1) && !ok; half++, dz /= 2, dx /= 2) {
			zn = clamp(z + dz, 0, 2);
			xn = clamp(x + dx, xlo, xhi);
			ok = joint_residual(n, zn, xn, o, rn) &&
			     (half == 7 || rn[0] * rn[0] + rn[1] * rn[1] < m0);
		}
		if (!ok) {
			if (fresh || !jacobian_fd(n, z, x, r, J))
				break;
			fresh = 1, at = 0;
			continue;
		}
		/* Broyden: J += (dr - J dp) dp' / (dp' dp) */
		double pz = zn - z, px = xn - x, pp = pz * pz + px * px;
		double u0 = rn[0] - r[0] - (J[0] * pz + J[1] * px);
		double u1 = rn[1] - r[1] - (J[2] * pz + J[3] * px);
		if (pp > 0) {
			J[0] += u0 * pz / pp, J[1] += u0 * px / pp;
			J[2] += u1 * pz / pp, J[3] += u1 * px / pp;
		}
		stall = rn[0] * rn[0] + rn[1] * rn[1] > 0.25 * m0 ? stall + 1 : 0;
		z = zn, x = xn, r[0] = rn[0], r[1] = rn[1];
		fresh = 0, at = 1;
		if (stall >= NEWTON_STALL)
			break;
	}
	for (int i = 0; i < 4; i++)
		n->jac[i] = NAN;
	n->s_prev = exp(x);             /* near the root: the fallback's first bracket */
	n->g_eq.z = z;
	return NAN;
}

static double settle_solve(struct net *n, double s0, double phi0)
{
	struct fixed_ctx f = { .n = n, .o = &n->scratch, .x = { NAN, NAN, NAN, NAN },
	                       .up_x = INFINITY };
	double xlo, xhi, s = NAN;
	int b = settle_bracket(n, s0, phi0, &f, &xlo, &xhi, &s);
	if (b) {
		if (b > 0 && log(s) == f.up_x)
			n->g_eq = f.up_g;
		return b > 0 ? s : NAN;
	}
	gsl_function F = { settle_gap, &f };
	gsl_root_fsolver *rs = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
	if (!rs) {
		n->err = SIM_ENOMEM;
		return NAN;
	}
	double x = NAN;
	if (gsl_root_fsolver_set(rs, &F, xlo, xhi) == GSL_SUCCESS)
		for (int it = 0; it < 200 && !n->err; it++) {
			if (gsl_root_fsolver_iterate(rs) != GSL_SUCCESS)
				break;
			/* the upper end: the gap is >= 0 there, Phi(S) <= S, so every fee
			 * is finite even where a limit makes Phi jump */
			if (gsl_root_test_interval(gsl_root_fsolver_x_lower(rs),
			                           gsl_root_fsolver_x_upper(rs), SETTLE_X_TOL, 0) == GSL_SUCCESS) {
				x = gsl_root_fsolver_x_upper(rs);
				break;
			}
		}
	gsl_root_fsolver_free(rs);
	if (isnan(x) && !n->err) {
		diag_add(n->d, "network: day %d: the settlement cost did not converge in "
		         "[%.17g, %.17g] USD/1M tokens", n->day, exp(xlo), exp(xhi));
		n->err = SIM_EINVAL;
	}
	/* The caller evaluates the market at the answer again, for its outputs:
	 * from where the gap's evaluation there started, so that it is the same
	 * market (one a rounding step away could cross a chain's limit). */
	if (x == f.up_x)
		n->g_eq = f.up_g;
	return exp(x);
}

/* The day's AI tx by chain, from the last evaluation (the equilibrium's), and
 * the routing shares they make; the latent (floor-fee) traffic goes where
 * today's goes, or under cost routing with no traffic where it would. */
static void route_day(struct net *n)
{
	double tx = 0, lat = n->offered_floor * n->tpt;
	for (int k = 0; k < n->nk; k++)
		tx += n->ai_tx[k] = n->ai_try[k];
	if (n->p->chain.settle.routing_mode == CHAIN_ROUTE_COST) {
		double fee[CHAIN_MAX], probe[CHAIN_MAX], sum = 0;
		if (tx > 0)
			for (int k = 0; k < n->nk; k++)
				n->route[k] = n->ai_tx[k] / tx;
		else {
			(void)chain_route_cost(n->ch, 1.0, probe, fee);    /* the first tx's chain */
			for (int k = 0; k < n->nk; k++)
				sum += probe[k];
			for (int k = 0; k < n->nk; k++)
				n->route[k] = sum > 0 ? probe[k] / sum : 0;
		}
	}
	for (int k = 0; k < n->nk; k++)
		n->ai_latent[k] = lat * n->route[k];
}

/* The day's inputs to the market (market.h) from today's exogenous state. */
static void market_inputs(struct net *n)
{
	const struct net_params *p = n->p;
	struct mkt_in *in = &n->in;
	double cap_all = 0, cap_tee = 0;
	for (int h = 0; h < n->nh; h++) {
		n->units[h] = node_pop_units_class(n->pop[h], 0);
		double c = n->units[h] * p->tps[h][0];
		cap_all += c;
		if (p->hwt.cls[h].tee)
			cap_tee += c;
	}
	n->tee_cap = cap_all > 0 ? cap_tee / cap_all : 0;
	n->tee = n->tee_req < n->tee_cap ? n->tee_req : n->tee_cap;
	n->ovh_tee = priv_overhead(&p->priv, n->tee);
	n->alpha = priv_alpha(&p->priv, n->tee);
	n->cf = dem_compute_factor(&p->dem) * n->ovh_ver * n->ovh_tee;
	in->nh = n->nh;
	in->nm = n->nm;
	in->order = p->order;
	in->tps = (const double (*)[DEM_MAX_MODELS])p->tps;
	in->units = n->units;
	in->dem = &p->dem;
	in->cf = n->cf;
	in->adopt = n->adopt;
	in->alpha = n->alpha;
	in->extra_latency_s = p->chain.settle.design == CHAIN_PER_REQUEST ? n->chain_delay_s : 0;
	for (int m = 0; m < n->nm; m++) {
		in->demand[m] = n->trend * n->noise * p->dem.models[m].token_share;
		in->cost[m] = n->cost_tok[m] * n->cf;      /* INFINITY: no class on sale holds m */
		in->pcen[m] = n->pcen[m];
		in->sub[m] = n->sub_mtok[m];
	}
	n->tpt = chain_tx_per_token(&p->chain.settle, n->vo.commit_tx_per_unit);
	chain_set_commit_tx(n->ch, n->vo.commit_tx_per_unit);
}

static void on_market(sim *s, void *ctx, const struct evq_ev *ev)
{
	struct net *n = ctx;
	const struct net_params *p = n->p;
	(void)ev;
	market_inputs(n);
	chain_day(n->ch, n->day);
	n->evals = 0;

	/* The market and the chains' fees, solved together. */
	double s0 = settle_floor(n);
	double phi0 = settle_implied(n, s0, &n->g_floor, &n->mo);
	n->offered_floor = n->mo.offered_tot;
	double S = s0;
	if (!n->err && phi0 > s0 * (1 + 1e-12)) {
		S = settle_newton(n, s0, phi0);
		if (isnan(S)) {
			S = settle_solve(n, s0, phi0);
			if (!n->err)
				(void)settle_implied(n, S, &n->g_eq, &n->mo);
		}
	}
	if (n->err) {
		sim_stop(s);
		return;
	}
	n->settle_mtok = S;
	n->s_prev = S;
	n->z_eq = n->mo.z;
	const struct mkt_out *o = &n->mo;
	route_day(n);

	/* Fee revenue by class. */
	n->fees_usd = 0;
	for (int h = 0; h < n->nh; h++) {
		n->fee_rev[h] = 0;
		for (int m = 0; m < n->nm; m++)
			if (o->x[h][m] > 0)
				n->fee_rev[h] += o->x[h][m] * (o->pdec[m] - S) / 1e6;
		n->fees_usd += n->fee_rev[h];
	}

	/* Verification of what was served. */
	double units_tot = 0;
	for (int h = 0; h < n->nh; h++)
		units_tot += n->units[h];
	struct ver_day_in vin = {
		.requests = o->served_tot / p->chain.settle.tokens_per_request,
		.units = o->served_tot * chain_units_per_token(&p->chain.settle),
		.nodes = units_tot
	};
	ver_step(n->vr, n->day, &vin, n->rng_ver, &n->vo);
	next(n, n->h_mkt, PRIO_MARKET);
}

static void on_token(sim *s, void *ctx, const struct evq_ev *ev)
{
	struct net *n = ctx;
	(void)s;
	(void)ev;
	double units_tot = 0;
	for (int h = 0; h < n->nh; h++)
		units_tot += n->units[h];
	struct tok_day_in in = { .fees_usd = n->fees_usd, .active_nodes = units_tot,
	                         .timeouts = n->vo.timeouts, .malicious = n->vo.detected_nodes };
	sim_status st = tok_step(n->tk, n->day, &in, &n->to);
	if (st != SIM_OK) {
		n->err = st;
		sim_stop(n->s);
		return;
	}
	n->sub_usd = n->to.to_operators_usd;
	next(n, n->h_tok, PRIO_TOKEN);
}

/* DAIS_NET_DEBUG=1: one block a simulated year on stderr (economics per class
 * and prices per model), for calibrating by eye; never used by tests. */
static void trace_year(const struct net *n)
{
	const struct net_params *p = n->p;
	int nb = p->nodes.n_buckets;
	fprintf(stderr, "day %d  u %.3f  cf %.3f  subsidy %.4g USD  fees %.4g USD\n", n->day,
	        n->mo.util, n->cf, n->sub_usd, n->fees_usd);
	for (int h = 0; h < n->nh; h++)
		fprintf(stderr, "  %-16s units %9.1f pending %7.1f rev/node %9.3g energy %8.3g "
		        "amort %8.3g PI lo/mid/hi %.3g %.3g %.3g used %.2f\n", p->hwt.cls[h].name,
		        n->units[h], node_pop_pending_class(n->pop[h], 0), n->revenue_node[h],
		        hw_energy_usd_per_day(&p->hwt.cls[h]), n->amort[h],
		        node_pop_last_pi(n->pop[h], 0, 0), node_pop_last_pi(n->pop[h], 0, nb / 2),
		        node_pop_last_pi(n->pop[h], 0, nb - 1), n->mo.used[h]);
	for (int m = 0; m < n->nm; m++)
		fprintf(stderr, "  %-16s cost %.4g  P_dec %.4g  subsidy %.4g  P_cen %.4g  offered %.3g  "
		        "served %.3g (USD/1M tokens, tokens/day)\n", p->dem.models[m].name,
		        n->cost_tok[m], n->mo.pdec[m], n->sub_mtok[m], n->pcen[m], n->mo.offered[m],
		        n->mo.served[m]);
}

static void on_nodes(sim *s, void *ctx, const struct evq_ev *ev)
{
	struct net *n = ctx;
	const struct net_params *p = n->p;
	(void)s;
	(void)ev;
	/* The subsidy follows work, valued at centralized prices (so a frontier
	 * token earns more than a small-model token). */
	double value = 0, units_tot = 0;
	double val_h[HW_MAX_CLASSES];
	for (int h = 0; h < n->nh; h++) {
		val_h[h] = 0;
		for (int m = 0; m < n->nm; m++)
			val_h[h] += n->mo.x[h][m] * n->pcen[m];
		value += val_h[h];
		units_tot += n->units[h];
	}
	for (int h = 0; h < n->nh; h++) {
		double w = value > 0 ? val_h[h] / value : units_tot > 0 ? n->units[h] / units_tot : 0;
		n->sub_rev[h] = n->sub_usd * w;
	}
	n->sub_ema += (n->sub_usd - n->sub_ema) / SMOOTH_DAYS;
	n->value_ema += (value - n->value_ema) / SMOOTH_DAYS;
	for (int m = 0; m < n->nm; m++)
		n->sub_mtok[m] = n->value_ema > 0 ? n->sub_ema * n->pcen[m] / n->value_ema * 1e6 : 0;

	/* Revenue per node: actual for classes with nodes, the marginal node's
	 * for empty ones (unserved demand first, then the network's utilisation). */
	for (int h = 0; h < n->nh; h++) {
		double r;
		if (n->units[h] >= 1) {
			r = (n->fee_rev[h] + n->sub_rev[h]) / n->units[h];
		} else {
			r = 0;
			for (int m = 0; m < n->nm; m++) {
				double tps = p->tps[h][m];
				if (tps <= 0 || !isfinite(n->mo.pdec[m]))
					continue;
				double full = tps * DAY_S / n->cf;            /* tokens/day */
				double unserved = n->mo.offered[m] - n->mo.served[m];
				double f = unserved > 0 ? clamp01(unserved / full) : 0;
				double tokens = full * (f + (1 - f) * n->mo.util);
				double rm = tokens * (n->mo.pdec[m] - n->settle_mtok + n->sub_mtok[m]) / 1e6;
				if (rm > r)
					r = rm;
			}
		}
		n->revenue_node[h] = r;
		sim_status st = node_pop_step(n->pop[h], n->day, r,
		                              p->hwt.cls[h].electricity_usd_per_kwh);
		if (st != SIM_OK) {
			n->err = st;
			sim_stop(n->s);
			return;
		}
	}
	if (n->debug && n->day % 365 == 0)
		trace_year(n);
	next(n, n->h_nodes, PRIO_NODES);
}

static void on_settle(sim *s, void *ctx, const struct evq_ev *ev)
{
	struct net *n = ctx;
	(void)s;
	(void)ev;
	chain_step(n->ch, n->ai_tx, n->ai_latent, n->co);
	double dl = 0;
	for (int k = 0; k < n->nk; k++) {
		dl += n->route[k] * n->co[k].delay_s;
		if (!n->latent[k] && !isnan(chain_latent_exhaustion_day(n->ch, k))) {
			n->latent[k] = 1;
			rec_event(n->r, n->day, "chain_latent_exhaustion", k, n->co[k].latent_load);
		}
		if (!n->targeted[k] && !isnan(chain_target_day(n->ch, k))) {
			n->targeted[k] = 1;
			rec_event(n->r, n->day, "chain_fee_target", k, n->co[k].fee_multiple);
		}
	}
	n->chain_delay_s = dl;
	next(n, n->h_settle, PRIO_SETTLE);
}

static void on_record(sim *s, void *ctx, const struct evq_ev *ev)
{
	struct net *n = ctx;
	const struct net_params *p = n->p;
	rec *r = n->r;
	(void)s;
	(void)ev;
	double nodes_tot = 0, pflops = 0, cap_tps = 0;
	for (int h = 0; h < n->nh; h++) {
		nodes_tot += n->units[h];
		pflops += n->units[h] * p->hwt.cls[h].tflops / 1e3;
		cap_tps += n->units[h] * p->tps[h][0];
	}
	for (int i = 0; i < 3; i++) {
		int end = (int)floor(win_years[i] * DAYS_PER_YEAR);
		if (n->day > end - 365 && n->day <= end) {
			double *w = n->win[i];
			w[WIN_NODES] += nodes_tot;
			w[WIN_PFLOPS] += pflops;
			w[WIN_TPS] += cap_tps;
			w[WIN_SUPPLY] += n->to.supply;
			w[WIN_TREND] += n->trend;
			w[WIN_SERVED] += n->mo.served_tot;
			w[WIN_FEES] += n->fees_usd;
			w[WIN_SUB] += n->sub_usd;
			for (int k = 0; k <= n->nk; k++) {
				const struct chain_day_out *o = day_of(n, k);
				double *c = w + WIN_N + 4 * k;
				c[WIN_AI_CAP] += o->ai_equiv / o->capacity;
				c[WIN_AI_TGT] += o->ai_target_share;
				c[WIN_MULT] += o->fee_multiple;
				c[WIN_DISP] += o->displaced;
			}
			for (int h = 0; h < n->nh; h++) {
				n->win_cls[i][h][0] += n->units[h];
				n->win_cls[i][h][1] += n->node_cost[h] > 0 ? n->revenue_node[h] / n->node_cost[h] : 0;
			}
			n->win_days[i]++;
		}
	}
	/* the series feed no scalar: a caller that keeps only scalars skips them */
	if (!n->ctx->scalars_only && (n->day % p->sample_every == 0 || n->day == n->ndays - 1)) {
		struct node_day nd = { 0 };
		double energy = 0, amort = 0;
		for (int h = 0; h < n->nh; h++) {
			struct node_day t = node_pop_today(n->pop[h]);
			nd.ordered += t.ordered;
			nd.exited += t.exited;
			nd.retired += t.retired;
			energy += node_pop_energy_usd_day(n->pop[h], p->hwt.cls[h].electricity_usd_per_kwh);
			amort += n->units[h] * n->amort[h];
			rec_set(r, n->s_nodes, h, n->units[h]);
			rec_set(r, n->s_pflops, h, n->units[h] * p->hwt.cls[h].tflops / 1e3);
			rec_set(r, n->s_used_h, h, n->mo.used[h]);
		}
		for (int m = 0; m < n->nm; m++) {
			rec_set(r, n->s_served_m, m, n->mo.served[m]);
			rec_set(r, n->s_pdec, m, n->mo.pdec[m]);
			rec_set(r, n->s_pcen, m, n->pcen[m]);
			rec_set(r, n->s_cap, m, n->mo.cap[m]);
			rec_set(r, n->s_share, m, n->mo.share[m]);
		}
		for (int k = 0; k < n->nk; k++) {
			rec_set(r, n->s_cutil, k, n->co[k].utilisation);
			rec_set(r, n->s_cload, k, n->co[k].load);
			rec_set(r, n->s_cfee, k, n->co[k].fee_usd);
			rec_set(r, n->s_caitx, k, n->co[k].ai_tx);
			rec_set(r, n->s_caish, k, n->co[k].ai_equiv / n->co[k].capacity);
			rec_set(r, n->s_ctgt, k, n->co[k].ai_target_share);
			rec_set(r, n->s_cmult, k, n->co[k].fee_multiple);
			rec_set(r, n->s_cdisp, k, n->co[k].displaced);
			rec_set(r, n->s_clat, k, n->co[k].latent_load);
			rec_set(r, n->s_cobj, k, n->co[k].object_load);
		}
		const struct chain_day_out *set = chain_set_day(n->ch);
		rec_set(r, n->s_set_u, 0, set->utilisation);
		rec_set(r, n->s_set_tgt, 0, set->ai_target_share);
		rec_set(r, n->s_set_mult, 0, set->fee_multiple);
		rec_set(r, n->s_set_disp, 0, set->displaced);
		rec_set(r, n->s_set_lat, 0, set->latent_load);
		rec_set(r, n->s_dem, 0, n->mo.demand_tot);
		rec_set(r, n->s_trend, 0, n->trend);
		rec_set(r, n->s_bound, 0, n->bound);
		rec_set(r, n->s_adopt, 0, n->adopt);
		rec_set(r, n->s_offer, 0, n->mo.offered_tot);
		rec_set(r, n->s_served, 0, n->mo.served_tot);
		rec_set(r, n->s_unserved, 0, n->mo.offered_tot - n->mo.served_tot);
		rec_set(r, n->s_lat, 0, n->mo.lat);
		rec_set(r, n->s_nodes_tot, 0, nodes_tot);
		rec_set(r, n->s_cap_tps, 0, cap_tps);
		rec_set(r, n->s_util, 0, n->mo.util);
		rec_set(r, n->s_supply, 0, n->to.supply);
		rec_set(r, n->s_minted, 0, n->to.minted);
		rec_set(r, n->s_burned, 0, n->to.burned);
		rec_set(r, n->s_tprice, 0, n->to.price_usd);
		rec_set(r, n->s_emis_op, 0, n->to.to_operators);
		rec_set(r, n->s_fees, 0, n->fees_usd);
		rec_set(r, n->s_sub, 0, n->sub_usd);
		rec_set(r, n->s_energy, 0, energy);
		rec_set(r, n->s_amort, 0, amort);
		rec_set(r, n->s_ovh_ver, 0, n->vo.overhead);
		rec_set(r, n->s_tee, 0, n->tee);
		rec_set(r, n->s_tee_ovh, 0, n->ovh_tee);
		rec_set(r, n->s_settle, 0, n->settle_mtok);
		rec_set(r, n->s_price_ix, 0, n->mo.price_index);
		rec_set(r, n->s_pressure, 0, n->mo.z);
		rec_set(r, n->s_evals, 0, n->evals);
		rec_set(r, n->s_ordered, 0, nd.ordered);
		rec_set(r, n->s_exited, 0, nd.exited);
		rec_set(r, n->s_retired, 0, nd.retired);
		if (rec_sample(r, n->day) != SIM_OK) {
			n->err = SIM_ENOMEM;
			sim_stop(n->s);
			return;
		}
	}
	if (n->ctx->progress && (n->day % 64 == 0 || n->day == n->ndays - 1))
		n->ctx->progress(n->ctx->pctx, n->ctx->rep, (n->day + 1.0) / n->ndays,
		                 sim_events(n->s));
	next(n, n->h_rec, PRIO_RECORD);
}

/* ---------------------------------------------------------------- run */

static void declare_series(struct net *n)
{
	const struct net_params *p = n->p;
	rec *r = n->r;
	const char *cls[HW_MAX_CLASSES], *mod[DEM_MAX_MODELS], *chn[CHAIN_MAX];
	for (int h = 0; h < n->nh; h++)
		cls[h] = p->hwt.cls[h].name;
	for (int m = 0; m < n->nm; m++)
		mod[m] = p->dem.models[m].name;
	for (int k = 0; k < n->nk; k++)
		chn[k] = chain_name(n->ch, k);
	/* samples are at day numbers since the start date: CF units, so that
	 * netCDF tools (xarray) decode the axis as dates */
	char tu[64];
	snprintf(tu, sizeof tu, "days since %s", p->start_date);
	rec_set_t_units(r, tu);
	n->s_dem = rec_series(r, "demand_tokens", "tokens/day", 1, NULL);
	n->s_trend = rec_series(r, "demand_trend_tokens", "tokens/day", 1, NULL);
	n->s_bound = rec_series(r, "world_serving_bound_tokens", "tokens/day", 1, NULL);
	n->s_adopt = rec_series(r, "adoption", "fraction", 1, NULL);
	n->s_cap = rec_series(r, "share_cap_by_model", "fraction", n->nm, mod);
	n->s_share = rec_series(r, "share_by_model", "fraction", n->nm, mod);
	n->s_offer = rec_series(r, "offered_tokens", "tokens/day", 1, NULL);
	n->s_served = rec_series(r, "served_tokens", "tokens/day", 1, NULL);
	n->s_unserved = rec_series(r, "unserved_tokens", "tokens/day", 1, NULL);
	n->s_served_m = rec_series(r, "served_by_model", "tokens/day", n->nm, mod);
	n->s_pdec = rec_series(r, "price_dec_by_model", "USD/1M tokens", n->nm, mod);
	n->s_pcen = rec_series(r, "price_cen_by_model", "USD/1M tokens", n->nm, mod);
	n->s_lat = rec_series(r, "latency_dec", "s", 1, NULL);
	n->s_nodes = rec_series(r, "nodes_by_class", "nodes", n->nh, cls);
	n->s_pflops = rec_series(r, "compute_by_class", "PFLOP/s", n->nh, cls);
	n->s_used_h = rec_series(r, "utilisation_by_class", "fraction", n->nh, cls);
	n->s_nodes_tot = rec_series(r, "nodes_total", "nodes", 1, NULL);
	n->s_cap_tps = rec_series(r, "capacity_small_tokens_per_s", "tokens/s", 1, NULL);
	n->s_util = rec_series(r, "utilisation", "fraction", 1, NULL);
	n->s_supply = rec_series(r, "token_supply", "tokens", 1, NULL);
	n->s_minted = rec_series(r, "token_minted", "tokens/day", 1, NULL);
	n->s_burned = rec_series(r, "token_burned", "tokens/day", 1, NULL);
	n->s_tprice = rec_series(r, "token_price", "USD/token", 1, NULL);
	n->s_emis_op = rec_series(r, "emission_to_operators", "tokens/day", 1, NULL);
	n->s_fees = rec_series(r, "operator_fees", "USD/day", 1, NULL);
	n->s_sub = rec_series(r, "operator_subsidy", "USD/day", 1, NULL);
	n->s_energy = rec_series(r, "operator_energy", "USD/day", 1, NULL);
	n->s_amort = rec_series(r, "operator_amortisation", "USD/day", 1, NULL);
	n->s_cutil = rec_series(r, "chain_utilisation", "fraction", n->nk, chn);
	n->s_cload = rec_series(r, "chain_load", "fraction", n->nk, chn);
	n->s_cfee = rec_series(r, "chain_fee", "USD/tx", n->nk, chn);
	n->s_caitx = rec_series(r, "chain_ai_tx", "tx/day", n->nk, chn);
	n->s_caish = rec_series(r, "chain_ai_capacity_share", "fraction", n->nk, chn);
	n->s_ctgt = rec_series(r, "chain_ai_target_share", "fraction", n->nk, chn);
	n->s_cmult = rec_series(r, "chain_fee_multiple", "factor", n->nk, chn);
	n->s_cdisp = rec_series(r, "chain_background_displaced", "fraction", n->nk, chn);
	n->s_clat = rec_series(r, "chain_latent_load", "fraction", n->nk, chn);
	n->s_cobj = rec_series(r, "chain_object_load", "fraction", n->nk, chn);
	const int by_model[] = { n->s_cap, n->s_share, n->s_served_m, n->s_pdec, n->s_pcen };
	const int by_class[] = { n->s_nodes, n->s_pflops, n->s_used_h };
	const int by_chain[] = { n->s_cutil, n->s_cload, n->s_cfee, n->s_caitx, n->s_caish,
	                         n->s_ctgt, n->s_cmult, n->s_cdisp, n->s_clat, n->s_cobj };
	for (size_t i = 0; i < sizeof by_model / sizeof *by_model; i++)
		rec_series_dim(r, by_model[i], "model");
	for (size_t i = 0; i < sizeof by_class / sizeof *by_class; i++)
		rec_series_dim(r, by_class[i], "node_class");
	for (size_t i = 0; i < sizeof by_chain / sizeof *by_chain; i++)
		rec_series_dim(r, by_chain[i], "chain");
	n->s_set_u = rec_series(r, "routing_set_utilisation", "fraction", 1, NULL);
	n->s_set_tgt = rec_series(r, "routing_set_ai_target_share", "fraction", 1, NULL);
	n->s_set_mult = rec_series(r, "routing_set_fee_multiple", "factor", 1, NULL);
	n->s_set_disp = rec_series(r, "routing_set_background_displaced", "fraction", 1, NULL);
	n->s_set_lat = rec_series(r, "routing_set_latent_load", "fraction", 1, NULL);
	n->s_ovh_ver = rec_series(r, "verification_overhead", "factor", 1, NULL);
	n->s_tee = rec_series(r, "tee_share", "fraction", 1, NULL);
	n->s_tee_ovh = rec_series(r, "tee_overhead", "factor", 1, NULL);
	n->s_settle = rec_series(r, "settlement_cost", "USD/1M tokens", 1, NULL);
	n->s_price_ix = rec_series(r, "price_index", "factor", 1, NULL);
	n->s_pressure = rec_series(r, "market_pressure", "fraction", 1, NULL);
	n->s_evals = rec_series(r, "market_evaluations", "evaluations/day", 1, NULL);
	n->s_ordered = rec_series(r, "nodes_ordered", "nodes/day", 1, NULL);
	n->s_exited = rec_series(r, "nodes_exited", "nodes/day", 1, NULL);
	n->s_retired = rec_series(r, "nodes_retired", "nodes/day", 1, NULL);
}

/* The mean over year i's window, NAN when the run ends before it does. */
static double win_mean(const struct net *n, int i, int j)
{
	return n->win_days[i] == 365 ? n->win[i][j] / 365.0 : NAN;
}

static void final_scalars(struct net *n)
{
	rec *r = n->r;
	char name[96];
	static const char *const yn[3] = { "1", "5", "10" };
	for (int j = 0; j <= n->nk; j++) {          /* the chains, then the set as "all" */
		const int k = j < n->nk ? j : CHAIN_SET;
		const char *c = j < n->nk ? chain_name(n->ch, j) : "all";
		double dx = chain_exhaustion_day(n->ch, k);
		snprintf(name, sizeof name, "exhaustion_day_%s", c);
		rec_scalar(r, name, "day", dx);
		snprintf(name, sizeof name, "exhaustion_year_%s", c);
		rec_scalar(r, name, "calendar year", isnan(dx) ? NAN : n->p->start_year + dx / DAYS_PER_YEAR);
		snprintf(name, sizeof name, "latent_exhaustion_day_%s", c);
		rec_scalar(r, name, "day", chain_latent_exhaustion_day(n->ch, k));
		snprintf(name, sizeof name, "fee_target_day_%s", c);
		rec_scalar(r, name, "day", chain_target_day(n->ch, k));
		snprintf(name, sizeof name, "background_only_fee_target_day_%s", c);
		rec_scalar(r, name, "day", chain_background_target_day(n->ch, k));
		for (int i = 0; i < 3; i++) {
			const int at = WIN_N + 4 * j;
			snprintf(name, sizeof name, "ai_target_share_year_%s_%s", yn[i], c);
			rec_scalar(r, name, "fraction", win_mean(n, i, at + WIN_AI_TGT));
			snprintf(name, sizeof name, "fee_multiple_year_%s_%s", yn[i], c);
			rec_scalar(r, name, "factor", win_mean(n, i, at + WIN_MULT));
			snprintf(name, sizeof name, "background_displaced_year_%s_%s", yn[i], c);
			rec_scalar(r, name, "fraction", win_mean(n, i, at + WIN_DISP));
		}
		snprintf(name, sizeof name, "ai_capacity_share_year_10_%s", c);
		rec_scalar(r, name, "fraction", win_mean(n, 2, WIN_N + 4 * j + WIN_AI_CAP));
		if (j < n->nk && isfinite(chain_object_tps(&n->p->chain, j, n->vo.commit_tx_per_unit))) {
			snprintf(name, sizeof name, "object_limit_day_%s", c);
			rec_scalar(r, name, "day", chain_object_limit_day(n->ch, j));
		}
	}
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof name, "nodes_year_%s", yn[i]);
		rec_scalar(r, name, "nodes", win_mean(n, i, WIN_NODES));
		snprintf(name, sizeof name, "compute_pflops_year_%s", yn[i]);
		rec_scalar(r, name, "PFLOP/s", win_mean(n, i, WIN_PFLOPS));
		snprintf(name, sizeof name, "capacity_small_tps_year_%s", yn[i]);
		rec_scalar(r, name, "tokens/s", win_mean(n, i, WIN_TPS));
		snprintf(name, sizeof name, "world_demand_year_%s", yn[i]);
		rec_scalar(r, name, "tokens/day", win_mean(n, i, WIN_TREND));
		snprintf(name, sizeof name, "served_tokens_year_%s", yn[i]);
		rec_scalar(r, name, "tokens/day", win_mean(n, i, WIN_SERVED));
		/* the operators' revenue from fees, against fees plus subsidy */
		double fe = win_mean(n, i, WIN_FEES), su = win_mean(n, i, WIN_SUB);
		snprintf(name, sizeof name, "fee_share_year_%s", yn[i]);
		rec_scalar(r, name, "fraction", fe + su > 0 ? fe / (fe + su) : NAN);
	}
	/* which hardware classes stay: a class is ordered while a node's revenue
	 * beats its all-in cost (amortisation + energy), and leaves by exits on
	 * operating loss and by retirement once it does not */
	for (int h = 0; h < n->nh; h++) {
		const char *c = n->p->hwt.cls[h].name;
		for (int i = 0; i < 3; i++) {
			double nd = n->win_days[i] == 365 ? 365.0 : NAN;
			snprintf(name, sizeof name, "nodes_year_%s_%s", yn[i], c);
			rec_scalar(r, name, "nodes", n->win_cls[i][h][0] / nd);
			snprintf(name, sizeof name, "cost_cover_year_%s_%s", yn[i], c);
			rec_scalar(r, name, "factor", n->win_cls[i][h][1] / nd);
		}
	}
	/* the honesty game of one sampling draw (a stack or a request) */
	const struct ver_params *vp = &n->verp;
	const double kq = ver_draw_requests(vp), pu = ver_p_effective(vp);
	const struct ver_game ug = ver_unit_game(&vp->game, kq);
	rec_scalar(r, "verification_requests_per_draw", "requests", kq);
	if (vp->design == VER_CROSS) {
		rec_scalar(r, "verification_p_min", "probability", ver_p_min(&ug));
		rec_scalar(r, "verification_collateral_min", "C", ver_collateral_min(&ug, pu));
		rec_scalar(r, "verification_honesty_margin", "C", ver_honesty_margin(&ug, pu));
	}
	struct tok_ledger L;
	tok_get_ledger(n->tk, &L);
	rec_scalar(r, "token_supply_year_10", "tokens", win_mean(n, 2, WIN_SUPPLY));
	rec_scalar(r, "token_supply_end", "tokens", tok_supply(n->tk));
	rec_scalar(r, "token_minted_total", "tokens", (double)L.minted / (double)tok_base_units(n->tk));
	rec_scalar(r, "token_burned_total", "tokens", (double)L.burned / (double)tok_base_units(n->tk));
	rec_scalar(r, "token_genesis", "tokens", (double)L.genesis / (double)tok_base_units(n->tk));
}

sim_status net_run(const struct net_params *p, const struct model_ctx *ctx, rec *r,
                   sim_diag *d)
{
	struct net *n = calloc(1, sizeof *n);
	if (!n)
		return SIM_ENOMEM;
	sim_status st = SIM_OK;
	n->p = p;
	n->ctx = ctx;
	n->r = r;
	n->nh = p->hwt.n;
	n->nm = p->dem.n_models;
	n->ndays = (int)p->horizon_days;
	n->debug = getenv("DAIS_NET_DEBUG") != NULL;

	n->s = sim_alloc();
	n->rng_dem = rng_stream(ctx->seed, (uint64_t)ctx->rep, RNG_MODEL_DEMAND, 0);
	n->rng_ver = rng_stream(ctx->seed, (uint64_t)ctx->rep, RNG_MODEL_VERIFY, 0);
	n->tk = tok_alloc(&p->tok, d);
	/* one verification draw per stack covers the stack's requests */
	n->verp = p->ver;
	{
		const struct chain_settle *cs = &p->chain.settle;
		double k = cs->design == CHAIN_STACK && cs->tokens_per_request > 0
		         ? cs->stack_tokens / cs->tokens_per_request : 1.0;
		n->verp.unit_requests = k >= 1 && isfinite(k) ? k : 1.0;
	}
	n->vr = ver_alloc(&n->verp, d);
	n->ch = chain_alloc(&p->chain, d);
	if (!n->s || !n->rng_dem || !n->rng_ver || !n->tk || !n->vr || !n->ch) {
		st = (n->tk && n->vr && n->ch) ? SIM_ENOMEM : SIM_EINVAL;
		goto done;
	}
	n->nk = chain_count(n->ch);
	for (int h = 0; h < n->nh; h++) {
		const struct hw_class *c = &p->hwt.cls[h];
		struct node_class nc = {
			.name = c->name,
			.unit_capacity = 1.0,
			.capex_usd = c->price_usd,
			.power_w = c->power_w,
			.life_days = c->lifetime_years * DAYS_PER_YEAR,
			.residual_frac = 0,
			.lag_days = c->lag_days,
			.supply_per_day = c->shipments_per_day * p->supply_share,
			.seed_per_day = p->seed_nodes_per_day,
			.available_day = (c->available_year - p->start_year) * DAYS_PER_YEAR,
			.withdrawn_day = 1e9,
			.stake = p->tok.collateral_per_node,
		};
		if (nc.available_day < 0)
			nc.available_day = 0;
		if (nc.supply_per_day <= 0)
			nc.supply_per_day = 1e-9;   /* 0 means unlimited in nodes.h */
		/* The agent records feed no number (decisions are per cohort), so a
		 * caller that keeps only scalars goes without them; their draws have
		 * a stream of their own, which keeps the numbers the same. */
		struct node_params np = p->nodes;
		np.keep_agents = p->nodes.keep_agents && !ctx->scalars_only;
		if (!np.deterministic) {
			n->rng_nodes[h] = rng_stream(ctx->seed, (uint64_t)ctx->rep, RNG_MODEL_NODES,
			                             (uint64_t)h);
			if (np.keep_agents)
				n->rng_agents[h] = rng_stream(ctx->seed, (uint64_t)ctx->rep,
				                              RNG_MODEL_AGENTS, (uint64_t)h);
			if (!n->rng_nodes[h] || (np.keep_agents && !n->rng_agents[h])) {
				st = SIM_ENOMEM;
				goto done;
			}
		}
		n->pop[h] = node_pop_alloc(&np, &nc, 1, n->rng_nodes[h]);
		if (!n->pop[h]) {
			diag_add(d, "network: replication %d: node class '%s' rejected by nodes.h",
			         ctx->rep, c->name);
			st = SIM_EINVAL;
			goto done;
		}
		if (n->rng_agents[h])
			node_pop_set_agent_rng(n->pop[h], n->rng_agents[h]);
	}
	for (int i = 0; i < p->n_init; i++)
		if (p->init[i].nodes > 0 &&
		    (st = node_pop_add(n->pop[p->init_cls[i]], 0, p->init[i].nodes, 0)) != SIM_OK)
			goto done;
	chain_route(&p->chain, 1.0, n->route);
	for (int i = 0; i < p->chain.settle.n_routes; i++)
		n->in_set[chain_index(&p->chain, p->chain.settle.routing[i].chain)] = 1;
	n->ovh_ver = ver_overhead(&n->verp, ver_p_effective(&n->verp));
	n->vo.commit_tx_per_unit = ver_commit_tx(&n->verp, ver_p_effective(&n->verp));
	n->d = d;
	n->g_eq = n->g_floor = (struct mkt_guess){ NAN, NAN };
	n->s_prev = NAN;
	n->z_eq = NAN;
	for (int i = 0; i < 4; i++)
		n->jac[i] = NAN;
	declare_series(n);
	{
		char note[600];
		int pairs = n->nh * n->nm;
		if (p->n_measured == 0)
			snprintf(note, sizeof note, "roofline estimate for all %d (class, model) pairs "
			         "(hardware.efficiency x bandwidth/compute bound); no capacity table", pairs);
		else
			snprintf(note, sizeof note, "capacity table %s (sha256 %s) for %d of %d (class, model) "
			         "pairs; roofline estimate for the rest", p->hw.capacity_csv,
			         p->capacity_sha256, p->n_measured, pairs);
		rec_note(r, "throughput", note);
	}
	rec_note(r, "hardware_classes", p->hwt.source);

	n->h_exo = sim_handler(n->s, on_exo, n);
	n->h_mkt = sim_handler(n->s, on_market, n);
	n->h_tok = sim_handler(n->s, on_token, n);
	n->h_nodes = sim_handler(n->s, on_nodes, n);
	n->h_settle = sim_handler(n->s, on_settle, n);
	n->h_rec = sim_handler(n->s, on_record, n);
	sim_schedule(n->s, 0, PRIO_EXO, n->h_exo, 0, 0);
	sim_schedule(n->s, 0, PRIO_MARKET, n->h_mkt, 0, 0);
	sim_schedule(n->s, 0, PRIO_TOKEN, n->h_tok, 0, 0);
	sim_schedule(n->s, 0, PRIO_NODES, n->h_nodes, 0, 0);
	sim_schedule(n->s, 0, PRIO_SETTLE, n->h_settle, 0, 0);
	sim_schedule(n->s, 0, PRIO_RECORD, n->h_rec, 0, 0);
	st = sim_run(n->s, (n->ndays - 1) * DAY_S);
	if (st == SIM_OK)
		st = n->err;
	if (st == SIM_OK) {
		for (int h = 0; h < n->nh; h++)
			SIM_ASSERT(node_pop_check(n->pop[h]));
		final_scalars(n);
		if (!rec_ok(r))
			st = SIM_ENOMEM;
	} else {
		diag_add(d, "network: replication %d (seed %llu): %s", ctx->rep,
		         (unsigned long long)ctx->seed, sim_strerror(st));
	}
done:
	for (int h = 0; h < n->nh; h++) {
		node_pop_free(n->pop[h]);
		if (n->rng_nodes[h])
			gsl_rng_free(n->rng_nodes[h]);
		if (n->rng_agents[h])
			gsl_rng_free(n->rng_agents[h]);
	}
	if (n->rng_dem)
		gsl_rng_free(n->rng_dem);
	if (n->rng_ver)
		gsl_rng_free(n->rng_ver);
	tok_free(n->tk);
	ver_free(n->vr);
	chain_free(n->ch);
	sim_free(n->s);
	free(n);
	return st;
}

/* ---------------------------------------------------------------- type */

static sim_status parse_cb(void *params, const scn *s, sim_diag *d)
{
	return net_parse(params, s, d);
}

static sim_status run_cb(const void *params, const struct model_ctx *ctx, rec *r, sim_diag *d)
{
	return net_run(params, ctx, r, d);
}

static void release_cb(void *params)
{
	net_params_release(params);
}

const struct model_type network_model_type = {
	.name = "network",
	.summary = "decentralized inference network: demand, nodes, tokenomics, verification, settlement",
	.params_size = sizeof(struct net_params),
	.parse = parse_cb,
	.run = run_cb,
	.release = release_cb,
};
