/* eng_kernels_cpu.c — matmul, dot and axpy kernels: portable C, AVX2/FMA/F16C and
 * AVX-512 with VNNI, selected at run time with __builtin_cpu_supports.
 *
 * About the tiles: a kernel keeps one panel (16 output rows) against up to NT
 * tokens in registers, so every weight vector loaded is used NT times; for one
 * token (decode) it splits the reduction over several accumulators instead, so
 * the loop is limited by memory, not by FMA latency.  Integer kernels add the
 * u8 x s8 products of whole blocks in int32 and scale once per block.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "eng_kernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define ENG_X86 1
#else
#define ENG_X86 0
#endif

#define INLINE static inline __attribute__((always_inline))
/* short names for the layout constants of eng_quant.h, which every kernel uses */
#define QK ENG_QK
#define PANEL ENG_PANEL

static inline int32_t load_i32(const void *p)
{
	int32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* ---------------------------------------------------------------- shared */

void eng_k_rmsnorm(float *y, const float *x, const float *w, int n, float eps)
{
	float ss = 0;
	for (int i = 0; i < n; i++)
		ss += x[i] * x[i];
	float s = 1.0f / sqrtf(ss / n + eps);
	for (int i = 0; i < n; i++)
		y[i] = w[i] * (s * x[i]);
}

void eng_k_softmax(float *x, int n)
{
	float max = x[0], sum = 0;
	for (int i = 1; i < n; i++)
		max = x[i] > max ? x[i] : max;
	for (int i = 0; i < n; i++) {
		x[i] = expf(x[i] - max);
		sum += x[i];
	}
	for (int i = 0; i < n; i++)
		x[i] /= sum;
}

float eng_k_silu(float x)
{
	return x / (1.0f + expf(-x));
}

static void store_rows(float *y, const float *v, int nr)
{
	memcpy(y, v, (size_t)nr * sizeof *v);
}

/* ---------------------------------------------------------------- scalar */

static void mm_scalar(const struct eng_q_mat *w, const float *x, int ld_x, const struct eng_q_act *xa,
                      int n_tok, float *y, int ld_y, int p0, int p1)
{
	int nb = w->cols / QK;
	for (int p = p0; p < p1; p++) {
		const uint8_t *pan = w->data + (size_t)p * w->panel_bytes;
		int nr = w->rows - p * PANEL < PANEL ? w->rows - p * PANEL : PANEL;
		for (int t = 0; t < n_tok; t++) {
			float acc[PANEL] = { 0 };
			switch (w->type) {
			case ENG_F32:
			case ENG_F16: {
				const float *xt = x + (size_t)t * ld_x;
				for (int k = 0; k < w->cols; k++)
					for (int r = 0; r < PANEL; r++) {
						float wv = w->type == ENG_F32 ? ((const float *)pan)[k * PANEL + r]
						         : eng_q_f16_to_f32(((const uint16_t *)pan)[k * PANEL + r]);
						acc[r] += wv * xt[k];
					}
				break;
			}
			case ENG_Q8_0:
			case ENG_Q4_0: {
				const int8_t *q = eng_q_act_q(xa, t);
				const float *d = eng_q_act_d(xa, t);
				const int32_t *s = eng_q_act_s(xa, t);
				int q4 = w->type == ENG_Q4_0;
				size_t bb = q4 ? 288 : 544;
				for (int b = 0; b < nb; b++) {
					const uint8_t *pb = pan + (size_t)b * bb;
					int32_t ia[PANEL];
					for (int r = 0; r < PANEL; r++)
						ia[r] = -(q4 ? 8 : 128) * s[b];
					for (int e = 0; e < QK; e++) {
						int a = q[b * QK + e];
						for (int r = 0; r < PANEL; r++) {
							int u;
							if (!q4)
								u = pb[(e / 4) * 64 + r * 4 + e % 4];
							else if (e < 16)
								u = pb[(e / 4) * 64 + r * 4 + e % 4] & 0xf;
							else
								u = pb[((e - 16) / 4) * 64 + r * 4 + e % 4] >> 4;
							ia[r] += u * a;
						}
					}
					const uint16_t *sc = (const uint16_t *)(pb + (q4 ? 256 : 512));
					for (int r = 0; r < PANEL; r++)
						acc[r] += (float)ia[r] * (eng_q_f16_to_f32(sc[r]) * d[b]);
				}
				break;
			}
			}
			store_rows(y + (size_t)t * ld_y + (size_t)p * PANEL, acc, nr);
		}
	}
}

static float dot_scalar(const float *a, const float *b, int n)
{
	float s = 0;
	for (int i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

static void axpy_scalar(float *y, float a, const float *x, int n)
{
	for (int i = 0; i < n; i++)
		y[i] += a * x[i];
}

static inline const float *kv_row(const struct eng_k_attn *a, const float *base, int j)
{
	return base + (size_t)a->table[j / a->block_tokens] * a->block_stride +
	       (size_t)(j % a->block_tokens) * a->row_stride + a->off;
}

static void attn_scalar(const struct eng_k_attn *a)
{
	float max = -INFINITY, sum = 0;
	for (int j = 0; j < a->n_pos; j++) {
		a->scores[j] = dot_scalar(a->q, kv_row(a, a->k, j), a->hs) * a->scale;
		max = a->scores[j] > max ? a->scores[j] : max;
	}
	for (int j = 0; j < a->n_pos; j++) {
		a->scores[j] = expf(a->scores[j] - max);
		sum += a->scores[j];
	}
	memset(a->out, 0, sizeof(float) * (size_t)a->hs);
	for (int j = 0; j < a->n_pos; j++)
		axpy_scalar(a->out, a->scores[j] / sum, kv_row(a, a->v, j), a->hs);
}

static void swiglu_scalar(float *g, const float *u, int n)
{
	for (int i = 0; i < n; i++)
		g[i] = eng_k_silu(g[i]) * u[i];
}

static const struct eng_k_ops ops_scalar = { ENG_ISA_SCALAR, attn_scalar, eng_q_act_quantize, eng_q_act_quantize_blocks,
                                             swiglu_scalar, mm_scalar, dot_scalar, axpy_scalar };

#if ENG_X86
/* ---------------------------------------------------------------- AVX2 */

#define T2 __attribute__((target("avx2,fma,f16c")))

T2 INLINE __m256 ld8_f16(const uint16_t *p)
{
	return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
}

T2 INLINE float hsum256(__m256 v)
{
	__m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_movehdup_ps(s));
	return _mm_cvtss_f32(s);
}

/* Float panel x NT tokens, NT <= 4 (16 ymm registers). */
T2 INLINE void f_tile2(const uint8_t *pan, int f16, int cols, const float *x, int ld_x,
                       int NT, float *y, int ld_y, int nr)
{
	__m256 a0[4], a1[4];
	for (int t = 0; t < NT; t++)
		a0[t] = a1[t] = _mm256_setzero_ps();
	for (int k = 0; k < cols; k++) {
		__m256 w0, w1;
		if (f16) {
			w0 = ld8_f16((const uint16_t *)pan + k * PANEL);
			w1 = ld8_f16((const uint16_t *)pan + k * PANEL + 8);
		} else {
			w0 = _mm256_loadu_ps((const float *)pan + k * PANEL);
			w1 = _mm256_loadu_ps((const float *)pan + k * PANEL + 8);
		}
		for (int t = 0; t < NT; t++) {
			__m256 xv = _mm256_broadcast_ss(x + (size_t)t * ld_x + k);
			a0[t] = _mm256_fmadd_ps(w0, xv, a0[t]);
			a1[t] = _mm256_fmadd_ps(w1, xv, a1[t]);
		}
	}
	for (int t = 0; t < NT; t++) {
		float tmp[PANEL];
		_mm256_storeu_ps(tmp, a0[t]);
		_mm256_storeu_ps(tmp + 8, a1[t]);
		store_rows(y + (size_t)t * ld_y, tmp, nr);
	}
}

/* Quantized panel x NT tokens, NT <= 2. */
T2 INLINE void q_tile2(const uint8_t *pan, int q4, int nb, const struct eng_q_act *xa, int t0,
                       int NT, float *y, int ld_y, int nr)
{
	const __m256i ones = _mm256_set1_epi16(1), m4 = _mm256_set1_epi8(0x0f),
	              x80 = _mm256_set1_epi8((char)0x80);
	__m256 f0[2], f1[2];
	const int8_t *q[2];
	const float *d[2];
	const int32_t *s[2];
	for (int t = 0; t < NT; t++) {
		f0[t] = f1[t] = _mm256_setzero_ps();
		q[t] = eng_q_act_q(xa, t0 + t);
		d[t] = eng_q_act_d(xa, t0 + t);
		s[t] = eng_q_act_s(xa, t0 + t);
	}
	size_t bb = q4 ? 288 : 544;
	for (int b = 0; b < nb; b++) {
		const uint8_t *pb = pan + (size_t)b * bb;
		__m256i i0[2], i1[2];
		for (int t = 0; t < NT; t++) {
			i0[t] = i1[t] = _mm256_set1_epi32(q4 ? -8 * s[t][b] : 0);
		}
		if (q4) {
			for (int g = 0; g < 4; g++) {
				__m256i v0 = _mm256_loadu_si256((const __m256i *)(pb + g * 64));
				__m256i v1 = _mm256_loadu_si256((const __m256i *)(pb + g * 64 + 32));
				__m256i l0 = _mm256_and_si256(v0, m4), h0 = _mm256_and_si256(_mm256_srli_epi16(v0, 4), m4);
				__m256i l1 = _mm256_and_si256(v1, m4), h1 = _mm256_and_si256(_mm256_srli_epi16(v1, 4), m4);
				for (int t = 0; t < NT; t++) {
					__m256i al = _mm256_set1_epi32(load_i32(q[t] + b * QK + 4 * g));
					__m256i ah = _mm256_set1_epi32(load_i32(q[t] + b * QK + 16 + 4 * g));
					__m256i p0 = _mm256_add_epi16(_mm256_maddubs_epi16(l0, al), _mm256_maddubs_epi16(h0, ah));
					__m256i p1 = _mm256_add_epi16(_mm256_maddubs_epi16(l1, al), _mm256_maddubs_epi16(h1, ah));
					i0[t] = _mm256_add_epi32(i0[t], _mm256_madd_epi16(p0, ones));
					i1[t] = _mm256_add_epi32(i1[t], _mm256_madd_epi16(p1, ones));
				}
			}
		} else {
			for (int g = 0; g < 8; g++) {
				/* back to signed; |w| x sign(a, w) keeps maddubs from saturating */
				__m256i w0 = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(pb + g * 64)), x80);
				__m256i w1 = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(pb + g * 64 + 32)), x80);
				__m256i u0 = _mm256_abs_epi8(w0), u1 = _mm256_abs_epi8(w1);
				for (int t = 0; t < NT; t++) {
					__m256i a = _mm256_set1_epi32(load_i32(q[t] + b * QK + 4 * g));
					__m256i p0 = _mm256_maddubs_epi16(u0, _mm256_sign_epi8(a, w0));
					__m256i p1 = _mm256_maddubs_epi16(u1, _mm256_sign_epi8(a, w1));
					i0[t] = _mm256_add_epi32(i0[t], _mm256_madd_epi16(p0, ones));
					i1[t] = _mm256_add_epi32(i1[t], _mm256_madd_epi16(p1, ones));
				}
			}
		}
		const uint16_t *sc = (const uint16_t *)(pb + (q4 ? 256 : 512));
		__m256 s0 = ld8_f16(sc), s1 = ld8_f16(sc + 8);
		for (int t = 0; t < NT; t++) {
			__m256 dt = _mm256_set1_ps(d[t][b]);
			f0[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(i0[t]), _mm256_mul_ps(s0, dt), f0[t]);
			f1[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(i1[t]), _mm256_mul_ps(s1, dt), f1[t]);
		}
	}
	for (int t = 0; t < NT; t++) {
		float tmp[PANEL];
		_mm256_storeu_ps(tmp, f0[t]);
		_mm256_storeu_ps(tmp + 8, f1[t]);
		store_rows(y + (size_t)t * ld_y, tmp, nr);
	}
}

