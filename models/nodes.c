/* nodes.c — the operator population of nodes.h: cohorts in FIFO lists, bands
 * of electricity cost, and the entry/exit/retirement rules.
 *
 * Every per-day loop runs over classes x bands; only cohorts that change
 * state are touched.  See nodes.h for the rules and the invariants.
 */
#include "nodes.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_rng.h>

#include "sim/rng.h"

enum { CO_PENDING = 0, CO_LIVE = 1, CO_EXITED = 2, CO_RETIRED = 3 };

struct cohort {
	int32_t cls, band;
	int32_t arrive_day;      /* day it starts operating */
	int32_t retire_day;      /* day it reaches end of life */
	int32_t next;            /* next cohort in its FIFO, -1 at the tail */
	int32_t state;           /* CO_* */
	double units;            /* units (integer-valued in stochastic mode) */
	int64_t first_agent;     /* index of its first agent, -1 without agents */
};

struct fifo { int32_t head, tail; };

struct band_state {
	struct fifo live;        /* live cohorts of this (class, band), by arrival */
	double units;            /* live units */
	int neg_days;            /* consecutive days of operating loss */
	double last_pi;          /* profitability index at the last decide */
};

struct node_pop {
	struct node_params p;
	int n_classes, nb;
	struct node_class cls[NODE_MAX_CLASSES];
	int lag[NODE_MAX_CLASSES];          /* whole days */
	int life[NODE_MAX_CLASSES];         /* whole days */
	gsl_rng *r;
	gsl_rng *ra;                        /* agents' cost draws: r when NULL */
	/* unit_pi's terms that stay fixed for a class (the parameters do) */
	double d, g;                        /* 1/day: discount and expected decline */
	double grow_lag[NODE_MAX_CLASSES];  /* e^{-g lag} */
	double disc_lag[NODE_MAX_CLASSES];  /* e^{-d lag} */
	double ann_dg[NODE_MAX_CLASSES], ann_d[NODE_MAX_CLASSES], disc_life[NODE_MAX_CLASSES];

	double m[NODE_MAX_BUCKETS];         /* band multipliers, mean 1 */
	double lm[NODE_MAX_BUCKETS];        /* their logarithms */
	double q_lo[NODE_MAX_BUCKETS + 1];  /* band edges as probabilities */

	struct band_state *bs;              /* (n_classes * nb) */
	struct fifo pending[NODE_MAX_CLASSES];
	double units[NODE_MAX_CLASSES];     /* live units by class */
	double pend_units[NODE_MAX_CLASSES];

	struct cohort *co;
	size_t nco, capco;

	/* agents, struct of arrays */
	size_t na, capa;
	int32_t *a_cls, *a_cohort, *a_join, *a_retire;
	double *a_cost, *a_stake;

	int last_day;                       /* last day advanced, INT32_MIN before */
	int decided_day;
	struct node_day today;
};

/* ---------------------------------------------------------------------------
 * Checks
 * ------------------------------------------------------------------------- */

static void bad_num(sim_diag *d, int *nerr, const char *prefix, const char *key,
                    double v, double lo, double hi)
{
	if (isfinite(v) && v >= lo && v <= hi)
		return;
	diag_add(d, "%s.%s: expected a number in [%g, %g], got %g", prefix, key, lo, hi, v);
	(*nerr)++;
}

