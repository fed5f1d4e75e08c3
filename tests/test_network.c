/* test_network.c — the coupled network model (models/network.h): invariants
 * of every recorded day, the token ledger, chains without AI traffic, seeds,
 * settlement designs, the scenarios, and bad parameters.  Runs are short
 * (one or two simulated years) to keep the suite fast. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/network.h"
#include "sim/rec.h"
#include "sim/scn.h"

#include "support/helpers.h"
#include "models/registry.h"

static struct net_params *params(double days)
{
	struct net_params *p = calloc(1, sizeof *p);
	cr_assert_not_null(p);
	sim_diag d;
	diag_init(&d);
	cr_assert_eq(net_params_default(p, &d), SIM_OK, "%s", d.n ? d.msg[0] : "");
	p->horizon_days = days;
	cr_assert_eq(net_prepare(p, &d), SIM_OK, "%s", d.n ? d.msg[0] : "");
	diag_release(&d);
	return p;
}

static rec *run_ctx(const struct net_params *p, const struct model_ctx *ctx)
{
	rec *r = rec_alloc("day");
	sim_diag d;
	diag_init(&d);
	sim_status st = net_run(p, ctx, r, &d);
	cr_assert_eq(st, SIM_OK, "%s", d.n ? d.msg[0] : "");
	diag_release(&d);
	return r;
}

static rec *run(const struct net_params *p, uint64_t seed)
{
	struct model_ctx ctx = { .seed = seed, .rep = 0 };
	return run_ctx(p, &ctx);
}

static int series(const rec *r, const char *name)
{
	for (int i = 0; i < rec_nseries(r); i++)
		if (!strcmp(rec_series_name(r, i), name))
			return i;
	cr_assert_fail("no series %s", name);
	return -1;
}

static const double *col(const rec *r, const char *name)
{
	return rec_series_data(r, series(r, name));
}

static double scalar(const rec *r, const char *name)
{
	for (int i = 0; i < rec_nscalars(r); i++)
		if (!strcmp(rec_scalar_name(r, i), name))
			return rec_scalar_value(r, i);
	cr_assert_fail("no scalar %s", name);
	return NAN;
}

Test(net, registered_as_a_model_type)
{
	const struct model_type *mt = model_find("network");
	cr_assert_not_null(mt);
	cr_assert_eq(mt->params_size, sizeof(struct net_params));
}

/* Every recorded day: shares in [0, 1]; served <= offered <= demand; served
 * within the node capacity; utilisations >= 0 (and <= 1 where they are shares). */
