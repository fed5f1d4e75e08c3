/* test_eng_kernels.c — number formats and every CPU kernel set against eng_ref. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eng_ref.h"
#include "engine/eng_kernels.h"
#include "engine/eng_quant.h"

static uint64_t rng_state;
static float urand(void)   /* [-1, 1), deterministic */
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return (float)(rng_state >> 40) / 8388608.0f - 1.0f;
}

static const eng_isa all_isas[] = { ENG_ISA_SCALAR, ENG_ISA_AVX2, ENG_ISA_AVX512 };
static const eng_dtype all_types[] = { ENG_F32, ENG_F16, ENG_Q8_0, ENG_Q4_0 };

/* Known values: IEEE 754 binary16 encodings. */
Test(eng_quant, f16_known_values)
{
	static const struct { float f; uint16_t h; } cases[] = {
		{ 1.0f, 0x3c00 }, { -2.0f, 0xc000 }, { 65504.0f, 0x7bff }, { 0.0f, 0x0000 },
		{ 5.960464477539063e-08f, 0x0001 },   /* smallest subnormal */
		{ 6.103515625e-05f, 0x0400 },         /* smallest normal */
		{ 0.333251953125f, 0x3555 }, { 1e6f, 0x7c00 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		cr_expect_eq(eng_q_f32_to_f16(cases[i].f), cases[i].h, "f32 %g -> %#x, got %#x", cases[i].f,
		             cases[i].h, eng_q_f32_to_f16(cases[i].f));
		if (cases[i].h != 0x7c00)
			cr_expect_eq(eng_q_f16_to_f32(cases[i].h), cases[i].f);
	}
	/* round half to even: 1 + 2^-11 lies halfway between 1 and 1 + 2^-10 */
	cr_expect_eq(eng_q_f32_to_f16(1.0f + 1.0f / 2048), 0x3c00);
	cr_expect_eq(eng_q_f32_to_f16(1.0f + 3.0f / 2048), 0x3c02);
	for (uint32_t h = 0; h < 0x7c00; h++)   /* every finite positive half round-trips */
		cr_assert_eq(eng_q_f32_to_f16(eng_q_f16_to_f32((uint16_t)h)), h, "half %#x", h);
}

/* GGUF block layouts: Q4_0 byte j holds element j (low nibble) and j + 16 (high). */
Test(eng_quant, block_layouts)
{
	float x[32];
	for (int i = 0; i < 32; i++)
		x[i] = (float)(i - 16);     /* amax 16 at element 0 */
	eng_blk_q4_0 b4;
	eng_q_quantize_row(ENG_Q4_0, x, &b4, 32);
	cr_expect_eq(eng_q_f16_to_f32(b4.d), 2.0f);          /* d = max / -8 = -16 / -8 */
	cr_expect_eq(b4.qs[0] & 0xf, 0);                  /* -16 / 2 + 8 */
	cr_expect_eq(b4.qs[0] >> 4, 8);                   /* element 16 = 0 */
	cr_expect_eq(b4.qs[15] >> 4, 15);                 /* element 31 = 15 -> 7.5 + 8.5 clamps */
	eng_blk_q8_0 b8;
	eng_q_quantize_row(ENG_Q8_0, x, &b8, 32);
	cr_expect_float_eq(eng_q_f16_to_f32(b8.d), 16.0f / 127, 1e-3);
	cr_expect_eq(b8.qs[0], -127);
	cr_expect_eq(b8.qs[16], 0);
	rng_state = 7;
	float y[256], z[256];
	for (int i = 0; i < 256; i++)
		y[i] = urand();
	for (size_t k = 0; k < 4; k++) {
		uint8_t buf[1024];
		eng_q_quantize_row(all_types[k], y, buf, 256);
		eng_q_dequantize_row(all_types[k], buf, z, 256);
		double bound = all_types[k] == ENG_F32 ? 0 : all_types[k] == ENG_F16 ? 1e-3
		             : all_types[k] == ENG_Q8_0 ? 1.0 / 127 : 1.0 / 8;
		cr_expect_leq(ref_rel_err(z, y, 256), bound, "%s", eng_dtype_name(all_types[k]));
	}
}

Test(eng_quant, panel_pack_roundtrip)
{
	rng_state = 11;
	int rows = 37, cols = 96;
	float *w = malloc(sizeof(float) * rows * cols);
	for (int i = 0; i < rows * cols; i++)
		w[i] = urand();
	for (size_t k = 0; k < 4; k++) {
		eng_dtype t = all_types[k];
		size_t n = eng_dtype_bytes(t, (size_t)rows * cols);
		uint8_t *src = malloc(n), *back = malloc(n);
		for (int r = 0; r < rows; r++)
			eng_q_quantize_row(t, w + r * cols, src + eng_dtype_bytes(t, cols) * r, cols);
		struct eng_q_mat m;
		cr_assert_eq(eng_q_mat_pack(&m, t, rows, cols, src), ENG_OK);
		cr_expect_eq(m.n_panels, 3);
		eng_q_mat_unpack(&m, back);
		cr_expect(!memcmp(src, back, n), "%s pack/unpack differs", eng_dtype_name(t));
		eng_q_mat_release(&m);
		free(src);
		free(back);
	}
	free(w);
}

/* Every kernel set, every type, token counts around the tile sizes, a partial panel. */
Test(eng_kernels, matmul_matches_reference)
{
	static const int toks[] = { 1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33 };
	static const struct { int rows, cols; } shapes[] = { { 40, 64 }, { 16, 160 }, { 7, 32 } };
	rng_state = 3;
	for (size_t si = 0; si < 3; si++) {
		int rows = shapes[si].rows, cols = shapes[si].cols, nmax = 33;
		float *w = malloc(sizeof(float) * rows * cols), *x = malloc(sizeof(float) * nmax * cols);
		float *wd = malloc(sizeof(float) * rows * cols), *xr = malloc(sizeof(float) * cols);
		float *y = malloc(sizeof(float) * nmax * rows), *yr = malloc(sizeof(float) * rows);
		for (int i = 0; i < rows * cols; i++)
			w[i] = urand();
		for (int i = 0; i < nmax * cols; i++)
			x[i] = urand();
		for (size_t k = 0; k < 4; k++) {
			eng_dtype t = all_types[k];
			size_t rb = eng_dtype_bytes(t, cols);
			uint8_t *src = malloc(rb * rows);
			for (int r = 0; r < rows; r++) {
				eng_q_quantize_row(t, w + r * cols, src + rb * r, cols);
				eng_q_dequantize_row(t, src + rb * r, wd + r * cols, cols);
			}
			struct eng_q_mat m;
			cr_assert_eq(eng_q_mat_pack(&m, t, rows, cols, src), ENG_OK);
			struct eng_q_act a = { .cols = cols, .stride = eng_q_act_stride(cols) };
			a.data = eng_q_aligned_alloc(a.stride * nmax);
			for (int i = 0; i < nmax; i++)
				eng_q_act_quantize(&a, i, x + i * cols);
			int quant = t == ENG_Q8_0 || t == ENG_Q4_0;
			for (size_t ii = 0; ii < 3; ii++) {
				const struct eng_k_ops *ops = eng_k_ops_get(all_isas[ii]);
				if (!ops)
					continue;   /* this CPU lacks it: nothing to test */
				for (size_t ti = 0; ti < sizeof toks / sizeof *toks; ti++) {
					int n = toks[ti];
					for (int i = 0; i < n * rows; i++)
						y[i] = NAN;
					/* two calls on a split panel range, as two threads would */
					ops->matmul(&m, x, cols, &a, n, y, rows, 0, 1);
					ops->matmul(&m, x, cols, &a, n, y, rows, 1, m.n_panels);
					for (int i = 0; i < n; i++) {
						memcpy(xr, x + i * cols, sizeof(float) * cols);
						if (quant)
							ref_q8_round(xr, cols);
						ref_matmul(yr, xr, wd, rows, cols);
						double e = ref_rel_err(y + i * rows, yr, rows);
						cr_assert_leq(e, 2e-6, "%s %s rows %d cols %d n %d token %d: rel err %g",
						              eng_isa_name(ops->isa), eng_dtype_name(t), rows, cols, n, i, e);
					}
				}
			}
			free(a.data);
			free(src);
			eng_q_mat_release(&m);
		}
		free(w); free(x); free(wd); free(xr); free(y); free(yr);
	}
}

/* Quantized weights: a token's outputs do not depend on the tile it is in
 * (block sums are exact integers, then one float multiply-add per block in
 * block order), so a step of n tokens gives each token the bits it gets
 * alone.  Every tile size 1 to 8 appears in n = 1 .. 24 (tiles balanced). */
Test(eng_kernels, quantized_rows_do_not_depend_on_the_tile)
{
	enum { ROWS = 48, COLS = 96, NMAX = 24 };
	rng_state = 5;
	float *w = malloc(sizeof(float) * ROWS * COLS), *x = malloc(sizeof(float) * NMAX * COLS);
	float *y = malloc(sizeof(float) * NMAX * ROWS), *y1 = malloc(sizeof(float) * ROWS);
	for (int i = 0; i < ROWS * COLS; i++)
		w[i] = urand();
	for (int i = 0; i < NMAX * COLS; i++)
		x[i] = urand();
	static const eng_dtype qt[] = { ENG_Q8_0, ENG_Q4_0 };
	for (size_t k = 0; k < 2; k++) {
		size_t rb = eng_dtype_bytes(qt[k], COLS);
		uint8_t *src = malloc(rb * ROWS);
		for (int r = 0; r < ROWS; r++)
			eng_q_quantize_row(qt[k], w + r * COLS, src + rb * r, COLS);
		struct eng_q_mat m;
		cr_assert_eq(eng_q_mat_pack(&m, qt[k], ROWS, COLS, src), ENG_OK);
		struct eng_q_act a = { .cols = COLS, .stride = eng_q_act_stride(COLS) };
		a.data = eng_q_aligned_alloc(a.stride * NMAX);
		struct eng_q_act a1 = { .cols = COLS, .stride = eng_q_act_stride(COLS) };
		a1.data = eng_q_aligned_alloc(a1.stride);
		for (int i = 0; i < NMAX; i++)
			eng_q_act_quantize(&a, i, x + i * COLS);
		for (size_t ii = 0; ii < 3; ii++) {
			const struct eng_k_ops *ops = eng_k_ops_get(all_isas[ii]);
			if (!ops)
				continue;
			for (int n = 1; n <= NMAX; n++) {
				ops->matmul(&m, x, COLS, &a, n, y, ROWS, 0, m.n_panels);
				for (int i = 0; i < n; i++) {
					eng_q_act_quantize(&a1, 0, x + i * COLS);
					ops->matmul(&m, x + i * COLS, COLS, &a1, 1, y1, ROWS, 0, m.n_panels);
					cr_assert(!memcmp(y + (size_t)i * ROWS, y1, sizeof(float) * ROWS),
					          "%s %s: token %d of %d differs from the token alone", eng_isa_name(ops->isa),
					          eng_dtype_name(qt[k]), i, n);
				}
			}
		}
		free(a.data);
		free(a1.data);
		free(src);
		eng_q_mat_release(&m);
	}
	free(w); free(x); free(y); free(y1);
}

Test(eng_kernels, dot_and_axpy)
{
	rng_state = 5;
	float a[131], b[131], y[131], yr[131];
	for (int i = 0; i < 131; i++) {
		a[i] = urand();
		b[i] = urand();
	}
	for (size_t ii = 0; ii < 3; ii++) {
		const struct eng_k_ops *ops = eng_k_ops_get(all_isas[ii]);
		if (!ops)
			continue;
		for (int n = 0; n <= 131; n += 7) {
			double s = 0;
			for (int i = 0; i < n; i++)
				s += (double)a[i] * b[i];
			cr_expect(fabs(ops->dot(a, b, n) - s) <= 1e-5 * (1 + fabs(s)), "%s dot n %d",
			          eng_isa_name(ops->isa), n);
			for (int i = 0; i < n; i++)
				y[i] = yr[i] = b[i];
			ops->axpy(y, 0.5f, a, n);
			for (int i = 0; i < n; i++)
				yr[i] += 0.5f * a[i];
			cr_expect(n == 0 || ref_rel_err(y, yr, n) < 1e-6, "%s axpy n %d", eng_isa_name(ops->isa), n);
		}
	}
}

Test(eng_kernels, isa_dispatch)
{
	cr_expect_not_null(eng_k_ops_get(ENG_ISA_SCALAR));
	cr_expect_not_null(eng_k_ops_get(ENG_ISA_AUTO));
	cr_expect_eq(eng_k_ops_get(ENG_ISA_AUTO)->isa, eng_isa_best());
#if defined(__x86_64__)
	if (__builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw"))
		cr_expect_eq(eng_isa_best(), ENG_ISA_AVX512);
#endif
}

/* Vectorized activation quantizers give the same bytes as eng_q_act_quantize,
 * and dequantize to what eng_ref's Q8_0 rounding gives. */
Test(eng_kernels, act_quant_bit_identical)
{
	rng_state = 9;
	int cols = 256;
	float x[256], r[256];
	for (int i = 0; i < cols; i++)
		x[i] = urand() * (i % 32 == 5 ? 40.0f : 1.0f);
	x[7] = 0.5f * 127 / 40;            /* near-ties and zeros */
	for (int i = 64; i < 96; i++)
		x[i] = 0;
	struct eng_q_act a = { .cols = cols, .stride = eng_q_act_stride(cols) }, b = a;
	a.data = eng_q_aligned_alloc(a.stride);
	b.data = eng_q_aligned_alloc(b.stride);
	eng_q_act_quantize(&a, 0, x);
	memcpy(r, x, sizeof r);
	ref_q8_round(r, cols);
	for (int i = 0; i < cols; i++)
		cr_expect_eq(eng_q_act_q(&a, 0)[i] * eng_q_act_d(&a, 0)[i / 32], r[i], "element %d", i);
	for (size_t ii = 0; ii < 3; ii++) {
		const struct eng_k_ops *ops = eng_k_ops_get(all_isas[ii]);
		if (!ops)
			continue;
		memset(b.data, 0xaa, b.stride);
		ops->quant(&b, 0, x);
		cr_expect(!memcmp(a.data, b.data, (size_t)cols + cols / 32 * 8), "%s quantizer differs",
		          eng_isa_name(ops->isa));
	}
	free(a.data);
	free(b.data);
}

/* Attention over a paged cache (blocks out of order) against plain loops. */
Test(eng_kernels, attention_matches_reference)
{
	static const int head_sizes[] = { 16, 24, 64, 80, 128 };
	static const int n_pos[] = { 1, 2, 5, 17, 40 };
	enum { BT = 4, NB = 12, KVD = 256 };
	rng_state = 21;
	float *k = malloc(sizeof(float) * NB * BT * KVD), *v = malloc(sizeof(float) * NB * BT * KVD);
	for (int i = 0; i < NB * BT * KVD; i++) {
		k[i] = urand();
		v[i] = urand();
	}
	int table[NB] = { 5, 2, 11, 0, 7, 1, 3, 9, 4, 6, 8, 10 };
	float q[128], out[128], want[128], sc[64], w[64];
	for (int i = 0; i < 128; i++)
		q[i] = urand();
	for (size_t hi = 0; hi < 5; hi++)
		for (size_t ni = 0; ni < 5; ni++) {
			int hs = head_sizes[hi], n = n_pos[ni], off = KVD - hs;
			double max = -1e30, sum = 0;
			for (int j = 0; j < n; j++) {
				const float *kr = k + ((size_t)table[j / BT] * BT + j % BT) * KVD + off;
				double s = 0;
				for (int d = 0; d < hs; d++)
					s += (double)q[d] * kr[d];
				w[j] = (float)(s / sqrt(hs));
				max = fmax(max, w[j]);
			}
			for (int j = 0; j < n; j++)
				sum += exp(w[j] - max);
			for (int d = 0; d < hs; d++) {
				double o = 0;
				for (int j = 0; j < n; j++)
					o += exp(w[j] - max) / sum * v[((size_t)table[j / BT] * BT + j % BT) * KVD + off + d];
				want[d] = (float)o;
			}
			for (size_t ii = 0; ii < 3; ii++) {
				const struct eng_k_ops *ops = eng_k_ops_get(all_isas[ii]);
				if (!ops)
					continue;
				struct eng_k_attn at = { .q = q, .k = k, .v = v, .table = table, .block_tokens = BT,
				                     .block_stride = BT * KVD, .row_stride = KVD, .off = off, .hs = hs, .n_pos = n, .scale = 1.0f / sqrtf((float)hs),
				                     .scores = sc, .out = out };
				ops->attn(&at);
				double e = ref_rel_err(out, want, hs);
				cr_expect_leq(e, 1e-5, "%s hs %d n_pos %d: rel err %g", eng_isa_name(ops->isa), hs, n, e);
			}
		}
	free(k);
	free(v);
}

/* SwiGLU (vectorized e^x) against double precision over a wide range. */
Test(eng_kernels, swiglu_matches_reference)
{
	enum { N = 1003 };
	float g[N], u[N], y[N], want[N];
	for (int i = 0; i < N; i++) {
		g[i] = -90.0f + 180.0f * i / (N - 1);
		u[i] = 0.5f + (float)(i % 7);
		want[i] = (float)(g[i] / (1.0 + exp(-(double)g[i])) * u[i]);
	}
	for (size_t ii = 0; ii < 3; ii++) {
		const struct eng_k_ops *ops = eng_k_ops_get(all_isas[ii]);
		if (!ops)
			continue;
		memcpy(y, g, sizeof y);
		ops->swiglu(y, u, N);
		for (int i = 0; i < N; i++)
			cr_assert(fabs(y[i] - want[i]) <= 2e-6 * fabs(want[i]) + 1e-30, "%s g %g: %g, want %g",
			          eng_isa_name(ops->isa), g[i], y[i], want[i]);
	}
}
