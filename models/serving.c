/* serving.c — the serving model: arrivals, continuous batching, paged KV
 * accounting, timing by cost model or by the embedded engine, metrics; then
 * the cost models, the scenario glue and the commands (validate-serving,
 * capacity), each after a rule line. */
#include "serving.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_randist.h>

#include "csv.h"
#include "router.h"
#include "rng.h"
#include "sim.h"

/* ---------------------------------------------------------------- cost */

void srv_cost_features(const struct srv_step *s, double *x)
{
	x[0] = 1.0;
	x[1] = s->n_tokens;
	x[2] = s->n_logits;
	x[3] = s->attn;
	x[4] = s->n_seqs;
	x[5] = s->ctx_tokens;
}

double srv_cost_eval(const struct srv_cost *m, const struct srv_step *s)
{
	return m->c[0] + m->c[1] * s->n_tokens + m->c[2] * s->n_logits + m->c[3] * s->attn +
	       m->c[4] * s->n_seqs + m->c[5] * s->ctx_tokens;
}

static double wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---------------------------------------------------------------- histograms */

/* About the histogram: the bucket of x > 0 is its binary exponent and the top
 * HIST_SUB bits of its mantissa, read from the IEEE bits: 2^HIST_SUB buckets
 * per octave, from 2^-30 s (1 ns) to 2^21 s (24 days).  O(1), no log(). */
#define HIST_SUB 8
#define HIST_EMIN (1023 - 30)
#define HIST_EMAX (1023 + 21)
#define HIST_N (((HIST_EMAX - HIST_EMIN) << HIST_SUB) + 1)

struct hist {
	uint64_t *c;   /* (HIST_N,) counts */
	int64_t n;
	double sum;
};

static inline int hist_bucket(double x)
{
	if (!(x > 0))
		return 0;
	uint64_t b;
	memcpy(&b, &x, sizeof b);
	int e = (int)(b >> 52);
	if (e < HIST_EMIN)
		return 0;
	if (e >= HIST_EMAX)
		return HIST_N - 1;
	return ((e - HIST_EMIN) << HIST_SUB) + (int)((b >> (52 - HIST_SUB)) & ((1u << HIST_SUB) - 1));
}

static inline void hist_add(struct hist *h, double x)
{
	h->c[hist_bucket(x)]++;
	h->n++;
	h->sum += x;
}

/* Midpoint of bucket k. */
static double hist_mid(int k)
{
	if (k == 0)
		return 0.0;
	int e = (k >> HIST_SUB) + HIST_EMIN;
	int m = k & ((1 << HIST_SUB) - 1);
	double lo = ldexp(1.0 + (double)m / (1 << HIST_SUB), e - 1023);
	return lo * (1.0 + 0.5 / (1 << HIST_SUB));
}

/* The q-quantile as the ceil(q n)-th smallest value (to bucket precision). */
static double hist_quantile(const struct hist *h, double q)
{
	if (h->n == 0)
		return NAN;
	int64_t k = (int64_t)ceil(q * (double)h->n);
	if (k < 1)
		k = 1;
	int64_t cum = 0;
	for (int i = 0; i < HIST_N; i++) {
		cum += (int64_t)h->c[i];
		if (cum >= k)
			return hist_mid(i);
	}
	return hist_mid(HIST_N - 1);
}

/* ---------------------------------------------------------------- state */

struct req {
	double t_arr, t_first, t_admit;  /* s; t_first, t_admit < 0 until they happen */
	int32_t prompt, output;          /* tokens */
	int32_t gen;                     /* tokens generated (kept across preemption) */
	int32_t node;
	int64_t id;
};

/* About a node's running set: parallel arrays in admission order (the tail
 * is preempted first).  For sequence i: len = KV positions held, tgt =
 * prompt + generated (the next token is emitted when len reaches tgt), end =
 * prompt + output (done when tgt reaches it), blk = blocks held, take =
 * tokens scheduled in the step in flight. */
struct node {
	int id;
	int32_t *wq;              /* waiting deque of pool indices, capacity wcap (power of 2) */
	int wcap, whead, wlen;
	int32_t *rq, *len, *tgt, *end, *prompt, *blk, *take, *eseq;  /* (max_seqs,) */
	int nrun;
	int kv_blocks, free_blocks;
	int busy;                 /* a step is in flight */
	struct srv_step cur;      /* its composition */
	double step_dt;
	const struct srv_cost *cost;
	/* driven mode */
	eng_ctx *ec;
	int32_t *btok, *bseq;     /* (max_batch_tokens,) */
	uint8_t *blog;
	/* accounting */
	double busy_s;
};

struct srv {
	const struct srv_params *p;
	const struct srv_run_opts *o;
	sim *s;
	gsl_rng *arr_rng, *len_rng, *route_rng;
	int h_arrive, h_step, h_sample;
	struct node *nodes;
	int64_t *load;            /* (n_nodes,) outstanding requests */
	double *speed;
	struct router router;
	struct req *pool;
	int32_t *free_list;
	int pool_cap, n_free;
	/* arrivals */
	int64_t next_id;
	int mmpp_high;
	double mmpp_switch, lam_low, lam_high;
	int arrivals_done;
	double t_arrivals_end;
	/* counters */
	int64_t arrived, completed, dropped, in_system, waiting, kv_used, kv_total;
	int64_t max_queue, preemptions, steps, step_tokens, step_seqs;
	int64_t recorded;
	double t_last, area_sys, area_wait, area_kv;
	/* measurement window [warmup, end of arrivals] */
	double win_lo;
	int64_t win_done, win_out_tokens, win_in_tokens;
	double done_sojourn;      /* sum of completed sojourns (whole run) */
	struct hist h_ttft, h_tpot, h_e2e, h_qd;
	/* time series */
	int s_queue, s_run, s_kv, s_thr, s_nodeq;
	int64_t last_sample_tokens;
	int64_t out_tokens;
	double step_wall;
	sim_status err;
	sim_diag *d;
};

/* ---------------------------------------------------------------- helpers */

static inline void account(struct srv *m, double now)
{
	double dt = now - m->t_last;
	if (dt > 0) {
		m->area_sys += dt * (double)m->in_system;
		m->area_wait += dt * (double)m->waiting;
		m->area_kv += dt * (double)m->kv_used;
		m->t_last = now;
	}
}

static void fail(struct srv *m, sim_status st, const char *msg)
{
	if (m->err == SIM_OK) {
		m->err = st;
		diag_add(m->d, "serving: %s", msg);
	}
	sim_stop(m->s);
}

static int draw_len(const struct srv_len_dist *ld, gsl_rng *r)
{
	double x;
	switch (ld->kind) {
	case SRV_DIST_EXPONENTIAL:
		x = gsl_ran_exponential(r, ld->mean);
		break;
	case SRV_DIST_LOGNORMAL: {
		double s2 = log1p(ld->cv * ld->cv);
		x = gsl_ran_lognormal(r, log(ld->mean) - 0.5 * s2, sqrt(s2));
		break;
	}
	case SRV_DIST_UNIFORM:
		return ld->min + (int)gsl_rng_uniform_int(r, (unsigned long)(ld->max - ld->min + 1));
	case SRV_DIST_FIXED:
	default:
		x = ld->mean;
		break;
	}
	long v = lround(x);
	if (v < ld->min)
		v = ld->min;
	if (v > ld->max)
		v = ld->max;
	return (int)v;
}

static inline int blocks_for(int positions, int bt)
{
	return (positions + bt - 1) / bt;
}

static void wq_push_back(struct node *n, int32_t r)
{
	n->wq[(n->whead + n->wlen++) & (n->wcap - 1)] = r;
}

