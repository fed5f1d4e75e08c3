/* srv_validate.h — the serving model's validation: driven mode (every step on
 * the embedded engine) against model mode (a cost fitted to separate driven
 * calibration runs) on the same arrival traces, from light load to
 * saturation.  Computed in memory; `dais validate-serving` (cli/serving.c)
 * writes the tables and draws the figure.
 *
 *     struct srv_val_opts o = { .requests = 1000, .nload = 2, .loads = { 0.5, 1.5 },
 *                               .knee_ttft_s = 0.25, .driven_reps = 1, .seed = 42,
 *                               .noise = 1, .refit = 1, .log = stdout };
 *     struct srv_val_result r = { 0 };
 *     sim_status st = srv_validate(&p, &o, &r, &d);     // p: a driven scenario's parameters
 *     ... r.err[k][q], r.median ...
 *     srv_val_release(&r);
 *
 * The experiment, in order:
 * 1. a pilot burst (min(requests, 200) requests at once, driven) measures
 *    the saturation throughput mu; five calibration runs of as many requests
 *    at 0.5, 1, 1.5, 2 and 2.5 mu log every driven step;
 * 2. a linear cost is fitted to the logged steps (srv_cost_fit) and the
 *    residuals give model mode its step noise (srv_cost_noise);
 * 3. the loads' rates: multiples of mu, so that the measurement places the
 *    points the model is tested on (with the loads as multiples of the
 *    model's own knee, a fit a few percent slow put the overload point in
 *    the band, about 0.9 to 1.25 mu here, where the same trace may or may
 *    not tip into queueing and two driven runs of it disagree by 30-140%);
 *    and the knee, the model's capacity, reported: the largest rate whose
 *    p99 TTFT stays under knee_ttft_s in model mode (srv_capacity on
 *    4 x requests);
 * 4. each load: one Poisson trace of `requests` requests (srv_trace_poisson,
 *    seed + k), run driven_reps times driven (the reference is the mean of
 *    each percentile, their spread the measurement's own noise; the repeats
 *    go round the loads, so that a spell of a slower machine falls on every
 *    load alike), then in
 *    model mode: 15 replications with noise (each percentile their median:
 *    model noise is Monte Carlo, not measurement), 1 without.
 *
 * About the refit: every load's driven runs are done first, their steps
 * logged; then each load is predicted by a cost fitted on the calibration
 * runs and the other loads' runs (leave one load out; the cache ramp stays
 * the calibration fit's), so the fit is out of sample for the trace it
 * predicts but measured in the same period: a shared machine's speed drifts
 * over minutes.
 *
 * About replay: the driven half (struct srv_val_driven: the step log and the
 * driven percentiles) of an earlier run can be given instead of measured;
 * then only the fit and model mode run again, so two cost forms or options
 * compare on the same measurements, without the machine's run-to-run noise.
 */
#ifndef DAIS_SRV_VALIDATE_H
#define DAIS_SRV_VALIDATE_H

#include <stdio.h>

#include "serving.h"
#include "sim/status.h"

enum {
	SRV_VAL_MAX_LOADS = 32,
	SRV_VAL_MAX_CAL = 8,     /* calibration runs */
	SRV_VAL_NQ = 9,          /* compared percentiles: TTFT, TPOT, E2E x p50, p90, p99 */
	SRV_VAL_MODEL_REPS = 15  /* model-mode replications per load with noise */
};

/* The targets: the median error over every load and percentile,
 * and the tails: each p99 row's median over the loads, and the median over
 * the percentiles of each load above 1 (overload). */
#define SRV_VAL_TARGET 0.05
#define SRV_VAL_TARGET_TAIL 0.10
/* A run was measured on a quiet machine when the driven runs of the same
 * trace agree: a median relative sd of at most 2% (noise alone then gives
 * about 1% of error with two runs).  Fixed before the runs it judges; it
 * labels a run, and never changes whether it passes. */
#define SRV_VAL_QUIET_SD 0.02

