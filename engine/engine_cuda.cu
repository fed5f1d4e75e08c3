/* engine_cuda.cu — the CUDA backend: the same forward pass as engine.c on a
 * GPU, behind the same API (eng_ctx_params.backend = ENG_BACKEND_CUDA).
 *
 * Weights are uploaded in their GGUF row-major layout (f32, f16, Q8_0, Q4_0)
 * and dequantized on the fly; activations stay fp32 (no Q8 rounding of matmul
 * inputs, so quantized models differ from the CPU path by that rounding).  The
 * KV cache lives on the device with the host's paged layout (eng_kv.h); the host's block
 * tables are uploaded every step.  Kernels are plain and correct first: one
 * warp per output row for up to 8 tokens, one block per (token, head) for
 * attention.
 */
#include <cuda_fp16.h>
#include <cuda_runtime.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern "C" {
#include "eng_kv.h"
#include "eng_model.h"
#include "eng_quant.h"
#include "engine_cuda.h"
}

struct dmat {
	uint8_t *w;          /* rows x row_bytes, GGUF layout */
	size_t row_bytes;
	int rows, cols;
};

struct dlayer {
	float *attn_norm, *ffn_norm;
	dmat wqkv, wo, w13, w2;
};

struct eng_cuda_ctx {
	struct eng_config cfg;
	eng_dtype type;
	int max_tokens, max_logits;
	dlayer *layers;           /* host array of device pointers */
	dmat embed, wcls;
	float *out_norm;
	float *k, *v;             /* device KV cache, host layout */
	size_t kv_floats;
	int *table;               /* (max_seqs, max_blocks) */
	int *tok, *seq, *pos, *lidx;
	float *x, *xb, *qkv, *att, *h13, *lx, *logits;
	size_t att_smem;
};

#define CK(call, what)                                                                      \
	do {                                                                                    \
		cudaError_t e_ = (call);                                                            \
		if (e_ != cudaSuccess) {                                                            \
			snprintf(err, err_len, "cuda: %s: %s", what, cudaGetErrorString(e_));          \
			return e_ == cudaErrorMemoryAllocation ? ENG_ENOMEM : ENG_ENOTSUP;             \
		}                                                                                   \
	} while (0)

/* ---------------------------------------------------------------- kernels */

template <int T>
static __device__ __forceinline__ float dq(const uint8_t *row, int k)
{
	if (T == ENG_F32)
		return ((const float *)row)[k];
	if (T == ENG_F16)
		return __half2float(((const __half *)row)[k]);
	const uint8_t *b = row + (size_t)(k / 32) * (T == ENG_Q8_0 ? 34 : 18);
	__half_raw hr;
	hr.x = (unsigned short)(b[0] | b[1] << 8);
	float d = __half2float(__half(hr));
	int j = k % 32;
	if (T == ENG_Q8_0)
		return d * (float)(int8_t)b[2 + j];
	int byte = b[2 + (j % 16)];
	return d * (float)((j < 16 ? byte & 0xf : byte >> 4) - 8);
}

/* y[t][r] = W[r] . x[t]: one warp per row, 8 tokens per blockIdx.y. */
template <int T>
static __global__ void k_matmul(const uint8_t *w, size_t row_bytes, int rows, int cols, const float *x, int ld_x,
                                int n_tok, float *y, int ld_y)
{
	int row = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32, lane = threadIdx.x % 32;
	int t0 = blockIdx.y * 8, nt = min(8, n_tok - t0);
	if (row >= rows)
		return;
	const uint8_t *wr = w + (size_t)row * row_bytes;
	float acc[8] = { 0, 0, 0, 0, 0, 0, 0, 0 };
	for (int k = lane; k < cols; k += 32) {
		float wv = dq<T>(wr, k);
#pragma unroll
		for (int t = 0; t < 8; t++)
			if (t < nt)
				acc[t] += wv * x[(size_t)(t0 + t) * ld_x + k];
	}
#pragma unroll
	for (int t = 0; t < 8; t++) {
		float s = acc[t];
		for (int o = 16; o > 0; o >>= 1)
			s += __shfl_down_sync(0xffffffffu, s, o);
		if (lane == 0 && t < nt)
			y[(size_t)(t0 + t) * ld_y + row] = s;
	}
}

template <int T>
static __global__ void k_embed(const uint8_t *emb, size_t row_bytes, const int *tok, int dim, float *x)
{
	int t = blockIdx.x;
	for (int i = threadIdx.x; i < dim; i += blockDim.x)
		x[(size_t)t * dim + i] = dq<T>(emb + (size_t)tok[t] * row_bytes, i);
}

