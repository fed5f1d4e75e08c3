/* chain.h — settlement of inference on blockchains and the block space it uses.
 *
 * Two parts:
 *   settlement (scenario section "settlement"): how many on-chain transactions
 *     served tokens cost, per request (Atoma contracts v1) or per stack of up
 *     to 10^6 tokens (v2), and which chains receive them;
 *   chains (scenario section "chains", an array): each chain's capacity, its
 *     background demand, and an EIP-1559-style base fee updated daily.
 *
 *     struct chain_params cp;  chain_params_default(&cp);
 *     chains *c = chain_alloc(&cp, &diag);
 *     double tx[CHAIN_MAX]; struct chain_day_out o[CHAIN_MAX];
 *     for each day:
 *         double per_tok = chain_tx_per_token(&cp.settle, vo.commit_tx_per_unit);
 *         chain_route(&cp, served_tokens * per_tok, tx);   // AI tx/day by chain
 *         chain_step(c, day, tx, o);                       // fees, utilisation, delay
 *         usd_per_mtok = chain_cost_per_mtok(c, &cp.settle, vo.commit_tx_per_unit);
 *     for (k...) rec_scalar(r, "exhaustion_day_<name>", "day", chain_exhaustion_day(c, k));
 *     chain_free(c);
 *
 * About settlement transactions (reference domain.md §3.3, §7):
 *   PER_REQUEST  tx/request = request_fixed_tx (1 prompt tx) + commit tx
 *                (1 + n with full sampling of n nodes);
 *                tx/token = that / tokens_per_request;
 *   STACK        tx/stack = stack_fixed_tx (2: acquire, claim) + commit tx
 *                (1 settle + p N attestations: 3.01 at p = 1%, N = 1);
 *                tx/token = that / stack_tokens.
 * At 284 tokens per request the two differ by ~10^3 (test_chain.c).
 * The commit tx per unit come from verify.h (ver_commit_tx).
 *
 * About the daily step of chain k, day t (years y = t / 365.25):
 *   capacity  C = capacity_tps (1 + capacity_growth)^y * 86400          tx/day
 *   backgr.   B = background_tps (1 + background_growth)^y * 86400
 *                 * (fee / base_fee0)^(-fee_elasticity)                 tx/day
 *   demand    D = AI + B + backlog (unserved tx carried from yesterday)
 *   served    min(D, C);  backlog' = D - served (>= 0);  load = (AI + B)/C
 *   util.     u = served / C, in [0, 1]
 *   fee       EIP-1559 aggregated to one update a day, as if the day were one
 *             block at the day's mean utilisation:
 *             fee' = fee * (1 + max_fee_change * (u - target)/target),
 *             the relative change clamped to [-max_fee_change, +max_fee_change]
 *             (u <= 1 and target = 0.5 give exactly EIP-1559's bound), and
 *             fee' >= min_fee_usd.  Real chains update per block, far faster;
 *             the daily rule has the same fixed point (u = target, given the
 *             elastic background) and moves at most max_fee_change a day.
 *   delay     finality_s * (1 + rho/(1 - rho)) with rho = min(u, 0.999)
 *             (M/M/1-like growth as u -> 1) + backlog'/(C / 86400) seconds
 *             to drain the backlog.
 *   exhaustion  first day with load >= 1 and first day with load > target,
 *             NAN while never reached.
 * AI transactions are inelastic here: the fee reaches the network through
 * chain_cost_per_mtok (USD per 10^6 served tokens) and so its price.
 */
#ifndef DAIS_CHAIN_H
#define DAIS_CHAIN_H

#include "sim/scn.h"
#include "sim/status.h"

#define CHAIN_MAX      16
#define CHAIN_NAME_MAX 32
#define CHAIN_DAYS_PER_YEAR 365.25

enum chain_design { CHAIN_PER_REQUEST = 0, CHAIN_STACK };

/* The section "settlement": JSON paths $.settlement.<field>. */
struct chain_settle {
	enum chain_design design;     /* design: "per_request" | "stack" */
	double tokens_per_request;    /* tokens (input + output) per request */
	double stack_tokens;          /* tokens per stack (COMPUTE_UNITS_PER_STACK) */
	double request_fixed_tx;      /* tx per request besides commitments */
	double stack_fixed_tx;        /* tx per stack besides commitments */
	double tx_bytes;              /* bytes of one settlement tx (reported) */
	double tx_gas;                /* gas / computation units of one tx (reported) */
	double tx_weight;             /* cost of one settlement tx / the chain's mean tx fee */
	int n_routes;                 /* rows of routing[] */
	struct {
		char chain[CHAIN_NAME_MAX]; /* name of a chain in chains[] */
		double share;               /* share of settlement tx sent to it; sum = 1 */
	} routing[CHAIN_MAX];
};

