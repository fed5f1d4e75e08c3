/* eng_calib.c — probes, step work accounting, the cost-model fit and profiles. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit.h>
#include <unistd.h>

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

double eng_calib_predict(const double coef[4], const struct eng_probe_work *w, double bw_gbs, double peak_gflops)
{
	return coef[0] + coef[1] * w->bytes / (bw_gbs * 1e9) + coef[2] * w->flops / (peak_gflops * 1e9) +
	       coef[3] * w->kv_tokens;
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
		double r = (eng_calib_predict(coef, &m[i].work, m[i].bw_gbs, peak_gflops) - m[i].seconds) / m[i].seconds;
		ss += r * r;
	}
	*rel_rms = sqrt(ss / n);
	return ENG_OK;
}

/* ---------------------------------------------------------------- classes */

/* Spec-sheet figures for classes derived by roofline scaling.  Peak is the
 * dense 16-bit tensor rate an inference engine would use on that part. */
static const struct hw_class {
	const char *name;
	double bw_gbs, peak_gflops;
	const char *source;
} hw_classes[] = {
	{ "h100-sxm", 3350, 989000,
	  "NVIDIA H100 Tensor Core GPU datasheet (SXM5): 3.35 TB/s HBM3, 989 TFLOPS dense BF16/FP16 tensor" },
	{ "a100-80gb", 2039, 312000,
	  "NVIDIA A100 Tensor Core GPU datasheet (80GB SXM): 2,039 GB/s HBM2e, 312 TFLOPS dense BF16/FP16 tensor" },
	{ "rtx4090", 1008, 165200,
	  "NVIDIA Ada Lovelace architecture whitepaper (GeForce RTX 4090): 1,008 GB/s GDDR6X, 165.2 TFLOPS "
	  "dense FP16 tensor with FP32 accumulate" },
	{ "m2-laptop", 100, 3600,
	  "Apple M2 (MacBook Air 2022) specifications: 100 GB/s unified memory, 3.6 TFLOPS FP32 GPU" },
};

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

static cJSON *shape_json(const struct eng_config *c)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "dim", c->dim);
	cJSON_AddNumberToObject(o, "layers", c->n_layers);
	cJSON_AddNumberToObject(o, "heads", c->n_heads);
	cJSON_AddNumberToObject(o, "kv_heads", c->n_kv_heads);
	cJSON_AddNumberToObject(o, "hidden", c->hidden_dim);
	cJSON_AddNumberToObject(o, "vocab", c->vocab_size);
	return o;
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

static double median_of(const struct eng_calib_meas *m, int n)
{
	double *v = malloc(sizeof(double) * (size_t)(n ? n : 1)), r = 0;
	if (!v)
		return m[0].bw_gbs;
	for (int i = 0; i < n; i++)
		v[i] = m[i].bw_gbs;
	r = n ? eng_probe_median(v, n) : 0;
	free(v);
	return r;
}

