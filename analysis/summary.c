/* summary.c — statistics across replications, read back from the file being
 * written (layout in summary.h; statistics in stats.h). */
#include "summary.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5/h5i.h"
#include "sim/rec.h"
#include "stats.h"

/* Sorted union of the link names in group sub of every replication. */
static sim_status union_names(const h5i *f, const char *sub, char ***out, size_t *nout,
                              sim_diag *d)
{
	char **all = NULL;
	size_t n = 0, cap = 0;
	*out = NULL;
	*nout = 0;
	for (int i = 0; i < h5i_nreps(f); i++) {
		char path[128], **names;
		size_t k;
		snprintf(path, sizeof path, "/%s/%s", h5i_rep_name(f, i), sub);
		if (!h5i_is_group(f, path))
			continue;
		if (h5i_list(f, path, &names, &k, d)) {
			h5i_names_free(all, n);
			return SIM_EIO;
		}
		for (size_t j = 0; j < k; j++) {
			char full[640];
			snprintf(full, sizeof full, "%s/%s", path, names[j]);
			if (h5i_is_scale(f, full)) /* time and the column coordinates */
				continue;
			size_t a = 0;
			while (a < n && strcmp(all[a], names[j]) != 0)
				a++;
			if (a < n)
				continue;
			if (n == cap) {
				cap = cap ? 2 * cap : 16;
				char **p = realloc(all, cap * sizeof *p);
				if (!p) {
					h5i_names_free(names, k);
					h5i_names_free(all, n);
					return SIM_ENOMEM;
				}
				all = p;
			}
			all[n++] = names[j];
			names[j] = NULL;
		}
		h5i_names_free(names, k);
	}
	for (size_t i = 1; i < n; i++) /* insertion sort: a few dozen names */
		for (size_t j = i; j > 0 && strcmp(all[j - 1], all[j]) > 0; j--) {
			char *t = all[j];
			all[j] = all[j - 1];
			all[j - 1] = t;
		}
	*out = all;
	*nout = n;
	return SIM_OK;
}

/* Reads sub/name of every replication; 0 with a message when one is missing
 * or differs in shape or units from the first. */
static int read_all(const h5i *f, const char *sub, const char *name, struct h5i_data *x,
                    const char *opath, sim_diag *d)
{
	int nr = h5i_nreps(f), i;
	for (i = 0; i < nr; i++) {
		char path[512];
		snprintf(path, sizeof path, "/%s/%s/%s", h5i_rep_name(f, i), sub, name);
		if (!h5i_is_dataset(f, path)) {
			diag_add(d, "%s: summary: %s/%s is missing in %s; left out", opath, sub, name,
			         h5i_rep_name(f, i));
			goto fail;
		}
		if (h5i_read(f, path, &x[i], d))
			goto fail;
		if (i > 0 && (x[i].rank != x[0].rank || x[i].dims[0] != x[0].dims[0] ||
		              x[i].dims[1] != x[0].dims[1])) {
			diag_add(d, "%s: summary: %s/%s has shape (%zu, %zu) in %s but (%zu, %zu) in %s; "
			         "left out", opath, sub, name, x[0].dims[0], x[0].dims[1],
			         h5i_rep_name(f, 0), x[i].dims[0], x[i].dims[1], h5i_rep_name(f, i));
			i++;
			goto fail;
		}
		if (i > 0 && strcmp(x[i].units, x[0].units) != 0) {
			diag_add(d, "%s: summary: %s/%s has units '%s' in %s but '%s' in %s; left out",
			         opath, sub, name, x[0].units, h5i_rep_name(f, 0), x[i].units,
			         h5i_rep_name(f, i));
			i++;
			goto fail;
		}
	}
	return 1;
fail:
	while (i-- > 0)
		h5i_data_release(&x[i]);
	return 0;
}

