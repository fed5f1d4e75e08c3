/* export.h — `dais export`: summary time series as plain text tables.
 *
 *   dais export RESULTS.h5 SERIES... [-o DIR]
 *
 * Writes DIR/SERIES.dat for each named series of /summary/timeseries: the time
 * column, then for every column of the series its mean, 5th and 95th
 * percentiles across replications, the 95% interval of the mean and the
 * median (the layout is described in each file's header).  These are the
 * tables the figure scripts in analysis/plots/ read.  With --scalars it prints
 * the summary scalars (mean and 95% interval of the mean), one per line.
 */
#ifndef DAIS_EXPORT_H
#define DAIS_EXPORT_H

int export_cmd(int argc, char **argv);

#endif
