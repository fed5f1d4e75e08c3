/* uq.h — parameter uncertainty: a scenario run at the points of a sampling
 * design drawn from parameter distributions, its headline scalars collected,
 * then Sobol indices (Saltelli design), Morris screening or plain Latin-
 * hypercube propagation (the numerics are analysis/gsa.h's).
 *
 *   dais uncertainty PROBLEM.json [-o DIR] [--method sobol|morris|lhs]
 *                    [--samples N] [--threads T] [--seed S] [--resume]
 *   mpirun -n R build/dais-mpi uncertainty PROBLEM.json ...   (make MPI=1)
 *
 * A problem file is JSON (scenarios/uncertainty/baseline.json), modelled on
 * SALib's problem dictionaries with a source for every range:
 *
 *   { "description": "...",
 *     "scenario": "../baseline.json",           // relative to the problem file
 *     "set": ["replications=1"],                // fixed overrides (optional)
 *     "parameters": [
 *       { "path": "nodes.revenue_decline",      // a --set path of the scenario
 *         "label": "operators' expected revenue decline",      // optional
 *         "distribution": "uniform",            // default; or loguniform,
 *         "bounds": [0, 0.435],                 //   triangular (+ "mode"),
 *         "source": "Bitcoin back-test fit" },  //   normal ("mean", "sd"),
 *       { "path": "settlement.stack_tokens",    //   truncnormal (mean, sd, bounds)
 *         "distribution": "loguniform", "bounds": [1e5, 1e7],
 *         "integer": true,                      // rounded to whole numbers
 *         "source": "estimate" } ],
 *     "outputs": ["nodes_year_10",              // scalars the model records;
 *                 { "name": "fee_target_day_sui", "missing": 3653 } ],
 *     "output": "results/uncertainty/baseline" }
 *
 * "source" is required: a reference (docs/ or the reference sheet) or the
 * word "estimate".  An output's "missing" is the value a run that never
 * reaches the event (the scalar is NaN) counts as, for a date the horizon
 * (a censored value); without it such runs are left out of the estimators
 * and counted.
 *
 * About points: each point is one replication (index 0, the scenario's
 * master seed: common random numbers, so points differ by their parameters
 * only) of the scenario with the fixed overrides, then "path=value" for
 * every parameter.  Nothing is written per point; the scalars stay in memory
 * (and in the checkpoint).  Designs (analysis/gsa.h): sobol, N (k + 2)
 * points for N = --samples base rows; morris, N (k + 1) points for N
 * trajectories on 4 levels; lhs, N points.  The random designs and the
 * bootstrap draw from streams of the master seed (--seed, default the
 * scenario's), model id RNG_MODEL_UQ.
 *
 * Outputs in DIR: uncertainty.h5 (layout in docs/uncertainty.md), one table
 * per output (indices_NAME.dat, dist_NAME.dat) and their figures when
 * gnuplot is on PATH, and a table on stdout.  The files do not depend on the
 * thread count or the rank count.
 *
 * About resuming: after a chunk of points, at most every 10 s and after the
 * last, the scalars so far go to DIR/uncertainty.partial (atomically); with --resume the points it holds
 * are kept if it belongs to the same problem, design and scenario (its key),
 * and it is an error if it belongs to another.  SIGINT/SIGTERM stop after the
 * points in flight, keeping the checkpoint.
 *
 * Validation (uq_load) reports every problem at once, each naming the file
 * and the JSON path, and checks every parameter at both ends of its range
 * against the scenario's schema and the model's own rules before anything
 * runs; an output the model does not record is refused after the first
 * chunk.
 */
#ifndef DAIS_UQ_H
#define DAIS_UQ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "analysis/gsa.h"
#include "sim/model.h"
#include "sim/status.h"

typedef struct uq uq;

enum uq_method { UQ_SOBOL, UQ_MORRIS, UQ_LHS };

struct uq_param {
	char *path;             /* scenario key, "chains[sui].capacity_tps" */
	char *label;            /* the path unless given */
	char *source;           /* a reference or "estimate" */
	struct gsa_dist dist;
	int integer;            /* values rounded */
};

struct uq_output {
	char *name;             /* a scalar the model records */
	int has_missing;
	double missing;         /* the value a NaN counts as, when has_missing */
};

/* Reads and checks a problem file (see above) with the model types given
 * (models/registry.h).  NULL and messages on error. */
uq *uq_load(const char *path, const struct model_type *const *models, sim_diag *d);
void uq_free(uq *q);

