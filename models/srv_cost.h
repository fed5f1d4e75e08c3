/* srv_cost.h — what one step of the serving model costs: the linear cost
 * model, the hardware classes and model shapes it is built from (by the
 * roofline or from an engine calibration profile), and its fit to a log of
 * measured steps.
 *
 *     struct srv_hw *hw; struct srv_model_shape *ms; int nhw, nms;
 *     if (srv_read_hw("data/hardware/classes.csv", &hw, &nhw, &d) ||
 *         srv_read_models("data/capacity/models.csv", &ms, &nms, &d)) ...
 *     struct srv_roofline rl = { .overhead_s = 3e-3, .eff_bw = 0.7, .eff_flops = 0.5 };
 *     struct srv_cost c = srv_cost_roofline(&ms[0], &hw[0], &rl);
 *     double dt = srv_cost_eval(&c, &step);            // seconds
 *
 *     struct srv_steplog lg = ...;                      // steps measured in driven mode
 *     double rms;
 *     if (srv_cost_fit(&lg, ENG_TOKEN_TILE, &c, &rms) == SIM_OK) ...
 *
 * Nothing here keeps state: costs are plain structs, read tables are arrays
 * the caller frees with free().
 */
#ifndef DAIS_SRV_COST_H
#define DAIS_SRV_COST_H

#include <stddef.h>

#include "engine/eng_profile.h"
#include "engine/engine.h"
#include "sim/status.h"

#define SRV_NAME_LEN 64

/* ---------------------------------------------------------------- step cost */

/* The composition of one step: what a cost model sees. */
struct srv_step {
	int n_tokens;        /* tokens in the batch */
	int n_prefill;       /* of which prompt (or recompute) tokens */
	int n_decode;        /* sequences decoding one token */
	int n_seqs;          /* sequences in the batch */
	int n_logits;        /* sequences that emit a token after this step */
	double ctx_tokens;   /* KV positions held by the batch's sequences after the step */
	double attn;         /* positions read by attention, summed over the batch's tokens */
	double attn_old;     /* of which positions written by earlier steps (decode: the whole KV;
	                        a prefill chunk: the positions before it) */
};

/* About the linear cost model: t = c[0] + c[1] n_tokens + c[2] n_logits
 * + c[3] attn + c[4] n_seqs + c[5] ctx_tokens + c[6] attn_mem + c[7] n_prefill
 * + c[8] extra_tiles (seconds).  It is the form of the engine's calibration
 * (t = a + b bytes/BW + c flops/PEAK + d kv_tokens) once the bytes and flops
 * of a step are written out for one model shape and one machine: weight bytes
 * are fixed per step, flops grow with tokens and logits rows, KV traffic with
 * attention positions.  Two terms describe a CPU engine's caches:
 * - attn_mem = attn_old ramp(ctx_tokens) stands for the reads of older KV
 *   that miss the cache once the batch's KV outgrows it (an fp32 KV cache is
 *   read 3-7x slower per position from memory); ramp rises linearly from 0 at
 *   cache_from_positions to 1 at cache_positions (0 when cache_positions is
 *   0), since the caches also hold the weights and do not empty at once;
 * - extra_tiles = ceil(n_tokens / token_tile) - 1: a matmul streams the
 *   weights once per tile of token_tile tokens (ENG_TOKEN_TILE for the CPU
 *   engine), so a step pays a weight pass for each tile beyond the first
 *   (0 when token_tile is 0);
 * - single = 1 for a step of one token, else 0: the CPU engine runs a lone
 *   token through its matrix-vector kernel (two weight streams per thread),
 *   not the tile kernel, so its cost is not on the line through the others.
 * The positions a prefill chunk has just written are read from cache. */
