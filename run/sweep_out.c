/* sweep_out.c — what a sweep writes beside its point files (run/sweep.h):
 * index.csv and index.json, rewritten after every window of points, and for
 * a one-at-a-time design tornado.csv, tornado_NAME.dat and the figures drawn
 * from them by analysis/plots/fig_tornado.gp.  Every file is written
 * atomically (sim/file.h); gnuplot runs through plot_gnuplot.
 */
#include "sweep_int.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "analysis/export.h"
#include "analysis/plot.h"
#include "h5/h5i.h"
#include "sim/file.h"
#include "sim/spawn.h"

/* ------------------------------------------------------------ the index */

/* A value's JSON text as a table cell: strings without their quotes. */
static void cell_text(const char *json, char *buf, size_t n)
{
	cJSON *v = cJSON_Parse(json);
	if (v && cJSON_IsString(v))
		snprintf(buf, n, "%s", v->valuestring);
	else
		snprintf(buf, n, "%s", json);
	cJSON_Delete(v);
}

/* Value text of parameter k at point i. */
static const char *point_value(const sweep *w, int i, int k)
{
	int v = sweep_point_value(w, i, k);
	const struct sweep_param *p = &w->params[k];
	return v >= 0 ? p->values[v] : p->base ? p->base : "null";
}

/* Reads /summary/NAME_{mean,ci95_lo,ci95_hi,n_finite}. */
static void read_ostat(const h5i *f, const char *name, struct sweep_ostat *o)
{
	const char *what[4] = { "mean", "ci95_lo", "ci95_hi", "n_finite" };
	double *dst[4] = { &o->mean, &o->lo, &o->hi, &o->n };
	for (int i = 0; i < 4; i++) {
		char p[512];
		struct h5i_data x;
		*dst[i] = NAN;
		snprintf(p, sizeof p, "/summary/%s_%s", name, what[i]);
		if (f && h5i_exists(f, p) && h5i_read(f, p, &x, NULL) == SIM_OK) {
			if (x.n >= 1)
				*dst[i] = x.v[0];
			h5i_data_release(&x);
		}
	}
}

/* The outputs to tabulate: the file's list, or every scalar of the first
 * point done. *names is malloc'd (strings owned by w or by *own). */
static int list_outputs(const sweep *w, const char *dir, const int *status, char ***own,
                        size_t *nown)
{
	*own = NULL;
	*nown = 0;
	if (w->noutputs)
		return w->noutputs;
	for (int i = 0; i < w->npoints; i++) {
		if (status[i] != SWEEP_DONE)
			continue;
		char p[PATH_MAX], fn[32];
		sweep_point_file(i, fn, sizeof fn);
		snprintf(p, sizeof p, "%s/%s", dir, fn);
		h5i *f = h5i_open(p, NULL);
		if (!f)
			continue;
		if (h5i_summary_list(f, 1, own, nown, NULL) != SIM_OK) {
			*own = NULL;
			*nown = 0;
		}
		h5i_close(f);
		break;
	}
	return (int)*nown;
}

const char *sweep_status_name(int s)
{
	return s == SWEEP_DONE ? "done" : s == SWEEP_FAILED ? "failed" : "pending";
}

static cJSON *num_or_null(double x)
{
	return isfinite(x) ? cJSON_CreateNumber(x) : cJSON_CreateNull();
}

