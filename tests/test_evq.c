/* test_evq.c — the event set: ordering, ties, cancel, growth. */
#include <criterion/criterion.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>

#include "sim/evq.h"
#include "sim/rng.h"
#include "sim/sim.h"

static struct evq_ev ev(double t, int prio, uint64_t id)
{
	return (struct evq_ev){ .t = t, .prio = prio, .id = id };
}

Test(evq, pops_in_time_order)
{
	evq *q = evq_alloc(4);
	double ts[] = { 5, 1, 4, 2, 3, 0.5, 9, 7 };
	for (int i = 0; i < 8; i++) {
		struct evq_ev e = ev(ts[i], 0, (uint64_t)i);
		cr_assert_neq(evq_push(q, &e), EVQ_NONE);
	}
	cr_assert_eq(evq_size(q), 8);
	double sorted[] = { 0.5, 1, 2, 3, 4, 5, 7, 9 };
	struct evq_ev out;
	for (int i = 0; i < 8; i++) {
		cr_assert(evq_pop(q, &out));
		cr_assert_eq(out.t, sorted[i]);
	}
	cr_assert_not(evq_pop(q, &out));
	evq_free(q);
}

Test(evq, equal_times_pop_by_priority_then_insertion_order)
{
	evq *q = evq_alloc(2);
	/* ids encode the expected pop order */
	struct evq_ev es[] = { ev(1, 5, 3), ev(1, 0, 0), ev(1, 5, 4), ev(1, 0, 1),
	                       ev(1, 2, 2), ev(1, 5, 5), ev(0.5, 9, 99) };
	for (int i = 0; i < 7; i++)
		evq_push(q, &es[i]);
	struct evq_ev out;
	cr_assert(evq_pop(q, &out));
	cr_assert_eq(out.id, 99);
	for (uint64_t k = 0; k < 6; k++) {
		cr_assert(evq_pop(q, &out));
		cr_assert_eq(out.id, k, "popped id %llu, expected %llu",
		             (unsigned long long)out.id, (unsigned long long)k);
	}
	evq_free(q);
}

Test(evq, many_equal_keys_keep_insertion_order)
{
	evq *q = evq_alloc(1);
	for (uint64_t i = 0; i < 10000; i++) {
		struct evq_ev e = ev(42.0, -3, i);
		evq_push(q, &e);
	}
	struct evq_ev out;
	for (uint64_t i = 0; i < 10000; i++) {
		evq_pop(q, &out);
		cr_assert_eq(out.id, i);
	}
	evq_free(q);
}

Test(evq, cancel_removes_event_and_stale_handles_are_harmless)
{
	evq *q = evq_alloc(4);
	evq_handle h[6];
	for (int i = 0; i < 6; i++) {
		struct evq_ev e = ev(i, 0, (uint64_t)i);
		h[i] = evq_push(q, &e);
	}
	cr_assert_eq(evq_cancel(q, h[0]), 1);   /* the root */
	cr_assert_eq(evq_cancel(q, h[3]), 1);
	cr_assert_eq(evq_cancel(q, h[3]), 0);   /* twice */
	cr_assert_eq(evq_size(q), 4);
	cr_assert_eq(evq_peek(q)->id, 1);
	struct evq_ev out;
	uint64_t expect[] = { 1, 2, 4, 5 };
	for (int i = 0; i < 4; i++) {
		cr_assert(evq_pop(q, &out));
		cr_assert_eq(out.id, expect[i]);
	}
	cr_assert_not(evq_pop(q, &out));
	cr_assert_eq(evq_cancel(q, h[5]), 0);   /* fired */
	/* a slot reused by a new event must not be cancelled by the old handle */
	struct evq_ev e = ev(10, 0, 77);
	evq_handle hn = evq_push(q, &e);
	for (int i = 0; i < 6; i++)
		cr_assert_eq(evq_cancel(q, h[i]), 0);
	cr_assert_eq(evq_size(q), 1);
	cr_assert_eq(evq_cancel(q, hn), 1);
	cr_assert_eq(evq_size(q), 0);
	cr_assert_null(evq_peek(q));
	cr_assert_eq(evq_cancel(q, EVQ_NONE), 0);
	evq_free(q);
}

