/* engine_cuda.h — the CUDA backend behind the same API (engine_cuda.cu).
 *
 * Built when engine.mk finds nvcc (it then defines ENG_CUDA_BUILD); otherwise
 * these are inline stand-ins that report "not supported", so the CPU engine
 * builds and runs unchanged.  The CUDA context mirrors the weights on the
 * device and keeps its own copy of the paged KV cache, indexed with the host's
 * block tables (kv), which it uploads every step.
 */
#ifndef DAIS_ENG_CUDA_H
#define DAIS_ENG_CUDA_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"

struct eng_cuda_ctx;
struct eng_kv_cache;

#ifdef ENG_CUDA_BUILD
#define ENG_HAVE_CUDA 1
#ifdef __cplusplus
extern "C" {
#endif
int eng_cuda_device_count(void);
eng_status eng_cuda_ctx_alloc(struct eng_cuda_ctx **out, const eng_model *m, const struct eng_kv_cache *kv,
                              int max_tokens, int max_logits, char *err, size_t err_len);
void eng_cuda_ctx_free(struct eng_cuda_ctx *c);
/* One step of n tokens; writes n_logits rows of logits (host memory). */
eng_status eng_cuda_step(struct eng_cuda_ctx *c, const struct eng_kv_cache *kv, int n, const int32_t *tok,
                         const int32_t *seq, const int32_t *pos, int n_logits, const int32_t *lidx,
                         float *logits, char *err, size_t err_len);
#ifdef __cplusplus
}
#endif
#else
#define ENG_HAVE_CUDA 0
static inline int eng_cuda_device_count(void) { return 0; }
static inline eng_status eng_cuda_ctx_alloc(struct eng_cuda_ctx **out, const eng_model *m,
                                            const struct eng_kv_cache *kv, int max_tokens, int max_logits,
                                            char *err, size_t err_len)
{
	(void)out; (void)m; (void)kv; (void)max_tokens; (void)max_logits; (void)err; (void)err_len;
	return ENG_ENOTSUP;
}
static inline void eng_cuda_ctx_free(struct eng_cuda_ctx *c) { (void)c; }
static inline eng_status eng_cuda_step(struct eng_cuda_ctx *c, const struct eng_kv_cache *kv, int n, const int32_t *tok,
                                       const int32_t *seq, const int32_t *pos, int n_logits, const int32_t *lidx,
                                       float *logits, char *err, size_t err_len)
{
	(void)c; (void)kv; (void)n; (void)tok; (void)seq; (void)pos; (void)n_logits; (void)lidx;
	(void)logits; (void)err; (void)err_len;
	return ENG_ENOTSUP;
}
#endif

#endif