Test(net, daily_invariants_hold, .timeout = 60)
{
	struct net_params *p = params(730);
	rec *r = run(p, 1);
	size_t ns = rec_nsamples(r);
	cr_assert_eq(ns, 730);
	const double *dem = col(r, "demand_tokens"), *off = col(r, "offered_tokens"),
	             *srv = col(r, "served_tokens"), *uns = col(r, "unserved_tokens"),
	             *util = col(r, "utilisation"), *adopt = col(r, "adoption"),
	             *nodes = col(r, "nodes_by_class"), *share = col(r, "share_by_model"),
	             *cap = col(r, "share_cap_by_model"), *cu = col(r, "chain_utilisation"),
	             *cl = col(r, "chain_load"), *ovh = col(r, "verification_overhead"),
	             *tee = col(r, "tee_share");
	const double *aitx = col(r, "chain_ai_tx"), *trend = col(r, "demand_trend_tokens"),
	             *bound = col(r, "world_serving_bound_tokens");
	const double *z = col(r, "market_pressure"), *settle = col(r, "settlement_cost"),
	             *fee = col(r, "chain_fee"), *mult = col(r, "chain_fee_multiple");
	int nh = p->hwt.n, nm = p->dem.n_models;
	int nk = rec_series_ncols(r, series(r, "chain_load"));
	int sui = chain_index(&p->chain, "sui");
	double served_any = 0;
	for (size_t i = 0; i < ns; i++) {
		cr_assert_leq(srv[i], off[i] * (1 + 1e-12));
		cr_assert_leq(off[i], dem[i]);
		/* world demand never exceeds what the installed accelerators could serve */
		cr_assert_leq(trend[i], bound[i] * (1 + 1e-12));
		cr_assert_float_eq(uns[i], off[i] - srv[i], 1e-9 * off[i] + 1e-9);
		cr_assert(util[i] >= 0 && util[i] <= 1);
		cr_assert(adopt[i] >= 0 && adopt[i] <= 1);
		cr_assert(tee[i] >= 0 && tee[i] <= 1);
		cr_assert_geq(ovh[i], 1.0);
		double capacity = 0;
		for (int h = 0; h < nh; h++) {
			double best = 0;
			for (int m = 0; m < nm; m++)
				best = fmax(best, p->tps[h][m]);
			cr_assert_geq(nodes[i * nh + h], 0);
			capacity += nodes[i * nh + h] * best * 86400.0;
		}
		cr_assert_leq(srv[i], capacity * (1 + 1e-9), "day %zu", i);
		for (int m = 0; m < nm; m++) {
			double s = share[i * nm + m], c = cap[i * nm + m];
			cr_assert(s >= 0 && s <= c && c <= 1, "day %zu model %d: %g %g", i, m, s, c);
		}
		for (int k = 0; k < nk; k++) {
			cr_assert(cu[i * nk + k] >= 0 && cu[i * nk + k] <= 1);
			cr_assert_geq(cl[i * nk + k], 0);
			/* above its reference fee a chain runs exactly at its target */
			if (mult[i * nk + k] > 1 + 1e-9)
				cr_assert_float_eq(cu[i * nk + k], p->chain.chain[k].target_utilisation, 1e-9);
			cr_assert_leq(cu[i * nk + k], p->chain.chain[k].target_utilisation + 1e-9);
		}
		/* the day's market is at its equilibrium: D(z) = utilisation + rationed share = z */
		double rationed = off[i] > 0 ? uns[i] / off[i] : 0;
		cr_assert_float_eq(util[i] + rationed, z[i], 1e-8, "day %zu", i);
		/* Sui's fee in closed form from the day's AI tx and the dated paths:
		 * AI + B0 (f / base)^(-e) = u* C (u* = 1: a posted price, bid up only
		 * when full), f >= the floor: 759,880 MIST at the day's SUI price */
		{
			const struct chain_spec *c = &p->chain.chain[sui];
			double y = 2024.0 + i / 365.25;
			double C = 854 * 86400 * pow(1.2, y - (2023 + 195 / 365.0));
			double B0 = 172.4 * 86400 * pow(1.3, y - (2025 + 90 / 365.0));
			double f = 0.0027 * pow(B0 / (C - aitx[i * nk + sui]), 1 / 0.5);
			double fmin = 7.5988e-4 * chain_token_usd(c, y);
			f = f > fmin ? f : fmin;
			cr_assert(c->base_fee_usd == 0.0027 && c->fee_elasticity == 0.5);
			cr_assert(c->target_utilisation == 1.0);
			cr_assert_float_eq(fee[i * nk + sui], f, 1e-9 * f, "day %zu", i);
		}
		/* and its settlement cost is what the chain's fee asks (stacks: 3.01 tx per 1e6 tokens) */
		cr_assert_float_eq(settle[i], 3.01 * fee[i * nk + sui], 1e-9 * settle[i], "day %zu", i);
		served_any += srv[i];
	}
	cr_assert_gt(served_any, 0);
	rec_free(r);
	free(p);
}

