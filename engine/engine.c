/* engine.c — contexts, sequences and the batched forward pass (CPU).
 *
 * About the step: all threads of one OpenMP team walk the layers together.
 * Phases alternate between token-parallel work (norms, rotary embeddings,
 * attention, SwiGLU; each thread owns a fixed range of tokens or (token, head)
 * pairs) and panel-parallel matmuls (each thread owns a fixed range of 16-row
 * weight panels for all tokens), with a barrier between phases.  Consecutive
 * token phases use the same split, so they need no barrier between them.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "engine_cuda.h"
#include "eng_kernels.h"
#include "eng_kv.h"
#include "eng_model.h"

struct eng_ctx {
	const eng_model *m;
	struct eng_ctx_params p;   /* defaults filled in */
	const struct eng_k_ops *ops;
	int nt;                    /* threads per step */
	struct eng_kv_cache kv;
	char err[ENG_ERR_LEN];
	struct eng_cuda_ctx *cuda;     /* non-NULL with the CUDA backend */

	/* scratch, sized for max_tokens (T) at allocation */
	float *x;          /* (T, dim) residual stream */
	float *xb;         /* (T, dim) normed input / matmul output */
	float *qkv;        /* (T, dim + 2 kv_dim) */
	float *att;        /* (T, dim) attention output */
	float *h13;        /* (T, 2 hidden) gate | up, then the SwiGLU product in the gate half */
	float *scores;     /* (nt, seq_len) attention weights per thread */
	float *rope_cos;   /* (seq_len, head_size / 2) */
	float *rope_sin;
	uint8_t *act;      /* (T, eng_q_act_stride(max(dim, hidden))) quantized activations */
	uint8_t *act2;     /* (T, eng_q_act_stride(hidden)) the SwiGLU product, quantized while w13 is still read */
	float *lx;         /* (max_logits, dim) normed rows that need logits */
	float *logits;     /* (max_logits, vocab) */
	int32_t *tok, *seq, *pos;  /* (T,) this step's tokens */
	int32_t *lidx;     /* (max_logits,) token index of each logits row */
	int *cnt;          /* (max_seqs,) tokens of each sequence in this step */
	int n_tok, n_logits;
};

static eng_status cerr(eng_ctx *c, eng_status s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static eng_status cerr(eng_ctx *c, eng_status s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof c->err, fmt, ap);
	va_end(ap);
	return s;
}

/* ---------------------------------------------------------------- contexts */

int eng_default_threads(void)
{
#ifdef _OPENMP
	return omp_get_max_threads();
#else
	return 1;
#endif
}

static int head_size(const eng_model *m)
{
	return m->cfg.dim / m->cfg.n_heads;
}

static int kv_dim(const eng_model *m)
{
	return m->cfg.n_kv_heads * head_size(m);
}

