/* chain.c — settlement transactions per token, and each settlement chain's
 * daily capacity, background demand, equilibrium fee, delay and scarcity
 * dates (see chain.h for the model). */
#include "chain.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blockrule.h"
#include "registry.h"
#include "sim/csv.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>

struct chains {
	struct chain_params p;
	int day, next_day;
	double cap[CHAIN_MAX];        /* today's C / r_bg, background-sized tx/day */
	double bref[CHAIN_MAX];       /* today's background at the reference fee, tx/day */
	double b0[CHAIN_MAX];         /* today's background at base_fee_usd, tx/day */
	double x[CHAIN_MAX];          /* today's token price, USD */
	double fmin[CHAIN_MAX];       /* today's floor, USD per background tx */
	double fref[CHAIN_MAX];       /* today's reference fee, USD per background tx */
	double w[CHAIN_MAX];          /* r_ai / r_bg */
	double rai[CHAIN_MAX];        /* r_ai: settle_tx_units, or on a data chain its user's data_bytes */
	int data[CHAIN_MAX];          /* index of the chain's data chain, -1 */
	int user[CHAIN_MAX];          /* on a data chain, the chain posting to it, -1 */
	double objcap[CHAIN_MAX];     /* AI tx/day the shared object admits, INFINITY */
	double exhaust[CHAIN_MAX];    /* the four days of chain.h, NAN */
	double latent[CHAIN_MAX];
	double target[CHAIN_MAX];
	double bg_target[CHAIN_MAX];
	double object_day[CHAIN_MAX]; /* first day the latent AI tx reach the object limit */
	double cap_year[CHAIN_MAX];   /* calendar years of capacity_date, background_date */
	double bg_year[CHAIN_MAX];
	struct chain_day_out set;     /* the routing set's day */
	double set_days[4];           /* its exhaustion, latent, target, background-only days */
	int in_set[CHAIN_MAX];        /* 1 when a routing row names the chain */
	double friction[CHAIN_MAX];   /* its friction_usd */
	double sw[CHAIN_MAX];         /* its switch_usd */
	double prev[CHAIN_MAX];       /* yesterday's AI tx (routing inertia) */
};

const char *chain_design_name(enum chain_design d)
{
	return d == CHAIN_STACK ? "stack" : d == CHAIN_PER_REQUEST ? "per_request" : "?";
}

static const char *const mech_names[] = { "eip1559", "sui", "solana", "aptos", "bitcoin",
                                          "blob" };

/* The family's target when the scenario gives none: EIP-1559 aims at half the
 * gas limit, EIP-4844 at 2/3 of the blob maximum; a posted price is bid up
 * only when blocks are full. */
static double family_target(enum chain_mech m)
{
	return m == CHAIN_EIP1559 ? 0.5 : m == CHAIN_BLOB ? 2.0 / 3.0 : 1.0;
}
static const char *const price_names[] = { "table", "constant", "trend" };
#define NMECH (int)(sizeof mech_names / sizeof *mech_names)
#define NPRICE (int)(sizeof price_names / sizeof *price_names)

