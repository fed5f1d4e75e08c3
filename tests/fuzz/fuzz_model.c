/* fuzz_model.c — the model-file loader (engine/engine.h eng_model_load:
 * GGUF v3 and llama2.c checkpoints) on arbitrary bytes, through a file in
 * memory.  An accepted model must pass its own configuration check. */
#include <stdio.h>

#include "engine/engine.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], err[512];
	int fd = fuzz_file(data, size, path, sizeof path);
	if (fd < 0)
		return 0;
	eng_model *m = NULL;
	if (eng_model_load(&m, path, NULL, err, sizeof err) == ENG_OK) {
		if (eng_config_check(eng_model_config(m), eng_model_dtype(m), err, sizeof err) != ENG_OK)
			__builtin_trap();
		eng_model_free(m);
	}
	close(fd);
	return 0;
}
