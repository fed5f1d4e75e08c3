/* demand.c — token demand trend, elasticity, adoption and the logit share cap.
 *
 * Pure functions of the parameters (and of a caller-owned noise state), so the
 * network coupler can call them every simulated day without allocating.
 */
#include "demand.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "sim/csv.h"

/* ---------------------------------------------------------------- defaults */

static void set_model(struct dem_model *m, const char *name, double params_b,
                      double active_b, double bpp, double kv, double ctx,
                      double share, double price0)
{
	snprintf(m->name, sizeof m->name, "%s", name);
	m->params_b = params_b;
	m->active_params_b = active_b;
	m->bytes_per_param = bpp;
	m->kv_bytes_per_token = kv;
	m->context_tokens = ctx;
	m->token_share = share;
	m->price0_usd_per_mtok = price0;
}

static void set_service(struct dem_service *s, const char *name, double share,
                        double cf)
{
	snprintf(s->name, sizeof s->name, "%s", name);
	s->share = share;
	s->compute_factor = cf;
}

void dem_defaults(struct dem_params *p)
{
	memset(p, 0, sizeof *p);
	p->start_tokens_per_day = 1.5e12;
	p->growth = DEM_GROWTH_LOGISTIC;
	p->growth_ooms_per_year = 1.0;
	p->growth_half_years = 4.0;
	p->growth_width_years = 1.5;
	p->elasticity = 0.5;
	p->price_decline_ooms_per_year = 0.15;
	p->adoption_midpoint_years = 5.0;
	p->adoption_rate_per_year = 1.0;
	p->beta_price = 3.0;
	p->gamma_latency_per_s = 1.0;
	p->alpha0 = -1.0;
	p->latency_cen_s = 0.5;
	p->noise_sigma = 0.1;
	p->noise_autocorr = 0.9;
	/* The world bound (schema demand.json for the sources): Epoch AI's installed
	 * H100-equivalents at the end of 2025; growth, inference share: estimates. */
	p->world_bound = 1;
	p->installed_h100e = 19.73e6;
	snprintf(p->installed_date, sizeof p->installed_date, "2025-12-31");
	p->installed_year = csv_date_year(p->installed_date);
	p->installed_growth = 1.0;
	p->h100e_tokens_per_s = 12500 * (1 + 69.5 / 214.5);
	p->inference_share = 0.5;
	/* Llama-3.1 8B/70B/405B shapes (8 KV heads x 128 dims, 32/80/126 layers,
	 * FP16 KV); frontier: a GPT-4-like 1.76T MoE with ~280B active (estimate). */
	p->n_models = 4;
	set_model(&p->models[0], "small", 8, 8, 1.0, 131072, 512, 0.35, 0.20);
	set_model(&p->models[1], "medium", 70, 70, 1.0, 327680, 512, 0.30, 0.90);
	set_model(&p->models[2], "large", 405, 405, 1.0, 516096, 512, 0.15, 3.0);
	set_model(&p->models[3], "frontier", 1760, 280, 0.5, 737280, 1024, 0.20, 20.0);
	p->n_services = 3;
	set_service(&p->services[0], "inference", 0.85, 1.0);
	set_service(&p->services[1], "fine_tuning", 0.05, 3.0);
	set_service(&p->services[2], "rag", 0.10, 1.2);
}

/* ---------------------------------------------------------------- checks */

/* CHECK(cond, "key: expected ..., got %g", args): one message per failure. */
#define CHECK(cond, fmt, ...)                                              \
	do {                                                               \
		if (!(cond)) {                                             \
			diag_add(d, "%s: $.demand." fmt, w, __VA_ARGS__);  \
			st = SIM_EINVAL;                                   \
		}                                                          \
	} while (0)

