/* test_market.c — the day's market equilibrium (models/market.h) against
 * hand calculations, and the stability of every committed network scenario
 * (no day-to-day limit cycle; chains held at their target stay there). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/market.h"
#include "models/network.h"
#include "sim/rec.h"
#include "sim/scn.h"

#include "support/helpers.h"

/* One class of 10 nodes at 1000 tokens/s, one model. */
struct one {
	struct dem_params dem;
	struct mkt_params mp;
	struct mkt_in in;
	double tps[HW_MAX_CLASSES][DEM_MAX_MODELS];
	double units[HW_MAX_CLASSES];
	int order[HW_MAX_CLASSES];
};

static void one_market(struct one *o, double demand)
{
	memset(o, 0, sizeof *o);
	dem_defaults(&o->dem);
	o->dem.elasticity = 0;
	o->mp = (struct mkt_params){ .margin = 0.2, .target_util = 0.7, .util_price_k = 1,
	                             .scarcity_price_k = 5, .price_floor_frac = 0.1,
	                             .latency_base_s = 0.8, .latency_queue_s = 0 };
	o->tps[0][0] = 1000;
	o->units[0] = 10;
	o->in = (struct mkt_in){ .nh = 1, .nm = 1, .order = o->order,
	                         .tps = (const double (*)[DEM_MAX_MODELS])o->tps,
	                         .units = o->units, .dem = &o->dem, .cf = 1, .adopt = 1 };
	o->in.demand[0] = demand;
	o->in.cost[0] = 0.1;
	o->in.pcen[0] = 0.2;
}

static double share_at(const struct one *o, double z)
{
	double u = z < 1 ? z : 1;
	double pi = exp(o->mp.util_price_k * (u - o->mp.target_util)) *
	            (z > 1 ? exp(o->mp.scarcity_price_k * (z - 1)) : 1);
	double p = 0.1 * 1.2 * pi;
	return dem_share_cap(&o->dem, p, 0.2, 0.8, o->dem.latency_cen_s, 0);
}

/* Spare capacity: z is the utilisation, and z = s(z) D / (10 x 1000 x 86400). */
Test(market, equilibrium_with_spare_capacity_matches_a_hand_calculation)
{
	struct one o;
	const double full = 10 * 1000 * 86400.0;
	one_market(&o, 0.5 * full);
	struct mkt_out out;
	sim_diag d;
	diag_init(&d);
	cr_assert_eq(mkt_solve(&o.mp, &o.in, 0, NULL, &out, &d), SIM_OK);
	cr_assert_lt(out.z, 1);
	cr_assert_float_eq(out.z, share_at(&o, out.z) * 0.5, 1e-9);
	cr_assert_float_eq(out.util, out.z, 1e-9);
	cr_assert_float_eq(out.served_tot, out.offered_tot, 1e-6);
	cr_assert_float_eq(out.pdec[0], 0.12 * exp(out.z - 0.7), 1e-9);
	cr_assert_lt(out.evals, 60);
	diag_release(&d);
}

/* Ten times the fleet's capacity offered: the price rations, z = 1 + r with r
 * the unserved share, and the offered tokens at that price satisfy it. */
Test(market, a_shortage_shows_as_price)
{
	struct one o;
	const double full = 10 * 1000 * 86400.0;
	one_market(&o, 10 * full);
	o.dem.beta_price = 2;                /* a demand that price can ration */
	struct mkt_out out;
	sim_diag d;
	diag_init(&d);
	cr_assert_eq(mkt_solve(&o.mp, &o.in, 0, NULL, &out, &d), SIM_OK);
	cr_assert_gt(out.z, 1);
	cr_assert_float_eq(out.util, 1, 1e-12);
	cr_assert_float_eq(out.served_tot, full, 1e-6 * full);
	double offered = share_at(&o, out.z) * 10 * full;
	cr_assert_float_eq(out.offered_tot, offered, 1e-9 * offered);
	cr_assert_float_eq(out.z - 1, (offered - full) / offered, 1e-9);
	cr_assert_float_eq(out.price_index, exp(0.3) * exp(5 * (out.z - 1)), 1e-9);
	/* without the rationing price the same shortage leaves more unserved */
	o.mp.scarcity_price_k = 0;
	struct mkt_out flat;
	cr_assert_eq(mkt_solve(&o.mp, &o.in, 0, NULL, &flat, &d), SIM_OK);
	cr_assert_gt(flat.z, out.z);
	cr_assert_gt(flat.offered_tot, out.offered_tot);
	diag_release(&d);
}

/* A fleet with no nodes: whatever the price, nothing is served, so the
 * utilisation counts as full and every offered token is rationed: D(z) = 2 for
 * every z, and the root is the end of the range, z = 2. */
Test(market, an_empty_fleet_sits_at_the_end_of_the_range)
{
	struct one o;
	one_market(&o, 1e9);
	o.units[0] = 0;
	struct mkt_out out;
	sim_diag d;
	diag_init(&d);
	cr_assert_eq(mkt_solve(&o.mp, &o.in, 0, NULL, &out, &d), SIM_OK);
	cr_assert_eq(out.z, 2.0);
	cr_assert_eq(out.served_tot, 0.0);
	cr_assert_gt(out.offered_tot, 0.0);
	diag_release(&d);
}

