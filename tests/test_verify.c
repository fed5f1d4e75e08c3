/* test_verify.c — sampling consensus against the whitepaper's numbers and a
 * Monte Carlo check of the detection draws. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "models/verify.h"

static ver *make(const struct ver_params *p)
{
	sim_diag d;
	diag_init(&d);
	ver *v = ver_alloc(p, &d);
	if (!v)
		diag_print(&d, stderr, "test: ");
	diag_release(&d);
	cr_assert_not_null(v);
	return v;
}

/* Whitepaper Prop. 2.4: r = 0.5, R = 1.2C, S = 250C gives p ~= 0.00796. */
Test(ver, honesty_threshold_matches_whitepaper_prop_2_4)
{
	struct ver_game g = { .r = 0.5, .R = 1.2, .S = 250, .C = 1, .W1 = 1.2, .W2 = 2.4, .N = 1 };
	double p = ver_p_min(&g);
	cr_assert_float_eq(p, 1.0 / (0.5 * 251.2), 1e-15);
	cr_assert(fabs(p - 0.00796) < 5e-6, "p_min = %.6g", p);
	/* At p_min the expected slash p (1 - r) S nearly equals the reward C (R + S)/S. */
	cr_assert_float_eq(ver_expected_slash(&g, p), 250.0 / 251.2, 1e-12);
	/* Honest just above, not just below. */
	cr_assert(ver_honesty_margin(&g, p * 1.001) > 0);
	cr_assert(ver_honesty_margin(&g, p * 0.999) < 0);
}

/* Theorem A.3 reduces to Corollary 1 for N = 1, W1 = R, W2 = 2R: the Brent root
 * of the general margin equals the closed form, over a table of games. */
Test(ver, general_form_reduces_to_corollary_for_n_1)
{
	static const double cases[][3] = {   /* r, R/C, S/C */
		{ 0.5, 1.2, 250 }, { 0.1, 1.2, 250 }, { 0.3, 2.0, 10 }, { 0.9, 1.05, 1000 },
		{ 0.01, 1.5, 50 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ver_game g = { .r = cases[i][0], .R = cases[i][1], .S = cases[i][2],
		                      .C = 1, .W1 = cases[i][1], .W2 = 2 * cases[i][1], .N = 1 };
		double closed = ver_p_min_corollary(&g), root = ver_p_min_root(&g);
		cr_assert(fabs(root - closed) <= 1e-12 * closed + 1e-15,
		          "case %zu: root %.15g vs corollary %.15g", i, root, closed);
		cr_assert(fabs(ver_honesty_margin(&g, closed)) < 1e-9);
	}
}

Test(ver, general_form_more_verifiers_need_less_replication)
{
	struct ver_game g = { .r = 0.3, .R = 1.2, .S = 250, .C = 1, .W1 = 1.2, .W2 = 2.4, .N = 1 };
	double p1 = ver_p_min(&g);
	g.N = 3;
	double p3 = ver_p_min(&g);
	cr_assert(p3 > 0 && p3 < p1, "p1 %g p3 %g", p1, p3);
	cr_assert(fabs(ver_honesty_margin(&g, p3)) < 1e-9);
	/* Honesty always pays when the reward beats cheating without checks. */
	g.W1 = 0.1;   /* f(0) = R - W1 - C = 0.1 > 0 */
	cr_assert_eq(ver_p_min(&g), 0.0);
	/* No replication rate helps when the collateral is tiny and cheats pay a lot. */
	g = (struct ver_game){ .r = 0.99, .R = 1.0, .S = 0, .C = 1, .W1 = 5, .W2 = 50, .N = 1 };
	cr_assert(isnan(ver_p_min(&g)));
}

/* Reference domain.md §3.2: 0.5^10 = 9.8e-4 (whitepaper §2.6), (1/3)^5 = 4.1e-3
 * and (1/3)^10 = 1.7e-5 (docs website/sampling-consensus.md). */
Test(ver, tamper_probabilities_match_the_reference)
{
	cr_assert(fabs(ver_tamper_prob_full(0.5, 10) - 9.77e-4) < 1e-6);
	cr_assert(fabs(ver_tamper_prob_full(1.0 / 3, 5) - 4.115e-3) < 1e-6);
	cr_assert(fabs(ver_tamper_prob_full(1.0 / 3, 10) - 1.69e-5) < 1e-7);
}

Test(ver, overheads_and_attestations)
{
	struct ver_params p;
	ver_params_default(&p);
	cr_assert_float_eq(ver_overhead(&p, 0.01), 1.01, 1e-15);       /* 1 + pN */
	cr_assert_float_eq(ver_commit_tx(&p, 0.01), 1.01, 1e-15);
	p.game.N = 10;
	cr_assert_float_eq(ver_overhead(&p, 0.5), 6.0, 1e-15);         /* v1 testnet: p=50%, N=10 */
	p.design = VER_FULL;
	p.n_full = 5;
	cr_assert_float_eq(ver_overhead(&p, 0), 5.0, 1e-15);
	cr_assert_float_eq(ver_commit_tx(&p, 0), 5.0, 1e-15);
	p.design = VER_NONE;
	cr_assert_float_eq(ver_overhead(&p, 0), 1.0, 1e-15);
	/* auto_p: margin times p_min. */
	ver_params_default(&p);
	p.auto_p = 1;
	p.p_margin = 2;
	cr_assert_float_eq(ver_p_effective(&p), 2.0 / (0.5 * 251.2), 1e-15);
}

Test(ver, tabulation_spans_both_designs)
{
	struct ver_params p;
	ver_params_default(&p);
	enum { N = 20 };
	double df[N], of[N], dc[N], oc[N];
	ver_tabulate(&p, N, df, of, dc, oc);
	cr_assert_float_eq(df[0], 0.0, 1e-15);
	cr_assert_float_eq(of[0], 1.0, 1e-15);
	cr_assert_float_eq(df[9], 1 - pow(0.5, 9), 1e-15);
	cr_assert_float_eq(oc[0], 1.0001, 1e-12);
	cr_assert_float_eq(oc[N - 1], 2.0, 1e-12);
	cr_assert_float_eq(dc[N - 1], 0.5, 1e-12);
	for (int i = 1; i < N; i++)
		cr_assert(df[i] >= df[i - 1] && dc[i] > dc[i - 1] && oc[i] > oc[i - 1]);
}

/* Monte Carlo: the share of n tampered requests detected stays within a
 * binomial bound (4.5 sd: a false failure has probability ~7e-6) of q. */
Test(ver, monte_carlo_detection_matches_analytic_probability)
{
	static const struct { enum ver_design d; int n; double p, cheat; } cases[] = {
		{ VER_CROSS, 1, 0.01, 0.5 }, { VER_CROSS, 1, 0.3, 0.1 },
		{ VER_FULL, 3, 0, 0.5 },     { VER_FULL, 2, 0, 1.0 / 3 },
	};
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 20240705);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ver_params p;
		ver_params_default(&p);
		p.design = cases[i].d;
		p.n_full = cases[i].n;
		p.p_replicate = cases[i].p;
		p.cheat_share = cases[i].cheat;
		ver *v = make(&p);
		double q = ver_detect_prob(&p, p.p_replicate, p.cheat_share);
		const uint64_t n = 200000;
		uint64_t hits = 0;
		for (int rep = 0; rep < 5; rep++)
			hits += ver_draw_detections(v, r, n / 5);
		double sd = sqrt(n * q * (1 - q));
		cr_assert(fabs((double)hits - n * q) <= 4.5 * sd,
		          "case %zu: %llu hits, expected %.1f +- %.1f", i,
		          (unsigned long long)hits, n * q, sd);
		ver_free(v);
	}
	gsl_rng_free(r);
}