static void wq_push_front(struct node *n, int32_t r)
{
	n->whead = (n->whead - 1) & (n->wcap - 1);
	n->wq[n->whead] = r;
	n->wlen++;
}

static int32_t wq_pop_front(struct node *n)
{
	int32_t r = n->wq[n->whead];
	n->whead = (n->whead + 1) & (n->wcap - 1);
	n->wlen--;
	return r;
}

/* ---------------------------------------------------------------- requests done */

static void finish(struct srv *m, struct node *n, int32_t ri, double now)
{
	struct req *q = &m->pool[ri];
	m->completed++;
	m->in_system--;
	m->load[n->id]--;
	double e2e = now - q->t_arr;
	m->done_sojourn += e2e;
	if (q->t_arr >= m->win_lo && (!m->arrivals_done || now <= m->t_arrivals_end)) {
		m->win_done++;
		m->win_in_tokens += q->prompt;
	}
	if (q->t_arr >= m->p->warmup_s) {
		double ttft = q->t_first - q->t_arr;
		hist_add(&m->h_ttft, ttft);
		hist_add(&m->h_e2e, e2e);
		hist_add(&m->h_qd, q->t_admit - q->t_arr);
		double tpot = NAN;
		if (q->output > 1) {
			tpot = (now - q->t_first) / (q->output - 1);
			hist_add(&m->h_tpot, tpot);
		}
		if (m->o->r && m->recorded < m->p->record_requests) {
			m->recorded++;
			rec_event(m->o->r, now, "ttft", (long long)q->id, ttft);
			if (q->output > 1)
				rec_event(m->o->r, now, "tpot", (long long)q->id, tpot);
			rec_event(m->o->r, now, "e2e", (long long)q->id, e2e);
		}
	}
	m->free_list[m->n_free++] = ri;
	if (m->o->ctx && m->o->ctx->progress && (m->completed & 0xffff) == 0) {
		double f = m->p->max_requests > 0 ? (double)m->completed / (double)m->p->max_requests
		         : m->p->horizon_s > 0 ? now / m->p->horizon_s : 0.0;
		m->o->ctx->progress(m->o->ctx->pctx, m->o->rep, f > 1 ? 1 : f, sim_events(m->s));
	}
}

/* Frees the blocks of running sequence k (the tail) and queues it again. */
static void preempt_tail(struct srv *m, struct node *n)
{
	int k = n->nrun - 1;
	struct req *q = &m->pool[n->rq[k]];
	q->gen = n->tgt[k] - n->prompt[k];
	n->free_blocks += n->blk[k];
	m->kv_used -= n->blk[k];
	if (n->ec)
		eng_seq_close(n->ec, n->eseq[k]);
	wq_push_front(n, n->rq[k]);
	m->waiting++;
	n->nrun--;
	m->preemptions++;
}

/* ---------------------------------------------------------------- scheduler */

/* About a step end: one pass applies the finished step (positions advance,
 * tokens are emitted, finished sequences leave, keeping admission order),
 * then the next step is scheduled: running sequences first, in order, then
 * the queue.  A running sequence that cannot get its blocks preempts the
 * tail until it can, or preempts itself when it is the tail. */
static void commit(struct srv *m, struct node *n, double now)
{
	int j = 0;
	int64_t emitted = 0;
	for (int i = 0; i < n->nrun; i++) {
		int t = n->take[i];
		int l = n->len[i] + t;
		int tg = n->tgt[i];
		if (t > 0 && l == tg) {
			emitted++;
			if (tg == n->prompt[i])
				m->pool[n->rq[i]].t_first = now;
			tg++;
			if (tg == n->end[i]) {
				n->free_blocks += n->blk[i];
				m->kv_used -= n->blk[i];
				if (n->ec)
					eng_seq_close(n->ec, n->eseq[i]);
				finish(m, n, n->rq[i], now);
				continue;
			}
		}
		n->rq[j] = n->rq[i];
		n->len[j] = l;
		n->tgt[j] = tg;
		n->end[j] = n->end[i];
		n->prompt[j] = n->prompt[i];
		n->blk[j] = n->blk[i];
		n->eseq[j] = n->eseq[i];
		n->take[j] = 0;
		j++;
	}
	n->nrun = j;
	m->out_tokens += emitted;
	if (now >= m->win_lo && (!m->arrivals_done || now <= m->t_arrivals_end))
		m->win_out_tokens += emitted;
}

static inline void add_to_step(struct srv_step *s, int len, int t, int tgt, int prompt)
{
	s->n_tokens += t;
	s->n_seqs++;
	if (t == 1 && len + 1 == tgt && tgt > prompt)
		s->n_decode++;
	else
		s->n_prefill += t;
	if (len + t == tgt)
		s->n_logits++;
	s->attn += (double)t * len + 0.5 * (double)t * (t + 1);
	s->ctx_tokens += len + t;
}

static void schedule(struct srv *m, struct node *n, double now)
{
	const struct srv_params *p = m->p;
	const int bt = p->block_tokens;
	int budget = p->max_batch_tokens;
	struct srv_step st = { 0 };
	for (int i = 0; i < n->nrun; i++) {
		int want = n->tgt[i] - n->len[i];
		int t = want < budget ? want : budget;
		if (t <= 0) {
			n->take[i] = 0;
			continue;
		}
		int need = blocks_for(n->len[i] + t, bt) - n->blk[i];
		while (need > n->free_blocks && n->nrun - 1 > i)
			preempt_tail(m, n);
		if (need > n->free_blocks) {  /* i is the tail: it gives way */
			preempt_tail(m, n);
			break;
		}
		n->free_blocks -= need;
		m->kv_used += need;
		n->blk[i] += need;
		n->take[i] = t;
		budget -= t;
		add_to_step(&st, n->len[i], t, n->tgt[i], n->prompt[i]);
	}
	int reserve = (int)(p->watermark * n->kv_blocks);
	while (n->wlen > 0 && budget > 0 && n->nrun < p->max_seqs) {
		struct req *q = &m->pool[n->wq[n->whead]];
		int tg = q->prompt + q->gen;
		int t = tg < budget ? tg : budget;
		int need = blocks_for(t, bt);
		if (need + (n->nrun > 0 ? reserve : 0) > n->free_blocks)
			break;
		int32_t ri = wq_pop_front(n);
		m->waiting--;
		int k = n->nrun;
		if (n->ec) {
			int es;
			if (eng_seq_open(n->ec, &es) != ENG_OK) {
				fail(m, SIM_EINTERNAL, "engine has no free sequence slot where the scheduler has one");
				return;
			}
			n->eseq[k] = es;
		}
		if (q->t_admit < 0)
			q->t_admit = now;
		n->rq[k] = ri;
		n->len[k] = 0;
		n->tgt[k] = tg;
		n->end[k] = q->prompt + q->output;
		n->prompt[k] = q->prompt;
		n->blk[k] = need;
		n->take[k] = t;
		n->nrun++;
		n->free_blocks -= need;
		m->kv_used += need;
		budget -= t;
		add_to_step(&st, 0, t, tg, q->prompt);
	}
	n->cur = st;
}

