/* rng.c — stream derivation: (master, rep, model, entity) -> a seeded GSL generator. */
#include "rng.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>

uint64_t rng_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Each field goes through a full splitmix64 round before the next is added,
 * so (a, b) and (b, a) or neighbouring tuples do not collide. */
uint64_t rng_key(uint64_t master, uint64_t rep, uint32_t model, uint64_t entity)
{
	uint64_t s = master;
	uint64_t k = rng_splitmix64(&s);
	s = k ^ rep;
	k = rng_splitmix64(&s);
	s = k ^ (uint64_t)model;
	k = rng_splitmix64(&s);
	s = k ^ entity;
	return rng_splitmix64(&s);
}

/* GSL's MT19937 state: 624 words and an index (gsl/rng/mt.c).  Filling it
 * ourselves uses the whole 64-bit key; if a GSL build ever changes the layout
 * (detected by the size), we fall back to gsl_rng_set with a folded key. */
#define MT_N 624
typedef struct {
	unsigned long mt[MT_N];
	int mti;
} mt_state;

static void seed_mt(gsl_rng *r, uint64_t key)
{
	if (gsl_rng_size(r) != sizeof(mt_state)) {
		gsl_rng_set(r, (unsigned long)(key ^ (key >> 32)));
		return;
	}
	mt_state *st = gsl_rng_state(r);
	uint64_t s = key;
	int nonzero = 0;
	for (int i = 0; i < MT_N; i++) {
		st->mt[i] = (unsigned long)(rng_splitmix64(&s) & 0xffffffffUL);
		nonzero |= st->mt[i] != 0;
	}
	if (!nonzero)
		st->mt[0] = 0x80000000UL; /* the all-zero state is a fixed point */
	st->mti = MT_N;                  /* regenerate on the first draw */
}

gsl_rng *rng_stream(uint64_t master, uint64_t rep, uint32_t model, uint64_t entity)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	if (r)
		seed_mt(r, rng_key(master, rep, model, entity));
	return r;
}

void rng_reseed(gsl_rng *r, uint64_t master, uint64_t rep, uint32_t model, uint64_t entity)
{
	seed_mt(r, rng_key(master, rep, model, entity));
}

/* PTRS (Hoermann 1993): a transformed-rejection hat over the Poisson
 * histogram.  Its squeeze (|u| <= 0.43 and v <= v_r) accepts two candidates
 * in three at mean 100 and four in five at 10^4 from two uniforms alone; the
 * rest are tested against the exact log probability. */
static double poisson_ptrs(gsl_rng *r, double mu)
{
	double smu = sqrt(mu), lmu = NAN;     /* ln mu: for the slow test only */
	double b = 0.931 + 2.53 * smu;
	double a = -0.059 + 0.02483 * b;
	double inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
	double v_r = 0.9277 - 3.6224 / (b - 2);
	for (;;) {
		double u = gsl_rng_uniform(r) - 0.5, v = gsl_rng_uniform(r);
		double us = 0.5 - fabs(u);
		double k = floor((2 * a / us + b) * u + mu + 0.43);
		if (us >= 0.07 && v <= v_r)
			return k;
		if (k < 0 || (us < 0.013 && v > us))
			continue;
		if (isnan(lmu))
			lmu = log(mu);
		if (log(v) + log(inv_alpha) - log(a / (us * us) + b) <=
		    -mu + k * lmu - gsl_sf_lngamma(k + 1))
			return k;
	}
}

double rng_poisson(gsl_rng *r, double mu)
{
	if (!(mu > 0))
		return 0;
	if (mu < 10) {
		/* inversion: one uniform against the CDF summed term by term (GSL's
		 * product of uniforms draws one per unit of the result) */
		double u = gsl_rng_uniform(r), p = exp(-mu), c = p, k = 0;
		while (u > c && p > 0) {
			k++;
			p *= mu / k;
			c += p;
		}
		return k;
	}
	if (mu < 1e9)
		return poisson_ptrs(r, mu);
	return fmax(0.0, floor(mu + sqrt(mu) * gsl_ran_ugaussian(r) + 0.5));
}
