/* sim.c — the event loop: pop the earliest event, advance the clock, dispatch. */
#include "sim.h"

#include <math.h>
#include <stdlib.h>

volatile int sim_interrupted;

struct handler {
	sim_handler_fn fn;
	void *ctx;
};

struct sim {
	evq *q;
	double now;        /* s */
	uint64_t nevents;
	int nhandlers;
	int stop;
	int oom;
	struct handler h[SIM_MAX_HANDLERS];
	void (*progress)(void *ctx, double t);
	void *pctx;
};

sim *sim_alloc(void)
{
	sim *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->q = evq_alloc(1024);
	if (!s->q) {
		free(s);
		return NULL;
	}
	return s;
}

void sim_free(sim *s)
{
	if (!s)
		return;
	evq_free(s->q);
	free(s);
}

int sim_handler(sim *s, sim_handler_fn fn, void *ctx)
{
	SIM_ASSERT(s->nhandlers < SIM_MAX_HANDLERS);
	s->h[s->nhandlers] = (struct handler){ fn, ctx };
	return s->nhandlers++;
}

evq_handle sim_schedule(sim *s, double t, int prio, int h, uint64_t id, double x)
{
	SIM_ASSERT(h >= 0 && h < s->nhandlers);
	SIM_ASSERT(t >= s->now && !isnan(t));
	struct evq_ev e = { .t = t, .prio = prio, .handler = (uint32_t)h, .id = id, .x = x };
	evq_handle hd = evq_push(s->q, &e);
	if (hd == EVQ_NONE)
		s->oom = 1;
	return hd;
}

int sim_cancel(sim *s, evq_handle e) { return evq_cancel(s->q, e); }
void sim_stop(sim *s) { s->stop = 1; }
double sim_now(const sim *s) { return s->now; }
uint64_t sim_events(const sim *s) { return s->nevents; }
size_t sim_pending(const sim *s) { return evq_size(s->q); }

void sim_on_progress(sim *s, void (*fn)(void *ctx, double t), void *ctx)
{
	s->progress = fn;
	s->pctx = ctx;
}

sim_status sim_run(sim *s, double t_end)
{
	struct evq_ev ev;
	s->stop = 0;
	while (evq_pop_until(s->q, t_end, &ev)) {
		s->now = ev.t;
		s->nevents++;
		s->h[ev.handler].fn(s, s->h[ev.handler].ctx, &ev);
		if (s->oom)
			return SIM_ENOMEM;
		if ((s->nevents & 0xffff) == 0) {
			if (sim_interrupted)
				return SIM_EINTR;
			if (s->progress)
				s->progress(s->pctx, s->now);
		}
		if (s->stop)
			return SIM_OK;
	}
	if (t_end > s->now && isfinite(t_end))
		s->now = t_end;
	return SIM_OK;
}
