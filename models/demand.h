/* demand.h — world AI token demand and the share a decentralized network captures.
 *
 *     struct dem_params p; dem_defaults(&p);           // or dem_parse(&p, scn, &d)
 *     double D   = dem_trend(&p, t_yr);                // tokens/day, world, all classes
 *     double Pc  = dem_price_cen(&p, m, t_yr);         // USD per 1M tokens, class m
 *     double De  = dem_elastic(D, P_eff, Pc, p.elasticity);
 *     double cap = dem_share_cap(&p, P_dec, Pc, L_dec, L_cen, alpha_priv);
 *     double s   = dem_adoption(&p, t_yr) * cap;       // share of demand offered to the network
 *
 * All times t_yr are years since the scenario start (2024-01-01 by default).
 *
 * About the equations (docs/models.md, "AI demand"):
 *   trend      exponential: log10 D(t) = log10 D0 + g t
 *              logistic:    the growth rate decays along a logistic,
 *                           g(t) = g / (1 + exp((t - t_h) / w)), so
 *                           log10 D(t) = log10 D0 + g [t - w ln((1 + e^((t - t_h)/w)) / (1 + e^(-t_h/w)))]
 *                           and log demand saturates at g w ln(1 + e^(t_h/w)) OOM above D0;
 *   elasticity D' = D (P / P0)^(-eps), with P0 the trend price P_cen(t), so the trend
 *              (which already contains falling prices) is not counted twice;
 *   adoption   A(t) = 1 / (1 + exp(-k (t - t_mid)))  (half its cap at t_mid);
 *   choice     s_max = 1 / (1 + exp(beta (P_dec - P_cen) / P_cen + gamma (L_dec - L_cen)
 *                                  - alpha_priv - alpha_0));
 *   price      P_cen,m(t) = P_cen,m(0) 10^(-delta t) at fixed model class;
 *   noise      x_t = rho x_{t-1} + sigma sqrt(1 - rho^2) z_t, factor exp(x_t - sigma^2/2)
 *              (mean one; sigma = 0 switches noise off).
 */
#ifndef DAIS_DEMAND_H
#define DAIS_DEMAND_H

#include <gsl/gsl_rng.h>

#include "sim/scn.h"
#include "sim/status.h"

#define DEM_MAX_MODELS   8
#define DEM_MAX_SERVICES 4
#define DEM_NAME_LEN     32

enum dem_growth { DEM_GROWTH_EXPONENTIAL = 0, DEM_GROWTH_LOGISTIC = 1 };

/* A model size class: what it is (for memory and throughput) and what it costs. */
struct dem_model {
	char name[DEM_NAME_LEN];
	double params_b;            /* 1e9 parameters, total (memory) */
	double active_params_b;     /* 1e9 parameters read per token (MoE: < total) */
	double bytes_per_param;     /* B, serving precision (1 = FP8/INT8, 0.5 = 4-bit) */
	double kv_bytes_per_token;  /* B of KV cache per context token */
	double context_tokens;      /* tokens, mean context held per sequence */
	double token_share;         /* fraction of world tokens on this class */
	double price0_usd_per_mtok; /* USD per 1M tokens, centralized, at t = 0 */
};

/* A service: inference, fine-tuning, retrieval-augmented generation. */
struct dem_service {
	char name[DEM_NAME_LEN];
	double share;               /* fraction of tokens */
	double compute_factor;      /* inference-token equivalents per token */
};

struct dem_params {
	double start_tokens_per_day;      /* D0, tokens/day, world, at t = 0 */
	enum dem_growth growth;
	double growth_ooms_per_year;      /* g, OOM/yr (initial rate for logistic) */
	double growth_half_years;         /* t_h, yr: logistic growth rate halves */
	double growth_width_years;        /* w, yr */
	double elasticity;                /* eps >= 0 */
	double price_decline_ooms_per_year; /* delta, OOM/yr, P_cen at fixed class */
	double adoption_midpoint_years;   /* t_mid, yr */
	double adoption_rate_per_year;    /* k, 1/yr */
	double beta_price;                /* logit weight of relative price gap */
	double gamma_latency_per_s;       /* logit weight of latency gap, 1/s */
	double alpha0;                    /* alternative-specific constant (trust, habit) */
	double latency_cen_s;             /* L_cen, s, time to first token, centralized */
	double noise_sigma;               /* stationary sd of log demand shock */
	double noise_autocorr;            /* rho, day-to-day, in [0,1) */
	int world_bound;                  /* 1: trend demand <= what installed accelerators serve */
	double installed_h100e;           /* world installed base at installed_year, H100-equiv. */
	double installed_year;            /* calendar year of that figure (from installed_date) */
	char installed_date[16];          /* "YYYY-MM-DD" */
	double installed_growth;          /* per year */
	double h100e_tokens_per_s;        /* input + output tokens/s one H100-equivalent serves */
	double inference_share;           /* share of installed accelerators serving inference */
	int n_models;
	struct dem_model models[DEM_MAX_MODELS];
	int n_services;
	struct dem_service services[DEM_MAX_SERVICES];
};

/* The documented defaults (the same values as scenarios/schema/demand.json). */
void dem_defaults(struct dem_params *p);

/* Checks ranges and cross-key rules; appends "demand.<key>: ..." messages. */
sim_status dem_check(const struct dem_params *p, const char *where, sim_diag *d)
	SIM_MUST_CHECK;

/* Copies $.demand from a resolved scenario and checks it. */
sim_status dem_parse(struct dem_params *p, const scn *s, sim_diag *d) SIM_MUST_CHECK;

/* OOM of growth since t = 0: log10(D(t) / D0). */
double dem_growth_ooms(const struct dem_params *p, double t_yr);

/* Trend demand, tokens/day, all classes and services (unbounded). */
double dem_trend(const struct dem_params *p, double t_yr);

/* Tokens/day the world's installed accelerators could serve in calendar year
 * y: installed_h100e (1 + installed_growth)^(y - installed_year) x
 * inference_share x h100e_tokens_per_s x 86400.  A loose physical bound on
 * world demand (small-model throughput for every token): the network model
 * takes min(trend, bound) when world_bound is set. */
double dem_world_bound(const struct dem_params *p, double year);

/* Mean compute per token over services (inference-token equivalents). */
double dem_compute_factor(const struct dem_params *p);

/* d (P / p0)^(-eps). */
double dem_elastic(double d, double price, double p0, double eps);

/* Logistic adoption in [0, 1]; 0.5 at the midpoint. */
double dem_adoption(const struct dem_params *p, double t_yr);

/* Logit cap on the decentralized share, in (0, 1). */
double dem_share_cap(const struct dem_params *p, double p_dec, double p_cen,
                     double l_dec_s, double l_cen_s, double alpha_priv);

/* Centralized price of class m at t, USD per 1M tokens. */
double dem_price_cen(const struct dem_params *p, int m, double t_yr);

/* Multiplicative daily shock; *x carries the AR(1) state (start at 0). */
double dem_noise(const struct dem_params *p, double *x, gsl_rng *r);

#endif
