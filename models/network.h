/* network.h — the coupled decentralized-inference network model (model type
 * "network"): demand, private inference, hardware classes, the operator
 * population, tokenomics, verification and settlement, stepped daily on the
 * event core.
 *
 *     struct net_params *p = calloc(1, sizeof *p);
 *     if (net_params_default(p, &d) != SIM_OK) ...     // or network_model_type.parse
 *     p->horizon_days = 365;  net_prepare(p, &d);       // after changing fields by hand
 *     rec *r = rec_alloc("day");
 *     struct model_ctx ctx = { .seed = 1, .rep = 0 };
 *     net_run(p, &ctx, r, &d);                          // one replication
 *     net_params_release(p); free(p);
 *
 * One replication: day events at t = day x 86400 s, in this order (priority):
 *   0 exogenous   trend demand, centralized prices, adoption, TEE demand, hardware
 *                 prices and availability, demand shock;
 *   1 market      the day's equilibrium (market.h), solved with the chains' fees:
 *                 prices P_dec per model class from cost, subsidy, settlement cost
 *                 and the market's pressure; latency from the serving curve; logit
 *                 share cap; elastic demand; offered = s D; allocation of offered
 *                 tokens to node classes (capacity after verification and TEE
 *                 overhead); served, unserved; the settlement cost S = Phi(S) at
 *                 which the chains' equilibrium fees and the traffic agree;
 *                 verification step (detections, timeouts, attestation tx);
 *   2 tokenomics  fees and node count to token.h: emission, subsidy in USD, burns;
 *   3 nodes       revenue per node per class (fees + subsidy) to nodes.h: exits,
 *                 orders (capped by a supply that grows with world shipments),
 *                 arrivals after the lag, retirements;
 *   4 settlement  records each chain's day at the equilibrium (chain.h): fee,
 *                 utilisation, scarcity measures; the delay feeds tomorrow's
 *                 latency under per-request settlement;
 *   5 record      every sample_every_days.
 * Tokenomics runs before node economics (the brief listed it after) so that the
 * subsidy a node weighs today is today's emission at today's token price.
 *
 * Feedback loops: within the day, price and latency -> share and demand ->
 * utilisation -> price and latency, and settlement traffic -> fee -> cost per
 * token -> price, both solved as one equilibrium; across days, fees and subsidy
 * -> entry and exit -> capacity.  Parameters: net_params.c; the day: network.c.
 *
 * Work per day is O(classes x model classes + chains); the node population keeps
 * cohorts, not nodes, so a million nodes cost no more than a thousand.
 */
#ifndef DAIS_NETWORK_H
#define DAIS_NETWORK_H

#include "chain.h"
#include "demand.h"
#include "hardware.h"
#include "market.h"
#include "sim/model.h"
#include "nodes.h"
#include "privacy.h"
#include "token.h"
#include "verify.h"

struct net_init {
	char cls[HW_NAME_LEN];         /* class name */
	double nodes;                  /* nodes at day 0 */
};

struct net_params {
	char src[256];                 /* scenario file, for messages ("<params>" if built in code) */
	/* $.network */
	char start_date[16];           /* "YYYY-MM-DD" */
	double start_year;             /* fractional calendar year of day 0 */
	double horizon_days;           /* days simulated */
	int sample_every;              /* days between recorded rows */
	double margin;                 /* markup over full cost */
	double target_util;            /* u*, cost basis and price pivot */
	double util_price_k;           /* price x exp(k (min(z, 1) - u*)), market.h */
	double scarcity_price_k;       /* price x exp(k_s (z - 1)) when rationing, market.h */
	double price_floor_frac;       /* price >= floor x cost (+ settlement) */
	double latency_base_s;         /* s */
	double latency_queue_s;        /* s, x u/(1-u), when there is no latency curve */
	char latency_curve[256];       /* serving model's latency against load, under data/; "" = formula */
	char latency_class[HW_NAME_LEN];   /* the (class, model) pair whose curve is the network's */
	char latency_model[DEM_NAME_LEN];
	struct mkt_params market;      /* derived by net_prepare from the fields above */
	double supply_share;           /* share of world shipments orderable per day */
	double seed_nodes_per_day;     /* nodes.h seed_per_day */
	int n_init;
	struct net_init init[HW_MAX_CLASSES];
	/* the coupled modules */
	struct dem_params dem;
	struct priv_params priv;
	struct hw_params hw;
	struct hw_table hwt;
	struct node_params nodes;
	struct tok_params tok;
	struct ver_params ver;
	struct chain_params chain;
	/* derived by net_prepare (read-only during runs) */
	double tps[HW_MAX_CLASSES][DEM_MAX_MODELS]; /* tokens/s per node, 0 = does not fit */
	int measured[HW_MAX_CLASSES][DEM_MAX_MODELS]; /* 1: from hardware.capacity_csv, 0: roofline */
	int n_measured;                /* pairs taken from the capacity table */
	char capacity_sha256[65];      /* of the capacity table file, "" without one */
	int order[HW_MAX_CLASSES];     /* classes by ascending memory (allocation order) */
	int init_cls[HW_MAX_CLASSES];  /* class index of init[i] */
};

extern const struct model_type network_model_type;

/* Every module's defaults, the class table from data/, then net_prepare. */
sim_status net_params_default(struct net_params *p, sim_diag *d) SIM_MUST_CHECK;
/* Checks the cross-module rules and fills the derived tables. */
sim_status net_prepare(struct net_params *p, sim_diag *d) SIM_MUST_CHECK;
/* Fills p from a resolved scenario (all sections), then net_prepare. */
sim_status net_parse(struct net_params *p, const scn *s, sim_diag *d) SIM_MUST_CHECK;
void net_params_release(struct net_params *p);

/* One replication into r (series, scalars, events; names in docs/models.md). */
sim_status net_run(const struct net_params *p, const struct model_ctx *ctx, rec *r,
                   sim_diag *d) SIM_MUST_CHECK;

#endif
