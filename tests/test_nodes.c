/* test_nodes.c — the operator population (models/nodes.h): invariants, the
 * entry/exit/retirement rules, the supply cap and lag, determinism, and the
 * deterministic mode as the mean of the stochastic one. */
#include <criterion/criterion.h>
#include <gsl/gsl_integration.h>
#include <math.h>
#include <string.h>

#include "models/nodes.h"
#include "sim/rng.h"

static gsl_rng *stream(uint64_t seed)
{
	gsl_rng *r = rng_stream(seed, 0, RNG_MODEL_NODES, 0);
	cr_assert_not_null(r);
	return r;
}

/* Two classes: an old inefficient one and a new one available from day 100. */
static void two_classes(struct node_class c[2])
{
	c[0] = (struct node_class){ .name = "old", .unit_capacity = 10, .capex_usd = 1000,
	                            .power_w = 1000, .life_days = 400, .residual_frac = 0.1,
	                            .lag_days = 30, .supply_per_day = 0, .seed_per_day = 1,
	                            .available_day = 0, .withdrawn_day = 1e9 };
	c[1] = (struct node_class){ .name = "new", .unit_capacity = 50, .capex_usd = 3000,
	                            .power_w = 1500, .life_days = 700, .residual_frac = 0.2,
	                            .lag_days = 60, .supply_per_day = 40, .seed_per_day = 1,
	                            .available_day = 100, .withdrawn_day = 1e9 };
}

/* Revenue per capacity unit that makes a unit's operating profit zero at
 * band multiplier m. */
static double r_breakeven(const struct node_class *c, double kwh, double m)
{
	return c->power_w / 1000.0 * 24.0 * kwh * m / c->unit_capacity;
}

Test(node, invariants_hold_after_random_steps)
{
	struct node_class c[2];
	two_classes(c);
	struct node_params p = NODE_PARAMS_DEFAULT;
	p.entry_rate = 0.02;
	p.patience_days = 10;
	gsl_rng *r = stream(7);
	gsl_rng *env = stream(8);
	node_pop *pop = node_pop_alloc(&p, c, 2, r);
	cr_assert_not_null(pop);
	cr_assert_eq(node_pop_add(pop, 0, 500, -100), SIM_OK);
	double rev = 0.2;
	for (int day = 0; day < 2000; day++) {
		/* a random walk of revenue around the breakeven of the old class
		 * (0.12 per capacity unit at m = 1) */
		rev *= exp(0.08 * (gsl_rng_uniform(env) - 0.5));
		rev = fmin(fmax(rev, 0.05), 0.6);
		cr_assert_eq(node_pop_step(pop, day, rev, 0.05), SIM_OK);
		if (day % 97 == 0) {
			cr_assert(node_pop_check(pop), "invariants broken on day %d", day);
			double cap[2];
			node_pop_capacity_by_class(pop, cap);
			cr_assert_float_eq(cap[0] + cap[1], node_pop_capacity(pop), 1e-6);
			struct node_agents a = node_pop_agents(pop);
			double live = 0;
			for (size_t i = 0; i < a.n; i++)
				live += node_pop_agent_live(pop, i);
			cr_assert_float_eq(live, node_pop_units(pop), 1e-9);
		}
	}
	cr_assert(node_pop_check(pop));
	cr_assert_gt(node_pop_agents(pop).n, 1000, "the test should exercise many agents");
	node_pop_free(pop);
	gsl_rng_free(r);
	gsl_rng_free(env);
}

struct pv_ctx {
	double R0, E, d, g;
};

static double pv_integrand(double t, void *arg)
{
	const struct pv_ctx *c = arg;
	return (c->R0 * exp(-c->g * t) - c->E) * exp(-c->d * t);
}

/* The profitability index of every band, on both sides of the day a unit
 * stops covering its energy (T < life and T = life), against its definition
 * integrated numerically: PI = e^{-d lag} [ int_0^T (R0 e^{-gt} - E_b) e^{-dt}
 * dt + resid K e^{-dT} ] / K with T = min(life, ln(R0/E_b)/g). */
