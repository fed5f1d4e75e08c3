/* plot.c — summary figures through gnuplot (see plot.h).
 *
 * gnuplot runs on a script file rather than a pipe, so that what made a
 * figure stays beside it and can be edited and re-run.
 */
#include "plot.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The statistics of a series, in table order. */
static const char *const dat_stat[] = { "mean", "p05", "p95", "ci95_lo", "ci95_hi", "p50" };
enum { NSTAT = 6 };

struct table {
	struct h5i_data s[NSTAT];
	struct h5i_data t;     /* the time axis, n == 0 when absent */
	size_t rows, cols;
	char *units;           /* of the series */
	long replications;
};

static void table_release(struct table *tb)
{
	for (int k = 0; k < NSTAT; k++)
		h5i_data_release(&tb->s[k]);
	h5i_data_release(&tb->t);
	free(tb->units);
}

static sim_status table_load(const h5i *f, const char *series, struct table *tb, sim_diag *d)
{
	memset(tb, 0, sizeof *tb);
	char path[512];
	snprintf(path, sizeof path, "/summary/timeseries/%s", series);
	if (!h5i_is_group(f, path)) {
		diag_add(d, "%s: no summary of series '%s'", h5i_name(f), series);
		return SIM_EINVAL;
	}
	sim_status st;
	for (int k = 0; k < NSTAT; k++) {
		snprintf(path, sizeof path, "/summary/timeseries/%s/%s", series, dat_stat[k]);
		if ((st = h5i_read(f, path, &tb->s[k], d)))
			goto fail;
		if (tb->s[k].n != tb->s[0].n) {
			diag_add(d, "%s: %s: shape differs from mean", h5i_name(f), path);
			st = SIM_EINVAL;
			goto fail;
		}
	}
	tb->rows = tb->s[0].rank >= 1 ? tb->s[0].dims[0] : 1;
	tb->cols = tb->s[0].rank == 2 ? tb->s[0].dims[1] : 1;
	if (h5i_is_dataset(f, "/summary/timeseries/t")) {
		if ((st = h5i_read(f, "/summary/timeseries/t", &tb->t, d)))
			goto fail;
		if (tb->t.n != tb->rows)
			h5i_data_release(&tb->t); /* not this series' axis: use row numbers */
	}
	if (!(tb->units = strdup(tb->s[0].units))) {
		st = SIM_ENOMEM;
		goto fail;
	}
	double r = NAN;
	if (h5i_has_attr(f, "/summary", "replications") &&
	    h5i_attr_num(f, "/summary", "replications", &r, NULL) == SIM_OK)
		tb->replications = (long)r;
	return SIM_OK;
fail:
	table_release(tb);
	return st;
}

static const char *colname(const struct table *tb, size_t c, char *buf, size_t len)
{
	const struct h5i_data *m = &tb->s[0];
	if (m->columns && c < m->ncolumns)
		return m->columns[c];
	snprintf(buf, len, "%zu", c);
	return buf;
}

static void put_num(FILE *fp, double v)
{
	if (isnan(v))
		fputs(" NaN", fp);
	else
		fprintf(fp, " %.10g", v);
}