enum { S_MEAN, S_SD, S_CI95_LO, S_CI95_HI, S_P025, S_P05, S_P50, S_P95, S_P975, S_NSERIES };
static const char *const series_stat[S_NSERIES] = {
	"mean", "sd", "ci95_lo", "ci95_hi", "p025", "p05", "p50", "p95", "p975"
};

/* "/summary/<name>_<stat>" into buf. */
static const char *spath(char *buf, size_t n, const char *name, const char *stat)
{
	snprintf(buf, n, "/summary/%s_%s", name, stat);
	return buf;
}

/* What each statistic is, for its long_name and CF cell_methods (the
 * replications are the "realization" axis that the statistic removed). */
static const char *stat_method(const char *stat)
{
	static const struct { const char *stat, *method; } m[] = {
		{ "mean", "mean" }, { "sd", "standard_deviation" },
		{ "ci95_lo", "mean (lower end of the 95% Student t interval)" },
		{ "ci95_hi", "mean (upper end of the 95% Student t interval)" },
		{ "ci90_lo", "mean (lower end of the 90% Student t interval)" },
		{ "ci90_hi", "mean (upper end of the 90% Student t interval)" },
		{ "p025", "percentile 2.5" }, { "p05", "percentile 5" }, { "p50", "median" },
		{ "p95", "percentile 95" }, { "p975", "percentile 97.5" },
		{ "n", "count" }, { "n_finite", "count of finite values" },
	};
	for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
		if (!strcmp(m[i].stat, stat))
			return m[i].method;
	return stat;
}

/* long_name ("nodes by class, p95 across replications") and cell_methods
 * into v, their text into ln and cm. */
static void stat_meta(struct h5o_var *v, const char *name, const char *stat, char ln[512],
                      char cm[256])
{
	snprintf(ln, 512, "%s, %s across replications", name, stat);
	for (char *c = ln; *c && *c != ','; c++)
		if (*c == '_')
			*c = ' ';
	snprintf(cm, 256, "realization: %s", stat_method(stat));
	v->long_name = ln;
	v->cell_methods = cm;
}

/* What one summary_write_from call works with. */
struct sum {
	h5o *o;             /* the file written */
	const h5i *f;       /* the replications read */
	h5i *dst;           /* a reader on o, to see what /summary holds already */
	const char *rowdim; /* "/summary/time", or "/summary/sample" when axes differ */
};

/* The coordinate of axis 1 of series name, copied from the first replication
 * into /summary once; its path into dpath. */
static sim_status put_col_coord(struct sum *S, const char *name, const struct h5i_data *x0,
                                char *dpath, size_t len, sim_diag *d)
{
	char src[512], *dn = NULL;
	snprintf(src, sizeof src, "/%s/timeseries/%s", h5i_rep_name(S->f, 0), name);
	if (h5i_dim_name(S->f, src, 1, &dn) != SIM_OK || !rec_valid_name(dn))
		snprintf(dpath, len, "/summary/%s_column", name);
	else
		snprintf(dpath, len, "/summary/%s", dn);
	free(dn);
	if (h5i_exists(S->dst, dpath))
		return SIM_OK; /* an earlier series' (the writer checked the labels agree) */
	sim_status st = h5o_put_labels(S->o, dpath, (const char *const *)x0->columns,
	                               x0->columns ? x0->ncolumns : x0->dims[1], d);
	return st ? st : h5o_scale(S->o, dpath, d);
}

/* The per-cell statistics of a series, written as /summary/<name>_<stat>
 * with their dimensions attached. */
static sim_status put_series(struct sum *S, const char *name, const struct h5i_data *x0,
                             double *const out[S_NSERIES], sim_diag *d)
{
	char p[1024], dpath[300] = "";
	const char *const *cols = (const char *const *)x0->columns;
	sim_status st = SIM_OK;
	if (x0->rank == 2)
		st = put_col_coord(S, name, x0, dpath, sizeof dpath, d);
	for (int s = 0; s < S_NSERIES && !st; s++) {
		char ln[512], cm[256];
		struct h5o_var v = { .dims = { S->rowdim, x0->rank == 2 ? dpath : NULL },
		                     .nsb = SUMMARY_NSB };
		stat_meta(&v, name, series_stat[s], ln, cm);
		spath(p, sizeof p, name, series_stat[s]);
		st = h5o_put_var(S->o, p, x0->rank, x0->dims, out[s], x0->units, cols,
		                 x0->ncolumns, &v, d);
	}
	return st;
}

