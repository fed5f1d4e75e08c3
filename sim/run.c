/* run.c — `dais run`: load, parse, replicate in parallel, write, summarise. */
#include "run.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "buildinfo.h"
#include "h5o.h"
#include "model.h"
#include "rec.h"
#include "sim.h"
#include "stats.h"

/* ------------------------------------------------------------- signals */

static void on_signal(int sig)
{
	if (sim_interrupted) {  /* second signal: leave at once, but leave nothing */
		h5o_abort_all_signal_safe();
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

/* --------------------------------------------------------------- writing */

/* Replications finish in any order; the first thread to find the next one in
 * index order ready writes it (and any that follow), so the file is laid out
 * the same whatever the thread count, and memory holds only what waits. */
struct writer {
	h5o *o;
	rec **done;        /* (nrep,) finished, not yet written */
	int next;
	int nrep;
	sim_status st;
	sim_diag *d;
	/* per replication scalars, for the summary printed at the end */
	int nscal;
	char **sname, **sunits;
	double *sval;      /* (nrep, nscal) */
};

static void writer_flush(struct writer *w)
{
	while (w->next < w->nrep && w->done[w->next]) {
		rec *r = w->done[w->next];
		if (w->st == SIM_OK)
			w->st = h5o_write_rep(w->o, w->next, r, w->d);
		if (w->next == 0 && !w->sname) {
			w->nscal = rec_nscalars(r);
			w->sname = calloc((size_t)w->nscal + 1, sizeof *w->sname);
			w->sunits = calloc((size_t)w->nscal + 1, sizeof *w->sunits);
			w->sval = malloc(((size_t)w->nscal + 1) * (size_t)w->nrep * sizeof *w->sval);
			if (!w->sname || !w->sunits || !w->sval)
				w->nscal = 0;
			for (int i = 0; i < w->nscal; i++) {
				w->sname[i] = strdup(rec_scalar_name(r, i));
				w->sunits[i] = strdup(rec_scalar_units(r, i));
			}
		}
		for (int i = 0; i < w->nscal; i++)
			w->sval[(size_t)w->next * w->nscal + i] =
				i < rec_nscalars(r) ? rec_scalar_value(r, i) : NAN;
		rec_free(r);
		w->done[w->next] = NULL;
		w->next++;
	}
}

static void print_summary(const struct writer *w, FILE *f)
{
	double *x = malloc(2 * (size_t)w->nrep * sizeof *x);
	if (!x)
		return;
	for (int i = 0; i < w->nscal; i++) {
		for (int r = 0; r < w->nrep; r++)
			x[r] = w->sval[(size_t)r * w->nscal + i];
		struct stats_summary s;
		stats_summary_work(x, (size_t)w->nrep, x + w->nrep, &s);
		if (s.n_finite == 0)
			fprintf(f, "  %-32s NaN (in all %d replications)\n", w->sname[i], w->nrep);
		else if (s.n_finite == 1)
			fprintf(f, "  %-32s %.6g %s\n", w->sname[i], s.mean, w->sunits[i]);
		else
			fprintf(f, "  %-32s %.6g %s  (95%% CI %.6g .. %.6g%s)\n", w->sname[i], s.mean,
			        w->sunits[i], s.ci95_lo, s.ci95_hi,
			        s.n_finite < (size_t)w->nrep ? ", NaN in some replications" : "");
	}
	free(x);
}

/* ---------------------------------------------------------------- running */

static sim_status write_provenance(h5o *o, const scn *s, uint64_t seed, int nrep, int threads)
{
	char *json = scn_to_json(s);
	char host[256] = "unknown", created[64];
	gethostname(host, sizeof host - 1);
	time_t now = time(NULL);
	strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	sim_status st = json ? SIM_OK : SIM_ENOMEM;
	if (st == SIM_OK)
		st = h5o_attr_str(o, "scenario_json", json);
	if (st == SIM_OK)
		st = h5o_attr_str(o, "scenario_path", scn_path(s));
	if (st == SIM_OK)
		st = h5o_attr_str(o, "model", scn_str(s, "model"));
	if (st == SIM_OK)
		st = h5o_attr_u64(o, "master_seed", seed);
	if (st == SIM_OK)
		st = h5o_attr_num(o, "replications", nrep);
	if (st == SIM_OK)
		st = h5o_attr_str(o, "dais_version", dais_version);
	if (st == SIM_OK)
		st = h5o_attr_str(o, "compiler", dais_compiler);
	if (st == SIM_OK)
		st = h5o_attr_str(o, "cflags", dais_cflags);
	if (st == SIM_OK)
		st = h5o_attr_str(o, "host", host);
	if (st == SIM_OK)
		st = h5o_attr_str(o, "created", created);
	if (st == SIM_OK)
		st = h5o_attr_num(o, "threads", threads);
	free(json);
	return st;
}

sim_status run_scenario(const scn *s, const struct run_opts *opt, sim_diag *d)
{
	const char *mname = scn_str(s, "model");
	const struct model_type *mt = model_find(mname);
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

	struct writer w = { .nrep = nrep, .d = d, .st = SIM_OK };
	struct progress pr = { .nrep = nrep };
	w.done = calloc((size_t)nrep, sizeof *w.done);
	pr.frac = calloc((size_t)nrep, sizeof *pr.frac);
	pr.events = calloc((size_t)nrep, sizeof *pr.events);
	double t0 = wall();
	pr.t0 = pr.last = t0;
	pr.on = !opt->quiet && isatty(STDERR_FILENO);
	if (!w.done || !pr.frac || !pr.events) {
		st = SIM_ENOMEM;
		goto out;
	}
	w.o = h5o_create(opt->out, d);
	if (!w.o) {
		st = SIM_EIO;
		goto out;
	}
	st = write_provenance(w.o, s, seed, nrep, threads);
	if (st != SIM_OK) {
		diag_add(d, "%s: cannot write provenance: %s", opt->out, sim_strerror(st));
		goto out;
	}
	run_install_signals();

	int failed = 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
	for (int rep = 0; rep < nrep; rep++) {
		int stop;
#pragma omp atomic read
		stop = failed;
		if (stop || sim_interrupted)
			continue;
		sim_diag rd;
		diag_init(&rd);
		struct model_ctx ctx = { .seed = seed, .rep = rep,
		                         .progress = pr.on ? progress_cb : NULL, .pctx = &pr };
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
				if (w.st == SIM_OK)
					w.st = rst;
				failed = 1;
				rec_free(r);
			} else {
				w.done[rep] = r;
				writer_flush(&w);
			}
		}
		diag_release(&rd);
	}
	if (pr.on)
		progress_draw(&pr, 1);
	st = w.st;
	if (st == SIM_OK && sim_interrupted)
		st = SIM_EINTR;
	if (st == SIM_OK)
		st = h5o_write_summary(w.o, d);
	if (st == SIM_OK)
		st = h5o_attr_num(w.o, "wall_time_s", wall() - t0);
	if (st == SIM_OK)
		st = h5o_commit(w.o, d);
	if (st == SIM_OK && !opt->quiet) {
		printf("%s: %d replication%s of '%s' in %.2f s -> %s\n", scn_path(s), nrep,
		       nrep == 1 ? "" : "s", mname, wall() - t0, opt->out);
		print_summary(&w, stdout);
	}
out:
	for (int i = 0; w.done && i < nrep; i++)
		rec_free(w.done[i]);
	h5o_free(w.o);  /* removes the temporary file unless committed */
	for (int i = 0; i < w.nscal; i++) {
		free(w.sname[i]);
		free(w.sunits[i]);
	}
	free(w.sname);
	free(w.sunits);
	free(w.sval);
	free(w.done);
	free(pr.frac);
	free(pr.events);
	if (mt->release)
		mt->release(params);
	free(params);
	return st;
}