/* The index of s in names, -1 (which the checks refuse) when it is not there. */
static int name_index(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

const char *chain_mech_name(enum chain_mech m)
{
	return (unsigned)m < (unsigned)NMECH ? mech_names[m] : "?";
}

/* ------------------------------------------------------------------ settlement */

double chain_units_per_token(const struct chain_settle *s)
{
	return s->design == CHAIN_STACK ? 1.0 / s->stack_tokens : 1.0 / s->tokens_per_request;
}

/* Settlement tx per request or stack. */
static double tx_per_unit(const struct chain_settle *s, double commit_tx)
{
	double fixed = s->design == CHAIN_STACK ? s->stack_fixed_tx + 1.0 / s->claims_per_tx
	                                        : s->request_fixed_tx;
	return fixed + commit_tx;
}

double chain_tx_per_token(const struct chain_settle *s, double commit_tx)
{
	return tx_per_unit(s, commit_tx) * chain_units_per_token(s);
}

double chain_object_tps(const struct chain_params *p, int k, double commit_tx)
{
	const struct chain_spec *c = &p->chain[k];
	const struct chain_settle *s = &p->settle;
	double n = tx_per_unit(s, commit_tx);
	double s_rand = s->random_tx_per_unit / n;
	if (s_rand > s->object_tx_share)
		s_rand = s->object_tx_share;       /* a random call writes the object too */
	return blk_object_tps(c->object_budget, c->object_random_budget, c->object_tx_cost,
	                      s->object_tx_share, s_rand);
}

int chain_index(const struct chain_params *p, const char *name)
{
	for (int k = 0; k < p->n_chains; k++)
		if (strcmp(p->chain[k].name, name) == 0)
			return k;
	return -1;
}

void chain_route(const struct chain_params *p, double tx_per_day, double *out)
{
	for (int k = 0; k < p->n_chains; k++)
		out[k] = 0;
	for (int i = 0; i < p->settle.n_routes; i++) {
		int k = chain_index(p, p->settle.routing[i].chain);
		SIM_ASSERT(k >= 0);
		out[k] += tx_per_day * p->settle.routing[i].share;
	}
}

/* ------------------------------------------------------------------ defaults */

static struct chain_spec spec(const char *name, enum chain_mech m, double cap,
                              const char *cap_date, double claim, double capg, double bg,
                              const char *bg_date, double bgg, double fee, double fin)
{
	struct chain_spec c = {
		.mechanism = m, .capacity_tps = cap, .claimed_tps = claim, .capacity_growth = capg,
		.background_tps = bg, .background_growth = bgg,
		.target_utilisation = family_target(m),
		.base_fee_usd = fee, .fee_elasticity = 0.5, .finality_s = fin,
		.price_path = CHAIN_PRICE_TABLE,
	};
	snprintf(c.name, sizeof c.name, "%s", name);
	snprintf(c.capacity_date, sizeof c.capacity_date, "%s", cap_date);
	snprintf(c.background_date, sizeof c.background_date, "%s", bg_date);
	snprintf(c.token_date, sizeof c.token_date, "%s", "2024-01-01");
	return c;
}

static void fees(struct chain_spec *c, const char *token, double bg_units, double ai_units,
                 double fixed, double pmin)
{
	snprintf(c->token, sizeof c->token, "%s", token);
	c->bg_tx_units = bg_units;
	c->settle_tx_units = ai_units;
	c->tx_fixed = fixed;
	c->min_unit_price = pmin;
}

void chain_params_default(struct chain_params *p)
{
	memset(p, 0, sizeof *p);
	p->start_year = 2024.0;
	snprintf(p->prices_csv, sizeof p->prices_csv, "chains/token_prices.csv");
	struct chain_settle *s = &p->settle;
	s->design = CHAIN_STACK;           /* atoma-contracts 2025 (v2) */
	s->tokens_per_request = 284;       /* LMSYS-Chat-1M 69.5 + 214.5 */
	s->stack_tokens = 1e6;             /* COMPUTE_UNITS_PER_STACK */
	s->request_fixed_tx = 1;           /* v1: gate::submit_text2text_prompt */
	s->stack_fixed_tx = 1;             /* v2: acquire_new_stack_entry */
	s->claims_per_tx = 1;              /* one claim_funds per stack (estimate) */
	s->random_tx_per_unit = 2;         /* acquire_new_stack_entry, try_settle_stack take &Random */
	s->object_tx_share = 0;            /* state sharded: no one object binds (see chains.json) */
	s->tx_bytes = 500;                 /* estimate */
	s->n_routes = 1;
	snprintf(s->routing[0].chain, CHAIN_NAME_MAX, "sui");
	s->routing[0].share = 1.0;
	/* Sources and dates: data/chains/chains_baseline.csv and the schema's
	 * chains.json (derived from the reference). */
	struct chain_spec *c = p->chain;
	c[0] = spec("sui", CHAIN_SUI, 854, "2023-07-15", 297000, 0.2, 172.4, "2025-04-01", 0.3,
	            0.0027, 0.48);
	fees(&c[0], "sui", 1000, 1000, 9.88e-6, 7.5e-7);
	c[0].object_budget = 500000;       /* us/s: 50% of each commit's time */
	c[0].object_random_budget = 100000;
	c[0].object_tx_cost = 1000;        /* us: the 1 ms default per MoveCall */
	c[1] = spec("ethereum_l1", CHAIN_EIP1559, 22.8, "2024-05-15", 119, 0.175, 14.2,
	            "2024-06-15", 0.1, 0.5, 768);
	fees(&c[1], "eth", 110000, 110000, 0, 0);
	c[2] = spec("solana", CHAIN_SOLANA, 1504, "2024-04-06", 65000, 0.25, 292, "2024-02-15", 0.2,
	            0.0015, 12.8);
	fees(&c[2], "sol", 80000, 80000, 5e-6, 0);
	c[2].object_budget = 30e6;         /* CU/s: 12M per writable account per 0.4 s block */
	c[2].object_tx_cost = 80000;
	c[3] = spec("base", CHAIN_EIP1559, 293, "2024-06-01", 1429, 0.5, 26.4, "2024-06-01", 0.3,
	            0.01, 2);
	fees(&c[3], "eth", 100000, 100000, 2e-8, 2e-13);
	snprintf(c[3].data_chain, CHAIN_NAME_MAX, "ethereum_blobs");
	c[3].data_bytes = 200;             /* a 500-byte tx compressed by the batcher (estimate) */
	c[4] = spec("bitcoin", CHAIN_BITCOIN, 10.7, "2024-04-23", 7, 0, 6.57, "2024-01-01", 0,
	            0.87, 3600);
	fees(&c[4], "btc", 156, 156, 0, 1e-8);
	c[5] = spec("aptos", CHAIN_APTOS, 1336, "2024-05-25", 160000, 0.2, 19.3, "2024-05-15", 0.2,
	            0.001, 0.9);
	fees(&c[5], "apt", 100, 100, 0, 1e-6);
	/* a blob a "tx": BPO2's 21 blobs per 12 s block (EIP-8135) */
	c[6] = spec("ethereum_blobs", CHAIN_BLOB, 1.75, "2026-01-07", 1.75, 0.99, 0.4, "2025-06-01",
	            0.5, 0.01, 768);
	fees(&c[6], "eth", 131072, 131072, 0, 0);
	p->n_chains = 7;
}

/* ------------------------------------------------------------------ checks */

#define CHECK(cond, fmt, ...) do { if (!(cond)) { \
	diag_add(d, "%s: " fmt, src, __VA_ARGS__); nerr++; } } while (0)

