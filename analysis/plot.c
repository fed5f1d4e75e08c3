/* plot.c — summary figures through gnuplot (see plot.h).
 *
 * gnuplot runs on a script file rather than a pipe, so that what made a
 * figure stays beside it and can be edited and re-run.
 */
#include "plot.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <limits.h>
#include <unistd.h>

#include "sim/file.h"
#include "sim/rec.h"
#include "sim/spawn.h"

/* The statistics of a series, in table order. */
static const char *const dat_stat[] = { "mean", "p05", "p95", "ci95_lo", "ci95_hi", "p50" };
enum { NSTAT = 6 };

struct table {
	struct h5i_data s[NSTAT];
	struct h5i_data t;     /* the time axis, n == 0 when absent */
	size_t rows, cols;
	size_t rows_cols[2];   /* the mean's shape, to check it is a series */
	char *units;           /* of the series */
	char *long_name;       /* of the series, for titles */
	int years;             /* time is dated: x = year0 + t / 365.25 */
	double year0;
	long replications;
};

static void table_release(struct table *tb)
{
	for (int k = 0; k < NSTAT; k++)
		h5i_data_release(&tb->s[k]);
	h5i_data_release(&tb->t);
	free(tb->units);
	free(tb->long_name);
}

/* Day of the year (0 for 1 January) of a proleptic Gregorian date. */
static int day_of_year(int y, int m, int d)
{
	static const int before[12] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return before[m - 1] + (m > 2 && leap) + d - 1;
}

/* The decimal year of day 0 of CF units "days since YYYY-MM-DD[...]"; 0 when
 * the units name no date.  Years count 365.25 days from 1 January of the
 * start year, as the paper figures do (analysis/plots/common.gp: a run
 * starting 2024-01-01 reaches 2025.0 at day 365.25). */
static int year_origin(const char *units, double *year0)
{
	int y, m, d;
	if (sscanf(units, "days since %d-%d-%d", &y, &m, &d) != 3 || m < 1 || m > 12 || d < 1 ||
	    d > 31)
		return 0;
	*year0 = y + day_of_year(y, m, d) / 365.25;
	return 1;
}

/* The x value of row r: the decimal year when dated, the time, or the row. */
static double x_of(const struct table *tb, size_t r)
{
	if (!tb->t.n)
		return (double)r;
	return tb->years ? tb->year0 + tb->t.v[r] / 365.25 : tb->t.v[r];
}

/* The series' long_name: the replications' ("nodes by class"), else the
 * summary's less its ", mean across replications", else the name with
 * spaces for underscores. */
static char *long_name(const h5i *f, const char *series)
{
	char path[512], *s = NULL;
	if (h5i_nreps(f) > 0) {
		snprintf(path, sizeof path, "/%s/timeseries/%s", h5i_rep_name(f, 0), series);
		if (h5i_has_attr(f, path, "long_name") &&
		    h5i_attr_str(f, path, "long_name", &s, NULL) == SIM_OK && *s)
			return s;
		free(s);
		s = NULL;
	}
	snprintf(path, sizeof path, "/summary/%s_mean", series);
	if (h5i_has_attr(f, path, "long_name") &&
	    h5i_attr_str(f, path, "long_name", &s, NULL) == SIM_OK && *s) {
		char *cut = strstr(s, ", mean across replications");
		if (cut && cut > s) {
			*cut = 0;
			return s;
		}
	}
	free(s);
	if (!(s = strdup(series)))
		return NULL;
	for (char *c = s; *c; c++)
		if (*c == '_')
			*c = ' ';
	return s;
}

