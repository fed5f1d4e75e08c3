/* srv_type.c — the serving model as a model type: a scenario's serving
 * section made into parameters (the fleet, each node's step cost and KV
 * pool, or the engine of driven mode), and a run's results into the recorder. */
#include "srv_type.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/eng_profile.h"
#include "registry.h"
#include "router.h"
#include "sim/sha256.h"

static int parse_dist(const char *s, enum srv_dist *out)
{
	static const char *const names[] = { "fixed", "exponential", "lognormal", "uniform" };
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i])) {
			*out = (enum srv_dist)i;
			return 0;
		}
	return -1;
}

static void read_dist(const scn *s, const char *sec, struct srv_len_dist *ld, sim_diag *d)
{
	char k[64];
	snprintf(k, sizeof k, "serving.%s.dist", sec);
	parse_dist(scn_str(s, k), &ld->kind);  /* the schema's enum guarantees a name */
	snprintf(k, sizeof k, "serving.%s.mean", sec);
	ld->mean = scn_num(s, k);
	snprintf(k, sizeof k, "serving.%s.cv", sec);
	ld->cv = scn_num(s, k);
	snprintf(k, sizeof k, "serving.%s.min", sec);
	ld->min = (int)scn_int(s, k);
	snprintf(k, sizeof k, "serving.%s.max", sec);
	ld->max = (int)scn_int(s, k);
	if (ld->min > ld->max)
		diag_add(d, "%s: $.serving.%s: expected min <= max, got min %d > max %d", scn_path(s), sec,
		         ld->min, ld->max);
}

void srv_type_release(struct srv_type_params *tp)
{
	trace_release(&tp->tr);
	eng_model_free(tp->em);
	free(tp->nodes);
	tp->em = NULL;
	tp->nodes = NULL;
}

static void srv_release(void *params)
{
	srv_type_release(params);
}

char *srv_data_path(char *buf, size_t n, const char *rel)
{
	if (!strncmp(rel, "data/", 5))
		return model_data_path(buf, n, rel);
	snprintf(buf, n, "%s", rel);
	return buf;
}

/* Arrivals, lengths, scheduler, horizon and measurement: everything but the
 * fleet and its timing. */
static void parse_workload(struct srv_type_params *tp, const scn *s, sim_diag *d)
{
	struct srv_params *p = &tp->p;
	const char *file = scn_path(s);
	const char *arr = scn_str(s, "serving.arrival");
	p->arrival = !strcmp(arr, "mmpp") ? SRV_ARR_MMPP : !strcmp(arr, "trace") ? SRV_ARR_TRACE
	           : SRV_ARR_POISSON;
	p->arrival_rate = scn_num(s, "serving.arrival_rate");
	p->mmpp_burst = scn_num(s, "serving.mmpp_burst");
	p->mmpp_high_frac = scn_num(s, "serving.mmpp_high_frac");
	p->mmpp_cycle_s = scn_num(s, "serving.mmpp_cycle_s");
	p->trace_time_scale = scn_num(s, "serving.trace_time_scale");
	read_dist(s, "prompt", &p->prompt, d);
	read_dist(s, "output", &p->output, d);
	p->block_tokens = (int)scn_int(s, "serving.block_tokens");
	p->max_batch_tokens = (int)scn_int(s, "serving.max_batch_tokens");
	p->max_seqs = (int)scn_int(s, "serving.max_seqs");
	p->max_queue = (int)scn_int(s, "serving.max_queue");
	p->watermark = scn_num(s, "serving.watermark");
	p->max_seq_len = (int)scn_int(s, "serving.max_seq_len");
	p->timing = !strcmp(scn_str(s, "serving.timing"), "driven") ? SRV_TIMING_DRIVEN : SRV_TIMING_MODEL;
	router_parse(scn_str(s, "serving.router"), &p->route);
	p->horizon_s = scn_num(s, "serving.horizon_s");
	p->max_requests = scn_int(s, "serving.requests");
	p->drain = scn_bool(s, "serving.drain");
	p->warmup_s = scn_num(s, "serving.warmup_s");
	p->sample_every = scn_num(s, "serving.sample_every");
	p->record_requests = (int)scn_int(s, "serving.record_requests");
	p->check = scn_bool(s, "serving.check");
	if (!(p->max_requests > 0 || p->horizon_s > 0 || p->arrival == SRV_ARR_TRACE))
		diag_add(d, "%s: $.serving.requests: expected a horizon: requests > 0 or horizon_s > 0 "
		         "(or a trace), got neither", file);
	if (p->arrival == SRV_ARR_TRACE) {
		char path[4096];
		const char *tf = scn_str(s, "serving.trace");
		if (!*tf)
			diag_add(d, "%s: $.serving.trace: expected a trace file for arrival \"trace\", got \"\"",
			         file);
		else if (trace_read(&tp->tr, srv_data_path(path, sizeof path, tf), d) == SIM_OK)
			p->trace = &tp->tr;
	}
}

