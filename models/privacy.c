/* privacy.c — TEE share, overhead and privacy utility (model 7). */
#include "privacy.h"

#include <math.h>

void priv_defaults(struct priv_params *p)
{
	p->tee_share_max = 0.3;
	p->tee_midpoint_years = 4.0;
	p->tee_rate_per_year = 1.0;
	p->tee_overhead = 1.07;
	p->privacy_utility = 1.0;
}

#define CHECK(cond, fmt, ...)                                              \
	do {                                                               \
		if (!(cond)) {                                             \
			diag_add(d, "%s: $.privacy." fmt, w, __VA_ARGS__); \
			st = SIM_EINVAL;                                   \
		}                                                          \
	} while (0)

sim_status priv_check(const struct priv_params *p, const char *where, sim_diag *d)
{
	sim_status st = SIM_OK;
	const char *w = where ? where : "<params>";
	CHECK(p->tee_share_max >= 0 && p->tee_share_max <= 1,
	      "tee_share_max: expected a number in [0, 1], got %g", p->tee_share_max);
	CHECK(isfinite(p->tee_midpoint_years),
	      "tee_midpoint_years: expected a finite number, got %g", p->tee_midpoint_years);
	CHECK(p->tee_rate_per_year > 0 && isfinite(p->tee_rate_per_year),
	      "tee_rate_per_year: expected a positive number, got %g", p->tee_rate_per_year);
	CHECK(p->tee_overhead >= 1 && p->tee_overhead <= 10,
	      "tee_overhead: expected a number in [1, 10], got %g", p->tee_overhead);
	CHECK(p->privacy_utility >= 0 && p->privacy_utility <= 20,
	      "privacy_utility: expected a number in [0, 20], got %g", p->privacy_utility);
	return st;
}
#undef CHECK

sim_status priv_parse(struct priv_params *p, const scn *s, sim_diag *d)
{
	p->tee_share_max = scn_num(s, "privacy.tee_share_max");
	p->tee_midpoint_years = scn_num(s, "privacy.tee_midpoint_years");
	p->tee_rate_per_year = scn_num(s, "privacy.tee_rate_per_year");
	p->tee_overhead = scn_num(s, "privacy.tee_overhead");
	p->privacy_utility = scn_num(s, "privacy.privacy_utility");
	return priv_check(p, scn_path(s), d);
}

double priv_tee_share(const struct priv_params *p, double t)
{
	return p->tee_share_max / (1.0 + exp(-p->tee_rate_per_year * (t - p->tee_midpoint_years)));
}

double priv_overhead(const struct priv_params *p, double tee)
{
	return 1.0 + tee * (p->tee_overhead - 1.0);
}

double priv_alpha(const struct priv_params *p, double tee)
{
	return p->privacy_utility * tee;
}
