/* test_chain.c — settlement load per design, the daily fee market and the
 * exhaustion dates of settlement chains. */
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

/* One chain, no elasticity or growth, fee floor 0. */
static void one_chain(struct chain_params *p, double cap_tps, double bg_tps)
{
	chain_params_default(p);
	p->n_chains = 1;
	struct chain_spec *s = &p->chain[0];
	s->capacity_tps = cap_tps;
	s->background_tps = bg_tps;
	s->capacity_growth = 0;
	s->background_growth = 0;
	s->fee_elasticity = 0;
	s->min_fee_usd = 0;
}

Test(chain, zero_ai_traffic_matches_background_demand)
{
	struct chain_params p;
	chain_params_default(&p);
	for (int k = 0; k < p.n_chains; k++)
		p.chain[k].fee_elasticity = 0;
	chains *c = make(&p);
	double ai[CHAIN_MAX] = { 0 };
	struct chain_day_out o[CHAIN_MAX];
	for (int day = 0; day < 3653; day++) {
		chain_step(c, day, ai, o);
		for (int k = 0; k < p.n_chains; k++) {
			const struct chain_spec *s = &p.chain[k];
			double b = s->background_tps * 86400 * pow(1 + s->background_growth, day / 365.25);
			if (o[k].unserved == 0 && o[k].demand == o[k].background_tx)
				cr_assert_float_eq(o[k].served, b, 1e-9 * b);
			cr_assert_float_eq(o[k].background_tx, b, 1e-9 * b);
			cr_assert_eq(o[k].ai_tx, 0.0);
		}
	}
	chain_free(c);
}

Test(chain, utilisation_never_negative_and_served_never_exceeds_capacity)
{
	struct chain_params p;
	chain_params_default(&p);
	chains *c = make(&p);
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 3);
	double ai[CHAIN_MAX];
	struct chain_day_out o[CHAIN_MAX];
	for (int day = 0; day < 2000; day++) {
		for (int k = 0; k < p.n_chains; k++) {
			double u = gsl_rng_uniform(r);
			ai[k] = u < 0.3 ? 0 : u * u * 3e8;    /* zero, small and overloading days */
		}
		chain_step(c, day, ai, o);
		for (int k = 0; k < p.n_chains; k++) {
			cr_assert(o[k].utilisation >= 0 && o[k].utilisation <= 1);
			cr_assert(o[k].load >= 0 && o[k].served >= 0 && o[k].unserved >= 0);
			cr_assert(o[k].served <= o[k].capacity * (1 + 1e-12));
			cr_assert_float_eq(o[k].served + o[k].unserved, o[k].demand, 1e-6 * o[k].demand + 1e-9);
			cr_assert(o[k].fee_usd >= p.chain[k].min_fee_usd && o[k].delay_s >= 0);
		}
	}
	gsl_rng_free(r);
	chain_free(c);
}

Test(chain, base_fee_rises_above_target_falls_below_and_is_bounded)
{
	struct chain_params p;
	one_chain(&p, 100, 0);
	chains *c = make(&p);
	const double cap = 100 * 86400.0;
	/* Utilisation 0.75, 1 (overloaded), 0.5, 0.25, 0, 0.55. */
	const double loads[] = { 0.75, 3.0, 0.5, 0.25, 0.0, 0.55 };
	const double want[] = { 0.0625, 0.125, 0, -0.0625, -0.125, 0.0125 };
	struct chain_day_out o[1];
	for (int i = 0; i < 6; i++) {
		chain_free(c);
		c = make(&p);     /* fresh chain: no backlog from the overloaded day */
		double ai[1] = { loads[i] * cap };
		chain_step(c, 0, ai, o);
		double rel = o[0].next_fee_usd / o[0].fee_usd - 1;
		cr_assert_float_eq(rel, want[i], 1e-12, "load %g: change %g", loads[i], rel);
		cr_assert(fabs(rel) <= p.chain[0].max_fee_change + 1e-15);
	}
	chain_free(c);
	/* A long overload: the fee climbs 12.5% a day, never more. */
	c = make(&p);
	double ai[1] = { 2 * cap };
	double prev = chain_fee_usd(c, 0);
	for (int day = 0; day < 30; day++) {
		chain_step(c, day, ai, o);
		cr_assert_float_eq(o[0].next_fee_usd, prev * 1.125, 1e-12 * prev);
		prev = o[0].next_fee_usd;
	}
	cr_assert(o[0].unserved > 0 && o[0].delay_s > 86400);     /* backlog shows as delay */
	chain_free(c);
}

