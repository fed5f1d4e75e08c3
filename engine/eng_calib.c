/* eng_calib.c — calibration runs (timed synthetic models beside bandwidth
 * probes), the cost-model fit (GSL) and its predictions.  No JSON here: the
 * profile is written and read by eng_profile.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit.h>

#include "eng_calib.h"
#include "eng_model.h"

/* ---------------------------------------------------------------- fit */

static void regressors(const struct eng_calib_meas *m, double peak_gflops, double x[4])
{
	x[0] = 1;
	x[1] = m->work.bytes / (m->bw_gbs * 1e9);
	x[2] = m->work.flops / (peak_gflops * 1e9);
	x[3] = m->work.kv_tokens;
}

/* Robust fit of the active columns of the scaled system; inactive
 * coefficients are 0.  Returns a GSL status. */
static int fit_active(const struct eng_calib_meas *m, int n, double peak_gflops, const int active[4], double coef[4])
{
	int k = 0, map[4];
	for (int j = 0; j < 4; j++)
		if (active[j])
			map[k++] = j;
	gsl_matrix *X = gsl_matrix_alloc((size_t)n, (size_t)k), *cov = gsl_matrix_alloc((size_t)k, (size_t)k);
	gsl_vector *y = gsl_vector_alloc((size_t)n), *c = gsl_vector_alloc((size_t)k);
	gsl_multifit_robust_workspace *rw = gsl_multifit_robust_alloc(gsl_multifit_robust_bisquare, (size_t)n, (size_t)k);
	int e = X && cov && y && c && rw ? GSL_SUCCESS : GSL_ENOMEM;
	if (!e) {
		for (int i = 0; i < n; i++) {
			double x[4];
			regressors(&m[i], peak_gflops, x);
			for (int j = 0; j < k; j++)
				gsl_matrix_set(X, (size_t)i, (size_t)j, x[map[j]] / m[i].seconds);
			gsl_vector_set(y, (size_t)i, 1.0);
		}
		e = gsl_multifit_robust(X, y, c, cov, rw);
		if (e && e != GSL_EMAXITER) {
			gsl_multifit_linear_workspace *ws = gsl_multifit_linear_alloc((size_t)n, (size_t)k);
			double chisq;
			size_t rank;
			e = ws ? gsl_multifit_linear_tsvd(X, y, 1e-12, c, cov, &chisq, &rank, ws) : GSL_ENOMEM;
			gsl_multifit_linear_free(ws);
		}
		if (e == GSL_EMAXITER)
			e = GSL_SUCCESS;
		for (int j = 0; j < 4; j++)
			coef[j] = 0;
		for (int j = 0; !e && j < k; j++)
			coef[map[j]] = gsl_vector_get(c, (size_t)j);
	}
	gsl_matrix_free(X);
	gsl_matrix_free(cov);
	gsl_vector_free(y);
	gsl_vector_free(c);
	if (rw)
		gsl_multifit_robust_free(rw);
	return e;
}

eng_status eng_calib_fit(const struct eng_calib_meas *m, int n, double peak_gflops, double coef[4], double *rel_rms)
{
	if (n < 4)
		return ENG_EINVAL;
	/* Rows divided by t turn relative error into the residual; the robust
	 * (bisquare) fit discounts timings spoiled by other processes on a shared
	 * machine.  Every term is a cost, so a coefficient that comes out negative
	 * is dropped (set to 0) and the rest refitted: a small active-set
	 * non-negative least squares. */
	int active[4] = { 1, 1, 1, 1 }, e = 0;
	gsl_error_handler_t *old = gsl_set_error_handler_off();
	for (int round = 0; round < 4; round++) {
		if ((e = fit_active(m, n, peak_gflops, active, coef)))
			break;
		int worst = -1;
		for (int j = 0; j < 4; j++)
			if (active[j] && coef[j] < 0 && (worst < 0 || coef[j] < coef[worst]))
				worst = j;
		if (worst < 0)
			break;
		active[worst] = 0;
	}
	gsl_set_error_handler(old);
	if (e)
		return e == GSL_ENOMEM ? ENG_ENOMEM : ENG_EINVAL;
	double ss = 0;
	for (int i = 0; i < n; i++) {
		double t = eng_calib_predict(coef, &m[i].work, m[i].bw_gbs, peak_gflops);
		double r = (t - m[i].seconds) / m[i].seconds;
		ss += r * r;
	}
	*rel_rms = sqrt(ss / n);
	return ENG_OK;
}

/* ---------------------------------------------------------------- run */

