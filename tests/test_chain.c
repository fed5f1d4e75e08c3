/* test_chain.c — settlement load per design, each chain's equilibrium fee,
 * its dated paths and its scarcity dates. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "models/chain.h"
#include "models/verify.h"

static chains *make(const struct chain_params *p)
{
	sim_diag d;
	diag_init(&d);
	chains *c = chain_alloc(p, &d);
	if (!c)
		diag_print(&d, stderr, "test: ");
	diag_release(&d);
	cr_assert_not_null(c);
	return c;
}

/* One chain, no growth, elasticity 1, fee floor 0. */
static void one_chain(struct chain_params *p, double cap_tps, double bg_tps)
{
	chain_params_default(p);
	p->n_chains = 1;
	struct chain_spec *s = &p->chain[0];
	s->capacity_tps = cap_tps;
	s->background_tps = bg_tps;
	s->capacity_growth = 0;
	s->background_growth = 0;
	s->fee_elasticity = 1;
	s->min_fee_usd = 0;
}

static void step(chains *c, int day, const double *ai, struct chain_day_out *o)
{
	chain_day(c, day);
	chain_step(c, ai, ai, o);
}

/* Sui's background figure is dated 2025-04-01 (day 90 of 2025): a chain whose
 * day 0 is that date sees exactly that figure, and one starting 2024-01-01 sees
 * it discounted by its growth over the 1.2466 years between. */
Test(chain, background_and_capacity_follow_their_dates)
{
	struct chain_params p;
	chain_params_default(&p);
	const double y_bg = 2025 + 90 / 365.0, y_cap = 2023 + 195 / 365.0;  /* 07-15: day 195 */
	double ai[CHAIN_MAX] = { 0 };
	struct chain_day_out o[CHAIN_MAX];
	for (int i = 0; i < 2; i++) {
		p.start_year = i ? 2024.0 : y_bg;
		chains *c = make(&p);
		step(c, 0, ai, o);
		double b = 172.4 * 86400 * pow(1.3, p.start_year - y_bg);
		double cap = 854 * 86400 * pow(1.2, p.start_year - y_cap);
		cr_assert_float_eq(o[0].background_ref, b, 1e-9 * b);
		cr_assert_float_eq(o[0].capacity, cap, 1e-9 * cap);
		if (i == 0)
			cr_assert_float_eq(o[0].background_ref, 172.4 * 86400, 1e-6);
		chain_free(c);
	}
}

/* No AI: each chain's fee solves B(f) = u* C in closed form, or sits on its floor. */
Test(chain, zero_ai_traffic_prices_the_background_to_its_target)
{
	struct chain_params p;
	chain_params_default(&p);
	chains *c = make(&p);
	double ai[CHAIN_MAX] = { 0 };
	struct chain_day_out o[CHAIN_MAX];
	for (int day = 0; day < 3653; day += 7) {
		step(c, day, ai, o);
		for (int k = 0; k < p.n_chains; k++) {
			const struct chain_spec *s = &p.chain[k];
			double C = o[k].capacity, T = s->target_utilisation * C;
			double b0 = o[k].background_ref * pow(chain_fee_ref(s) / s->base_fee_usd, s->fee_elasticity);
			double f = s->base_fee_usd * pow(b0 / T, 1 / s->fee_elasticity);
			if (f < s->min_fee_usd)
				f = s->min_fee_usd;
			cr_assert_float_eq(o[k].fee_usd, f, 1e-9 * f, "chain %d day %d", k, day);
			cr_assert(o[k].utilisation <= s->target_utilisation * (1 + 1e-9));
			if (f > s->min_fee_usd)
				cr_assert_float_eq(o[k].utilisation, s->target_utilisation, 1e-9);
			cr_assert_eq(o[k].ai_tx, 0.0);
		}
	}
	chain_free(c);
}