static sim_status summarise_series(struct sum *S, const char *name, sim_diag *d)
{
	const h5i *f = S->f;
	h5o *o = S->o;
	int nr = h5i_nreps(f);
	struct h5i_data *x = calloc((size_t)nr, sizeof *x);
	double *out[S_NSERIES] = { 0 }, *vals = NULL, *work = NULL;
	sim_status st = SIM_ENOMEM;
	if (!x)
		goto oom;
	if (!read_all(f, "timeseries", name, x, h5o_path(o), d)) {
		free(x);
		return SIM_OK; /* left out, with a message */
	}
	size_t cells = x[0].n;
	vals = malloc((size_t)nr * sizeof *vals);
	work = malloc((size_t)nr * sizeof *work);
	if (!vals || !work)
		goto oom;
	for (int s = 0; s < S_NSERIES; s++)
		if (!(out[s] = malloc((cells ? cells : 1) * sizeof *out[s])))
			goto oom;
	for (size_t c = 0; c < cells; c++) {
		for (int i = 0; i < nr; i++)
			vals[i] = x[i].v[c];
		struct stats_summary s;
		stats_summary_work(vals, (size_t)nr, work, &s);
		out[S_MEAN][c] = s.mean;
		out[S_SD][c] = s.sd;
		out[S_CI95_LO][c] = s.ci95_lo;
		out[S_CI95_HI][c] = s.ci95_hi;
		out[S_P025][c] = s.p025;
		out[S_P05][c] = s.p05;
		out[S_P50][c] = s.p50;
		out[S_P95][c] = s.p95;
		out[S_P975][c] = s.p975;
	}
	st = put_series(S, name, &x[0], out, d);
	goto done;
oom:
	diag_add(d, "%s: /summary: summary of '%s': out of memory", h5o_path(o), name);
done:
	for (int s = 0; s < S_NSERIES; s++)
		free(out[s]);
	free(vals);
	free(work);
	if (x)
		for (int i = 0; i < nr; i++)
			h5i_data_release(&x[i]);
	free(x);
	return st;
}

static sim_status put_scalar(struct sum *S, const char *name, const char *u,
                             const struct stats_summary *s, sim_diag *d)
{
	const struct { const char *name; double v; } rows[] = {
		{ "mean", s->mean }, { "sd", s->sd }, { "ci95_lo", s->ci95_lo },
		{ "ci95_hi", s->ci95_hi }, { "ci90_lo", s->ci90_lo }, { "ci90_hi", s->ci90_hi },
		{ "p05", s->p05 }, { "p50", s->p50 }, { "p95", s->p95 },
	};
	char p[1024];
	sim_status st = SIM_OK;
	spath(p, sizeof p, name, "mean");
	if (h5i_exists(S->dst, p)) {
		diag_add(d, "%s: summary: scalar '%s' has the name of a series; left out",
		         h5o_path(S->o), name);
		return SIM_OK;
	}
	char ln[512], cm[256];
	struct h5o_var v = { 0 };
	for (size_t k = 0; k < sizeof rows / sizeof rows[0] && !st; k++) {
		stat_meta(&v, name, rows[k].name, ln, cm);
		spath(p, sizeof p, name, rows[k].name);
		st = h5o_put_var(S->o, p, 0, NULL, &rows[k].v, u, NULL, 0, &v, d);
	}
	const struct { const char *name; size_t v; } counts[] = {
		{ "n", s->n }, { "n_finite", s->n_finite },
	};
	for (size_t k = 0; k < 2 && !st; k++) {
		stat_meta(&v, name, counts[k].name, ln, cm);
		spath(p, sizeof p, name, counts[k].name);
		st = h5o_put_i64(S->o, p, (long long)counts[k].v, "replications", &v, d);
	}
	return st;
}

