/* serving.h — one node's (or a small fleet's) inference server, request by request.
 *
 *     struct srv_params p;  srv_params_default(&p);     // or the model type's parse
 *     p.arrival_rate = 20;  p.max_requests = 100000;
 *     struct srv_result res;
 *     struct srv_run_opts o = { .seed = 1 };
 *     if (srv_simulate(&p, &o, &res, &d) != SIM_OK) ...
 *     printf("p99 TPOT %.3f s\n", res.tpot[SRV_P99]);
 *
 * Requests arrive (Poisson, a two-state Markov-modulated Poisson process, or a
 * trace file, models/trace.h), are routed to a node (models/router.h) and wait
 * in that node's FIFO queue.  Each node runs a continuous-batching scheduler:
 * one step at a time, each step a batch of up to max_batch_tokens tokens from
 * up to max_seqs sequences, decode tokens of running sequences first, then
 * prefill chunks (chunked prefill), then new sequences admitted from the queue.
 *
 * About the KV cache: a node has kv_blocks blocks of block_tokens positions; a
 * sequence of len positions holds ceil(len / block_tokens) blocks, taken as it
 * grows.  A new sequence is admitted only if its first chunk fits with a
 * watermark of spare blocks left; when a running sequence cannot grow, the
 * most recently admitted sequence is preempted (its blocks freed, put back at
 * the head of the queue) and later recomputed: its prompt plus the tokens it
 * has already generated are prefilled again, as vLLM does.  The generated
 * tokens are kept (already streamed), so its first-token time is unchanged.
 *
 * About time: a step of composition s ends dt(s) after it starts.  In `model`
 * mode dt is one evaluation of a cost model (struct srv_cost), so runs are
 * exactly reproducible.  In `driven` mode every step really runs on the
 * embedded engine (engine/engine.h) over the same batch, with the engine's own
 * paged KV cache sized like the scheduler's (checked to agree), and dt is the
 * measured wall time of eng_step: driven runs are not bit-reproducible.
 *
 * About tokens: a sequence whose prompt has P tokens and which has generated g
 * tokens has its next token emitted by the step that brings its KV length to
 * P + g.  Prefill, decode and recompute are therefore one rule: a running
 * sequence wants P + g - len more positions; a decode step is a want of 1.
 *
 * Metrics per request: TTFT (arrival to first token), TPOT ((last token - first
 * token) / (output - 1), requests with output > 1), end-to-end latency, queue
 * delay; their percentiles come from log-bucketed histograms (relative bucket
 * width 2^-8, so a percentile is within 0.2% of the exact order statistic) and
 * need no per-request storage.
 *
 * Memory: every buffer is sized at the start of a run (request pool, queues,
 * running sets, histograms); the event loop allocates nothing.  A node's queue
 * holds at most max_queue requests; further arrivals are dropped and counted,
 * so requests are conserved: arrived = completed + queued + running + dropped.
 */
#ifndef DAIS_SERVING_H
#define DAIS_SERVING_H

#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"
#include "sim/model.h"
#include "sim/rec.h"
#include "sim/status.h"
#include "trace.h"

#define SRV_MAX_NODES 4096
#define SRV_MAX_GROUPS 16
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

/* Reads data/hardware/classes.csv and data/capacity/models.csv (paths as given). */
sim_status srv_read_hw(const char *path, struct srv_hw **out, int *n, sim_diag *d) SIM_MUST_CHECK;
sim_status srv_read_models(const char *path, struct srv_model_shape **out, int *n,
                           sim_diag *d) SIM_MUST_CHECK;

/* ---------------------------------------------------------------- parameters */

enum srv_arrival { SRV_ARR_POISSON = 0, SRV_ARR_MMPP, SRV_ARR_TRACE };
enum srv_dist { SRV_DIST_FIXED = 0, SRV_DIST_EXPONENTIAL, SRV_DIST_LOGNORMAL, SRV_DIST_UNIFORM };
enum srv_timing { SRV_TIMING_MODEL = 0, SRV_TIMING_DRIVEN };
/* Driven mode's clock: wall time of eng_step, or the CPU time of the calling
 * thread (one engine thread only), which leaves out the time a shared
 * machine gives to other processes. */
enum srv_clock { SRV_CLOCK_WALL = 0, SRV_CLOCK_CPU };
enum srv_route { SRV_ROUTE_ROUND_ROBIN = 0, SRV_ROUTE_RANDOM, SRV_ROUTE_LEAST_LOADED,
                 SRV_ROUTE_POWER_OF_TWO, SRV_ROUTE_HARDWARE_AWARE };

/* A token-count distribution: drawn, rounded, clamped to [min, max]. */
struct srv_len_dist {
	enum srv_dist kind;
	double mean;        /* tokens, before clamping */
	double cv;          /* lognormal: sd / mean */
	int min, max;       /* tokens, clamp; uniform: the range */
};

/* One node: its scheduler and its step cost. */
struct srv_node_params {
	char hardware[SRV_NAME_LEN];
	struct srv_cost cost;     /* model mode (and the router's speed estimate) */
	int kv_blocks;            /* blocks in the node's KV pool */
	double speed;             /* relative tokens/s, for the hardware-aware router */
};

