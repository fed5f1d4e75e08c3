/* srv_hist.h — the serving model's latency histograms: log-bucketed counts
 * whose percentiles need no per-request storage.
 *
 *     struct srv_hist h;
 *     if (srv_hist_init(&h)) ...               // SIM_ENOMEM
 *     srv_hist_add(&h, ttft_s);                // O(1), no log()
 *     double p99 = srv_hist_quantile(&h, 0.99);
 *     srv_hist_release(&h);
 *
 * About the buckets: the bucket of x > 0 is its binary exponent and the top
 * SRV_HIST_SUB bits of its mantissa, read from the IEEE bits: 2^SRV_HIST_SUB
 * buckets per octave (relative width 2^-8, so a percentile is within 0.2% of
 * the exact order statistic), from 2^-30 s (1 ns) to 2^21 s (24 days).
 * Values at or below 0 fall in bucket 0 (reported as 0), values beyond the
 * top in the last one.
 */
#ifndef DAIS_SRV_HIST_H
#define DAIS_SRV_HIST_H

#include <stdint.h>
#include <string.h>

#include "sim/status.h"

#define SRV_HIST_SUB 8
#define SRV_HIST_EMIN (1023 - 30)
#define SRV_HIST_EMAX (1023 + 21)
#define SRV_HIST_N (((SRV_HIST_EMAX - SRV_HIST_EMIN) << SRV_HIST_SUB) + 1)

struct srv_hist {
	uint64_t *c;   /* (SRV_HIST_N,) counts */
	int64_t n;     /* values added */
	double sum;    /* their sum, for the mean */
};

/* Zeroes h and allocates its counts; SIM_ENOMEM. */
sim_status srv_hist_init(struct srv_hist *h) SIM_MUST_CHECK;
/* Frees the counts; a zeroed h is a no-op. */
void srv_hist_release(struct srv_hist *h);

static inline int srv_hist_bucket(double x)
{
	if (!(x > 0))
		return 0;
	uint64_t b;
	memcpy(&b, &x, sizeof b);
	int e = (int)(b >> 52);
	if (e < SRV_HIST_EMIN)
		return 0;
	if (e >= SRV_HIST_EMAX)
		return SRV_HIST_N - 1;
	return ((e - SRV_HIST_EMIN) << SRV_HIST_SUB) +
	       (int)((b >> (52 - SRV_HIST_SUB)) & ((1u << SRV_HIST_SUB) - 1));
}

/* Inline: the simulator adds four values per finished request. */
static inline void srv_hist_add(struct srv_hist *h, double x)
{
	h->c[srv_hist_bucket(x)]++;
	h->n++;
	h->sum += x;
}

/* The q-quantile as the ceil(q n)-th smallest value, to bucket precision (the
 * bucket's midpoint); NaN when h is empty. */
double srv_hist_quantile(const struct srv_hist *h, double q);

#endif