/* Runs the scheduled batch on the engine; returns the measured seconds. */
static double run_engine(struct srv *m, struct node *n)
{
	int k = 0;
	const int vocab = eng_model_config(m->p->engine)->vocab_size;
	for (int i = 0; i < n->nrun; i++) {
		int t = n->take[i];
		for (int j = 0; j < t; j++) {
			int pos = n->len[i] + j;
			/* token ids only need to be valid: a hash of (request, position) */
			n->btok[k] = (int32_t)(((uint32_t)n->rq[i] * 2654435761u + (uint32_t)pos * 40503u) %
			                       (uint32_t)vocab);
			n->bseq[k] = n->eseq[i];
			n->blog[k] = j == t - 1 && n->len[i] + t == n->tgt[i];
			k++;
		}
	}
	struct eng_batch b = { .n = k, .token = n->btok, .seq = n->bseq, .logits = n->blog };
	double t0 = wall_now();
	eng_status es = eng_step(n->ec, &b);
	double dt = wall_now() - t0;
	if (es != ENG_OK) {
		char msg[700];
		snprintf(msg, sizeof msg, "node %d: engine step of %d tokens failed (%s: %s); the "
		         "engine's KV cache disagrees with the scheduler's", n->id, k, eng_strerror(es),
		         eng_errmsg(n->ec));
		fail(m, SIM_EINTERNAL, msg);
		return 0;
	}
	m->step_wall += dt;
	return dt;
}

/* Invariants checked every step when p->check is set. */
static void check_node(struct srv *m, struct node *n)
{
	const int bt = m->p->block_tokens;
	int held = 0;
	char msg[256];
	for (int i = 0; i < n->nrun; i++) {
		int after = n->len[i] + n->take[i];
		held += n->blk[i];
		if (after > n->blk[i] * bt || after > n->tgt[i] || n->tgt[i] >= n->end[i] ||
		    n->blk[i] != blocks_for(after, bt)) {
			snprintf(msg, sizeof msg, "node %d: sequence %d holds %d blocks for %d positions "
			         "(target %d, end %d)", n->id, i, n->blk[i], after, n->tgt[i], n->end[i]);
			fail(m, SIM_EINTERNAL, msg);
			return;
		}
		if (n->ec && eng_seq_len(n->ec, n->eseq[i]) != after) {
			snprintf(msg, sizeof msg, "node %d: engine sequence %d holds %d positions, the "
			         "scheduler counts %d", n->id, n->eseq[i], eng_seq_len(n->ec, n->eseq[i]), after);
			fail(m, SIM_EINTERNAL, msg);
			return;
		}
	}
	if (held + n->free_blocks != n->kv_blocks ||
	    (n->ec && eng_kv_free_blocks(n->ec) != n->free_blocks)) {
		snprintf(msg, sizeof msg, "node %d: KV blocks held %d + free %d != %d (engine free %d)",
		         n->id, held, n->free_blocks, n->kv_blocks, n->ec ? eng_kv_free_blocks(n->ec) : -1);
		fail(m, SIM_EINTERNAL, msg);
		return;
	}
	int64_t q = 0, r = 0;
	for (int i = 0; i < m->p->n_nodes; i++) {
		q += m->nodes[i].wlen;
		r += m->nodes[i].nrun;
	}
	if (m->arrived != m->completed + q + r + m->dropped || q + r != m->in_system) {
		snprintf(msg, sizeof msg, "requests not conserved: arrived %lld, completed %lld, queued "
		         "%lld, running %lld, dropped %lld", (long long)m->arrived, (long long)m->completed,
		         (long long)q, (long long)r, (long long)m->dropped);
		fail(m, SIM_EINTERNAL, msg);
	}
}

/* Schedules and starts the next step of node n at time now, or idles it. */
static void start_step(struct srv *m, struct node *n, double now)
{
	schedule(m, n, now);
	if (m->err != SIM_OK)
		return;
	if (n->cur.n_tokens == 0) {
		n->busy = 0;
		return;
	}
	double dt;
	if (n->ec) {
		dt = run_engine(m, n);
		if (m->o->driven_clock)
			dt = srv_cost_eval(m->o->driven_clock, &n->cur);
	} else {
		dt = srv_cost_eval(n->cost, &n->cur);
	}
	if (!(dt > 0))
		dt = 1e-9;  /* a step takes time; keeps the clock moving */
	if (m->p->check)
		check_node(m, n);
	struct srv_steplog *lg = m->o->log;
	if (lg && lg->n < lg->cap) {
		lg->step[lg->n] = n->cur;
		lg->dt[lg->n++] = dt;
	}
	n->busy = 1;
	n->step_dt = dt;
	n->busy_s += dt;
	m->steps++;
	m->step_tokens += n->cur.n_tokens;
	m->step_seqs += n->cur.n_seqs;
	if (sim_schedule(m->s, now + dt, 0, m->h_step, (uint64_t)n->id, 0.0) == EVQ_NONE)
		fail(m, SIM_ENOMEM, "out of memory in the event queue");
}

static void on_step(sim *s, void *ctx, const struct evq_ev *ev)
{
	struct srv *m = ctx;
	struct node *n = &m->nodes[ev->id];
	account(m, ev->t);
	commit(m, n, ev->t);
	start_step(m, n, ev->t);
	if (m->arrivals_done && m->in_system == 0 && m->p->drain)
		sim_stop(s);
}

/* ---------------------------------------------------------------- arrivals */

/* The time of the next arrival after t, or INFINITY when arrivals end. */
static double next_arrival(struct srv *m, double t, int32_t *prompt, int32_t *output)
{
	const struct srv_params *p = m->p;
	if (p->max_requests > 0 && m->next_id >= p->max_requests)
		return INFINITY;
	double tn;
	if (p->arrival == SRV_ARR_TRACE) {
		if (m->next_id >= p->trace->n)
			return INFINITY;
		tn = p->trace->arrival_s[m->next_id] * p->trace_time_scale;
		*prompt = p->trace->prompt[m->next_id];
		*output = p->trace->output[m->next_id];
	} else {
		if (p->arrival == SRV_ARR_MMPP) {
			for (;;) {
				double lam = m->mmpp_high ? m->lam_high : m->lam_low;
				double dt = gsl_ran_exponential(m->arr_rng, 1.0 / lam);
				if (t + dt < m->mmpp_switch) {
					tn = t + dt;
					break;
				}
				t = m->mmpp_switch;  /* memoryless: restart in the new state */
				m->mmpp_high = !m->mmpp_high;
				double mean = (m->mmpp_high ? p->mmpp_high_frac : 1 - p->mmpp_high_frac) *
				              p->mmpp_cycle_s;
				m->mmpp_switch = t + gsl_ran_exponential(m->arr_rng, mean);
			}
		} else {
			tn = t + gsl_ran_exponential(m->arr_rng, 1.0 / p->arrival_rate);
		}
		*prompt = draw_len(&p->prompt, m->len_rng);
		*output = draw_len(&p->output, m->len_rng);
	}
	if (p->horizon_s > 0 && tn > p->horizon_s)
		return INFINITY;
	return tn;
}

/* The next arrival is carried by its event: x = time, id = index; its
 * lengths are drawn when it happens, from their own stream. */
static void schedule_next(struct srv *m, double t)
{
	int32_t pr = 0, out = 0;
	double tn = next_arrival(m, t, &pr, &out);
	if (isinf(tn)) {
		m->arrivals_done = 1;
		m->t_arrivals_end = t;
		if (!m->p->drain && !(m->p->horizon_s > 0))
			sim_stop(m->s);
		if (m->p->drain && m->in_system == 0)
			sim_stop(m->s);
		return;
	}
	if (sim_schedule(m->s, tn, 0, m->h_arrive, ((uint64_t)(uint32_t)pr << 32) | (uint32_t)out,
	                 0.0) == EVQ_NONE)
		fail(m, SIM_ENOMEM, "out of memory in the event queue");
}

