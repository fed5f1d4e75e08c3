/* srv_cost.c — the step cost of the serving model: the linear form, the
 * roofline, the hardware and model tables, the calibration profile made
 * linear, and the weighted least-squares fit to a log of measured steps. */
#include "srv_cost.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_multifit.h>

#include "sim/csv.h"

/* ---------------------------------------------------------------- cost */

static inline double attn_mem(const struct srv_cost *m, const struct srv_step *s)
{
	if (!(m->cache_positions > 0))
		return 0.0;
	double lo = m->cache_from_positions;
	double f = (s->ctx_tokens - lo) / (m->cache_positions - lo);
	return s->attn_old * (f < 0 ? 0 : f < 1 ? f : 1);
}

static inline double extra_tiles(const struct srv_cost *m, const struct srv_step *s)
{
	return m->token_tile > 0 ? (s->n_tokens + m->token_tile - 1) / m->token_tile - 1 : 0;
}

void srv_cost_features(const struct srv_cost *m, const struct srv_step *s, double *x)
{
	x[0] = 1.0;
	x[1] = s->n_tokens;
	x[2] = s->n_logits;
	x[3] = s->attn;
	x[4] = s->n_seqs;
	x[5] = s->ctx_tokens;
	x[6] = attn_mem(m, s);
	x[7] = s->n_prefill;
	x[8] = extra_tiles(m, s);
	x[9] = s->n_tokens == 1;
}

double srv_cost_eval(const struct srv_cost *m, const struct srv_step *s)
{
	double t = m->c[0] + m->c[1] * s->n_tokens + m->c[2] * s->n_logits + m->c[3] * s->attn +
	           m->c[4] * s->n_seqs + m->c[5] * s->ctx_tokens + m->c[7] * s->n_prefill;
	if (m->c[6] != 0)
		t += m->c[6] * attn_mem(m, s);
	if (m->c[8] != 0)
		t += m->c[8] * extra_tiles(m, s);
	if (s->n_tokens == 1)
		t += m->c[9];
	return t;
}

/* ---------------------------------------------------------------- hardware, model shapes */

static double kv_bytes_per_pos(const struct srv_model_shape *m)
{
	const struct eng_config *c = &m->cfg;
	return 2.0 * c->n_layers * c->n_kv_heads * (double)(c->dim / c->n_heads) * m->kv_bytes_per_elem;
}

struct srv_cost srv_cost_roofline(const struct srv_model_shape *m, const struct srv_hw *h,
                                  const struct srv_roofline *r)
{
	const struct eng_config *c = &m->cfg;
	double bw = h->bandwidth_gbs * 1e9 * r->eff_bw;     /* bytes/s */
	double peak = h->tflops * 1e12 * r->eff_flops;      /* flop/s */
	double cls = (double)c->dim * c->vocab_size;        /* lm_head weights */
	/* every weight is read once a step (a batch touches all experts); the
	 * flops of a token are those of its active parameters */
	double body = m->active_params - 2 * cls;           /* minus embedding and lm_head */
	if (body < 0)
		body = m->active_params;
	struct srv_cost k;
	memset(&k, 0, sizeof k);
	k.c[0] = r->overhead_s + m->params * m->weight_bytes_per_param / bw;
	k.c[1] = 2 * body / peak;
	k.c[2] = 2 * cls / peak;
	k.c[3] = 4.0 * c->n_layers * c->dim / peak;         /* QK^T and AV per attended position */
	k.c[5] = kv_bytes_per_pos(m) / bw;                  /* each sequence's KV read once a step */
	return k;
}

int srv_kv_blocks_fit(const struct srv_model_shape *m, const struct srv_hw *h, int block_tokens)
{
	double free_b = h->memory_gb * 1e9 * h->mem_usable_frac - m->params * m->weight_bytes_per_param;
	double blocks = free_b / (kv_bytes_per_pos(m) * block_tokens);
	if (!(blocks >= 1))
		return 0;
	return blocks > 1e8 ? 100000000 : (int)blocks;
}

double srv_cost_speed(const struct srv_cost *k)
{
	struct srv_step s = { .n_tokens = 32, .n_decode = 32, .n_seqs = 32, .n_logits = 32,
	                      .ctx_tokens = 32 * 300.0, .attn = 32 * 300.0, .attn_old = 32 * 300.0 };
	double t = srv_cost_eval(k, &s);
	return t > 0 ? 32 / t : 1.0;
}

