/* validate.c — `dais validate` and `dais schema`: scenario files against the
 * schema (sim/scn.h) and against the checks of the model they name. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "models/registry.h"

static const char validate_usage[] =
	"usage: dais validate FILE... [--set PATH=VALUE]...\n\n"
	"Checks scenario files against the schema and then as 'dais run' reads them (the\n"
	"model's own checks: routing shares, chains, dates, data files), and prints every\n"
	"problem, one per line, to stderr, and 'FILE: ok' for each valid file.  --set overrides apply to every\n"
	"file, as with 'dais run'.  Exit status: 0 if all files are valid, 2 otherwise.\n\n"
	"  --set PATH=VALUE  override a key: seed=7, queue.servers=4, chains[sui].capacity_tps=900\n"
	"  -h, --help        show this help\n";

/* The checks 'dais run' makes when its model reads the scenario: 1 when it
 * passes, else 0 with every message printed. */
static int model_checks(const scn *s)
{
	const struct model_type *mt = model_find(scn_str(s, "model"));
	if (!mt)
		return 1;                       /* the schema names the models built in */
	void *params = calloc(1, mt->params_size ? mt->params_size : 1);
	if (!params)
		return 0;
	sim_diag d;
	diag_init(&d);
	sim_status st = mt->parse(params, s, &d);
	if (mt->release)
		mt->release(params);
	free(params);
	cli_print_diag(&d, "");
	diag_release(&d);
	return st == SIM_OK;
}

int cmd_validate(int argc, char **argv)
{
	const char **files = cli_xrealloc(NULL, (size_t)argc * sizeof *files);
	int nf = 0, rc = DAIS_EXIT_OK;
	struct cli_sets sets = { 0 };
	struct cli c;
	cli_begin(&c, argc, argv, validate_usage);
	while (cli_next(&c))
		if (!cli_set(&c, &sets)) {
			if (cli_is_operand(&c))
				files[nf++] = argv[c.i];
			else
				cli_unknown(&c);
		}
	if (cli_end(&c, nf > 0)) {
		rc = c.status;
		goto done;
	}
	for (int i = 0; i < nf; i++) {
		scn *s = cli_load(files[i], &sets);
		if (s && model_checks(s))
			printf("%s: ok\n", files[i]);
		else
			rc = DAIS_EXIT_USAGE;
		scn_free(s);
	}
done:
	cli_sets_release(&sets);
	free(files);
	return rc;
}

static const char schema_usage[] =
	"usage: dais schema [--markdown|--json]\n\n"
	"Prints the scenario schema: every key with its type, unit, default, valid\n"
	"values and meaning, as Markdown (the reference in docs/scenarios.md; the\n"
	"default) or as JSON (the section files merged, for tools).\n";

int cmd_schema(int argc, char **argv)
{
	int json = 0, markdown = 0;
	struct cli c;
	cli_begin(&c, argc, argv, schema_usage);
	while (cli_next(&c))
		if (cli_flag(&c, "--json", NULL, &json))
			markdown = 0;
		else if (cli_flag(&c, "--markdown", NULL, &markdown))
			json = 0;
		else
			cli_unknown(&c);
	if (cli_end(&c, 1))
		return c.status;
	char *s = json ? scn_schema_json() : scn_schema_markdown();
	if (!s) {
		fprintf(stderr, "dais schema: out of memory\n");
		return DAIS_EXIT_FAIL;
	}
	fputs(s, stdout);
	if (json)
		fputc('\n', stdout);
	free(s);
	return DAIS_EXIT_OK;
}
