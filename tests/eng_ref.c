/* eng_ref.c — the reference forward pass (see eng_ref.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eng_ref.h"
#include "engine/eng_model.h"

static float *get(const eng_model *m, enum eng_tensor w, int l, int *ok)
{
	int rows, cols;
	eng_dtype t;
	eng_tensor_shape(m, w, &rows, &cols, &t);
	float *x = malloc(sizeof(float) * (size_t)rows * cols);
	if (!x || eng_tensor_get_f32(m, w, l, x))
		*ok = 0;
	return x;
}

int ref_init(struct ref_model *r, const eng_model *m)
{
	memset(r, 0, sizeof *r);
	r->cfg = *eng_model_config(m);
	eng_dtype t = eng_model_dtype(m);
	r->quant_act = t == ENG_Q8_0 || t == ENG_Q4_0;
	int ok = 1, L = r->cfg.n_layers, kvd = r->cfg.n_kv_heads * (r->cfg.dim / r->cfg.n_heads);
	r->embed = get(m, ENG_T_EMBED, 0, &ok);
	r->out_norm = get(m, ENG_T_OUT_NORM, 0, &ok);
	r->cls = get(m, ENG_T_CLS, 0, &ok);
	r->layers = calloc((size_t)L, sizeof *r->layers);
	for (int l = 0; l < L && r->layers; l++) {
		struct ref_layer *y = &r->layers[l];
		y->attn_norm = get(m, ENG_T_ATTN_NORM, l, &ok);
		y->ffn_norm = get(m, ENG_T_FFN_NORM, l, &ok);
		y->wq = get(m, ENG_T_WQ, l, &ok);
		y->wk = get(m, ENG_T_WK, l, &ok);
		y->wv = get(m, ENG_T_WV, l, &ok);
		y->wo = get(m, ENG_T_WO, l, &ok);
		y->w1 = get(m, ENG_T_W1, l, &ok);
		y->w2 = get(m, ENG_T_W2, l, &ok);
		y->w3 = get(m, ENG_T_W3, l, &ok);
	}
	r->kcache = calloc((size_t)L * r->cfg.seq_len * kvd, sizeof(float));
	r->vcache = calloc((size_t)L * r->cfg.seq_len * kvd, sizeof(float));
	return ok && r->layers && r->kcache && r->vcache ? 0 : -1;
}

void ref_release(struct ref_model *r)
{
	for (int l = 0; r->layers && l < r->cfg.n_layers; l++) {
		struct ref_layer *y = &r->layers[l];
		float *all[] = { y->attn_norm, y->ffn_norm, y->wq, y->wk, y->wv, y->wo, y->w1, y->w2, y->w3 };
		for (size_t i = 0; i < sizeof all / sizeof *all; i++)
			free(all[i]);
	}
	free(r->layers);
	free(r->embed);
	free(r->out_norm);
	free(r->cls);
	free(r->kcache);
	free(r->vcache);
}

void ref_matmul(float *y, const float *x, const float *w, int rows, int cols)
{
	for (int i = 0; i < rows; i++) {
		double s = 0;
		for (int j = 0; j < cols; j++)
			s += (double)w[(size_t)i * cols + j] * x[j];
		y[i] = (float)s;
	}
}

void ref_q8_round(float *x, int n)
{
	for (int b = 0; b < n / 32; b++) {
		float amax = 0;
		for (int j = 0; j < 32; j++)
			amax = fmaxf(amax, fabsf(x[b * 32 + j]));
		float d = amax / 127.0f, id = d != 0 ? 1.0f / d : 0;
		for (int j = 0; j < 32; j++)
			x[b * 32 + j] = roundf(x[b * 32 + j] * id) * d;
	}
}

double ref_rel_err(const float *a, const float *b, int n)
{
	double num = 0, den = 0;
	for (int i = 0; i < n; i++) {
		num = fmax(num, fabs((double)a[i] - b[i]));
		den = fmax(den, fabs((double)b[i]));
	}
	return den > 0 ? num / den : num;
}

static void rmsnorm(float *o, const float *x, const float *w, int n, float eps)
{
	float ss = 0;
	for (int i = 0; i < n; i++)
		ss += x[i] * x[i];
	float s = 1.0f / sqrtf(ss / n + eps);
	for (int i = 0; i < n; i++)
		o[i] = w[i] * (s * x[i]);
}

/* The matmul input as the engine sees it. */
static void mm(const struct ref_model *r, float *y, const float *x, const float *w, int rows, int cols)
{
	float *xr = malloc(sizeof(float) * (size_t)cols);
	memcpy(xr, x, sizeof(float) * (size_t)cols);
	if (r->quant_act)
		ref_q8_round(xr, cols);
	ref_matmul(y, xr, w, rows, cols);
	free(xr);
}

