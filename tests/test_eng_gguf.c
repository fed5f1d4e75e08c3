/* test_eng_gguf.c — model files: GGUF and llama2.c round trips, and malformed
 * or truncated files giving a clear error (never a crash). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/eng_model.h"
#include "engine/engine.h"

static const struct eng_config cfg = { .dim = 64, .n_layers = 2, .n_heads = 4, .n_kv_heads = 2,
                                       .hidden_dim = 96, .vocab_size = 300, .seq_len = 32,
                                       .rope_theta = 20000, .norm_eps = 1e-6f };
static char dir[64];

static void make_dir(void)
{
	snprintf(dir, sizeof dir, "/tmp/dais_eng_XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void remove_dir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	cr_expect_eq(system(cmd), 0);
}

TestSuite(eng_gguf, .init = make_dir, .fini = remove_dir);

static char *path_of(const char *name)
{
	static char p[128];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	return p;
}

static uint8_t *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f);
	fseek(f, 0, SEEK_END);
	*n = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = malloc(*n);
	cr_assert_eq(fread(b, 1, *n, f), *n);
	fclose(f);
	return b;
}

static void spit(const char *path, const uint8_t *b, size_t n)
{
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(b, 1, n, f), n);
	fclose(f);
}

/* Logits of 5 tokens fed in one step. */
static void logits_of(const eng_model *m, float *out)
{
	eng_ctx *c;
	struct eng_ctx_params p = { .n_threads = 2, .max_tokens = 8, .max_seqs = 1 };
	cr_assert_eq(eng_ctx_alloc(&c, m, &p, NULL, 0), ENG_OK);
	int s;
	cr_assert_eq(eng_seq_open(c, &s), ENG_OK);
	int32_t tok[5] = { 1, 7, 299, 42, 3 }, seq[5] = { s, s, s, s, s };
	struct eng_batch b = { .n = 5, .token = tok, .seq = seq };
	cr_assert_eq(eng_step(c, &b), ENG_OK);
	memcpy(out, eng_logits(c, 0), sizeof(float) * eng_model_config(m)->vocab_size);
	eng_ctx_free(c);
}

static void expect_same_tensors(const eng_model *a, const eng_model *b)
{
	for (int w = ENG_T_EMBED; w <= ENG_T_W3; w++)
		for (int l = 0; l < (w >= ENG_T_ATTN_NORM ? cfg.n_layers : 1); l++) {
			int rows, cols;
			eng_dtype t;
			eng_tensor_shape(a, (enum eng_tensor)w, &rows, &cols, &t);
			size_t n = eng_dtype_bytes(t, (size_t)rows * cols);
			uint8_t *x = malloc(n), *y = malloc(n);
			cr_assert_eq(eng_tensor_get(a, (enum eng_tensor)w, l, x), ENG_OK);
			cr_assert_eq(eng_tensor_get(b, (enum eng_tensor)w, l, y), ENG_OK);
			cr_expect(!memcmp(x, y, n), "tensor %d layer %d differs", w, l);
			free(x);
			free(y);
		}
}

Test(eng_gguf, round_trip_every_type)
{
	static const eng_dtype types[] = { ENG_F32, ENG_F16, ENG_Q8_0, ENG_Q4_0 };
	float a[300], b[300];
	char err[ENG_ERR_LEN];
	for (int i = 0; i < 4; i++) {
		eng_model *m, *r;
		cr_assert_eq(eng_model_synthetic(&m, &cfg, types[i], 5, err, sizeof err), ENG_OK, "%s", err);
		cr_assert_eq(eng_model_save_gguf(m, path_of("m.gguf"), err, sizeof err), ENG_OK, "%s", err);
		cr_assert_eq(eng_model_load(&r, path_of("m.gguf"), NULL, err, sizeof err), ENG_OK, "%s", err);
		cr_expect_eq(eng_model_dtype(r), types[i]);
		const struct eng_config *rc = eng_model_config(r);
		cr_expect(rc->dim == cfg.dim && rc->n_layers == cfg.n_layers && rc->n_heads == cfg.n_heads &&
		          rc->n_kv_heads == cfg.n_kv_heads && rc->hidden_dim == cfg.hidden_dim &&
		          rc->vocab_size == cfg.vocab_size && rc->seq_len == cfg.seq_len);
		cr_expect_eq(rc->rope_theta, cfg.rope_theta);
		cr_expect_eq(rc->norm_eps, cfg.norm_eps);
		expect_same_tensors(m, r);
		logits_of(m, a);
		logits_of(r, b);
		cr_expect(!memcmp(a, b, sizeof a), "%s logits differ after the round trip", eng_dtype_name(types[i]));
		eng_model_free(m);
		eng_model_free(r);
	}
}