T2 static void mm_avx2(const struct eng_q_mat *w, const float *x, int ld_x, const struct eng_q_act *xa,
                       int n_tok, float *y, int ld_y, int p0, int p1)
{
	int nb = w->cols / QK;
	for (int p = p0; p < p1; p++) {
		const uint8_t *pan = w->data + (size_t)p * w->panel_bytes;
		int nr = w->rows - p * PANEL < PANEL ? w->rows - p * PANEL : PANEL;
		float *yp = y + (size_t)p * PANEL;
		if (w->type == ENG_F32 || w->type == ENG_F16) {
			int f16 = w->type == ENG_F16, t = 0;
			for (; t + 4 <= n_tok; t += 4)
				f_tile2(pan, f16, w->cols, x + (size_t)t * ld_x, ld_x, 4, yp + (size_t)t * ld_y, ld_y, nr);
			for (; t < n_tok; t++)
				f_tile2(pan, f16, w->cols, x + (size_t)t * ld_x, ld_x, 1, yp + (size_t)t * ld_y, ld_y, nr);
		} else {
			int q4 = w->type == ENG_Q4_0, t = 0;
			for (; t + 2 <= n_tok; t += 2)
				q_tile2(pan, q4, nb, xa, t, 2, yp + (size_t)t * ld_y, ld_y, nr);
			for (; t < n_tok; t++)
				q_tile2(pan, q4, nb, xa, t, 1, yp + (size_t)t * ld_y, ld_y, nr);
		}
	}
}

