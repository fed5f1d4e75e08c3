/* compare.c — results files side by side, a scalar across a sweep (compare.h). */
#include "compare.h"

#include <cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/export.h"
#include "analysis/plot.h"
#include "sim/file.h"
#include "sim/rec.h"

h5i *compare_open(const char *path, sim_diag *d)
{
	h5i *f = h5i_open(path, d);
	if (!f)
		return NULL;
	const char *why = !h5i_has_attr(f, "/", "dais_version") ? "no dais_version attribute"
	                : !h5i_is_group(f, "/summary")          ? "no /summary"
	                                                         : NULL;
	if (why) {
		diag_add(d, "%s: not a results file of dais run (%s)", path, why);
		h5i_close(f);
		return NULL;
	}
	return f;
}

/* ---- the scalars --------------------------------------------------------------- */

/* /summary/NAME_STAT; NaN when the file has no such statistic (one from
 * before it was added), *st set when it has one that cannot be read. */
static double read_num(const h5i *f, const char *name, const char *stat, char **units,
                       sim_status *st, sim_diag *d)
{
	char p[600];
	snprintf(p, sizeof p, "/summary/%s_%s", name, stat);
	struct h5i_data x;
	if (*st || !h5i_is_dataset(f, p))
		return NAN;
	if ((*st = h5i_read(f, p, &x, d)))
		return NAN;
	double v = x.n ? x.v[0] : NAN;
	if (units && !*units)
		*units = strdup(x.units);
	h5i_data_release(&x);
	return v;
}

