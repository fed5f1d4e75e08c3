/* test_serving.c — the serving model: conservation, Little's law, KV
 * accounting, driven = model on an engine whose step time is known exactly,
 * reproducibility, percentiles, routing and the capacity bisection. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "engine/eng_profile.h"
#include "h5/h5i.h"
#include "helpers.h"
#include "models/router.h"
#include "sim/scn.h"
#include "models/serving.h"
#include "models/srv_capacity.h"
#include "sim/spawn.h"

/* A small node: 2 ms per step + 0.1 ms per token + 1 us per attended position. */
static void small_params(struct srv_params *p)
{
	srv_params_default(p);
	memset(&p->one_node.cost, 0, sizeof p->one_node.cost);
	p->one_node.cost.c[0] = 2e-3;
	p->one_node.cost.c[1] = 1e-4;
	p->one_node.cost.c[3] = 1e-6;
	p->one_node.kv_blocks = 256;
	p->block_tokens = 16;
	p->max_seqs = 32;
	p->max_batch_tokens = 128;
	p->max_seq_len = 1024;
	p->prompt = (struct srv_len_dist){ SRV_DIST_LOGNORMAL, 69.5, 1.0, 1, 300 };
	p->output = (struct srv_len_dist){ SRV_DIST_LOGNORMAL, 214.5, 1.0, 1, 400 };
	p->arrival_rate = 8;
	p->max_requests = 3000;
	p->check = 1;
}

static void check_invariants(const struct srv_params *p, const struct srv_result *r)
{
	cr_assert_eq(r->arrived, r->completed + r->queued + r->running + r->dropped,
	             "requests not conserved");
	/* Little's law, exactly: the area under N(t) is the time every admitted
	 * request spent in the system (finished or not). */
	cr_assert(fabs(r->area_in_system - r->sojourn_sum) <= 1e-9 * r->sojourn_sum,
	          "area %.17g != sojourns %.17g", r->area_in_system, r->sojourn_sum);
	if (p->drain) {
		cr_assert_eq(r->queued + r->running, 0);
		/* with every request finished, L = lambda W over the run */
		cr_assert(fabs(r->mean_in_system - r->little_lw) <= 1e-9 * r->mean_in_system);
	}
}

Test(serving, conserves_requests_and_obeys_littles_law)
{
	static const struct { enum srv_arrival arr; double rate; int drain; int max_queue; } cases[] = {
		{ SRV_ARR_POISSON, 8, 1, 100000 },
		{ SRV_ARR_POISSON, 30, 1, 50 },     /* overloaded: drops */
		{ SRV_ARR_MMPP, 8, 1, 100000 },
		{ SRV_ARR_POISSON, 20, 0, 100000 }, /* stopped at the horizon with work in flight */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct srv_params p;
		small_params(&p);
		p.arrival = cases[i].arr;
		p.arrival_rate = cases[i].rate;
		p.drain = cases[i].drain;
		p.max_queue = cases[i].max_queue;
		if (!p.drain) {
			p.max_requests = 0;
			p.horizon_s = 120;
		}
		struct srv_result r;
		sim_diag d;
		diag_init(&d);
		struct srv_run_opts o = { .seed = 7 };
		sim_status st = srv_simulate(&p, &o, &r, &d);
		diag_print(&d, stderr, "");
		cr_assert_eq(st, SIM_OK, "case %zu", i);
		check_invariants(&p, &r);
		if (cases[i].max_queue == 50)
			cr_assert_gt(r.dropped, 0);
		if (!p.drain)
			cr_assert_gt(r.queued + r.running, 0);
		diag_release(&d);
	}
}

Test(serving, preempts_without_exceeding_kv_allocations)
{
	/* 40 blocks of 16 positions for requests of up to 700 positions: the pool
	 * runs out while sequences grow, so the scheduler must preempt; check = 1
	 * verifies every sequence's blocks against its positions at every step. */
	struct srv_params p;
	small_params(&p);
	p.one_node.kv_blocks = 40;
	p.watermark = 0;
	p.arrival_rate = 20;
	p.max_requests = 1000;
	struct srv_result r;
	sim_diag d;
	diag_init(&d);
	struct srv_run_opts o = { .seed = 3 };
	cr_assert_eq(srv_simulate(&p, &o, &r, &d), SIM_OK);
	cr_assert_gt(r.preemptions, 0, "no preemption happened");
	cr_assert_eq(r.completed + r.dropped, r.arrived);
	check_invariants(&p, &r);
	diag_release(&d);
}

Test(serving, model_mode_is_reproducible)
{
	struct srv_params p;
	small_params(&p);
	p.check = 0;
	struct srv_result a, b, c;
	sim_diag d;
	diag_init(&d);
	struct srv_run_opts o = { .seed = 11 }, o2 = { .seed = 12 };
	cr_assert_eq(srv_simulate(&p, &o, &a, &d), SIM_OK);
	cr_assert_eq(srv_simulate(&p, &o, &b, &d), SIM_OK);
	cr_assert_eq(srv_simulate(&p, &o2, &c, &d), SIM_OK);
	cr_assert_eq(memcmp(a.e2e, b.e2e, sizeof a.e2e), 0);
	cr_assert_eq(a.steps, b.steps);
	cr_assert_eq(a.t_end, b.t_end);
	cr_assert_neq(a.t_end, c.t_end);
	diag_release(&d);
}

/* About the known-answer test: one request at a time (a trace with 10 s
 * between arrivals), fixed lengths, so every decode step is one sequence at a known
 * position and TPOT is an exact sum. */
Test(serving, percentiles_match_a_known_answer)
{
	struct srv_params p;
	small_params(&p);
	p.prompt = (struct srv_len_dist){ SRV_DIST_FIXED, 20, 0, 1, 100 };
	p.output = (struct srv_len_dist){ SRV_DIST_FIXED, 11, 0, 1, 100 };
	struct trace tr;
	cr_assert_eq(trace_init(&tr, 200), SIM_OK);
	for (int i = 0; i < 200; i++) {
		tr.arrival_s[i] = 10.0 * i;
		tr.prompt[i] = 20;
		tr.output[i] = 11;
	}
	p.arrival = SRV_ARR_TRACE;
	p.trace = &tr;
	struct srv_result r;
	sim_diag d;
	diag_init(&d);
	struct srv_run_opts o = { .seed = 5 };
	cr_assert_eq(srv_simulate(&p, &o, &r, &d), SIM_OK);
	trace_release(&tr);
	const double *c = p.one_node.cost.c;
	/* prefill: 20 tokens attending 1..20 positions; decode k reads 21+k positions */
	double ttft = c[0] + 20 * c[1] + c[3] * 210;
	double tpot = 0;
	for (int k = 0; k < 10; k++)
		tpot += c[0] + c[1] + c[3] * (21 + k);
	tpot /= 10;
	cr_assert_eq(r.measured, 200);
	for (int i = 0; i < SRV_NPCT; i++) {
		cr_assert(fabs(r.ttft[i] / ttft - 1) < 2e-3, "ttft %g vs %g", r.ttft[i], ttft);
		cr_assert(fabs(r.tpot[i] / tpot - 1) < 2e-3, "tpot %g vs %g", r.tpot[i], tpot);
		cr_assert(fabs(r.e2e[i] / (ttft + 10 * tpot) - 1) < 2e-3);
	}
	cr_assert(fabs(r.tpot_mean / tpot - 1) < 1e-7, "mean %.17g vs %.17g", r.tpot_mean, tpot);
	diag_release(&d);
}