Test(chain, utilisation_stays_at_or_below_target_and_the_fee_at_or_above_its_floor)
{
	struct chain_params p;
	chain_params_default(&p);
	chains *c = make(&p);
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 3);
	double ai[CHAIN_MAX];
	struct chain_day_out o[CHAIN_MAX];
	for (int day = 0; day < 2000; day++) {
		chain_day(c, day);
		for (int k = 0; k < p.n_chains; k++) {
			double u = gsl_rng_uniform(r);
			ai[k] = u < 0.3 ? 0 : u * u * 3e8;    /* zero, small and over-target days */
		}
		chain_step(c, ai, ai, o);
		for (int k = 0; k < p.n_chains; k++) {
			const struct chain_spec *s = &p.chain[k];
			cr_assert(o[k].utilisation >= 0 && o[k].utilisation <= 1);
			cr_assert(o[k].served <= o[k].capacity * (1 + 1e-12));
			cr_assert(o[k].fee_usd >= s->min_fee_usd && o[k].delay_s >= 0);
			cr_assert(o[k].displaced >= 0 && o[k].displaced <= 1);
			if (ai[k] < o[k].target)          /* the fee clears the target */
				cr_assert(o[k].load <= s->target_utilisation * (1 + 1e-9));
			else                              /* no fee can: the background is priced off */
				cr_assert(isinf(o[k].fee_usd) && o[k].background_tx == 0 && o[k].displaced == 1);
		}
	}
	gsl_rng_free(r);
	chain_free(c);
}

/* Capacity 100 tx/s, background 80 at the base fee, elasticity 1, target 0.5:
 * B(f) = 80 base/f = 50 - AI  =>  f = base 80 / (50 - AI), AI in tx/s. */
Test(chain, equilibrium_fee_in_closed_form)
{
	struct chain_params p;
	one_chain(&p, 100, 80);
	chains *c = make(&p);
	const double base = p.chain[0].base_fee_usd;
	struct chain_day_out o[1];
	const double ai_tps[] = { 0, 10, 20, 40, 49.5 };
	for (int i = 0; i < 5; i++) {
		double ai[1] = { ai_tps[i] * 86400 };
		step(c, i, ai, o);
		double f = base * 80 / (50 - ai_tps[i]);
		cr_assert_float_eq(o[0].fee_usd, f, 1e-12 * f, "AI %g tx/s", ai_tps[i]);
		cr_assert_float_eq(chain_fee_eq(c, 0, ai[0]), f, 1e-12 * f);
		cr_assert_float_eq(o[0].utilisation, 0.5, 1e-12);
		cr_assert_float_eq(o[0].fee_multiple, f / base, 1e-12);     /* no floor: f_ref = base */
		cr_assert_float_eq(o[0].displaced, 1 - (50 - ai_tps[i]) / 80, 1e-12);
		cr_assert_float_eq(o[0].ai_target_share, ai_tps[i] / 50, 1e-12);
	}
	/* AI alone at the target: no fee clears it */
	chain_day(c, 5);
	cr_assert(isinf(chain_fee_eq(c, 0, 50 * 86400.0)));
	/* with a floor above the equilibrium, the floor holds and the chain runs below target */
	p.chain[0].min_fee_usd = p.chain[0].base_fee_usd = base;
	p.chain[0].background_tps = 30;
	chain_free(c);
	c = make(&p);
	double ai[1] = { 0 };
	step(c, 0, ai, o);
	cr_assert_eq(o[0].fee_usd, base);
	cr_assert_float_eq(o[0].utilisation, 0.3, 1e-12);
	cr_assert(isnan(chain_target_day(c, 0)));
	chain_free(c);
}

/* Background growing faster than capacity, no AI: the first day Bref > u* C is
 * day = ceil-ish of 365.25 ln(u* C0 / B0) / ln((1 + g_B) / (1 + g_C)). */
Test(chain, background_only_target_day_in_closed_form)
{
	struct chain_params p;
	chain_params_default(&p);                /* Sui: floor = base, so Bref = background */
	p.n_chains = 1;
	p.start_year = 2024.0;
	chains *c = make(&p);
	double ai[1] = { 0 };
	struct chain_day_out o[1], first;
	for (int day = 0; day < 40 * 365; day++) {
		step(c, day, ai, o);
		if (day == 0)
			first = o[0];
	}
	const struct chain_spec *s = &p.chain[0];
	double t = 365.25 * log(s->target_utilisation * first.capacity / first.background_ref) /
	           log((1 + s->background_growth) / (1 + s->capacity_growth));
	double got = chain_background_target_day(c, 0);
	cr_assert(!isnan(got));
	cr_assert(got >= t && got < t + 1, "closed form %g, run %g", t, got);
	cr_assert_eq(chain_target_day(c, 0), got);     /* no AI: the two coincide */
	chain_free(c);
}

