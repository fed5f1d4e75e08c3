/* queue.c — M/M/c on the event core, with a batch-means interval. */
#include "queue.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

#include "sim/rng.h"
#include "sim/sim.h"

#define NBATCH 32  /* batches for the within-replication interval */

double queue_erlang_c(int c, double a)
{
	if (!(a > 0) || c < 1 || a >= c)
		return NAN;
	/* Erlang B by the stable recursion B(k) = a B(k-1) / (k + a B(k-1)). */
	double b = 1.0;
	for (int k = 1; k <= c; k++)
		b = a * b / (k + a * b);
	return c * b / (c - a * (1.0 - b));
}

double queue_mmc_wait(int c, double lambda, double mu)
{
	double pc = queue_erlang_c(c, lambda / mu);
	return isnan(pc) ? NAN : pc / (c * mu - lambda);
}

/* ---------------------------------------------------------------- state */

struct mmc {
	const struct queue_params *p;
	gsl_rng *arr_rng, *svc_rng;   /* separate streams: arrivals and services */
	int h_arrive, h_depart, h_sample;
	int busy;                     /* servers busy */
	double *fifo;                 /* ring of arrival times, s; capacity a power of 2 */
	size_t fifo_cap, head, len;
	int64_t started;              /* customers that began service */
	int64_t measured;
	double sum_wait, sum_sojourn_svc;
	double batch_sum[NBATCH];
	int64_t batch_size, batch_left;  /* customers per batch, left in this one */
	int batch;                       /* current batch */
	double busy_area, qlen_area, last_t, t0;  /* time integrals after warm-up */
	int64_t max_q;
	rec *r;
	int s_qlen;
	const struct model_ctx *ctx;
	sim_status err;
};

static int fifo_push(struct mmc *m, double t)
{
	if (m->len == m->fifo_cap) {
		size_t cap = m->fifo_cap * 2;
		double *f = malloc(cap * sizeof *f);
		if (!f)
			return 0;
		for (size_t i = 0; i < m->len; i++)
			f[i] = m->fifo[(m->head + i) & (m->fifo_cap - 1)];
		free(m->fifo);
		m->fifo = f;
		m->fifo_cap = cap;
		m->head = 0;
	}
	m->fifo[(m->head + m->len++) & (m->fifo_cap - 1)] = t;
	return 1;
}

static double fifo_pop(struct mmc *m)
{
	double t = m->fifo[m->head];
	m->head = (m->head + 1) & (m->fifo_cap - 1);
	m->len--;
	return t;
}

/* Time integrals of busy servers and queue length, from the warm-up on. */
static inline void advance(struct mmc *m, double t)
{
	if (m->started > m->p->warmup) {
		double dt = t - m->last_t;
		m->busy_area += dt * m->busy;
		m->qlen_area += dt * (double)m->len;
	}
	m->last_t = t;
}

static void start_service(sim *s, struct mmc *m, double t_arr, double now)
{
	double svc = gsl_ran_exponential(m->svc_rng, 1.0 / m->p->service_rate);
	m->busy++;
	sim_schedule(s, now + svc, 0, m->h_depart, 0, 0.0);
	int64_t k = m->started++;
	if (k == m->p->warmup) {  /* measurement starts with this customer */
		m->t0 = m->last_t = now;
		m->busy_area = m->qlen_area = 0.0;
	}
	if (k < m->p->warmup)
		return;
	double w = now - t_arr;
	m->sum_wait += w;
	m->sum_sojourn_svc += svc;
	if (m->batch < NBATCH) {
		m->batch_sum[m->batch] += w;
		if (--m->batch_left == 0) {
			m->batch++;
			m->batch_left = m->batch_size;
		}
	}
	m->measured++;
	if (m->measured == m->p->customers)
		sim_stop(s);
	if (m->ctx && m->ctx->progress && (m->measured & 0xfffff) == 0)
		m->ctx->progress(m->ctx->pctx, m->ctx->rep,
		                 (double)m->measured / (double)m->p->customers, sim_events(s));
}

