/* test_demand.c — AI demand (models/demand.h) and private inference
 * (models/privacy.h): the closed forms, their invariants, and the messages
 * for bad parameters. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "sim/csv.h"
#include "models/demand.h"
#include "sim/model.h"
#include "models/privacy.h"
#include "sim/rng.h"
#include "sim/scn.h"
#include "models/registry.h"

/* |a - b| <= ulps x 2^-52 x |b|: equality to a few units in the last place. */
static int rel_eq(double a, double b, int ulps)
{
	return fabs(a - b) <= ulps * 2.220446049250313e-16 * fabs(b);
}

static int has_msg(const sim_diag *d, const char *needle)
{
	for (int i = 0; i < d->n; i++)
		if (strstr(d->msg[i], needle))
			return 1;
	return 0;
}

Test(dem, defaults_pass_their_checks)
{
	struct dem_params p;
	dem_defaults(&p);
	sim_diag d;
	diag_init(&d);
	cr_assert_eq(dem_check(&p, NULL, &d), SIM_OK);
	cr_assert_eq(d.n, 0);
	diag_release(&d);
}

/* D(P1)/D(P0) = (P1/P0)^-eps exactly, for a table of prices and elasticities. */
Test(dem, elasticity_ratio_is_exact)
{
	static const struct { double p1, p0, eps; } t[] = {
		{ 0.5, 1.0, 0.5 }, { 2.0, 1.0, 0.5 }, { 0.1, 0.9, 1.0 }, { 3.0, 3.0, 2.0 },
		{ 0.02, 0.2, 1.5 }, { 7.0, 0.35, 0.0 },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		double d0 = 1e13;
		double d1 = dem_elastic(d0, t[i].p1, t[i].p0, t[i].eps);
		cr_assert(rel_eq(d1 / d0, pow(t[i].p1 / t[i].p0, -t[i].eps), 4),
		          "case %zu: %g vs %g", i, d1 / d0, pow(t[i].p1 / t[i].p0, -t[i].eps));
	}
	cr_assert_eq(dem_elastic(5.0, 2.0, 2.0, 0.7), 5.0);
}

Test(dem, adoption_reaches_half_its_cap_at_the_midpoint)
{
	struct dem_params p;
	dem_defaults(&p);
	static const double mid[] = { 0.0, 2.5, 5.0, 8.0 };
	for (int i = 0; i < 4; i++) {
		p.adoption_midpoint_years = mid[i];
		double cap = dem_share_cap(&p, 0.5, 1.0, 0.8, 0.5, 0.3);
		double s = dem_adoption(&p, mid[i]) * cap;
		cr_assert(rel_eq(s, cap / 2, 2), "midpoint %g", mid[i]);
		cr_assert_lt(dem_adoption(&p, mid[i] - 1), 0.5);
		cr_assert_gt(dem_adoption(&p, mid[i] + 1), 0.5);
	}
}

Test(dem, share_cap_is_a_logit_in_the_unit_interval)
{
	struct dem_params p;
	dem_defaults(&p);
	p.alpha0 = 0;
	/* equal price, latency, no privacy: 1/2 */
	cr_assert_float_eq(dem_share_cap(&p, 1.0, 1.0, 0.5, 0.5, 0.0), 0.5, 1e-15);
	/* the formula, by hand */
	double v = p.beta_price * (0.4 - 1.0) / 1.0 + p.gamma_latency_per_s * (0.9 - 0.5) - 0.7;
	cr_assert_float_eq(dem_share_cap(&p, 0.4, 1.0, 0.9, 0.5, 0.7), 1 / (1 + exp(v)), 1e-15);
	/* monotone: cheaper, faster, more private -> larger */
	double prev = 0;
	for (double pd = 10; pd >= 0.01; pd /= 2) {
		double s = dem_share_cap(&p, pd, 1.0, 0.5, 0.5, 0.0);
		cr_assert(s >= 0 && s <= 1);
		cr_assert_geq(s, prev);
		prev = s;
	}
	cr_assert_lt(dem_share_cap(&p, 1, 1, 2.0, 0.5, 0), dem_share_cap(&p, 1, 1, 0.5, 0.5, 0));
	cr_assert_gt(dem_share_cap(&p, 1, 1, 0.5, 0.5, 1), dem_share_cap(&p, 1, 1, 0.5, 0.5, 0));
	/* no overflow for absurd prices */
	cr_assert_eq(dem_share_cap(&p, 1e300, 1.0, 0.5, 0.5, 0.0), 0.0);
}

