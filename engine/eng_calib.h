/* eng_calib.h — machine probes, timed engine runs, the step-time cost model
 * and calibration profiles (`dais calibrate`, docs/engine.md).
 *
 * About the cost model: the time of one engine step is fitted as
 *     t = a + b * bytes / BW + c * flops / PEAK + d * kv_tokens
 * with bytes the weight and KV bytes the step streams, flops its arithmetic,
 * kv_tokens the context positions its attention reads, BW the bandwidth probe
 * taken beside that timing and PEAK the machine's FMA rate.  b and c are
 * inverse efficiencies (1 = at the roofline), so a profile carries over to
 * another machine by replacing BW and PEAK (roofline scaling).
 */
#ifndef DAIS_ENG_CALIB_H
#define DAIS_ENG_CALIB_H

#include <stddef.h>

#include "eng_probe.h"
#include "engine.h"

/* One timed step. */
struct eng_calib_meas {
	int prefill;               /* 1 prefill, 0 decode */
	char shape[32];            /* shape name */
	struct eng_config cfg;
	eng_dtype dtype;
	int batch, context, prompt;
	double seconds;            /* median step time */
	double bw_gbs;             /* bandwidth probe beside it */
	struct eng_probe_work work;
};

/* Fits t = a + b bytes/BW + c flops/peak + d kv_tokens (GSL robust least
 * squares on rows divided by t, so relative error is what counts and timings
 * spoiled by other processes are discounted).
 * coef = {a [s], b [1], c [1], d [s/token]}; *rel_rms the relative RMS error. */
eng_status eng_calib_fit(const struct eng_calib_meas *m, int n, double peak_gflops, double coef[4], double *rel_rms);
double eng_calib_predict(const double coef[4], const struct eng_probe_work *w, double bw_gbs, double peak_gflops);

/* A calibration run. */
struct eng_calib_params {
	int n_threads;
	int quick;                 /* fewer points and smaller shapes */
	size_t bw_bytes;           /* bandwidth probe array size (0: 48 MiB, past the caches) */
	FILE *log;                 /* progress lines, or NULL */
	int n_shapes;              /* 0: the defaults */
	const struct eng_config *shapes;
	const char *const *shape_names;
};
/* Measures, fits and writes the profile to path (JSON, docs/engine.md). */
eng_status eng_calib_run(const struct eng_calib_params *p, const char *path, char *err, size_t err_len);

/* A profile: what the simulator loads to price engine steps. */
struct eng_profile;
ENG_MUST_CHECK eng_status eng_profile_load(struct eng_profile **out, const char *path, char *err,
                                           size_t err_len);
void eng_profile_free(struct eng_profile *p);
/* One step's batch for prediction. */
struct eng_step_desc {
	int n_prefill_tokens;      /* prompt tokens in the step */
	int n_decode_seqs;         /* sequences decoding one token each */
	double ctx_tokens;         /* total context positions the step's attention reads */
	struct eng_config model;
	eng_dtype dtype;
};
/* Predicted seconds for the step on hardware class hw (NULL or "measured":
 * the machine that was calibrated); -1 if the class is unknown. */
double eng_profile_predict(const struct eng_profile *p, const struct eng_step_desc *d, const char *hw);
/* Number of hardware classes and their names (0 is "measured"). */
int eng_profile_n_classes(const struct eng_profile *p);
const char *eng_profile_class(const struct eng_profile *p, int i);

#endif
