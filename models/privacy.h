/* privacy.h — private inference: the share of requests served in TEEs, their
 * compute overhead, and the privacy term alpha_priv of the demand share.
 *
 *     struct priv_params p; priv_defaults(&p);
 *     double want = priv_tee_share(&p, t_yr);            // requested TEE share
 *     double tee  = want < tee_cap_frac ? want : tee_cap_frac;  // limited by TEE hardware
 *     double ovh  = priv_overhead(&p, tee);              // compute per token, >= 1
 *     double a    = priv_alpha(&p, tee);                 // logit units, to dem_share_cap
 *
 * About the model (docs/models.md, "Private inference"):
 *   T(t)   = T_max / (1 + exp(-k (t - t_mid)))   share of requests that ask for a TEE;
 *   served TEE share = min(T(t), f_tee), f_tee the capacity share of TEE-capable classes;
 *   overhead = 1 + tee (o - 1), o the TEE compute overhead factor (estimate 1.07);
 *   alpha_priv = u * tee, u the logit utility of a private request being served
 *   privately (centralized providers are assumed to offer no equivalent).
 */
#ifndef DAIS_PRIVACY_H
#define DAIS_PRIVACY_H

#include "sim/scn.h"
#include "sim/status.h"

struct priv_params {
	double tee_share_max;          /* T_max, fraction of requests */
	double tee_midpoint_years;     /* t_mid, yr since start */
	double tee_rate_per_year;      /* k, 1/yr */
	double tee_overhead;           /* o, compute factor of TEE serving, >= 1 */
	double privacy_utility;        /* u, logit units at tee = 1 */
};

void priv_defaults(struct priv_params *p);
sim_status priv_check(const struct priv_params *p, const char *where, sim_diag *d)
	SIM_MUST_CHECK;
/* Copies $.privacy from a resolved scenario and checks it. */
sim_status priv_parse(struct priv_params *p, const scn *s, sim_diag *d) SIM_MUST_CHECK;

/* Requested TEE share T(t) in [0, T_max]. */
double priv_tee_share(const struct priv_params *p, double t_yr);
/* Compute per token relative to plain serving, for a served TEE share. */
double priv_overhead(const struct priv_params *p, double tee_share);
/* The privacy term of the logit share cap. */
double priv_alpha(const struct priv_params *p, double tee_share);

#endif
