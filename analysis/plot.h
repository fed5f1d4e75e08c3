/* plot.h — figures of the summary time series of a results file, by gnuplot.
 *
 *     dais plot results/baseline.h5 -o results/figures --series demand_tokens
 *
 * For each series NAME summarised in /summary (NAME_mean, ...), DIR receives NAME.dat (the
 * table), NAME.gp (the gnuplot script) and the figures NAME.png / NAME.svg.
 * The script reads the table by its bare name, so a user can edit it and run
 * `cd DIR && gnuplot NAME.gp` again.  Each figure shows the mean across
 * replications, a light band from p05 to p95 (where 90% of runs land) and a
 * darker band for the 95% confidence interval of the mean; with a single
 * replication only the line.  Columns of a 2-D series are separate lines with
 * a legend, each in its own colour and dash (plot_style); columns zero
 * throughout (or without values) are left out and named in the title and in
 * the note plot_series returns.  The title is the series' long_name, the y
 * label the long name and units.  The y axis is logarithmic when every drawn
 * value is positive and the values span more than three decades, else starts
 * at 0 when none is negative.  Where time is dated (CF units "days since
 * 2024-01-01") the x axis is the year, counted as the paper figures count it:
 * 365.25 days a year from 1 January of the start year (day 365.25 of a run
 * starting 2024-01-01 is 2025.0).
 *
 * About the table (NAME.dat), for the paper-figure pipeline as well:
 *     # comment lines: source file, series, units, replications, column names
 *     t  mean_0 p05_0 p95_0 ci95_lo_0 ci95_hi_0 p50_0  mean_1 ...
 * column 1 is time (row index when the replications' axes differ), then six
 * columns per series column c, starting at 2 + 6c; NaN marks a missing value.
 * In the table beside a figure column 1 is the decimal year where time is
 * dated (the header says "year"); plot_write_dat keeps time as stored, which
 * the paper figures convert themselves (analysis/plots/common.gp).
 */
#ifndef DAIS_PLOT_H
#define DAIS_PLOT_H

#include "h5/h5i.h"
#include "sim/status.h"

enum { PLOT_PNG = 1, PLOT_SVG = 2 };

/* A --format list, "png", "svg" or "png,svg", as PLOT_* flags in *out;
 * -1 for anything else (an unknown or empty list). */
int plot_parse_formats(const char *s, unsigned *out);

/* Writes the summary of a series (/summary/<series>_<stat>) as a gnuplot table. */
sim_status plot_write_dat(const h5i *f, const char *series, const char *path,
                          sim_diag *d) SIM_MUST_CHECK;

/* Writes dir/<series>.{dat,gp} and runs gnuplot for the formats
 * (PLOT_PNG | PLOT_SVG) in dir, which must exist.  *note: what the figure
 * leaves out ("3 of 11 zero throughout, not drawn: a, b, c"), malloc'd, or
 * NULL; the caller frees it, also on error. */
sim_status plot_series(const h5i *f, const char *series, const char *dir,
                       unsigned formats, char **note, sim_diag *d) SIM_MUST_CHECK;

/* The line style of series column i in every figure: a colour ("#RRGGBB")
 * and a gnuplot dash type; the first 2 * PLOT_NCOLOURS differ from each
 * other (six colours solid, then dashed). */
enum { PLOT_NCOLOURS = 6 };
void plot_style(size_t i, const char **colour, int *dash);

/* ---- running gnuplot (every figure DAIS draws goes through here) ----------- */

/* A variable set before the script runs; its value is always a string. */
struct plot_var {
	const char *name;
	const char *value;
};

/* Runs `gnuplot script` in cwd (NULL: here) after setting vars, through
 * sim/spawn.h (no shell).  Each value becomes a gnuplot single-quoted string
 * (plot_gp_string), so quotes, backticks and $(...) in paths and names stay
 * text.  quiet: gnuplot's own output goes to /dev/null.  SIM_EIO and a
 * message when gnuplot cannot start or fails. */
sim_status plot_gnuplot(const char *script, const char *cwd, const struct plot_var *vars,
                        int nvars, int quiet, sim_diag *d) SIM_MUST_CHECK;

/* s as a gnuplot single-quoted string literal, malloc'd: a quote is doubled,
 * a line break becomes a space, and nothing else is special (gnuplot runs
 * backticks inside double quotes, never inside single ones).  NULL when out
 * of memory. */
char *plot_gp_string(const char *s);

/* The absolute path of analysis/plots/<name> (the source tree's, else the
 * working directory's) into buf; NULL when neither exists. */
const char *plot_script_path(char *buf, size_t n, const char *name);

#endif