/* The daily step.  10,000 nodes, 1% cheating, 20 requests a node a day, each
 * tampered one caught with 0.01 x 0.99: a cheater is caught on a day with
 * c = 1 - (1 - 0.0099)^20.  Caught cheaters stop, so with the expected
 * values (no draws) the pool is 100 (1 - c)^t; with draws every one of the
 * 100 is caught once and no more (2,000 days), while timeouts stay at 100 a
 * day. */
Test(ver, cheaters_are_caught_once_and_the_pool_empties)
{
	struct ver_params p;
	ver_params_default(&p);
	p.cheat_share = 0.01;
	p.sampling = VER_PER_REQUEST;
	ver *v = make(&p);
	struct ver_day_in in = { .requests = 2e5, .units = 60, .nodes = 10000 };
	struct ver_day_out o;
	const double c = -expm1(20 * log1p(-0.01 * 0.99));
	for (int day = 0; day < 50; day++) {
		ver_step(v, day, &in, NULL, &o);
		double pool = 100 * pow(1 - c, day);
		cr_assert_float_eq(o.cheaters, pool, 1e-9 * pool, "day %d", day);
		cr_assert_float_eq(o.expected_detected, pool * c, 1e-9 * pool, "day %d", day);
	}
	ver_free(v);

	v = make(&p);
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 99);
	double sum = 0, to = 0;
	const int days = 2000;
	for (int day = 0; day < days; day++) {
		ver_step(v, day, &in, r, &o);
		sum += o.detected_nodes;
		to += o.timeouts;
	}
	cr_assert_eq(sum, 100.0);
	cr_assert_eq(o.cheaters, 0.0);
	cr_assert(fabs(to / days - 100.0) < 4.5 * sqrt(100.0 / days));
	cr_assert_float_eq(o.attest_tx, 60 * 1.01, 1e-9);
	cr_assert(o.honest_equilibrium);     /* 1% > 0.796% */
	cr_assert_eq(ver_total_detected(v), (int64_t)sum);
	ver_free(v);
	/* nodes that join bring cheat_share of cheaters; nodes that leave take theirs */
	v = make(&p);
	ver_step(v, 0, &in, NULL, &o);                 /* 100, then 100 (1 - c) */
	in.nodes = 20000;
	ver_step(v, 1, &in, NULL, &o);
	cr_assert_float_eq(o.cheaters, 100 * (1 - c) + 100, 1e-9);
	in.nodes = 10000;                              /* 10 requests a node on day 1 */
	ver_step(v, 2, &in, NULL, &o);
	const double c10 = -expm1(10 * log1p(-0.01 * 0.99));
	cr_assert_float_eq(o.cheaters, (100 * (1 - c) + 100) * (1 - c10) / 2, 1e-9);
	ver_free(v);
	p.p_replicate = 0.005;
	v = make(&p);
	ver_step(v, 0, &in, r, &o);
	cr_assert(!o.honest_equilibrium);
	ver_free(v);
	gsl_rng_free(r);
}