static void on_arrive(sim *s, void *ctx, const struct evq_ev *ev)
{
	struct srv *m = ctx;
	(void)s;
	account(m, ev->t);
	int32_t pr = (int32_t)(ev->id >> 32), out = (int32_t)(ev->id & 0xffffffffu);
	m->arrived++;
	int64_t id = m->next_id++;
	int k = router_pick(&m->router, m->load);
	struct node *n = &m->nodes[k];
	const struct srv_params *p = m->p;
	int positions = pr + out - 1;
	if (n->wlen >= p->max_queue || m->n_free == 0 || positions > p->max_seq_len ||
	    blocks_for(positions, p->block_tokens) > n->kv_blocks) {
		m->dropped++;
	} else {
		int32_t ri = m->free_list[--m->n_free];
		struct req *q = &m->pool[ri];
		*q = (struct req){ .t_arr = ev->t, .t_first = -1, .t_admit = -1, .prompt = pr,
		                   .output = out, .gen = 0, .node = k, .id = id };
		wq_push_back(n, ri);
		m->waiting++;
		m->in_system++;
		m->load[k]++;
		if (n->wlen > m->max_queue)
			m->max_queue = n->wlen;
		if (!n->busy)
			start_step(m, n, ev->t);
	}
	schedule_next(m, ev->t);
}

static void on_sample(sim *s, void *ctx, const struct evq_ev *ev)
{
	struct srv *m = ctx;
	account(m, ev->t);
	rec *r = m->o->r;
	int64_t run = 0;
	for (int i = 0; i < m->p->n_nodes; i++) {
		run += m->nodes[i].nrun;
		if (m->s_nodeq >= 0)
			rec_set(r, m->s_nodeq, i, (double)(m->nodes[i].wlen + m->nodes[i].nrun));
	}
	rec_set(r, m->s_queue, 0, (double)m->waiting);
	rec_set(r, m->s_run, 0, (double)run);
	rec_set(r, m->s_kv, 0, m->kv_total ? (double)m->kv_used / (double)m->kv_total : 0.0);
	rec_set(r, m->s_thr, 0, (double)(m->out_tokens - m->last_sample_tokens) / m->p->sample_every);
	m->last_sample_tokens = m->out_tokens;
	if (rec_sample(r, ev->t) != SIM_OK) {
		fail(m, SIM_ENOMEM, "out of memory in the recorder");
		return;
	}
	if (m->arrivals_done && (m->in_system == 0 || !m->p->drain))
		return;
	if (sim_schedule(s, ev->t + m->p->sample_every, 1, m->h_sample, 0, 0.0) == EVQ_NONE)
		fail(m, SIM_ENOMEM, "out of memory in the event queue");
}

/* ---------------------------------------------------------------- setup */

static int pow2_at_least(int x)
{
	int c = 1;
	while (c < x)
		c <<= 1;
	return c;
}

static void nodes_free(struct srv *m)
{
	if (!m->nodes)
		return;
	for (int i = 0; i < m->p->n_nodes; i++) {
		struct node *n = &m->nodes[i];
		free(n->wq);
		free(n->rq);
		free(n->btok);
		free(n->bseq);
		free(n->blog);
		eng_ctx_free(n->ec);
	}
	free(m->nodes);
}

static sim_status setup(struct srv *m)
{
	const struct srv_params *p = m->p;
	int nn = p->n_nodes;
	m->nodes = calloc((size_t)nn, sizeof *m->nodes);
	m->load = calloc((size_t)nn, sizeof *m->load);
	m->speed = calloc((size_t)nn, sizeof *m->speed);
	if (!m->nodes || !m->load || !m->speed)
		return SIM_ENOMEM;
	int64_t per_node = (int64_t)p->max_queue + p->max_seqs;
	int64_t cap = per_node * nn;
	if (cap > (int64_t)1 << 28)
		cap = (int64_t)1 << 28;  /* the pool bounds memory; beyond it arrivals are dropped */
	m->pool_cap = (int)cap;
	m->pool = malloc((size_t)cap * sizeof *m->pool);
	m->free_list = malloc((size_t)cap * sizeof *m->free_list);
	if (!m->pool || !m->free_list)
		return SIM_ENOMEM;
	for (int i = 0; i < m->pool_cap; i++)
		m->free_list[i] = m->pool_cap - 1 - i;
	m->n_free = m->pool_cap;
	for (int i = 0; i < nn; i++) {
		struct node *n = &m->nodes[i];
		n->id = i;
		n->cost = &p->node[i].cost;
		n->kv_blocks = n->free_blocks = p->node[i].kv_blocks;
		m->kv_total += n->kv_blocks;
		m->speed[i] = p->node[i].speed > 0 ? p->node[i].speed : 1.0;
		n->wcap = pow2_at_least((int)(per_node < cap ? per_node : cap));
		n->wq = malloc((size_t)n->wcap * sizeof *n->wq);
		size_t ms = (size_t)p->max_seqs;
		n->rq = malloc(8 * ms * sizeof *n->rq);  /* the eight running arrays, one block */
		if (!n->wq || !n->rq)
			return SIM_ENOMEM;
		n->len = n->rq + ms;
		n->tgt = n->len + ms;
		n->end = n->tgt + ms;
		n->prompt = n->end + ms;
		n->blk = n->prompt + ms;
		n->take = n->blk + ms;
		n->eseq = n->take + ms;
		if (p->timing == SRV_TIMING_DRIVEN) {
			char err[ENG_ERR_LEN];
			struct eng_ctx_params cp = { .n_threads = p->engine_threads > 0 ? p->engine_threads : 1,
			                             .max_tokens = p->max_batch_tokens, .max_seqs = p->max_seqs,
			                             .kv_block_tokens = p->block_tokens,
			                             .kv_blocks = n->kv_blocks,
			                             .max_logits = p->max_seqs };
			if (eng_ctx_alloc(&n->ec, p->engine, &cp, err, sizeof err) != ENG_OK) {
				diag_add(m->d, "serving: node %d: engine context: %s", i, err);
				return SIM_EINVAL;
			}
			if (eng_kv_free_blocks(n->ec) != n->kv_blocks ||
			    eng_kv_block_tokens(n->ec) != p->block_tokens) {
				diag_add(m->d, "serving: node %d: the engine's KV pool (%d blocks of %d) differs "
				         "from the scheduler's (%d of %d)", i, eng_kv_free_blocks(n->ec),
				         eng_kv_block_tokens(n->ec), n->kv_blocks, p->block_tokens);
				return SIM_EINVAL;
			}
			n->btok = malloc((size_t)p->max_batch_tokens * sizeof *n->btok);
			n->bseq = malloc((size_t)p->max_batch_tokens * sizeof *n->bseq);
			n->blog = malloc((size_t)p->max_batch_tokens);
			if (!n->btok || !n->bseq || !n->blog)
				return SIM_ENOMEM;
		}
	}
	struct hist *hs[] = { &m->h_ttft, &m->h_tpot, &m->h_e2e, &m->h_qd };
	for (int i = 0; i < 4; i++) {
		hs[i]->c = calloc(HIST_N, sizeof *hs[i]->c);
		if (!hs[i]->c)
			return SIM_ENOMEM;
	}
	m->arr_rng = rng_stream(m->o->seed, (uint64_t)m->o->rep, RNG_MODEL_SERVING, 0);
	m->len_rng = rng_stream(m->o->seed, (uint64_t)m->o->rep, RNG_MODEL_SERVING, 1);
	m->route_rng = rng_stream(m->o->seed, (uint64_t)m->o->rep, RNG_MODEL_SERVING, 2);
	m->s = sim_alloc();
	if (!m->arr_rng || !m->len_rng || !m->route_rng || !m->s)
		return SIM_ENOMEM;
	m->router = (struct router){ .policy = p->route, .n = nn, .speed = m->speed,
	                             .rng = m->route_rng };
	if (p->arrival == SRV_ARR_MMPP) {
		double f = p->mmpp_high_frac, b = p->mmpp_burst;
		m->lam_low = p->arrival_rate / ((1 - f) + f * b);
		m->lam_high = b * m->lam_low;
		m->mmpp_high = 0;
		m->mmpp_switch = gsl_ran_exponential(m->arr_rng, (1 - f) * p->mmpp_cycle_s);
	}
	return SIM_OK;
}