sim_status node_params_check(const struct node_params *p,
                             const struct node_class *cls, int n_classes,
                             const char *prefix, sim_diag *d)
{
	int nerr = 0;
	if (!prefix)
		prefix = "$";
	bad_num(d, &nerr, prefix, "entry_rate", p->entry_rate, 0, 10);
	bad_num(d, &nerr, prefix, "hurdle_rate", p->hurdle_rate, 0, 100);
	bad_num(d, &nerr, prefix, "revenue_decline", p->revenue_decline, 0, 0.99);
	bad_num(d, &nerr, prefix, "patience_days", p->patience_days, 0, 36500);
	bad_num(d, &nerr, prefix, "elec_sigma", p->elec_sigma, 0, 3);
	if (p->n_buckets < 1 || p->n_buckets > NODE_MAX_BUCKETS) {
		diag_add(d, "%s.n_buckets: expected an integer in [1, %d], got %d",
		         prefix, NODE_MAX_BUCKETS, p->n_buckets);
		nerr++;
	}
	if (n_classes < 1 || n_classes > NODE_MAX_CLASSES) {
		diag_add(d, "%s: expected 1 to %d hardware classes, got %d", prefix,
		         NODE_MAX_CLASSES, n_classes);
		return SIM_EINVAL;
	}
	for (int i = 0; i < n_classes; i++) {
		const struct node_class *c = &cls[i];
		char where[256];
		snprintf(where, sizeof where, "%s.classes[%s]", prefix,
		         c->name ? c->name : "?");
		if (!c->name || !*c->name) {
			diag_add(d, "%s.classes[%d].name: expected a non-empty string", prefix, i);
			nerr++;
		}
		if (!(isfinite(c->unit_capacity) && c->unit_capacity > 0)) {
			diag_add(d, "%s.unit_capacity: expected a number > 0, got %g", where,
			         c->unit_capacity);
			nerr++;
		}
		if (!(isfinite(c->capex_usd) && c->capex_usd > 0)) {
			diag_add(d, "%s.capex_usd: expected a number > 0, got %g", where,
			         c->capex_usd);
			nerr++;
		}
		bad_num(d, &nerr, where, "power_w", c->power_w, 0, 1e9);
		bad_num(d, &nerr, where, "life_days", c->life_days, 1, 36500);
		bad_num(d, &nerr, where, "residual_frac", c->residual_frac, 0, 1);
		bad_num(d, &nerr, where, "lag_days", c->lag_days, 0, 3650);
		bad_num(d, &nerr, where, "supply_per_day", c->supply_per_day, 0, 1e15);
		bad_num(d, &nerr, where, "seed_per_day", c->seed_per_day, 0, 1e15);
		bad_num(d, &nerr, where, "stake", c->stake, 0, 1e30);
		if (isnan(c->available_day) || isnan(c->withdrawn_day) ||
		    c->withdrawn_day < c->available_day) {
			diag_add(d, "%s: withdrawn_day (%g) must not precede available_day (%g)",
			         where, c->withdrawn_day, c->available_day);
			nerr++;
		}
	}
	return nerr ? SIM_EINVAL : SIM_OK;
}

/* ---------------------------------------------------------------------------
 * Allocation
 * ------------------------------------------------------------------------- */

/* Band multipliers: conditional means of a mean-1 lognormal over
 * equal-probability bands: E[X | band] = nb [Phi(z_hi - s) - Phi(z_lo - s)]. */
static void init_bands(node_pop *pop)
{
	int nb = pop->nb;
	double s = pop->p.elec_sigma;
	for (int b = 0; b <= nb; b++)
		pop->q_lo[b] = (double)b / nb;
	for (int b = 0; b < nb; b++) {
		if (s == 0) {
			pop->m[b] = 1.0;
			pop->lm[b] = 0.0;
			continue;
		}
		double lo = b == 0 ? 0.0 : gsl_cdf_ugaussian_P(gsl_cdf_ugaussian_Pinv(pop->q_lo[b]) - s);
		double hi = b == nb - 1 ? 1.0 :
		            gsl_cdf_ugaussian_P(gsl_cdf_ugaussian_Pinv(pop->q_lo[b + 1]) - s);
		pop->m[b] = nb * (hi - lo);
		pop->lm[b] = log(pop->m[b]);
	}
}

/* The present value of 1 a day for T days at rate x a day. */
static double annuity(double x, double T)
{
	return x > 1e-15 ? -expm1(-x * T) / x : T;
}