sim_status compare_read_scalar(const h5i *f, const char *name, struct compare_val *v,
                               char **units, sim_diag *d)
{
	char p[600];
	snprintf(p, sizeof p, "/summary/%s_mean", name);
	v->have = h5i_is_dataset(f, p);
	v->mean = v->lo = v->hi = v->n_finite = v->n = NAN;
	size_t dims[2];
	if (v->have && h5i_shape(f, p, dims) != 0)
		v->have = 0; /* a series of that name: no such scalar here */
	if (!v->have)
		return SIM_OK;
	sim_status st = SIM_OK;
	v->mean = read_num(f, name, "mean", units, &st, d);
	v->lo = read_num(f, name, "ci95_lo", NULL, &st, d);
	v->hi = read_num(f, name, "ci95_hi", NULL, &st, d);
	v->n_finite = read_num(f, name, "n_finite", NULL, &st, d);
	v->n = read_num(f, name, "n", NULL, &st, d);
	return st;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void compare_tab_release(struct compare_tab *t)
{
	for (size_t i = 0; t->rows && i < t->nrows; i++) {
		free(t->rows[i].name);
		free(t->rows[i].units);
		free(t->rows[i].v);
	}
	free(t->rows);
	memset(t, 0, sizeof *t);
}

sim_status compare_scalars(h5i *const *files, int n, struct compare_tab *t, sim_diag *d)
{
	memset(t, 0, sizeof *t);
	t->nfiles = n;
	/* the union of the names, sorted, each once */
	char **all = NULL;
	size_t nall = 0;
	sim_status st = SIM_OK;
	for (int i = 0; i < n && !st; i++) {
		char **names = NULL;
		size_t k = 0;
		if ((st = h5i_summary_list(files[i], 1, &names, &k, d)))
			break;
		char **grown = realloc(all, (nall + k + 1) * sizeof *all);
		if (!grown) {
			h5i_names_free(names, k);
			st = SIM_ENOMEM;
			break;
		}
		all = grown;
		memcpy(all + nall, names, k * sizeof *names);
		nall += k;
		free(names); /* the strings now belong to all */
	}
	if (!st && nall)
		qsort(all, nall, sizeof *all, cmp_str);
	size_t u = 0;
	for (size_t i = 0; !st && i < nall; i++) {
		if (u && !strcmp(all[u - 1], all[i]))
			free(all[i]);
		else
			all[u++] = all[i];
	}
	if (st) {
		h5i_names_free(all, nall);
		if (st == SIM_ENOMEM)
			diag_add(d, "out of memory");
		return st;
	}
	t->rows = calloc(u ? u : 1, sizeof *t->rows);
	if (!t->rows) {
		h5i_names_free(all, u);
		diag_add(d, "out of memory");
		return SIM_ENOMEM;
	}
	t->nrows = u;
	for (size_t r = 0; r < u; r++) {
		struct compare_row *row = &t->rows[r];
		row->name = all[r];
		row->units = calloc(1, 1);
		row->v = calloc((size_t)n, sizeof *row->v);
		if (!row->units || !row->v) {
			diag_add(d, "out of memory");
			st = SIM_ENOMEM;
		}
		for (int i = 0; i < n && !st; i++) {
			char *un = NULL; /* the first file that gives units gives them */
			st = compare_read_scalar(files[i], row->name, &row->v[i],
			                         row->units[0] ? NULL : &un, d);
			if (un && *un) {
				free(row->units);
				row->units = un;
			} else {
				free(un);
			}
		}
	}
	free(all);
	if (st)
		compare_tab_release(t);
	return st;
}

int compare_overlap(double alo, double ahi, double blo, double bhi)
{
	if (isnan(alo) || isnan(ahi) || isnan(blo) || isnan(bhi))
		return -1;
	return alo <= bhi && blo <= ahi;
}

/* ---- printing --------------------------------------------------------------------- */

/* The name of file i in the table: A, B, ... Z, then F27, F28, ... */
static void file_letter(int i, char *buf, size_t n)
{
	if (i < 26)
		snprintf(buf, n, "%c", 'A' + i);
	else
		snprintf(buf, n, "F%d", i + 1);
}

/* A grid of malloc'd cells printed with aligned columns. */
struct grid {
	size_t rows, cols;
	char **c;
};

static void SIM_PRINTF(4, 5) cellf(struct grid *g, size_t r, size_t c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	free(g->c[r * g->cols + c]);
	g->c[r * g->cols + c] = s;
}

static void grid_print(const struct grid *g, FILE *out)
{
	size_t *w = calloc(g->cols, sizeof *w);
	if (!w)
		return;
	for (size_t r = 0; r < g->rows; r++)
		for (size_t c = 0; c < g->cols; c++) {
			const char *s = g->c[r * g->cols + c];
			size_t n = s ? strlen(s) : 0;
			w[c] = n > w[c] ? n : w[c];
		}
	for (size_t r = 0; r < g->rows; r++) {
		size_t pad = 0;
		for (size_t c = 0; c < g->cols; c++) {
			const char *s = g->c[r * g->cols + c];
			fprintf(out, "%*s%s", (int)pad, "", s ? s : "");
			pad = w[c] - (s ? strlen(s) : 0) + 2;
		}
		fputc('\n', out);
	}
	free(w);
}

static void grid_release(struct grid *g)
{
	for (size_t i = 0; g->c && i < g->rows * g->cols; i++)
		free(g->c[i]);
	free(g->c);
}

/* A name or unit read from a file, on one line (a line break would start
 * what looks like another row). */
static void one_line(char *s)
{
	for (; s && *s; s++)
		if (*s == '\n' || *s == '\r' || *s == '\t')
			*s = ' ';
}

static void val_cell(struct grid *g, size_t r, size_t c, const struct compare_val *v)
{
	if (!v->have)
		return;
	if (isnan(v->mean))
		cellf(g, r, c, "no finite value");
	else if (isnan(v->lo) || isnan(v->hi))
		cellf(g, r, c, "%.6g", v->mean);
	else
		cellf(g, r, c, "%.6g [%.6g, %.6g]", v->mean, v->lo, v->hi);
}

void compare_print(const struct compare_tab *t, const char *const *labels, FILE *out)
{
	char a[16], x[16];
	for (int i = 0; i < t->nfiles; i++) {
		file_letter(i, a, sizeof a);
		char *l = strdup(labels[i]);
		one_line(l);
		fprintf(out, "%-3s %s\n", a, l ? l : labels[i]);
		free(l);
	}
	fputc('\n', out);
	int nf = t->nfiles;
	struct grid g = { t->nrows + 1, 2 + (size_t)nf + 3 * (size_t)(nf - 1), NULL };
	g.c = calloc(g.rows * g.cols, sizeof *g.c);
	if (!g.c)
		return;
	cellf(&g, 0, 0, "scalar");
	cellf(&g, 0, 1, "units");
	file_letter(0, a, sizeof a);
	for (int i = 0; i < nf; i++) {
		file_letter(i, x, sizeof x);
		cellf(&g, 0, 2 + (size_t)i, "%s mean [95%% CI]", x);
		if (i == 0)
			continue;
		size_t c = 2 + (size_t)nf + 3 * (size_t)(i - 1);
		cellf(&g, 0, c, "%s-%s", x, a);
		cellf(&g, 0, c + 1, "(%s-%s)/|%s|", x, a, a);
		cellf(&g, 0, c + 2, "overlap");
	}
	for (size_t r = 0; r < t->nrows; r++) {
		const struct compare_row *row = &t->rows[r];
		cellf(&g, r + 1, 0, "%s", row->name);
		if (row->units && *row->units)
			cellf(&g, r + 1, 1, "%s", row->units);
		one_line(g.c[(r + 1) * g.cols]);
		one_line(g.c[(r + 1) * g.cols + 1]);
		const struct compare_val *va = &row->v[0];
		for (int i = 0; i < nf; i++) {
			const struct compare_val *vb = &row->v[i];
			val_cell(&g, r + 1, 2 + (size_t)i, vb);
			if (i == 0 || !va->have || !vb->have || isnan(va->mean) || isnan(vb->mean))
				continue;
			size_t c = 2 + (size_t)nf + 3 * (size_t)(i - 1);
			double diff = vb->mean - va->mean;
			cellf(&g, r + 1, c, "%+.6g", diff);
			if (va->mean != 0)
				cellf(&g, r + 1, c + 1, "%+.3g%%", 100 * diff / fabs(va->mean));
			int o = compare_overlap(va->lo, va->hi, vb->lo, vb->hi);
			if (o >= 0)
				cellf(&g, r + 1, c + 2, "%s", o ? "yes" : "no");
		}
	}
	grid_print(&g, out);
	grid_release(&g);
}

static void csv_num(FILE *f, double v)
{
	if (!isnan(v))
		fprintf(f, "%.17g", v);
}

void compare_print_csv(const struct compare_tab *t, const char *const *labels, FILE *out)
{
	fputs("name,file,mean,ci95_lo,ci95_hi,n_finite,n,diff,rel_diff,overlap,unit\n", out);
	for (size_t r = 0; r < t->nrows; r++) {
		const struct compare_row *row = &t->rows[r];
		const struct compare_val *va = &row->v[0];
		for (int i = 0; i < t->nfiles; i++) {
			const struct compare_val *v = &row->v[i];
			export_csv_field(out, row->name);
			fputc(',', out);
			export_csv_field(out, labels[i]);
			double x[5] = { v->mean, v->lo, v->hi, v->n_finite, v->n };
			for (int k = 0; k < 5; k++) {
				fputc(',', out);
				if (v->have)
					csv_num(out, x[k]);
			}
			int both = i > 0 && va->have && v->have && !isnan(va->mean) && !isnan(v->mean);
			double diff = both ? v->mean - va->mean : NAN;
			int o = both ? compare_overlap(va->lo, va->hi, v->lo, v->hi) : -1;
			fputc(',', out);
			csv_num(out, diff);
			fputc(',', out);
			csv_num(out, both && va->mean != 0 ? diff / fabs(va->mean) : NAN);
			fputc(',', out);
			if (o >= 0)
				fputc(o ? '1' : '0', out);
			fputc(',', out);
			export_csv_field(out, row->units ? row->units : "");
			fputc('\n', out);
		}
	}
}

/* ---- figures ------------------------------------------------------------------------- */

/* s, then a line break: a line break in s (a file name, a unit) would end
 * a comment early. */
static void put_line(FILE *fp, const char *s)
{
	for (; *s; s++)
		fputc(*s == '\n' || *s == '\r' ? ' ' : *s, fp);
	fputc('\n', fp);
}

/* "# ", what and s on one line. */
static void comment(FILE *fp, const char *what, const char *s)
{
	fprintf(fp, "# %s", what);
	put_line(fp, s);
}

static void put_quoted(FILE *fp, const char *s)
{
	char *q = plot_gp_string(s);
	fputs(q ? q : "''", fp);
	free(q);
}

static void put_num(FILE *fp, double v)
{
	if (isnan(v))
		fputs(" NaN", fp);
	else
		fprintf(fp, " %.10g", v);
}

/* The terminal lines: the first format before plot, the other one replots. */
static const char *const term[2] = { "pngcairo size 960,600 noenhanced",
                                     "svg size 960,600 dynamic noenhanced" };
static const char *const ext[2] = { "png", "svg" };

static void script_output(FILE *fp, const char *name, int k)
{
	char lbl[600];
	snprintf(lbl, sizeof lbl, "%s.%s", name, ext[k]);
	fprintf(fp, "set terminal %s\nset output ", term[k]);
	put_quoted(fp, lbl);
	fputc('\n', fp);
}

static void script_end(FILE *fp, const char *name, unsigned formats)
{
	if ((formats & PLOT_PNG) && (formats & PLOT_SVG)) {
		script_output(fp, name, 1);
		fprintf(fp, "replot\n");
	}
	fprintf(fp, "set output\n");
}

/* Runs gnuplot on dir/name.gp when draw. */
static sim_status draw_script(const char *dir, const char *name, int draw, sim_diag *d)
{
	if (!draw)
		return SIM_OK;
	char gp[600];
	snprintf(gp, sizeof gp, "%s.gp", name);
	sim_status st = plot_gnuplot(gp, dir, NULL, 0, 0, d);
	if (st)
		diag_add(d, "%s/%s: the figure was not drawn", dir, gp);
	return st;
}

/* One file's series, read for the figure. */
struct fseries {
	struct h5i_data m, lo, hi, t;
	size_t rows, cols;
	int ok;
};

static void fseries_release(struct fseries *s)
{
	h5i_data_release(&s->m);
	h5i_data_release(&s->lo);
	h5i_data_release(&s->hi);
	h5i_data_release(&s->t);
}

static sim_status fseries_load(const h5i *f, const char *series, struct fseries *s, sim_diag *d)
{
	memset(s, 0, sizeof *s);
	char p[600];
	snprintf(p, sizeof p, "/summary/%s_mean", series);
	size_t dims[2];
	if (!h5i_is_dataset(f, p) || h5i_shape(f, p, dims) < 1)
		return SIM_OK; /* not in this file: ok stays 0 */
	sim_status st = h5i_read(f, p, &s->m, d);
	snprintf(p, sizeof p, "/summary/%s_ci95_lo", series);
	if (!st)
		st = h5i_read(f, p, &s->lo, d);
	snprintf(p, sizeof p, "/summary/%s_ci95_hi", series);
	if (!st)
		st = h5i_read(f, p, &s->hi, d);
	if (!st && (s->lo.n != s->m.n || s->hi.n != s->m.n)) {
		diag_add(d, "%s: /summary/%s_*: shapes differ from the mean's", h5i_name(f), series);
		st = SIM_EINVAL;
	}
	if (st) {
		fseries_release(s);
		return st;
	}
	s->rows = s->m.dims[0];
	s->cols = s->m.rank == 2 ? s->m.dims[1] : 1;
	if (h5i_is_dataset(f, "/summary/time") && h5i_read(f, "/summary/time", &s->t, NULL) == SIM_OK &&
	    s->t.n != s->rows)
		h5i_data_release(&s->t); /* not this series' axis: row numbers */
	s->ok = 1;
	return SIM_OK;
}

sim_status compare_series(h5i *const *files, const char *const *labels, int n,
                          const char *series, const char *dir, unsigned formats, int draw,
                          sim_diag *d)
{
	if (!rec_valid_name(series)) { /* it names files in dir */
		diag_add(d, "a series name is not [A-Za-z0-9_]+; not drawn");
		return SIM_EINVAL;
	}
	struct fseries *s = calloc((size_t)n, sizeof *s);
	if (!s) {
		diag_add(d, "out of memory");
		return SIM_ENOMEM;
	}
	sim_status st = SIM_OK;
	int have = 0, first = -1;
	for (int i = 0; i < n && !st; i++) {
		st = fseries_load(files[i], series, &s[i], d);
		if (!st && !s[i].ok)
			diag_add(d, "%s: no summary of series '%s'; left out of its figure", labels[i],
			         series);
		if (s[i].ok && first < 0)
			first = i;
		have += s[i].ok;
	}
	if (!st && !have) {
		diag_add(d, "no file has a summary of series '%s'", series);
		st = SIM_EINVAL;
	}
	char path[4096];
	struct file_atomic a;
	if (!st) {
		snprintf(path, sizeof path, "%s/%s.dat", dir, series);
		st = file_atomic_open(&a, path, d);
	}
	if (!st) {
		FILE *fp = a.f;
		fprintf(fp, "# dais compare: /summary/%s_{mean,ci95_lo,ci95_hi}, one block per file "
		            "and column\n# columns: t mean ci95_lo ci95_hi\n", series);
		int block = 0;
		for (int i = 0; i < n; i++)
			for (size_t c = 0; s[i].ok && c < s[i].cols; c++) {
				if (block)
					fputs("\n\n", fp); /* two blank lines: the next gnuplot index */
				fprintf(fp, "# block %d, file ", block);
				put_line(fp, labels[i]);
				if (s[i].m.columns && c < s[i].m.ncolumns)
					comment(fp, "column ", s[i].m.columns[c]);
				for (size_t r = 0; r < s[i].rows; r++) {
					put_num(fp, s[i].t.n ? s[i].t.v[r] : (double)r);
					put_num(fp, s[i].m.v[r * s[i].cols + c]);
					put_num(fp, s[i].lo.v[r * s[i].cols + c]);
					put_num(fp, s[i].hi.v[r * s[i].cols + c]);
					fputc('\n', fp);
				}
				block++;
			}
		st = file_atomic_commit(&a, d);
	}
	if (!st) {
		snprintf(path, sizeof path, "%s/%s.gp", dir, series);
		st = file_atomic_open(&a, path, d);
	}
	if (!st) {
		FILE *fp = a.f;
		const struct fseries *f0 = &s[first];
		char lbl[600];
		fprintf(fp, "# generated by `dais compare`\n# edit and re-run in this directory: "
		            "gnuplot %s.gp\n", series);
		fprintf(fp, "set datafile missing 'NaN'\nset grid\nset key top left noenhanced\n"
		            "set autoscale xfix\nset title ");
		put_quoted(fp, series);
		fprintf(fp, ".\"\\n\".'mean and 95%% CI of the mean' noenhanced\nset xlabel ");
		snprintf(lbl, sizeof lbl, "t (%s)", f0->t.n ? f0->t.units : "sample");
		put_quoted(fp, lbl);
		fprintf(fp, " noenhanced\nset ylabel ");
		if (*f0->m.units)
			snprintf(lbl, sizeof lbl, "%s (%s)", series, f0->m.units);
		else
			snprintf(lbl, sizeof lbl, "%s", series);
		put_quoted(fp, lbl);
		fprintf(fp, " noenhanced\n");
		if (have > 4 || f0->cols > 1)
			fprintf(fp, "set key outside right top\n");
		snprintf(lbl, sizeof lbl, "%s.dat", series);
		fprintf(fp, "dat = ");
		put_quoted(fp, lbl);
		fputc('\n', fp);
		script_output(fp, series, formats & PLOT_PNG ? 0 : 1);
		fprintf(fp, "plot \\\n");
		/* bands first, so that no line is hidden */
		const char *sep = "";
		for (int layer = 0; layer < 2; layer++) {
			int block = 0, nth = 0;
			for (int i = 0; i < n; nth += s[i].ok, i++) {
				for (size_t c = 0; s[i].ok && c < s[i].cols; c++, block++) {
					/* a 2-D series: a colour per column, a dash per file */
					int colour = s[i].cols > 1 ? (int)c : nth;
					int dash = s[i].cols > 1 ? nth : colour / 8;
					fprintf(fp, "%s", sep);
					sep = ", \\\n";
					if (layer == 0) {
						fprintf(fp, "  dat index %d using 1:3:4 with filledcurves lc %d "
						            "fs transparent solid 0.2 noborder notitle", block,
						        colour % 8 + 1);
						continue;
					}
					fprintf(fp, "  dat index %d using 1:2 with lines lw 2 lc %d dt %d title ",
					        block, colour % 8 + 1, dash % 5 + 1);
					if (s[i].cols > 1) {
						snprintf(lbl, sizeof lbl, "%s: %s", labels[i],
						         s[i].m.columns && c < s[i].m.ncolumns ? s[i].m.columns[c] : "");
						put_quoted(fp, lbl);
					} else {
						put_quoted(fp, labels[i]);
					}
				}
			}
		}
		fprintf(fp, "\n");
		script_end(fp, series, formats);
		st = file_atomic_commit(&a, d);
	}
	if (!st)
		st = draw_script(dir, series, draw, d);
	for (int i = 0; i < n; i++)
		fseries_release(&s[i]);
	free(s);
	return st;
}

/* ---- sweeps ------------------------------------------------------------------------- */

void compare_sweep_release(struct compare_sweep *s)
{
	for (int k = 0; s->labels && k < s->nparams; k++)
		free(s->labels[k]);
	for (int i = 0; s->cells && i < s->npoints * s->nparams; i++)
		free(s->cells[i]);
	for (int i = 0; s->status && i < s->npoints; i++)
		free(s->status[i]);
	free(s->labels);
	free(s->cells);
	free(s->status);
	free(s->x);
	free(s->xlabel);
	free(s->units);
	free(s->v);
	memset(s, 0, sizeof *s);
}

/* A value of the index as text: a string as it is, anything else as JSON. */
static char *value_text(const cJSON *v)
{
	if (!v)
		return strdup("");
	if (cJSON_IsString(v))
		return strdup(v->valuestring);
	return cJSON_PrintUnformatted(v);
}

/* A file name the index gives: a plain name in the sweep's folder. */
static int plain_name(const char *s)
{
	return *s && *s != '.' && !strchr(s, '/') && !strchr(s, '\\');
}

sim_status compare_sweep_load(const char *dir, const char *scalar, struct compare_sweep *s,
                              sim_diag *d)
{
	memset(s, 0, sizeof *s);
	char path[4096];
	snprintf(path, sizeof path, "%s/index.json", dir);
	char *text = NULL;
	size_t len;
	if (file_read(path, FILE_MAX_TEXT, &text, &len, d) != SIM_OK)
		return SIM_EINVAL;
	cJSON *root = cJSON_Parse(text);
	free(text);
	const cJSON *params = cJSON_GetObjectItemCaseSensitive(root, "parameters");
	const cJSON *points = cJSON_GetObjectItemCaseSensitive(root, "points");
	const cJSON *mode = cJSON_GetObjectItemCaseSensitive(root, "mode");
	if (!cJSON_IsObject(root) || !cJSON_IsArray(params) || !cJSON_IsArray(points)) {
		diag_add(d, "%s: $: expected the index of dais sweep (parameters, points), got %s", path,
		         !root ? "text that is not JSON" : "other JSON");
		cJSON_Delete(root);
		return SIM_EINVAL;
	}
	s->nparams = cJSON_GetArraySize(params);
	s->npoints = cJSON_GetArraySize(points);
	s->labels = calloc((size_t)s->nparams + 1, sizeof *s->labels);
	s->cells = calloc((size_t)s->npoints * (size_t)s->nparams + 1, sizeof *s->cells);
	s->status = calloc((size_t)s->npoints + 1, sizeof *s->status);
	s->x = calloc((size_t)s->npoints + 1, sizeof *s->x);
	s->v = calloc((size_t)s->npoints + 1, sizeof *s->v);
	s->units = calloc(1, 1);
	sim_status st = s->labels && s->cells && s->status && s->x && s->v && s->units
	                    ? SIM_OK : SIM_ENOMEM;
	char **paths = calloc((size_t)s->nparams + 1, sizeof *paths);
	if (!paths)
		st = SIM_ENOMEM;
	for (int k = 0; k < s->nparams && !st; k++) {
		const cJSON *p = cJSON_GetArrayItem(params, k);
		const cJSON *pp = cJSON_GetObjectItemCaseSensitive(p, "path");
		const cJSON *pl = cJSON_GetObjectItemCaseSensitive(p, "label");
		if (!cJSON_IsString(pp)) {
			diag_add(d, "%s: $.parameters[%d].path: expected string, got %s", path, k,
			         pp ? "another type" : "nothing");
			st = SIM_EINVAL;
			break;
		}
		paths[k] = pp->valuestring;
		s->labels[k] = strdup(cJSON_IsString(pl) ? pl->valuestring : pp->valuestring);
		one_line(s->labels[k]);
	}
	/* one numeric parameter of a grid: the figure's x is its value */
	int one_d = !st && s->nparams == 1 && !(cJSON_IsString(mode) &&
	                                          !strcmp(mode->valuestring, "oat"));
	int found = 0;
	for (int i = 0; i < s->npoints && !st; i++) {
		const cJSON *pt = cJSON_GetArrayItem(points, i);
		const cJSON *vals = cJSON_GetObjectItemCaseSensitive(pt, "values");
		const cJSON *file = cJSON_GetObjectItemCaseSensitive(pt, "file");
		const cJSON *stat = cJSON_GetObjectItemCaseSensitive(pt, "status");
		s->status[i] = strdup(cJSON_IsString(stat) ? stat->valuestring : "?");
		one_line(s->status[i]);
		s->x[i] = i;
		for (int k = 0; k < s->nparams; k++) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(vals, paths[k]);
			s->cells[i * s->nparams + k] = value_text(v);
			one_line(s->cells[i * s->nparams + k]);
			if (one_d && cJSON_IsNumber(v))
				s->x[i] = v->valuedouble;
			else
				one_d = 0;
		}
		s->v[i].mean = s->v[i].lo = s->v[i].hi = s->v[i].n_finite = s->v[i].n = NAN;
		if (!cJSON_IsString(stat) || strcmp(stat->valuestring, "done"))
			continue;
		if (!cJSON_IsString(file) || !plain_name(file->valuestring)) {
			diag_add(d, "%s: $.points[%d].file: expected a file name in %s, got %s", path, i,
			         dir, cJSON_IsString(file) ? "a path" : "no string");
			st = SIM_EINVAL;
			break;
		}
		char fp[4096];
		snprintf(fp, sizeof fp, "%s/%s", dir, file->valuestring);
		h5i *f = compare_open(fp, d);
		if (!f) {
			st = SIM_EINVAL;
			break;
		}
		char *un = NULL;
		st = compare_read_scalar(f, scalar, &s->v[i], s->units[0] ? NULL : &un, d);
		if (un && *un) {
			free(s->units);
			s->units = un;
		} else {
			free(un);
		}
		found += s->v[i].have;
		h5i_close(f);
	}
	if (!one_d) /* x is the point index, whatever the first points looked like */
		for (int i = 0; i < s->npoints; i++)
			s->x[i] = i;
	if (!st && !(s->xlabel = strdup(one_d ? s->labels[0] : "point")))
		st = SIM_ENOMEM;
	if (!st && !found) {
		diag_add(d, "%s: no point that is done has a summary scalar '%s'", path, scalar);
		st = SIM_EINVAL;
	}
	if (st == SIM_ENOMEM)
		diag_add(d, "out of memory");
	free(paths);
	cJSON_Delete(root);
	if (st)
		compare_sweep_release(s);
	return st;
}