/* A dearer settlement never raises the tokens served. */
Test(market, served_tokens_fall_with_the_settlement_cost)
{
	struct one o;
	one_market(&o, 2 * 10 * 1000 * 86400.0);
	sim_diag d;
	diag_init(&d);
	double prev = INFINITY;
	for (double s = 0; s < 2; s += 0.05) {
		struct mkt_out out;
		cr_assert_eq(mkt_solve(&o.mp, &o.in, s, NULL, &out, &d), SIM_OK);
		cr_assert_leq(out.served_tot, prev * (1 + 1e-12), "settle %g", s);
		prev = out.served_tot;
	}
	diag_release(&d);
}

Test(market, latency_table_interpolates_and_is_flat_outside)
{
	struct mkt_params mp = { .n_lat = 3, .lat_u = { 0.2, 0.6, 1.0 }, .lat_s = { 1, 2, 6 } };
	cr_assert_float_eq(mkt_latency(&mp, 0), 1, 1e-15);
	cr_assert_float_eq(mkt_latency(&mp, 0.4), 1.5, 1e-15);
	cr_assert_float_eq(mkt_latency(&mp, 0.8), 4, 1e-15);
	cr_assert_float_eq(mkt_latency(&mp, 1.5), 6, 1e-15);
	sim_diag d;
	diag_init(&d);
	mp.lat_u[2] = 0.5;
	cr_assert_eq(mkt_check(&mp, "t", &d), SIM_EINVAL);
	diag_release(&d);
}

/* ------------------------------------------------------------ scenarios */

static int col_of(const rec *r, const char *name)
{
	for (int i = 0; i < rec_nseries(r); i++)
		if (!strcmp(rec_series_name(r, i), name))
			return i;
	cr_assert_fail("no series %s", name);
	return -1;
}

/* Share of days in [a, b) whose change reverses the previous day's, both by
 * more than 0.02: a two-day cycle shows as nearly every day. */
static double reversals(const double *x, int stride, int a, int b)
{
	int n = 0, bad = 0;
	for (int t = a + 2; t < b; t++, n++) {
		double d1 = x[(t - 1) * stride] - x[(t - 2) * stride];
		double d2 = x[t * stride] - x[(t - 1) * stride];
		bad += d1 * d2 < 0 && fabs(d1) > 0.02 && fabs(d2) > 0.02;
	}
	return n ? (double)bad / n : 0;
}

static void check_stable(const char *file)
{
	/* the demand noise off: what moves from day to day is then the model */
	const char *sets[] = { "demand.noise_sigma=0" };
	sim_diag d;
	diag_init(&d);
	scn *s = scn_load(th_src(file), sets, 1, &d);
	cr_assert_not_null(s, "%s: %s", file, d.n ? d.msg[0] : "");
	struct net_params *p = calloc(1, sizeof *p);
	cr_assert_eq(net_parse(p, s, &d), SIM_OK, "%s: %s", file, d.n ? d.msg[0] : "");
	rec *r = rec_alloc("day");
	struct model_ctx ctx = { .seed = 7, .rep = 0 };
	cr_assert_eq(net_run(p, &ctx, r, &d), SIM_OK, "%s: %s", file, d.n ? d.msg[0] : "");
	int ns = (int)rec_nsamples(r), nk = p->chain.n_chains;
	const double *u = rec_series_data(r, col_of(r, "utilisation"));
	const double *cu = rec_series_data(r, col_of(r, "chain_utilisation"));
	const double *mult = rec_series_data(r, col_of(r, "chain_fee_multiple"));
	for (int y = 0; y * 365 + 30 < ns; y++) {
		int a = y * 365, b = a + 365 < ns ? a + 365 : ns;
		double f = reversals(u, 1, a, b);
		cr_assert_lt(f, 0.05, "%s: year %d: network utilisation reverses on %.1f%% of days",
		             file, y + 1, 100 * f);
		for (int k = 0; k < nk; k++) {
			f = reversals(cu + k, nk, a, b);
			cr_assert_lt(f, 0.05, "%s: year %d: chain %d reverses on %.1f%% of days", file,
			             y + 1, k, 100 * f);
		}
	}
	/* a chain priced above its reference all last year sits at its target */
	for (int k = 0; k < nk && ns > 365; k++) {
		int at = 1;
		double m = 0, m2 = 0;
		for (int t = ns - 365; t < ns; t++) {
			at &= mult[t * nk + k] > 1 + 1e-9;
			m += cu[t * nk + k];
			m2 += cu[t * nk + k] * cu[t * nk + k];
		}
		double sd = sqrt(fmax(0, m2 / 365 - (m / 365) * (m / 365)));
		if (at)
			cr_assert_lt(sd, 0.01, "%s: chain %d at its target: sd %g", file, k, sd);
	}
	rec_free(r);
	free(p);
	scn_free(s);
	diag_release(&d);
}

/* Every committed scenario of the network model. */
Test(market, committed_network_scenarios_have_no_limit_cycle, .timeout = 240)
{
	DIR *dir = opendir(th_src("scenarios"));
	cr_assert_not_null(dir);
	struct dirent *e;
	int n = 0;
	while ((e = readdir(dir))) {
		size_t len = strlen(e->d_name);
		if (len < 6 || strcmp(e->d_name + len - 5, ".json"))
			continue;
		char rel[300];
		snprintf(rel, sizeof rel, "scenarios/%s", e->d_name);
		sim_diag d;
		diag_init(&d);
		scn *s = scn_load(th_src(rel), NULL, 0, &d);
		int net = s && !strcmp(scn_str(s, "model"), "network");
		int big = net && scn_num(s, "network.horizon_years") > 10;
		scn_free(s);
		diag_release(&d);
		if (!net || big || strstr(e->d_name, "stress"))
			continue;
		check_stable(rel);
		n++;
	}
	closedir(dir);
	cr_assert_geq(n, 7);
}
