/* summary.h — statistics across the replications of a results file (/summary).
 *
 *     h5o *o = h5o_create(path, &d);
 *     ... h5o_write_rep(o, rep, r, &d) for every replication ...
 *     if (summary_write(o, &d)) ...          // reads the replications back
 *     h5o_commit(o, &d);
 *
 * The writer (h5/h5o.h) stores replications as they come and keeps none of
 * them; this module reads them back through a reader on the open file and
 * writes, for every series and scalar of the replications:
 *
 *   /summary                  a netCDF-4 group; attrs replications (int64),
 *                             Conventions, interval, percentiles (how the
 *                             numbers were computed)
 *   /summary/time             the row coordinate, copied with its CF units and
 *                             calendar, when every replication sampled at the
 *                             same times; else /summary/sample (0..n-1)
 *   /summary/chain, ...       the column coordinates of 2-D series
 *   /summary/X_<stat>         for each series X and stat in mean, sd, ci95_lo,
 *                             ci95_hi, p025, p05, p50, p95, p975: per cell, the
 *                             shape and dimensions of X, rounded to SUMMARY_NSB
 *                             significant bits; attrs units, columns, long_name,
 *                             cell_methods, quantization, quantization_nsb
 *   /summary/quantization_info  CF 1.12's description of that rounding
 *   /summary/Y_<stat>         for each scalar Y and stat in mean, sd, ci95_lo,
 *                             ci95_hi, ci90_lo, ci90_hi, p05, p50, p95 (float64
 *                             scalars) and n, n_finite (int64, "replications")
 *
 * About one variable per statistic (rather than a stat dimension): each is a
 * plain array that h5py reads by one name (f["summary/nodes_total_p95"]), the
 * statistics of series and scalars differ, n and n_finite are integers, and
 * none is ever more than 2-D, so DAIS's own reader and gnuplot tables stay
 * simple.  xarray stacks them when wanted (python/dais does).  The names
 * cannot collide: no statistic's name ends in "_" plus another's, so X_<stat>
 * identifies X, except a scalar named like a series, which is left out.
 *
 * Statistics are those of analysis/stats.h: non-finite values are left out
 * and counted.  A series or scalar missing from a replication, or differing in
 * shape or units, is left out of the summary with a message in d while the
 * call still returns SIM_OK: print d's messages as warnings.
 */
#ifndef DAIS_SUMMARY_H
#define DAIS_SUMMARY_H

/* Significant bits kept of every series statistic (h5o_bitround): a relative
 * error of at most 2^-13 = 1.2e-4, well under the Monte Carlo error of any
 * statistic across replications, and it makes /summary compress about 3
 * times better (docs/results.md, "Precision").  Scalars and the
 * replications keep every bit. */
#define SUMMARY_NSB 12

#include "h5/h5o.h"
#include "sim/rec.h"
#include "sim/status.h"

/* Writes /summary into o from the replications already written to it.
 * SIM_EINVAL when there is no replication or /summary exists already. */
sim_status summary_write(h5o *o, sim_diag *d) SIM_MUST_CHECK;

/* Creates /summary, empty, for summary_write to fill, its header sized for
 * what the replications like first will put there (h5o_group_sized: with
 * ~2000 links that halves the time of the summary).  Called before the
 * replications are written, it puts /summary first in the root group's
 * native (creation) order.  About why: a netCDF reader that finds a
 * dimension's name through H5Iget_name (h5netcdf does, for every variable)
 * makes libhdf5 search the file in that order; with /summary after 100
 * replications, opening it in xarray took minutes, with it first seconds. */
sim_status summary_reserve(h5o *o, const rec *first, sim_diag *d) SIM_MUST_CHECK;

/* The same from the replications in f (another file: the scratch file of a
 * run that keeps only its summary), writing the parts in what. */
enum { SUMMARY_SERIES = 1, SUMMARY_SCALARS = 2, SUMMARY_ALL = 3 };
sim_status summary_write_from(h5o *o, const h5i *f, unsigned what,
                              sim_diag *d) SIM_MUST_CHECK;

#endif