static void on_arrive(sim *s, void *ctx, const struct evq_ev *ev)
{
	struct mmc *m = ctx;
	advance(m, ev->t);
	sim_schedule(s, ev->t + gsl_ran_exponential(m->arr_rng, 1.0 / m->p->arrival_rate),
	             0, m->h_arrive, 0, 0.0);
	if (m->busy < m->p->servers) {
		start_service(s, m, ev->t, ev->t);
	} else {
		if (!fifo_push(m, ev->t)) {
			m->err = SIM_ENOMEM;
			sim_stop(s);
		}
		if ((int64_t)m->len > m->max_q && m->started > m->p->warmup)
			m->max_q = (int64_t)m->len;
	}
}

static void on_depart(sim *s, void *ctx, const struct evq_ev *ev)
{
	struct mmc *m = ctx;
	advance(m, ev->t);
	m->busy--;
	if (m->len > 0)
		start_service(s, m, fifo_pop(m), ev->t);
}

static void on_sample(sim *s, void *ctx, const struct evq_ev *ev)
{
	struct mmc *m = ctx;
	rec_set(m->r, m->s_qlen, 0, (double)m->len);
	rec_set(m->r, m->s_qlen, 1, (double)m->busy);
	if (rec_sample(m->r, ev->t) != SIM_OK) {
		m->err = SIM_ENOMEM;
		sim_stop(s);
		return;
	}
	sim_schedule(s, ev->t + m->p->sample_every, 1, m->h_sample, 0, 0.0);
}

static sim_status simulate(const struct queue_params *p, uint64_t seed, int rep,
                           const struct model_ctx *ctx, rec *r, struct queue_result *out)
{
	struct mmc m = { .p = p, .ctx = ctx, .r = r };
	sim *s = sim_alloc();
	m.arr_rng = rng_stream(seed, (uint64_t)rep, RNG_MODEL_QUEUE, 0);
	m.svc_rng = rng_stream(seed, (uint64_t)rep, RNG_MODEL_QUEUE, 1);
	m.fifo_cap = 1024;
	m.fifo = malloc(m.fifo_cap * sizeof *m.fifo);
	sim_status st = SIM_ENOMEM;
	if (!s || !m.arr_rng || !m.svc_rng || !m.fifo)
		goto done;
	m.batch_size = m.batch_left = p->customers / NBATCH > 0 ? p->customers / NBATCH : 1;
	m.h_arrive = sim_handler(s, on_arrive, &m);
	m.h_depart = sim_handler(s, on_depart, &m);
	sim_schedule(s, gsl_ran_exponential(m.arr_rng, 1.0 / p->arrival_rate), 0,
	             m.h_arrive, 0, 0.0);
	if (r && p->sample_every > 0) {
		const char *cols[] = { "waiting", "in_service" };
		m.s_qlen = rec_series(r, "queue_length", "customers", 2, cols);
		rec_series_dim(r, m.s_qlen, "state");
		m.h_sample = sim_handler(s, on_sample, &m);
		sim_schedule(s, 0.0, 1, m.h_sample, 0, 0.0);
	}
	st = sim_run(s, INFINITY);
	if (st == SIM_OK)
		st = m.err;
	if (st != SIM_OK)
		goto done;

	advance(&m, sim_now(s));
	double T = sim_now(s) - m.t0;
	out->customers = m.measured;
	out->mean_wait = m.sum_wait / (double)m.measured;
	out->mean_sojourn = (m.sum_wait + m.sum_sojourn_svc) / (double)m.measured;
	out->server_util = T > 0 ? m.busy_area / (T * p->servers) : NAN;
	out->mean_queue_len = T > 0 ? m.qlen_area / T : NAN;
	out->max_queue_len = m.max_q;
	out->events = sim_events(s);
	out->t_end = sim_now(s);
	/* Batch means: waiting times are correlated, batches of n/32 nearly are not. */
	int nb = p->customers >= NBATCH ? NBATCH : 0;
	if (nb >= 2) {
		double mean = 0, ss = 0;
		for (int b = 0; b < nb; b++)
			mean += m.batch_sum[b] / (double)m.batch_size;
		mean /= nb;
		for (int b = 0; b < nb; b++) {
			double d = m.batch_sum[b] / (double)m.batch_size - mean;
			ss += d * d;
		}
		out->wait_ci95 = gsl_cdf_tdist_Pinv(0.975, nb - 1) * sqrt(ss / (nb - 1) / nb);
	} else {
		out->wait_ci95 = NAN;
	}
done:
	free(m.fifo);
	gsl_rng_free(m.arr_rng);
	gsl_rng_free(m.svc_rng);
	sim_free(s);
	return st;
}