eng_status eng_ctx_alloc(eng_ctx **out, const eng_model *m, const struct eng_ctx_params *pp,
                         char *err, size_t err_len)
{
	struct eng_ctx_params p = pp ? *pp : (struct eng_ctx_params){ 0 };
	const struct eng_config *cf = &m->cfg;
	if (p.n_threads <= 0)
		p.n_threads = eng_default_threads();
	if (p.max_tokens <= 0)
		p.max_tokens = 512;
	if (p.max_seqs <= 0)
		p.max_seqs = 64;
	if (p.kv_block_tokens <= 0)
		p.kv_block_tokens = 16;
	if (p.kv_block_tokens > cf->seq_len)
		p.kv_block_tokens = cf->seq_len;
	int per_seq = (cf->seq_len + p.kv_block_tokens - 1) / p.kv_block_tokens;
	if (p.kv_blocks <= 0)
		p.kv_blocks = per_seq * p.max_seqs;
	if (p.max_logits <= 0)
		p.max_logits = p.max_tokens;
	if (p.n_threads > 1024 || p.max_tokens > 1 << 20 || p.max_seqs > 1 << 20 || p.max_logits > p.max_tokens)
		return eng_err(ENG_EINVAL, err, err_len, "context parameters out of range");
	const struct eng_k_ops *ops = eng_k_ops_get(p.isa);
	if (!ops)
		return eng_err(ENG_ENOTSUP, err, err_len, "this cpu lacks the %s kernels", eng_isa_name(p.isa));
	if (p.backend == ENG_BACKEND_CUDA && !eng_cuda_available())
		return eng_err(ENG_ENOTSUP, err, err_len, "cuda backend: %s",
		               ENG_HAVE_CUDA ? "no cuda device present" : "this build has no cuda support");

	eng_ctx *c = calloc(1, sizeof *c);
	if (!c)
		return eng_err(ENG_ENOMEM, err, err_len, "context: out of memory");
	c->m = m;
	c->p = p;
	c->ops = ops;
	c->nt = p.n_threads;
	size_t T = (size_t)p.max_tokens, dim = (size_t)cf->dim, hs = (size_t)head_size(m);
	size_t wide = (size_t)(cf->hidden_dim > cf->dim ? cf->hidden_dim : cf->dim);
	eng_status s = eng_kv_init(&c->kv, cf->n_layers, cf->n_kv_heads, head_size(m), cf->seq_len, p.kv_block_tokens,
	                           p.kv_blocks, p.max_seqs);
	c->x = eng_q_aligned_alloc(T * dim * 4);
	c->xb = eng_q_aligned_alloc(T * dim * 4);
	c->qkv = eng_q_aligned_alloc(T * (dim + 2 * (size_t)kv_dim(m)) * 4);
	c->att = eng_q_aligned_alloc(T * dim * 4);
	c->h13 = eng_q_aligned_alloc(T * 2 * (size_t)cf->hidden_dim * 4);
	c->scores = eng_q_aligned_alloc((size_t)c->nt * (size_t)cf->seq_len * 4);
	c->rope_cos = eng_q_aligned_alloc((size_t)cf->seq_len * hs / 2 * 4);
	c->rope_sin = eng_q_aligned_alloc((size_t)cf->seq_len * hs / 2 * 4);
	c->act = eng_q_aligned_alloc(T * eng_q_act_stride((int)wide));
	c->act2 = eng_q_aligned_alloc(T * eng_q_act_stride(cf->hidden_dim));
	c->lx = eng_q_aligned_alloc((size_t)p.max_logits * dim * 4);
	c->logits = eng_q_aligned_alloc((size_t)p.max_logits * (size_t)cf->vocab_size * 4);
	c->tok = malloc(T * 4);
	c->seq = malloc(T * 4);
	c->pos = malloc(T * 4);
	c->lidx = malloc((size_t)p.max_logits * 4);
	c->cnt = calloc((size_t)p.max_seqs, sizeof(int));
	if (!s && (!c->x || !c->xb || !c->qkv || !c->att || !c->h13 || !c->scores || !c->rope_cos ||
	           !c->rope_sin || !c->act || !c->act2 || !c->lx || !c->logits || !c->tok || !c->seq || !c->pos ||
	           !c->lidx || !c->cnt))
		s = ENG_ENOMEM;
	if (s) {
		eng_ctx_free(c);
		return eng_err(s, err, err_len, "context: out of memory (kv cache of %d blocks of %d tokens)",
		               p.kv_blocks, p.kv_block_tokens);
	}
	/* the same expressions as a direct evaluation, so the table changes nothing */
	for (int pos = 0; pos < cf->seq_len; pos++)
		for (size_t i = 0; i < hs / 2; i++) {
			float freq = 1.0f / powf(cf->rope_theta, (float)(2 * i) / (float)hs);
			float v = (float)pos * freq;
			c->rope_cos[(size_t)pos * hs / 2 + i] = cosf(v);
			c->rope_sin[(size_t)pos * hs / 2 + i] = sinf(v);
		}
	if (p.backend == ENG_BACKEND_CUDA) {
		s = eng_cuda_ctx_alloc(&c->cuda, m, &c->kv, p.max_tokens, p.max_logits, c->err, sizeof c->err);
		if (s) {
			eng_err(s, err, err_len, "%s", c->err);
			eng_ctx_free(c);
			return s;
		}
	}
	*out = c;
	return ENG_OK;
}