/* The outputs of point i (NaN unless done), from the cache or its file. */
static void point_outputs(const sweep *w, const char *dir, const int *status, int i, int nout,
                          const char *const *outs, struct sweep_ostat *row)
{
	struct sweep_ocache *c = w->cache;
	if (c->nout != nout || !c->v) {
		free(c->v);
		free(c->have);
		c->v = calloc((size_t)w->npoints * (size_t)(nout ? nout : 1), sizeof *c->v);
		c->have = calloc((size_t)w->npoints, 1);
		c->nout = nout;
		if (!c->v || !c->have) {
			free(c->v);
			free(c->have);
			c->v = NULL;
			c->have = NULL;
		}
	}
	if (c->have && c->have[i] && status[i] == SWEEP_DONE) {
		memcpy(row, c->v + (size_t)i * nout, (size_t)nout * sizeof *row);
		return;
	}
	h5i *hf = NULL;
	if (status[i] == SWEEP_DONE) {
		char fn[32], p[PATH_MAX];
		sweep_point_file(i, fn, sizeof fn);
		snprintf(p, sizeof p, "%s/%s", dir, fn);
		hf = h5i_open(p, NULL);
	}
	for (int j = 0; j < nout; j++)
		read_ostat(hf, outs[j], &row[j]);
	if (hf && c->have) {
		memcpy(c->v + (size_t)i * nout, row, (size_t)nout * sizeof *row);
		c->have[i] = 1;
	}
	h5i_close(hf);
}

/* index.json without its points: the sweep, its design, the outputs. */
static cJSON *index_json_head(const sweep *w, const char *const *outs, int nout)
{
	cJSON *root = cJSON_CreateObject(), *jp = cJSON_CreateArray(), *jo = cJSON_CreateArray();
	if (!root || !jp || !jo) {
		cJSON_Delete(root);
		cJSON_Delete(jp);
		cJSON_Delete(jo);
		return NULL;
	}
	cJSON_AddStringToObject(root, "sweep", w->name);
	cJSON_AddStringToObject(root, "description", w->desc);
	cJSON_AddStringToObject(root, "scenario", w->scenario);
	cJSON_AddStringToObject(root, "mode", w->mode == SWEEP_OAT ? "oat" : "grid");
	cJSON *js = cJSON_AddArrayToObject(root, "set");
	for (int i = 0; js && i < w->nsets; i++)
		cJSON_AddItemToArray(js, cJSON_CreateString(w->sets[i]));
	for (int k = 0; k < w->nparams; k++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "path", w->params[k].path);
		cJSON_AddStringToObject(o, "label", w->params[k].label);
		cJSON *vs = cJSON_AddArrayToObject(o, w->mode == SWEEP_OAT ? "low_high" : "values");
		for (int j = 0; vs && j < w->params[k].nvalues; j++)
			cJSON_AddItemToArray(vs, cJSON_Parse(w->params[k].values[j]));
		if (w->params[k].base)
			cJSON_AddItemToObject(o, "baseline", cJSON_Parse(w->params[k].base));
		cJSON_AddItemToArray(jp, o);
	}
	cJSON_AddItemToObject(root, "parameters", jp);
	for (int i = 0; i < nout; i++)
		cJSON_AddItemToArray(jo, cJSON_CreateString(outs[i]));
	cJSON_AddItemToObject(root, "outputs", jo);
	return root;
}

/* The header line of index.csv. */
static void index_csv_head(FILE *f, const sweep *w, const char *const *outs, int nout)
{
	fputs("point", f);
	for (int k = 0; k < w->nparams; k++) {
		fputc(',', f);
		export_csv_field(f, w->params[k].label);
	}
	fputs(",file,status", f);
	for (int i = 0; i < nout; i++)
		fprintf(f, ",%s_mean,%s_ci95_lo,%s_ci95_hi,%s_n", outs[i], outs[i], outs[i], outs[i]);
	fputc('\n', f);
}

/* Point i: its line of index.csv (to f) and its entry of index.json
 * (returned; NULL when out of memory).  row: its outputs. */