sim_status srv_read_hw(const char *path, struct srv_hw **out, int *n, sim_diag *d)
{
	*out = NULL;
	*n = 0;
	csv *t = csv_read(path, d);
	if (!t)
		return SIM_EINVAL;
	int cn = csv_require(t, "name", d), cm = csv_require(t, "memory_gb", d);
	int cb = csv_require(t, "bandwidth_gbs", d), cf = csv_require(t, "tflops", d);
	int cu = csv_require(t, "mem_usable_frac", d), cg = csv_require(t, "gpus", d);
	sim_status st = SIM_EINVAL;
	struct srv_hw *h = NULL;
	if (cn < 0 || cm < 0 || cb < 0 || cf < 0 || cu < 0 || cg < 0)
		goto done;
	h = calloc((size_t)csv_nrows(t) + 1, sizeof *h);
	if (!h) {
		st = SIM_ENOMEM;
		goto done;
	}
	int bad = 0;
	for (int i = 0; i < csv_nrows(t); i++) {
		snprintf(h[i].name, SRV_NAME_LEN, "%s", csv_cell(t, i, cn));
		bad |= csv_num(t, i, cm, &h[i].memory_gb, d) != SIM_OK;
		bad |= csv_num(t, i, cb, &h[i].bandwidth_gbs, d) != SIM_OK;
		bad |= csv_num(t, i, cf, &h[i].tflops, d) != SIM_OK;
		bad |= csv_num(t, i, cu, &h[i].mem_usable_frac, d) != SIM_OK;
		double g = 1;
		bad |= csv_num(t, i, cg, &g, d) != SIM_OK;
		h[i].gpus = g >= 1 ? (int)g : 1;
	}
	if (bad) {
		free(h);
		h = NULL;
		goto done;
	}
	*n = csv_nrows(t);
	st = SIM_OK;
done:
	*out = h;
	csv_free(t);
	return st;
}

sim_status srv_read_models(const char *path, struct srv_model_shape **out, int *n, sim_diag *d)
{
	*out = NULL;
	*n = 0;
	csv *t = csv_read(path, d);
	if (!t)
		return SIM_EINVAL;
	static const char *const cols[] = { "name", "params_b", "dim", "layers", "heads", "kv_heads",
	                                    "hidden", "vocab", "max_seq", "weight_bytes_per_param",
	                                    "kv_bytes_per_elem", "active_params_b" };
	enum { NC = sizeof cols / sizeof cols[0] };
	int ci[NC], miss = 0;
	for (int j = 0; j < NC; j++)
		miss |= (ci[j] = csv_require(t, cols[j], d)) < 0;
	sim_status st = SIM_EINVAL;
	struct srv_model_shape *m = NULL;
	if (miss)
		goto done;
	m = calloc((size_t)csv_nrows(t) + 1, sizeof *m);
	if (!m) {
		st = SIM_ENOMEM;
		goto done;
	}
	int bad = 0;
	for (int i = 0; i < csv_nrows(t); i++) {
		double v[NC];
		snprintf(m[i].name, SRV_NAME_LEN, "%s", csv_cell(t, i, ci[0]));
		for (int j = 1; j < NC; j++)
			bad |= csv_num(t, i, ci[j], &v[j], d) != SIM_OK;
		if (bad)
			continue;
		m[i].params = v[1] * 1e9;
		m[i].cfg = (struct eng_config){ .dim = (int)v[2], .n_layers = (int)v[3], .n_heads = (int)v[4],
		                                .n_kv_heads = (int)v[5], .hidden_dim = (int)v[6],
		                                .vocab_size = (int)v[7], .seq_len = (int)v[8] };
		m[i].weight_bytes_per_param = v[9];
		m[i].kv_bytes_per_elem = v[10];
		m[i].active_params = v[11] * 1e9;
		if (m[i].cfg.n_heads < 1 || m[i].cfg.dim % m[i].cfg.n_heads || m[i].params <= 0) {
			diag_add(d, "%s:%d: model '%s': heads must divide dim and params be positive",
			         path, csv_line(t, i), m[i].name);
			bad = 1;
		}
	}
	if (bad) {
		free(m);
		m = NULL;
		goto done;
	}
	*n = csv_nrows(t);
	st = SIM_OK;
done:
	*out = m;
	csv_free(t);
	return st;
}

