/* chain.c — settlement transactions per token, and each settlement chain's
 * daily capacity, background demand, equilibrium fee, delay and scarcity
 * dates (see chain.h for the model). */
#include "chain.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/csv.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>

struct chains {
	struct chain_params p;
	int day, next_day;
	double cap[CHAIN_MAX];        /* today's C, tx/day */
	double bref[CHAIN_MAX];       /* today's background at the reference fee, tx/day */
	double b0[CHAIN_MAX];         /* today's background at base_fee_usd, tx/day */
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
};

const char *chain_design_name(enum chain_design d)
{
	return d == CHAIN_STACK ? "stack" : d == CHAIN_PER_REQUEST ? "per_request" : "?";
}

/* ------------------------------------------------------------------ settlement */

double chain_units_per_token(const struct chain_settle *s)
{
	return s->design == CHAIN_STACK ? 1.0 / s->stack_tokens : 1.0 / s->tokens_per_request;
}

double chain_tx_per_token(const struct chain_settle *s, double commit_tx)
{
	double fixed = s->design == CHAIN_STACK ? s->stack_fixed_tx : s->request_fixed_tx;
	return (fixed + commit_tx) * chain_units_per_token(s);
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

static struct chain_spec spec(const char *name, double cap, const char *cap_date, double claim,
                              double capg, double bg, const char *bg_date, double bgg, double fee,
                              double minfee, double fin)
{
	struct chain_spec c = {
		.capacity_tps = cap, .claimed_tps = claim, .capacity_growth = capg,
		.background_tps = bg, .background_growth = bgg, .target_utilisation = 0.5,
		.base_fee_usd = fee, .min_fee_usd = minfee, .fee_elasticity = 0.5, .finality_s = fin,
	};
	snprintf(c.name, sizeof c.name, "%s", name);
	snprintf(c.capacity_date, sizeof c.capacity_date, "%s", cap_date);
	snprintf(c.background_date, sizeof c.background_date, "%s", bg_date);
	return c;
}

void chain_params_default(struct chain_params *p)
{
	memset(p, 0, sizeof *p);
	p->start_year = 2024.0;
	struct chain_settle *s = &p->settle;
	s->design = CHAIN_STACK;           /* atoma-contracts 2025 (v2) */
	s->tokens_per_request = 284;       /* LMSYS-Chat-1M 69.5 + 214.5 */
	s->stack_tokens = 1e6;             /* COMPUTE_UNITS_PER_STACK */
	s->request_fixed_tx = 1;           /* v1: gate::submit_text2text_prompt */
	s->stack_fixed_tx = 2;             /* v2: acquire_new_stack_entry + claim_funds */
	s->tx_bytes = 500;                 /* estimate */
	s->tx_gas = 1000;                  /* estimate, Sui computation units */
	s->tx_weight = 1;                  /* estimate */
	s->n_routes = 1;
	snprintf(s->routing[0].chain, CHAIN_NAME_MAX, "sui");
	s->routing[0].share = 1.0;
	/* Sources and dates: data/chains/chains_baseline.csv (derived from the reference). */
	p->chain[0] = spec("sui", 854, "2023-07-15", 297000, 0.2, 172.4, "2025-04-01", 0.3,
	                   0.005, 0.005, 0.48);
	p->chain[1] = spec("ethereum_l1", 22.8, "2024-05-15", 119, 0.175, 14.2, "2024-06-15", 0.1,
	                   0.5, 0, 768);
	p->chain[2] = spec("solana", 1504, "2024-04-06", 65000, 0.25, 292, "2024-02-15", 0.2,
	                   0.00075, 0.00075, 12.8);
	p->chain[3] = spec("base", 293, "2024-06-01", 1429, 0.5, 26.4, "2024-06-01", 0.3,
	                   0.01, 0, 2);
	p->chain[4] = spec("bitcoin", 10.7, "2024-04-23", 7, 0, 6.57, "2024-01-01", 0,
	                   0.87, 0, 3600);
	p->chain[5] = spec("aptos", 1336, "2024-05-25", 160000, 0.2, 19.3, "2024-05-15", 0.2,
	                   0.001, 0.001, 0.9);
	p->n_chains = 6;
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
	CHECK(s->tx_bytes >= 0, "$.settlement.tx_bytes: must be >= 0, got %g", s->tx_bytes);
	CHECK(s->tx_gas >= 0, "$.settlement.tx_gas: must be >= 0, got %g", s->tx_gas);
	CHECK(s->tx_weight > 0 && isfinite(s->tx_weight),
	      "$.settlement.tx_weight: must be > 0, got %g", s->tx_weight);

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
		CHECK(c->target_utilisation > 0 && c->target_utilisation < 1,
		      "$.chains[%d].target_utilisation: must be in (0, 1), got %g", k,
		      c->target_utilisation);
		CHECK(c->base_fee_usd > 0 && isfinite(c->base_fee_usd),
		      "$.chains[%d].base_fee_usd: must be > 0, got %g", k, c->base_fee_usd);
		CHECK(c->min_fee_usd >= 0 && c->min_fee_usd <= c->base_fee_usd,
		      "$.chains[%d].min_fee_usd: must be in [0, base_fee_usd = %g], got %g", k,
		      c->base_fee_usd, c->min_fee_usd);
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
		CHECK(c->object_limit_tps >= 0 && isfinite(c->object_limit_tps),
		      "$.chains[%d].object_limit_tps: must be >= 0, got %g", k, c->object_limit_tps);
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
	st->tx_bytes = scn_num(s, "settlement.tx_bytes");
	st->tx_gas = scn_num(s, "settlement.tx_gas");
	st->tx_weight = scn_num(s, "settlement.tx_weight");
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
		NUM(target_utilisation, "target_utilisation");
		NUM(base_fee_usd, "base_fee_usd");
		NUM(min_fee_usd, "min_fee_usd");
		NUM(fee_elasticity, "fee_elasticity");
		NUM(finality_s, "finality_s");
		NUM(object_limit_tps, "object_limit_tps");
#undef NUM
		snprintf(key, sizeof key, "chains[%d].capacity_date", k);
		snprintf(c->capacity_date, sizeof c->capacity_date, "%s", scn_str(s, key));
		snprintf(key, sizeof key, "chains[%d].background_date", k);
		snprintf(c->background_date, sizeof c->background_date, "%s", scn_str(s, key));
	}
	return chain_check(p, scn_path(s), d);
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
	}
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
	double l = c->p.chain[k].object_limit_tps;
	return l > 0 ? l * 86400.0 : INFINITY;
}

