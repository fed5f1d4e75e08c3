/* eng_kv.c — block pool and block tables of the paged KV cache. */
#include <stdlib.h>

#include "eng_kv.h"
#include "eng_quant.h"

eng_status eng_kv_init(struct eng_kv_cache *kv, int n_layers, int n_kv_heads, int head_size, int seq_len,
                       int block_tokens, int n_blocks, int max_seqs)
{
	int kv_dim = n_kv_heads * head_size;
	*kv = (struct eng_kv_cache){ .n_layers = n_layers, .kv_dim = kv_dim, .n_kv_heads = n_kv_heads,
	                         .head_size = head_size, .block_tokens = block_tokens, .n_blocks = n_blocks,
	                         .max_seqs = max_seqs, .seq_len = seq_len };
	kv->max_blocks = (seq_len + block_tokens - 1) / block_tokens;
	size_t n = (size_t)n_layers * n_blocks * block_tokens * kv_dim * sizeof(float);
	kv->k = eng_q_aligned_alloc(n);
	kv->v = eng_q_aligned_alloc(n);
	kv->free_stack = malloc(sizeof(int) * (size_t)n_blocks);
	kv->table = malloc(sizeof(int) * (size_t)max_seqs * kv->max_blocks);
	kv->len = malloc(sizeof(int) * (size_t)max_seqs);
	kv->n_held = malloc(sizeof(int) * (size_t)max_seqs);
	if (!kv->k || !kv->v || !kv->free_stack || !kv->table || !kv->len || !kv->n_held) {
		eng_kv_release(kv);
		return ENG_ENOMEM;
	}
	/* pushed in reverse so that blocks are handed out 0, 1, 2, ... */
	for (int i = 0; i < n_blocks; i++)
		kv->free_stack[i] = n_blocks - 1 - i;
	kv->n_free = n_blocks;
	for (int s = 0; s < max_seqs; s++) {
		kv->len[s] = -1;
		kv->n_held[s] = 0;
	}
	return ENG_OK;
}

void eng_kv_release(struct eng_kv_cache *kv)
{
	free(kv->k);
	free(kv->v);
	free(kv->free_stack);
	free(kv->table);
	free(kv->len);
	free(kv->n_held);
	*kv = (struct eng_kv_cache){ 0 };
}

int eng_kv_seq_open(struct eng_kv_cache *kv)
{
	for (int s = 0; s < kv->max_seqs; s++)
		if (kv->len[s] < 0) {
			kv->len[s] = 0;
			kv->n_held[s] = 0;
			return s;
		}
	return -1;
}

void eng_kv_seq_close(struct eng_kv_cache *kv, int seq)
{
	if (seq < 0 || seq >= kv->max_seqs || kv->len[seq] < 0)
		return;
	for (int i = kv->n_held[seq] - 1; i >= 0; i--)
		kv->free_stack[kv->n_free++] = kv->table[(size_t)seq * kv->max_blocks + i];
	kv->len[seq] = -1;
	kv->n_held[seq] = 0;
}

int eng_kv_blocks_needed(const struct eng_kv_cache *kv, int seq, int new_len)
{
	int need = (new_len + kv->block_tokens - 1) / kv->block_tokens - kv->n_held[seq];
	return need > 0 ? need : 0;
}

void eng_kv_reserve(struct eng_kv_cache *kv, int seq, int new_len)
{
	int want = (new_len + kv->block_tokens - 1) / kv->block_tokens;
	while (kv->n_held[seq] < want)
		kv->table[(size_t)seq * kv->max_blocks + kv->n_held[seq]++] = kv->free_stack[--kv->n_free];
}