static sim_status table_load(const h5i *f, const char *series, struct table *tb, sim_diag *d)
{
	memset(tb, 0, sizeof *tb);
	char path[512];
	snprintf(path, sizeof path, "/summary/%s_mean", series);
	if (!h5i_is_dataset(f, path) || h5i_shape(f, path, tb->rows_cols) < 1) {
		diag_add(d, "%s: no summary of series '%s'", h5i_name(f), series);
		return SIM_EINVAL;
	}
	sim_status st;
	for (int k = 0; k < NSTAT; k++) {
		snprintf(path, sizeof path, "/summary/%s_%s", series, dat_stat[k]);
		if ((st = h5i_read(f, path, &tb->s[k], d)))
			goto fail;
		if (tb->s[k].n != tb->s[0].n) {
			diag_add(d, "%s: %s: shape differs from mean", h5i_name(f), path);
			st = SIM_EINVAL;
			goto fail;
		}
	}
	tb->rows = tb->s[0].rank >= 1 ? tb->s[0].dims[0] : 1;
	tb->cols = tb->s[0].rank == 2 ? tb->s[0].dims[1] : 1;
	if (h5i_is_dataset(f, "/summary/time")) {
		if ((st = h5i_read(f, "/summary/time", &tb->t, d)))
			goto fail;
		if (tb->t.n != tb->rows)
			h5i_data_release(&tb->t); /* not this series' axis: use row numbers */
	}
	tb->years = tb->t.n && year_origin(tb->t.units, &tb->year0);
	if (!(tb->units = strdup(tb->s[0].units)) || !(tb->long_name = long_name(f, series))) {
		diag_add(d, "out of memory");
		st = SIM_ENOMEM;
		goto fail;
	}
	double r = NAN;
	if (h5i_has_attr(f, "/summary", "replications") &&
	    h5i_attr_num(f, "/summary", "replications", &r, NULL) == SIM_OK)
		tb->replications = (long)r;
	return SIM_OK;
fail:
	table_release(tb);
	return st;
}

static const char *colname(const struct table *tb, size_t c, char *buf, size_t len)
{
	const struct h5i_data *m = &tb->s[0];
	if (m->columns && c < m->ncolumns)
		return m->columns[c];
	snprintf(buf, len, "%zu", c);
	return buf;
}

static void put_num(FILE *fp, double v)
{
	if (isnan(v))
		fputs(" NaN", fp);
	else
		fprintf(fp, " %.10g", v);
}

/* Writes s on the current line: a line break in a file name would start a
 * new gnuplot command. */
static void put_line(FILE *fp, const char *s)
{
	for (; *s; s++)
		fputc(*s == '\n' || *s == '\r' ? ' ' : *s, fp);
}

/* Prints one '#' comment line; line breaks in what it quotes (a file name, a
 * unit read from a results file) become spaces, so the line stays a comment. */
static void SIM_PRINTF(2, 3) commentf(FILE *fp, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	fputs("# ", fp);
	put_line(fp, s);
	fputc('\n', fp);
	free(s);
}

/* years: column 1 is the decimal year where time is dated (the figures'
 * tables); else the time as stored (dais export's, which the paper figures
 * convert themselves). */
static sim_status write_table(const h5i *f, const char *series, const struct table *tb,
                              int years, const char *path, sim_diag *d)
{
	struct file_atomic a;
	sim_status st = file_atomic_open(&a, path, d);
	if (st)
		return st;
	FILE *fp = a.f;
	char buf[32];
	years = years && tb->years;
	commentf(fp, "dais: summary of /summary/%s_* in %s", series, h5i_name(f));
	if (years)
		commentf(fp, "x: year (decimal, 365.25 days a year, from t in %s); y: %s (%s); "
		         "replications: %ld", tb->t.units, series, tb->units, tb->replications);
	else
		commentf(fp, "x: t (%s)%s; y: %s (%s); replications: %ld",
		         tb->t.n ? tb->t.units : "sample", tb->t.n ? "" : " row index",
		         series, tb->units, tb->replications);
	fprintf(fp, "# columns: 1 %s, then at 2+6c for series column c: "
	            "mean p05 p95 ci95_lo ci95_hi p50\n", years ? "year" : "t");
	if (tb->s[0].columns) {
		fprintf(fp, "# series columns:");
		for (size_t c = 0; c < tb->cols; c++) {
			fprintf(fp, " %zu=", c);
			put_line(fp, colname(tb, c, buf, sizeof buf));
		}
		fputc('\n', fp);
	}
	fprintf(fp, "# %s", years ? "year" : "t");
	for (size_t c = 0; c < tb->cols; c++)
		for (int k = 0; k < NSTAT; k++)
			fprintf(fp, " %s_%zu", dat_stat[k], c);
	fputc('\n', fp);
	for (size_t r = 0; r < tb->rows; r++) {
		put_num(fp, years ? x_of(tb, r) : tb->t.n ? tb->t.v[r] : (double)r);
		for (size_t c = 0; c < tb->cols; c++)
			for (int k = 0; k < NSTAT; k++)
				put_num(fp, tb->s[k].v[r * tb->cols + c]);
		fputc('\n', fp);
	}
	return file_atomic_commit(&a, d);
}

