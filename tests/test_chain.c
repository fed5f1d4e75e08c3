/* test_chain.c — settlement load per design, each chain's equilibrium fee,
 * its dated paths and its scarcity dates. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "models/blockrule.h"
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

/* The defaults with their token price tables loaded. */
static void defaults(struct chain_params *p)
{
	sim_diag d;
	diag_init(&d);
	chain_params_default(p);
	cr_assert_eq(chain_load_prices(p, "test", &d), SIM_OK);
	diag_release(&d);
}

/* Chain k priced in a token worth usd, with fees in USD per tx of one unit:
 * a floor of floor_usd per tx. */
static void priced(struct chain_spec *s, double usd, double floor_usd)
{
	s->price_path = CHAIN_PRICE_CONSTANT;
	s->token_usd = usd;
	s->bg_tx_units = s->settle_tx_units = 1;
	s->tx_fixed = 0;
	s->min_unit_price = floor_usd / usd;
}

/* One EIP-1559 chain, no growth, elasticity 1, fee floor 0, token at $1. */
static void one_chain(struct chain_params *p, double cap_tps, double bg_tps)
{
	defaults(p);
	p->n_chains = 1;
	struct chain_spec *s = &p->chain[0];
	s->mechanism = CHAIN_EIP1559;
	s->target_utilisation = 0.5;
	s->capacity_tps = cap_tps;
	s->background_tps = bg_tps;
	s->capacity_growth = 0;
	s->background_growth = 0;
	s->fee_elasticity = 1;
	s->object_budget = s->object_random_budget = 0;
	priced(s, 1, 0);
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
	defaults(&p);
	const double y_bg = 2025 + 90 / 365.0, y_cap = 2023 + 195 / 365.0;  /* 07-15: day 195 */
	double ai[CHAIN_MAX] = { 0 };
	struct chain_day_out o[CHAIN_MAX];
	priced(&p.chain[0], 1, p.chain[0].base_fee_usd);   /* floor = base: Bref = background */
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
	defaults(&p);
	chains *c = make(&p);
	double ai[CHAIN_MAX] = { 0 };
	struct chain_day_out o[CHAIN_MAX];
	for (int day = 0; day < 3653; day += 7) {
		step(c, day, ai, o);
		for (int k = 0; k < p.n_chains; k++) {
			const struct chain_spec *s = &p.chain[k];
			double C = o[k].capacity, T = s->target_utilisation * C;
			/* the floor in USD: the token floor at today's price */
			double fmin = (s->tx_fixed + s->bg_tx_units * s->min_unit_price) * o[k].token_usd;
			double fref = fmin > 0 ? fmin : s->base_fee_usd;
			cr_assert_float_eq(chain_fee_ref(c, k), fref, 1e-12 * fref);
			double b0 = o[k].background_ref * pow(fref / s->base_fee_usd, s->fee_elasticity);
			double f = s->base_fee_usd * pow(b0 / T, 1 / s->fee_elasticity);
			if (f < fmin)
				f = fmin;
			cr_assert_float_eq(o[k].bg_fee_usd, f, 1e-9 * f, "chain %d day %d", k, day);
			/* an AI tx pays for its own units at the same unit price: the
			 * size of a mean tx, or on the blob chain Base's 200 bytes */
			double r_ai = s->settle_tx_units;
			for (int j = 0; j < p.n_chains; j++)
				if (!strcmp(p.chain[j].data_chain, s->name))
					r_ai = p.chain[j].data_bytes;
			double pu = (f / o[k].token_usd - s->tx_fixed) / s->bg_tx_units;
			pu = pu > s->min_unit_price ? pu : s->min_unit_price;
			double fa = (s->tx_fixed + r_ai * pu) * o[k].token_usd;
			cr_assert_float_eq(o[k].fee_usd, fa, 1e-9 * fa, "chain %d day %d", k, day);
			cr_assert(o[k].utilisation <= s->target_utilisation * (1 + 1e-9));
			if (f > fmin)
				cr_assert_float_eq(o[k].utilisation, s->target_utilisation, 1e-9);
			cr_assert_eq(o[k].ai_tx, 0.0);
		}
	}
	chain_free(c);
}

