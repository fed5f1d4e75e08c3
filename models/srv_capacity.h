/* srv_capacity.h — what a serving node sustains at a latency objective: the
 * capacity bisection, the capacity table over hardware classes and model
 * shapes (data/capacity/default.csv) and the fleet-scaling experiment.  All
 * in model mode, computed in memory; `dais capacity` (cli/serving.c) writes
 * the files.
 *
 *     struct srv_cap_opts o = { .tpot_s = 0.1, .ttft_s = 2.5, .roofline = rl, .profile = pf };
 *     struct srv_cap_row *rows = calloc((size_t)nhw * nms, sizeof *rows);
 *     if (srv_capacity_table(&p, hw, nhw, ms, nms, &o, rows, NULL, NULL, &d)) ...
 *
 * About probes: a probe runs p at one Poisson (or MMPP) arrival rate for
 * p->max_requests requests, drains them, and measures after a warm-up of a
 * tenth of the arrival span.  Every probe of this module uses seed 1, so
 * the same rate gives the same run: the capacity is a deterministic function
 * of its inputs.  The objective is p99 TPOT <= tpot_s, p99 TTFT <= ttft_s
 * and no drops.
 */
#ifndef DAIS_SRV_CAPACITY_H
#define DAIS_SRV_CAPACITY_H

#include "engine/eng_profile.h"
#include "serving.h"
#include "sim/status.h"

#define SRV_CAP_SEED 1

/* One probe (above) of p at rate (1/s) with seed. */
sim_status srv_probe(const struct srv_params *p, double rate, uint64_t seed,
                     struct srv_result *res, sim_diag *d) SIM_MUST_CHECK;

/* The largest arrival rate (1/s) whose p99 TPOT stays under tpot_obj and p99
 * TTFT under ttft_obj, by bisection in model mode on p (its arrival_rate is
 * varied; arrival must be Poisson or MMPP) to 0.5%; 0 when even a light load
 * misses.  res gets the run at that rate.  SIM_EINVAL with a message when the
 * objective is met even with every request arriving at once (the probes are
 * too short to load the node). */
sim_status srv_capacity(const struct srv_params *p, double tpot_obj, double ttft_obj,
                        uint64_t seed, double *rate, struct srv_result *res,
                        sim_diag *d) SIM_MUST_CHECK;

/* A node of hardware class h serving model m by the roofline: one replica
 * per GPU when the model fits one GPU with room for a batch (64 sequences of
 * 512 positions), else one replica over all GPUs (tensor parallel, summed
 * bandwidth and compute).  Returns the replicas and fills the per-replica
 * node (cost, KV blocks, speed). */
int srv_node_for(const struct srv_hw *h, const struct srv_model_shape *m,
                 const struct srv_roofline *rl, int block_tokens, struct srv_node_params *nd);

/* ---------------------------------------------------------------- the capacity table */

struct srv_cap_opts {
	double tpot_s, ttft_s;                /* p99 objectives, s */
	struct srv_roofline roofline;         /* the cost of classes the profile does not cover */
	const struct eng_profile *profile;    /* may be NULL: the roofline everywhere */
};

/* What stops a higher rate. */
enum srv_cap_limit {
	SRV_LIMIT_DOES_NOT_FIT = 0,   /* the longest request's KV does not fit beside the weights */
	SRV_LIMIT_TPOT_AT_LIGHT_LOAD, /* even a light load misses the objective */
	SRV_LIMIT_TPOT,               /* just above capacity p99 TPOT misses */
	SRV_LIMIT_TTFT,               /* ... p99 TTFT misses */
	SRV_LIMIT_DROPS               /* ... the queue drops requests */
};
/* "does_not_fit", "tpot_at_light_load", "tpot", "ttft", "drops". */
const char *srv_cap_limit_name(enum srv_cap_limit l);

/* One (class, model) of the table.  A node runs `replicas` identical
 * replicas, each node.kv_blocks blocks; rates and token rates per node are
 * the replica's times replicas. */
struct srv_cap_row {
	int hw, model;                /* indices into the tables given */
	int replicas;
	struct srv_node_params node;  /* one replica: its cost and KV pool (kv_blocks 0: does not fit) */
	int max_seq_len;              /* the model's context cap, that the probes used */
	char cost_source[96];         /* "roofline" or "profile:CLASS" */
	double rate;                  /* requests/s per replica at the objective (0: none) */
	struct srv_result res;        /* the probe at rate (zeroed when rate is 0 and it does not fit) */
	double tokens_per_s;          /* output tokens/s per node at rate (0 when rate is 0) */
	double input_tokens_per_s;    /* prompt tokens/s per node */
	double requests_per_s;        /* per node */
	enum srv_cap_limit limit;
};

