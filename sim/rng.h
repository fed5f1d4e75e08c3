/* rng.h — independent, reproducible random streams on GSL generators.
 *
 * Every random number in DAIS comes from a stream derived from the tuple
 * (master seed, replication, model id, entity id):
 *
 *     gsl_rng *r = rng_stream(seed, rep, RNG_MODEL_DEMAND, 0);
 *     double u = gsl_rng_uniform(r);          // use GSL's distributions on it
 *     gsl_rng_free(r);
 *
 * About derivation: the tuple is mixed with splitmix64 into a 64-bit key,
 * and the key fills the whole Mersenne Twister state (19937 bits) through a
 * splitmix64 sequence, so two different tuples give unrelated streams and no
 * 32-bit seed collision can make two streams equal.  Because the streams are
 * derived at seeding time (GSL has no jump-ahead), adding a model or an entity
 * never shifts the numbers of another: a stream depends on its tuple alone.
 *
 * Model ids are fixed constants: never renumber them, or old seeds change
 * meaning.  Entity ids are chosen by the model (hardware class, chain, node).
 */
#ifndef DAIS_RNG_H
#define DAIS_RNG_H

#include <stdint.h>
#include <gsl/gsl_rng.h>

enum rng_model {
	RNG_MODEL_KERNEL   = 0,  /* reserved for the simulator itself */
	RNG_MODEL_QUEUE    = 1,
	RNG_MODEL_DEMAND   = 2,
	RNG_MODEL_NODES    = 3,
	RNG_MODEL_TOKEN    = 4,
	RNG_MODEL_VERIFY   = 5,
	RNG_MODEL_CHAIN    = 6,
	RNG_MODEL_HARDWARE = 7,
	RNG_MODEL_BITCOIN  = 8,
	RNG_MODEL_SERVING  = 9,
	RNG_MODEL_PRIVACY  = 10,
	RNG_MODEL_PRICE    = 11,
	RNG_MODEL_AGENTS   = 12,  /* the network's agent records (cost draws only) */
	/* not a model: the random designs and the bootstrap of `dais uncertainty`
	 * (run/uq.h); far from the models' ids so that new models never meet it */
	RNG_MODEL_UQ       = 100
};

/* The 64-bit key of a stream. */
uint64_t rng_key(uint64_t master, uint64_t rep, uint32_t model, uint64_t entity);

/* Allocates a generator seeded for the tuple; NULL when out of memory.
 * Free with gsl_rng_free. */
gsl_rng *rng_stream(uint64_t master, uint64_t rep, uint32_t model, uint64_t entity);

/* Re-seeds an existing generator (from rng_stream) for another tuple. */
void rng_reseed(gsl_rng *r, uint64_t master, uint64_t rep, uint32_t model,
                uint64_t entity);

/* A Poisson variate of mean mu (0 for mu <= 0 or NAN), as a double so that
 * large means do not overflow.  Below mean 10, inversion of the CDF with one
 * uniform; from 10 to 1e9, Hoermann's transformed rejection with squeeze
 * (PTRS; W. Hoermann, Insurance: Mathematics and Economics 12, 1993); beyond
 * 1e9 the normal approximation, floor(mu + sqrt(mu) N + 1/2) clamped at 0,
 * whose error is then below anything a run can resolve.  Both exact methods
 * cost about the same at any mean, where gsl_ran_poisson draws a gamma
 * variate per factor of eight of the mean and a uniform per unit of the
 * result below 10 (a fifth of a network run's time went there). */
double rng_poisson(gsl_rng *r, double mu);

/* splitmix64 step: advances *state and returns the next output. */
uint64_t rng_splitmix64(uint64_t *state);

#endif