const struct srv_hw *srv_find_hw(const struct srv_hw *h, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(h[i].name, name))
			return &h[i];
	return NULL;
}

const struct srv_model_shape *srv_find_model(const struct srv_model_shape *m, int n,
                                             const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(m[i].name, name))
			return &m[i];
	return NULL;
}

/* ---------------------------------------------------------------- calibration profile */

const char *srv_profile_class(const struct eng_profile *pf, const char *hw)
{
	static const struct { const char *hw, *prof; } alias[] = {
		{ "h100_80", "h100-sxm" }, { "h100_x8", "h100-sxm" }, { "a100_80", "a100-80gb" },
		{ "rtx4090", "rtx4090" }, { "laptop_m2_16", "m2-laptop" },
	};
	for (int i = 0; i < eng_profile_n_classes(pf); i++)
		if (!strcmp(eng_profile_class(pf, i), hw))
			return eng_profile_class(pf, i);
	for (size_t k = 0; k < sizeof alias / sizeof alias[0]; k++)
		if (!strcmp(alias[k].hw, hw))
			for (int i = 0; i < eng_profile_n_classes(pf); i++)
				if (!strcmp(eng_profile_class(pf, i), alias[k].prof))
					return eng_profile_class(pf, i);
	return NULL;
}

static eng_dtype dtype_of(const struct srv_model_shape *m)
{
	return m->weight_bytes_per_param >= 2 ? ENG_F16 : m->weight_bytes_per_param >= 1 ? ENG_Q8_0
	     : ENG_Q4_0;
}

static double prof_t(const struct eng_profile *pf, const char *cls, const struct srv_model_shape *m,
                     int P, int D, double ctx)
{
	struct eng_step_desc sd = { .n_prefill_tokens = P, .n_decode_seqs = D, .ctx_tokens = ctx,
	                            .model = m->cfg, .dtype = dtype_of(m) };
	return eng_profile_predict(pf, &sd, cls);
}

sim_status srv_cost_from_profile(const struct eng_profile *pf, const char *cls,
                                 const struct srv_model_shape *m, struct srv_cost *out,
                                 double *max_dev)
{
	double t1 = prof_t(pf, cls, m, 0, 1, 0), t2 = prof_t(pf, cls, m, 0, 2, 0);
	double t3 = prof_t(pf, cls, m, 1, 0, 0), t4 = prof_t(pf, cls, m, 2, 0, 0);
	double t5 = prof_t(pf, cls, m, 0, 1, 1000);
	if (t1 < 0 || t2 < 0 || t3 < 0 || t4 < 0 || t5 < 0)
		return SIM_EINVAL;
	memset(out, 0, sizeof *out);
	out->c[1] = t4 - t3;
	out->c[2] = t2 - t1 - out->c[1];
	out->c[0] = t1 - out->c[1] - out->c[2];
	out->c[3] = (t5 - t1) / 1000;
	*max_dev = 0;
	static const int grid[][3] = { { 512, 64, 40000 }, { 0, 256, 100000 }, { 2048, 0, 2000000 },
	                               { 37, 5, 777 } };
	for (size_t k = 0; k < sizeof grid / sizeof grid[0]; k++) {
		struct srv_step st = { .n_tokens = grid[k][0] + grid[k][1], .n_prefill = grid[k][0],
		                       .n_decode = grid[k][1], .n_seqs = grid[k][1] + (grid[k][0] > 0),
		                       .n_logits = grid[k][1] + (grid[k][0] > 0), .attn = grid[k][2] };
		double want = prof_t(pf, cls, m, grid[k][0], grid[k][1], grid[k][2]);
		double dev = fabs(srv_cost_eval(out, &st) / want - 1);
		if (dev > *max_dev)
			*max_dev = dev;
	}
	return SIM_OK;
}

/* ---------------------------------------------------------------- fitting a cost */

/* Features used by the fit: constant, tokens, logits rows, attended positions,
 * sequences, older positions missing the cache, prefill tokens, extra token
 * tiles (KV positions held are nearly collinear with attended positions on
 * real batches). */
