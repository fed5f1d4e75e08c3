/* run.c — the run driver: parse the scenario, run the replications on an
 * OpenMP team with a progress bar, hand each to run_out, commit, summarise;
 * and the signal handlers that make an interrupt leave nothing behind.
 * See run.h. */
#include "run.h"

#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "sim/file.h"
#include "sim/rec.h"
#include "sim/sim.h"

/* ------------------------------------------------------------- signals */

static void on_signal(int sig)
{
	if (sim_interrupted) {  /* second signal: leave at once, but leave nothing */
		file_tmp_remove_all();
		signal(sig, SIG_DFL);
		raise(sig);
	}
	sim_interrupted = 1;
}

void run_install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* ------------------------------------------------------------ progress */

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* About progress: each replication reports the fraction of its horizon done;
 * the bar shows the mean over replications.  Only stderr on a terminal. */
struct progress {
	int on;
	int nrep;
	double *frac;       /* (nrep,) */
	uint64_t *events;   /* (nrep,) */
	double t0, last;
};

static void progress_draw(struct progress *p, int final)
{
	double sum = 0;
	uint64_t ev = 0;
	for (int i = 0; i < p->nrep; i++) {
		sum += p->frac[i];
		ev += p->events[i];
	}
	double f = sum / p->nrep, el = wall() - p->t0;
	int w = 30, k = (int)(f * w + 0.5);
	char bar[64];
	for (int i = 0; i < w; i++)
		bar[i] = i < k ? '#' : '.';
	bar[w] = '\0';
	double eta = f > 0.001 ? el * (1 - f) / f : NAN;
	fprintf(stderr, "\r[%s] %5.1f%%  %.3g events/s  elapsed %.0fs  eta %s%.0fs ", bar,
	        100 * f, el > 0 ? ev / el : 0.0, el, isnan(eta) ? "~" : "", isnan(eta) ? 0 : eta);
	if (final)
		fputc('\n', stderr);
	fflush(stderr);
}

static void progress_cb(void *ctx, int rep, double frac, uint64_t events)
{
	struct progress *p = ctx;
	p->frac[rep] = frac;
	p->events[rep] = events;
	double now = wall();
	if (now - p->last < 0.25)
		return;
#pragma omp critical(dais_progress)
	{
		if (now - p->last >= 0.25) {
			p->last = now;
			progress_draw(p, 0);
		}
	}
}

/* ---------------------------------------------------------------- running */

sim_status run_scenario(const scn *s, const struct run_opts *opt, sim_diag *d)
{
	run_install_signals(); /* before any work: a Ctrl-C at once is still a clean stop */
	const char *mname = scn_str(s, "model");
	const struct model_type *mt = model_type_find(opt->models, mname);
	if (!mt) {
		diag_add(d, "%s: $.model: model '%s' is not built into this dais", scn_path(s), mname);
		return SIM_EINVAL;
	}
	void *params = calloc(1, mt->params_size ? mt->params_size : 1);
	if (!params)
		return SIM_ENOMEM;
	sim_status st = mt->parse(params, s, d);
	if (st != SIM_OK) {
		if (mt->release)
			mt->release(params);
		free(params);
		return st;
	}
	uint64_t seed = (uint64_t)scn_int(s, "seed");
	int nrep = (int)scn_int(s, "replications");
	int threads = opt->threads;
#ifdef _OPENMP
	if (threads <= 0)
		threads = omp_get_max_threads();
#else
	threads = 1;
#endif
	if (threads > nrep)
		threads = nrep;

	run_out *w = NULL;
	struct progress pr = { .nrep = nrep };
	pr.frac = calloc((size_t)nrep, sizeof *pr.frac);
	pr.events = calloc((size_t)nrep, sizeof *pr.events);
	double t0 = wall();
	pr.t0 = pr.last = t0;
	pr.on = !opt->quiet && isatty(STDERR_FILENO);
	if (!pr.frac || !pr.events) {
		st = SIM_ENOMEM;
		goto out;
	}
	st = run_out_open(s, opt->out, opt->resume, threads, opt->keep, &w, d);
	if (st != SIM_OK)
		goto out;
	int resumed = run_out_nsaved(w);
	if (resumed && !opt->quiet)
		fprintf(stderr, "%s: resuming: %d of %d replications were saved\n", opt->out,
		        resumed, nrep);
	for (int rep = 0; rep < nrep; rep++)
		if (run_out_saved(w, rep))
			pr.frac[rep] = 1.0;

	int failed = 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
	for (int rep = 0; rep < nrep; rep++) {
		int stop;
#pragma omp atomic read
		stop = failed;
		if (stop || sim_interrupted || run_out_saved(w, rep))
			continue;
		sim_diag rd;
		diag_init(&rd);
		struct model_ctx ctx = { .seed = seed, .rep = rep,
		                         .progress = pr.on ? progress_cb : NULL, .pctx = &pr,
		                         .scalars_only = opt->keep == RUN_KEEP_SCALARS };
		rec *r = rec_alloc("s");
		sim_status rst = r ? mt->run(params, &ctx, r, &rd) : SIM_ENOMEM;
		if (rst == SIM_OK && !rec_ok(r))
			rst = SIM_ENOMEM;
		pr.frac[rep] = 1.0;
#pragma omp critical(dais_writer)
		{
			for (int i = 0; i < rd.n; i++)
				diag_add(d, "%s", rd.msg[i]);
			if (rst != SIM_OK) {
				run_out_fail(w, rst);
				failed = 1;
				rec_free(r);
			} else if (run_out_put(w, rep, r, d) != SIM_OK) {
				failed = 1;
			}
		}
		diag_release(&rd);
	}
	if (pr.on)
		progress_draw(&pr, 1);
	st = run_out_status(w);
	if (st == SIM_OK && sim_interrupted)
		st = SIM_EINTR;
	if (st == SIM_OK)
		st = run_out_attr_num(w, "wall_time_s", wall() - t0);
	if (st == SIM_OK)
		st = run_out_commit(w, d);
	if (st == SIM_OK && !opt->quiet) {
		printf("%s: %d replication%s of '%s' in %.2f s -> %s\n", scn_path(s), nrep,
		       nrep == 1 ? "" : "s", mname, wall() - t0, opt->out);
		run_out_print_summary(w, stdout);
	}
out:
	run_out_free(w);
	free(pr.frac);
	free(pr.events);
	if (mt->release)
		mt->release(params);
	free(params);
	return st;
}
