/* sim.h — the discrete-event simulator: a clock, handlers and the event set.
 *
 *     sim *s = sim_alloc();
 *     int arrive = sim_handler(s, on_arrival, model_state);   // typed callback
 *     sim_schedule(s, 0.0, 0, arrive, 0, 0.0);
 *     sim_run(s, 86400.0);            // every event with t <= 86400 s
 *     sim_free(s);
 *
 *     static void on_arrival(sim *s, void *ctx, const struct evq_ev *ev) {
 *         struct mm1 *m = ctx;  ... sim_schedule(s, ev->t + dt, 0, m->h_arrive, 0, 0);
 *     }
 *
 * Time is a double in seconds of simulated time (network models use days of
 * 86400 s).  Handlers run in (t, prio, insertion) order; a handler may
 * schedule and cancel events, and may call sim_stop to end the run after it
 * returns.  Scheduling in the past is a bug (asserted).
 *
 * A simulator belongs to one replication and one thread: replications run in
 * parallel, each with its own sim, streams and recorder.
 */
#ifndef DAIS_SIM_H
#define DAIS_SIM_H

#include <stdint.h>

#include "evq.h"
#include "status.h"

typedef struct sim sim;
typedef void (*sim_handler_fn)(sim *s, void *ctx, const struct evq_ev *ev);

#define SIM_MAX_HANDLERS 64

sim *sim_alloc(void);
void sim_free(sim *s);

/* Registers a handler; returns its id for sim_schedule. */
int sim_handler(sim *s, sim_handler_fn fn, void *ctx);

/* Schedules handler h at time t (>= now) with priority prio and payload
 * (id, x).  Returns a handle for sim_cancel, EVQ_NONE when out of memory
 * (the run then ends with SIM_ENOMEM). */
evq_handle sim_schedule(sim *s, double t, int prio, int h, uint64_t id, double x);
int sim_cancel(sim *s, evq_handle e);

/* Runs events until none is left with t <= t_end, sim_stop is called or the
 * interrupt flag is raised.  The clock ends at t_end when the run reaches it. */
sim_status sim_run(sim *s, double t_end);
void sim_stop(sim *s);

double   sim_now(const sim *s);
uint64_t sim_events(const sim *s);     /* events fired so far */
size_t   sim_pending(const sim *s);

/* Progress callback, called about every 2^16 events with the current time. */
void sim_on_progress(sim *s, void (*fn)(void *ctx, double t), void *ctx);

/* A process-wide flag raised by SIGINT/SIGTERM handlers; sim_run returns
 * SIM_EINTR when it sees it. */
extern volatile int sim_interrupted;

#endif