Test(node, profitability_index_matches_its_integral)
{
	struct node_class c = { .name = "x", .unit_capacity = 4, .capex_usd = 2500,
	                        .power_w = 700, .life_days = 1460, .residual_frac = 0.15,
	                        .lag_days = 45, .seed_per_day = 1, .available_day = 0,
	                        .withdrawn_day = 1e9 };
	struct node_params p = NODE_PARAMS_DEFAULT;
	p.deterministic = 1;
	p.elec_sigma = 0.6;
	p.hurdle_rate = 0.12;
	p.revenue_decline = 0.435;
	gsl_integration_workspace *w = gsl_integration_workspace_alloc(1000);
	const double kwh = 0.11, revs[] = { 0.25, 0.9, 5.0 };
	int short_life = 0, full_life = 0;
	for (size_t i = 0; i < sizeof revs / sizeof revs[0]; i++) {
		node_pop *pop = node_pop_alloc(&p, &c, 1, NULL);
		cr_assert_not_null(pop);
		cr_assert_eq(node_pop_step(pop, 0, revs[i], kwh), SIM_OK);
		const double *m = node_pop_band_mult(pop);
		double d = log1p(p.hurdle_rate) / 365, g = -log1p(-p.revenue_decline) / 365;
		for (int b = 0; b < p.n_buckets; b++) {
			struct pv_ctx x = { c.unit_capacity * revs[i] * exp(-g * c.lag_days),
			                    c.power_w / 1000.0 * 24 * kwh * m[b], d, g };
			double want = 0;
			if (x.R0 > x.E) {
				double T = fmin(c.life_days, log(x.R0 / x.E) / g), v, err;
				short_life += T < c.life_days;
				full_life += T == c.life_days;
				gsl_function F = { pv_integrand, &x };
				cr_assert_eq(gsl_integration_qags(&F, 0, T, 0, 1e-12, 1000, w, &v, &err), 0);
				want = exp(-d * c.lag_days) *
				       (v + c.residual_frac * c.capex_usd * exp(-d * T)) / c.capex_usd;
			}
			double got = node_pop_last_pi(pop, 0, b);
			cr_assert_float_eq(got, fmax(want, 0), 1e-9 * fmax(want, 1e-3),
			                   "revenue %g, band %d: PI %.15g, integral %.15g", revs[i], b,
			                   got, want);
		}
		node_pop_free(pop);
	}
	cr_assert_gt(short_life, 0);
	cr_assert_gt(full_life, 0);
	gsl_integration_workspace_free(w);
}

Test(node, no_entry_when_return_below_hurdle)
{
	/* No energy, no residual, no decline: PI = q r A(d, L) / K.  At the
	 * revenue where PI = 1 exactly with a 20%/yr hurdle, nothing is ordered
	 * just below it and orders start just above it. */
	struct node_class c = { .name = "x", .unit_capacity = 1, .capex_usd = 1000,
	                        .power_w = 0, .life_days = 730, .lag_days = 0,
	                        .seed_per_day = 5, .available_day = 0, .withdrawn_day = 1e9 };
	struct node_params p = NODE_PARAMS_DEFAULT;
	p.deterministic = 1;
	p.hurdle_rate = 0.2;
	p.elec_sigma = 0;
	p.revenue_decline = 0;
	double d = log1p(0.2) / 365, L = 730;
	double r1 = 1000 / ((1 - exp(-d * L)) / d);  /* PI = 1 */
	for (int k = 0; k < 2; k++) {
		node_pop *pop = node_pop_alloc(&p, &c, 1, NULL);
		cr_assert_not_null(pop);
		double rr = k == 0 ? r1 * 0.999 : r1 * 1.01;
		for (int day = 0; day < 50; day++)
			cr_assert_eq(node_pop_step(pop, day, rr, 0.05), SIM_OK);
		if (k == 0)
			cr_assert_eq(node_pop_units(pop), 0.0, "entered below the hurdle");
		else
			cr_assert_gt(node_pop_units(pop), 0.0, "no entry above the hurdle");
		node_pop_free(pop);
	}
	/* above breakeven without a hurdle (1000/730 per day) but below it with one */
	node_pop *pop = node_pop_alloc(&p, &c, 1, NULL);
	for (int day = 0; day < 50; day++)
		cr_assert_eq(node_pop_step(pop, day, 1000.0 / 730 * 1.05, 0.05), SIM_OK);
	cr_assert_eq(node_pop_units(pop), 0.0);
	node_pop_free(pop);
}