static __device__ float block_sum(float v, float *sh)
{
	for (int o = 16; o > 0; o >>= 1)
		v += __shfl_down_sync(0xffffffffu, v, o);
	if (threadIdx.x % 32 == 0)
		sh[threadIdx.x / 32] = v;
	__syncthreads();
	float s = 0;
	for (int i = 0; i < (int)blockDim.x / 32; i++)
		s += sh[i];
	__syncthreads();
	return s;
}

static __device__ float block_max(float v, float *sh)
{
	for (int o = 16; o > 0; o >>= 1)
		v = fmaxf(v, __shfl_down_sync(0xffffffffu, v, o));
	if (threadIdx.x % 32 == 0)
		sh[threadIdx.x / 32] = v;
	__syncthreads();
	float s = -INFINITY;
	for (int i = 0; i < (int)blockDim.x / 32; i++)
		s = fmaxf(s, sh[i]);
	__syncthreads();
	return s;
}

/* y[t] = rmsnorm(x[idx ? idx[t] : t]) * w; one block per row. */
static __global__ void k_rmsnorm(float *y, const float *x, const int *idx, const float *w, int dim, float eps)
{
	__shared__ float sh[32];
	int t = blockIdx.x;
	const float *xr = x + (size_t)(idx ? idx[t] : t) * dim;
	float ss = 0;
	for (int i = threadIdx.x; i < dim; i += blockDim.x)
		ss += xr[i] * xr[i];
	ss = block_sum(ss, sh);
	float s = rsqrtf(ss / dim + eps);
	for (int i = threadIdx.x; i < dim; i += blockDim.x)
		y[(size_t)t * dim + i] = w[i] * (s * xr[i]);
}

static __global__ void k_add(float *x, const float *y, size_t n)
{
	size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		x[i] += y[i];
}

static __global__ void k_swiglu(float *h, int hid, int n_tok)
{
	size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
	if (i >= (size_t)hid * n_tok)
		return;
	float *g = h + (i / hid) * 2 * hid + i % hid, u = g[hid];
	*g = *g / (1.0f + expf(-*g)) * u;
}

/* Offset of head kh's row at (layer, seq, pos): the host's layout (eng_kv.h),
 * (n_layers, n_blocks, n_kv_heads, block_tokens, head_size). */
static __device__ __forceinline__ size_t kv_at(const int *table, int max_blocks, int bt, int n_kv, int hs, int n_blocks,
                                               int layer, int seq, int pos, int kh)
{
	int blk = table[seq * max_blocks + pos / bt];
	return ((((size_t)layer * n_blocks + blk) * n_kv + kh) * bt + pos % bt) * hs;
}

/* Rotary embeddings on q and k, then k and v into the cache: one thread per pair. */
static __global__ void k_rope_store(float *qkv, const int *seq, const int *pos, int n_tok, int dim, int kvd, int hs,
                                    float theta, float *kc, float *vc, const int *table, int max_blocks, int bt,
                                    int n_blocks, int layer)
{
	int pairs = (dim + kvd) / 2;
	size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
	if (i >= (size_t)pairs * n_tok)
		return;
	int t = (int)(i / pairs), p = (int)(i % pairs) * 2;
	float *row = qkv + (size_t)t * (dim + 2 * kvd);
	int hd = (p < dim ? p : p - dim) % hs;
	float freq = 1.0f / powf(theta, (float)hd / (float)hs), a = (float)pos[t] * freq;
	float c = cosf(a), s = sinf(a), v0 = row[p], v1 = row[p + 1];
	row[p] = v0 * c - v1 * s;
	row[p + 1] = v0 * s + v1 * c;
	if (p >= dim) {
		int e = p - dim;
		size_t off = kv_at(table, max_blocks, bt, kvd / hs, hs, n_blocks, layer, seq[t], pos[t], e / hs) + e % hs;
		kc[off] = row[p];
		kc[off + 1] = row[p + 1];
		vc[off] = row[dim + kvd + e];
		vc[off + 1] = row[dim + kvd + e + 1];
	}
}

