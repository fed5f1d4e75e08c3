/* srv_hist.c — log-bucketed histograms of the serving model (srv_hist.h). */
#include "srv_hist.h"

#include <math.h>
#include <stdlib.h>

sim_status srv_hist_init(struct srv_hist *h)
{
	memset(h, 0, sizeof *h);
	h->c = calloc(SRV_HIST_N, sizeof *h->c);
	return h->c ? SIM_OK : SIM_ENOMEM;
}

void srv_hist_release(struct srv_hist *h)
{
	free(h->c);
	h->c = NULL;
}

/* Midpoint of bucket k. */
static double hist_mid(int k)
{
	if (k == 0)
		return 0.0;
	int e = (k >> SRV_HIST_SUB) + SRV_HIST_EMIN;
	int m = k & ((1 << SRV_HIST_SUB) - 1);
	double lo = ldexp(1.0 + (double)m / (1 << SRV_HIST_SUB), e - 1023);
	return lo * (1.0 + 0.5 / (1 << SRV_HIST_SUB));
}

double srv_hist_quantile(const struct srv_hist *h, double q)
{
	if (h->n == 0)
		return NAN;
	int64_t k = (int64_t)ceil(q * (double)h->n);
	if (k < 1)
		k = 1;
	int64_t cum = 0;
	for (int i = 0; i < SRV_HIST_N; i++) {
		cum += (int64_t)h->c[i];
		if (cum >= k)
			return hist_mid(i);
	}
	return hist_mid(SRV_HIST_N - 1);
}
