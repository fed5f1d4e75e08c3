/* eng_probe.h — machine probes, step work accounting and timed engine runs,
 * shared by `dais engine --bench` and `dais calibrate`.
 *
 * About the bandwidth probe: a STREAM-like triad a = b + s c over three arrays
 * larger than the last-level cache, with streaming stores, so it counts three
 * arrays of traffic.  Shared machines drift, so callers take it beside every
 * timing rather than once.
 */
#ifndef DAIS_ENG_PROBE_H
#define DAIS_ENG_PROBE_H

#include <stddef.h>

#include "engine.h"

/* A reusable bandwidth probe: arrays allocated and touched once. */
struct eng_probe_bw;
struct eng_probe_bw *eng_probe_bw_alloc(int n_threads, size_t bytes_per_array);
/* Best-of-reps triad GB/s. */
double eng_probe_bw_run(struct eng_probe_bw *p, int reps);
/* Best-of-reps GB/s of a read-only stream over two of the arrays (what a
 * decode step does: it reads weights and writes almost nothing). */
double eng_probe_bw_read(struct eng_probe_bw *p, int reps);
void eng_probe_bw_free(struct eng_probe_bw *p);

/* What one step did, for the model. */
struct eng_probe_work {
	double bytes;       /* weight + KV bytes streamed */
	double flops;       /* matmul + attention flops */
	double kv_tokens;   /* context positions read by attention, summed over tokens */
};
/* Work of a step with n_prefill prompt tokens of one sequence starting at
 * position prefill_start, plus n_decode sequences at context ctx each. */
struct eng_probe_work eng_probe_step_work(const struct eng_config *c, eng_dtype t, int n_prefill,
                                          int prefill_start, int n_decode, int ctx);
/* The same from totals: n_tok tokens, n_logits of them with logits, attention
 * reading ctx_tokens positions (summed over the step's tokens). */
struct eng_probe_work eng_probe_work_of(const struct eng_config *c, eng_dtype t, double n_tok, double n_logits,
                                        double ctx_tokens);


/* ---------------------------------------------------------------- timed runs */

/* Median (and, if best is not NULL, shortest) seconds of one decode step of
 * `batch` sequences at context ctx (each filled to ctx positions first,
 * untimed), over `steps` steps. */
ENG_MUST_CHECK eng_status eng_probe_decode(eng_ctx *c, int batch, int ctx, int steps, double *sec, double *best);
/* The same for prefilling `batch` sequences of n_prompt tokens in one step. */
ENG_MUST_CHECK eng_status eng_probe_prefill(eng_ctx *c, int n_prompt, int batch, int reps, double *sec, double *best);
double eng_probe_now(void);

/* The 1-minute load average (/proc/loadavg), -1 if unknown: shared machines
 * are recorded with their load. */
double eng_probe_loadavg(void);

/* Median of n values (sorts v). */
double eng_probe_median(double *v, int n);

#endif
