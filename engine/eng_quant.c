/* eng_quant.c — weight types (names, sizes, conversion), f16 and GGUF block
 * conversions, panel packing, Q8 activations.
 *
 * Quantization follows ggml's reference rounding so that files written here and
 * by ggml hold the same numbers for the same floats.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eng_quant.h"

/* ---------------------------------------------------------------- types */

const char *eng_dtype_name(eng_dtype t)
{
	switch (t) {
	case ENG_F32: return "f32";
	case ENG_F16: return "f16";
	case ENG_Q8_0: return "q8_0";
	case ENG_Q4_0: return "q4_0";
	}
	return "?";
}

int eng_dtype_parse(const char *s, eng_dtype *t)
{
	static const eng_dtype all[] = { ENG_F32, ENG_F16, ENG_Q8_0, ENG_Q4_0 };
	for (size_t i = 0; i < sizeof all / sizeof *all; i++)
		if (!strcmp(s, eng_dtype_name(all[i]))) {
			*t = all[i];
			return 0;
		}
	return -1;
}

size_t eng_dtype_bytes(eng_dtype t, size_t n)
{
	switch (t) {
	case ENG_F32: return n * 4;
	case ENG_F16: return n * 2;
	case ENG_Q8_0: return n / ENG_QK * sizeof(eng_blk_q8_0);
	case ENG_Q4_0: return n / ENG_QK * sizeof(eng_blk_q4_0);
	}
	return 0;
}

/* ---------------------------------------------------------------- f16 */

float eng_q_f16_to_f32(uint16_t h)
{
	uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
	if (exp == 0) {
		if (man == 0) {
			bits = sign;
		} else {                      /* subnormal: renormalize */
			int e = -1;
			do { e++; man <<= 1; } while (!(man & 0x400));
			bits = sign | (uint32_t)(127 - 15 - e) << 23 | (man & 0x3ff) << 13;
		}
	} else if (exp == 31) {
		bits = sign | 0x7f800000u | man << 13;
	} else {
		bits = sign | (exp + 127 - 15) << 23 | man << 13;
	}
	float f;
	memcpy(&f, &bits, 4);
	return f;
}

uint16_t eng_q_f32_to_f16(float f)
{
	uint32_t x;
	memcpy(&x, &f, 4);
	uint32_t sign = (x >> 16) & 0x8000;
	int32_t exp = (int32_t)((x >> 23) & 0xff) - 127 + 15;
	uint32_t man = x & 0x7fffff;
	if (((x >> 23) & 0xff) == 0xff)               /* inf or nan */
		return (uint16_t)(sign | 0x7c00 | (man ? 0x200 : 0));
	if (exp >= 31)
		return (uint16_t)(sign | 0x7c00);
	if (exp <= 0) {                                /* subnormal or zero */
		if (exp < -10)
			return (uint16_t)sign;
		man |= 0x800000;
		int shift = 14 - exp;
		uint32_t h = man >> shift, rem = man & ((1u << shift) - 1), half = 1u << (shift - 1);
		if (rem > half || (rem == half && (h & 1)))
			h++;
		return (uint16_t)(sign | h);
	}
	uint32_t h = (uint32_t)exp << 10 | man >> 13, rem = man & 0x1fff;
	if (rem > 0x1000 || (rem == 0x1000 && (h & 1)))
		h++;                                       /* may carry into the exponent: correct */
	return (uint16_t)(sign | h);
}

/* ---------------------------------------------------------------- rows */

static void quantize_q8_0(const float *x, eng_blk_q8_0 *y, size_t n)
{
	for (size_t b = 0; b < n / ENG_QK; b++) {
		float amax = 0;
		for (int j = 0; j < ENG_QK; j++) {
			float a = fabsf(x[b * ENG_QK + j]);
			amax = a > amax ? a : amax;
		}
		float d = amax / 127.0f, id = d != 0 ? 1.0f / d : 0;
		y[b].d = eng_q_f32_to_f16(d);
		for (int j = 0; j < ENG_QK; j++) {
			float v = x[b * ENG_QK + j] * id;   /* roundf, inlined (see eng_q_act_quantize) */
			y[b].qs[j] = (int8_t)(v + copysignf(0.49999997f, v));
		}
	}
}

static void quantize_q4_0(const float *x, eng_blk_q4_0 *y, size_t n)
{
	for (size_t b = 0; b < n / ENG_QK; b++) {
		const float *xb = x + b * ENG_QK;
		float amax = 0, max = 0;
		for (int j = 0; j < ENG_QK; j++)
			if (fabsf(xb[j]) > amax) {
				amax = fabsf(xb[j]);
				max = xb[j];
			}
		float d = max / -8.0f, id = d != 0 ? 1.0f / d : 0;
		y[b].d = eng_q_f32_to_f16(d);
		for (int j = 0; j < ENG_QK / 2; j++) {
			int q0 = (int)(xb[j] * id + 8.5f), q1 = (int)(xb[j + ENG_QK / 2] * id + 8.5f);
			q0 = q0 > 15 ? 15 : q0;
			q1 = q1 > 15 ? 15 : q1;
			y[b].qs[j] = (uint8_t)(q0 | q1 << 4);
		}
	}
}

