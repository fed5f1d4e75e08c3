/* run.h — running a scenario: replications in parallel, results to HDF5.
 *
 *   dais run SCENARIO [-o OUT.h5] [--seed N] [--replications R] [--threads T]
 *            [--set path=value]... [--keep all|summary|scalars] [--quiet] [--resume]
 *
 * Replications run in parallel on an OpenMP team (--threads, default: all
 * cores).  Each owns its simulator, its streams (derived from the master seed
 * and its index) and its recorder, so its numbers do not depend on which
 * thread runs it or when.  Finished replications go to run_out (run_out.h),
 * which saves each at once in OUT.parts/ and writes them to OUT in index
 * order, so the results file is the same whatever the thread count, and
 * `--resume` after a crash or an interrupt runs only the missing ones (the
 * parts' format and the resume rules are in run_out.h).
 *
 * The file is written under a temporary name and renamed at the end; on an
 * error or an interrupt (SIGINT, SIGTERM) nothing is left at the target.
 */
#ifndef DAIS_RUN_H
#define DAIS_RUN_H

#include "sim/model.h"
#include "sim/scn.h"
#include "sim/status.h"
/* The output side and the packed recorders, which the sweep drivers use
 * beside run_install_signals. */
#include "run_out.h"
#include "run_rec.h"

struct run_opts {
	const struct model_type *const *models; /* the model types (models/registry.h) */
	const char *out;     /* results file */
	int threads;         /* 0 = OpenMP default */
	int quiet;           /* no progress bar, no summary on stdout */
	int resume;          /* keep the replications saved in OUT.parts/ */
	int keep;            /* RUN_KEEP_* (run_out.h): what the file stores */
};

/* Runs a loaded scenario; messages go to d.  SIM_EINTR after an interrupt
 * (the saved replications are kept for --resume). */
sim_status run_scenario(const scn *s, const struct run_opts *o, sim_diag *d) SIM_MUST_CHECK;

/* Installs SIGINT/SIGTERM handlers that raise sim_interrupted (a second
 * signal removes temporary results files and exits at once). */
void run_install_signals(void);

#endif