/* Reference domain.md §3.3: 284-token requests; v1 settles each request with
 * 1 + n transactions, v2 settles a 10^6-token stack with ~3.01.  That is
 * 8.6e-4 tx per request for stacks, ~10^3 times fewer. */
Test(chain, per_request_and_stack_settlement_differ_by_three_orders)
{
	struct ver_params vp;
	ver_params_default(&vp);              /* cross-validation, p = 1%, N = 1 */
	double commit = ver_commit_tx(&vp, vp.p_replicate);
	struct chain_params p;
	chain_params_default(&p);
	p.settle.design = CHAIN_STACK;
	double stack = chain_tx_per_token(&p.settle, commit);
	cr_assert_float_eq(stack * 284, 8.55e-4, 1e-5);        /* 3.01 x 284 / 1e6 */
	p.settle.design = CHAIN_PER_REQUEST;
	double per_req = chain_tx_per_token(&p.settle, commit);
	cr_assert_float_eq(per_req * 284, 2.01, 1e-12);        /* 1 prompt + 1.01 commits */
	double ratio = per_req / stack;
	cr_assert(ratio >= 1e3 && ratio < 1e4, "ratio %g", ratio);
	cr_assert_float_eq(ratio, 2.01 / 284 / (3.01e-6), 1e-9 * ratio);

	/* Seen on the chain: the same 10^12 tokens/day on Sui (capacity 854 tx/s). */
	double served = 1e12, ai[CHAIN_MAX], load[2];
	for (int d = 0; d < 2; d++) {
		p.settle.design = d ? CHAIN_STACK : CHAIN_PER_REQUEST;
		chains *c = make(&p);
		chain_route(&p, served * chain_tx_per_token(&p.settle, commit), ai);
		struct chain_day_out o[CHAIN_MAX];
		step(c, 0, ai, o);
		load[d] = o[0].ai_tx / o[0].capacity;
		if (d == 0)
			cr_assert(o[0].latent_load >= 1 && chain_latent_exhaustion_day(c, 0) == 0);
		else
			cr_assert(isnan(chain_latent_exhaustion_day(c, 0)));
		chain_free(c);
	}
	cr_assert_float_eq(load[0] / load[1], ratio, 1e-9 * ratio);
}

/* A linear ramp of offered AI tx on a chain with a small background b:
 * ai(t) = a t with a = (C - b) / 1000.5 gives a latent load below 1 on day
 * 1000 and above on 1001, and with AI served up to the target the fee leaves
 * its reference on the first day a t + b > C/2 (t > 495.2, so day 496).  The
 * fee rations the chain at its target, so it is never exhausted. */
Test(chain, latent_exhaustion_day_exact_for_a_linear_ramp)
{
	struct chain_params p;
	one_chain(&p, 850, 8.5);
	p.settle.routing[0].share = 1;
	snprintf(p.chain[0].name, CHAIN_NAME_MAX, "sui");
	chains *c = make(&p);
	const double cap = 850 * 86400.0, b = 8.5 * 86400.0, a = (cap - b) / 1000.5;
	struct chain_day_out o[1];
	for (int day = 0; day < 1200; day++) {
		double ai[1] = { a * day };
		chain_day(c, day);
		double at_target[1] = { ai[0] < 0.5 * cap ? ai[0] : 0.5 * cap * (1 - 1e-6) };
		chain_step(c, at_target, ai, o);
		if (day < 496)
			cr_assert(isnan(chain_target_day(c, 0)));
		if (day < 1001)
			cr_assert(isnan(chain_latent_exhaustion_day(c, 0)), "day %d", day);
	}
	cr_assert_eq(chain_target_day(c, 0), floor((0.5 * cap - b) / a) + 1);
	cr_assert_eq(chain_target_day(c, 0), 496.0);
	cr_assert_eq(chain_latent_exhaustion_day(c, 0), 1001.0);
	cr_assert(isnan(chain_exhaustion_day(c, 0)));
	chain_free(c);
	/* With growing capacity, no crossing: NAN stays. */
	p.chain[0].capacity_growth = 1.0;
	p.chain[0].background_tps = 0;
	c = make(&p);
	for (int day = 0; day < 1200; day++) {
		double ai[1] = { a * day * 0.1 };
		step(c, day, ai, o);
	}
	cr_assert(isnan(chain_latent_exhaustion_day(c, 0)));
	chain_free(c);
}