void eng_q_quantize_row(eng_dtype t, const float *x, void *dst, size_t n)
{
	switch (t) {
	case ENG_F32: memcpy(dst, x, n * 4); break;
	case ENG_F16:
		for (size_t i = 0; i < n; i++)
			((uint16_t *)dst)[i] = eng_q_f32_to_f16(x[i]);
		break;
	case ENG_Q8_0: quantize_q8_0(x, dst, n); break;
	case ENG_Q4_0: quantize_q4_0(x, dst, n); break;
	}
}

void eng_q_dequantize_row(eng_dtype t, const void *src, float *y, size_t n)
{
	switch (t) {
	case ENG_F32: memcpy(y, src, n * 4); break;
	case ENG_F16:
		for (size_t i = 0; i < n; i++)
			y[i] = eng_q_f16_to_f32(((const uint16_t *)src)[i]);
		break;
	case ENG_Q8_0:
		for (size_t b = 0; b < n / ENG_QK; b++) {
			const eng_blk_q8_0 *x = (const eng_blk_q8_0 *)src + b;
			float d = eng_q_f16_to_f32(x->d);
			for (int j = 0; j < ENG_QK; j++)
				y[b * ENG_QK + j] = x->qs[j] * d;
		}
		break;
	case ENG_Q4_0:
		for (size_t b = 0; b < n / ENG_QK; b++) {
			const eng_blk_q4_0 *x = (const eng_blk_q4_0 *)src + b;
			float d = eng_q_f16_to_f32(x->d);
			for (int j = 0; j < ENG_QK / 2; j++) {
				y[b * ENG_QK + j] = ((x->qs[j] & 0xf) - 8) * d;
				y[b * ENG_QK + j + ENG_QK / 2] = ((x->qs[j] >> 4) - 8) * d;
			}
		}
		break;
	}
}

eng_status eng_dtype_convert(eng_dtype st, const void *src, eng_dtype dt, void *dst, size_t rows, size_t cols)
{
	size_t sb = eng_dtype_bytes(st, cols), db = eng_dtype_bytes(dt, cols);
	if (st == dt) {
		memcpy(dst, src, sb * rows);
		return ENG_OK;
	}
	float *tmp = malloc(cols * sizeof *tmp);
	if (!tmp)
		return ENG_ENOMEM;
	for (size_t r = 0; r < rows; r++) {
		eng_q_dequantize_row(st, (const uint8_t *)src + r * sb, tmp, cols);
		eng_q_quantize_row(dt, tmp, (uint8_t *)dst + r * db, cols);
	}
	free(tmp);
	return ENG_OK;
}

/* ---------------------------------------------------------------- panels */

void *eng_q_aligned_alloc(size_t bytes)
{
	size_t n = (bytes + 63) / 64 * 64;
	void *p = aligned_alloc(64, n ? n : 64);
	if (p)
		memset(p, 0, n ? n : 64);
	return p;
}

size_t eng_q_panel_bytes(eng_dtype t, int cols)
{
	switch (t) {
	case ENG_F32: return (size_t)cols * ENG_PANEL * 4;
	case ENG_F16: return (size_t)cols * ENG_PANEL * 2;
	case ENG_Q8_0: return (size_t)cols / ENG_QK * 544;
	case ENG_Q4_0: return (size_t)cols / ENG_QK * 288;
	}
	return 0;
}

