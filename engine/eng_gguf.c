/* eng_gguf.c — GGUF v3 and llama2.c model files. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eng_file.h"
#include "eng_gguf.h"
#include "eng_model.h"

/* ---------------------------------------------------------------- mapping */

struct map {
	const uint8_t *p;
	size_t n;
};

static eng_status map_file(struct map *m, const char *path, char *err, size_t err_len)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return eng_err(ENG_EIO, err, err_len, "%s: cannot open: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return eng_err(ENG_EIO, err, err_len, "%s: not a regular file", path);
	}
	m->n = (size_t)st.st_size;
	if (m->n == 0) {
		close(fd);
		return eng_err(ENG_EFORMAT, err, err_len, "%s: empty file", path);
	}
	void *p = mmap(NULL, m->n, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return eng_err(ENG_EIO, err, err_len, "%s: cannot map: %s", path, strerror(errno));
	m->p = p;
	return ENG_OK;
}

static void unmap_file(struct map *m)
{
	if (m->p)
		munmap((void *)m->p, m->n);
}

/* ---------------------------------------------------------------- reading */

struct rd {
	const uint8_t *p;
	size_t n, off;
	int bad;              /* set by the first read past the end */
};

static int rd_bytes(struct rd *r, void *dst, size_t k)
{
	if (r->bad || k > r->n - r->off) {
		r->bad = 1;
		return -1;
	}
	if (dst)
		memcpy(dst, r->p + r->off, k);
	r->off += k;
	return 0;
}

static uint32_t rd_u32(struct rd *r)
{
	uint32_t v = 0;
	rd_bytes(r, &v, 4);
	return v;
}

static uint64_t rd_u64(struct rd *r)
{
	uint64_t v = 0;
	rd_bytes(r, &v, 8);
	return v;
}

/* A string's bytes (not terminated) and length. */
static const char *rd_str(struct rd *r, uint64_t *len)
{
	*len = rd_u64(r);
	const char *s = (const char *)r->p + r->off;
	if (r->bad || *len > r->n - r->off) {
		r->bad = 1;
		*len = 0;
		return "";
	}
	r->off += *len;
	return s;
}

static size_t type_size(uint32_t t)
{
	static const size_t sz[] = { 1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8 };
	return t < sizeof sz / sizeof *sz ? sz[t] : 0;
}

/* Skips one value; -1 on a bad type or nesting too deep. */
static int skip_value(struct rd *r, uint32_t t, int depth)
{
	uint64_t len;
	if (depth > 4)
		return -1;
	if (t == ENG_GGUF_STRING) {
		rd_str(r, &len);
		return r->bad ? -1 : 0;
	}
	if (t == ENG_GGUF_ARRAY) {
		uint32_t et = rd_u32(r);
		uint64_t cnt = rd_u64(r);
		if (r->bad)
			return -1;
		if (type_size(et)) {
			if (cnt > (r->n - r->off) / type_size(et))
				return r->bad = 1, -1;
			r->off += cnt * type_size(et);
			return 0;
		}
		for (uint64_t i = 0; i < cnt; i++)
			if (skip_value(r, et, depth + 1))
				return -1;
		return 0;
	}
	if (!type_size(t))
		return -1;
	return rd_bytes(r, NULL, type_size(t));
}

/* Reads a scalar number of any numeric type as double; -1 if not numeric. */
static int rd_number(struct rd *r, uint32_t t, double *v)
{
	union { uint8_t u8; int8_t i8; uint16_t u16; int16_t i16; uint32_t u32; int32_t i32; float f32;
	        uint64_t u64; int64_t i64; double f64; } x;
	if (t == ENG_GGUF_STRING || t == ENG_GGUF_ARRAY || t == ENG_GGUF_BOOL || !type_size(t))
		return -1;
	if (rd_bytes(r, &x, type_size(t)))
		return -1;
	switch (t) {
	case ENG_GGUF_U8: *v = x.u8; break;
	case ENG_GGUF_I8: *v = x.i8; break;
	case ENG_GGUF_U16: *v = x.u16; break;
	case ENG_GGUF_I16: *v = x.i16; break;
	case ENG_GGUF_U32: *v = x.u32; break;
	case ENG_GGUF_I32: *v = x.i32; break;
	case ENG_GGUF_F32: *v = x.f32; break;
	case ENG_GGUF_U64: *v = (double)x.u64; break;
	case ENG_GGUF_I64: *v = (double)x.i64; break;
	case ENG_GGUF_F64: *v = x.f64; break;
	}
	return 0;
}

static int str_eq(const char *s, uint64_t len, const char *lit)
{
	return strlen(lit) == len && !memcmp(s, lit, len);
}

struct tinfo {
	char name[96];
	uint32_t n_dims;
	uint64_t ne[4];
	uint32_t type;
	uint64_t offset;
};

