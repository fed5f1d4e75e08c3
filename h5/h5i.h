/* h5i.h — a small reader for DAIS results files (layout in h5/h5o.h and
 * docs/results.md), used by `dais info`, `dais plot`, the summary writer and
 * tests.
 *
 *     sim_diag d; diag_init(&d);
 *     h5i *f = h5i_open("results/baseline.h5", &d);
 *     if (!f) { diag_print(&d, stderr, "dais: "); ... }
 *     struct h5i_data x;
 *     if (h5i_read(f, "/summary/demand_tokens_mean", &x, &d) == SIM_OK) {
 *         // x.v: (x.dims[0], x.dims[1]) row-major, x.units, x.columns
 *         h5i_data_release(&x);
 *     }
 *     h5i_close(f); diag_release(&d);
 *
 * Paths are absolute HDF5 paths ("/rep_0000/timeseries/time").  Every error
 * appends one message naming the file and the object to d (d may be NULL)
 * and returns SIM_EINVAL (missing object, wrong type), SIM_EIO (unreadable)
 * or SIM_ENOMEM.  Strings returned through char ** are malloc'd and owned
 * by the caller.  HDF5 is not thread-safe in Debian's build: one thread.
 */
#ifndef DAIS_H5I_H
#define DAIS_H5I_H

#include <stddef.h>
#include <stdint.h>

#include <hdf5.h>

#include "sim/status.h"

typedef struct h5i h5i;

/* About damaged and hostile files: the reader follows hard links only (a soft
 * or external link could point anywhere, another file included), and bounds
 * what it allocates before reading: a dataset of at most H5I_MAX_VALUES
 * values, a group of at most H5I_MAX_LINKS links, a fixed-length string of at
 * most H5I_MAX_STRING bytes.  More is reported as an error, not allocated.
 * Files written by DAIS carry checksums on every piece of metadata and on the
 * data (h5o.h), so libhdf5 reports damage instead of parsing it.  Code that
 * descends groups keeps a visited set (h5i_object_addr): a damaged file's
 * groups can form a cycle. */
#define H5I_MAX_VALUES ((unsigned long long)1 << 28)
#define H5I_MAX_LINKS 1000000
#define H5I_MAX_STRING ((size_t)64 << 20)
#define H5I_MAX_DEPTH 16     /* groups inside groups: DAIS writes 4 levels */

/* Opens read-only; NULL and a message for a missing file, a file that is not
 * HDF5, or one HDF5 cannot open. */
h5i *h5i_open(const char *path, sim_diag *d);

/* Wraps an open file id without taking it over (h5i_close leaves it open). */
h5i *h5i_attach(hid_t file, const char *name);

void h5i_close(h5i *f); /* NULL is a no-op */

/* Switches off HDF5's own printing of its error stack (we report instead). */
void h5i_quiet(void);
/* The innermost message of HDF5's current error stack, preferring one that
 * quotes the system error ("... errno = 28, error message = 'No space left
 * on device'"); then clears the stack. */
void h5i_errmsg(char *buf, size_t len);

hid_t h5i_file(const h5i *f);
const char *h5i_name(const h5i *f);

/* Replication groups "rep_NNNN" under "/", in replication order. */
int h5i_nreps(const h5i *f);
const char *h5i_rep_name(const h5i *f, int i);

/* 1 if an object (group, dataset) exists at path, 0 if not. */
int h5i_exists(const h5i *f, const char *path);
/* 1 if path is a group / a dataset. */
int h5i_is_group(const h5i *f, const char *path);
int h5i_is_dataset(const h5i *f, const char *path);

/* The file address of the object at path (its identity: two paths to one
 * object give one address); 1, or 0 when there is no such object. */
int h5i_object_addr(const h5i *f, const char *path, uint64_t *addr);

/* The names of the (hard) links in a group, sorted; *names is a malloc'd array of
 * malloc'd strings; free with h5i_names_free. */
sim_status h5i_list(const h5i *f, const char *group, char ***names, size_t *n,
                    sim_diag *d) SIM_MUST_CHECK;
void h5i_names_free(char **names, size_t n);

/* A numeric dataset read as doubles. */
struct h5i_data {
	double *v;       /* (n,) values, row-major over dims */
	size_t n;        /* number of values */
	int rank;        /* 0 (scalar), 1 or 2 */
	size_t dims[2];  /* dims[k] for k < rank; 1 otherwise */
	char *units;     /* the units attribute, "" when absent */
	char **columns;  /* (ncolumns,) the columns attribute, or NULL */
	size_t ncolumns;
};