Test(chain, settlement_cost_per_million_tokens)
{
	struct chain_params p;
	chain_params_default(&p);
	double fee[CHAIN_MAX];
	chain_floor_fees(&p, fee);
	/* Stack: 3.01 tx per 10^6 tokens at Sui's $0.005 per tx. */
	cr_assert_float_eq(chain_cost_per_mtok(&p, 1.01, fee), 3.01 * 0.005, 1e-12);
	p.settle.design = CHAIN_PER_REQUEST;
	cr_assert_float_eq(chain_cost_per_mtok(&p, 1.01, fee), 2.01 / 284 * 1e6 * 0.005, 1e-9);
	/* a chain that receives nothing does not count, even at an infinite fee */
	fee[chain_index(&p, "bitcoin")] = INFINITY;
	cr_assert(isfinite(chain_cost_per_mtok(&p, 1.01, fee)));
}

Test(chain, routing_splits_by_share)
{
	struct chain_params p;
	chain_params_default(&p);
	p.settle.n_routes = 2;
	p.settle.routing[0].share = 0.75;
	snprintf(p.settle.routing[1].chain, CHAIN_NAME_MAX, "solana");
	p.settle.routing[1].share = 0.25;
	double out[CHAIN_MAX];
	chain_route(&p, 1000, out);
	cr_assert_float_eq(out[0], 750, 1e-12);
	cr_assert_float_eq(out[chain_index(&p, "solana")], 250, 1e-12);
	cr_assert_eq(out[chain_index(&p, "bitcoin")], 0);
}

Test(chain, bad_parameters_are_rejected_with_their_json_path)
{
	struct chain_params p;
	chain_params_default(&p);
	p.chain[1].capacity_tps = 0;
	p.chain[2].target_utilisation = 1.0;
	snprintf(p.settle.routing[0].chain, CHAIN_NAME_MAX, "suii");
	sim_diag d;
	diag_init(&d);
	cr_assert_eq(chain_check(&p, "s.json", &d), SIM_EINVAL);
	cr_assert_eq(d.n, 3);
	cr_assert_str_eq(d.msg[0], "s.json: $.chains[1].capacity_tps: must be > 0, got 0");
	cr_assert_str_eq(d.msg[1], "s.json: $.chains[2].target_utilisation: must be in (0, 1), got 1");
	cr_assert_str_eq(d.msg[2], "s.json: $.settlement.routing[0].chain: unknown chain 'suii' "
	                 "(chains: sui, ethereum_l1, solana, base, bitcoin, aptos)");
	cr_assert_null(chain_alloc(&p, &d));
	diag_release(&d);
	chain_params_default(&p);
	p.settle.routing[0].share = 0.5;
	diag_init(&d);
	cr_assert_eq(chain_check(&p, "s.json", &d), SIM_EINVAL);
	cr_assert_str_eq(d.msg[0], "s.json: $.settlement.routing: shares must sum to 1, got 0.5");
	diag_release(&d);
	/* cost routing ignores the shares but not a chain named twice or a negative friction */
	chain_params_default(&p);
	p.settle.routing_mode = CHAIN_ROUTE_COST;
	p.settle.n_routes = 2;
	p.settle.routing[0].share = 0;
	p.settle.routing[1] = p.settle.routing[0];
	p.settle.routing[1].friction_usd = -1;
	diag_init(&d);
	cr_assert_eq(chain_check(&p, "s.json", &d), SIM_EINVAL);
	cr_assert_eq(d.n, 2);
	cr_assert_str_eq(d.msg[0], "s.json: $.settlement.routing[1].friction_usd: must be >= 0, got -1");
	cr_assert_str_eq(d.msg[1], "s.json: $.settlement.routing[1].chain: 'sui' is already in the routing set");
	diag_release(&d);
}

#include "sim/scn.h"