/* The fleet: groups of (hardware class, count); a single group when the
 * scenario gives hardware and nodes instead of a fleet list. */
struct fleet {
	char hw[SRV_MAX_GROUPS][SRV_NAME_LEN];
	int count[SRV_MAX_GROUPS];
	int n;
	int listed;   /* given as serving.fleet */
};

/* Reads the fleet and allocates its nodes (p->node, p->n_nodes). */
static sim_status parse_fleet(struct srv_type_params *tp, const scn *s, struct fleet *f,
                              sim_diag *d)
{
	f->n = scn_len(s, "serving.fleet");
	f->listed = f->n > 0;
	if (f->n == 0) {
		f->n = 1;
		snprintf(f->hw[0], SRV_NAME_LEN, "%.63s", scn_str(s, "serving.hardware"));
		f->count[0] = (int)scn_int(s, "serving.nodes");
	} else {
		for (int g = 0; g < f->n; g++) {
			char k[64];
			snprintf(k, sizeof k, "serving.fleet[%d].hardware", g);
			snprintf(f->hw[g], SRV_NAME_LEN, "%.63s", scn_str(s, k));
			snprintf(k, sizeof k, "serving.fleet[%d].count", g);
			f->count[g] = (int)scn_int(s, k);
		}
	}
	int nn = 0;
	for (int g = 0; g < f->n; g++)
		nn += f->count[g];
	if (nn > SRV_MAX_NODES) {
		diag_add(d, "%s: $.serving.fleet: expected at most %d nodes, got %d", scn_path(s),
		         SRV_MAX_NODES, nn);
		return SIM_EINVAL;
	}
	tp->nodes = calloc((size_t)nn, sizeof *tp->nodes);
	if (!tp->nodes)
		return SIM_ENOMEM;
	tp->p.n_nodes = nn;
	tp->p.node = tp->nodes;
	return SIM_OK;
}

/* Driven mode: the synthetic engine every node runs, its threads and clock. */
static void parse_driven(struct srv_type_params *tp, const scn *s, const struct fleet *f, int kv,
                         sim_diag *d)
{
	struct srv_params *p = &tp->p;
	const char *file = scn_path(s);
	char err[ENG_ERR_LEN];
	struct eng_config cfg = { 0 };
	eng_dtype dt = ENG_Q8_0;
	eng_dtype_parse(scn_str(s, "serving.engine.dtype"), &dt);
	if (eng_config_parse(scn_str(s, "serving.engine.config"), &cfg, err, sizeof err) != ENG_OK ||
	    eng_config_check(&cfg, dt, err, sizeof err) != ENG_OK) {
		diag_add(d, "%s: $.serving.engine.config: %s", file, err);
	} else if (eng_model_synthetic(&tp->em, &cfg, dt, (uint64_t)scn_int(s, "serving.engine.seed"),
	                               err, sizeof err) != ENG_OK) {
		diag_add(d, "%s: $.serving.engine: %s", file, err);
	}
	p->engine = tp->em;
	p->engine_threads = (int)scn_int(s, "serving.engine.threads");
	p->engine_clock = !strcmp(scn_str(s, "serving.engine.clock"), "cpu") ? SRV_CLOCK_CPU
	                : SRV_CLOCK_WALL;
	if (p->engine_clock == SRV_CLOCK_CPU && p->engine_threads != 1)
		diag_add(d, "%s: $.serving.engine.clock: expected \"wall\" with %d engine threads "
		         "(the thread CPU clock sees one thread), got \"cpu\"", file, p->engine_threads);
	if (p->max_seq_len > cfg.seq_len)
		p->max_seq_len = cfg.seq_len;
	for (int i = 0, k = 0; i < f->n; i++)
		for (int j = 0; j < f->count[i]; j++, k++) {
			memcpy(tp->nodes[k].hardware, f->hw[i], SRV_NAME_LEN);
			tp->nodes[k].kv_blocks = kv > 0 ? kv : 2048;
			tp->nodes[k].speed = 1.0;
		}
	snprintf(tp->desc, sizeof tp->desc, "driven: engine %s %s, %d thread(s), %s clock",
	         scn_str(s, "serving.engine.config"), scn_str(s, "serving.engine.dtype"),
	         p->engine_threads, scn_str(s, "serving.engine.clock"));
}