node_pop *node_pop_alloc(const struct node_params *p, const struct node_class *cls,
                         int n_classes, gsl_rng *r)
{
	sim_diag d;
	diag_init(&d);
	sim_status st = node_params_check(p, cls, n_classes, "$.nodes", &d);
	diag_release(&d);
	if (st != SIM_OK || (!p->deterministic && !r))
		return NULL;

	node_pop *pop = calloc(1, sizeof *pop);
	if (!pop)
		return NULL;
	pop->p = *p;
	pop->n_classes = n_classes;
	pop->nb = p->n_buckets;
	pop->r = r;
	memcpy(pop->cls, cls, (size_t)n_classes * sizeof *cls);
	pop->d = log1p(p->hurdle_rate) / 365.0;
	pop->g = -log1p(-p->revenue_decline) / 365.0;
	for (int c = 0; c < n_classes; c++) {
		pop->lag[c] = (int)lround(cls[c].lag_days);
		pop->life[c] = (int)lround(cls[c].life_days);
		pop->pending[c] = (struct fifo){ -1, -1 };
		double lag = pop->lag[c], L = pop->life[c];
		pop->grow_lag[c] = exp(-pop->g * lag);
		pop->disc_lag[c] = exp(-pop->d * lag);
		pop->ann_dg[c] = annuity(pop->d + pop->g, L);
		pop->ann_d[c] = annuity(pop->d, L);
		pop->disc_life[c] = exp(-pop->d * L);
	}
	pop->bs = calloc((size_t)n_classes * pop->nb, sizeof *pop->bs);
	if (!pop->bs)
		goto fail;
	for (int i = 0; i < n_classes * pop->nb; i++)
		pop->bs[i].live = (struct fifo){ -1, -1 };
	init_bands(pop);
	pop->last_day = INT32_MIN;
	pop->decided_day = INT32_MIN;
	return pop;
fail:
	node_pop_free(pop);
	return NULL;
}

void node_pop_set_agent_rng(node_pop *pop, gsl_rng *ra)
{
	SIM_ASSERT(pop->nco == 0);
	pop->ra = ra;
}

void node_pop_free(node_pop *pop)
{
	if (!pop)
		return;
	free(pop->bs);
	free(pop->co);
	free(pop->a_cls);
	free(pop->a_cohort);
	free(pop->a_join);
	free(pop->a_retire);
	free(pop->a_cost);
	free(pop->a_stake);
	free(pop);
}

/* ---------------------------------------------------------------------------
 * Growth of the flat arrays (geometric; nothing else allocates)
 * ------------------------------------------------------------------------- */

static int grow(void **p, size_t elem, size_t *cap, size_t need)
{
	if (need <= *cap)
		return 1;
	size_t n = *cap ? *cap : 1024;
	while (n < need)
		n *= 2;
	void *q = realloc(*p, n * elem);
	if (!q)
		return 0;
	*p = q;
	*cap = n;
	return 1;
}

static int reserve_cohorts(node_pop *pop, size_t extra)
{
	return grow((void **)&pop->co, sizeof *pop->co, &pop->capco, pop->nco + extra);
}

static int reserve_agents(node_pop *pop, size_t extra)
{
	size_t need = pop->na + extra, cap = pop->capa;
	if (need <= cap)
		return 1;
	size_t c1 = cap, c2 = cap, c3 = cap, c4 = cap, c5 = cap, c6 = cap;
	if (!grow((void **)&pop->a_cls, sizeof *pop->a_cls, &c1, need) ||
	    !grow((void **)&pop->a_cohort, sizeof *pop->a_cohort, &c2, need) ||
	    !grow((void **)&pop->a_join, sizeof *pop->a_join, &c3, need) ||
	    !grow((void **)&pop->a_retire, sizeof *pop->a_retire, &c4, need) ||
	    !grow((void **)&pop->a_cost, sizeof *pop->a_cost, &c5, need) ||
	    !grow((void **)&pop->a_stake, sizeof *pop->a_stake, &c6, need))
		return 0;  /* arrays grown so far keep their larger size: harmless */
	pop->capa = c1;
	return 1;
}

static struct band_state *band(node_pop *pop, int c, int b)
{
	return &pop->bs[(size_t)c * pop->nb + b];
}

static void fifo_push(node_pop *pop, struct fifo *f, int32_t i)
{
	pop->co[i].next = -1;
	if (f->tail < 0)
		f->head = i;
	else
		pop->co[f->tail].next = i;
	f->tail = i;
}

static int32_t fifo_pop(node_pop *pop, struct fifo *f)
{
	int32_t i = f->head;
	f->head = pop->co[i].next;
	if (f->head < 0)
		f->tail = -1;
	return i;
}