/* Driven mode runs every step on the engine (with its real paged KV cache);
 * with the clock replaced by a known step time it must reproduce model mode
 * exactly, preemptions included. */
Test(serving, driven_equals_model_when_step_time_is_known, .timeout = 60)
{
	struct eng_config cfg = { .dim = 64, .n_layers = 2, .n_heads = 4, .n_kv_heads = 2,
	                          .hidden_dim = 128, .vocab_size = 256, .seq_len = 512 };
	char err[ENG_ERR_LEN];
	eng_model *em;
	cr_assert_eq(eng_model_synthetic(&em, &cfg, ENG_F32, 1, err, sizeof err), ENG_OK, "%s", err);
	struct srv_params p;
	small_params(&p);
	p.prompt = (struct srv_len_dist){ SRV_DIST_LOGNORMAL, 40, 1.0, 1, 200 };
	p.output = (struct srv_len_dist){ SRV_DIST_LOGNORMAL, 60, 1.0, 1, 200 };
	p.max_seq_len = 512;
	p.one_node.kv_blocks = 30;  /* small: forces preemption */
	p.watermark = 0;
	p.arrival_rate = 40;
	p.max_requests = 150;
	p.engine = em;
	struct srv_result rm, rd;
	sim_diag d;
	diag_init(&d);
	struct srv_run_opts o = { .seed = 9 };
	p.timing = SRV_TIMING_MODEL;
	cr_assert_eq(srv_simulate(&p, &o, &rm, &d), SIM_OK);
	p.timing = SRV_TIMING_DRIVEN;
	o.driven_clock = &p.one_node.cost;
	sim_status st = srv_simulate(&p, &o, &rd, &d);
	diag_print(&d, stderr, "");
	cr_assert_eq(st, SIM_OK);
	cr_assert_gt(rm.preemptions, 0);
	cr_assert_eq(rd.preemptions, rm.preemptions);
	cr_assert_eq(rd.steps, rm.steps);
	cr_assert_eq(rd.completed, rm.completed);
	cr_assert_eq(rd.t_end, rm.t_end);
	cr_assert_eq(memcmp(rd.ttft, rm.ttft, sizeof rd.ttft), 0);
	cr_assert_eq(memcmp(rd.tpot, rm.tpot, sizeof rd.tpot), 0);
	cr_assert_eq(memcmp(rd.e2e, rm.e2e, sizeof rd.e2e), 0);
	cr_assert_gt(rd.step_wall_s, 0);  /* the engine really ran */
	check_invariants(&p, &rd);
	/* and with the measured clock the run completes, KV checked against the engine */
	o.driven_clock = NULL;
	p.max_requests = 40;
	cr_assert_eq(srv_simulate(&p, &o, &rd, &d), SIM_OK);
	check_invariants(&p, &rd);
	diag_release(&d);
	eng_model_free(em);
}

Test(serving, replays_a_trace)
{
	sim_diag d;
	diag_init(&d);
	struct trace tr;
	cr_assert_eq(trace_read(&tr, DAIS_SRCDIR "/tests/traces/good/small.csv", &d), SIM_OK);
	struct srv_params p;
	small_params(&p);
	p.arrival = SRV_ARR_TRACE;
	p.trace = &tr;
	p.max_requests = 0;
	struct srv_result r;
	struct srv_run_opts o = { .seed = 1 };
	cr_assert_eq(srv_simulate(&p, &o, &r, &d), SIM_OK);
	cr_assert_eq(r.arrived, 4);
	cr_assert_eq(r.completed, 4);
	cr_assert_eq(r.measured, 4);
	check_invariants(&p, &r);
	trace_release(&tr);
	diag_release(&d);
}

Test(serving, fleet_throughput_grows_linearly)
{
	/* N nodes at the same load per node serve N times the tokens */
	struct srv_node_params nodes[8];
	double base = 0;
	for (int n = 1; n <= 8; n *= 2) {
		struct srv_params p;
		small_params(&p);
		p.check = 0;
		for (int i = 0; i < n; i++)
			nodes[i] = p.one_node;
		p.node = nodes;
		p.n_nodes = n;
		p.route = SRV_ROUTE_POWER_OF_TWO;
		p.arrival_rate = 8.0 * n;
		p.max_requests = 2000 * n;
		p.warmup_s = 20;
		struct srv_result r;
		sim_diag d;
		diag_init(&d);
		struct srv_run_opts o = { .seed = 2 };
		cr_assert_eq(srv_simulate(&p, &o, &r, &d), SIM_OK);
		if (n == 1)
			base = r.output_tps;
		cr_assert(fabs(r.output_tps / (n * base) - 1) < 0.05, "N=%d: %g tokens/s vs %g", n,
		          r.output_tps, n * base);
		check_invariants(&p, &r);
		diag_release(&d);
	}
}

Test(serving, routers_pick_as_documented)
{
	int64_t load[4] = { 5, 2, 7, 2 };
	double speed[4] = { 1, 1, 10, 1 };
	struct router r = { .policy = SRV_ROUTE_LEAST_LOADED, .n = 4, .speed = speed };
	cr_assert_eq(router_pick(&r, load), 1);  /* lowest index on ties */
	r.policy = SRV_ROUTE_HARDWARE_AWARE;
	cr_assert_eq(router_pick(&r, load), 2);  /* 8/10 < 3/1 */
	r.policy = SRV_ROUTE_ROUND_ROBIN;
	for (int i = 0; i < 8; i++)
		cr_assert_eq(router_pick(&r, load), i % 4);
	enum srv_route x;
	cr_assert_eq(router_parse("power_of_two", &x), 0);
	cr_assert_eq(x, SRV_ROUTE_POWER_OF_TWO);
	cr_assert_eq(router_parse("fastest", &x), -1);
}

