/* export.h — the summary of a results file as text tables (`dais export`).
 *
 * Series go out as the gnuplot tables of plot.h (plot_write_dat) or as tidy
 * CSV; the scalars as one line each (name, mean, 95% interval of the mean,
 * finite values, replications and units, "-" when none, after a '#' header
 * line) or as tidy CSV.
 *
 * About the tidy CSV (one value a row, pandas.read_csv reads it as it is):
 *
 *     date,series,column,statistic,value,unit
 *     2024-01-01,nodes_by_class,h100_80,mean,12,nodes
 *
 * date is ISO 8601 when the time axis has CF units "days since DATE" (a date
 * and time for fractional days), else the header says time and the column
 * holds the number; column is the label of a 2-D series' column, empty for a
 * 1-D one; statistic is each of export_series_stats; value is %.17g, NaN for
 * missing.  Rows run by time, then column, then statistic: a series has
 * rows x columns x EXPORT_NSERIES_STATS lines under its header.  Fields with
 * a comma, a quote or a line break are quoted (RFC 4180).  Scalars:
 *
 *     name,statistic,value,unit
 *     exhaustion_day_sui,mean,1234.5,day
 *
 * with every statistic of the summary, n and n_finite included.
 */
#ifndef DAIS_EXPORT_H
#define DAIS_EXPORT_H

#include <stdio.h>

#include "h5/h5i.h"
#include "sim/status.h"

sim_status export_scalars(const h5i *f, FILE *out, sim_diag *d) SIM_MUST_CHECK;

enum { EXPORT_NSERIES_STATS = 9 };
extern const char *const export_series_stats[EXPORT_NSERIES_STATS];

/* The tidy CSV of one summary series to out (its header line first when
 * header); adds the number of value lines to *rows when rows is not NULL. */
sim_status export_series_csv(const h5i *f, const char *series, FILE *out, int header,
                             size_t *rows, sim_diag *d) SIM_MUST_CHECK;
/* The same into the file at path, written atomically (sim/file.h). */
sim_status export_series_csv_file(const h5i *f, const char *series, const char *path,
                                  sim_diag *d) SIM_MUST_CHECK;
/* The tidy CSV of every summary scalar. */
sim_status export_scalars_csv(const h5i *f, FILE *out, sim_diag *d) SIM_MUST_CHECK;

/* Writes s as one CSV field (RFC 4180): quoted when it holds a comma, a quote
 * or a line break, a quote doubled. */
void export_csv_field(FILE *f, const char *s);

#endif
