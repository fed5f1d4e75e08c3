/* export.h — the summary of a results file as plain text (`dais export`).
 *
 * Series go out as the gnuplot tables of plot.h (plot_write_dat); the scalars
 * as one line each: name, mean, 95% interval of the mean, finite values,
 * replications and units ("-" when none), after a '#' header line.
 */
#ifndef DAIS_EXPORT_H
#define DAIS_EXPORT_H

#include <stdio.h>

#include "h5/h5i.h"
#include "sim/status.h"

sim_status export_scalars(const h5i *f, FILE *out, sim_diag *d) SIM_MUST_CHECK;

#endif
