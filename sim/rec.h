/* rec.h — what one replication records: time series, scalars and events.
 *
 * Models never write files; they fill a recorder, and the run driver hands
 * finished recorders to the results writer (h5o.h) in replication order.
 *
 *     rec *r = rec_alloc("day");                     // units of the time axis
 *     int dem = rec_series(r, "demand_tokens", "tokens/day", 1, NULL);
 *     const char *cls[] = { "laptop", "gpu", "h100" };
 *     int nod = rec_series(r, "nodes_by_class", "nodes", 3, cls);
 *     for (...) {                                    // at every sampling time
 *         rec_set(r, dem, 0, d);
 *         rec_setv(r, nod, counts);                  // all 3 columns
 *         rec_sample(r, t_days);                     // commits one row everywhere
 *     }
 *     rec_scalar(r, "exhaustion_day_sui", "day", 1234.0);
 *     rec_event(r, 812.0, "halving", 0, 3.125);
 *
 * About rows: all series of a recorder share one time axis t.  rec_set
 * writes into the pending row; rec_sample appends the pending row of every
 * series with time t and starts a new pending row filled with NaN, so a value
 * not set at a sample is recorded as NaN (missing), never as a stale value.
 * Series must all be declared before the first rec_sample.
 *
 * Scalars are end-of-run outputs (projections such as an exhaustion date);
 * a scalar that did not happen (a chain never exhausted) is recorded as NaN.
 * Names are HDF5 link names: [A-Za-z0-9_]+.
 *
 * Memory grows with samples; allocation failure is reported by rec_ok()==0 and
 * by rec_sample returning SIM_ENOMEM, after which the recorder drops data.
 */
#ifndef DAIS_REC_H
#define DAIS_REC_H

#include <stddef.h>

#include "status.h"

typedef struct rec rec;

rec *rec_alloc(const char *t_units);
void rec_free(rec *r);

/* Replaces the units of the time axis (a model whose clock is in days, fed a
 * recorder made by a driver that does not know that).  On allocation failure
 * the old units stay and rec_ok() becomes 0. */
void rec_set_t_units(rec *r, const char *t_units);

/* Declares a series of ncols columns; colnames may be NULL (columns unnamed)
 * or ncols strings (copied).  Returns its id, or -1 on allocation failure or
 * a duplicate name (a programming error: asserted). */
int rec_series(rec *r, const char *name, const char *units, int ncols,
               const char *const *colnames);

/* Names the dimension of a series' named columns ("chain", "node_class"):
 * series that share a dimension share its column names, and the results file
 * stores them once, as a coordinate of that name (h5o.h).  Without a name
 * the dimension is "<series>_column".  dim is copied; a valid name. */
void rec_series_dim(rec *r, int id, const char *dim);

void rec_set(rec *r, int id, int col, double v);
void rec_setv(rec *r, int id, const double *v); /* all ncols columns */
sim_status rec_sample(rec *r, double t);

void rec_scalar(rec *r, const char *name, const char *units, double v);
void rec_event(rec *r, double t, const char *kind, long long id, double value);

/* Adds a text attribute to the replication (e.g. which calibration profile). */
void rec_note(rec *r, const char *key, const char *value);

int rec_ok(const rec *r);

/* 1 when s is a valid series, scalar or note name: [A-Za-z0-9_]+. */
int rec_valid_name(const char *s);

/* Read access, for the writer and for tests. */
const char *rec_t_units(const rec *r);
size_t      rec_nsamples(const rec *r);
const double *rec_times(const rec *r);               /* (nsamples,) */
int         rec_nseries(const rec *r);
const char *rec_series_name(const rec *r, int id);
const char *rec_series_units(const rec *r, int id);
int         rec_series_ncols(const rec *r, int id);
const char *rec_series_colname(const rec *r, int id, int col); /* NULL if unnamed */
const char *rec_series_dim_name(const rec *r, int id); /* NULL if not named */
const double *rec_series_data(const rec *r, int id); /* (nsamples, ncols) row-major */
int         rec_nscalars(const rec *r);
const char *rec_scalar_name(const rec *r, int i);
const char *rec_scalar_units(const rec *r, int i);
double      rec_scalar_value(const rec *r, int i);
size_t      rec_nevents(const rec *r);
void        rec_event_get(const rec *r, size_t i, double *t, const char **kind,
                          long long *id, double *value);
int         rec_nnotes(const rec *r);
void        rec_note_get(const rec *r, int i, const char **key, const char **value);

#endif
