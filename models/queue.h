/* queue.h — the M/M/c validation model and its analytic reference.
 *
 * Customers arrive by a Poisson process of rate lambda, wait in one FIFO
 * queue and are served by c identical servers with exponential service times
 * of rate mu.  The model records each customer's waiting time (time from
 * arrival to start of service) after a warm-up, and reports the mean with a
 * batch-means confidence interval beside the Erlang C value:
 *
 *     Wq = C(c, a) / (c mu - lambda),   a = lambda / mu,  rho = a / c < 1,
 *
 * where C(c, a) is the Erlang C probability that an arrival waits.  For c = 1
 * this is the M/M/1 result Wq = rho / (mu - lambda).
 */
#ifndef DAIS_QUEUE_H
#define DAIS_QUEUE_H

#include <stdint.h>

#include "sim/model.h"

struct queue_params {
	int servers;          /* c */
	double arrival_rate;  /* lambda, 1/s */
	double service_rate;  /* mu, 1/s */
	int64_t customers;    /* measured customers per replication */
	int64_t warmup;       /* customers discarded first */
	double sample_every;  /* s; 0 = no queue-length series */
};

/* What one replication measured. */
struct queue_result {
	double mean_wait;      /* s, mean waiting time in queue */
	double wait_ci95;      /* s, batch-means half-width of the 95% interval */
	double mean_sojourn;   /* s, waiting + service */
	double server_util;    /* fraction of server time busy */
	double mean_queue_len; /* customers waiting, time average */
	int64_t max_queue_len;
	int64_t customers;     /* measured */
	uint64_t events;
	double t_end;          /* s, simulated time at the last measured start */
};

extern const struct model_type queue_model_type;

/* Erlang C: the probability that an arrival must wait, for c servers and
 * offered load a = lambda/mu < c.  Returns NaN when the queue is unstable. */
double queue_erlang_c(int c, double a);

/* Analytic mean waiting time Wq of M/M/c (s); NaN when unstable. */
double queue_mmc_wait(int c, double lambda, double mu);

/* Runs one replication without a recorder (used by the benchmark and tests). */
sim_status queue_simulate(const struct queue_params *p, uint64_t seed, int rep,
                          struct queue_result *out);

#endif