Test(dem, growth_forms)
{
	struct dem_params p;
	dem_defaults(&p);
	p.growth = DEM_GROWTH_EXPONENTIAL;
	p.growth_ooms_per_year = 0.8;
	cr_assert_float_eq(dem_trend(&p, 0), p.start_tokens_per_day, 1e-3);
	cr_assert_float_eq(dem_growth_ooms(&p, 2.5), 2.0, 1e-12);
	cr_assert(rel_eq(dem_trend(&p, 2.5), p.start_tokens_per_day * 100.0, 8));

	p.growth = DEM_GROWTH_LOGISTIC;
	p.growth_ooms_per_year = 1.0;
	p.growth_half_years = 4.0;
	p.growth_width_years = 1.5;
	cr_assert_float_eq(dem_growth_ooms(&p, 0), 0.0, 1e-12);
	/* the rate at t is g / (1 + exp((t - t_h)/w)): half of g at t_h */
	double h = 1e-5, t = p.growth_half_years;
	double rate = (dem_growth_ooms(&p, t + h) - dem_growth_ooms(&p, t - h)) / (2 * h);
	cr_assert_float_eq(rate, 0.5, 1e-6);
	/* the ceiling g w ln(1 + e^(t_h/w)) */
	double ceil_ooms = 1.0 * 1.5 * log1p(exp(4.0 / 1.5));
	cr_assert_float_eq(dem_growth_ooms(&p, 200), ceil_ooms, 1e-9);
	for (double y = 0; y < 30; y += 0.5)
		cr_assert_leq(dem_growth_ooms(&p, y), dem_growth_ooms(&p, y + 0.5));
}

Test(dem, centralized_price_declines_at_the_rate_per_class)
{
	struct dem_params p;
	dem_defaults(&p);
	for (int m = 0; m < p.n_models; m++) {
		cr_assert_float_eq(dem_price_cen(&p, m, 0), p.models[m].price0_usd_per_mtok, 1e-12);
		double r = dem_price_cen(&p, m, 1) / dem_price_cen(&p, m, 0);
		cr_assert_float_eq(r, pow(10, -p.price_decline_ooms_per_year), 1e-12);
	}
}

Test(dem, noise_has_mean_one_and_is_off_at_zero_sigma)
{
	struct dem_params p;
	dem_defaults(&p);
	gsl_rng *r = rng_stream(7, 0, RNG_MODEL_DEMAND, 0);
	double x = 0, sum = 0;
	p.noise_autocorr = 0;
	const int n = 200000;
	for (int i = 0; i < n; i++)
		sum += dem_noise(&p, &x, r);
	cr_assert_float_eq(sum / n, 1.0, 0.002);
	p.noise_sigma = 0;
	cr_assert_eq(dem_noise(&p, &x, r), 1.0);
	gsl_rng_free(r);
}

/* The default start level and growth against the provider volumes reported
 * by the press (data/demand/observed_tokens.csv): each date's sum over
 * providers is a lower bound on the world; the model must lie between that
 * bound and 3x it in October 2025, and not below 0.75x any single provider's
 * figure (Google's mid-2025 counts jump 2x in a month, inflated by reasoning
 * tokens per the-decoder.com, and sit ~10% above the smooth trend). */