static cJSON *index_point(FILE *f, const sweep *w, int i, const int *status,
                          const char *const *outs, int nout, const struct sweep_ostat *row)
{
	char fn[32], cell[512];
	sweep_point_file(i, fn, sizeof fn);
	cJSON *pt = cJSON_CreateObject(), *vals = cJSON_CreateObject(), *os = cJSON_CreateObject();
	cJSON_AddNumberToObject(pt, "point", i);
	fprintf(f, "%d", i);
	for (int k = 0; k < w->nparams; k++) {
		const char *v = point_value(w, i, k);
		cell_text(v, cell, sizeof cell);
		fputc(',', f);
		export_csv_field(f, cell);
		cJSON_AddItemToObject(vals, w->params[k].path, cJSON_Parse(v));
	}
	cJSON_AddItemToObject(pt, "values", vals);
	if (w->mode == SWEEP_OAT) {
		int k = i == 0 ? -1 : (i - 1) / 2;
		cJSON_AddStringToObject(pt, "role", i == 0 ? "baseline" : (i - 1) % 2 ? "high" : "low");
		if (k >= 0)
			cJSON_AddStringToObject(pt, "parameter", w->params[k].path);
	}
	cJSON_AddStringToObject(pt, "file", fn);
	cJSON_AddStringToObject(pt, "status", sweep_status_name(status[i]));
	fprintf(f, ",%s,%s", fn, sweep_status_name(status[i]));
	for (int j = 0; j < nout; j++) {
		struct sweep_ostat o = row[j];
		fprintf(f, ",%.17g,%.17g,%.17g,%.17g", o.mean, o.lo, o.hi, o.n);
		cJSON *x = cJSON_CreateObject();
		cJSON_AddItemToObject(x, "mean", num_or_null(o.mean));
		cJSON_AddItemToObject(x, "ci95_lo", num_or_null(o.lo));
		cJSON_AddItemToObject(x, "ci95_hi", num_or_null(o.hi));
		cJSON_AddItemToObject(x, "n", num_or_null(o.n));
		cJSON_AddItemToObject(os, outs[j], x);
	}
	cJSON_AddItemToObject(pt, "outputs", os);
	fputc('\n', f);
	return pt;
}

/* text and a line break to path, atomically. */
static sim_status write_text(const char *path, const char *text, sim_diag *d)
{
	struct file_atomic a;
	sim_status st = file_atomic_open(&a, path, d);
	if (st != SIM_OK)
		return st;
	fputs(text, a.f);
	fputc('\n', a.f);
	return file_atomic_commit(&a, d);
}

/* The file's outputs against the scalars of the first point done: a name
 * that is not one would fill its columns with NaN for the whole sweep, so it
 * is an error as soon as one point has run (the index is still written). */
static sim_status check_outputs(const sweep *w, const char *dir, const int *status,
                                sim_diag *d)
{
	int first = 0;
	while (first < w->npoints && status[first] != SWEEP_DONE)
		first++;
	if (w->noutputs == 0 || first == w->npoints)
		return SIM_OK;
	char fn[32], p[PATH_MAX];
	sweep_point_file(first, fn, sizeof fn);
	snprintf(p, sizeof p, "%s/%s", dir, fn);
	h5i *f = h5i_open(p, NULL);
	char **names = NULL;
	size_t n = 0;
	if (!f || h5i_summary_list(f, 1, &names, &n, NULL)) {
		h5i_close(f);
		return SIM_OK; /* the point's own error says why */
	}
	sim_status st = SIM_OK;
	for (int j = 0; j < w->noutputs; j++) {
		size_t k = 0;
		while (k < n && strcmp(names[k], w->outputs[j]))
			k++;
		if (k < n)
			continue;
		char some[512] = "";
		for (size_t m = 0, at = 0; m < n && m < 12 && at < sizeof some; m++)
			at += (size_t)snprintf(some + at, sizeof some - at, "%s%s", m ? ", " : "",
			                       names[m]);
		diag_add(d, "%s: $.outputs[%d]: expected a summary scalar of the runs, got '%.64s' "
		         "(%s has %zu: %s%s)", w->name, j, w->outputs[j], fn, n, some,
		         n > 12 ? ", ..." : "");
		st = SIM_EINVAL;
	}
	h5i_names_free(names, n);
	h5i_close(f);
	return st;
}