void eng_ctx_free(eng_ctx *c)
{
	if (!c)
		return;
	if (c->cuda)
		eng_cuda_ctx_free(c->cuda);
	eng_kv_release(&c->kv);
	free(c->x);
	free(c->xb);
	free(c->qkv);
	free(c->att);
	free(c->h13);
	free(c->scores);
	free(c->rope_cos);
	free(c->rope_sin);
	free(c->act);
	free(c->act2);
	free(c->lx);
	free(c->logits);
	free(c->tok);
	free(c->seq);
	free(c->pos);
	free(c->lidx);
	free(c->cnt);
	free(c);
}

const char *eng_errmsg(const eng_ctx *c)
{
	return c->err;
}

eng_isa eng_ctx_isa(const eng_ctx *c)
{
	return c->ops->isa;
}

int eng_ctx_threads(const eng_ctx *c)
{
	return c->nt;
}

eng_status eng_seq_open(eng_ctx *c, int *seq)
{
	int s = eng_kv_seq_open(&c->kv);
	if (s < 0)
		return cerr(c, ENG_EKVFULL, "all %d sequence slots are in use", c->kv.max_seqs);
	*seq = s;
	return ENG_OK;
}

void eng_seq_close(eng_ctx *c, int seq)
{
	eng_kv_seq_close(&c->kv, seq);
}

int eng_seq_len(const eng_ctx *c, int seq)
{
	return seq >= 0 && seq < c->kv.max_seqs ? c->kv.len[seq] : -1;
}

int eng_kv_free_blocks(const eng_ctx *c)
{
	return c->kv.n_free;
}

int eng_kv_block_tokens(const eng_ctx *c)
{
	return c->kv.block_tokens;
}

int eng_n_logits(const eng_ctx *c)
{
	return c->n_logits;
}

const float *eng_logits(const eng_ctx *c, int i)
{
	if (i < 0 || i >= c->n_logits)
		return NULL;
	return c->logits + (size_t)i * c->m->cfg.vocab_size;
}

int eng_argmax(const float *x, int n)
{
	int best = 0;
	for (int i = 1; i < n; i++)
		if (x[i] > x[best])
			best = i;
	return best;
}

/* ---------------------------------------------------------------- forward */

static struct eng_q_act act_view(const eng_ctx *c, int cols)
{
	return (struct eng_q_act){ .cols = cols, .stride = eng_q_act_stride(cols), .data = c->act };
}

static struct eng_q_act act2_view(const eng_ctx *c, int cols)
{
	return (struct eng_q_act){ .cols = cols, .stride = eng_q_act_stride(cols), .data = c->act2 };
}

static int is_quant(eng_dtype t)
{
	return t == ENG_Q8_0 || t == ENG_Q4_0;
}

/* Panel-parallel y = W x for n tokens; x rows of ld_x floats (quantized already
 * into the activation buffer for integer weights). */
static void matmul(const eng_ctx *c, const struct eng_q_mat *w, const float *x, int ld_x, int n,
                   float *y, int ld_y, int ith, int nth)
{
	struct eng_q_act a = act_view(c, w->cols);
	int p0, p1;
	eng_k_split(w->n_panels, ith, nth, &p0, &p1);
	c->ops->matmul(w, x, ld_x, &a, n, y, ld_y, p0, p1);
}

static void quantize_rows(const eng_ctx *c, const float *x, int ld_x, int cols, int t0, int t1)
{
	if (!is_quant(c->m->type))
		return;
	struct eng_q_act a = act_view(c, cols);
	for (int t = t0; t < t1; t++)
		c->ops->quant(&a, t, x + (size_t)t * ld_x);
}

static void barrier(void)
{
#pragma omp barrier
}

/* Rotary embedding of output rows [r0, r1) of one token's fused QKV row
 * (queries, then keys), and keys and values of those rows copied into the
 * cache.  Rows pair up as (2i, 2i + 1) within a head and r0, r1 are even, so
 * a thread can do this on the rows its own matmul panels produced. */