Test(dem, default_trend_brackets_observed_volumes)
{
	struct dem_params p;
	dem_defaults(&p);
	sim_diag d;
	diag_init(&d);
	char path[512];
	csv *t = csv_read(model_data_path(path, sizeof path, "data/demand/observed_tokens.csv"), &d);
	cr_assert_not_null(t, "%s", d.n ? d.msg[0] : "");
	cr_assert(strstr(csv_source(t), "ai_inference_demand_tokens.csv") != NULL);
	int cd = csv_require(t, "date", &d), cv = csv_require(t, "tokens_per_day", &d);
	cr_assert(cd >= 0 && cv >= 0);
	double sum_oct = 0, y_oct = 0;
	for (int i = 0; i < csv_nrows(t); i++) {
		double y, v;
		cr_assert_eq(csv_year(t, i, cd, &y, &d), SIM_OK);
		cr_assert_eq(csv_num(t, i, cv, &v, &d), SIM_OK);
		double model = dem_trend(&p, y - 2024.0);
		cr_assert_geq(model, 0.75 * v, "%s: model %g far below one provider's %g",
		              csv_cell(t, i, cd), model, v);
		if (!strcmp(csv_cell(t, i, cd), "2025-10-15")) {
			sum_oct += v;
			y_oct = y;
		}
	}
	double model = dem_trend(&p, y_oct - 2024.0);
	cr_assert(model >= sum_oct && model <= 3 * sum_oct, "Oct 2025: model %g, providers %g",
	          model, sum_oct);
	csv_free(t);
	diag_release(&d);
}

/* Each bad value is rejected with a message naming its key. */
Test(dem, bad_values_are_rejected_with_their_key)
{
	static const char *const key[] = {
		"start_tokens_per_day", "elasticity", "noise_autocorr",
		"models: expected token_share values summing to 1",
		"models[1].active_params_b", "services[2].compute_factor",
	};
	for (size_t i = 0; i < sizeof key / sizeof key[0]; i++) {
		struct dem_params p;
		dem_defaults(&p);
		switch (i) {
		case 0: p.start_tokens_per_day = -1; break;
		case 1: p.elasticity = -0.5; break;
		case 2: p.noise_autocorr = 1.0; break;
		case 3: p.models[0].token_share = 0.9; break;
		case 4: p.models[1].active_params_b = 1000; break;
		case 5: p.services[2].compute_factor = 0; break;
		}
		sim_diag d;
		diag_init(&d);
		cr_assert_eq(dem_check(&p, "x.json", &d), SIM_EINVAL, "case %zu", i);
		cr_assert(has_msg(&d, key[i]), "case %zu: no message naming '%s' (got '%s')", i,
		          key[i], d.n ? d.msg[0] : "");
		cr_assert(has_msg(&d, "x.json: $.demand."), "case %zu", i);
		diag_release(&d);
	}
}

/* Through the scenario loader: the schema rejects a range error, and the
 * cross-key rule (shares sum to 1) is reported by dem_parse. */
Test(dem, scenario_errors_name_the_path)
{
	sim_diag d;
	diag_init(&d);
	scn *s = scn_parse("{\"model\": \"network\", \"demand\": {\"elasticity\": -1}}", "<t>",
	                   NULL, 0, &d);
	cr_assert_null(s);
	cr_assert(has_msg(&d, "$.demand.elasticity"));
	diag_clear(&d);
	s = scn_parse("{\"model\": \"network\", \"demand\": {\"services\": ["
	              "{\"name\": \"inference\", \"share\": 0.5, \"compute_factor\": 1}]}}",
	              "<t>", NULL, 0, &d);
	cr_assert_not_null(s, "%s", d.n ? d.msg[0] : "");
	struct dem_params p;
	cr_assert_eq(dem_parse(&p, s, &d), SIM_EINVAL);
	cr_assert(has_msg(&d, "$.demand.services: expected share values summing to 1"));
	scn_free(s);
	diag_clear(&d);
	s = scn_parse("{\"model\": \"network\"}", "<t>", NULL, 0, &d);
	cr_assert_not_null(s);
	cr_assert_eq(dem_parse(&p, s, &d), SIM_OK);
	struct dem_params q;
	dem_defaults(&q);
	cr_assert_eq(p.n_models, q.n_models);
	cr_assert_float_eq(p.growth_ooms_per_year, q.growth_ooms_per_year, 0);
	cr_assert_float_eq(p.price_decline_ooms_per_year, q.price_decline_ooms_per_year, 0);
	cr_assert_float_eq(p.models[3].active_params_b, q.models[3].active_params_b, 0);
	scn_free(s);
	diag_release(&d);
}

