/* uncertainty.c — `dais uncertainty`: a scenario under parameter uncertainty,
 * Sobol indices, Morris screening or Latin-hypercube propagation (run/uq.h),
 * on one machine or over MPI ranks. */
#include "cli.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/registry.h"
#include "run/run.h"
#include "run/sweep_mpi.h"
#include "run/uq.h"

static const char usage[] =
	"usage: dais uncertainty PROBLEM.json [-o DIR] [--method sobol|morris|lhs]\n"
	"                        [--samples N] [--threads T] [--seed S] [--bootstrap B]\n"
	"                        [--resume] [--quiet]\n\n"
	"Runs a scenario at the points of a sampling design drawn from the parameter\n"
	"distributions of a problem file and reports the distribution of its outputs\n"
	"and which parameters drive them.\n\n"
	"  -o DIR         output directory (default: the file's \"output\", else\n"
	"                 results/uncertainty/<problem name>)\n"
	"  --method M     sobol (default): Saltelli design, N (k + 2) runs, first-order\n"
	"                 and total Sobol indices with bootstrap intervals;\n"
	"                 morris: N trajectories, N (k + 1) runs, mu*, mu and sigma;\n"
	"                 lhs: N runs on a Latin hypercube, quantiles only\n"
	"  --samples N    base samples (sobol 512, morris 20, lhs 512 by default)\n"
	"  --threads T    OpenMP threads over the points (default: all cores);\n"
	"                 results do not depend on it\n"
	"  --seed S       master seed of the scenario, the designs and the bootstrap\n"
	"                 (default: the scenario's)\n"
	"  --bootstrap B  resamples for the Sobol intervals (default 1000)\n"
	"  --resume       keep the points DIR/uncertainty.partial holds; run the rest\n"
	"  --quiet        no progress lines and no table\n\n"
	"Writes DIR/uncertainty.h5 (design, outputs, p05/p50/p95, indices),\n"
	"DIR/indices_NAME.dat and dist_NAME.dat with their figures, and prints a\n"
	"table.  The problem file format is described in run/uq.h and\n"
	"docs/uncertainty.md.\n\n"
	"example (56 runs, about five seconds on two cores):\n"
	"  dais uncertainty scenarios/uncertainty/baseline.json --method morris --samples 4 -o /tmp/morris\n"
	"Under MPI (make MPI=1):\n"
	"  mpirun -n N build/dais-mpi uncertainty PROBLEM.json\n";

struct uq_cmd {
	const char *file, *dir, *method;
	long long samples, seed;
	struct uq_opts o;
};

static int parse(struct uq_cmd *a, int argc, char **argv)
{
	struct cli c;
	cli_begin(&c, argc, argv, usage);
	while (cli_next(&c)) {
		if (cli_path(&c, "-o", NULL, &a->dir) ||
		    cli_str(&c, "--method", NULL, &a->method) ||
		    cli_int(&c, "--samples", 2, 1000000, &a->samples) ||
		    cli_intv(&c, "--threads", 1, 4096, &a->o.threads) ||
		    cli_int(&c, "--seed", 0, 9007199254740991LL, &a->seed) ||
		    cli_intv(&c, "--bootstrap", 0, 100000, &a->o.nboot) ||
		    cli_flag(&c, "--resume", NULL, &a->o.resume) ||
		    cli_flag(&c, "--quiet", "-q", &a->o.quiet))
			continue;
		cli_one_arg(&c, &a->file, "problem file");
	}
	if (c.status < 0 && a->method && uq_method_of(a->method) < 0)
		cli_fail(&c, "--method: expected sobol, morris or lhs, got '%s'", a->method);
	return cli_end(&c, a->file != NULL) ? c.status : -1;
}

static void print_resume_hint(int size, int argc, char **argv, int resume)
{
	fprintf(stderr, "dais uncertainty: interrupted; the finished points are kept. To resume:\n   ");
	if (size > 1)
		fprintf(stderr, " mpirun -n %d build/dais-mpi", size);
	else
		fprintf(stderr, " dais");
	for (int i = 0; i < argc; i++)
		fprintf(stderr, " %s", argv[i]);
	fprintf(stderr, "%s\n", resume ? "" : " --resume");
}

/* Design, run, write, report; returns the exit status. */
static int run_problem(struct uq_cmd *a, const uq *q, int rank, int size, int argc, char **argv,
                       sim_diag *d)
{
	struct uq_result res;
	sim_status st = uq_design(q, &a->o, &res, d);
	if (st == SIM_OK)
		st = uq_run(q, &a->o, &res, d);
	if (st == SIM_OK && rank == 0) {
		st = uq_write(q, &a->o, &res, d);
		if (st == SIM_OK) {
			char ck[PATH_MAX];
			snprintf(ck, sizeof ck, "%s/uncertainty.partial", a->o.dir);
			unlink(ck);
		}
	}
	if (rank == 0 || st != SIM_OK)
		cli_print_diag(d, "");
	int code = DAIS_EXIT_OK;
	if (st == SIM_EINTR) {
		if (rank == 0)
			print_resume_hint(size, argc, argv, a->o.resume);
		code = 130;
	} else if (st == SIM_ERANGE) {
		code = DAIS_EXIT_USAGE;
	} else if (st != SIM_OK) {
		if (d->n == 0)
			fprintf(stderr, "dais uncertainty: %s\n", sim_strerror(st));
		code = sim_exit_code(st);
	} else if (rank == 0 && !a->o.quiet) {
		uq_warn_no_effect(q, &res, stderr);
		uq_print(q, &res, stdout);
		printf("\n%zu points (%zu run now) in %.1f s -> %s/uncertainty.h5\n", res.rows, res.ran,
		       res.wall_s, a->o.dir);
	}
	uq_result_release(&res);
	return code;
}

int cmd_uncertainty(int argc, char **argv)
{
	struct uq_cmd a = { .samples = 0, .seed = -1, .o = { .nboot = 1000 } };
	int code = parse(&a, argc, argv), rank = 0, size = 1;
	if (code >= 0)
		return code;
	a.o.method = a.method ? (enum uq_method)uq_method_of(a.method) : UQ_SOBOL;
	a.o.samples = a.samples ? (size_t)a.samples : a.o.method == UQ_MORRIS ? 20 : 512;
	a.o.have_seed = a.seed >= 0;
	a.o.seed = a.o.have_seed ? (uint64_t)a.seed : 0;
	int argc0 = argc;
	char **argv0 = argv;
	sweep_mpi_init(&argc, &argv, &rank, &size);
	run_install_signals();
	if (size == 1 && !sweep_mpi_built() && cli_refuse_plain_mpirun("uncertainty"))
		return DAIS_EXIT_USAGE;
	sim_diag d;
	diag_init(&d);
	uq *q = uq_load(a.file, model_types, &d);
	if (!q) {
		if (rank == 0)
			cli_print_diag(&d, "");
		code = DAIS_EXIT_USAGE;
	} else {
		a.o.dir = a.dir ? a.dir : uq_default_dir(q);
		code = run_problem(&a, q, rank, size, argc0, argv0, &d);
	}
	uq_free(q);
	diag_release(&d);
	sweep_mpi_finalize();
	return code;
}