/* cost "linear": the coefficients as given. */
static void parse_linear(const scn *s, struct srv_cost *lin, sim_diag *d)
{
	const char *file = scn_path(s);
	memset(lin, 0, sizeof *lin);
	int nc = scn_len(s, "serving.cost_linear");
	for (int i = 0; i < nc; i++) {
		char k[64];
		snprintf(k, sizeof k, "serving.cost_linear[%d]", i);
		lin->c[i] = scn_num(s, k);
	}
	lin->cache_positions = scn_num(s, "serving.cost_cache_positions");
	lin->cache_from_positions = scn_num(s, "serving.cost_cache_from_positions");
	lin->token_tile = (int)scn_num(s, "serving.cost_token_tile");
	if (lin->cache_positions > 0 && !(lin->cache_from_positions < lin->cache_positions))
		diag_add(d, "%s: $.serving.cost_cache_from_positions: expected less than cost_cache_positions "
		         "(%g), got %g", file, lin->cache_positions, lin->cache_from_positions);
	if (nc == 0)
		diag_add(d, "%s: $.serving.cost_linear: expected coefficients for cost \"linear\", got []",
		         file);
}

/* What model mode prices a node with: the model shape, and the profile or
 * the linear cost when the scenario asks for them (else the roofline). */
struct pricing {
	const struct srv_model_shape *msh;
	struct srv_roofline rl;
	int linear;
	struct srv_cost lin;
	struct eng_profile *pf;       /* cost "profile"; NULL when it did not load */
	const char *pp;               /* its path */
	int kv;                       /* serving.kv_blocks (0: what fits) */
};

/* The cost and KV pool of group g's nodes, from k on; returns the next node. */
static int price_group(struct srv_type_params *tp, const scn *s, const struct fleet *f, int g,
                       int k, const struct srv_hw *hw, int nhw, const char *hp,
                       const struct pricing *pr, sim_diag *d)
{
	const char *file = scn_path(s);
	const struct srv_hw *h = srv_find_hw(hw, nhw, f->hw[g]);
	if (!h) {
		diag_add(d, "%s: $.serving.%s: no hardware class '%s' in %s", file,
		         f->n > 1 || f->listed ? "fleet" : "hardware", f->hw[g], hp);
		return k;
	}
	const struct srv_model_shape *msh = pr->msh;
	struct srv_cost c = pr->linear ? pr->lin : srv_cost_roofline(msh, h, &pr->rl);
	if (pr->pf) {
		const struct eng_profile *pf = pr->pf;
		const char *pc = srv_profile_class(pf, h->name);
		double dev;
		if (!pc || h->gpus > 1) {
			diag_add(d, "%s: $.serving.%s: the calibration profile %s has no single-GPU class "
			         "for '%s' (it has:%s%s%s%s%s)", file, f->listed ? "fleet" : "hardware",
			         pr->pp, h->name, eng_profile_n_classes(pf) > 0 ? " " : "",
			         eng_profile_class(pf, 0), eng_profile_n_classes(pf) > 1 ? ", " : "",
			         eng_profile_n_classes(pf) > 1 ? eng_profile_class(pf, 1) : "",
			         eng_profile_n_classes(pf) > 2 ? ", ..." : "");
			return k;
		}
		if (srv_cost_from_profile(pf, pc, msh, &c, &dev) != SIM_OK)
			diag_add(d, "%s: $.serving.calibration: profile %s cannot price class '%s'", file,
			         pr->pp, pc);
	}
	int blocks = pr->kv > 0 ? pr->kv : srv_kv_blocks_fit(msh, h, tp->p.block_tokens);
	if (blocks < 1)
		diag_add(d, "%s: $.serving.model_size: '%s' (%.3g GB of weights) does not fit "
		         "'%s' (%.3g GB usable)", file, msh->name,
		         msh->params * msh->weight_bytes_per_param / 1e9, h->name,
		         h->memory_gb * h->mem_usable_frac);
	for (int j = 0; j < f->count[g]; j++, k++) {
		memcpy(tp->nodes[k].hardware, h->name, SRV_NAME_LEN);
		tp->nodes[k].cost = c;
		tp->nodes[k].kv_blocks = blocks;
		tp->nodes[k].speed = srv_cost_speed(&c);
	}
	return k;
}

