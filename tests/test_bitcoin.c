/* test_bitcoin.c — the Bitcoin back-test (models/bitcoin.h, btc_fit.h): the subsidy
 * schedule in satoshi, the data loaders, scenario checks, and a short
 * back-test with the committed fitted parameters. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/btc_type.h"
#include "models/btc_fit.h"
#include "sim/rng.h"
#include "sim/scn.h"

#define SCENARIO DAIS_SRCDIR "/scenarios/bitcoin-backtest.json"

static const struct btc_files default_files = {
	.price = "data/btc/price_monthly.csv",
	.halvings = "data/btc/halvings.csv",
	.fees = "data/btc/fees_by_epoch.csv",
	.generations = "data/btc/asic_generations.csv",
	.electricity = "data/btc/electricity.csv",
	.life = "data/btc/hardware_life.csv",
	.hashrate_monthly = "data/btc/hashrate_monthly.csv",
	.hashrate_points = "data/btc/hashrate_points.csv",
};

/* ---- subsidy schedule ------------------------------------------------------- */

Test(btc, halving_schedule_reproduces_21M_btc)
{
	/* Known answer: 20,999,999.9769 BTC, the sum over 33 non-zero epochs of
	 * 210000 x floor(50e8 / 2^k) satoshi (Bitcoin Core GetBlockSubsidy). */
	cr_assert_eq(btc_total_supply_sat(), 2099999997690000LL);
	cr_assert_eq(btc_subsidy_sat(0), 5000000000LL);
	cr_assert_eq(btc_subsidy_sat(209999), 5000000000LL);
	cr_assert_eq(btc_subsidy_sat(210000), 2500000000LL);
	cr_assert_eq(btc_subsidy_sat(629999), 1250000000LL);
	cr_assert_eq(btc_subsidy_sat(630000), 625000000LL);
	cr_assert_eq(btc_subsidy_sat(840000), 312500000LL);
	/* the last satoshi-paying epoch is the 33rd (k = 32): 50e8 >> 32 = 1 */
	cr_assert_eq(btc_subsidy_sat(32LL * 210000), 1);
	cr_assert_eq(btc_subsidy_sat(33LL * 210000), 0);
	cr_assert_eq(btc_subsidy_sat(64LL * 210000), 0, "no wrap-around after 64 halvings");
}

