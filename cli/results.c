/* results.c — the verbs that read a results file: `dais info`, `dais export`
 * and `dais plot` (analysis/info.h, export.h, plot.h). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "analysis/export.h"
#include "analysis/info.h"
#include "analysis/plot.h"
#include "h5/h5i.h"
#include "sim/file.h"
#include "sim/near.h"
#include "sim/rec.h"
#include "sim/spawn.h"

/* Opens a results file named on the command line; NULL after printing why. */
static h5i *open_results(const char *verb, const char *path)
{
	sim_diag d;
	diag_init(&d);
	h5i *f = h5i_open(path, &d);
	char prefix[64];
	snprintf(prefix, sizeof prefix, "dais %s: ", verb);
	cli_print_diag(&d, prefix);
	diag_release(&d);
	return f;
}

/* ---- info ---------------------------------------------------------------------- */

static const char info_usage[] =
	"usage: dais info RESULTS.h5 [--json]\n\n"
	"Prints the provenance of a results file (version, model, seed, replications,\n"
	"date, wall time, host, compiler), its tree of datasets with shapes and units,\n"
	"and the summary scalars with the mean and 95% confidence interval.\n\n"
	"  --json    print the resolved scenario the run used, as JSON\n"
	"  --help    this text\n";

int cmd_info(int argc, char **argv)
{
	const char *path = NULL;
	int json = 0;
	struct cli c;
	cli_begin(&c, argc, argv, info_usage);
	while (cli_next(&c))
		if (!cli_flag(&c, "--json", NULL, &json))
			cli_one_arg(&c, &path, "results file");
	if (cli_end(&c, path != NULL))
		return c.status;
	h5i *f = open_results("info", path);
	if (!f)
		return DAIS_EXIT_USAGE;
	/* Every checksum is checked first: a damaged file is said to be one
	 * (exit 2) after what can be read of it is printed. */
	sim_diag d;
	diag_init(&d);
	int rc = h5i_verify(f, &d) ? DAIS_EXIT_USAGE : DAIS_EXIT_OK;
	if (!json)
		info_print(f);
	else if (info_print_json(f, &d))
		rc = DAIS_EXIT_USAGE;
	cli_print_diag(&d, "dais info: ");
	diag_release(&d);
	h5i_close(f);
	return rc;
}

/* ---- export ---------------------------------------------------------------------- */

static const char export_usage[] =
	"usage: dais export RESULTS.h5 SERIES... [-o DIR] [--csv]\n"
	"       dais export RESULTS.h5 --csv [-o DIR]\n"
	"       dais export RESULTS.h5 --scalars [--csv] [-o DIR]\n\n"
	"Writes DIR/SERIES.dat (default DIR: ., created if missing) for each named\n"
	"series of the summary: time, then per column mean, p05, p95, ci95_lo,\n"
	"ci95_hi and p50 across replications (gnuplot tables).  'dais info\n"
	"RESULTS.h5' lists the series.\n\n"
	"  --csv       tidy CSV instead, one value a line: DIR/SERIES.csv with\n"
	"              date,series,column,statistic,value,unit (every series when\n"
	"              none is named); reads as it is with pandas.read_csv\n"
	"  --scalars   every summary scalar on stdout, one per line: name, mean,\n"
	"              95% CI of the mean, finite values, replications, units;\n"
	"              with --csv: name,statistic,value,unit (to DIR/scalars.csv\n"
	"              when -o is given)\n"
	"  -o DIR      output folder\n"
	"  --help      this text\n";

/* The scalars, as text or CSV, to stdout or DIR/scalars.csv. */
static sim_status export_scalars_to(h5i *f, int csv, const char *dir, sim_diag *d)
{
	if (!dir)
		return csv ? export_scalars_csv(f, stdout, d) : export_scalars(f, stdout, d);
	char path[4096];
	snprintf(path, sizeof path, "%s/scalars.%s", dir, csv ? "csv" : "txt");
	struct file_atomic a;
	sim_status st = file_atomic_open(&a, path, d);
	if (st)
		return st;
	st = csv ? export_scalars_csv(f, a.f, d) : export_scalars(f, a.f, d);
	if (st) {
		file_atomic_abort(&a);
		return st;
	}
	return file_atomic_commit(&a, d);
}