static void rope(float *v, int n, int hs, int pos, float theta)
{
	for (int i = 0; i < n; i += 2) {
		int hd = i % hs;
		float freq = 1.0f / powf(theta, (float)hd / (float)hs);
		float a = (float)pos * freq, c = cosf(a), s = sinf(a);
		float v0 = v[i], v1 = v[i + 1];
		v[i] = v0 * c - v1 * s;
		v[i + 1] = v0 * s + v1 * c;
	}
}

void ref_forward(struct ref_model *r, int token, int pos, float *logits)
{
	const struct eng_config *c = &r->cfg;
	int dim = c->dim, hs = dim / c->n_heads, kvd = c->n_kv_heads * hs, hid = c->hidden_dim;
	int grp = c->n_heads / c->n_kv_heads;
	float *x = malloc(sizeof(float) * dim), *xb = malloc(sizeof(float) * dim),
	      *xb2 = malloc(sizeof(float) * dim), *q = malloc(sizeof(float) * dim),
	      *h1 = malloc(sizeof(float) * hid), *h3 = malloc(sizeof(float) * hid),
	      *att = malloc(sizeof(float) * (pos + 1));
	memcpy(x, r->embed + (size_t)token * dim, sizeof(float) * dim);
	for (int l = 0; l < c->n_layers; l++) {
		const struct ref_layer *y = &r->layers[l];
		float *kc = r->kcache + ((size_t)l * c->seq_len + pos) * kvd;
		float *vc = r->vcache + ((size_t)l * c->seq_len + pos) * kvd;
		rmsnorm(xb, x, y->attn_norm, dim, c->norm_eps);
		mm(r, q, xb, y->wq, dim, dim);
		mm(r, kc, xb, y->wk, kvd, dim);
		mm(r, vc, xb, y->wv, kvd, dim);
		rope(q, dim, hs, pos, c->rope_theta);
		rope(kc, kvd, hs, pos, c->rope_theta);
		for (int h = 0; h < c->n_heads; h++) {
			int kh = h / grp;
			float max = -INFINITY, sum = 0;
			for (int t = 0; t <= pos; t++) {
				const float *k = r->kcache + ((size_t)l * c->seq_len + t) * kvd + kh * hs;
				float s = 0;
				for (int i = 0; i < hs; i++)
					s += q[h * hs + i] * k[i];
				att[t] = s / sqrtf((float)hs);
				max = fmaxf(max, att[t]);
			}
			for (int t = 0; t <= pos; t++) {
				att[t] = expf(att[t] - max);
				sum += att[t];
			}
			for (int i = 0; i < hs; i++) {
				float o = 0;
				for (int t = 0; t <= pos; t++)
					o += att[t] / sum * r->vcache[((size_t)l * c->seq_len + t) * kvd + kh * hs + i];
				xb[h * hs + i] = o;
			}
		}
		mm(r, xb2, xb, y->wo, dim, dim);
		for (int i = 0; i < dim; i++)
			x[i] += xb2[i];
		rmsnorm(xb, x, y->ffn_norm, dim, c->norm_eps);
		mm(r, h1, xb, y->w1, hid, dim);
		mm(r, h3, xb, y->w3, hid, dim);
		for (int i = 0; i < hid; i++)
			h1[i] = h1[i] / (1.0f + expf(-h1[i])) * h3[i];
		mm(r, xb2, h1, y->w2, dim, hid);
		for (int i = 0; i < dim; i++)
			x[i] += xb2[i];
	}
	rmsnorm(xb, x, r->out_norm, dim, c->norm_eps);
	mm(r, logits, xb, r->cls, c->vocab_size, dim);
	free(x); free(xb); free(xb2); free(q); free(h1); free(h3); free(att);
}