sim_status dem_check(const struct dem_params *p, const char *where, sim_diag *d)
{
	sim_status st = SIM_OK;
	const char *w = where ? where : "<params>";
	CHECK(isfinite(p->start_tokens_per_day) && p->start_tokens_per_day > 0, "start_tokens_per_day: expected a positive number, got %g", p->start_tokens_per_day);
	CHECK(p->growth == DEM_GROWTH_EXPONENTIAL || p->growth == DEM_GROWTH_LOGISTIC, "growth: expected \"exponential\" or \"logistic\", got %d",
	      (int)p->growth);
	CHECK(isfinite(p->growth_ooms_per_year) && fabs(p->growth_ooms_per_year) <= 5, "growth_ooms_per_year: expected a number in [-5, 5], got %g", p->growth_ooms_per_year);
	CHECK(p->growth_width_years > 0 && isfinite(p->growth_width_years), "growth_width_years: expected a positive number, got %g", p->growth_width_years);
	CHECK(isfinite(p->growth_half_years), "growth_half_years: expected a finite number, got %g", p->growth_half_years);
	CHECK(p->elasticity >= 0 && p->elasticity <= 5, "elasticity: expected a number in [0, 5], got %g",
	      p->elasticity);
	CHECK(isfinite(p->price_decline_ooms_per_year) && fabs(p->price_decline_ooms_per_year) <= 3, "price_decline_ooms_per_year: expected a number in [-3, 3], got %g", p->price_decline_ooms_per_year);
	CHECK(p->adoption_rate_per_year > 0 && isfinite(p->adoption_rate_per_year), "adoption_rate_per_year: expected a positive number, got %g", p->adoption_rate_per_year);
	CHECK(isfinite(p->adoption_midpoint_years), "adoption_midpoint_years: expected a finite number, got %g", p->adoption_midpoint_years);
	CHECK(p->beta_price >= 0 && isfinite(p->beta_price), "beta_price: expected a number >= 0, got %g", p->beta_price);
	CHECK(p->gamma_latency_per_s >= 0 && isfinite(p->gamma_latency_per_s), "gamma_latency_per_s: expected a number >= 0, got %g", p->gamma_latency_per_s);
	CHECK(isfinite(p->alpha0), "alpha0: expected a finite number, got %g", p->alpha0);
	CHECK(p->latency_cen_s > 0 && isfinite(p->latency_cen_s), "latency_cen_s: expected a positive number, got %g",
	      p->latency_cen_s);
	CHECK(p->noise_sigma >= 0 && p->noise_sigma <= 2, "noise_sigma: expected a number in [0, 2], got %g",
	      p->noise_sigma);
	CHECK(p->noise_autocorr >= 0 && p->noise_autocorr < 1, "noise_autocorr: expected a number in [0, 1), got %g", p->noise_autocorr);
	CHECK(p->installed_h100e > 0 && isfinite(p->installed_h100e), "installed_h100e: expected a positive number, got %g", p->installed_h100e);
	CHECK(!isnan(csv_date_year(p->installed_date)), "installed_date: expected a date YYYY-MM-DD, got '%s'", p->installed_date);
	CHECK(p->installed_growth > -1 && p->installed_growth <= 100, "installed_growth: expected a number in (-1, 100], got %g", p->installed_growth);
	CHECK(p->h100e_tokens_per_s > 0 && isfinite(p->h100e_tokens_per_s), "h100e_tokens_per_s: expected a positive number, got %g", p->h100e_tokens_per_s);
	CHECK(p->inference_share > 0 && p->inference_share <= 1, "inference_share: expected a number in (0, 1], got %g", p->inference_share);
	CHECK(p->n_models >= 1 && p->n_models <= DEM_MAX_MODELS, "models: expected 1 to %d model classes, got %d",
	      DEM_MAX_MODELS, p->n_models);
	CHECK(p->n_services >= 1 && p->n_services <= DEM_MAX_SERVICES, "services: expected 1 to %d services, got %d",
	      DEM_MAX_SERVICES, p->n_services);
	if (st != SIM_OK)
		return st;

	double sum = 0;
	for (int i = 0; i < p->n_models; i++) {
		const struct dem_model *m = &p->models[i];
		CHECK(m->params_b > 0 && isfinite(m->params_b), "models[%d].params_b: expected a positive number, got %g",
		      i, m->params_b);
		CHECK(m->active_params_b > 0 && m->active_params_b <= m->params_b, "models[%d].active_params_b: expected a number in (0, params_b = %g], got %g", i, m->params_b, m->active_params_b);
		CHECK(m->bytes_per_param > 0 && m->bytes_per_param <= 4, "models[%d].bytes_per_param: expected a number in (0, 4], got %g", i, m->bytes_per_param);
		CHECK(m->kv_bytes_per_token >= 0 && isfinite(m->kv_bytes_per_token), "models[%d].kv_bytes_per_token: expected a number >= 0, got %g", i, m->kv_bytes_per_token);
		CHECK(m->context_tokens >= 1 && isfinite(m->context_tokens), "models[%d].context_tokens: expected a number >= 1, got %g",
		      i, m->context_tokens);
		CHECK(m->token_share >= 0 && m->token_share <= 1, "models[%d].token_share: expected a number in [0, 1], got %g", i, m->token_share);
		CHECK(m->price0_usd_per_mtok > 0 && isfinite(m->price0_usd_per_mtok), "models[%d].price0_usd_per_mtok: expected a positive number, got %g", i, m->price0_usd_per_mtok);
		for (int j = 0; j < i; j++)
			CHECK(strcmp(m->name, p->models[j].name), "models[%d].name: duplicate name \"%s\"", i, m->name);
		sum += m->token_share;
	}
	CHECK(fabs(sum - 1.0) < 1e-6, "models: expected token_share values summing to 1, got %.9g", sum);
	sum = 0;
	for (int i = 0; i < p->n_services; i++) {
		const struct dem_service *s = &p->services[i];
		CHECK(s->share >= 0 && s->share <= 1, "services[%d].share: expected a number in [0, 1], got %g",
		      i, s->share);
		CHECK(s->compute_factor > 0 && s->compute_factor <= 100, "services[%d].compute_factor: expected a number in (0, 100], got %g", i, s->compute_factor);
		sum += s->share;
	}
	CHECK(fabs(sum - 1.0) < 1e-6, "services: expected share values summing to 1, got %.9g", sum);
	return st;
}
#undef CHECK

