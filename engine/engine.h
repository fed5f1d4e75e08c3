/* engine.h — DAIS's embeddable transformer inference engine (the manual).
 *
 * A Llama-architecture forward pass (RMSNorm, rotary embeddings, grouped-query
 * attention, SwiGLU) over fp32, f16, Q8_0 and Q4_0 weights with fp32
 * activations, batched over many sequences at different positions, with a
 * paged KV cache.  Models come from GGUF v3 files, llama2.c checkpoints or a
 * seed (synthetic: random weights, real shapes).
 *
 * What it needs: libengine.a (this API) links with libc (POSIX: mmap, fsync),
 * libm and OpenMP only, plus the CUDA runtime when it was built with the CUDA
 * backend (engine/engine.mk); `make test` builds a program that way
 * (tests/eng_embed.c).  Two optional parts need more: the calibration run and
 * fit (eng_calib.h) use GSL, and calibration profiles (eng_profile.h, in
 * libengine_profile.a) use cJSON; a program that does not call them does not
 * link them.  Every name the engine exports starts with eng_ (or ENG_).
 *
 * Usage (error checks shortened):
 *
 *     struct eng_config cfg = { .dim = 768, .n_layers = 12, .n_heads = 12,
 *         .n_kv_heads = 12, .hidden_dim = 2048, .vocab_size = 32000, .seq_len = 1024 };
 *     char err[ENG_ERR_LEN];
 *     eng_model *m;
 *     if (eng_model_synthetic(&m, &cfg, ENG_Q8_0, 42, err, sizeof err)) die(err);
 *     eng_ctx *c;
 *     struct eng_ctx_params cp = { .n_threads = 2, .max_tokens = 256, .max_seqs = 16 };
 *     if (eng_ctx_alloc(&c, m, &cp, err, sizeof err)) die(err);
 *     int s;
 *     eng_seq_open(c, &s);
 *     int32_t tok[3] = { 1, 50, 70 }, seq[3] = { s, s, s };
 *     struct eng_batch b = { .n = 3, .token = tok, .seq = seq };
 *     if (eng_step(c, &b)) die(eng_errmsg(c));   // prefill; logits of the last token
 *     int next = eng_argmax(eng_logits(c, 0), cfg.vocab_size);
 *     eng_seq_close(c, s);
 *     eng_ctx_free(c);
 *     eng_model_free(m);
 *
 * About positions: a sequence's tokens get consecutive positions in the order
 * they are fed, across steps; a batch holds any mix of sequences (prefill
 * chunks and single decode tokens), each sequence's tokens in order.
 *
 * About the KV cache: a context owns a pool of fixed-size blocks
 * (kv_block_tokens positions each, for every layer); each sequence has a block
 * table.  eng_step reserves the blocks a batch needs before computing; when the
 * pool is exhausted it returns ENG_EKVFULL and changes nothing, so a scheduler
 * can preempt a sequence (eng_seq_close) and retry.
 *
 * Threads: eng_step runs one OpenMP parallel region of n_threads threads; work
 * is partitioned statically, so results do not depend on scheduling.  Nothing is
 * allocated inside eng_step.  A context must not be used by two threads at once;
 * a model is read-only after creation and may be shared by many contexts.
 */
#ifndef DAIS_ENGINE_H
#define DAIS_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#define ENG_VERSION "0.3.0"
#define ENG_ERR_LEN 512          /* size that always holds a full message */
/* The AVX-512 kernels take the tokens of a step in tiles of up to this many
 * against each weight panel; every tile pays a fixed cost (loads of the
 * panel from L1, reductions, stores) besides its multiply-adds, which a cost
 * model of a step can count (models/serving.h). */
#define ENG_TOKEN_TILE 8
#define ENG_MUST_CHECK __attribute__((warn_unused_result))