enum { SRV_COST_NFEAT = 10, SRV_NOISE_CLASSES = 3 };
struct srv_cost {
	double c[SRV_COST_NFEAT];  /* s, s/token, s/logit row, s/position, s/seq, s/position, s/position,
	                              s/prefill token, s/tile, s/single-token step */
	double cache_positions;    /* KV positions at which every older read misses (0: no cache term) */
	double cache_from_positions;  /* KV positions below which none misses (< cache_positions) */
	int token_tile;            /* tokens per weight pass (0: no tile term) */
	/* About noise: a measured step varies around its prediction (interrupts,
	 * cache misses, a neighbour's memory traffic), and not independently:
	 * slow spells last tens of steps.  When noise[c].resid is set, model mode
	 * scales each predicted step of class c (srv_step_class: decode tokens
	 * only, prefill tokens only, both; their spreads differ) by 1 + r, r
	 * taken from the
	 * relative residuals measured / predicted - 1 of that class's calibration
	 * steps (in the order they were measured) by a moving-block bootstrap: a
	 * block of `block` consecutive residuals from a random start, then
	 * another, so that the spells carry over (from the run's own stream, so
	 * still reproducible; a step never drops below a tenth of its
	 * prediction).  This gives TPOT, TTFT and queueing their spread.
	 * Borrowed; NULL: no noise. */
	struct srv_noise {
		const float *resid;    /* (n,) relative, mean 0 */
		int n;
		int block;             /* steps per block (1: independent draws) */
	} noise[SRV_NOISE_CLASSES];
};

double srv_cost_eval(const struct srv_cost *m, const struct srv_step *s);
/* A step's noise class: 0 decode tokens only, 1 prefill tokens only, 2 both. */
static inline int srv_step_class(const struct srv_step *s)
{
	return s->n_prefill == 0 ? 0 : s->n_decode == 0 ? 1 : 2;
}
/* The features x (SRV_COST_NFEAT,) of a step, so that t = c . x. */
void srv_cost_features(const struct srv_cost *m, const struct srv_step *s, double *x);
/* Relative decode rate of a cost: tokens/s of 32 sequences at context 300
 * (the hardware-aware router's speed). */
double srv_cost_speed(const struct srv_cost *k);

/* ---------------------------------------------------------------- hardware, model shapes */

/* Model shapes for the capacity table and for model mode (data/capacity/models.csv). */
struct srv_model_shape {
	char name[SRV_NAME_LEN];
	struct eng_config cfg;
	double weight_bytes_per_param;   /* 2 fp16, 1 fp8/int8, ~0.56 q4 */
	double kv_bytes_per_elem;        /* 2 fp16 KV cache */
	double params;                   /* parameter count (all read every step) */
	double active_params;            /* parameters a token uses (mixture of experts) */
};

/* A hardware class (data/hardware/classes.csv): what the roofline needs. */
struct srv_hw {
	char name[SRV_NAME_LEN];
	int gpus;                        /* per node; memory, bandwidth and tflops are summed over them */
	double memory_gb, bandwidth_gbs, tflops, mem_usable_frac;
};

/* About the roofline cost: when no measured profile covers a class, a step
 * costs overhead + bytes / (BW eff_bw) + flops / (PEAK eff_flops) with bytes
 * = weights + KV read and flops = 2 params per token + attention; eff_* are
 * the efficiencies the engine's calibration measures (inverse of its b, c). */
struct srv_roofline {
	double overhead_s;   /* per step: launch and scheduling */
	double eff_bw;       /* fraction of spec bandwidth reached */
	double eff_flops;    /* fraction of spec compute reached */
};

/* The linear cost of a model shape on a hardware class by the roofline. */
struct srv_cost srv_cost_roofline(const struct srv_model_shape *m, const struct srv_hw *h,
                                  const struct srv_roofline *r);
/* KV blocks that fit beside the weights (0 when the weights do not fit). */
int srv_kv_blocks_fit(const struct srv_model_shape *m, const struct srv_hw *h, int block_tokens);

/* Reads data/hardware/classes.csv and data/capacity/models.csv (paths as given);
 * *out is malloc'd (free it), every problem of the file goes to d. */