/* One block per (token, head); scores in dynamic shared memory. */
static __global__ void k_attention(const float *qkv, float *att, const int *seq, const int *pos, int dim, int kvd,
                                   int hs, int n_heads, int n_kv_heads, const float *kc, const float *vc,
                                   const int *table, int max_blocks, int bt, int n_blocks, int layer)
{
	extern __shared__ float s[];
	__shared__ float sh[32];
	int t = blockIdx.x / n_heads, h = blockIdx.x % n_heads, kh = h / (n_heads / n_kv_heads);
	int n = pos[t] + 1;
	const float *q = qkv + (size_t)t * (dim + 2 * kvd) + (size_t)h * hs;
	float scale = rsqrtf((float)hs), mx = -INFINITY;
	for (int j = threadIdx.x; j < n; j += blockDim.x) {
		const float *k = kc + kv_at(table, max_blocks, bt, n_kv_heads, hs, n_blocks, layer, seq[t], j, kh);
		float d = 0;
		for (int i = 0; i < hs; i++)
			d += q[i] * k[i];
		s[j] = d * scale;
		mx = fmaxf(mx, s[j]);
	}
	mx = block_max(mx, sh);
	float sum = 0;
	for (int j = threadIdx.x; j < n; j += blockDim.x) {
		s[j] = expf(s[j] - mx);
		sum += s[j];
	}
	sum = block_sum(sum, sh);
	for (int i = threadIdx.x; i < hs; i += blockDim.x) {
		float o = 0;
		for (int j = 0; j < n; j++)
			o += s[j] * vc[kv_at(table, max_blocks, bt, n_kv_heads, hs, n_blocks, layer, seq[t], j, kh) + i];
		att[(size_t)t * dim + (size_t)h * hs + i] = o / sum;
	}
}

/* ---------------------------------------------------------------- host */

static void matmul(const eng_cuda_ctx *c, const dmat *w, const float *x, int ld_x, int n, float *y, int ld_y)
{
	dim3 grid((unsigned)((w->rows + 3) / 4), (unsigned)((n + 7) / 8));
	switch (c->type) {
	case ENG_F32: k_matmul<ENG_F32><<<grid, 128>>>(w->w, w->row_bytes, w->rows, w->cols, x, ld_x, n, y, ld_y); break;
	case ENG_F16: k_matmul<ENG_F16><<<grid, 128>>>(w->w, w->row_bytes, w->rows, w->cols, x, ld_x, n, y, ld_y); break;
	case ENG_Q8_0: k_matmul<ENG_Q8_0><<<grid, 128>>>(w->w, w->row_bytes, w->rows, w->cols, x, ld_x, n, y, ld_y); break;
	case ENG_Q4_0: k_matmul<ENG_Q4_0><<<grid, 128>>>(w->w, w->row_bytes, w->rows, w->cols, x, ld_x, n, y, ld_y); break;
	}
}

static eng_status upload_mat(dmat *d, const struct eng_q_mat *q, char *err, size_t err_len)
{
	d->rows = q->rows;
	d->cols = q->cols;
	d->row_bytes = eng_dtype_bytes(q->type, (size_t)q->cols);
	size_t n = d->row_bytes * (size_t)q->rows;
	void *h = malloc(n);
	if (!h) {
		snprintf(err, err_len, "cuda: out of host memory");
		return ENG_ENOMEM;
	}
	eng_q_mat_unpack(q, h);
	cudaError_t e = cudaMalloc((void **)&d->w, n);
	if (e == cudaSuccess)
		e = cudaMemcpy(d->w, h, n, cudaMemcpyHostToDevice);
	free(h);
	CK(e, "weights");
	return ENG_OK;
}

static eng_status upload_f32(float **d, const float *h, size_t n, char *err, size_t err_len)
{
	CK(cudaMalloc((void **)d, n * sizeof(float)), "norm weights");
	CK(cudaMemcpy(*d, h, n * sizeof(float), cudaMemcpyHostToDevice), "norm weights");
	return ENG_OK;
}

extern "C" int eng_cuda_device_count(void)
{
	int n = 0;
	if (cudaGetDeviceCount(&n) != cudaSuccess)
		return 0;
	return n;
}

extern "C" void eng_cuda_ctx_free(struct eng_cuda_ctx *c)
{
	if (!c)
		return;
	for (int l = 0; c->layers && l < c->cfg.n_layers; l++) {
		dlayer *L = &c->layers[l];
		cudaFree(L->attn_norm);
		cudaFree(L->ffn_norm);
		cudaFree(L->wqkv.w);
		cudaFree(L->wo.w);
		cudaFree(L->w13.w);
		cudaFree(L->w2.w);
	}
	free(c->layers);
	void *bufs[] = { c->embed.w, c->wcls.w, c->out_norm, c->k, c->v, c->table, c->tok, c->seq, c->pos, c->lidx,
	                 c->x, c->xb, c->qkv, c->att, c->h13, c->lx, c->logits };
	for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++)
		cudaFree(bufs[i]);
	free(c);
}