void compare_sweep_print(const struct compare_sweep *s, const char *scalar, int csv, FILE *out)
{
	static const char *const stat[] = { "mean", "ci95_lo", "ci95_hi", "n_finite" };
	if (csv) {
		fputs("point", out);
		for (int k = 0; k < s->nparams; k++) {
			fputc(',', out);
			export_csv_field(out, s->labels[k]);
		}
		for (int j = 0; j < 4; j++)
			fprintf(out, ",%s_%s", scalar, stat[j]);
		fputs(",status,unit\n", out);
		for (int i = 0; i < s->npoints; i++) {
			fprintf(out, "%d", i);
			for (int k = 0; k < s->nparams; k++) {
				fputc(',', out);
				export_csv_field(out, s->cells[i * s->nparams + k]);
			}
			const struct compare_val *v = &s->v[i];
			double x[4] = { v->mean, v->lo, v->hi, v->n_finite };
			for (int j = 0; j < 4; j++) {
				fputc(',', out);
				csv_num(out, x[j]);
			}
			fputc(',', out);
			export_csv_field(out, s->status[i]);
			fputc(',', out);
			export_csv_field(out, s->units);
			fputc('\n', out);
		}
		return;
	}
	struct grid g = { (size_t)s->npoints + 1, (size_t)s->nparams + 6, NULL };
	g.c = calloc(g.rows * g.cols, sizeof *g.c);
	if (!g.c)
		return;
	size_t c0 = (size_t)s->nparams + 1;
	cellf(&g, 0, 0, "point");
	for (int k = 0; k < s->nparams; k++)
		cellf(&g, 0, (size_t)k + 1, "%s", s->labels[k]);
	cellf(&g, 0, c0, "%s", scalar);
	cellf(&g, 0, c0 + 1, "ci95_lo");
	cellf(&g, 0, c0 + 2, "ci95_hi");
	cellf(&g, 0, c0 + 3, "n_finite");
	cellf(&g, 0, c0 + 4, "status");
	for (int i = 0; i < s->npoints; i++) {
		size_t r = (size_t)i + 1;
		cellf(&g, r, 0, "%d", i);
		for (int k = 0; k < s->nparams; k++)
			cellf(&g, r, (size_t)k + 1, "%s", s->cells[i * s->nparams + k]);
		const struct compare_val *v = &s->v[i];
		double x[4] = { v->mean, v->lo, v->hi, v->n_finite };
		for (int j = 0; j < 4 && v->have; j++)
			if (!isnan(x[j]))
				cellf(&g, r, c0 + (size_t)j, j == 3 ? "%.0f" : "%.6g", x[j]);
		cellf(&g, r, c0 + 4, "%s", s->status[i]);
	}
	if (*s->units)
		fprintf(out, "# %s in %s\n", scalar, s->units);
	grid_print(&g, out);
	grid_release(&g);
}

