/* uq_int.h — what the parts of `dais uncertainty` share; not an API
 * (run/uq.h is the manual).
 *   uq.c      the problem file: parse and check it; one point's scenario
 *   uq_run.c  the design, running its points (threads, checkpoint, ranks),
 *             the statistics
 *   uq_out.c  uncertainty.h5, the tables, the figures, the printed table
 *   uq_mpi.c  the ranks' exchange (stubs without MPI)
 */
#ifndef DAIS_UQ_INT_H
#define DAIS_UQ_INT_H

#include "uq.h"

#include "sim/scn.h"

#define UQ_MAX_PARAMS 64
#define UQ_MAX_OUTPUTS 64
#define UQ_SET_MAX 512     /* one "path=value" */
#define UQ_MAX_POINTS 10000000 /* a design's points: its arrays stay in memory */
#define UQ_CKPT_EVERY_S 10.0  /* seconds between checkpoints (and progress lines) */

struct uq {
	char *name;        /* the file, as given */
	char *text;        /* its contents (hashed into the checkpoint's key) */
	char *desc;
	char *scenario;    /* resolved against the file */
	char *dir;         /* default output directory */
	int nsets;
	char **sets;       /* (nsets,) fixed overrides */
	int k;
	struct uq_param *params;   /* (k,) */
	int nout;
	struct uq_output *outputs; /* (nout,) */
	char *base_json;   /* the scenario with the fixed overrides, resolved */
	uint64_t seed;     /* its master seed */
	const struct model_type *mt;
};

/* "path=value" of parameter p at v (rounded when p->integer). */
void uq_assignment(const struct uq_param *p, double v, char *buf, size_t n);

/* The scenario at parameter values x (k) plus extra (one more assignment, or
 * NULL), and its model parameters in *params (NULL on error, with messages
 * in d).  Release both with uq_point_release. */
scn *uq_point(const uq *q, const double *x, const char *extra, void **params, sim_diag *d);
void uq_point_release(const uq *q, scn *s, void *params);

#endif