/* The collateral that makes honesty pay at rate p.  For N = 1, W1 = R,
 * W2 = 2R the margin is p (1-r)(R+S) - C, so S_min = C/(p(1-r)) - R: with
 * Prop. 2.4's payoffs at p = 1%, 1/(0.01 x 0.5) - 1.2 = 198.8 C.  For a game
 * without the closed form (N = 3, W2 = 3R) the margin at S_min is zero and
 * grows with S. */
Test(ver, collateral_min_zeroes_the_margin)
{
	struct ver_game g = { .r = 0.5, .R = 1.2, .S = 250, .C = 1, .W1 = 1.2, .W2 = 2.4, .N = 1 };
	cr_assert_float_eq(ver_collateral_min(&g, 0.01), 198.8, 1e-12);
	cr_assert_eq(ver_collateral_min(&g, 0.0), INFINITY);   /* never replicated: no S helps */
	g.R = g.W1 = 2.0;                   /* p (1-r) R = 1.5 > C at p = 1: honesty pays unaided */
	g.W2 = 4.0;
	cr_assert_eq(ver_collateral_min(&g, 1.0), 0.0);
	struct ver_game h = { .r = 0.3, .R = 1.1, .S = 0, .C = 1, .W1 = 1.5, .W2 = 3.3, .N = 3 };
	double s = ver_collateral_min(&h, 0.02);
	cr_assert(s > 0 && isfinite(s));
	h.S = s;
	cr_assert(fabs(ver_honesty_margin(&h, 0.02)) < 1e-9, "f = %g", ver_honesty_margin(&h, 0.02));
	h.S = s + 1;
	cr_assert_float_eq(ver_honesty_margin(&h, 0.02), 0.02 * (1 - pow(0.3, 3)), 1e-9);
}

/* A draw per stack covers k requests: reward and cost scale by k, the
 * collateral does not.  With k = 3,500 and S = 250C no p <= 1 makes honesty
 * pay ((1-r)(kR + S) = 2,225 < kC = 3,500); with S = 10^6 C the threshold is
 * kC / ((1-r)(kR + S)) = 3500 / (0.5 x 1,004,200). */
Test(ver, per_stack_game_scales_reward_not_collateral)
{
	struct ver_params p;
	ver_params_default(&p);
	cr_assert_eq(p.sampling, VER_PER_STACK);
	p.unit_requests = 3500;
	cr_assert_float_eq(ver_draw_requests(&p), 3500.0, 0);
	struct ver_game u = ver_unit_game(&p.game, 3500);
	cr_assert_float_eq(u.R, 4200.0, 1e-9);
	cr_assert_float_eq(u.C, 3500.0, 1e-9);
	cr_assert_float_eq(u.W2, 8400.0, 1e-9);
	cr_assert_eq(u.S, 250.0);
	cr_assert(isnan(ver_p_min(&u)));
	p.auto_p = 1;
	cr_assert_eq(ver_p_effective(&p), 1.0);              /* no p works: replicate all */
	cr_assert_float_eq(ver_collateral_min(&u, 0.01), 3500 * 198.8, 1e-6);
	u.S = 1e6;
	cr_assert_float_eq(ver_p_min(&u), 3500.0 / (0.5 * 1004200.0), 1e-15);
	p.game.S = 1e6;
	cr_assert_float_eq(ver_p_effective(&p), 1.25 * 3500.0 / (0.5 * 1004200.0), 1e-15);
	p.sampling = VER_PER_REQUEST;                        /* the request game, as before */
	cr_assert_float_eq(ver_draw_requests(&p), 1.0, 0);
	cr_assert_float_eq(ver_p_effective(&p), 1.25 / (0.5 * 1000001.2), 1e-15);
}