sim_status chain_check(const struct chain_params *p, const char *src, sim_diag *d)
{
	int nerr = 0;
	if (!src)
		src = "<params>";
	const struct chain_settle *s = &p->settle;
	CHECK(s->design == CHAIN_PER_REQUEST || s->design == CHAIN_STACK,
	      "$.settlement.design: unknown design %d", (int)s->design);
	CHECK(s->tokens_per_request > 0 && isfinite(s->tokens_per_request),
	      "$.settlement.tokens_per_request: must be > 0, got %g", s->tokens_per_request);
	CHECK(s->stack_tokens > 0 && isfinite(s->stack_tokens),
	      "$.settlement.stack_tokens: must be > 0, got %g", s->stack_tokens);
	CHECK(s->request_fixed_tx >= 0, "$.settlement.request_fixed_tx: must be >= 0, got %g",
	      s->request_fixed_tx);
	CHECK(s->stack_fixed_tx >= 0, "$.settlement.stack_fixed_tx: must be >= 0, got %g",
	      s->stack_fixed_tx);
	CHECK(s->claims_per_tx >= 1 && s->claims_per_tx <= 1e6,
	      "$.settlement.claims_per_tx: must be in [1, 1e6], got %g", s->claims_per_tx);
	CHECK(s->random_tx_per_unit >= 0 && isfinite(s->random_tx_per_unit),
	      "$.settlement.random_tx_per_unit: must be >= 0, got %g", s->random_tx_per_unit);
	CHECK(s->object_tx_share >= 0 && s->object_tx_share <= 1,
	      "$.settlement.object_tx_share: must be in [0, 1], got %g", s->object_tx_share);
	CHECK(s->tx_bytes >= 0, "$.settlement.tx_bytes: must be >= 0, got %g", s->tx_bytes);

	CHECK(p->n_chains >= 1 && p->n_chains <= CHAIN_MAX,
	      "$.chains: needs 1 to %d chains, got %d", CHAIN_MAX, p->n_chains);
	for (int k = 0; k < p->n_chains && k < CHAIN_MAX; k++) {
		const struct chain_spec *c = &p->chain[k];
		CHECK(c->name[0] != '\0', "$.chains[%d].name: must not be empty%s", k, "");
		for (int j = 0; j < k; j++)
			CHECK(strcmp(p->chain[j].name, c->name) != 0,
			      "$.chains[%d].name: duplicate name '%s'", k, c->name);
		CHECK(c->capacity_tps > 0 && isfinite(c->capacity_tps),
		      "$.chains[%d].capacity_tps: must be > 0, got %g", k, c->capacity_tps);
		CHECK(c->claimed_tps >= 0, "$.chains[%d].claimed_tps: must be >= 0, got %g", k,
		      c->claimed_tps);
		CHECK(c->capacity_growth > -1 && c->capacity_growth <= 100,
		      "$.chains[%d].capacity_growth: must be in (-1, 100], got %g", k,
		      c->capacity_growth);
		CHECK(c->background_tps >= 0 && isfinite(c->background_tps),
		      "$.chains[%d].background_tps: must be >= 0, got %g", k, c->background_tps);
		CHECK(c->background_growth > -1 && c->background_growth <= 100,
		      "$.chains[%d].background_growth: must be in (-1, 100], got %g", k,
		      c->background_growth);
		CHECK(c->mechanism >= CHAIN_EIP1559 && c->mechanism <= CHAIN_BLOB,
		      "$.chains[%d].mechanism: unknown mechanism %d", k, (int)c->mechanism);
		CHECK(c->target_utilisation > 0 && c->target_utilisation <= 1,
		      "$.chains[%d].target_utilisation: must be in (0, 1], got %g", k,
		      c->target_utilisation);
		CHECK(c->base_fee_usd > 0 && isfinite(c->base_fee_usd),
		      "$.chains[%d].base_fee_usd: must be > 0, got %g", k, c->base_fee_usd);
		CHECK(c->bg_tx_units > 0 && isfinite(c->bg_tx_units),
		      "$.chains[%d].bg_tx_units: must be > 0, got %g", k, c->bg_tx_units);
		CHECK(c->settle_tx_units > 0 && isfinite(c->settle_tx_units),
		      "$.chains[%d].settle_tx_units: must be > 0, got %g", k, c->settle_tx_units);
		CHECK(c->tx_fixed >= 0 && isfinite(c->tx_fixed),
		      "$.chains[%d].tx_fixed: must be >= 0, got %g", k, c->tx_fixed);
		CHECK(c->min_unit_price >= 0 && isfinite(c->min_unit_price),
		      "$.chains[%d].min_unit_price: must be >= 0, got %g", k, c->min_unit_price);
		CHECK(c->object_budget >= 0 && isfinite(c->object_budget),
		      "$.chains[%d].object_budget: must be >= 0, got %g", k, c->object_budget);
		CHECK(c->object_random_budget >= 0 && isfinite(c->object_random_budget),
		      "$.chains[%d].object_random_budget: must be >= 0, got %g", k,
		      c->object_random_budget);
		CHECK(c->object_tx_cost >= 0 && isfinite(c->object_tx_cost),
		      "$.chains[%d].object_tx_cost: must be >= 0, got %g", k, c->object_tx_cost);
		CHECK(c->object_budget == 0 || c->object_tx_cost > 0,
		      "$.chains[%d].object_tx_cost: must be > 0 with an object_budget, got %g", k,
		      c->object_tx_cost);
		CHECK(c->data_bytes >= 0 && isfinite(c->data_bytes),
		      "$.chains[%d].data_bytes: must be >= 0, got %g", k, c->data_bytes);
		if (c->data_chain[0]) {
			int dk = chain_index(p, c->data_chain);
			CHECK(dk >= 0 && dk != k,
			      "$.chains[%d].data_chain: no other chain named '%s'", k, c->data_chain);
			CHECK(c->data_bytes > 0,
			      "$.chains[%d].data_bytes: must be > 0 with a data_chain, got %g", k,
			      c->data_bytes);
			for (int j = 0; j < k; j++)
				CHECK(strcmp(p->chain[j].data_chain, c->data_chain) != 0,
				      "$.chains[%d].data_chain: '%s' already holds the data of '%s'", k,
				      c->data_chain, p->chain[j].name);
			for (int i = 0; dk >= 0 && i < p->settle.n_routes && i < CHAIN_MAX; i++)
				CHECK(strcmp(p->settle.routing[i].chain, c->data_chain) != 0,
				      "$.settlement.routing[%d].chain: '%s' is %s's data chain, not a "
				      "settlement chain", i, c->data_chain, c->name);
			CHECK(dk < 0 || !p->chain[dk].data_chain[0],
			      "$.chains[%d].data_chain: '%s' posts its own data elsewhere", k,
			      c->data_chain);
		}
		CHECK(c->price_path >= CHAIN_PRICE_TABLE && c->price_path <= CHAIN_PRICE_TREND,
		      "$.chains[%d].price_path: unknown path %d", k, (int)c->price_path);
		CHECK(c->price_path != CHAIN_PRICE_TABLE || c->n_px > 0,
		      "$.chains[%d].token: no price table loaded for '%s'", k, c->token);
		CHECK(c->price_path == CHAIN_PRICE_TABLE || (c->token_usd > 0 && isfinite(c->token_usd)),
		      "$.chains[%d].token_usd: must be > 0 with price_path constant or trend, got %g",
		      k, c->token_usd);
		CHECK(c->token_growth > -1 && c->token_growth <= 100,
		      "$.chains[%d].token_growth: must be in (-1, 100], got %g", k, c->token_growth);
		CHECK(c->price_path != CHAIN_PRICE_TREND || !isnan(csv_date_year(c->token_date)),
		      "$.chains[%d].token_date: expected a date YYYY-MM-DD, got '%s'", k,
		      c->token_date);
		/* an inelastic background above the target has no equilibrium fee */
		CHECK(c->fee_elasticity > 0 && c->fee_elasticity <= 10,
		      "$.chains[%d].fee_elasticity: must be in (0, 10], got %g", k,
		      c->fee_elasticity);
		CHECK(!isnan(csv_date_year(c->capacity_date)),
		      "$.chains[%d].capacity_date: expected a date YYYY-MM-DD, got '%s'", k,
		      c->capacity_date);
		CHECK(!isnan(csv_date_year(c->background_date)),
		      "$.chains[%d].background_date: expected a date YYYY-MM-DD, got '%s'", k,
		      c->background_date);
		CHECK(c->finality_s >= 0 && isfinite(c->finality_s),
		      "$.chains[%d].finality_s: must be >= 0, got %g", k, c->finality_s);
	}

	CHECK(s->n_routes >= 1 && s->n_routes <= CHAIN_MAX,
	      "$.settlement.routing: needs 1 to %d rows, got %d", CHAIN_MAX, s->n_routes);
	double sum = 0;
	for (int i = 0; i < s->n_routes && i < CHAIN_MAX; i++) {
		if (chain_index(p, s->routing[i].chain) < 0) {
			char names[CHAIN_MAX * (CHAIN_NAME_MAX + 2)] = "";
			for (int k = 0; k < p->n_chains && k < CHAIN_MAX; k++) {
				strcat(names, k ? ", " : "");
				strcat(names, p->chain[k].name);
			}
			CHECK(0, "$.settlement.routing[%d].chain: unknown chain '%s' (chains: %s)", i,
			      s->routing[i].chain, names);
		}
		CHECK(s->routing[i].share >= 0 && s->routing[i].share <= 1,
		      "$.settlement.routing[%d].share: must be in [0, 1], got %g", i,
		      s->routing[i].share);
		sum += s->routing[i].share;
	}
	if (s->routing_mode == CHAIN_ROUTE_FIXED)
		CHECK(fabs(sum - 1.0) <= 1e-9, "$.settlement.routing: shares must sum to 1, got %g", sum);
	for (int i = 0; i < s->n_routes && i < CHAIN_MAX; i++) {
		CHECK(s->routing[i].friction_usd >= 0 && isfinite(s->routing[i].friction_usd),
		      "$.settlement.routing[%d].friction_usd: must be >= 0, got %g", i,
		      s->routing[i].friction_usd);
		CHECK(s->routing[i].switch_usd >= 0 && isfinite(s->routing[i].switch_usd),
		      "$.settlement.routing[%d].switch_usd: must be >= 0, got %g", i,
		      s->routing[i].switch_usd);
		for (int j = 0; j < i; j++)
			CHECK(strcmp(s->routing[i].chain, s->routing[j].chain) != 0,
			      "$.settlement.routing[%d].chain: '%s' is already in the routing set", i,
			      s->routing[i].chain);
	}
	return nerr ? SIM_EINVAL : SIM_OK;
}

