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
 *   /summary                  attrs replications, interval, percentiles (how
 *                             the numbers were computed)
 *   /summary/timeseries/t     when every replication sampled at the same times
 *   /summary/timeseries/X/{mean,sd,ci95_lo,ci95_hi,p025,p05,p50,p95,p975}
 *                             per cell, same shape as X; units (and columns)
 *                             on the group and on each dataset
 *   /summary/scalars/X/{mean,sd,ci95_lo,ci95_hi,ci90_lo,ci90_hi,p05,p50,p95}
 *                             and n, n_finite (int64, "replications")
 *
 * Statistics are those of analysis/stats.h: non-finite values are left out
 * and counted.  A series or scalar missing from a replication, or differing in
 * shape or units, is left out of the summary with a message in d while the
 * call still returns SIM_OK: print d's messages as warnings.
 */
#ifndef DAIS_SUMMARY_H
#define DAIS_SUMMARY_H

#include "h5/h5o.h"
#include "sim/status.h"

/* Writes /summary into o from the replications already written to it.
 * SIM_EINVAL when there is no replication or /summary exists already. */
sim_status summary_write(h5o *o, sim_diag *d) SIM_MUST_CHECK;

#endif