sim_status srv_read_hw(const char *path, struct srv_hw **out, int *n, sim_diag *d) SIM_MUST_CHECK;
sim_status srv_read_models(const char *path, struct srv_model_shape **out, int *n,
                           sim_diag *d) SIM_MUST_CHECK;
/* The entry named name, or NULL. */
const struct srv_hw *srv_find_hw(const struct srv_hw *h, int n, const char *name);
const struct srv_model_shape *srv_find_model(const struct srv_model_shape *m, int n,
                                             const char *name);

/* ---------------------------------------------------------------- calibration profile */

/* The engine profile's class for a hardware class of data/hardware/classes.csv:
 * the same name, or the GPU the class is built from (a node of 8 H100 is 8
 * h100-sxm for one replica per GPU).  NULL when the profile has none. */
const char *srv_profile_class(const struct eng_profile *pf, const char *hw);

/* About linearising: the profile prices a step as a + b bytes/BW + c flops/PEAK
 * + d kv_tokens, and bytes and flops are linear in tokens, logits rows and
 * attended positions, so the profile is exactly the linear cost
 * c0 + c1 tokens + c2 logits + c3 positions; the four coefficients come from
 * four predictions, and a fifth checks the linearity (*max_dev, relative).
 * SIM_EINVAL when the profile cannot price class cls for m. */
sim_status srv_cost_from_profile(const struct eng_profile *pf, const char *cls,
                                 const struct srv_model_shape *m, struct srv_cost *out,
                                 double *max_dev) SIM_MUST_CHECK;

/* ---------------------------------------------------------------- fitting a cost */

/* A log of steps, for calibration: composition and duration. */
struct srv_steplog {
	struct srv_step *step;     /* (cap,) */
	double *dt;                /* (cap,) s */
	size_t n, cap;             /* steps logged, capacity (logging stops when full) */
};

/* About the fit: least squares of dt on the features, weighted by
 * u/prediction^2: relative error (weighting by the prediction, not the noisy
 * observation, avoids a downward bias), each step counted once per sequence
 * it delays, as it adds to the latency of each: u = decoding sequences + L x
 * prefilling ones, with L the decode steps per prefill in the log, so that
 * the few steps that make up time to first token weigh as much in all as the
 * many that make up time per output token.  A negative coefficient is
 * dropped and the fit repeated.  The features fitted are the constant,
 * tokens, logits rows, attended positions, sequences, older positions
 * missing the cache, prefill tokens, extra tiles and the single-token step
 * (KV positions held are nearly collinear with attended positions on real
 * batches). */

/* The fit with the cache ramp fixed at [cache_from, cache_pos] (0: none) and
 * the given token tile; *rel_rms gets the weighted relative RMS error per
 * step.  SIM_EINVAL when the log has too few steps, SIM_ENOMEM. */
sim_status srv_cost_fit_at(const struct srv_steplog *lg, double cache_from, double cache_pos,
                           int token_tile, struct srv_cost *out, double *rel_rms) SIM_MUST_CHECK;
/* The cache ramp is not linear in the model: tries a ladder of ends (steps of
 * sqrt 2 from 512 positions, and none) and starts (0, a quarter, half the
 * end) and keeps the best fit. */
sim_status srv_cost_fit(const struct srv_steplog *lg, int token_tile, struct srv_cost *out,
                        double *rel_rms) SIM_MUST_CHECK;

/* Model mode's step noise from a log: the relative residuals measured /
 * predicted by c - 1 of each class of step (srv_step_class), in log order,
 * centred, into buf (lg->n floats, which c->noise then borrows), and their
 * spell lengths (the lag at which their autocorrelation falls below 0.05,
 * the bootstrap's block).  A class with fewer than 50 steps borrows the
 * residuals of the next class that has them (prefill only <-> mixed first,
 * then decode only). */
void srv_cost_noise(const struct srv_steplog *lg, struct srv_cost *c, float *buf);
/* Root mean square of r (n,): the spread of a class's residuals. */
double srv_resid_sd(const float *r, size_t n);

#endif