/* Creates a cohort of n units (and its agents); the caller reserved space. */
static int32_t new_cohort(node_pop *pop, int c, int b, int arrive, int retire,
                          double units)
{
	int32_t i = (int32_t)pop->nco++;
	struct cohort *k = &pop->co[i];
	*k = (struct cohort){ .cls = c, .band = b, .arrive_day = arrive,
	                      .retire_day = retire, .next = -1, .state = CO_PENDING,
	                      .units = units, .first_agent = -1 };
	if (!pop->p.deterministic && pop->p.keep_agents && units > 0) {
		size_t n = (size_t)units;
		k->first_agent = (int64_t)pop->na;
		double s = pop->p.elec_sigma, mu = -0.5 * s * s;
		for (size_t j = 0; j < n; j++) {
			size_t a = pop->na++;
			/* a cost draw inside the band: uniform in its probability range */
			double u = (b + gsl_rng_uniform_pos(pop->ra ? pop->ra : pop->r)) / pop->nb;
			pop->a_cls[a] = c;
			pop->a_cohort[a] = i;
			pop->a_join[a] = arrive;
			pop->a_retire[a] = retire;
			pop->a_cost[a] = s > 0 ? exp(mu + s * gsl_cdf_ugaussian_Pinv(u)) : 1.0;
			pop->a_stake[a] = pop->cls[c].stake;
		}
	}
	return i;
}

static void make_live(node_pop *pop, int32_t i)
{
	struct cohort *k = &pop->co[i];
	struct band_state *s = band(pop, k->cls, k->band);
	k->state = CO_LIVE;
	if (s->live.tail >= 0 && pop->co[s->live.tail].retire_day > k->retire_day) {
		/* only an initial fleet added out of order lands here: keep the
		 * list sorted by retirement (O(list), not on the daily path) */
		int32_t *link = &s->live.head;
		while (*link >= 0 && pop->co[*link].retire_day <= k->retire_day)
			link = &pop->co[*link].next;
		k->next = *link;
		*link = i;
	} else {
		fifo_push(pop, &s->live, i);
	}
	s->units += k->units;
	pop->units[k->cls] += k->units;
}

/* ---------------------------------------------------------------------------
 * Initial fleet
 * ------------------------------------------------------------------------- */

sim_status node_pop_add(node_pop *pop, int c, double units, int joined)
{
	SIM_ASSERT(c >= 0 && c < pop->n_classes);
	if (!(units >= 0) || !isfinite(units))
		return SIM_EINVAL;
	int nb = pop->nb;
	double per[NODE_MAX_BUCKETS];
	if (pop->p.deterministic) {
		for (int b = 0; b < nb; b++)
			per[b] = units / nb;
	} else {
		/* integer units spread over the bands: a uniform band per unit */
		double n = floor(units + 0.5);
		for (int b = 0; b < nb; b++)
			per[b] = 0;
		if (n > 1e9)
			return SIM_ERANGE;
		for (long j = 0; j < (long)n; j++)
			per[gsl_rng_uniform_int(pop->r, (unsigned long)nb)] += 1;
	}
	size_t na = 0;
	for (int b = 0; b < nb; b++)
		na += (size_t)per[b];
	if (!reserve_cohorts(pop, (size_t)nb) ||
	    (!pop->p.deterministic && pop->p.keep_agents && !reserve_agents(pop, na)))
		return SIM_ENOMEM;
	int retire = joined + pop->life[c];
	for (int b = 0; b < nb; b++) {
		if (per[b] <= 0)
			continue;
		int32_t i = new_cohort(pop, c, b, joined, retire, per[b]);
		make_live(pop, i);
	}
	return SIM_OK;
}

void node_pop_set_capex(node_pop *pop, int c, double usd)
{
	SIM_ASSERT(c >= 0 && c < pop->n_classes);
	SIM_ASSERT(isfinite(usd) && usd > 0);
	pop->cls[c].capex_usd = usd;
}

void node_pop_set_supply(node_pop *pop, int c, double per_day)
{
	SIM_ASSERT(c >= 0 && c < pop->n_classes);
	SIM_ASSERT(isfinite(per_day) && per_day > 0);
	pop->cls[c].supply_per_day = per_day;
}

/* ---------------------------------------------------------------------------
 * The day: retire, arrive, exit, order
 * ------------------------------------------------------------------------- */

/* Class totals as sums of band totals, so removals leave no drift. */
static void resum(node_pop *pop, int c)
{
	double u = 0;
	for (int b = 0; b < pop->nb; b++)
		u += band(pop, c, b)->units;
	pop->units[c] = u;
}