static eng_status calib_write(const char *path, const struct eng_calib_meas *ms, int n, const double coef[4],
                              double rel, double peak, int nt, double duration, double load0, char *err,
                              size_t err_len)
{
	cJSON *root = cJSON_CreateObject(), *prov = cJSON_AddObjectToObject(root, "provenance");
	char host[256] = "unknown", cpu[256], date[32];
	gethostname(host, sizeof host - 1);
	cpu_model(cpu, sizeof cpu);
	time_t now = time(NULL);
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	cJSON_AddStringToObject(root, "format", "dais-engine-profile/1");
	cJSON_AddStringToObject(prov, "host", host);
	cJSON_AddStringToObject(prov, "cpu", cpu);
	cJSON_AddNumberToObject(prov, "cores", (double)sysconf(_SC_NPROCESSORS_ONLN));
	cJSON_AddNumberToObject(prov, "threads", nt);
	cJSON_AddStringToObject(prov, "isa", eng_isa_name(eng_isa_best()));
	cJSON_AddStringToObject(prov, "compiler", compiler_name());
	cJSON_AddStringToObject(prov, "date", date);
	cJSON_AddStringToObject(prov, "engine_version", ENG_VERSION);
	cJSON_AddNumberToObject(prov, "duration_s", duration);
	cJSON_AddNumberToObject(prov, "loadavg_start", load0);
	cJSON_AddNumberToObject(prov, "loadavg_end", eng_probe_loadavg());
	double bw = median_of(ms, n);
	cJSON *mach = cJSON_AddObjectToObject(root, "machine");
	cJSON_AddNumberToObject(mach, "bandwidth_gbs", bw);
	double lo = 1e30, hi = 0;
	for (int i = 0; i < n; i++) {
		lo = ms[i].bw_gbs < lo ? ms[i].bw_gbs : lo;
		hi = ms[i].bw_gbs > hi ? ms[i].bw_gbs : hi;
	}
	cJSON_AddNumberToObject(mach, "bandwidth_gbs_min", lo);
	cJSON_AddNumberToObject(mach, "bandwidth_gbs_max", hi);
	cJSON_AddNumberToObject(mach, "peak_gflops", peak);
	cJSON_AddStringToObject(mach, "bandwidth_probe", "triad a = b + s c, 3 arrays of 48 MiB, streaming stores, best of 2, "
	                        "taken before and after every timing");
	cJSON *fit = cJSON_AddObjectToObject(root, "fit");
	cJSON_AddStringToObject(fit, "form", "t = a + b * bytes / (BW * 1e9) + c * flops / (PEAK * 1e9) + d * kv_tokens");
	cJSON_AddStringToObject(fit, "method", "GSL robust least squares (gsl_multifit_robust, bisquare) on rows divided by t, i.e. on relative error; negative coefficients dropped and the rest refitted");
	cJSON *cf = cJSON_AddObjectToObject(fit, "coef");
	cJSON_AddNumberToObject(cf, "a_s", coef[0]);
	cJSON_AddNumberToObject(cf, "b", coef[1]);
	cJSON_AddNumberToObject(cf, "c", coef[2]);
	cJSON_AddNumberToObject(cf, "d_s_per_token", coef[3]);
	cJSON_AddNumberToObject(fit, "rel_rms_error", rel);
	cJSON_AddNumberToObject(fit, "n", n);
	cJSON *arr = cJSON_AddArrayToObject(root, "measurements");
	for (int i = 0; i < n; i++) {
		const struct eng_calib_meas *m = &ms[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "kind", m->prefill ? "prefill" : "decode");
		cJSON_AddStringToObject(o, "shape_name", m->shape);
		cJSON_AddItemToObject(o, "shape", shape_json(&m->cfg));
		cJSON_AddStringToObject(o, "dtype", eng_dtype_name(m->dtype));
		cJSON_AddNumberToObject(o, "batch", m->batch);
		cJSON_AddNumberToObject(o, "context", m->context);
		cJSON_AddNumberToObject(o, "prompt", m->prompt);
		cJSON_AddNumberToObject(o, "seconds", m->seconds);
		cJSON_AddNumberToObject(o, "bw_probe_gbs", m->bw_gbs);
		cJSON_AddNumberToObject(o, "bytes", m->work.bytes);
		cJSON_AddNumberToObject(o, "flops", m->work.flops);
		cJSON_AddNumberToObject(o, "kv_tokens", m->work.kv_tokens);
		cJSON_AddNumberToObject(o, "predicted_s", eng_calib_predict(coef, &m->work, m->bw_gbs, peak));
		cJSON_AddItemToArray(arr, o);
	}
	cJSON *cls = cJSON_AddArrayToObject(root, "hardware_classes");
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", "measured");
	cJSON_AddBoolToObject(o, "derived", 0);
	cJSON_AddNumberToObject(o, "bandwidth_gbs", bw);
	cJSON_AddNumberToObject(o, "peak_gflops", peak);
	cJSON_AddStringToObject(o, "source", "this calibration run");
	cJSON_AddItemToArray(cls, o);
	for (size_t i = 0; i < sizeof hw_classes / sizeof *hw_classes; i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", hw_classes[i].name);
		cJSON_AddBoolToObject(o, "derived", 1);
		cJSON_AddNumberToObject(o, "bandwidth_gbs", hw_classes[i].bw_gbs);
		cJSON_AddNumberToObject(o, "peak_gflops", hw_classes[i].peak_gflops);
		cJSON_AddStringToObject(o, "source", hw_classes[i].source);
		cJSON_AddStringToObject(o, "method", "roofline scaling of the measured fit: BW and PEAK replaced by the "
		                        "spec-sheet figures, the kv term scaled by the bandwidth ratio");
		cJSON_AddItemToArray(cls, o);
	}
	char *txt = cJSON_Print(root);
	cJSON_Delete(root);
	if (!txt)
		return eng_err(ENG_ENOMEM, err, err_len, "%s: out of memory", path);
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp%d", path, (int)getpid());
	FILE *f = fopen(tmp, "w");
	int bad = !f || fputs(txt, f) < 0 || fputc('\n', f) < 0;
	if (f && fclose(f))
		bad = 1;
	if (!bad && rename(tmp, path))
		bad = 1;
	free(txt);
	if (bad) {
		if (f)
			remove(tmp);
		return eng_err(ENG_EIO, err, err_len, "%s: cannot write: %s", path, strerror(errno));
	}
	return ENG_OK;
}