struct srv_params {
	/* arrivals */
	enum srv_arrival arrival;
	double arrival_rate;      /* 1/s, Poisson; MMPP: the mean rate */
	double mmpp_burst;        /* MMPP: high-state rate / low-state rate (>= 1) */
	double mmpp_high_frac;    /* MMPP: fraction of time in the high state */
	double mmpp_cycle_s;      /* MMPP: mean low + high sojourn, s */
	const struct trace *trace;/* SRV_ARR_TRACE: borrowed, outlives the run */
	double trace_time_scale;  /* arrival times are multiplied by it (< 1: more load) */
	struct srv_len_dist prompt, output;
	/* scheduler, per node */
	int block_tokens;         /* positions per KV block */
	int max_batch_tokens;     /* token budget of one step */
	int max_seqs;             /* running sequences per node */
	int max_queue;            /* waiting requests per node before drops */
	double watermark;         /* fraction of blocks kept free when admitting */
	int max_seq_len;          /* prompt + output above this are dropped (driven: engine seq_len) */
	/* fleet */
	int n_nodes;
	struct srv_node_params *node;  /* (n_nodes,) owned by whoever filled it */
	enum srv_route route;
	/* timing */
	enum srv_timing timing;
	const eng_model *engine;  /* driven: borrowed synthetic model */
	int engine_threads;       /* driven: eng_ctx n_threads (0: 1) */
	enum srv_clock engine_clock;  /* driven: what measures a step */
	/* horizon and measurement */
	double horizon_s;         /* arrivals stop after this time (0: no limit) */
	int64_t max_requests;     /* arrivals stop after this many (0: no limit) */
	int drain;                /* nonzero: run until every admitted request is done */
	double warmup_s;          /* requests arriving before are not measured */
	double sample_every;      /* s, time series interval (0: none) */
	int record_requests;      /* first N measured requests as events (ttft, tpot, e2e) */
	int check;                /* nonzero: check KV and conservation invariants every step */
	struct srv_node_params one_node;  /* storage for node when n_nodes == 1 (srv_params_default) */
};

/* Fills the defaults of scenarios/schema/serving.json, one node with the
 * given cost and KV blocks (the node array is p->one_node: no allocation). */
void srv_params_default(struct srv_params *p);

/* ---------------------------------------------------------------- results */

enum { SRV_P50 = 0, SRV_P90, SRV_P99, SRV_NPCT };

struct srv_result {
	int64_t arrived, completed, queued, running, dropped;  /* at the end */
	int64_t measured;          /* completed requests counted in the statistics */
	double ttft[SRV_NPCT], tpot[SRV_NPCT], e2e[SRV_NPCT], qdelay[SRV_NPCT];  /* s */
	double ttft_mean, tpot_mean, e2e_mean;   /* s */
	double t_end;              /* s, simulated */
	double throughput_rps;     /* completed requests per second after warm-up */
	double output_tps;         /* output tokens per second after warm-up */
	double input_tps;          /* prompt tokens per second after warm-up */
	double mean_in_system;     /* L: time-average requests in system (whole run) */
	double little_lw;          /* lambda W over the whole run (departures / T * mean sojourn) */
	double area_in_system;     /* integral of requests in system dt (whole run) */
	double sojourn_sum;        /* sum of completed sojourns + in-system ages at the end */
	double mean_queue;         /* time-average waiting requests */
	int64_t max_queue;
	double kv_util_mean;       /* time-average fraction of KV blocks in use */
	double mean_batch_tokens;  /* tokens per step */
	double mean_batch_seqs;
	int64_t steps, preemptions;
	double busy_frac;          /* fraction of node-time stepping */
	double wall_s;             /* wall time of the run */
	double step_wall_s;        /* driven: wall time inside eng_step */
	uint64_t events;
};

/* Optional per-step log (for calibration): composition and duration. */
struct srv_steplog {
	struct srv_step *step;     /* (cap,) */
	double *dt;                /* (cap,) s */
	size_t n, cap;             /* steps logged, capacity (logging stops when full) */
};

struct srv_run_opts {
	uint64_t seed;
	int rep;
	rec *r;                    /* may be NULL */
	struct srv_steplog *log;   /* may be NULL */
	const struct model_ctx *ctx;  /* progress; may be NULL */
	/* driven mode: when set, the clock advances by this model's time instead of
	 * the measured one (the engine still runs): driven and model must agree. */
	const struct srv_cost *driven_clock;
};

sim_status srv_simulate(const struct srv_params *p, const struct srv_run_opts *o,
                        struct srv_result *out, sim_diag *d) SIM_MUST_CHECK;

/* ---------------------------------------------------------------- model type, commands */

extern const struct model_type serving_model_type;

/* `dais validate-serving`: driven versus model mode on the same traces. */
int srv_cmd_validate(int argc, char **argv);
/* `dais capacity`: the capacity table (and the scaling figure's data). */
int srv_cmd_capacity(int argc, char **argv);

/* The largest arrival rate (1/s) whose p99 TPOT stays under tpot_obj and p99
 * TTFT under ttft_obj, by bisection in model mode on p (its arrival_rate is
 * varied; arrival must be Poisson or MMPP); 0 when even a light load misses.
 * res gets the run at that rate. */
sim_status srv_capacity(const struct srv_params *p, double tpot_obj, double ttft_obj,
                        uint64_t seed, double *rate, struct srv_result *res,
                        sim_diag *d) SIM_MUST_CHECK;

#endif