const char *uq_name(const uq *q);
const char *uq_description(const uq *q);
const char *uq_default_dir(const uq *q);
const char *uq_scenario_json(const uq *q);   /* the resolved base scenario */
uint64_t uq_scenario_seed(const uq *q);
int uq_nparams(const uq *q);
const struct uq_param *uq_param(const uq *q, int i);
int uq_noutputs(const uq *q);
const struct uq_output *uq_output(const uq *q, int i);

const char *uq_method_name(enum uq_method m);
int uq_method_of(const char *name);          /* -1 when unknown */

struct uq_opts {
	const char *dir;        /* output directory (created) */
	enum uq_method method;
	size_t samples;         /* N as above */
	int threads;            /* 0 = all cores */
	int have_seed;
	uint64_t seed;          /* when have_seed: replaces the scenario's seed */
	int nboot;              /* bootstrap resamples of the Sobol intervals */
	int resume;
	int quiet;
};

/* What a run produced; every array is row-major. */
struct uq_result {
	enum uq_method method;
	size_t samples, rows;   /* N, and the points it makes */
	int k, nout;
	uint64_t seed;          /* the master seed used */
	int nboot;              /* bootstrap resamples */
	double *u;              /* (rows, k) unit-cube design */
	double *x;              /* (rows, k) parameter values */
	int *order;             /* (samples, k) Morris: coordinate moved at each step */
	double *y;              /* (rows, nout) outputs ("missing" applied) */
	size_t n_missing_used;  /* NaN outputs replaced by their "missing" value */
	double *q;              /* (nout, 3) p05, p50, p95 of each output */
	size_t *n_finite;       /* (nout,) */
	size_t *n_censored;     /* (nout,) of the prior draws, NaN counted as "missing" */
	struct gsa_sobol *sobol;   /* (nout, k) sobol */
	struct gsa_morris *morris; /* (nout, k) morris */
	double wall_s;          /* time running points (this invocation) */
	size_t ran;             /* points run now (not kept from a checkpoint) */
};

/* The design of o (the points, their parameter values), without running
 * anything; SIM_ERANGE (with a message) for a Saltelli design of more
 * parameters than GSA_SOBOL_MAX_K. */
sim_status uq_design(const uq *q, const struct uq_opts *o, struct uq_result *res,
                     sim_diag *d) SIM_MUST_CHECK;

/* Runs every point of the design not checkpointed yet (over MPI ranks when
 * there are several: rank r runs the points r, r + R, ... of each chunk,
 * rank 0 collects them and writes the checkpoint), then computes the
 * statistics (on rank 0 only: the others return SIM_OK without them).  SIM_EINTR when interrupted,
 * SIM_EINVAL when a point fails the model or an output is never recorded. */
sim_status uq_run(const uq *q, const struct uq_opts *o, struct uq_result *res,
                  sim_diag *d) SIM_MUST_CHECK;

void uq_result_release(struct uq_result *res);

/* Writes DIR/uncertainty.h5, the tables and the figures (rank 0). */
sim_status uq_write(const uq *q, const struct uq_opts *o, const struct uq_result *res,
                    sim_diag *d) SIM_MUST_CHECK;

/* The table of quantiles and indices, as text, to f. */
void uq_print(const uq *q, const struct uq_result *res, FILE *f);

/* Warns (to f) about each parameter whose moves alone change no output at
 * all (ST or mu* exactly 0 for every output); returns how many.  None for
 * lhs. */
int uq_warn_no_effect(const uq *q, const struct uq_result *res, FILE *f);

/* ---- the tornado of a problem file ----------------------------------------------
 * `dais sensitivity PROBLEM.json` runs the one-at-a-time design of the same
 * ranges: each parameter at the ends of its distribution (the bounds; for a
 * normal its 0.1% and 99.9% quantiles), the others at the scenario's values. */

/* 1 when path holds a problem file (its parameters have a "source",
 * "bounds" or "distribution"), not a sweep file. */
int uq_is_problem(const char *path);
/* The sweep file (mode oat, output dir) of those ranges, as JSON text for
 * sweep_load_text (run/sweep.h); the caller frees it.  NULL when out of
 * memory. */
char *uq_sweep_json(const uq *q, const char *dir);

/* ---- MPI (run/uq_mpi.c: stubs without MPI, like sweep_mpi.c) ---------------- */

/* Rank 0 receives every other rank's rows [r0, r1) of y (nout values each),
 * those whose done flag the sender set, and merges them; then every rank
 * holds rank 0's done (rows flags).  A no-op with one rank. */
void uq_mpi_merge(double *y, unsigned char *done, size_t rows, size_t r0, size_t r1, int nout);
/* *flag becomes 1 on every rank when it is non-zero on every rank, else 0. */
void uq_mpi_and(int *flag);
/* This process's rank and the number of ranks (0 and 1 without MPI). */
void uq_mpi_rank(int *rank, int *size);

#endif
