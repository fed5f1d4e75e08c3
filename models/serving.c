/* serving.c — the serving model's simulator: arrivals, routing, continuous
 * batching, paged KV accounting, timing by cost model or by the embedded
 * engine, and the metrics of a run (serving.h). */
#include "serving.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_randist.h>

#include "router.h"
#include "sim/rng.h"
#include "sim/sim.h"
#include "srv_hist.h"

/* ---------------------------------------------------------------- clocks */

static double wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* CPU time of the calling thread: the engine's own work when it runs on one
 * thread, without the time the OS gave to other processes. */
static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
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
	/* model-mode noise, per step class: next residual, and how many of its
	 * block are left */
	int resid_pos[SRV_NOISE_CLASSES], resid_left[SRV_NOISE_CLASSES];
	/* accounting */
	double busy_s;
};

struct srv {
	const struct srv_params *p;
	const struct srv_run_opts *o;
	sim *s;
	gsl_rng *arr_rng, *len_rng, *route_rng, *noise_rng;
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
	struct srv_hist h_ttft, h_tpot, h_e2e, h_qd;
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
		srv_hist_add(&m->h_ttft, ttft);
		srv_hist_add(&m->h_e2e, e2e);
		srv_hist_add(&m->h_qd, q->t_admit - q->t_arr);
		double tpot = NAN;
		if (q->output > 1) {
			tpot = (now - q->t_first) / (q->output - 1);
			srv_hist_add(&m->h_tpot, tpot);
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
/* Step composition, accumulated in integers (exact) and converted once. */
struct acc {
	int64_t tok, pre, dec, seq, logit, attn, attn_old, ctx;
};

static inline void acc_add(struct acc *a, int len, int t, int tgt, int prompt)
{
	a->tok += t;
	a->seq++;
	int64_t at = (int64_t)t * len + (int64_t)t * (t + 1) / 2;
	a->attn += at;
	if (t == 1 && len + 1 == tgt && tgt > prompt) {
		a->dec++;
		a->attn_old += at;
	} else {
		a->pre += t;
		a->attn_old += (int64_t)t * len;
	}
	a->logit += len + t == tgt;
	a->ctx += len + t;
}

/* Adds n single-token sequences (decodes and one-token prompt remainders),
 * tallied by the caller in registers: at attended positions, ctx positions
 * held, dec of them decoding, aold positions written by earlier steps. */
static inline void acc_add_singles(struct acc *a, int64_t n, int64_t at, int64_t ctx, int64_t dec,
                                   int64_t aold)
{
	a->tok += n;
	a->seq += n;
	a->logit += n;
	a->attn += at;
	a->ctx += ctx;
	a->dec += dec;
	a->pre += n - dec;
	a->attn_old += aold;
}

static void acc_to_step(const struct acc *a, struct srv_step *s)
{
	s->n_tokens = (int)a->tok;
	s->n_prefill = (int)a->pre;
	s->n_decode = (int)a->dec;
	s->n_seqs = (int)a->seq;
	s->n_logits = (int)a->logit;
	s->attn = (double)a->attn;
	s->attn_old = (double)a->attn_old;
	s->ctx_tokens = (double)a->ctx;
}

/* Applies the finished step to running sequence i, moving it to slot j;
 * returns 0 when it finished (and left), 1 when it stays. */
static inline int commit_one(struct srv *m, struct node *n, int i, int j, double now,
                             int64_t *emitted)
{
	int t = n->take[i];
	int l = n->len[i] + t;
	int tg = n->tgt[i];
	if (t > 0 && l == tg) {
		++*emitted;
		if (tg == n->prompt[i])
			m->pool[n->rq[i]].t_first = now;
		tg++;
		if (tg == n->end[i]) {
			n->free_blocks += n->blk[i];
			m->kv_used -= n->blk[i];
			if (n->ec)
				eng_seq_close(n->ec, n->eseq[i]);
			finish(m, n, n->rq[i], now);
			return 0;
		}
	}
	if (j != i) {
		n->rq[j] = n->rq[i];
		n->end[j] = n->end[i];
		n->prompt[j] = n->prompt[i];
		n->blk[j] = n->blk[i];
		n->eseq[j] = n->eseq[i];
	}
	n->len[j] = l;
	n->tgt[j] = tg;
	n->take[j] = 0;
	return 1;
}

static void count_emitted(struct srv *m, int64_t emitted, double now)
{
	m->out_tokens += emitted;
	if (now >= m->win_lo && (!m->arrivals_done || now <= m->t_arrivals_end))
		m->win_out_tokens += emitted;
}

/* Schedules running sequences i0.. (with preemption) and then admits from
 * the queue; budget is what the step has left. */
static void schedule_from(struct srv *m, struct node *n, double now, int i0, int budget,
                          struct acc *a)
{
	const struct srv_params *p = m->p;
	const int bt = p->block_tokens;
	for (int i = i0; i < n->nrun; i++) {
		int l = n->len[i];
		int want = n->tgt[i] - l;
		if (budget <= 0) {
			n->take[i] = 0;
			continue;
		}
		int t = want < budget ? want : budget;
		int need = blocks_for(l + t, bt) - n->blk[i];
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
		acc_add(a, l, t, n->tgt[i], n->prompt[i]);
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
		acc_add(a, 0, t, tg, q->prompt);
	}
	acc_to_step(a, &n->cur);
}

/* Schedules the next step of an idle node (nothing to apply). */
static void schedule(struct srv *m, struct node *n, double now)
{
	struct acc a = { 0 };
	schedule_from(m, n, now, 0, m->p->max_batch_tokens, &a);
}

/* About a step end: the finished step is applied to each running sequence
 * (positions advance, tokens are emitted, finished sequences leave, keeping
 * admission order) and the sequence is scheduled for the next step in the
 * same pass, decode tokens on a fast path.  When a sequence cannot get its
 * blocks, the rest of the set is applied first (finishers free blocks), then
 * scheduling goes on with preemption: the result is that of applying every
 * sequence before scheduling any. */
static void step_end(struct srv *m, struct node *n, double now)
{
	const int bt = m->p->block_tokens;
	const int mask = (bt & (bt - 1)) == 0 ? bt - 1 : -1;
	int budget = m->p->max_batch_tokens;
	struct acc a = { 0 };
	int64_t emitted = 0, at = 0, actx = 0, adec = 0, aold = 0, ntok1 = 0;
	int32_t *restrict rq = n->rq, *restrict len = n->len, *restrict tgt = n->tgt;
	int32_t *restrict end = n->end, *restrict prompt = n->prompt, *restrict blk = n->blk;
	int32_t *restrict take = n->take, *restrict eseq = n->eseq;
	int free_b = n->free_blocks;
	int64_t used = 0;
	int nr = n->nrun, i = 0, j = 0;
	for (; i < nr; i++) {
		/* apply the finished step */
		int t = take[i];
		int l = len[i] + t;
		int tg = tgt[i];
		if (t > 0 && l == tg) {
			emitted++;
			if (tg == prompt[i])
				m->pool[rq[i]].t_first = now;
			tg++;
			if (tg == end[i]) {
				free_b += blk[i];
				used -= blk[i];
				if (n->ec)
					eng_seq_close(n->ec, eseq[i]);
				finish(m, n, rq[i], now);
				continue;
			}
		}
		if (j != i) {
			rq[j] = rq[i];
			end[j] = end[i];
			prompt[j] = prompt[i];
			blk[j] = blk[i];
			eseq[j] = eseq[i];
		}
		len[j] = l;
		tgt[j] = tg;
		/* schedule the next one */
		int want = tg - l;
		if (budget <= 0) {
			take[j++] = 0;
			continue;
		}
		int tk = want < budget ? want : budget;
		int need = tk == 1 && mask >= 0 ? (l & mask) == 0 : blocks_for(l + tk, bt) - blk[j];
		if (need > free_b) {
			take[j] = 0;
			int jf = j++;
			n->free_blocks = free_b;
			m->kv_used += used;
			n->nrun = nr;  /* commit_one below reads slots i+1.. */
			for (i++; i < nr; i++)
				j += commit_one(m, n, i, j, now, &emitted);
			n->nrun = j;
			count_emitted(m, emitted, now);
			acc_add_singles(&a, ntok1, at, actx, adec, aold);
			schedule_from(m, n, now, jf, budget, &a);
			return;
		}
		free_b -= need;
		used += need;
		blk[j] += need;
		take[j] = tk;
		budget -= tk;
		if (tk == 1) {  /* decode (or a one-token prompt remainder) */
			ntok1++;
			at += l + 1;
			actx += l + 1;
			int d = tg > prompt[j];
			adec += d;
			aold += d ? l + 1 : l;
		} else {
			acc_add(&a, l, tk, tg, prompt[j]);
		}
		j++;
	}
	n->free_blocks = free_b;
	m->kv_used += used;
	n->nrun = j;
	count_emitted(m, emitted, now);
	acc_add_singles(&a, ntok1, at, actx, adec, aold);
	schedule_from(m, n, now, j, budget, &a);
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
	double (*clk)(void) = m->p->engine_clock == SRV_CLOCK_CPU ? cpu_now : wall_now;
	double t0 = clk();
	eng_status es = eng_step(n->ec, &b);
	double dt = clk() - t0;
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

/* Starts the step just scheduled on node n at time now, or idles it. */
static void launch(struct srv *m, struct node *n, double now)
{
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
		int c = srv_step_class(&n->cur);
		const struct srv_noise *k = &n->cost->noise[c];
		if (k->n > 0) {
			if (n->resid_left[c] <= 0) {
				n->resid_pos[c] = (int)gsl_rng_uniform_int(m->noise_rng, (unsigned long)k->n);
				n->resid_left[c] = k->block > 1 ? k->block : 1;
			}
			double e = k->resid[n->resid_pos[c]];
			n->resid_pos[c] = n->resid_pos[c] + 1 < k->n ? n->resid_pos[c] + 1 : 0;
			n->resid_left[c]--;
			dt *= 1 + e > 0.1 ? 1 + e : 0.1;
		}
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
	step_end(m, n, ev->t);
	launch(m, n, ev->t);
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
		if (!n->busy) {
			schedule(m, n, ev->t);
			launch(m, n, ev->t);
		}
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
	struct srv_hist *hs[] = { &m->h_ttft, &m->h_tpot, &m->h_e2e, &m->h_qd };
	for (int i = 0; i < 4; i++)
		if (srv_hist_init(hs[i]) != SIM_OK)
			return SIM_ENOMEM;
	m->arr_rng = rng_stream(m->o->seed, (uint64_t)m->o->rep, RNG_MODEL_SERVING, 0);
	m->len_rng = rng_stream(m->o->seed, (uint64_t)m->o->rep, RNG_MODEL_SERVING, 1);
	m->route_rng = rng_stream(m->o->seed, (uint64_t)m->o->rep, RNG_MODEL_SERVING, 2);
	m->noise_rng = rng_stream(m->o->seed, (uint64_t)m->o->rep, RNG_MODEL_SERVING, 3);
	m->s = sim_alloc();
	if (!m->arr_rng || !m->len_rng || !m->route_rng || !m->noise_rng || !m->s)
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
		m.s_thr = rec_series(o->r, "output_rate", "tokens/s", 1, NULL);
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
		out->ttft[k] = srv_hist_quantile(&m.h_ttft, q[k]);
		out->tpot[k] = srv_hist_quantile(&m.h_tpot, q[k]);
		out->e2e[k] = srv_hist_quantile(&m.h_e2e, q[k]);
		out->qdelay[k] = srv_hist_quantile(&m.h_qd, q[k]);
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
	srv_hist_release(&m.h_ttft);
	srv_hist_release(&m.h_tpot);
	srv_hist_release(&m.h_e2e);
	srv_hist_release(&m.h_qd);
	gsl_rng_free(m.arr_rng);
	gsl_rng_free(m.len_rng);
	gsl_rng_free(m.route_rng);
	gsl_rng_free(m.noise_rng);
	sim_free(m.s);
	return st;
}

/* ---------------------------------------------------------------- defaults, traces */

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

sim_status srv_trace_poisson(const struct srv_params *p, double rate, int n, uint64_t seed,
                             struct trace *tr)
{
	sim_status st = trace_init(tr, n);
	if (st != SIM_OK)
		return st;
	gsl_rng *ra = rng_stream(seed, 0, RNG_MODEL_SERVING, 10);
	gsl_rng *rl = rng_stream(seed, 0, RNG_MODEL_SERVING, 11);
	if (!ra || !rl) {
		gsl_rng_free(ra);
		gsl_rng_free(rl);
		trace_release(tr);
		return SIM_ENOMEM;
	}
	double t = 0;
	for (int i = 0; i < n; i++) {
		t += gsl_ran_exponential(ra, 1.0 / rate);
		tr->arrival_s[i] = t;
		tr->prompt[i] = draw_len(&p->prompt, rl);
		tr->output[i] = draw_len(&p->output, rl);
	}
	gsl_rng_free(ra);
	gsl_rng_free(rl);
	return SIM_OK;
}