/* supply = genesis + minted - burned, over the run and day by day. */
Test(net, token_supply_identity_holds, .timeout = 60)
{
	struct net_params *p = params(400);
	rec *r = run(p, 3);
	double g = scalar(r, "token_genesis"), mint = scalar(r, "token_minted_total"),
	       burn = scalar(r, "token_burned_total"), sup = scalar(r, "token_supply_end");
	cr_assert_gt(mint, 0);
	cr_assert_float_eq(sup, g + mint - burn, 1e-9 * g);
	const double *s = col(r, "token_supply"), *mi = col(r, "token_minted"),
	             *bu = col(r, "token_burned");
	cr_assert_float_eq(s[0], g + mi[0] - bu[0], 1e-9 * g);
	for (size_t i = 1; i < rec_nsamples(r); i++)
		cr_assert_float_eq(s[i] - s[i - 1], mi[i] - bu[i], 1e-6 * g, "day %zu", i);
	/* the year-1 windows of the classes add up to the network's; cost cover
	 * is revenue (>= 0) over a positive cost */
	double sum = 0;
	char name[96];
	for (int h = 0; h < p->hwt.n; h++) {
		snprintf(name, sizeof name, "nodes_year_1_%s", p->hwt.cls[h].name);
		sum += scalar(r, name);
		snprintf(name, sizeof name, "cost_cover_year_1_%s", p->hwt.cls[h].name);
		cr_assert(scalar(r, name) >= 0, "%s", name);
	}
	cr_assert_float_eq(sum, scalar(r, "nodes_year_1"), 1e-9 * sum);
	cr_assert_gt(sum, 0);
	cr_assert(isnan(scalar(r, "nodes_year_5")));       /* the run ends before year 5 */
	/* year-1 means recomputed from the daily series: days 1 to 365 */
	cr_assert_eq(p->sample_every, 1);
	const double *tr = col(r, "demand_trend_tokens"), *sv = col(r, "served_tokens"),
	             *fe = col(r, "operator_fees"), *su = col(r, "operator_subsidy");
	double st = 0, ss = 0, sf = 0, sb = 0;
	for (int i = 1; i <= 365; i++) {
		st += tr[i];
		ss += sv[i];
		sf += fe[i];
		sb += su[i];
	}
	cr_assert_float_eq(scalar(r, "world_demand_year_1"), st / 365, 1e-9 * st / 365);
	cr_assert_float_eq(scalar(r, "served_tokens_year_1"), ss / 365, 1e-9 * ss / 365);
	cr_assert_float_eq(scalar(r, "fee_share_year_1"), sf / (sf + sb), 1e-9);
	rec_free(r);
	free(p);
}

/* Chains that receive no settlement traffic behave exactly as a chain stepped
 * with zero AI transactions: only their background. */
Test(net, chain_without_ai_traffic_equals_its_background, .timeout = 60)
{
	struct net_params *p = params(365);
	cr_assert_gt(p->chain.n_chains, 1);
	rec *r = run(p, 5);
	sim_diag d;
	diag_init(&d);
	chains *c = chain_alloc(&p->chain, &d);
	cr_assert_not_null(c);
	double zero[CHAIN_MAX] = { 0 };
	struct chain_day_out o[CHAIN_MAX];
	const double *load = col(r, "chain_load"), *aitx = col(r, "chain_ai_tx");
	int nk = p->chain.n_chains, checked = 0;
	double route[CHAIN_MAX];
	chain_route(&p->chain, 1.0, route);
	for (int day = 0; day < 365; day++) {
		chain_day(c, day);
		chain_step(c, zero, zero, o);
		for (int k = 0; k < nk; k++) {
			if (route[k] > 0)
				continue;
			cr_assert_eq(aitx[day * nk + k], 0.0);
			cr_assert_float_eq(load[day * nk + k], o[k].background_tx / o[k].capacity,
			                   1e-12, "chain %d day %d", k, day);
			checked++;
		}
	}
	cr_assert_gt(checked, 0);
	/* and the routed chain does carry AI traffic */
	int sui = chain_index(&p->chain, "sui");
	cr_assert_gt(aitx[100 * nk + sui], 0);
	chain_free(c);
	diag_release(&d);
	rec_free(r);
	free(p);
}

static int same_series(const rec *a, const rec *b)
{
	if (rec_nsamples(a) != rec_nsamples(b) || rec_nseries(a) != rec_nseries(b))
		return 0;
	for (int i = 0; i < rec_nseries(a); i++) {
		size_t n = rec_nsamples(a) * (size_t)rec_series_ncols(a, i);
		if (memcmp(rec_series_data(a, i), rec_series_data(b, i), n * sizeof(double)))
			return 0;
	}
	return 1;
}

Test(net, same_seed_same_series_and_different_seeds_differ, .timeout = 60)
{
	struct net_params *p = params(365);
	rec *a = run(p, 42), *b = run(p, 42), *c = run(p, 43);
	cr_assert(same_series(a, b));
	cr_assert(!same_series(a, c));
	rec_free(a);
	rec_free(b);
	rec_free(c);
	free(p);
}

