/* token.h — tokenomics of the network token: emission, subsidy split, staking,
 * slashing, burns, and the token price, on an exact integer ledger.
 *
 * The coupler (models/network.c) steps it once per simulated day:
 *
 *     struct tok_params p;                       // from tok_parse() or built in code
 *     tok_params_default(&p);                    // baseline (estimate, see below)
 *     tok *t = tok_alloc(&p, &diag);             // NULL + messages if p is invalid
 *     for (int day = 0; day < horizon; day++) {
 *         struct tok_day_in in = { .fees_usd = f, .active_nodes = n,
 *                                  .timeouts = k_to, .malicious = k_mal };
 *         struct tok_day_out o;
 *         if (tok_step(t, day, &in, &o) != SIM_OK) ...;   // SIM_ERANGE: overflow
 *         subsidy_usd = o.to_operators_usd;       // operators' share of the emission
 *     }
 *     tok_free(t);
 *
 * About the ledger: every amount of tokens is an int64_t count of base units
 * (10^decimals base units = 1 token, like Sui's 10^9 MIST per SUI), so that
 *     supply == genesis + minted - burned
 *     minted == to_operators + to_treasury + to_others
 *     burned == fee_burned + buyback_burned + slash_burned
 *     slashed == slash_to_user + slash_to_treasury + slash_to_honest
 *                + slash_to_oracle + slash_burned
 * hold exactly; tok_step asserts them (SIM_ASSERT) after every day.  The
 * emission schedule is a real-valued cumulative curve E(t) (tokens minted by
 * the end of day t) held in long double; the day's mint is
 * round(E(t)) - round(E(t-1)) base units, so the integer sum telescopes and the
 * total minted never drifts from the curve by more than half a base unit (a
 * Bitcoin-like schedule ends at 21M to within one base unit).
 *
 * About emission designs (enum tok_emission; rates per year use
 * TOK_DAYS_PER_YEAR = 365.25 days; "cap" = max_emission, 0 = none):
 *   NONE       nothing is minted;
 *   INFLATION  fixed annual inflation of the current supply:
 *              mint/day = supply * ((1 + inflation_per_year)^(1/365.25) - 1);
 *   DECAY      exponential decay (io.net): rate(t) = initial_per_year *
 *              exp(-decay_per_year * t_years), E(t) = initial/decay * (1 - e^-decay t);
 *   HALVING_TIME      Bitcoin: rate halves every halving_period_days;
 *              asymptote 2 * initial_per_day * halving_period_days;
 *   HALVING_ISSUANCE  Bittensor: rate halves each time the net issuance
 *              (minted - burned, burned tokens are "recycled") crosses
 *              cap*(1 - 2^-k), k = 1, 2, ...; needs a cap;
 *   TABLE      a piecewise-constant schedule of (from_day, tokens_per_day) rows.
 * Every design stops at the cap: minted never exceeds max_emission, except
 * HALVING_ISSUANCE, where the cap bounds the net issuance minted - burned
 * (burned tokens are re-emitted, as Bittensor recycles them).
 *
 * About the price (enum tok_price): CONSTANT P0; EXP P0 (1+g)^(t/365.25);
 * TABLE linear interpolation of (day, usd) rows, flat beyond the ends;
 * MARKET a clearing model: each day the protocol's token buy flow B (USD:
 * fees paid in tokens, buy-and-burn, new collateral) and sell flow S (tokens:
 * operators sell sell_share of their emission and of their token fee income;
 * released collateral is sold) meet a background market that
 * turns over a share turnover_per_day of the market cap on both sides
 * (L = turnover * supply * P, in USD).  The clearing price is
 *     P* = P * (L + B) / (L + S * P)
 * and the price moves part of the way, in logarithms, while it reverts to a
 * valuation anchor V:
 *     ln P' = ln P + adjustment (ln P* - ln P) + anchor_reversion (ln V - ln P),
 *     V = anchor_multiple x F / supply,
 * F the fees users paid over the last 365 days (USD, annualised while the run
 * is younger than a year): holders value the token at a multiple of the
 * network's fee revenue, as markets value comparable networks.  Without the
 * anchor a lasting imbalance of buys over sells would raise the price every
 * day without bound.  No fees yet: no anchor that day.  P' is then kept in
 * [min_usd, max_usd].  With no protocol flows and no fees P' = P; with
 * constant fees and no flows ln P - ln V shrinks by (1 - anchor_reversion) a
 * day (tests/test_token.c).
 * The day's conversions use the price at the start of the day; the market
 * update sets the next day's price.
 *
 * About slashing: a timeout takes timeout_fraction of one node's collateral;
 * a detected malicious node loses malicious_fraction (1 = all, whitepaper
 * §2.2).  The slashed amount is split by the shares in struct tok_slash_split
 * (user, treasury, honest nodes, oracle), the remainder is burned.  Staked
 * collateral is active_nodes * collateral_per_node (tokens locked, still part
 * of the supply); when it rises the difference is bought on the market.
 *
 * No emission schedule is published for Atoma (TOMA, reference domain.md
 * §3.4): tok_params_default() is an ESTIMATE shaped on io.net's decaying
 * emission (the closest published compute-network design), see
 * scenarios/schema/token.json and docs/models.md "Tokenomics".
 */
