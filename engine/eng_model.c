/* eng_model.c — statuses, configurations, the model builder and synthetic models. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eng_model.h"

eng_status eng_err(eng_status s, char *err, size_t err_len, const char *fmt, ...)
{
	if (err && err_len) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, err_len, fmt, ap);
		va_end(ap);
	}
	return s;
}

const char *eng_strerror(eng_status s)
{
	switch (s) {
	case ENG_OK: return "ok";
	case ENG_EINVAL: return "invalid argument";
	case ENG_ENOMEM: return "out of memory";
	case ENG_EIO: return "input/output error";
	case ENG_EFORMAT: return "malformed model file";
	case ENG_EKVFULL: return "kv cache full";
	case ENG_ENOTSUP: return "not supported";
	}
	return "unknown status";
}

static int is_quant(eng_dtype t)
{
	return t == ENG_Q8_0 || t == ENG_Q4_0;
}

/* ---------------------------------------------------------------- configs */

eng_status eng_config_check(const struct eng_config *c, eng_dtype t, char *err, size_t err_len)
{
	if (t != ENG_F32 && t != ENG_F16 && t != ENG_Q8_0 && t != ENG_Q4_0)
		return eng_err(ENG_EINVAL, err, err_len, "unsupported weight type %d", (int)t);
	if (c->dim <= 0 || c->n_layers <= 0 || c->n_heads <= 0 || c->n_kv_heads <= 0 ||
	    c->hidden_dim <= 0 || c->vocab_size <= 0 || c->seq_len <= 0)
		return eng_err(ENG_EINVAL, err, err_len,
		               "every dimension must be positive (dim=%d layers=%d heads=%d kv_heads=%d "
		               "hidden=%d vocab=%d seq=%d)", c->dim, c->n_layers, c->n_heads, c->n_kv_heads,
		               c->hidden_dim, c->vocab_size, c->seq_len);
	if (c->dim > 65536 || c->hidden_dim > 262144 || c->vocab_size > 1 << 22 || c->n_layers > 1024 ||
	    c->seq_len > 1 << 20 || c->n_heads > c->dim)
		return eng_err(ENG_EINVAL, err, err_len, "dimensions out of range");
	if (c->dim % c->n_heads)
		return eng_err(ENG_EINVAL, err, err_len, "dim %d is not a multiple of heads %d", c->dim, c->n_heads);
	if ((c->dim / c->n_heads) % 2)
		return eng_err(ENG_EINVAL, err, err_len, "head size %d is odd (rotary pairs)", c->dim / c->n_heads);
	if (c->n_kv_heads > c->n_heads || c->n_heads % c->n_kv_heads)
		return eng_err(ENG_EINVAL, err, err_len, "kv heads %d must divide heads %d", c->n_kv_heads, c->n_heads);
	if (is_quant(t) && (c->dim % ENG_QK || c->hidden_dim % ENG_QK))
		return eng_err(ENG_EINVAL, err, err_len, "%s needs dim (%d) and hidden (%d) multiples of %d",
		               eng_dtype_name(t), c->dim, c->hidden_dim, ENG_QK);
	return ENG_OK;
}

eng_status eng_config_parse(const char *s, struct eng_config *c, char *err, size_t err_len)
{
	static const struct { const char *key; size_t off; } keys[] = {
		{ "dim", offsetof(struct eng_config, dim) },
		{ "layers", offsetof(struct eng_config, n_layers) },
		{ "heads", offsetof(struct eng_config, n_heads) },
		{ "kv_heads", offsetof(struct eng_config, n_kv_heads) },
		{ "hidden", offsetof(struct eng_config, hidden_dim) },
		{ "vocab", offsetof(struct eng_config, vocab_size) },
		{ "seq", offsetof(struct eng_config, seq_len) },
	};
	int kv_set = 0;
	const char *p = s;
	while (*p) {
		const char *eq = strchr(p, '='), *end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		if (!eq || eq > end)
			return eng_err(ENG_EINVAL, err, err_len, "config '%s': expected key=value near '%.*s'", s,
			               (int)(end - p), p);
		size_t kl = (size_t)(eq - p), i;
		for (i = 0; i < sizeof keys / sizeof *keys; i++)
			if (strlen(keys[i].key) == kl && !strncmp(keys[i].key, p, kl))
				break;
		if (i == sizeof keys / sizeof *keys)
			return eng_err(ENG_EINVAL, err, err_len,
			               "config '%s': unknown key '%.*s' (dim, layers, heads, kv_heads, hidden, vocab, "
			               "seq)", s, (int)kl, p);
		char *e;
		long v = strtol(eq + 1, &e, 10);
		if (e != end || v <= 0 || v > 1 << 24)
			return eng_err(ENG_EINVAL, err, err_len, "config '%s': %.*s: expected a positive integer",
			               s, (int)kl, p);
		*(int *)((char *)c + keys[i].off) = (int)v;
		if (!strcmp(keys[i].key, "kv_heads"))
			kv_set = 1;
		p = *end ? end + 1 : end;
	}
	if (!kv_set)
		c->n_kv_heads = c->n_heads;
	return ENG_OK;
}

