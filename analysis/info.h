/* info.h — a results file described for people (`dais info`).
 *
 * info_print writes to stdout: the provenance (version, model, seed,
 * replications, date, wall time, host, compiler), the tree of every
 * replication's datasets with shapes and units (replications that share one
 * layout are shown once), the /summary tree, and the summary scalars with the
 * mean and the 95% interval of the mean.  info_print_json writes the resolved
 * scenario the run used, pretty-printed.
 */
#ifndef DAIS_INFO_H
#define DAIS_INFO_H

#include "h5/h5i.h"
#include "sim/status.h"

void info_print(const h5i *f);
sim_status info_print_json(const h5i *f, sim_diag *d) SIM_MUST_CHECK;

#endif
