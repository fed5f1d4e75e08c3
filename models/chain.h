/* chain.h — settlement of inference on blockchains and the block space it uses.
 *
 * Two parts:
 *   settlement (scenario section "settlement"): how many on-chain transactions
 *     served tokens cost, per request (Atoma contracts v1) or per stack of up
 *     to 10^6 tokens (v2), and which chains receive them;
 *   chains (scenario section "chains", an array): each chain's capacity, its
 *     background demand, and the fee that clears its target within the day.
 *
 *     struct chain_params cp;  chain_params_default(&cp);
 *     cp.start_year = 2024.0;                              // the scenario's start date
 *     chains *c = chain_alloc(&cp, &diag);
 *     for each day:
 *         chain_day(c, day);                               // capacities, background paths
 *         fee[k] = chain_fee_eq(c, k, ai_tx[k]);           // inside the caller's day solve
 *         usd_per_mtok = chain_cost_per_mtok(&cp, commit_tx, fee);
 *         chain_step(c, ai_tx, ai_latent_tx, o);           // the day at equilibrium fees
 *     for (k...) rec_scalar(r, "latent_exhaustion_day_<name>", "day",
 *                           chain_latent_exhaustion_day(c, k));
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
 * About the day of chain k (day t, calendar year Y = start_year + t/365.25):
 *   capacity  C = capacity_tps (1 + capacity_growth)^(Y - capacity_date) 86400   tx/day
 *   backgr.   B(f) = Bref (f / f_ref)^(-e),
 *             Bref = background_tps (1 + background_growth)^(Y - background_date)
 *                    86400 (f_ref / base_fee_usd)^(-e)                     tx/day
 *             f_ref = min_fee_usd, or base_fee_usd on a chain without a floor;
 *             the dates are those of the sourced figures, so that a scenario
 *             starting on any date sees the traffic of that date.
 *   fee       the equilibrium of the chain's fee rule within the day: real
 *             chains update their fee per block (EIP-1559: up to 12.5% per
 *             block), thousands of times a day, so a daily model takes the
 *             rule's fixed point, not one aggregated step:
 *               AI + B(f) = u* C, f >= min_fee_usd   (chain_fee_eq)
 *             f = base_fee_usd (B0 / (u* C - AI))^(1/e) with B0 the background
 *             at base_fee_usd, or the floor when demand at the floor fits;
 *             INFINITY when AI alone fills the target (no fee clears it; the
 *             caller's market then prices AI down, see network.h).
 *   load      (AI + B(f)) / C = utilisation, <= u* once the fee is above its floor;
 *   delay     finality_s (1 + u/(1 - u)) (M/M/1-like growth with use);
 *   object    a protocol whose calls all write one shared object (Atoma's
 *             AtomaDb on Sui) meets that object's congestion budget before the
 *             chain's: at most object_limit_tps of its tx a second are admitted,
 *             whatever they bid (priority only orders them).  Above it no fee
 *             clears (chain_fee_eq is INFINITY) and the caller's price must
 *             ration; object_limit_day: first day the AI tx at floor fees reach it.
 *   scarcity  fee multiple f / f_ref; background displaced 1 - B(f)/Bref;
 *             AI target share AI / (u* C).
 *   days      (NAN while never reached)
 *             exhaustion_day: first day AI + B(f) >= C at the day's fee.  With
 *               an elastic background (e > 0, enforced) the fee clears at u* < 1,
 *               so this cannot happen; it is kept so that the statement is
 *               checked in every run;
 *             latent_exhaustion_day: first day the demand at the reference fee,
 *               the network's offered traffic at floor fees plus Bref, reaches C:
 *               when block space would run out if price did not ration it;
 *             fee_target_day: first day the fee rises above f_ref (demand at
 *               the reference fee, AI + Bref, exceeds u* C);
 *             background_target_day: first day Bref > u* C (no AI at all),
 *               from the same background path.
 * AI transactions are inelastic within the chain: the fee reaches the network
 * through chain_cost_per_mtok (USD per 10^6 served tokens) and its price,
 * which the caller solves jointly with the fees (network.c).
 */
#ifndef DAIS_CHAIN_H
#define DAIS_CHAIN_H

#include "sim/scn.h"
#include "sim/status.h"

#define CHAIN_MAX      16
#define CHAIN_NAME_MAX 32
#define CHAIN_DAYS_PER_YEAR 365.25

enum chain_design { CHAIN_PER_REQUEST = 0, CHAIN_STACK };
enum chain_routing { CHAIN_ROUTE_FIXED = 0, CHAIN_ROUTE_COST };

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
	enum chain_routing routing_mode; /* routing_mode: "fixed" | "cost" */
	int n_routes;                 /* rows of routing[]: the routing set */
	struct {
		char chain[CHAIN_NAME_MAX]; /* name of a chain in chains[] */
		double share;               /* fixed: share of settlement tx sent to it; sum = 1 */
		double friction_usd;        /* cost: USD per tx added when comparing chains */
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
	double base_fee_usd;          /* fee at which background_tps was seen, USD per tx */
	double min_fee_usd;           /* fee floor, USD per tx (>= 0) */
	double fee_elasticity;        /* of background demand to the fee, > 0 */
	double finality_s;            /* time to finality when idle, s */
	double object_limit_tps;      /* AI tx/s the protocol's shared object admits; 0: none */
	char capacity_date[16];       /* "YYYY-MM-DD" of capacity_tps */
	char background_date[16];     /* "YYYY-MM-DD" of background_tps */
};