T2 static float dot_avx2(const float *a, const float *b, int n)
{
	__m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
	int i = 0;
	for (; i + 16 <= n; i += 16) {
		s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
		s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
	}
	float s = hsum256(_mm256_add_ps(s0, s1));
	for (; i < n; i++)
		s += a[i] * b[i];
	return s;
}

T2 static void axpy_avx2(float *y, float a, const float *x, int n)
{
	__m256 av = _mm256_set1_ps(a);
	int i = 0;
	for (; i + 8 <= n; i += 8)
		_mm256_storeu_ps(y + i, _mm256_fmadd_ps(av, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
	for (; i < n; i++)
		y[i] += a * x[i];
}

T2 static void attn_avx2(const struct eng_k_attn *a)
{
	float max = -INFINITY, sum = 0;
	for (int j = 0; j < a->n_pos; j++) {
		a->scores[j] = dot_avx2(a->q, kv_row(a, a->k, j), a->hs) * a->scale;
		max = a->scores[j] > max ? a->scores[j] : max;
	}
	for (int j = 0; j < a->n_pos; j++) {
		a->scores[j] = expf(a->scores[j] - max);
		sum += a->scores[j];
	}
	memset(a->out, 0, sizeof(float) * (size_t)a->hs);
	for (int j = 0; j < a->n_pos; j++)
		axpy_avx2(a->out, a->scores[j] / sum, kv_row(a, a->v, j), a->hs);
}

static const struct eng_k_ops ops_avx2 = { ENG_ISA_AVX2, attn_avx2, eng_q_act_quantize, eng_q_act_quantize_blocks,
                                           swiglu_scalar, mm_avx2, dot_avx2, axpy_avx2 };

/* ---------------------------------------------------------------- AVX-512 */

#define T5 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx2,fma,f16c")))

T5 INLINE void store16(float *y, __m512 v, int nr)
{
	if (nr == PANEL)
		_mm512_storeu_ps(y, v);
	else
		_mm512_mask_storeu_ps(y, (__mmask16)((1u << nr) - 1), v);
}

/* Float panel x NT tokens (NT <= 8); U accumulators per token split k. */
T5 INLINE void f_tile5(const uint8_t *pan, int f16, int cols, const float *x, int ld_x,
                       int NT, int U, float *y, int ld_y, int nr)
{
	__m512 acc[8][4];
	for (int t = 0; t < NT; t++)
		for (int u = 0; u < U; u++)
			acc[t][u] = _mm512_setzero_ps();
	int k = 0;
	for (; k + U <= cols; k += U)
		for (int u = 0; u < U; u++) {
			__m512 w = f16 ? _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)((const uint16_t *)pan + (k + u) * PANEL)))
			               : _mm512_loadu_ps((const float *)pan + (k + u) * PANEL);
			for (int t = 0; t < NT; t++)
				acc[t][u] = _mm512_fmadd_ps(w, _mm512_set1_ps(x[(size_t)t * ld_x + k + u]), acc[t][u]);
		}
	for (; k < cols; k++) {
		__m512 w = f16 ? _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)((const uint16_t *)pan + k * PANEL)))
		               : _mm512_loadu_ps((const float *)pan + k * PANEL);
		for (int t = 0; t < NT; t++)
			acc[t][0] = _mm512_fmadd_ps(w, _mm512_set1_ps(x[(size_t)t * ld_x + k]), acc[t][0]);
	}
	for (int t = 0; t < NT; t++) {
		__m512 s = acc[t][0];
		for (int u = 1; u < U; u++)
			s = _mm512_add_ps(s, acc[t][u]);
		store16(y + (size_t)t * ld_y, s, nr);
	}
}

/* Two float panels x 8 tokens: two weight loads feed 16 FMAs, so the loop is
 * bound by FMA throughput, not by loads (prefill). */