extern "C" eng_status eng_cuda_ctx_alloc(struct eng_cuda_ctx **out, const eng_model *m, const struct eng_kv_cache *kv,
                                         int max_tokens, int max_logits, char *err, size_t err_len)
{
	eng_cuda_ctx *c = (eng_cuda_ctx *)calloc(1, sizeof *c);
	if (!c) {
		snprintf(err, err_len, "cuda: out of host memory");
		return ENG_ENOMEM;
	}
	c->cfg = m->cfg;
	c->type = m->type;
	c->max_tokens = max_tokens;
	c->max_logits = max_logits;
	c->att_smem = (size_t)m->cfg.seq_len * sizeof(float);
	eng_status s = ENG_OK;
	const struct eng_config *cf = &m->cfg;
	size_t T = (size_t)max_tokens, dim = (size_t)cf->dim, kvd = (size_t)kv->kv_dim, hid = (size_t)cf->hidden_dim;
	if (c->att_smem > 200 * 1024) {
		snprintf(err, err_len, "cuda: context length %d exceeds what the attention kernel holds", cf->seq_len);
		s = ENG_ENOTSUP;
	} else if (cudaFuncSetAttribute(k_attention, cudaFuncAttributeMaxDynamicSharedMemorySize,
	                                (int)c->att_smem) != cudaSuccess && c->att_smem > 48 * 1024) {
		snprintf(err, err_len, "cuda: this device cannot give %zu bytes of shared memory", c->att_smem);
		s = ENG_ENOTSUP;
	}
	c->layers = (dlayer *)calloc((size_t)cf->n_layers, sizeof *c->layers);
	if (!s && !c->layers) {
		snprintf(err, err_len, "cuda: out of host memory");
		s = ENG_ENOMEM;
	}
	for (int l = 0; l < cf->n_layers && !s; l++) {
		const struct eng_layer *L = &m->layers[l];
		dlayer *D = &c->layers[l];
		if ((s = upload_f32(&D->attn_norm, L->attn_norm, dim, err, err_len)) ||
		    (s = upload_f32(&D->ffn_norm, L->ffn_norm, dim, err, err_len)) ||
		    (s = upload_mat(&D->wqkv, &L->wqkv, err, err_len)) || (s = upload_mat(&D->wo, &L->wo, err, err_len)) ||
		    (s = upload_mat(&D->w13, &L->w13, err, err_len)) || (s = upload_mat(&D->w2, &L->w2, err, err_len)))
			break;
	}
	if (!s) {
		c->embed.rows = cf->vocab_size;
		c->embed.cols = cf->dim;
		c->embed.row_bytes = eng_dtype_bytes(m->type, dim);
		size_t eb = c->embed.row_bytes * (size_t)cf->vocab_size;
		cudaError_t e = cudaMalloc((void **)&c->embed.w, eb);
		if (e == cudaSuccess)
			e = cudaMemcpy(c->embed.w, m->embed, eb, cudaMemcpyHostToDevice);
		if (e != cudaSuccess) {
			snprintf(err, err_len, "cuda: embedding: %s", cudaGetErrorString(e));
			s = ENG_ENOMEM;
		}
	}
	if (!s && !(s = upload_mat(&c->wcls, &m->wcls, err, err_len)))
		s = upload_f32(&c->out_norm, m->out_norm, dim, err, err_len);
	c->kv_floats = (size_t)kv->n_layers * kv->n_blocks * kv->block_tokens * kv->kv_dim;
	struct { void **p; size_t bytes; } bufs[] = {
		{ (void **)&c->k, c->kv_floats * 4 }, { (void **)&c->v, c->kv_floats * 4 },
		{ (void **)&c->table, (size_t)kv->max_seqs * kv->max_blocks * 4 },
		{ (void **)&c->tok, T * 4 }, { (void **)&c->seq, T * 4 }, { (void **)&c->pos, T * 4 },
		{ (void **)&c->lidx, (size_t)max_logits * 4 }, { (void **)&c->x, T * dim * 4 },
		{ (void **)&c->xb, T * dim * 4 }, { (void **)&c->qkv, T * (dim + 2 * kvd) * 4 },
		{ (void **)&c->att, T * dim * 4 }, { (void **)&c->h13, T * 2 * hid * 4 },
		{ (void **)&c->lx, (size_t)max_logits * dim * 4 },
		{ (void **)&c->logits, (size_t)max_logits * cf->vocab_size * 4 },
	};
	for (size_t i = 0; i < sizeof bufs / sizeof *bufs && !s; i++) {
		cudaError_t e = cudaMalloc(bufs[i].p, bufs[i].bytes);
		if (e != cudaSuccess) {
			snprintf(err, err_len, "cuda: buffers: %s", cudaGetErrorString(e));
			s = ENG_ENOMEM;
		}
	}
	if (s) {
		eng_cuda_ctx_free(c);
		return s;
	}
	*out = c;
	return ENG_OK;
}