static sim_status write_table(const h5i *f, const char *series, const struct table *tb,
                              const char *path, sim_diag *d)
{
	FILE *fp = fopen(path, "w");
	if (!fp) {
		diag_add(d, "%s: %s", path, strerror(errno));
		return SIM_EIO;
	}
	char buf[32];
	fprintf(fp, "# dais: summary of /summary/timeseries/%s in %s\n", series, h5i_name(f));
	fprintf(fp, "# x: t (%s)%s; y: %s (%s); replications: %ld\n",
	        tb->t.n ? tb->t.units : "sample", tb->t.n ? "" : " row index",
	        series, tb->units, tb->replications);
	fprintf(fp, "# columns: 1 t, then at 2+6c for series column c: "
	            "mean p05 p95 ci95_lo ci95_hi p50\n");
	if (tb->s[0].columns) {
		fprintf(fp, "# series columns:");
		for (size_t c = 0; c < tb->cols; c++)
			fprintf(fp, " %zu=%s", c, colname(tb, c, buf, sizeof buf));
		fputc('\n', fp);
	}
	fprintf(fp, "# t");
	for (size_t c = 0; c < tb->cols; c++)
		for (int k = 0; k < NSTAT; k++)
			fprintf(fp, " %s_%zu", dat_stat[k], c);
	fputc('\n', fp);
	for (size_t r = 0; r < tb->rows; r++) {
		put_num(fp, tb->t.n ? tb->t.v[r] : (double)r);
		for (size_t c = 0; c < tb->cols; c++)
			for (int k = 0; k < NSTAT; k++)
				put_num(fp, tb->s[k].v[r * tb->cols + c]);
		fputc('\n', fp);
	}
	if (ferror(fp) | (fclose(fp) != 0)) {
		diag_add(d, "%s: write failed: %s", path, strerror(errno));
		return SIM_EIO;
	}
	return SIM_OK;
}

sim_status plot_write_dat(const h5i *f, const char *series, const char *path, sim_diag *d)
{
	struct table tb;
	sim_status st = table_load(f, series, &tb, d);
	if (st)
		return st;
	st = write_table(f, series, &tb, path, d);
	table_release(&tb);
	return st;
}

/* The range of the finite values (lo > hi when there are none). */
static void value_range(const struct table *tb, double *lo, double *hi)
{
	*lo = INFINITY;
	*hi = -INFINITY;
	for (int k = 0; k < NSTAT; k++)
		for (size_t i = 0; i < tb->s[k].n; i++) {
			double v = tb->s[k].v[i];
			if (!isfinite(v))
				continue;
			*lo = v < *lo ? v : *lo;
			*hi = v > *hi ? v : *hi;
		}
}

/* Log scale when every finite value is positive and they span > 3 decades. */
static int want_log(double lo, double hi)
{
	return lo > 0 && hi > lo && hi / lo > 1e3;
}