/* What the engine measured: the driven half of a validation. */
struct srv_val_driven {
	int nload;
	double loads[SRV_VAL_MAX_LOADS];  /* multiples of the burst throughput */
	double rates[SRV_VAL_MAX_LOADS];  /* requests/s */
	/* ttft, tpot, e2e: each percentile the mean over the repeats; the rest
	 * (throughput_rps, ...) the first repeat's */
	struct srv_result drv[SRV_VAL_MAX_LOADS];
	double drv_sd[SRV_VAL_MAX_LOADS][SRV_VAL_NQ];  /* relative sd over the repeats; NaN: one run */
	/* About the step log: every driven step, the pilot and the calibration
	 * runs first (steps [0, ncal)), then the loads' runs (logged with the
	 * refit only).  Calibration run r holds [cal_lo[r], cal_lo[r + 1]), run 0
	 * with the pilot before it; load k holds [lo[k], lo[k + 1]). */
	struct srv_steplog log;           /* owned */
	int ncal_runs;
	double cal_load[SRV_VAL_MAX_CAL]; /* multiples of the pilot's burst throughput */
	size_t cal_lo[SRV_VAL_MAX_CAL + 1];
	size_t ncal;                      /* = cal_lo[ncal_runs] */
	size_t lo[SRV_VAL_MAX_LOADS + 1];
};

struct srv_val_opts {
	int requests;                     /* per load (and, up to 200, per pilot and calibration run) */
	int nload;                        /* not with replay */
	double loads[SRV_VAL_MAX_LOADS];  /* multiples of the burst throughput */
	double knee_ttft_s;               /* the knee's p99 TTFT objective */
	int driven_reps;                  /* 1 to 8 */
	uint64_t seed;                    /* of the traces */
	int noise;                        /* model mode with the measured step noise */
	int refit;                        /* leave-one-load-out refit (else the calibration fit) */
	int replay;                       /* r->drv holds the driven half already: no engine runs */
	FILE *log;                        /* progress lines; NULL: quiet */
	/* or NULL; called with done 0 at the start, then after each run (the
	 * pilot, each calibration run, the knee, each load driven, each load in
	 * model mode): done of total */
	void (*progress)(void *ctx, int done, int total);
	void *progress_ctx;
};

struct srv_val_result {
	struct srv_val_driven drv;        /* measured, or given (replay) */
	double burst_rps;                 /* the pilot's saturation throughput: load 1 (in a
	                                     replay, rates[0] / loads[0] of the replayed run) */
	struct srv_cost fit;              /* fitted on the calibration runs */
	double fit_rms;                   /* its weighted relative rms error per step */
	struct srv_cost fit_noisy;        /* fit with the noise of its residuals (in resid) */
	float *resid;                     /* (drv.ncal,) owned */
	double knee;                      /* requests/s: model mode's p99 TTFT <= knee_ttft_s */
	int refit;                        /* whether the loads were predicted by a refit */
	/* model mode per load: each percentile the median over the replications,
	 * the rest the last replication's */
	struct srv_result mod[SRV_VAL_MAX_LOADS];
	double err[SRV_VAL_MAX_LOADS][SRV_VAL_NQ];   /* |model - driven| / driven */
	double err_median[SRV_VAL_NQ];    /* per percentile, over the loads */
	double median;                    /* over every load and percentile */
	double drv_sd_median;             /* median relative sd of the repeats; NaN without repeats */
	double p99_worst;                 /* the largest of err_median over TTFT, TPOT, E2E p99 */
	double overload;                  /* the largest, over the loads above 1 (beyond the
	                                     burst throughput), of the median over their
	                                     percentiles; NaN without such a load */
	int pass;                         /* median, p99_worst and overload within the targets */
	int quiet;                        /* drv_sd_median <= SRV_VAL_QUIET_SD: a label, not a target */
};

/* Runs the validation on the (driven) parameters p, which it does not change;
 * its node 0 is the node validated.  With o->replay, r->drv is the input (r
 * zeroed but for it); otherwise r must be zeroed.  SIM_EINVAL with a message
 * when p is not driven, the log is too short to fit or no knee exists
 * (knee_ttft_s too tight, or requests too few to load the node); what a
 * failed run says. */
sim_status srv_validate(const struct srv_params *p, const struct srv_val_opts *o,
                        struct srv_val_result *r, sim_diag *d) SIM_MUST_CHECK;

/* Frees what r owns (the step log and the residuals); a zeroed r is a no-op. */
void srv_val_release(struct srv_val_result *r);

/* Which of the SRV_VAL_NQ percentiles q is: metric "ttft", "tpot" or "e2e"
 * (q / 3) and percentile "p50", "p90" or "p99" (q % 3). */
const char *srv_val_metric(int q);
const char *srv_val_pct(int q);
/* Percentile q of a result. */
double srv_val_get(const struct srv_result *r, int q);

#endif