void node_pop_advance(node_pop *pop, int day)
{
	SIM_ASSERT(day > pop->last_day);
	pop->last_day = day;
	pop->today = (struct node_day){ 0 };
	for (int c = 0; c < pop->n_classes; c++) {
		for (int b = 0; b < pop->nb; b++) {
			struct band_state *s = band(pop, c, b);
			while (s->live.head >= 0 && pop->co[s->live.head].retire_day <= day) {
				int32_t i = fifo_pop(pop, &s->live);
				pop->co[i].state = CO_RETIRED;
				s->units -= pop->co[i].units;
				pop->units[c] -= pop->co[i].units;
				pop->today.retired += pop->co[i].units;
			}
			if (s->live.head < 0)   /* exact zero, no drift from fractions */
				s->units = 0;
		}
		resum(pop, c);
		struct fifo *f = &pop->pending[c];
		while (f->head >= 0 && pop->co[f->head].arrive_day <= day) {
			int32_t i = fifo_pop(pop, f);
			pop->pend_units[c] -= pop->co[i].units;
			pop->today.arrived += pop->co[i].units;
			make_live(pop, i);
		}
		if (f->head < 0)
			pop->pend_units[c] = 0;
	}
}

/* Profitability index V/K of one unit of class c, band b (see nodes.h):
 * R0 the revenue a day on arrival, E1 the energy cost a day at multiplier 1,
 * lre1 = ln(R0 / E1), all three the class's for the day. */
static double unit_pi(const node_pop *pop, int c, int b, double R0, double E1, double lre1)
{
	const struct node_class *k = &pop->cls[c];
	double d = pop->d, g = pop->g, E = E1 * pop->m[b];
	if (!(R0 > E))
		return 0.0;
	double L = pop->life[c], V;
	double T = g > 0 && E > 0 ? (lre1 - pop->lm[b]) / g : L;
	if (T >= L)
		V = R0 * pop->ann_dg[c] - E * pop->ann_d[c] + k->residual_frac * k->capex_usd * pop->disc_life[c];
	else {
		/* the unit runs until revenue falls to its energy cost, e^{-gT} = E/R0,
		 * so with q = e^{-dT} both annuities follow from one expm1 */
		double em = expm1(-d * T), q = 1 + em;
		double a_d = d > 1e-15 ? -em / d : T;
		V = R0 * (1 - q * E / R0) / (d + g) - E * a_d + k->residual_frac * k->capex_usd * q;
	}
	return fmax(V, 0.0) * pop->disc_lag[c] / k->capex_usd;
}

