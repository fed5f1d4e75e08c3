/* summary.c — statistics across replications, read back from the file being
 * written (layout in summary.h; statistics in stats.h). */
#include "summary.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5/h5i.h"
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

/* "/summary/<sub>/<name>[/<leaf>]" into buf. */
static const char *spath(char *buf, size_t n, const char *sub, const char *name,
                         const char *leaf)
{
	snprintf(buf, n, "/summary/%s/%s%s%s", sub, name, leaf ? "/" : "", leaf ? leaf : "");
	return buf;
}

/* The per-cell statistics of a series, written as /summary/timeseries/name/<stat>. */
static sim_status put_series(h5o *o, const char *name, const struct h5i_data *x0,
                             double *const out[S_NSERIES], sim_diag *d)
{
	char p[1024];
	const char *const *cols = (const char *const *)x0->columns;
	spath(p, sizeof p, "timeseries", name, NULL);
	sim_status st = h5o_group(o, p, d);
	if (!st)
		st = h5o_put_attr_str(o, p, "units", x0->units, d);
	if (!st && cols)
		st = h5o_put_attr_strv(o, p, "columns", cols, x0->ncolumns, 0, d);
	for (int s = 0; s < S_NSERIES && !st; s++)
		st = h5o_put_f64(o, spath(p, sizeof p, "timeseries", name, series_stat[s]),
		                 x0->rank, x0->dims, out[s], x0->units, cols, x0->ncolumns, d);
	return st;
}

static sim_status summarise_series(h5o *o, const h5i *f, const char *name, sim_diag *d)
{
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
	st = put_series(o, name, &x[0], out, d);
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

static sim_status put_scalar(h5o *o, const char *name, const char *u,
                             const struct stats_summary *s, sim_diag *d)
{
	const struct { const char *name; double v; } rows[] = {
		{ "mean", s->mean }, { "sd", s->sd }, { "ci95_lo", s->ci95_lo },
		{ "ci95_hi", s->ci95_hi }, { "ci90_lo", s->ci90_lo }, { "ci90_hi", s->ci90_hi },
		{ "p05", s->p05 }, { "p50", s->p50 }, { "p95", s->p95 },
	};
	char p[1024];
	spath(p, sizeof p, "scalars", name, NULL);
	sim_status st = h5o_group(o, p, d);
	if (!st)
		st = h5o_put_attr_str(o, p, "units", u, d);
	for (size_t k = 0; k < sizeof rows / sizeof rows[0] && !st; k++)
		st = h5o_put_f64(o, spath(p, sizeof p, "scalars", name, rows[k].name), 0, NULL,
		                 &rows[k].v, u, NULL, 0, d);
	if (!st)
		st = h5o_put_i64(o, spath(p, sizeof p, "scalars", name, "n"), (long long)s->n,
		                 "replications", d);
	if (!st)
		st = h5o_put_i64(o, spath(p, sizeof p, "scalars", name, "n_finite"),
		                 (long long)s->n_finite, "replications", d);
	return st;
}

static sim_status summarise_scalar(h5o *o, const h5i *f, const char *name, sim_diag *d)
{
	int nr = h5i_nreps(f);
	struct h5i_data *x = calloc((size_t)nr, sizeof *x);
	double *vals = malloc((size_t)nr * sizeof *vals);
	sim_status st = SIM_ENOMEM;
	if (!x || !vals) {
		diag_add(d, "%s: /summary: summary of '%s': out of memory", h5o_path(o), name);
		free(x);
		free(vals);
		return st;
	}
	if (!read_all(f, "scalars", name, x, h5o_path(o), d)) {
		free(x);
		free(vals);
		return SIM_OK;
	}
	for (int i = 0; i < nr; i++)
		vals[i] = x[i].n ? x[i].v[0] : NAN;
	struct stats_summary s;
	if ((st = stats_summary(vals, (size_t)nr, &s)))
		diag_add(d, "%s: /summary: summary of '%s': out of memory", h5o_path(o), name);
	else
		st = put_scalar(o, name, x[0].units, &s, d);
	for (int i = 0; i < nr; i++)
		h5i_data_release(&x[i]);
	free(x);
	free(vals);
	return st;
}

/* /summary/timeseries/t, when every replication sampled at the same times. */
static sim_status summarise_t(h5o *o, const h5i *f, sim_diag *d)
{
	int nr = h5i_nreps(f);
	struct h5i_data *x = calloc((size_t)nr, sizeof *x);
	if (!x) {
		diag_add(d, "%s: /summary: out of memory", h5o_path(o));
		return SIM_ENOMEM;
	}
	sim_status st = SIM_OK;
	if (read_all(f, "timeseries", "t", x, h5o_path(o), d)) {
		int same = 1;
		for (int i = 1; i < nr && same; i++)
			same = !memcmp(x[i].v, x[0].v, x[0].n * sizeof *x[0].v);
		if (same)
			st = h5o_put_f64(o, "/summary/timeseries/t", x[0].rank, x[0].dims, x[0].v,
			                 x[0].units, NULL, 0, d);
		else
			diag_add(d, "%s: summary: replications sampled at different times; "
			         "/summary/timeseries/t left out", h5o_path(o));
		for (int i = 0; i < nr; i++)
			h5i_data_release(&x[i]);
	}
	free(x);
	return st;
}

/* Summarises every name in the union of the replications' group sub. */
static sim_status summarise_group(h5o *o, const h5i *f, const char *sub, sim_diag *d)
{
	char **names = NULL, p[64];
	size_t nnames = 0;
	snprintf(p, sizeof p, "/summary/%s", sub);
	sim_status st = h5o_group(o, p, d);
	if (!st && !strcmp(sub, "timeseries"))
		st = summarise_t(o, f, d);
	if (!st && (st = union_names(f, sub, &names, &nnames, d)))
		diag_add(d, "%s: /summary: %s", h5o_path(o), sim_strerror(st));
	for (size_t i = 0; i < nnames && !st; i++) {
		if (!strcmp(sub, "scalars"))
			st = summarise_scalar(o, f, names[i], d);
		else if (strcmp(names[i], "t") != 0)
			st = summarise_series(o, f, names[i], d);
	}
	h5i_names_free(names, nnames);
	return st;
}

sim_status summary_write(h5o *o, sim_diag *d)
{
	h5i *f = h5o_reader(o);
	if (!f) {
		diag_add(d, "%s: /summary: out of memory", h5o_path(o));
		return SIM_ENOMEM;
	}
	sim_status st = SIM_EINVAL;
	int nr = h5i_nreps(f);
	if (nr == 0)
		diag_add(d, "%s: summary: no replications to summarise", h5o_path(o));
	else if (h5i_exists(f, "/summary"))
		diag_add(d, "%s: summary written twice", h5o_path(o));
	else if (!(st = h5o_group(o, "/summary", d)) &&
	         !(st = h5o_put_attr_i64(o, "/summary", "replications", nr, d)) &&
	         !(st = h5o_put_attr_str(o, "/summary", "interval", "Student t interval of the "
	                                 "mean across replications; non-finite values left out", d)) &&
	         !(st = h5o_put_attr_str(o, "/summary", "percentiles", "of the replications, "
	                                 "linear interpolation between order statistics "
	                                 "(R type 7)", d)) &&
	         !(st = summarise_group(o, f, "timeseries", d)))
		st = summarise_group(o, f, "scalars", d);
	h5i_close(f);
	return st;
}