static int same_scalars(const rec *a, const rec *b)
{
	if (rec_nscalars(a) != rec_nscalars(b))
		return 0;
	for (int i = 0; i < rec_nscalars(a); i++) {
		double x = rec_scalar_value(a, i), y = rec_scalar_value(b, i);
		if (strcmp(rec_scalar_name(a, i), rec_scalar_name(b, i)) ||
		    memcmp(&x, &y, sizeof x))
			return 0;
	}
	return 1;
}

/* The agent records draw from a stream of their own: keeping them, dropping
 * them, or a caller that reads only scalars leaves every number unchanged.
 * Such a caller also gets no series: they feed no scalar.  Two years, so
 * that thousands of nodes are ordered (and agents drawn). */
Test(net, agent_records_change_no_number, .timeout = 60)
{
	struct net_params *p = params(730);
	p->nodes.keep_agents = 1;               /* the schema's default */
	struct model_ctx kept = { .seed = 42 }, scal = { .seed = 42, .scalars_only = 1 };
	rec *a = run_ctx(p, &kept), *b = run_ctx(p, &scal);
	p->nodes.keep_agents = 0;
	rec *c = run_ctx(p, &kept);
	int id = series(a, "nodes_by_class"), nc = rec_series_ncols(a, id);
	const double *last = rec_series_data(a, id) + (rec_nsamples(a) - 1) * (size_t)nc;
	double nodes = 0;
	for (int h = 0; h < nc; h++)
		nodes += last[h];
	cr_assert_gt(nodes, 1000);
	cr_assert(same_scalars(a, b));
	cr_assert_eq(rec_nsamples(b), 0);
	cr_assert(same_series(a, c) && same_scalars(a, c));
	rec_free(a);
	rec_free(b);
	rec_free(c);
	free(p);
}

/* With fees too low to price settlement out of the market, per-request
 * settlement (~1e-2 tx per token) would fill Sui years before stacks (~3e-6):
 * its latent exhaustion comes first, while the fee keeps the chain itself at
 * its target, never exhausted. */
Test(net, per_request_reaches_latent_exhaustion_years_before_stacks, .timeout = 60)
{
	struct net_params *p = params(3 * 365);
	int sui = chain_index(&p->chain, "sui");
	cr_assert_geq(sui, 0);
	struct chain_spec *c = &p->chain.chain[sui];
	c->price_path = CHAIN_PRICE_CONSTANT;     /* $1e-9 a tx: 1,000 units at 1e-12 SUI, $1 */
	c->token_usd = 1;
	c->tx_fixed = 0;
	c->min_unit_price = 1e-12;
	c->base_fee_usd = 1e-9;
	sim_diag d;
	diag_init(&d);
	cr_assert_eq(net_prepare(p, &d), SIM_OK);
	p->chain.settle.design = CHAIN_STACK;
	rec *st = run(p, 9);
	p->chain.settle.design = CHAIN_PER_REQUEST;
	rec *rq = run(p, 9);
	double day_stack = scalar(st, "latent_exhaustion_day_sui");
	double day_req = scalar(rq, "latent_exhaustion_day_sui");
	cr_assert(!isnan(day_req), "per-request never reached sui's capacity at the floor fee");
	double ds = isnan(day_stack) ? INFINITY : day_stack;
	cr_assert_lt(day_req + 365, ds, "per request %g, stack %g", day_req, day_stack);
	/* an auction chain (u* = 1) is full the day its fee leaves the floor */
	cr_assert_eq(scalar(rq, "exhaustion_day_sui"), scalar(rq, "fee_target_day_sui"));
	cr_assert_gt(scalar(rq, "fee_multiple_year_1_sui"), 1);
	/* a verification draw covers a stack's requests, or one request */
	const struct chain_settle *cs = &p->chain.settle;
	cr_assert_float_eq(scalar(st, "verification_requests_per_draw"),
	                   cs->stack_tokens / cs->tokens_per_request, 1e-9);
	cr_assert_eq(scalar(rq, "verification_requests_per_draw"), 1.0);
	diag_release(&d);
	rec_free(st);
	rec_free(rq);
	free(p);
}

/* With no AI traffic, a background growing at g_B on capacity growing at g_C
 * crosses the target on day 365.25 ln(u* C0 / B0) / ln((1 + g_B) / (1 + g_C)),
 * C0 and B0 on day 0 from the dated figures; the run reports it, from the same
 * path as its AI run, within a day. */