Test(node, exits_when_revenue_below_energy_cost_highest_cost_first)
{
	struct node_class c = { .name = "x", .unit_capacity = 10, .capex_usd = 1e9,
	                        .power_w = 1000, .life_days = 10000, .lag_days = 0,
	                        .available_day = 0, .withdrawn_day = 1e9 };
	struct node_params p = NODE_PARAMS_DEFAULT;
	p.patience_days = 20;
	p.elec_sigma = 0.5;
	p.n_buckets = 10;
	gsl_rng *r = stream(3);
	node_pop *pop = node_pop_alloc(&p, &c, 1, r);
	cr_assert_eq(node_pop_add(pop, 0, 10000, 0), SIM_OK);
	const double *m = node_pop_band_mult(pop);
	for (int b = 1; b < 10; b++)
		cr_assert_gt(m[b], m[b - 1], "bands must be ordered by cost");
	/* revenue covers the energy of the 6 cheapest bands only */
	double rr = r_breakeven(&c, 0.05, 0.5 * (m[5] + m[6]));
	double before = node_pop_units(pop);
	for (int day = 0; day < 19; day++)
		cr_assert_eq(node_pop_step(pop, day, rr, 0.05), SIM_OK);
	cr_assert_eq(node_pop_units(pop), before, "left before patience ran out");
	cr_assert_eq(node_pop_step(pop, 19, rr, 0.05), SIM_OK);
	double after = node_pop_units(pop);
	cr_assert_lt(after, before);
	cr_assert_gt(after, 0.45 * before, "about 60%% of units should stay");
	cr_assert_lt(after, 0.75 * before);
	/* every surviving agent has a cost below every departed one */
	struct node_agents a = node_pop_agents(pop);
	double max_live = 0, min_gone = INFINITY;
	for (size_t i = 0; i < a.n; i++) {
		if (node_pop_agent_live(pop, i))
			max_live = fmax(max_live, a.cost_mult[i]);
		else
			min_gone = fmin(min_gone, a.cost_mult[i]);
	}
	cr_assert_lt(max_live, min_gone);
	/* revenue below everybody's energy: all gone after patience */
	for (int day = 20; day < 40; day++)
		cr_assert_eq(node_pop_step(pop, day, rr * 0.01, 0.05), SIM_OK);
	cr_assert_eq(node_pop_units(pop), 0.0);
	cr_assert(node_pop_check(pop));
	node_pop_free(pop);
	gsl_rng_free(r);
}

Test(node, retirement_at_end_of_life)
{
	struct node_class c = { .name = "x", .unit_capacity = 1, .capex_usd = 1e9,
	                        .power_w = 0, .life_days = 100, .lag_days = 0,
	                        .available_day = 0, .withdrawn_day = 1e9 };
	struct node_params p = NODE_PARAMS_DEFAULT;
	p.deterministic = 1;
	node_pop *pop = node_pop_alloc(&p, &c, 1, NULL);
	cr_assert_eq(node_pop_add(pop, 0, 123, 0), SIM_OK);
	cr_assert_eq(node_pop_add(pop, 0, 7, -50), SIM_OK);  /* half-way through life */
	for (int day = 0; day < 100; day++) {
		cr_assert_eq(node_pop_step(pop, day, 1.0, 0.05), SIM_OK);
		cr_assert_float_eq(node_pop_units(pop), day < 50 ? 130 : 123, 1e-9, "day %d", day);
	}
	cr_assert_eq(node_pop_step(pop, 100, 1.0, 0.05), SIM_OK);
	cr_assert_eq(node_pop_units(pop), 0.0);
	cr_assert_float_eq(node_pop_today(pop).retired, 123, 1e-9);
	node_pop_free(pop);
}