#undef CHECK

/* ------------------------------------------------------------------ scenario */

sim_status chain_parse(struct chain_params *p, const scn *s, sim_diag *d)
{
	chain_params_default(p);
	struct chain_settle *st = &p->settle;
	const char *des = scn_str(s, "settlement.design");
	if (strcmp(des, "stack") == 0)
		st->design = CHAIN_STACK;
	else if (strcmp(des, "per_request") == 0)
		st->design = CHAIN_PER_REQUEST;
	else {
		diag_add(d, "%s: $.settlement.design: unknown design '%s'", scn_path(s), des);
		return SIM_EINVAL;
	}
	st->routing_mode = strcmp(scn_str(s, "settlement.routing_mode"), "cost") == 0
		? CHAIN_ROUTE_COST : CHAIN_ROUTE_FIXED;
	st->tokens_per_request = scn_num(s, "settlement.tokens_per_request");
	st->stack_tokens = scn_num(s, "settlement.stack_tokens");
	st->request_fixed_tx = scn_num(s, "settlement.request_fixed_tx");
	st->stack_fixed_tx = scn_num(s, "settlement.stack_fixed_tx");
	st->claims_per_tx = scn_num(s, "settlement.claims_per_tx");
	st->random_tx_per_unit = scn_num(s, "settlement.random_tx_per_unit");
	st->object_tx_share = scn_num(s, "settlement.object_tx_share");
	st->tx_bytes = scn_num(s, "settlement.tx_bytes");
	char key[128];
	int nr = scn_len(s, "settlement.routing");
	if (nr > CHAIN_MAX) {
		diag_add(d, "%s: $.settlement.routing: at most %d rows, got %d", scn_path(s),
		         CHAIN_MAX, nr);
		return SIM_EINVAL;
	}
	st->n_routes = nr;
	for (int i = 0; i < nr; i++) {
		snprintf(key, sizeof key, "settlement.routing[%d].chain", i);
		snprintf(st->routing[i].chain, CHAIN_NAME_MAX, "%s", scn_str(s, key));
		snprintf(key, sizeof key, "settlement.routing[%d].share", i);
		st->routing[i].share = scn_num(s, key);
		snprintf(key, sizeof key, "settlement.routing[%d].friction_usd", i);
		st->routing[i].friction_usd = scn_num(s, key);
		snprintf(key, sizeof key, "settlement.routing[%d].switch_usd", i);
		st->routing[i].switch_usd = scn_num(s, key);
	}
	int n = scn_len(s, "chains");
	if (n > CHAIN_MAX) {
		diag_add(d, "%s: $.chains: at most %d chains, got %d", scn_path(s), CHAIN_MAX, n);
		return SIM_EINVAL;
	}
	p->n_chains = n;
	for (int k = 0; k < n; k++) {
		struct chain_spec *c = &p->chain[k];
#define NUM(field, name) (snprintf(key, sizeof key, "chains[%d]." name, k), \
                          c->field = scn_num(s, key))
		snprintf(key, sizeof key, "chains[%d].name", k);
		const char *nm = scn_str(s, key);
		if (strlen(nm) >= CHAIN_NAME_MAX) {
			diag_add(d, "%s: $.chains[%d].name: at most %d characters, got '%s'",
			         scn_path(s), k, CHAIN_NAME_MAX - 1, nm);
			return SIM_EINVAL;
		}
		snprintf(c->name, CHAIN_NAME_MAX, "%s", nm);
		NUM(capacity_tps, "capacity_tps");
		NUM(claimed_tps, "claimed_tps");
		NUM(capacity_growth, "capacity_growth");
		NUM(background_tps, "background_tps");
		NUM(background_growth, "background_growth");
		NUM(base_fee_usd, "base_fee_usd");
		NUM(fee_elasticity, "fee_elasticity");
		NUM(finality_s, "finality_s");
		NUM(bg_tx_units, "bg_tx_units");
		NUM(settle_tx_units, "settle_tx_units");
		NUM(tx_fixed, "tx_fixed");
		NUM(min_unit_price, "min_unit_price");
		NUM(object_budget, "object_budget");
		NUM(object_random_budget, "object_random_budget");
		NUM(object_tx_cost, "object_tx_cost");
		NUM(data_bytes, "data_bytes");
		NUM(token_usd, "token_usd");
		NUM(token_growth, "token_growth");
#undef NUM
#define STR(field, name) (snprintf(key, sizeof key, "chains[%d]." name, k), \
                          snprintf(c->field, sizeof c->field, "%s", scn_str(s, key)))
		STR(capacity_date, "capacity_date");
		STR(background_date, "background_date");
		STR(token_date, "token_date");
		STR(token, "token");
		STR(data_chain, "data_chain");