static sim_status summarise_scalar(struct sum *S, const char *name, sim_diag *d)
{
	const h5i *f = S->f;
	int nr = h5i_nreps(f);
	struct h5i_data *x = calloc((size_t)nr, sizeof *x);
	double *vals = malloc((size_t)nr * sizeof *vals);
	sim_status st = SIM_ENOMEM;
	if (!x || !vals) {
		diag_add(d, "%s: /summary: summary of '%s': out of memory", h5o_path(S->o), name);
		free(x);
		free(vals);
		return st;
	}
	if (!read_all(f, "scalars", name, x, h5o_path(S->o), d)) {
		free(x);
		free(vals);
		return SIM_OK;
	}
	for (int i = 0; i < nr; i++)
		vals[i] = x[i].n ? x[i].v[0] : NAN;
	struct stats_summary s;
	if ((st = stats_summary(vals, (size_t)nr, &s)))
		diag_add(d, "%s: /summary: summary of '%s': out of memory", h5o_path(S->o), name);
	else
		st = put_scalar(S, name, x[0].units, &s, d);
	for (int i = 0; i < nr; i++)
		h5i_data_release(&x[i]);
	free(x);
	free(vals);
	return st;
}

/* The row coordinate of /summary: time, when every replication sampled at the
 * same times (with the first one's CF attributes); else sample, the row index. */
static sim_status summarise_t(struct sum *S, sim_diag *d)
{
	const h5i *f = S->f;
	h5o *o = S->o;
	int nr = h5i_nreps(f);
	struct h5i_data *x = calloc((size_t)nr, sizeof *x);
	if (!x) {
		diag_add(d, "%s: /summary: out of memory", h5o_path(o));
		return SIM_ENOMEM;
	}
	sim_status st = SIM_OK;
	size_t rows = 0;
	int same = 0;
	if (read_all(f, "timeseries", "time", x, h5o_path(o), d)) {
		same = 1;
		rows = x[0].n;
		for (int i = 1; i < nr && same; i++)
			same = !memcmp(x[i].v, x[0].v, x[0].n * sizeof *x[0].v);
		if (!same)
			diag_add(d, "%s: summary: replications sampled at different times; "
			         "/summary/time left out (rows are numbered by /summary/sample)",
			         h5o_path(o));
	}
	if (same) {
		char src[128], *cal = NULL;
		snprintf(src, sizeof src, "/%s/timeseries/time", h5i_rep_name(f, 0));
		S->rowdim = "/summary/time";
		st = h5o_put_f64(o, S->rowdim, 1, &rows, x[0].v, x[0].units, NULL, 0, d);
		if (!st)
			st = h5o_put_attr_str(o, S->rowdim, "long_name", "time", d);
		if (!st)
			st = h5o_put_attr_str(o, S->rowdim, "standard_name", "time", d);
		if (!st && h5i_has_attr(f, src, "calendar") &&
		    h5i_attr_str(f, src, "calendar", &cal, NULL) == SIM_OK)
			st = h5o_put_attr_str(o, S->rowdim, "calendar", cal, d);
		free(cal);
	} else {
		size_t dims[2];
		char src[128];
		snprintf(src, sizeof src, "/%s/timeseries/time", h5i_rep_name(f, 0));
		rows = h5i_shape(f, src, dims) == 1 ? dims[0] : 0;
		S->rowdim = "/summary/sample";
		st = h5o_put_labels(o, S->rowdim, NULL, rows, d);
	}
	if (!st)
		st = h5o_scale(o, S->rowdim, d);
	if (same)
		for (int i = 0; i < nr; i++)
			h5i_data_release(&x[i]);
	free(x);
	return st;
}