static const int fit_feat[] = { 0, 1, 2, 3, 4, 6, 7, 8, 9 };
enum { NFIT = sizeof fit_feat / sizeof fit_feat[0] };

/* The weight of a step (srv_cost.h, "About the fit"): the sequences it
 * delays, a prefilling one counting L times. */
static inline double fit_units(const struct srv_step *q, double L)
{
	return q->n_decode + L * (q->n_seqs - q->n_decode);
}

sim_status srv_cost_fit_at(const struct srv_steplog *lg, double cache_from, double cache_pos,
                           int token_tile, struct srv_cost *out, double *rel_rms)
{
	size_t n = lg->n;
	int use[NFIT];
	for (int j = 0; j < NFIT; j++)
		use[j] = 1;
	memset(out, 0, sizeof *out);
	out->cache_positions = cache_pos;
	out->cache_from_positions = cache_pos > 0 ? cache_from : 0;
	out->token_tile = token_tile;
	if (n < 2 * NFIT)
		return SIM_EINVAL;
	double nd = 0, np_ = 0;
	for (size_t i = 0; i < n; i++) {
		nd += lg->step[i].n_decode;
		np_ += lg->step[i].n_seqs - lg->step[i].n_decode;
	}
	double L = np_ > 0 && nd > 0 ? nd / np_ : 1;
	for (int round = 0; round < NFIT; round++) {
		int k = 0, map[NFIT];
		for (int j = 0; j < NFIT; j++)
			if (use[j])
				map[k++] = fit_feat[j];
		gsl_matrix *X = gsl_matrix_alloc(n, (size_t)k);
		gsl_vector *y = gsl_vector_alloc(n), *w = gsl_vector_alloc(n), *c = gsl_vector_alloc((size_t)k);
		gsl_matrix *cov = gsl_matrix_alloc((size_t)k, (size_t)k);
		gsl_multifit_linear_workspace *ws = gsl_multifit_linear_alloc(n, (size_t)k);
		if (!X || !y || !w || !c || !cov || !ws) {
			gsl_matrix_free(X); gsl_vector_free(y); gsl_vector_free(w); gsl_vector_free(c);
			gsl_matrix_free(cov); gsl_multifit_linear_free(ws);
			return SIM_ENOMEM;
		}
		for (size_t i = 0; i < n; i++) {
			double x[SRV_COST_NFEAT];
			srv_cost_features(out, &lg->step[i], x);
			for (int j = 0; j < k; j++)
				gsl_matrix_set(X, i, (size_t)j, x[map[j]]);
			gsl_vector_set(y, i, lg->dt[i]);
			gsl_vector_set(w, i, fit_units(&lg->step[i], L) / (lg->dt[i] * lg->dt[i]));
		}
		double chisq;
		for (int it = 0; it < 3; it++) {
			gsl_multifit_wlinear(X, w, y, c, cov, &chisq, ws);
			for (size_t i = 0; i < n; i++) {
				double pr = 0;
				for (int j = 0; j < k; j++)
					pr += gsl_matrix_get(X, i, (size_t)j) * gsl_vector_get(c, (size_t)j);
				double floor_ = 0.1 * gsl_vector_get(y, i);
				pr = pr > floor_ ? pr : floor_;
				gsl_vector_set(w, i, fit_units(&lg->step[i], L) / (pr * pr));
			}
		}
		memset(out->c, 0, sizeof out->c);
		int neg = -1;
		for (int j = 0; j < k; j++) {
			out->c[map[j]] = gsl_vector_get(c, (size_t)j);
			int may_neg = 0;
			if (out->c[map[j]] < 0 && map[j] != 0 && !may_neg &&
			    (neg < 0 || out->c[map[j]] < out->c[neg]))
				neg = map[j];
		}
		if (neg < 0) {  /* a negative correction must not make a logged step free */
			for (size_t i = 0; i < n && neg < 0; i++)
				if (!(srv_cost_eval(out, &lg->step[i]) > 0))
					neg = out->c[7] < 0 ? 7 : 4;
		}
		double ss = 0, sw = 0;
		for (size_t i = 0; i < n; i++) {
			double e = srv_cost_eval(out, &lg->step[i]) / lg->dt[i] - 1;
			ss += fit_units(&lg->step[i], L) * e * e;
			sw += fit_units(&lg->step[i], L);
		}
		*rel_rms = sqrt(ss / sw);
		gsl_matrix_free(X); gsl_vector_free(y); gsl_vector_free(w); gsl_vector_free(c);
		gsl_matrix_free(cov); gsl_multifit_linear_free(ws);
		if (neg < 0)
			return SIM_OK;
		for (int j = 0; j < NFIT; j++)
			if (fit_feat[j] == neg)
				use[j] = 0;
	}
	return SIM_OK;
}

