/* btc_type.c — the Bitcoin back-test as a model type: its parameters read
 * from a scenario (and fitted when asked), one run recorded with its errors
 * against the observed hash rate.  See btc_type.h.
 */
#include "btc_type.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btc_fit.h"
#include "registry.h"
#include "sim/rng.h"

/* ---------------------------------------------------------------------------
 * The model type: parse and run
 * ------------------------------------------------------------------------- */

static void scn_date(const scn *s, const char *key, int32_t *out, int *bad, sim_diag *d)
{
	if (btc_parse_date(scn_str(s, key), 1, out)) {
		diag_add(d, "%s: $.%s: expected a date YYYY-MM-DD, got '%s'", scn_path(s), key,
		         scn_str(s, key));
		*bad = 1;
	}
}

/* btc_params_load without the release on error. */
static sim_status params_read(struct btc_params *p, const scn *s, sim_diag *d)
{
	memset(p, 0, sizeof *p);
	int bad = 0;
	struct node_params *np = &p->nodes;
	*np = (struct node_params)NODE_PARAMS_DEFAULT;
	np->entry_rate = scn_num(s, "nodes.entry_rate");
	np->hurdle_rate = scn_num(s, "nodes.hurdle_rate");
	np->revenue_decline = scn_num(s, "nodes.revenue_decline");
	np->patience_days = scn_num(s, "nodes.patience_days");
	np->elec_sigma = scn_num(s, "nodes.elec_sigma");
	np->n_buckets = (int)scn_int(s, "nodes.n_buckets");
	np->deterministic = scn_bool(s, "nodes.deterministic");
	np->keep_agents = 0;       /* millions of machines: cohorts only */
	np->base_per_class = 0;    /* generations replace each other */

	scn_date(s, "bitcoin.start", &p->start, &bad, d);
	scn_date(s, "bitcoin.end", &p->end, &bad, d);
	scn_date(s, "bitcoin.fit_from", &p->fit_from, &bad, d);
	scn_date(s, "bitcoin.fit_to", &p->fit_to, &bad, d);
	scn_date(s, "bitcoin.holdout_from", &p->hold_from, &bad, d);
	p->fit = scn_bool(s, "bitcoin.fit");
	const char *lvl = scn_str(s, "bitcoin.capex");
	p->capex_level = !strcmp(lvl, "low") ? 0 : !strcmp(lvl, "high") ? 2 : 1;
	p->lag_days = scn_num(s, "bitcoin.lag_days");
	p->gpu_lag_days = scn_num(s, "bitcoin.gpu_lag_days");
	p->seed_ths_per_day = scn_num(s, "bitcoin.seed_ths_per_day");
	p->initial_ehs = scn_num(s, "bitcoin.initial_ehs");
	int nf = scn_len(s, "bitcoin.fit_params");
	for (int i = 0; i < nf; i++) {
		char key[64];
		snprintf(key, sizeof key, "bitcoin.fit_params[%d]", i);
		const char *v = scn_str(s, key);
		for (int k = 0; btc_fit_name(k); k++)
			if (!strcmp(v, btc_fit_name(k)))
				p->fit_mask |= 1 << k;
	}
	if (!bad && !(p->start < p->end)) {
		diag_add(d, "%s: $.bitcoin.end: must come after $.bitcoin.start", scn_path(s));
		bad = 1;
	}
	if (!bad && !(p->fit_from < p->fit_to && p->fit_to < p->hold_from)) {
		diag_add(d, "%s: $.bitcoin: expected fit_from < fit_to < holdout_from", scn_path(s));
		bad = 1;
	}
	if (p->fit && !p->fit_mask) {
		diag_add(d, "%s: $.bitcoin.fit_params: fit is true but no parameter is free", scn_path(s));
		bad = 1;
	}
	struct btc_files f = {
		.price = scn_str(s, "bitcoin.price_csv"),
		.halvings = scn_str(s, "bitcoin.halvings_csv"),
		.fees = scn_str(s, "bitcoin.fees_csv"),
		.generations = scn_str(s, "bitcoin.generations_csv"),
		.electricity = scn_str(s, "bitcoin.electricity_csv"),
		.life = scn_str(s, "bitcoin.life_csv"),
		.hashrate_monthly = scn_str(s, "bitcoin.hashrate_monthly_csv"),
		.hashrate_points = scn_str(s, "bitcoin.hashrate_points_csv"),
	};
	if (btc_data_load(&p->data, &f, d) != SIM_OK)
		return SIM_EINVAL;
	if (bad)
		return SIM_EINVAL;
	const struct btc_data *bd = &p->data;
	if (p->start < bd->price.day[0] - 14 || p->end > bd->price.day[bd->price.n - 1] + 17) {
		diag_add(d, "%s: $.bitcoin: the run (start..end) must lie within the price data", scn_path(s));
		return SIM_EINVAL;
	}
	if (bd->gen[0].avail > p->start) {
		diag_add(d, "%s: $.bitcoin.start: no hardware generation is on sale on that day "
		         "(the first is available from its 'available' date)", scn_path(s));
		return SIM_EINVAL;
	}
	struct node_class cls[BTC_MAX_GEN];
	btc_node_classes(p, cls);
	if (node_params_check(np, cls, bd->n_gen, "$.nodes", d) != SIM_OK)
		return SIM_EINVAL;
	if (p->fit) {
		sim_status st = btc_fit(p, 0, d);
		if (st != SIM_OK)
			return st;
	}
	return SIM_OK;
}

