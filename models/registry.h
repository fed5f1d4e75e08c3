/* registry.h — DAIS's model types, and where their data files live.
 *
 * The drivers in run/ take the table as an argument (they know the interface
 * in sim/model.h, not the models); the commands in cli/ hand them this one.
 */
#ifndef DAIS_REGISTRY_H
#define DAIS_REGISTRY_H

#include <stddef.h>

#include "sim/model.h"

/* NULL-terminated table of every model type. */
extern const struct model_type *const model_types[];

/* The type named name in model_types, or NULL. */
const struct model_type *model_find(const char *name);

/* Where data/ is: $DAIS_DATA if set, else ./data if it exists, else the
 * source tree's data/ (compile-time DAIS_SRCDIR). */
const char *model_data_dir(void);

/* Joins data_dir and a relative path into buf; returns buf. Absolute paths
 * and paths starting with ./ are kept as given. */
char *model_data_path(char *buf, size_t n, const char *rel);

#endif