typedef enum eng_status {
	ENG_OK = 0,
	ENG_EINVAL,     /* bad argument or configuration */
	ENG_ENOMEM,     /* allocation failed */
	ENG_EIO,        /* cannot open, read, map or write a file */
	ENG_EFORMAT,    /* malformed, truncated or unsupported model file */
	ENG_EKVFULL,    /* KV cache or sequence slots exhausted: preempt and retry */
	ENG_ENOTSUP     /* not supported by this build or machine (e.g. no GPU) */
} eng_status;

const char *eng_strerror(eng_status s);

/* Weight storage types; the values are GGML's type ids. */
typedef enum eng_dtype {
	ENG_F32 = 0,
	ENG_F16 = 1,
	ENG_Q4_0 = 2,   /* blocks of 32: f16 scale d + 16 bytes of nibbles, x = (q-8)*d */
	ENG_Q8_0 = 8    /* blocks of 32: f16 scale d + 32 int8, x = q*d */
} eng_dtype;

const char *eng_dtype_name(eng_dtype t);
/* Parses "f32", "f16", "q8_0", "q4_0"; returns 0 and sets *t, or -1. */
int eng_dtype_parse(const char *s, eng_dtype *t);
/* Bytes that n weights of type t occupy (n a multiple of 32 for quantized types). */
size_t eng_dtype_bytes(eng_dtype t, size_t n);

/* Model shape.  head_size = dim / n_heads; kv_dim = n_kv_heads * head_size. */
struct eng_config {
	int dim;          /* model width */
	int n_layers;
	int n_heads;      /* query heads */
	int n_kv_heads;   /* key/value heads, divides n_heads (grouped-query attention) */
	int hidden_dim;   /* SwiGLU width */
	int vocab_size;
	int seq_len;      /* longest context a sequence may reach */
	float rope_theta; /* 0 means 10000 */
	float norm_eps;   /* 0 means 1e-5 */
};

/* Checks a configuration for a given weight type; writes the reason to err. */
eng_status eng_config_check(const struct eng_config *c, eng_dtype t, char *err, size_t err_len);
/* Parses "dim=768,layers=12,heads=12,kv_heads=12,hidden=2048,vocab=32000,seq=1024"
 * into *c (missing keys keep their values; kv_heads defaults to heads). */
eng_status eng_config_parse(const char *s, struct eng_config *c, char *err, size_t err_len);
/* Weight bytes one forward pass streams (all matrices, once), and the matmul
 * flops per token (2 per weight). */
double eng_config_weight_bytes(const struct eng_config *c, eng_dtype t);
double eng_config_flops_per_token(const struct eng_config *c);

/* ---------------------------------------------------------------- models */

typedef struct eng_model eng_model;

/* Random weights from seed (splitmix64), quantized to dtype: timings are those
 * of a real model of the same shape. */
ENG_MUST_CHECK eng_status eng_model_synthetic(eng_model **out, const struct eng_config *c,
                                              eng_dtype t, uint64_t seed, char *err, size_t err_len);

struct eng_load_params {
	int convert;          /* nonzero: convert the weights to `dtype` while loading */
	eng_dtype dtype;
};
/* Loads a GGUF v3 file (detected by its magic) or a llama2.c checkpoint.
 * params may be NULL.  Errors name the file and the problem. */
ENG_MUST_CHECK eng_status eng_model_load(eng_model **out, const char *path,
                                         const struct eng_load_params *params,
                                         char *err, size_t err_len);
/* Writes the model as GGUF v3 (llama architecture, placeholder vocabulary). */
ENG_MUST_CHECK eng_status eng_model_save_gguf(const eng_model *m, const char *path,
                                              char *err, size_t err_len);
/* Writes the model as a llama2.c checkpoint (fp32; weights are dequantized). */
ENG_MUST_CHECK eng_status eng_model_save_llama2c(const eng_model *m, const char *path,
                                                 char *err, size_t err_len);
void eng_model_free(eng_model *m);
const struct eng_config *eng_model_config(const eng_model *m);
eng_dtype eng_model_dtype(const eng_model *m);

