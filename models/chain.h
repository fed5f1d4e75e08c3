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
 * About the day of chain k (day t, calendar year Y = start_year + t/365.25).
 * Each chain counts its block space in its own resource, the unit its fee is
 * quoted in: gas (EIP-1559 chains, Aptos), computation units (Sui), compute
 * units (Solana), virtual bytes (Bitcoin).  A background tx uses r_bg of it
 * (bg_tx_units), an AI settlement tx r_ai (settle_tx_units).  Fees are paid in
 * the chain's token, worth X(Y) USD (price_path: the monthly table
 * data/chains/token_prices.csv, a constant, or a trend).  With p the price of
 * one unit of resource in the token:
 *   fee/tx     f_bg(p) = (tx_fixed + r_bg p) X,   f_ai(p) = (tx_fixed + r_ai p) X   USD
 *   capacity   C = capacity_tps (1 + capacity_growth)^(Y - capacity_date) 86400 r_bg
 *                                                                    units/day
 *   backgr.    B(f) = B0 (f / base_fee_usd)^(-e)   tx/day at USD fee f per tx,
 *              B0 = background_tps (1 + background_growth)^(Y - background_date) 86400,
 *              base_fee_usd the fee seen at background_date;
 *   floor      p >= p_min (min_unit_price), so f >= f_min(Y) = f_bg(p_min);
 *              the reference fee f_ref is f_min, or base_fee_usd when f_min = 0;
 *              Bref = B(f_ref) is the background at the reference fee.
 *   fee        the equilibrium of the chain's rule within the day (real chains
 *              update per block, thousands of times a day, so a daily model
 *              takes the rule's fixed point, not one aggregated step):
 *                r_ai AI + r_bg B(f_bg(p)) = u* C,   p >= p_min     (chain_fee_eq)
 *              closed form: f_bg = base_fee_usd (B0 r_bg / (u* C - r_ai AI))^(1/e),
 *              p = (f_bg / X - tx_fixed) / r_bg, raised to p_min;
 *              INFINITY when r_ai AI >= u* C (the caller's market then prices AI
 *              down, see network.h).
 * The families (mechanism) differ in the target u* and the floor:
 *   eip1559  the base fee per gas moves by up to 1/8 a block towards the gas
 *            target, half the limit: u* = 1/2, no floor (Ethereum L1; an
 *            OP-stack L2 such as Base for its execution gas, its L1 data fee a
 *            fixed tx_fixed per tx).  chain_eip1559_next is the per-block rule.
 *   sui      a reference gas price per epoch from validators' quotes (2/3
 *            stake-weighted percentile), not from use: p_min = RGP, and the fee
 *            rises above it only by priority bids when the chain is full:
 *            u* = 1.  Storage (net of rebates) is tx_fixed.  A shared object
 *            has its own budget per consensus commit (below).
 *   solana   5000 lamports a signature (tx_fixed) plus priority fees per
 *            compute unit, bid up when blocks reach their CU limit: u* = 1,
 *            p_min = 0; a writable account has its own CU limit per block.
 *   aptos    gas at a minimum gas unit price, bid up when blocks are full.
 *   bitcoin  an auction for block weight above the minimum relay fee rate.
 *   blob     data-availability space counted in bytes: EIP-4844 blobs, whose
 *            blob base fee moves toward a target of 2/3 of the maximum blobs
 *            per block (6 of 9 since Pectra).  A chain that names it as its
 *            data_chain (an OP-stack L2 such as Base, which posts its data
 *            to Ethereum's blobs) pays, per AI tx, its own fee plus the data
 *            chain's fee for data_bytes; its AI tx are the data chain's AI
 *            traffic, each using data_bytes of it.  A data chain serves one
 *            chain and is not itself in the routing set.
 * Only a floor in the token ties the USD fee to the token's price: with none,
 * the base fee clears the market in USD whatever the token is worth.
 *   load       (r_ai AI + r_bg B(f)) / C, <= u* once the fee is above its floor;
 *   delay      finality_s at any load: a tx that pays the day's fee is taken
 *              in the next block, since the fee, not a queue, rations block
 *              space (a queue's growth with use would also feed yesterday's
 *              congestion into today's market, a two-day cycle);
 *   object     a protocol whose calls write one shared object or account
 *              (Atoma's AtomaDb on Sui) meets that object's budget before the
 *              chain's limit.  object_budget is resource per second the object
 *              admits (Sui: 50% of each commit's execution time, 500,000 us/s;
 *              Solana: 12M CU per 400 ms block per writable account),
 *              object_random_budget a separate, smaller budget for calls that
 *              use on-chain randomness (Sui: 20% of it); each AI tx that writes
 *              the object costs object_tx_cost of it.  AI tx/s admitted:
 *                min(budget / (cost s_obj), random_budget / (cost s_rand))
 *              s_obj the share of AI tx that write the object (settlement.
 *              object_tx_share), s_rand the share that also use randomness.
 *              Transactions over budget are deferred and then cancelled
 *              whatever they bid (priority only orders them; chain_object_
 *              commit is one commit's rule), so no fee clears above the limit
 *              (chain_fee_eq is INFINITY) and the caller's price must ration;
 *              object_limit_day: first day the AI tx at floor fees reach it.
 *   scarcity   fee multiple p / p_ref (f / f_ref in USD on a chain without a
 *              floor); background displaced 1 - B(f)/Bref; AI target share
 *              r_ai AI / (u* C).
 *   days       (NAN while never reached)
 *              exhaustion_day: first day r_ai AI + r_bg B(f) >= C at the day's
 *                fee.  Below the target (u* < 1) the fee clears first, so this
 *                cannot happen; on an auction chain (u* = 1) it is the day the
 *                fee leaves its floor: blocks are full;
 *              latent_exhaustion_day: first day the demand at the reference fee,
 *                the network's offered traffic at floor fees plus Bref, reaches
 *                C: when block space would run out if price did not ration it;
 *              fee_target_day: first day the fee rises above its reference
 *                (demand at the reference fee exceeds u* C);
 *              background_target_day: first day r_bg Bref > u* C (no AI at all),
 *                from the same background path.
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
enum chain_mech { CHAIN_EIP1559 = 0, CHAIN_SUI, CHAIN_SOLANA, CHAIN_APTOS, CHAIN_BITCOIN,
                  CHAIN_BLOB };
enum chain_price { CHAIN_PRICE_TABLE = 0, CHAIN_PRICE_CONSTANT, CHAIN_PRICE_TREND };
#define CHAIN_PX_MAX 64       /* months of a token's price table */

/* The section "settlement": JSON paths $.settlement.<field>. */
struct chain_settle {
	enum chain_design design;     /* design: "per_request" | "stack" */
	double tokens_per_request;    /* tokens (input + output) per request */
	double stack_tokens;          /* tokens per stack (COMPUTE_UNITS_PER_STACK) */
	double request_fixed_tx;      /* tx per request besides commitments */
	double stack_fixed_tx;        /* tx per stack besides commitments and claims */
	double claims_per_tx;         /* stacks one claim tx settles (a vector or a PTB) */
	double random_tx_per_unit;    /* tx per request or stack that use on-chain randomness */
	double object_tx_share;       /* share of settlement tx writing one shared object */
	double tx_bytes;              /* bytes of one settlement tx (reported) */
	enum chain_routing routing_mode; /* routing_mode: "fixed" | "cost" */
	int n_routes;                 /* rows of routing[]: the routing set */
	struct {
		char chain[CHAIN_NAME_MAX]; /* name of a chain in chains[] */
		double share;               /* fixed: share of settlement tx sent to it; sum = 1 */
		double friction_usd;        /* cost: USD per tx added when comparing chains */
		double switch_usd;          /* cost: USD per tx above yesterday's, the same way */
	} routing[CHAIN_MAX];
};

/* One element of the array "chains": $.chains[i].<field>. */
struct chain_spec {
	char name[CHAIN_NAME_MAX];
	enum chain_mech mechanism;    /* fee family: eip1559 | sui | solana | aptos | bitcoin | blob */
	double capacity_tps;          /* sustained capacity, tx/s (observed, not claimed) */
	double claimed_tps;           /* vendor claim, tx/s (reported only) */
	double capacity_growth;       /* per year, fraction (0.2 = +20%/yr) */
	double background_tps;        /* other users' demand at background_date, tx/s */
	double background_growth;     /* per year, fraction */
	double target_utilisation;    /* fee target u*, (0, 1] */
	double base_fee_usd;          /* fee at which background_tps was seen, USD per tx */
	double fee_elasticity;        /* of background demand to the fee, > 0 */
	double finality_s;            /* time to finality when idle, s */
	double bg_tx_units;           /* resource one background tx uses */
	double settle_tx_units;       /* resource one AI settlement tx uses */
	double tx_fixed;              /* token per tx besides the resource (signature, storage, L1 data) */
	double min_unit_price;        /* token per unit of resource: the floor p_min */
	double object_budget;         /* resource/s a shared object admits; 0: no limit */
	double object_random_budget;  /* resource/s for calls using randomness; 0: none apart */
	double object_tx_cost;        /* resource of the object one AI tx uses */
	char data_chain[CHAIN_NAME_MAX]; /* "" or the chain its AI tx post their data to */
	double data_bytes;            /* bytes each AI tx posts there */
	char token[CHAIN_NAME_MAX];   /* column of the price table: sui, eth, sol, apt, btc */
	enum chain_price price_path;  /* table | constant | trend */
	double token_usd;             /* constant or trend: USD per token at token_date */
	double token_growth;          /* trend, and after the table's end: per year */
	char token_date[16];          /* trend: "YYYY-MM-DD" of token_usd */
	char capacity_date[16];       /* "YYYY-MM-DD" of capacity_tps */
	char background_date[16];     /* "YYYY-MM-DD" of background_tps */
	int n_px;                     /* table: months loaded (chain_load_prices) */
	double px_year[CHAIN_PX_MAX], px_usd[CHAIN_PX_MAX];
};

struct chain_params {
	struct chain_settle settle;
	int n_chains;
	struct chain_spec chain[CHAIN_MAX];
	double start_year;            /* calendar year of day 0 (the caller's start date; 2024.0) */
	char prices_csv[128];         /* the token price table, under data/ */
};

/* One chain's day at its equilibrium fee. */
struct chain_day_out {
	double capacity;         /* C / r_bg: background-sized tx/day */
	double target;           /* u* C / r_bg, tx/day */
	double ai_tx;            /* AI settlement tx, tx/day */
	double ai_equiv;         /* r_ai AI / r_bg: background-sized tx/day */
	double ai_latent_tx;     /* AI tx the network would send at floor fees, tx/day */
	double background_ref;   /* Bref: background at the reference fee, tx/day */
	double background_tx;    /* B(f): background at today's fee, tx/day */
	double served;           /* min(ai_equiv + B(f), capacity), tx/day */
	double load;             /* (ai_equiv + B(f)) / capacity */
	double latent_load;      /* (latent ai_equiv + Bref) / capacity, may exceed 1 */
	double utilisation;      /* served / C, [0, 1] */
	double fee_usd;          /* equilibrium fee, USD per AI settlement tx */
	double bg_fee_usd;       /* equilibrium fee, USD per background tx */
	double unit_price;       /* p, token per unit of resource */
	double token_usd;        /* X, USD per token */
	double fee_multiple;     /* fee / f_ref */
	double displaced;        /* 1 - B(f)/Bref, clamped to [0, 1] */
	double ai_target_share;  /* ai_equiv / target */
	double object_load;      /* AI / the object limit; 0 without one */
	double delay_s;          /* mean settlement delay, s */
	double ai_fees_usd;      /* USD/day paid by AI settlement (ai_tx * fee_usd) */
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

/* The settlement's commitment tx per request or stack (verify.h), which set
 * the shares of AI tx that write a shared object: before chain_day. */
void chain_set_commit_tx(chains *c, double commit_tx);
/* Sets day's capacities and background paths; days never go back (the
 * first-day records assume it).  Precedes chain_fee_eq and chain_step. */
void chain_day(chains *c, int day);
/* Chain k's equilibrium fee today with ai_tx AI settlement tx/day: USD per AI
 * tx, >= its floor; INFINITY when r_ai ai_tx >= u* C or above the object limit. */
double chain_fee_eq(const chains *c, int k, double ai_tx);
/* Chain k's reference fee today, USD per background tx: the floor f_min, or
 * base_fee_usd on a chain without one. */
double chain_fee_ref(const chains *c, int k);
/* Chain k's token price in USD at calendar year y (its price path). */
double chain_token_usd(const struct chain_spec *s, double y);
/* AI tx/s chain k's shared object admits (chain.h, "object"); INFINITY
 * without a budget. */
double chain_object_tps(const struct chain_params *p, int k, double commit_tx);
/* Records the day at the equilibrium fees: ai_tx and ai_latent_tx (n_chains,),
 * the AI tx at the solved market and at floor fees; out (n_chains,). */
void chain_step(chains *c, const double *ai_tx, const double *ai_latent_tx,
                struct chain_day_out *out);

/* Cost routing (settlement as opaque block space, taken where it is cheapest):
 * spreads tx_per_day AI settlement tx over the routing set so that every chain
 * that takes some has the same marginal cost per tx, lambda = fee + friction,
 * and every chain that takes none is dearer at its floor (a Wardrop
 * equilibrium).  A chain at marginal cost lambda takes the AI tx whose
 * equilibrium fee is lambda - friction (the closed form of chain_fee_eq
 * inverted, capped by its object limit), nothing below its floor cost; with
 * inertia (switch_usd), the tx beyond what it carried on the last day
 * chain_step recorded cost switch_usd more, so shares move only when another
 * chain is cheaper by more than that; the set's total rises with lambda, so lambda
 * is found by Brent's method, and where it falls on a floor the chains at that
 * floor share the rest.  ai and fee (n_chains,): the allocation (summing to
 * tx_per_day; 0 off the set) and each chain's equilibrium fee.  Returns lambda
 * (USD/tx), or INFINITY when tx_per_day fills the set's targets (ai then holds
 * each target, fee INFINITY on the set). */
double chain_route_cost(const chains *c, double tx_per_day, double *ai, double *fee);

/* USD to settle 10^6 served tokens when chain k charges fee[k] USD per AI tx
 * (routing-weighted); fee (n_chains,). */
double chain_cost_per_mtok(const struct chain_params *p, double commit_tx, const double *fee);
/* Today's floor fees, USD per AI tx, into fee (n_chains,). */
void chain_floor_fees(const chains *c, double *fee);

/* Loads the price table (p->prices_csv under data/) of every chain whose
 * price_path is "table"; a message names the file, the chain and the column. */
sim_status chain_load_prices(struct chain_params *p, const char *src, sim_diag *d) SIM_MUST_CHECK;
const char *chain_mech_name(enum chain_mech m);

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