sim_status queue_simulate(const struct queue_params *p, uint64_t seed, int rep,
                          struct queue_result *out)
{
	return simulate(p, seed, rep, NULL, NULL, out);
}

/* ------------------------------------------------------------ model type */

static sim_status q_parse(void *params, const scn *s, sim_diag *d)
{
	struct queue_params *p = params;
	p->servers = (int)scn_int(s, "queue.servers");
	p->arrival_rate = scn_num(s, "queue.arrival_rate");
	p->service_rate = scn_num(s, "queue.service_rate");
	p->customers = scn_int(s, "queue.customers");
	p->warmup = scn_int(s, "queue.warmup");
	p->sample_every = scn_num(s, "queue.sample_every");
	double rho = p->arrival_rate / (p->servers * p->service_rate);
	if (!(rho < 1.0)) {
		diag_add(d, "%s: $.queue.arrival_rate: expected a stable queue "
		         "(arrival_rate < servers * service_rate = %g), got %g (load %.3g)",
		         scn_path(s), p->servers * p->service_rate, p->arrival_rate, rho);
		return SIM_EINVAL;
	}
	return SIM_OK;
}

static sim_status q_run(const void *params, const struct model_ctx *ctx, rec *r, sim_diag *d)
{
	const struct queue_params *p = params;
	struct queue_result res;
	sim_status st = simulate(p, ctx->seed, ctx->rep, ctx, r, &res);
	if (st != SIM_OK) {
		diag_add(d, "queue: replication %d: %s", ctx->rep, sim_strerror(st));
		return st;
	}
	double wq = queue_mmc_wait(p->servers, p->arrival_rate, p->service_rate);
	rec_scalar(r, "mean_wait", "s", res.mean_wait);
	rec_scalar(r, "mean_wait_ci95_halfwidth", "s", res.wait_ci95);
	rec_scalar(r, "mean_wait_analytic", "s", wq);
	rec_scalar(r, "mean_wait_rel_error", "1", (res.mean_wait - wq) / wq);
	rec_scalar(r, "mean_sojourn", "s", res.mean_sojourn);
	rec_scalar(r, "mean_sojourn_analytic", "s", wq + 1.0 / p->service_rate);
	rec_scalar(r, "server_utilisation", "1", res.server_util);
	rec_scalar(r, "server_utilisation_analytic", "1",
	           p->arrival_rate / (p->servers * p->service_rate));
	rec_scalar(r, "mean_queue_length", "customers", res.mean_queue_len);
	rec_scalar(r, "mean_queue_length_analytic", "customers", p->arrival_rate * wq);
	rec_scalar(r, "max_queue_length", "customers", (double)res.max_queue_len);
	rec_scalar(r, "customers", "customers", (double)res.customers);
	rec_scalar(r, "events", "events", (double)res.events);
	rec_scalar(r, "simulated_time", "s", res.t_end);
	return SIM_OK;
}

const struct model_type queue_model_type = {
	.name = "queue",
	.summary = "M/M/c queue validated against Erlang C",
	.params_size = sizeof(struct queue_params),
	.parse = q_parse,
	.run = q_run,
	.release = NULL,
};
