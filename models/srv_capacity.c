/* srv_capacity.c — capacity by bisection on the arrival rate, the capacity
 * table, the latency curve below capacity and the fleet-scaling experiment
 * (srv_capacity.h). */
#include "srv_capacity.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- bisection */

sim_status srv_probe(const struct srv_params *p0, double rate, uint64_t seed,
                     struct srv_result *res, sim_diag *d)
{
	struct srv_params p = *p0;
	if (p0->node == &p0->one_node)   /* the copy's own node */
		p.node = &p.one_node;
	p.arrival_rate = rate;
	p.horizon_s = 0;
	p.drain = 1;
	p.warmup_s = 0.1 * (double)p.max_requests / rate;
	p.sample_every = 0;
	p.record_requests = 0;
	struct srv_run_opts o = { .seed = seed };
	return srv_simulate(&p, &o, res, d);
}

static int meets(const struct srv_result *r, double tpot_obj, double ttft_obj)
{
	return r->dropped == 0 && r->tpot[SRV_P99] <= tpot_obj && r->ttft[SRV_P99] <= ttft_obj;
}

sim_status srv_capacity(const struct srv_params *p, double tpot_obj, double ttft_obj,
                        uint64_t seed, double *rate, struct srv_result *res, sim_diag *d)
{
	/* an upper bracket: the decode rate of a full batch, in requests/s */
	double spd = 0;
	for (int i = 0; i < p->n_nodes; i++) {
		const struct srv_cost *c = &p->node[i].cost;
		struct srv_step s = { .n_tokens = p->max_seqs, .n_decode = p->max_seqs, .n_seqs = p->max_seqs,
		                      .n_logits = p->max_seqs, .ctx_tokens = p->max_seqs * 300.0,
		                      .attn = p->max_seqs * 300.0, .attn_old = p->max_seqs * 300.0 };
		spd += p->max_seqs / srv_cost_eval(c, &s);
	}
	double out_mean = p->output.mean + p->prompt.mean * 0.05;
	double lo = 0, hi = 2 * spd / out_mean;
	struct srv_result r;
	sim_status st;
	*rate = 0;
	memset(res, 0, sizeof *res);
	/* make sure hi fails (raise it) and find a rate that passes (lower it) */
	int k;
	for (k = 0; k < 40; k++) {
		if ((st = srv_probe(p, hi, seed, &r, d)) != SIM_OK)
			return st;
		if (!meets(&r, tpot_obj, ttft_obj))
			break;
		lo = hi;
		*res = r;
		hi *= 2;
	}
	if (k == 40) {
		/* 2^40 times a full batch's decode rate: the requests all but arrive
		 * at once and still meet the objective, so they set no capacity */
		diag_add(d, "capacity: the latency objective is met even when all %lld requests arrive at once "
		         "(%.3g requests/s); more requests per probe are needed to find the capacity",
		         (long long)p->max_requests, hi / 2);
		return SIM_EINVAL;
	}
	if (lo == 0) {
		double t = hi;
		for (int j = 0; j < 30 && lo == 0; j++) {
			t /= 2;
			if ((st = srv_probe(p, t, seed, &r, d)) != SIM_OK)
				return st;
			if (meets(&r, tpot_obj, ttft_obj)) {
				lo = t;
				*res = r;
			} else {
				hi = t;
			}
		}
		if (lo == 0)
			return SIM_OK;  /* even a light load misses the objective */
	}
	while (hi - lo > 0.005 * lo) {
		double mid = 0.5 * (lo + hi);
		if ((st = srv_probe(p, mid, seed, &r, d)) != SIM_OK)
			return st;
		if (meets(&r, tpot_obj, ttft_obj)) {
			lo = mid;
			*res = r;
		} else {
			hi = mid;
		}
	}
	*rate = lo;
	return SIM_OK;
}

/* ---------------------------------------------------------------- the capacity table */

int srv_node_for(const struct srv_hw *h, const struct srv_model_shape *m,
                 const struct srv_roofline *rl, int block_tokens, struct srv_node_params *nd)
{
	struct srv_hw one = *h;
	int reps = 1;
	if (h->gpus > 1) {
		one.gpus = 1;
		one.memory_gb /= h->gpus;
		one.bandwidth_gbs /= h->gpus;
		one.tflops /= h->gpus;
		if (srv_kv_blocks_fit(m, &one, block_tokens) * block_tokens >= 64 * 512)
			reps = h->gpus;
		else
			one = *h;
	}
	memset(nd, 0, sizeof *nd);
	snprintf(nd->hardware, SRV_NAME_LEN, "%s", h->name);
	nd->cost = srv_cost_roofline(m, &one, rl);
	nd->kv_blocks = srv_kv_blocks_fit(m, &one, block_tokens);
	nd->speed = srv_cost_speed(&nd->cost);
	return reps;
}

