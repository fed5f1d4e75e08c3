/* compare.c — `dais compare`: results files side by side, and a scalar across
 * the points of a sweep (analysis/compare.h). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "analysis/compare.h"
#include "analysis/plot.h"
#include "h5/h5i.h"
#include "sim/file.h"
#include "sim/spawn.h"

static const char compare_usage[] =
	"usage: dais compare A.h5 B.h5 [MORE.h5...] [--csv] [--series NAME...] [-o DIR]\n"
	"                    [--format png,svg]\n"
	"       dais compare --sweep DIR --scalar NAME [--csv] [-o DIR] [--format png,svg]\n\n"
	"Prints the summary scalars of results files of `dais run` (or sweep points)\n"
	"side by side: each file's mean and 95% confidence interval of the mean, and\n"
	"for every file after the first (A) the difference of the means (B-A), the\n"
	"relative difference (B-A)/|A| and whether the two intervals overlap (\"no\":\n"
	"the difference is significant at 5% or less).  A scalar a file lacks is a\n"
	"blank.  With --sweep, prints a scalar at every point of a sweep (DIR holds\n"
	"the index.json of `dais sweep`) and draws it against the swept parameter (one\n"
	"numeric parameter) or the point index (more).\n\n"
	"  --csv             the table as tidy CSV (name,file,mean,...,overlap,unit)\n"
	"  --series NAME...  also draw these summary series of every file overlaid\n"
	"                    (names or comma-separated lists): DIR/NAME.png, .svg,\n"
	"                    and the NAME.dat table and NAME.gp script that made them\n"
	"  --sweep DIR       a sweep's output folder instead of files\n"
	"  --scalar NAME     (with --sweep) the scalar to tabulate and draw; repeatable,\n"
	"                    or a comma-separated list\n"
	"  -o DIR            where figures go (default: the current directory; with\n"
	"                    --sweep, the sweep's folder)\n"
	"  --format LIST     png, svg or png,svg (default)\n"
	"  --help            this text\n\n"
	"Without gnuplot on PATH the .dat and .gp files are written and the figures\n"
	"are not drawn.  Details: docs/results.md.\n\n"
	"examples:\n"
	"  dais run scenarios/baseline.json --replications 4 -o /tmp/a.h5\n"
	"  dais run scenarios/baseline.json --replications 4 --set nodes.entry_rate=2 -o /tmp/b.h5\n"
	"  dais compare /tmp/a.h5 /tmp/b.h5 --series chain_utilisation -o /tmp/cmp\n"
	"  dais sweep scenarios/sweeps/mm1_load.json -o /tmp/mm1\n"
	"  dais compare --sweep /tmp/mm1 --scalar mean_wait -o /tmp/cmp\n";

/* A list of names from the command line; comma-separated lists are split. */
struct names {
	char **v;
	int n;
};

static void names_add(struct names *l, const char *arg)
{
	while (*arg) {
		size_t k = strcspn(arg, ",");
		if (k > 0) {
			l->v = cli_xrealloc(l->v, (size_t)(l->n + 1) * sizeof *l->v);
			l->v[l->n] = cli_xrealloc(NULL, k + 1);
			memcpy(l->v[l->n], arg, k);
			l->v[l->n++][k] = 0;
		}
		arg += k;
		if (*arg == ',')
			arg++;
	}
}