/* ---------------------------------------------------------------- contexts */

typedef struct eng_ctx eng_ctx;

typedef enum eng_isa {     /* CPU kernel set */
	ENG_ISA_AUTO = 0,      /* the best this CPU supports */
	ENG_ISA_SCALAR,        /* portable C */
	ENG_ISA_AVX2,          /* AVX2 + FMA + F16C */
	ENG_ISA_AVX512         /* AVX-512 F/BW/VL + VNNI */
} eng_isa;

const char *eng_isa_name(eng_isa i);
/* Threads a context uses when n_threads is 0 (OpenMP's default, 1 without OpenMP). */
int eng_default_threads(void);
/* The best kernel set this CPU supports. */
eng_isa eng_isa_best(void);

typedef enum eng_backend { ENG_BACKEND_CPU = 0, ENG_BACKEND_CUDA } eng_backend;
/* Nonzero when this build has CUDA and a device is present. */
int eng_cuda_available(void);

struct eng_ctx_params {
	int n_threads;        /* 0: OpenMP's default */
	int max_tokens;       /* most tokens in one step (0: 512) */
	int max_seqs;         /* most live sequences (0: 64) */
	int kv_block_tokens;  /* positions per KV block (0: 16); seq_len makes it contiguous */
	int kv_blocks;        /* blocks in the pool (0: enough for max_seqs full sequences) */
	int max_logits;       /* most logits rows per step (0: max_tokens) */
	eng_isa isa;          /* ENG_ISA_AUTO unless testing a kernel set */
	eng_backend backend;
};

ENG_MUST_CHECK eng_status eng_ctx_alloc(eng_ctx **out, const eng_model *m,
                                        const struct eng_ctx_params *p, char *err, size_t err_len);
void eng_ctx_free(eng_ctx *c);
/* The message of the last failing call on c ("" if none). */
const char *eng_errmsg(const eng_ctx *c);
eng_isa eng_ctx_isa(const eng_ctx *c);
int eng_ctx_threads(const eng_ctx *c);

/* Opens a sequence (position 0, no blocks); ENG_EKVFULL when max_seqs are live. */
ENG_MUST_CHECK eng_status eng_seq_open(eng_ctx *c, int *seq);
/* Closes a sequence and returns its blocks to the pool; closing twice is a no-op. */
void eng_seq_close(eng_ctx *c, int seq);
/* Positions the sequence holds (tokens fed so far), or -1 if it is not open. */
int eng_seq_len(const eng_ctx *c, int seq);
int eng_kv_free_blocks(const eng_ctx *c);
int eng_kv_block_tokens(const eng_ctx *c);

/* One step: n tokens of any open sequences (each sequence's tokens in order). */
struct eng_batch {
	int n;
	const int32_t *token;  /* (n,) token ids */
	const int32_t *seq;    /* (n,) sequence ids */
	const uint8_t *logits; /* (n,) nonzero where logits are wanted; NULL: the last
	                          token of each sequence in the batch */
};

/* Runs the forward pass.  On ENG_EKVFULL or ENG_EINVAL nothing changed. */
ENG_MUST_CHECK eng_status eng_step(eng_ctx *c, const struct eng_batch *b);
/* Logits rows of the last step, in batch order of the tokens that asked for them. */
int eng_n_logits(const eng_ctx *c);
const float *eng_logits(const eng_ctx *c, int i);  /* (vocab_size,) */
int eng_argmax(const float *x, int n);

/* ---------------------------------------------------------------- probes */

/* STREAM-like triad a = b + s*c over bytes_per_array each, on n_threads
 * threads; returns GB/s (1e9 bytes) counting 3 arrays moved. */
double eng_probe_bandwidth(int n_threads, size_t bytes_per_array, int reps);
/* Peak fp32 FMA rate with the best kernel set on n_threads; GFLOP/s. */
double eng_probe_peak_gflops(int n_threads);

#endif