eng_status eng_q_mat_pack(struct eng_q_mat *m, eng_dtype t, int rows, int cols, const void *src)
{
	m->rows = rows;
	m->cols = cols;
	m->type = t;
	m->n_panels = (rows + ENG_PANEL - 1) / ENG_PANEL;
	m->panel_bytes = eng_q_panel_bytes(t, cols);
	m->data = eng_q_aligned_alloc(m->panel_bytes * (size_t)m->n_panels);
	if (!m->data)
		return ENG_ENOMEM;
	size_t row_bytes = eng_dtype_bytes(t, (size_t)cols);
	int nb = cols / ENG_QK;
	for (int r = 0; r < rows; r++) {
		const uint8_t *s = (const uint8_t *)src + (size_t)r * row_bytes;
		uint8_t *p = m->data + (size_t)(r / ENG_PANEL) * m->panel_bytes;
		int pr = r % ENG_PANEL;
		switch (t) {
		case ENG_F32:
			for (int k = 0; k < cols; k++)
				memcpy(p + ((size_t)k * ENG_PANEL + pr) * 4, s + (size_t)k * 4, 4);
			break;
		case ENG_F16:
			for (int k = 0; k < cols; k++)
				memcpy(p + ((size_t)k * ENG_PANEL + pr) * 2, s + (size_t)k * 2, 2);
			break;
		case ENG_Q8_0:
			for (int b = 0; b < nb; b++) {
				const eng_blk_q8_0 *x = (const eng_blk_q8_0 *)s + b;
				uint8_t *pb = p + (size_t)b * 544;
				for (int e = 0; e < ENG_QK; e++)
					pb[(e / 4) * 64 + pr * 4 + e % 4] = (uint8_t)(x->qs[e] + 128);
				memcpy(pb + 512 + pr * 2, &x->d, 2);
			}
			break;
		case ENG_Q4_0:
			for (int b = 0; b < nb; b++) {
				const eng_blk_q4_0 *x = (const eng_blk_q4_0 *)s + b;
				uint8_t *pb = p + (size_t)b * 288;
				/* GGUF byte j holds elements j (low) and j+16 (high): the same
				 * pairing as the panel's, only the order of bytes changes */
				for (int j = 0; j < ENG_QK / 2; j++)
					pb[(j / 4) * 64 + pr * 4 + j % 4] = x->qs[j];
				memcpy(pb + 256 + pr * 2, &x->d, 2);
			}
			break;
		}
	}
	return ENG_OK;
}

void eng_q_mat_unpack(const struct eng_q_mat *m, void *dst)
{
	size_t row_bytes = eng_dtype_bytes(m->type, (size_t)m->cols);
	int nb = m->cols / ENG_QK;
	for (int r = 0; r < m->rows; r++) {
		uint8_t *s = (uint8_t *)dst + (size_t)r * row_bytes;
		const uint8_t *p = m->data + (size_t)(r / ENG_PANEL) * m->panel_bytes;
		int pr = r % ENG_PANEL;
		switch (m->type) {
		case ENG_F32:
			for (int k = 0; k < m->cols; k++)
				memcpy(s + (size_t)k * 4, p + ((size_t)k * ENG_PANEL + pr) * 4, 4);
			break;
		case ENG_F16:
			for (int k = 0; k < m->cols; k++)
				memcpy(s + (size_t)k * 2, p + ((size_t)k * ENG_PANEL + pr) * 2, 2);
			break;
		case ENG_Q8_0:
			for (int b = 0; b < nb; b++) {
				eng_blk_q8_0 *x = (eng_blk_q8_0 *)s + b;
				const uint8_t *pb = p + (size_t)b * 544;
				for (int e = 0; e < ENG_QK; e++)
					x->qs[e] = (int8_t)(pb[(e / 4) * 64 + pr * 4 + e % 4] - 128);
				memcpy(&x->d, pb + 512 + pr * 2, 2);
			}
			break;
		case ENG_Q4_0:
			for (int b = 0; b < nb; b++) {
				eng_blk_q4_0 *x = (eng_blk_q4_0 *)s + b;
				const uint8_t *pb = p + (size_t)b * 288;
				for (int j = 0; j < ENG_QK / 2; j++)
					x->qs[j] = pb[(j / 4) * 64 + pr * 4 + j % 4];
				memcpy(&x->d, pb + 256 + pr * 2, 2);
			}
			break;
		}
	}
}

void eng_q_mat_release(struct eng_q_mat *m)
{
	free(m->data);
	m->data = NULL;
}

/* ---------------------------------------------------------------- activations */

size_t eng_q_act_stride(int cols)
{
	size_t s = (size_t)cols + (size_t)cols / ENG_QK * 8;
	return (s + 63) / 64 * 64;
}

void eng_q_act_quantize_blocks(const struct eng_q_act *a, int t, const float *x, int b0, int b1)
{
	int8_t *q = eng_q_act_q(a, t);
	float *d = eng_q_act_d(a, t);
	int32_t *s = eng_q_act_s(a, t);
	for (int b = b0; b < b1; b++) {
		const float *xb = x + b * ENG_QK;
		float amax = 0;
		for (int j = 0; j < ENG_QK; j++)
			amax = fmaxf(amax, fabsf(xb[j]));
		float db = amax / 127.0f, id = db != 0 ? 1.0f / db : 0;
		int32_t sum = 0;
		for (int j = 0; j < ENG_QK; j++) {
			/* equals roundf for |v| <= 128.5 (checked for every float), and
			 * vectorizes: the kernels' quantizers use the same expression */
			float v0 = xb[j] * id;
			int v = (int)(v0 + copysignf(0.49999997f, v0));
			q[b * ENG_QK + j] = (int8_t)v;
			sum += v;
		}
		d[b] = db;
		s[b] = sum;
	}
}

void eng_q_act_quantize(const struct eng_q_act *a, int t, const float *x)
{
	eng_q_act_quantize_blocks(a, t, x, 0, a->cols / ENG_QK);
}
