/* eng_kv.h — the paged KV cache: a pool of fixed-size blocks and a block table per
 * sequence (continuous batching: sequences join and leave between steps).
 *
 * Invariants: every block is either on the free stack or in exactly one open
 * sequence's table; a sequence of len positions holds ceil(len / block_tokens)
 * blocks at most (reserved ahead by eng_kv_reserve).  Keys and values are fp32,
 * (n_layers, n_blocks, n_kv_heads, block_tokens, head_size) each: within a
 * block one head's positions are contiguous, so attention streams them.
 */
#ifndef DAIS_ENG_KV_H
#define DAIS_ENG_KV_H

#include <stddef.h>

#include "engine.h"

struct eng_kv_cache {
	int n_layers, kv_dim;
	int n_kv_heads, head_size;   /* kv_dim = n_kv_heads * head_size */
	int block_tokens;      /* positions per block */
	int n_blocks;          /* blocks in the pool */
	int max_seqs;
	int max_blocks;        /* blocks one sequence may hold: ceil(seq_len / block_tokens) */
	int seq_len;
	float *k, *v;          /* (n_layers, n_blocks, n_kv_heads, block_tokens, head_size) */
	int *free_stack;       /* (n_blocks,) free block ids, n_free of them */
	int n_free;
	int *table;            /* (max_seqs, max_blocks) block ids */
	int *len;              /* (max_seqs,) positions held, -1 when closed */
	int *n_held;           /* (max_seqs,) blocks held */
};

eng_status eng_kv_init(struct eng_kv_cache *kv, int n_layers, int n_kv_heads, int head_size, int seq_len,
                       int block_tokens, int n_blocks, int max_seqs);
void eng_kv_release(struct eng_kv_cache *kv);
int eng_kv_seq_open(struct eng_kv_cache *kv);            /* id, or -1 when all slots are live */
void eng_kv_seq_close(struct eng_kv_cache *kv, int seq);
/* Blocks needed to grow seq to new_len positions. */
int eng_kv_blocks_needed(const struct eng_kv_cache *kv, int seq, int new_len);
/* Takes blocks from the pool so seq can hold new_len positions; the caller
 * has checked eng_kv_blocks_needed against n_free. */
void eng_kv_reserve(struct eng_kv_cache *kv, int seq, int new_len);

/* Offset of head kh's row at position pos of seq in layer `layer`. */
static inline size_t eng_kv_offset(const struct eng_kv_cache *kv, int layer, int seq, int pos, int kh)
{
	int blk = kv->table[(size_t)seq * kv->max_blocks + pos / kv->block_tokens];
	return ((((size_t)layer * kv->n_blocks + blk) * kv->n_kv_heads + kh) * kv->block_tokens +
	        pos % kv->block_tokens) * kv->head_size;
}

#endif
