/* nodes.h — an agent-based population of operators who buy hardware when it
 * pays, run it while it covers its energy bill, and retire it at end of life.
 *
 * Used by the Bitcoin back-test (miners, ASIC generations, TH/s) and by the
 * decentralized-inference network model (node operators, GPU classes,
 * tokens/s).  Capacity is in the caller's units; money is USD; time is whole
 * days counted from the caller's epoch.
 *
 *     struct node_params p = NODE_PARAMS_DEFAULT;  p.entry_rate = 0.01;
 *     struct node_class c[2] = { { .name = "s9", .unit_capacity = 13.5,
 *         .capex_usd = 1300, .power_w = 1320, .life_days = 820, .lag_days = 60,
 *         .available_day = 0, .withdrawn_day = 1e9 }, ... };
 *     node_pop *pop = node_pop_alloc(&p, c, 2, rng);      // rng may be NULL if p.deterministic
 *     node_pop_add(pop, 0, 1000.0, 0);                    // initial fleet
 *     for (int day = 0; day < 3650; day++) {
 *         node_pop_advance(pop, day);                     // retirements, arrivals
 *         double r = revenue_usd_per_day / node_pop_capacity(pop);  // per capacity unit
 *         node_pop_decide(pop, day, r, 0.05);             // exits, then orders
 *         ... node_pop_capacity_by_class(pop, cap);
 *     }
 *     node_pop_free(pop);
 *
 * The rules (equations and sources in docs/models.md, "Node growth"):
 *   - Operators differ only in their electricity price: price x m, with m
 *     lognormal of mean 1 and log-sd elec_sigma.  The population is cut into
 *     n_buckets equal-probability bands of m; band b uses its conditional mean
 *     m_b.  Bands are what make exits gradual and highest-cost-first.
 *   - Entry.  For class c and band b, the value of one unit ordered today is
 *         V = e^{-d lag} [ R0 A(d+g, T) - E_b A(d, T) + resid K e^{-d T} ]
 *     with R0 = q r e^{-g lag} its revenue per day at arrival, E_b its energy
 *     bill per day, d = ln(1+hurdle)/365, g = -ln(1-decline)/365 the expected
 *     decline of revenue, T = min(life, day the unit stops covering energy),
 *     A(x, T) = (1 - e^{-xT})/x and K the capex.  With PI = V/K, orders of
 *     band b arrive at the Poisson rate (expected value in deterministic mode)
 *         lambda_b = ln(PI)+ (seed + entry_rate * base / q) / n_buckets
 *     units per day, base being the installed capacity (of all classes, or of
 *     the class with base_per_class), capped at supply_per_day per class
 *     (the cap drops orders from the highest-cost bands first).
 *   - Arrival after lag_days; retirement life_days after arrival.
 *   - Exit: band b of class c leaves entirely once its operating profit
 *     q r - E_b has been negative for patience_days days in a row.
 *
 * About cohorts: a cohort is the units of one (class, band) ordered on one
 * day.  All work per day is O(classes x bands + cohorts that change state):
 * pending cohorts form one FIFO per class (same lag), live ones one FIFO per
 * (class, band) (same life, so retirement pops the head; an exit empties the
 * list).  Agents (one record per unit, stochastic mode with keep_agents) are
 * written once at order time and never touched again: an agent is live when
 * its cohort is.  Arrays grow geometrically; a step allocates nothing in
 * steady state.
 *
 * Invariants (checked by node_pop_check): for every class, units and
 * capacity equal the sums over live cohorts (and over live agents when
 * agents are kept); pending units equal the sums over pending cohorts; no
 * quantity is negative.
 *
 * A population belongs to one replication and one thread.
 */
#ifndef DAIS_NODES_H
#define DAIS_NODES_H

#include <stddef.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>

#include "sim/status.h"

#define NODE_MAX_CLASSES 64
#define NODE_MAX_BUCKETS 64

/* Behaviour shared by every operator.  Defaults and their sources are in
 * scenarios/schema/nodes.json and docs/models.md. */
struct node_params {
	double entry_rate;       /* 1/day: orders per day, as a fraction of the installed
	                            base, per unit of ln(PI) */
	double hurdle_rate;      /* 1/year: return an operator requires (discount rate) */
	double revenue_decline;  /* 1/year: expected decline of revenue per capacity unit
	                            (competition, halvings); in [0, 1) */
	double patience_days;    /* days of operating loss in a row before a band exits */
	double elec_sigma;       /* log-sd of the operators' electricity-price multiplier */
	int n_buckets;           /* bands of the multiplier, 1..NODE_MAX_BUCKETS */
	int deterministic;       /* 1: expected values (fractional units), no rng */
	int base_per_class;      /* 0: base = all classes' capacity (generations that
	                            replace each other); 1: the class's own capacity */
	int keep_agents;         /* stochastic mode: keep one record per unit */
};

/* entry_rate and revenue_decline: the Bitcoin back-test's fit
 * (scenarios/bitcoin-backtest.json), so that the network's operators follow
 * the rule as it was validated (docs/models.md, "Node growth"). */
#define NODE_PARAMS_DEFAULT { .entry_rate = 0.01186444063884875, .hurdle_rate = 0.15, \
	.revenue_decline = 0.435192841092327, .patience_days = 30, .elec_sigma = 0.5, \
	.n_buckets = 16, .deterministic = 0, .base_per_class = 0, .keep_agents = 1 }

