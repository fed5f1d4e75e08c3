/* regress.c — `dais regress`: the golden projections (run/regress.h). */
#include "cli.h"

#include <stdio.h>

#include "models/registry.h"
#include "run/regress.h"

static const char usage[] =
	"usage: dais regress [--update] [--threads T] [GOLDEN]\n\n"
	"Runs the scenarios named in GOLDEN (default tests/golden/projections.tsv)\n"
	"and checks each projection against its golden value and band; prints old\n"
	"and new values.  Exit status 1 when a projection left its band.  With\n"
	"--update, rewrites the golden values and prints what changed.\n";

int cmd_regress(int argc, char **argv)
{
	const char *golden = NULL;
	struct regress_opts o = { .models = model_types, .report = stdout };
	struct cli c;
	cli_begin(&c, argc, argv, usage);
	while (cli_next(&c))
		if (!cli_flag(&c, "--update", NULL, &o.update) &&
		    !cli_intv(&c, "--threads", 1, 4096, &o.threads) && !cli_arg(&c, &golden))
			cli_unknown(&c);
	if (cli_end(&c, 1))
		return c.status;
	char def[1024];
	if (!golden) {
		snprintf(def, sizeof def, "%s/tests/golden/projections.tsv", DAIS_SRCDIR);
		golden = def;
	}
	sim_diag d;
	diag_init(&d);
	int nout = 0;
	printf("%s %s\n", o.update ? "updating" : "checking", golden);
	sim_status st = regress_check(golden, &o, &nout, &d);
	cli_print_diag(&d, "dais regress: ");
	diag_release(&d);
	if (st != SIM_OK)
		return sim_exit_code(st);
	if (!o.update && nout)
		printf("%d projection%s outside %s band; if the change is deliberate, run "
		       "'make regress-update' and commit the new values\n", nout, nout == 1 ? "" : "s",
		       nout == 1 ? "its" : "their");
	return !o.update && nout ? DAIS_EXIT_FAIL : DAIS_EXIT_OK;
}
