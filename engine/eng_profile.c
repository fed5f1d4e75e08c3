/* eng_profile.c — calibration profiles as JSON (cJSON): written from a
 * calibration run, read back, and used to predict step times. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "eng_file.h"
#include "eng_model.h"
#include "eng_profile.h"

#define PROFILE_FORMAT "dais-engine-profile/1"
#define PROFILE_MAX_BYTES (64L << 20)

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

/* ---------------------------------------------------------------- writing */

static void add_provenance(cJSON *prov, const struct eng_calib_result *r)
{
	cJSON_AddStringToObject(prov, "host", r->host);
	cJSON_AddStringToObject(prov, "cpu", r->cpu);
	cJSON_AddNumberToObject(prov, "cores", (double)r->cores);
	cJSON_AddNumberToObject(prov, "threads", r->n_threads);
	cJSON_AddStringToObject(prov, "isa", eng_isa_name(r->isa));
	cJSON_AddStringToObject(prov, "compiler", r->compiler ? r->compiler : "unknown");
	cJSON_AddStringToObject(prov, "date", r->date);
	cJSON_AddStringToObject(prov, "engine_version", ENG_VERSION);
	cJSON_AddNumberToObject(prov, "duration_s", r->duration_s);
	cJSON_AddNumberToObject(prov, "loadavg_start", r->loadavg_start);
	cJSON_AddNumberToObject(prov, "loadavg_end", r->loadavg_end);
}

static void add_machine(cJSON *mach, const struct eng_calib_result *r)
{
	cJSON_AddNumberToObject(mach, "bandwidth_gbs", r->bw_gbs);
	cJSON_AddNumberToObject(mach, "bandwidth_gbs_min", r->bw_gbs_min);
	cJSON_AddNumberToObject(mach, "bandwidth_gbs_max", r->bw_gbs_max);
	cJSON_AddNumberToObject(mach, "peak_gflops", r->peak_gflops);
	cJSON_AddStringToObject(mach, "bandwidth_probe", "triad a = b + s c, 3 arrays of 48 MiB, streaming stores, "
	                        "best of 2, taken before and after every timing");
}

static void add_fit(cJSON *fit, const struct eng_calib_result *r)
{
	cJSON_AddStringToObject(fit, "form",
	                        "t = a + b * bytes / (BW * 1e9) + c * flops / (PEAK * 1e9) + d * kv_tokens");
	cJSON_AddStringToObject(fit, "method", "GSL robust least squares (gsl_multifit_robust, bisquare) on rows "
	                        "divided by t, i.e. on relative error; negative coefficients dropped and the rest "
	                        "refitted");
	cJSON *cf = cJSON_AddObjectToObject(fit, "coef");
	cJSON_AddNumberToObject(cf, "a_s", r->coef[0]);
	cJSON_AddNumberToObject(cf, "b", r->coef[1]);
	cJSON_AddNumberToObject(cf, "c", r->coef[2]);
	cJSON_AddNumberToObject(cf, "d_s_per_token", r->coef[3]);
	cJSON_AddNumberToObject(fit, "rel_rms_error", r->rel_rms);
	cJSON_AddNumberToObject(fit, "n", r->n);
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

static void add_measurements(cJSON *arr, const struct eng_calib_result *r)
{
	for (int i = 0; i < r->n; i++) {
		const struct eng_calib_meas *m = &r->meas[i];
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
		cJSON_AddNumberToObject(o, "predicted_s",
		                        eng_calib_predict(r->coef, &m->work, m->bw_gbs, r->peak_gflops));
		cJSON_AddItemToArray(arr, o);
	}
}

static void add_classes(cJSON *cls, const struct eng_calib_result *r)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", "measured");
	cJSON_AddBoolToObject(o, "derived", 0);
	cJSON_AddNumberToObject(o, "bandwidth_gbs", r->bw_gbs);
	cJSON_AddNumberToObject(o, "peak_gflops", r->peak_gflops);
	cJSON_AddStringToObject(o, "source", "this calibration run");
	cJSON_AddItemToArray(cls, o);
	for (size_t i = 0; i < sizeof hw_classes / sizeof *hw_classes; i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", hw_classes[i].name);
		cJSON_AddBoolToObject(o, "derived", 1);
		cJSON_AddNumberToObject(o, "bandwidth_gbs", hw_classes[i].bw_gbs);
		cJSON_AddNumberToObject(o, "peak_gflops", hw_classes[i].peak_gflops);
		cJSON_AddStringToObject(o, "source", hw_classes[i].source);
		cJSON_AddStringToObject(o, "method", "roofline scaling of the measured fit: BW and PEAK replaced by "
		                        "the spec-sheet figures, the kv term scaled by the bandwidth ratio");
		cJSON_AddItemToArray(cls, o);
	}
}

eng_status eng_profile_write(const char *path, const struct eng_calib_result *r, char *err, size_t err_len)
{
	cJSON *root = cJSON_CreateObject();
	add_provenance(cJSON_AddObjectToObject(root, "provenance"), r);
	cJSON_AddStringToObject(root, "format", PROFILE_FORMAT);
	add_machine(cJSON_AddObjectToObject(root, "machine"), r);
	add_fit(cJSON_AddObjectToObject(root, "fit"), r);
	add_measurements(cJSON_AddArrayToObject(root, "measurements"), r);
	add_classes(cJSON_AddArrayToObject(root, "hardware_classes"), r);
	char *txt = cJSON_Print(root);
	cJSON_Delete(root);
	if (!txt)
		return eng_err(ENG_ENOMEM, err, err_len, "%s: out of memory", path);
	struct eng_file w;
	eng_status s = eng_file_open(&w, path, err, err_len);
	if (!s) {
		fputs(txt, w.f);
		fputc('\n', w.f);
		s = eng_file_commit(&w, err, err_len);
	}
	free(txt);
	return s;
}