/* ----------------------------------------------------------- the command */

static int usage(FILE *f, int code)
{
	fprintf(f,
	        "usage: dais run SCENARIO [-o OUT.h5] [--seed N] [--replications R]\n"
	        "                [--threads T] [--set path=value]... [--quiet]\n\n"
	        "Runs a scenario file and writes its results (HDF5).\n\n"
	        "  -o OUT.h5           results file (default results/<scenario name>.h5)\n"
	        "  --seed N            master seed (overrides $.seed)\n"
	        "  --replications R    Monte Carlo replications (overrides $.replications)\n"
	        "  --threads T         OpenMP threads for replications (default: all cores);\n"
	        "                      results do not depend on it\n"
	        "  --set path=value    override one scenario key, e.g. --set queue.servers=4\n"
	        "  --quiet             no progress bar and no summary\n");
	return code;
}

static int parse_int(const char *s, long long lo, long long hi, long long *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return 0;
	*out = v;
	return 1;
}

int run_cmd(int argc, char **argv)
{
	const char *path = NULL, *out = NULL;
	const char **sets = calloc((size_t)argc + 2, sizeof *sets);
	char seedset[64], repset[64];
	int nsets = 0, code = DAIS_EXIT_USAGE;
	struct run_opts o = { 0 };
	char *defout = NULL;
	if (!sets)
		return DAIS_EXIT_FAIL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		long long v;
		int more = i + 1 < argc;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			free(sets);
			return usage(stdout, DAIS_EXIT_OK);
		} else if (!strcmp(a, "-o") && more) {
			out = argv[++i];
		} else if (!strcmp(a, "--seed") && more) {
			if (!parse_int(argv[++i], 0, 9007199254740991LL, &v)) {
				fprintf(stderr, "dais run: --seed: expected an integer in [0, 2^53), got '%s'\n", argv[i]);
				goto done;
			}
			snprintf(seedset, sizeof seedset, "seed=%lld", v);
			sets[nsets++] = seedset;
		} else if (!strcmp(a, "--replications") && more) {
			if (!parse_int(argv[++i], 1, 1000000, &v)) {
				fprintf(stderr, "dais run: --replications: expected an integer in [1, 10^6], got '%s'\n", argv[i]);
				goto done;
			}
			snprintf(repset, sizeof repset, "replications=%lld", v);
			sets[nsets++] = repset;
		} else if (!strcmp(a, "--threads") && more) {
			if (!parse_int(argv[++i], 1, 4096, &v)) {
				fprintf(stderr, "dais run: --threads: expected an integer in [1, 4096], got '%s'\n", argv[i]);
				goto done;
			}
			o.threads = (int)v;
		} else if (!strcmp(a, "--set") && more) {
			sets[nsets++] = argv[++i];
		} else if (!strncmp(a, "--set=", 6)) {
			sets[nsets++] = a + 6;
		} else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
			o.quiet = 1;
		} else if (a[0] == '-') {
			fprintf(stderr, "dais run: unknown option '%s' (or a missing value)\n", a);
			usage(stderr, 0);
			goto done;
		} else if (!path) {
			path = a;
		} else {
			fprintf(stderr, "dais run: one scenario at a time (got '%s' and '%s')\n", path, a);
			goto done;
		}
	}
	if (!path) {
		usage(stderr, 0);
		goto done;
	}
	sim_diag d;
	diag_init(&d);
	scn *s = scn_load(path, sets, nsets, &d);
	if (!s) {
		diag_print(&d, stderr, "");
		diag_release(&d);
		goto done;
	}
	if (!out) {
		/* results/<basename without .json>.h5 */
		const char *b = strrchr(path, '/');
		b = b ? b + 1 : path;
		size_t n = strlen(b);
		if (n > 5 && !strcmp(b + n - 5, ".json"))
			n -= 5;
		defout = malloc(n + 16);
		if (!defout) {
			code = DAIS_EXIT_FAIL;
			scn_free(s);
			diag_release(&d);
			goto done;
		}
		snprintf(defout, n + 16, "results/%.*s.h5", (int)n, b);
		mkdir("results", 0777);
		out = defout;
	}
	o.out = out;
	sim_status st = run_scenario(s, &o, &d);
	diag_print(&d, stderr, "");
	if (st == SIM_EINTR)
		fprintf(stderr, "dais run: interrupted; nothing was written to %s. Run the same "
		                "command again to start over.\n", out);
	else if (st != SIM_OK && d.n == 0)
		fprintf(stderr, "dais run: %s\n", sim_strerror(st));
	code = sim_exit_code(st);
	if (st == SIM_EINTR)
		code = 130;
	scn_free(s);
	diag_release(&d);
done:
	free(defout);
	free(sets);
	return code;
}