static const char *ggml_type_name(uint32_t t)
{
	switch (t) {
	case 0: return "f32";
	case 1: return "f16";
	case 2: return "q4_0";
	case 3: return "q4_1";
	case 6: return "q5_0";
	case 7: return "q5_1";
	case 8: return "q8_0";
	case 10: return "q2_k";
	case 11: return "q3_k";
	case 12: return "q4_k";
	case 13: return "q5_k";
	case 14: return "q6_k";
	case 30: return "bf16";
	}
	return "unknown";
}

static int supported_type(uint32_t t)
{
	return t == ENG_F32 || t == ENG_F16 || t == ENG_Q8_0 || t == ENG_Q4_0;
}

struct gguf {
	const char *path;
	struct map map;
	struct tinfo *t;
	uint64_t n_t;
	size_t data_off;
	char *err;
	size_t err_len;
};

/* "PATH: " and the message into g->err; returns ENG_EFORMAT. */
static eng_status gguf_bad(struct gguf *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static eng_status gguf_bad(struct gguf *g, const char *fmt, ...)
{
	if (g->err && g->err_len) {
		int n = snprintf(g->err, g->err_len, "%s: ", g->path);
		if (n >= 0 && (size_t)n < g->err_len) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(g->err + n, g->err_len - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	return ENG_EFORMAT;
}

/* Finds a tensor, checks its shape (cols, rows) and type; fills src. */
static eng_status want(struct gguf *g, const char *name, uint64_t cols, uint64_t rows, int optional,
                       struct eng_src *src)
{
	for (uint64_t i = 0; i < g->n_t; i++) {
		const struct tinfo *t = &g->t[i];
		if (strcmp(t->name, name))
			continue;
		uint64_t n1 = t->n_dims > 1 ? t->ne[1] : 1;
		for (uint32_t d = 2; d < t->n_dims; d++)
			n1 *= t->ne[d];
		if (t->ne[0] != cols || n1 != rows)
			return gguf_bad(g, "tensor '%s' has shape [%llu, %llu], expected [%llu, %llu]", name,
			                (unsigned long long)t->ne[0], (unsigned long long)n1, (unsigned long long)cols,
			                (unsigned long long)rows);
		if (!supported_type(t->type))
			return gguf_bad(g, "tensor '%s' has type %s (%u); supported: f32, f16, q8_0, q4_0", name,
			                ggml_type_name(t->type), t->type);
		if ((t->type == ENG_Q8_0 || t->type == ENG_Q4_0) && cols % 32)
			return gguf_bad(g, "tensor '%s': %llu columns is not a multiple of 32", name,
			                (unsigned long long)cols);
		size_t bytes = eng_dtype_bytes((eng_dtype)t->type, (size_t)cols) * (size_t)rows;
		size_t start = g->data_off + (size_t)t->offset;
		if (t->offset > g->map.n || start < g->data_off || start > g->map.n || bytes > g->map.n - start)
			return gguf_bad(g, "truncated: tensor '%s' needs bytes %zu..%zu, the file has %zu", name, start,
			                start + bytes, g->map.n);
		src->type = (eng_dtype)t->type;
		src->data = g->map.p + start;
		return ENG_OK;
	}
	if (optional)
		return ENG_EINVAL;
	return gguf_bad(g, "tensor '%s' is missing", name);
}

/* The header after the magic: version and counts. */
static eng_status read_header(struct gguf *g, struct rd *r, uint64_t *n_t, uint64_t *n_kv)
{
	rd_u32(r);   /* the magic, which eng_model_load has seen */
	uint32_t version = rd_u32(r);
	*n_t = rd_u64(r);
	*n_kv = rd_u64(r);
	if (r->bad)
		return gguf_bad(g, "truncated GGUF header (%zu bytes)", g->map.n);
	if (version != ENG_GGUF_VERSION)
		return gguf_bad(g, "GGUF version %u is not supported (need 3)", version);
	if (*n_t > 1u << 20 || *n_kv > 1u << 20)
		return gguf_bad(g, "implausible counts: %llu tensors, %llu metadata keys", (unsigned long long)*n_t,
		                (unsigned long long)*n_kv);
	return ENG_OK;
}

/* Integer metadata that give the model's shape. */
static const struct { const char *key; size_t off; } shape_keys[] = {
	{ "llama.embedding_length", offsetof(struct eng_config, dim) },
	{ "llama.block_count", offsetof(struct eng_config, n_layers) },
	{ "llama.attention.head_count", offsetof(struct eng_config, n_heads) },
	{ "llama.attention.head_count_kv", offsetof(struct eng_config, n_kv_heads) },
	{ "llama.feed_forward_length", offsetof(struct eng_config, hidden_dim) },
	{ "llama.context_length", offsetof(struct eng_config, seq_len) },
};
#define N_SHAPE_KEYS (sizeof shape_keys / sizeof *shape_keys)

/* A numeric metadata value the loader uses: a shape key (index k), the
 * alignment, the rope base or the norm epsilon. */
static eng_status read_number_kv(struct gguf *g, struct rd *r, const char *key, uint64_t kl, uint32_t t, size_t k,
                                 struct eng_config *cf, uint64_t *alignment)
{
	double v = 0;
	if (rd_number(r, t, &v))
		return gguf_bad(g, "metadata '%.*s': expected a number, got type %u", (int)kl, key, t);
	if (k < N_SHAPE_KEYS) {
		if (!(v > 0 && v < (1 << 30)))
			return gguf_bad(g, "metadata '%.*s' = %g is out of range", (int)kl, key, v);
		*(int *)((char *)cf + shape_keys[k].off) = (int)v;
	} else if (str_eq(key, kl, "general.alignment")) {
		if (!(v >= 1 && v <= 65536) || ((uint64_t)v & ((uint64_t)v - 1)))
			return gguf_bad(g, "general.alignment %g is not a power of two", v);
		*alignment = (uint64_t)v;
	} else if (str_eq(key, kl, "llama.rope.freq_base")) {
		cf->rope_theta = (float)v;
	} else {
		cf->norm_eps = (float)v;
	}
	return ENG_OK;
}

/* One metadata pair: numbers the loader uses are read, the architecture is
 * checked, everything else is skipped. */
static eng_status read_kv(struct gguf *g, struct rd *r, uint64_t i, uint64_t n_kv, struct eng_config *cf,
                          uint64_t *alignment, int *have_arch)
{
	uint64_t kl;
	const char *key = rd_str(r, &kl);
	uint32_t t = rd_u32(r);
	if (r->bad)
		return gguf_bad(g, "truncated in metadata key %llu of %llu", (unsigned long long)i,
		                (unsigned long long)n_kv);
	size_t k;
	for (k = 0; k < N_SHAPE_KEYS; k++)
		if (str_eq(key, kl, shape_keys[k].key))
			break;
	if (k < N_SHAPE_KEYS || str_eq(key, kl, "general.alignment") || str_eq(key, kl, "llama.rope.freq_base") ||
	    str_eq(key, kl, "llama.attention.layer_norm_rms_epsilon"))
		return read_number_kv(g, r, key, kl, t, k, cf, alignment);
	if (str_eq(key, kl, "general.architecture")) {
		uint64_t sl;
		const char *s = t == ENG_GGUF_STRING ? rd_str(r, &sl) : NULL;
		if (!s || r->bad)
			return gguf_bad(g, "general.architecture is not a string");
		if (!str_eq(s, sl, "llama"))
			return gguf_bad(g, "architecture '%.*s' is not supported (need llama)",
			                (int)(sl > 64 ? 64 : sl), s);
		*have_arch = 1;
		return ENG_OK;
	}
	if (skip_value(r, t, 0))
		return gguf_bad(g, "metadata '%.*s': bad or truncated value of type %u", (int)(kl > 80 ? 80 : kl),
		                key, t);
	return ENG_OK;
}

/* The metadata: the shape (all but the vocabulary, which the embedding's
 * shape gives) and the alignment of the tensor data. */
static eng_status read_metadata(struct gguf *g, struct rd *r, uint64_t n_kv, struct eng_config *cf,
                                uint64_t *alignment)
{
	int have_arch = 0;
	eng_status s;
	for (uint64_t i = 0; i < n_kv; i++)
		if ((s = read_kv(g, r, i, n_kv, cf, alignment, &have_arch)))
			return s;
	if (!have_arch)
		return gguf_bad(g, "general.architecture is missing");
	if (!cf->n_kv_heads)
		cf->n_kv_heads = cf->n_heads;
	if (!cf->dim || !cf->n_layers || !cf->n_heads || !cf->hidden_dim || !cf->seq_len)
		return gguf_bad(g, "llama metadata incomplete (embedding_length, block_count, attention.head_count, "
		                "feed_forward_length and context_length are required)");
	return ENG_OK;
}

/* The tensor infos into g->t, and where the data section starts. */
static eng_status read_tensor_infos(struct gguf *g, struct rd *r, uint64_t n_t, uint64_t alignment)
{
	g->n_t = n_t;
	g->t = calloc(n_t ? n_t : 1, sizeof *g->t);
	if (!g->t)
		return eng_err(ENG_ENOMEM, g->err, g->err_len, "%s: out of memory", g->path);
	for (uint64_t i = 0; i < n_t; i++) {
		struct tinfo *t = &g->t[i];
		uint64_t nl;
		const char *name = rd_str(r, &nl);
		t->n_dims = rd_u32(r);
		if (r->bad || t->n_dims < 1 || t->n_dims > 4)
			return gguf_bad(g, "tensor info %llu: %s", (unsigned long long)i,
			                r->bad ? "truncated" : "dimension count outside 1..4");
		for (uint32_t d = 0; d < t->n_dims; d++)
			t->ne[d] = rd_u64(r);
		t->type = rd_u32(r);
		t->offset = rd_u64(r);
		if (r->bad)
			return gguf_bad(g, "truncated in tensor info %llu", (unsigned long long)i);
		if (nl >= sizeof t->name)
			return gguf_bad(g, "tensor %llu: name of %llu bytes is too long", (unsigned long long)i,
			                (unsigned long long)nl);
		memcpy(t->name, name, nl);
		if (t->offset % alignment)
			return gguf_bad(g, "tensor '%s': offset %llu is not aligned to %llu", t->name,
			                (unsigned long long)t->offset, (unsigned long long)alignment);
	}
	g->data_off = (r->off + alignment - 1) / alignment * alignment;
	return ENG_OK;
}

/* The vocabulary size from the embedding's shape, then the whole shape checked. */
static eng_status finish_config(struct gguf *g, struct eng_config *cf)
{
	for (uint64_t i = 0; i < g->n_t; i++)
		if (!strcmp(g->t[i].name, "token_embd.weight") && g->t[i].n_dims >= 2 && g->t[i].ne[1] < (1u << 24))
			cf->vocab_size = (int)g->t[i].ne[1];
	if (!cf->vocab_size)
		return gguf_bad(g, "tensor 'token_embd.weight' is missing or not 2-d");
	char why[ENG_ERR_LEN];
	if (eng_config_check(cf, ENG_F32, why, sizeof why))
		return gguf_bad(g, "bad model shape: %s", why);
	return ENG_OK;
}

/* Layer l's tensors, each found and checked against the shape, into the model. */
static eng_status load_layer(struct gguf *g, eng_model *m, int l)
{
	const struct eng_config *cf = eng_model_config(m);
	int dim = cf->dim, hid = cf->hidden_dim, kvd = cf->n_kv_heads * (cf->dim / cf->n_heads);
	/* in eng_model_set_layer's order */
	const struct { const char *name; int cols, rows; } want_l[9] = {
		{ "attn_norm", dim, 1 }, { "ffn_norm", dim, 1 }, { "attn_q", dim, dim }, { "attn_k", dim, kvd },
		{ "attn_v", dim, kvd }, { "attn_output", dim, dim }, { "ffn_gate", dim, hid }, { "ffn_down", hid, dim },
		{ "ffn_up", dim, hid },
	};
	struct eng_src w[9];
	char nm[96];
	eng_status s;
	for (int k = 0; k < 9; k++) {
		snprintf(nm, sizeof nm, "blk.%d.%s.weight", l, want_l[k].name);
		if ((s = want(g, nm, (uint64_t)want_l[k].cols, (uint64_t)want_l[k].rows, 0, &w[k])))
			return s;
	}
	if ((s = eng_model_set_layer(m, l, w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8])))
		return eng_err(s, g->err, g->err_len, "%s: out of memory", g->path);
	return ENG_OK;
}

/* The model, from tensors checked against the shape cf: the global tensors
 * (an absent output.weight is tied to the embedding), then every layer. */
static eng_status load_tensors(eng_model **out, struct gguf *g, const struct eng_config *cf,
                               const struct eng_load_params *lp)
{
	struct eng_src emb, onorm, cls, wq;
	eng_status s;
	if ((s = want(g, "token_embd.weight", cf->dim, cf->vocab_size, 0, &emb)) ||
	    (s = want(g, "output_norm.weight", cf->dim, 1, 0, &onorm)))
		return s;
	s = want(g, "output.weight", cf->dim, cf->vocab_size, 1, &cls);
	if (s == ENG_EINVAL)
		cls = emb;    /* tied embeddings */
	else if (s)
		return s;
	if ((s = want(g, "blk.0.attn_q.weight", cf->dim, cf->dim, 0, &wq)))
		return s;
	eng_dtype dt = lp && lp->convert ? lp->dtype : wq.type;
	if ((s = eng_config_check(cf, dt, g->err, g->err_len)))
		return s;
	eng_model *m;
	if ((s = eng_model_alloc(&m, cf, dt)))
		return eng_err(s, g->err, g->err_len, "%s: out of memory", g->path);
	for (int l = 0; l < cf->n_layers && !s; l++)
		s = load_layer(g, m, l);
	if (!s && (s = eng_model_set_globals(m, emb, onorm, cls)))
		eng_err(s, g->err, g->err_len, "%s: out of memory", g->path);
	if (s) {
		eng_model_free(m);
		return s;
	}
	*out = m;
	return ENG_OK;
}

/* A GGUF v3 file: header, metadata, tensor infos, then the tensors. */
static eng_status load_gguf(eng_model **out, struct gguf *g, const struct eng_load_params *lp)
{
	struct rd r = { .p = g->map.p, .n = g->map.n };
	struct eng_config cf = { 0 };
	uint64_t n_t, n_kv, alignment = ENG_GGUF_DEFAULT_ALIGNMENT;
	eng_status s;
	if ((s = read_header(g, &r, &n_t, &n_kv)) || (s = read_metadata(g, &r, n_kv, &cf, &alignment)) ||
	    (s = read_tensor_infos(g, &r, n_t, alignment)) || (s = finish_config(g, &cf)))
		return s;
	return load_tensors(out, g, &cf, lp);
}

/* ---------------------------------------------------------------- llama2.c */

static eng_status load_llama2c(eng_model **out, const char *path, const struct map *mp,
                               const struct eng_load_params *lp, char *err, size_t err_len)
{
	int32_t h[7];
	if (mp->n < sizeof h)
		return eng_err(ENG_EFORMAT, err, err_len, "%s: too short for a llama2.c header (%zu bytes)", path,
		               mp->n);
	memcpy(h, mp->p, sizeof h);
	int shared = h[5] > 0;
	/* a negative vocabulary size flags an unshared classifier; INT32_MIN has no
	 * positive counterpart, so it is left at 0 (rejected below) before negating */
	int32_t vocab = h[5] == INT32_MIN ? 0 : h[5] < 0 ? -h[5] : h[5];
	struct eng_config cf = { .dim = h[0], .hidden_dim = h[1], .n_layers = h[2], .n_heads = h[3],
	                         .n_kv_heads = h[4], .vocab_size = vocab, .seq_len = h[6] };
	char why[ENG_ERR_LEN];
	if (h[5] == INT32_MIN || eng_config_check(&cf, ENG_F32, why, sizeof why))
		return eng_err(ENG_EFORMAT, err, err_len, "%s: not a GGUF file, and not a valid llama2.c header: %s",
		               path, h[5] == INT32_MIN ? "bad vocabulary size" : why);
	size_t dim = (size_t)cf.dim, hid = (size_t)cf.hidden_dim, L = (size_t)cf.n_layers, V = (size_t)cf.vocab_size;
	size_t hs = dim / (size_t)cf.n_heads, kvd = (size_t)cf.n_kv_heads * hs;
	size_t floats = V * dim + L * dim * 2 + L * dim * (2 * dim + 2 * kvd) + L * 3 * dim * hid + dim +
	                (size_t)cf.seq_len * hs + (shared ? 0 : V * dim);
	if (mp->n < sizeof h + floats * 4)
		return eng_err(ENG_EFORMAT, err, err_len,
		               "%s: truncated llama2.c checkpoint: %zu bytes, the header's shape needs %zu", path,
		               mp->n, sizeof h + floats * 4);
	eng_dtype dt = lp && lp->convert ? lp->dtype : ENG_F32;
	eng_status s;
	if ((s = eng_config_check(&cf, dt, err, err_len)))
		return s;
	const float *f = (const float *)(mp->p + sizeof h);
	const float *emb = f, *rms_att = emb + V * dim, *wq = rms_att + L * dim, *wk = wq + L * dim * dim,
	            *wv = wk + L * dim * kvd, *wo = wv + L * dim * kvd, *rms_ffn = wo + L * dim * dim,
	            *w1 = rms_ffn + L * dim, *w2 = w1 + L * dim * hid, *w3 = w2 + L * dim * hid,
	            *rms_final = w3 + L * dim * hid, *cls = shared ? emb : rms_final + dim + (size_t)cf.seq_len * hs;
	eng_model *m;
	if ((s = eng_model_alloc(&m, &cf, dt)))
		return eng_err(s, err, err_len, "%s: out of memory", path);
#define F(p) ((struct eng_src){ ENG_F32, (p) })
	for (size_t l = 0; l < L && !s; l++)
		s = eng_model_set_layer(m, (int)l, F(rms_att + l * dim), F(rms_ffn + l * dim), F(wq + l * dim * dim),
		                        F(wk + l * dim * kvd), F(wv + l * dim * kvd), F(wo + l * dim * dim),
		                        F(w1 + l * dim * hid), F(w2 + l * dim * hid), F(w3 + l * dim * hid));
	if (!s)
		s = eng_model_set_globals(m, F(emb), F(rms_final), F(cls));
#undef F
	if (s) {
		eng_model_free(m);
		return eng_err(s, err, err_len, "%s: out of memory", path);
	}
	*out = m;
	return ENG_OK;
}

eng_status eng_model_load(eng_model **out, const char *path, const struct eng_load_params *params,
                          char *err, size_t err_len)
{
	struct gguf g = { .path = path, .err = err, .err_len = err_len };
	eng_status s = map_file(&g.map, path, err, err_len);
	if (s)
		return s;
	uint32_t magic = 0;
	if (g.map.n >= 4)
		memcpy(&magic, g.map.p, 4);
	if (magic == ENG_GGUF_MAGIC)
		s = load_gguf(out, &g, params);
	else
		s = load_llama2c(out, path, &g.map, params, err, err_len);
	free(g.t);
	unmap_file(&g.map);
	return s;
}

/* ---------------------------------------------------------------- writing */

struct wr {
	FILE *f;
	uint64_t off;         /* bytes written so far */
};

/* A failed write shows in ferror(w->f), which eng_file_commit checks. */
static void w_bytes(struct wr *w, const void *p, size_t n)
{
	if (n)
		fwrite(p, 1, n, w->f);
	w->off += n;
}

static void w_u32(struct wr *w, uint32_t v) { w_bytes(w, &v, 4); }
static void w_u64(struct wr *w, uint64_t v) { w_bytes(w, &v, 8); }
static void w_f32(struct wr *w, float v) { w_bytes(w, &v, 4); }

static void w_str(struct wr *w, const char *s)
{
	w_u64(w, strlen(s));
	w_bytes(w, s, strlen(s));
}

static void w_kv_u32(struct wr *w, const char *k, uint32_t v)
{
	w_str(w, k);
	w_u32(w, ENG_GGUF_U32);
	w_u32(w, v);
}

static void w_kv_f32(struct wr *w, const char *k, float v)
{
	w_str(w, k);
	w_u32(w, ENG_GGUF_F32);
	w_f32(w, v);
}

static void w_kv_str(struct wr *w, const char *k, const char *v)
{
	w_str(w, k);
	w_u32(w, ENG_GGUF_STRING);
	w_str(w, v);
}

/* The header of an array value of n elements of type t, under key k. */
static void w_kv_array(struct wr *w, const char *k, uint32_t t, int n)
{
	w_str(w, k);
	w_u32(w, ENG_GGUF_ARRAY);
	w_u32(w, t);
	w_u64(w, (uint64_t)n);
}

static void w_pad(struct wr *w, uint64_t align)
{
	static const uint8_t zero[64];
	uint64_t pad = (align - w->off % align) % align;
	w_bytes(w, zero, (size_t)pad);
}

/* Placeholder vocabulary: <unk>, <s>, </s>, byte tokens, then "t<id>", so that
 * other engines accept the file (their tokenizers need one). */
static void token_text(int id, char *buf, size_t n)
{
	if (id == 0)
		snprintf(buf, n, "<unk>");
	else if (id == 1)
		snprintf(buf, n, "<s>");
	else if (id == 2)
		snprintf(buf, n, "</s>");
	else if (id < 3 + 256)
		snprintf(buf, n, "<0x%02X>", id - 3);
	else
		snprintf(buf, n, "t%d", id);
}

struct wtensor {
	char name[64];
	enum eng_tensor which;
	int layer;
	int rows, cols;
	eng_dtype type;
	uint64_t offset;      /* in the data section */
};

/* The tensors in file order, with their shapes and offsets; NULL when out of
 * memory.  *max_bytes is the largest one's size. */
static struct wtensor *plan_tensors(const eng_model *m, int *n_t, uint64_t *max_bytes)
{
	static const struct { enum eng_tensor w; const char *name; } per_layer[] = {
		{ ENG_T_ATTN_NORM, "attn_norm" }, { ENG_T_WQ, "attn_q" }, { ENG_T_WK, "attn_k" },
		{ ENG_T_WV, "attn_v" }, { ENG_T_WO, "attn_output" }, { ENG_T_FFN_NORM, "ffn_norm" },
		{ ENG_T_W1, "ffn_gate" }, { ENG_T_W2, "ffn_down" }, { ENG_T_W3, "ffn_up" },
	};
	const struct eng_config *c = &m->cfg;
	*n_t = 3 + 9 * c->n_layers;
	struct wtensor *t = calloc((size_t)*n_t, sizeof *t);
	if (!t)
		return NULL;
	int k = 0;
	t[k++] = (struct wtensor){ "token_embd.weight", ENG_T_EMBED, 0, 0, 0, 0, 0 };
	for (int l = 0; l < c->n_layers; l++)
		for (int i = 0; i < 9; i++) {
			t[k] = (struct wtensor){ "", per_layer[i].w, l, 0, 0, 0, 0 };
			snprintf(t[k++].name, sizeof t->name, "blk.%d.%s.weight", l, per_layer[i].name);
		}
	t[k++] = (struct wtensor){ "output_norm.weight", ENG_T_OUT_NORM, 0, 0, 0, 0, 0 };
	t[k++] = (struct wtensor){ "output.weight", ENG_T_CLS, 0, 0, 0, 0, 0 };
	uint64_t off = 0;
	*max_bytes = 0;
	for (int i = 0; i < *n_t; i++) {
		eng_tensor_shape(m, t[i].which, &t[i].rows, &t[i].cols, &t[i].type);
		t[i].offset = off;
		uint64_t b = eng_dtype_bytes(t[i].type, (size_t)t[i].rows * (size_t)t[i].cols);
		*max_bytes = b > *max_bytes ? b : *max_bytes;
		off += (b + ENG_GGUF_DEFAULT_ALIGNMENT - 1) / ENG_GGUF_DEFAULT_ALIGNMENT * ENG_GGUF_DEFAULT_ALIGNMENT;
	}
	return t;
}

/* The header and the 21 metadata pairs, the placeholder vocabulary last. */
static void write_metadata(struct wr *w, const eng_model *m, int n_t)
{
	static const uint32_t file_type[] = { [ENG_F32] = 0, [ENG_F16] = 1, [ENG_Q4_0] = 2, [ENG_Q8_0] = 7 };
	const struct eng_config *c = &m->cfg;
	w_u32(w, ENG_GGUF_MAGIC);
	w_u32(w, ENG_GGUF_VERSION);
	w_u64(w, (uint64_t)n_t);
	w_u64(w, 21);   /* metadata keys below */
	w_kv_str(w, "general.architecture", "llama");
	w_kv_str(w, "general.name", "dais-engine");
	w_kv_u32(w, "general.alignment", ENG_GGUF_DEFAULT_ALIGNMENT);
	w_kv_u32(w, "general.file_type", file_type[m->type]);
	w_kv_u32(w, "llama.context_length", (uint32_t)c->seq_len);
	w_kv_u32(w, "llama.embedding_length", (uint32_t)c->dim);
	w_kv_u32(w, "llama.block_count", (uint32_t)c->n_layers);
	w_kv_u32(w, "llama.feed_forward_length", (uint32_t)c->hidden_dim);
	w_kv_u32(w, "llama.attention.head_count", (uint32_t)c->n_heads);
	w_kv_u32(w, "llama.attention.head_count_kv", (uint32_t)c->n_kv_heads);
	w_kv_u32(w, "llama.rope.dimension_count", (uint32_t)(c->dim / c->n_heads));
	w_kv_u32(w, "llama.vocab_size", (uint32_t)c->vocab_size);
	w_kv_f32(w, "llama.rope.freq_base", c->rope_theta);
	w_kv_f32(w, "llama.attention.layer_norm_rms_epsilon", c->norm_eps);
	w_kv_str(w, "tokenizer.ggml.model", "llama");
	w_kv_u32(w, "tokenizer.ggml.bos_token_id", 1);
	w_kv_u32(w, "tokenizer.ggml.eos_token_id", 2);
	w_kv_u32(w, "tokenizer.ggml.unknown_token_id", 0);
	char tok[32];
	w_kv_array(w, "tokenizer.ggml.tokens", ENG_GGUF_STRING, c->vocab_size);
	for (int i = 0; i < c->vocab_size; i++) {
		token_text(i, tok, sizeof tok);
		w_str(w, tok);
	}
	w_kv_array(w, "tokenizer.ggml.scores", ENG_GGUF_F32, c->vocab_size);
	for (int i = 0; i < c->vocab_size; i++)
		w_f32(w, i < 259 ? 0.0f : -(float)i);
	/* token types: 1 normal, 2 unknown, 3 control, 6 byte */
	w_kv_array(w, "tokenizer.ggml.token_type", ENG_GGUF_I32, c->vocab_size);
	for (int i = 0; i < c->vocab_size; i++)
		w_u32(w, i == 0 ? 2 : i < 3 ? 3 : i < 259 ? 6 : 1);
}

/* The tensor infos, then the aligned tensor data (buf holds the largest). */
static eng_status write_tensors(struct wr *w, const eng_model *m, const struct wtensor *t, int n_t, void *buf)
{
	for (int i = 0; i < n_t; i++) {
		w_str(w, t[i].name);
		w_u32(w, 2);
		w_u64(w, (uint64_t)t[i].cols);
		w_u64(w, (uint64_t)t[i].rows);
		w_u32(w, (uint32_t)t[i].type);
		w_u64(w, t[i].offset);
	}
	w_pad(w, ENG_GGUF_DEFAULT_ALIGNMENT);
	uint64_t data0 = w->off;
	eng_status s = ENG_OK;
	for (int i = 0; i < n_t && !s && !ferror(w->f); i++) {
		w_pad(w, ENG_GGUF_DEFAULT_ALIGNMENT);
		if (w->off - data0 != t[i].offset)
			s = ENG_EIO;   /* a bug: plan_tensors and this loop disagree */
		else if (!(s = eng_tensor_get(m, t[i].which, t[i].layer, buf)))
			w_bytes(w, buf, eng_dtype_bytes(t[i].type, (size_t)t[i].rows * (size_t)t[i].cols));
	}
	return s;
}

eng_status eng_model_save_gguf(const eng_model *m, const char *path, char *err, size_t err_len)
{
	int n_t;
	uint64_t max_bytes = 0;
	struct wtensor *t = plan_tensors(m, &n_t, &max_bytes);
	void *buf = t ? malloc(max_bytes) : NULL;
	struct eng_file f;
	eng_status s = !buf ? eng_err(ENG_ENOMEM, err, err_len, "%s: out of memory", path)
	                    : eng_file_open(&f, path, err, err_len);
	if (!s) {
		struct wr w = { .f = f.f };
		write_metadata(&w, m, n_t);
		if ((s = write_tensors(&w, m, t, n_t, buf))) {
			eng_file_abort(&f);
			eng_err(s, err, err_len, "%s: %s", path,
			        s == ENG_ENOMEM ? "out of memory" : "cannot write: tensor offsets disagree");
		} else {
			s = eng_file_commit(&f, err, err_len);
		}
	}
	free(buf);
	free(t);
	return s;
}

/* The llama2.c layout: header, then every tensor as fp32 (buf holds the largest). */
static eng_status write_llama2c(struct wr *w, const eng_model *m, float *buf)
{
	/* order of llama2.c's TransformerWeights; each group holds all layers */
	static const enum eng_tensor groups[] = { ENG_T_ATTN_NORM, ENG_T_WQ, ENG_T_WK, ENG_T_WV, ENG_T_WO,
	                                          ENG_T_FFN_NORM, ENG_T_W1, ENG_T_W2, ENG_T_W3 };
	const struct eng_config *c = &m->cfg;
	int32_t h[7] = { c->dim, c->hidden_dim, c->n_layers, c->n_heads, c->n_kv_heads, -c->vocab_size, c->seq_len };
	w_bytes(w, h, sizeof h);
	int rows, cols;
	eng_dtype t;
	eng_status s;
	eng_tensor_shape(m, ENG_T_EMBED, &rows, &cols, &t);
	if ((s = eng_tensor_get_f32(m, ENG_T_EMBED, 0, buf)))
		return s;
	w_bytes(w, buf, sizeof(float) * (size_t)rows * cols);
	for (size_t g = 0; g < sizeof groups / sizeof *groups; g++)
		for (int l = 0; l < c->n_layers; l++) {
			eng_tensor_shape(m, groups[g], &rows, &cols, &t);
			if ((s = eng_tensor_get_f32(m, groups[g], l, buf)))
				return s;
			w_bytes(w, buf, sizeof(float) * (size_t)rows * cols);
		}
	if ((s = eng_tensor_get_f32(m, ENG_T_OUT_NORM, 0, buf)))
		return s;
	w_bytes(w, buf, sizeof(float) * (size_t)c->dim);
	/* freq_cis_real and freq_cis_imag: unused by the engine, kept for the layout */
	int hs = c->dim / c->n_heads;
	for (int part = 0; part < 2; part++)
		for (int p = 0; p < c->seq_len; p++)
			for (int i = 0; i < hs / 2; i++) {
				float a = p * (1.0f / powf(c->rope_theta, (float)(2 * i) / (float)hs));
				w_f32(w, part ? sinf(a) : cosf(a));
			}
	if ((s = eng_tensor_get_f32(m, ENG_T_CLS, 0, buf)))
		return s;
	w_bytes(w, buf, sizeof(float) * (size_t)c->vocab_size * c->dim);
	return ENG_OK;
}

eng_status eng_model_save_llama2c(const eng_model *m, const char *path, char *err, size_t err_len)
{
	const struct eng_config *c = &m->cfg;
	size_t big = (size_t)c->dim * (size_t)(c->vocab_size > c->hidden_dim ? c->vocab_size : c->hidden_dim);
	if ((size_t)c->dim * c->dim > big)
		big = (size_t)c->dim * c->dim;
	float *buf = malloc(big * sizeof(float));
	struct eng_file f;
	eng_status s = !buf ? eng_err(ENG_ENOMEM, err, err_len, "%s: out of memory", path)
	                    : eng_file_open(&f, path, err, err_len);
	if (!s) {
		struct wr w = { .f = f.f };
		if ((s = write_llama2c(&w, m, buf))) {
			eng_file_abort(&f);
			eng_err(s, err, err_len, "%s: out of memory", path);
		} else {
			s = eng_file_commit(&f, err, err_len);
		}
	}
	free(buf);
	return s;
}