sim_status compare_sweep_figure(const struct compare_sweep *s, const char *sweep_dir,
                                const char *scalar, const char *dir, unsigned formats,
                                int draw, sim_diag *d)
{
	if (!rec_valid_name(scalar)) { /* it names files in dir */
		diag_add(d, "a scalar name is not [A-Za-z0-9_]+; not drawn");
		return SIM_EINVAL;
	}
	char path[4096], lbl[600];
	struct file_atomic a;
	snprintf(path, sizeof path, "%s/%s.dat", dir, scalar);
	sim_status st = file_atomic_open(&a, path, d);
	if (st)
		return st;
	FILE *fp = a.f;
	comment(fp, "dais compare: summary scalar of each point of the sweep in ", sweep_dir);
	comment(fp, "columns: x mean ci95_lo ci95_hi point; x is ", s->xlabel);
	for (int i = 0; i < s->npoints; i++) {
		if (!s->v[i].have)
			continue;
		put_num(fp, s->x[i]);
		put_num(fp, s->v[i].mean);
		put_num(fp, s->v[i].lo);
		put_num(fp, s->v[i].hi);
		fprintf(fp, " %d\n", i);
	}
	if ((st = file_atomic_commit(&a, d)))
		return st;
	snprintf(path, sizeof path, "%s/%s.gp", dir, scalar);
	if ((st = file_atomic_open(&a, path, d)))
		return st;
	fp = a.f;
	fprintf(fp, "# generated by `dais compare --sweep`\n# edit and re-run in this directory: "
	            "gnuplot %s.gp\n", scalar);
	fprintf(fp, "set datafile missing 'NaN'\nset grid\nset key top left noenhanced\n"
	            "set offsets graph 0.03, graph 0.03, graph 0.05, graph 0.05\nset title ");
	put_quoted(fp, scalar);
	fprintf(fp, ".\"\\n\".'mean and 95%% CI of the mean per point' noenhanced\nset xlabel ");
	put_quoted(fp, s->xlabel);
	fprintf(fp, " noenhanced\nset ylabel ");
	if (*s->units)
		snprintf(lbl, sizeof lbl, "%s (%s)", scalar, s->units);
	else
		snprintf(lbl, sizeof lbl, "%s", scalar);
	put_quoted(fp, lbl);
	fprintf(fp, " noenhanced\n");
	if (strcmp(s->xlabel, "point") == 0 && s->npoints <= 40) /* whole points, while legible */
		fprintf(fp, "set xtics 1\n");
	snprintf(lbl, sizeof lbl, "%s.dat", scalar);
	fprintf(fp, "dat = ");
	put_quoted(fp, lbl);
	fputc('\n', fp);
	script_output(fp, scalar, formats & PLOT_PNG ? 0 : 1);
	/* no interval (one replication): the error bars are simply absent */
	fprintf(fp, "plot \\\n  dat using 1:2:3:4 with yerrorbars lc 1 pt 7 ps 0.8 "
	            "title '95%% CI of the mean', \\\n  dat using 1:2 with lines lw 2 lc 1 "
	            "title 'mean'\n");
	script_end(fp, scalar, formats);
	if ((st = file_atomic_commit(&a, d)))
		return st;
	return draw_script(dir, scalar, draw, d);
}
