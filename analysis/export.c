/* export.c — the summary of a results file as text tables (export.h). */
#include "export.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5/h5i.h"
#include "sim/file.h"
#include "sim/status.h"

/* Prints one line per summary scalar: name mean ci95_lo ci95_hi n_finite n units. */
sim_status export_scalars(const h5i *f, FILE *out, sim_diag *d)
{
	char **names = NULL;
	size_t n = 0;
	sim_status st = h5i_summary_list(f, 1, &names, &n, d);
	if (st != SIM_OK)
		return st;
	fprintf(out, "# name mean ci95_lo ci95_hi n_finite n units\n");
	const char *stat[] = { "mean", "ci95_lo", "ci95_hi", "n_finite", "n" };
	for (size_t i = 0; i < n && st == SIM_OK; i++) {
		double v[5];
		char *units = NULL;
		for (int k = 0; k < 5 && st == SIM_OK; k++) {
			char p[512];
			struct h5i_data x;
			snprintf(p, sizeof p, "/summary/%s_%s", names[i], stat[k]);
			st = h5i_read(f, p, &x, d);
			if (st == SIM_OK) {
				v[k] = x.n ? x.v[0] : NAN;
				if (k == 0)
					units = strdup(x.units);
				h5i_data_release(&x);
			}
		}
		if (st == SIM_OK)
			fprintf(out, "%s %.10g %.10g %.10g %.0f %.0f %s\n", names[i], v[0], v[1], v[2], v[3],
			        v[4], units && *units ? units : "-");
		free(units);
	}
	h5i_names_free(names, n);
	return st;
}

/* ---- tidy CSV ------------------------------------------------------------------- */

const char *const export_series_stats[EXPORT_NSERIES_STATS] = {
	"mean", "sd", "ci95_lo", "ci95_hi", "p025", "p05", "p50", "p95", "p975"
};
static const char *const scalar_stats[] = {
	"mean", "sd", "ci95_lo", "ci95_hi", "ci90_lo", "ci90_hi", "p05", "p50", "p95", "n",
	"n_finite"
};

void export_csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void csv_num(FILE *f, double v)
{
	if (isnan(v))
		fputs("NaN", f);
	else
		fprintf(f, "%.17g", v);
}

/* Days since 1970-01-01 of a civil date, and back (H. Hinnant's algorithms,
 * proleptic Gregorian: CF's "standard" calendar after 1582). */
static long days_from_civil(long y, unsigned m, unsigned d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

static void civil_from_days(long z, long *y, unsigned *m, unsigned *d)
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (long)yoe + era * 400 + (*m <= 2);
}

/* The epoch of CF units "days since YYYY-MM-DD[...]" as days since 1970;
 * 0 when the units are not days since a date. */
static int cf_epoch(const char *units, long *epoch)
{
	int y, m, d, n = 0;
	if (sscanf(units, "days since %d-%d-%d%n", &y, &m, &d, &n) != 3 || m < 1 || m > 12 ||
	    d < 1 || d > 31)
		return 0;
	*epoch = days_from_civil(y, (unsigned)m, (unsigned)d);
	return 1;
}

/* The time of row r: an ISO date (a date and time for fractional days) when
 * dated, else the number. */
