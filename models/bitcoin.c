/* bitcoin.c — the Bitcoin back-test of the node-growth model: the subsidy
 * schedule, dates, the data files and the daily simulation on the event core.
 * The errors and the fit are btc_fit.c's, the scenario and the model type
 * btc_type.c's.  See bitcoin.h.
 */
#include "bitcoin.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/csv.h"
#include "sim/rng.h"
#include "sim/sim.h"
#include "registry.h"

#define BLOCKS_PER_DAY 144.0    /* 600 s target interval (chainparams) */

/* ---------------------------------------------------------------------------
 * Subsidy schedule in satoshi
 * ------------------------------------------------------------------------- */

int64_t btc_subsidy_sat(int64_t height)
{
	int64_t halvings = height / BTC_HALVING_INTERVAL;
	if (height < 0 || halvings >= 64)
		return 0;
	return (50 * BTC_COIN) >> halvings;
}

int64_t btc_total_supply_sat(void)
{
	int64_t total = 0;
	for (int64_t e = 0; e < 64; e++)
		total += btc_subsidy_sat(e * BTC_HALVING_INTERVAL) * BTC_HALVING_INTERVAL;
	return total;
}

/* ---------------------------------------------------------------------------
 * Dates (days since 1970-01-01; H. Hinnant's civil-date algorithms)
 * ------------------------------------------------------------------------- */

