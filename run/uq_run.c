/* uq_run.c — the design of `dais uncertainty`, its points run on threads
 * (and ranks) with a checkpoint, and the statistics over them (run/uq.h). */
#include "uq_int.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "run.h"
#include "sim/file.h"
#include "sim/progress.h"
#include "sim/rng.h"
#include "sim/sim.h"

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* ------------------------------------------------------------------ design */

sim_status uq_design(const uq *q, const struct uq_opts *o, struct uq_result *res, sim_diag *d)
{
	memset(res, 0, sizeof *res);
	size_t k = (size_t)q->k, n = o->samples;
	res->method = o->method;
	res->samples = n;
	res->k = q->k;
	res->nout = q->nout;
	res->seed = o->have_seed ? o->seed : q->seed;
	res->nboot = o->nboot;
	if (o->method == UQ_SOBOL && q->k > GSA_SOBOL_MAX_K) {
		diag_add(d, "%s: $.parameters: a Saltelli design on GSL's Sobol sequence (40 dimensions "
		            "at most) takes at most %d parameters, got %d; use --method morris or lhs, "
		            "or fewer parameters", q->name, GSA_SOBOL_MAX_K, q->k);
		return SIM_ERANGE;
	}
	res->rows = o->method == UQ_SOBOL    ? gsa_saltelli_rows(q->k, n)
	            : o->method == UQ_MORRIS ? gsa_morris_rows(q->k, n)
	                                     : n;
	if (res->rows > UQ_MAX_POINTS) {
		diag_add(d, "%s: --samples %zu makes %zu points with %s, more than the %d a design may "
		            "have", q->name, n, res->rows, uq_method_name(o->method), UQ_MAX_POINTS);
		return SIM_ERANGE;
	}
	res->u = malloc(res->rows * k * sizeof *res->u);
	res->x = malloc(res->rows * k * sizeof *res->x);
	res->order = malloc((n ? n : 1) * k * sizeof *res->order);
	if (!res->u || !res->x || !res->order)
		return SIM_ENOMEM;
	gsl_rng *g = rng_stream(res->seed, 0, RNG_MODEL_UQ, (uint64_t)o->method);
	if (!g)
		return SIM_ENOMEM;
	sim_status st = SIM_OK;
	if (o->method == UQ_SOBOL)
		st = gsa_saltelli(q->k, n, res->u);
	else if (o->method == UQ_MORRIS)
		gsa_morris(q->k, n, 4, g, res->u, res->order);
	else
		gsa_lhs(q->k, n, g, res->u);
	gsl_rng_free(g);
	for (size_t r = 0; r < res->rows; r++)
		for (size_t i = 0; i < k; i++) {
			double v = gsa_dist_quantile(&q->params[i].dist, res->u[r * k + i]);
			res->x[r * k + i] = q->params[i].integer ? nearbyint(v) : v;
		}
	return st;
}

void uq_result_release(struct uq_result *res)
{
	free(res->u);
	free(res->x);
	free(res->order);
	free(res->y);
	free(res->q);
	free(res->n_finite);
	free(res->n_censored);
	free(res->sobol);
	free(res->morris);
	memset(res, 0, sizeof *res);
}

/* -------------------------------------------------------------- checkpoint */

/* About the checkpoint: DIR/uncertainty.partial holds
 *     "DAISUQ1\n", the key (16 hex digits), rows (u64), nout (u32),
 *     done[rows] (bytes), y[rows][nout] (f64)
 * in this machine's byte order.  The key hashes the problem file, the
 * resolved scenario, the method, N and the seed: points are kept only for
 * the design that made them. */
#define CKPT_MAGIC "DAISUQ1\n"

struct ckpt {
	char path[PATH_MAX];
	char key[17];
};

static void ckpt_init(struct ckpt *c, const uq *q, const struct uq_opts *o,
                      const struct uq_result *res)
{
	snprintf(c->path, sizeof c->path, "%s/uncertainty.partial", o->dir);
	size_t n = strlen(q->text) + strlen(q->base_json) + 128;
	char *s = malloc(n);
	SIM_ASSERT(s != NULL);
	snprintf(s, n, "%s %zu %llu\n%s\n%s", uq_method_name(o->method), o->samples,
	         (unsigned long long)res->seed, q->text, q->base_json);
	run_hash_hex(s, c->key);
	free(s);
}

static size_t ckpt_size(size_t rows, int nout)
{
	return 8 + 16 + 8 + 4 + rows + rows * (size_t)nout * 8;
}