sim_status sweep_write_index(const sweep *w, const char *dir, const int *status, sim_diag *d)
{
	sim_status named = check_outputs(w, dir, status, d);
	char **own;
	size_t nown;
	int nout = list_outputs(w, dir, status, &own, &nown);
	const char *const *outs = own ? (const char *const *)own : (const char *const *)w->outputs;
	char path[PATH_MAX], jpath[PATH_MAX];
	snprintf(path, sizeof path, "%s/index.csv", dir);
	snprintf(jpath, sizeof jpath, "%s/index.json", dir);
	struct file_atomic a;
	sim_status st = file_atomic_open(&a, path, d);
	cJSON *root = NULL, *pts = NULL;
	struct sweep_ostat *row = NULL;
	if (st == SIM_OK && (!(root = index_json_head(w, outs, nout)) ||
	                     !(pts = cJSON_CreateArray()) ||
	                     !(row = malloc(((size_t)nout + 1) * sizeof *row)))) {
		file_atomic_abort(&a);
		st = SIM_ENOMEM;
	}
	if (st != SIM_OK) {
		free(row);
		cJSON_Delete(root);
		cJSON_Delete(pts);
		h5i_names_free(own, nown);
		return st;
	}
	index_csv_head(a.f, w, outs, nout);
	h5i_quiet();
	for (int i = 0; i < w->npoints; i++) {
		point_outputs(w, dir, status, i, nout, outs, row);
		cJSON_AddItemToArray(pts, index_point(a.f, w, i, status, outs, nout, row));
	}
	free(row);
	cJSON_AddItemToObject(root, "points", pts);
	st = file_atomic_commit(&a, d);
	char *js_text = cJSON_Print(root);
	cJSON_Delete(root);
	h5i_names_free(own, nown);
	if (!js_text)
		return st == SIM_OK ? SIM_ENOMEM : st;
	if (st == SIM_OK)
		st = write_text(jpath, js_text, d);
	free(js_text);
	return st ? st : named;
}

/* ---------------------------------------------------------- the tornado */

struct trow {
	int k;
	double lo, hi, swing;
};

static int trow_cmp(const void *a, const void *b)
{
	const struct trow *x = a, *y = b;
	int nx = isnan(x->swing), ny = isnan(y->swing);
	if (nx != ny)
		return nx - ny;
	if (!nx && x->swing != y->swing)
		return x->swing > y->swing ? -1 : 1;
	return x->k - y->k; /* stable: file order among equals */
}

static double point_mean(const char *dir, const int *status, int i, const char *out)
{
	if (status[i] != SWEEP_DONE)
		return NAN;
	char fn[32], p[PATH_MAX];
	sweep_point_file(i, fn, sizeof fn);
	snprintf(p, sizeof p, "%s/%s", dir, fn);
	h5i *f = h5i_open(p, NULL);
	struct sweep_ostat o;
	read_ostat(f, out, &o);
	h5i_close(f);
	return o.mean;
}

/* Output out at the baseline (returned) and at each parameter's low and high
 * value, rows sorted by swing, largest first. */
static double tornado_rows(const sweep *w, const char *dir, const int *status, const char *out,
                           struct trow *rows)
{
	double y0 = point_mean(dir, status, 0, out);
	for (int k = 0; k < w->nparams; k++) {
		rows[k].k = k;
		rows[k].lo = point_mean(dir, status, 1 + 2 * k, out);
		rows[k].hi = point_mean(dir, status, 2 + 2 * k, out);
		rows[k].swing = fabs(rows[k].hi - rows[k].lo);
	}
	qsort(rows, (size_t)w->nparams, sizeof *rows, trow_cmp);
	return y0;
}

