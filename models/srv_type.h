/* srv_type.h — the serving model as a model type (serving_model_type,
 * declared in serving.h): the serving section of a scenario made into
 * struct srv_params, and a run's results into the recorder.
 *
 *     struct srv_type_params tp = { 0 };
 *     if (srv_type_parse(&tp, s, &d) != SIM_OK) ...    // every problem in d
 *     srv_simulate(&tp.p, &o, &res, &d);
 *     srv_type_release(&tp);
 *
 * Commands that run the serving model themselves (dais capacity,
 * validate-serving) parse a scenario with srv_type_parse and change the
 * parameters they need.  In model mode each node's step cost comes from
 * serving.cost: the roofline of its hardware class and the model shape,
 * the engine calibration profile of the class (single-GPU classes only),
 * or the coefficients cost_linear; its KV pool is serving.kv_blocks, or what
 * fits beside the weights.  In driven mode every node runs a synthetic
 * engine model of serving.engine.config.
 */
#ifndef DAIS_SRV_TYPE_H
#define DAIS_SRV_TYPE_H

#include <stddef.h>

#include "serving.h"
#include "sim/scn.h"

/* What parse builds: the parameters and everything they point to.  p comes
 * first, so the model type's params are a struct srv_params too. */
struct srv_type_params {
	struct srv_params p;
	struct trace tr;
	eng_model *em;
	struct srv_node_params *nodes;   /* (p.n_nodes,) */
	char desc[256];                  /* cost source, for the results file */
	char prof_path[4096];            /* cost: profile: the profile and its sha256 */
	char prof_sha[65];
};

/* Fills tp (zeroed by the caller) from the serving section of s; on error
 * tp may hold parts: release it in every case. */
sim_status srv_type_parse(struct srv_type_params *tp, const scn *s, sim_diag *d) SIM_MUST_CHECK;
void srv_type_release(struct srv_type_params *tp);

/* A data path of a scenario: "data/..." is looked up in the data folder
 * (models/registry.h), anything else is taken as given; into buf. */
char *srv_data_path(char *buf, size_t n, const char *rel);

#endif