static const struct eng_config default_shapes[] = {
	/* stories110M (llama2.c) */
	{ .dim = 768, .n_layers = 12, .n_heads = 12, .n_kv_heads = 12, .hidden_dim = 2048, .vocab_size = 32000, .seq_len = 1024 },
	/* Llama-2-7B widths, layers scaled to fit the run (time per layer is linear) */
	{ .dim = 4096, .n_layers = 2, .n_heads = 32, .n_kv_heads = 32, .hidden_dim = 11008, .vocab_size = 32000, .seq_len = 1024 },
	/* Llama-3.2-1B-like grouped-query attention, layers scaled */
	{ .dim = 2048, .n_layers = 4, .n_heads = 32, .n_kv_heads = 8, .hidden_dim = 8192, .vocab_size = 32000, .seq_len = 1024 },
};
static const char *const default_names[] = { "stories110m", "llama2-7b-2layers", "llama3-1b-gqa-4layers" };

static const char *compiler_name(void)
{
#if defined(__clang__)
	return "clang " __clang_version__;
#elif defined(__GNUC__)
	return "gcc " __VERSION__;
#else
	return "unknown";
#endif
}

static void cpu_model(char *buf, size_t n)
{
	snprintf(buf, n, "unknown");
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return;
	char line[512];
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, "model name", 10)) {
			char *p = strchr(line, ':');
			if (p) {
				p += 1 + (p[1] == ' ');
				p[strcspn(p, "\n")] = 0;
				snprintf(buf, n, "%s", p);
			}
			break;
		}
	fclose(f);
}

/* Times one point with a bandwidth probe before and after it.  The shortest
 * step is kept (other processes on a shared machine only ever add time) and
 * the probes are averaged (the machine's bandwidth drifts both ways). */
static eng_status measure(eng_ctx *c, struct eng_probe_bw *bw, struct eng_calib_meas *m, int steps)
{
	double b0 = eng_probe_bw_run(bw, 2), med, sec;
	eng_status s = m->prefill ? eng_probe_prefill(c, m->prompt, m->batch, steps, &med, &sec)
	                          : eng_probe_decode(c, m->batch, m->context, steps, &med, &sec);
	if (s)
		return s;
	m->bw_gbs = 0.5 * (b0 + eng_probe_bw_run(bw, 2));
	m->seconds = sec;
	if (m->prefill)
		m->work = eng_probe_work_of(&m->cfg, m->dtype, (double)m->batch * m->prompt, m->batch,
		                            m->batch * 0.5 * m->prompt * (m->prompt + 1.0));
	else
		m->work = eng_probe_step_work(&m->cfg, m->dtype, 0, 0, m->batch, m->context);
	return ENG_OK;
}

/* The points of one shape and weight type: decode at batch 1, 4, 16 and
 * context 32, 384, then prefill of 32 and 128 tokens at batch 1 and 2; points
 * that the shape's context length (or quick) rules out are skipped.  Appends
 * to ms[*n]. */
static eng_status measure_model(const struct eng_calib_params *p, const struct eng_config *cf, const char *name,
                                eng_dtype t, struct eng_probe_bw *bw, int steps, struct eng_calib_meas *ms, int *n,
                                char *err, size_t err_len)
{
	static const int dec_batch[] = { 1, 4, 16 }, dec_ctx[] = { 32, 384 };
	static const int pre_prompt[] = { 32, 128 }, pre_batch[] = { 1, 2 };
	eng_model *m;
	eng_ctx *c;
	char e2[ENG_ERR_LEN];
	eng_status s = eng_model_synthetic(&m, cf, t, 7, e2, sizeof e2);
	if (s)
		return eng_err(s, err, err_len, "calibrate: %s", e2);
	struct eng_ctx_params cp = { .n_threads = p->n_threads > 0 ? p->n_threads : 1, .max_tokens = 256,
	                             .max_seqs = 16, .max_logits = 16, .kv_block_tokens = 16,
	                             .kv_blocks = 16 * 26 + 8 };
	if ((s = eng_ctx_alloc(&c, m, &cp, e2, sizeof e2))) {
		eng_model_free(m);
		return eng_err(s, err, err_len, "calibrate: %s", e2);
	}
	for (int k = 0; k < 10 && !s; k++) {
		struct eng_calib_meas *x = &ms[*n];
		*x = (struct eng_calib_meas){ .cfg = *cf, .dtype = t };
		snprintf(x->shape, sizeof x->shape, "%s", name);
		if (k < 6) {
			x->batch = dec_batch[k % 3];
			x->context = dec_ctx[k / 3];
		} else {
			x->prefill = 1;
			x->prompt = pre_prompt[(k - 6) % 2];
			x->batch = pre_batch[(k - 6) / 2];
		}
		if ((p->quick && x->prefill && x->batch > 1) || x->context + steps + 2 > cf->seq_len ||
		    x->prompt > cf->seq_len)
			continue;   /* (a shape's context length bounds its points) */
		if ((s = measure(c, bw, x, steps))) {
			eng_err(s, err, err_len, "calibrate: %s", eng_errmsg(c));
			break;
		}
		if (p->log)
			fprintf(p->log, "  %-22s %-5s %-7s batch %2d ctx %4d prompt %4d: %9.3f ms  (bw %.1f GB/s)\n",
			        x->shape, eng_dtype_name(x->dtype), x->prefill ? "prefill" : "decode", x->batch,
			        x->context, x->prompt, x->seconds * 1e3, x->bw_gbs);
		(*n)++;
	}
	eng_ctx_free(c);
	eng_model_free(m);
	return s;
}

