/* eng_kernels.h — CPU compute kernels, one set per instruction set, chosen at run time.
 *
 * Matmul kernels compute y[t][r] = sum_k W[r][k] x[t][k] for panels [p0, p1)
 * of W and tokens 0..n_tok-1; a thread calls them on its own panel range, so
 * the split is static and no two threads write the same output.  Float
 * weights read x (rows of ld_x floats); quantized weights read xa (x already
 * quantized to Q8 by eng_q_act_quantize).
 */
#ifndef DAIS_ENG_KERNELS_H
#define DAIS_ENG_KERNELS_H

#include "engine.h"
#include "eng_quant.h"

/* Attention of one query head over positions 0..n_pos-1 of a paged cache:
 * position j's key is at k + table[j / block_tokens] * block_stride +
 * (j % block_tokens) * row_stride + off (values likewise from v), so kernels
 * do not depend on how the cache arranges heads within a block. */
struct eng_k_attn {
	const float *q;        /* (hs,) */
	const float *k, *v;    /* this layer's cache */
	const int *table;      /* the sequence's block table */
	int block_tokens;
	size_t block_stride;   /* floats from one block to the next */
	int row_stride;        /* floats from one position to the next within a block */
	int off, hs, n_pos;
	float scale;           /* 1 / sqrt(hs) */
	float *scores;         /* (n_pos,) scratch */
	float *out;            /* (hs,) */
};

struct eng_k_ops {
	eng_isa isa;
	void (*attn)(const struct eng_k_attn *a);
	void (*quant)(const struct eng_q_act *a, int t, const float *x);   /* = eng_q_act_quantize, vectorized */
	/* = eng_q_act_quantize_blocks */
	void (*quant_blocks)(const struct eng_q_act *a, int t, const float *x, int b0, int b1);
	void (*swiglu)(float *g, const float *u, int n);                /* g = silu(g) * u */
	void (*matmul)(const struct eng_q_mat *w, const float *x, int ld_x, const struct eng_q_act *xa,
	               int n_tok, float *y, int ld_y, int p0, int p1);
	float (*dot)(const float *a, const float *b, int n);
	void (*axpy)(float *y, float a, const float *x, int n);   /* y += a x */
};

/* The kernel set for isa (ENG_ISA_AUTO: the best available); NULL if this CPU
 * lacks it. */
const struct eng_k_ops *eng_k_ops_get(eng_isa isa);

/* [*lo, *hi) of n items for thread ith of nth: contiguous, balanced. */
static inline void eng_k_split(int n, int ith, int nth, int *lo, int *hi)
{
	*lo = (int)((long)n * ith / nth);
	*hi = (int)((long)n * (ith + 1) / nth);
}

/* Simple shared helpers (scalar: they are a small part of the time). */
void eng_k_rmsnorm(float *y, const float *x, const float *w, int n, float eps);
void eng_k_softmax(float *x, int n);
float eng_k_silu(float x);

/* Busy FMA loop on this thread with the best kernel set; returns flops done. */
double eng_k_peak_fma(long iters);
/* a[i] = b[i] + s c[i] over [lo, hi), vectorized. */
void eng_k_triad(float *a, const float *b, const float *c, float s, size_t lo, size_t hi);
/* Sum of a[lo, hi): a read-only stream, vectorized. */
float eng_k_read(const float *a, size_t lo, size_t hi);

#endif
