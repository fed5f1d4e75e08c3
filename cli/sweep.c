/* sweep.c — `dais sweep` and `dais sensitivity`: a scenario over a grid or a
 * one-at-a-time design (run/sweep.h), on one machine or over MPI ranks
 * (run/sweep_mpi.h). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "models/registry.h"
#include "run/sweep.h"
#include "run/run.h"
#include "run/sweep_mpi.h"
#include "run/uq.h"

#define SWEEP_OPTIONS \
	"  -o DIR         output directory (default: the file's \"output\", else\n" \
	"                 results/<sweep name>)\n" \
	"  --threads T    OpenMP threads, over the replications of several points\n" \
	"                 at once (default: all cores); results do not depend on it\n" \
	"  --resume       keep the points (and replications) an interrupted sweep\n" \
	"                 finished; run the rest\n" \
	"  --quiet        no progress lines\n" \
	"  --keep WHAT    what each point's file stores: summary (default: the\n" \
	"                 summary and each replication's scalars), scalars, or all\n" \
	"                 (every replication's series and events too)\n" \
	"  --set PATH=VALUE  override a scenario key at every point (repeatable),\n" \
	"                 after the file's \"set\" and before the point's own values\n" \
	"                 (one-at-a-time: a parameter's baseline; a grid's swept\n" \
	"                 paths are refused)\n"
#define SWEEP_FORMAT \
	"\nThe sweep file format is described in run/sweep.h and docs/cluster.md;\n" \
	"examples in scenarios/sweeps/.  Under MPI (make MPI=1):\n"

static const char sweep_usage[] =
	"usage: dais sweep SWEEP.json [-o DIR] [--threads T] [--resume] [--quiet] [--list]\n"
	"                  [--keep WHAT] [--set PATH=VALUE]...\n\n"
	"Runs a scenario at every point of a grid (or a one-at-a-time design,\n"
	"\"mode\": \"oat\") and writes one results file per point and an index.\n\n"
	SWEEP_OPTIONS
	"  --list         print the points and exit\n"
	"\nexample:\n"
	"  dais sweep scenarios/sweeps/mm1_load.json --set queue.customers=5000 -o /tmp/mm1\n"
	SWEEP_FORMAT
	"  mpirun -n N build/dais-mpi sweep SWEEP.json\n";

static const char sensitivity_usage[] =
	"usage: dais sensitivity SWEEP.json|PROBLEM.json [-o DIR] [--threads T] [--resume]\n"
	"                        [--quiet] [--keep WHAT] [--set PATH=VALUE]...\n\n"
	"Runs the baseline, then each parameter at its low and its high value\n"
	"(one at a time), and writes a tornado table and figure of the outputs.\n"
	"A problem file of `dais uncertainty` gives the ranges of its distributions\n"
	"(output: <its output>/tornado).  A parameter whose low and high runs are\n"
	"identical is named in a warning: it has no effect under the scenario.\n\n"
	SWEEP_OPTIONS
	SWEEP_FORMAT
	"  mpirun -n N build/dais-mpi sensitivity SWEEP.json\n";

struct sweep_cmd {
	const char *verb, *file, *dir;
	int list, oat;
	struct sweep_opts o;
	struct cli_sets sets;  /* --set, applied at every point */
};

/* Options into a; the exit status when the command is to end now, else -1. */
static int parse(struct sweep_cmd *a, int argc, char **argv)
{
	struct cli c;
	const char *keep = NULL;
	a->o.keep = RUN_KEEP_SUMMARY;
	cli_begin(&c, argc, argv, a->oat ? sensitivity_usage : sweep_usage);
	while (cli_next(&c)) {
		if (cli_str(&c, "--keep", NULL, &keep)) {
			if (c.status < 0 && (a->o.keep = run_keep_parse(keep)) < 0)
				cli_fail(&c, "--keep: expected all, summary or scalars, got '%s'", keep);
			continue;
		}
		if (cli_path(&c, "-o", NULL, &a->dir) ||
		    cli_intv(&c, "--threads", 1, 4096, &a->o.threads) ||
		    cli_flag(&c, "--resume", NULL, &a->o.resume) ||
		    cli_flag(&c, "--quiet", "-q", &a->o.quiet) ||
		    (!a->oat && cli_flag(&c, "--list", NULL, &a->list)) || cli_set(&c, &a->sets))
			continue;
		cli_one_arg(&c, &a->file, "sweep file");
	}
	return cli_end(&c, a->file != NULL) ? c.status : -1;
}

/* In a grid every point assigns every parameter: a --set of a swept path
 * could never take effect.  1 after saying so (on rank 0). */
static int refuse_swept_sets(const sweep *w, const struct cli_sets *s, const char *verb,
                             int rank)
{
	int bad = 0;
	for (int i = 0; i < s->n; i++) {
		size_t len = strcspn(s->v[i], "=");
		for (int k = 0; k < sweep_nparams(w); k++) {
			const char *path = sweep_param(w, k)->path;
			if (strlen(path) != len || strncmp(path, s->v[i], len))
				continue;
			if (rank == 0)
				fprintf(stderr, "dais %s: --set '%s': %s is swept by %s ($.parameters[%d]); "
				                "in a grid its values come from the sweep file (change them "
				                "there, or drop the --set)\n",
				        verb, s->v[i], path, sweep_name(w), k);
			bad = 1;
		}
	}
	return bad;
}

static void list_points(const sweep *w, const char *dir)
{
	for (int i = 0; i < sweep_npoints(w); i++) {
		char fn[32], what[512];
		sweep_point_file(i, fn, sizeof fn);
		sweep_describe_point(w, i, what, sizeof what);
		printf("%s/%s  %s\n", dir, fn, what);
	}
}