/* The lines of output out in tornado.csv (to csv) and its table, dpath. */
static sim_status tornado_write(const sweep *w, FILE *csv, const char *dpath, const char *out,
                                double y0, const struct trow *rows, sim_diag *d)
{
	struct file_atomic g;
	sim_status st = file_atomic_open(&g, dpath, d);
	if (st != SIM_OK)
		return st;
	fprintf(g.f, "# tornado of %s: one-at-a-time sensitivity (dais sensitivity %s)\n"
	             "# output at the baseline: %.17g\n"
	             "# rank label low_value high_value output_low output_high output_baseline swing\n",
	        out, w->name, y0);
	for (int r = 0; r < w->nparams; r++) {
		const struct sweep_param *p = &w->params[rows[r].k];
		char lo[256], hi[256], b[256];
		cell_text(p->values[0], lo, sizeof lo);
		cell_text(p->values[1], hi, sizeof hi);
		cell_text(p->base ? p->base : "null", b, sizeof b);
		export_csv_field(csv, out);
		fputc(',', csv);
		export_csv_field(csv, p->label);
		fputc(',', csv);
		export_csv_field(csv, lo);
		fputc(',', csv);
		export_csv_field(csv, hi);
		fputc(',', csv);
		export_csv_field(csv, b);
		fprintf(csv, ",%.17g,%.17g,%.17g,%.17g\n", y0, rows[r].lo, rows[r].hi, rows[r].swing);
		/* rank counts from the bottom, so the widest bar is drawn on top */
		char lab[600];
		snprintf(lab, sizeof lab, "%s (%s .. %s)", p->label, lo, hi);
		fprintf(g.f, "%d \"", w->nparams - r);
		for (const char *c = lab; *c; c++)
			if (*c != '"')
				fputc(*c, g.f);
		fprintf(g.f, "\" \"%s\" \"%s\" %.17g %.17g %.17g %.17g\n", lo, hi, rows[r].lo,
		        rows[r].hi, y0, rows[r].swing);
	}
	return file_atomic_commit(&g, d);
}

/* Draws outbase.png and .pdf (or .svg) from the table dat, unless the output
 * is NaN nearly everywhere.  A figure that cannot be drawn is a remark on
 * stderr (none when quiet), never an error: the tables are the results. */
static void tornado_draw(const sweep *w, const struct trow *rows, double y0, const char *dat,
                         const char *outbase, const char *out, int quiet)
{
	int finite = isfinite(y0);
	for (int r = 0; r < w->nparams; r++)
		finite += isfinite(rows[r].lo) + isfinite(rows[r].hi);
	if (finite <= 1) {
		if (!quiet)
			fprintf(stderr, "dais: %s is NaN at every point; no figure\n", out);
		return;
	}
	char script[PATH_MAX];
	if (!plot_script_path(script, sizeof script, "fig_tornado.gp")) {
		if (!quiet)
			fprintf(stderr, "dais: analysis/plots/fig_tornado.gp not found; no figure\n");
		return;
	}
	/* the names go in as gnuplot strings, never as script text */
	const struct plot_var vars[] = {
		{ .name = "datafile", .value = dat },
		{ .name = "outbase", .value = outbase },
		{ .name = "figtitle", .value = out },
	};
	sim_diag pd;
	diag_init(&pd);
	if (plot_gnuplot(script, NULL, vars, 3, quiet, &pd) != SIM_OK && !quiet)
		for (int m = 0; m < pd.n; m++)
			fprintf(stderr, "dais: %s: %s\n", dat, pd.msg[m]);
	diag_release(&pd);
}

sim_status sweep_write_tornado(const sweep *w, const char *dir, const int *status, int quiet,
                               sim_diag *d)
{
	if (w->mode != SWEEP_OAT)
		return SIM_OK;
	char **own;
	size_t nown;
	int nout = list_outputs(w, dir, status, &own, &nown);
	const char *const *outs = own ? (const char *const *)own : (const char *const *)w->outputs;
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/tornado.csv", dir);
	struct file_atomic a;
	sim_status st = file_atomic_open(&a, path, d);
	struct trow *rows = st == SIM_OK ? calloc((size_t)w->nparams, sizeof *rows) : NULL;
	if (!rows) {
		file_atomic_abort(&a);
		h5i_names_free(own, nown);
		return st != SIM_OK ? st : SIM_ENOMEM;
	}
	h5i_quiet();
	int plot = spawn_have("gnuplot");
	fputs("output,parameter,low,high,baseline_value,output_baseline,output_low,output_high,swing\n",
	      a.f);
	for (int j = 0; j < nout && st == SIM_OK; j++) {
		double y0 = tornado_rows(w, dir, status, outs[j], rows);
		char dpath[PATH_MAX], obase[PATH_MAX];
		snprintf(dpath, sizeof dpath, "%s/tornado_%s.dat", dir, outs[j]);
		snprintf(obase, sizeof obase, "%s/tornado_%s", dir, outs[j]);
		st = tornado_write(w, a.f, dpath, outs[j], y0, rows, d);
		if (st == SIM_OK && plot)
			tornado_draw(w, rows, y0, dpath, obase, outs[j], quiet);
	}
	sim_status st2 = file_atomic_commit(&a, d);
	free(rows);
	h5i_names_free(own, nown);
	return st != SIM_OK ? st : st2;
}

