/* btc_type.h — the Bitcoin back-test as a model type (model "bitcoin"):
 * parameters from a scenario, and one run recorded (hash rate against the
 * observed, errors of the fit and hold-out windows, the naive benchmark's
 * errors and the model's skill over it).  The simulation is
 * bitcoin.h's, the fit btc_fit.h's.
 *
 *     struct btc_params p;
 *     if (btc_params_load(&p, s, &d) != SIM_OK) ...   // d has every message
 *     ... btc_simulate(&p, &p.nodes, NULL, &t) ...
 *     btc_params_release(&p);
 */
#ifndef DAIS_BTC_TYPE_H
#define DAIS_BTC_TYPE_H

#include "bitcoin.h"
#include "sim/model.h"

extern const struct model_type bitcoin_model_type;

/* Reads the scenario's $.bitcoin and $.nodes into p, loads the data files,
 * checks the rules that span keys and, when $.bitcoin.fit, fits.  Every
 * problem goes to d ("PATH: $.key: ..."); on error p holds nothing (no
 * release needed).  The model type's parse. */
sim_status btc_params_load(struct btc_params *p, const scn *s, sim_diag *d) SIM_MUST_CHECK;
/* Frees what btc_params_load allocated; a released p may be released again. */
void btc_params_release(struct btc_params *p);

#endif