Test(chain, utilisation_stays_at_or_below_target_and_the_fee_at_or_above_its_floor)
{
	struct chain_params p;
	defaults(&p);
	chains *c = make(&p);
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 3);
	double ai[CHAIN_MAX], fl[CHAIN_MAX];
	struct chain_day_out o[CHAIN_MAX];
	for (int day = 0; day < 2000; day++) {
		chain_day(c, day);
		chain_floor_fees(c, fl);
		for (int k = 0; k < p.n_chains; k++) {
			double u = gsl_rng_uniform(r);
			ai[k] = u < 0.3 ? 0 : u * u * 3e8;    /* zero, small and over-target days */
		}
		chain_step(c, ai, ai, o);
		for (int k = 0; k < p.n_chains; k++) {
			const struct chain_spec *s = &p.chain[k];
			cr_assert(o[k].utilisation >= 0 && o[k].utilisation <= 1);
			cr_assert(o[k].served <= o[k].capacity * (1 + 1e-12));
			cr_assert(o[k].fee_usd >= fl[k] * (1 - 1e-12) && o[k].delay_s >= 0);
			cr_assert(o[k].displaced >= 0 && o[k].displaced <= 1);
			if (o[k].ai_equiv < o[k].target)  /* the fee clears the target */
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
	p.chain[0].min_unit_price = p.chain[0].base_fee_usd = base;   /* $1 a token, 1 unit a tx */
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
	defaults(&p);
	p.n_chains = 1;
	priced(&p.chain[0], 1, p.chain[0].base_fee_usd);   /* floor = base: Bref = background */
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
	defaults(&p);
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
	defaults(&p);
	int sui = chain_index(&p, "sui");
	p.chain[sui].price_path = CHAIN_PRICE_CONSTANT;
	p.chain[sui].token_usd = 2;
	chains *c = make(&p);
	chain_day(c, 0);
	double fee[CHAIN_MAX];
	chain_floor_fees(c, fee);
	/* Sui at its floor: 1,000 computation units at 750 MIST plus 9,880 MIST of
	 * storage = 759,880 MIST = 7.5988e-4 SUI, at $2 a SUI */
	const double f = 7.5988e-4 * 2;
	cr_assert_float_eq(fee[sui], f, 1e-15);
	/* Stack: acquire 1 + claim 1 + settle 1 + 0.01 attestations per 10^6 tokens */
	cr_assert_float_eq(chain_cost_per_mtok(&p, 1.01, fee), 3.01 * f, 1e-12);
	p.settle.claims_per_tx = 100;          /* a claim per 100 stacks: 2.02 tx */
	cr_assert_float_eq(chain_cost_per_mtok(&p, 1.01, fee), 2.02 * f, 1e-12);
	p.settle.claims_per_tx = 1;
	p.settle.design = CHAIN_PER_REQUEST;
	cr_assert_float_eq(chain_cost_per_mtok(&p, 1.01, fee), 2.01 / 284 * 1e6 * f, 1e-9);
	chain_free(c);
	/* a chain that receives nothing does not count, even at an infinite fee */
	fee[chain_index(&p, "bitcoin")] = INFINITY;
	cr_assert(isfinite(chain_cost_per_mtok(&p, 1.01, fee)));
}

Test(chain, routing_splits_by_share)
{
	struct chain_params p;
	defaults(&p);
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
	defaults(&p);
	p.chain[1].capacity_tps = 0;
	p.chain[2].target_utilisation = 1.5;
	snprintf(p.settle.routing[0].chain, CHAIN_NAME_MAX, "suii");
	sim_diag d;
	diag_init(&d);
	cr_assert_eq(chain_check(&p, "s.json", &d), SIM_EINVAL);
	cr_assert_eq(d.n, 3);
	cr_assert_str_eq(d.msg[0], "s.json: $.chains[1].capacity_tps: must be > 0, got 0");
	cr_assert_str_eq(d.msg[1], "s.json: $.chains[2].target_utilisation: must be in (0, 1], got 1.5");
	cr_assert_str_eq(d.msg[2], "s.json: $.settlement.routing[0].chain: unknown chain 'suii' "
	                 "(chains: sui, ethereum_l1, solana, base, bitcoin, aptos, "
	                 "ethereum_blobs)");
	cr_assert_null(chain_alloc(&p, &d));
	diag_release(&d);
	defaults(&p);
	p.settle.routing[0].share = 0.5;
	diag_init(&d);
	cr_assert_eq(chain_check(&p, "s.json", &d), SIM_EINVAL);
	cr_assert_str_eq(d.msg[0], "s.json: $.settlement.routing: shares must sum to 1, got 0.5");
	diag_release(&d);
	/* cost routing ignores the shares but not a chain named twice or a negative friction */
	defaults(&p);
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
	defaults(&b);
	cr_assert_eq(a.n_chains, b.n_chains);
	cr_assert(memcmp(&a.settle, &b.settle, sizeof a.settle) == 0);
	for (int k = 0; k < a.n_chains; k++) {
		const unsigned char *x = (const void *)&a.chain[k], *y = (const void *)&b.chain[k];
		size_t at = 0;
		while (at < sizeof a.chain[k] && x[at] == y[at])
			at++;
		cr_assert_eq(at, sizeof a.chain[k], "chain %d differs at byte %zu", k, at);
	}
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
	                 "(chains: sui, ethereum_l1, solana, base, bitcoin, aptos, "
	                 "ethereum_blobs)");
	scn_free(s);
	diag_release(&d);
}