/* ---------------------------------------------------- parameters without effect */

/* The scalar means of a point file ((n,) into *v, the names into *names);
 * 0 when the file cannot be read. */
static int point_scalars(const char *dir, int i, char ***names, size_t *n, double **v)
{
	char p[PATH_MAX], fn[32];
	sweep_point_file(i, fn, sizeof fn);
	snprintf(p, sizeof p, "%s/%s", dir, fn);
	*names = NULL;
	*n = 0;
	*v = NULL;
	h5i *f = h5i_open(p, NULL);
	if (!f)
		return 0;
	int ok = h5i_summary_list(f, 1, names, n, NULL) == SIM_OK &&
	         (*v = malloc((*n ? *n : 1) * sizeof **v)) != NULL;
	for (size_t j = 0; ok && j < *n; j++) {
		char q[512];
		struct h5i_data x;
		snprintf(q, sizeof q, "/summary/%s_mean", (*names)[j]);
		ok = h5i_read(f, q, &x, NULL) == SIM_OK && x.n == 1;
		if (ok)
			(*v)[j] = x.v[0];
		h5i_data_release(&x);
	}
	h5i_close(f);
	return ok;
}

/* ", with token.emission.design 'decay'": the nearest "design" or "mode" key
 * on the way up the path, whose choice is the likely reason; "" if none. */
static void design_hint(const scn *s, const char *path, char *buf, size_t n)
{
	char pre[512];
	snprintf(pre, sizeof pre, "%s", path);
	buf[0] = '\0';
	for (char *dot = strrchr(pre, '.'); dot; dot = strrchr(pre, '.')) {
		*dot = '\0';
		static const char *const keys[] = { "design", "mode", "growth" };
		for (int k = 0; k < 3; k++) {
			char key[600];
			snprintf(key, sizeof key, "%s.%s", pre, keys[k]);
			const cJSON *v = scn_get(s, key);
			if (cJSON_IsString(v)) {
				snprintf(buf, n, " with %s '%s'", key, v->valuestring);
				return;
			}
		}
	}
}

int sweep_warn_no_effect(const sweep *w, const char *dir, const int *status, FILE *f)
{
	if (w->mode != SWEEP_OAT)
		return 0;
	h5i_quiet();
	sim_diag sub;
	diag_init(&sub);
	scn *s = sweep_point_scn(w, 0, &sub);
	diag_release(&sub);
	int nwarn = 0;
	for (int k = 0; k < w->nparams; k++) {
		int lo = 1 + 2 * k, hi = 2 + 2 * k;
		if (status[lo] != SWEEP_DONE || status[hi] != SWEEP_DONE)
			continue;
		char **na = NULL, **nb = NULL;
		size_t ka = 0, kb = 0;
		double *va = NULL, *vb = NULL;
		int same = point_scalars(dir, lo, &na, &ka, &va) && point_scalars(dir, hi, &nb, &kb, &vb) &&
		           ka == kb && ka > 0 && memcmp(va, vb, ka * sizeof *va) == 0;
		if (same) {
			char hint[700] = "";
			if (s)
				design_hint(s, w->params[k].path, hint, sizeof hint);
			fprintf(f, "dais: warning: %s has no effect%s: every output of its low and high "
			           "runs is identical; its range tells nothing here\n",
			        w->params[k].path, hint);
			nwarn++;
		}
		h5i_names_free(na, ka);
		h5i_names_free(nb, kb);
		free(va);
		free(vb);
	}
	scn_free(s);
	return nwarn;
}