static sim_status ckpt_write(const struct ckpt *c, const unsigned char *done, const double *y,
                             size_t rows, int nout, sim_diag *d)
{
	size_t n = ckpt_size(rows, nout);
	unsigned char *b = malloc(n), *p = b;
	if (!b)
		return SIM_ENOMEM;
	uint64_t r64 = rows;
	uint32_t o32 = (uint32_t)nout;
	memcpy(p, CKPT_MAGIC, 8), p += 8;
	memcpy(p, c->key, 16), p += 16;
	memcpy(p, &r64, 8), p += 8;
	memcpy(p, &o32, 4), p += 4;
	memcpy(p, done, rows), p += rows;
	memcpy(p, y, rows * (size_t)nout * 8);
	sim_status st = file_write_atomic(c->path, b, n, d);
	free(b);
	return st;
}

/* Reads the points of a checkpoint into done and y.  SIM_OK when absent or
 * unreadable as a checkpoint (nothing kept; a remark), SIM_EINVAL when it is
 * another design's. */
static sim_status ckpt_read(const struct ckpt *c, unsigned char *done, double *y, size_t rows,
                            int nout, size_t *kept, int quiet, sim_diag *d)
{
	*kept = 0;
	if (access(c->path, F_OK) != 0)
		return SIM_OK;
	char *b = NULL;
	size_t n = 0;
	sim_diag sub;
	diag_init(&sub);
	sim_status st = file_read(c->path, FILE_MAX_TEXT, &b, &n, &sub); /* any design's */
	diag_release(&sub);
	if (st != SIM_OK || n < 24 || memcmp(b, CKPT_MAGIC, 8) != 0) {
		if (!quiet)
			fprintf(stderr, "dais uncertainty: %s is not a checkpoint; starting over\n", c->path);
		free(b);
		return SIM_OK;
	}
	uint64_t r64 = 0;
	uint32_t o32 = 0;
	if (memcmp(b + 8, c->key, 16) != 0 || n != ckpt_size(rows, nout) ||
	    (memcpy(&r64, b + 24, 8), memcpy(&o32, b + 32, 4), r64 != rows || o32 != (uint32_t)nout)) {
		diag_add(d, "%s: holds the points of another problem, design or seed; remove it or "
		            "use another output directory", c->path);
		free(b);
		return SIM_EINVAL;
	}
	memcpy(done, b + 36, rows);
	memcpy(y, b + 36 + rows, rows * (size_t)nout * 8);
	for (size_t r = 0; r < rows; r++)
		*kept += done[r] != 0;
	free(b);
	return SIM_OK;
}

/* ------------------------------------------------------------------ points */

/* One run: the scenario at row r, replication 0, its outputs into yr.  On
 * error a message in d.  *rec_out (when not NULL) receives the recorder. */
static sim_status run_point(const uq *q, const double *x, const char *seed_set, uint64_t seed,
                            double *yr, rec **rec_out, sim_diag *d)
{
	void *params;
	scn *s = uq_point(q, x, seed_set, &params, d);
	if (!s)
		return SIM_EINVAL;
	struct model_ctx ctx = { .seed = seed, .rep = 0, .scalars_only = 1 };
	rec *r = rec_alloc("s");
	sim_status st = r ? q->mt->run(params, &ctx, r, d) : SIM_ENOMEM;
	if (st == SIM_OK && !rec_ok(r))
		st = SIM_ENOMEM;
	for (int o = 0; o < q->nout; o++) {
		yr[o] = NAN;
		for (int j = 0; st == SIM_OK && j < rec_nscalars(r); j++)
			if (!strcmp(rec_scalar_name(r, j), q->outputs[o].name))
				yr[o] = rec_scalar_value(r, j);
	}
	uq_point_release(q, s, params);
	if (rec_out && st == SIM_OK)
		*rec_out = r;
	else
		rec_free(r);
	return st;
}

/* Runs the scenario at the medians once and checks that the model records
 * every output; the names it does record go in the message otherwise. */
static sim_status probe_outputs(const uq *q, const char *seed_set, uint64_t seed, sim_diag *d)
{
	double x[UQ_MAX_PARAMS], y[UQ_MAX_OUTPUTS];
	for (int i = 0; i < q->k; i++)
		x[i] = gsa_dist_quantile(&q->params[i].dist, 0.5);
	rec *r = NULL;
	sim_status st = run_point(q, x, seed_set, seed, y, &r, d);
	if (st != SIM_OK)
		return st;
	for (int o = 0; o < q->nout; o++) {
		int found = 0;
		for (int j = 0; j < rec_nscalars(r) && !found; j++)
			found = !strcmp(rec_scalar_name(r, j), q->outputs[o].name);
		if (found)
			continue;
		char some[600] = "";
		size_t at = 0;
		for (int j = 0; j < rec_nscalars(r) && at + 80 < sizeof some; j++)
			at += (size_t)snprintf(some + at, sizeof some - at, "%s%s", j ? ", " : "",
			                       rec_scalar_name(r, j));
		diag_add(d, "%s: $.outputs[%d]: the %s model records no scalar '%s' (it records: %s%s)",
		         q->name, o, q->mt->name, q->outputs[o].name, some, at + 80 >= sizeof some ? ", ..." : "");
		st = SIM_EINVAL;
	}
	rec_free(r);
	return st;
}