/* The set's day from its chains' (chain.h, chain_set_day). */
static void set_day(chains *c, const struct chain_day_out *out)
{
	struct chain_day_out *a = &c->set;
	double mult = 0, n = 0;
	memset(a, 0, sizeof *a);
	for (int k = 0; k < c->p.n_chains; k++) {
		if (!c->in_set[k])
			continue;
		const struct chain_day_out *o = &out[k];
		a->capacity += o->capacity;
		a->target += o->target;
		a->ai_tx += o->ai_tx;
		a->ai_latent_tx += o->ai_latent_tx;
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
	a->load = (a->ai_tx + a->background_tx) / a->capacity;
	a->latent_load = (a->ai_latent_tx + a->background_ref) / a->capacity;
	a->utilisation = a->served / a->capacity;
	a->ai_target_share = a->ai_tx / a->target;
	double kept = a->background_ref > 0 ? a->background_tx / a->background_ref : 1;
	a->displaced = kept < 1 ? 1 - kept : 0;
	double *d = c->set_days;
	if (isnan(d[0]) && a->load >= 1.0)
		d[0] = c->day;
	if (isnan(d[1]) && a->latent_load >= 1.0)
		d[1] = c->day;
	if (isnan(d[2]) && a->ai_tx + a->background_ref > a->target)
		d[2] = c->day;
	if (isnan(d[3]) && a->background_ref > a->target)
		d[3] = c->day;
}

double chain_fee_ref(const struct chain_spec *s)
{
	return s->min_fee_usd > 0 ? s->min_fee_usd : s->base_fee_usd;
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
		c->bref[k] = c->b0[k] * pow(chain_fee_ref(s) / s->base_fee_usd, -s->fee_elasticity);
	}
	c->day = day;
	c->next_day = day + 1;
}

double chain_fee_eq(const chains *c, int k, double ai_tx)
{
	const struct chain_spec *s = &c->p.chain[k];
	double room = s->target_utilisation * c->cap[k] - ai_tx;
	if (!(room > 0) || ai_tx > object_cap(c, k))
		return INFINITY;
	/* B0 (f / base)^(-e) = room  =>  f = base (B0 / room)^(1/e) */
	double f = s->base_fee_usd * pow(c->b0[k] / room, 1.0 / s->fee_elasticity);
	return f > s->min_fee_usd ? f : s->min_fee_usd;
}