static sim_status check_params(const struct srv_params *p, sim_diag *d)
{
	const char *why = NULL;
	if (p->n_nodes < 1 || p->n_nodes > SRV_MAX_NODES || !p->node)
		why = "n_nodes must be in [1, 4096] with a node array";
	else if (p->block_tokens < 1 || p->max_batch_tokens < 1 || p->max_seqs < 1 || p->max_queue < 0)
		why = "scheduler sizes must be positive";
	else if (p->arrival == SRV_ARR_TRACE && (!p->trace || p->trace->n < 1))
		why = "trace arrivals need a trace";
	else if (p->arrival != SRV_ARR_TRACE && !(p->arrival_rate > 0))
		why = "arrival_rate must be positive";
	else if (p->arrival == SRV_ARR_MMPP &&
	         !(p->mmpp_burst >= 1 && p->mmpp_high_frac > 0 && p->mmpp_high_frac < 1 &&
	           p->mmpp_cycle_s > 0))
		why = "MMPP needs burst >= 1, 0 < high_frac < 1 and cycle_s > 0";
	else if (p->timing == SRV_TIMING_DRIVEN && !p->engine)
		why = "driven timing needs an engine model";
	else if (!(p->max_requests > 0 || p->horizon_s > 0 || p->arrival == SRV_ARR_TRACE))
		why = "a horizon (seconds or requests) is needed";
	if (why) {
		diag_add(d, "serving: %s", why);
		return SIM_EINVAL;
	}
	for (int i = 0; i < p->n_nodes; i++)
		if (p->node[i].kv_blocks < 1) {
			diag_add(d, "serving: node %d (%s): no KV blocks (the model does not fit its memory)",
			         i, p->node[i].hardware);
			return SIM_EINVAL;
		}
	return SIM_OK;
}

sim_status srv_simulate(const struct srv_params *p, const struct srv_run_opts *o,
                        struct srv_result *out, sim_diag *d)
{
	memset(out, 0, sizeof *out);
	sim_status st = check_params(p, d);
	if (st != SIM_OK)
		return st;
	double w0 = wall_now();
	struct srv m = { .p = p, .o = o, .d = d, .s_nodeq = -1 };
	m.win_lo = p->warmup_s;
	st = setup(&m);
	if (st != SIM_OK) {
		if (st == SIM_ENOMEM)
			diag_add(d, "serving: out of memory");
		goto done;
	}
	m.h_arrive = sim_handler(m.s, on_arrive, &m);
	m.h_step = sim_handler(m.s, on_step, &m);
	if (o->r && p->sample_every > 0) {
		m.s_queue = rec_series(o->r, "queue_length", "requests", 1, NULL);
		m.s_run = rec_series(o->r, "running", "sequences", 1, NULL);
		m.s_kv = rec_series(o->r, "kv_utilisation", "1", 1, NULL);
		m.s_thr = rec_series(o->r, "output_throughput", "tokens/s", 1, NULL);
		if (p->n_nodes > 1 && p->n_nodes <= 64)
			m.s_nodeq = rec_series(o->r, "requests_by_node", "requests", p->n_nodes, NULL);
		m.h_sample = sim_handler(m.s, on_sample, &m);
		sim_schedule(m.s, 0.0, 1, m.h_sample, 0, 0.0);
	}
	schedule_next(&m, 0.0);
	double t_end = (!p->drain && p->horizon_s > 0) ? p->horizon_s : INFINITY;
	st = sim_run(m.s, t_end);
	if (st == SIM_OK)
		st = m.err;
	if (st != SIM_OK) {
		if (st != m.err)
			diag_add(d, "serving: %s", sim_strerror(st));
		goto done;
	}
	double now = sim_now(m.s);
	if (isinf(now))
		now = m.t_last;
	account(&m, now);

	/* ---- results */
	out->arrived = m.arrived;
	out->completed = m.completed;
	out->dropped = m.dropped;
	for (int i = 0; i < p->n_nodes; i++) {
		out->queued += m.nodes[i].wlen;
		out->running += m.nodes[i].nrun;
		out->busy_frac += m.nodes[i].busy_s;
	}
	out->t_end = now;
	out->busy_frac = now > 0 ? out->busy_frac / (now * p->n_nodes) : 0;
	out->measured = m.h_e2e.n;
	const double q[SRV_NPCT] = { 0.5, 0.9, 0.99 };
	for (int k = 0; k < SRV_NPCT; k++) {
		out->ttft[k] = hist_quantile(&m.h_ttft, q[k]);
		out->tpot[k] = hist_quantile(&m.h_tpot, q[k]);
		out->e2e[k] = hist_quantile(&m.h_e2e, q[k]);
		out->qdelay[k] = hist_quantile(&m.h_qd, q[k]);
	}
	out->ttft_mean = m.h_ttft.n ? m.h_ttft.sum / (double)m.h_ttft.n : NAN;
	out->tpot_mean = m.h_tpot.n ? m.h_tpot.sum / (double)m.h_tpot.n : NAN;
	out->e2e_mean = m.h_e2e.n ? m.h_e2e.sum / (double)m.h_e2e.n : NAN;
	double win_hi = m.arrivals_done ? m.t_arrivals_end : now;
	double win = win_hi - m.win_lo;
	out->throughput_rps = win > 0 ? (double)m.win_done / win : NAN;
	out->output_tps = win > 0 ? (double)m.win_out_tokens / win : NAN;
	out->input_tps = win > 0 ? (double)m.win_in_tokens / win : NAN;
	/* Little's law over the whole run: the area under N(t) equals the time
	 * every request spent in the system, finished or not (dropped ones never
	 * enter). */
	double ages = 0;
	for (int i = 0; i < p->n_nodes; i++) {
		struct node *n = &m.nodes[i];
		for (int j = 0; j < n->wlen; j++)
			ages += now - m.pool[n->wq[(n->whead + j) & (n->wcap - 1)]].t_arr;
		for (int j = 0; j < n->nrun; j++)
			ages += now - m.pool[n->rq[j]].t_arr;
	}
	out->area_in_system = m.area_sys;
	out->sojourn_sum = m.done_sojourn + ages;
	out->mean_in_system = now > 0 ? m.area_sys / now : 0;
	out->little_lw = (now > 0 && m.completed > 0)
	                 ? ((double)m.completed / now) * (m.done_sojourn / (double)m.completed) : 0;
	out->mean_queue = now > 0 ? m.area_wait / now : 0;
	out->max_queue = m.max_queue;
	out->kv_util_mean = now > 0 && m.kv_total ? m.area_kv / (now * (double)m.kv_total) : 0;
	out->steps = m.steps;
	out->preemptions = m.preemptions;
	out->mean_batch_tokens = m.steps ? (double)m.step_tokens / (double)m.steps : 0;
	out->mean_batch_seqs = m.steps ? (double)m.step_seqs / (double)m.steps : 0;
	out->step_wall_s = m.step_wall;
	out->events = sim_events(m.s);
done:
	out->wall_s = wall_now() - w0;
	nodes_free(&m);
	free(m.load);
	free(m.speed);
	free(m.pool);
	free(m.free_list);
	free(m.h_ttft.c);
	free(m.h_tpot.c);
	free(m.h_e2e.c);
	free(m.h_qd.c);
	gsl_rng_free(m.arr_rng);
	gsl_rng_free(m.len_rng);
	gsl_rng_free(m.route_rng);
	sim_free(m.s);
	return st;
}