Test(net, background_only_crossing_matches_its_closed_form, .timeout = 60)
{
	struct net_params *p = params(3 * 365);
	int sui = chain_index(&p->chain, "sui");
	struct chain_spec *c = &p->chain.chain[sui];
	c->background_growth = 3.0;
	c->price_path = CHAIN_PRICE_CONSTANT;     /* the floor at base: Bref = B0 */
	c->token_usd = 1;
	c->tx_fixed = 0;
	c->min_unit_price = c->base_fee_usd / c->bg_tx_units;
	sim_diag d;
	diag_init(&d);
	cr_assert_eq(net_prepare(p, &d), SIM_OK);
	rec *r = run(p, 3);
	double C0 = 854 * 86400 * pow(1.2, 2024.0 - (2023 + 195 / 365.0));
	double B0 = 172.4 * 86400 * pow(4.0, 2024.0 - (2025 + 90 / 365.0));
	double t = 365.25 * log(1.0 * C0 / B0) / log(4.0 / 1.2);   /* Sui's target: u* = 1 */
	double got = scalar(r, "background_only_fee_target_day_sui");
	cr_assert(got >= t && got < t + 1, "closed form %g, run %g", t, got);
	/* the AI run crosses no later than its background alone */
	cr_assert_leq(scalar(r, "fee_target_day_sui"), got);
	diag_release(&d);
	rec_free(r);
	free(p);
}

/* A world of 1,000 H100-equivalents: the bound holds every day, and the
 * trend the network sees is the bound itself. */
Test(net, world_demand_is_held_to_what_installed_accelerators_serve, .timeout = 60)
{
	struct net_params *p = params(60);
	p->dem.installed_h100e = 1000;
	sim_diag d;
	diag_init(&d);
	cr_assert_eq(net_prepare(p, &d), SIM_OK);
	rec *r = run(p, 2);
	const double *trend = col(r, "demand_trend_tokens"), *bound = col(r, "world_serving_bound_tokens");
	for (size_t i = 0; i < rec_nsamples(r); i++) {
		double y = 2024.0 + i / 365.25;
		double b = 1000 * pow(2.0, y - (2025 + 364 / 365.0)) * 0.5 * 12500 * (1 + 69.5 / 214.5) * 86400;
		cr_assert_float_eq(bound[i], b, 1e-9 * b, "day %zu", i);
		cr_assert_eq(trend[i], bound[i]);
	}
	rec_free(r);
	p->dem.world_bound = 0;            /* off: the trend is the unbounded one again */
	r = run(p, 2);
	trend = col(r, "demand_trend_tokens");
	cr_assert_gt(trend[0], 5 * col(r, "world_serving_bound_tokens")[0]);
	diag_release(&d);
	rec_free(r);
	free(p);
}

/* The network's latency is the serving model's curve for its reference pair
 * plus the network's own overhead; an unknown pair is an error naming it. */
Test(net, latency_comes_from_the_serving_models_curve)
{
	struct net_params *p = params(30);
	const struct mkt_params *mp = &p->market;
	cr_assert_eq(mp->n_lat, 11);
	cr_assert_eq(mp->lat_u[0], 0.1);
	cr_assert_float_eq(mp->lat_s[0], 0.8 + 0.0050911, 1e-12);  /* h100_80,small,0.1 row */
	cr_assert_eq(mp->lat_u[10], 1.0);
	cr_assert_float_eq(mkt_latency(mp, 0.15), 0.8 + (0.0050911 + 0.00553447) / 2, 1e-12);
	snprintf(p->latency_model, sizeof p->latency_model, "huge");
	sim_diag d;
	diag_init(&d);
	cr_assert_eq(net_prepare(p, &d), SIM_EINVAL);
	cr_assert(strstr(d.msg[0], "$.network.latency_curve:") && strstr(d.msg[0], "model 'huge'"),
	          "%s", d.msg[0]);
	diag_clear(&d);
	p->latency_curve[0] = '\0';          /* no curve: the formula */
	cr_assert_eq(net_prepare(p, &d), SIM_OK);
	cr_assert_eq(p->market.n_lat, 0);
	cr_assert_float_eq(mkt_latency(&p->market, 0.5), 0.8 + 0.2, 1e-12);
	diag_release(&d);
	free(p);
}

