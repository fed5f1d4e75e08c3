/* router.c — request routing policies for a serving fleet. */
#include "router.h"

#include <string.h>

static const char *const names[] = { "round_robin", "random", "least_loaded", "power_of_two",
                                     "hardware_aware" };

int router_parse(const char *name, enum srv_route *r)
{
	for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
		if (!strcmp(name, names[i])) {
			*r = (enum srv_route)i;
			return 0;
		}
	return -1;
}

const char *router_name(enum srv_route r)
{
	return (int)r >= 0 && (int)r < (int)(sizeof names / sizeof names[0]) ? names[r] : "?";
}

int router_pick(struct router *r, const int64_t *load)
{
	int n = r->n;
	if (n == 1)
		return 0;
	switch (r->policy) {
	case SRV_ROUTE_ROUND_ROBIN: {
		int k = r->next;
		r->next = (k + 1) % n;
		return k;
	}
	case SRV_ROUTE_RANDOM:
		return (int)gsl_rng_uniform_int(r->rng, (unsigned long)n);
	case SRV_ROUTE_LEAST_LOADED: {
		int best = 0;
		for (int i = 1; i < n; i++)
			if (load[i] < load[best])
				best = i;
		return best;
	}
	case SRV_ROUTE_POWER_OF_TWO: {
		int a = (int)gsl_rng_uniform_int(r->rng, (unsigned long)n);
		int b = (int)gsl_rng_uniform_int(r->rng, (unsigned long)(n - 1));
		if (b >= a)
			b++;
		return load[b] < load[a] ? b : a;
	}
	case SRV_ROUTE_HARDWARE_AWARE: {
		int best = 0;
		double bv = (double)(load[0] + 1) / r->speed[0];
		for (int i = 1; i < n; i++) {
			double v = (double)(load[i] + 1) / r->speed[i];
			if (v < bv) {
				bv = v;
				best = i;
			}
		}
		return best;
	}
	}
	return 0;
}