/* One element of the array "chains": $.chains[i].<field>. */
struct chain_spec {
	char name[CHAIN_NAME_MAX];
	double capacity_tps;          /* sustained capacity, tx/s (observed, not claimed) */
	double claimed_tps;           /* vendor claim, tx/s (reported only) */
	double capacity_growth;       /* per year, fraction (0.2 = +20%/yr) */
	double background_tps;        /* other users' demand at day 0, tx/s */
	double background_growth;     /* per year, fraction */
	double target_utilisation;    /* fee target u*, (0, 1) */
	double max_fee_change;        /* max relative base-fee change per day, (0, 1) */
	double base_fee_usd;          /* base fee at day 0, USD per tx */
	double min_fee_usd;           /* fee floor, USD per tx (>= 0) */
	double fee_elasticity;        /* of background demand to the fee, >= 0 */
	double finality_s;            /* time to finality when idle, s */
};

struct chain_params {
	struct chain_settle settle;
	int n_chains;
	struct chain_spec chain[CHAIN_MAX];
};

/* One chain's day. */
struct chain_day_out {
	double capacity;         /* tx/day */
	double ai_tx;            /* AI settlement tx offered today, tx/day */
	double background_tx;    /* background tx offered today (after elasticity) */
	double demand;           /* ai + background + backlog carried in, tx/day */
	double served;           /* min(demand, capacity), tx/day */
	double unserved;         /* demand - served = backlog carried out, tx */
	double load;             /* (ai + background) / capacity, >= 0, may exceed 1 */
	double utilisation;      /* served / capacity, [0, 1] */
	double fee_usd;          /* base fee in force today, USD per tx */
	double next_fee_usd;     /* base fee for tomorrow */
	double delay_s;          /* mean settlement delay, s */
	double ai_fees_usd;      /* USD/day paid by AI settlement (ai_tx * fee * tx_weight) */
	double ai_bytes;         /* bytes/day of AI settlement */
};

typedef struct chains chains;

/* ---------------------------------------------------------------- settlement */

/* Settlement tx per served token for a design, with commit_tx from verify.h. */
double chain_tx_per_token(const struct chain_settle *s, double commit_tx);
/* Settlement units (requests or stacks) per served token. */
double chain_units_per_token(const struct chain_settle *s);
/* Splits tx/day over the chains by the routing shares: out (n_chains,). */
void chain_route(const struct chain_params *p, double tx_per_day, double *out);

/* ---------------------------------------------------------------- state */

void chain_params_default(struct chain_params *p);
/* Fills p from the sections "settlement" and "chains"; checks (chain_check). */
sim_status chain_parse(struct chain_params *p, const scn *s, sim_diag *d) SIM_MUST_CHECK;
/* Messages "<src>: $.chains[2].capacity_tps: <what>" / "$.settlement.routing[0].chain". */
sim_status chain_check(const struct chain_params *p, const char *src, sim_diag *d) SIM_MUST_CHECK;
/* Index of a chain by name, or -1. */
int chain_index(const struct chain_params *p, const char *name);

chains *chain_alloc(const struct chain_params *p, sim_diag *d);
void chain_free(chains *c);

/* Advances every chain one day. ai_tx: (n_chains,) AI settlement tx/day;
 * out: (n_chains,).  day must be 0 on the first call and grow by one. */
void chain_step(chains *c, int day, const double *ai_tx, struct chain_day_out *out);

/* USD to settle 10^6 served tokens at the base fees in force for the next
 * chain_step (routing-weighted, times tx_weight). */
double chain_cost_per_mtok(const chains *c, const struct chain_settle *s, double commit_tx);
double chain_fee_usd(const chains *c, int k);        /* base fee in force, USD/tx */
double chain_exhaustion_day(const chains *c, int k); /* first day load >= 1, or NAN */
double chain_target_day(const chains *c, int k);     /* first day load > target, or NAN */
int chain_count(const chains *c);
const char *chain_name(const chains *c, int k);

const char *chain_design_name(enum chain_design d);

#endif