#undef STR
		snprintf(key, sizeof key, "chains[%d].mechanism", k);
		c->mechanism = (enum chain_mech)name_index(mech_names, NMECH, scn_str(s, key));
		/* the family's target unless the scenario gives one */
		snprintf(key, sizeof key, "chains[%d].target_utilisation", k);
		double u = scn_num(s, key);
		c->target_utilisation = u > 0 ? u : family_target(c->mechanism);
		snprintf(key, sizeof key, "chains[%d].price_path", k);
		c->price_path = (enum chain_price)name_index(price_names, NPRICE, scn_str(s, key));
	}
	if (chain_load_prices(p, scn_path(s), d) != SIM_OK)
		return SIM_EINVAL;
	return chain_check(p, scn_path(s), d);
}

sim_status chain_load_prices(struct chain_params *p, const char *src, sim_diag *d)
{
	int need = 0;
	for (int k = 0; k < p->n_chains; k++)
		need |= p->chain[k].price_path == CHAIN_PRICE_TABLE;
	if (!need)
		return SIM_OK;
	char path[512];
	model_data_path(path, sizeof path, p->prices_csv);
	csv *t = csv_read(path, d);
	if (!t)
		return SIM_EINVAL;
	sim_status st = SIM_OK;
	int cm = csv_require(t, "month", d);
	if (cm < 0 || csv_nrows(t) > CHAIN_PX_MAX) {
		if (cm >= 0)
			diag_add(d, "%s: at most %d months, got %d", path, CHAIN_PX_MAX, csv_nrows(t));
		csv_free(t);
		return SIM_EINVAL;
	}
	for (int k = 0; k < p->n_chains && st == SIM_OK; k++) {
		struct chain_spec *c = &p->chain[k];
		c->n_px = 0;
		if (c->price_path != CHAIN_PRICE_TABLE)
			continue;
		int col = csv_col(t, c->token);
		if (col < 0 || col == cm) {
			diag_add(d, "%s: $.chains[%d].token: no column '%s' in %s", src, k, c->token,
			         path);
			st = SIM_EINVAL;
			break;
		}
		for (int i = 0; i < csv_nrows(t); i++) {
			if (!csv_cell(t, i, col)[0])
				continue;                   /* before the token was listed */
			double y, v;
			if (csv_year(t, i, cm, &y, d) != SIM_OK || csv_num(t, i, col, &v, d) != SIM_OK) {
				st = SIM_EINVAL;
				break;
			}
			if (!(v > 0) || (c->n_px && y <= c->px_year[c->n_px - 1])) {
				diag_add(d, "%s:%d: column '%s': expected a price > 0 in a later month, "
				         "got %g", path, csv_line(t, i), c->token, v);
				st = SIM_EINVAL;
				break;
			}
			c->px_year[c->n_px] = y;
			c->px_usd[c->n_px++] = v;
		}
	}
	csv_free(t);
	return st;
}

double chain_token_usd(const struct chain_spec *s, double y)
{
	if (s->price_path == CHAIN_PRICE_CONSTANT)
		return s->token_usd;
	if (s->price_path == CHAIN_PRICE_TREND)
		return s->token_usd * pow(1.0 + s->token_growth, y - csv_date_year(s->token_date));
	const int n = s->n_px;
	SIM_ASSERT(n > 0);
	if (y <= s->px_year[0])
		return s->px_usd[0];
	if (y >= s->px_year[n - 1])
		return s->px_usd[n - 1] * pow(1.0 + s->token_growth, y - s->px_year[n - 1]);
	int i = 0;
	while (s->px_year[i + 1] < y)
		i++;
	double t = (y - s->px_year[i]) / (s->px_year[i + 1] - s->px_year[i]);
	return s->px_usd[i] + t * (s->px_usd[i + 1] - s->px_usd[i]);
}

/* ------------------------------------------------------------------ state */