/* Opaque settlement (cost routing over five chains): every day the chains'
 * AI tx add up to the settlement the served tokens need, Bitcoin (outside the
 * set) gets none, and the network pays the chains' fees: settlement cost =
 * 3.01 tx per 1e6 tokens x the mean fee paid per tx, Base's tx paying for
 * their data on Ethereum's blobs too (the blob chain records Base's AI tx). */
Test(net, cost_routing_conserves_settlement_and_pays_the_fees, .timeout = 60)
{
	sim_diag d;
	diag_init(&d);
	const char *sets[] = { "network.horizon_years=5" };   /* Solana alone holds it at first */
	scn *s = scn_load(th_src("scenarios/opaque-settlement.json"), sets, 1, &d);
	cr_assert_not_null(s, "%s", d.n ? d.msg[0] : "");
	struct net_params *p = calloc(1, sizeof *p);
	cr_assert_eq(net_parse(p, s, &d), SIM_OK, "%s", d.n ? d.msg[0] : "");
	rec *r = run(p, 4);
	const double *aitx = col(r, "chain_ai_tx"), *fee = col(r, "chain_fee"),
	             *srv = col(r, "served_tokens"), *settle = col(r, "settlement_cost");
	int nk = p->chain.n_chains, btc = chain_index(&p->chain, "bitcoin"), used = 0;
	int blobs = chain_index(&p->chain, "ethereum_blobs"), base = chain_index(&p->chain, "base");
	cr_assert(blobs >= 0 && base >= 0);
	for (size_t i = 0; i < rec_nsamples(r); i++) {
		double sum = 0, paid = 0;
		cr_assert_eq(aitx[i * nk + blobs], aitx[i * nk + base]);
		for (int k = 0; k < nk; k++) {
			sum += k == blobs ? 0 : aitx[i * nk + k];
			paid += aitx[i * nk + k] > 0 ? aitx[i * nk + k] * fee[i * nk + k] : 0;
			used |= (aitx[i * nk + k] > 0) << k;
		}
		double tx = srv[i] * 3.01e-6;
		cr_assert_float_eq(sum, tx, 1e-9 * tx + 1e-9, "day %zu", i);
		cr_assert_eq(aitx[i * nk + btc], 0.0);
		if (tx > 0)
			cr_assert_float_eq(settle[i], 3.01 * paid / tx, 1e-8 * settle[i], "day %zu", i);
	}
	cr_assert_gt(__builtin_popcount(used), 1, "cost routing used one chain only");
	rec_free(r);
	free(p);
	scn_free(s);
	diag_release(&d);
}

/* Sui's shared-object limit (150.5 tx/s: the randomness budget, 100,000 us/s,
 * over 1 ms calls of which 2 in 3.01 use randomness): the AI tx it admits never pass it,
 * the network's price rations the rest, and the limit day is the first on
 * which the recorded AI tx reach it or the floor-fee traffic did. */
Test(net, the_shared_object_limit_holds_every_day, .timeout = 60)
{
	sim_diag d;
	diag_init(&d);
	const char *sets[] = { "network.horizon_years=4" };
	scn *s = scn_load(th_src("scenarios/sui-object-limit.json"), sets, 1, &d);
	cr_assert_not_null(s, "%s", d.n ? d.msg[0] : "");
	struct net_params *p = calloc(1, sizeof *p);
	cr_assert_eq(net_parse(p, s, &d), SIM_OK, "%s", d.n ? d.msg[0] : "");
	rec *r = run(p, 6);
	int nk = p->chain.n_chains, sui = chain_index(&p->chain, "sui");
	const double lim = 100000 / (1000 * 2 / 3.01);
	cr_assert_float_eq(lim, 150.5, 1e-9);
	const double *aitx = col(r, "chain_ai_tx"), *obj = col(r, "chain_object_load"),
	             *fee = col(r, "chain_fee");
	double day = scalar(r, "object_limit_day_sui");
	cr_assert(!isnan(day), "the limit is never reached in four years");
	for (size_t i = 0; i < rec_nsamples(r); i++) {
		cr_assert_leq(aitx[i * nk + sui], lim * 86400.0 * (1 + 1e-9), "day %zu", i);
		cr_assert_float_eq(obj[i * nk + sui], aitx[i * nk + sui] / (lim * 86400.0), 1e-12);
		cr_assert(isfinite(fee[i * nk + sui]), "day %zu", i);
		if (i < day)
			cr_assert_lt(obj[i * nk + sui], 1, "day %zu before the limit day %g", i, day);
	}
	int held = 0, n = 0;                   /* and binds on most days after it */
	for (size_t i = (size_t)day; i < rec_nsamples(r); i++, n++)
		held += obj[i * nk + sui] > 1 - 1e-6;
	cr_assert_gt(held, 0.8 * n, "held at the limit on %d of %d days", held, n);
	rec_free(r);
	free(p);
	scn_free(s);
	diag_release(&d);
}