/* Summarises every name in names (the union of the replications' group sub). */
static sim_status summarise_group(struct sum *S, const char *sub, char **names, size_t n,
                                  sim_diag *d)
{
	sim_status st = SIM_OK;
	int series = !strcmp(sub, "timeseries");
	if (series)
		st = summarise_t(S, d);
	for (size_t i = 0; i < n && !st; i++)
		st = series ? summarise_series(S, names[i], d) : summarise_scalar(S, names[i], d);
	return st;
}

sim_status summary_write(h5o *o, sim_diag *d)
{
	h5i *f = h5o_reader(o);
	if (!f) {
		diag_add(d, "%s: /summary: out of memory", h5o_path(o));
		return SIM_ENOMEM;
	}
	sim_status st = summary_write_from(o, f, SUMMARY_ALL, d);
	h5i_close(f);
	return st;
}

/* 1 when /summary is there but holds nothing (summary_reserve's). */
static int summary_empty(const h5i *f)
{
	char **names;
	size_t n;
	if (h5i_has_attr(f, "/summary", "replications") || h5i_list(f, "/summary", &names, &n, NULL))
		return 0;
	h5i_names_free(names, n);
	return n == 0;
}

sim_status summary_reserve(h5o *o, const rec *first, sim_diag *d)
{
	/* each series' statistics and its column coordinate, each scalar's, time */
	size_t n = (size_t)rec_nseries(first) * (S_NSERIES + 1) + (size_t)rec_nscalars(first) * 11 + 2;
	return h5o_group_sized(o, "/summary", n, d);
}

/* /summary (unless reserved) and its attributes, sized for what it will hold. */
static sim_status summary_group(h5o *o, int reserved, int nr, size_t nlinks, sim_diag *d)
{
	sim_status st;
	if (!(st = reserved ? SIM_OK : h5o_group_sized(o, "/summary", nlinks, d)) &&
	    !(st = h5o_put_attr_i64(o, "/summary", "replications", nr, d)) &&
	    !(st = h5o_put_attr_str(o, "/summary", "Conventions", "CF-1.8", d)) &&
	    !(st = h5o_put_attr_str(o, "/summary", "interval", "Student t interval of the "
	                            "mean across replications; non-finite values left out", d)))
		st = h5o_put_attr_str(o, "/summary", "percentiles", "of the replications, linear "
		                      "interpolation between order statistics (R type 7)", d);
	return st;
}

sim_status summary_write_from(h5o *o, const h5i *f, unsigned what, sim_diag *d)
{
	struct sum S = { .o = o, .f = f, .dst = h5o_reader(o) };
	char **ser = NULL, **sca = NULL;
	size_t nser = 0, nsca = 0;
	sim_status st = SIM_EINVAL;
	int nr = h5i_nreps(f);
	if (!S.dst)
		st = SIM_ENOMEM;
	else if (nr == 0)
		diag_add(d, "%s: summary: no replications to summarise", h5o_path(o));
	else if (h5i_exists(S.dst, "/summary") && !summary_empty(S.dst))
		diag_add(d, "%s: summary written twice", h5o_path(o));
	else if ((st = (what & SUMMARY_SERIES ? union_names(f, "timeseries", &ser, &nser, d)
	                                      : SIM_OK)) ||
	         (st = union_names(f, "scalars", &sca, &nsca, d)))
		diag_add(d, "%s: /summary: %s", h5o_path(o), sim_strerror(st));
	else if (!(st = summary_group(o, h5i_exists(S.dst, "/summary"), nr,
	                              9 * nser + 11 * nsca + nser + 1, d)) &&
	         !(st = what & SUMMARY_SERIES ? summarise_group(&S, "timeseries", ser, nser, d)
	                                      : SIM_OK))
		st = summarise_group(&S, "scalars", sca, nsca, d);
	h5i_names_free(ser, nser);
	h5i_names_free(sca, nsca);
	h5i_close(S.dst);
	return st;
}