/* ---------------------------------------------------------------- reading */

#define MAX_CLASSES 32

struct eng_profile {
	double coef[4];
	double bw_gbs, peak_gflops;      /* of the measured machine */
	int n_classes;
	struct { char name[32]; double bw_gbs, peak_gflops; } cls[MAX_CLASSES];
};

/* The whole file, NUL-terminated, into *out (free it). */
static eng_status read_text(const char *path, char **out, char *err, size_t err_len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return eng_err(ENG_EIO, err, err_len, "%s: cannot open: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *txt = n >= 0 && n < PROFILE_MAX_BYTES ? malloc((size_t)n + 1) : NULL;
	if (!txt || fread(txt, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(txt);
		return eng_err(ENG_EIO, err, err_len, "%s: cannot read", path);
	}
	fclose(f);
	txt[n] = 0;
	*out = txt;
	return ENG_OK;
}

static int get_num(const cJSON *o, const char *key, double *v)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!cJSON_IsNumber(x))
		return -1;
	*v = x->valuedouble;
	return 0;
}

/* The format, the fit's coefficients and the measured machine. */
static eng_status read_fit(struct eng_profile *p, const cJSON *root, const char *path, char *err, size_t err_len)
{
	static const char *const keys[4] = { "a_s", "b", "c", "d_s_per_token" };
	const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
	const cJSON *coef = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "fit"), "coef");
	const cJSON *mach = cJSON_GetObjectItemCaseSensitive(root, "machine");
	if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, PROFILE_FORMAT))
		return eng_err(ENG_EFORMAT, err, err_len, "%s: $.format: expected \"" PROFILE_FORMAT "\"", path);
	for (int i = 0; i < 4; i++)
		if (get_num(coef, keys[i], &p->coef[i]))
			return eng_err(ENG_EFORMAT, err, err_len, "%s: $.fit.coef.%s: expected number", path, keys[i]);
	if (get_num(mach, "bandwidth_gbs", &p->bw_gbs) || !(p->bw_gbs > 0))
		return eng_err(ENG_EFORMAT, err, err_len, "%s: $.machine.bandwidth_gbs: expected a positive number",
		               path);
	if (get_num(mach, "peak_gflops", &p->peak_gflops) || !(p->peak_gflops > 0))
		return eng_err(ENG_EFORMAT, err, err_len, "%s: $.machine.peak_gflops: expected a positive number",
		               path);
	return ENG_OK;
}

static eng_status read_classes(struct eng_profile *p, const cJSON *root, const char *path, char *err,
                               size_t err_len)
{
	const cJSON *cls = cJSON_GetObjectItemCaseSensitive(root, "hardware_classes"), *c;
	if (!cJSON_IsArray(cls))
		return eng_err(ENG_EFORMAT, err, err_len, "%s: $.hardware_classes: expected array", path);
	int i = 0;
	cJSON_ArrayForEach(c, cls) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(c, "name");
		if (i == MAX_CLASSES)
			return eng_err(ENG_EFORMAT, err, err_len, "%s: $.hardware_classes: more than %d classes", path,
			               MAX_CLASSES);
		if (!cJSON_IsString(name) || strlen(name->valuestring) >= sizeof p->cls[0].name)
			return eng_err(ENG_EFORMAT, err, err_len,
			               "%s: $.hardware_classes[%d].name: expected a short string", path, i);
		snprintf(p->cls[i].name, sizeof p->cls[i].name, "%s", name->valuestring);
		if (get_num(c, "bandwidth_gbs", &p->cls[i].bw_gbs) ||
		    get_num(c, "peak_gflops", &p->cls[i].peak_gflops) || !(p->cls[i].bw_gbs > 0) ||
		    !(p->cls[i].peak_gflops > 0))
			return eng_err(ENG_EFORMAT, err, err_len, "%s: $.hardware_classes[%d]: bandwidth_gbs and "
			               "peak_gflops must be positive numbers", path, i);
		i++;
	}
	p->n_classes = i;
	return ENG_OK;
}

eng_status eng_profile_load(struct eng_profile **out, const char *path, char *err, size_t err_len)
{
	char *txt = NULL;
	eng_status s = read_text(path, &txt, err, err_len);
	if (s)
		return s;
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithOpts(txt, &end, 0);
	if (!root) {
		int line = 1;
		for (const char *c = txt; end && c < end; c++)
			line += *c == '\n';
		free(txt);
		return eng_err(ENG_EFORMAT, err, err_len, "%s:%d: JSON parse error", path, line);
	}
	free(txt);
	struct eng_profile *p = calloc(1, sizeof *p);
	if (!p)
		s = eng_err(ENG_ENOMEM, err, err_len, "%s: out of memory", path);
	else if (!(s = read_fit(p, root, path, err, err_len)))
		s = read_classes(p, root, path, err, err_len);
	cJSON_Delete(root);
	if (s) {
		free(p);
		return s;
	}
	*out = p;
	return ENG_OK;
}

void eng_profile_free(struct eng_profile *p)
{
	free(p);
}

/* ---------------------------------------------------------------- predictions */

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
	struct eng_probe_work w = eng_probe_work_of(&d->model, d->dtype, n_tok,
	                                            d->n_decode_seqs + (d->n_prefill_tokens > 0), d->ctx_tokens);
	/* roofline scaling: a, b, c carry over; the per-position cost follows the bandwidth */
	double coef[4] = { p->coef[0], p->coef[1], p->coef[2], p->coef[3] * p->bw_gbs / bw };
	return eng_calib_predict(coef, &w, bw, peak);
}