sim_status btc_params_load(struct btc_params *p, const scn *s, sim_diag *d)
{
	sim_status st = params_read(p, s, d);
	if (st != SIM_OK)
		btc_params_release(p);
	return st;
}

void btc_params_release(struct btc_params *p)
{
	btc_data_release(&p->data);
}

static sim_status btc_parse(void *params, const scn *s, sim_diag *d)
{
	return btc_params_load(params, s, d);
}

static void btc_release(void *params)
{
	btc_params_release(params);
}

/* Mean of the observations (monthly or points) in the month of day a..b. */
static double obs_in(const struct btc_data *bd, int32_t a, int32_t b)
{
	for (int i = 0; i < bd->hr_month.n; i++)
		if (bd->hr_month.day[i] == a)
			return bd->hr_month.v[i];
	double s = 0;
	int n = 0;
	for (int i = 0; i < bd->hr_point.n; i++)
		if (bd->hr_point.day[i] >= a && bd->hr_point.day[i] <= b) {
			s += bd->hr_point.v[i];
			n++;
		}
	return n ? s / n : NAN;
}

/* The parameters, the errors against the observations (the model's and the
 * naive benchmark's, nv) and the final hash rate, as the replication's scalars. */
static void record_scalars(rec *r, const struct btc_params *p, const struct btc_trace *t,
                           const struct btc_naive *nv)
{
	struct btc_err e;
	btc_errors(p, t, &e);
	rec_scalar(r, "entry_rate", "1/day", p->nodes.entry_rate);
	rec_scalar(r, "hurdle_rate", "1/year", p->nodes.hurdle_rate);
	rec_scalar(r, "revenue_decline", "1/year", p->nodes.revenue_decline);
	rec_scalar(r, "patience_days", "day", p->nodes.patience_days);
	rec_scalar(r, "elec_sigma", "", p->nodes.elec_sigma);
	rec_scalar(r, "lag_days", "day", p->lag_days);
	rec_scalar(r, "rmse_log10_fit", "log10", e.rmse_in);
	rec_scalar(r, "rmse_log10_holdout", "log10", e.rmse_out);
	rec_scalar(r, "mape_holdout", "", e.mape_out);
	rec_scalar(r, "bias_log10_holdout", "log10", e.bias_out);
	rec_scalar(r, "n_obs_fit", "", e.n_in);
	rec_scalar(r, "n_obs_holdout", "", e.n_out);
	rec_scalar(r, "naive_scale", "", nv->scale);
	rec_scalar(r, "rmse_log10_naive_fit", "log10", nv->e.rmse_in);
	rec_scalar(r, "rmse_log10_naive_holdout", "log10", nv->e.rmse_out);
	rec_scalar(r, "bias_log10_naive_holdout", "log10", nv->e.bias_out);
	rec_scalar(r, "skill_fit", "", btc_skill(e.rmse_in, nv->e.rmse_in));
	rec_scalar(r, "skill_holdout", "", btc_skill(e.rmse_out, nv->e.rmse_out));
	for (int k = 0; k < BTC_YEAR_STARTS; k++) {
		char name[40];
		snprintf(name, sizeof name, "err_log10_%d_start", 2020 + k);
		rec_scalar(r, name, "log10", e.year_start[k]);
	}
	rec_scalar(r, "hashrate_sim_end", "EH/s", t->ths[t->n_days - 1] / 1e6);
}