sim_status node_pop_decide(node_pop *pop, int day, double r, double kwh)
{
	SIM_ASSERT(day == pop->last_day && day > pop->decided_day);
	SIM_ASSERT(isfinite(r) && isfinite(kwh) && kwh >= 0);
	pop->decided_day = day;
	int nb = pop->nb;

	/* exits: bands whose operating profit stayed negative long enough */
	for (int c = 0; c < pop->n_classes; c++) {
		const struct node_class *k = &pop->cls[c];
		double rev = k->unit_capacity * r;
		double e1 = k->power_w / 1000.0 * 24.0 * kwh;
		for (int b = 0; b < nb; b++) {
			struct band_state *s = band(pop, c, b);
			if (s->live.head < 0) {
				s->neg_days = 0;
				continue;
			}
			if (rev - e1 * pop->m[b] >= 0) {
				s->neg_days = 0;
				continue;
			}
			if (++s->neg_days < pop->p.patience_days)
				continue;
			while (s->live.head >= 0) {
				int32_t i = fifo_pop(pop, &s->live);
				pop->co[i].state = CO_EXITED;
				pop->co[i].retire_day = day;
				pop->units[c] -= pop->co[i].units;
				pop->today.exited += pop->co[i].units;
			}
			s->units = 0;
			s->neg_days = 0;
		}
		resum(pop, c);
	}

	/* orders */
	double total = node_pop_capacity(pop);
	double lam[NODE_MAX_BUCKETS];
	for (int c = 0; c < pop->n_classes; c++) {
		const struct node_class *k = &pop->cls[c];
		int on_sale = day >= k->available_day && day < k->withdrawn_day;
		double base = pop->p.base_per_class ? pop->units[c] * k->unit_capacity : total;
		double drive = k->seed_per_day + pop->p.entry_rate * base / k->unit_capacity;
		double R0 = k->unit_capacity * r * pop->grow_lag[c];
		double E1 = k->power_w / 1000.0 * 24.0 * kwh;
		double lre1 = R0 > 0 && E1 > 0 ? log(R0 / E1) : INFINITY;
		double sum = 0;
		for (int b = 0; b < nb; b++) {
			double pi = on_sale ? unit_pi(pop, c, b, R0, E1, lre1) : 0.0;
			band(pop, c, b)->last_pi = pi;
			lam[b] = pi > 1.0 ? log(pi) * drive / nb : 0.0;
			sum += lam[b];
		}
		if (sum <= 0)
			continue;
		double cap = k->supply_per_day > 0 ? k->supply_per_day : INFINITY;
		int arrive = day + pop->lag[c];
		int retire = arrive + pop->life[c];
		if (pop->p.deterministic) {
			double scale = sum > cap ? cap / sum : 1.0;
			if (!reserve_cohorts(pop, (size_t)nb))
				return SIM_ENOMEM;
			for (int b = 0; b < nb; b++) {
				double u = lam[b] * scale;
				if (u <= 1e-12)
					continue;
				int32_t i = new_cohort(pop, c, b, arrive, retire, u);
				fifo_push(pop, &pop->pending[c], i);
				pop->pend_units[c] += u;
				pop->today.ordered += u;
			}
			continue;
		}
		/* stochastic: Poisson orders per band, then the supply cap drops
		 * the highest-cost bands' orders first */
		double n[NODE_MAX_BUCKETS], tot = 0;
		for (int b = 0; b < nb; b++) {
			n[b] = rng_poisson(pop->r, lam[b]);
			tot += n[b];
		}
		double capn = floor(cap);
		for (int b = nb - 1; b >= 0 && tot > capn; b--) {
			double cut = fmin(n[b], tot - capn);
			n[b] -= cut;
			tot -= cut;
		}
		if (tot <= 0)
			continue;
		if (!reserve_cohorts(pop, (size_t)nb) ||
		    (pop->p.keep_agents && !reserve_agents(pop, (size_t)tot)))
			return SIM_ENOMEM;
		for (int b = 0; b < nb; b++) {
			if (n[b] <= 0)
				continue;
			int32_t i = new_cohort(pop, c, b, arrive, retire, n[b]);
			fifo_push(pop, &pop->pending[c], i);
			pop->pend_units[c] += n[b];
			pop->today.ordered += n[b];
		}
	}
	/* orders with no lag arrive today */
	for (int c = 0; c < pop->n_classes; c++) {
		struct fifo *f = &pop->pending[c];
		while (f->head >= 0 && pop->co[f->head].arrive_day <= day) {
			int32_t i = fifo_pop(pop, f);
			pop->pend_units[c] -= pop->co[i].units;
			pop->today.arrived += pop->co[i].units;
			make_live(pop, i);
		}
	}
	return SIM_OK;
}

sim_status node_pop_step(node_pop *pop, int day, double r, double kwh)
{
	node_pop_advance(pop, day);
	return node_pop_decide(pop, day, r, kwh);
}

/* ---------------------------------------------------------------------------
 * Queries
 * ------------------------------------------------------------------------- */

struct node_day node_pop_today(const node_pop *pop) { return pop->today; }
int node_pop_nclasses(const node_pop *pop) { return pop->n_classes; }
size_t node_pop_ncohorts(const node_pop *pop) { return pop->nco; }
const double *node_pop_band_mult(const node_pop *pop) { return pop->m; }

double node_pop_units_class(const node_pop *pop, int c)
{
	SIM_ASSERT(c >= 0 && c < pop->n_classes);
	return pop->units[c];
}

double node_pop_capacity_class(const node_pop *pop, int c)
{
	SIM_ASSERT(c >= 0 && c < pop->n_classes);
	return pop->units[c] * pop->cls[c].unit_capacity;
}

double node_pop_pending_class(const node_pop *pop, int c)
{
	SIM_ASSERT(c >= 0 && c < pop->n_classes);
	return pop->pend_units[c];
}

double node_pop_capacity(const node_pop *pop)
{
	double t = 0;
	for (int c = 0; c < pop->n_classes; c++)
		t += pop->units[c] * pop->cls[c].unit_capacity;
	return t;
}

double node_pop_units(const node_pop *pop)
{
	double t = 0;
	for (int c = 0; c < pop->n_classes; c++)
		t += pop->units[c];
	return t;
}

