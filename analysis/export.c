/* export.c — `dais export`: write summary series as gnuplot-ready tables. */
#include "export.h"

#include <stdio.h>
#include <string.h>

#include "h5i.h"
#include "plot.h"
#include "status.h"

static int usage(FILE *f, int code)
{
	fprintf(f, "usage: dais export RESULTS.h5 SERIES... [-o DIR]\n\n"
	           "Writes DIR/SERIES.dat (default DIR: .) for each named series of\n"
	           "/summary/timeseries: time, then per column mean, p05, p95, ci95_lo,\n"
	           "ci95_hi and p50 across replications.  'dais info RESULTS.h5' lists\n"
	           "the series.\n");
	return code;
}

int export_cmd(int argc, char **argv)
{
	const char *file = NULL, *dir = ".";
	const char *series[256];
	int ns = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return usage(stdout, DAIS_EXIT_OK);
		if (!strcmp(argv[i], "-o") && i + 1 < argc)
			dir = argv[++i];
		else if (argv[i][0] == '-')
			return usage(stderr, DAIS_EXIT_USAGE);
		else if (!file)
			file = argv[i];
		else if (ns < 256)
			series[ns++] = argv[i];
	}
	if (!file || ns == 0)
		return usage(stderr, DAIS_EXIT_USAGE);
	sim_diag d;
	diag_init(&d);
	h5i *f = h5i_open(file, &d);
	sim_status st = f ? SIM_OK : SIM_EINVAL;
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