/* One chunk [r0, r1): this rank's pending rows on the thread team. */
static sim_status run_chunk(const uq *q, const struct uq_opts *o, struct uq_result *res,
                            unsigned char *done, const char *seed_set, size_t r0, size_t r1,
                            int rank, int size, int threads, struct progress *pr, sim_diag *d)
{
	size_t *mine = malloc((r1 - r0 + 1) * sizeof *mine), nm = 0, j = 0;
	if (!mine)
		return SIM_ENOMEM;
	for (size_t r = r0; r < r1; r++)
		if (!done[r] && (int)(j++ % (size_t)size) == rank)
			mine[nm++] = r;
	int failed = 0;
	size_t k = (size_t)q->k;
	(void)o;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
	for (size_t t = 0; t < nm; t++) {
		int stop;
#pragma omp atomic read
		stop = failed;
		if (stop || sim_interrupted)
			continue;
		size_t r = mine[t];
		sim_diag pd;
		diag_init(&pd);
		sim_status st = run_point(q, res->x + r * k, seed_set, res->seed,
		                          res->y + r * (size_t)q->nout, NULL, &pd);
#pragma omp critical(dais_uq)
		{
			if (st == SIM_OK) {
				done[r] = 1;
			} else if (!failed) {
				failed = 1;
				char what[1024];
				size_t at = (size_t)snprintf(what, sizeof what, "%s: point %zu (", q->name, r);
				for (size_t i = 0; i < k && at + 100 < sizeof what; i++)
					at += (size_t)snprintf(what + at, sizeof what - at, "%s%s=%g", i ? ", " : "",
					                       q->params[i].path, res->x[r * k + i]);
				snprintf(what + at, sizeof what - at, ")");
				for (int m = 0; m < pd.n; m++)
					diag_add(d, "%s: %s", what, pd.msg[m]);
				if (pd.n == 0)
					diag_add(d, "%s: %s", what, sim_strerror(st));
			}
		}
		diag_release(&pd);
		if (st == SIM_OK)
			progress_add(pr, size); /* rank 0's points stand for every rank's */
	}
	free(mine);
	return failed ? SIM_EINVAL : SIM_OK;
}

/* ------------------------------------------------------------- statistics */

/* NaN outputs become their "missing" value; then quantiles and indices. */
static sim_status statistics(const uq *q, struct uq_result *res)
{
	size_t rows = res->rows, k = (size_t)q->k;
	int nout = q->nout;
	res->n_censored = calloc((size_t)nout, sizeof *res->n_censored);
	if (!res->n_censored)
		return SIM_ENOMEM;
	for (size_t r = 0; r < rows; r++) {
		/* Saltelli: the prior draws are the A and B rows, 2N independent
		 * points; the AB rows repeat their coordinates */
		size_t in = r % (k + 2);
		int prior = res->method != UQ_SOBOL || in == 0 || in == k + 1;
		for (int o = 0; o < nout; o++)
			if (q->outputs[o].has_missing && isnan(res->y[r * nout + o])) {
				res->y[r * nout + o] = q->outputs[o].missing;
				res->n_missing_used++;
				res->n_censored[o] += (size_t)prior;
			}
	}
	res->q = malloc((size_t)nout * 3 * sizeof *res->q);
	res->n_finite = calloc((size_t)nout, sizeof *res->n_finite);
	res->sobol = calloc((size_t)nout * k, sizeof *res->sobol);
	res->morris = calloc((size_t)nout * k, sizeof *res->morris);
	double *col = malloc((rows ? rows : 1) * sizeof *col);
	if (!res->q || !res->n_finite || !res->sobol || !res->morris || !col) {
		free(col);
		return SIM_ENOMEM;
	}
	static const double qs[] = { 0.05, 0.50, 0.95 };
	sim_status st = SIM_OK;
	for (int o = 0; o < nout && st == SIM_OK; o++) {
		size_t m = 0;
		for (size_t r = 0; r < rows; r++) {
			size_t in = r % (k + 2);    /* the prior draws, as above */
			if (res->method == UQ_SOBOL && in != 0 && in != k + 1)
				continue;
			col[m++] = res->y[r * nout + o];
		}
		res->n_finite[o] = gsa_quantiles(col, m, qs, 3, res->q + 3 * o);
		for (size_t r = 0; r < rows; r++)
			col[r] = res->y[r * nout + o];
		if (res->method == UQ_SOBOL) {
			gsl_rng *g = rng_stream(res->seed, 0, RNG_MODEL_UQ, 1000 + (uint64_t)o);
			st = g ? gsa_sobol_indices(q->k, res->samples, col, res->nboot, g,
			                           res->sobol + o * k)
			       : SIM_ENOMEM;
			gsl_rng_free(g);
		} else if (res->method == UQ_MORRIS) {
			gsa_morris_effects(q->k, res->samples, res->u, res->order, col, res->morris + o * k);
		}
	}
	free(col);
	return st;
}