Test(chain, elastic_background_settles_at_the_fee_target)
{
	struct chain_params p;
	one_chain(&p, 100, 80);           /* starts at u = 0.8 > 0.5 */
	p.chain[0].fee_elasticity = 1.0;
	chains *c = make(&p);
	double ai[1] = { 0 };
	struct chain_day_out o[1];
	for (int day = 0; day < 400; day++)
		chain_step(c, day, ai, o);
	cr_assert_float_eq(o[0].utilisation, 0.5, 1e-6);
	cr_assert_float_eq(o[0].fee_usd, p.chain[0].base_fee_usd * 1.6, 1e-5);
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
		chain_step(c, 0, ai, o);
		load[d] = o[0].ai_tx / o[0].capacity;
		if (d == 0)
			cr_assert(o[0].load >= 1 && chain_exhaustion_day(c, 0) == 0);
		else
			cr_assert(isnan(chain_exhaustion_day(c, 0)));
		chain_free(c);
	}
	cr_assert_float_eq(load[0] / load[1], ratio, 1e-9 * ratio);
}

/* A linear ramp of AI tx on an empty chain crosses capacity on a known day:
 * ai(t) = a t with a = C / 1000.5 gives load(1000) < 1 <= load(1001), and the
 * fee target 0.5 is passed on day 501 (load(500) = 0.49975). */
Test(chain, exhaustion_day_exact_for_a_linear_ramp)
{
	struct chain_params p;
	one_chain(&p, 850, 0);
	p.settle.routing[0].share = 1;
	snprintf(p.chain[0].name, CHAIN_NAME_MAX, "sui");
	chains *c = make(&p);
	const double cap = 850 * 86400.0, a = cap / 1000.5;
	struct chain_day_out o[1];
	for (int day = 0; day < 1200; day++) {
		double ai[1] = { a * day };
		chain_step(c, day, ai, o);
		if (day < 501)
			cr_assert(isnan(chain_target_day(c, 0)));
		if (day < 1001)
			cr_assert(isnan(chain_exhaustion_day(c, 0)), "day %d", day);
	}
	cr_assert_eq(chain_target_day(c, 0), 501.0);
	cr_assert_eq(chain_exhaustion_day(c, 0), 1001.0);
	chain_free(c);
	/* With growing capacity, no crossing: NAN stays. */
	p.chain[0].capacity_growth = 1.0;
	c = make(&p);
	for (int day = 0; day < 1200; day++) {
		double ai[1] = { a * day * 0.1 };
		chain_step(c, day, ai, o);
	}
	cr_assert(isnan(chain_exhaustion_day(c, 0)));
	chain_free(c);
}

Test(chain, settlement_cost_per_million_tokens)
{
	struct chain_params p;
	chain_params_default(&p);
	chains *c = make(&p);
	/* Stack: 3.01 tx per 10^6 tokens at Sui's $0.005 per tx. */
	cr_assert_float_eq(chain_cost_per_mtok(c, &p.settle, 1.01), 3.01 * 0.005, 1e-12);
	p.settle.design = CHAIN_PER_REQUEST;
	cr_assert_float_eq(chain_cost_per_mtok(c, &p.settle, 1.01), 2.01 / 284 * 1e6 * 0.005, 1e-9);
	chain_free(c);
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
		chain_step(c, 0, ai, o);
		cr_assert_float_eq(o[0].delay_s, 1.0 / (1.0 - o[0].utilisation), 1e-9);
		cr_assert(o[0].delay_s >= prev);
		prev = o[0].delay_s;
		chain_free(c);
	}
	cr_assert(prev > 50);                       /* 1/(1 - 0.99) = 100 s */
}