/* Model mode: each group's step cost (roofline, profile or linear) and KV
 * pool from the hardware and model tables. */
static void parse_model(struct srv_type_params *tp, const scn *s, const struct fleet *f, int kv,
                        sim_diag *d)
{
	struct srv_params *p = &tp->p;
	const char *file = scn_path(s);
	char hp[4096], mp[4096], pp[4096];
	struct srv_hw *hw = NULL;
	struct srv_model_shape *ms = NULL;
	int nhw = 0, nms = 0;
	sim_status st = srv_read_hw(srv_data_path(hp, sizeof hp, scn_str(s, "serving.hardware_file")),
	                            &hw, &nhw, d);
	if (st == SIM_OK)
		st = srv_read_models(srv_data_path(mp, sizeof mp, scn_str(s, "serving.models_file")), &ms,
		                     &nms, d);
	struct pricing pr = { .rl = { scn_num(s, "serving.roofline.overhead_s"),
	                              scn_num(s, "serving.roofline.eff_bw"),
	                              scn_num(s, "serving.roofline.eff_flops") },
	                      .linear = !strcmp(scn_str(s, "serving.cost"), "linear"),
	                      .pp = pp, .kv = kv };
	if (st == SIM_OK) {
		pr.msh = srv_find_model(ms, nms, scn_str(s, "serving.model_size"));
		if (!pr.msh)
			diag_add(d, "%s: $.serving.model_size: no model '%s' in %s", file,
			         scn_str(s, "serving.model_size"), mp);
	}
	int use_prof = !strcmp(scn_str(s, "serving.cost"), "profile");
	if (use_prof) {
		char err[ENG_ERR_LEN];
		srv_data_path(pp, sizeof pp, scn_str(s, "serving.calibration"));
		if (eng_profile_load(&pr.pf, pp, err, sizeof err) != ENG_OK) {
			diag_add(d, "%s: $.serving.calibration: %s", file, err);
			pr.pf = NULL;
		}
	}
	if (pr.linear)
		parse_linear(s, &pr.lin, d);
	for (int g = 0, k = 0; pr.msh && g < f->n; g++)
		k = price_group(tp, s, f, g, k, hw, nhw, hp, &pr, d);
	if (pr.msh && p->max_seq_len > pr.msh->cfg.seq_len)
		p->max_seq_len = pr.msh->cfg.seq_len;
	if (pr.pf) {
		struct sha256 h;
		snprintf(tp->prof_path, sizeof tp->prof_path, "%s", pp);
		snprintf(tp->prof_sha, sizeof tp->prof_sha, "unknown");
		sha256_init(&h);
		if (sha256_file(&h, pp))
			sha256_final(&h, tp->prof_sha);
	}
	eng_profile_free(pr.pf);
	snprintf(tp->desc, sizeof tp->desc, "model: %s cost, %s on %s",
	         pr.linear ? "linear" : use_prof ? "calibration profile" : "roofline",
	         scn_str(s, "serving.model_size"), f->n > 1 ? "a mixed fleet" : f->hw[0]);
	free(hw);
	free(ms);
}

sim_status srv_type_parse(struct srv_type_params *tp, const scn *s, sim_diag *d)
{
	int n0 = d->n;
	srv_params_default(&tp->p);
	parse_workload(tp, s, d);
	struct fleet f;
	sim_status st = parse_fleet(tp, s, &f, d);
	if (st != SIM_OK)
		return st;
	int kv = (int)scn_int(s, "serving.kv_blocks");
	if (tp->p.timing == SRV_TIMING_DRIVEN)
		parse_driven(tp, s, &f, kv, d);
	else
		parse_model(tp, s, &f, kv, d);
	return d->n > n0 ? SIM_EINVAL : SIM_OK;
}