sim_status srv_cost_fit(const struct srv_steplog *lg, int token_tile, struct srv_cost *out,
                        double *rel_rms)
{
	double best = INFINITY;
	sim_status st = SIM_EINVAL;
	for (int i = -1; i <= 16; i++) {
		double cp = i < 0 ? 0 : round(512 * pow(2, 0.5 * i));
		for (int f = 0; f < (i < 0 ? 1 : 3); f++) {
			struct srv_cost c;
			double r;
			sim_status s1 = srv_cost_fit_at(lg, cp * 0.25 * f, cp, token_tile, &c, &r);
			if (s1 == SIM_ENOMEM)
				return s1;
			if (s1 == SIM_OK && r < best) {
				best = r;
				*out = c;
				*rel_rms = r;
				st = SIM_OK;
			}
		}
	}
	return st;
}

/* The first lag at which the autocorrelation of r (mean 0) falls below 0.05,
 * at most 1024 and a quarter of the series: the length of the spells, the
 * bootstrap's block. */
static int spell_length(const float *r, size_t n)
{
	double var = 0;
	for (size_t i = 0; i < n; i++)
		var += (double)r[i] * r[i];
	size_t maxlag = n / 4 < 1024 ? n / 4 : 1024;
	if (!(var > 0) || maxlag < 2)
		return 1;
	for (size_t lag = 1; lag < maxlag; lag++) {
		double ac = 0;
		for (size_t i = 0; i + lag < n; i++)
			ac += (double)r[i] * r[i + lag];
		if (ac / var < 0.05)
			return (int)lag;
	}
	return (int)maxlag;
}

void srv_cost_noise(const struct srv_steplog *lg, struct srv_cost *c, float *buf)
{
	enum { NC = SRV_NOISE_CLASSES };
	size_t n = lg->n, cnt[NC] = { 0 }, k[NC] = { 0 };
	double sum[NC] = { 0 };
	for (size_t i = 0; i < n; i++)
		cnt[srv_step_class(&lg->step[i])]++;
	float *r[NC];
	for (int cl = 0, off = 0; cl < NC; off += (int)cnt[cl++])
		r[cl] = buf + off;
	for (size_t i = 0; i < n; i++) {
		int cl = srv_step_class(&lg->step[i]);
		double pr = srv_cost_eval(c, &lg->step[i]);
		double e = pr > 0 ? lg->dt[i] / pr - 1 : 0;
		r[cl][k[cl]++] = (float)e;
		sum[cl] += e;
	}
	for (int cl = 0; cl < NC; cl++) {
		for (size_t i = 0; i < cnt[cl]; i++)
			r[cl][i] = (float)(r[cl][i] - sum[cl] / (double)cnt[cl]);
		c->noise[cl] = (struct srv_noise){ r[cl], (int)cnt[cl], spell_length(r[cl], cnt[cl]) };
	}
	static const int order[NC][NC - 1] = { { 2, 1 }, { 2, 0 }, { 1, 0 } };
	struct srv_noise own[NC];
	memcpy(own, c->noise, sizeof own);
	for (int cl = 0; cl < NC; cl++) {
		if (cnt[cl] >= 50)
			continue;
		c->noise[cl] = (struct srv_noise){ NULL, 0, 1 };
		for (int j = 0; j < NC - 1; j++)
			if (cnt[order[cl][j]] >= 50) {
				c->noise[cl] = own[order[cl][j]];
				break;
			}
	}
}

double srv_resid_sd(const float *r, size_t n)
{
	double ss = 0;
	for (size_t i = 0; i < n; i++)
		ss += (double)r[i] * r[i];
	return n ? sqrt(ss / (double)n) : 0;
}