/* Writes s into a gnuplot double-quoted string. */
static void put_quoted(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

static sim_status write_script(const h5i *f, const char *series, const struct table *tb,
                               const char *path, unsigned formats, sim_diag *d)
{
	FILE *fp = fopen(path, "w");
	if (!fp) {
		diag_add(d, "%s: %s", path, strerror(errno));
		return SIM_EIO;
	}
	int bands = tb->replications != 1;
	char lbl[600], buf[32];
	fprintf(fp, "# generated by `dais plot` from %s\n"
	            "# edit and re-run in this directory: gnuplot %s.gp\n",
	        h5i_name(f), series);
	fprintf(fp, "set datafile missing \"NaN\"\nset grid\nset key top left noenhanced\n"
	            "set autoscale xfix\n");
	fprintf(fp, "set title ");
	if (bands && tb->cols > 1)
		snprintf(lbl, sizeof lbl, "%s\\nbands: 5-95%% of replications (light), "
		         "95%% CI of the mean (dark)", series);
	else
		snprintf(lbl, sizeof lbl, "%s", series);
	fprintf(fp, "\"%s\" noenhanced\n", lbl);
	fprintf(fp, "set xlabel ");
	snprintf(lbl, sizeof lbl, "t (%s)", tb->t.n ? tb->t.units : "sample");
	put_quoted(fp, lbl);
	fprintf(fp, " noenhanced\nset ylabel ");
	if (*tb->units)
		snprintf(lbl, sizeof lbl, "%s (%s)", series, tb->units);
	else
		snprintf(lbl, sizeof lbl, "%s", series);
	put_quoted(fp, lbl);
	fprintf(fp, " noenhanced\n");
	if (tb->cols > 4) /* a long legend goes beside the plot, not over it */
		fprintf(fp, "set key outside right top\n");
	double lo, hi;
	value_range(tb, &lo, &hi);
	if (want_log(lo, hi))
		fprintf(fp, "set logscale y\n");
	else if (lo == hi)   /* a constant series: a range around it, not gnuplot's warning */
		fprintf(fp, "set yrange [%.10g:%.10g]\n", lo - (lo ? 0.05 * fabs(lo) : 1),
		        hi + (hi ? 0.05 * fabs(hi) : 1));
	fprintf(fp, "dat = \"%s.dat\"\n", series);
	/* The first format's terminal comes before plot, the others replot. */
	static const char *const term[2] = { "pngcairo size 960,600 noenhanced",
	                                     "svg size 960,600 dynamic noenhanced" };
	static const char *const ext[2] = { "png", "svg" };
	int first = formats & PLOT_PNG ? 0 : 1;
	fprintf(fp, "set terminal %s\nset output \"%s.%s\"\n", term[first], series, ext[first]);
	fprintf(fp, "plot \\\n");
	/* Light bands, then dark bands, then lines, so that no line is hidden. */
	const char *sep = "";
	for (int layer = bands ? 0 : 2; layer < 3; layer++)
		for (size_t c = 0; c < tb->cols; c++) {
			size_t b = 2 + 6 * c; /* mean; p05 p95 ci_lo ci_hi p50 follow */
			int one = tb->cols == 1;
			fprintf(fp, "%s", sep);
			sep = ", \\\n";
			if (layer == 0)
				fprintf(fp, "  dat using 1:%zu:%zu with filledcurves lc %zu "
				            "fs transparent solid 0.15 noborder title ", b + 1, b + 2, c + 1);
			else if (layer == 1)
				fprintf(fp, "  dat using 1:%zu:%zu with filledcurves lc %zu "
				            "fs transparent solid 0.35 noborder title ", b + 3, b + 4, c + 1);
			else
				fprintf(fp, "  dat using 1:%zu with lines lw 2 lc %zu dt %zu title ", b, c + 1,
				        c / 8 + 1); /* 8 colours, then dashes */
			put_quoted(fp, layer == 2 ? (one ? "mean" : colname(tb, c, buf, sizeof buf))
			               : !one ? ""
			               : layer == 0 ? "5-95% of replications" : "95% CI of the mean");
		}
	fprintf(fp, "\n");
	if (first == 0 && (formats & PLOT_SVG))
		fprintf(fp, "set terminal %s\nset output \"%s.%s\"\nreplot\n", term[1], series,
		        ext[1]);
	fprintf(fp, "set output\n");
	if (ferror(fp) | (fclose(fp) != 0)) {
		diag_add(d, "%s: write failed: %s", path, strerror(errno));
		return SIM_EIO;
	}
	return SIM_OK;
}

int plot_have_gnuplot(void)
{
	const char *p = getenv("PATH");
	if (!p)
		return 0;
	while (*p) {
		size_t n = strcspn(p, ":");
		char buf[4096];
		if (n > 0 && n + 9 < sizeof buf) {
			memcpy(buf, p, n);
			strcpy(buf + n, "/gnuplot");
			if (access(buf, X_OK) == 0)
				return 1;
		}
		p += n;
		if (*p == ':')
			p++;
	}
	return 0;
}

/* Runs `gnuplot script` with dir as the working directory. */
static sim_status run_gnuplot(const char *dir, const char *script, sim_diag *d)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		diag_add(d, "cannot start gnuplot: %s", strerror(errno));
		return SIM_EIO;
	}
	if (pid == 0) {
		/* With no display the default terminal would complain; outputs are files. */
		setenv("GNUTERM", "unknown", 1);
		if (chdir(dir) != 0)
			_exit(126);
		execlp("gnuplot", "gnuplot", script, (char *)NULL);
		_exit(127);
	}
	int ws;
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR) {
			diag_add(d, "gnuplot: %s", strerror(errno));
			return SIM_EIO;
		}
	if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
		diag_add(d, "%s/%s: gnuplot failed (%s %d)", dir, script,
		         WIFEXITED(ws) ? "exit status" : "signal",
		         WIFEXITED(ws) ? WEXITSTATUS(ws) : WTERMSIG(ws));
		return SIM_EIO;
	}
	return SIM_OK;
}

