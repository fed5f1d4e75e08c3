/* plot.h — figures of the summary time series of a results file, by gnuplot.
 *
 *     dais plot results/baseline.h5 -o results/figures --series demand_tokens
 *
 * For each series NAME of /summary/timeseries, DIR receives NAME.dat (the
 * table), NAME.gp (the gnuplot script) and the figures NAME.png / NAME.svg.
 * The script reads the table by its bare name, so a user can edit it and run
 * `cd DIR && gnuplot NAME.gp` again.  Each figure shows the mean across
 * replications, a light band from p05 to p95 (where 90% of runs land) and a
 * darker band for the 95% confidence interval of the mean; with a single
 * replication only the line.  Columns of a 2-D series are separate lines with
 * a legend.  The y axis is logarithmic when every value is positive and the
 * values span more than three decades.
 *
 * About the table (NAME.dat), for the paper-figure pipeline as well:
 *     # comment lines: source file, series, units, replications, column names
 *     t  mean_0 p05_0 p95_0 ci95_lo_0 ci95_hi_0 p50_0  mean_1 ...
 * column 1 is time (row index when the replications' axes differ), then six
 * columns per series column c, starting at 2 + 6c; NaN marks a missing value.
 */
#ifndef DAIS_PLOT_H
#define DAIS_PLOT_H

#include "h5/h5i.h"
#include "sim/status.h"

enum { PLOT_PNG = 1, PLOT_SVG = 2 };

/* Writes the summary of /summary/timeseries/<series> as a gnuplot table. */
sim_status plot_write_dat(const h5i *f, const char *series, const char *path,
                          sim_diag *d) SIM_MUST_CHECK;

/* Writes dir/<series>.{dat,gp} and runs gnuplot for the formats
 * (PLOT_PNG | PLOT_SVG) in dir, which must exist. */
sim_status plot_series(const h5i *f, const char *series, const char *dir,
                       unsigned formats, sim_diag *d) SIM_MUST_CHECK;

/* 1 when a gnuplot executable is on PATH. */
int plot_have_gnuplot(void);

/* `dais plot RESULTS.h5 [-o DIR] [--series NAME...] [--format png,svg]`. */
int plot_cmd(int argc, char **argv);

#endif