static void rope_rows(eng_ctx *c, int l, int t, int r0, int r1)
{
	const struct eng_config *cf = &c->m->cfg;
	int hs = head_size(c->m), dim = cf->dim, kvd = kv_dim(c->m);
	float *row = c->qkv + (size_t)t * (dim + 2 * kvd);
	const float *co = c->rope_cos + (size_t)c->pos[t] * hs / 2, *si = c->rope_sin + (size_t)c->pos[t] * hs / 2;
	int re = r1 < dim + kvd ? r1 : dim + kvd;
	for (int r = r0; r < re; r += 2) {
		int i = (r < dim ? r : r - dim) % hs / 2;
		float a = row[r], b = row[r + 1];
		row[r] = a * co[i] - b * si[i];
		row[r + 1] = a * si[i] + b * co[i];
	}
	/* keys and values: the intersection of [r0, r1) with each kv head */
	for (int kh = 0; kh < cf->n_kv_heads; kh++) {
		size_t off = eng_kv_offset(&c->kv, l, c->seq[t], c->pos[t], kh);
		int k0 = dim + kh * hs, v0 = dim + kvd + kh * hs;
		int lo = r0 > k0 ? r0 : k0, hi = r1 < k0 + hs ? r1 : k0 + hs;
		if (lo < hi)
			memcpy(c->kv.k + off + (lo - k0), row + lo, sizeof(float) * (size_t)(hi - lo));
		lo = r0 > v0 ? r0 : v0;
		hi = r1 < v0 + hs ? r1 : v0 + hs;
		if (lo < hi)
			memcpy(c->kv.v + off + (lo - v0), row + lo, sizeof(float) * (size_t)(hi - lo));
	}
}

static void attention(eng_ctx *c, int l, int t, int h, float *scores)
{
	const struct eng_config *cf = &c->m->cfg;
	int hs = head_size(c->m), kvd = kv_dim(c->m), qkv_ld = cf->dim + 2 * kvd;
	int kh = h / (cf->n_heads / cf->n_kv_heads), seq = c->seq[t];
	size_t layer = (size_t)l * c->kv.n_blocks * c->kv.block_tokens * kvd;
	struct eng_k_attn a = {
		.q = c->qkv + (size_t)t * qkv_ld + (size_t)h * hs,
		.k = c->kv.k + layer, .v = c->kv.v + layer,
		.table = c->kv.table + (size_t)seq * c->kv.max_blocks,
		.block_tokens = c->kv.block_tokens, .block_stride = (size_t)c->kv.block_tokens * kvd, .row_stride = hs,
		.off = kh * c->kv.block_tokens * hs, .hs = hs,
		.n_pos = c->pos[t] + 1, .scale = 1.0f / sqrtf((float)hs), .scores = scores,
		.out = c->att + (size_t)t * cf->dim + (size_t)h * hs,
	};
	c->ops->attn(&a);
}