double eng_config_weight_bytes(const struct eng_config *c, eng_dtype t)
{
	double kv = (double)c->n_kv_heads * (c->dim / c->n_heads);
	double per_layer = eng_dtype_bytes(t, (size_t)c->dim * (size_t)(2 * c->dim + 2 * kv)) +
	                   3.0 * eng_dtype_bytes(t, (size_t)c->dim * (size_t)c->hidden_dim);
	return c->n_layers * per_layer + (double)eng_dtype_bytes(t, (size_t)c->dim * (size_t)c->vocab_size);
}

double eng_config_flops_per_token(const struct eng_config *c)
{
	double kv = (double)c->n_kv_heads * (c->dim / c->n_heads);
	double per_layer = (double)c->dim * (2 * c->dim + 2 * kv) + 3.0 * c->dim * c->hidden_dim;
	return 2.0 * (c->n_layers * per_layer + (double)c->dim * c->vocab_size);
}

/* ---------------------------------------------------------------- builder */

eng_status eng_model_alloc(eng_model **out, const struct eng_config *cfg, eng_dtype t)
{
	eng_model *m = calloc(1, sizeof *m);
	if (!m)
		return ENG_ENOMEM;
	m->cfg = *cfg;
	if (m->cfg.rope_theta <= 0)
		m->cfg.rope_theta = 10000.0f;
	if (m->cfg.norm_eps <= 0)
		m->cfg.norm_eps = 1e-5f;
	m->type = t;
	m->layers = calloc((size_t)cfg->n_layers, sizeof *m->layers);
	if (!m->layers) {
		free(m);
		return ENG_ENOMEM;
	}
	*out = m;
	return ENG_OK;
}

static int kv_dim_of(const struct eng_config *c)
{
	return c->n_kv_heads * (c->dim / c->n_heads);
}

/* Packs the row-concatenation of n sources (rows[i] rows each) into one matrix. */
static eng_status pack_concat(struct eng_q_mat *dst, eng_dtype t, int cols, int n, const struct eng_src *src,
                              const int *rows)
{
	int total = 0;
	for (int i = 0; i < n; i++)
		total += rows[i];
	size_t rb = eng_dtype_bytes(t, (size_t)cols);
	uint8_t *stage = malloc(rb * (size_t)total);
	if (!stage)
		return ENG_ENOMEM;
	eng_status s = ENG_OK;
	size_t off = 0;
	for (int i = 0; i < n && !s; i++) {
		s = eng_dtype_convert(src[i].type, src[i].data, t, stage + off, (size_t)rows[i], (size_t)cols);
		off += rb * (size_t)rows[i];
	}
	if (!s)
		s = eng_q_mat_pack(dst, t, total, cols, stage);
	free(stage);
	return s;
}

static eng_status norm_copy(float **dst, struct eng_src s, int n)
{
	*dst = malloc(sizeof(float) * (size_t)n);
	if (!*dst)
		return ENG_ENOMEM;
	eng_q_dequantize_row(s.type, s.data, *dst, (size_t)n);
	return ENG_OK;
}

eng_status eng_model_set_layer(eng_model *m, int l, struct eng_src attn_norm, struct eng_src ffn_norm,
                               struct eng_src wq, struct eng_src wk, struct eng_src wv, struct eng_src wo,
                               struct eng_src w1, struct eng_src w2, struct eng_src w3)
{
	const struct eng_config *c = &m->cfg;
	struct eng_layer *L = &m->layers[l];
	int kvd = kv_dim_of(c);
	struct eng_src qkv[3] = { wq, wk, wv }, w13[2] = { w1, w3 };
	int qkv_rows[3] = { c->dim, kvd, kvd }, w13_rows[2] = { c->hidden_dim, c->hidden_dim };
	eng_status s;
	if ((s = norm_copy(&L->attn_norm, attn_norm, c->dim)) || (s = norm_copy(&L->ffn_norm, ffn_norm, c->dim)) ||
	    (s = pack_concat(&L->wqkv, m->type, c->dim, 3, qkv, qkv_rows)) ||
	    (s = pack_concat(&L->wo, m->type, c->dim, 1, &wo, &c->dim)) ||
	    (s = pack_concat(&L->w13, m->type, c->dim, 2, w13, w13_rows)) ||
	    (s = pack_concat(&L->w2, m->type, c->hidden_dim, 1, &w2, &c->dim)))
		return s;
	return ENG_OK;
}

