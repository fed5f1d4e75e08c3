/* sweep_run.c — running the points of a sweep (run/sweep.h): in windows of
 * consecutive points whose replications share one OpenMP team, each point's
 * file the one `dais run` writes for it, the index rewritten after every
 * window.
 */
#include "sweep_int.h"

#include <limits.h>
#include <stdint.h>
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
#include "sim/model.h"
#include "sim/progress.h"
#include "sim/rec.h"
#include "sim/sim.h"

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* About running: points go through in windows.  A window opens consecutive
 * points (scenario, model parameters, results file) until it holds at least
 * two replications per thread, then one OpenMP team runs all of their
 * replications, (point, replication) tasks handed out dynamically, and each
 * finished replication goes to its point's run_out (run.h) in a critical
 * section.  So a sweep of many points with few replications each keeps every
 * thread busy, and each file is the one `dais run` writes for that point. */
struct wpoint {
	int i;                          /* point index */
	scn *s;
	const struct model_type *mt;
	void *params;
	run_out *out;
	uint64_t seed;
	sim_status st;
	sim_diag d;                     /* its messages */
};

#define SWEEP_WINDOW 32 /* points open at once, at most */

static void wpoint_release(struct wpoint *p)
{
	run_out_free(p->out); /* keeps the saved replications unless committed */
	if (p->params && p->mt->release)
		p->mt->release(p->params);
	free(p->params);
	scn_free(p->s);
	diag_release(&p->d);
	memset(p, 0, sizeof *p);
}

/* One sweep_run: the sweep, how far it got, the window of open points. */
struct runner {
	const sweep *w;
	const struct sweep_opts *o;
	int *status;            /* (npoints,) enum sweep_pt */
	sim_diag *d;
	int threads;
	int ran, kept, failed;  /* points run now, kept from before (--resume), failed */
	int next;               /* the next point to open */
	struct wpoint win[SWEEP_WINDOW];
	int nw;                 /* points open in the window */
	long ntasks;            /* their replications still to run */
	double t1;              /* when the window opened, for the progress lines */
	struct progress pr;     /* replications done of all the points' */
};

/* Opens point i in the window: its scenario, its model's parameters, its
 * results file (with the replications saved before).  A point whose file is
 * done already (--resume) is counted and not opened; a point that fails its
 * model's checks stays in the window with its status and messages.  Returns
 * an error that stops the sweep. */
static sim_status open_point(struct runner *r, int i)
{
	const struct sweep_opts *o = r->o;
	char fn[32], path[PATH_MAX];
	sweep_point_file(i, fn, sizeof fn);
	snprintf(path, sizeof path, "%s/%s", o->dir, fn);
	struct wpoint *p = &r->win[r->nw];
	diag_init(&p->d);
	p->i = i;
	p->s = sweep_point_scn(r->w, i, &p->d);
	enum run_file have = p->s && o->resume ? run_file_check(path, p->s) : RUN_FILE_NONE;
	if (have == RUN_FILE_DONE) {
		progress_skip(&r->pr, scn_int(p->s, "replications"));
		run_out_tidy(path);
		r->status[i] = SWEEP_DONE;
		r->kept++;
		wpoint_release(p);
		return SIM_OK;
	}
	if (p->s && o->resume && have != RUN_FILE_DAMAGED && access(path, F_OK) == 0) {
		diag_add(r->d, "%s: holds the results of another scenario (not point %d of %s); "
		               "remove it or use another output directory", path, i, r->w->name);
		wpoint_release(p);
		return SIM_EINVAL;
	}
	p->mt = p->s ? model_type_find(r->w->models, scn_str(p->s, "model")) : NULL;
	p->st = p->mt ? SIM_OK : SIM_EINVAL;
	if (p->st == SIM_OK) {
		p->params = calloc(1, p->mt->params_size ? p->mt->params_size : 1);
		p->st = p->params ? p->mt->parse(p->params, p->s, &p->d) : SIM_ENOMEM;
	}
	if (p->st == SIM_OK) {
		p->seed = (uint64_t)scn_int(p->s, "seed");
		sim_status os = run_out_open(p->s, path, o->resume, r->threads, o->keep, &p->out,
		                               &p->d);
		if (os != SIM_OK) {
			for (int m = 0; m < p->d.n; m++)
				diag_add(r->d, "%s", p->d.msg[m]);
			wpoint_release(p);
			return os == SIM_EINVAL ? SIM_EINVAL : SIM_EIO;
		}
		r->ntasks += run_out_nrep(p->out) - run_out_nsaved(p->out);
		progress_skip(&r->pr, run_out_nsaved(p->out));
	} else if (p->s) {
		progress_skip(&r->pr, scn_int(p->s, "replications")); /* it will not run */
	}
	r->nw++;
	return SIM_OK;
}

/* Opens consecutive points until the window holds two replications per
 * thread, or SWEEP_WINDOW points, or the sweep ends. */
static sim_status open_window(struct runner *r)
{
	sim_status st = SIM_OK;
	r->nw = 0;
	r->ntasks = 0;
	r->t1 = wall();
	while (r->next < r->w->npoints && r->nw < SWEEP_WINDOW && r->ntasks < 2L * r->threads &&
	       st == SIM_OK)
		st = open_point(r, r->next++);
	return st;
}

static void release_window(struct runner *r)
{
	for (int k = 0; k < r->nw; k++)
		wpoint_release(&r->win[k]);
	r->nw = 0;
}

/* Replication rep of point p, on one thread; the result goes to p's file
 * under the writer's lock.  Raises *stop on an error that ends the window. */
