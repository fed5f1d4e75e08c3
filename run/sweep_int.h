/* sweep_int.h — what the parts of a sweep share; not an API (run/sweep.h is
 * the manual).
 *   sweep.c      the sweep file: parse and check it, load its scenario and
 *                check every point; accessors; the points and their overrides
 *   sweep_run.c  running the points, in windows that share one OpenMP team
 *   sweep_out.c  index.csv and index.json; tornado.csv, tornado_NAME.dat and
 *                the figures
 */
#ifndef DAIS_SWEEP_INT_H
#define DAIS_SWEEP_INT_H

#include "sweep.h"

struct sweep {
	char *name;        /* the file, as given */
	char *desc;
	char *scenario;    /* resolved path */
	char *dir;         /* default output directory */
	enum sweep_mode mode;
	int nparams;
	struct sweep_param *params;  /* (nparams,) */
	int noutputs;
	char **outputs;    /* (noutputs,) */
	int nsets;
	char **sets;       /* (nsets,) fixed overrides */
	int npoints;
	struct sweep_ocache *cache; /* outputs of finished points, read once (index) */
	const struct model_type *const *models; /* given to sweep_load */
};

/* About the cache: the index is rewritten after every window of points;
 * reading every finished point file each time would make a sweep quadratic in
 * its points.  A point file never changes once done, so its outputs are read
 * once. */
struct sweep_ostat {
	double mean, lo, hi, n;
};

struct sweep_ocache {
	int nout;                 /* outputs per row; the cache is reset when it changes */
	struct sweep_ostat *v;    /* (npoints, nout) */
	unsigned char *have;      /* (npoints,) */
};

/* "done", "failed" or "pending" (enum sweep_pt), as the index writes it. */
const char *sweep_status_name(int s);

#endif