eng_status eng_model_set_globals(eng_model *m, struct eng_src embed, struct eng_src out_norm, struct eng_src wcls)
{
	const struct eng_config *c = &m->cfg;
	size_t eb = eng_dtype_bytes(m->type, (size_t)c->dim) * (size_t)c->vocab_size;
	eng_status s;
	if (!(m->embed = malloc(eb)))
		return ENG_ENOMEM;
	if ((s = eng_dtype_convert(embed.type, embed.data, m->type, m->embed, (size_t)c->vocab_size, (size_t)c->dim)) ||
	    (s = norm_copy(&m->out_norm, out_norm, c->dim)) ||
	    (s = pack_concat(&m->wcls, m->type, c->dim, 1, &wcls, &c->vocab_size)))
		return s;
	return ENG_OK;
}

void eng_model_free(eng_model *m)
{
	if (!m)
		return;
	for (int l = 0; m->layers && l < m->cfg.n_layers; l++) {
		struct eng_layer *L = &m->layers[l];
		free(L->attn_norm);
		free(L->ffn_norm);
		eng_q_mat_release(&L->wqkv);
		eng_q_mat_release(&L->wo);
		eng_q_mat_release(&L->w13);
		eng_q_mat_release(&L->w2);
	}
	free(m->layers);
	free(m->embed);
	free(m->out_norm);
	eng_q_mat_release(&m->wcls);
	free(m);
}

const struct eng_config *eng_model_config(const eng_model *m)
{
	return &m->cfg;
}

eng_dtype eng_model_dtype(const eng_model *m)
{
	return m->type;
}

/* ---------------------------------------------------------------- tensors */

void eng_tensor_shape(const eng_model *m, enum eng_tensor w, int *rows, int *cols, eng_dtype *t)
{
	const struct eng_config *c = &m->cfg;
	int kvd = kv_dim_of(c);
	*t = m->type;
	*rows = 0;
	*cols = c->dim;
	switch (w) {
	case ENG_T_EMBED: case ENG_T_CLS: *rows = c->vocab_size; break;
	case ENG_T_OUT_NORM: case ENG_T_ATTN_NORM: case ENG_T_FFN_NORM: *rows = 1; *t = ENG_F32; break;
	case ENG_T_WQ: case ENG_T_WO: *rows = c->dim; break;
	case ENG_T_WK: case ENG_T_WV: *rows = kvd; break;
	case ENG_T_W1: case ENG_T_W3: *rows = c->hidden_dim; break;
	case ENG_T_W2: *rows = c->dim; *cols = c->hidden_dim; break;
	}
}

/* Rows [r0, r0 + n) of a packed matrix, row-major. */
static eng_status mat_rows(const struct eng_q_mat *q, int r0, int n, void *dst)
{
	size_t rb = eng_dtype_bytes(q->type, (size_t)q->cols);
	uint8_t *all = malloc(rb * (size_t)q->rows);
	if (!all)
		return ENG_ENOMEM;
	eng_q_mat_unpack(q, all);
	memcpy(dst, all + rb * (size_t)r0, rb * (size_t)n);
	free(all);
	return ENG_OK;
}

eng_status eng_tensor_get(const eng_model *m, enum eng_tensor w, int l, void *dst)
{
	const struct eng_config *c = &m->cfg;
	const struct eng_layer *L = &m->layers[l];
	int kvd = kv_dim_of(c);
	size_t nb = (size_t)c->dim * sizeof(float);
	switch (w) {
	case ENG_T_EMBED:
		memcpy(dst, m->embed, eng_dtype_bytes(m->type, (size_t)c->dim) * (size_t)c->vocab_size);
		return ENG_OK;
	case ENG_T_OUT_NORM: memcpy(dst, m->out_norm, nb); return ENG_OK;
	case ENG_T_ATTN_NORM: memcpy(dst, L->attn_norm, nb); return ENG_OK;
	case ENG_T_FFN_NORM: memcpy(dst, L->ffn_norm, nb); return ENG_OK;
	case ENG_T_CLS: return mat_rows(&m->wcls, 0, c->vocab_size, dst);
	case ENG_T_WQ: return mat_rows(&L->wqkv, 0, c->dim, dst);
	case ENG_T_WK: return mat_rows(&L->wqkv, c->dim, kvd, dst);
	case ENG_T_WV: return mat_rows(&L->wqkv, c->dim + kvd, kvd, dst);
	case ENG_T_WO: return mat_rows(&L->wo, 0, c->dim, dst);
	case ENG_T_W1: return mat_rows(&L->w13, 0, c->hidden_dim, dst);
	case ENG_T_W3: return mat_rows(&L->w13, c->hidden_dim, c->hidden_dim, dst);
	case ENG_T_W2: return mat_rows(&L->w2, 0, c->dim, dst);
	}
	return ENG_EINVAL;
}

