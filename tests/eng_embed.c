/* eng_embed.c — the engine embeds on its own: this program is compiled without
 * the simulator's include paths and linked against libengine.a with libm and
 * OpenMP only (no cJSON, GSL or HDF5; engine/engine.mk), and `make test` runs
 * it.  It synthesizes a small model, takes a prefill and a decode step, writes
 * the model as GGUF, loads it back and checks that the copy gives the same
 * logits, bit for bit.  Exit status 0 when all is well. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/engine.h"

#define CHECK(cond, ...)                                                 \
	do {                                                                 \
		if (!(cond)) {                                                   \
			fprintf(stderr, "eng_embed: " __VA_ARGS__);                  \
			fputc('\n', stderr);                                         \
			exit(1);                                                     \
		}                                                                \
	} while (0)

/* Prefill of three tokens, then one decode step; the decode step's logits into out. */
static void two_steps(const eng_model *m, float *out)
{
	const struct eng_config *cfg = eng_model_config(m);
	char err[ENG_ERR_LEN];
	eng_ctx *c;
	struct eng_ctx_params cp = { .n_threads = 2, .max_tokens = 16, .max_seqs = 2 };
	CHECK(eng_ctx_alloc(&c, m, &cp, err, sizeof err) == ENG_OK, "context: %s", err);
	int s;
	CHECK(eng_seq_open(c, &s) == ENG_OK, "%s", eng_errmsg(c));
	int32_t tok[3] = { 1, 50, 70 }, seq[3] = { s, s, s };
	struct eng_batch b = { .n = 3, .token = tok, .seq = seq };
	CHECK(eng_step(c, &b) == ENG_OK, "prefill: %s", eng_errmsg(c));
	CHECK(eng_n_logits(c) == 1, "prefill: %d logits rows, expected 1", eng_n_logits(c));
	int32_t next = eng_argmax(eng_logits(c, 0), cfg->vocab_size);
	b = (struct eng_batch){ .n = 1, .token = &next, .seq = &s };
	CHECK(eng_step(c, &b) == ENG_OK, "decode: %s", eng_errmsg(c));
	CHECK(eng_seq_len(c, s) == 4, "sequence holds %d positions, expected 4", eng_seq_len(c, s));
	memcpy(out, eng_logits(c, 0), sizeof(float) * (size_t)cfg->vocab_size);
	for (int i = 0; i < cfg->vocab_size; i++)
		CHECK(isfinite(out[i]), "logit %d is %g", i, out[i]);
	eng_seq_close(c, s);
	eng_ctx_free(c);
}

int main(void)
{
	struct eng_config cfg = { .dim = 64, .n_layers = 2, .n_heads = 4, .n_kv_heads = 2, .hidden_dim = 128,
	                          .vocab_size = 256, .seq_len = 64 };
	char err[ENG_ERR_LEN], path[] = "/tmp/dais_eng_embed_XXXXXX";
	eng_model *m, *back;
	CHECK(eng_model_synthetic(&m, &cfg, ENG_Q8_0, 42, err, sizeof err) == ENG_OK, "synthetic: %s", err);
	float *a = malloc(sizeof(float) * (size_t)cfg.vocab_size), *b = malloc(sizeof(float) * (size_t)cfg.vocab_size);
	CHECK(a && b, "out of memory");
	two_steps(m, a);

	int fd = mkstemp(path);
	CHECK(fd >= 0, "cannot create a temporary file");
	close(fd);
	CHECK(eng_model_save_gguf(m, path, err, sizeof err) == ENG_OK, "save: %s", err);
	CHECK(eng_model_load(&back, path, NULL, err, sizeof err) == ENG_OK, "load: %s", err);
	remove(path);
	two_steps(back, b);
	CHECK(!memcmp(a, b, sizeof(float) * (size_t)cfg.vocab_size), "the GGUF copy gives other logits");

	eng_model_free(back);
	eng_model_free(m);
	free(a);
	free(b);
	printf("eng_embed: libengine.a alone: synthetic model, two steps, GGUF round trip: ok\n");
	return 0;
}