sim_status plot_series(const h5i *f, const char *series, const char *dir,
                       unsigned formats, sim_diag *d)
{
	struct table tb;
	sim_status st = table_load(f, series, &tb, d);
	if (st)
		return st;
	char *dat = NULL, *gp = NULL, *gpname = NULL;
	if (asprintf(&dat, "%s/%s.dat", dir, series) < 0)
		dat = NULL;
	if (asprintf(&gp, "%s/%s.gp", dir, series) < 0)
		gp = NULL;
	if (asprintf(&gpname, "%s.gp", series) < 0)
		gpname = NULL;
	if (!dat || !gp || !gpname) {
		diag_add(d, "out of memory");
		st = SIM_ENOMEM;
	} else if (!(st = write_table(f, series, &tb, dat, d)) &&
	           !(st = write_script(f, series, &tb, gp, formats, d))) {
		st = run_gnuplot(dir, gpname, d);
	}
	free(dat);
	free(gp);
	free(gpname);
	table_release(&tb);
	return st;
}

/* ---- the command ----------------------------------------------------------- */

static void plot_usage(FILE *f)
{
	fprintf(f, "usage: dais plot RESULTS.h5 [-o DIR] [--series NAME...] [--format png,svg]\n\n"
	           "Draws every summary time series of a results file with gnuplot: the mean\n"
	           "across replications, the band where 90%% of replications land (p05-p95)\n"
	           "and the 95%% confidence interval of the mean.  DIR receives NAME.png,\n"
	           "NAME.svg, and the NAME.dat table and NAME.gp script that made them\n"
	           "(edit and re-run with: cd DIR && gnuplot NAME.gp).\n\n"
	           "  -o DIR           output directory (default: figures/ beside RESULTS.h5)\n"
	           "  --series NAME... only these series (names or comma-separated lists)\n"
	           "  --format LIST    png, svg or png,svg (default)\n"
	           "  --help           this text\n");
}

static int mkdir_p(const char *dir)
{
	char *p = strdup(dir);
	if (!p)
		return -1;
	for (char *s = p + 1; *s; s++)
		if (*s == '/') {
			*s = 0;
			if (mkdir(p, 0777) != 0 && errno != EEXIST) {
				free(p);
				return -1;
			}
			*s = '/';
		}
	int r = mkdir(p, 0777) != 0 && errno != EEXIST ? -1 : 0;
	free(p);
	struct stat sb;
	if (r == 0 && (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))) {
		errno = ENOTDIR;
		r = -1;
	}
	return r;
}

static int parse_formats(const char *s, unsigned *out)
{
	*out = 0;
	while (*s) {
		size_t n = strcspn(s, ",");
		if (n == 3 && !strncmp(s, "png", 3))
			*out |= PLOT_PNG;
		else if (n == 3 && !strncmp(s, "svg", 3))
			*out |= PLOT_SVG;
		else if (n > 0)
			return -1;
		s += n;
		if (*s == ',')
			s++;
	}
	return *out ? 0 : -1;
}

/* Whether name is one of the selected series (all when none selected). */
static int selected(char **sel, int nsel, const char *name)
{
	if (nsel == 0)
		return 1;
	for (int i = 0; i < nsel; i++) {
		const char *s = sel[i];
		while (*s) {
			size_t n = strcspn(s, ",");
			if (n == strlen(name) && !strncmp(s, name, n))
				return 1;
			s += n;
			if (*s == ',')
				s++;
		}
	}
	return 0;
}

