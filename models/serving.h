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
 *
 * The serving model's other modules: srv_cost.h (what a step costs, the
 * hardware and model tables, the fit to measured steps), srv_hist.h (the
 * latency histograms), srv_type.h (the model type: a scenario made into
 * these parameters), srv_capacity.h (capacity, its table, the latency curve
 * and fleet scaling) and srv_validate.h (driven against model mode).
 */
#ifndef DAIS_SERVING_H
#define DAIS_SERVING_H

#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"
#include "sim/model.h"
#include "sim/rec.h"
#include "sim/status.h"
#include "srv_cost.h"
#include "trace.h"

#define SRV_MAX_NODES 4096
#define SRV_MAX_GROUPS 16

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

struct srv_run_opts {
	uint64_t seed;
	int rep;
	rec *r;                    /* may be NULL */
	struct srv_steplog *log;   /* every step's composition and duration (srv_cost.h); may be NULL */
	const struct model_ctx *ctx;  /* progress; may be NULL */
	/* driven mode: when set, the clock advances by this model's time instead of
	 * the measured one (the engine still runs): driven and model must agree. */
	const struct srv_cost *driven_clock;
};

sim_status srv_simulate(const struct srv_params *p, const struct srv_run_opts *o,
                        struct srv_result *out, sim_diag *d) SIM_MUST_CHECK;

/* A trace of n requests (borrowed by p->trace for SRV_ARR_TRACE): Poisson
 * arrivals at rate (1/s), lengths from p's prompt and output distributions,
 * from streams 10 and 11 of seed, replication 0: the same trace for the same
 * seed whatever else p says.  tr is initialised here; trace_release it. */
sim_status srv_trace_poisson(const struct srv_params *p, double rate, int n, uint64_t seed,
                             struct trace *tr) SIM_MUST_CHECK;

/* ---------------------------------------------------------------- model type */

/* The model type of `model: serving` (srv_type.h: parsing a scenario). */
extern const struct model_type serving_model_type;

#endif