/* Random pushes, pops and cancels against a sorted reference. */
Test(evq, random_operations_match_a_sorted_reference)
{
	gsl_rng *r = rng_stream(7, 0, RNG_MODEL_KERNEL, 1);
	evq *q = evq_alloc(1);
	enum { N = 20000 };
	static double ref[N];          /* times of live events, any order */
	static evq_handle hs[N];
	static int live[N];
	int nref = 0, npush = 0;
	for (int step = 0; step < 60000; step++) {
		double u = gsl_rng_uniform(r);
		if (u < 0.5 && npush < N) {
			struct evq_ev e = ev(floor(gsl_rng_uniform(r) * 1000), 0, (uint64_t)npush);
			hs[npush] = evq_push(q, &e);
			ref[npush] = e.t;
			live[npush++] = 1;
			nref++;
		} else if (u < 0.65 && npush > 0) {
			int k = (int)gsl_rng_uniform_int(r, (unsigned long)npush);
			int was = live[k];
			cr_assert_eq(evq_cancel(q, hs[k]), was);
			if (was) {
				live[k] = 0;
				nref--;
			}
		} else if (nref > 0) {
			/* expected: smallest time among live, ties by push order */
			int best = -1;
			for (int k = 0; k < npush; k++)
				if (live[k] && (best < 0 || ref[k] < ref[best]))
					best = k;
			struct evq_ev out;
			cr_assert(evq_pop(q, &out));
			cr_assert_eq(out.id, (uint64_t)best);
			live[best] = 0;
			nref--;
		}
		cr_assert_eq(evq_size(q), (size_t)nref);
	}
	evq_free(q);
	gsl_rng_free(r);
}

/* ------------------------------------------------------------ the simulator */

struct trace {
	int n;
	double t[16];
	uint64_t id[16];
	evq_handle victim;
	int h;
};

static void record(sim *s, void *ctx, const struct evq_ev *e)
{
	struct trace *tr = ctx;
	tr->t[tr->n] = sim_now(s);
	tr->id[tr->n++] = e->id;
	if (e->id == 1)  /* a handler cancels a later event and schedules one */
		sim_cancel(s, tr->victim);
	if (e->id == 1)
		sim_schedule(s, sim_now(s), 0, tr->h, 5, 0);
	if (e->id == 7)
		sim_stop(s);
}

Test(sim, runs_in_order_until_horizon_and_handlers_can_cancel)
{
	sim *s = sim_alloc();
	struct trace tr = { 0 };
	tr.h = sim_handler(s, record, &tr);
	sim_schedule(s, 1.0, 0, tr.h, 1, 0);
	tr.victim = sim_schedule(s, 2.0, 0, tr.h, 2, 0);
	sim_schedule(s, 3.0, 0, tr.h, 3, 0);
	sim_schedule(s, 30.0, 0, tr.h, 4, 0);
	cr_assert_eq(sim_run(s, 10.0), SIM_OK);
	cr_assert_eq(tr.n, 3);
	cr_assert_eq(tr.id[0], 1);
	cr_assert_eq(tr.id[1], 5);   /* scheduled at now by event 1: runs next */
	cr_assert_eq(tr.id[2], 3);   /* 2 was cancelled */
	cr_assert_eq(sim_now(s), 10.0);
	cr_assert_eq(sim_pending(s), 1);
	sim_schedule(s, 11.0, 0, tr.h, 7, 0);
	cr_assert_eq(sim_run(s, 100.0), SIM_OK);  /* stops after event 7 */
	cr_assert_eq(tr.id[3], 7);
	cr_assert_eq(sim_now(s), 11.0);
	cr_assert_eq(sim_events(s), 4);
	sim_free(s);
}

static void bad_schedule(sim *s, void *ctx, const struct evq_ev *e)
{
	(void)e;
	sim_schedule(s, sim_now(s) - 1.0, 0, *(int *)ctx, 0, 0);
}

Test(sim, scheduling_in_the_past_is_a_bug, .signal = SIGABRT)
{
	sim *s = sim_alloc();
	static int h;
	h = sim_handler(s, bad_schedule, &h);
	sim_schedule(s, 5.0, 0, h, 0, 0);
	sim_run(s, 10.0);
}
