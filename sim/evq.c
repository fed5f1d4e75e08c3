/* evq.c — 4-ary min-heap of events keyed (t, prio, seq), with lazy cancel.
 *
 * About the layout: the heap array holds only the keys and a slot number
 * (24 bytes), so sifting compares contiguous memory; the payload waits in its
 * slot and is copied out once, on pop.  prio and seq are packed into one
 * 64-bit word (prio biased into the top 24 bits, seq in the low 40), so a
 * comparison is two tests.
 *
 * About cancel: a cancelled event is only marked dead in its slot; the pop
 * that meets it later discards it.  Heap entries therefore never need their
 * positions tracked, which keeps sifts free of scattered writes.  Slots carry
 * a generation, so a stale handle (fired or cancelled) is recognised.
 */
#include "evq.h"

#include <stdlib.h>

struct hent {
	double t;
	uint64_t key;   /* (prio + PRIO_BIAS) << SEQ_BITS | seq */
	uint32_t slot;
};

struct slot {
	struct evq_ev ev;
	uint32_t gen;   /* bumped when the slot is released */
	uint32_t live;  /* 1 while pending and not cancelled */
};

#define ARITY 4
#define SEQ_BITS 40
#define PRIO_BIAS (1 << 23)

struct evq {
	struct hent *heap;   /* (n,) live and dead entries */
	size_t n, hcap;
	struct slot *slots;  /* (nslots,) */
	uint32_t *free_list; /* (nfree,) reusable slot numbers */
	size_t nfree, nslots, scap;
	size_t nlive;
	uint64_t seq;
};

static inline int before(const struct hent *a, const struct hent *b)
{
	return a->t < b->t || (a->t == b->t && a->key < b->key);
}

evq *evq_alloc(size_t hint)
{
	evq *q = calloc(1, sizeof *q);
	if (!q)
		return NULL;
	q->hcap = q->scap = hint > 16 ? hint : 16;
	q->heap = malloc(q->hcap * sizeof *q->heap);
	q->slots = malloc(q->scap * sizeof *q->slots);
	q->free_list = malloc(q->scap * sizeof *q->free_list);
	if (!q->heap || !q->slots || !q->free_list) {
		evq_free(q);
		return NULL;
	}
	return q;
}

void evq_free(evq *q)
{
	if (!q)
		return;
	free(q->heap);
	free(q->slots);
	free(q->free_list);
	free(q);
}

static inline void release_slot(evq *q, uint32_t s)
{
	q->slots[s].live = 0;
	q->slots[s].gen++;
	q->free_list[q->nfree++] = s;
}

void evq_clear(evq *q)
{
	for (size_t i = 0; i < q->n; i++)
		release_slot(q, q->heap[i].slot);
	q->n = 0;
	q->nlive = 0;
}

size_t evq_size(const evq *q) { return q->nlive; }

static void sift_up(struct hent *h, size_t i, struct hent e)
{
	while (i > 0) {
		size_t p = (i - 1) / ARITY;
		if (!before(&e, &h[p]))
			break;
		h[i] = h[p];
		i = p;
	}
	h[i] = e;
}

static void sift_down(struct hent *h, size_t n, size_t i, struct hent e)
{
	for (;;) {
		size_t c = ARITY * i + 1;
		if (c >= n)
			break;
		size_t best = c, end = c + ARITY < n ? c + ARITY : n;
		for (size_t k = c + 1; k < end; k++)
			if (before(&h[k], &h[best]))
				best = k;
		if (!before(&h[best], &e))
			break;
		h[i] = h[best];
		i = best;
	}
	h[i] = e;
}

static int grow_slots(evq *q)
{
	size_t cap = q->scap * 2;
	struct slot *s = realloc(q->slots, cap * sizeof *s);
	if (!s)
		return 0;
	q->slots = s;
	uint32_t *f = realloc(q->free_list, cap * sizeof *f);
	if (!f)
		return 0;
	q->free_list = f;
	q->scap = cap;
	return 1;
}

evq_handle evq_push(evq *q, const struct evq_ev *e)
{
	if (q->n == q->hcap) {
		struct hent *h = realloc(q->heap, 2 * q->hcap * sizeof *h);
		if (!h)
			return EVQ_NONE;
		q->heap = h;
		q->hcap *= 2;
	}
	uint32_t s;
	if (q->nfree) {
		s = q->free_list[--q->nfree];
	} else {
		if ((q->nslots == q->scap && !grow_slots(q)) || q->nslots >= UINT32_MAX - 1)
			return EVQ_NONE;
		s = (uint32_t)q->nslots++;
		q->slots[s].gen = 1;
	}
	SIM_ASSERT(e->prio > -PRIO_BIAS && e->prio < PRIO_BIAS);
	SIM_ASSERT(q->seq < (1ULL << SEQ_BITS));
	struct slot *sl = &q->slots[s];
	sl->ev = *e;
	sl->ev.seq = q->seq++;
	sl->live = 1;
	struct hent h = { e->t, ((uint64_t)(e->prio + PRIO_BIAS) << SEQ_BITS) | sl->ev.seq, s };
	sift_up(q->heap, q->n++, h);
	q->nlive++;
	return ((uint64_t)sl->gen << 32) | ((uint64_t)s + 1);
}

/* Removes the root entry (live or dead) and returns its slot. */
static inline uint32_t remove_root(evq *q)
{
	uint32_t s = q->heap[0].slot;
	if (--q->n > 0)
		sift_down(q->heap, q->n, 0, q->heap[q->n]);
	return s;
}

/* Discards dead entries sitting at the root. */
static inline void skip_dead(evq *q)
{
	while (q->n > 0 && !q->slots[q->heap[0].slot].live) {
		uint32_t s = remove_root(q);
		q->slots[s].gen++;
		q->free_list[q->nfree++] = s;
	}
}

int evq_pop(evq *q, struct evq_ev *out)
{
	skip_dead(q);
	if (q->n == 0)
		return 0;
	uint32_t s = remove_root(q);
	*out = q->slots[s].ev;
	release_slot(q, s);
	q->nlive--;
	return 1;
}

int evq_pop_until(evq *q, double t_end, struct evq_ev *out)
{
	skip_dead(q);
	if (q->n == 0 || q->heap[0].t > t_end)
		return 0;
	uint32_t s = remove_root(q);
	*out = q->slots[s].ev;
	release_slot(q, s);
	q->nlive--;
	return 1;
}

const struct evq_ev *evq_peek(const evq *q)
{
	/* Dead entries may sit at the root; peek is rare, so search past them
	 * without restructuring (a const operation). */
	if (q->nlive == 0)
		return NULL;
	if (q->slots[q->heap[0].slot].live)
		return &q->slots[q->heap[0].slot].ev;
	const struct hent *best = NULL;
	for (size_t i = 0; i < q->n; i++)
		if (q->slots[q->heap[i].slot].live && (!best || before(&q->heap[i], best)))
			best = &q->heap[i];
	return &q->slots[best->slot].ev;
}

int evq_cancel(evq *q, evq_handle h)
{
	uint64_t idx = h & 0xffffffffULL;
	if (idx == 0 || idx > q->nslots)
		return 0;
	struct slot *sl = &q->slots[idx - 1];
	if (sl->gen != (uint32_t)(h >> 32) || !sl->live)
		return 0;
	sl->live = 0;  /* the entry stays in the heap until it reaches the root */
	q->nlive--;
	return 1;
}
