/* uq_out.c — what `dais uncertainty` writes (run/uq.h): uncertainty.h5, the
 * tables indices_NAME.dat and dist_NAME.dat, their figures (through
 * plot_gnuplot, never a shell), and the printed table. */
#include "uq_int.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/plot.h"
#include "h5/h5o.h"
#include "sim/file.h"

/* ------------------------------------------------------------------ HDF5 */

static sim_status put_attrs(h5o *f, const uq *q, const struct uq_result *res, sim_diag *d)
{
	const char *names[UQ_MAX_PARAMS], *labels[UQ_MAX_PARAMS], *src[UQ_MAX_PARAMS],
	           *dist[UQ_MAX_PARAMS], *outs[UQ_MAX_OUTPUTS];
	for (int i = 0; i < q->k; i++) {
		names[i] = q->params[i].path;
		labels[i] = q->params[i].label;
		src[i] = q->params[i].source;
		dist[i] = gsa_dist_name(q->params[i].dist.kind);
	}
	for (int o = 0; o < q->nout; o++)
		outs[o] = q->outputs[o].name;
	size_t k = (size_t)q->k, no = (size_t)q->nout;
	sim_status st = h5o_put_attr_str(f, "/", "problem_path", q->name, d);
	if (!st) st = h5o_put_attr_str(f, "/", "problem_json", q->text, d);
	if (!st) st = h5o_put_attr_str(f, "/", "scenario_path", q->scenario, d);
	if (!st) st = h5o_put_attr_str(f, "/", "scenario_json", q->base_json, d);
	if (!st) st = h5o_put_attr_str(f, "/", "method", uq_method_name(res->method), d);
	if (!st) st = h5o_put_attr_i64(f, "/", "samples", (long long)res->samples, d);
	if (!st) st = h5o_put_attr_i64(f, "/", "points", (long long)res->rows, d);
	if (!st) st = h5o_attr_u64(f, "master_seed", res->seed);
	if (!st) st = h5o_put_attr_i64(f, "/", "bootstrap", res->nboot, d);
	if (!st) st = h5o_group(f, "/parameters", d);
	if (!st) st = h5o_put_attr_strv(f, "/parameters", "paths", names, k, 0, d);
	if (!st) st = h5o_put_attr_strv(f, "/parameters", "labels", labels, k, 0, d);
	if (!st) st = h5o_put_attr_strv(f, "/parameters", "sources", src, k, 0, d);
	if (!st) st = h5o_put_attr_strv(f, "/parameters", "distributions", dist, k, 0, d);
	double *b = malloc(k * 5 * sizeof *b);
	if (!b)
		return SIM_ENOMEM;
	for (size_t i = 0; i < k; i++) {
		const struct gsa_dist *g = &q->params[i].dist;
		double row[5] = { g->a, g->b, g->c, g->lo, g->hi };
		memcpy(b + 5 * i, row, sizeof row);
	}
	static const char *const bcols[] = { "a", "b", "c", "lower", "upper" };
	size_t bd[2] = { k, 5 };
	if (!st) st = h5o_put_f64(f, "/parameters/distribution", 2, bd, b, "", bcols, 5, d);
	free(b);
	if (!st) st = h5o_group(f, "/outputs", d);
	if (!st) st = h5o_put_attr_strv(f, "/outputs", "names", outs, no, 0, d);
	return st;
}

/* /design/{u,x,order} and /outputs/y. */
static sim_status put_samples(h5o *f, const uq *q, const struct uq_result *res, sim_diag *d)
{
	const char *names[UQ_MAX_PARAMS], *outs[UQ_MAX_OUTPUTS];
	for (int i = 0; i < q->k; i++)
		names[i] = q->params[i].path;
	for (int o = 0; o < q->nout; o++)
		outs[o] = q->outputs[o].name;
	size_t k = (size_t)q->k, dims[2] = { res->rows, k }, ydims[2] = { res->rows, (size_t)q->nout };
	sim_status st = h5o_group(f, "/design", d);
	if (!st) st = h5o_put_f64(f, "/design/u", 2, dims, res->u, "unit cube", names, k, d);
	if (!st) st = h5o_put_f64(f, "/design/x", 2, dims, res->x, "parameter units", names, k, d);
	if (!st && res->method == UQ_MORRIS) {
		double *ord = malloc((res->samples ? res->samples : 1) * k * sizeof *ord);
		if (!ord)
			return SIM_ENOMEM;
		for (size_t i = 0; i < res->samples * k; i++)
			ord[i] = res->order[i];
		size_t od[2] = { res->samples, k };
		st = h5o_put_f64(f, "/design/order", 2, od, ord, "parameter index", NULL, 0, d);
		free(ord);
	}
	if (!st) st = h5o_put_f64(f, "/outputs/y", 2, ydims, res->y, "output units", outs,
	                          (size_t)q->nout, d);
	return st;
}

