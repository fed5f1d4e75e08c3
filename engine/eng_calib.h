/* eng_calib.h — calibration: timed engine runs on synthetic models, the
 * step-time cost model fitted to them and its predictions (`dais calibrate`,
 * docs/engine.md).  Writing and reading the profile a run produces is
 * eng_profile.h's business, so this part needs no JSON library.
 *
 * Usage (error checks shortened):
 *
 *     struct eng_calib_params p = { .n_threads = 2, .quick = 1, .log = stderr };
 *     struct eng_calib_result r;
 *     if (eng_calib_run(&p, &r, err, sizeof err)) die(err);
 *     eng_profile_write("data/calibration/me.json", &r, err, sizeof err);
 *     eng_calib_result_release(&r);
 *
 * About the cost model: the time of one engine step is fitted as
 *     t = a + b * bytes / BW + c * flops / PEAK + d * kv_tokens
 * with bytes the weight and KV bytes the step streams, flops its arithmetic,
 * kv_tokens the context positions its attention reads, BW the bandwidth probe
 * taken beside that timing and PEAK the machine's FMA rate.  b and c are
 * inverse efficiencies (1 = at the roofline), so a profile carries over to
 * another machine by replacing BW and PEAK (roofline scaling).
 *
 * The fit uses GSL's robust least squares: a program that calls
 * eng_calib_fit or eng_calib_run links GSL (-lgsl -lgslcblas) besides the
 * engine's own libc, libm and OpenMP; eng_calib_predict alone does not.
 */
#ifndef DAIS_ENG_CALIB_H
#define DAIS_ENG_CALIB_H

#include <stddef.h>
#include <stdio.h>

#include "eng_probe.h"
#include "engine.h"

/* One timed step. */
struct eng_calib_meas {
	int prefill;               /* 1 prefill, 0 decode */
	char shape[32];            /* shape name */
	struct eng_config cfg;
	eng_dtype dtype;
	int batch, context, prompt;
	double seconds;            /* shortest step time */
	double bw_gbs;             /* bandwidth probe beside it (mean of the probes before and after) */
	struct eng_probe_work work;
};

/* Fits t = a + b bytes/BW + c flops/peak + d kv_tokens (GSL robust least
 * squares on rows divided by t, so relative error is what counts and timings
 * spoiled by other processes are discounted).
 * coef = {a [s], b [1], c [1], d [s/token]}; *rel_rms the relative RMS error. */
eng_status eng_calib_fit(const struct eng_calib_meas *m, int n, double peak_gflops, double coef[4],
                         double *rel_rms);
/* The model's seconds for work w at bandwidth bw_gbs and peak peak_gflops.
 * (Inline, so that predicting from a profile does not link the fit and GSL.) */
static inline double eng_calib_predict(const double coef[4], const struct eng_probe_work *w, double bw_gbs,
                                       double peak_gflops)
{
	return coef[0] + coef[1] * w->bytes / (bw_gbs * 1e9) + coef[2] * w->flops / (peak_gflops * 1e9) +
	       coef[3] * w->kv_tokens;
}

/* A calibration run. */
struct eng_calib_params {
	int n_threads;             /* 0: one */
	int quick;                 /* fewer points and smaller shapes */
	size_t bw_bytes;           /* bandwidth probe array size (0: 48 MiB, past the caches) */
	FILE *log;                 /* progress lines, or NULL */
	/* or NULL; called with done 0 before measuring, then after each shape
	 * and weight type (done of total) */
	void (*progress)(void *ctx, int done, int total);
	void *progress_ctx;
	int n_shapes;              /* 0: the defaults */
	const struct eng_config *shapes;
	const char *const *shape_names;
};

/* What a run measured and fitted, and what a profile records about the
 * machine and the run.  meas is owned (eng_calib_result_release). */
struct eng_calib_result {
	struct eng_calib_meas *meas;   /* (n,) the timed points */
	int n;
	double coef[4];            /* as eng_calib_fit */
	double rel_rms;            /* relative RMS error of the fit over all points */
	double peak_gflops;        /* the FMA probe */
	double bw_gbs;             /* median of the points' bandwidth probes */
	double bw_gbs_min, bw_gbs_max;
	int n_threads;
	/* provenance */
	char host[256];
	char cpu[256];             /* model name from /proc/cpuinfo, or "unknown" */
	long cores;                /* processors online */
	eng_isa isa;               /* the best kernel set of this CPU */
	const char *compiler;      /* static string */
	char date[32];             /* end of the run, ISO 8601 UTC */
	double duration_s;
	double loadavg_start, loadavg_end;   /* 1-minute load average, -1 if unknown */
};

/* Measures the default shapes (or p->shapes) in Q8_0, Q4_0 and fp32 and fits
 * the cost model; on success *r holds the result, on failure nothing is left
 * to release and err says why. */
ENG_MUST_CHECK eng_status eng_calib_run(const struct eng_calib_params *p, struct eng_calib_result *r,
                                        char *err, size_t err_len);
void eng_calib_result_release(struct eng_calib_result *r);

#endif