chains *chain_alloc(const struct chain_params *p, sim_diag *d)
{
	if (chain_check(p, "<params>", d) != SIM_OK)
		return NULL;
	chains *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->p = *p;
	for (int k = 0; k < p->n_chains; k++) {
		c->exhaust[k] = c->latent[k] = c->target[k] = c->bg_target[k] = NAN;
		c->object_day[k] = NAN;
		c->cap_year[k] = csv_date_year(p->chain[k].capacity_date);
		c->bg_year[k] = csv_date_year(p->chain[k].background_date);
	}
	for (int i = 0; i < 4; i++)
		c->set_days[i] = NAN;
	for (int i = 0; i < p->settle.n_routes; i++) {
		int k = chain_index(p, p->settle.routing[i].chain);
		c->in_set[k] = 1;
		c->friction[k] = p->settle.routing[i].friction_usd;
		c->sw[k] = p->settle.routing[i].switch_usd;
	}
	for (int k = 0; k < p->n_chains; k++) {
		c->data[k] = c->user[k] = -1;
		c->rai[k] = p->chain[k].settle_tx_units;
		c->objcap[k] = INFINITY;
	}
	for (int k = 0; k < p->n_chains; k++) {
		int dk = p->chain[k].data_chain[0] ? chain_index(p, p->chain[k].data_chain) : -1;
		if (dk >= 0) {
			c->data[k] = dk;
			c->user[dk] = k;
			c->rai[dk] = p->chain[k].data_bytes;
		}
	}
	for (int k = 0; k < p->n_chains; k++)
		c->w[k] = c->rai[k] / p->chain[k].bg_tx_units;
	return c;
}

void chain_free(chains *c)
{
	free(c);
}

int chain_count(const chains *c) { return c->p.n_chains; }
const char *chain_name(const chains *c, int k) { return c->p.chain[k].name; }
double chain_exhaustion_day(const chains *c, int k) { return k == CHAIN_SET ? c->set_days[0] : c->exhaust[k]; }
double chain_latent_exhaustion_day(const chains *c, int k) { return k == CHAIN_SET ? c->set_days[1] : c->latent[k]; }
double chain_target_day(const chains *c, int k) { return k == CHAIN_SET ? c->set_days[2] : c->target[k]; }
double chain_background_target_day(const chains *c, int k) { return k == CHAIN_SET ? c->set_days[3] : c->bg_target[k]; }
const struct chain_day_out *chain_set_day(const chains *c) { return &c->set; }
double chain_object_limit_day(const chains *c, int k) { return c->object_day[k]; }

/* AI tx/day a chain's shared object admits; INFINITY without a limit. */
static double object_cap(const chains *c, int k)
{
	return c->objcap[k];
}

void chain_set_commit_tx(chains *c, double commit_tx)
{
	for (int k = 0; k < c->p.n_chains; k++)
		c->objcap[k] = chain_object_tps(&c->p, k, commit_tx) * 86400.0;
}

/* The set's day from its chains' (chain.h, chain_set_day). */
static void set_day(chains *c, const struct chain_day_out *out)
{
	struct chain_day_out *a = &c->set;
	double mult = 0, n = 0, lat_eq = 0;
	memset(a, 0, sizeof *a);
	for (int k = 0; k < c->p.n_chains; k++) {
		if (!c->in_set[k])
			continue;
		const struct chain_day_out *o = &out[k];
		a->capacity += o->capacity;
		a->target += o->target;
		a->ai_tx += o->ai_tx;
		a->ai_equiv += o->ai_equiv;
		a->ai_latent_tx += o->ai_latent_tx;
		lat_eq += o->ai_latent_tx * c->w[k];
		a->background_ref += o->background_ref;
		a->background_tx += o->background_tx;
		a->served += o->served;
		a->ai_fees_usd += o->ai_fees_usd;
		a->ai_bytes += o->ai_bytes;
		a->fee_usd += o->fee_usd;
		a->delay_s += o->delay_s;
		mult += o->target * o->fee_multiple;
		n++;
	}
	a->fee_usd /= n;
	a->delay_s /= n;
	a->fee_multiple = mult / a->target;
	a->load = (a->ai_equiv + a->background_tx) / a->capacity;
	a->latent_load = (lat_eq + a->background_ref) / a->capacity;
	a->utilisation = a->served / a->capacity;
	a->ai_target_share = a->ai_equiv / a->target;
	double kept = a->background_ref > 0 ? a->background_tx / a->background_ref : 1;
	a->displaced = kept < 1 ? 1 - kept : 0;
	double *d = c->set_days;
	if (isnan(d[0]) && a->load >= 1.0 - 1e-12)
		d[0] = c->day;
	if (isnan(d[1]) && a->latent_load >= 1.0)
		d[1] = c->day;
	if (isnan(d[2]) && a->ai_equiv + a->background_ref > a->target)
		d[2] = c->day;
	if (isnan(d[3]) && a->background_ref > a->target)
		d[3] = c->day;
}

double chain_fee_ref(const chains *c, int k)
{
	return c->fref[k];
}

void chain_day(chains *c, int day)
{
	SIM_ASSERT(day >= c->next_day);
	double year = c->p.start_year + day / CHAIN_DAYS_PER_YEAR;
	for (int k = 0; k < c->p.n_chains; k++) {
		const struct chain_spec *s = &c->p.chain[k];
		c->cap[k] = s->capacity_tps * pow(1.0 + s->capacity_growth, year - c->cap_year[k]) *
		            86400.0;
		c->b0[k] = s->background_tps *
		           pow(1.0 + s->background_growth, year - c->bg_year[k]) * 86400.0;
		c->x[k] = chain_token_usd(s, year);
		c->fmin[k] = (s->tx_fixed + s->bg_tx_units * s->min_unit_price) * c->x[k];
		c->fref[k] = c->fmin[k] > 0 ? c->fmin[k] : s->base_fee_usd;
		c->bref[k] = c->b0[k] * pow(c->fref[k] / s->base_fee_usd, -s->fee_elasticity);
	}
	c->day = day;
	c->next_day = day + 1;
}

/* The background-tx fee (USD) at which chain k's target holds ai_tx AI tx:
 * the floor when demand at the floor fits, INFINITY when nothing clears. */