static sim_status srv_parse(void *params, const scn *s, sim_diag *d)
{
	return srv_type_parse(params, s, d);
}

static sim_status srv_run(const void *params, const struct model_ctx *ctx, rec *r, sim_diag *d)
{
	const struct srv_type_params *tp = params;
	const struct srv_params *p = &tp->p;
	struct srv_run_opts o = { .seed = ctx->seed, .rep = ctx->rep, .r = r, .ctx = ctx };
	struct srv_result x;
	sim_status st = srv_simulate(p, &o, &x, d);
	if (st != SIM_OK)
		return st;
	rec_note(r, "serving_timing", tp->desc);
	if (tp->prof_path[0]) {
		rec_note(r, "calibration_profile", tp->prof_path);
		rec_note(r, "calibration_sha256", tp->prof_sha);
	}
	static const char *const pn[SRV_NPCT] = { "p50", "p90", "p99" };
	char k[64];
	for (int i = 0; i < SRV_NPCT; i++) {
		snprintf(k, sizeof k, "ttft_%s", pn[i]);
		rec_scalar(r, k, "s", x.ttft[i]);
		snprintf(k, sizeof k, "tpot_%s", pn[i]);
		rec_scalar(r, k, "s", x.tpot[i]);
		snprintf(k, sizeof k, "e2e_%s", pn[i]);
		rec_scalar(r, k, "s", x.e2e[i]);
		snprintf(k, sizeof k, "queue_delay_%s", pn[i]);
		rec_scalar(r, k, "s", x.qdelay[i]);
	}
	rec_scalar(r, "ttft_mean", "s", x.ttft_mean);
	rec_scalar(r, "tpot_mean", "s", x.tpot_mean);
	rec_scalar(r, "e2e_mean", "s", x.e2e_mean);
	rec_scalar(r, "throughput", "requests/s", x.throughput_rps);
	rec_scalar(r, "output_throughput", "tokens/s", x.output_tps);
	rec_scalar(r, "input_throughput", "tokens/s", x.input_tps);
	rec_scalar(r, "requests_arrived", "requests", (double)x.arrived);
	rec_scalar(r, "requests_completed", "requests", (double)x.completed);
	rec_scalar(r, "requests_queued", "requests", (double)x.queued);
	rec_scalar(r, "requests_running", "requests", (double)x.running);
	rec_scalar(r, "requests_dropped", "requests", (double)x.dropped);
	rec_scalar(r, "requests_measured", "requests", (double)x.measured);
	rec_scalar(r, "mean_in_system", "requests", x.mean_in_system);
	rec_scalar(r, "little_lambda_w", "requests", x.little_lw);
	rec_scalar(r, "mean_queue_length", "requests", x.mean_queue);
	rec_scalar(r, "max_queue_length", "requests", (double)x.max_queue);
	rec_scalar(r, "kv_utilisation_mean", "1", x.kv_util_mean);
	rec_scalar(r, "busy_fraction", "1", x.busy_frac);
	rec_scalar(r, "mean_batch_tokens", "tokens", x.mean_batch_tokens);
	rec_scalar(r, "mean_batch_seqs", "sequences", x.mean_batch_seqs);
	rec_scalar(r, "steps", "steps", (double)x.steps);
	rec_scalar(r, "preemptions", "sequences", (double)x.preemptions);
	rec_scalar(r, "simulated_time", "s", x.t_end);
	rec_scalar(r, "wall_time", "s", x.wall_s);
	rec_scalar(r, "requests_per_wall_second", "requests/s",
	           x.wall_s > 0 ? (double)x.completed / x.wall_s : NAN);
	return SIM_OK;
}

const struct model_type serving_model_type = {
	.name = "serving",
	.summary = "inference server: continuous batching, paged KV cache, driven or model timing",
	.params_size = sizeof(struct srv_type_params),
	.parse = srv_parse,
	.run = srv_run,
	.release = srv_release,
};