static void names_release(struct names *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

struct compare_cmd {
	const char **files;
	int nfiles;
	struct names series, scalars;
	const char *sweep, *dir;
	int csv, draw;
	unsigned formats;
};

/* What a figure made, or why it was not drawn; to stderr under --csv, so
 * that stdout stays one CSV table. */
static void report_figure(const struct compare_cmd *a, const char *dir, const char *name)
{
	FILE *out = a->csv ? stderr : stdout;
	if (a->draw)
		fprintf(out, "%s/%s: %s%sdat gp\n", dir, name, a->formats & PLOT_PNG ? "png " : "",
		       a->formats & PLOT_SVG ? "svg " : "");
	else
		fprintf(out, "%s/%s: dat gp (not drawn: gnuplot is not on PATH; draw with: "
		       "cd %s && gnuplot %s.gp)\n", dir, name, dir, name);
}

static int compare_files(const struct compare_cmd *a, sim_diag *d)
{
	h5i **f = cli_xrealloc(NULL, (size_t)a->nfiles * sizeof *f);
	int rc = DAIS_EXIT_OK;
	for (int i = 0; i < a->nfiles; i++)
		if (!(f[i] = compare_open(a->files[i], d)))
			rc = DAIS_EXIT_USAGE; /* every bad file is named, not only the first */
	const char *dir = a->dir ? a->dir : ".";
	/* the folder first, so that a bad one is refused before anything is printed */
	if (!rc && a->series.n && file_mkdir_p(dir, d))
		rc = DAIS_EXIT_USAGE; /* a path the user gave that cannot be a folder */
	struct compare_tab t = { 0 };
	if (!rc) {
		sim_status st = compare_scalars(f, a->nfiles, &t, d);
		if (st)
			rc = sim_exit_code(st);
	}
	if (!rc) {
		if (a->csv)
			compare_print_csv(&t, a->files, stdout);
		else
			compare_print(&t, a->files, stdout);
		fflush(stdout);
	}
	for (int k = 0; !rc && k < a->series.n; k++) {
		sim_status st = compare_series(f, a->files, a->nfiles, a->series.v[k], dir, a->formats,
		                               a->draw, d);
		if (st)
			rc = sim_exit_code(st);
		else
			report_figure(a, dir, a->series.v[k]);
	}
	compare_tab_release(&t);
	for (int i = 0; i < a->nfiles; i++)
		h5i_close(f[i]);
	free(f);
	return rc;
}

static int compare_sweep(const struct compare_cmd *a, sim_diag *d)
{
	const char *dir = a->dir ? a->dir : a->sweep;
	int rc = DAIS_EXIT_OK;
	for (int k = 0; !rc && k < a->scalars.n; k++) {
		struct compare_sweep s;
		sim_status st = compare_sweep_load(a->sweep, a->scalars.v[k], &s, d);
		if (st) {
			rc = DAIS_EXIT_USAGE; /* no index, or no such scalar: the input's fault */
			break;
		}
		if (k > 0 && !a->csv)
			putchar('\n');
		compare_sweep_print(&s, a->scalars.v[k], a->csv, stdout);
		fflush(stdout);
		if (file_mkdir_p(dir, d))
			rc = DAIS_EXIT_USAGE;
		else if ((st = compare_sweep_figure(&s, a->sweep, a->scalars.v[k], dir, a->formats,
		                                    a->draw, d)))
			rc = sim_exit_code(st);
		else
			report_figure(a, dir, a->scalars.v[k]);
		compare_sweep_release(&s);
	}
	return rc;
}

int cmd_compare(int argc, char **argv)
{
	struct compare_cmd a = { .formats = PLOT_PNG | PLOT_SVG };
	const char *fmt = NULL, *scalar = NULL;
	int series = 0;
	struct cli c;
	cli_begin(&c, argc, argv, compare_usage);
	while (cli_next(&c)) {
		if (cli_flag(&c, "--series", NULL, &series)) {
			/* the names that follow, up to the next option */
			int before = a.series.n;
			while (c.i + 1 < argc && argv[c.i + 1][0] != '-')
				names_add(&a.series, argv[++c.i]);
			if (a.series.n == before)
				cli_fail(&c, "--series needs at least one name");
		} else if (cli_str(&c, "--scalar", NULL, &scalar)) {
			if (scalar)
				names_add(&a.scalars, scalar);
			scalar = NULL;
		} else if (cli_str(&c, "--format", NULL, &fmt)) {
			if (fmt && plot_parse_formats(fmt, &a.formats))
				cli_fail(&c, "--format: expected png, svg or png,svg, got '%s'", fmt);
		} else if (cli_path(&c, "-o", "--output", &a.dir) ||
		           cli_path(&c, "--sweep", NULL, &a.sweep) || cli_flag(&c, "--csv", NULL, &a.csv)) {
			continue;
		} else if (cli_is_operand(&c)) {
			a.files = cli_xrealloc(a.files, (size_t)(a.nfiles + 1) * sizeof *a.files);
			a.files[a.nfiles++] = argv[c.i];
		} else {
			cli_unknown(&c);
		}
	}
	if (c.status < 0 && a.sweep && (a.nfiles || a.series.n))
		cli_fail(&c, "--sweep compares the points of one sweep: no files and no --series");
	else if (c.status < 0 && a.sweep && a.scalars.n == 0)
		cli_fail(&c, "--sweep needs --scalar NAME");
	else if (c.status < 0 && !a.sweep && a.scalars.n)
		cli_fail(&c, "--scalar goes with --sweep DIR (files show every scalar)");
	else if (c.status < 0 && !a.sweep && a.nfiles == 1)
		cli_fail(&c, "needs at least two results files, got one ('%s')", a.files[0]);
	int rc;
	if (cli_end(&c, a.sweep || a.nfiles >= 2)) {
		rc = c.status;
	} else {
		a.draw = spawn_have("gnuplot");
		sim_diag d;
		diag_init(&d);
		rc = a.sweep ? compare_sweep(&a, &d) : compare_files(&a, &d);
		cli_print_diag(&d, "dais compare: ");
		diag_release(&d);
	}
	names_release(&a.series);
	names_release(&a.scalars);
	free(a.files);
	return rc;
}