/* ------------------------------------------------------------------- run */

sim_status uq_run(const uq *q, const struct uq_opts *o, struct uq_result *res, sim_diag *d)
{
	int rank = 0, size = 1;
	uq_mpi_rank(&rank, &size);
	size_t rows = res->rows;
	int nout = q->nout, threads = o->threads;
#ifdef _OPENMP
	if (threads <= 0)
		threads = omp_get_max_threads();
#else
	threads = 1;
#endif
	res->y = malloc((rows ? rows : 1) * (size_t)nout * sizeof *res->y);
	unsigned char *done = calloc(rows ? rows : 1, 1);
	if (!res->y || !done) {
		free(done);
		return SIM_ENOMEM;
	}
	for (size_t i = 0; i < rows * (size_t)nout; i++)
		res->y[i] = NAN;
	char seed_set[64];
	snprintf(seed_set, sizeof seed_set, "seed=%llu", (unsigned long long)res->seed);
	const char *extra = o->have_seed ? seed_set : NULL;
	struct ckpt c;
	ckpt_init(&c, q, o, res);
	/* the outputs are checked before anything is written */
	sim_status st = probe_outputs(q, extra, res->seed, d);
	size_t kept = 0;
	if (rank == 0 && st == SIM_OK) {
		st = file_mkdir_p(o->dir, d);
		if (st == SIM_OK && o->resume)
			st = ckpt_read(&c, done, res->y, rows, nout, &kept, o->quiet, d);
	}
	int ok = st == SIM_OK;
	uq_mpi_and(&ok);
	uq_mpi_merge(res->y, done, rows, 0, 0, nout); /* the kept points, to every rank */
	if (!ok) {
		free(done);
		return st == SIM_OK ? SIM_EINVAL : st;
	}
	size_t chunk = (size_t)(16 * threads * size);
	double t0 = wall(), t_saved = t0;
	struct progress pr;
	if (size > 1) /* under mpirun: on the terminal, if there is one (progress.h) */
		progress_begin_tty(&pr, "uncertainty", (long)rows, o->quiet || rank != 0);
	else
		progress_begin(&pr, "uncertainty", (long)rows, o->quiet);
	progress_skip(&pr, (long)kept);
	for (size_t r0 = 0; r0 < rows && st == SIM_OK; r0 += chunk) {
		size_t r1 = r0 + chunk < rows ? r0 + chunk : rows, pending = 0;
		for (size_t r = r0; r < r1; r++)
			pending += !done[r];
		if (!pending)
			continue;
		st = run_chunk(q, o, res, done, extra, r0, r1, rank, size, threads, &pr, d);
		int flag = st == SIM_OK && !sim_interrupted;
		uq_mpi_merge(res->y, done, rows, r0, r1, nout);
		uq_mpi_and(&flag);
		res->ran += pending;
		/* the checkpoint and the progress line at most every few seconds: a
		 * fast model's chunks take milliseconds, and the checkpoint holds
		 * every point */
		double now = wall();
		int last = r1 == rows || !flag, save = last || now - t_saved >= UQ_CKPT_EVERY_S;
		if (rank == 0 && save) {
			t_saved = now;
			sim_status cs = ckpt_write(&c, done, res->y, rows, nout, d);
			if (cs != SIM_OK && st == SIM_OK)
				st = cs;
			if (!o->quiet && !pr.out) { /* on a terminal the progress line says it */
				double el = wall() - t0;
				fprintf(stderr, "[%zu/%zu] points, %.1f s, %.3f s per point per thread\n", r1, rows,
				        el, el * threads * size / (double)res->ran);
			}
		}
		if (st == SIM_OK && !flag)
			st = sim_interrupted ? SIM_EINTR : SIM_EINVAL;
	}
	progress_end(&pr);
	res->wall_s = wall() - t0;
	free(done);
	if (st == SIM_OK && rank == 0)
		st = statistics(q, res);
	return st;
}