int cmd_export(int argc, char **argv)
{
	const char *file = NULL, *dir = NULL, *one = NULL;
	const char **series = NULL;
	int ns = 0, scalars = 0, csv = 0;
	struct cli c;
	cli_begin(&c, argc, argv, export_usage);
	while (cli_next(&c)) {
		if (cli_path(&c, "-o", NULL, &dir) || cli_flag(&c, "--scalars", NULL, &scalars) ||
		    cli_flag(&c, "--csv", NULL, &csv) || cli_arg(&c, &file))
			continue;
		if (!cli_arg(&c, &one)) {
			cli_unknown(&c);
			continue;
		}
		series = cli_xrealloc(series, (size_t)(ns + 1) * sizeof *series);
		series[ns++] = one;
		one = NULL;
	}
	/* series or --scalars, not both; --csv alone means every series */
	if (cli_end(&c, file && !(ns && scalars) && (ns || scalars || csv))) {
		free(series);
		return c.status;
	}
	sim_diag d;
	diag_init(&d);
	char **all = NULL;
	size_t nall = 0;
	h5i *f = h5i_open(file, &d);
	sim_status st = f ? SIM_OK : SIM_EINVAL;
	/* the folder first, so that a bad one is refused before anything is read */
	const char *outdir = dir ? dir : ".";
	if (!st && (dir || !scalars) && file_mkdir_p(outdir, &d) != SIM_OK)
		st = SIM_EINVAL; /* a path the user gave that cannot be a folder: bad input */
	if (!st && csv && !scalars && ns == 0 && !(st = h5i_summary_list(f, 0, &all, &nall, &d))) {
		series = cli_xrealloc(series, (nall ? nall : 1) * sizeof *series);
		for (size_t i = 0; i < nall; i++)
			series[ns++] = all[i];
	}
	if (!st && scalars)
		st = export_scalars_to(f, csv, dir, &d);
	for (int i = 0; !st && i < ns; i++) {
		char path[4096];
		if (!rec_valid_name(series[i])) { /* a file name: never '/', never ".." */
			diag_add(&d, "%s: a series name is not [A-Za-z0-9_]+; not exported", file);
			st = SIM_EINVAL;
			break;
		}
		snprintf(path, sizeof path, "%s/%s.%s", outdir, series[i], csv ? "csv" : "dat");
		sim_status s = csv ? export_series_csv_file(f, series[i], path, &d)
		                   : plot_write_dat(f, series[i], path, &d);
		if (s != SIM_OK && st == SIM_OK)
			st = s;
	}
	h5i_names_free(all, nall);
	h5i_close(f);
	cli_print_diag(&d, "dais export: ");
	diag_release(&d);
	free(series);
	return sim_exit_code(st);
}

/* ---- plot ------------------------------------------------------------------------- */

static const char plot_usage[] =
	"usage: dais plot RESULTS.h5 [-o DIR] [--series NAME...] [--format png,svg]\n\n"
	"Draws every summary time series of a results file with gnuplot: the mean\n"
	"across replications, the band where 90% of replications land (p05-p95)\n"
	"and the 95% confidence interval of the mean.  DIR receives NAME.png,\n"
	"NAME.svg, and the NAME.dat table and NAME.gp script that made them\n"
	"(edit and re-run with: cd DIR && gnuplot NAME.gp).  Dated time axes show\n"
	"calendar years; a series never negative starts its axis at 0; columns zero\n"
	"throughout are left out and named; titles and labels give long names and units.\n\n"
	"  -o DIR           output directory (default: figures/ beside RESULTS.h5)\n"
	"  --series NAME... only these series (names or comma-separated lists)\n"
	"  --format LIST    png, svg or png,svg (default)\n"
	"  --help           this text\n";

/* The series asked for: names, each possibly a comma-separated list. */
struct selection {
	char **v;
	int n;
};

static int count_in(const char *list, const char *name, size_t len)
{
	while (*list) {
		size_t k = strcspn(list, ",");
		if (k == len && !strncmp(list, name, len))
			return 1;
		list += k;
		if (*list == ',')
			list++;
	}
	return 0;
}

/* Whether name is selected (everything is when nothing was asked for). */
static int selected(const struct selection *s, const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (count_in(s->v[i], name, strlen(name)))
			return 1;
	return s->n == 0;
}