/* Called after each row, in table order (class-major). */
typedef void srv_cap_progress(void *arg, const struct srv_cap_row *row);

/* The capacity of every class of hw (nhw,) for every model of ms (nms,) on
 * the workload and scheduler of p (its node, fleet and max_seq_len are
 * replaced per row); rows (nhw * nms,), row i * nms + j for class i, model
 * j.  A class the profile covers, run as one replica per GPU, is priced by
 * the profile (srv_cost_from_profile), any other by the roofline. */
sim_status srv_capacity_table(const struct srv_params *p, const struct srv_hw *hw, int nhw,
                              const struct srv_model_shape *ms, int nms,
                              const struct srv_cap_opts *o, struct srv_cap_row *rows,
                              srv_cap_progress *progress, void *arg, sim_diag *d) SIM_MUST_CHECK;

/* ---------------------------------------------------------------- the latency curve */

/* About the latency curve: what the network model reads instead of a
 * formula for latency against utilisation.  For a row of the table with a
 * capacity, one probe at each load u of srv_curve_loads (arrival rate u x
 * the row's rate), same workload, scheduler and seed as the capacity, so
 * the point at u = 1 is the capacity's own run and meets the objective.
 * TTFT counts from arrival to the first output token (queueing and the
 * prompt's prefill included); TPOT is the mean time between a request's
 * output tokens after the first; end-to-end from arrival to the last token. */
enum { SRV_CURVE_NLOAD = 11 };
extern const double srv_curve_loads[SRV_CURVE_NLOAD];   /* 0.1, 0.2, ..., 0.9, 0.95, 1 */

struct srv_curve_point {
	double load;              /* fraction of the row's capacity rate */
	double rate;              /* requests/s per replica */
	struct srv_result res;
};

/* The curve of a row of srv_capacity_table (the p it was computed with);
 * pts (SRV_CURVE_NLOAD,).  SIM_EINVAL when the row has no capacity. */
sim_status srv_latency_curve(const struct srv_params *p, const struct srv_cap_row *row,
                             struct srv_curve_point *pts, sim_diag *d) SIM_MUST_CHECK;

/* ---------------------------------------------------------------- fleet scaling */

/* About the scaling experiment: fleets of N = 1 .. 64 nodes serving one
 * model, each at 80% of the fleet's summed single-node capacity:
 * horizontal (N H100 nodes under round robin, power of two and least
 * loaded), heterogeneous (half A100, half B200 under random, least loaded
 * and hardware-aware routing) and vertical (N nodes of each class, least
 * loaded).  Nodes are priced by the roofline; each fleet run has
 * p->max_requests requests per node. */
enum { SRV_SCALING_NCLASS = 3, SRV_SCALING_NSIZES = 7 };
extern const char *const srv_scaling_classes[SRV_SCALING_NCLASS];  /* a100_80, h100_80, b200_180 */

struct srv_scaling_row {
	int n;                                     /* nodes */
	double rate;                               /* horizontal: requests/s */
	struct srv_result horiz[3];                /* round robin, power of two, least loaded */
	double het_rate;                           /* heterogeneous: requests/s */
	struct srv_result het[3];                  /* random, least loaded, hardware-aware */
	struct srv_result vert[SRV_SCALING_NCLASS]; /* all a100_80, all h100_80, all b200_180 */
};

struct srv_scaling {
	double cap[SRV_SCALING_NCLASS];            /* single-node capacity, requests/s */
	struct srv_scaling_row row[SRV_SCALING_NSIZES];
};

typedef void srv_scaling_progress(void *arg, const struct srv_scaling_row *row);

/* The experiment for model m; SIM_EINVAL with a message when hw lacks one of
 * srv_scaling_classes. */
sim_status srv_capacity_scaling(const struct srv_params *p, const struct srv_hw *hw, int nhw,
                                const struct srv_model_shape *m, const struct srv_roofline *rl,
                                double tpot_s, double ttft_s, struct srv_scaling *out,
                                srv_scaling_progress *progress, void *arg,
                                sim_diag *d) SIM_MUST_CHECK;

#endif