extern "C" eng_status eng_cuda_step(struct eng_cuda_ctx *c, const struct eng_kv_cache *kv, int n, const int32_t *tok,
                                    const int32_t *seq, const int32_t *pos, int n_logits, const int32_t *lidx,
                                    float *logits, char *err, size_t err_len)
{
	const struct eng_config *cf = &c->cfg;
	int dim = cf->dim, hid = cf->hidden_dim, kvd = kv->kv_dim, hs = dim / cf->n_heads, qkv_ld = dim + 2 * kvd;
	CK(cudaMemcpy(c->table, kv->table, (size_t)kv->max_seqs * kv->max_blocks * 4, cudaMemcpyHostToDevice), "upload");
	CK(cudaMemcpy(c->tok, tok, (size_t)n * 4, cudaMemcpyHostToDevice), "upload");
	CK(cudaMemcpy(c->seq, seq, (size_t)n * 4, cudaMemcpyHostToDevice), "upload");
	CK(cudaMemcpy(c->pos, pos, (size_t)n * 4, cudaMemcpyHostToDevice), "upload");
	CK(cudaMemcpy(c->lidx, lidx, (size_t)n_logits * 4, cudaMemcpyHostToDevice), "upload");
	switch (c->type) {
	case ENG_F32: k_embed<ENG_F32><<<n, 128>>>(c->embed.w, c->embed.row_bytes, c->tok, dim, c->x); break;
	case ENG_F16: k_embed<ENG_F16><<<n, 128>>>(c->embed.w, c->embed.row_bytes, c->tok, dim, c->x); break;
	case ENG_Q8_0: k_embed<ENG_Q8_0><<<n, 128>>>(c->embed.w, c->embed.row_bytes, c->tok, dim, c->x); break;
	case ENG_Q4_0: k_embed<ENG_Q4_0><<<n, 128>>>(c->embed.w, c->embed.row_bytes, c->tok, dim, c->x); break;
	}
	size_t nd = (size_t)n * dim;
	unsigned add_blocks = (unsigned)((nd + 255) / 256);
	for (int l = 0; l < cf->n_layers; l++) {
		const dlayer *L = &c->layers[l];
		k_rmsnorm<<<n, 256>>>(c->xb, c->x, NULL, L->attn_norm, dim, cf->norm_eps);
		matmul(c, &L->wqkv, c->xb, dim, n, c->qkv, qkv_ld);
		size_t pairs = (size_t)(dim + kvd) / 2 * n;
		k_rope_store<<<(unsigned)((pairs + 255) / 256), 256>>>(c->qkv, c->seq, c->pos, n, dim, kvd, hs,
		                                                      cf->rope_theta, c->k, c->v, c->table, kv->max_blocks,
		                                                      kv->block_tokens, kv->n_blocks, l);
		k_attention<<<n * cf->n_heads, 128, c->att_smem>>>(c->qkv, c->att, c->seq, c->pos, dim, kvd, hs, cf->n_heads,
		                                                  cf->n_kv_heads, c->k, c->v, c->table, kv->max_blocks,
		                                                  kv->block_tokens, kv->n_blocks, l);
		matmul(c, &L->wo, c->att, dim, n, c->xb, dim);
		k_add<<<add_blocks, 256>>>(c->x, c->xb, nd);
		k_rmsnorm<<<n, 256>>>(c->xb, c->x, NULL, L->ffn_norm, dim, cf->norm_eps);
		matmul(c, &L->w13, c->xb, dim, n, c->h13, 2 * hid);
		k_swiglu<<<(unsigned)(((size_t)hid * n + 255) / 256), 256>>>(c->h13, hid, n);
		matmul(c, &L->w2, c->h13, 2 * hid, n, c->xb, dim);
		k_add<<<add_blocks, 256>>>(c->x, c->xb, nd);
	}
	if (n_logits > 0) {
		k_rmsnorm<<<n_logits, 256>>>(c->lx, c->x, c->lidx, c->out_norm, dim, cf->norm_eps);
		matmul(c, &c->wcls, c->lx, dim, n_logits, c->logits, cf->vocab_size);
	}
	CK(cudaGetLastError(), "kernel launch");
	CK(cudaMemcpy(logits, c->logits, (size_t)n_logits * cf->vocab_size * 4, cudaMemcpyDeviceToHost), "logits");
	return ENG_OK;
}