Test(node, lag_respected_and_supply_cap_respected)
{
	struct node_class c = { .name = "x", .unit_capacity = 1, .capex_usd = 100,
	                        .power_w = 10, .life_days = 1000, .lag_days = 45,
	                        .supply_per_day = 7, .seed_per_day = 100,
	                        .available_day = 10, .withdrawn_day = 200 };
	for (int det = 0; det < 2; det++) {
		struct node_params p = NODE_PARAMS_DEFAULT;
		p.deterministic = det;
		p.entry_rate = 0.5;
		gsl_rng *r = stream(11);
		node_pop *pop = node_pop_alloc(&p, &c, 1, r);
		double first_order = -1, total_ordered = 0;
		for (int day = 0; day < 400; day++) {
			cr_assert_eq(node_pop_step(pop, day, 5.0, 0.05), SIM_OK);
			struct node_day t = node_pop_today(pop);
			cr_assert_leq(t.ordered, 7.0 + 1e-9, "supply cap exceeded on day %d", day);
			if (day < 10 || day >= 200)
				cr_assert_eq(t.ordered, 0.0, "ordered outside the sales window");
			if (t.ordered > 0 && first_order < 0)
				first_order = day;
			total_ordered += t.ordered;
			if (first_order < 0 || day < first_order + 45)
				cr_assert_eq(node_pop_units(pop), 0.0, "arrived before the lag, day %d", day);
		}
		cr_assert_eq(first_order, 10);
		cr_assert_float_eq(node_pop_units(pop), total_ordered, 1e-6, "all orders arrived");
		cr_assert_gt(total_ordered, 190 * 7 * 0.95, "the cap should bind");
		cr_assert(node_pop_check(pop));
		node_pop_free(pop);
		gsl_rng_free(r);
	}
}

/* Runs the linear scenario (exogenous revenue) and returns final units. */
static double run_linear(int det, gsl_rng *r, double *traj)
{
	struct node_class c[2];
	two_classes(c);
	c[1].supply_per_day = 0;     /* the cap is not linear; leave it out */
	struct node_params p = NODE_PARAMS_DEFAULT;
	p.deterministic = det;
	p.entry_rate = 0.004;
	p.patience_days = 15;
	p.keep_agents = 0;
	node_pop *pop = node_pop_alloc(&p, c, 2, r);
	cr_assert_not_null(pop);
	cr_assert_eq(node_pop_add(pop, 0, det ? 200 : 200, -50), SIM_OK);
	for (int day = 0; day < 900; day++) {
		/* a boom, a bust below some bands' energy cost, a recovery */
		double rr = day < 300 ? 3.0 : day < 420 ? 0.02 : 1.5;
		cr_assert_eq(node_pop_step(pop, day, rr, 0.05), SIM_OK);
		if (day % 100 == 99)
			traj[day / 100] = node_pop_units(pop);
	}
	double u = node_pop_units(pop);
	node_pop_free(pop);
	return u;
}

Test(node, deterministic_mode_is_the_mean_of_stochastic_runs, .timeout = 60)
{
	double det[9], sum[9] = { 0 }, sum2[9] = { 0 }, t[9];
	run_linear(1, NULL, det);
	int n = 400;
	gsl_rng *r = stream(99);
	for (int k = 0; k < n; k++) {
		rng_reseed(r, 99, (uint64_t)k, RNG_MODEL_NODES, 0);
		run_linear(0, r, t);
		for (int i = 0; i < 9; i++) {
			sum[i] += t[i];
			sum2[i] += t[i] * t[i];
		}
	}
	for (int i = 0; i < 9; i++) {
		double mean = sum[i] / n, var = sum2[i] / n - mean * mean;
		double se = sqrt(fmax(var, 0) / n);
		/* initial units are split over bands at random in stochastic mode,
		 * so allow 4 standard errors plus 0.5% */
		cr_assert(fabs(mean - det[i]) <= 4 * se + 0.005 * det[i] + 0.5,
		          "day %d: deterministic %g, stochastic mean %g (se %g)",
		          i * 100 + 99, det[i], mean, se);
	}
	cr_assert_gt(det[2], det[3], "the bust should make units exit");
	gsl_rng_free(r);
}