/* Names asked for that the file does not have. */
static int report_missing(const struct selection *s, char **names, size_t n, const char *path,
                          sim_diag *d)
{
	int bad = 0;
	for (int i = 0; i < s->n; i++)
		for (const char *p = s->v[i]; *p;) {
			size_t k = strcspn(p, ",");
			int found = 0;
			for (size_t j = 0; j < n && !found; j++)
				found = strlen(names[j]) == k && !strncmp(names[j], p, k);
			if (!found && k > 0) {
				char word[64], buf[96];
				snprintf(word, sizeof word, "%.*s", (int)k, p);
				struct sim_near nr = SIM_NEAR(word);
				for (size_t j = 0; j < n; j++)
					sim_near_try(&nr, names[j]);
				diag_add(d, "%s: no summary of series '%.*s'%s", path, (int)k, p,
				         sim_did_you_mean(buf, sizeof buf, &nr));
				bad = 1;
			}
			p += k;
			if (*p == ',')
				p++;
		}
	return bad;
}

/* Draws the selected series of f into outdir; the exit status. */
static int plot_all(h5i *f, const char *path, const char *outdir, const struct selection *sel,
                    unsigned formats, sim_diag *d)
{
	char **names = NULL;
	size_t n = 0;
	int rc = DAIS_EXIT_OK;
	if (!h5i_is_group(f, "/summary")) {
		diag_add(d, "%s: no /summary to plot", path);
		return DAIS_EXIT_USAGE;
	}
	if (h5i_summary_list(f, 0, &names, &n, d))
		return DAIS_EXIT_FAIL;
	if (report_missing(sel, names, n, path, d)) {   /* a misspelt name: nothing drawn */
		h5i_names_free(names, n);
		return DAIS_EXIT_USAGE;
	}
	if (file_mkdir_p(outdir, d)) {
		h5i_names_free(names, n);
		return DAIS_EXIT_FAIL;
	}
	int done = 0;
	for (size_t i = 0; i < n; i++) {
		if (!selected(sel, names[i]))
			continue;
		char *note = NULL;
		sim_status st = plot_series(f, names[i], outdir, formats, &note, d);
		if (st != SIM_OK && rc != DAIS_EXIT_USAGE)
			rc = sim_exit_code(st); /* 2: a name or table the file should not hold */
		else if (st == SIM_OK)
			printf("%s/%s: %s%sdat gp%s%s\n", outdir, names[i],
			       formats & PLOT_PNG ? "png " : "", formats & PLOT_SVG ? "svg " : "",
			       note ? "; " : "", note ? note : "");
		free(note);
		done++;
	}
	if (done == 0 && rc == DAIS_EXIT_OK)
		diag_add(d, "%s: no summary time series to plot", path);
	h5i_names_free(names, n);
	return rc;
}

int cmd_plot(int argc, char **argv)
{
	const char *path = NULL, *outdir = NULL, *fmt = NULL;
	struct selection sel = { argv, 0 };
	int series = 0;
	unsigned formats = PLOT_PNG | PLOT_SVG;
	struct cli c;
	cli_begin(&c, argc, argv, plot_usage);
	while (cli_next(&c)) {
		if (cli_flag(&c, "--series", NULL, &series)) {
			/* the names that follow, up to the next option */
			sel.v = argv + c.i + 1;
			while (c.i + 1 < argc && argv[c.i + 1][0] != '-') {
				c.i++;
				sel.n++;
			}
			if (sel.n == 0)
				cli_fail(&c, "--series needs at least one name");
		} else if (cli_str(&c, "--format", NULL, &fmt)) {
			if (fmt && plot_parse_formats(fmt, &formats))
				cli_fail(&c, "--format: expected png, svg or png,svg, got '%s'", fmt);
		} else if (!cli_path(&c, "-o", "--output", &outdir)) {
			cli_one_arg(&c, &path, "results file");
		}
	}
	if (cli_end(&c, path != NULL))
		return c.status;
	if (!spawn_have("gnuplot")) {
		fprintf(stderr, "dais plot: gnuplot not found on PATH; install it "
		                "(Debian: apt-get install gnuplot-nox)\n");
		return DAIS_EXIT_FAIL;
	}
	h5i *f = open_results("plot", path);
	if (!f)
		return DAIS_EXIT_USAGE;
	char *defdir = NULL;
	if (!outdir) { /* figures/ beside the results file */
		const char *slash = strrchr(path, '/');
		int n = slash ? (int)(slash - path) : 1;
		if (asprintf(&defdir, "%.*s/figures", n, slash ? path : ".") < 0)
			defdir = NULL;
		outdir = defdir ? defdir : "figures";
	}
	sim_diag d;
	diag_init(&d);
	int rc = plot_all(f, path, outdir, &sel, formats, &d);
	cli_print_diag(&d, "dais plot: ");
	diag_release(&d);
	free(defdir);
	h5i_close(f);
	return rc;
}
