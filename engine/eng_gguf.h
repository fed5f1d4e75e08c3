/* eng_gguf.h — model files: GGUF v3 (read by mmap, written) and llama2.c
 * checkpoints.  The public entry points are eng_model_load, eng_model_save_gguf
 * and eng_model_save_llama2c in engine.h; formats are described in docs/engine.md.
 *
 * Every read is bounds-checked against the mapped size, so a malformed or
 * truncated file gives ENG_EFORMAT and a message "PATH: what is wrong".
 */
#ifndef DAIS_ENG_GGUF_H
#define DAIS_ENG_GGUF_H

#include "engine.h"

#define GGUF_MAGIC 0x46554747u   /* "GGUF" little-endian */
#define GGUF_VERSION 3
#define GGUF_DEFAULT_ALIGNMENT 32

/* Metadata value types of GGUF v3. */
enum gguf_type {
	GGUF_U8 = 0, GGUF_I8, GGUF_U16, GGUF_I16, GGUF_U32, GGUF_I32, GGUF_F32, GGUF_BOOL,
	GGUF_STRING, GGUF_ARRAY, GGUF_U64, GGUF_I64, GGUF_F64
};

#endif