void chain_step(chains *c, const double *ai_tx, const double *ai_latent_tx,
                struct chain_day_out *out)
{
	const int day = c->day;
	for (int k = 0; k < c->p.n_chains; k++) {
		const struct chain_spec *s = &c->p.chain[k];
		struct chain_day_out *o = &out[k];
		SIM_ASSERT(ai_tx[k] >= 0 && isfinite(ai_tx[k]) && ai_latent_tx[k] >= 0);
		double fee = chain_fee_eq(c, k, ai_tx[k]);
		o->capacity = c->cap[k];
		o->target = s->target_utilisation * o->capacity;
		o->ai_tx = ai_tx[k];
		o->ai_latent_tx = ai_latent_tx[k];
		o->background_ref = c->bref[k];
		o->background_tx = isfinite(fee) && c->b0[k] > 0
			? c->b0[k] * pow(fee / s->base_fee_usd, -s->fee_elasticity) : 0;
		double fresh = o->ai_tx + o->background_tx;
		o->served = fresh < o->capacity ? fresh : o->capacity;
		o->load = fresh / o->capacity;
		o->latent_load = (o->ai_latent_tx + o->background_ref) / o->capacity;
		o->utilisation = o->served / o->capacity;
		o->fee_usd = fee;
		o->fee_multiple = fee / chain_fee_ref(s);
		double kept = o->background_ref > 0 ? o->background_tx / o->background_ref : 1;
		o->displaced = kept < 1 ? 1 - kept : 0;
		o->ai_target_share = o->ai_tx / o->target;
		o->object_load = isfinite(object_cap(c, k)) ? o->ai_tx / object_cap(c, k) : 0;
		double rho = o->utilisation < 0.999 ? o->utilisation : 0.999;
		o->delay_s = s->finality_s * (1.0 + rho / (1.0 - rho));
		o->ai_fees_usd = isfinite(fee) ? o->ai_tx * fee * c->p.settle.tx_weight : 0;
		o->ai_bytes = o->ai_tx * c->p.settle.tx_bytes;

		if (isnan(c->exhaust[k]) && o->load >= 1.0)
			c->exhaust[k] = day;
		if (isnan(c->latent[k]) && o->latent_load >= 1.0)
			c->latent[k] = day;
		if (isnan(c->target[k]) && fee > chain_fee_ref(s) * (1 + 1e-12))
			c->target[k] = day;
		if (isnan(c->bg_target[k]) && o->background_ref > o->target)
			c->bg_target[k] = day;
		if (isnan(c->object_day[k]) && o->ai_latent_tx >= object_cap(c, k))
			c->object_day[k] = day;
	}
	set_day(c, out);
}

/* ------------------------------------------------------------------ cost routing */

/* AI tx chain k takes when settlement costs lambda USD per tx at the margin. */
static double take(const chains *c, int k, double lambda)
{
	const struct chain_spec *s = &c->p.chain[k];
	double f = (lambda - c->friction[k]) / c->p.settle.tx_weight;
	if (!(f >= s->min_fee_usd) || !(f > 0))
		return 0;                       /* below its floor, or free: B unbounded */
	double b = c->b0[k] > 0 ? c->b0[k] * pow(f / s->base_fee_usd, -s->fee_elasticity) : 0;
	double t = s->target_utilisation * c->cap[k] - b;
	if (t > object_cap(c, k))
		t = object_cap(c, k);
	return t > 0 ? t : 0;
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
	const double w = c->p.settle.tx_weight;
	double lo = INFINITY, targets = 0;
	for (int k = 0; k < nk; k++) {
		ai[k] = 0;
		if (!c->in_set[k])
			continue;
		const struct chain_spec *s = &c->p.chain[k];
		double floor_cost = w * s->min_fee_usd + c->friction[k];
		if (floor_cost < lo)
			lo = floor_cost;
		double t = s->target_utilisation * c->cap[k];
		targets += t < object_cap(c, k) ? t : object_cap(c, k);
	}
	if (!(tx < targets)) {                  /* no fee holds the set's targets */
		for (int k = 0; k < nk; k++) {
			double t = c->p.chain[k].target_utilisation * c->cap[k];
			ai[k] = c->in_set[k] ? (t < object_cap(c, k) ? t : object_cap(c, k)) : 0;
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
	return per_tok * 1e6 * f * s->tx_weight;
}

void chain_floor_fees(const struct chain_params *p, double *fee)
{
	for (int k = 0; k < p->n_chains; k++)
		fee[k] = p->chain[k].min_fee_usd;
}