struct chain_params {
	struct chain_settle settle;
	int n_chains;
	struct chain_spec chain[CHAIN_MAX];
	double start_year;            /* calendar year of day 0 (the caller's start date; 2024.0) */
};

/* One chain's day at its equilibrium fee. */
struct chain_day_out {
	double capacity;         /* C, tx/day */
	double target;           /* u* C, tx/day */
	double ai_tx;            /* AI settlement tx, tx/day */
	double ai_latent_tx;     /* AI tx the network would send at floor fees, tx/day */
	double background_ref;   /* Bref: background at the reference fee, tx/day */
	double background_tx;    /* B(f): background at today's fee, tx/day */
	double served;           /* min(AI + B(f), C), tx/day */
	double load;             /* (AI + B(f)) / C */
	double latent_load;      /* (ai_latent + Bref) / C, may exceed 1 */
	double utilisation;      /* served / C, [0, 1] */
	double fee_usd;          /* equilibrium fee, USD per tx */
	double fee_multiple;     /* fee / f_ref */
	double displaced;        /* 1 - B(f)/Bref, clamped to [0, 1] */
	double ai_target_share;  /* AI / (u* C) */
	double object_load;      /* AI / the object limit; 0 without one */
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
/* Splits tx/day over the chains by the routing shares: out (n_chains,).
 * (Fixed routing; with cost routing the shares are chain_route_cost's.) */
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

/* Sets day's capacities and background paths; days never go back (the
 * first-day records assume it).  Precedes chain_fee_eq and chain_step. */
void chain_day(chains *c, int day);
/* Chain k's equilibrium fee today with ai_tx AI settlement tx/day: USD/tx,
 * >= min_fee_usd; INFINITY when ai_tx >= u* C. */
double chain_fee_eq(const chains *c, int k, double ai_tx);
/* The reference fee f_ref of a chain: its floor, or base_fee_usd without one. */
double chain_fee_ref(const struct chain_spec *s);
/* Records the day at the equilibrium fees: ai_tx and ai_latent_tx (n_chains,),
 * the AI tx at the solved market and at floor fees; out (n_chains,). */
void chain_step(chains *c, const double *ai_tx, const double *ai_latent_tx,
                struct chain_day_out *out);

/* Cost routing (settlement as opaque block space, taken where it is cheapest):
 * spreads tx_per_day AI settlement tx over the routing set so that every chain
 * that takes some has the same marginal cost per tx, lambda = fee x tx_weight
 * + friction, and every chain that takes none is dearer at its floor (a
 * Wardrop equilibrium).  A chain at marginal cost lambda takes
 *     ai_k(lambda) = max(0, u* C - B((lambda - friction) / tx_weight)),
 * nothing below its floor cost; the set's total rises with lambda, so lambda
 * is found by Brent's method, and where it falls on a floor the chains at that
 * floor share the rest.  ai and fee (n_chains,): the allocation (summing to
 * tx_per_day; 0 off the set) and each chain's equilibrium fee.  Returns lambda
 * (USD/tx), or INFINITY when tx_per_day fills the set's targets (ai then holds
 * each target, fee INFINITY on the set). */
double chain_route_cost(const chains *c, double tx_per_day, double *ai, double *fee);

/* USD to settle 10^6 served tokens when chain k charges fee[k] (routing-
 * weighted, times tx_weight); fee (n_chains,). */
double chain_cost_per_mtok(const struct chain_params *p, double commit_tx, const double *fee);
/* The floor fees (min_fee_usd) into fee (n_chains,). */
void chain_floor_fees(const struct chain_params *p, double *fee);

/* The routing set as one resource, for the day chain_step last recorded:
 * capacity, target, AI, background and served tx summed over the set; load,
 * latent_load, utilisation and ai_target_share from those sums; displaced
 * 1 - sum B(f) / sum Bref; fee_multiple the mean of the set's multiples
 * weighted by target; fee_usd and delay_s unweighted means. */
const struct chain_day_out *chain_set_day(const chains *c);

#define CHAIN_SET (-1)                 /* k of the routing set in the four days below */
double chain_exhaustion_day(const chains *c, int k);        /* see "days" above */
double chain_latent_exhaustion_day(const chains *c, int k);
double chain_target_day(const chains *c, int k);
double chain_background_target_day(const chains *c, int k);
double chain_object_limit_day(const chains *c, int k);  /* NAN without a limit */
int chain_count(const chains *c);
const char *chain_name(const chains *c, int k);

const char *chain_design_name(enum chain_design d);

#endif
