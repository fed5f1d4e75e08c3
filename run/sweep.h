/* sweep.h — parameter sweeps and one-at-a-time sensitivity (tornado).
 *
 *   dais sweep SWEEP.json [-o DIR] [--threads T] [--resume] [--quiet] [--list]
 *              [--set PATH=VALUE]...
 *   dais sensitivity SWEEP.json [-o DIR] [--threads T] [--resume] [--quiet]
 *   mpirun -n N build/dais-mpi sweep SWEEP.json ...        (make MPI=1)
 *
 * A sweep file is JSON (examples in scenarios/sweeps/):
 *
 *   { "description": "M/M/1 waiting time against load",
 *     "scenario": "../mm1.json",              // relative to the sweep file
 *     "set": ["queue.customers=20000"],       // fixed overrides (optional)
 *     "mode": "grid",                         // or "oat" (default grid)
 *     "parameters": [
 *       { "path": "queue.arrival_rate", "values": [0.5, 0.7, 0.9] },
 *       { "path": "queue.servers", "values": [1, 2], "label": "servers" },
 *       { "path": "queue.service_rate", "values": { "from": 1, "to": 2, "steps": 3 } }
 *     ],
 *     "outputs": ["mean_wait", "max_queue_length"],   // scalars to tabulate
 *     "output": "results/sweeps/mm1" }        // DIR, relative to the working
 *                                             // directory; -o overrides
 *
 * In mode "oat" every parameter has "low" and "high" instead of "values"
 * (and optionally "label"); the design is the baseline (the scenario with the
 * fixed overrides), then for each parameter in order its low, then its high,
 * the other parameters at their baseline value.  `dais sensitivity` runs a
 * file as "oat" whatever its mode (a grid parameter's first and last values
 * become low and high).
 *
 * About points: a grid is the cartesian product of the value lists, the first
 * parameter outermost (the last varies fastest); point i of a grid of sizes
 * n_0..n_{k-1} has value index (i / (n_{j+1}...n_{k-1})) mod n_j for
 * parameter j.  Point i's scenario is exactly
 *     dais run SCENARIO --set <fixed>... --set path_0=v_0 ... --set path_k=v_k
 * (same seed: every point uses the scenario's master seed, so points differ
 * by their parameters only: common random numbers).
 *
 * Outputs in DIR:
 *   point_0000.h5 ...  one results file per point (layout: h5o.h), written
 *                      atomically; an interrupted point keeps its finished
 *                      replications in point_NNNN.h5.parts/ (run.h)
 *   index.csv          point, one column per parameter (its label), file,
 *                      status (done, failed, pending), then for every output
 *                      NAME: NAME_mean, NAME_ci95_lo, NAME_ci95_hi, NAME_n
 *                      (finite replications); NaN where missing
 *   index.json         the same with the sweep's description and design
 *   tornado.csv        (oat) output, parameter, low, high, output at the
 *                      baseline, at low, at high, swing = |high - low|,
 *                      sorted by swing, largest first, per output
 *   tornado_NAME.dat   (oat) the table read by analysis/plots/fig_tornado.gp,
 *                      which draws tornado_NAME.png and .pdf (cairo) or .svg
 *
 * About resuming: with --resume a point whose file exists and stores the
 * same resolved scenario is kept; a point file for another scenario is an
 * error (so is resuming with another --set: it changes every point's
 * scenario); other points run (resuming their saved replications).  Without it
 * every point runs again.  SIGINT/SIGTERM stop after the replications in
 * flight, write index.csv with the points done so far, and print the command
 * that resumes.
 *
 * Validation (sweep_load) reports every problem at once, each naming the
 * file, the JSON path, what was expected and what was found:
 *     sw.json: $.parameters[1].values: expected non-empty array, got object
 * then checks that every value is valid for its key (the scenario schema)
 * and that every point passes the model's own checks, before anything runs.
 */
#ifndef DAIS_SWEEP_H
#define DAIS_SWEEP_H

#include <stdio.h>

#include "sim/model.h"
#include "sim/scn.h"
#include "sim/status.h"

typedef struct sweep sweep;

enum sweep_mode { SWEEP_GRID, SWEEP_OAT };

/* Point status in the index. */
enum sweep_pt { SWEEP_PENDING = 0, SWEEP_DONE, SWEEP_FAILED };

struct sweep_param {
	char *path;        /* scenario key, e.g. "queue.arrival_rate" */
	char *label;       /* column name; the path unless given */
	int nvalues;       /* grid: values; oat: 2 (low, high) */
	char **values;     /* (nvalues,) each value as compact JSON text */
	char **sets;       /* (nvalues,) "path=value" */
	char *base;        /* JSON text of the baseline value (after sweep_load) */
};

/* The limit on the number of points of one sweep. */
#define SWEEP_MAX_POINTS 1000000

/* Parses and checks the structure of a sweep file held in memory (name is
 * used in messages and to resolve "scenario").  NULL and messages on error.
 * Does not open the scenario. */
sweep *sweep_parse(const char *text, const char *name, sim_diag *d);

/* Reads the file, sweep_parse, then loads the scenario and checks every
 * value and every point (see above) with the model types given (a
 * NULL-terminated table, models/registry.h), which the sweep keeps for
 * running.  NULL and messages on error. */
