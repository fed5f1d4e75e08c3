/* make_good.c — writes good.h5, the small results file that make.py turns into
 * the damaged and hostile files of the bad-input corpus: two replications, a
 * series, a two-column series (dimension chain), a scalar and an event,
 * through DAIS's own writer and summary.  Run by hand when the file format
 * changes (then run make.py, and commit what both write):
 *
 *   make && cc -std=c11 -D_GNU_SOURCE -I. $(pkg-config --cflags hdf5) \
 *      tests/bad-input/files/make_good.c build/libdais.a -o /tmp/make_good \
 *      $(pkg-config --libs hdf5 gsl libcjson) -lhdf5_hl -lm -fopenmp
 *   SOURCE_DATE_EPOCH=0 /tmp/make_good tests/bad-input/files/good.h5
 */
#include <stdio.h>

#include "analysis/summary.h"
#include "h5/h5o.h"
#include "sim/rec.h"

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	sim_diag d;
	diag_init(&d);
	h5o *o = h5o_create(argv[1], &d);
	int bad = !o || h5o_attr_str(o, "scenario_json", "{\"model\":\"queue\"}");
	for (int k = 0; !bad && k < 2; k++) {
		rec *r = rec_alloc("days since 2024-01-01");
		const char *chains[] = { "sui", "solana" };
		int dem = rec_series(r, "demand", "tokens/day", 1, NULL);
		int cu = rec_series(r, "chain_utilisation", "1", 2, chains);
		rec_series_dim(r, cu, "chain");
		for (int i = 0; i < 8; i++) {
			double u[2] = { 0.1 * i, 0.2 * i };
			rec_set(r, dem, 0, 100.0 * i + k);
			rec_setv(r, cu, u);
			bad |= rec_sample(r, i) != SIM_OK;
		}
		rec_scalar(r, "nodes_year_1", "nodes", 40.0 + k);
		rec_event(r, 3.0, "halving", 1, 3.125);
		rec_note(r, "profile", "default");
		bad |= h5o_write_rep(o, k, r, &d) != SIM_OK;
		rec_free(r);
	}
	bad = bad || summary_write(o, &d) || h5o_commit(o, &d);
	diag_print(&d, stderr, "make_good: ");
	h5o_free(o);
	diag_release(&d);
	return bad;
}