/* ---------------------------------------------------------------- privacy */

Test(priv, tee_share_overhead_and_alpha)
{
	struct priv_params p;
	priv_defaults(&p);
	sim_diag d;
	diag_init(&d);
	cr_assert_eq(priv_check(&p, NULL, &d), SIM_OK);
	cr_assert_float_eq(priv_tee_share(&p, p.tee_midpoint_years), p.tee_share_max / 2, 1e-15);
	cr_assert_lt(priv_tee_share(&p, 0), p.tee_share_max / 2);
	cr_assert_float_eq(priv_tee_share(&p, 1e3), p.tee_share_max, 1e-12);
	cr_assert_eq(priv_overhead(&p, 0), 1.0);
	cr_assert_float_eq(priv_overhead(&p, 1), p.tee_overhead, 1e-15);
	cr_assert_float_eq(priv_overhead(&p, 0.5), 1 + 0.5 * (p.tee_overhead - 1), 1e-15);
	cr_assert_eq(priv_alpha(&p, 0), 0.0);
	cr_assert_float_eq(priv_alpha(&p, 0.3), 0.3 * p.privacy_utility, 1e-15);
	p.tee_overhead = 0.9;
	p.tee_share_max = 1.5;
	cr_assert_eq(priv_check(&p, "x.json", &d), SIM_EINVAL);
	cr_assert(has_msg(&d, "$.privacy.tee_overhead: expected a number in [1, 10], got 0.9"));
	cr_assert(has_msg(&d, "$.privacy.tee_share_max"));
	diag_release(&d);
}

/* The world bound by hand: 19.73M H100e x 0.5 x 12,500 x (1 + 69.5/214.5)
 * tokens/s x 86,400 s at the end of 2025, doubling a year; the schema's
 * defaults equal the code's. */
Test(dem, world_bound_by_hand_and_the_schema_agrees)
{
	struct dem_params p;
	dem_defaults(&p);
	double y0 = 2025 + 364 / 365.0;                     /* 2025-12-31 */
	double b0 = 19.73e6 * 0.5 * 12500 * (1 + 69.5 / 214.5) * 86400;
	cr_assert_float_eq(dem_world_bound(&p, y0), b0, 1e-9 * b0);
	cr_assert_float_eq(dem_world_bound(&p, y0 + 2), 4 * b0, 1e-9 * b0);
	cr_assert(p.world_bound);
	sim_diag d;
	diag_init(&d);
	scn *s = scn_parse("{\"model\": \"network\"}", "t.json", NULL, 0, &d);
	cr_assert_not_null(s);
	struct dem_params q;
	cr_assert_eq(dem_parse(&q, s, &d), SIM_OK);
	cr_assert_eq(q.world_bound, p.world_bound);
	cr_assert_eq(q.installed_h100e, p.installed_h100e);
	cr_assert_eq(q.installed_year, p.installed_year);
	cr_assert_eq(q.installed_growth, p.installed_growth);
	cr_assert_float_eq(q.h100e_tokens_per_s, p.h100e_tokens_per_s, 1e-12 * p.h100e_tokens_per_s);
	cr_assert_eq(q.inference_share, p.inference_share);
	scn_free(s);
	diag_release(&d);
}
