/* export.c — `dais export`: write summary series as gnuplot-ready tables. */
#include "export.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5/h5i.h"
#include "plot.h"
#include "sim/status.h"

/* Prints one line per summary scalar: name mean ci95_lo ci95_hi n_finite n units. */
static sim_status export_scalars(h5i *f, FILE *out, sim_diag *d)
{
	char **names = NULL;
	size_t n = 0;
	sim_status st = h5i_list(f, "/summary/scalars", &names, &n, d);
	if (st != SIM_OK)
		return st;
	fprintf(out, "# name mean ci95_lo ci95_hi n_finite n units\n");
	const char *stat[] = { "mean", "ci95_lo", "ci95_hi", "n_finite", "n" };
	for (size_t i = 0; i < n && st == SIM_OK; i++) {
		double v[5];
		char *units = NULL;
		for (int k = 0; k < 5 && st == SIM_OK; k++) {
			char p[512];
			struct h5i_data x;
			snprintf(p, sizeof p, "/summary/scalars/%s/%s", names[i], stat[k]);
			st = h5i_read(f, p, &x, d);
			if (st == SIM_OK) {
				v[k] = x.n ? x.v[0] : NAN;
				if (k == 0)
					units = strdup(x.units);
				h5i_data_release(&x);
			}
		}
		if (st == SIM_OK)
			fprintf(out, "%s %.10g %.10g %.10g %.0f %.0f %s\n", names[i], v[0], v[1], v[2], v[3],
			        v[4], units && *units ? units : "-");
		free(units);
	}
	h5i_names_free(names, n);
	return st;
}

static int usage(FILE *f, int code)
{
	fprintf(f, "usage: dais export RESULTS.h5 SERIES... [-o DIR]\n"
	           "       dais export RESULTS.h5 --scalars\n\n"
	           "Writes DIR/SERIES.dat (default DIR: .) for each named series of\n"
	           "/summary/timeseries: time, then per column mean, p05, p95, ci95_lo,\n"
	           "ci95_hi and p50 across replications.  'dais info RESULTS.h5' lists\n"
	           "the series.  --scalars prints every summary scalar on stdout, one per\n"
	           "line: name, mean, 95%% CI of the mean, finite values, replications, units.\n");
	return code;
}

int export_cmd(int argc, char **argv)
{
	const char *file = NULL, *dir = ".";
	const char *series[256];
	int ns = 0, scalars = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return usage(stdout, DAIS_EXIT_OK);
		if (!strcmp(argv[i], "-o") && i + 1 < argc)
			dir = argv[++i];
		else if (!strcmp(argv[i], "--scalars"))
			scalars = 1;
		else if (argv[i][0] == '-')
			return usage(stderr, DAIS_EXIT_USAGE);
		else if (!file)
			file = argv[i];
		else if (ns < 256)
			series[ns++] = argv[i];
	}
	if (!file || (ns == 0) == !scalars)
		return usage(stderr, DAIS_EXIT_USAGE);
	sim_diag d;
	diag_init(&d);
	h5i *f = h5i_open(file, &d);
	sim_status st = f ? SIM_OK : SIM_EINVAL;
	if (f && scalars)
		st = export_scalars(f, stdout, &d);
	for (int i = 0; f && i < ns; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s.dat", dir, series[i]);
		sim_status s = plot_write_dat(f, series[i], path, &d);
		if (s != SIM_OK && st == SIM_OK)
			st = s;
	}
	h5i_close(f);
	diag_print(&d, stderr, "dais export: ");
	diag_release(&d);
	return sim_exit_code(st);
}
