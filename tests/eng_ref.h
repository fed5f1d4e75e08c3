/* eng_ref.h — a deliberately simple reference forward pass for the engine tests.
 *
 * One token at a time, contiguous fp32 KV cache, row-major fp32 weights
 * dequantized from the engine's model, plain loops: easy to check by eye
 * against llama2.c's run.c.  With quant_act set, every matmul input is first
 * rounded through Q8_0 (as the engine's integer kernels do), so quantized
 * models can be compared with tight bounds.
 */
#ifndef DAIS_ENG_REF_H
#define DAIS_ENG_REF_H

#include "engine/engine.h"

struct ref_layer {
	float *attn_norm, *ffn_norm;   /* (dim,) */
	float *wq, *wk, *wv, *wo;      /* (rows, cols) row-major */
	float *w1, *w2, *w3;
};

struct ref_model {
	struct eng_config cfg;
	int quant_act;                 /* round matmul inputs through Q8_0 */
	float *embed, *out_norm, *cls;
	struct ref_layer *layers;
	float *kcache, *vcache;        /* (layers, seq_len, kv_dim) */
};

/* Copies the engine model's weights (dequantized); 0 on success. */
int ref_init(struct ref_model *r, const eng_model *m);
void ref_release(struct ref_model *r);
/* Logits (vocab,) of token at pos, after positions 0..pos-1 were fed in order. */
void ref_forward(struct ref_model *r, int token, int pos, float *logits);
/* y (rows,) = W (rows, cols) x (cols,). */
void ref_matmul(float *y, const float *x, const float *w, int rows, int cols);
/* Rounds x through Q8_0 blocks of 32 in place (n % 32 == 0). */
void ref_q8_round(float *x, int n);
/* max |a - b| / max |b|. */
double ref_rel_err(const float *a, const float *b, int n);

#endif