/* /quantiles/NAME/{p05,p50,p95,n_finite}, /sobol/NAME/... or /morris/NAME/... */
static sim_status put_stats(h5o *f, const uq *q, const struct uq_result *res, sim_diag *d)
{
	const char *names[UQ_MAX_PARAMS];
	for (int i = 0; i < q->k; i++)
		names[i] = q->params[i].path;
	size_t k = (size_t)q->k;
	const char *grp = res->method == UQ_SOBOL ? "/sobol" : res->method == UQ_MORRIS ? "/morris" : NULL;
	sim_status st = h5o_group(f, "/quantiles", d);
	if (!st && grp) st = h5o_group(f, grp, d);
	double *v = malloc((k ? k : 1) * sizeof *v);
	if (!v)
		return SIM_ENOMEM;
	for (int o = 0; o < q->nout && st == SIM_OK; o++) {
		char p[256], x[300];
		const char *nm = q->outputs[o].name;
		snprintf(p, sizeof p, "/quantiles/%s", nm);
		st = h5o_group(f, p, d);
		static const char *const qn[] = { "p05", "p50", "p95" };
		for (int j = 0; j < 3 && !st; j++) {
			snprintf(x, sizeof x, "%s/%s", p, qn[j]);
			st = h5o_put_f64(f, x, 0, NULL, res->q + 3 * o + j, "output units", NULL, 0, d);
		}
		snprintf(x, sizeof x, "%s/n_finite", p);
		if (!st) st = h5o_put_i64(f, x, (long long)res->n_finite[o], "points", NULL, d);
		snprintf(x, sizeof x, "%s/n_censored", p);
		if (!st) st = h5o_put_i64(f, x, (long long)res->n_censored[o], "points", NULL, d);
		if (!grp || st)
			continue;
		snprintf(p, sizeof p, "%s/%s", grp, nm);
		st = h5o_group(f, p, d);
		int nf = res->method == UQ_SOBOL ? 7 : 4;
		static const char *const sn[] = { "S1", "S1_lo", "S1_hi", "ST", "ST_lo", "ST_hi", "n_used" };
		static const char *const mn[] = { "mu", "mu_star", "sigma", "n_used" };
		for (int j = 0; j < nf && !st; j++) {
			for (size_t i = 0; i < k; i++) {
				const struct gsa_sobol *s = res->sobol + o * k + i;
				const struct gsa_morris *m = res->morris + o * k + i;
				double sv[] = { s->s1, s->s1_lo, s->s1_hi, s->st, s->st_lo, s->st_hi,
				                (double)s->n_used };
				double mv[] = { m->mu, m->mu_star, m->sigma, (double)m->n_used };
				v[i] = res->method == UQ_SOBOL ? sv[j] : mv[j];
			}
			snprintf(x, sizeof x, "%s/%s", p, res->method == UQ_SOBOL ? sn[j] : mn[j]);
			const char *units = res->method == UQ_SOBOL ? (j == 6 ? "base rows" : "fraction of variance")
			                  : j == 3 ? "trajectories" : "output units per unit-cube range";
			st = h5o_put_f64(f, x, 1, &k, v, units, names, k, d);
		}
	}
	free(v);
	return st;
}

static sim_status write_h5(const uq *q, const struct uq_opts *o, const struct uq_result *res,
                           sim_diag *d)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/uncertainty.h5", o->dir);
	h5o *f = h5o_create(path, d);
	if (!f)
		return SIM_EIO;
	sim_status st = put_attrs(f, q, res, d);
	if (!st) st = put_samples(f, q, res, d);
	if (!st) st = put_stats(f, q, res, d);
	if (!st) st = h5o_attr_num(f, "wall_time_s", res->wall_s); /* running the points */
	if (!st) st = h5o_commit(f, d);
	h5o_free(f);
	return st;
}

/* ---------------------------------------------------------- tables, figures */

/* Parameters in decreasing order of their main index for output o (ST, or
 * mu*), NaN last. */
static void rank_params(const uq *q, const struct uq_result *res, int o, int *idx)
{
	size_t k = (size_t)q->k;
	for (int i = 0; i < q->k; i++)
		idx[i] = i;
	for (int a = 1; a < q->k; a++) { /* insertion sort: k is small, and stable */
		int t = idx[a], b = a;
		for (; b > 0; b--) {
			double vt = res->method == UQ_SOBOL ? res->sobol[o * k + t].st
			                                    : res->morris[o * k + t].mu_star;
			double vb = res->method == UQ_SOBOL ? res->sobol[o * k + idx[b - 1]].st
			                                    : res->morris[o * k + idx[b - 1]].mu_star;
			if (!(isfinite(vt) && (!isfinite(vb) || vt > vb)))
				break;
			idx[b] = idx[b - 1];
		}
		idx[b] = t;
	}
}

