/* cli.h — the dais command line: its verbs, and what they share.
 *
 * cli/ is the front end, in the manner of Git's builtin/: main.c holds the
 * verb table, each family of verbs has its own file, and the library below
 * (sim, h5, models, analysis, run, engine) never parses argv, prints usage or
 * decides an exit status.  A verb is
 *
 *     int cmd_NAME(int argc, char **argv);    // argv[0] is the verb
 *
 * returning 0 (ok), 1 (a failure that is not the input's fault), 2 (bad
 * input or usage) or 130 (interrupted).  Verbs read their options with
 * struct cli, which gives every verb the same --help, the same messages and
 * the same strict numbers:
 *
 *     static const char usage[] = "usage: dais info RESULTS.h5 [--json]\n\n...";
 *     const char *path = NULL;
 *     int json = 0;
 *     struct cli c;
 *     cli_begin(&c, argc, argv, usage);
 *     while (cli_next(&c))
 *         if (!cli_flag(&c, "--json", NULL, &json) && !cli_arg(&c, &path))
 *             cli_unknown(&c);
 *     if (cli_end(&c, path != NULL))
 *         return c.status;                   // --help (0) or a usage error (2)
 *
 * Messages go to stderr as "dais VERB: ...": an unknown option, a missing
 * value, a number that is not wholly a number in its range ("--threads:
 * expected an integer in [1, 4096], got '2x'").
 */
#ifndef DAIS_CLI_H
#define DAIS_CLI_H

#include <stdio.h>

#include "sim/scn.h"
#include "sim/status.h"

/* ---- the verbs ---------------------------------------------------------------- */

int cmd_run(int argc, char **argv);               /* run.c */
int cmd_validate(int argc, char **argv);          /* validate.c */
int cmd_schema(int argc, char **argv);
int cmd_info(int argc, char **argv);              /* results.c */
int cmd_export(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_compare(int argc, char **argv);           /* compare.c */
int cmd_sweep(int argc, char **argv);             /* sweep.c */
int cmd_sensitivity(int argc, char **argv);
int cmd_uncertainty(int argc, char **argv);       /* uncertainty.c */
int cmd_backtest(int argc, char **argv);          /* backtest.c */
int cmd_capacity(int argc, char **argv);          /* serving.c */
int cmd_validate_serving(int argc, char **argv);
int cmd_engine(int argc, char **argv);            /* engine.c */
int cmd_calibrate(int argc, char **argv);
int cmd_regress(int argc, char **argv);           /* regress.c */
int cmd_bench(int argc, char **argv);             /* bench.c */

/* ---- options ------------------------------------------------------------------- */

struct cli {
	int argc;
	char **argv;
	const char *verb;     /* argv[0], for messages */
	const char *usage;    /* the --help text; its first paragraph goes with errors */
	int i;                /* the argument being looked at */
	int status;           /* -1 while all is well; else the exit status to return */
	int operands;         /* after "--": everything is an operand */
};

void cli_begin(struct cli *c, int argc, char **argv, const char *usage);

/* Moves to the next argument; 0 at the end, after --help (printed to stdout,
 * status 0) and after an error (status 2).  Skips "--", after which every
 * argument is an operand. */
int cli_next(struct cli *c);

/* Each matcher returns 1 when the current argument is its option (whether or
 * not its value was good; a bad one sets the status), else 0.  alias may be
 * NULL.  A value follows as the next argument or, for a long name, after '='
 * ("--threads=2"). */
int cli_flag(struct cli *c, const char *name, const char *alias, int *out);
int cli_str(struct cli *c, const char *name, const char *alias, const char **out);
/* cli_str for a file or folder name: an empty value is refused. */
int cli_path(struct cli *c, const char *name, const char *alias, const char **out);
/* An integer: all of the value in decimal, within [lo, hi]. */
int cli_int(struct cli *c, const char *name, long long lo, long long hi, long long *out);
/* cli_int into an int (lo and hi must fit). */
int cli_intv(struct cli *c, const char *name, int lo, int hi, int *out);
/* A finite number (strtod, all of it), within [lo, hi]. */
int cli_num(struct cli *c, const char *name, double lo, double hi, double *out);

/* An operand: takes the current argument into *out when it is not an option
 * and *out is still NULL; 0 otherwise. */
int cli_arg(struct cli *c, const char **out);
/* cli_arg for a verb that takes one operand: a second one is an error
 * ("one WHAT at a time (got 'a' and 'b')"), an unknown option too.  Use it
 * last in the chain: it always consumes the argument. */
int cli_one_arg(struct cli *c, const char **out, const char *what);
/* 1 when the current argument is an operand (not an option). */
int cli_is_operand(const struct cli *c);

/* Reports the current argument as an unknown option or an unexpected operand;
 * status 2. */
void cli_unknown(struct cli *c);
/* "dais VERB: <message>" and the first paragraph of the usage to stderr;
 * status 2.  Returns 2. */
int cli_fail(struct cli *c, const char *fmt, ...) SIM_PRINTF(2, 3);

/* After the loop: 1 when the verb must return c->status now (--help was
 * printed, or an error), including when !complete (a required operand is
 * missing: the usage goes to stderr, status 2). */
int cli_end(struct cli *c, int complete);

/* ---- scenario overrides ----------------------------------------------------------- */

/* The --set assignments of a command line, in order, and those a verb adds
 * itself (--seed N becomes "seed=N"). */
struct cli_sets {
	const char **v;  /* (n,) "path=value" */
	int n, cap;
	char **own;      /* (nown,) the strings cli_sets_addf made */
	int nown;
};

/* Matches --set PATH=VALUE and --set=PATH=VALUE. */
int cli_set(struct cli *c, struct cli_sets *s);
void cli_sets_add(struct cli_sets *s, const char *assignment);       /* borrowed */
void cli_sets_addf(struct cli_sets *s, const char *fmt, ...) SIM_PRINTF(2, 3);
void cli_sets_release(struct cli_sets *s);

/* Loads a scenario with the overrides; on error prints every message (each
 * naming the file or the --set, the JSON path, what was expected and what was
 * found) and returns NULL. */
scn *cli_load(const char *path, const struct cli_sets *s);

/* ---- the rest ---------------------------------------------------------------- */

/* Prints the messages of d to stderr with prefix ("dais VERB: " or ""). */
void cli_print_diag(const sim_diag *d, const char *prefix);

/* A plain dais (built without MPI) started by mpirun with several ranks
 * would do all the work on every rank: 1 after saying so (rank 0) and which
 * binary to use, else 0. */
int cli_refuse_plain_mpirun(const char *verb);

/* Allocation that cannot fail: on failure the command prints "dais: out of
 * memory" and exits 1 (as Git's xmalloc dies).  Only in cli/. */
void *cli_xrealloc(void *p, size_t n);

#endif