Test(eng_gguf, llama2c_round_trip_and_conversion)
{
	char err[ENG_ERR_LEN];
	eng_model *m, *r, *q;
	float a[300], b[300];
	cr_assert_eq(eng_model_synthetic(&m, &cfg, ENG_F32, 6, err, sizeof err), ENG_OK);
	cr_assert_eq(eng_model_save_llama2c(m, path_of("m.bin"), err, sizeof err), ENG_OK, "%s", err);
	cr_assert_eq(eng_model_load(&r, path_of("m.bin"), NULL, err, sizeof err), ENG_OK, "%s", err);
	cr_expect_eq(eng_model_dtype(r), ENG_F32);
	expect_same_tensors(m, r);
	logits_of(m, a);
	logits_of(r, b);
	/* llama2.c files carry no rope theta: 10000 and eps 1e-5 */
	cr_expect_eq(eng_model_config(r)->rope_theta, 10000.0f);
	struct eng_load_params lp = { .convert = 1, .dtype = ENG_Q8_0 };
	cr_assert_eq(eng_model_load(&q, path_of("m.bin"), &lp, err, sizeof err), ENG_OK, "%s", err);
	cr_expect_eq(eng_model_dtype(q), ENG_Q8_0);
	eng_model_free(m);
	eng_model_free(r);
	eng_model_free(q);
}

/* Loading must fail with a message that names the file and contains `what`. */
static void expect_bad(const char *path, eng_status want, const char *what)
{
	char err[ENG_ERR_LEN] = "";
	eng_model *m = NULL;
	eng_status s = eng_model_load(&m, path, NULL, err, sizeof err);
	cr_expect_eq(s, want, "%s: status %d, message '%s'", path, s, err);
	cr_expect_neq(strstr(err, path), NULL, "message does not name the file: '%s'", err);
	if (what)
		cr_expect_neq(strstr(err, what), NULL, "expected '%s' in '%s'", what, err);
	if (!s)
		eng_model_free(m);
}

Test(eng_gguf, truncated_files_are_errors, .timeout = 60)
{
	char err[ENG_ERR_LEN];
	eng_model *m;
	cr_assert_eq(eng_model_synthetic(&m, &cfg, ENG_Q4_0, 5, err, sizeof err), ENG_OK);
	cr_assert_eq(eng_model_save_gguf(m, path_of("m.gguf"), err, sizeof err), ENG_OK);
	cr_assert_eq(eng_model_save_llama2c(m, path_of("m.bin"), err, sizeof err), ENG_OK);
	eng_model_free(m);
	size_t n, nl;
	uint8_t *g = slurp(path_of("m.gguf"), &n), *l = slurp(path_of("m.bin"), &nl);
	char *p = path_of("cut.gguf");
	/* every cut in the header and metadata region, then a spread over the data */
	for (size_t cut = 0; cut < n; cut += cut < 4096 ? 1 : 997) {
		spit(p, g, cut);
		expect_bad(p, cut == 0 ? ENG_EFORMAT : ENG_EFORMAT, cut == 0 ? "empty" : NULL);
	}
	spit(p, g, n - 1);
	expect_bad(p, ENG_EFORMAT, "truncated");
	p = path_of("cut.bin");
	for (size_t cut = 1; cut < nl; cut += cut < 64 ? 1 : 4999) {
		spit(p, l, cut);
		expect_bad(p, ENG_EFORMAT, NULL);
	}
	spit(p, l, nl - 4);
	expect_bad(p, ENG_EFORMAT, "truncated llama2.c checkpoint");
	free(g);
	free(l);
}

static void patch_and_expect(const uint8_t *g, size_t n, size_t off, const void *bytes, size_t k,
                             const char *what)
{
	uint8_t *b = malloc(n);
	memcpy(b, g, n);
	memcpy(b + off, bytes, k);
	char *p = path_of("bad.gguf");
	spit(p, b, n);
	expect_bad(p, ENG_EFORMAT, what);
	free(b);
}