sim_status plot_write_dat(const h5i *f, const char *series, const char *path, sim_diag *d)
{
	struct table tb;
	sim_status st = table_load(f, series, &tb, d);
	if (st)
		return st;
	st = write_table(f, series, &tb, 0, path, d);
	table_release(&tb);
	return st;
}

/* Why a column of a 2-D series is left out of its figure. */
enum { COL_DRAWN, COL_ZERO, COL_EMPTY };

/* COL_ZERO when every finite value of column c (all statistics) is 0,
 * COL_EMPTY when it has none. */
static int col_state(const struct table *tb, size_t c)
{
	int any = 0;
	for (int k = 0; k < NSTAT; k++)
		for (size_t r = 0; r < tb->rows; r++) {
			double v = tb->s[k].v[r * tb->cols + c];
			if (isnan(v))
				continue;
			if (v != 0)
				return COL_DRAWN;
			any = 1;
		}
	return any ? COL_ZERO : COL_EMPTY;
}

/* The range of the finite values of the drawn columns (lo > hi when there
 * are none); data: of the replications' values only (mean and percentiles),
 * not the confidence interval of the mean, which a t interval can carry
 * below zero for a count. */
static void value_range(const struct table *tb, const unsigned char *drawn, int data,
                        double *lo, double *hi)
{
	*lo = INFINITY;
	*hi = -INFINITY;
	for (int k = 0; k < NSTAT; k++) {
		if (data && (k == 3 || k == 4)) /* ci95_lo, ci95_hi */
			continue;
		for (size_t i = 0; i < tb->s[k].n; i++) {
			double v = tb->s[k].v[i];
			if (!isfinite(v) || !drawn[i % tb->cols])
				continue;
			*lo = v < *lo ? v : *lo;
			*hi = v > *hi ? v : *hi;
		}
	}
}

/* Log scale when every finite value is positive and they span > 3 decades. */
static int want_log(double lo, double hi)
{
	return lo > 0 && hi > lo && hi / lo > 1e3;
}

/* Writes s as a gnuplot single-quoted string (plot_gp_string): a name or a
 * unit read from a results file stays text, whatever it holds. */
static void put_quoted(FILE *fp, const char *s)
{
	char *q = plot_gp_string(s);
	fputs(q ? q : "''", fp);
	free(q);
}

/* Six colours that colour-blind readers tell apart (Okabe & Ito 2008: blue,
 * vermillion, bluish green, reddish purple, orange, sky blue), solid and then
 * dashed: twelve series, eleven hardware classes among them, never share a
 * style.  Past twelve the dashes go on (30 styles), then repeat. */
static const char *const palette[PLOT_NCOLOURS] = { "#0072B2", "#D55E00", "#009E73",
                                                    "#CC79A7", "#E69F00", "#56B4E9" };

void plot_style(size_t i, const char **colour, int *dash)
{
	*colour = palette[i % PLOT_NCOLOURS];
	*dash = (int)(i / PLOT_NCOLOURS % 5) + 1;
}

/* "2 of 11 zero throughout, not drawn: a, b" (and the columns without
 * values), malloc'd; NULL when nothing is left out. */
