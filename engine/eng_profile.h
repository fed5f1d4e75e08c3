/* eng_profile.h — calibration profiles: the JSON file `dais calibrate` writes
 * (format "dais-engine-profile/1", docs/engine.md) and the simulator reads to
 * price engine steps on the calibrated machine or on hardware classes derived
 * from it by roofline scaling.
 *
 *     struct eng_profile *p;
 *     if (eng_profile_load(&p, "data/calibration/default.json", err, sizeof err)) die(err);
 *     struct eng_step_desc d = { .n_decode_seqs = 16, .ctx_tokens = 16 * 700, .model = cfg,
 *                                .dtype = ENG_Q4_0 };
 *     double seconds = eng_profile_predict(p, &d, "h100-sxm");
 *     eng_profile_free(p);
 *
 * This is the part of the engine that needs cJSON; it lives in its own
 * archive (libengine_profile.a) so that libengine.a embeds without it.
 */
#ifndef DAIS_ENG_PROFILE_H
#define DAIS_ENG_PROFILE_H

#include <stddef.h>

#include "eng_calib.h"
#include "engine.h"

/* Writes the profile of a calibration run to path, whole or not at all
 * (eng_file.h): the measurements, the fit and its error, the provenance, and
 * hardware classes derived from spec-sheet figures. */
ENG_MUST_CHECK eng_status eng_profile_write(const char *path, const struct eng_calib_result *r, char *err,
                                            size_t err_len);

/* A loaded profile: the fit, the calibrated machine and the hardware classes. */
struct eng_profile;
/* Errors name the file and the JSON path ("P: $.fit.coef.c: expected number"). */
ENG_MUST_CHECK eng_status eng_profile_load(struct eng_profile **out, const char *path, char *err,
                                           size_t err_len);
void eng_profile_free(struct eng_profile *p);

/* One step's batch for prediction. */
struct eng_step_desc {
	int n_prefill_tokens;      /* prompt tokens in the step */
	int n_decode_seqs;         /* sequences decoding one token each */
	double ctx_tokens;         /* total context positions the step's attention reads */
	struct eng_config model;
	eng_dtype dtype;
};
/* Predicted seconds for the step on hardware class hw (NULL or "measured":
 * the machine that was calibrated); -1 if the class is unknown. */
double eng_profile_predict(const struct eng_profile *p, const struct eng_step_desc *d, const char *hw);
/* Number of hardware classes and their names (0 is "measured"). */
int eng_profile_n_classes(const struct eng_profile *p);
const char *eng_profile_class(const struct eng_profile *p, int i);

#endif