/* indices_NAME.dat: rank "label" then S1 S1_lo S1_hi ST ST_lo ST_hi (sobol)
 * or mu mu_star sigma (morris), largest first. */
static sim_status write_indices(const uq *q, const struct uq_result *res, int o,
                                const char *path, sim_diag *d)
{
	struct file_atomic a;
	sim_status st = file_atomic_open(&a, path, d);
	if (st)
		return st;
	int idx[UQ_MAX_PARAMS];
	rank_params(q, res, o, idx);
	size_t k = (size_t)q->k;
	fprintf(a.f, "# %s: %s indices of %s (%s, N = %zu)\n", q->name,
	        res->method == UQ_SOBOL ? "Sobol" : "Morris", q->outputs[o].name,
	        uq_method_name(res->method), res->samples);
	fprintf(a.f, res->method == UQ_SOBOL ? "# rank label S1 S1_lo S1_hi ST ST_lo ST_hi\n"
	                                     : "# rank label mu mu_star sigma\n");
	for (int r = 0; r < q->k; r++) {
		int i = idx[r];
		fprintf(a.f, "%d \"%s\"", r + 1, q->params[i].label);
		if (res->method == UQ_SOBOL) {
			const struct gsa_sobol *s = res->sobol + o * k + i;
			fprintf(a.f, " %.6g %.6g %.6g %.6g %.6g %.6g\n", s->s1, s->s1_lo, s->s1_hi, s->st,
			        s->st_lo, s->st_hi);
		} else {
			const struct gsa_morris *m = res->morris + o * k + i;
			fprintf(a.f, " %.6g %.6g %.6g\n", m->mu, m->mu_star, m->sigma);
		}
	}
	return file_atomic_commit(&a, d);
}

#define UQ_BINS 30

/* dist_NAME.dat: a histogram of the finite values (bin centre, count,
 * density) over the points that sample the priors. */
static sim_status write_dist(const uq *q, const struct uq_result *res, int o, const char *path,
                             sim_diag *d)
{
	size_t k = (size_t)q->k;
	double lo = INFINITY, hi = -INFINITY;
	size_t cnt[UQ_BINS] = { 0 }, n = 0;
	for (int pass = 0; pass < 2; pass++)
		for (size_t r = 0; r < res->rows; r++) {
			size_t in = r % (k + 2);
			if (res->method == UQ_SOBOL && in != 0 && in != k + 1)
				continue;
			double v = res->y[r * q->nout + o];
			if (!isfinite(v))
				continue;
			if (pass == 0) {
				lo = v < lo ? v : lo;
				hi = v > hi ? v : hi;
				continue;
			}
			int b = hi > lo ? (int)((v - lo) / (hi - lo) * UQ_BINS) : 0;
			cnt[b >= UQ_BINS ? UQ_BINS - 1 : b]++;
			n++;
		}
	struct file_atomic a;
	sim_status st = file_atomic_open(&a, path, d);
	if (st)
		return st;
	double w = hi > lo ? (hi - lo) / UQ_BINS : 1;
	fprintf(a.f, "# %s: distribution of %s under the parameter priors (%zu finite values)\n",
	        q->name, q->outputs[o].name, n);
	fprintf(a.f, "# p05 %.6g p50 %.6g p95 %.6g censored %zu\n# centre count density\n",
	        res->q[3 * o], res->q[3 * o + 1], res->q[3 * o + 2], res->n_censored[o]);
	for (int b = 0; b < UQ_BINS && n; b++)
		fprintf(a.f, "%.6g %zu %.6g\n", lo + (b + 0.5) * w, cnt[b], cnt[b] / (n * w));
	return file_atomic_commit(&a, d);
}

static char *fmt(const char *f, double v)
{
	char *s = malloc(32);
	if (s)
		snprintf(s, 32, f, v);
	return s;
}

/* Runs a figure script on a table; a figure that cannot be drawn is a remark
 * on stderr, never an error: the tables are the results. */