static char *omitted_note(const struct table *tb, const unsigned char *state)
{
	char *out = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&out, &len);
	if (!m)
		return NULL;
	char buf[32];
	static const char *const what[] = { NULL, "zero throughout", "without values" };
	int any = 0;
	for (int w = COL_ZERO; w <= COL_EMPTY; w++) {
		size_t n = 0;
		for (size_t c = 0; c < tb->cols; c++)
			n += state[c] == w;
		if (!n)
			continue;
		fprintf(m, "%s%zu of %zu %s, not drawn:", any ? "; " : "", n, tb->cols, what[w]);
		any = 1;
		/* names while the title line stays readable (about 100 characters) */
		size_t shown = 0;
		for (size_t c = 0; c < tb->cols; c++)
			if (state[c] == w && (shown == 0 || ftell(m) < 90)) {
				fprintf(m, "%s%s", shown ? ", " : " ", colname(tb, c, buf, sizeof buf));
				shown++;
			}
		if (shown < n)
			fprintf(m, " and %zu more", n - shown);
	}
	fclose(m);
	if (!any) {
		free(out);
		return NULL;
	}
	for (char *c = out; *c; c++) /* a label's control characters: one printed line */
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = ' ';
	return out;
}

static sim_status write_script(const h5i *f, const char *series, const struct table *tb,
                               const char *path, unsigned formats, char **note, sim_diag *d)
{
	/* Columns zero (or empty) throughout are left out of a 2-D series, unless
	 * that leaves nothing to draw. */
	unsigned char *state = calloc(tb->cols, 1), *drawn = calloc(tb->cols, 1);
	if (!state || !drawn) {
		free(state);
		free(drawn);
		diag_add(d, "out of memory");
		return SIM_ENOMEM;
	}
	size_t ndrawn = 0;
	for (size_t c = 0; c < tb->cols && tb->cols > 1; c++)
		ndrawn += (state[c] = (unsigned char)col_state(tb, c)) == COL_DRAWN;
	if (ndrawn == 0)
		memset(state, COL_DRAWN, tb->cols);
	for (size_t c = 0; c < tb->cols; c++)
		drawn[c] = state[c] == COL_DRAWN;
	*note = omitted_note(tb, state);
	free(state);

	struct file_atomic a;
	sim_status st = file_atomic_open(&a, path, d);
	if (st) {
		free(drawn);
		return st;
	}
	FILE *fp = a.f;
	int bands = tb->replications != 1;
	char lbl[600], buf[32];
	fprintf(fp, "# generated by `dais plot` from ");
	put_line(fp, h5i_name(f));
	fprintf(fp, "\n# edit and re-run in this directory: gnuplot %s.gp\n", series);
	fprintf(fp, "set datafile missing 'NaN'\nset grid\nset key top left noenhanced\n"
	            "set autoscale xfix\n");
	fprintf(fp, "# line styles: 6 colour-blind-safe colours (Okabe-Ito), solid then dashed\n");
	for (size_t i = 0; i < (tb->cols > 12 ? tb->cols : 12); i++) {
		const char *colour;
		int dash;
		plot_style(i, &colour, &dash);
		fprintf(fp, "set linetype %zu lc rgb '%s' lw 2 dt %d\n", i + 1, colour, dash);
	}
	/* the title: the long name, what the bands are, what was left out */
	snprintf(lbl, sizeof lbl, "%s", tb->long_name);
	if (*lbl >= 'a' && *lbl <= 'z')
		*lbl = (char)(*lbl - 'a' + 'A');
	fprintf(fp, "set title ");
	put_quoted(fp, lbl);
	if (bands && tb->cols > 1)
		fprintf(fp, ".\"\\n\".'bands: 5-95%% of replications (light), "
		            "95%% CI of the mean (dark)'");
	if (*note) {
		fprintf(fp, ".\"\\n\".");
		put_quoted(fp, *note);
	}
	fprintf(fp, " noenhanced\n");
	fprintf(fp, "set xlabel ");
	if (tb->years)
		snprintf(lbl, sizeof lbl, "year");
	else
		snprintf(lbl, sizeof lbl, "t (%s)", tb->t.n ? tb->t.units : "sample");
	put_quoted(fp, lbl);
	fprintf(fp, " noenhanced\nset ylabel ");
	if (*tb->units)
		snprintf(lbl, sizeof lbl, "%s (%s)", tb->long_name, tb->units);
	else
		snprintf(lbl, sizeof lbl, "%s", tb->long_name);
	put_quoted(fp, lbl);
	fprintf(fp, " noenhanced\n");
	if (ndrawn > 4) /* a long legend goes beside the plot, not over it */
		fprintf(fp, "set key outside right top\n");
	double lo, hi, dlo, dhi;
	value_range(tb, drawn, 0, &lo, &hi);
	value_range(tb, drawn, 1, &dlo, &dhi);
	if (want_log(lo, hi))
		fprintf(fp, "set logscale y\n");
	else if (lo == hi) { /* a constant series: a range around it, not gnuplot's warning */
		double l = lo - (lo ? 0.05 * fabs(lo) : 1), h = hi + (hi ? 0.05 * fabs(hi) : 1);
		fprintf(fp, "set yrange [%.10g:%.10g]\n", lo >= 0 && l < 0 ? 0 : l, h);
	} else if (dlo >= 0 && dlo <= dhi) /* counts, shares, prices: the axis starts at 0 */
		fprintf(fp, "set yrange [0:*]\n");
	snprintf(lbl, sizeof lbl, "%s.dat", series);
	fprintf(fp, "dat = ");
	put_quoted(fp, lbl);
	fputc('\n', fp);
	/* The first format's terminal comes before plot, the others replot. */
	static const char *const term[2] = { "pngcairo size 960,600 noenhanced",
	                                     "svg size 960,600 dynamic noenhanced" };
	static const char *const ext[2] = { "png", "svg" };
	int first = formats & PLOT_PNG ? 0 : 1;
	snprintf(lbl, sizeof lbl, "%s.%s", series, ext[first]);
	fprintf(fp, "set terminal %s\nset output ", term[first]);
	put_quoted(fp, lbl);
	fputc('\n', fp);
	fprintf(fp, "plot \\\n");
	/* Light bands, then dark bands, then lines, so that no line is hidden. */
	const char *sep = "";
	for (int layer = bands ? 0 : 2; layer < 3; layer++)
		for (size_t c = 0; c < tb->cols; c++) {
			if (!drawn[c])
				continue;
			size_t b = 2 + 6 * c; /* mean; p05 p95 ci_lo ci_hi p50 follow */
			int one = tb->cols == 1;
			fprintf(fp, "%s", sep);
			sep = ", \\\n";
			if (layer == 0)
				fprintf(fp, "  dat using 1:%zu:%zu with filledcurves lc %zu "
				            "fs transparent solid 0.15 noborder title ", b + 1, b + 2, c + 1);
			else if (layer == 1)
				fprintf(fp, "  dat using 1:%zu:%zu with filledcurves lc %zu "
				            "fs transparent solid 0.35 noborder title ", b + 3, b + 4, c + 1);
			else
				fprintf(fp, "  dat using 1:%zu with lines lt %zu title ", b, c + 1);
			put_quoted(fp, layer == 2 ? (one ? "mean" : colname(tb, c, buf, sizeof buf))
			               : !one ? ""
			               : layer == 0 ? "5-95% of replications" : "95% CI of the mean");
		}
	fprintf(fp, "\n");
	free(drawn);
	if (first == 0 && (formats & PLOT_SVG))
	{
		snprintf(lbl, sizeof lbl, "%s.%s", series, ext[1]);
		fprintf(fp, "set terminal %s\nset output ", term[1]);
		put_quoted(fp, lbl);
		fprintf(fp, "\nreplot\n");
	}
	fprintf(fp, "set output\n");
	return file_atomic_commit(&a, d);
}