const char *srv_cap_limit_name(enum srv_cap_limit l)
{
	static const char *const name[] = { "does_not_fit", "tpot_at_light_load", "tpot", "ttft",
	                                    "drops" };
	return (unsigned)l < sizeof name / sizeof name[0] ? name[l] : "?";
}

/* p with row's node alone, at its model's context cap. */
static void row_params(const struct srv_params *p, const struct srv_cap_row *row,
                       struct srv_params *q)
{
	*q = *p;
	q->n_nodes = 1;
	q->one_node = row->node;
	q->node = &q->one_node;
	q->max_seq_len = row->max_seq_len;
}

/* One row: the node, its price, its capacity and what limits it. */
static sim_status table_row(const struct srv_params *p, const struct srv_hw *h,
                            const struct srv_model_shape *m, const struct srv_cap_opts *o,
                            struct srv_cap_row *row, sim_diag *d)
{
	row->replicas = srv_node_for(h, m, &o->roofline, p->block_tokens, &row->node);
	row->max_seq_len = m->cfg.seq_len;
	snprintf(row->cost_source, sizeof row->cost_source, "roofline");
	const char *pc = o->profile ? srv_profile_class(o->profile, h->name) : NULL;
	double dev;
	if (pc && row->replicas == h->gpus &&
	    srv_cost_from_profile(o->profile, pc, m, &row->node.cost, &dev) == SIM_OK) {
		row->node.speed = srv_cost_speed(&row->node.cost);
		snprintf(row->cost_source, sizeof row->cost_source, "profile:%s", pc);
	}
	row->limit = SRV_LIMIT_DOES_NOT_FIT;
	int bt = p->block_tokens;
	int needed = (p->prompt.max + p->output.max + bt - 1) / bt;  /* the longest request's blocks */
	if (row->node.kv_blocks < needed) {
		row->node.kv_blocks = 0;
		return SIM_OK;
	}
	struct srv_params q;
	row_params(p, row, &q);
	sim_status st = srv_capacity(&q, o->tpot_s, o->ttft_s, SRV_CAP_SEED, &row->rate, &row->res, d);
	if (st != SIM_OK)
		return st;
	if (row->rate == 0) {
		row->limit = SRV_LIMIT_TPOT_AT_LIGHT_LOAD;
		return SIM_OK;
	}
	/* what fails first just above capacity */
	struct srv_result r2;
	if ((st = srv_probe(&q, row->rate * 1.01, SRV_CAP_SEED, &r2, d)) != SIM_OK)
		return st;
	row->limit = r2.dropped ? SRV_LIMIT_DROPS : r2.tpot[SRV_P99] > o->tpot_s ? SRV_LIMIT_TPOT
	           : SRV_LIMIT_TTFT;
	row->tokens_per_s = row->replicas * row->res.output_tps;
	row->input_tokens_per_s = row->replicas * row->res.input_tps;
	row->requests_per_s = row->replicas * row->rate;
	return SIM_OK;
}

sim_status srv_capacity_table(const struct srv_params *p, const struct srv_hw *hw, int nhw,
                              const struct srv_model_shape *ms, int nms,
                              const struct srv_cap_opts *o, struct srv_cap_row *rows,
                              srv_cap_progress *progress, void *arg, sim_diag *d)
{
	for (int i = 0; i < nhw; i++)
		for (int j = 0; j < nms; j++) {
			struct srv_cap_row *row = &rows[i * nms + j];
			memset(row, 0, sizeof *row);
			row->hw = i;
			row->model = j;
			sim_status st = table_row(p, &hw[i], &ms[j], o, row, d);
			if (st != SIM_OK) {
				diag_add(d, "capacity table: at class '%s', model '%s'", hw[i].name, ms[j].name);
				return st;
			}
			if (progress)
				progress(arg, row);
		}
	return SIM_OK;
}

/* ---------------------------------------------------------------- the latency curve */

const double srv_curve_loads[SRV_CURVE_NLOAD] = { 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9,
                                                  0.95, 1.0 };

sim_status srv_latency_curve(const struct srv_params *p, const struct srv_cap_row *row,
                             struct srv_curve_point *pts, sim_diag *d)
{
	if (!(row->rate > 0) || row->node.kv_blocks < 1) {
		diag_add(d, "latency curve: '%s' has no capacity to take fractions of", row->node.hardware);
		return SIM_EINVAL;
	}
	struct srv_params q;
	row_params(p, row, &q);
	for (int k = 0; k < SRV_CURVE_NLOAD; k++) {
		pts[k].load = srv_curve_loads[k];
		pts[k].rate = srv_curve_loads[k] * row->rate;
		sim_status st = srv_probe(&q, pts[k].rate, SRV_CAP_SEED, &pts[k].res, d);
		if (st != SIM_OK)
			return st;
	}
	return SIM_OK;
}