eng_status eng_calib_run(const struct eng_calib_params *p, const char *path, char *err, size_t err_len)
{
	static const eng_dtype dtypes[] = { ENG_Q8_0, ENG_Q4_0, ENG_F32 };
	static const int dec_batch[] = { 1, 4, 16 }, dec_ctx[] = { 32, 384 };
	static const int pre_prompt[] = { 32, 128 }, pre_batch[] = { 1, 2 };
	int nt = p->n_threads > 0 ? p->n_threads : 1;
	int n_shapes = p->n_shapes ? p->n_shapes : (p->quick ? 2 : 3);
	const struct eng_config *shapes = p->n_shapes ? p->shapes : default_shapes;
	const char *const *names = p->n_shapes ? p->shape_names : default_names;
	int n_dt = 3, steps = p->quick ? 4 : 8;
	int cap = n_shapes * n_dt * 12, n = 0;
	struct eng_calib_meas *ms = calloc((size_t)cap, sizeof *ms);
	struct eng_probe_bw *bw = eng_probe_bw_alloc(nt, p->bw_bytes ? p->bw_bytes : 48u << 20);
	if (!ms || !bw) {
		free(ms);
		eng_probe_bw_free(bw);
		return eng_err(ENG_ENOMEM, err, err_len, "calibrate: out of memory");
	}
	eng_probe_bw_run(bw, 1);
	double peak = eng_probe_peak_gflops(nt), t_start = eng_probe_now(), load0 = eng_probe_loadavg();
	if (p->log)
		fprintf(p->log, "calibrate: %d threads, %s kernels, peak %.1f GFLOP/s, bandwidth %.1f GB/s, load %.2f\n",
		        nt, eng_isa_name(eng_isa_best()), peak, eng_probe_bw_run(bw, 3), load0);
	eng_status s = ENG_OK;
	for (int si = 0; si < n_shapes && !s; si++)
		for (int di = 0; di < n_dt && !s; di++) {
			eng_model *m;
			eng_ctx *c;
			char e2[ENG_ERR_LEN];
			struct eng_config cf = shapes[si];
			if (p->quick && cf.dim >= 4096 && dtypes[di] == ENG_F32)
				continue;
			if ((s = eng_model_synthetic(&m, &cf, dtypes[di], 7, e2, sizeof e2))) {
				eng_err(s, err, err_len, "calibrate: %s", e2);
				break;
			}
			struct eng_ctx_params cp = { .n_threads = nt, .max_tokens = 256, .max_seqs = 16, .max_logits = 16,
			                             .kv_block_tokens = 16, .kv_blocks = 16 * 26 + 8 };
			if ((s = eng_ctx_alloc(&c, m, &cp, e2, sizeof e2))) {
				eng_err(s, err, err_len, "calibrate: %s", e2);
				eng_model_free(m);
				break;
			}
			for (int k = 0; k < 10 && !s; k++) {
				struct eng_calib_meas *x = &ms[n];
				*x = (struct eng_calib_meas){ .cfg = cf, .dtype = dtypes[di] };
				snprintf(x->shape, sizeof x->shape, "%s", names[si]);
				if (k < 6) {
					x->batch = dec_batch[k % 3];
					x->context = dec_ctx[k / 3];
				} else if (k < 10) {
					x->prefill = 1;
					x->prompt = pre_prompt[(k - 6) % 2];
					x->batch = pre_batch[(k - 6) / 2];
				}
				if ((p->quick && x->prefill && x->batch > 1) || x->context + steps + 2 > cf.seq_len ||
				    x->prompt > cf.seq_len)
					continue;   /* (a shape's context length bounds its points) */
				if ((s = measure(c, bw, x, steps))) {
					eng_err(s, err, err_len, "calibrate: %s", eng_errmsg(c));
					break;
				}
				if (p->log)
					fprintf(p->log, "  %-22s %-5s %-7s batch %2d ctx %4d prompt %4d: %9.3f ms  (bw %.1f GB/s)\n",
					        x->shape, eng_dtype_name(x->dtype), x->prefill ? "prefill" : "decode", x->batch,
					        x->context, x->prompt, x->seconds * 1e3, x->bw_gbs);
				n++;
			}
			eng_ctx_free(c);
			eng_model_free(m);
		}
	double coef[4] = { 0 }, rel = 0;
	if (!s && (s = eng_calib_fit(ms, n, peak, coef, &rel)))
		eng_err(s, err, err_len, "calibrate: the least-squares fit failed (%d points)", n);
	if (!s)
		s = calib_write(path, ms, n, coef, rel, peak, nt, eng_probe_now() - t_start, load0, err, err_len);
	if (!s && p->log)
		fprintf(p->log, "fit: t = %.4g s + %.4g bytes/BW + %.4g flops/peak + %.4g s/token x kv_tokens; "
		        "relative rms error %.1f%% over %d points\nwrote %s\n", coef[0], coef[1], coef[2], coef[3],
		        100 * rel, n, path);
	free(ms);
	eng_probe_bw_free(bw);
	return s;
}