/* ---------------------------------------------------------------- parse */

sim_status dem_parse(struct dem_params *p, const scn *s, sim_diag *d)
{
	char key[96];
	dem_defaults(p);
	p->start_tokens_per_day = scn_num(s, "demand.start_tokens_per_day");
	p->growth = strcmp(scn_str(s, "demand.growth"), "exponential") ? DEM_GROWTH_LOGISTIC
	                                                                : DEM_GROWTH_EXPONENTIAL;
	p->growth_ooms_per_year = scn_num(s, "demand.growth_ooms_per_year");
	p->growth_half_years = scn_num(s, "demand.growth_half_years");
	p->growth_width_years = scn_num(s, "demand.growth_width_years");
	p->elasticity = scn_num(s, "demand.elasticity");
	p->price_decline_ooms_per_year = scn_num(s, "demand.price_decline_ooms_per_year");
	p->adoption_midpoint_years = scn_num(s, "demand.adoption_midpoint_years");
	p->adoption_rate_per_year = scn_num(s, "demand.adoption_rate_per_year");
	p->beta_price = scn_num(s, "demand.beta_price");
	p->gamma_latency_per_s = scn_num(s, "demand.gamma_latency_per_s");
	p->alpha0 = scn_num(s, "demand.alpha0");
	p->latency_cen_s = scn_num(s, "demand.latency_cen_s");
	p->noise_sigma = scn_num(s, "demand.noise_sigma");
	p->noise_autocorr = scn_num(s, "demand.noise_autocorr");
	p->world_bound = scn_bool(s, "demand.world_bound");
	p->installed_h100e = scn_num(s, "demand.installed_h100e");
	snprintf(p->installed_date, sizeof p->installed_date, "%s", scn_str(s, "demand.installed_date"));
	p->installed_year = csv_date_year(p->installed_date);
	p->installed_growth = scn_num(s, "demand.installed_growth");
	p->h100e_tokens_per_s = scn_num(s, "demand.h100e_tokens_per_s");
	p->inference_share = scn_num(s, "demand.inference_share");

	int n = scn_len(s, "demand.models");
	if (n > DEM_MAX_MODELS) {
		diag_add(d, "%s: $.demand.models: expected at most %d model classes, got %d",
		         scn_path(s), DEM_MAX_MODELS, n);
		return SIM_EINVAL;
	}
	p->n_models = n;
	for (int i = 0; i < n; i++) {
		struct dem_model *m = &p->models[i];
#define MNUM(field) (snprintf(key, sizeof key, "demand.models[%d]." #field, i), scn_num(s, key))
		snprintf(key, sizeof key, "demand.models[%d].name", i);
		snprintf(m->name, sizeof m->name, "%s", scn_str(s, key));
		m->params_b = MNUM(params_b);
		m->active_params_b = MNUM(active_params_b);
		m->bytes_per_param = MNUM(bytes_per_param);
		m->kv_bytes_per_token = MNUM(kv_bytes_per_token);
		m->context_tokens = MNUM(context_tokens);
		m->token_share = MNUM(token_share);
		m->price0_usd_per_mtok = MNUM(price0_usd_per_mtok);
#undef MNUM
	}
	n = scn_len(s, "demand.services");
	if (n > DEM_MAX_SERVICES) {
		diag_add(d, "%s: $.demand.services: expected at most %d services, got %d",
		         scn_path(s), DEM_MAX_SERVICES, n);
		return SIM_EINVAL;
	}
	p->n_services = n;
	for (int i = 0; i < n; i++) {
		struct dem_service *sv = &p->services[i];
		snprintf(key, sizeof key, "demand.services[%d].name", i);
		snprintf(sv->name, sizeof sv->name, "%s", scn_str(s, key));
		snprintf(key, sizeof key, "demand.services[%d].share", i);
		sv->share = scn_num(s, key);
		snprintf(key, sizeof key, "demand.services[%d].compute_factor", i);
		sv->compute_factor = scn_num(s, key);
	}
	return dem_check(p, scn_path(s), d);
}