T5 static void f_tile5_2p(const uint8_t *pan0, const uint8_t *pan1, int f16, int cols, const float *x,
                          int ld_x, float *y0, float *y1, int ld_y, int nr1)
{
	__m512 a0[8], a1[8];
	for (int t = 0; t < 8; t++)
		a0[t] = a1[t] = _mm512_setzero_ps();
	for (int k = 0; k < cols; k++) {
		__m512 w0, w1;
		if (f16) {
			w0 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)((const uint16_t *)pan0 + k * PANEL)));
			w1 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)((const uint16_t *)pan1 + k * PANEL)));
		} else {
			w0 = _mm512_loadu_ps((const float *)pan0 + k * PANEL);
			w1 = _mm512_loadu_ps((const float *)pan1 + k * PANEL);
		}
		for (int t = 0; t < 8; t++) {
			__m512 xv = _mm512_set1_ps(x[(size_t)t * ld_x + k]);
			a0[t] = _mm512_fmadd_ps(w0, xv, a0[t]);
			a1[t] = _mm512_fmadd_ps(w1, xv, a1[t]);
		}
	}
	for (int t = 0; t < 8; t++) {
		store16(y0 + (size_t)t * ld_y, a0[t], PANEL);
		store16(y1 + (size_t)t * ld_y, a1[t], nr1);
	}
}

/* Quantized panel x NT tokens (NT <= 8), VNNI u8 x s8 dot products. */
T5 INLINE void q_tile5(const uint8_t *pan, int q4, int nb, const struct eng_q_act *xa, int t0,
                       int NT, float *y, int ld_y, int nr)
{
	const __m512i m4 = _mm512_set1_epi8(0x0f);
	__m512 f[8];
	const int8_t *q[8];
	const float *d[8];
	const int32_t *s[8];
	for (int t = 0; t < NT; t++) {
		f[t] = _mm512_setzero_ps();
		q[t] = eng_q_act_q(xa, t0 + t);
		d[t] = eng_q_act_d(xa, t0 + t);
		s[t] = eng_q_act_s(xa, t0 + t);
	}
	size_t bb = q4 ? 288 : 544;
	for (int b = 0; b < nb; b++) {
		const uint8_t *pb = pan + (size_t)b * bb;
		/* the block's weights stay in registers while the tokens take their
		 * turns, so each activation word is broadcast straight from memory
		 * (with accumulators per token instead, the compiler spilled them for
		 * 5 and 6 tokens and ran those tiles slower than 8).  Loading a whole
		 * block at once leaves the hardware prefetcher behind when weights
		 * stream from memory, so the block 8 ahead is prefetched: batched
		 * decode of a 110M model ran 10-30% faster than the old layout,
		 * against 50-80% slower without the prefetch (docs/benchmarks.md). */
		__m512i w[8];
		for (size_t l = 0; l < bb; l += 64)
			_mm_prefetch((const char *)pb + 8 * bb + l, _MM_HINT_T0);
		if (q4) {
			for (int g = 0; g < 4; g++) {
				__m512i v = _mm512_loadu_si512(pb + g * 64);
				w[2 * g] = _mm512_and_si512(v, m4);
				w[2 * g + 1] = _mm512_and_si512(_mm512_srli_epi16(v, 4), m4);
			}
		} else {
			for (int g = 0; g < 8; g++)
				w[g] = _mm512_loadu_si512(pb + g * 64);
		}
		__m512 sc = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(pb + (q4 ? 256 : 512))));
		for (int t = 0; t < NT; t++) {
			const int8_t *qb = q[t] + b * QK;
			/* weights are stored biased (q+128, or q+8 for Q4): remove the
			 * bias times the activation block sum */
			__m512i i0 = _mm512_set1_epi32((q4 ? -8 : -128) * s[t][b]), i1 = _mm512_setzero_si512();
			if (q4) {
				for (int g = 0; g < 4; g++) {
					i0 = _mm512_dpbusd_epi32(i0, w[2 * g], _mm512_set1_epi32(load_i32(qb + 4 * g)));
					i1 = _mm512_dpbusd_epi32(i1, w[2 * g + 1], _mm512_set1_epi32(load_i32(qb + 16 + 4 * g)));
				}
			} else {
				for (int g = 0; g < 8; g += 2) {
					i0 = _mm512_dpbusd_epi32(i0, w[g], _mm512_set1_epi32(load_i32(qb + 4 * g)));
					i1 = _mm512_dpbusd_epi32(i1, w[g + 1], _mm512_set1_epi32(load_i32(qb + 4 * g + 4)));
				}
			}
			f[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(i0, i1)),
			                       _mm512_mul_ps(sc, _mm512_set1_ps(d[t][b])), f[t]);
		}
	}
	for (int t = 0; t < NT; t++)
		store16(y + (size_t)t * ld_y, f[t], nr);
}

/* One token against one block of one quantized panel: the body of q_tile5
 * for NT = 1, so that two panels can share a loop. */
T5 INLINE __m512 q_block5(const uint8_t *pb, int q4, const int8_t *q, float d, int32_t s, __m512 f)
{
	const __m512i m4 = _mm512_set1_epi8(0x0f);
	__m512i i0 = _mm512_set1_epi32((q4 ? -8 : -128) * s), i1 = _mm512_setzero_si512();
	if (q4) {
		for (int g = 0; g < 4; g++) {
			__m512i v = _mm512_loadu_si512(pb + g * 64);
			i0 = _mm512_dpbusd_epi32(i0, _mm512_and_si512(v, m4), _mm512_set1_epi32(load_i32(q + 4 * g)));
			i1 = _mm512_dpbusd_epi32(i1, _mm512_and_si512(_mm512_srli_epi16(v, 4), m4),
			                         _mm512_set1_epi32(load_i32(q + 16 + 4 * g)));
		}
	} else {
		for (int g = 0; g < 8; g += 2) {
			i0 = _mm512_dpbusd_epi32(i0, _mm512_loadu_si512(pb + g * 64), _mm512_set1_epi32(load_i32(q + 4 * g)));
			i1 = _mm512_dpbusd_epi32(i1, _mm512_loadu_si512(pb + g * 64 + 64), _mm512_set1_epi32(load_i32(q + 4 * g + 4)));
		}
	}
	__m512 sc = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(pb + (q4 ? 256 : 512))));
	return _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(i0, i1)), _mm512_mul_ps(sc, _mm512_set1_ps(d)), f);
}