Test(node, same_seed_same_result)
{
	double a[9], b[9];
	gsl_rng *r1 = stream(5), *r2 = stream(5);
	run_linear(0, r1, a);
	run_linear(0, r2, b);
	cr_assert_arr_eq(a, b, sizeof a);
	gsl_rng *r3 = stream(6);
	double c3[9];
	run_linear(0, r3, c3);
	cr_assert(memcmp(a, c3, sizeof a) != 0, "another seed should differ");
	gsl_rng_free(r1);
	gsl_rng_free(r2);
	gsl_rng_free(r3);
}

struct bad_case {
	const char *what;
	void (*spoil)(struct node_params *p, struct node_class *c);
	const char *msg;
};

static void neg_entry(struct node_params *p, struct node_class *c) { (void)c; p->entry_rate = -1; }
static void big_decline(struct node_params *p, struct node_class *c) { (void)c; p->revenue_decline = 1; }
static void zero_buckets(struct node_params *p, struct node_class *c) { (void)c; p->n_buckets = 0; }
static void zero_cap(struct node_params *p, struct node_class *c) { (void)p; c->unit_capacity = 0; }
static void nan_capex(struct node_params *p, struct node_class *c) { (void)p; c->capex_usd = NAN; }
static void resid(struct node_params *p, struct node_class *c) { (void)p; c->residual_frac = 1.5; }
static void window(struct node_params *p, struct node_class *c) { (void)p; c->withdrawn_day = -5; }

Test(node, bad_parameters_rejected_with_clear_messages)
{
	static const struct bad_case cases[] = {
		{ "entry_rate", neg_entry, "$.nodes.entry_rate: expected a number in [0, 10], got -1" },
		{ "decline", big_decline, "$.nodes.revenue_decline: expected a number in [0, 0.99], got 1" },
		{ "buckets", zero_buckets, "$.nodes.n_buckets: expected an integer in [1, 64], got 0" },
		{ "capacity", zero_cap, "$.nodes.classes[x].unit_capacity: expected a number > 0, got 0" },
		{ "capex", nan_capex, "$.nodes.classes[x].capex_usd: expected a number > 0, got nan" },
		{ "residual", resid, "$.nodes.classes[x].residual_frac: expected a number in [0, 1], got 1.5" },
		{ "window", window, "$.nodes.classes[x]: withdrawn_day (-5) must not precede available_day (0)" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct node_params p = NODE_PARAMS_DEFAULT;
		struct node_class c = { .name = "x", .unit_capacity = 1, .capex_usd = 1,
		                        .life_days = 10, .withdrawn_day = 1 };
		cases[i].spoil(&p, &c);
		sim_diag d;
		diag_init(&d);
		cr_assert_eq(node_params_check(&p, &c, 1, "$.nodes", &d), SIM_EINVAL, "%s", cases[i].what);
		cr_assert_eq(d.n, 1, "%s: %d messages", cases[i].what, d.n);
		cr_assert_str_eq(d.msg[0], cases[i].msg);
		cr_assert_null(node_pop_alloc(&p, &c, 1, NULL));
		diag_release(&d);
	}
	/* a stochastic population needs a generator */
	struct node_params p = NODE_PARAMS_DEFAULT;
	struct node_class c = { .name = "x", .unit_capacity = 1, .capex_usd = 1,
	                        .life_days = 10, .withdrawn_day = 1 };
	cr_assert_null(node_pop_alloc(&p, &c, 1, NULL));
}

#include "sim/scn.h"
#include "support/helpers.h"

/* The network's operators follow the rule as the Bitcoin back-test validated
 * it: the defaults are the back-test's fitted entry rate and expected
 * revenue decline (scenarios/bitcoin-backtest.json, written by the fit). */
Test(nodes, defaults_are_the_bitcoin_fit)
{
	sim_diag d;
	diag_init(&d);
	scn *s = scn_load(th_src("scenarios/bitcoin-backtest.json"), NULL, 0, &d);
	cr_assert_not_null(s, "%s", d.n ? d.msg[0] : "");
	struct node_params p = NODE_PARAMS_DEFAULT;
	cr_assert_eq(p.entry_rate, scn_num(s, "nodes.entry_rate"));
	cr_assert_eq(p.revenue_decline, scn_num(s, "nodes.revenue_decline"));
	cr_assert_eq(p.hurdle_rate, scn_num(s, "nodes.hurdle_rate"));
	scn_free(s);
	diag_release(&d);
}