/* ---------------------------------------------------------------- model */

/* ln(1 + e^x) without overflow. */
static double softplus(double x)
{
	return x > 30 ? x : log1p(exp(x));
}

double dem_growth_ooms(const struct dem_params *p, double t)
{
	double g = p->growth_ooms_per_year;
	if (p->growth == DEM_GROWTH_EXPONENTIAL)
		return g * t;
	double w = p->growth_width_years, th = p->growth_half_years;
	return g * (t - w * (softplus((t - th) / w) - softplus(-th / w)));
}

double dem_trend(const struct dem_params *p, double t)
{
	return p->start_tokens_per_day * pow(10.0, dem_growth_ooms(p, t));
}

double dem_world_bound(const struct dem_params *p, double year)
{
	return p->installed_h100e * pow(1 + p->installed_growth, year - p->installed_year) *
	       p->inference_share * p->h100e_tokens_per_s * 86400.0;
}

double dem_compute_factor(const struct dem_params *p)
{
	double f = 0;
	for (int i = 0; i < p->n_services; i++)
		f += p->services[i].share * p->services[i].compute_factor;
	return f;
}

double dem_elastic(double d, double price, double p0, double eps)
{
	return d * pow(price / p0, -eps);
}

double dem_adoption(const struct dem_params *p, double t)
{
	return 1.0 / (1.0 + exp(-p->adoption_rate_per_year * (t - p->adoption_midpoint_years)));
}

double dem_share_cap(const struct dem_params *p, double p_dec, double p_cen,
                     double l_dec, double l_cen, double alpha_priv)
{
	double v = p->beta_price * (p_dec - p_cen) / p_cen +
	           p->gamma_latency_per_s * (l_dec - l_cen) - alpha_priv - p->alpha0;
	if (v > 700)
		return 0.0;
	return 1.0 / (1.0 + exp(v));
}

double dem_price_cen(const struct dem_params *p, int m, double t)
{
	return p->models[m].price0_usd_per_mtok * pow(10.0, -p->price_decline_ooms_per_year * t);
}

double dem_noise(const struct dem_params *p, double *x, gsl_rng *r)
{
	double sg = p->noise_sigma;
	if (sg <= 0 || !r)
		return 1.0;
	double rho = p->noise_autocorr;
	*x = rho * *x + sg * sqrt(1.0 - rho * rho) * gsl_ran_gaussian_ziggurat(r, 1.0);
	return exp(*x - 0.5 * sg * sg);
}