/* Decode: two panels far apart in memory walked block by block together, so
 * each thread keeps two weight streams in flight.  Each panel's sums are
 * formed in the same order as q_tile5's. */
T5 static void q_pair5(const uint8_t *pa, const uint8_t *pb, int q4, int nb, const struct eng_q_act *xa, float *ya,
                       float *yb, int nra, int nrb)
{
	const int8_t *q = eng_q_act_q(xa, 0);
	const float *d = eng_q_act_d(xa, 0);
	const int32_t *s = eng_q_act_s(xa, 0);
	size_t bb = q4 ? 288 : 544;
	__m512 fa = _mm512_setzero_ps(), fb = _mm512_setzero_ps();
	for (int b = 0; b < nb; b++) {
		fa = q_block5(pa + (size_t)b * bb, q4, q + b * QK, d[b], s[b], fa);
		fb = q_block5(pb + (size_t)b * bb, q4, q + b * QK, d[b], s[b], fb);
	}
	store16(ya, fa, nra);
	store16(yb, fb, nrb);
}

/* The float counterpart of q_pair5 (same order of sums as f_tile5, NT = U = 1). */
T5 static void f_pair5(const uint8_t *pa, const uint8_t *pb, int f16, int cols, const float *x, float *ya,
                       float *yb, int nra, int nrb)
{
	__m512 fa = _mm512_setzero_ps(), fb = _mm512_setzero_ps();
	for (int k = 0; k < cols; k++) {
		__m512 xv = _mm512_set1_ps(x[k]), wa, wb;
		if (f16) {
			wa = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)((const uint16_t *)pa + k * PANEL)));
			wb = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)((const uint16_t *)pb + k * PANEL)));
		} else {
			wa = _mm512_loadu_ps((const float *)pa + k * PANEL);
			wb = _mm512_loadu_ps((const float *)pb + k * PANEL);
		}
		fa = _mm512_fmadd_ps(wa, xv, fa);
		fb = _mm512_fmadd_ps(wb, xv, fb);
	}
	store16(ya, fa, nra);
	store16(yb, fb, nrb);
}

/* Dispatches a tile to a kernel specialised for its token count.  Every
 * output is summed in the same order (k ascending, one accumulator) whatever
 * the tile, so results do not depend on the batch or the thread split. */
T5 static void f_tile5_n(const uint8_t *pan, int f16, int cols, const float *x, int ld_x,
                         int nt, float *y, int ld_y, int nr)
{
	switch (nt) {
	case 8: f_tile5(pan, f16, cols, x, ld_x, 8, 1, y, ld_y, nr); break;
	case 7: f_tile5(pan, f16, cols, x, ld_x, 7, 1, y, ld_y, nr); break;
	case 6: f_tile5(pan, f16, cols, x, ld_x, 6, 1, y, ld_y, nr); break;
	case 5: f_tile5(pan, f16, cols, x, ld_x, 5, 1, y, ld_y, nr); break;
	case 4: f_tile5(pan, f16, cols, x, ld_x, 4, 1, y, ld_y, nr); break;
	case 3: f_tile5(pan, f16, cols, x, ld_x, 3, 1, y, ld_y, nr); break;
	case 2: f_tile5(pan, f16, cols, x, ld_x, 2, 1, y, ld_y, nr); break;
	default: f_tile5(pan, f16, cols, x, ld_x, 1, 1, y, ld_y, nr); break;
	}
}

T5 static void q_tile5_n(const uint8_t *pan, int q4, int nb, const struct eng_q_act *xa, int t0,
                         int nt, float *y, int ld_y, int nr)
{
	switch (nt) {
	case 8: q_tile5(pan, q4, nb, xa, t0, 8, y, ld_y, nr); break;
	case 7: q_tile5(pan, q4, nb, xa, t0, 7, y, ld_y, nr); break;
	case 6: q_tile5(pan, q4, nb, xa, t0, 6, y, ld_y, nr); break;
	case 5: q_tile5(pan, q4, nb, xa, t0, 5, y, ld_y, nr); break;
	case 4: q_tile5(pan, q4, nb, xa, t0, 4, y, ld_y, nr); break;
	case 3: q_tile5(pan, q4, nb, xa, t0, 3, y, ld_y, nr); break;
	case 2: q_tile5(pan, q4, nb, xa, t0, 2, y, ld_y, nr); break;
	default: q_tile5(pan, q4, nb, xa, t0, 1, y, ld_y, nr); break;
	}
}