/* ---- running gnuplot ---------------------------------------------------------- */

char *plot_gp_string(const char *s)
{
	size_t n = 2;
	for (const char *c = s; *c; c++)
		n += *c == '\'' ? 2 : 1;
	char *q = malloc(n + 1), *o = q;
	if (!q)
		return NULL;
	*o++ = '\'';
	for (const char *c = s; *c; c++) {
		if (*c == '\'')
			*o++ = '\'';
		/* a line break would end the command: the string stays on one line */
		*o++ = *c == '\n' || *c == '\r' ? ' ' : *c;
	}
	*o++ = '\'';
	*o = 0;
	return q;
}

const char *plot_script_path(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/analysis/plots/%s", DAIS_SRCDIR, name);
	if (access(buf, R_OK) == 0)
		return buf;
	char here[PATH_MAX];
	if (getcwd(here, sizeof here)) {
		snprintf(buf, n, "%s/analysis/plots/%s", here, name);
		if (access(buf, R_OK) == 0)
			return buf;
	}
	return NULL;
}

sim_status plot_gnuplot(const char *script, const char *cwd, const struct plot_var *vars,
                        int nvars, int quiet, sim_diag *d)
{
	/* gnuplot -e "a='...'; b='...'" script: every value a single-quoted string */
	size_t len = 1;
	char **q = calloc((size_t)nvars + 1, sizeof *q), *e = NULL;
	sim_status st = q ? SIM_OK : SIM_ENOMEM;
	for (int i = 0; i < nvars && !st; i++) {
		if (!(q[i] = plot_gp_string(vars[i].value)))
			st = SIM_ENOMEM;
		else
			len += strlen(vars[i].name) + strlen(q[i]) + 3;
	}
	if (!st && nvars > 0 && !(e = calloc(1, len)))
		st = SIM_ENOMEM;
	for (int i = 0; i < nvars && !st; i++) {
		strcat(e, vars[i].name);
		strcat(e, "=");
		strcat(e, q[i]);
		strcat(e, "; ");
	}
	if (st) {
		diag_add(d, "gnuplot: out of memory");
	} else {
		const char *argv[5] = { "gnuplot", nvars ? "-e" : script, nvars ? e : NULL,
		                        nvars ? script : NULL, NULL };
		/* with no display the default terminal would complain; outputs are files */
		const char *env[] = { "GNUTERM=unknown", NULL };
		struct spawn_opts o = { .cwd = cwd, .env = env, .quiet = quiet };
		st = spawn_run(argv, &o, d);
	}
	for (int i = 0; q && i < nvars; i++)
		free(q[i]);
	free(q);
	free(e);
	return st;
}

