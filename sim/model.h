/* model.h — the simulations DAIS can run, as a table of model types.
 *
 * A scenario's $.model names one of them (queue, network, bitcoin, serving;
 * the table is models/registry.h's).  The run driver (run/run.c), handed the
 * table by its caller, uses the type in three steps:
 *
 *     const struct model_type *mt = model_type_find(types, scn_str(s, "model"));
 *     void *p = calloc(1, mt->params_size);
 *     if (mt->parse(p, s, &diag) != SIM_OK) -> report every message, exit 2
 *     for each replication, in parallel:   mt->run(p, &ctx, rec, &diag)
 *     mt->release(p); free(p);
 *
 * parse copies the resolved scenario into a plain parameter struct, loads any
 * data files it names (CSV under data/, read once and then shared read-only by
 * all replications) and checks the rules that span several keys (the schema
 * already checked each key's type and range); every problem is appended to d
 * with its JSON path.  run simulates one replication on its own sim (sim.h)
 * with streams from rng_stream(ctx->seed, ctx->rep, RNG_MODEL_..., entity)
 * and fills the recorder; it must not touch anything shared but the params.
 */
#ifndef DAIS_MODEL_H
#define DAIS_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "rec.h"
#include "scn.h"
#include "status.h"

struct model_ctx {
	uint64_t seed;        /* master seed */
	int rep;              /* replication index, 0-based */
	/* Progress: called now and then with the fraction of the horizon done
	 * (0..1) by this replication; may be NULL. */
	void (*progress)(void *pctx, int rep, double frac, uint64_t events);
	void *pctx;
	/* The caller reads only the scalars (dais uncertainty, --keep scalars):
	 * the model may skip records that feed nothing else, such as the
	 * network's agent records.  No number may change with it. */
	int scalars_only;
};

struct model_type {
	const char *name;
	const char *summary;
	size_t params_size;
	sim_status (*parse)(void *params, const scn *s, sim_diag *d);
	sim_status (*run)(const void *params, const struct model_ctx *ctx, rec *r,
	                  sim_diag *d);
	void (*release)(void *params);  /* frees what parse allocated; may be NULL */
};

/* The type named name in a NULL-terminated table of types, or NULL.  The
 * table is the caller's (models/registry.h has DAIS's): the kernel and the
 * drivers above it know the interface, never the models. */
const struct model_type *model_type_find(const struct model_type *const *types,
                                         const char *name);

#endif
