/* main.c — the dais command: the table of verbs and the dispatch.
 *
 * Each verb lives in its own file of cli/ (cli.h lists them) with the
 * signature int cmd_NAME(int argc, char **argv), argv[0] being the verb; it
 * returns an exit status (0 ok, 1 failure, 2 bad input or usage, 130
 * interrupted) and handles its own --help.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "sim/buildinfo.h"
#include "sim/near.h"

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

/* One row per verb; keep in the order `dais --help` lists them. */
static const struct cmd cmds[] = {
	{ "run",              cmd_run,               "run a scenario and write its results (HDF5)" },
	{ "validate",         cmd_validate,          "check scenario files against the schema" },
	{ "info",             cmd_info,              "print provenance, layout and summary of a results file" },
	{ "plot",             cmd_plot,              "draw the summary time series of a results file (gnuplot)" },
	{ "export",           cmd_export,            "write summary time series as text tables for figures" },
	{ "compare",          cmd_compare,           "results files side by side, or a scalar across a sweep's points" },
	{ "sweep",            cmd_sweep,             "run a scenario over a grid of parameter values (one file per point)" },
	{ "sensitivity",      cmd_sensitivity,       "one-at-a-time sensitivity of the outputs (tornado)" },
	{ "uncertainty",      cmd_uncertainty,       "parameter uncertainty: Sobol indices, Morris screening, Latin hypercube" },
	{ "backtest",         cmd_backtest,          "fit the node-growth model to Bitcoin's hash rate and report held-out errors" },
	{ "capacity",         cmd_capacity,          "compute the capacity table (throughput at a latency objective)" },
	{ "validate-serving", cmd_validate_serving,  "compare the serving model's model timing with driven timing" },
	{ "engine",           cmd_engine,            "run and time the inference engine on a model file or synthetic shape" },
	{ "calibrate",        cmd_calibrate,         "measure this machine and write an engine cost profile" },
	{ "regress",          cmd_regress,           "check key projections against their golden values (tests/golden)" },
	{ "bench",            cmd_bench,             "measure the event core (dais bench des)" },
	{ "schema",           cmd_schema,            "print the scenario schema (Markdown or JSON)" },
	{ NULL, NULL, NULL }
};

static void usage(FILE *f)
{
	fprintf(f, "usage: dais <command> [options]\n\n"
	           "DAIS, the Decentralized AI Simulator.\n\ncommands:\n");
	for (const struct cmd *c = cmds; c->name; c++)
		fprintf(f, "  %-17s %s\n", c->name, c->summary);
	fprintf(f, "\n'dais <command> --help' describes a command; 'dais --version' prints the version.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return DAIS_EXIT_USAGE;
	}
	const char *verb = argv[1];
	if (!strcmp(verb, "--help") || !strcmp(verb, "-h") || !strcmp(verb, "help")) {
		usage(stdout);
		return DAIS_EXIT_OK;
	}
	if (!strcmp(verb, "--version") || !strcmp(verb, "version")) {
		printf("dais %s\n", dais_version);
		return DAIS_EXIT_OK;
	}
	for (const struct cmd *c = cmds; c->name; c++)
		if (!strcmp(c->name, verb))
			return c->fn(argc - 1, argv + 1);
	struct sim_near nr = SIM_NEAR(verb);
	for (const struct cmd *c = cmds; c->name; c++)
		sim_near_try(&nr, c->name);
	char buf[96];
	fprintf(stderr, "dais: unknown command '%s'%s\n", verb, sim_did_you_mean(buf, sizeof buf, &nr));
	usage(stderr);
	return DAIS_EXIT_USAGE;
}