static void csv_time(FILE *f, int dated, long epoch, double t)
{
	if (!dated || !isfinite(t)) {
		csv_num(f, t);
		return;
	}
	double day = floor(t);
	long y;
	unsigned m, d;
	civil_from_days(epoch + (long)day, &y, &m, &d);
	fprintf(f, "%04ld-%02u-%02u", y, m, d);
	long s = lround((t - day) * 86400);
	if (s > 0)
		fprintf(f, "T%02ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
}

sim_status export_series_csv(const h5i *f, const char *series, FILE *out, int header,
                             size_t *rows, sim_diag *d)
{
	struct h5i_data x[EXPORT_NSERIES_STATS], t = { 0 };
	memset(x, 0, sizeof x);
	sim_status st = SIM_OK;
	char p[600];
	for (int k = 0; k < EXPORT_NSERIES_STATS && !st; k++) {
		snprintf(p, sizeof p, "/summary/%s_%s", series, export_series_stats[k]);
		if (!h5i_is_dataset(f, p)) {
			diag_add(d, "%s: no summary of series '%s' (no %s)", h5i_name(f), series, p);
			st = SIM_EINVAL;
		} else if (!(st = h5i_read(f, p, &x[k], d)) &&
		           (x[k].rank < 1 || x[k].n != x[0].n)) {
			diag_add(d, "%s: %s: not shaped like the series' mean", h5i_name(f), p);
			st = SIM_EINVAL;
		}
	}
	const char *row_path = h5i_is_dataset(f, "/summary/time") ? "/summary/time"
	                                                          : "/summary/sample";
	if (!st && (st = h5i_read(f, row_path, &t, d)) == SIM_OK && t.n != x[0].dims[0]) {
		diag_add(d, "%s: %s has %zu rows, %s_mean %zu", h5i_name(f), row_path, t.n, series,
		         x[0].dims[0]);
		st = SIM_EINVAL;
	}
	if (!st) {
		long epoch = 0;
		int dated = cf_epoch(t.units, &epoch);
		size_t nr = x[0].dims[0], nc = x[0].rank == 2 ? x[0].dims[1] : 1;
		if (header)
			fprintf(out, "%s,series,column,statistic,value,unit\n", dated ? "date" : "time");
		for (size_t r = 0; r < nr; r++)
			for (size_t c = 0; c < nc; c++)
				for (int k = 0; k < EXPORT_NSERIES_STATS; k++) {
					csv_time(out, dated, epoch, t.v[r]);
					fputc(',', out);
					export_csv_field(out, series);
					fputc(',', out);
					export_csv_field(out, x[0].columns && c < x[0].ncolumns ? x[0].columns[c] : "");
					fprintf(out, ",%s,", export_series_stats[k]);
					csv_num(out, x[k].v[r * nc + c]);
					fputc(',', out);
					export_csv_field(out, x[0].units);
					fputc('\n', out);
				}
		if (rows)
			*rows += nr * nc * EXPORT_NSERIES_STATS;
	}
	for (int k = 0; k < EXPORT_NSERIES_STATS; k++)
		h5i_data_release(&x[k]);
	h5i_data_release(&t);
	return st;
}

sim_status export_scalars_csv(const h5i *f, FILE *out, sim_diag *d)
{
	char **names = NULL;
	size_t n = 0;
	sim_status st = h5i_summary_list(f, 1, &names, &n, d);
	if (st != SIM_OK)
		return st;
	fprintf(out, "name,statistic,value,unit\n");
	for (size_t i = 0; i < n && st == SIM_OK; i++)
		for (size_t k = 0; k < sizeof scalar_stats / sizeof *scalar_stats && !st; k++) {
			char p[600];
			struct h5i_data x;
			snprintf(p, sizeof p, "/summary/%s_%s", names[i], scalar_stats[k]);
			if (!h5i_is_dataset(f, p))
				continue; /* a file from before a statistic was added */
			if ((st = h5i_read(f, p, &x, d)))
				break;
			export_csv_field(out, names[i]);
			fprintf(out, ",%s,", scalar_stats[k]);
			csv_num(out, x.n ? x.v[0] : NAN);
			fputc(',', out);
			export_csv_field(out, x.units);
			fputc('\n', out);
			h5i_data_release(&x);
		}
	h5i_names_free(names, n);
	return st;
}

sim_status export_series_csv_file(const h5i *f, const char *series, const char *path,
                                  sim_diag *d)
{
	struct file_atomic a;
	sim_status st = file_atomic_open(&a, path, d);
	if (st)
		return st;
	st = export_series_csv(f, series, a.f, 1, NULL, d);
	if (st) {
		file_atomic_abort(&a);
		return st;
	}
	return file_atomic_commit(&a, d);
}