Test(serving, capacity_bisection_brackets_the_objective)
{
	struct srv_params p;
	small_params(&p);
	p.check = 0;
	p.max_requests = 2000;
	double rate;
	struct srv_result r;
	sim_diag d;
	diag_init(&d);
	cr_assert_eq(srv_capacity(&p, 0.02, 2.0, 1, &rate, &r, &d), SIM_OK);
	cr_assert_gt(rate, 0);
	cr_assert_leq(r.tpot[SRV_P99], 0.02);
	cr_assert_leq(r.ttft[SRV_P99], 2.0);
	/* a tighter objective gives a lower rate */
	double rate2;
	cr_assert_eq(srv_capacity(&p, 0.012, 2.0, 1, &rate2, &r, &d), SIM_OK);
	cr_assert_lt(rate2, rate);
	/* an objective below one step's time cannot be met */
	cr_assert_eq(srv_capacity(&p, 0.001, 2.0, 1, &rate2, &r, &d), SIM_OK);
	cr_assert_eq(rate2, 0);
	diag_release(&d);
}

/* The latency curve below capacity (model mode, so deterministic): every
 * load replays the same requests closer together, so latency rises with
 * load; means and medians by at most a percent's wobble, tail percentiles
 * of 2000 requests (the 20 slowest) within 15%.  The load 1 point is the
 * capacity's own run: it meets the objective. */
Test(serving, latency_curve_rises_with_load_to_the_objective)
{
	struct srv_params p;
	small_params(&p);
	p.check = 0;
	p.max_requests = 2000;
	sim_diag d;
	diag_init(&d);
	struct srv_cap_row row = { .replicas = 1, .node = p.one_node, .max_seq_len = p.max_seq_len };
	cr_assert_eq(srv_capacity(&p, 0.02, 2.0, SRV_CAP_SEED, &row.rate, &row.res, &d), SIM_OK);
	cr_assert_gt(row.rate, 0);
	struct srv_curve_point pts[SRV_CURVE_NLOAD];
	cr_assert_eq(srv_latency_curve(&p, &row, pts, &d), SIM_OK);
	const struct srv_result *top = &pts[SRV_CURVE_NLOAD - 1].res, *low = &pts[0].res;
	cr_assert_eq(pts[SRV_CURVE_NLOAD - 1].load, 1.0);
	cr_assert_eq(top->tpot[SRV_P99], row.res.tpot[SRV_P99]);
	cr_assert_eq(top->ttft[SRV_P99], row.res.ttft[SRV_P99]);
	cr_assert_eq(top->completed, row.res.completed);
	cr_assert_leq(top->tpot[SRV_P99], 0.02);
	cr_assert_leq(top->ttft[SRV_P99], 2.0);
	for (int k = 1; k < SRV_CURVE_NLOAD; k++) {
		const struct srv_result *a = &pts[k - 1].res, *b = &pts[k].res;
		cr_assert_gt(pts[k].load, pts[k - 1].load);
		cr_assert(fabs(pts[k].rate - pts[k].load * row.rate) <= 1e-12 * row.rate);
		cr_assert_geq(b->e2e_mean, 0.99 * a->e2e_mean, "load %g: mean e2e %g < %g", pts[k].load,
		              b->e2e_mean, a->e2e_mean);
		cr_assert_geq(b->tpot[SRV_P50], 0.99 * a->tpot[SRV_P50], "load %g: p50 tpot", pts[k].load);
		cr_assert_geq(b->ttft[SRV_P50], 0.99 * a->ttft[SRV_P50], "load %g: p50 ttft", pts[k].load);
		cr_assert_geq(b->tpot[SRV_P99], 0.85 * a->tpot[SRV_P99], "load %g: p99 tpot", pts[k].load);
		cr_assert_geq(b->ttft[SRV_P99], 0.85 * a->ttft[SRV_P99], "load %g: p99 ttft", pts[k].load);
	}
	cr_assert_gt(top->e2e_mean, 1.1 * low->e2e_mean);
	cr_assert_gt(top->ttft[SRV_P99], low->ttft[SRV_P99]);
	cr_assert_gt(top->tpot[SRV_P99], low->tpot[SRV_P99]);
	/* a row without a capacity has no curve */
	row.rate = 0;
	cr_assert_eq(srv_latency_curve(&p, &row, pts, &d), SIM_EINVAL);
	diag_release(&d);
}

Test(serving, scenarios_load_and_bad_ones_are_reported)
{
	const struct model_type *mt = &serving_model_type;
	static const char *const good[] = { "serving-h100-8b.json", "serving-capacity.json",
	                                    "serving-mmpp-fleet.json", "serving-trace.json" };
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		char path[1024];
		snprintf(path, sizeof path, "%s/scenarios/%s", DAIS_SRCDIR, good[i]);
		sim_diag d;
		diag_init(&d);
		scn *s = scn_load(path, NULL, 0, &d);
		diag_print(&d, stderr, "");
		cr_assert_not_null(s, "%s", good[i]);
		void *params = calloc(1, mt->params_size);
		sim_status st = mt->parse(params, s, &d);
		diag_print(&d, stderr, "");
		cr_assert_eq(st, SIM_OK, "%s", good[i]);
		mt->release(params);
		free(params);
		scn_free(s);
		diag_release(&d);
	}
	static const struct { const char *json, *msg; } bad[] = {
		{ "{\"model\":\"serving\",\"serving\":{\"arrival\":\"trace\"}}", "$.serving.trace: expected a trace file" },
		{ "{\"model\":\"serving\",\"serving\":{\"hardware\":\"abacus\"}}", "no hardware class 'abacus'" },
		{ "{\"model\":\"serving\",\"serving\":{\"model_size\":\"medium\",\"hardware\":\"rtx4090\"}}", "does not fit" },
		{ "{\"model\":\"serving\",\"serving\":{\"requests\":0}}", "expected a horizon" },
		{ "{\"model\":\"serving\",\"serving\":{\"prompt\":{\"min\":10,\"max\":5}}}", "expected min <= max" },
		{ "{\"model\":\"serving\",\"serving\":{\"cost\":\"linear\",\"cost_linear\":[1e-3],"
		  "\"cost_cache_positions\":1000,\"cost_cache_from_positions\":1000}}",
		  "$.serving.cost_cache_from_positions: expected less than cost_cache_positions (1000), got 1000" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		sim_diag d;
		diag_init(&d);
		scn *s = scn_parse(bad[i].json, "<bad>", NULL, 0, &d);
		cr_assert_not_null(s);
		void *params = calloc(1, mt->params_size);
		cr_assert_eq(mt->parse(params, s, &d), SIM_EINVAL, "%s accepted", bad[i].json);
		int found = 0;
		for (int k = 0; k < d.n; k++)
			found |= strstr(d.msg[k], bad[i].msg) != NULL;
		cr_assert(found, "%s: no message with '%s' (first: %s)", bad[i].json, bad[i].msg,
		          d.n ? d.msg[0] : "none");
		mt->release(params);
		free(params);
		scn_free(s);
		diag_release(&d);
	}
}