/* Per stack a cheater is caught per stack it serves, not per request:
 * 1,000 nodes, 10 cheaters, 10^6 requests in 10^6/3,500 stacks a day, each
 * tampered stack caught with q = 0.01 (1 - 0.01): caught on a day with
 * 1 - (1-q)^(285.7/1000) per stack against 1 - (1-q)^1000 per request. */
Test(ver, per_stack_detection_counts_stacks)
{
	struct ver_params p;
	ver_params_default(&p);
	p.cheat_share = 0.01;
	p.unit_requests = 3500;
	struct ver_day_in in = { .requests = 1e6, .units = 1e6 / 3500, .nodes = 1000 };
	struct ver_day_out o;
	const double q = 0.01 * 0.99;
	ver *v = make(&p);
	ver_step(v, 0, &in, NULL, &o);
	cr_assert_float_eq(o.detect_per_request, q, 1e-15);
	cr_assert_float_eq(o.expected_detected, 10 * (1 - pow(1 - q, 1e6 / 3500 / 1000)), 1e-12);
	cr_assert(!o.honest_equilibrium);
	ver_free(v);
	p.sampling = VER_PER_REQUEST;
	v = make(&p);
	ver_step(v, 0, &in, NULL, &o);
	cr_assert_float_eq(o.expected_detected, 10 * (1 - pow(1 - q, 1000)), 1e-12);
	cr_assert(o.honest_equilibrium);
	ver_free(v);
}

Test(ver, same_seed_same_draws)
{
	struct ver_params p;
	ver_params_default(&p);
	p.cheat_share = 0.05;
	int64_t a[50], b[50];
	for (int pass = 0; pass < 2; pass++) {
		ver *v = make(&p);
		gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
		gsl_rng_set(r, 5);
		struct ver_day_in in = { .requests = 1e4, .units = 3, .nodes = 1000 };
		struct ver_day_out o;
		for (int day = 0; day < 50; day++) {
			ver_step(v, day, &in, r, &o);
			(pass ? b : a)[day] = o.detected_nodes * 1000 + o.timeouts;
		}
		gsl_rng_free(r);
		ver_free(v);
	}
	cr_assert(memcmp(a, b, sizeof a) == 0);
}

Test(ver, bad_parameters_are_rejected_with_their_json_path)
{
	struct ver_params p;
	ver_params_default(&p);
	p.game.r = 1.0;
	p.n_full = 0;
	p.p_replicate = -0.1;
	sim_diag d;
	diag_init(&d);
	cr_assert_eq(ver_check(&p, "x.json", &d), SIM_EINVAL);
	cr_assert_eq(d.n, 3);
	cr_assert_str_eq(d.msg[0], "x.json: $.verification.full.nodes: must be in [1, 256] "
	                 "(MaxNodesToSample), got 0");
	cr_assert_str_eq(d.msg[1], "x.json: $.verification.cross.p: must be in [0, 1], got -0.1");
	cr_assert_str_eq(d.msg[2], "x.json: $.verification.game.attacker_share: must be in "
	                 "[0, 1), got 1");
	cr_assert_null(ver_alloc(&p, &d));
	diag_release(&d);
}

#include "sim/scn.h"

Test(ver, scenario_defaults_equal_the_code_defaults)
{
	sim_diag d;
	diag_init(&d);
	scn *s = scn_parse("{\"model\": \"network\"}", "t.json", NULL, 0, &d);
	cr_assert_not_null(s);
	struct ver_params a, b;
	cr_assert_eq(ver_parse(&a, s, &d), SIM_OK);
	ver_params_default(&b);
	cr_assert(memcmp(&a, &b, sizeof a) == 0);
	scn_free(s);
	s = scn_parse("{\"model\": \"network\", \"verification\": {\"design\": \"full\","
	              " \"full\": {\"nodes\": 5}, \"cross\": {\"auto_p\": true}}}", "t.json",
	              NULL, 0, &d);
	cr_assert_not_null(s);
	cr_assert_eq(ver_parse(&a, s, &d), SIM_OK);
	cr_assert_eq(a.design, VER_FULL);
	cr_assert_eq(a.n_full, 5);
	cr_assert_eq(a.auto_p, 1);
	cr_assert_eq(a.sampling, VER_PER_STACK);
	scn_free(s);
	s = scn_parse("{\"model\": \"network\", \"verification\": {\"sampling\": \"request\"}}",
	              "t.json", NULL, 0, &d);
	cr_assert_not_null(s);
	cr_assert_eq(ver_parse(&a, s, &d), SIM_OK);
	cr_assert_eq(a.sampling, VER_PER_REQUEST);
	scn_free(s);
	diag_release(&d);
}