T5 static void mm_avx512(const struct eng_q_mat *w, const float *x, int ld_x, const struct eng_q_act *xa,
                         int n_tok, float *y, int ld_y, int p0, int p1)
{
	int nb = w->cols / QK;
	int fl = w->type == ENG_F32 || w->type == ENG_F16;
	/* token tiles of 8, the last ones balanced (20 = 8 + 6 + 6, not 8 + 8 + 4) */
	_Static_assert(ENG_TOKEN_TILE == 8, "the tile kernels are specialised for 1 to 8 tokens");
	int n_tiles = (n_tok + ENG_TOKEN_TILE - 1) / ENG_TOKEN_TILE;
	int p = p0;
	if (fl && n_tok >= 16) {
		/* panel pairs over full tiles of 8 tokens; the rest as below */
		for (; p + 1 < p1; p += 2) {
			const uint8_t *pan = w->data + (size_t)p * w->panel_bytes;
			int nr1 = w->rows - (p + 1) * PANEL < PANEL ? w->rows - (p + 1) * PANEL : PANEL;
			float *yp = y + (size_t)p * PANEL;
			int t = 0;
			for (; t + 8 <= n_tok; t += 8)
				f_tile5_2p(pan, pan + w->panel_bytes, w->type == ENG_F16, w->cols, x + (size_t)t * ld_x, ld_x,
				           yp + (size_t)t * ld_y, yp + PANEL + (size_t)t * ld_y, ld_y, nr1);
			if (t < n_tok) {
				f_tile5_n(pan, w->type == ENG_F16, w->cols, x + (size_t)t * ld_x, ld_x, n_tok - t,
				          yp + (size_t)t * ld_y, ld_y, PANEL);
				f_tile5_n(pan + w->panel_bytes, w->type == ENG_F16, w->cols, x + (size_t)t * ld_x, ld_x,
				          n_tok - t, yp + PANEL + (size_t)t * ld_y, ld_y, nr1);
			}
		}
	}
	if (n_tok == 1) {
		/* panels p and p + half together: two streams per thread */
		int half = (p1 - p) / 2;
		for (int i = 0; i < half; i++) {
			int pa = p + i, pb = p + half + i;
			int nra = w->rows - pa * PANEL < PANEL ? w->rows - pa * PANEL : PANEL;
			int nrb = w->rows - pb * PANEL < PANEL ? w->rows - pb * PANEL : PANEL;
			if (fl)
				f_pair5(w->data + (size_t)pa * w->panel_bytes, w->data + (size_t)pb * w->panel_bytes,
				        w->type == ENG_F16, w->cols, x, y + (size_t)pa * PANEL, y + (size_t)pb * PANEL, nra, nrb);
			else
				q_pair5(w->data + (size_t)pa * w->panel_bytes, w->data + (size_t)pb * w->panel_bytes,
				        w->type == ENG_Q4_0, nb, xa, y + (size_t)pa * PANEL, y + (size_t)pb * PANEL, nra, nrb);
		}
		p += 2 * half;
	}
	for (; p < p1; p++) {
		const uint8_t *pan = w->data + (size_t)p * w->panel_bytes;
		int nr = w->rows - p * PANEL < PANEL ? w->rows - p * PANEL : PANEL;
		float *yp = y + (size_t)p * PANEL;
		for (int i = 0; i < n_tiles; i++) {
			int t0, t1;
			eng_k_split(n_tok, i, n_tiles, &t0, &t1);
			if (fl)
				f_tile5_n(pan, w->type == ENG_F16, w->cols, x + (size_t)t0 * ld_x, ld_x, t1 - t0,
				          yp + (size_t)t0 * ld_y, ld_y, nr);
			else
				q_tile5_n(pan, w->type == ENG_Q4_0, nb, xa, t0, t1 - t0, yp + (size_t)t0 * ld_y, ld_y, nr);
		}
	}
}

T5 static float dot_avx512(const float *a, const float *b, int n)
{
	__m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
	int i = 0;
	for (; i + 32 <= n; i += 32) {
		s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
		s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
	}
	if (i + 16 <= n) {
		s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
		i += 16;
	}
	float s = _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
	for (; i < n; i++)
		s += a[i] * b[i];
	return s;
}

T5 static void axpy_avx512(float *y, float a, const float *x, int n)
{
	__m512 av = _mm512_set1_ps(a);
	int i = 0;
	for (; i + 16 <= n; i += 16)
		_mm512_storeu_ps(y + i, _mm512_fmadd_ps(av, _mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i)));
	for (; i < n; i++)
		y[i] += a * x[i];
}

/* e^x to about 2 ulp: x = n ln2 + r, |r| <= ln2/2, a degree-6 polynomial for
 * e^r (Cephes' coefficients), 2^n built in the exponent field. */
T5 INLINE __m512 exp512(__m512 x)
{
	x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.3f)), _mm512_set1_ps(88.7f));
	__m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
	__m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
	r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
	__m512 p = _mm512_set1_ps(1.9875691500e-4f);
	p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
	p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
	p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
	p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
	p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
	p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
	return _mm512_scalef_ps(p, n);
}

/* Scores with the head's query in registers, then the weighted sum of values
 * with the output in registers (64 columns at a time). */
T5 static void attn_avx512_any(const struct eng_k_attn *a)
{
	int hs = a->hs, nc = (hs + 15) / 16, bt = a->block_tokens;
	__mmask16 tail = (__mmask16)(hs % 16 ? (1u << (hs % 16)) - 1 : 0xffff);
	__m512 q[16];
	for (int c = 0; c < nc && c < 16; c++)
		q[c] = _mm512_maskz_loadu_ps(c == nc - 1 ? tail : 0xffff, a->q + c * 16);
	float max = -INFINITY, sum = 0;
	/* walk the block table, not positions: no division per position */
	for (int b = 0, j = 0; j < a->n_pos; b++) {
		const float *kr = a->k + (size_t)a->table[b] * a->block_stride + a->off;
		for (int r = 0; r < bt && j < a->n_pos; r++, j++, kr += a->row_stride) {
			float s;
			if (hs <= 256) {
				__m512 acc = _mm512_mul_ps(q[0], _mm512_maskz_loadu_ps(nc == 1 ? tail : 0xffff, kr));
				for (int c = 1; c < nc; c++)
					acc = _mm512_fmadd_ps(q[c], _mm512_maskz_loadu_ps(c == nc - 1 ? tail : 0xffff, kr + c * 16), acc);
				s = _mm512_reduce_add_ps(acc);
			} else {
				s = dot_avx512(a->q, kr, hs);
			}
			a->scores[j] = s * a->scale;
			max = a->scores[j] > max ? a->scores[j] : max;
		}
	}
	__m512 vmax = _mm512_set1_ps(max), vsum = _mm512_setzero_ps();
	for (int j = 0; j < a->n_pos; j += 16) {
		__mmask16 m = a->n_pos - j >= 16 ? 0xffff : (__mmask16)((1u << (a->n_pos - j)) - 1);
		__m512 e = exp512(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, a->scores + j), vmax));
		e = _mm512_maskz_mov_ps(m, e);
		_mm512_mask_storeu_ps(a->scores + j, m, e);
		vsum = _mm512_add_ps(vsum, e);
	}
	sum = _mm512_reduce_add_ps(vsum);
	__m512 inv = _mm512_set1_ps(1.0f / sum);
	for (int c0 = 0; c0 < nc; c0 += 4) {
		int n4 = nc - c0 < 4 ? nc - c0 : 4;
		__m512 o[4] = { _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps() };
		for (int b = 0, j = 0; j < a->n_pos; b++) {
			const float *vr = a->v + (size_t)a->table[b] * a->block_stride + a->off + c0 * 16;
			for (int r = 0; r < bt && j < a->n_pos; r++, j++, vr += a->row_stride) {
				__m512 w = _mm512_set1_ps(a->scores[j]);
				for (int c = 0; c < n4; c++)
					o[c] = _mm512_fmadd_ps(w, _mm512_maskz_loadu_ps(c0 + c == nc - 1 ? tail : 0xffff, vr + c * 16), o[c]);
			}
		}
		for (int c = 0; c < n4; c++)
			_mm512_mask_storeu_ps(a->out + (c0 + c) * 16, c0 + c == nc - 1 ? tail : 0xffff, _mm512_mul_ps(o[c], inv));
	}
}