static void run_task(struct wpoint *p, int rep, int *stop)
{
	sim_diag rd;
	diag_init(&rd);
	struct model_ctx ctx = { .seed = p->seed, .rep = rep };
	rec *r = rec_alloc("s");
	sim_status rst = r ? p->mt->run(p->params, &ctx, r, &rd) : SIM_ENOMEM;
	if (rst == SIM_OK && !rec_ok(r))
		rst = SIM_ENOMEM;
#pragma omp critical(dais_sweep_writer)
	{
		for (int m = 0; m < rd.n; m++)
			diag_add(&p->d, "%s", rd.msg[m]);
		if (rst != SIM_OK) {
			rec_free(r);
			if (p->st == SIM_OK)
				p->st = rst;
		} else if (run_out_put(p->out, rep, r, &p->d) != SIM_OK) {
			p->st = SIM_EIO;
		}
		if (p->st == SIM_EIO || p->st == SIM_ENOMEM) {
#pragma omp atomic write
			*stop = 1;
		}
	}
	diag_release(&rd);
}

/* Runs the replications of the window not saved yet: one OpenMP team,
 * (point, replication) tasks handed out dynamically. */
static sim_status run_window(struct runner *r)
{
	int *tp = malloc((size_t)(r->ntasks + 1) * sizeof *tp);
	int *tr = malloc((size_t)(r->ntasks + 1) * sizeof *tr);
	if (!tp || !tr) {
		free(tp);
		free(tr);
		return SIM_ENOMEM;
	}
	long nt = 0;
	for (int k = 0; k < r->nw; k++)
		for (int rep = 0; r->win[k].out && rep < run_out_nrep(r->win[k].out); rep++)
			if (!run_out_saved(r->win[k].out, rep)) {
				tp[nt] = k;
				tr[nt] = rep;
				nt++;
			}
	int stop = 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(r->threads)
	for (long t = 0; t < nt; t++) {
		struct wpoint *p = &r->win[tp[t]];
		int halt;
#pragma omp atomic read
		halt = stop;
		if (halt || sim_interrupted || p->st != SIM_OK)
			continue;
		run_task(p, tr[t], &stop);
		progress_add(&r->pr, 1);
	}
	free(tp);
	free(tr);
	return SIM_OK;
}

/* Closes the window in point order: commits each finished file, reports it
 * and counts it.  Returns an error that stops the sweep (interrupted, I/O,
 * memory); a point that failed on its own is only marked. */
static sim_status close_window(struct runner *r)
{
	sim_status st = SIM_OK;
	for (int k = 0; k < r->nw; k++) {
		struct wpoint *p = &r->win[k];
		char fn[32], what[512];
		sweep_point_file(p->i, fn, sizeof fn);
		sweep_describe_point(r->w, p->i, what, sizeof what);
		sim_status ps = p->st;
		if (ps == SIM_OK && sim_interrupted)
			ps = SIM_EINTR;
		if (ps == SIM_OK)
			ps = run_out_commit(p->out, &p->d);
		for (int m = 0; m < p->d.n; m++)
			diag_add(r->d, "%s: %s", fn, p->d.msg[m]);
		if (ps == SIM_OK) {
			r->status[p->i] = SWEEP_DONE;
			r->ran++;
		} else if (ps == SIM_EINTR || ps == SIM_EIO || ps == SIM_ENOMEM) {
			if (st == SIM_OK)
				st = ps;
		} else {
			r->status[p->i] = SWEEP_FAILED;
			r->failed++;
		}
		progress_clear(&r->pr); /* the line is redrawn by the next replication */
		if (!r->o->quiet && ps != SIM_EINTR)
			fprintf(stderr, "[%d/%d] %s %s: %s (%.2f s)\n", p->i + 1, r->w->npoints, fn, what,
			        sweep_status_name(r->status[p->i]), wall() - r->t1);
		wpoint_release(p);
	}
	r->nw = 0;
	return st;
}

sim_status sweep_run(const sweep *w, const struct sweep_opts *o, int *status, sim_diag *d)
{
	sim_status st = file_mkdir_p(o->dir, d);
	if (st != SIM_OK)
		return st;
	for (int i = 0; i < w->npoints; i++)
		status[i] = SWEEP_PENDING;
	if (o->resume)
		file_remove_stale_tmp(o->dir, NULL);
	struct runner r = { .w = w, .o = o, .status = status, .d = d, .threads = o->threads };
#ifdef _OPENMP
	if (r.threads <= 0)
		r.threads = omp_get_max_threads();
#else
	r.threads = 1;
#endif
	run_install_signals();
	double t0 = wall();
	progress_begin(&r.pr, "sweep", w->npoints, o->quiet);
	if (r.pr.out) /* in replications, which only the points' scenarios know */
		progress_set_total(&r.pr, sweep_count_replications(w));
	while (r.next < w->npoints && st == SIM_OK) {
		if (sim_interrupted) {
			st = SIM_EINTR;
			break;
		}
		st = open_window(&r);
		if (st == SIM_OK)
			st = run_window(&r);
		if (st != SIM_OK) {
			release_window(&r);
			break;
		}
		st = close_window(&r);
		if (sim_interrupted && st == SIM_OK)
			st = SIM_EINTR;
		if (st == SIM_OK || st == SIM_EINTR) {
			sim_status ist = sweep_write_index(w, o->dir, status, d);
			if (ist != SIM_OK)
				st = ist; /* SIM_EINVAL: an output the runs do not have */
		}
	}
	progress_end(&r.pr);
	if (!o->quiet && st == SIM_OK)
		fprintf(stderr, "%s: %d points (%d run, %d kept, %d failed) in %.2f s -> %s/index.csv\n",
		        w->name, w->npoints, r.ran, r.kept, r.failed, wall() - t0, o->dir);
	if (r.failed && st == SIM_OK)
		st = SIM_EINVAL;
	return st;
}
