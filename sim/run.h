/* run.h — running a scenario: replications in parallel, results to HDF5.
 *
 *   dais run SCENARIO [-o OUT.h5] [--seed N] [--replications R] [--threads T]
 *            [--set path=value]... [--quiet]
 *
 * Replications run in parallel on an OpenMP team (--threads, default: all
 * cores).  Each owns its simulator, its streams (derived from the master seed
 * and its index) and its recorder, so its numbers do not depend on which
 * thread runs it or when.  Finished replications are written in index order,
 * so the results file is the same whatever the thread count.
 *
 * The file is written under a temporary name and renamed at the end; on an
 * error or an interrupt (SIGINT, SIGTERM) nothing is left at the target.
 */
#ifndef DAIS_RUN_H
#define DAIS_RUN_H

#include <stdint.h>

#include "scn.h"
#include "status.h"

struct run_opts {
	const char *out;     /* results file */
	int threads;         /* 0 = OpenMP default */
	int quiet;           /* no progress bar, no summary on stdout */
};

/* Runs a loaded scenario; messages go to d. */
sim_status run_scenario(const scn *s, const struct run_opts *o, sim_diag *d) SIM_MUST_CHECK;

/* `dais run`. */
int run_cmd(int argc, char **argv);

/* Installs SIGINT/SIGTERM handlers that raise sim_interrupted (a second
 * signal removes temporary results files and exits at once). */
void run_install_signals(void);

#endif
