/* compare.h — several results files side by side, and one scalar across the
 * points of a sweep (`dais compare`).
 *
 *     h5i *f[2] = { compare_open("a.h5", &d), compare_open("b.h5", &d) };
 *     struct compare_tab t;
 *     if (f[0] && f[1] && compare_scalars(f, 2, &t, &d) == SIM_OK) {
 *         compare_print(&t, (const char *[]){ "a.h5", "b.h5" }, stdout);
 *         compare_tab_release(&t);
 *     }
 *
 * About the table: one row per summary scalar of any of the files (the
 * union, sorted by name), with each file's mean and 95% confidence interval
 * of the mean (/summary/NAME_mean, _ci95_lo, _ci95_hi, as `dais export
 * --scalars` prints them); a scalar a file lacks is a blank.  Every file
 * after the first (A) is compared with A: the difference of the means
 * (X - A), the relative difference (X - A) / |A| (blank when A's mean is 0
 * or missing) and whether the two intervals overlap.  Intervals that do not
 * overlap mean the difference is significant at 5% or less (more strictly
 * than a test on the difference itself would say); overlapping ones do not
 * mean there is none.
 *
 * About series figures (compare_series): DIR/SERIES.dat holds one gnuplot
 * data block per file (and per column of a 2-D series): t mean ci95_lo
 * ci95_hi, its first comment naming the file; DIR/SERIES.gp draws each
 * file's mean with its 95% interval as a light band, labelled by the file
 * name.  File names and units are data: they reach the script only as
 * gnuplot single-quoted strings (plot_gp_string) and the table only as
 * comments on one line.
 *
 * About sweeps (compare_sweep_load): DIR/index.json (run/sweep.h) gives the
 * parameters and each point's file and status; the scalar is read from
 * every point that is done.  The x axis of the figure is the swept
 * parameter when the sweep has one numeric parameter (a one-dimensional
 * grid), else the point index (the table says which values each point has).
 */
#ifndef DAIS_COMPARE_H
#define DAIS_COMPARE_H

#include <stdio.h>

#include "h5/h5i.h"
#include "sim/status.h"

/* One scalar of one file: mean and 95% interval of the mean, finite
 * replications and replications; NaN where the file has no value. */
struct compare_val {
	double mean, lo, hi, n_finite, n;
	int have;          /* 0: the file has no such scalar */
};

struct compare_row {
	char *name;
	char *units;               /* of the first file that has it; "" when none */
	struct compare_val *v;     /* (nfiles,) */
};

struct compare_tab {
	int nfiles;
	size_t nrows;
	struct compare_row *rows;  /* sorted by name */
};

/* Opens a results file of `dais run` (or a sweep point): NULL and a message
 * naming path when it is missing, is not HDF5, or is not a DAIS results
 * file (no dais_version attribute, or no /summary). */
h5i *compare_open(const char *path, sim_diag *d);

/* Reads the summary scalars of n files into t (release with
 * compare_tab_release, also after an error). */
sim_status compare_scalars(h5i *const *files, int n, struct compare_tab *t,
                           sim_diag *d) SIM_MUST_CHECK;
void compare_tab_release(struct compare_tab *t);

/* Reads one scalar of f: v->have 0 when f has none (or only a series of
 * that name), a statistic the file lacks NaN, one it cannot read an error
 * (a damaged file gives no numbers).  When units is not NULL, *units (NULL
 * before) receives the scalar's units, malloc'd. */
sim_status compare_read_scalar(const h5i *f, const char *name, struct compare_val *v,
                               char **units, sim_diag *d) SIM_MUST_CHECK;

/* 1 when the closed intervals [alo, ahi] and [blo, bhi] share a point, 0 when
 * they do not, -1 when a bound is NaN (no interval: a single finite value). */
int compare_overlap(double alo, double ahi, double blo, double bhi);

/* The table as aligned text: a legend "A  label" per file, then a header and
 * one line per scalar (see above). */
void compare_print(const struct compare_tab *t, const char *const *labels, FILE *out);
/* The table as tidy CSV, one line per scalar and file:
 *     name,file,mean,ci95_lo,ci95_hi,n_finite,n,diff,rel_diff,overlap,unit
 * diff, rel_diff and overlap (1/0) against the first file; empty where there
 * is no value (the first file's own, a missing scalar). */
void compare_print_csv(const struct compare_tab *t, const char *const *labels, FILE *out);

/* Writes dir/series.dat and dir/series.gp (dir must exist) overlaying the
 * series of n files, labelled by labels; runs gnuplot when draw (formats:
 * PLOT_PNG | PLOT_SVG of plot.h).  A file without the series is left out
 * with a message in d (a warning); SIM_EINVAL when none has it. */
sim_status compare_series(h5i *const *files, const char *const *labels, int n,
                          const char *series, const char *dir, unsigned formats, int draw,
                          sim_diag *d) SIM_MUST_CHECK;

/* ---- sweeps ------------------------------------------------------------------ */

struct compare_sweep {
	int npoints, nparams;
	char **labels;             /* (nparams,) the parameters' labels */
	char **cells;              /* (npoints * nparams,) point p's value of parameter k, as text */
	char **status;             /* (npoints,) done, failed, pending */
	double *x;                 /* (npoints,) the x of the figure */
	char *xlabel;              /* the parameter's label, or "point" */
	char *units;               /* the scalar's, "" until a point has it */
	struct compare_val *v;     /* (npoints,) */
};

/* Reads dir/index.json and the scalar of every point done.  SIM_EINVAL and a
 * message naming the file when the index is missing or not one of `dais
 * sweep`, or when no point has the scalar. */
sim_status compare_sweep_load(const char *dir, const char *scalar, struct compare_sweep *s,
                              sim_diag *d) SIM_MUST_CHECK;
void compare_sweep_release(struct compare_sweep *s);

/* The table: point, each parameter, mean, ci95_lo, ci95_hi, n_finite,
 * status; aligned text, or CSV with csv. */
void compare_sweep_print(const struct compare_sweep *s, const char *scalar, int csv, FILE *out);

/* Writes dir/scalar.dat and dir/scalar.gp (mean and 95% interval against x),
 * running gnuplot when draw. */
sim_status compare_sweep_figure(const struct compare_sweep *s, const char *sweep_dir,
                                const char *scalar, const char *dir, unsigned formats,
                                int draw, sim_diag *d) SIM_MUST_CHECK;

#endif