static void forward(eng_ctx *c, int ith, int nth)
{
	const eng_model *m = c->m;
	const struct eng_config *cf = &m->cfg;
	int T = c->n_tok, dim = cf->dim, hid = cf->hidden_dim, kvd = kv_dim(m), qkv_ld = dim + 2 * kvd, hs = head_size(m);
	int quant = is_quant(m->type);
	int t0, t1;
	eng_k_split(T, ith, nth, &t0, &t1);
	size_t erow = eng_dtype_bytes(m->type, (size_t)dim);
	float *scores = c->scores + (size_t)ith * cf->seq_len;
	/* this thread's QKV panels (rope and the cache write follow its matmul) */
	int qp0, qp1;
	eng_k_split(m->layers[0].wqkv.n_panels, ith, nth, &qp0, &qp1);
	int qr0 = qp0 * ENG_PANEL, qr1 = qp1 * ENG_PANEL < qkv_ld ? qp1 * ENG_PANEL : qkv_ld;
	/* attention quantizes each head's output itself when heads are whole blocks */
	int head_quant = quant && hs % ENG_QK == 0;
	/* gate and up rows [g0, g1) of the same units of 32 (two panels each), so
	 * that SwiGLU and its quantization follow the w13 matmul on this thread */
	int fuse13 = hid % ENG_QK == 0;
	int g0, g1;
	eng_k_split(hid / ENG_QK, ith, nth, &g0, &g1);
	g0 *= ENG_QK;
	g1 *= ENG_QK;
	struct eng_q_act a2 = act2_view(c, hid);

	for (int t = t0; t < t1; t++)
		eng_q_dequantize_row(m->type, (const uint8_t *)m->embed + erow * (size_t)c->tok[t],
		                     c->x + (size_t)t * dim, (size_t)dim);
	for (int l = 0; l < cf->n_layers; l++) {
		const struct eng_layer *L = &m->layers[l];
		for (int t = t0; t < t1; t++)
			eng_k_rmsnorm(c->xb + (size_t)t * dim, c->x + (size_t)t * dim, L->attn_norm, dim, cf->norm_eps);
		quantize_rows(c, c->xb, dim, dim, t0, t1);
		barrier();
		{
			struct eng_q_act a = act_view(c, dim);
			c->ops->matmul(&L->wqkv, c->xb, dim, &a, T, c->qkv, qkv_ld, qp0, qp1);
		}
		for (int t = 0; t < T; t++)
			rope_rows(c, l, t, qr0, qr1);
		barrier();
		int a0, a1;
		eng_k_split(T * cf->n_heads, ith, nth, &a0, &a1);
		struct eng_q_act aa = act_view(c, dim);
		for (int i = a0; i < a1; i++) {
			int t = i / cf->n_heads, h = i % cf->n_heads;
			attention(c, l, t, h, scores);
			if (head_quant)
				c->ops->quant_blocks(&aa, t, c->att + (size_t)t * dim, h * hs / ENG_QK,
				                     (h + 1) * hs / ENG_QK);
		}
		barrier();
		if (quant && !head_quant) {
			quantize_rows(c, c->att, dim, dim, t0, t1);
			barrier();
		}
		matmul(c, &L->wo, c->att, dim, T, c->xb, dim, ith, nth);
		barrier();
		for (int t = t0; t < t1; t++) {
			float *x = c->x + (size_t)t * dim, *y = c->xb + (size_t)t * dim;
			for (int i = 0; i < dim; i++)
				x[i] += y[i];
			eng_k_rmsnorm(y, x, L->ffn_norm, dim, cf->norm_eps);
		}
		quantize_rows(c, c->xb, dim, dim, t0, t1);
		barrier();
		if (fuse13) {
			struct eng_q_act a = act_view(c, dim);
			c->ops->matmul(&L->w13, c->xb, dim, &a, T, c->h13, 2 * hid, g0 / ENG_PANEL, g1 / ENG_PANEL);
			c->ops->matmul(&L->w13, c->xb, dim, &a, T, c->h13, 2 * hid, (hid + g0) / ENG_PANEL,
			               (hid + g1) / ENG_PANEL);
			for (int t = 0; t < T && g0 < g1; t++) {
				float *g = c->h13 + (size_t)t * 2 * hid;
				c->ops->swiglu(g + g0, g + hid + g0, g1 - g0);
				if (quant)
					c->ops->quant_blocks(&a2, t, g, g0 / ENG_QK, g1 / ENG_QK);
			}
		} else {
			matmul(c, &L->w13, c->xb, dim, T, c->h13, 2 * hid, ith, nth);
			barrier();
			for (int t = t0; t < t1; t++) {
				float *g = c->h13 + (size_t)t * 2 * hid;
				c->ops->swiglu(g, g + hid, hid);
				if (quant)
					c->ops->quant(&a2, t, g);
			}
		}
		barrier();
		{
			int p0, p1;
			eng_k_split(L->w2.n_panels, ith, nth, &p0, &p1);
			c->ops->matmul(&L->w2, c->h13, 2 * hid, &a2, T, c->xb, dim, p0, p1);
		}
		barrier();
		for (int t = t0; t < t1; t++) {
			float *x = c->x + (size_t)t * dim, *y = c->xb + (size_t)t * dim;
			for (int i = 0; i < dim; i++)
				x[i] += y[i];
		}
	}
	/* logits only for the rows that asked for them */
	int n = c->n_logits;
	eng_k_split(n, ith, nth, &t0, &t1);
	for (int i = t0; i < t1; i++)
		eng_k_rmsnorm(c->lx + (size_t)i * dim, c->x + (size_t)c->lidx[i] * dim, m->out_norm, dim, cf->norm_eps);
	quantize_rows(c, c->lx, dim, dim, t0, t1);
	barrier();
	matmul(c, &m->wcls, c->lx, dim, n, c->logits, cf->vocab_size, ith, nth);
}