/* ---------------------------------------------------------------- profiles */

#define MAX_CLASSES 32

struct eng_profile {
	double coef[4];
	double bw_gbs, peak_gflops;      /* of the measured machine */
	int n_classes;
	struct { char name[32]; double bw_gbs, peak_gflops; } cls[MAX_CLASSES];
};

static int get_num(const cJSON *o, const char *key, double *v)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!cJSON_IsNumber(x))
		return -1;
	*v = x->valuedouble;
	return 0;
}

eng_status eng_profile_load(struct eng_profile **out, const char *path, char *err, size_t err_len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return eng_err(ENG_EIO, err, err_len, "%s: cannot open: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *txt = n >= 0 && n < (64L << 20) ? malloc((size_t)n + 1) : NULL;
	if (!txt || fread(txt, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(txt);
		return eng_err(ENG_EIO, err, err_len, "%s: cannot read", path);
	}
	fclose(f);
	txt[n] = 0;
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithOpts(txt, &end, 0);
	if (!root) {
		int line = 1;
		for (const char *p = txt; end && p < end; p++)
			line += *p == '\n';
		free(txt);
		return eng_err(ENG_EFORMAT, err, err_len, "%s:%d: JSON parse error", path, line);
	}
	free(txt);
	struct eng_profile *p = calloc(1, sizeof *p);
	eng_status s = p ? ENG_OK : ENG_ENOMEM;
	const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
	const cJSON *coef = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "fit"), "coef");
	const cJSON *mach = cJSON_GetObjectItemCaseSensitive(root, "machine");
	const cJSON *cls = cJSON_GetObjectItemCaseSensitive(root, "hardware_classes");
	static const char *const keys[4] = { "a_s", "b", "c", "d_s_per_token" };
	if (s)
		eng_err(s, err, err_len, "%s: out of memory", path);
	else if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, "dais-engine-profile/1"))
		s = eng_err(ENG_EFORMAT, err, err_len, "%s: $.format: expected \"dais-engine-profile/1\"", path);
	for (int i = 0; i < 4 && !s; i++)
		if (get_num(coef, keys[i], &p->coef[i]))
			s = eng_err(ENG_EFORMAT, err, err_len, "%s: $.fit.coef.%s: expected number", path, keys[i]);
	if (!s && (get_num(mach, "bandwidth_gbs", &p->bw_gbs) || !(p->bw_gbs > 0)))
		s = eng_err(ENG_EFORMAT, err, err_len, "%s: $.machine.bandwidth_gbs: expected a positive number", path);
	if (!s && (get_num(mach, "peak_gflops", &p->peak_gflops) || !(p->peak_gflops > 0)))
		s = eng_err(ENG_EFORMAT, err, err_len, "%s: $.machine.peak_gflops: expected a positive number", path);
	if (!s && !cJSON_IsArray(cls))
		s = eng_err(ENG_EFORMAT, err, err_len, "%s: $.hardware_classes: expected array", path);
	const cJSON *c, *list = s ? NULL : cls;
	int i = 0;
	cJSON_ArrayForEach(c, list) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(c, "name");
		if (i == MAX_CLASSES) {
			s = eng_err(ENG_EFORMAT, err, err_len, "%s: $.hardware_classes: more than %d classes", path, MAX_CLASSES);
			break;
		}
		if (!cJSON_IsString(name) || strlen(name->valuestring) >= sizeof p->cls[0].name) {
			s = eng_err(ENG_EFORMAT, err, err_len, "%s: $.hardware_classes[%d].name: expected a short string", path, i);
			break;
		}
		snprintf(p->cls[i].name, sizeof p->cls[i].name, "%s", name->valuestring);
		if (get_num(c, "bandwidth_gbs", &p->cls[i].bw_gbs) || get_num(c, "peak_gflops", &p->cls[i].peak_gflops) ||
		    !(p->cls[i].bw_gbs > 0) || !(p->cls[i].peak_gflops > 0)) {
			s = eng_err(ENG_EFORMAT, err, err_len,
			            "%s: $.hardware_classes[%d]: bandwidth_gbs and peak_gflops must be positive numbers", path, i);
			break;
		}
		i++;
	}
	cJSON_Delete(root);
	if (s) {
		free(p);
		return s;
	}
	p->n_classes = i;
	*out = p;
	return ENG_OK;
}