static void draw(const char *script, const char *dat, const char *outbase, const char *title,
                 const struct uq_result *res, int o, int quiet)
{
	char sp[PATH_MAX];
	if (!plot_script_path(sp, sizeof sp, script)) {
		if (!quiet)
			fprintf(stderr, "dais uncertainty: analysis/plots/%s not found; no figure\n", script);
		return;
	}
	char *p05 = fmt("%.17g", res->q[3 * o]), *p50 = fmt("%.17g", res->q[3 * o + 1]),
	     *p95 = fmt("%.17g", res->q[3 * o + 2]);
	const struct plot_var vars[] = {
		{ .name = "datafile", .value = dat },
		{ .name = "outbase", .value = outbase },
		{ .name = "figtitle", .value = title },
		{ .name = "method", .value = uq_method_name(res->method) },
		{ .name = "p05", .value = p05 ? p05 : "NaN" },
		{ .name = "p50", .value = p50 ? p50 : "NaN" },
		{ .name = "p95", .value = p95 ? p95 : "NaN" },
	};
	sim_diag pd;
	diag_init(&pd);
	if (plot_gnuplot(sp, NULL, vars, 7, quiet, &pd) != SIM_OK && !quiet)
		for (int m = 0; m < pd.n; m++)
			fprintf(stderr, "dais uncertainty: %s: %s\n", dat, pd.msg[m]);
	diag_release(&pd);
	free(p05);
	free(p50);
	free(p95);
}

sim_status uq_write(const uq *q, const struct uq_opts *o, const struct uq_result *res,
                    sim_diag *d)
{
	sim_status st = write_h5(q, o, res, d);
	for (int j = 0; j < q->nout && st == SIM_OK; j++) {
		char dat[PATH_MAX + 8], base[PATH_MAX];
		const char *nm = q->outputs[j].name;
		if (res->method != UQ_LHS) {
			snprintf(base, sizeof base, "%s/indices_%s", o->dir, nm);
			snprintf(dat, sizeof dat, "%s.dat", base);
			st = write_indices(q, res, j, dat, d);
			if (st == SIM_OK && res->n_finite[j] > 1)
				draw("fig_uq_indices.gp", dat, base, nm, res, j, o->quiet);
		}
		snprintf(base, sizeof base, "%s/dist_%s", o->dir, nm);
		snprintf(dat, sizeof dat, "%s.dat", base);
		if (st == SIM_OK)
			st = write_dist(q, res, j, dat, d);
		if (st == SIM_OK && res->n_finite[j] > 1 && res->method != UQ_MORRIS)
			draw("fig_uq_dist.gp", dat, base, nm, res, j, o->quiet);
	}
	return st;
}

/* ------------------------------------------------------------- the table */

void uq_print(const uq *q, const struct uq_result *res, FILE *f)
{
	size_t k = (size_t)q->k;
	fprintf(f, "%s: %s, N = %zu, %zu points, seed %llu\n", q->name, uq_method_name(res->method),
	        res->samples, res->rows, (unsigned long long)res->seed);
	for (int o = 0; o < q->nout; o++) {
		fprintf(f, "\n%s: p05 %.4g  p50 %.4g  p95 %.4g  (%zu finite", q->outputs[o].name,
		        res->q[3 * o], res->q[3 * o + 1], res->q[3 * o + 2], res->n_finite[o]);
		if (q->outputs[o].has_missing)
			fprintf(f, "; %zu never reached, counted as %g", res->n_censored[o],
			        q->outputs[o].missing);
		fprintf(f, ")\n");
		if (res->method == UQ_LHS)
			continue;
		int idx[UQ_MAX_PARAMS];
		rank_params(q, res, o, idx);
		if (res->method == UQ_SOBOL)
			fprintf(f, "  %-44s %22s %22s\n", "parameter", "S1 [95% CI]", "ST [95% CI]");
		else
			fprintf(f, "  %-44s %12s %12s %12s\n", "parameter", "mu*", "mu", "sigma");
		for (int r = 0; r < q->k; r++) {
			int i = idx[r];
			if (res->method == UQ_SOBOL) {
				const struct gsa_sobol *s = res->sobol + o * k + i;
				fprintf(f, "  %-44.44s %6.3f [%6.3f,%6.3f] %6.3f [%6.3f,%6.3f]\n",
				        q->params[i].path, s->s1, s->s1_lo, s->s1_hi, s->st, s->st_lo, s->st_hi);
			} else {
				const struct gsa_morris *m = res->morris + o * k + i;
				fprintf(f, "  %-44.44s %12.4g %12.4g %12.4g\n", q->params[i].path, m->mu_star,
				        m->mu, m->sigma);
			}
		}
	}
}

int uq_warn_no_effect(const uq *q, const struct uq_result *res, FILE *f)
{
	if (res->method == UQ_LHS)
		return 0;
	size_t k = (size_t)q->k;
	int n = 0;
	for (int i = 0; i < q->k; i++) {
		int none = 1;
		for (int o = 0; o < q->nout && none; o++)
			none = res->method == UQ_SOBOL ? res->sobol[o * k + i].st == 0
			                               : res->morris[o * k + i].mu_star == 0;
		if (!none)
			continue;
		fprintf(f, "dais uncertainty: warning: %s changes none of the outputs (every run that "
		           "moves it alone gives identical values): it may have no effect under the "
		           "scenario's designs; `dais sensitivity %s` names the design\n",
		        q->params[i].path, q->name);
		n++;
	}
	return n;
}
