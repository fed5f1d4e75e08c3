/* registry.c — the table of model types and where their data live. */
#include "registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "btc_type.h"
#include "network.h"
#include "queue.h"
#include "serving.h"

/* One row per model type; add new types here. */
const struct model_type *const model_types[] = {
	&queue_model_type,
	&serving_model_type,
	&network_model_type,
	&bitcoin_model_type,
	NULL
};

const struct model_type *model_find(const char *name)
{
	return model_type_find(model_types, name);
}

const char *model_data_dir(void)
{
	const char *env = getenv("DAIS_DATA");
	if (env && *env)
		return env;
	struct stat st;
	if (stat("data", &st) == 0 && S_ISDIR(st.st_mode))
		return "data";
	return DAIS_SRCDIR "/data";
}

char *model_data_path(char *buf, size_t n, const char *rel)
{
	if (rel[0] == '/' || !strncmp(rel, "./", 2) || !strncmp(rel, "../", 3))
		snprintf(buf, n, "%s", rel);
	else if (!strncmp(rel, "data/", 5))
		snprintf(buf, n, "%s/%s", model_data_dir(), rel + 5);
	else
		snprintf(buf, n, "%s/%s", model_data_dir(), rel);
	return buf;
}