/* ================================================================ defaults, costs */

void srv_params_default(struct srv_params *p)
{
	memset(p, 0, sizeof *p);
	p->arrival = SRV_ARR_POISSON;
	p->arrival_rate = 2.0;
	p->mmpp_burst = 4.0;
	p->mmpp_high_frac = 0.2;
	p->mmpp_cycle_s = 60.0;
	p->trace_time_scale = 1.0;
	/* LMSYS-Chat-1M means (reference domain.md 5); the spread is an estimate */
	p->prompt = (struct srv_len_dist){ SRV_DIST_LOGNORMAL, 69.5, 1.0, 1, 4096 };
	p->output = (struct srv_len_dist){ SRV_DIST_LOGNORMAL, 214.5, 1.0, 1, 4096 };
	p->block_tokens = 16;
	p->max_batch_tokens = 2048;
	p->max_seqs = 256;
	p->max_queue = 100000;
	p->watermark = 0.01;
	p->max_seq_len = 8192;
	p->n_nodes = 1;
	p->node = &p->one_node;
	snprintf(p->one_node.hardware, SRV_NAME_LEN, "unnamed");
	/* a small default: 5 ms per step + 0.1 ms per token */
	p->one_node.cost.c[0] = 5e-3;
	p->one_node.cost.c[1] = 1e-4;
	p->one_node.kv_blocks = 4096;
	p->one_node.speed = 1.0;
	p->route = SRV_ROUTE_LEAST_LOADED;
	p->timing = SRV_TIMING_MODEL;
	p->engine_threads = 1;
	p->max_requests = 10000;
	p->drain = 1;
}

static double kv_bytes_per_pos(const struct srv_model_shape *m)
{
	const struct eng_config *c = &m->cfg;
	return 2.0 * c->n_layers * c->n_kv_heads * (double)(c->dim / c->n_heads) * m->kv_bytes_per_elem;
}

struct srv_cost srv_cost_roofline(const struct srv_model_shape *m, const struct srv_hw *h,
                                  const struct srv_roofline *r)
{
	const struct eng_config *c = &m->cfg;
	double bw = h->bandwidth_gbs * 1e9 * r->eff_bw;     /* bytes/s */
	double peak = h->tflops * 1e12 * r->eff_flops;      /* flop/s */
	double cls = (double)c->dim * c->vocab_size;        /* lm_head weights */
	double body = m->params - 2 * cls;                  /* minus embedding and lm_head */
	if (body < 0)
		body = m->params;
	struct srv_cost k = { { 0 } };
	k.c[0] = r->overhead_s + m->params * m->weight_bytes_per_param / bw;
	k.c[1] = 2 * body / peak;
	k.c[2] = 2 * cls / peak;
	k.c[3] = 4.0 * c->n_layers * c->dim / peak;         /* QK^T and AV per attended position */
	k.c[5] = kv_bytes_per_pos(m) / bw;                  /* each sequence's KV read once a step */
	return k;
}

int srv_kv_blocks_fit(const struct srv_model_shape *m, const struct srv_hw *h, int block_tokens)
{
	double free_b = h->memory_gb * 1e9 * h->mem_usable_frac - m->params * m->weight_bytes_per_param;
	double blocks = free_b / (kv_bytes_per_pos(m) * block_tokens);
	if (!(blocks >= 1))
		return 0;
	return blocks > 1e8 ? 100000000 : (int)blocks;
}

/* Relative decode rate of a cost: tokens/s of 32 sequences at context 300. */
static double cost_speed(const struct srv_cost *k)
{
	struct srv_step s = { .n_tokens = 32, .n_decode = 32, .n_seqs = 32, .n_logits = 32,
	                      .ctx_tokens = 32 * 300.0, .attn = 32 * 300.0 };
	double t = srv_cost_eval(k, &s);
	return t > 0 ? 32 / t : 1.0;
}

sim_status srv_read_hw(const char *path, struct srv_hw **out, int *n, sim_diag *d)
{
	*out = NULL;
	*n = 0;
	csv *t = csv_read(path, d);
	if (!t)
		return SIM_EINVAL;
	int cn = csv_require(t, "name", d), cm = csv_require(t, "memory_gb", d);
	int cb = csv_require(t, "bandwidth_gbs", d), cf = csv_require(t, "tflops", d);
	int cu = csv_require(t, "mem_usable_frac", d);
	sim_status st = SIM_EINVAL;
	struct srv_hw *h = NULL;
	if (cn < 0 || cm < 0 || cb < 0 || cf < 0 || cu < 0)
		goto done;
	h = calloc((size_t)csv_nrows(t) + 1, sizeof *h);
	if (!h) {
		st = SIM_ENOMEM;
		goto done;
	}
	int bad = 0;
	for (int i = 0; i < csv_nrows(t); i++) {
		snprintf(h[i].name, SRV_NAME_LEN, "%s", csv_cell(t, i, cn));
		bad |= csv_num(t, i, cm, &h[i].memory_gb, d) != SIM_OK;
		bad |= csv_num(t, i, cb, &h[i].bandwidth_gbs, d) != SIM_OK;
		bad |= csv_num(t, i, cf, &h[i].tflops, d) != SIM_OK;
		bad |= csv_num(t, i, cu, &h[i].mem_usable_frac, d) != SIM_OK;
	}
	if (bad) {
		free(h);
		h = NULL;
		goto done;
	}
	*n = csv_nrows(t);
	st = SIM_OK;
done:
	*out = h;
	csv_free(t);
	return st;
}

sim_status srv_read_models(const char *path, struct srv_model_shape **out, int *n, sim_diag *d)
{
	*out = NULL;
	*n = 0;
	csv *t = csv_read(path, d);
	if (!t)
		return SIM_EINVAL;
	static const char *const cols[] = { "name", "params_b", "dim", "layers", "heads", "kv_heads",
	                                    "hidden", "vocab", "max_seq", "weight_bytes_per_param",
	                                    "kv_bytes_per_elem" };
	enum { NC = sizeof cols / sizeof cols[0] };
	int ci[NC], miss = 0;
	for (int j = 0; j < NC; j++)
		miss |= (ci[j] = csv_require(t, cols[j], d)) < 0;
	sim_status st = SIM_EINVAL;
	struct srv_model_shape *m = NULL;
	if (miss)
		goto done;
	m = calloc((size_t)csv_nrows(t) + 1, sizeof *m);
	if (!m) {
		st = SIM_ENOMEM;
		goto done;
	}
	int bad = 0;
	for (int i = 0; i < csv_nrows(t); i++) {
		double v[NC];
		snprintf(m[i].name, SRV_NAME_LEN, "%s", csv_cell(t, i, ci[0]));
		for (int j = 1; j < NC; j++)
			bad |= csv_num(t, i, ci[j], &v[j], d) != SIM_OK;
		if (bad)
			continue;
		m[i].params = v[1] * 1e9;
		m[i].cfg = (struct eng_config){ .dim = (int)v[2], .n_layers = (int)v[3], .n_heads = (int)v[4],
		                                .n_kv_heads = (int)v[5], .hidden_dim = (int)v[6],
		                                .vocab_size = (int)v[7], .seq_len = (int)v[8] };
		m[i].weight_bytes_per_param = v[9];
		m[i].kv_bytes_per_elem = v[10];
		if (m[i].cfg.n_heads < 1 || m[i].cfg.dim % m[i].cfg.n_heads || m[i].params <= 0) {
			diag_add(d, "%s:%d: model '%s': heads must divide dim and params be positive",
			         path, csv_line(t, i), m[i].name);
			bad = 1;
		}
	}
	if (bad) {
		free(m);
		m = NULL;
		goto done;
	}
	*n = csv_nrows(t);
	st = SIM_OK;
done:
	*out = m;
	csv_free(t);
	return st;
}