void eng_profile_free(struct eng_profile *p)
{
	free(p);
}

int eng_profile_n_classes(const struct eng_profile *p)
{
	return p->n_classes;
}

const char *eng_profile_class(const struct eng_profile *p, int i)
{
	return i >= 0 && i < p->n_classes ? p->cls[i].name : NULL;
}

double eng_profile_predict(const struct eng_profile *p, const struct eng_step_desc *d, const char *hw)
{
	double bw = p->bw_gbs, peak = p->peak_gflops;
	if (hw && strcmp(hw, "measured")) {
		int i;
		for (i = 0; i < p->n_classes; i++)
			if (!strcmp(p->cls[i].name, hw))
				break;
		if (i == p->n_classes)
			return -1;
		bw = p->cls[i].bw_gbs;
		peak = p->cls[i].peak_gflops;
	}
	int n_tok = d->n_prefill_tokens + d->n_decode_seqs;
	if (n_tok <= 0)
		return 0;
	struct eng_probe_work w = eng_probe_work_of(&d->model, d->dtype, n_tok, d->n_decode_seqs + (d->n_prefill_tokens > 0),
	                                            d->ctx_tokens);
	double coef[4] = { p->coef[0], p->coef[1], p->coef[2], p->coef[3] * p->bw_gbs / bw };
	return eng_calib_predict(coef, &w, bw, peak);
}
