/* csv.h — reading the sourced data tables under data/ (and trace files).
 *
 * Format: UTF-8 text (a leading byte-order mark is skipped; NUL bytes are
 * refused), at most CSV_MAX_BYTES; lines starting with '#' are comments, and the first of
 * them that starts with "# source:" is kept as the table's provenance; the
 * first other line is the header; fields are separated by commas and may be
 * quoted with '"' ("" inside quotes is a quote).  Blank lines are skipped.
 *
 *     csv *t = csv_read("data/btc_halvings.csv", &d);
 *     int col = csv_col(t, "subsidy_after_btc");
 *     for (int i = 0; i < csv_nrows(t); i++) {
 *         double v;
 *         if (csv_num(t, i, col, &v, &d) != SIM_OK) ...   // message names file:line
 *     }
 *     csv_free(t);
 *
 * Messages name the file and line: "data/x.csv:12: column 'year': expected
 * number, got 'n/a'".
 */
#ifndef DAIS_CSV_H
#define DAIS_CSV_H

#include "status.h"

typedef struct csv csv;

/* The largest file csv_read accepts (a trace of millions of requests fits). */
#define CSV_MAX_BYTES ((size_t)256 << 20)

/* Reads a whole file; NULL with a message in d on error (missing file, too
 * large, no header, a row with the wrong number of fields, unterminated quote,
 * a NUL byte). */
csv *csv_read(const char *path, sim_diag *d);
void csv_free(csv *t);

const char *csv_path(const csv *t);
const char *csv_source(const csv *t);         /* "" when the file has none */
int csv_nrows(const csv *t);
int csv_ncols(const csv *t);
const char *csv_header(const csv *t, int col);
/* Column index by header name, or -1. */
int csv_col(const csv *t, const char *name);
/* Like csv_col, but a missing column is reported in d. */
int csv_require(const csv *t, const char *name, sim_diag *d);
const char *csv_cell(const csv *t, int row, int col);
/* The file line a data row came from (for messages). */
int csv_line(const csv *t, int row);
/* Parses a cell as a finite number; on failure reports file:line and column. */
sim_status csv_num(const csv *t, int row, int col, double *out, sim_diag *d);
/* Parses a date cell "YYYY-MM-DD", "YYYY-MM" or "YYYY" into a fractional
 * year (2024-07-02 -> 2024.5); on failure reports file:line and column. */
sim_status csv_year(const csv *t, int row, int col, double *out, sim_diag *d);

/* 1 when s is exactly "YYYY-MM-DD", a day of the calendar (2024-02-29 yes,
 * 2023-02-29 and 2024-02-30 no) between 1900 and 2200; fills y, m, d. */
int csv_date(const char *s, int *y, int *m, int *d);

/* Fractional year of a calendar date (days counted exactly, leap years too). */
double csv_date_to_year(int y, int m, int d);
/* The fractional calendar year of a "YYYY-MM-DD" date, NAN when it is not one. */
double csv_date_year(const char *s);

#endif
