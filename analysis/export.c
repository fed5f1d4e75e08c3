/* export.c — summary scalars as a text table (export.h). */
#include "export.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5/h5i.h"
#include "sim/status.h"

/* Prints one line per summary scalar: name mean ci95_lo ci95_hi n_finite n units. */
sim_status export_scalars(const h5i *f, FILE *out, sim_diag *d)
{
	char **names = NULL;
	size_t n = 0;
	sim_status st = h5i_summary_list(f, 1, &names, &n, d);
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
			snprintf(p, sizeof p, "/summary/%s_%s", names[i], stat[k]);
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