/* One kind of hardware.  The name is not copied: it must outlive the pop. */
struct node_class {
	const char *name;
	double unit_capacity;    /* caller units per unit (TH/s, tokens/s); > 0 */
	double capex_usd;        /* USD per unit when ordered; see node_pop_set_capex */
	double power_w;          /* W per unit at the wall */
	double life_days;        /* economic life: retired this long after arrival */
	double residual_frac;    /* resale value at retirement, fraction of capex, [0, 1] */
	double lag_days;         /* provisioning: order to operation (rounded to days) */
	double supply_per_day;   /* most units orderable per day; 0 = unlimited */
	double seed_per_day;     /* orders per day per unit of ln(PI) independent of the
	                            installed base (first adopters) */
	double available_day;    /* first day it can be ordered */
	double withdrawn_day;    /* first day it can no longer be ordered */
	double stake;            /* token stake per unit (network model); 0 if none */
};

/* What one call of node_pop_advance + node_pop_decide did, in units. */
struct node_day {
	double ordered;          /* orders placed today */
	double arrived;          /* units that started operating today */
	double exited;           /* units switched off for loss */
	double retired;          /* units at end of life */
};

/* Flat per-agent records (stochastic mode with keep_agents), read-only.
 * Indices are stable; an agent is live iff node_pop_agent_live(). */
struct node_agents {
	size_t n;                /* agents ever ordered */
	const int32_t *cls;      /* (n,) class index */
	const int32_t *cohort;   /* (n,) cohort index */
	const int32_t *join_day; /* (n,) day of arrival (planned) */
	const int32_t *retire_day; /* (n,) day of end of life (planned) */
	const double *cost_mult; /* (n,) electricity-price multiplier */
	const double *stake;     /* (n,) token stake */
};

typedef struct node_pop node_pop;

/* Checks params and classes; appends one message per problem to d, naming
 * the key under prefix (e.g. "$.nodes"), and returns SIM_EINVAL if any. */
sim_status node_params_check(const struct node_params *p,
                             const struct node_class *cls, int n_classes,
                             const char *prefix, sim_diag *d) SIM_MUST_CHECK;

/* Allocates a population (classes are copied; names are not).  r is used,
 * not owned; it may be NULL in deterministic mode.  NULL when out of memory
 * or when the parameters fail node_params_check (a caller bug: check first). */
node_pop *node_pop_alloc(const struct node_params *p, const struct node_class *cls,
                         int n_classes, gsl_rng *r);
void node_pop_free(node_pop *pop);

/* Draws the agents' electricity costs from ra (used, not owned) instead of
 * the population's generator.  Then the decisions' draws, and so every number
 * but the agent records themselves, are the same with keep_agents on or off.
 * Call before the first node_pop_add. */
void node_pop_set_agent_rng(node_pop *pop, gsl_rng *ra);

/* Adds units that are already operating on day `day` (an initial fleet),
 * spread evenly over the bands; they retire life_days after `joined`
 * (which may be before day).  Stochastic mode rounds units to an integer. */
sim_status node_pop_add(node_pop *pop, int cls, double units, int joined) SIM_MUST_CHECK;

/* Changes the price of new units of a class from now on (per-day capex paths). */
void node_pop_set_capex(node_pop *pop, int cls, double usd_per_unit);
/* Changes the most units of a class orderable per day from now on (> 0; the
 * world's shipments grow). */
void node_pop_set_supply(node_pop *pop, int cls, double units_per_day);

/* Retires units at end of life and turns on the orders that arrive today.
 * Days must be called in increasing order, each at most once. */
void node_pop_advance(node_pop *pop, int day);

/* Today's decisions, given revenue per capacity unit per day (USD) and the
 * electricity price (USD/kWh): exits, then orders.  Returns SIM_ENOMEM if the
 * arrays could not grow (the population is then unchanged by the orders). */
sim_status node_pop_decide(node_pop *pop, int day, double revenue_per_cap_day,
                           double usd_per_kwh) SIM_MUST_CHECK;

/* node_pop_advance then node_pop_decide. */
sim_status node_pop_step(node_pop *pop, int day, double revenue_per_cap_day,
                         double usd_per_kwh) SIM_MUST_CHECK;

/* Totals since the last node_pop_advance. */
struct node_day node_pop_today(const node_pop *pop);

int    node_pop_nclasses(const node_pop *pop);
double node_pop_capacity(const node_pop *pop);            /* live, caller units */
double node_pop_units(const node_pop *pop);               /* live units */
double node_pop_units_class(const node_pop *pop, int cls);
double node_pop_capacity_class(const node_pop *pop, int cls);
double node_pop_pending_class(const node_pop *pop, int cls); /* ordered, not arrived */
void   node_pop_units_by_class(const node_pop *pop, double *out);    /* (n_classes,) */
void   node_pop_capacity_by_class(const node_pop *pop, double *out); /* (n_classes,) */
double node_pop_power_w(const node_pop *pop);              /* live, W at the wall */
/* Energy bill of the live units per day, with each band's multiplier. */
double node_pop_energy_usd_day(const node_pop *pop, double usd_per_kwh);
/* Profitability index of ordering one unit of cls in band b today (0 when
 * the class is not on sale): what the entry rule saw at the last decide. */
double node_pop_last_pi(const node_pop *pop, int cls, int band);
/* The band multipliers m_b (n_buckets,), mean 1. */
const double *node_pop_band_mult(const node_pop *pop);

/* Agents (empty view in deterministic mode or without keep_agents). */
struct node_agents node_pop_agents(const node_pop *pop);
int node_pop_agent_live(const node_pop *pop, size_t agent);
size_t node_pop_ncohorts(const node_pop *pop);

/* Walks every cohort and agent and checks the invariants above; returns 1
 * when they hold (O(cohorts + agents): for tests and debugging). */
int node_pop_check(const node_pop *pop);

#endif
