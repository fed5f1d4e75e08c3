/* h5o.h — results files in HDF5: one file per run, written atomically.
 *
 * Layout (documented for users in docs/results.md):
 *
 *   /                        attrs: dais_version, scenario_json (resolved), scenario_path,
 *                                   master_seed, replications, model, compiler, cflags, host,
 *                                   created (UTC ISO 8601), wall_time_s, + any h5o_attr_*
 *   /rep_0000/               attrs: replication, notes from rec_note
 *   /rep_0000/timeseries/t   (n,) float64, attr units
 *   /rep_0000/timeseries/X   (n,) float64 for one unnamed column, else (n, ncols);
 *                            attrs units, and columns (strings) when named
 *   /rep_0000/scalars/X      scalar float64, attr units
 *   /rep_0000/events         compound table (t float64, kind fixed-length string,
 *                            id int64, value float64), attr units (of t); may be empty
 *   /summary/timeseries/t    (n,) float64 (when every replication has the same axis)
 *   /summary/timeseries/X/{mean,sd,ci95_lo,ci95_hi,p05,p95,p025,p975,p50}
 *                            same shape as X: across replications, per cell;
 *                            attrs units (and columns) on the group and on each
 *   /summary/scalars/X/      {mean,sd,ci95_lo,ci95_hi,ci90_lo,ci90_hi,p05,p50,p95,
 *                             n,n_finite} scalars: NaN values are left out and counted
 *                            (n and n_finite int64, units "replications")
 *
 * ci95 is the t-interval of the mean across replications; p05..p95 are
 * percentiles of the replications themselves (where one run may land).
 *
 * About atomicity: h5o_create writes to "<path>.tmp.<pid>" in the same
 * directory; h5o_commit closes it, fsyncs and renames it over path;
 * h5o_abort (also called by h5o_free on an uncommitted file) removes it.
 * An interrupted run therefore never leaves a partial file at path.  HDF5
 * object timestamps are switched off, so the datasets of two runs with the
 * same scenario and seed are byte-identical (the whole file too when the
 * root attributes created, host and wall_time_s are the same).  On any error
 * the caller must still h5o_free (or h5o_abort) the object: that releases
 * the file inside HDF5, even on a full disk, and removes the temporary.
 */
#ifndef DAIS_H5O_H
#define DAIS_H5O_H

#include <stdint.h>

#include "h5i.h"
#include "sim/rec.h"
#include "sim/status.h"

typedef struct h5o h5o;

/* Creates the temporary file beside path; NULL and a message in d on error
 * (unwritable directory, disk full...).  Writes the root attributes it knows
 * itself: dais_version, compiler, cflags, host and created (UTC; taken from
 * $SOURCE_DATE_EPOCH when set, for golden files).  The run driver adds
 * scenario_json, scenario_path, master_seed, replications and model with
 * h5o_attr_*; h5o_commit adds wall_time_s (since h5o_create) unless set.
 * HDF5 is not thread-safe in Debian's build: call h5o_* from one thread. */
h5o *h5o_create(const char *path, sim_diag *d);

/* The final path and the temporary one ("<path>.tmp.<pid>"). */
const char *h5o_path(const h5o *o);
const char *h5o_tmp_path(const h5o *o);

/* Root attributes (UTF-8 string, float64, uint64); an attribute of the same
 * name is replaced. SIM_EIO on failure. */
sim_status h5o_attr_str(h5o *o, const char *name, const char *value) SIM_MUST_CHECK;
sim_status h5o_attr_num(h5o *o, const char *name, double value) SIM_MUST_CHECK;
sim_status h5o_attr_u64(h5o *o, const char *name, uint64_t value) SIM_MUST_CHECK;

/* Writes replication rep's group from its recorder.  SIM_ENOMEM when the
 * recorder lost data (rec_ok()==0), SIM_EINVAL when rep was written already. */
sim_status h5o_write_rep(h5o *o, int rep, const rec *r, sim_diag *d) SIM_MUST_CHECK;

/* ---- derived results (the summary over replications: analysis/summary.h) ----
 * Groups, datasets and attributes at absolute paths ("/summary/scalars/x"),
 * created with the same properties as the replications'.  The parent must
 * exist.  On failure a message naming the file and the object goes to d.
 * h5o_put_f64 writes a float64 dataset of rank 0..2 (dims[k], k < rank) with
 * a units attribute and, when columns is not NULL, a columns attribute. */
sim_status h5o_group(h5o *o, const char *path, sim_diag *d) SIM_MUST_CHECK;
sim_status h5o_put_f64(h5o *o, const char *path, int rank, const size_t *dims,
                       const double *v, const char *units, const char *const *columns,
                       size_t ncolumns, sim_diag *d) SIM_MUST_CHECK;
sim_status h5o_put_i64(h5o *o, const char *path, long long v, const char *units,
                       sim_diag *d) SIM_MUST_CHECK;
/* Attributes of the object at obj ("/" the root); scalar: one string, else a
 * 1-D array of n strings. */
sim_status h5o_put_attr_str(h5o *o, const char *obj, const char *name, const char *value,
                            sim_diag *d) SIM_MUST_CHECK;
sim_status h5o_put_attr_strv(h5o *o, const char *obj, const char *name,
                             const char *const *v, size_t n, int scalar,
                             sim_diag *d) SIM_MUST_CHECK;
sim_status h5o_put_attr_i64(h5o *o, const char *obj, const char *name, long long v,
                            sim_diag *d) SIM_MUST_CHECK;

/* A reader on the file being written (h5i.h), for modules that derive results
 * from the replications already written; close it with h5i_close (the file
 * stays open).  NULL when out of memory. */
h5i *h5o_reader(h5o *o);

/* Finishes the file and renames it into place. */
sim_status h5o_commit(h5o *o, sim_diag *d) SIM_MUST_CHECK;

/* Removes the temporary file. Safe to call twice. */
void h5o_abort(h5o *o);

/* Closes; aborts first if not committed. h5o_free(NULL) is a no-op. */
void h5o_free(h5o *o);

#endif