Test(chain, scenario_defaults_equal_the_code_defaults)
{
	sim_diag d;
	diag_init(&d);
	scn *s = scn_parse("{\"model\": \"network\"}", "t.json", NULL, 0, &d);
	cr_assert_not_null(s);
	struct chain_params a, b;
	cr_assert_eq(chain_parse(&a, s, &d), SIM_OK);
	chain_params_default(&b);
	cr_assert_eq(a.n_chains, b.n_chains);
	cr_assert(memcmp(&a.settle, &b.settle, sizeof a.settle) == 0);
	for (int k = 0; k < a.n_chains; k++)
		cr_assert(memcmp(&a.chain[k], &b.chain[k], sizeof a.chain[k]) == 0, "chain %d", k);
	scn_free(s);
	diag_release(&d);
}

Test(chain, scenario_routing_to_an_unknown_chain_is_reported)
{
	sim_diag d;
	diag_init(&d);
	const char *sets[] = { "settlement.routing=[{\"chain\": \"near\", \"share\": 1}]",
	                       "chains[sui].capacity_tps=900" };
	scn *s = scn_parse("{\"model\": \"network\"}", "t.json", sets, 2, &d);
	cr_assert_not_null(s);
	struct chain_params p;
	cr_assert_eq(chain_parse(&p, s, &d), SIM_EINVAL);
	cr_assert_float_eq(p.chain[0].capacity_tps, 900, 0);
	cr_assert_eq(d.n, 1);
	cr_assert_str_eq(d.msg[0], "t.json: $.settlement.routing[0].chain: unknown chain 'near' "
	                 "(chains: sui, ethereum_l1, solana, base, bitcoin, aptos)");
	scn_free(s);
	diag_release(&d);
}

Test(chain, settlement_delay_rises_with_congestion)
{
	struct chain_params p;
	one_chain(&p, 100, 0);
	p.chain[0].finality_s = 1.0;
	const double cap = 100 * 86400.0;
	double prev = 0;
	for (int i = 0; i <= 10; i++) {
		chains *c = make(&p);
		double ai[1] = { 0.099 * i * cap };   /* u = 0 .. 0.99 */
		struct chain_day_out o[1];
		step(c, 0, ai, o);
		cr_assert_float_eq(o[0].delay_s, 1.0 / (1.0 - o[0].utilisation), 1e-9);
		cr_assert(o[0].delay_s >= prev);
		prev = o[0].delay_s;
		chain_free(c);
	}
	cr_assert(prev > 50);                       /* 1/(1 - 0.99) = 100 s */
}

/* ------------------------------------------------------------ cost routing */

/* Two chains without floors, elasticity 1, base fee 1: chain k takes
 * u* C_k - b_k / lambda at marginal cost lambda, so the set takes T when
 * lambda = (b_1 + b_2) / (u* C_1 + u* C_2 - T), and chain k takes
 * u* C_k - b_k / lambda. */
Test(chain, cost_routing_equalises_marginal_cost_in_closed_form)
{
	struct chain_params p;
	one_chain(&p, 100, 20);                 /* target 50 tx/s, background 20 at fee 1 */
	p.chain[0].base_fee_usd = 1;
	p.chain[1] = p.chain[0];
	snprintf(p.chain[1].name, CHAIN_NAME_MAX, "other");
	p.chain[1].capacity_tps = 300;          /* target 150 */
	p.chain[1].background_tps = 60;
	p.n_chains = 2;
	p.settle.routing_mode = CHAIN_ROUTE_COST;
	p.settle.n_routes = 2;
	snprintf(p.settle.routing[1].chain, CHAIN_NAME_MAX, "other");
	chains *c = make(&p);
	chain_day(c, 0);
	const double D = 86400;
	const double T[] = { 10, 60, 150, 199 };
	for (int i = 0; i < 4; i++) {
		double ai[CHAIN_MAX], fee[CHAIN_MAX];
		double lambda = chain_route_cost(c, T[i] * D, ai, fee);
		double want = (20 + 60) / (50 + 150 - T[i]);
		cr_assert_float_eq(lambda, want, 1e-9 * want, "T %g", T[i]);
		cr_assert_float_eq(ai[0], (50 - 20 / want) * D, 1e-6 * D);
		cr_assert_float_eq(ai[1], (150 - 60 / want) * D, 1e-6 * D);
		cr_assert_float_eq(ai[0] + ai[1], T[i] * D, 1e-9 * T[i] * D);   /* conserved */
		cr_assert_float_eq(fee[0], want, 1e-9 * want);                  /* one marginal cost */
		cr_assert_float_eq(fee[1], want, 1e-9 * want);
	}
	/* the set's targets cannot hold 200 tx/s and more */
	double ai[CHAIN_MAX], fee[CHAIN_MAX];
	cr_assert(isinf(chain_route_cost(c, 200 * D, ai, fee)));
	chain_free(c);
}