static sim_status btc_run(const void *params, const struct model_ctx *ctx, rec *r, sim_diag *d)
{
	const struct btc_params *p = params;
	const struct btc_data *bd = &p->data;
	gsl_rng *g = p->nodes.deterministic ? NULL :
	             rng_stream(ctx->seed, (uint64_t)ctx->rep, RNG_MODEL_BITCOIN, 0);
	if (!p->nodes.deterministic && !g)
		return SIM_ENOMEM;
	/* samples are at days since the start date; CF units, so tools decode dates */
	int y0, m0, d0;
	btc_civil(p->start, &y0, &m0, &d0);
	char tu[64];
	snprintf(tu, sizeof tu, "days since %04d-%02d-%02d", y0, m0, d0);
	rec_set_t_units(r, tu);
	struct btc_trace t = { 0 };
	sim_status st = btc_simulate(p, &p->nodes, g, &t);
	gsl_rng_free(g);
	if (st != SIM_OK) {
		diag_add(d, "bitcoin: replication %d: simulation failed: %s", ctx->rep, sim_strerror(st));
		btc_trace_release(&t);
		return st;
	}
	int ng = bd->n_gen;
	const char *names[BTC_MAX_GEN];
	for (int k = 0; k < ng; k++)
		names[k] = bd->gen[k].name;
	int s_sim = rec_series(r, "hashrate_sim", "EH/s", 1, NULL);
	int s_obs = rec_series(r, "hashrate_obs", "EH/s", 1, NULL);
	int s_hp = rec_series(r, "hashprice_sim", "USD/(TH/s)/day", 1, NULL);
	int s_rev = rec_series(r, "revenue", "USD/day", 1, NULL);
	int s_px = rec_series(r, "price", "USD", 1, NULL);
	int s_sub = rec_series(r, "subsidy", "BTC/block", 1, NULL);
	int s_eff = rec_series(r, "efficiency", "J/TH", 1, NULL);
	int s_units = rec_series(r, "machines_by_generation", "machines", ng, names);
	int s_cap = rec_series(r, "hashrate_by_generation", "EH/s", ng, names);
	rec_series_dim(r, s_units, "generation");
	rec_series_dim(r, s_cap, "generation");
	int s_ord = rec_series(r, "machines_ordered", "machines/month", 1, NULL);
	int s_ex = rec_series(r, "machines_exited", "machines/month", 1, NULL);
	rec_note(r, "hashrate_obs", "monthly means of Blockchain.com 3-day samples to 2020-03; "
	         "from 2020 the mean of the point estimates in the month (7dma or raw, see "
	         "data/btc/hashrate_points.csv), NaN where none");
	rec_note(r, "time_axis", "days since $.bitcoin.start; one row per calendar month "
	         "(monthly means, price at mid-month)");
	/* one row per calendar month, at its first day */
	int y, m, dd;
	btc_civil(p->start, &y, &m, &dd);
	int32_t a = p->start;
	double *units = calloc((size_t)ng, sizeof *units), *cap = calloc((size_t)ng, sizeof *cap);
	if (!units || !cap) {
		free(units);
		free(cap);
		btc_trace_release(&t);
		return SIM_ENOMEM;
	}
	while (a <= p->end) {
		if (++m > 12) {
			m = 1;
			y++;
		}
		int32_t b = btc_days(y, m, 1) - 1;
		if (b > p->end)
			b = p->end;
		double hs = 0, hp = 0, rev = 0, w = 0, ord = 0, ex = 0;
		for (int k = 0; k < ng; k++)
			units[k] = cap[k] = 0;
		int n = b - a + 1;
		for (int32_t day = a; day <= b; day++) {
			int i = day - p->start;
			hs += t.ths[i];
			hp += t.ths[i] > 0 ? t.revenue[i] / t.ths[i] : 0;
			rev += t.revenue[i];
			w += t.watts[i];
			ord += t.ordered[i];
			ex += t.exited[i];
			for (int k = 0; k < ng; k++) {
				units[k] += t.units[(size_t)i * ng + k] / n;
				cap[k] += t.units[(size_t)i * ng + k] * bd->gen[k].machine_ths / 1e6 / n;
			}
		}
		rec_set(r, s_sim, 0, hs / n / 1e6);
		rec_set(r, s_obs, 0, obs_in(bd, a, b));
		rec_set(r, s_hp, 0, hp / n);
		rec_set(r, s_rev, 0, rev / n);
		rec_set(r, s_px, 0, btc_price(bd, a + n / 2));
		rec_set(r, s_sub, 0, btc_subsidy(bd, a + n / 2));
		rec_set(r, s_eff, 0, hs > 0 ? w / hs : NAN);
		rec_setv(r, s_units, units);
		rec_setv(r, s_cap, cap);
		rec_set(r, s_ord, 0, ord);
		rec_set(r, s_ex, 0, ex);
		if ((st = rec_sample(r, (double)(a - p->start))) != SIM_OK)
			break;
		a = b + 1;
	}
	free(units);
	free(cap);
	for (int i = 1; i < bd->subsidy.n; i++)
		if (bd->subsidy.day[i] >= p->start && bd->subsidy.day[i] <= p->end)
			rec_event(r, bd->subsidy.day[i] - p->start, "halving",
			          (long long)i * BTC_HALVING_INTERVAL, bd->subsidy.v[i]);
	struct btc_naive nv;
	double *naive = calloc((size_t)t.n_days, sizeof *naive);
	if (!naive)
		st = SIM_ENOMEM;
	else if (st == SIM_OK && (st = btc_naive(p, naive, &nv, d)) == SIM_OK)
		record_scalars(r, p, &t, &nv);
	free(naive);
	btc_trace_release(&t);
	if (!rec_ok(r))
		return SIM_ENOMEM;
	return st;
}

const struct model_type bitcoin_model_type = {
	.name = "bitcoin",
	.summary = "the node-growth model applied to Bitcoin mining (hash-rate back-test)",
	.params_size = sizeof(struct btc_params),
	.parse = btc_parse,
	.run = btc_run,
	.release = btc_release,
};