/* Reads a numeric dataset of rank <= 2; x is zeroed on error. */
sim_status h5i_read(const h5i *f, const char *path, struct h5i_data *x,
                    sim_diag *d) SIM_MUST_CHECK;
void h5i_data_release(struct h5i_data *x);

/* A 1-D dataset of variable-length strings (a coordinate such as chain),
 * at most H5I_MAX_LINKS of them; free with h5i_names_free. */
sim_status h5i_read_labels(const h5i *f, const char *path, char ***out, size_t *n,
                           sim_diag *d) SIM_MUST_CHECK;

/* 1 if the dataset at path is a dimension scale (a netCDF coordinate such as
 * time or chain), 0 if not. */
int h5i_is_scale(const h5i *f, const char *path);
/* The name of the dimension of axis k of the dataset at path (the scale
 * attached to it), malloc'd into *out; SIM_EINVAL when it has none. */
sim_status h5i_dim_name(const h5i *f, const char *path, unsigned k, char **out) SIM_MUST_CHECK;

/* The quantities summarised in /summary (layout in analysis/summary.h): the
 * names X that have a variable X_mean, of rank >= 1 (series) or, with
 * scalars, of rank 0; sorted; free with h5i_names_free.  None when the file
 * has no summary. */
sim_status h5i_summary_list(const h5i *f, int scalars, char ***names, size_t *n,
                            sim_diag *d) SIM_MUST_CHECK;

/* The shape of a dataset without reading it; rank -1 on error. */
int h5i_shape(const h5i *f, const char *path, size_t dims[2]);

/* Visits the object at root and everything under it, depth first in name
 * order: hard links only, each group once (a damaged file's groups can form a
 * cycle) and at most H5I_MAX_DEPTH deep.  Every object's header is loaded in
 * full before fn sees it.  fn gets the object's path, whether it is a group,
 * and whether the walk stops there anyway (a group seen before, or too deep);
 * it returns H5I_WALK_ON, H5I_WALK_SKIP (do not descend into this group) or
 * H5I_WALK_STOP.  SIM_EINVAL with a message per object that cannot be read
 * (at most 20). */
enum { H5I_WALK_ON = 0, H5I_WALK_SKIP, H5I_WALK_STOP };
typedef int (*h5i_visit)(const char *path, int is_group, int stop_here, void *ctx);
sim_status h5i_walk(const h5i *f, const char *root, h5i_visit fn, void *ctx,
                    sim_diag *d) SIM_MUST_CHECK;

/* Reads every dataset of the file once (so that every checksum is checked)
 * and opens every group, following hard links only and each group once;
 * SIM_EINVAL with a message per object that cannot be read (at most 20) and
 * a closing "damaged" line.  DAIS's own readers call it before trusting a
 * file: dais info and the --resume check. */
sim_status h5i_verify(const h5i *f, sim_diag *d) SIM_MUST_CHECK;

/* An events table (compound t, kind, id, value). */
struct h5i_events {
	size_t n;
	double *t;       /* (n,) */
	char **kind;     /* (n,) */
	long long *id;   /* (n,) */
	double *value;   /* (n,) */
};
sim_status h5i_read_events(const h5i *f, const char *path, struct h5i_events *e,
                           sim_diag *d) SIM_MUST_CHECK;
void h5i_events_release(struct h5i_events *e);

/* Attributes of the object at obj ("/" for the file).  1 if present. */
int h5i_has_attr(const h5i *f, const char *obj, const char *name);
/* A string attribute (fixed or variable length); numbers are formatted. */
sim_status h5i_attr_str(const h5i *f, const char *obj, const char *name,
                        char **out, sim_diag *d) SIM_MUST_CHECK;
/* A numeric scalar attribute as a double. */
sim_status h5i_attr_num(const h5i *f, const char *obj, const char *name,
                        double *out, sim_diag *d) SIM_MUST_CHECK;
/* A 1-D string array attribute (e.g. columns); free with h5i_names_free. */
sim_status h5i_attr_strv(const h5i *f, const char *obj, const char *name,
                         char ***out, size_t *n, sim_diag *d) SIM_MUST_CHECK;

#endif
