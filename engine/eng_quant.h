/* eng_quant.h — number formats: the weight types (engine.h's eng_dtype_name,
 * eng_dtype_parse and eng_dtype_bytes are defined in eng_quant.c), f16, GGUF
 * Q8_0/Q4_0 blocks, the engine's panel layout for weight matrices, and Q8
 * activations.  It depends on engine.h only; eng_model builds on it.
 *
 * About panels: a weight matrix W (rows x cols, row = output) is stored as
 * ceil(rows/16) panels of 16 rows (missing rows are zero), so one 512-bit
 * vector holds the same column of 16 rows and a kernel computes 16 outputs at
 * once while activations are broadcast.  Within a panel:
 *   F32:  cols x 16 floats         w[k*16 + r]
 *   F16:  cols x 16 halves         w[k*16 + r]
 *   Q8_0: per block of 32 columns, 8 groups of 64 bytes (byte g*64 + r*4 + j holds
 *         q[r][32b + 4g + j] + 128, unsigned, so VNNI's u8 x s8 product applies),
 *         then 16 f16 scales: 544 bytes.
 *   Q4_0: per block, 4 groups of 64 bytes (byte g*64 + r*4 + j holds
 *         q[r][32b+4g+j] in the low nibble and q[r][32b+16+4g+j] in the high
 *         one, q in 0..15 meaning q-8), then 16 f16 scales: 288 bytes.
 * Quantized values are exactly GGUF's, so packing and unpacking are lossless.
 */
#ifndef DAIS_ENG_QUANT_H
#define DAIS_ENG_QUANT_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"

#define ENG_QK 32           /* elements per quantization block */
#define ENG_PANEL 16        /* rows per panel */

typedef struct { uint16_t d; int8_t qs[ENG_QK]; } eng_blk_q8_0;       /* 34 bytes, GGUF */
typedef struct { uint16_t d; uint8_t qs[ENG_QK / 2]; } eng_blk_q4_0;  /* 18 bytes, GGUF */
#ifndef __cplusplus   /* engine_cuda.cu includes this header */
_Static_assert(sizeof(eng_blk_q8_0) == 34, "Q8_0 block is 34 bytes");
_Static_assert(sizeof(eng_blk_q4_0) == 18, "Q4_0 block is 18 bytes");
#endif

float eng_q_f16_to_f32(uint16_t h);
uint16_t eng_q_f32_to_f16(float f);

/* Row-major ("GGUF layout") conversions of n values (n % 32 == 0 for quantized). */
void eng_q_quantize_row(eng_dtype t, const float *x, void *dst, size_t n);
void eng_q_dequantize_row(eng_dtype t, const void *src, float *y, size_t n);
/* Converts rows x cols values between types (same type: copy); ENG_ENOMEM if
 * the row buffer cannot be had. */
eng_status eng_dtype_convert(eng_dtype st, const void *src, eng_dtype dt, void *dst, size_t rows, size_t cols);

/* A weight matrix in panel layout. */
struct eng_q_mat {
	int rows, cols;        /* logical shape (out, in) */
	eng_dtype type;
	int n_panels;          /* ceil(rows / 16) */
	size_t panel_bytes;
	uint8_t *data;         /* (n_panels * panel_bytes,) 64-byte aligned, owned */
};

size_t eng_q_panel_bytes(eng_dtype t, int cols);
/* Allocates m->data for the shape and packs src (row-major GGUF layout of type t). */
eng_status eng_q_mat_pack(struct eng_q_mat *m, eng_dtype t, int rows, int cols, const void *src);
/* Writes row-major GGUF-layout bytes of the matrix into dst (eng_dtype_bytes(rows*cols)). */
void eng_q_mat_unpack(const struct eng_q_mat *m, void *dst);
void eng_q_mat_release(struct eng_q_mat *m);

/* Activations quantized to Q8 for the integer kernels: per token, cols int8,
 * cols/32 float scales and cols/32 int32 block sums. */
struct eng_q_act {
	int cols;
	size_t stride;         /* bytes per token */
	uint8_t *data;         /* (tokens * stride,) */
};
/* Token t's int8 values, block scales and block sums. */
static inline int8_t *eng_q_act_q(const struct eng_q_act *a, int t)
{
	return (int8_t *)(a->data + (size_t)t * a->stride);
}
static inline float *eng_q_act_d(const struct eng_q_act *a, int t)
{
	return (float *)(a->data + (size_t)t * a->stride + (size_t)a->cols);
}
static inline int32_t *eng_q_act_s(const struct eng_q_act *a, int t)
{
	return (int32_t *)(a->data + (size_t)t * a->stride + (size_t)a->cols + (size_t)a->cols / ENG_QK * 4);
}
size_t eng_q_act_stride(int cols);
/* Quantizes one row of cols floats into token t's slot (round half away from zero). */
void eng_q_act_quantize(const struct eng_q_act *a, int t, const float *x);
/* The same for blocks [b0, b1) of the row only (x is still the row's start). */
void eng_q_act_quantize_blocks(const struct eng_q_act *a, int t, const float *x, int b0, int b1);

void *eng_q_aligned_alloc(size_t bytes);   /* 64-byte aligned, zeroed; free() it */

#endif
