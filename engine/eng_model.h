/* eng_model.h — the inside of eng_model: configuration, weights in panel layout,
 * the builder the loaders share, and tensor access for the writers.
 *
 * Q, K and V of a layer are packed as one matrix (rows q | k | v), and the
 * SwiGLU gate and up projections as another (rows w1 | w3), so one matmul
 * pass reads each activation row once for them.
 */
#ifndef DAIS_ENG_MODEL_H
#define DAIS_ENG_MODEL_H

#include <stddef.h>

#include "engine.h"
#include "eng_quant.h"

struct eng_layer {
	float *attn_norm;          /* (dim,) */
	float *ffn_norm;           /* (dim,) */
	struct eng_q_mat wqkv;     /* (dim + 2 kv_dim, dim) */
	struct eng_q_mat wo;       /* (dim, dim) */
	struct eng_q_mat w13;      /* (2 hidden, dim): gate rows then up rows */
	struct eng_q_mat w2;       /* (dim, hidden) */
};

struct eng_model {
	struct eng_config cfg;
	eng_dtype type;            /* weight type of every matrix */
	void *embed;               /* (vocab, dim) row-major, GGUF layout of `type` */
	float *out_norm;           /* (dim,) */
	struct eng_q_mat wcls;     /* (vocab, dim) */
	struct eng_layer *layers;  /* (n_layers,) */
};

/* The source of one tensor: row-major GGUF-layout data of some type. */
struct eng_src {
	eng_dtype type;
	const void *data;
};

/* Allocates a model with cfg filled in and no weights. */
eng_status eng_model_alloc(eng_model **out, const struct eng_config *cfg, eng_dtype t);
/* Copies or converts the tensors into the model.  Norms may be of any type. */
eng_status eng_model_set_layer(eng_model *m, int l, struct eng_src attn_norm, struct eng_src ffn_norm,
                               struct eng_src wq, struct eng_src wk, struct eng_src wv, struct eng_src wo,
                               struct eng_src w1, struct eng_src w2, struct eng_src w3);
eng_status eng_model_set_globals(eng_model *m, struct eng_src embed, struct eng_src out_norm,
                                 struct eng_src wcls);
/* Sets err (if not NULL) like snprintf; returns s.  Every part of the engine
 * reports its errors this way, into a buffer its caller owns. */
eng_status eng_err(eng_status s, char *err, size_t err_len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Which tensors exist, for writers and tests. */
enum eng_tensor {
	ENG_T_EMBED, ENG_T_OUT_NORM, ENG_T_CLS, ENG_T_ATTN_NORM, ENG_T_FFN_NORM, ENG_T_WQ, ENG_T_WK, ENG_T_WV,
	ENG_T_WO, ENG_T_W1, ENG_T_W2, ENG_T_W3
};
/* Shape (rows, cols) and type of a tensor as stored in files. */
void eng_tensor_shape(const eng_model *m, enum eng_tensor w, int *rows, int *cols, eng_dtype *t);
/* Writes tensor w of layer l in row-major GGUF layout into dst. */
eng_status eng_tensor_get(const eng_model *m, enum eng_tensor w, int l, void *dst);
/* The same, dequantized to floats (rows * cols). */
eng_status eng_tensor_get_f32(const eng_model *m, enum eng_tensor w, int l, float *dst);

#endif