/* Floors: a chain whose floor is cheaper fills to its room before a dearer
 * one takes anything; a chain outside the set takes nothing. */
Test(chain, cost_routing_fills_the_cheaper_floor_first_and_skips_chains_outside_the_set)
{
	struct chain_params p;
	chain_params_default(&p);
	p.settle.routing_mode = CHAIN_ROUTE_COST;
	p.settle.n_routes = 2;
	snprintf(p.settle.routing[0].chain, CHAIN_NAME_MAX, "sui");       /* floor 0.005 */
	snprintf(p.settle.routing[1].chain, CHAIN_NAME_MAX, "solana");    /* floor 0.00075 */
	chains *c = make(&p);
	int sui = chain_index(&p, "sui"), sol = chain_index(&p, "solana");
	chain_day(c, 0);
	double ai[CHAIN_MAX], fee[CHAIN_MAX];
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 5);
	for (int i = 0; i < 500; i++) {
		double tx = gsl_rng_uniform(r) * 1.2e8;
		double lambda = chain_route_cost(c, tx, ai, fee);
		if (!isfinite(lambda))
			continue;
		double sum = 0;
		for (int k = 0; k < p.n_chains; k++) {
			sum += ai[k];
			if (k != sui && k != sol)
				cr_assert_eq(ai[k], 0.0, "chain %d outside the set took %g", k, ai[k]);
		}
		cr_assert_float_eq(sum, tx, 1e-9 * tx + 1e-9);
		if (ai[sui] > 0)                /* Sui is used only at or above its floor cost ... */
			cr_assert_geq(lambda, 0.005 * (1 - 1e-9));
		if (ai[sui] > 1e-6 * tx)        /* ... and then Solana is priced at least as high */
			cr_assert_geq(fee[sol], 0.005 * (1 - 1e-9));
	}
	/* little traffic: all of it on the cheaper floor */
	(void)chain_route_cost(c, 1000, ai, fee);
	cr_assert_float_eq(ai[sol], 1000, 1e-9);
	cr_assert_eq(ai[sui], 0.0);
	/* more of it never takes less from either chain */
	double a1[CHAIN_MAX], a2[CHAIN_MAX];
	(void)chain_route_cost(c, 4e7, a1, fee);
	(void)chain_route_cost(c, 8e7, a2, fee);
	cr_assert_geq(a2[sui], a1[sui]);
	cr_assert_geq(a2[sol], a1[sol]);
	gsl_rng_free(r);
	chain_free(c);
}

/* A shared-object limit: no fee admits more AI tx than it, and cost routing
 * sends the rest elsewhere. */
Test(chain, a_shared_object_limit_caps_the_ai_tx_a_chain_admits)
{
	struct chain_params p;
	chain_params_default(&p);
	int sui = chain_index(&p, "sui"), sol = chain_index(&p, "solana");
	p.chain[sui].object_limit_tps = 10;
	chains *c = make(&p);
	chain_day(c, 0);
	cr_assert(isfinite(chain_fee_eq(c, sui, 10 * 86400.0)));
	cr_assert(isinf(chain_fee_eq(c, sui, 10 * 86400.0 + 1)));
	chain_free(c);
	p.settle.routing_mode = CHAIN_ROUTE_COST;
	p.settle.n_routes = 2;
	snprintf(p.settle.routing[1].chain, CHAIN_NAME_MAX, "solana");
	c = make(&p);
	chain_day(c, 0);
	double ai[CHAIN_MAX], fee[CHAIN_MAX];
	double lambda = chain_route_cost(c, 5e7, ai, fee);   /* ~580 tx/s */
	cr_assert(isfinite(lambda));
	cr_assert_leq(ai[sui], 10 * 86400.0 * (1 + 1e-12));
	cr_assert_float_eq(ai[sui] + ai[sol], 5e7, 1e-9 * 5e7);
	cr_assert(isfinite(fee[sui]));
	chain_free(c);
}