static void print_resume_hint(const struct sweep_cmd *a, const sweep *w, const int *status,
                              int size, int argc, char **argv)
{
	int done = 0;
	for (int i = 0; i < sweep_npoints(w); i++)
		done += status[i] == SWEEP_DONE;
	fprintf(stderr, "dais %s: interrupted; %d of %d points are done (%s/index.csv); the "
	                "finished ones and their replications are kept. To resume:\n   ",
	        a->verb, done, sweep_npoints(w), a->o.dir);
	if (size > 1)
		fprintf(stderr, " mpirun -n %d build/dais-mpi", size);
	else
		fprintf(stderr, " dais");
	for (int i = 0; i < argc; i++)
		fprintf(stderr, " %s", argv[i]);
	fprintf(stderr, "%s\n", a->o.resume ? "" : " --resume");
}

/* Runs the points (over the ranks when there are several); on rank 0 writes
 * the index and the tornado and reports.  Returns the exit status. */
static int run_points(struct sweep_cmd *a, sweep *w, int rank, int size, int argc, char **argv,
                      sim_diag *d)
{
	int *status = calloc((size_t)sweep_npoints(w), sizeof *status);
	if (!status)
		return DAIS_EXIT_FAIL;
	sim_status st = size > 1 ? sweep_mpi_run(w, &a->o, status, d)
	                         : sweep_run(w, &a->o, status, d);
	int code = st == SIM_EINTR ? 130 : DAIS_EXIT_OK;
	if (rank == 0) {
		if (st == SIM_OK || st == SIM_EINTR || st == SIM_EINVAL) {
			sim_status s2 = sweep_write_index(w, a->o.dir, status, d);
			if (s2 == SIM_OK && st == SIM_OK)
				s2 = sweep_write_tornado(w, a->o.dir, status, a->o.quiet, d);
			if (s2 == SIM_OK && st == SIM_OK)
				sweep_warn_no_effect(w, a->o.dir, status, stderr);
			if (st == SIM_OK)
				st = s2;
		}
		cli_print_diag(d, "");
		if (st == SIM_EINTR) {
			print_resume_hint(a, w, status, size, argc, argv);
		} else if (st != SIM_OK) {
			if (d->n == 0)
				fprintf(stderr, "dais %s: %s\n", a->verb, sim_strerror(st));
			code = sim_exit_code(st);
		} else if (!a->o.quiet) {
			printf("%s: %d points -> %s/index.csv%s\n", a->file, sweep_npoints(w), a->o.dir,
			       sweep_mode(w) == SWEEP_OAT ? ", tornado.csv" : "");
		}
	}
	free(status);
	return code;
}

/* The tornado of a problem file of `dais uncertainty`: its ranges, its
 * outputs, in <its output>/tornado by default. */
static sweep *load_problem(const char *file, const struct cli_sets *s, sim_diag *d)
{
	uq *q = uq_load(file, model_types, d);
	if (!q)
		return NULL;
	size_t n = strlen(uq_default_dir(q)) + 16;
	char *dir = malloc(n), *text = NULL;
	if (dir) {
		snprintf(dir, n, "%s/tornado", uq_default_dir(q));
		text = uq_sweep_json(q, dir);
	}
	sweep *w = text ? sweep_load_text_sets(text, file, s->v, s->n, model_types, d) : NULL;
	free(text);
	free(dir);
	uq_free(q);
	return w;
}

static int sweep_main(int argc, char **argv, int oat)
{
	struct sweep_cmd a = { .verb = argv[0], .oat = oat,
	                       .o = { .argv = argv, .argc = argc } };
	int code = parse(&a, argc, argv), rank = 0, size = 1;
	if (code >= 0) {
		cli_sets_release(&a.sets);
		return code;
	}
	int argc0 = argc;
	char **argv0 = argv;
	sweep_mpi_init(&argc, &argv, &rank, &size);
	run_install_signals(); /* loading checks every point: a Ctrl-C then is a clean stop */
	if (size == 1 && !sweep_mpi_built() && cli_refuse_plain_mpirun(a.verb))
		return DAIS_EXIT_USAGE;
	sim_diag d;
	diag_init(&d);
	sweep *w = oat && uq_is_problem(a.file)
	               ? load_problem(a.file, &a.sets, &d)
	               : sweep_load_sets(a.file, a.sets.v, a.sets.n, model_types, &d);
	if (!w) {
		if (rank == 0)
			cli_print_diag(&d, "");
		code = DAIS_EXIT_USAGE;
	} else if (!oat && sweep_mode(w) == SWEEP_GRID &&
	           refuse_swept_sets(w, &a.sets, a.verb, rank)) {
		code = DAIS_EXIT_USAGE;
	} else {
		if (oat)
			sweep_force_oat(w);
		a.o.dir = a.dir ? a.dir : sweep_default_dir(w);
		if (!a.list)
			code = run_points(&a, w, rank, size, argc0, argv0, &d);
		else if (rank == 0)
			list_points(w, a.o.dir);
	}
	if (code < 0)
		code = DAIS_EXIT_OK;
	sweep_free(w);
	cli_sets_release(&a.sets);
	diag_release(&d);
	sweep_mpi_finalize();
	return code;
}

int cmd_sweep(int argc, char **argv) { return sweep_main(argc, argv, 0); }
int cmd_sensitivity(int argc, char **argv) { return sweep_main(argc, argv, 1); }
