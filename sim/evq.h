/* evq.h — the pending-event set: a 4-ary heap keyed (t, prio, seq).
 *
 * Events with equal time pop by priority (lower first), then in insertion
 * order (seq is a counter stamped on push), so equal keys never depend on the
 * heap's internals.  Each push returns a handle that cancels the event in
 * O(1) (it is discarded when it reaches the top); handles of fired or
 * cancelled events are detected as stale (slot generation), so cancelling
 * twice is harmless.  Priorities lie in (-2^23, 2^23); at most 2^40 pushes
 * per queue.
 *
 * Memory: events live in a slot array that grows geometrically; a steady
 * state of pushes and pops allocates nothing.
 */
#ifndef DAIS_EVQ_H
#define DAIS_EVQ_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

/* The payload carried by an event: which handler, and two words for it. */
struct evq_ev {
	double t;          /* s, simulated time */
	int32_t prio;      /* lower fires first among equal times; |prio| < 2^23 */
	uint32_t handler;  /* index into the simulator's handler table */
	uint64_t id;       /* free for the handler: an entity id, a class... */
	double x;          /* free for the handler: a value */
	uint64_t seq;      /* insertion counter, set by evq_push */
};

typedef uint64_t evq_handle;
#define EVQ_NONE ((evq_handle)0)

typedef struct evq evq;

evq *evq_alloc(size_t capacity_hint);
void evq_free(evq *q);
void evq_clear(evq *q);

/* Pushes a copy of *e (seq is assigned); returns its handle, or EVQ_NONE when
 * out of memory. */
evq_handle evq_push(evq *q, const struct evq_ev *e);

/* Pops the earliest event into *out; returns 0 when empty. */
int evq_pop(evq *q, struct evq_ev *out);

/* Pops the earliest event into *out if its time is <= t_end; returns 0 and
 * leaves the queue unchanged otherwise (or when empty). */
int evq_pop_until(evq *q, double t_end, struct evq_ev *out);

/* The earliest event without removing it; NULL when empty. */
const struct evq_ev *evq_peek(const evq *q);

/* Cancels a pending event; returns 1 if it was pending, 0 if stale. */
int evq_cancel(evq *q, evq_handle h);

size_t evq_size(const evq *q);

#endif