/* The bandwidth summary and the provenance of a finished run. */
static void describe_run(struct eng_calib_result *r)
{
	double *v = malloc(sizeof(double) * (size_t)(r->n ? r->n : 1));
	r->bw_gbs_min = 1e30;
	r->bw_gbs_max = 0;
	for (int i = 0; i < r->n; i++) {
		double b = r->meas[i].bw_gbs;
		r->bw_gbs_min = b < r->bw_gbs_min ? b : r->bw_gbs_min;
		r->bw_gbs_max = b > r->bw_gbs_max ? b : r->bw_gbs_max;
		if (v)
			v[i] = b;
	}
	r->bw_gbs = !v ? r->meas[0].bw_gbs : r->n ? eng_probe_median(v, r->n) : 0;
	free(v);
	snprintf(r->host, sizeof r->host, "unknown");
	gethostname(r->host, sizeof r->host - 1);
	cpu_model(r->cpu, sizeof r->cpu);
	r->cores = sysconf(_SC_NPROCESSORS_ONLN);
	r->isa = eng_isa_best();
	r->compiler = compiler_name();
	time_t now = time(NULL);
	strftime(r->date, sizeof r->date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	r->loadavg_end = eng_probe_loadavg();
}

/* quick leaves out fp32 of the large shapes. */
static int skip_model(const struct eng_calib_params *p, const struct eng_config *cf, eng_dtype t)
{
	return p->quick && cf->dim >= 4096 && t == ENG_F32;
}

eng_status eng_calib_run(const struct eng_calib_params *p, struct eng_calib_result *r, char *err, size_t err_len)
{
	static const eng_dtype dtypes[] = { ENG_Q8_0, ENG_Q4_0, ENG_F32 };
	int nt = p->n_threads > 0 ? p->n_threads : 1;
	int n_shapes = p->n_shapes ? p->n_shapes : (p->quick ? 2 : 3);
	const struct eng_config *shapes = p->n_shapes ? p->shapes : default_shapes;
	const char *const *names = p->n_shapes ? p->shape_names : default_names;
	int n_dt = 3, steps = p->quick ? 4 : 8;
	*r = (struct eng_calib_result){ .n_threads = nt };
	r->meas = calloc((size_t)(n_shapes * n_dt * 12), sizeof *r->meas);
	struct eng_probe_bw *bw = eng_probe_bw_alloc(nt, p->bw_bytes ? p->bw_bytes : 48u << 20);
	if (!r->meas || !bw) {
		eng_probe_bw_free(bw);
		eng_calib_result_release(r);
		return eng_err(ENG_ENOMEM, err, err_len, "calibrate: out of memory");
	}
	/* what will be measured: a model per shape and weight type */
	int total = 0, done = 0;
	for (int si = 0; si < n_shapes; si++)
		for (int di = 0; di < n_dt; di++)
			total += !skip_model(p, &shapes[si], dtypes[di]);
	if (p->progress)
		p->progress(p->progress_ctx, 0, total);
	eng_probe_bw_run(bw, 1);
	r->peak_gflops = eng_probe_peak_gflops(nt);
	double t_start = eng_probe_now();
	r->loadavg_start = eng_probe_loadavg();
	if (p->log)
		fprintf(p->log, "calibrate: %d threads, %s kernels, peak %.1f GFLOP/s, bandwidth %.1f GB/s, load %.2f\n",
		        nt, eng_isa_name(eng_isa_best()), r->peak_gflops, eng_probe_bw_run(bw, 3), r->loadavg_start);
	eng_status s = ENG_OK;
	for (int si = 0; si < n_shapes && !s; si++)
		for (int di = 0; di < n_dt && !s; di++) {
			if (skip_model(p, &shapes[si], dtypes[di]))
				continue;
			s = measure_model(p, &shapes[si], names[si], dtypes[di], bw, steps, r->meas, &r->n, err,
			                  err_len);
			if (!s && p->progress)
				p->progress(p->progress_ctx, ++done, total);
		}
	if (!s && (s = eng_calib_fit(r->meas, r->n, r->peak_gflops, r->coef, &r->rel_rms)))
		eng_err(s, err, err_len, "calibrate: the least-squares fit failed (%d points)", r->n);
	eng_probe_bw_free(bw);
	if (s) {
		eng_calib_result_release(r);
		return s;
	}
	r->duration_s = eng_probe_now() - t_start;
	describe_run(r);
	return ENG_OK;
}

void eng_calib_result_release(struct eng_calib_result *r)
{
	free(r->meas);
	r->meas = NULL;
	r->n = 0;
}
