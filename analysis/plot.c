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
	long replications;
};

static void table_release(struct table *tb)
{
	for (int k = 0; k < NSTAT; k++)
		h5i_data_release(&tb->s[k]);
	h5i_data_release(&tb->t);
	free(tb->units);
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
	if (!(tb->units = strdup(tb->s[0].units))) {
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

static sim_status write_table(const h5i *f, const char *series, const struct table *tb,
                              const char *path, sim_diag *d)
{
	struct file_atomic a;
	sim_status st = file_atomic_open(&a, path, d);
	if (st)
		return st;
	FILE *fp = a.f;
	char buf[32];
	commentf(fp, "dais: summary of /summary/%s_* in %s", series, h5i_name(f));
	commentf(fp, "x: t (%s)%s; y: %s (%s); replications: %ld",
	         tb->t.n ? tb->t.units : "sample", tb->t.n ? "" : " row index",
	         series, tb->units, tb->replications);
	fprintf(fp, "# columns: 1 t, then at 2+6c for series column c: "
	            "mean p05 p95 ci95_lo ci95_hi p50\n");
	if (tb->s[0].columns) {
		fprintf(fp, "# series columns:");
		for (size_t c = 0; c < tb->cols; c++) {
			fprintf(fp, " %zu=", c);
			put_line(fp, colname(tb, c, buf, sizeof buf));
		}
		fputc('\n', fp);
	}
	fprintf(fp, "# t");
	for (size_t c = 0; c < tb->cols; c++)
		for (int k = 0; k < NSTAT; k++)
			fprintf(fp, " %s_%zu", dat_stat[k], c);
	fputc('\n', fp);
	for (size_t r = 0; r < tb->rows; r++) {
		put_num(fp, tb->t.n ? tb->t.v[r] : (double)r);
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
	st = write_table(f, series, &tb, path, d);
	table_release(&tb);
	return st;
}

/* The range of the finite values (lo > hi when there are none). */
static void value_range(const struct table *tb, double *lo, double *hi)
{
	*lo = INFINITY;
	*hi = -INFINITY;
	for (int k = 0; k < NSTAT; k++)
		for (size_t i = 0; i < tb->s[k].n; i++) {
			double v = tb->s[k].v[i];
			if (!isfinite(v))
				continue;
			*lo = v < *lo ? v : *lo;
			*hi = v > *hi ? v : *hi;
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

static sim_status write_script(const h5i *f, const char *series, const struct table *tb,
                               const char *path, unsigned formats, sim_diag *d)
{
	struct file_atomic a;
	sim_status st = file_atomic_open(&a, path, d);
	if (st)
		return st;
	FILE *fp = a.f;
	int bands = tb->replications != 1;
	char lbl[600], buf[32];
	fprintf(fp, "# generated by `dais plot` from ");
	put_line(fp, h5i_name(f));
	fprintf(fp, "\n# edit and re-run in this directory: gnuplot %s.gp\n", series);
	fprintf(fp, "set datafile missing 'NaN'\nset grid\nset key top left noenhanced\n"
	            "set autoscale xfix\n");
	fprintf(fp, "set title ");
	put_quoted(fp, series);
	if (bands && tb->cols > 1)
		fprintf(fp, ".\"\\n\".'bands: 5-95%% of replications (light), "
		            "95%% CI of the mean (dark)'");
	fprintf(fp, " noenhanced\n");
	fprintf(fp, "set xlabel ");
	snprintf(lbl, sizeof lbl, "t (%s)", tb->t.n ? tb->t.units : "sample");
	put_quoted(fp, lbl);
	fprintf(fp, " noenhanced\nset ylabel ");
	if (*tb->units)
		snprintf(lbl, sizeof lbl, "%s (%s)", series, tb->units);
	else
		snprintf(lbl, sizeof lbl, "%s", series);
	put_quoted(fp, lbl);
	fprintf(fp, " noenhanced\n");
	if (tb->cols > 4) /* a long legend goes beside the plot, not over it */
		fprintf(fp, "set key outside right top\n");
	double lo, hi;
	value_range(tb, &lo, &hi);
	if (want_log(lo, hi))
		fprintf(fp, "set logscale y\n");
	else if (lo == hi)   /* a constant series: a range around it, not gnuplot's warning */
		fprintf(fp, "set yrange [%.10g:%.10g]\n", lo - (lo ? 0.05 * fabs(lo) : 1),
		        hi + (hi ? 0.05 * fabs(hi) : 1));
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
				fprintf(fp, "  dat using 1:%zu with lines lw 2 lc %zu dt %zu title ", b, c + 1,
				        c / 8 + 1); /* 8 colours, then dashes */
			put_quoted(fp, layer == 2 ? (one ? "mean" : colname(tb, c, buf, sizeof buf))
			               : !one ? ""
			               : layer == 0 ? "5-95% of replications" : "95% CI of the mean");
		}
	fprintf(fp, "\n");
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
                       unsigned formats, sim_diag *d)
{
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
	} else if (!(st = write_table(f, series, &tb, dat, d)) &&
	           !(st = write_script(f, series, &tb, gp, formats, d))) {
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