int32_t btc_days(int y, int m, int d)
{
	y -= m <= 2;
	int era = (y >= 0 ? y : y - 399) / 400;
	int yoe = y - era * 400;
	int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void btc_civil(int32_t z, int *y, int *m, int *d)
{
	z += 719468;
	int era = (z >= 0 ? z : z - 146096) / 146097;
	int doe = z - era * 146097;
	int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

double btc_year_frac(int32_t day)
{
	int y, m, d;
	btc_civil(day, &y, &m, &d);
	int32_t a = btc_days(y, 1, 1), b = btc_days(y + 1, 1, 1);
	return y + (double)(day - a) / (b - a);
}

int btc_parse_date(const char *s, int dflt_day, int32_t *out)
{
	int y, m, d = dflt_day, n = 0;
	if (!s)
		return -1;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && s[n] == 0) {
		/* full date */
	} else if (sscanf(s, "%4d-%2d%n", &y, &m, &n) == 2 && s[n] == 0) {
		d = dflt_day;
	} else {
		return -1;
	}
	if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	int32_t t = btc_days(y, m, d);
	int yy, mm, dd;
	btc_civil(t, &yy, &mm, &dd);
	if (yy != y || mm != m || dd != d)
		return -1;   /* 2021-02-30 */
	*out = t;
	return 0;
}

/* ---------------------------------------------------------------------------
 * Data files
 * ------------------------------------------------------------------------- */

static void series_free(struct btc_series *s)
{
	free(s->day);
	free(s->v);
	free(s->day2);
	free(s->tag);
	memset(s, 0, sizeof *s);
}

static int series_alloc(struct btc_series *s, int n)
{
	s->n = n;
	s->day = calloc((size_t)n + 1, sizeof *s->day);
	s->v = calloc((size_t)n + 1, sizeof *s->v);
	s->day2 = calloc((size_t)n + 1, sizeof *s->day2);
	s->tag = calloc((size_t)n + 1, sizeof *s->tag);
	return s->day && s->v && s->day2 && s->tag;
}

void btc_data_release(struct btc_data *bd)
{
	series_free(&bd->price);
	series_free(&bd->subsidy);
	series_free(&bd->fees);
	series_free(&bd->elec);
	series_free(&bd->life);
	series_free(&bd->resid);
	series_free(&bd->hr_month);
	series_free(&bd->hr_point);
	bd->n_gen = 0;
}

/* A date cell, with the file:line message form of csv.h. */
static int cell_date(const csv *t, int row, int col, int dflt_day, int32_t *out, sim_diag *d)
{
	const char *c = csv_cell(t, row, col);
	if (btc_parse_date(c, dflt_day, out) == 0)
		return 0;
	diag_add(d, "%s:%d: column '%s': expected date YYYY-MM-DD, got '%s'", csv_path(t),
	         csv_line(t, row), csv_header(t, col), c);
	return -1;
}

static int cell_pos(const csv *t, int row, int col, double *out, int allow_zero, sim_diag *d)
{
	if (csv_num(t, row, col, out, d) != SIM_OK)
		return -1;
	if (*out > 0 || (allow_zero && *out == 0))
		return 0;
	diag_add(d, "%s:%d: column '%s': expected a number %s 0, got '%s'", csv_path(t),
	         csv_line(t, row), csv_header(t, col), allow_zero ? ">=" : ">",
	         csv_cell(t, row, col));
	return -1;
}

/* Days must increase down the file. */
static int check_order(const csv *t, const struct btc_series *s, sim_diag *d)
{
	for (int i = 1; i < s->n; i++)
		if (s->day[i] <= s->day[i - 1]) {
			diag_add(d, "%s:%d: dates must increase down the file", csv_path(t),
			         csv_line(t, i));
			return -1;
		}
	return 0;
}

static csv *open_table(const char *rel, sim_diag *d)
{
	char path[4096];
	model_data_path(path, sizeof path, rel);
	return csv_read(path, d);
}

/* Reads (date, value) rows into s; mode 1: date is a month (day 1). */
static int load_knots(struct btc_series *s, const char *rel, const char *dcol,
                      const char *vcol, int month, int allow_zero, const char *tagcol,
                      sim_diag *d)
{
	csv *t = open_table(rel, d);
	if (!t)
		return -1;
	int err = 0;
	int cd = csv_require(t, dcol, d), cv = csv_require(t, vcol, d);
	int ct = tagcol ? csv_require(t, tagcol, d) : -1;
	if (cd < 0 || cv < 0 || (tagcol && ct < 0) || csv_nrows(t) < 1) {
		if (csv_nrows(t) < 1)
			diag_add(d, "%s: no data rows", csv_path(t));
		csv_free(t);
		return -1;
	}
	if (!series_alloc(s, csv_nrows(t))) {
		diag_add(d, "%s: out of memory", csv_path(t));
		csv_free(t);
		return -1;
	}
	for (int i = 0; i < s->n; i++) {
		if (cell_date(t, i, cd, 1, &s->day[i], d))
			err = 1;
		if (month) {
			int y, m, dd;
			btc_civil(s->day[i], &y, &m, &dd);
			s->day2[i] = btc_days(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) - 1;
		}
		if (cell_pos(t, i, cv, &s->v[i], allow_zero, d))
			err = 1;
		if (ct >= 0)
			snprintf(s->tag[i], sizeof s->tag[i], "%s", csv_cell(t, i, ct));
	}
	if (!err && check_order(t, s, d))
		err = 1;
	csv_free(t);
	return err ? -1 : 0;
}

static int load_fees(struct btc_series *s, const char *rel, sim_diag *d)
{
	csv *t = open_table(rel, d);
	if (!t)
		return -1;
	int c0 = csv_require(t, "start", d), c1 = csv_require(t, "end", d);
	int cv = csv_require(t, "fee_btc_per_block", d);
	if (c0 < 0 || c1 < 0 || cv < 0 || !series_alloc(s, csv_nrows(t))) {
		csv_free(t);
		return -1;
	}
	int err = 0;
	for (int i = 0; i < s->n; i++) {
		if (cell_date(t, i, c0, 1, &s->day[i], d) || cell_date(t, i, c1, 1, &s->day2[i], d) ||
		    cell_pos(t, i, cv, &s->v[i], 1, d))
			err = 1;
	}
	if (!err && check_order(t, s, d))
		err = 1;
	csv_free(t);
	return err ? -1 : 0;
}

static int load_life(struct btc_data *bd, const char *rel, sim_diag *d)
{
	if (load_knots(&bd->life, rel, "from", "life_years", 0, 0, NULL, d))
		return -1;
	csv *t = open_table(rel, d);
	if (!t)
		return -1;
	int cr = csv_require(t, "residual_pct", d);
	int err = cr < 0 || !series_alloc(&bd->resid, csv_nrows(t));
	for (int i = 0; !err && i < bd->resid.n; i++) {
		bd->resid.day[i] = bd->life.day[i];
		if (csv_num(t, i, cr, &bd->resid.v[i], d) != SIM_OK)
			err = 1;
		else if (bd->resid.v[i] < 0 || bd->resid.v[i] > 100) {
			diag_add(d, "%s:%d: column 'residual_pct': expected a number in [0, 100], got '%s'",
			         csv_path(t), csv_line(t, i), csv_cell(t, i, cr));
			err = 1;
		}
		bd->resid.v[i] /= 100.0;
	}
	csv_free(t);
	return err ? -1 : 0;
}

static double step_value(const struct btc_series *s, int32_t day)
{
	double v = s->v[0];
	for (int i = 0; i < s->n && s->day[i] <= day; i++)
		v = s->v[i];
	return v;
}

static int load_gens(struct btc_data *bd, const char *rel, sim_diag *d)
{
	csv *t = open_table(rel, d);
	if (!t)
		return -1;
	const char *cols[] = { "generation", "available", "j_per_th", "usd_per_th_low",
	                       "usd_per_th_central", "usd_per_th_high", "machine_ths" };
	int c[7], err = 0;
	for (int k = 0; k < 7; k++)
		if ((c[k] = csv_require(t, cols[k], d)) < 0)
			err = 1;
	if (err) {
		csv_free(t);
		return -1;
	}
	if (csv_nrows(t) < 1 || csv_nrows(t) > BTC_MAX_GEN) {
		diag_add(d, "%s: expected 1 to %d generations, got %d", csv_path(t), BTC_MAX_GEN,
		         csv_nrows(t));
		csv_free(t);
		return -1;
	}
	bd->n_gen = csv_nrows(t);
	for (int i = 0; i < bd->n_gen; i++) {
		struct btc_gen *g = &bd->gen[i];
		snprintf(g->name, sizeof g->name, "%s", csv_cell(t, i, c[0]));
		if (cell_date(t, i, c[1], 1, &g->avail, d) ||
		    cell_pos(t, i, c[2], &g->j_per_th, 0, d) ||
		    cell_pos(t, i, c[3], &g->usd_per_th[0], 0, d) ||
		    cell_pos(t, i, c[4], &g->usd_per_th[1], 0, d) ||
		    cell_pos(t, i, c[5], &g->usd_per_th[2], 0, d) ||
		    cell_pos(t, i, c[6], &g->machine_ths, 0, d)) {
			err = 1;
			continue;
		}
		if (i > 0 && g->avail <= bd->gen[i - 1].avail) {
			diag_add(d, "%s:%d: column 'available': dates must increase down the file",
			         csv_path(t), csv_line(t, i));
			err = 1;
		}
		if (!(g->usd_per_th[0] <= g->usd_per_th[1] && g->usd_per_th[1] <= g->usd_per_th[2])) {
			diag_add(d, "%s:%d: expected usd_per_th_low <= central <= high", csv_path(t),
			         csv_line(t, i));
			err = 1;
		}
	}
	csv_free(t);
	if (!err && bd->life.n)
		for (int i = 0; i < bd->n_gen; i++) {
			bd->gen[i].life_days = 365.25 * step_value(&bd->life, bd->gen[i].avail);
			bd->gen[i].residual = step_value(&bd->resid, bd->gen[i].avail);
		}
	return err ? -1 : 0;
}

sim_status btc_data_load(struct btc_data *bd, const struct btc_files *f, sim_diag *d)
{
	memset(bd, 0, sizeof *bd);
	int bad = 0;
	bad |= load_knots(&bd->price, f->price, "month", "mean_usd", 1, 0, NULL, d) != 0;
	bad |= load_knots(&bd->subsidy, f->halvings, "date", "subsidy_after_btc", 0, 0, NULL, d) != 0;
	bad |= load_fees(&bd->fees, f->fees, d) != 0;
	bad |= load_knots(&bd->elec, f->electricity, "date", "usd_per_kwh", 0, 0, NULL, d) != 0;
	bad |= load_life(bd, f->life, d) != 0;
	bad |= load_gens(bd, f->generations, d) != 0;
	bad |= load_knots(&bd->hr_month, f->hashrate_monthly, "month", "hashrate_ehs", 1, 0, NULL, d) != 0;
	bad |= load_knots(&bd->hr_point, f->hashrate_points, "date", "hashrate_ehs", 0, 0, "metric", d) != 0;
	if (!bad && bd->price.n) {
		/* a monthly mean stands for the middle of its month */
		for (int i = 0; i < bd->price.n; i++)
			bd->price.day[i] = bd->price.day[i] + 14;
	}
	return bad ? SIM_EINVAL : SIM_OK;
}

/* Linear interpolation in value (or in log value), flat outside. */
static double interp(const struct btc_series *s, int32_t day, int logv)
{
	if (day <= s->day[0])
		return s->v[0];
	if (day >= s->day[s->n - 1])
		return s->v[s->n - 1];
	int lo = 0, hi = s->n - 1;
	while (hi - lo > 1) {
		int mid = (lo + hi) / 2;
		if (s->day[mid] <= day)
			lo = mid;
		else
			hi = mid;
	}
	double w = (double)(day - s->day[lo]) / (s->day[hi] - s->day[lo]);
	if (logv)
		return exp((1 - w) * log(s->v[lo]) + w * log(s->v[hi]));
	return (1 - w) * s->v[lo] + w * s->v[hi];
}

double btc_price(const struct btc_data *bd, int32_t day) { return interp(&bd->price, day, 1); }
double btc_elec(const struct btc_data *bd, int32_t day) { return interp(&bd->elec, day, 0); }
double btc_subsidy(const struct btc_data *bd, int32_t day) { return step_value(&bd->subsidy, day); }

double btc_revenue(const struct btc_data *bd, int32_t day)
{
	return BLOCKS_PER_DAY * (btc_subsidy(bd, day) + btc_fees(bd, day)) * btc_price(bd, day);
}

double btc_fees(const struct btc_data *bd, int32_t day)
{
	const struct btc_series *s = &bd->fees;
	for (int i = s->n - 1; i >= 0; i--)
		if (day >= s->day[i])
			return s->v[i];
	return s->v[0];
}

/* ---------------------------------------------------------------------------
 * Simulation
 * ------------------------------------------------------------------------- */

void btc_trace_release(struct btc_trace *t)
{
	free(t->ths);
	free(t->revenue);
	free(t->units);
	free(t->watts);
	free(t->ordered);
	free(t->exited);
	memset(t, 0, sizeof *t);
}

static int trace_alloc(struct btc_trace *t, int n_days, int n_gen)
{
	if (t->n_days == n_days && t->n_gen == n_gen && t->ths)
		return 1;
	btc_trace_release(t);
	t->n_days = n_days;
	t->n_gen = n_gen;
	t->ths = calloc((size_t)n_days, sizeof *t->ths);
	t->revenue = calloc((size_t)n_days, sizeof *t->revenue);
	t->units = calloc((size_t)n_days * n_gen, sizeof *t->units);
	t->watts = calloc((size_t)n_days, sizeof *t->watts);
	t->ordered = calloc((size_t)n_days, sizeof *t->ordered);
	t->exited = calloc((size_t)n_days, sizeof *t->exited);
	return t->ths && t->revenue && t->units && t->watts && t->ordered && t->exited;
}

/* The node classes of the generations, in days since p->start. */
void btc_node_classes(const struct btc_params *p, struct node_class *c)
{
	const struct btc_data *bd = &p->data;
	for (int g = 0; g < bd->n_gen; g++) {
		const struct btc_gen *G = &bd->gen[g];
		c[g] = (struct node_class){
			.name = G->name,
			.unit_capacity = G->machine_ths,
			.capex_usd = G->usd_per_th[p->capex_level] * G->machine_ths,
			.power_w = G->j_per_th * G->machine_ths,
			.life_days = G->life_days,
			.residual_frac = G->residual,
			.lag_days = g == 0 ? p->gpu_lag_days : p->lag_days,
			.supply_per_day = 0,
			.seed_per_day = p->seed_ths_per_day / G->machine_ths,
			.available_day = G->avail - p->start,
			.withdrawn_day = g + 1 < bd->n_gen ? bd->gen[g + 1].avail - p->start : 1e9,
			.stake = 0,
		};
	}
}

/* The observed hash rate on a day: monthly means, log-interpolated mid-month. */
static double observed_ehs(const struct btc_data *bd, int32_t day)
{
	const struct btc_series *s = &bd->hr_month;
	for (int i = 0; i + 1 < s->n; i++) {
		int32_t a = s->day[i] + 14, b = s->day[i + 1] + 14;
		if (day >= a && day <= b) {
			double w = (double)(day - a) / (b - a);
			return exp((1 - w) * log(s->v[i]) + w * log(s->v[i + 1]));
		}
	}
	return day < s->day[0] + 14 ? s->v[0] : s->v[s->n - 1];
}

struct btc_run {
	const struct btc_params *p;
	node_pop *pop;
	struct btc_trace *t;
	int h_day;
	sim_status err;
};

static void on_day(sim *s, void *ctx, const struct evq_ev *ev)
{
	struct btc_run *m = ctx;
	const struct btc_params *p = m->p;
	int i = (int)ev->id;
	int32_t day = p->start + i;
	node_pop_advance(m->pop, i);
	double ths = node_pop_capacity(m->pop);
	double R = btc_revenue(&p->data, day);
	/* an empty network would earn everything: a floor of 1 MH/s keeps the
	 * hashprice finite */
	double r = R / fmax(ths, 1e-6);
	sim_status st = node_pop_decide(m->pop, i, r, btc_elec(&p->data, day));
	if (st != SIM_OK) {
		m->err = st;
		sim_stop(s);
		return;
	}
	struct btc_trace *t = m->t;
	t->ths[i] = node_pop_capacity(m->pop);
	t->revenue[i] = R;
	t->watts[i] = node_pop_power_w(m->pop);
	node_pop_units_by_class(m->pop, &t->units[(size_t)i * t->n_gen]);
	struct node_day nd = node_pop_today(m->pop);
	t->ordered[i] = nd.ordered;
	t->exited[i] = nd.exited;
	if (i + 1 < t->n_days)
		sim_schedule(s, ev->t + 1.0, 0, m->h_day, (uint64_t)(i + 1), 0.0);
}

sim_status btc_simulate(const struct btc_params *p, const struct node_params *np,
                        gsl_rng *r, struct btc_trace *t)
{
	const struct btc_data *bd = &p->data;
	int n_days = p->end - p->start + 1;
	if (!trace_alloc(t, n_days, bd->n_gen))
		return SIM_ENOMEM;
	struct node_class cls[BTC_MAX_GEN];
	btc_node_classes(p, cls);
	node_pop *pop = node_pop_alloc(np, cls, bd->n_gen, r);
	sim *s = sim_alloc();
	sim_status st = SIM_ENOMEM;
	if (!pop || !s)
		goto done;
	/* the initial fleet: the observed hash rate in the first generation on
	 * sale, with ages spread evenly over its life */
	int g0 = 0;
	for (int g = 0; g < bd->n_gen; g++)
		if (bd->gen[g].avail <= p->start)
			g0 = g;
	double ehs0 = p->initial_ehs > 0 ? p->initial_ehs : observed_ehs(bd, p->start);
	double units0 = ehs0 * 1e6 / cls[g0].unit_capacity;
	const int slices = 8;
	for (int k = 0; k < slices; k++) {
		int joined = -(int)lround(cls[g0].life_days * (k + 0.5) / slices);
		st = node_pop_add(pop, g0, units0 / slices, joined);
		if (st != SIM_OK)
			goto done;
	}
	struct btc_run m = { .p = p, .pop = pop, .t = t, .err = SIM_OK };
	m.h_day = sim_handler(s, on_day, &m);
	sim_schedule(s, 0.0, 0, m.h_day, 0, 0.0);
	st = sim_run(s, (double)n_days);
	if (st == SIM_OK)
		st = m.err;
done:
	sim_free(s);
	node_pop_free(pop);
	return st;
}