#ifndef DAIS_TOKEN_H
#define DAIS_TOKEN_H

#include <stdint.h>

#include "sim/scn.h"
#include "sim/status.h"

#define TOK_DAYS_PER_YEAR 365.25
#define TOK_TABLE_MAX     1024   /* rows of an emission or price table */
#define TOK_DECIMALS_MAX  12

enum tok_emission {
	TOK_EMIT_NONE = 0,
	TOK_EMIT_INFLATION,
	TOK_EMIT_DECAY,
	TOK_EMIT_HALVING_TIME,
	TOK_EMIT_HALVING_ISSUANCE,
	TOK_EMIT_TABLE
};

enum tok_price { TOK_PRICE_CONSTANT = 0, TOK_PRICE_EXP, TOK_PRICE_TABLE, TOK_PRICE_MARKET };

struct tok_row {
	double day;    /* days since the start of the run */
	double value;  /* tokens/day (emission table) or USD/token (price table) */
};

/* How a slashed amount is shared; the remainder (1 - sum) is burned. */
struct tok_slash_split {
	double user;       /* share to the affected user, 0..1 */
	double treasury;   /* share to the protocol treasury */
	double honest;     /* share to honest (attesting) nodes */
	double oracle;     /* share to the dispute oracle */
};

/* All parameters; plain data, copy freely.  JSON paths are $.token.<field>
 * with the dots shown in the comments. */
struct tok_params {
	int decimals;                  /* base units per token = 10^decimals (token.decimals) */
	double genesis_tokens;         /* supply at day 0, tokens (token.genesis_supply) */

	/* token.emission.* */
	enum tok_emission emission;    /* token.emission.design */
	double max_emission_tokens;    /* cap on tokens ever minted; 0 = no cap */
	double inflation_per_year;     /* INFLATION: fraction of supply per year */
	double initial_per_day;        /* DECAY/HALVING_*: emission at day 0, tokens/day */
	double decay_per_year;         /* DECAY: continuous decay rate, 1/year */
	double halving_period_days;    /* HALVING_TIME: days between halvings */
	int n_table;                   /* TABLE: rows used in table[] */
	struct tok_row table[TOK_TABLE_MAX]; /* TABLE: (from_day, tokens/day), ascending days */

	/* token.split.*: shares of each day's emission; others = 1 - operators - treasury */
	double share_operators;        /* to node operators (the hardware subsidy) */
	double share_treasury;         /* to the community treasury */

	/* token.staking.* and token.slashing.* */
	double collateral_per_node;    /* tokens locked per active node */
	double timeout_fraction;       /* of one node's collateral per timeout */
	double malicious_fraction;     /* of one node's collateral per detected cheat */
	struct tok_slash_split timeout_split;
	struct tok_slash_split malicious_split;

	/* token.burn.* */
	double fees_in_token_share;    /* share of fee volume paid in the token */
	double fee_burn_share;         /* share of token-paid fees burned */
	double buyback_share;          /* share of all fee revenue (USD) used to buy and burn */