static double bg_fee_eq(const chains *c, int k, double ai_tx)
{
	const struct chain_spec *s = &c->p.chain[k];
	double room = s->target_utilisation * c->cap[k] - c->w[k] * ai_tx;
	if (!(room > 0) || ai_tx > object_cap(c, k))
		return INFINITY;
	/* B0 (f / base)^(-e) = room  =>  f = base (B0 / room)^(1/e) */
	double f = s->base_fee_usd * pow(c->b0[k] / room, 1.0 / s->fee_elasticity);
	return f > c->fmin[k] ? f : c->fmin[k];
}

/* p: the token per unit of resource a background-tx fee f (USD) means. */
static double unit_price(const chains *c, int k, double f)
{
	const struct chain_spec *s = &c->p.chain[k];
	double p = (f / c->x[k] - s->tx_fixed) / s->bg_tx_units;
	return p > s->min_unit_price ? p : s->min_unit_price;
}

/* The AI tx's fee (USD) at background-tx fee f. */
static double ai_fee(const chains *c, int k, double f)
{
	const struct chain_spec *s = &c->p.chain[k];
	if (!isfinite(f))
		return INFINITY;
	return (s->tx_fixed + c->rai[k] * unit_price(c, k, f)) * c->x[k];
}

/* Its inverse: the background-tx fee at which an AI tx pays g USD. */
static double bg_fee_of_ai(const chains *c, int k, double g)
{
	const struct chain_spec *s = &c->p.chain[k];
	double p = (g / c->x[k] - s->tx_fixed) / c->rai[k];
	return (s->tx_fixed + s->bg_tx_units * p) * c->x[k];
}

/* The fee of chain k alone, without its data chain's. */
static double own_fee_eq(const chains *c, int k, double ai_tx)
{
	return ai_fee(c, k, bg_fee_eq(c, k, ai_tx));
}

double chain_fee_eq(const chains *c, int k, double ai_tx)
{
	double f = own_fee_eq(c, k, ai_tx);
	int dk = c->data[k];
	return dk >= 0 ? f + own_fee_eq(c, dk, ai_tx) : f;
}

void chain_step(chains *c, const double *ai_tx, const double *ai_latent_tx,
                struct chain_day_out *out)
{
	const int day = c->day;
	for (int k = 0; k < c->p.n_chains; k++) {
		const struct chain_spec *s = &c->p.chain[k];
		struct chain_day_out *o = &out[k];
		SIM_ASSERT(ai_tx[k] >= 0 && isfinite(ai_tx[k]) && ai_latent_tx[k] >= 0);
		/* a data chain carries the data of its user's AI tx */
		int u = c->user[k];
		double ai = ai_tx[k] + (u >= 0 ? ai_tx[u] : 0);
		double latent = ai_latent_tx[k] + (u >= 0 ? ai_latent_tx[u] : 0);
		double f = bg_fee_eq(c, k, ai);
		o->capacity = c->cap[k];
		o->target = s->target_utilisation * o->capacity;
		o->ai_tx = ai;
		o->ai_equiv = c->w[k] * ai;
		o->ai_latent_tx = latent;
		o->background_ref = c->bref[k];
		o->background_tx = isfinite(f) && c->b0[k] > 0
			? c->b0[k] * pow(f / s->base_fee_usd, -s->fee_elasticity) : 0;
		double fresh = o->ai_equiv + o->background_tx;
		o->served = fresh < o->capacity ? fresh : o->capacity;
		o->load = fresh / o->capacity;
		o->latent_load = (c->w[k] * o->ai_latent_tx + o->background_ref) / o->capacity;
		o->utilisation = o->served / o->capacity;
		o->bg_fee_usd = f;
		o->fee_usd = ai_fee(c, k, f);
		o->token_usd = c->x[k];
		o->unit_price = isfinite(f) ? unit_price(c, k, f) : INFINITY;
		o->fee_multiple = f / c->fref[k];
		double kept = o->background_ref > 0 ? o->background_tx / o->background_ref : 1;
		o->displaced = kept < 1 ? 1 - kept : 0;
		o->ai_target_share = o->ai_equiv / o->target;
		o->object_load = isfinite(object_cap(c, k)) ? ai / object_cap(c, k) : 0;
		/* a tx that pays the day's fee is in the next block: the fee, not
		 * a queue, rations block space */
		o->delay_s = s->finality_s;
		o->ai_fees_usd = isfinite(o->fee_usd) ? o->ai_tx * o->fee_usd : 0;
		o->ai_bytes = ai * (u >= 0 ? c->rai[k] : c->p.settle.tx_bytes);
		c->prev[k] = ai_tx[k];

		if (isnan(c->exhaust[k]) && o->load >= 1.0 - 1e-12)
			c->exhaust[k] = day;
		if (isnan(c->latent[k]) && o->latent_load >= 1.0)
			c->latent[k] = day;
		if (isnan(c->target[k]) && f > c->fref[k] * (1 + 1e-12))
			c->target[k] = day;
		if (isnan(c->bg_target[k]) && o->background_ref > o->target)
			c->bg_target[k] = day;
		if (isnan(c->object_day[k]) && latent >= object_cap(c, k))
			c->object_day[k] = day;
	}
	set_day(c, out);
}

/* ------------------------------------------------------------------ cost routing */

/* The most AI tx chain k can hold: its target (and its data chain's), or its
 * object's limit. */
static double room(const chains *c, int k)
{
	double t = c->p.chain[k].target_utilisation * c->cap[k] / c->w[k];
	int dk = c->data[k];
	if (dk >= 0) {
		double td = c->p.chain[dk].target_utilisation * c->cap[dk] / c->w[dk];
		t = td < t ? td : t;
	}
	return t < object_cap(c, k) ? t : object_cap(c, k);
}