/* Checks the batch and fills tok/seq/pos/lidx; changes no sequence. */
static eng_status prepare(eng_ctx *c, const struct eng_batch *b)
{
	const struct eng_config *cf = &c->m->cfg;
	if (!b || b->n <= 0 || !b->token || !b->seq)
		return cerr(c, ENG_EINVAL, "empty batch");
	if (b->n > c->p.max_tokens)
		return cerr(c, ENG_EINVAL, "batch of %d tokens exceeds max_tokens %d", b->n, c->p.max_tokens);
	for (int i = 0; i < b->n; i++) {
		int s = b->seq[i];
		if (s < 0 || s >= c->kv.max_seqs || c->kv.len[s] < 0)
			return cerr(c, ENG_EINVAL, "token %d: sequence %d is not open", i, s);
		if (b->token[i] < 0 || b->token[i] >= cf->vocab_size)
			return cerr(c, ENG_EINVAL, "token %d: id %d outside the vocabulary (%d)", i, b->token[i],
			            cf->vocab_size);
	}
	for (int i = 0; i < b->n; i++)
		c->cnt[b->seq[i]] = 0;
	int n_log = 0;
	for (int i = 0; i < b->n; i++) {
		int s = b->seq[i];
		c->tok[i] = b->token[i];
		c->seq[i] = s;
		c->pos[i] = c->kv.len[s] + c->cnt[s]++;
		if (c->pos[i] >= cf->seq_len)
			return cerr(c, ENG_EINVAL, "sequence %d would pass the context length %d", s, cf->seq_len);
	}
	for (int i = 0; i < b->n; i++) {
		int want;
		if (b->logits)
			want = b->logits[i] != 0;
		else
			want = c->pos[i] == c->kv.len[b->seq[i]] + c->cnt[b->seq[i]] - 1;
		if (!want)
			continue;
		if (n_log == c->p.max_logits)
			return cerr(c, ENG_EINVAL, "more than max_logits %d rows requested", c->p.max_logits);
		c->lidx[n_log++] = i;
	}
	/* reserve every block first, or none */
	int need = 0;
	for (int i = 0; i < b->n; i++)
		if (c->cnt[b->seq[i]] > 0) {
			int s = b->seq[i];
			need += eng_kv_blocks_needed(&c->kv, s, c->kv.len[s] + c->cnt[s]);
			c->cnt[s] = -c->cnt[s];   /* count each sequence once */
		}
	for (int i = 0; i < b->n; i++)
		if (c->cnt[b->seq[i]] < 0)
			c->cnt[b->seq[i]] = -c->cnt[b->seq[i]];
	if (need > c->kv.n_free)
		return cerr(c, ENG_EKVFULL, "kv cache full: step needs %d blocks, %d free", need, c->kv.n_free);
	for (int i = 0; i < b->n; i++) {
		int s = b->seq[i];
		eng_kv_reserve(&c->kv, s, c->kv.len[s] + c->cnt[s]);
	}
	c->n_tok = b->n;
	c->n_logits = n_log;
	return ENG_OK;
}

eng_status eng_step(eng_ctx *c, const struct eng_batch *b)
{
	c->err[0] = 0;
	c->n_logits = 0;
	eng_status s = prepare(c, b);
	if (s)
		return s;
	if (c->cuda) {
		s = eng_cuda_step(c->cuda, &c->kv, c->n_tok, c->tok, c->seq, c->pos, c->n_logits, c->lidx,
		                  c->logits, c->err, sizeof c->err);
	} else {
#pragma omp parallel num_threads(c->nt)
		{
#ifdef _OPENMP
			forward(c, omp_get_thread_num(), omp_get_num_threads());
#else
			forward(c, 0, 1);
#endif
		}
	}
	/* positions advance only once the step has run */
	for (int i = 0; i < b->n; i++)
		c->cnt[b->seq[i]] = 0;
	for (int i = 0; i < b->n; i++)
		c->kv.len[b->seq[i]] = c->pos[i] + 1 > c->kv.len[b->seq[i]] ? c->pos[i] + 1 : c->kv.len[b->seq[i]];
	return s;
}

int eng_cuda_available(void)
{
	return ENG_HAVE_CUDA && eng_cuda_device_count() > 0;
}