	/* token.price.* */
	enum tok_price price;          /* token.price.model */
	double price0_usd;             /* USD/token at day 0 */
	double price_growth_per_year;  /* EXP: fractional growth per year (-0.5 = halves yearly) */
	int n_price_table;
	struct tok_row price_table[TOK_TABLE_MAX]; /* TABLE: (day, USD/token), ascending days */
	double sell_share;             /* MARKET: share of operator emission sold the same day */
	double turnover_per_day;       /* MARKET: background volume / market cap, 1/day */
	double adjustment;             /* MARKET: fraction of the gap to P* closed per day, (0, 1] */
	double anchor_multiple;        /* MARKET: V = this x trailing-year fees / supply; 0: none */
	double anchor_reversion;       /* MARKET: fraction of the log gap to V closed per day */
	double price_min_usd;          /* MARKET: floor, USD/token */
	double price_max_usd;          /* MARKET: ceiling, USD/token */
};

/* What the coupler gives each day. */
struct tok_day_in {
	double fees_usd;        /* fee revenue paid by users today, USD/day */
	double active_nodes;    /* nodes holding collateral at the end of the day */
	int64_t timeouts;       /* timeout slashes today (events) */
	int64_t malicious;      /* detected malicious nodes today (events) */
};

/* What one day produced; tokens as doubles for convenience (the exact values
 * are in struct tok_ledger). */
struct tok_day_out {
	double price_usd;           /* USD/token used for today's conversions */
	double next_price_usd;      /* USD/token for tomorrow (market update) */
	double minted;              /* tokens minted today */
	double to_operators;        /* tokens to operators today */
	double to_operators_usd;    /* the same valued at price_usd, USD/day */
	double to_treasury;         /* tokens */
	double to_others;           /* tokens */
	double burned;              /* tokens burned today (fees, buy-back, slashing) */
	double slashed;             /* tokens slashed today */
	double slashed_usd;         /* USD value of today's slashes */
	double supply;              /* tokens at the end of the day */
	double staked;              /* tokens locked as collateral at the end of the day */
	double inflation_annual;    /* (minted - burned)/supply * 365.25, 1/year */
};

/* The exact ledger, in base units. */
struct tok_ledger {
	int64_t genesis, minted, burned, supply;
	int64_t to_operators, to_treasury, to_others;
	int64_t staked;
	int64_t fee_burned, buyback_burned, slash_burned;
	int64_t slashed, slash_to_user, slash_to_treasury, slash_to_honest, slash_to_oracle;
};

typedef struct tok tok;

/* The baseline parameters (an estimate; sources in token.json). */
void tok_params_default(struct tok_params *p);

/* Fills p from the scenario's "token" section (after scn_load validated each
 * key), loading token.emission.table_csv / token.price.table_csv under data/
 * when set, then runs tok_check.  Every problem is appended to d. */
sim_status tok_parse(struct tok_params *p, const scn *s, sim_diag *d) SIM_MUST_CHECK;

/* Checks every field and the rules across fields; each problem is one message
 * "<src>: $.token.<path>: <what>" appended to d.  src names the scenario
 * (or "<params>" for params built in code). */
sim_status tok_check(const struct tok_params *p, const char *src, sim_diag *d) SIM_MUST_CHECK;

/* Allocates the state at day 0 (supply = genesis); NULL if p fails tok_check
 * (messages in d, src "<params>") or on allocation failure. */
tok *tok_alloc(const struct tok_params *p, sim_diag *d);
void tok_free(tok *t);  /* NULL is a no-op */

/* Advances one day.  day must be 0 on the first call and grow by one; the
 * inputs must be finite and >= 0 (asserted).
 * Returns SIM_ERANGE (and changes nothing) when a balance would overflow
 * int64 base units. */
sim_status tok_step(tok *t, int day, const struct tok_day_in *in,
                    struct tok_day_out *out) SIM_MUST_CHECK;

void tok_get_ledger(const tok *t, struct tok_ledger *l);
double tok_price_usd(const tok *t);       /* price for the next step, USD/token */
double tok_supply(const tok *t);          /* tokens */
int64_t tok_base_units(const tok *t);     /* base units per token */

/* The ideal cumulative emission E(day) of a schedule in tokens, ignoring burns
 * and the INFLATION design (which depends on the supply path); for tests and
 * plots.  Continuous in day; E(0) = 0. */
double tok_schedule_cumulative(const struct tok_params *p, double day);

const char *tok_emission_name(enum tok_emission e);
const char *tok_price_name(enum tok_price m);

#endif