/* Model mode priced by the engine's calibration profile: the linear cost the
 * model builds must reproduce the profile's own predictions. */
Test(serving, profile_cost_matches_the_calibration_profile)
{
	const char *json = "{\"model\":\"serving\",\"serving\":{\"cost\":\"profile\",\"hardware\":\"h100_80\","
	                   "\"model_size\":\"small\",\"calibration\":\"" DAIS_SRCDIR "/data/calibration/default.json\"}}";
	sim_diag d;
	diag_init(&d);
	scn *s = scn_parse(json, "<profile>", NULL, 0, &d);
	cr_assert_not_null(s);
	const struct model_type *mt = &serving_model_type;
	void *params = calloc(1, mt->params_size);
	sim_status st = mt->parse(params, s, &d);
	diag_print(&d, stderr, "");
	cr_assert_eq(st, SIM_OK);
	const struct srv_params *p = params;  /* the parameters come first */
	struct eng_profile *pf;
	char err[ENG_ERR_LEN];
	cr_assert_eq(eng_profile_load(&pf, DAIS_SRCDIR "/data/calibration/default.json", err, sizeof err),
	             ENG_OK, "%s", err);
	/* Llama-3.1-8B in data/capacity/models.csv, FP8 weights -> Q8_0 */
	struct eng_config cfg = { .dim = 4096, .n_layers = 32, .n_heads = 32, .n_kv_heads = 8,
	                          .hidden_dim = 14336, .vocab_size = 128256, .seq_len = 8192 };
	static const int comp[][3] = { { 0, 1, 300 }, { 128, 0, 8256 }, { 256, 64, 50000 }, { 0, 200, 90000 } };
	for (size_t k = 0; k < sizeof comp / sizeof comp[0]; k++) {
		struct eng_step_desc sd = { .n_prefill_tokens = comp[k][0], .n_decode_seqs = comp[k][1],
		                            .ctx_tokens = comp[k][2], .model = cfg, .dtype = ENG_Q8_0 };
		double want = eng_profile_predict(pf, &sd, "h100-sxm");
		struct srv_step st2 = { .n_tokens = comp[k][0] + comp[k][1], .n_prefill = comp[k][0],
		                        .n_decode = comp[k][1], .n_seqs = comp[k][1] + (comp[k][0] > 0),
		                        .n_logits = comp[k][1] + (comp[k][0] > 0), .attn = comp[k][2] };
		double got = srv_cost_eval(&p->node[0].cost, &st2);
		cr_assert(fabs(got / want - 1) < 1e-9, "composition %zu: %g s vs the profile's %g s", k, got, want);
	}
	eng_profile_free(pf);
	mt->release(params);
	free(params);
	scn_free(s);
	diag_release(&d);
}

/* The cost terms by hand: a cache ramp from 1000 to 3000 KV positions,
 * tiles of 8 tokens and a surcharge for single-token steps. */
Test(serving, cost_terms_follow_their_definitions)
{
	struct srv_cost c;
	memset(&c, 0, sizeof c);
	c.c[0] = 1e-3;   /* s */
	c.c[1] = 1e-5;   /* s/token */
	c.c[3] = 1e-8;   /* s/attended position */
	c.c[6] = 1e-7;   /* s/older position, all missing */
	c.c[8] = 2e-4;   /* s/extra tile */
	c.c[9] = 3e-4;   /* s/single-token step */
	c.cache_from_positions = 1000;
	c.cache_positions = 3000;
	c.token_tile = 8;
	struct { int tok; double ctx, attn, attn_old, want; } k[] = {
		/* below the ramp, one tile, a single token */
		{ 1, 500, 500, 500, 1e-3 + 1e-5 + 500e-8 + 3e-4 },
		/* two tokens: no surcharge */
		{ 2, 500, 1000, 1000, 1e-3 + 2e-5 + 1000e-8 },
		/* half way up the ramp: half the older reads miss; 9 tokens = 2 tiles */
		{ 9, 2000, 4000, 3000, 1e-3 + 9e-5 + 4000e-8 + 0.5 * 3000e-7 + 2e-4 },
		/* past the ramp: all miss; 24 tokens = 3 tiles */
		{ 24, 5000, 9000, 8000, 1e-3 + 24e-5 + 9000e-8 + 8000e-7 + 4e-4 },
	};
	for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
		struct srv_step st = { .n_tokens = k[i].tok, .n_decode = k[i].tok, .n_seqs = k[i].tok,
		                       .n_logits = k[i].tok, .ctx_tokens = k[i].ctx, .attn = k[i].attn,
		                       .attn_old = k[i].attn_old };
		double got = srv_cost_eval(&c, &st), x[SRV_COST_NFEAT], dot = 0;
		cr_assert(fabs(got - k[i].want) < 1e-12, "case %zu: %.12g s, want %.12g s", i, got, k[i].want);
		srv_cost_features(&c, &st, x);
		for (int j = 0; j < SRV_COST_NFEAT; j++)
			dot += c.c[j] * x[j];
		cr_assert(fabs(dot - got) < 1e-12, "case %zu: features . c = %.12g, eval %.12g", i, dot, got);
	}
}

/* The step noise: residuals of +50% in every class make every step exactly
 * 1.5 times as long, so the busy time scales by 1.5 when the arrivals and
 * lengths (a trace of spaced requests, each alone) are the same; residuals
 * alternating +-20%, drawn in blocks of two consecutive ones, cancel in
 * pairs over a request's steps (independent draws would not). */