/* ---------------------------------------------------------------- fleet scaling */

const char *const srv_scaling_classes[SRV_SCALING_NCLASS] = { "a100_80", "h100_80", "b200_180" };

/* Throughput and tail latency of a fleet at a given rate. */
static sim_status fleet_run(const struct srv_params *p, struct srv_node_params *nodes, int n,
                            enum srv_route route, double rate, struct srv_result *r, sim_diag *d)
{
	struct srv_params q = *p;
	q.node = nodes;
	q.n_nodes = n;
	q.route = route;
	q.arrival_rate = rate;
	q.max_requests = p->max_requests * n;
	q.warmup_s = 0.1 * (double)q.max_requests / rate;
	q.drain = 1;
	q.horizon_s = 0;
	q.sample_every = 0;
	q.record_requests = 0;
	struct srv_run_opts o = { .seed = SRV_CAP_SEED };
	return srv_simulate(&q, &o, r, d);
}

/* Row n of the experiment, with one node of each class and their capacities. */
static sim_status scaling_row(const struct srv_params *p, const struct srv_node_params *one,
                              const double *cap, struct srv_node_params *nodes, int n,
                              struct srv_scaling_row *row, sim_diag *d)
{
	sim_status st = SIM_OK;
	row->n = n;
	/* horizontal: n H100 nodes */
	for (int i = 0; i < n; i++)
		nodes[i] = one[1];
	row->rate = 0.8 * n * cap[1];
	static const enum srv_route pol[] = { SRV_ROUTE_ROUND_ROBIN, SRV_ROUTE_POWER_OF_TWO,
	                                      SRV_ROUTE_LEAST_LOADED };
	for (int j = 0; j < 3 && st == SIM_OK; j++)
		st = fleet_run(p, nodes, n, pol[j], row->rate, &row->horiz[j], d);
	/* heterogeneous: half A100, half B200 (one B200 when n = 1) */
	for (int i = 0; i < n; i++)
		nodes[i] = i < n / 2 ? one[0] : one[2];
	row->het_rate = 0.8 * ((n / 2) * cap[0] + (n - n / 2) * cap[2]);
	static const enum srv_route hpol[] = { SRV_ROUTE_RANDOM, SRV_ROUTE_LEAST_LOADED,
	                                       SRV_ROUTE_HARDWARE_AWARE };
	for (int j = 0; j < 3 && st == SIM_OK; j++)
		st = fleet_run(p, nodes, n, hpol[j], row->het_rate, &row->het[j], d);
	/* vertical: the same n nodes, each class at 80% of its capacity */
	for (int c = 0; c < SRV_SCALING_NCLASS && st == SIM_OK; c++) {
		for (int i = 0; i < n; i++)
			nodes[i] = one[c];
		st = fleet_run(p, nodes, n, SRV_ROUTE_LEAST_LOADED, 0.8 * n * cap[c], &row->vert[c], d);
	}
	return st;
}

sim_status srv_capacity_scaling(const struct srv_params *p, const struct srv_hw *hw, int nhw,
                                const struct srv_model_shape *m, const struct srv_roofline *rl,
                                double tpot_s, double ttft_s, struct srv_scaling *out,
                                srv_scaling_progress *progress, void *arg, sim_diag *d)
{
	static const int sizes[SRV_SCALING_NSIZES] = { 1, 2, 4, 8, 16, 32, 64 };
	struct srv_node_params one[SRV_SCALING_NCLASS];
	memset(out, 0, sizeof *out);
	for (int c = 0; c < SRV_SCALING_NCLASS; c++) {
		const struct srv_hw *h = srv_find_hw(hw, nhw, srv_scaling_classes[c]);
		if (!h) {
			diag_add(d, "capacity --scaling: no hardware class '%s'", srv_scaling_classes[c]);
			return SIM_EINVAL;
		}
		srv_node_for(h, m, rl, p->block_tokens, &one[c]);
		struct srv_params q = *p;
		q.n_nodes = 1;
		q.one_node = one[c];
		q.node = &q.one_node;
		struct srv_result r;
		sim_status st = srv_capacity(&q, tpot_s, ttft_s, SRV_CAP_SEED, &out->cap[c], &r, d);
		if (st != SIM_OK)
			return st;
	}
	struct srv_node_params *nodes = calloc(64, sizeof *nodes);
	if (!nodes)
		return SIM_ENOMEM;
	sim_status st = SIM_OK;
	for (int k = 0; k < SRV_SCALING_NSIZES && st == SIM_OK; k++) {
		st = scaling_row(p, one, out->cap, nodes, sizes[k], &out->row[k], d);
		if (st == SIM_OK && progress)
			progress(arg, &out->row[k]);
	}
	free(nodes);
	return st;
}
