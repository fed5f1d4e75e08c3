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

#define ENG_GGUF_MAGIC 0x46554747u   /* "GGUF" little-endian */
#define ENG_GGUF_VERSION 3
#define ENG_GGUF_DEFAULT_ALIGNMENT 32

/* Metadata value types of GGUF v3. */
enum eng_gguf_type {
	ENG_GGUF_U8 = 0, ENG_GGUF_I8, ENG_GGUF_U16, ENG_GGUF_I16, ENG_GGUF_U32, ENG_GGUF_I32, ENG_GGUF_F32,
	ENG_GGUF_BOOL, ENG_GGUF_STRING, ENG_GGUF_ARRAY, ENG_GGUF_U64, ENG_GGUF_I64, ENG_GGUF_F64
};

#endif
