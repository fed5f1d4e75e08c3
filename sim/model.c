/* model.c — looking a model type up in a caller's table (see model.h). */
#include "model.h"

#include <string.h>

const struct model_type *model_type_find(const struct model_type *const *types,
                                         const char *name)
{
	for (int i = 0; types && types[i]; i++)
		if (!strcmp(types[i]->name, name))
			return types[i];
	return NULL;
}