sim_status plot_series(const h5i *f, const char *series, const char *dir,
                       unsigned formats, char **note, sim_diag *d)
{
	*note = NULL;
	if (!rec_valid_name(series)) { /* it names files in dir */
		diag_add(d, "%s: a series name is not [A-Za-z0-9_]+; not drawn", h5i_name(f));
		return SIM_EINVAL;
	}
	struct table tb;
	sim_status st = table_load(f, series, &tb, d);
	if (st)
		return st;
	char *dat = NULL, *gp = NULL, *gpname = NULL;
	if (asprintf(&dat, "%s/%s.dat", dir, series) < 0)
		dat = NULL;
	if (asprintf(&gp, "%s/%s.gp", dir, series) < 0)
		gp = NULL;
	if (asprintf(&gpname, "%s.gp", series) < 0)
		gpname = NULL;
	if (!dat || !gp || !gpname) {
		diag_add(d, "out of memory");
		st = SIM_ENOMEM;
	} else if (!(st = write_table(f, series, &tb, 1, dat, d)) &&
	           !(st = write_script(f, series, &tb, gp, formats, note, d))) {
		st = plot_gnuplot(gpname, dir, NULL, 0, 0, d);
		if (st)
			diag_add(d, "%s/%s: the figure was not drawn", dir, gpname);
	}
	free(dat);
	free(gp);
	free(gpname);
	table_release(&tb);
	return st;
}

int plot_parse_formats(const char *s, unsigned *out)
{
	*out = 0;
	while (*s) {
		size_t n = strcspn(s, ",");
		if (n == 3 && !strncmp(s, "png", 3))
			*out |= PLOT_PNG;
		else if (n == 3 && !strncmp(s, "svg", 3))
			*out |= PLOT_SVG;
		else if (n > 0)
			return -1;
		s += n;
		if (*s == ',')
			s++;
	}
	return *out ? 0 : -1;
}
