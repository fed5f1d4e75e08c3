/* run.c — `dais run`: a scenario's replications into a results file (run/run.h). */
#include "cli.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models/registry.h"
#include "sim/file.h"
#include "run/run.h"

static const char usage[] =
	"usage: dais run SCENARIO [-o OUT.h5] [--seed N] [--replications R]\n"
	"                [--threads T] [--set path=value]... [--keep WHAT] [--quiet]\n"
	"                [--resume]\n\n"
	"Runs a scenario file and writes its results (HDF5).\n\n"
	"  -o OUT.h5           results file (default results/<scenario name>.h5)\n"
	"  --seed N            master seed (overrides $.seed)\n"
	"  --replications R    Monte Carlo replications (overrides $.replications)\n"
	"  --threads T         OpenMP threads for replications (default: all cores);\n"
	"                      results do not depend on it\n"
	"  --set path=value    override one scenario key, e.g. --set queue.servers=4\n"
	"  --keep WHAT         what the file stores: all (default: every replication's\n"
	"                      series, scalars and events, and the summary), summary\n"
	"                      (the summary and each replication's scalars), scalars\n"
	"                      (scalars only, each replication's and their summary)\n"
	"  --quiet             no progress bar and no summary\n"
	"  --resume            keep the replications an interrupted run saved in\n"
	"                      OUT.h5.parts/ and run only the missing ones\n";

/* results/<basename without .json>.h5, creating results/; NULL after a
 * message when results/ cannot be made. */
static char *default_out(const char *scenario)
{
	sim_diag d;
	diag_init(&d);
	sim_status st = file_mkdir_p("results", &d);
	cli_print_diag(&d, "dais run: ");
	diag_release(&d);
	if (st)
		return NULL;
	const char *b = strrchr(scenario, '/');
	b = b ? b + 1 : scenario;
	size_t n = strlen(b);
	if (n > 5 && !strcmp(b + n - 5, ".json"))
		n -= 5;
	char *out = cli_xrealloc(NULL, n + 16);
	snprintf(out, n + 16, "results/%.*s.h5", (int)n, b);
	return out;
}

/* What to tell the user after an interrupt: what was kept, and how to go on. */
static void interrupted(int argc, char **argv, const struct run_opts *o, int out_given)
{
	char pp[PATH_MAX];
	snprintf(pp, sizeof pp, "%s.parts", o->out);
	fprintf(stderr, "dais run: interrupted; nothing was written to %s.\n", o->out);
	if (access(pp, F_OK) != 0) {
		fprintf(stderr, "dais run: no replication had finished; run the same command "
		                "again to start over.\n");
		return;
	}
	fprintf(stderr, "dais run: finished replications are kept in %s/; to resume:\n   ", pp);
	for (int i = 0; i < argc; i++)
		fprintf(stderr, " %s", i == 0 ? "dais run" : argv[i]);
	fprintf(stderr, "%s%s%s\n", o->resume ? "" : " --resume", out_given ? "" : " -o ",
	        out_given ? "" : o->out);
}

int cmd_run(int argc, char **argv)
{
	const char *path = NULL;
	long long seed, reps;
	struct cli_sets sets = { 0 };
	struct run_opts o = { .models = model_types };
	const char *keep = NULL;
	struct cli c;
	cli_begin(&c, argc, argv, usage);
	while (cli_next(&c)) {
		if (cli_str(&c, "--keep", NULL, &keep)) {
			if (c.status < 0 && (o.keep = run_keep_parse(keep)) < 0)
				cli_fail(&c, "--keep: expected all, summary or scalars, got '%s'", keep);
		} else if (cli_int(&c, "--seed", 0, 9007199254740991LL, &seed)) {
			if (c.status < 0)
				cli_sets_addf(&sets, "seed=%lld", seed);
		} else if (cli_int(&c, "--replications", 1, 1000000, &reps)) {
			if (c.status < 0)
				cli_sets_addf(&sets, "replications=%lld", reps);
		} else if (!cli_path(&c, "-o", NULL, &o.out) &&
		           !cli_intv(&c, "--threads", 1, 4096, &o.threads) && !cli_set(&c, &sets) &&
		           !cli_flag(&c, "--quiet", "-q", &o.quiet) &&
		           !cli_flag(&c, "--resume", NULL, &o.resume)) {
			cli_one_arg(&c, &path, "scenario");
		}
	}
	if (cli_end(&c, path != NULL)) {
		cli_sets_release(&sets);
		return c.status;
	}
	int code = DAIS_EXIT_USAGE, out_given = o.out != NULL;
	char *defout = NULL;
	run_install_signals(); /* a Ctrl-C while the scenario loads is a clean stop too */
	scn *s = cli_load(path, &sets);
	if (!s)
		goto done;
	if (!o.out && !(o.out = defout = default_out(path))) {
		code = DAIS_EXIT_FAIL;
		goto done;
	}
	if (o.resume && run_file_check(o.out, s) == RUN_FILE_DONE) {
		run_out_tidy(o.out);
		if (!o.quiet)
			printf("%s: already complete (same scenario); nothing to do\n", o.out);
		code = DAIS_EXIT_OK;
		goto done;
	}
	sim_diag d;
	diag_init(&d);
	sim_status st = run_scenario(s, &o, &d);
	cli_print_diag(&d, "");
	if (st == SIM_EINTR)
		interrupted(argc, argv, &o, out_given);
	else if (st != SIM_OK && d.n == 0)
		fprintf(stderr, "dais run: %s\n", sim_strerror(st));
	diag_release(&d);
	code = st == SIM_EINTR ? 130 : sim_exit_code(st);
done:
	scn_free(s);
	free(defout);
	cli_sets_release(&sets);
	return code;
}