sweep *sweep_load(const char *path, const struct model_type *const *models, sim_diag *d);

/* sweep_load of a sweep held in memory (name stands for the file: messages,
 * relative paths); how `dais sensitivity` runs a problem file of `dais
 * uncertainty` (uq_sweep_json, run/uq.h). */
sweep *sweep_load_text(const char *text, const char *name,
                       const struct model_type *const *models, sim_diag *d);

/* sweep_load and sweep_load_text with the command line's overrides
 * (`dais sweep --set PATH=VALUE`), applied at every point after the file's
 * "set" and before the point's own assignments; index.json lists them in
 * "set" after the file's.  A point's own assignment of the same key wins (it
 * comes later), so in a one-at-a-time design a --set of a parameter's path
 * sets its baseline, as the file's "set" does; in a grid it could never take
 * effect, and `dais sweep` refuses it.  A bad --set is reported naming that
 * --set and its value. */
sweep *sweep_load_sets(const char *path, const char *const *sets, int nsets,
                       const struct model_type *const *models, sim_diag *d);
sweep *sweep_load_text_sets(const char *text, const char *name, const char *const *sets,
                            int nsets, const struct model_type *const *models, sim_diag *d);

void sweep_free(sweep *w);

/* Turns a grid into its one-at-a-time design (first and last values). */
void sweep_force_oat(sweep *w);

enum sweep_mode sweep_mode(const sweep *w);
const char *sweep_name(const sweep *w);          /* the file, as given */
const char *sweep_description(const sweep *w);
const char *sweep_scenario_path(const sweep *w); /* resolved against the file */
const char *sweep_default_dir(const sweep *w);   /* "output", or results/<name> */
int sweep_nparams(const sweep *w);
const struct sweep_param *sweep_param(const sweep *w, int k);
int sweep_noutputs(const sweep *w);              /* 0: every scalar of point 0 */
const char *sweep_output(const sweep *w, int i);
int sweep_nsets(const sweep *w);                 /* fixed overrides */
const char *sweep_set(const sweep *w, int i);
int sweep_npoints(const sweep *w);
/* The model types given to sweep_load (NULL after sweep_parse alone). */
const struct model_type *const *sweep_models(const sweep *w);

/* The value index of parameter k at point i; -1 for its baseline (oat). */
int sweep_point_value(const sweep *w, int i, int k);

/* The overrides of point i, fixed ones first; at most sweep_nsets +
 * sweep_nparams pointers into w go to sets; returns how many. */
int sweep_point_sets(const sweep *w, int i, const char **sets);

/* Loads point i's scenario; NULL and messages on error. */
scn *sweep_point_scn(const sweep *w, int i, sim_diag *d);

/* The replications of every point (for a progress line): loads every
 * point's scenario; a point that does not build counts none. */
long sweep_count_replications(const sweep *w);

/* "point_0003.h5" into buf. */
void sweep_point_file(int i, char *buf, size_t n);

struct sweep_opts {
	const char *dir;   /* output directory (created) */
	int threads;       /* OpenMP threads over the replications of a window of
	                    * points (enough for two tasks per thread); 0 = all */
	int resume;
	int quiet;
	int keep;          /* RUN_KEEP_* (run_out.h) of each point's file; 0 (all)
	                    * when zeroed, so drivers set RUN_KEEP_SUMMARY, the
	                    * command's default */
	char **argv;       /* the command line, for the resume hint; may be NULL */
	int argc;
};

/* Runs every point not done, in windows of consecutive points whose
 * replications share one OpenMP team, writing DIR/point_NNNN.h5 and the
 * index after each window (sweep_main adds the tornado for oat).  status: (npoints,)
 * filled with enum sweep_pt.  SIM_EINTR when interrupted. */
sim_status sweep_run(const sweep *w, const struct sweep_opts *o, int *status,
                     sim_diag *d) SIM_MUST_CHECK;

/* Writes DIR/index.csv and DIR/index.json from the point files. */
sim_status sweep_write_index(const sweep *w, const char *dir, const int *status,
                             sim_diag *d) SIM_MUST_CHECK;

/* Writes DIR/tornado.csv and DIR/tornado_<output>.dat, and draws the
 * figures when gnuplot is on PATH (oat only). */
sim_status sweep_write_tornado(const sweep *w, const char *dir, const int *status,
                               int quiet, sim_diag *d) SIM_MUST_CHECK;

/* About parameters without effect: a parameter whose low and high runs give
 * bit-identical scalars (every one the model records, not only the listed
 * outputs) changes nothing under the scenario's designs, as the token
 * inflation does under the decay emission.  sweep_warn_no_effect prints one
 * warning per such parameter to f, naming it and the nearest "design" (or
 * "mode", "growth") key above its path, e.g.
 *     dais: warning: token.emission.inflation_per_year has no effect with
 *     token.emission.design 'decay': ...
 * and returns how many (oat only; 0 for a grid). */
int sweep_warn_no_effect(const sweep *w, const char *dir, const int *status, FILE *f);

/* "param=value, ..." of point i (the baseline of an oat sweep says so) into buf. */
void sweep_describe_point(const sweep *w, int i, char *buf, size_t n);

#endif