/* AI tx chain k takes at marginal cost lambda, before inertia. */
static double take_fee(const chains *c, int k, double lambda)
{
	const struct chain_spec *s = &c->p.chain[k];
	double g = lambda - c->friction[k];
	if (c->data[k] >= 0) {
		/* its own fee and its data chain's both rise with its AI tx: the
		 * most it takes at cost g, by bisection (no closed form) */
		if (!(g >= chain_fee_eq(c, k, 0)))
			return 0;
		double lo = 0, hi = room(c, k);
		for (int i = 0; i < 200 && hi - lo > 1e-13 * hi; i++) {
			double mid = 0.5 * (lo + hi);
			if (chain_fee_eq(c, k, mid) <= g)
				lo = mid;
			else
				hi = mid;
		}
		return lo;
	}
	if (!(g >= ai_fee(c, k, c->fmin[k])) || !(g > 0))
		return 0;                       /* below its floor, or free: B unbounded */
	double f = bg_fee_of_ai(c, k, g);
	double b = c->b0[k] > 0 ? c->b0[k] * pow(f / s->base_fee_usd, -s->fee_elasticity) : 0;
	double t = (s->target_utilisation * c->cap[k] - b) / c->w[k];
	if (t > object_cap(c, k))
		t = object_cap(c, k);
	return t > 0 ? t : 0;
}

/* With inertia: what chain k carried yesterday costs its fee, each tx above
 * that its fee plus switch_usd.  The most it takes at lambda is then
 *     max(min(T(lambda), prev), T(lambda - switch_usd)),
 * T the take without inertia: still non-decreasing in lambda. */
static double take(const chains *c, int k, double lambda)
{
	double t = take_fee(c, k, lambda);
	if (!(c->sw[k] > 0))
		return t;
	double kept = t < c->prev[k] ? t : c->prev[k];
	double moved = take_fee(c, k, lambda - c->sw[k]);
	return moved > kept ? moved : kept;
}

struct take_ctx {
	const chains *c;
	double tx;
};

/* The set's take at lambda = e^x, less the tx to place: rises with x. */
static double take_gap(double x, void *arg)
{
	const struct take_ctx *t = arg;
	double a = 0, lambda = exp(x);
	for (int k = 0; k < t->c->p.n_chains; k++)
		if (t->c->in_set[k])
			a += take(t->c, k, lambda);
	return a - t->tx;
}

double chain_route_cost(const chains *c, double tx, double *ai, double *fee)
{
	const int nk = c->p.n_chains;
	double lo = INFINITY, targets = 0;
	for (int k = 0; k < nk; k++) {
		ai[k] = 0;
		if (!c->in_set[k])
			continue;
		double floor_cost = ai_fee(c, k, c->fmin[k]) + c->friction[k];
		if (c->data[k] >= 0)
			floor_cost += ai_fee(c, c->data[k], c->fmin[c->data[k]]);
		if (floor_cost < lo)
			lo = floor_cost;
		targets += room(c, k);
	}
	if (!(tx < targets)) {                  /* no fee holds the set's targets */
		for (int k = 0; k < nk; k++) {
			ai[k] = c->in_set[k] ? room(c, k) : 0;
			fee[k] = c->in_set[k] ? INFINITY : chain_fee_eq(c, k, 0);
		}
		return INFINITY;
	}
	double lambda = lo;
	if (tx > 0) {
		struct take_ctx t = { c, tx };
		double xlo = log(lo > 0 ? lo : 1e-300), xhi = log(lo > 0 ? 2 * lo : 1e-12);
		for (int i = 0; take_gap(xhi, &t) < 0 && i < 2000; i++)
			xhi += 0.7;                     /* doubling */
		double glo = take_gap(xlo, &t);
		if (glo < 0) {                      /* the floors alone do not hold tx: search */
			gsl_function F = { take_gap, &t };
			gsl_root_fsolver *r = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
			SIM_ASSERT(r);
			if (gsl_root_fsolver_set(r, &F, xlo, xhi) == GSL_SUCCESS)
				for (int it = 0; it < 200; it++) {
					if (gsl_root_fsolver_iterate(r) != GSL_SUCCESS)
						break;
					xlo = gsl_root_fsolver_x_lower(r);
					xhi = gsl_root_fsolver_x_upper(r);
					if (gsl_root_test_interval(xlo, xhi, 1e-13, 0) == GSL_SUCCESS)
						break;
				}
			gsl_root_fsolver_free(r);
		} else {
			xhi = xlo;                      /* the cheapest floors hold it */
			xlo = -INFINITY;
		}
		/* between the bracket's ends the take moves from below tx to at least
		 * tx; a floor inside it shares out the rest (a chain at its floor takes
		 * any amount up to its room) */
		double alo = 0, ahi = 0, a_lo[CHAIN_MAX], a_hi[CHAIN_MAX];
		for (int k = 0; k < nk; k++) {
			a_lo[k] = c->in_set[k] && isfinite(xlo) ? take(c, k, exp(xlo)) : 0;
			a_hi[k] = c->in_set[k] ? take(c, k, exp(xhi)) : 0;
			alo += a_lo[k];
			ahi += a_hi[k];
		}
		double th = ahi > alo ? (tx - alo) / (ahi - alo) : 1;
		th = th < 0 ? 0 : th > 1 ? 1 : th;
		double sum = 0;
		for (int k = 0; k < nk; k++) {
			ai[k] = a_lo[k] + th * (a_hi[k] - a_lo[k]);
			sum += ai[k];
		}
		for (int k = 0; k < nk && sum > 0; k++)   /* exact conservation */
			ai[k] *= tx / sum;
		lambda = exp(xhi);
	}
	for (int k = 0; k < nk; k++)
		fee[k] = chain_fee_eq(c, k, ai[k]);
	return lambda;
}

double chain_cost_per_mtok(const struct chain_params *p, double commit_tx, const double *fee)
{
	const struct chain_settle *s = &p->settle;
	double per_tok = chain_tx_per_token(s, commit_tx), f = 0;
	for (int i = 0; i < s->n_routes; i++) {
		int k = chain_index(p, s->routing[i].chain);
		SIM_ASSERT(k >= 0);
		if (s->routing[i].share > 0)
			f += s->routing[i].share * fee[k];
	}
	return per_tok * 1e6 * f;
}

void chain_floor_fees(const chains *c, double *fee)
{
	for (int k = 0; k < c->p.n_chains; k++) {
		int dk = c->data[k];
		fee[k] = ai_fee(c, k, c->fmin[k]) + (dk >= 0 ? ai_fee(c, dk, c->fmin[dk]) : 0);
	}
}