/* ================================================================ model type */

/* What parse builds: the parameters and everything they point to. */
struct srv_type_params {
	struct srv_params p;
	struct trace tr;
	eng_model *em;
	struct srv_node_params *nodes;   /* (p.n_nodes,) */
	char desc[256];                  /* cost source, for the results file */
};

static int parse_dist(const char *s, enum srv_dist *out)
{
	static const char *const names[] = { "fixed", "exponential", "lognormal", "uniform" };
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i])) {
			*out = (enum srv_dist)i;
			return 0;
		}
	return -1;
}

static void read_dist(const scn *s, const char *sec, struct srv_len_dist *ld, sim_diag *d)
{
	char k[64];
	snprintf(k, sizeof k, "serving.%s.dist", sec);
	parse_dist(scn_str(s, k), &ld->kind);  /* the schema's enum guarantees a name */
	snprintf(k, sizeof k, "serving.%s.mean", sec);
	ld->mean = scn_num(s, k);
	snprintf(k, sizeof k, "serving.%s.cv", sec);
	ld->cv = scn_num(s, k);
	snprintf(k, sizeof k, "serving.%s.min", sec);
	ld->min = (int)scn_int(s, k);
	snprintf(k, sizeof k, "serving.%s.max", sec);
	ld->max = (int)scn_int(s, k);
	if (ld->min > ld->max)
		diag_add(d, "%s: $.serving.%s: expected min <= max, got min %d > max %d", scn_path(s), sec,
		         ld->min, ld->max);
}

static const struct srv_hw *find_hw(const struct srv_hw *h, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(h[i].name, name))
			return &h[i];
	return NULL;
}

static const struct srv_model_shape *find_model(const struct srv_model_shape *m, int n,
                                                const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(m[i].name, name))
			return &m[i];
	return NULL;
}

static void srv_release(void *params)
{
	struct srv_type_params *tp = params;
	trace_release(&tp->tr);
	eng_model_free(tp->em);
	free(tp->nodes);
	tp->em = NULL;
	tp->nodes = NULL;
}

static char *data_path(char *buf, size_t n, const char *rel)
{
	if (!strncmp(rel, "data/", 5))
		return model_data_path(buf, n, rel);
	snprintf(buf, n, "%s", rel);
	return buf;
}

static sim_status srv_parse(void *params, const scn *s, sim_diag *d)
{
	struct srv_type_params *tp = params;
	struct srv_params *p = &tp->p;
	const char *file = scn_path(s);
	int n0 = d->n;
	srv_params_default(p);
	const char *arr = scn_str(s, "serving.arrival");
	p->arrival = !strcmp(arr, "mmpp") ? SRV_ARR_MMPP : !strcmp(arr, "trace") ? SRV_ARR_TRACE
	           : SRV_ARR_POISSON;
	p->arrival_rate = scn_num(s, "serving.arrival_rate");
	p->mmpp_burst = scn_num(s, "serving.mmpp_burst");
	p->mmpp_high_frac = scn_num(s, "serving.mmpp_high_frac");
	p->mmpp_cycle_s = scn_num(s, "serving.mmpp_cycle_s");
	p->trace_time_scale = scn_num(s, "serving.trace_time_scale");
	read_dist(s, "prompt", &p->prompt, d);
	read_dist(s, "output", &p->output, d);
	p->block_tokens = (int)scn_int(s, "serving.block_tokens");
	p->max_batch_tokens = (int)scn_int(s, "serving.max_batch_tokens");
	p->max_seqs = (int)scn_int(s, "serving.max_seqs");
	p->max_queue = (int)scn_int(s, "serving.max_queue");
	p->watermark = scn_num(s, "serving.watermark");
	p->max_seq_len = (int)scn_int(s, "serving.max_seq_len");
	p->timing = !strcmp(scn_str(s, "serving.timing"), "driven") ? SRV_TIMING_DRIVEN : SRV_TIMING_MODEL;
	router_parse(scn_str(s, "serving.router"), &p->route);
	p->horizon_s = scn_num(s, "serving.horizon_s");
	p->max_requests = scn_int(s, "serving.requests");
	p->drain = scn_bool(s, "serving.drain");
	p->warmup_s = scn_num(s, "serving.warmup_s");
	p->sample_every = scn_num(s, "serving.sample_every");
	p->record_requests = (int)scn_int(s, "serving.record_requests");
	p->check = scn_bool(s, "serving.check");
	if (!(p->max_requests > 0 || p->horizon_s > 0 || p->arrival == SRV_ARR_TRACE))
		diag_add(d, "%s: $.serving.requests: expected a horizon: requests > 0 or horizon_s > 0 "
		         "(or a trace), got neither", file);
	if (p->arrival == SRV_ARR_TRACE) {
		char path[4096];
		const char *tf = scn_str(s, "serving.trace");
		if (!*tf)
			diag_add(d, "%s: $.serving.trace: expected a trace file for arrival \"trace\", got \"\"",
			         file);
		else if (trace_read(&tp->tr, data_path(path, sizeof path, tf), d) == SIM_OK)
			p->trace = &tp->tr;
	}

	/* the fleet: groups of (hardware, count) */
	char hwname[SRV_MAX_GROUPS][SRV_NAME_LEN];
	int count[SRV_MAX_GROUPS], ng = scn_len(s, "serving.fleet");
	if (ng == 0) {
		ng = 1;
		snprintf(hwname[0], SRV_NAME_LEN, "%.63s", scn_str(s, "serving.hardware"));
		count[0] = (int)scn_int(s, "serving.nodes");
	} else {
		for (int g = 0; g < ng; g++) {
			char k[64];
			snprintf(k, sizeof k, "serving.fleet[%d].hardware", g);
			snprintf(hwname[g], SRV_NAME_LEN, "%.63s", scn_str(s, k));
			snprintf(k, sizeof k, "serving.fleet[%d].count", g);
			count[g] = (int)scn_int(s, k);
		}
	}
	int nn = 0;
	for (int g = 0; g < ng; g++)
		nn += count[g];
	if (nn > SRV_MAX_NODES) {
		diag_add(d, "%s: $.serving.fleet: expected at most %d nodes, got %d", file, SRV_MAX_NODES, nn);
		return SIM_EINVAL;
	}
	tp->nodes = calloc((size_t)nn, sizeof *tp->nodes);
	if (!tp->nodes)
		return SIM_ENOMEM;
	p->n_nodes = nn;
	p->node = tp->nodes;
	int kv = (int)scn_int(s, "serving.kv_blocks");

	if (p->timing == SRV_TIMING_DRIVEN) {
		char err[ENG_ERR_LEN];
		struct eng_config cfg = { 0 };
		eng_dtype dt = ENG_Q8_0;
		eng_dtype_parse(scn_str(s, "serving.engine.dtype"), &dt);
		if (eng_config_parse(scn_str(s, "serving.engine.config"), &cfg, err, sizeof err) != ENG_OK ||
		    eng_config_check(&cfg, dt, err, sizeof err) != ENG_OK) {
			diag_add(d, "%s: $.serving.engine.config: %s", file, err);
		} else if (eng_model_synthetic(&tp->em, &cfg, dt, (uint64_t)scn_int(s, "serving.engine.seed"),
		                               err, sizeof err) != ENG_OK) {
			diag_add(d, "%s: $.serving.engine: %s", file, err);
		}
		p->engine = tp->em;
		p->engine_threads = (int)scn_int(s, "serving.engine.threads");
		if (p->max_seq_len > cfg.seq_len)
			p->max_seq_len = cfg.seq_len;
		for (int i = 0, k = 0; i < ng; i++)
			for (int j = 0; j < count[i]; j++, k++) {
				memcpy(tp->nodes[k].hardware, hwname[i], SRV_NAME_LEN);
				tp->nodes[k].kv_blocks = kv > 0 ? kv : 2048;
				tp->nodes[k].speed = 1.0;
			}
		snprintf(tp->desc, sizeof tp->desc, "driven: engine %s %s, %d thread(s)",
		         scn_str(s, "serving.engine.config"), scn_str(s, "serving.engine.dtype"),
		         p->engine_threads);
		return d->n > n0 ? SIM_EINVAL : SIM_OK;
	}

	/* model mode: the cost of each group's class */
	char hp[4096], mp[4096];
	struct srv_hw *hw = NULL;
	struct srv_model_shape *ms = NULL;
	int nhw = 0, nms = 0;
	sim_status st = srv_read_hw(data_path(hp, sizeof hp, scn_str(s, "serving.hardware_file")), &hw,
	                            &nhw, d);
	if (st == SIM_OK)
		st = srv_read_models(data_path(mp, sizeof mp, scn_str(s, "serving.models_file")), &ms, &nms, d);
	const struct srv_model_shape *msh = NULL;
	if (st == SIM_OK) {
		msh = find_model(ms, nms, scn_str(s, "serving.model_size"));
		if (!msh)
			diag_add(d, "%s: $.serving.model_size: no model '%s' in %s", file,
			         scn_str(s, "serving.model_size"), mp);
	}
	struct srv_roofline rl = { scn_num(s, "serving.roofline.overhead_s"),
	                           scn_num(s, "serving.roofline.eff_bw"),
	                           scn_num(s, "serving.roofline.eff_flops") };
	int linear = !strcmp(scn_str(s, "serving.cost"), "linear");
	struct srv_cost lin = { { 0 } };
	if (linear) {
		int nc = scn_len(s, "serving.cost_linear");
		for (int i = 0; i < nc; i++) {
			char k[64];
			snprintf(k, sizeof k, "serving.cost_linear[%d]", i);
			lin.c[i] = scn_num(s, k);
		}
		if (nc == 0)
			diag_add(d, "%s: $.serving.cost_linear: expected coefficients for cost \"linear\", got []",
			         file);
	}
	for (int g = 0, k = 0; msh && g < ng; g++) {
		const struct srv_hw *h = find_hw(hw, nhw, hwname[g]);
		if (!h) {
			diag_add(d, "%s: $.serving.%s: no hardware class '%s' in %s", file,
			         ng > 1 || scn_len(s, "serving.fleet") ? "fleet" : "hardware", hwname[g], hp);
			continue;
		}
		struct srv_cost c = linear ? lin : srv_cost_roofline(msh, h, &rl);
		int blocks = kv > 0 ? kv : srv_kv_blocks_fit(msh, h, p->block_tokens);
		if (blocks < 1)
			diag_add(d, "%s: $.serving.model_size: '%s' (%.3g GB of weights) does not fit "
			         "'%s' (%.3g GB usable)", file, msh->name,
			         msh->params * msh->weight_bytes_per_param / 1e9, h->name,
			         h->memory_gb * h->mem_usable_frac);
		for (int j = 0; j < count[g]; j++, k++) {
			memcpy(tp->nodes[k].hardware, h->name, SRV_NAME_LEN);
			tp->nodes[k].cost = c;
			tp->nodes[k].kv_blocks = blocks;
			tp->nodes[k].speed = cost_speed(&c);
		}
	}
	if (msh && p->max_seq_len > msh->cfg.seq_len)
		p->max_seq_len = msh->cfg.seq_len;
	snprintf(tp->desc, sizeof tp->desc, "model: %s cost, %s on %s", linear ? "linear" : "roofline",
	         scn_str(s, "serving.model_size"), ng > 1 ? "a mixed fleet" : hwname[0]);
	free(hw);
	free(ms);
	return d->n > n0 ? SIM_EINVAL : SIM_OK;
}