static size_t find(const uint8_t *b, size_t n, const char *s)
{
	size_t k = strlen(s);
	for (size_t i = 0; i + k <= n; i++)
		if (!memcmp(b + i, s, k))
			return i;
	cr_assert_fail("'%s' not in the file", s);
	return 0;
}

Test(eng_gguf, corrupt_fields_are_named)
{
	char err[ENG_ERR_LEN];
	eng_model *m;
	cr_assert_eq(eng_model_synthetic(&m, &cfg, ENG_Q8_0, 5, err, sizeof err), ENG_OK);
	cr_assert_eq(eng_model_save_gguf(m, path_of("m.gguf"), err, sizeof err), ENG_OK);
	eng_model_free(m);
	size_t n;
	uint8_t *g = slurp(path_of("m.gguf"), &n);
	uint32_t v2 = 2, huge = 0x7fffffff, q6k = 14, big_dims = 9;
	uint64_t many = 1ull << 40;
	patch_and_expect(g, n, 4, &v2, 4, "version 2 is not supported");
	patch_and_expect(g, n, 8, &many, 8, "implausible counts");
	/* the architecture value follows its key, type and length */
	size_t a = find(g, n, "general.architecture") + strlen("general.architecture") + 4 + 8;
	patch_and_expect(g, n, a, "gpt2x", 5, "architecture 'gpt2x' is not supported");
	/* a string length running past the end of the file */
	patch_and_expect(g, n, find(g, n, "general.name") - 8, &many, 8, "truncated");
	/* the block count's value: a layer count that the tensors do not have */
	size_t bc = find(g, n, "llama.block_count") + strlen("llama.block_count") + 4;
	uint32_t three = 3;
	patch_and_expect(g, n, bc, &three, 4, "tensor 'blk.2.attn_norm.weight' is missing");
	patch_and_expect(g, n, bc, &huge, 4, NULL);
	/* tensor infos: name, n_dims, dims, type, offset */
	size_t ti = find(g, n, "blk.0.attn_q.weight") + strlen("blk.0.attn_q.weight");
	patch_and_expect(g, n, ti + 4 + 16, &q6k, 4, "type q6_k");
	patch_and_expect(g, n, ti, &big_dims, 4, "dimension count");
	uint64_t wide = 65;
	patch_and_expect(g, n, ti + 4, &wide, 8, "has shape [65, 64], expected [64, 64]");
	uint64_t far = 1ull << 30;
	patch_and_expect(g, n, ti + 4 + 16 + 4, &far, 8, "truncated: tensor 'blk.0.attn_q.weight'");
	patch_and_expect(g, n, find(g, n, "output_norm.weight"), "outpux", 6, "'output_norm.weight' is missing");
	free(g);
	/* not a model at all, a missing file, a directory */
	uint8_t junk[100];
	for (int i = 0; i < 100; i++)
		junk[i] = (uint8_t)(i * 37 + 11);
	spit(path_of("junk"), junk, sizeof junk);
	expect_bad(path_of("junk"), ENG_EFORMAT, "not a GGUF file");
	spit(path_of("empty"), junk, 0);
	expect_bad(path_of("empty"), ENG_EFORMAT, "empty");
	expect_bad(path_of("absent.gguf"), ENG_EIO, "cannot open");
	expect_bad(dir, ENG_EIO, "not a regular file");
}

Test(eng_gguf, write_errors_are_reported)
{
	char err[ENG_ERR_LEN];
	eng_model *m;
	cr_assert_eq(eng_model_synthetic(&m, &cfg, ENG_F16, 5, err, sizeof err), ENG_OK);
	cr_expect_eq(eng_model_save_gguf(m, "/nonexistent-dir/x.gguf", err, sizeof err), ENG_EIO);
	cr_expect_neq(strstr(err, "/nonexistent-dir/x.gguf: cannot create"), NULL, "%s", err);
	cr_expect_eq(eng_model_save_llama2c(m, dir, err, sizeof err), ENG_EIO);   /* a directory */
	cr_expect_neq(strstr(err, dir), NULL, "%s", err);
	eng_model_free(m);
}
