/* h5o.h — results files in HDF5: one file per run, written atomically.
 *
 * Layout (documented for users in docs/results.md):
 *
 *   /                        attrs: dais_version, scenario_json (resolved), scenario_path,
 *                                   master_seed, replications, model, compiler, cflags, host,
 *                                   created (UTC ISO 8601), wall_time_s, + any h5o_attr_*
 *   /rep_0000/               attrs: replication, notes from rec_note
 *   /rep_0000/timeseries/    a netCDF-4 group (see "About dimensions" below):
 *     time                   (n,) float64, the time coordinate: attrs units (CF,
 *                            "days since 2024-01-01" where the model has dates),
 *                            calendar "standard" when the units have an epoch
 *     chain, node_class, ...  (k,) the column labels of 2-D series: UTF-8 strings
 *                            (variable length), or int64 0..k-1 for unnamed
 *                            columns ("<series>_column")
 *     X                      (n,) float64 for one unnamed column, else (n, k);
 *                            attrs units, long_name, columns (the labels again,
 *                            fixed-length in the checksummed header)
 *   /rep_0000/scalars/X      scalar float64, attr units
 *   /rep_0000/events         compound table (t float64, kind fixed-length string,
 *                            id int64, value float64), attr units (of t); may be empty
 *   /summary/                written by analysis/summary.h from the replications
 *
 * About dimensions: every series' axes carry dimension scales (H5DS), which
 * is how netCDF-4 stores named dimensions, so xarray.open_dataset(path,
 * group="rep_0000/timeseries", engine="h5netcdf") opens a replication.  A
 * coordinate is written once per group and shared by the series that name
 * the same dimension (rec_series_dim), which must then have the same labels.
 *
 * About size: datasets with values are chunked, byte-shuffled and deflated
 * (zlib level H5O_DEFLATE, deterministic) and carry a Fletcher32 checksum.
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
sim_status h5o_attr_i64(h5o *o, const char *name, long long value) SIM_MUST_CHECK;

/* A scratch file in memory (HDF5's core driver), never written to disk: the
 * replications of a run that keeps only its summary are written here and
 * summarised into the real file.  name only labels messages.  h5o_commit is
 * not allowed; h5o_free discards it. */
h5o *h5o_create_mem(const char *name, sim_diag *d);

/* Writes replication rep's group from its recorder.  SIM_ENOMEM when the
 * recorder lost data (rec_ok()==0), SIM_EINVAL when rep was written already. */
sim_status h5o_write_rep(h5o *o, int rep, const rec *r, sim_diag *d) SIM_MUST_CHECK;
/* The same, storing only the parts in what (the group and its attributes are
 * always written). */
enum { H5O_REP_SERIES = 1, H5O_REP_SCALARS = 2, H5O_REP_EVENTS = 4, H5O_REP_ALL = 7 };
sim_status h5o_write_rep_parts(h5o *o, int rep, const rec *r, unsigned what,
                               sim_diag *d) SIM_MUST_CHECK;

/* ---- derived results (the summary over replications: analysis/summary.h) ----
 * Groups, datasets and attributes at absolute paths ("/summary/x_mean"),
 * created with the same properties as the replications'.  The parent must
 * exist.  On failure a message naming the file and the object goes to d.
 * h5o_put_f64 writes a float64 dataset of rank 0..2 (dims[k], k < rank) with
 * a units attribute and, when columns is not NULL, a columns attribute. */
sim_status h5o_group(h5o *o, const char *path, sim_diag *d) SIM_MUST_CHECK;
/* The same for a group that will hold about nlinks links (a hint that sizes
 * its header once: much faster for thousands of links). */
sim_status h5o_group_sized(h5o *o, const char *path, size_t nlinks,
                           sim_diag *d) SIM_MUST_CHECK;
sim_status h5o_put_f64(h5o *o, const char *path, int rank, const size_t *dims,
                       const double *v, const char *units, const char *const *columns,
                       size_t ncolumns, sim_diag *d) SIM_MUST_CHECK;
/* What h5o_put_var adds to a variable while it is open (cheaper than
 * reopening it by path in a group of thousands of links): CF attributes,
 * and the dimension scales (paths, opened once and kept) of its axes. */
struct h5o_var {
	const char *long_name;     /* or NULL */
	const char *cell_methods;  /* or NULL */
	const char *dims[2];       /* scale of axis k, or NULL */
	/* > 0 (at most 52): the values are stored rounded to nsb significant
	 * bits by h5o_bitround, so that shuffle and deflate remove the rest.
	 * The variable says so as CF 1.12 asks (quantization =
	 * "quantization_info", quantization_nsb = nsb) and its group gets that
	 * container variable (algorithm "bitround"). */
	int nsb;
};
/* x with its significand rounded to nsb bits (1..52), ties to even: the
 * BitRound of Kloewer et al. (2021), as netCDF-C's nc_def_var_quantize does
 * it.  |result - x| <= 2^-(nsb+1) |x|.  NaN, infinities and values whose
 * rounding would overflow come back unchanged. */
double h5o_bitround(double x, int nsb);
sim_status h5o_put_var(h5o *o, const char *path, int rank, const size_t *dims,
                       const double *v, const char *units, const char *const *columns,
                       size_t ncolumns, const struct h5o_var *var, sim_diag *d) SIM_MUST_CHECK;
/* A scalar int64 dataset with units (and var's attributes when not NULL). */
sim_status h5o_put_i64(h5o *o, const char *path, long long v, const char *units,
                       const struct h5o_var *var, sim_diag *d) SIM_MUST_CHECK;
/* A 1-D coordinate at path: n UTF-8 labels (variable length), or the
 * indices 0..n-1 (int64) when labels is NULL. */
sim_status h5o_put_labels(h5o *o, const char *path, const char *const *labels, size_t n,
                          sim_diag *d) SIM_MUST_CHECK;
/* Makes the 1-D dataset at path the dimension scale named by its last path
 * component; h5o_put_var attaches it to the axes of a variable. */
sim_status h5o_scale(h5o *o, const char *path, sim_diag *d) SIM_MUST_CHECK;
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