int plot_cmd(int argc, char **argv)
{
	const char *path = NULL, *outdir = NULL;
	char **sel = NULL;
	int nsel = 0;
	unsigned formats = PLOT_PNG | PLOT_SVG;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			plot_usage(stdout);
			return DAIS_EXIT_OK;
		} else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
			if (++i >= argc)
				goto usage;
			outdir = argv[i];
		} else if (!strcmp(a, "--format")) {
			if (++i >= argc)
				goto usage;
			if (parse_formats(argv[i], &formats)) {
				fprintf(stderr, "dais plot: --format: expected png, svg or png,svg, got '%s'\n",
				        argv[i]);
				return DAIS_EXIT_USAGE;
			}
		} else if (!strcmp(a, "--series")) {
			sel = argv + i + 1;
			while (i + 1 < argc && argv[i + 1][0] != '-') {
				i++;
				nsel++;
			}
			if (nsel == 0)
				goto usage;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "dais plot: unknown option '%s'\n", a);
			goto usage;
		} else if (!path) {
			path = a;
		} else {
			fprintf(stderr, "dais plot: one results file at a time ('%s')\n", a);
			goto usage;
		}
	}
	if (!path)
		goto usage;

	if (!plot_have_gnuplot()) {
		fprintf(stderr, "dais plot: gnuplot not found on PATH; install it "
		                "(Debian: apt-get install gnuplot-nox)\n");
		return DAIS_EXIT_FAIL;
	}
	sim_diag d;
	diag_init(&d);
	h5i *f = h5i_open(path, &d);
	if (!f) {
		diag_print(&d, stderr, "dais plot: ");
		diag_release(&d);
		return DAIS_EXIT_USAGE;
	}
	char *defdir = NULL;
	if (!outdir) {
		const char *slash = strrchr(path, '/');
		int n = slash ? (int)(slash - path) : 1;
		if (asprintf(&defdir, "%.*s/figures", n, slash ? path : ".") < 0)
			defdir = NULL;
		outdir = defdir ? defdir : "figures";
	}
	int rc = DAIS_EXIT_OK;
	char **names = NULL;
	size_t n = 0;
	if (!h5i_is_group(f, "/summary/timeseries")) {
		diag_add(&d, "%s: no /summary/timeseries to plot", path);
		rc = DAIS_EXIT_USAGE;
	} else if (h5i_list(f, "/summary/timeseries", &names, &n, &d)) {
		rc = DAIS_EXIT_FAIL;
	} else if (mkdir_p(outdir) != 0) {
		diag_add(&d, "%s: cannot create directory: %s", outdir, strerror(errno));
		rc = DAIS_EXIT_FAIL;
	} else {
		int done = 0;
		for (size_t i = 0; i < n; i++) {
			char gpath[512];
			snprintf(gpath, sizeof gpath, "/summary/timeseries/%s", names[i]);
			if (!h5i_is_group(f, gpath) || !selected(sel, nsel, names[i]))
				continue;
			if (plot_series(f, names[i], outdir, formats, &d) != SIM_OK)
				rc = DAIS_EXIT_FAIL;
			else
				printf("%s/%s: %s%s%s\n", outdir, names[i],
				       formats & PLOT_PNG ? "png " : "", formats & PLOT_SVG ? "svg " : "",
				       "dat gp");
			done++;
		}
		for (int i = 0; i < nsel; i++) { /* names asked for that do not exist */
			const char *s = sel[i];
			while (*s) {
				size_t k = strcspn(s, ",");
				int found = 0;
				for (size_t j = 0; j < n && !found; j++)
					found = strlen(names[j]) == k && !strncmp(names[j], s, k) &&
					        strcmp(names[j], "t") != 0;
				if (!found && k > 0) {
					diag_add(&d, "%s: no summary of series '%.*s'", path, (int)k, s);
					rc = DAIS_EXIT_USAGE;
				}
				s += k;
				if (*s == ',')
					s++;
			}
		}
		if (done == 0 && rc == DAIS_EXIT_OK)
			diag_add(&d, "%s: no summary time series to plot", path);
	}
	diag_print(&d, stderr, "dais plot: ");
	diag_release(&d);
	h5i_names_free(names, n);
	free(defdir);
	h5i_close(f);
	return rc;
usage:
	plot_usage(stderr);
	return DAIS_EXIT_USAGE;
}