/* The same for head sizes 16 * NC with NC constant, so that the query and the
 * output accumulators stay in registers. */
T5 INLINE void attn_avx512_fixed(const struct eng_k_attn *a, const int NC)
{
	int bt = a->block_tokens;
	__m512 q[8], o[8];
	for (int c = 0; c < NC; c++) {
		q[c] = _mm512_loadu_ps(a->q + c * 16);
		o[c] = _mm512_setzero_ps();
	}
	float max = -INFINITY;
	for (int b = 0, j = 0; j < a->n_pos; b++) {
		const float *kr = a->k + (size_t)a->table[b] * a->block_stride + a->off;
		for (int r = 0; r < bt && j < a->n_pos; r++, j++, kr += a->row_stride) {
			__m512 acc = _mm512_mul_ps(q[0], _mm512_loadu_ps(kr));
			for (int c = 1; c < NC; c++)
				acc = _mm512_fmadd_ps(q[c], _mm512_loadu_ps(kr + c * 16), acc);
			float sc = _mm512_reduce_add_ps(acc) * a->scale;
			a->scores[j] = sc;
			max = sc > max ? sc : max;
		}
	}
	__m512 vmax = _mm512_set1_ps(max), vsum = _mm512_setzero_ps();
	for (int j = 0; j < a->n_pos; j += 16) {
		__mmask16 m = a->n_pos - j >= 16 ? 0xffff : (__mmask16)((1u << (a->n_pos - j)) - 1);
		__m512 e = _mm512_maskz_mov_ps(m, exp512(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, a->scores + j), vmax)));
		_mm512_mask_storeu_ps(a->scores + j, m, e);
		vsum = _mm512_add_ps(vsum, e);
	}
	__m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(vsum));
	for (int b = 0, j = 0; j < a->n_pos; b++) {
		const float *vr = a->v + (size_t)a->table[b] * a->block_stride + a->off;
		for (int r = 0; r < bt && j < a->n_pos; r++, j++, vr += a->row_stride) {
			__m512 w = _mm512_set1_ps(a->scores[j]);
			for (int c = 0; c < NC; c++)
				o[c] = _mm512_fmadd_ps(w, _mm512_loadu_ps(vr + c * 16), o[c]);
		}
	}
	for (int c = 0; c < NC; c++)
		_mm512_storeu_ps(a->out + c * 16, _mm512_mul_ps(o[c], inv));
}

T5 static void attn_avx512(const struct eng_k_attn *a)
{
	switch (a->hs % 16 ? 0 : a->hs / 16) {
	case 1: attn_avx512_fixed(a, 1); break;
	case 2: attn_avx512_fixed(a, 2); break;
	case 3: attn_avx512_fixed(a, 3); break;
	case 4: attn_avx512_fixed(a, 4); break;
	case 5: attn_avx512_fixed(a, 5); break;
	case 6: attn_avx512_fixed(a, 6); break;
	case 7: attn_avx512_fixed(a, 7); break;
	case 8: attn_avx512_fixed(a, 8); break;
	default: attn_avx512_any(a); break;
	}
}

/* eng_q_act_quantize, 32 values per block in two vectors; bit-identical to it. */
T5 static void quant_blocks_avx512(const struct eng_q_act *a, int t, const float *x, int b0, int b1)
{
	int8_t *q = eng_q_act_q(a, t);
	float *d = eng_q_act_d(a, t);
	int32_t *s = eng_q_act_s(a, t);
	const __m512 half = _mm512_set1_ps(0.49999997f), sign = _mm512_set1_ps(-0.0f);
	for (int b = b0; b < b1; b++) {
		__m512 x0 = _mm512_loadu_ps(x + b * QK), x1 = _mm512_loadu_ps(x + b * QK + 16);
		float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(x0), _mm512_abs_ps(x1)));
		float db = amax / 127.0f, id = db != 0 ? 1.0f / db : 0;
		__m512 iv = _mm512_set1_ps(id);
		__m512 v0 = _mm512_mul_ps(x0, iv), v1 = _mm512_mul_ps(x1, iv);
		v0 = _mm512_add_ps(v0, _mm512_or_ps(half, _mm512_and_ps(v0, sign)));
		v1 = _mm512_add_ps(v1, _mm512_or_ps(half, _mm512_and_ps(v1, sign)));
		__m512i i0 = _mm512_cvttps_epi32(v0), i1 = _mm512_cvttps_epi32(v1);
		_mm_storeu_si128((__m128i *)(q + b * QK), _mm512_cvtepi32_epi8(i0));
		_mm_storeu_si128((__m128i *)(q + b * QK + 16), _mm512_cvtepi32_epi8(i1));
		d[b] = db;
		s[b] = _mm512_reduce_add_epi32(_mm512_add_epi32(i0, i1));
	}
}

T5 static void quant_avx512(const struct eng_q_act *a, int t, const float *x)
{
	quant_blocks_avx512(a, t, x, 0, a->cols / QK);
}

