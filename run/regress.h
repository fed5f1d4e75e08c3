/* regress.h — golden projections: run scenarios and check key outputs stay in
 * their tolerance bands.
 *
 *   dais regress [--update] [GOLDEN]      (default tests/golden/projections.tsv)
 *
 * The golden file is a table, one projection per line (tab- or space-separated,
 * '#' comments kept on update):
 *
 *   scenarios/baseline.json  5  nodes_year_10  80691.6  rel:0.05
 *
 * scenario (relative to the source tree), replications, the name of a summary
 * scalar (its mean across replications is compared), the golden value ("nan"
 * for "never happens": it must stay NaN) and the band: "rel:F" (|new-old| <=
 * F |old|) or "abs:X" (|new-old| <= X).  Each scenario runs once with its
 * master seed and the given replications, so the check is deterministic; the
 * bands absorb floating-point differences between machines and compilers and
 * make a deliberate model change visible.
 *
 * Without --update: prints one line per projection (old, new, band, ok or
 * OUT) and returns the number outside their bands.  With --update: rewrites
 * the values (keeping bands and comments) and prints the old -> new difference.
 */
#ifndef DAIS_REGRESS_H
#define DAIS_REGRESS_H

#include <stdio.h>

#include "sim/model.h"
#include "sim/status.h"

struct regress_opts {
	const struct model_type *const *models; /* the model types (models/registry.h) */
	int update;        /* rewrite the golden values instead of checking them */
	int threads;       /* for the runs; 0 = all cores */
	FILE *report;      /* one line per projection */
};

/* Checks (or with update rewrites) a golden file; *n_out receives the number
 * of projections outside their bands.  Messages about bad lines go to d. */
sim_status regress_check(const char *golden, const struct regress_opts *o, int *n_out,
                         sim_diag *d) SIM_MUST_CHECK;

#endif