Test(btc, subsidy_at_known_dates_from_the_halvings_table)
{
	struct btc_data bd;
	sim_diag d;
	diag_init(&d);
	cr_assert_eq(btc_data_load(&bd, &default_files, &d), SIM_OK, "%s", d.n ? d.msg[0] : "");
	static const struct { int y, m, dd; double btc; } cases[] = {
		{ 2011, 6, 1, 50 }, { 2012, 11, 27, 50 }, { 2012, 11, 28, 25 },
		{ 2017, 1, 1, 12.5 }, { 2021, 1, 1, 6.25 }, { 2024, 4, 19, 6.25 },
		{ 2024, 5, 1, 3.125 }, { 2025, 12, 31, 3.125 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		cr_assert_eq(btc_subsidy(&bd, btc_days(cases[i].y, cases[i].m, cases[i].dd)),
		             cases[i].btc, "%d-%02d-%02d", cases[i].y, cases[i].m, cases[i].dd);
	/* the table agrees with the consensus rule at each halving height */
	for (int i = 0; i < bd.subsidy.n; i++)
		cr_assert_eq(bd.subsidy.v[i] * BTC_COIN,
		             (double)btc_subsidy_sat((int64_t)i * BTC_HALVING_INTERVAL));
	/* inputs at a known date: the 2017-12 monthly mean is 15,194 USD
	 * (btc_economics.md cross-check table), placed mid-month */
	cr_assert_float_eq(btc_price(&bd, btc_days(2017, 12, 15)), 15194, 1.0);
	cr_assert_float_eq(btc_fees(&bd, btc_days(2017, 6, 1)), 0.185, 1e-12);
	cr_assert_float_eq(btc_elec(&bd, btc_days(2019, 12, 3)), 0.04, 1e-12);
	btc_data_release(&bd);
	diag_release(&d);
}

/* ---- data loaders -------------------------------------------------------- */

/* Copies a data file into dir, replacing line `line` (1-based) with `text`. */
static void spoil(const char *rel, const char *dir, int line, const char *text, char *out, size_t n)
{
	char src[4096];
	snprintf(src, sizeof src, "%s/%s", DAIS_SRCDIR, rel);
	snprintf(out, n, "%s/%s", dir, strrchr(rel, '/') + 1);
	FILE *in = fopen(src, "r"), *o = fopen(out, "w");
	cr_assert(in && o);
	char buf[8192];
	for (int k = 1; fgets(buf, sizeof buf, in); k++)
		fputs(k == line ? text : buf, o);
	fclose(in);
	fclose(o);
}

struct bad_csv {
	const char *file;      /* which input */
	int line;
	const char *text;
	const char *msg;       /* expected message, after "<dir>/" */
};

Test(btc, data_loaders_reject_malformed_csv_with_file_and_line)
{
	static const struct bad_csv cases[] = {
		{ "data/btc/price_monthly.csv", 5, "2010-08,abc,31,coinmetrics\n",
		  "price_monthly.csv:5: column 'mean_usd': expected number, got 'abc'" },
		{ "data/btc/price_monthly.csv", 5, "2010-08,0.06,31\n",
		  "price_monthly.csv:5: expected 4 fields, got 3" },
		{ "data/btc/halvings.csv", 4, "halving_1,210000,2012-13-28,25,A\n",
		  "halvings.csv:4: column 'date': expected date YYYY-MM-DD, got '2012-13-28'" },
		{ "data/btc/electricity.csv", 4, "2013-01-22,-0.12,0.1,0.25,C,x\n",
		  "electricity.csv:4: column 'usd_per_kwh': expected a number > 0, got '-0.12'" },
		{ "data/btc/hashrate_monthly.csv", 5, "2010-07,1e-9,10\n",
		  "hashrate_monthly.csv:5: dates must increase down the file" },
	};
	char dir[] = "/tmp/dais_btc_XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char path[4096];
		spoil(cases[i].file, dir, cases[i].line, cases[i].text, path, sizeof path);
		struct btc_files f = default_files;
		const char **slot = !strcmp(cases[i].file, default_files.price) ? &f.price :
		                    !strcmp(cases[i].file, default_files.halvings) ? &f.halvings :
		                    !strcmp(cases[i].file, default_files.electricity) ? &f.electricity :
		                    &f.hashrate_monthly;
		*slot = path;
		struct btc_data bd;
		sim_diag d;
		diag_init(&d);
		cr_assert_eq(btc_data_load(&bd, &f, &d), SIM_EINVAL, "case %zu", i);
		char want[4096];
		snprintf(want, sizeof want, "%s/%s", dir, cases[i].msg);
		cr_assert_geq(d.n, 1);
		cr_assert_str_eq(d.msg[0], want);
		btc_data_release(&bd);
		diag_release(&d);
		unlink(path);
	}
	rmdir(dir);
}

/* ---- scenarios ----------------------------------------------------------------- */

static sim_status parse_text(const char *text, struct btc_params *p, sim_diag *d)
{
	scn *s = scn_parse(text, "<test>", NULL, 0, d);
	if (!s)
		return SIM_EINVAL;
	sim_status st = btc_params_load(p, s, d);
	scn_free(s);
	return st;
}

Test(btc, bad_parameters_rejected_with_clear_messages)
{
	static const struct { const char *json; const char *msg; } cases[] = {
		{ "{\"model\":\"bitcoin\",\"bitcoin\":{\"start\":\"2010-13-01\"}}",
		  "<test>: $.bitcoin.start: expected a date YYYY-MM-DD, got '2010-13-01'" },
		{ "{\"model\":\"bitcoin\",\"bitcoin\":{\"end\":\"2009-01-01\"}}",
		  "<test>: $.bitcoin.end: must come after $.bitcoin.start" },
		{ "{\"model\":\"bitcoin\",\"bitcoin\":{\"fit_to\":\"2021-01-01\"}}",
		  "<test>: $.bitcoin: expected fit_from < fit_to < holdout_from" },
		{ "{\"model\":\"bitcoin\",\"bitcoin\":{\"fit\":true,\"fit_params\":[]}}",
		  "<test>: $.bitcoin.fit_params: fit is true but no parameter is free" },
		{ "{\"model\":\"bitcoin\",\"bitcoin\":{\"start\":\"2009-06-01\"}}",
		  "<test>: $.bitcoin: the run (start..end) must lie within the price data" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct btc_params p;
		sim_diag d;
		diag_init(&d);
		cr_assert_neq(parse_text(cases[i].json, &p, &d), SIM_OK, "case %zu", i);
		cr_assert_geq(d.n, 1, "case %zu: no message", i);
		cr_assert_str_eq(d.msg[0], cases[i].msg); /* p holds nothing after an error */
		diag_release(&d);
	}
	/* a value the schema rejects never reaches the model */
	sim_diag d;
	diag_init(&d);
	scn *s = scn_parse("{\"model\":\"bitcoin\",\"nodes\":{\"entry_rate\":-1}}", "<test>", NULL, 0, &d);
	cr_assert_null(s);
	cr_assert_geq(d.n, 1);
	cr_assert(strstr(d.msg[0], "$.nodes.entry_rate"), "%s", d.msg[0]);
	diag_release(&d);
}

/* ---- the back-test ---------------------------------------------------------- */

static void load_backtest(struct btc_params *p, const char *const *sets, int n)
{
	sim_diag d;
	diag_init(&d);
	scn *s = scn_load(SCENARIO, sets, n, &d);
	cr_assert_not_null(s, "%s", d.n ? d.msg[0] : "");
	cr_assert_eq(btc_params_load(p, s, &d), SIM_OK, "%s", d.n ? d.msg[0] : "");
	scn_free(s);
	diag_release(&d);
}

Test(btc, short_backtest_reproduces_observed_hashrate_within_band, .timeout = 60)
{
	/* The committed fitted parameters, run 2010-07-18..2016-12-31: every
	 * monthly mean of 2015-2016 within a factor 2 (|log10| < 0.30) of
	 * Blockchain.com's, and the RMSE over the window below 0.25 (the full
	 * fit-window RMSE is 0.139, docs/models.md). */
	const char *sets[] = { "bitcoin.end=\"2016-12-31\"", "bitcoin.fit_to=\"2016-12-01\"",
	                       "bitcoin.holdout_from=\"2016-12-31\"" };
	struct btc_params p;
	load_backtest(&p, sets, 3);
	struct btc_trace t = { 0 };
	cr_assert_eq(btc_simulate(&p, &p.nodes, NULL, &t), SIM_OK);
	int checked = 0;
	for (int i = 0; i < p.data.hr_month.n; i++) {
		int32_t a = p.data.hr_month.day[i];
		if (a < btc_days(2015, 1, 1) || a > btc_days(2016, 12, 1))
			continue;
		double l = log10(btc_sim_month(&p, &t, i) / p.data.hr_month.v[i]);
		cr_assert_lt(fabs(l), 0.30, "month %d: log10 error %.3f", i, l);
		checked++;
	}
	cr_assert_eq(checked, 24);
	struct btc_err e;
	btc_errors(&p, &t, &e);
	cr_assert_lt(e.rmse_in, 0.25, "rmse %.3f", e.rmse_in);
	cr_assert_gt(e.n_in, 70);
	btc_trace_release(&t);
	btc_params_release(&p);
}

Test(btc, simulation_invariants_and_reproducibility, .timeout = 60)
{
	const char *sets[] = { "bitcoin.end=\"2014-12-31\"", "bitcoin.fit_to=\"2014-06-01\"",
	                       "bitcoin.holdout_from=\"2014-07-01\"" };
	struct btc_params p;
	load_backtest(&p, sets, 3);
	struct btc_trace a = { 0 }, b = { 0 };
	/* deterministic mode: identical twice */
	cr_assert_eq(btc_simulate(&p, &p.nodes, NULL, &a), SIM_OK);
	cr_assert_eq(btc_simulate(&p, &p.nodes, NULL, &b), SIM_OK);
	cr_assert_arr_eq(a.ths, b.ths, (size_t)a.n_days * sizeof *a.ths);
	for (int i = 0; i < a.n_days; i++) {
		/* hash rate is the sum over generations of machines x TH/s */
		double sum = 0;
		for (int g = 0; g < a.n_gen; g++) {
			double u = a.units[(size_t)i * a.n_gen + g];
			cr_assert_geq(u, -1e-9);
			sum += u * p.data.gen[g].machine_ths;
		}
		cr_assert_float_eq(sum, a.ths[i], 1e-9 * (1 + a.ths[i]), "day %d", i);
		/* the revenue is btc_revenue's (the naive benchmark's input too) */
		cr_assert_eq(a.revenue[i], btc_revenue(&p.data, p.start + i), "day %d", i);
		cr_assert_gt(a.ths[i], 0.0);
		/* a generation operates only after it went on sale (plus its lag) */
		for (int g = 1; g < a.n_gen; g++)
			if (p.start + i < p.data.gen[g].avail + p.lag_days)
				cr_assert_eq(a.units[(size_t)i * a.n_gen + g], 0.0, "gen %d day %d", g, i);
	}
	/* stochastic mode: same stream, same path; another stream, another path */
	struct node_params np = p.nodes;
	np.deterministic = 0;
	gsl_rng *r1 = rng_stream(1, 0, RNG_MODEL_BITCOIN, 0), *r2 = rng_stream(1, 0, RNG_MODEL_BITCOIN, 0);
	gsl_rng *r3 = rng_stream(1, 1, RNG_MODEL_BITCOIN, 0);
	cr_assert_eq(btc_simulate(&p, &np, r1, &a), SIM_OK);
	cr_assert_eq(btc_simulate(&p, &np, r2, &b), SIM_OK);
	cr_assert_arr_eq(a.ths, b.ths, (size_t)a.n_days * sizeof *a.ths);
	cr_assert_eq(btc_simulate(&p, &np, r3, &b), SIM_OK);
	cr_assert(memcmp(a.ths, b.ths, (size_t)a.n_days * sizeof *a.ths) != 0);
	/* and it stays close to the deterministic path (many machines by 2014) */
	struct btc_trace det = { 0 };
	cr_assert_eq(btc_simulate(&p, &p.nodes, NULL, &det), SIM_OK);
	double l = log10(a.ths[a.n_days - 1] / det.ths[det.n_days - 1]);
	cr_assert_lt(fabs(l), 0.1, "stochastic end %.4g vs deterministic %.4g TH/s",
	             a.ths[a.n_days - 1], det.ths[det.n_days - 1]);
	gsl_rng_free(r1);
	gsl_rng_free(r2);
	gsl_rng_free(r3);
	btc_trace_release(&a);
	btc_trace_release(&b);
	btc_trace_release(&det);
	btc_params_release(&p);
}

Test(btc, fit_recovers_known_parameters_from_synthetic_observations, .timeout = 120)
{
	/* Observations made by the model itself with entry_rate 0.012 and
	 * revenue_decline 0.40; the fit starts from 0.02 and 0.2 and must find
	 * them again (the residuals are piecewise smooth, hence 3 %). */
	const char *sets[] = { "bitcoin.end=\"2016-12-31\"", "bitcoin.fit_to=\"2016-12-01\"",
	                       "bitcoin.holdout_from=\"2016-12-31\"" };
	struct btc_params p;
	load_backtest(&p, sets, 3);
	p.nodes.entry_rate = 0.012;
	p.nodes.revenue_decline = 0.40;
	struct btc_trace t = { 0 };
	cr_assert_eq(btc_simulate(&p, &p.nodes, NULL, &t), SIM_OK);
	for (int i = 0; i < p.data.hr_month.n; i++) {
		double v = btc_sim_month(&p, &t, i);
		if (!isnan(v))
			p.data.hr_month.v[i] = v;
	}
	btc_trace_release(&t);
	p.nodes.entry_rate = 0.02;
	p.nodes.revenue_decline = 0.2;
	p.fit_mask = BTC_FIT_ENTRY | BTC_FIT_DECLINE;
	sim_diag d;
	diag_init(&d);
	cr_assert_eq(btc_fit(&p, 0, &d), SIM_OK, "%s", d.n ? d.msg[0] : "");
	cr_assert(p.fitted);
	cr_assert_float_eq(p.nodes.entry_rate, 0.012, 0.03 * 0.012, "entry_rate %g", p.nodes.entry_rate);
	cr_assert_float_eq(p.nodes.revenue_decline, 0.40, 0.03 * 0.40, "decline %g",
	                   p.nodes.revenue_decline);
	cr_assert_lt(p.fit_rmse_in, 0.01, "rmse %g", p.fit_rmse_in);
	diag_release(&d);
	btc_params_release(&p);
}

Test(btc, committed_backtest_matches_documented_errors, .timeout = 60)
{
	/* A golden check on the committed scenario: the numbers quoted in
	 * docs/models.md ("Bitcoin back-test", Results).  If data/btc or the
	 * model change on purpose, rerun `dais backtest`, commit the new fitted
	 * values and update the documentation and these numbers together. */
	struct btc_params p;
	load_backtest(&p, NULL, 0);
	struct btc_trace t = { 0 };
	cr_assert_eq(btc_simulate(&p, &p.nodes, NULL, &t), SIM_OK);
	struct btc_err e;
	btc_errors(&p, &t, &e);
	cr_assert_eq(e.n_in, 113);
	cr_assert_eq(e.n_out, 24);
	cr_assert_float_eq(e.rmse_in, 0.1388, 0.0005, "in-sample %.4f", e.rmse_in);
	cr_assert_float_eq(e.rmse_out, 0.1086, 0.0005, "held out %.4f", e.rmse_out);
	cr_assert_float_eq(e.mape_out, 0.198, 0.001, "MAPE %.4f", e.mape_out);
	/* and the naive benchmark's, with the model's skill over it */
	struct btc_naive nv;
	double *h = calloc((size_t)t.n_days, sizeof *h);
	sim_diag d;
	diag_init(&d);
	cr_assert_eq(btc_naive(&p, h, &nv, &d), SIM_OK);
	cr_assert_float_eq(nv.e.rmse_in, 0.266, 0.0005, "naive in-sample %.4f", nv.e.rmse_in);
	cr_assert_float_eq(nv.e.rmse_out, 0.1448, 0.0005, "naive held out %.4f", nv.e.rmse_out);
	cr_assert_float_eq(btc_skill(e.rmse_out, nv.e.rmse_out), 0.438, 0.005);
	free(h);
	diag_release(&d);
	btc_trace_release(&t);
	btc_params_release(&p);
}

/* ---- the naive benchmark ------------------------------------------------------ */

Test(btc, trailing_mean_by_hand)
{
	/* w = 3: 1, (1+2)/2, (1+2+3)/3, (2+3+4)/3, (3+4+5)/3 */
	const double x[] = { 1, 2, 3, 4, 5 }, want[] = { 1, 1.5, 2, 3, 4 };
	double out[5], y[5];
	btc_trailing_mean(x, 5, 3, out);
	memcpy(y, x, sizeof y);
	btc_trailing_mean(y, 5, 3, y); /* in place */
	for (int i = 0; i < 5; i++) {
		cr_assert_float_eq(out[i], want[i], 1e-15, "i %d: %g", i, out[i]);
		cr_assert_float_eq(y[i], want[i], 1e-15, "in place, i %d: %g", i, y[i]);
	}
	/* a window of 1 is the series, one longer than it the running mean */
	btc_trailing_mean(x, 5, 1, out);
	cr_assert_arr_eq(out, x, sizeof x);
	btc_trailing_mean(x, 5, 6, out);
	cr_assert_float_eq(out[4], 3.0, 1e-15);
}

Test(btc, frontier_cost_of_a_th_day_by_hand)
{
	/* 2021-06-01: asic_2021 is on sale (from 2021-01-01): 32 J/TH, $/TH
	 * 30 / 80 / 119, life 3 years (hardware_life.csv row from 2020-01-01);
	 * electricity linear from 0.05 (2020-03-01) to 0.045 (2022-07-01). */
	struct btc_params p;
	sim_diag d;
	diag_init(&d);
	scn *s = scn_load(SCENARIO, NULL, 0, &d);
	cr_assert_not_null(s);
	cr_assert_eq(btc_params_load(&p, s, &d), SIM_OK, "%s", d.n ? d.msg[0] : "");
	int32_t day = btc_days(2021, 6, 1);
	double w = (double)(day - btc_days(2020, 3, 1)) / (btc_days(2022, 7, 1) - btc_days(2020, 3, 1));
	double elec = 0.05 + w * (0.045 - 0.05);
	const double usd[3] = { 30, 80, 119 };
	for (int k = 0; k < 3; k++) {
		p.capex_level = k;
		double want = usd[k] / (3.0 * 365.25) + 32 * 24 / 1000.0 * elec;
		cr_assert_float_eq(btc_frontier_cost(&p, day), want, 1e-12 * want, "column %d", k);
	}
	/* the day before, 2020's generation: 22 $/TH central, 34 J/TH */
	p.capex_level = 1;
	day = btc_days(2020, 12, 31);
	w = (double)(day - btc_days(2020, 3, 1)) / (btc_days(2022, 7, 1) - btc_days(2020, 3, 1));
	double want = 22 / (3.0 * 365.25) + 34 * 24 / 1000.0 * (0.05 - 0.005 * w);
	cr_assert_float_eq(btc_frontier_cost(&p, day), want, 1e-12 * want);
	/* revenue: 144 blocks x (6.25 subsidy + 0.776 fees) x price */
	cr_assert_float_eq(btc_revenue(&p.data, day),
	                   144 * (6.25 + 0.776) * btc_price(&p.data, day), 1e-6);
	btc_params_release(&p);
	scn_free(s);
	diag_release(&d);
}

/* The benchmark's path before scaling (R6 / C6, TH/s), from btc_naive's. */
static double *naive_unscaled(const struct btc_params *p, struct btc_naive *nv)
{
	int n = p->end - p->start + 1;
	double *x = calloc((size_t)n, sizeof *x);
	cr_assert_not_null(x);
	sim_diag d;
	diag_init(&d);
	cr_assert_eq(btc_naive(p, x, nv, &d), SIM_OK);
	for (int i = 0; i < n; i++)
		x[i] /= nv->scale;
	diag_release(&d);
	return x;
}

/* Mean of x (TH/s by day since p->start) over days a..b, in EH/s. */
static double mean_ehs(const struct btc_params *p, const double *x, int32_t a, int32_t b)
{
	double s = 0;
	for (int32_t day = a; day <= b; day++)
		s += x[day - p->start];
	return s / (b - a + 1) / 1e6;
}

Test(btc, naive_benchmark_recovers_a_known_scale, .timeout = 30)
{
	/* Observations made exactly k R6/C6 (over each observation's own days:
	 * the month, or the 7 days ending on a point): the fitted scale is k and
	 * both RMSEs are 0.  Then one fit-window month 10x too high: with m
	 * fit-window months, log10 c moves by 1/m, so every other residual is
	 * 1/m and the spoiled one 1/m - 1: RMSE sqrt(m - 1)/m in sample, 1/m
	 * held out. */
	struct btc_params p;
	load_backtest(&p, NULL, 0);
	struct btc_naive nv;
	double *x = naive_unscaled(&p, &nv);
	const double k = 0.37;
	struct btc_series *hm = &p.data.hr_month, *hp = &p.data.hr_point;
	int m = 0, spoil = -1;
	for (int i = 0; i < hm->n; i++)
		if (hm->day[i] >= p.start && hm->day2[i] <= p.end) {
			hm->v[i] = k * mean_ehs(&p, x, hm->day[i], hm->day2[i]);
			if (hm->day[i] >= p.fit_from && hm->day[i] <= p.fit_to) {
				m++;
				if (spoil < 0 && hm->day[i] >= btc_days(2015, 1, 1))
					spoil = i;
			}
		}
	for (int i = 0; i < hp->n; i++)
		hp->v[i] = k * mean_ehs(&p, x, hp->day[i] - 6, hp->day[i]);
	int n = p.end - p.start + 1;
	double *h = calloc((size_t)n, sizeof *h);
	sim_diag d;
	diag_init(&d);
	cr_assert_eq(btc_naive(&p, h, &nv, &d), SIM_OK);
	cr_assert_float_eq(nv.scale, k, 1e-12 * k, "scale %.15g", nv.scale);
	cr_assert_lt(nv.e.rmse_in, 1e-12, "in sample %g", nv.e.rmse_in);
	cr_assert_lt(nv.e.rmse_out, 1e-12, "held out %g", nv.e.rmse_out);
	cr_assert_eq(nv.e.n_in, 113);
	cr_assert_eq(nv.e.n_out, 24);
	for (int i = 0; i < n; i++)
		cr_assert_float_eq(h[i], k * x[i], 1e-12 * k * x[i], "day %d", i);

	cr_assert_geq(spoil, 0);
	hm->v[spoil] *= 10;
	cr_assert_eq(btc_naive(&p, h, &nv, &d), SIM_OK);
	cr_assert_float_eq(nv.scale, k * pow(10, 1.0 / m), 1e-9 * k);
	cr_assert_float_eq(nv.e.rmse_in, sqrt(m - 1.0) / m, 1e-12, "in sample %.15g", nv.e.rmse_in);
	cr_assert_float_eq(nv.e.rmse_out, 1.0 / m, 1e-12, "held out %.15g", nv.e.rmse_out);
	cr_assert_float_eq(nv.e.bias_out, 1.0 / m, 1e-12);
	/* a fit window without monthly means (they end in 2020-03): NaN, no failure */
	p.fit_from = btc_days(2021, 1, 1);
	p.fit_to = btc_days(2021, 12, 1);
	cr_assert_eq(btc_naive(&p, h, &nv, &d), SIM_OK);
	cr_assert(isnan(nv.scale) && isnan(nv.e.rmse_in) && isnan(nv.e.rmse_out));
	cr_assert_eq(nv.e.n_in, 0);
	free(h);
	free(x);
	diag_release(&d);
	btc_params_release(&p);
}

Test(btc, skill_score_formula)
{
	cr_assert_float_eq(btc_skill(0.1, 0.2), 0.75, 1e-15);
	cr_assert_float_eq(btc_skill(0.2, 0.2), 0.0, 1e-15);
	cr_assert_float_eq(btc_skill(0.3, 0.15), -3.0, 1e-15);
	cr_assert_float_eq(btc_skill(0.0, 0.5), 1.0, 1e-15);
	cr_assert(isnan(btc_skill(0.1, 0.0)));
	cr_assert(isnan(btc_skill(0.1, NAN)));
}