/* The seven scenarios load and parse; a short override runs end to end. */
Test(net, scenarios_parse_and_run, .timeout = 120)
{
	static const char *const f[] = {
		"scenarios/baseline.json", "scenarios/no-subsidy.json",
		"scenarios/per-request-settlement.json", "scenarios/stack-settlement.json",
		"scenarios/high-demand.json", "scenarios/low-adoption.json",
		"scenarios/full-sampling.json",
	};
	const char *sets[] = { "network.horizon_years=0.5" };
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
		sim_diag d;
		diag_init(&d);
		scn *s = scn_load(th_src(f[i]), sets, 1, &d);
		cr_assert_not_null(s, "%s: %s", f[i], d.n ? d.msg[0] : "");
		cr_assert_str_eq(scn_str(s, "model"), "network");
		struct net_params *p = calloc(1, sizeof *p);
		cr_assert_eq(net_parse(p, s, &d), SIM_OK, "%s: %s", f[i], d.n ? d.msg[0] : "");
		cr_assert_float_eq(p->start_year, 2024.0, 1e-12);
		rec *r = run(p, 1);
		cr_assert_eq(rec_nsamples(r), 183);
		rec_free(r);
		free(p);
		scn_free(s);
		diag_release(&d);
	}
}

Test(net, bad_parameters_are_rejected_with_clear_messages)
{
	sim_diag d;
	diag_init(&d);
	scn *s = scn_parse("{\"model\": \"network\", \"network\": {\"initial_nodes\": "
	                   "[{\"class\": \"h100_81\", \"nodes\": 3}]}}", "<t>", NULL, 0, &d);
	cr_assert_not_null(s, "%s", d.n ? d.msg[0] : "");
	struct net_params *p = calloc(1, sizeof *p);
	cr_assert_eq(net_parse(p, s, &d), SIM_EINVAL);
	int found = 0;
	for (int i = 0; i < d.n; i++)
		found |= strstr(d.msg[i], "<t>: $.network.initial_nodes[0].class: unknown hardware class "
		                          "\"h100_81\"") != NULL;
	cr_assert(found, "%s", d.n ? d.msg[0] : "");
	scn_free(s);
	diag_clear(&d);

	s = scn_parse("{\"model\": \"network\", \"network\": {\"horizon_years\": 0}}", "<t>",
	              NULL, 0, &d);
	cr_assert_null(s);
	cr_assert_gt(d.n, 0);
	cr_assert(strstr(d.msg[0], "$.network.horizon_years") != NULL, "%s", d.msg[0]);
	diag_clear(&d);

	cr_assert_eq(net_params_default(p, &d), SIM_OK);
	snprintf(p->start_date, sizeof p->start_date, "2024-13-01");
	p->sample_every = 0;
	cr_assert_eq(net_prepare(p, &d), SIM_EINVAL);
	cr_assert_geq(d.n, 2);
	cr_assert(strstr(d.msg[0], "$.network.start_date: expected a date YYYY-MM-DD, got \"2024-13-01\""));
	free(p);
	diag_release(&d);
}