eng_status eng_tensor_get_f32(const eng_model *m, enum eng_tensor w, int l, float *dst)
{
	int rows, cols;
	eng_dtype t;
	eng_tensor_shape(m, w, &rows, &cols, &t);
	if (t == ENG_F32)
		return eng_tensor_get(m, w, l, dst);
	size_t rb = eng_dtype_bytes(t, (size_t)cols);
	uint8_t *raw = malloc(rb * (size_t)rows);
	if (!raw)
		return ENG_ENOMEM;
	eng_status s = eng_tensor_get(m, w, l, raw);
	for (int r = 0; !s && r < rows; r++)
		eng_q_dequantize_row(t, raw + rb * (size_t)r, dst + (size_t)r * cols, (size_t)cols);
	free(raw);
	return s;
}

/* ---------------------------------------------------------------- synthetic */

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* n floats uniform in [center - a, center + a). */
static void fill_uniform(float *x, size_t n, uint64_t *s, float center, float a)
{
	for (size_t i = 0; i < n; i++)
		x[i] = center + a * ((float)(splitmix64(s) >> 40) * (2.0f / 16777216.0f) - 1.0f);
}

eng_status eng_model_synthetic(eng_model **out, const struct eng_config *cfg, eng_dtype t,
                               uint64_t seed, char *err, size_t err_len)
{
	eng_status s = eng_config_check(cfg, t, err, err_len);
	if (s)
		return s;
	eng_model *m;
	if ((s = eng_model_alloc(&m, cfg, t)))
		return eng_err(s, err, err_len, "synthetic model: out of memory");
	const struct eng_config *c = &m->cfg;
	int kvd = kv_dim_of(c);
	int wide = c->hidden_dim > c->vocab_size ? c->hidden_dim : c->vocab_size;
	size_t big = (size_t)c->dim * (size_t)(wide > c->dim ? wide : c->dim);
	float *w[7], *n1 = malloc(sizeof(float) * (size_t)c->dim), *n2 = malloc(sizeof(float) * (size_t)c->dim);
	int ok = n1 && n2;
	for (int i = 0; i < 7; i++)
		ok &= (w[i] = malloc(sizeof(float) * big)) != NULL;
	uint64_t st = seed;
	float a_dim = sqrtf(3.0f / c->dim), a_hid = sqrtf(3.0f / c->hidden_dim);
	struct eng_src f32[7], sn1 = { ENG_F32, n1 }, sn2 = { ENG_F32, n2 };
	for (int i = 0; i < 7; i++)
		f32[i] = (struct eng_src){ ENG_F32, w[i] };
	if (!ok)
		s = ENG_ENOMEM;
	for (int l = 0; l < c->n_layers && !s; l++) {
		fill_uniform(n1, (size_t)c->dim, &st, 1.0f, 0.1f);
		fill_uniform(n2, (size_t)c->dim, &st, 1.0f, 0.1f);
		fill_uniform(w[0], (size_t)c->dim * c->dim, &st, 0, a_dim);       /* wq */
		fill_uniform(w[1], (size_t)kvd * c->dim, &st, 0, a_dim);          /* wk */
		fill_uniform(w[2], (size_t)kvd * c->dim, &st, 0, a_dim);          /* wv */
		fill_uniform(w[3], (size_t)c->dim * c->dim, &st, 0, a_dim);       /* wo */
		fill_uniform(w[4], (size_t)c->hidden_dim * c->dim, &st, 0, a_dim); /* w1 */
		fill_uniform(w[5], (size_t)c->dim * c->hidden_dim, &st, 0, a_hid); /* w2 */
		fill_uniform(w[6], (size_t)c->hidden_dim * c->dim, &st, 0, a_dim); /* w3 */
		s = eng_model_set_layer(m, l, sn1, sn2, f32[0], f32[1], f32[2], f32[3], f32[4], f32[5], f32[6]);
	}
	if (!s) {
		fill_uniform(w[0], (size_t)c->vocab_size * c->dim, &st, 0, 1.0f);   /* embedding */
		fill_uniform(w[1], (size_t)c->vocab_size * c->dim, &st, 0, a_dim);  /* classifier */
		fill_uniform(n1, (size_t)c->dim, &st, 1.0f, 0.1f);
		s = eng_model_set_globals(m, f32[0], sn1, f32[1]);
	}
	for (int i = 0; i < 7; i++)
		free(w[i]);
	free(n1);
	free(n2);
	if (s) {
		eng_model_free(m);
		return eng_err(s, err, err_len, "synthetic model: %s", eng_strerror(s));
	}
	*out = m;
	return ENG_OK;
}