T5 static void swiglu_avx512(float *g, const float *u, int n)
{
	int i = 0;
	const __m512 one = _mm512_set1_ps(1.0f);
	for (; i + 16 <= n; i += 16) {
		__m512 x = _mm512_loadu_ps(g + i);
		__m512 silu = _mm512_div_ps(x, _mm512_add_ps(one, exp512(_mm512_sub_ps(_mm512_setzero_ps(), x))));
		_mm512_storeu_ps(g + i, _mm512_mul_ps(silu, _mm512_loadu_ps(u + i)));
	}
	for (; i < n; i++)
		g[i] = eng_k_silu(g[i]) * u[i];
}

static const struct eng_k_ops ops_avx512 = { ENG_ISA_AVX512, attn_avx512, quant_avx512, quant_blocks_avx512,
                                             swiglu_avx512, mm_avx512, dot_avx512, axpy_avx512 };

T5 static double peak_avx512(long iters)
{
	/* 12 independent chains cover FMA latency x throughput on current cores */
	__m512 a[12], m = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
	for (int i = 0; i < 12; i++)
		a[i] = _mm512_set1_ps((float)i);
	for (long it = 0; it < iters; it++)
		for (int i = 0; i < 12; i++)
			a[i] = _mm512_fmadd_ps(a[i], m, c);
	__m512 s = a[0];
	for (int i = 1; i < 12; i++)
		s = _mm512_add_ps(s, a[i]);
	volatile float sink = _mm512_reduce_add_ps(s);
	(void)sink;
	return (double)iters * 12 * 16 * 2;
}

T2 static double peak_avx2(long iters)
{
	__m256 a[12], m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
	for (int i = 0; i < 12; i++)
		a[i] = _mm256_set1_ps((float)i);
	for (long it = 0; it < iters; it++)
		for (int i = 0; i < 12; i++)
			a[i] = _mm256_fmadd_ps(a[i], m, c);
	__m256 s = a[0];
	for (int i = 1; i < 12; i++)
		s = _mm256_add_ps(s, a[i]);
	volatile float sink = hsum256(s);
	(void)sink;
	return (double)iters * 12 * 8 * 2;
}

T2 static void triad_avx2(float *a, const float *b, const float *c, float s, size_t lo, size_t hi)
{
	__m256 sv = _mm256_set1_ps(s);
	size_t i = lo;
	for (; i < hi && ((uintptr_t)(a + i) & 31); i++)   /* streaming stores need alignment */
		a[i] = b[i] + s * c[i];
	for (; i + 8 <= hi; i += 8)
		_mm256_stream_ps(a + i, _mm256_fmadd_ps(sv, _mm256_loadu_ps(c + i), _mm256_loadu_ps(b + i)));
	for (; i < hi; i++)
		a[i] = b[i] + s * c[i];
}

T2 static float read_avx2(const float *a, size_t lo, size_t hi)
{
	__m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
	size_t i = lo;
	for (; i + 32 <= hi; i += 32) {
		s0 = _mm256_add_ps(s0, _mm256_loadu_ps(a + i));
		s1 = _mm256_add_ps(s1, _mm256_loadu_ps(a + i + 8));
		s2 = _mm256_add_ps(s2, _mm256_loadu_ps(a + i + 16));
		s3 = _mm256_add_ps(s3, _mm256_loadu_ps(a + i + 24));
	}
	float s = hsum256(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
	for (; i < hi; i++)
		s += a[i];
	return s;
}
#endif /* ENG_X86 */

/* ---------------------------------------------------------------- dispatch */

static int have_f16c(void)
{
#if ENG_X86
	unsigned a, b, c, d;   /* clang's __builtin_cpu_supports does not know "f16c" */
	return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C);
#else
	return 0;
#endif
}

static int have_avx2(void)
{
#if ENG_X86
	return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && have_f16c();
#else
	return 0;
#endif
}

static int have_avx512(void)
{
#if ENG_X86
	return have_avx2() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
	       __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
	       __builtin_cpu_supports("avx512vnni");
#else
	return 0;
#endif
}

eng_isa eng_isa_best(void)
{
	return have_avx512() ? ENG_ISA_AVX512 : have_avx2() ? ENG_ISA_AVX2 : ENG_ISA_SCALAR;
}

const struct eng_k_ops *eng_k_ops_get(eng_isa isa)
{
	if (isa == ENG_ISA_AUTO)
		isa = eng_isa_best();
	switch (isa) {
	case ENG_ISA_SCALAR: return &ops_scalar;
#if ENG_X86
	case ENG_ISA_AVX2: return have_avx2() ? &ops_avx2 : NULL;
	case ENG_ISA_AVX512: return have_avx512() ? &ops_avx512 : NULL;
#endif
	default: return NULL;
	}
}

const char *eng_isa_name(eng_isa i)
{
	switch (i) {
	case ENG_ISA_AUTO: return "auto";
	case ENG_ISA_SCALAR: return "scalar";
	case ENG_ISA_AVX2: return "avx2";
	case ENG_ISA_AVX512: return "avx512";
	}
	return "?";
}

double eng_k_peak_fma(long iters)
{
#if ENG_X86
	if (have_avx512())
		return peak_avx512(iters);
	if (have_avx2())
		return peak_avx2(iters);
#endif
	float a = 1, m = 0.999999f;
	for (long i = 0; i < iters; i++)
		a = a * m + 1e-7f;
	volatile float sink = a;
	(void)sink;
	return (double)iters * 2;
}

void eng_k_triad(float *a, const float *b, const float *c, float s, size_t lo, size_t hi)
{
#if ENG_X86
	if (have_avx2()) {
		triad_avx2(a, b, c, s, lo, hi);
		return;
	}
#endif
	for (size_t i = lo; i < hi; i++)
		a[i] = b[i] + s * c[i];
}

float eng_k_read(const float *a, size_t lo, size_t hi)
{
#if ENG_X86
	if (have_avx2())
		return read_avx2(a, lo, hi);
#endif
	float s[8] = { 0 };
	size_t i = lo;
	for (; i + 8 <= hi; i += 8)
		for (int j = 0; j < 8; j++)
			s[j] += a[i + j];
	for (; i < hi; i++)
		s[0] += a[i];
	return s[0] + s[1] + s[2] + s[3] + s[4] + s[5] + s[6] + s[7];
}