static sim_status srv_run(const void *params, const struct model_ctx *ctx, rec *r, sim_diag *d)
{
	const struct srv_type_params *tp = params;
	const struct srv_params *p = &tp->p;
	struct srv_run_opts o = { .seed = ctx->seed, .rep = ctx->rep, .r = r, .ctx = ctx };
	struct srv_result x;
	sim_status st = srv_simulate(p, &o, &x, d);
	if (st != SIM_OK)
		return st;
	rec_note(r, "serving_timing", tp->desc);
	static const char *const pn[SRV_NPCT] = { "p50", "p90", "p99" };
	char k[64];
	for (int i = 0; i < SRV_NPCT; i++) {
		snprintf(k, sizeof k, "ttft_%s", pn[i]);
		rec_scalar(r, k, "s", x.ttft[i]);
		snprintf(k, sizeof k, "tpot_%s", pn[i]);
		rec_scalar(r, k, "s", x.tpot[i]);
		snprintf(k, sizeof k, "e2e_%s", pn[i]);
		rec_scalar(r, k, "s", x.e2e[i]);
		snprintf(k, sizeof k, "queue_delay_%s", pn[i]);
		rec_scalar(r, k, "s", x.qdelay[i]);
	}
	rec_scalar(r, "ttft_mean", "s", x.ttft_mean);
	rec_scalar(r, "tpot_mean", "s", x.tpot_mean);
	rec_scalar(r, "e2e_mean", "s", x.e2e_mean);
	rec_scalar(r, "throughput", "requests/s", x.throughput_rps);
	rec_scalar(r, "output_throughput", "tokens/s", x.output_tps);
	rec_scalar(r, "input_throughput", "tokens/s", x.input_tps);
	rec_scalar(r, "requests_arrived", "requests", (double)x.arrived);
	rec_scalar(r, "requests_completed", "requests", (double)x.completed);
	rec_scalar(r, "requests_queued", "requests", (double)x.queued);
	rec_scalar(r, "requests_running", "requests", (double)x.running);
	rec_scalar(r, "requests_dropped", "requests", (double)x.dropped);
	rec_scalar(r, "requests_measured", "requests", (double)x.measured);
	rec_scalar(r, "mean_in_system", "requests", x.mean_in_system);
	rec_scalar(r, "little_lambda_w", "requests", x.little_lw);
	rec_scalar(r, "mean_queue_length", "requests", x.mean_queue);
	rec_scalar(r, "max_queue_length", "requests", (double)x.max_queue);
	rec_scalar(r, "kv_utilisation_mean", "1", x.kv_util_mean);
	rec_scalar(r, "busy_fraction", "1", x.busy_frac);
	rec_scalar(r, "mean_batch_tokens", "tokens", x.mean_batch_tokens);
	rec_scalar(r, "mean_batch_seqs", "sequences", x.mean_batch_seqs);
	rec_scalar(r, "steps", "steps", (double)x.steps);
	rec_scalar(r, "preemptions", "sequences", (double)x.preemptions);
	rec_scalar(r, "simulated_time", "s", x.t_end);
	rec_scalar(r, "wall_time", "s", x.wall_s);
	rec_scalar(r, "requests_per_wall_second", "requests/s",
	           x.wall_s > 0 ? (double)x.completed / x.wall_s : NAN);
	return SIM_OK;
}

const struct model_type serving_model_type = {
	.name = "serving",
	.summary = "inference server: continuous batching, paged KV cache, driven or model timing",
	.params_size = sizeof(struct srv_type_params),
	.parse = srv_parse,
	.run = srv_run,
	.release = srv_release,
};