void node_pop_units_by_class(const node_pop *pop, double *out)
{
	for (int c = 0; c < pop->n_classes; c++)
		out[c] = pop->units[c];
}

void node_pop_capacity_by_class(const node_pop *pop, double *out)
{
	for (int c = 0; c < pop->n_classes; c++)
		out[c] = pop->units[c] * pop->cls[c].unit_capacity;
}

double node_pop_power_w(const node_pop *pop)
{
	double t = 0;
	for (int c = 0; c < pop->n_classes; c++)
		t += pop->units[c] * pop->cls[c].power_w;
	return t;
}

double node_pop_energy_usd_day(const node_pop *pop, double kwh)
{
	double t = 0;
	for (int c = 0; c < pop->n_classes; c++)
		for (int b = 0; b < pop->nb; b++)
			t += pop->bs[(size_t)c * pop->nb + b].units * pop->cls[c].power_w *
			     pop->m[b];
	return t / 1000.0 * 24.0 * kwh;
}

double node_pop_last_pi(const node_pop *pop, int c, int b)
{
	SIM_ASSERT(c >= 0 && c < pop->n_classes && b >= 0 && b < pop->nb);
	return pop->bs[(size_t)c * pop->nb + b].last_pi;
}

struct node_agents node_pop_agents(const node_pop *pop)
{
	return (struct node_agents){ .n = pop->na, .cls = pop->a_cls,
	                             .cohort = pop->a_cohort, .join_day = pop->a_join,
	                             .retire_day = pop->a_retire,
	                             .cost_mult = pop->a_cost, .stake = pop->a_stake };
}

int node_pop_agent_live(const node_pop *pop, size_t a)
{
	SIM_ASSERT(a < pop->na);
	return pop->co[pop->a_cohort[a]].state == CO_LIVE;
}

static int near(double a, double b)
{
	return fabs(a - b) <= 1e-9 * (1.0 + fabs(a) + fabs(b));
}

int node_pop_check(const node_pop *pop)
{
	double units[NODE_MAX_CLASSES] = { 0 }, pend[NODE_MAX_CLASSES] = { 0 };
	double *bu = calloc((size_t)pop->n_classes * pop->nb, sizeof *bu);
	double agents_live[NODE_MAX_CLASSES] = { 0 };
	int ok = bu != NULL;
	for (size_t i = 0; ok && i < pop->nco; i++) {
		const struct cohort *k = &pop->co[i];
		if (k->units < 0)
			ok = 0;
		if (k->state == CO_LIVE) {
			units[k->cls] += k->units;
			bu[(size_t)k->cls * pop->nb + k->band] += k->units;
		} else if (k->state == CO_PENDING) {
			pend[k->cls] += k->units;
		}
	}
	for (int c = 0; ok && c < pop->n_classes; c++) {
		if (!near(units[c], pop->units[c]) || !near(pend[c], pop->pend_units[c]) ||
		    pop->units[c] < -1e-9 || pop->pend_units[c] < -1e-9)
			ok = 0;
		for (int b = 0; ok && b < pop->nb; b++)
			if (!near(bu[(size_t)c * pop->nb + b], pop->bs[(size_t)c * pop->nb + b].units))
				ok = 0;
	}
	/* the live lists hold exactly the live cohorts, by retirement day */
	for (int c = 0; ok && c < pop->n_classes; c++)
		for (int b = 0; ok && b < pop->nb; b++) {
			double u = 0;
			int prev = INT32_MIN;
			for (int32_t i = pop->bs[(size_t)c * pop->nb + b].live.head; i >= 0;
			     i = pop->co[i].next) {
				if (pop->co[i].state != CO_LIVE || pop->co[i].retire_day < prev)
					ok = 0;
				prev = pop->co[i].retire_day;
				u += pop->co[i].units;
			}
			if (!near(u, bu[(size_t)c * pop->nb + b]))
				ok = 0;
		}
	if (ok && !pop->p.deterministic && pop->p.keep_agents) {
		for (size_t a = 0; a < pop->na; a++)
			if (pop->co[pop->a_cohort[a]].state == CO_LIVE)
				agents_live[pop->a_cls[a]] += 1;
		for (int c = 0; c < pop->n_classes; c++)
			if (!near(agents_live[c], pop->units[c]))
				ok = 0;
	}
	free(bu);
	return ok;
}