/* A capacity table replaces the roofline pair by pair; bad rows are named. */
Test(net, capacity_table_overrides_the_roofline)
{
	char *dir = th_mkdtemp();
	char path[200];
	cr_assert_lt(snprintf(path, sizeof path, "%s/cap.csv", dir), (int)sizeof path);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("# source: test\nclass,model,tokens_per_s,input_tokens_per_s\n"
	      "h100_80,small,5000,1500\nh100_x8,large,1714,\n", f);
	fclose(f);
	struct net_params *p = params(30);
	double before = p->tps[hw_find(&p->hwt, "rtx4090")][0];
	snprintf(p->hw.capacity_csv, sizeof p->hw.capacity_csv, "%s", path);
	sim_diag d;
	diag_init(&d);
	cr_assert_eq(net_prepare(p, &d), SIM_OK, "%s", d.n ? d.msg[0] : "");
	cr_assert_eq(p->n_measured, 2);
	/* input + output tokens: the input column where given, else the request shape */
	cr_assert_eq(p->tps[hw_find(&p->hwt, "h100_80")][0], 6500.0);
	cr_assert_float_eq(p->tps[hw_find(&p->hwt, "h100_x8")][2], 1714.0 * (1 + 69.5 / 214.5), 1e-9);
	cr_assert_eq(p->tps[hw_find(&p->hwt, "rtx4090")][0], before);
	rec *r = run(p, 1);
	int found = 0;
	for (int i = 0; i < rec_nnotes(r); i++) {
		const char *k, *v;
		rec_note_get(r, i, &k, &v);
		found |= !strcmp(k, "throughput") && strstr(v, "for 2 of") != NULL;
	}
	cr_assert(found);
	rec_free(r);

	f = fopen(path, "w");
	fputs("# source: test\nclass,model,tokens_per_s\nh100_81,small,5000\nrtx4090,medium,10\n", f);
	fclose(f);
	cr_assert_eq(net_prepare(p, &d), SIM_EINVAL);
	cr_assert_eq(d.n, 2);
	cr_assert(strstr(d.msg[0], "cap.csv:3: unknown hardware class 'h100_81'"), "%s", d.msg[0]);
	cr_assert(strstr(d.msg[1], "cap.csv:4: tokens_per_s: expected a number >= 0 (0 when "
	                           "'medium' does not fit 'rtx4090'), got 10"), "%s", d.msg[1]);
	diag_release(&d);
	free(p);
	th_rmtree(dir);
	free(dir);
}

static double mean_of(const rec *r, const char *name, size_t from)
{
	const double *v = col(r, name);
	double s = 0;
	size_t n = rec_nsamples(r);
	for (size_t i = from; i < n; i++)
		s += v[i];
	return s / (double)(n - from);
}

/* The loops point the right way: without emission fewer operators join in the
 * first year; a dearer chain raises the settlement cost and the price, and
 * lowers the tokens the network serves. */
Test(net, feedback_loops_move_the_right_way, .timeout = 60)
{
	struct net_params *p = params(366);
	rec *base = run(p, 11);
	p->tok.emission = TOK_EMIT_NONE;
	rec *nosub = run(p, 11);
	cr_assert_lt(scalar(nosub, "nodes_year_1"), 0.5 * scalar(base, "nodes_year_1"));
	cr_assert_eq(mean_of(nosub, "operator_subsidy", 0), 0.0);
	cr_assert_gt(mean_of(base, "operator_subsidy", 0), 0.0);
	rec_free(nosub);

	struct net_params *q = params(366);
	int sui = chain_index(&q->chain, "sui");
	q->chain.chain[sui].base_fee_usd *= 100;
	q->chain.chain[sui].min_unit_price *= 100;
	q->chain.chain[sui].tx_fixed *= 100;
	sim_diag d;
	diag_init(&d);
	cr_assert_eq(net_prepare(q, &d), SIM_OK);
	rec *dear = run(q, 11);
	cr_assert_gt(mean_of(dear, "settlement_cost", 30), 10 * mean_of(base, "settlement_cost", 30));
	cr_assert_lt(mean_of(dear, "served_tokens", 30), mean_of(base, "served_tokens", 30));
	/* hardware classes announce themselves on their availability day */
	int h200 = 0;
	for (size_t i = 0; i < rec_nevents(dear); i++) {
		double t, v;
		const char *kind;
		long long id;
		rec_event_get(dear, i, &t, &kind, &id, &v);
		if (!strcmp(kind, "hardware_available") && id == hw_find(&q->hwt, "h200_x8"))
			h200 = t > 150 && t < 200;
	}
	cr_assert(h200);
	diag_release(&d);
	rec_free(dear);
	rec_free(base);
	free(p);
	free(q);
}