Test(serving, step_noise_scales_steps_by_the_drawn_residuals)
{
	char path[] = "/tmp/dais-noise-XXXXXX";
	int fd = mkstemp(path);
	cr_assert(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fprintf(f, "# source: generated by the test\narrival_s,prompt_tokens,output_tokens\n");
	for (int i = 0; i < 20; i++)
		fprintf(f, "%d,32,101\n", 10 * i);
	fclose(f);
	struct srv_params p;
	small_params(&p);
	p.arrival = SRV_ARR_TRACE;
	sim_diag d;
	diag_init(&d);
	struct trace tr;
	cr_assert_eq(trace_read(&tr, path, &d), SIM_OK);
	p.trace = &tr;
	p.max_requests = 20;
	struct srv_run_opts o = { .seed = 5 };
	struct srv_result base, up, alt;
	cr_assert_eq(srv_simulate(&p, &o, &base, &d), SIM_OK);

	static const float plus[3] = { 0.5f, 0.5f, 0.5f };
	for (int cl = 0; cl < SRV_NOISE_CLASSES; cl++)
		p.one_node.cost.noise[cl] = (struct srv_noise){ plus, 3, 2 };
	cr_assert_eq(srv_simulate(&p, &o, &up, &d), SIM_OK);
	double busy_up = up.busy_frac * up.t_end, busy_base = base.busy_frac * base.t_end;
	cr_assert(fabs(busy_up / busy_base - 1.5) < 1e-9, "busy %g s vs %g s", busy_up, busy_base);
	cr_assert(fabs(up.tpot_mean / base.tpot_mean - 1.5) < 1e-9);

	static const float pm[2] = { 0.2f, -0.2f };
	for (int cl = 0; cl < SRV_NOISE_CLASSES; cl++)
		p.one_node.cost.noise[cl] = (struct srv_noise){ pm, 2, 2 };
	cr_assert_eq(srv_simulate(&p, &o, &alt, &d), SIM_OK);
	/* 100 decode steps per request: +-20% alternate in pairs, so each
	 * request's decode time is within two unpaired steps' 20% of the base
	 * (a pair left over from the previous request at the start, one at the
	 * end), 0.4%, and every request's TPOT with it: its p99 too, to within
	 * the histogram's 0.3% (independent draws put the slowest of 20 requests
	 * about 4% off) */
	for (int b = 0; b < SRV_NPCT; b++)
		cr_assert(fabs(alt.tpot[b] / base.tpot[b] - 1) < 0.004 + 0.003, "tpot percentile %d: %g vs %g",
		          b, alt.tpot[b], base.tpot[b]);
	trace_release(&tr);
	unlink(path);
	diag_release(&d);
}

/* The validation's scenario shrunk to a model and lengths that make a whole
 * validate-serving run take about a second. */
#define TINY_VALIDATION                                                                          \
	"--set", "serving.engine.config=dim=64,layers=2,heads=2,kv_heads=2,hidden=128,vocab=256,"  \
	"seq=512", "--set", "serving.prompt.max=64", "--set", "serving.output.max=64", "--set",    \
	"serving.max_seq_len=512"

/* Runs validate-serving with argv, which must end in 0 (targets met) or 1
 * (missed), into *code, and opens DIR/name, which it must have written. */
static FILE *run_validation(int argc, const char **argv, const char *dir, const char *name,
                            int *code)
{
	*code = cmd_validate_serving(argc, (char **)argv);
	cr_assert(*code == 0 || *code == 1, "exit status %d", *code);
	char path[1200];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "%s not written", path);
	return f;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Replaces the file at path by len bytes of text. */
static void write_text(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	cr_assert_eq(fwrite(text, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

/* `dais validate-serving` end to end on a tiny engine model (about a second):
 * the files it writes, their consistency (each relative error recomputed from
 * its two percentiles, the exit status from the median), and the refusal of a
 * run whose requests are too few to find a knee. */
Test(serving, validate_command_writes_a_consistent_error_table, .timeout = 120)
{
	char *dir = th_mkdtemp();
	const char *argv[] = { "validate-serving", th_src("scenarios/serving-validate.json"), "-d", dir,
	                       "--requests", "100", "--loads", "0.3,1.3", "--knee-ttft", "0.01", "--no-plot",
	                       TINY_VALIDATION, "--driven-reps", "2" };
	int argc = (int)(sizeof argv / sizeof argv[0]), code;
	FILE *f = run_validation(argc, argv, dir, "serving_validation.csv", &code);
	char path[1200], line[512];
	int rows = 0, pass = -1;
	double median = -1, floor_ = -1, err[2][9];
	while (fgets(line, sizeof line, f)) {
		double load, rate, dv, mv, e, sd;
		char metric[16], pct[16];
		if (sscanf(line, "# median_all,%lf", &median) == 1 ||
		    sscanf(line, "# driven_rel_sd_median,%lf", &floor_) == 1 ||
		    sscanf(line, "# pass,%d", &pass) == 1 || line[0] == '#' || !strncmp(line, "load,", 5))
			continue;
		cr_assert_eq(sscanf(line, "%lf,%lf,%15[^,],%15[^,],%lf,%lf,%lf,%lf", &load, &rate, metric, pct, &dv, &mv,
		                    &e, &sd),
		             8, "bad row: %s", line);
		cr_assert(isfinite(dv) && dv > 0 && isfinite(mv) && mv > 0, "row: %s", line);
		cr_assert(fabs(e - fabs(mv - dv) / dv) <= 5e-5 + 1e-4 * e, "row: %s", line);
		/* two driven runs per load by default: their spread is measured */
		cr_assert(isfinite(sd) && sd >= 0, "row: %s", line);
		cr_assert(rows < 18);
		err[rows / 9][rows % 9] = e;
		rows++;
	}
	fclose(f);
	cr_assert_eq(rows, 2 * 9, "%d rows", rows);
	cr_assert(median >= 0, "no median_all line");
	cr_assert(floor_ >= 0, "no driven_rel_sd_median line");
	/* the targets, recomputed from the rows: the median of all 18 errors,
	 * each p99 row's median over the two loads (their mean), and the median
	 * of the 9 errors of load 1.3, the one above 1 (the burst throughput) */
	double all[18], over[9];
	memcpy(all, err, sizeof all);
	memcpy(over, err[1], sizeof over);
	qsort(all, 18, sizeof *all, cmp_double);
	qsort(over, 9, sizeof *over, cmp_double);
	cr_assert(fabs(median - 0.5 * (all[8] + all[9])) < 1e-4, "median %g", median);
	int want = median <= 0.05 && over[4] <= 0.10;
	for (int q = 2; q < 9; q += 3)
		want &= 0.5 * (err[0][q] + err[1][q]) <= 0.10 + 1e-4;
	cr_assert_eq(pass, want, "pass %d, recomputed %d (median %g, overload %g)", pass, want, median,
	             over[4]);
	cr_assert_eq(code, pass ? 0 : 1, "exit %d with pass %d", code, pass);

	/* the loads are placed by the measurement, not by the model: each rate is
	 * its load times the driven burst throughput the header states, whatever
	 * the model's knee */
	snprintf(path, sizeof path, "%s/serving_latency.dat", dir);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	double burst = -1, knee_ttft = -1, knee = -1;
	int nrate = 0;
	while (fgets(line, sizeof line, f)) {
		double load, rate;
		if (sscanf(line, "# burst throughput (load 1, driven) %lf requests/s; knee (model mode p99 "
		           "TTFT <= %lf s) %lf", &burst, &knee_ttft, &knee) == 3 || line[0] == '#')
			continue;
		cr_assert_eq(sscanf(line, "%lf %lf", &load, &rate), 2, "row: %s", line);
		cr_assert(burst > 0, "no burst throughput before the rows");
		cr_assert(fabs(rate - load * burst) <= 1e-9 * rate, "load %g: rate %.10g, burst %.10g", load,
		          rate, burst);
		nrate++;
	}
	fclose(f);
	cr_assert_eq(nrate, 2);
	cr_assert(knee_ttft == 0.01 && knee > 0, "knee %g at %g s", knee, knee_ttft);

	/* every driven step logged: calibration (phase 0) and both loads (phase 1) */
	snprintf(path, sizeof path, "%s/serving_steps.dat", dir);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	int n[2] = { 0, 0 };
	while (fgets(line, sizeof line, f)) {
		int ph;
		if (line[0] != '#' && sscanf(line, "%d", &ph) == 1 && (ph == 0 || ph == 1))
			n[ph]++;
	}
	fclose(f);
	cr_assert(n[0] > 100 && n[1] > 100, "steps logged: %d calibration, %d loads", n[0], n[1]);
	snprintf(path, sizeof path, "%s/serving_cost_fit.txt", dir);
	cr_assert_eq(access(path, F_OK), 0);

	/* a replay reads the driven half back: the same driven percentiles, and
	 * model mode on the same fit (up to the logged times' 7 digits).  Its
	 * folder is named like shell code and gnuplot draws into it: the name
	 * reaches no shell (the command used to run system("mkdir -p '%s'")),
	 * so nothing but the folder and its files appears */
	char rdir[1100], cwd[4096];
	snprintf(rdir, sizeof rdir, "%s/q'$(touch F)`touch G`x", dir);
	const char *rargv[] = { "validate-serving", th_src("scenarios/serving-validate.json"), "-d", rdir,
	                        "--replay", dir,
	                        TINY_VALIDATION };
	cr_assert_not_null(getcwd(cwd, sizeof cwd));
	cr_assert_eq(chdir(dir), 0);   /* where a shell would have touched F and G */
	int rc = cmd_validate_serving((int)(sizeof rargv / sizeof rargv[0]), (char **)rargv);
	cr_assert_eq(chdir(cwd), 0);
	cr_assert(rc == 0 || rc == 1, "replay: exit status %d", rc);
	static const char *const evil[] = { "F", "G", "x", "q'" };
	for (size_t i = 0; i < sizeof evil / sizeof evil[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, evil[i]);
		cr_assert_neq(access(path, F_OK), 0, "%s was created", path);
	}
	snprintf(path, sizeof path, "%s/fig_serving_latency.png", rdir);
	if (spawn_have("gnuplot"))
		cr_assert_eq(access(path, F_OK), 0, "no figure in %s", rdir);
	snprintf(path, sizeof path, "%s/serving_validation.csv", dir);
	FILE *fa = fopen(path, "r");
	snprintf(path, sizeof path, "%s/serving_validation.csv", rdir);
	FILE *fb = fopen(path, "r");
	cr_assert(fa && fb);
	char lb[512];
	int same = 0;
	while (fgets(line, sizeof line, fa) && fgets(lb, sizeof lb, fb)) {
		double la, ra, da, ma, lb_, rb, db, mb;
		char m1[16], p1[16], m2[16], p2[16];
		if (sscanf(line, "%lf,%lf,%15[^,],%15[^,],%lf,%lf", &la, &ra, m1, p1, &da, &ma) != 6)
			continue;
		cr_assert_eq(sscanf(lb, "%lf,%lf,%15[^,],%15[^,],%lf,%lf", &lb_, &rb, m2, p2, &db, &mb), 6, "%s", lb);
		cr_assert(la == lb_ && ra == rb && !strcmp(m1, m2) && !strcmp(p1, p2) && da == db,
		          "driven row changed: %s vs %s", line, lb);
		cr_assert(fabs(mb - ma) <= 0.02 * ma, "model %s %s at load %g: %g, replayed %g", m1, p1, la, ma, mb);
		same++;
	}
	fclose(fa);
	fclose(fb);
	cr_assert_eq(same, 2 * 9);
	/* another scenario would regenerate other traces: refused */
	const char *oargv[sizeof rargv / sizeof rargv[0]];
	memcpy(oargv, rargv, sizeof rargv);
	for (size_t i = 0; i < sizeof rargv / sizeof rargv[0]; i++)
		if (!strcmp(oargv[i], "serving.prompt.max=64"))
			oargv[i] = "serving.prompt.max=32";
	cr_assert_eq(cmd_validate_serving((int)(sizeof oargv / sizeof oargv[0]), (char **)oargv), 2);
	/* a damaged knee objective in the header is named with its line */
	snprintf(path, sizeof path, "%s/serving_latency.dat", dir);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	char text[65536];
	size_t len = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[len] = '\0';
	char *at = strstr(text, "TTFT <= 0.01 s");
	cr_assert_not_null(at);
	memcpy(at, "TTFT <= -1.0 s", 14);
	write_text(path, text, len);
	cr_assert_eq(cmd_validate_serving((int)(sizeof rargv / sizeof rargv[0]), (char **)rargv), 2);
	memcpy(at, "TTFT <= 0.01 s", 14);
	write_text(path, text, len);
	/* a damaged step log is named with its line; nothing is run */
	snprintf(path, sizeof path, "%s/serving_steps.dat", dir);
	f = fopen(path, "a");
	cr_assert_not_null(f);
	fputs("1 0.30 five 0 1 1 1 10 10 10 1e-3 1e-3\n", f);
	fclose(f);
	cr_assert_eq(cmd_validate_serving((int)(sizeof rargv / sizeof rargv[0]), (char **)rargv), 2);
	th_rmtree(dir);
	free(dir);

	/* 20 requests of a model this fast meet a 1000 s objective all at once */
	dir = th_mkdtemp();
	argv[3] = dir;
	argv[5] = "20";
	argv[9] = "1000";
	cr_assert_eq(cmd_validate_serving(argc, (char **)argv), 2);
	th_rmtree(dir);
	free(dir);
}

/* --seeds: one whole validation per seed in DIR/seed-S, and a summary whose
 * rows repeat each seed's own table (median, pass) and whose exit status is
 * that of the worst; a repeated seed, or --seed beside --seeds, is refused
 * before anything runs. */
Test(serving, validate_seeds_runs_each_seed_and_reports_the_worst, .timeout = 120)
{
	char *dir = th_mkdtemp();
	const char *argv[] = { "validate-serving", th_src("scenarios/serving-validate.json"), "-d", dir,
	                       "--requests", "60", "--loads", "0.5", "--knee-ttft", "0.01", "--no-plot",
	                       "--quiet", TINY_VALIDATION, "--seeds", "7,3" };
	int argc = (int)(sizeof argv / sizeof argv[0]), code;
	FILE *f = run_validation(argc, argv, dir, "serving_seeds.csv", &code);
	char line[512];
	int rows = 0, all_pass = 1;
	static const long long want_seed[2] = { 7, 3 };
	while (fgets(line, sizeof line, f)) {
		long long seed;
		double med, p99, over, sd;
		int quiet, pass;
		if (line[0] == '#' || !strncmp(line, "seed,", 5))
			continue;
		cr_assert_eq(sscanf(line, "%lld,%lf,%lf,%lf,%lf,%d,%d", &seed, &med, &p99, &over, &sd, &quiet,
		                    &pass), 7, "row: %s", line);
		/* quiet labels the measurement (driven runs within 2% of each other) */
		cr_assert(quiet == (sd <= 0.02) || fabs(sd - 0.02) < 1e-4, "row: %s", line);
		cr_assert(rows < 2 && seed == want_seed[rows], "row %d: %s", rows, line);
		/* the seed's own table says the same */
		char own[1300], l2[512];
		snprintf(own, sizeof own, "%s/seed-%lld/serving_validation.csv", dir, seed);
		FILE *g = fopen(own, "r");
		cr_assert_not_null(g, "%s not written", own);
		double m2 = -1;
		int p2 = -1;
		while (fgets(l2, sizeof l2, g))
			if (sscanf(l2, "# median_all,%lf", &m2) != 1)
				sscanf(l2, "# pass,%d", &p2);
		fclose(g);
		cr_assert(fabs(m2 - med) < 1e-9 && p2 == pass, "%s: median %g pass %d; summary %g %d", own, m2,
		          p2, med, pass);
		all_pass &= pass;
		rows++;
	}
	fclose(f);
	cr_assert_eq(rows, 2);
	cr_assert_eq(code, all_pass ? 0 : 1);
	/* two runs of one seed would be the same run twice */
	argv[argc - 1] = "5,5";
	cr_assert_eq(cmd_validate_serving(argc, (char **)argv), 2);
	argv[argc - 1] = "5,x";
	cr_assert_eq(cmd_validate_serving(argc, (char **)argv), 2);
	const char *both[sizeof argv / sizeof argv[0] + 2];
	memcpy(both, argv, sizeof argv);
	both[argc - 1] = "5,6";
	both[argc] = "--seed";
	both[argc + 1] = "5";
	cr_assert_eq(cmd_validate_serving(argc + 2, (char **)both), 2);
	th_rmtree(dir);
	free(dir);
}

/* The whole of a file, malloc'd and NUL-terminated; NULL when unreadable. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t n = 0, cap = 0, got;
	do {
		if (n + 4096 + 1 > cap)
			buf = realloc(buf, cap = 2 * cap + 4096 + 1);
		got = fread(buf + n, 1, 4096, f);
		n += got;
	} while (got > 0);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* The latency curve file beside its capacity table (text of the table):
 * eleven loads for each class and model with a capacity, the load 1 row the
 * capacity's own run (its rate and p99s are the table's, so within the
 * objective), mean latency rising with load (within a 2% wobble: the same
 * requests arrive closer together). */
static void check_curve(const char *table, const char *path)
{
	char *text = slurp(path), *sl, *sc = NULL;
	cr_assert_not_null(text, "%s not written", path);
	char *line = strtok_r(text, "\n", &sl);
	cr_assert(!strncmp(line, "# source: ", 10) && strstr(line, "tokens counted: output tokens only"),
	          "%.200s", line);
	line = strtok_r(NULL, "\n", &sl);
	cr_assert_str_eq(line, "class,model,load,requests_per_s,p50_ttft_s,p99_ttft_s,p50_tpot_s,"
	                 "p99_tpot_s,mean_e2e_s");
	char *tcopy = strdup(table);
	char *tl = strtok_r(tcopy, "\n", &sc);
	tl = strtok_r(NULL, "\n", &sc);    /* the table's column names */
	int curves = 0;
	while ((tl = strtok_r(NULL, "\n", &sc))) {
		char cls[64], model[64];
		double tok, in, rps, day, tpot50, tpot99, ttft50, ttft99;
		cr_assert_eq(sscanf(tl, "%63[^,],%63[^,],%lf,%lf,%lf,%lf,%*d,%*d,%lf,%lf,%lf,%lf", cls, model, &tok,
		                    &in, &rps, &day, &tpot50, &tpot99, &ttft50, &ttft99), 10, "row: %s", tl);
		if (!(tok > 0))
			continue;
		curves++;
		double prev_e2e = 0;
		for (int k = 0; k < SRV_CURVE_NLOAD; k++) {
			line = strtok_r(NULL, "\n", &sl);
			cr_assert_not_null(line, "%s %s: %d of %d loads", cls, model, k, SRV_CURVE_NLOAD);
			char c2[64], m2[64];
			double load, r, t50, t99, p50, p99, e2e;
			cr_assert_eq(sscanf(line, "%63[^,],%63[^,],%lf,%lf,%lf,%lf,%lf,%lf,%lf", c2, m2, &load, &r,
			                    &t50, &t99, &p50, &p99, &e2e), 9, "row: %s", line);
			cr_assert(!strcmp(c2, cls) && !strcmp(m2, model), "%s after %s %s", line, cls, model);
			cr_assert(fabs(load - srv_curve_loads[k]) < 1e-12, "row: %s", line);
			cr_assert(fabs(r - load * rps) <= 1e-5 * r, "row: %s (capacity %g/s)", line, rps);
			cr_assert_geq(e2e, 0.98 * prev_e2e, "mean e2e falls: %s", line);
			prev_e2e = e2e;
			if (k == SRV_CURVE_NLOAD - 1)
				cr_assert(t99 == ttft99 && p99 == tpot99 && t50 == ttft50 && p50 == tpot50,
				          "load 1 is not the capacity's run: %s vs %s", line, tl);
		}
	}
	cr_assert_geq(curves, 4);
	cr_assert_null(strtok_r(NULL, "\n", &sl), "rows beyond the classes with a capacity");
	free(tcopy);
	free(text);
}

/* `dais capacity` end to end on short probes (1000 requests): the same
 * inputs give the same table byte for byte; each objective option sets its
 * own objective, and every row with a capacity meets it; a tighter
 * objective never gives a row more capacity; rows are consistent; and a
 * run that fails leaves neither its table nor the table's temporary. */
Test(serving, capacity_command_meets_its_objective_and_repeats_itself, .timeout = 120)
{
	char *dir = th_mkdtemp();
	char a[1200], b[1200], t[1200], f[1200];
	snprintf(a, sizeof a, "%s/a.csv", dir);
	snprintf(b, sizeof b, "%s/b.csv", dir);
	snprintf(t, sizeof t, "%s/t.csv", dir);
	snprintf(f, sizeof f, "%s/f.csv", dir);
	const char *argv[] = { "capacity", th_src("scenarios/serving-capacity.json"), "-o", a,
	                       "--requests", "1000", "--tpot", "0.1", "--ttft", "2.5" };
	int argc = (int)(sizeof argv / sizeof argv[0]);
	cr_assert_eq(cmd_capacity(argc, (char **)argv), 0);
	argv[3] = b;
	cr_assert_eq(cmd_capacity(argc, (char **)argv), 0);
	char *ta = slurp(a), *tb = slurp(b);
	cr_assert(ta && tb);
	cr_assert_str_eq(ta, tb, "two runs of the same inputs differ");
	/* the tight table also gives its latency curve */
	char lat[1200];
	snprintf(lat, sizeof lat, "%s/lat.csv", dir);
	const char *targv[] = { "capacity", th_src("scenarios/serving-capacity.json"), "-o", t,
	                        "--requests", "1000", "--tpot", "0.05", "--ttft", "1",
	                        "--latency-curve", lat };
	cr_assert_eq(cmd_capacity((int)(sizeof targv / sizeof targv[0]), (char **)targv), 0);
	char *tt = slurp(t);
	cr_assert_not_null(tt);
	check_curve(tt, lat);
	cr_assert(strstr(tt, "objective p99 TPOT <= 0.05 s and p99 TTFT <= 1 s"), "header: %.300s", tt);

	/* row by row, the tight table beside the loose one */
	char *sa, *st, *la = strtok_r(ta, "\n", &sa), *lt = strtok_r(tt, "\n", &st);
	cr_assert(!strncmp(la, "# source: ", 10) && !strncmp(lt, "# source: ", 10));
	la = strtok_r(NULL, "\n", &sa);
	lt = strtok_r(NULL, "\n", &st);
	cr_assert(!strncmp(lt, "class,model,tokens_per_s,", 25));
	int rows = 0, with_capacity = 0;
	while ((la = strtok_r(NULL, "\n", &sa)) && (lt = strtok_r(NULL, "\n", &st))) {
		char cls[64], model[64], limit[32], cls2[64], model2[64];
		double tok, in, rps, day, tpot50, tpot99, ttft50, ttft99, batch, kvu, tok_loose;
		int reps, kv;
		cr_assert_eq(sscanf(lt, "%63[^,],%63[^,],%lf,%lf,%lf,%lf,%d,%d,%lf,%lf,%lf,%lf,%lf,%lf,%31[^,],",
		                    cls, model, &tok, &in, &rps, &day, &reps, &kv, &tpot50, &tpot99, &ttft50,
		                    &ttft99, &batch, &kvu, limit), 15, "row: %s", lt);
		cr_assert_eq(sscanf(la, "%63[^,],%63[^,],%lf", cls2, model2, &tok_loose), 3, "row: %s", la);
		cr_assert(!strcmp(cls, cls2) && !strcmp(model, model2), "%s vs %s", lt, la);
		rows++;
		cr_assert(fabs(day - 86400 * tok) <= 1e-5 * day, "row: %s", lt);
		cr_assert_leq(tok, tok_loose, "%s %s: %g tokens/s at the tighter objective, %g at the looser",
		              cls, model, tok, tok_loose);
		if (!strcmp(limit, "does_not_fit")) {
			cr_assert(tok == 0 && kv == 0 && rps == 0, "row: %s", lt);
		} else if (tok > 0) {
			with_capacity++;
			cr_assert(tpot99 <= 0.05 && ttft99 <= 1, "row misses the objective: %s", lt);
			cr_assert(!strcmp(limit, "tpot") || !strcmp(limit, "ttft") || !strcmp(limit, "drops"),
			          "row: %s", lt);
			cr_assert(reps >= 1 && kv > 0 && rps > 0, "row: %s", lt);
		}
	}
	cr_assert_geq(rows, 8);
	cr_assert_geq(with_capacity, 4);
	free(ta);
	free(tb);
	free(tt);

	/* 100 requests a probe cannot load a node: refused, nothing written */
	argv[3] = f;
	argv[5] = "100";
	cr_assert_eq(cmd_capacity(argc, (char **)argv), 2);
	DIR *d = opendir(dir);
	struct dirent *e;
	while ((e = readdir(d)))
		cr_assert(e->d_name[0] == '.' || !strcmp(e->d_name, "a.csv") || !strcmp(e->d_name, "b.csv") ||
		          !strcmp(e->d_name, "t.csv") || !strcmp(e->d_name, "lat.csv"), "%s left behind",
		          e->d_name);
	closedir(d);
	th_rmtree(dir);
	free(dir);
}

/* The summary names a scalar's statistics and a series' alike
 * (summary/NAME_mean, ...), so a serving run's scalar output_throughput (the
 * window's tokens/s) and its series output_rate (each interval's) both reach
 * it; under one name the scalar's statistics were left out. */
Test(serving, summary_holds_the_output_scalar_and_series, .timeout = 60)
{
	char *dir = th_mkdtemp(), out[1100];
	snprintf(out, sizeof out, "%s/r.h5", dir);
	char *argv[] = { "run", (char *)th_src("scenarios/serving-h100-8b.json"), "--set",
	                 "serving.requests=300", "--replications", "1", "--quiet", "-o", out, NULL };
	cr_assert_eq(cmd_run(9, argv), 0);
	h5i *f = h5i_open(out, NULL);
	cr_assert_not_null(f);
	cr_expect(h5i_exists(f, "/rep_0000/scalars/output_throughput"));
	cr_expect(h5i_exists(f, "/rep_0000/timeseries/output_rate"));
	cr_expect(h5i_exists(f, "/summary/output_throughput_mean"), "the scalar's statistics are missing");
	cr_expect(h5i_exists(f, "/summary/output_rate_mean"), "the series' statistics are missing");
	h5i_close(f);
	th_rmtree(dir);
	free(dir);
}