/* A tx that pays the day's fee is in the next block: the delay is the
 * chain's finality at any load. */
Test(chain, settlement_delay_is_finality_at_any_load)
{
	struct chain_params p;
	one_chain(&p, 100, 0);
	p.chain[0].finality_s = 1.5;
	const double cap = 100 * 86400.0;
	for (int i = 0; i <= 10; i++) {
		chains *c = make(&p);
		double ai[1] = { 0.049 * i * cap };   /* u = 0 .. 0.49 */
		struct chain_day_out o[1];
		step(c, 0, ai, o);
		cr_assert_eq(o[0].delay_s, 1.5);
		chain_free(c);
	}
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
	defaults(&p);
	p.settle.routing_mode = CHAIN_ROUTE_COST;
	p.settle.n_routes = 2;
	snprintf(p.settle.routing[0].chain, CHAIN_NAME_MAX, "sui");
	snprintf(p.settle.routing[1].chain, CHAIN_NAME_MAX, "solana");
	int sui = chain_index(&p, "sui"), sol = chain_index(&p, "solana");
	p.chain[sui].price_path = p.chain[sol].price_path = CHAIN_PRICE_CONSTANT;
	p.chain[sui].token_usd = 1;            /* floor 7.5988e-4 USD */
	p.chain[sol].token_usd = 100;          /* floor 5,000 lamports = 5e-4 USD */
	chains *c = make(&p);
	chain_day(c, 0);
	double fl[CHAIN_MAX];
	chain_floor_fees(c, fl);
	cr_assert_float_eq(fl[sui], 7.5988e-4, 1e-15);
	cr_assert_float_eq(fl[sol], 5e-4, 1e-15);
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
			cr_assert_geq(lambda, fl[sui] * (1 - 1e-9));
		if (ai[sui] > 1e-6 * tx)        /* ... and then Solana is priced at least as high */
			cr_assert_geq(fee[sol], fl[sui] * (1 - 1e-9));
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
 * sends the rest elsewhere.  Sui's defaults: 500,000 us/s for the object,
 * 100,000 us/s for randomness, 1 ms a call; a stack settles with 3.01 tx of
 * which 2 use randomness, so the randomness budget binds first:
 * 100,000 / (1,000 x 2/3.01) = 150.5 AI tx/s (the rest would allow
 * 500,000 / (1,000 x 1.01/3.01) = 1,490). */
Test(chain, a_shared_object_limit_caps_the_ai_tx_a_chain_admits)
{
	struct chain_params p;
	defaults(&p);
	int sui = chain_index(&p, "sui"), sol = chain_index(&p, "solana");
	p.settle.object_tx_share = 1;          /* every call writes AtomaDb */
	const double lim = 150.5 * 86400.0;
	cr_assert_float_eq(chain_object_tps(&p, sui, 1.01), 150.5, 1e-9);
	cr_assert(isinf(chain_object_tps(&p, chain_index(&p, "aptos"), 1.01)));
	chains *c = make(&p);
	chain_set_commit_tx(c, 1.01);
	chain_day(c, 0);
	cr_assert(isfinite(chain_fee_eq(c, sui, lim * (1 - 1e-12))));
	cr_assert(isinf(chain_fee_eq(c, sui, lim * (1 + 1e-12))));
	chain_free(c);
	/* half the tx on the object, all of them random calls: 100,000 / (1,000 x 0.5) */
	p.settle.object_tx_share = 0.5;
	cr_assert_float_eq(chain_object_tps(&p, sui, 1.01), 200, 1e-9);
	p.settle.object_tx_share = 1;
	p.settle.routing_mode = CHAIN_ROUTE_COST;
	p.settle.n_routes = 2;
	snprintf(p.settle.routing[1].chain, CHAIN_NAME_MAX, "solana");
	c = make(&p);
	chain_set_commit_tx(c, 1.01);
	chain_day(c, 0);
	double ai[CHAIN_MAX], fee[CHAIN_MAX];
	/* Solana's writable account admits 30M CU/s / 80k CU = 375 tx/s */
	cr_assert_float_eq(chain_object_tps(&p, sol, 1.01), 375, 1e-9);
	double lambda = chain_route_cost(c, 4e7, ai, fee);   /* ~463 tx/s */
	cr_assert(isfinite(lambda));
	cr_assert_leq(ai[sui], lim * (1 + 1e-12));
	cr_assert_leq(ai[sol], 375 * 86400.0 * (1 + 1e-12));
	cr_assert_float_eq(ai[sui] + ai[sol], 4e7, 1e-9 * 4e7);
	cr_assert(isfinite(fee[sui]));
	/* beyond both limits (525 tx/s) no fee places the traffic */
	cr_assert(isinf(chain_route_cost(c, 530 * 86400.0, ai, fee)));
	chain_free(c);
}

/* ------------------------------------------------------------ the families */

/* EIP-1559 by hand: base fee 100 and a gas target of 15M.  A full block (30M)
 * raises it by 1/8 to 112.5, an empty one lowers it to 87.5, one at the target
 * keeps it, and 22.5M (1.5 x target) raises it by 1/16 to 106.25. */
Test(chain, eip1559_step_by_hand)
{
	cr_assert_float_eq(blk_eip1559_next(100, 30e6, 15e6), 112.5, 1e-12);
	cr_assert_float_eq(blk_eip1559_next(100, 0, 15e6), 87.5, 1e-12);
	cr_assert_float_eq(blk_eip1559_next(100, 15e6, 15e6), 100, 1e-12);
	cr_assert_float_eq(blk_eip1559_next(100, 22.5e6, 15e6), 106.25, 1e-12);
}

/* The daily fee is the per-block rule's fixed point: 12-second blocks with a
 * limit of 100 tx/s x 12 s and the target half of it, background demand
 * 80 (base/f) tx/s and 10 tx/s of AI.  Block by block, from a base fee 100
 * times too low, the fee settles where a block uses the target, the daily
 * closed form f = base 80 / (50 - 10) = 2 base. */
Test(chain, eip1559_blocks_settle_on_the_daily_equilibrium)
{
	struct chain_params p;
	one_chain(&p, 100, 80);
	chains *c = make(&p);
	chain_day(c, 0);
	const double ai_tps = 10, base = p.chain[0].base_fee_usd;
	double f = base / 100, limit = 100 * 12.0, target = limit / 2;
	for (int b = 0; b < 20000; b++) {
		double want = (80 * base / f + ai_tps) * 12.0;
		f = blk_eip1559_next(f, want < limit ? want : limit, target);
	}
	double daily = chain_fee_eq(c, 0, ai_tps * 86400);
	cr_assert_float_eq(daily, 2 * base, 1e-12 * base);
	cr_assert_float_eq(f, daily, 1e-9 * daily, "blocks %g, daily %g", f, daily);
	chain_free(c);
}

/* Sui's per-object congestion control by hand: a commit whose budget for the
 * object is 50 ms, calls of 1 ms, no burst.  A call is scheduled while the
 * object's cost at its start is within the budget, so 51 run (starts at 0 ..
 * 50 ms), 1 ms is owed to the next commit, which then runs 50; the
 * lower-priced calls at the end of the order are the ones deferred.  Over
 * many commits the rate is the budget over the cost: at 10 commits a second,
 * 500 calls/s, blk_object_tps's daily limit. */
Test(chain, sui_object_budget_deferral_by_hand)
{
	double cost[200], debt = 0;
	int admit[200];
	for (int i = 0; i < 200; i++)
		cost[i] = 1;
	cr_assert_eq(blk_object_commit(&debt, 50, 0, cost, 80, admit), 51);
	cr_assert_float_eq(debt, 1, 1e-12);
	cr_assert(admit[50] && !admit[51] && !admit[79]);
	cr_assert_eq(blk_object_commit(&debt, 50, 0, cost, 80, admit), 50);
	cr_assert_float_eq(debt, 1, 1e-12);
	/* a burst allowance lets more through once, then they are owed */
	debt = 0;
	cr_assert_eq(blk_object_commit(&debt, 50, 10, cost, 80, admit), 61);
	cr_assert_float_eq(debt, 11, 1e-12);
	cr_assert_eq(blk_object_commit(&debt, 50, 10, cost, 80, admit), 50);
	/* the long run: 1,000 commits of 100 calls each */
	debt = 0;
	long ran = 0;
	for (int i = 0; i < 1000; i++)
		ran += blk_object_commit(&debt, 50, 0, cost, 100, NULL);
	cr_assert(ran >= 50000 && ran <= 50001, "ran %ld", ran);
	cr_assert_float_eq(blk_object_tps(500, 0, 1, 1, 0), 500, 1e-12);     /* ms/s over ms */
}

/* Solana by hand: a 48M-CU block, 12M CU for one writable account, 200k-CU
 * tx.  100 that write the account and 100 that do not, in that priority
 * order: 60 writers fit (12M / 200k), then all 100 others (32M < 48M).  At
 * 400 ms a block that is 150 account writers a second, the daily limit. */
Test(chain, solana_account_cu_cap_by_hand)
{
	double cu[200];
	int wr[200], admit[200];
	for (int i = 0; i < 200; i++) {
		cu[i] = 200e3;
		wr[i] = i < 100;
	}
	cr_assert_eq(blk_account_block(48e6, 12e6, cu, wr, 200, admit), 160);
	cr_assert(admit[59] && !admit[60] && !admit[99] && admit[100] && admit[199]);
	/* the block's limit binds when no account is hot: 240 tx of 200k */
	for (int i = 0; i < 200; i++)
		wr[i] = 0;
	cr_assert_eq(blk_account_block(48e6, 12e6, cu, wr, 200, NULL), 200);
	double more[300];
	int w3[300];
	for (int i = 0; i < 300; i++) {
		more[i] = 200e3;
		w3[i] = 0;
	}
	cr_assert_eq(blk_account_block(48e6, 12e6, more, w3, 300, NULL), 240);
	cr_assert_float_eq(blk_object_tps(12e6 / 0.4, 0, 200e3, 1, 0), 150, 1e-9);
}

/* Only a floor in the token ties the USD fee to the token's price: doubling
 * SUI doubles Sui's fee at its floor; an EIP-1559 chain without a floor
 * clears at the same USD fee whatever ETH is worth. */
Test(chain, native_prices_move_a_floor_but_not_a_base_fee)
{
	struct chain_params p;
	defaults(&p);
	int sui = chain_index(&p, "sui"), eth = chain_index(&p, "ethereum_l1");
	double f[2][2];
	for (int i = 0; i < 2; i++) {
		p.chain[sui].price_path = p.chain[eth].price_path = CHAIN_PRICE_CONSTANT;
		p.chain[sui].token_usd = i ? 2.0 : 1.0;
		p.chain[eth].token_usd = i ? 6000.0 : 3000.0;
		chains *c = make(&p);
		chain_day(c, 0);
		f[i][0] = chain_fee_eq(c, sui, 0);
		f[i][1] = chain_fee_eq(c, eth, 0);
		chain_free(c);
	}
	cr_assert_float_eq(f[1][0], 2 * f[0][0], 1e-15);
	cr_assert_float_eq(f[0][0], 7.5988e-4, 1e-15);
	cr_assert_float_eq(f[1][1], f[0][1], 1e-12 * f[0][1]);
}

/* The price table: the month's mean on its first day, linear between months,
 * the first month before the table and the last after it (no growth), or
 * grown at token_growth.  SUI 2024-01 1.137, 2024-02 ... (data/chains/
 * token_prices.csv); first 2023-05 1.12856, last 2025-12 1.50407. */
Test(chain, token_price_table_interpolates_and_holds_its_ends)
{
	struct chain_params p;
	defaults(&p);
	struct chain_spec *s = &p.chain[chain_index(&p, "sui")];
	cr_assert_float_eq(chain_token_usd(s, 2024.0), 1.137, 1e-12);
	cr_assert_float_eq(chain_token_usd(s, 2000.0), 1.12856, 1e-12);
	cr_assert_float_eq(chain_token_usd(s, 2030.0), 1.50407, 1e-12);
	double y0 = s->px_year[8], y1 = s->px_year[9];           /* 2024-01, 2024-02 */
	cr_assert_float_eq(chain_token_usd(s, 0.5 * (y0 + y1)),
	                   0.5 * (s->px_usd[8] + s->px_usd[9]), 1e-12);
	s->token_growth = 0.1;
	double last = s->px_year[s->n_px - 1];
	cr_assert_float_eq(chain_token_usd(s, last + 2), 1.50407 * 1.21, 1e-12);
	s->price_path = CHAIN_PRICE_TREND;
	s->token_usd = 2;
	snprintf(s->token_date, sizeof s->token_date, "2024-01-01");
	cr_assert_float_eq(chain_token_usd(s, 2027.0), 2 * 1.331, 1e-12);
}

/* A cheaper chain takes more.  At little traffic the floors decide: Solana's
 * floor in USD falls with SOL's price (5,000 lamports), and below Sui's
 * (7.6e-4 USD at $1 a SUI) it takes all.  At much traffic both chains are
 * above their floors, where the token no longer matters, but a friction on
 * Solana moves settlement away from it. */
Test(chain, cost_routing_a_cheaper_chain_takes_more)
{
	struct chain_params p;
	defaults(&p);
	p.settle.routing_mode = CHAIN_ROUTE_COST;
	p.settle.n_routes = 2;
	snprintf(p.settle.routing[1].chain, CHAIN_NAME_MAX, "solana");
	int sui = chain_index(&p, "sui"), sol = chain_index(&p, "solana");
	p.chain[sui].price_path = p.chain[sol].price_path = CHAIN_PRICE_CONSTANT;
	p.chain[sui].token_usd = 1;
	double took[3], ai[CHAIN_MAX], fee[CHAIN_MAX];
	const double sol_usd[] = { 400, 200, 100 }, fric[] = { 0, 1e-3, 2e-3 };
	for (int i = 0; i < 3; i++) {
		p.chain[sol].token_usd = sol_usd[i];
		chains *c = make(&p);
		chain_day(c, 0);
		cr_assert(isfinite(chain_route_cost(c, 1e7, ai, fee)));
		took[i] = ai[sol];
		cr_assert_float_eq(ai[sui] + ai[sol], 1e7, 1e-9 * 1e7);
		chain_free(c);
	}
	cr_assert(took[0] <= took[1] && took[1] <= took[2] && took[0] < took[2],
	          "%g %g %g", took[0], took[1], took[2]);
	cr_assert_eq(took[0], 0.0);
	cr_assert_float_eq(took[2], 1e7, 1e-9 * 1e7);
	for (int i = 0; i < 3; i++) {
		p.settle.routing[1].friction_usd = fric[i];
		chains *c = make(&p);
		chain_day(c, 0);
		cr_assert(isfinite(chain_route_cost(c, 1.5e8, ai, fee)));
		took[i] = ai[sol];
		chain_free(c);
	}
	cr_assert(took[0] > took[1] && took[1] > took[2], "%g %g %g", took[0], took[1], took[2]);
}

#include "sim/csv.h"
#include "support/helpers.h"

/* data/chains/chains_baseline.csv, where the defaults' sources are written
 * down, holds the same numbers as the code's defaults. */
Test(chain, the_sourced_table_matches_the_defaults)
{
	sim_diag d;
	diag_init(&d);
	csv *t = csv_read(th_src("data/chains/chains_baseline.csv"), &d);
	cr_assert_not_null(t);
	struct chain_params p;
	defaults(&p);
	static const char *const cols[] = { "capacity_tps", "background_tps", "base_fee_usd",
	                                    "bg_tx_units", "tx_fixed", "min_unit_price",
	                                    "finality_s" };
	cr_assert_eq(csv_nrows(t), p.n_chains);
	for (int i = 0; i < csv_nrows(t); i++) {
		int k = chain_index(&p, csv_cell(t, i, csv_col(t, "chain")));
		cr_assert_geq(k, 0);
		const struct chain_spec *s = &p.chain[k];
		const double want[] = { s->capacity_tps, s->background_tps, s->base_fee_usd,
		                        s->bg_tx_units, s->tx_fixed, s->min_unit_price, s->finality_s };
		for (int j = 0; j < 7; j++) {
			double v;
			cr_assert_eq(csv_num(t, i, csv_require(t, cols[j], &d), &v, &d), SIM_OK);
			cr_assert_eq(v, want[j], "%s %s: table %g, code %g", s->name, cols[j], v, want[j]);
		}
		cr_assert_str_eq(csv_cell(t, i, csv_col(t, "mechanism")), chain_mech_name(s->mechanism));
		cr_assert_str_eq(csv_cell(t, i, csv_col(t, "token")), s->token);
	}
	csv_free(t);
	diag_release(&d);
}

/* A data chain by hand.  An EIP-1559 L2 (100 tx/s, background 20, fee 1 at
 * $1 a token, elasticity 1) posts 100 bytes per AI tx to a blob chain of 1 blob
 * = 1,000 bytes a "tx", 30 blobs/s, target 2/3 (20 blobs/s), background 10
 * blobs/s at $0.5 a blob, elasticity 1.  With AI tx/s a on the L2:
 *   L2 fee     f = 1 x 20 / (50 - a)            (per tx, one unit a tx)
 *   blob fee   per blob 0.5 x 10 / (20 - a/10), per AI tx a tenth of it
 * so at a = 40: f = 2 and the blob fee per AI tx 0.5 x 10 / 16 / 10 = 0.03125.
 * The blob chain carries the L2's AI tx (a blob-equivalent load of a/10), and
 * its target binds the L2 at a = 200 only: the L2's own target (50) first.
 * With scarce blobs (3 a second, target 2, background 1) the blob target
 * binds first, at a = 20. */
Test(chain, a_data_chain_adds_its_fee_and_carries_the_data)
{
	struct chain_params p;
	one_chain(&p, 100, 20);
	p.chain[0].base_fee_usd = 1;
	snprintf(p.chain[0].data_chain, CHAIN_NAME_MAX, "blobs");
	p.chain[0].data_bytes = 100;
	struct chain_spec *b = &p.chain[1];
	*b = p.chain[0];
	snprintf(b->name, CHAIN_NAME_MAX, "blobs");
	b->data_chain[0] = '\0';
	b->data_bytes = 0;
	b->mechanism = CHAIN_BLOB;
	b->target_utilisation = 2.0 / 3.0;
	b->capacity_tps = 30;
	b->background_tps = 10;
	b->base_fee_usd = 0.5;
	b->bg_tx_units = b->settle_tx_units = 1000;
	b->min_unit_price = 0;
	p.n_chains = 2;
	chains *c = make(&p);
	chain_day(c, 0);
	const double D = 86400;
	double want = 20.0 / 10 + 0.5 * 10 / 16 / 10;
	cr_assert_float_eq(chain_fee_eq(c, 0, 40 * D), want, 1e-12 * want);
	double ai[2] = { 40 * D, 0 };
	struct chain_day_out o[2];
	chain_step(c, ai, ai, o);
	cr_assert_float_eq(o[1].ai_tx, 40 * D, 1e-6);
	cr_assert_float_eq(o[1].ai_equiv, 4 * D, 1e-6);
	cr_assert_float_eq(o[1].ai_bytes, 40 * D * 100, 1e-3);
	cr_assert_float_eq(o[1].bg_fee_usd, 0.5 * 10 / 16, 1e-12);
	cr_assert_float_eq(o[0].fee_usd, 2, 1e-12);          /* the L2's own fee */
	chain_free(c);
	/* scarce blobs: the L2's AI alone fills the blob target at a = 20 */
	p.chain[1].capacity_tps = 3;
	p.chain[1].background_tps = 1;
	p.settle.routing_mode = CHAIN_ROUTE_COST;
	snprintf(p.settle.routing[0].chain, CHAIN_NAME_MAX, "%s", p.chain[0].name);
	c = make(&p);
	chain_day(c, 0);
	cr_assert(isfinite(chain_fee_eq(c, 0, 19.9 * D)));
	cr_assert(isinf(chain_fee_eq(c, 0, 20 * D)));
	double a[2], fee[2];
	cr_assert(isfinite(chain_route_cost(c, 18 * D, a, fee)));
	cr_assert_float_eq(a[0], 18 * D, 1e-6);
	cr_assert_eq(a[1], 0.0);                             /* no settlement on blobs */
	cr_assert(isinf(chain_route_cost(c, 20 * D, a, fee)));
	chain_free(c);
	/* a data chain in the routing set, or serving two chains, is refused */
	p.settle.n_routes = 2;
	snprintf(p.settle.routing[1].chain, CHAIN_NAME_MAX, "blobs");
	sim_diag d;
	diag_init(&d);
	cr_assert_eq(chain_check(&p, "s.json", &d), SIM_EINVAL);
	cr_assert_str_eq(d.msg[0], "s.json: $.settlement.routing[1].chain: 'blobs' is "
	                 "sui's data chain, not a settlement chain");
	diag_release(&d);
}

/* The families' targets: half the gas limit, 2/3 of the blobs, full blocks. */
Test(chain, each_family_has_its_target)
{
	struct chain_params p;
	defaults(&p);
	const char *names[] = { "sui", "ethereum_l1", "solana", "base", "bitcoin", "aptos",
	                        "ethereum_blobs" };
	const double u[] = { 1, 0.5, 1, 0.5, 1, 1, 2.0 / 3.0 };
	for (int i = 0; i < 7; i++)
		cr_assert_float_eq(p.chain[chain_index(&p, names[i])].target_utilisation, u[i], 1e-15,
		                   "%s", names[i]);
	cr_assert_str_eq(p.chain[chain_index(&p, "base")].data_chain, "ethereum_blobs");
}

/* Inertia by hand.  The two chains of the closed-form test above (takes
 * 50 - 20/lambda and 150 - 60/lambda tx/s at marginal cost lambda).  The
 * last day recorded put all T = 60 tx/s on the first chain; with a switching
 * cost s on the second, the first keeps what it carried at its fee and the
 * second takes 150 - 60/(lambda - s): lambda solves
 *     min(50 - 20/lambda, 60) + 150 - 60/(lambda - s) = 60,
 * found here by bisection.  s -> 0 gives the plain split; a huge s keeps all
 * of it where it was, as long as the first chain can hold it. */
static double inertia_lambda(double s, double T)
{
	double lo = 0.4, hi = s + 1e6;
	for (int i = 0; i < 400; i++) {
		double m = 0.5 * (lo + hi), a0 = 50 - 20 / m;
		double a1 = m > s ? 150 - 60 / (m - s) : 0;
		a0 = a0 < 0 ? 0 : a0 > 60 ? 60 : a0;
		a1 = a1 < 0 ? 0 : a1;
		if (a0 + a1 < T)
			lo = m;
		else
			hi = m;
	}
	return 0.5 * (lo + hi);
}

Test(chain, routing_inertia_holds_shares_until_a_chain_is_cheaper_by_the_switch_cost)
{
	struct chain_params p;
	one_chain(&p, 100, 20);
	p.chain[0].base_fee_usd = 1;
	p.chain[1] = p.chain[0];
	snprintf(p.chain[1].name, CHAIN_NAME_MAX, "other");
	p.chain[1].capacity_tps = 300;
	p.chain[1].background_tps = 60;
	p.n_chains = 2;
	p.settle.routing_mode = CHAIN_ROUTE_COST;
	p.settle.n_routes = 2;
	snprintf(p.settle.routing[1].chain, CHAIN_NAME_MAX, "other");
	const double D = 86400, T = 45;
	const double s_[] = { 0.05, 0.5, 1e6 };
	for (int i = 0; i < 3; i++) {
		p.settle.routing[1].switch_usd = s_[i];
		chains *c = make(&p);
		struct chain_day_out o[2];
		double was[2] = { T * D, 0 };                /* yesterday: all on the first */
		chain_day(c, 0);
		chain_step(c, was, was, o);
		chain_day(c, 1);
		double ai[2], fee[2];
		double lambda = chain_route_cost(c, T * D, ai, fee);
		cr_assert_float_eq(ai[0] + ai[1], T * D, 1e-9 * T * D);   /* conserved */
		double want = inertia_lambda(s_[i], T);
		double a1 = want > s_[i] ? 150 - 60 / (want - s_[i]) : 0;
		a1 = a1 > 0 ? a1 : 0;
		cr_assert_float_eq(ai[1], a1 * D, 1e-6 * D, "s %g: %g against %g", s_[i], ai[1] / D, a1);
		cr_assert_float_eq(lambda, want, 1e-6 * want, "s %g", s_[i]);
		if (i == 2)
			cr_assert_eq(ai[1], 0.0);                /* nothing moves */
		chain_free(c);
	}
	/* and without the switching cost the same day splits as the closed form */
	p.settle.routing[1].switch_usd = 0;
	chains *c = make(&p);
	chain_day(c, 0);
	double ai[2], fee[2];
	double lambda = chain_route_cost(c, T * D, ai, fee);
	cr_assert_float_eq(lambda, 80.0 / (200 - T), 1e-9);
	chain_free(c);
}
