/* serving.c — the serving model: arrivals, continuous batching, paged KV
 * accounting, timing by cost model or by the embedded engine, metrics; then
 * the cost models, the scenario glue and the commands (validate-serving,
 * capacity), each after a rule line. */
#include "serving.h"

#include "sim/sha256.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_multifit.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_statistics_double.h>

#include "sim/buildinfo.h"
#include "sim/csv.h"
#include "engine/eng_profile.h"
#include "router.h"
#include "sim/rng.h"
#include "sim/sim.h"
#include "registry.h"

/* ---------------------------------------------------------------- cost */

static inline double attn_mem(const struct srv_cost *m, const struct srv_step *s)
{
	if (!(m->cache_positions > 0))
		return 0.0;
	double lo = m->cache_from_positions;
	double f = (s->ctx_tokens - lo) / (m->cache_positions - lo);
	return s->attn_old * (f < 0 ? 0 : f < 1 ? f : 1);
}

static inline double extra_tiles(const struct srv_cost *m, const struct srv_step *s)
{
	return m->token_tile > 0 ? (s->n_tokens + m->token_tile - 1) / m->token_tile - 1 : 0;
}

void srv_cost_features(const struct srv_cost *m, const struct srv_step *s, double *x)
{
	x[0] = 1.0;
	x[1] = s->n_tokens;
	x[2] = s->n_logits;
	x[3] = s->attn;
	x[4] = s->n_seqs;
	x[5] = s->ctx_tokens;
	x[6] = attn_mem(m, s);
	x[7] = s->n_prefill;
	x[8] = extra_tiles(m, s);
	x[9] = s->n_tokens == 1;
}

double srv_cost_eval(const struct srv_cost *m, const struct srv_step *s)
{
	double t = m->c[0] + m->c[1] * s->n_tokens + m->c[2] * s->n_logits + m->c[3] * s->attn +
	           m->c[4] * s->n_seqs + m->c[5] * s->ctx_tokens + m->c[7] * s->n_prefill;
	if (m->c[6] != 0)
		t += m->c[6] * attn_mem(m, s);
	if (m->c[8] != 0)
		t += m->c[8] * extra_tiles(m, s);
	if (s->n_tokens == 1)
		t += m->c[9];
	return t;
}

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
	struct hist *hs[] = { &m->h_ttft, &m->h_tpot, &m->h_e2e, &m->h_qd };
	for (int i = 0; i < 4; i++) {
		hs[i]->c = calloc(HIST_N, sizeof *hs[i]->c);
		if (!hs[i]->c)
			return SIM_ENOMEM;
	}
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
	gsl_rng_free(m.noise_rng);
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
	/* every weight is read once a step (a batch touches all experts); the
	 * flops of a token are those of its active parameters */
	double body = m->active_params - 2 * cls;           /* minus embedding and lm_head */
	if (body < 0)
		body = m->active_params;
	struct srv_cost k;
	memset(&k, 0, sizeof k);
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
	                      .ctx_tokens = 32 * 300.0, .attn = 32 * 300.0, .attn_old = 32 * 300.0 };
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
	int cu = csv_require(t, "mem_usable_frac", d), cg = csv_require(t, "gpus", d);
	sim_status st = SIM_EINVAL;
	struct srv_hw *h = NULL;
	if (cn < 0 || cm < 0 || cb < 0 || cf < 0 || cu < 0 || cg < 0)
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
		double g = 1;
		bad |= csv_num(t, i, cg, &g, d) != SIM_OK;
		h[i].gpus = g >= 1 ? (int)g : 1;
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
	                                    "kv_bytes_per_elem", "active_params_b" };
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
		m[i].active_params = v[11] * 1e9;
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

/* ---------------------------------------------------------------- calibration profile */

/* The engine profile's class for a hardware class of data/hardware/classes.csv:
 * the same name, or the GPU the class is built from (a node of 8 H100 is 8
 * h100-sxm for one replica per GPU).  NULL when the profile has none. */
static const char *profile_class_for(const struct eng_profile *pf, const char *hw)
{
	static const struct { const char *hw, *prof; } alias[] = {
		{ "h100_80", "h100-sxm" }, { "h100_x8", "h100-sxm" }, { "a100_80", "a100-80gb" },
		{ "rtx4090", "rtx4090" }, { "laptop_m2_16", "m2-laptop" },
	};
	for (int i = 0; i < eng_profile_n_classes(pf); i++)
		if (!strcmp(eng_profile_class(pf, i), hw))
			return eng_profile_class(pf, i);
	for (size_t k = 0; k < sizeof alias / sizeof alias[0]; k++)
		if (!strcmp(alias[k].hw, hw))
			for (int i = 0; i < eng_profile_n_classes(pf); i++)
				if (!strcmp(eng_profile_class(pf, i), alias[k].prof))
					return eng_profile_class(pf, i);
	return NULL;
}

static eng_dtype dtype_of(const struct srv_model_shape *m)
{
	return m->weight_bytes_per_param >= 2 ? ENG_F16 : m->weight_bytes_per_param >= 1 ? ENG_Q8_0
	     : ENG_Q4_0;
}

static double prof_t(const struct eng_profile *pf, const char *cls, const struct srv_model_shape *m,
                     int P, int D, double ctx)
{
	struct eng_step_desc sd = { .n_prefill_tokens = P, .n_decode_seqs = D, .ctx_tokens = ctx,
	                            .model = m->cfg, .dtype = dtype_of(m) };
	return eng_profile_predict(pf, &sd, cls);
}

/* About linearising: the profile prices a step as a + b bytes/BW + c flops/PEAK
 * + d kv_tokens, and bytes and flops are linear in tokens, logits rows and
 * attended positions, so the profile is exactly the linear cost
 * c0 + c1 tokens + c2 logits + c3 positions; the four coefficients come from
 * four predictions, and a fifth checks the linearity (max_dev, relative). */
static sim_status cost_from_profile(const struct eng_profile *pf, const char *cls,
                                    const struct srv_model_shape *m, struct srv_cost *out,
                                    double *max_dev)
{
	double t1 = prof_t(pf, cls, m, 0, 1, 0), t2 = prof_t(pf, cls, m, 0, 2, 0);
	double t3 = prof_t(pf, cls, m, 1, 0, 0), t4 = prof_t(pf, cls, m, 2, 0, 0);
	double t5 = prof_t(pf, cls, m, 0, 1, 1000);
	if (t1 < 0 || t2 < 0 || t3 < 0 || t4 < 0 || t5 < 0)
		return SIM_EINVAL;
	memset(out, 0, sizeof *out);
	out->c[1] = t4 - t3;
	out->c[2] = t2 - t1 - out->c[1];
	out->c[0] = t1 - out->c[1] - out->c[2];
	out->c[3] = (t5 - t1) / 1000;
	*max_dev = 0;
	static const int grid[][3] = { { 512, 64, 40000 }, { 0, 256, 100000 }, { 2048, 0, 2000000 },
	                               { 37, 5, 777 } };
	for (size_t k = 0; k < sizeof grid / sizeof grid[0]; k++) {
		struct srv_step st = { .n_tokens = grid[k][0] + grid[k][1], .n_prefill = grid[k][0],
		                       .n_decode = grid[k][1], .n_seqs = grid[k][1] + (grid[k][0] > 0),
		                       .n_logits = grid[k][1] + (grid[k][0] > 0), .attn = grid[k][2] };
		double want = prof_t(pf, cls, m, grid[k][0], grid[k][1], grid[k][2]);
		double dev = fabs(srv_cost_eval(out, &st) / want - 1);
		if (dev > *max_dev)
			*max_dev = dev;
	}
	return SIM_OK;
}

/* ================================================================ model type */

/* What parse builds: the parameters and everything they point to. */
struct srv_type_params {
	struct srv_params p;
	struct trace tr;
	eng_model *em;
	struct srv_node_params *nodes;   /* (p.n_nodes,) */
	char desc[256];                  /* cost source, for the results file */
	char prof_path[4096];            /* cost: profile: the profile and its sha256 */
	char prof_sha[65];
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
		p->engine_clock = !strcmp(scn_str(s, "serving.engine.clock"), "cpu") ? SRV_CLOCK_CPU
		                : SRV_CLOCK_WALL;
		if (p->engine_clock == SRV_CLOCK_CPU && p->engine_threads != 1)
			diag_add(d, "%s: $.serving.engine.clock: expected \"wall\" with %d engine threads "
			         "(the thread CPU clock sees one thread), got \"cpu\"", file, p->engine_threads);
		if (p->max_seq_len > cfg.seq_len)
			p->max_seq_len = cfg.seq_len;
		for (int i = 0, k = 0; i < ng; i++)
			for (int j = 0; j < count[i]; j++, k++) {
				memcpy(tp->nodes[k].hardware, hwname[i], SRV_NAME_LEN);
				tp->nodes[k].kv_blocks = kv > 0 ? kv : 2048;
				tp->nodes[k].speed = 1.0;
			}
		snprintf(tp->desc, sizeof tp->desc, "driven: engine %s %s, %d thread(s), %s clock",
		         scn_str(s, "serving.engine.config"), scn_str(s, "serving.engine.dtype"),
		         p->engine_threads, scn_str(s, "serving.engine.clock"));
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
	int use_prof = !strcmp(scn_str(s, "serving.cost"), "profile");
	struct eng_profile *pf = NULL;
	char pp[4096];
	if (use_prof) {
		char err[ENG_ERR_LEN];
		data_path(pp, sizeof pp, scn_str(s, "serving.calibration"));
		if (eng_profile_load(&pf, pp, err, sizeof err) != ENG_OK) {
			diag_add(d, "%s: $.serving.calibration: %s", file, err);
			pf = NULL;
		}
	}
	struct srv_cost lin;
	memset(&lin, 0, sizeof lin);
	if (linear) {
		int nc = scn_len(s, "serving.cost_linear");
		for (int i = 0; i < nc; i++) {
			char k[64];
			snprintf(k, sizeof k, "serving.cost_linear[%d]", i);
			lin.c[i] = scn_num(s, k);
		}
		lin.cache_positions = scn_num(s, "serving.cost_cache_positions");
		lin.cache_from_positions = scn_num(s, "serving.cost_cache_from_positions");
		lin.token_tile = (int)scn_num(s, "serving.cost_token_tile");
		if (lin.cache_positions > 0 && !(lin.cache_from_positions < lin.cache_positions))
			diag_add(d, "%s: $.serving.cost_cache_from_positions: expected less than cost_cache_positions "
			         "(%g), got %g", file, lin.cache_positions, lin.cache_from_positions);
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
		if (use_prof && pf) {
			const char *pc = profile_class_for(pf, h->name);
			double dev;
			if (!pc || h->gpus > 1) {
				diag_add(d, "%s: $.serving.%s: the calibration profile %s has no single-GPU class "
				         "for '%s' (it has:%s%s%s%s%s)", file, scn_len(s, "serving.fleet") ? "fleet" : "hardware",
				         pp, h->name, eng_profile_n_classes(pf) > 0 ? " " : "", eng_profile_class(pf, 0),
				         eng_profile_n_classes(pf) > 1 ? ", " : "",
				         eng_profile_n_classes(pf) > 1 ? eng_profile_class(pf, 1) : "",
				         eng_profile_n_classes(pf) > 2 ? ", ..." : "");
				continue;
			}
			if (cost_from_profile(pf, pc, msh, &c, &dev) != SIM_OK)
				diag_add(d, "%s: $.serving.calibration: profile %s cannot price class '%s'", file, pp, pc);
		}
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
	if (pf) {
		struct sha256 h;
		snprintf(tp->prof_path, sizeof tp->prof_path, "%s", pp);
		snprintf(tp->prof_sha, sizeof tp->prof_sha, "unknown");
		sha256_init(&h);
		if (sha256_file(&h, pp))
			sha256_final(&h, tp->prof_sha);
	}
	eng_profile_free(pf);
	snprintf(tp->desc, sizeof tp->desc, "model: %s cost, %s on %s",
	         linear ? "linear" : use_prof ? "calibration profile" : "roofline",
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
	if (tp->prof_path[0]) {
		rec_note(r, "calibration_profile", tp->prof_path);
		rec_note(r, "calibration_sha256", tp->prof_sha);
	}
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

/* ================================================================ fitting a cost */

/* Features used by the fit: constant, tokens, logits rows, attended positions,
 * sequences, older positions missing the cache, prefill tokens, extra token
 * tiles (KV positions held are nearly collinear with attended positions on
 * real batches). */
static const int fit_feat[] = { 0, 1, 2, 3, 4, 6, 7, 8, 9 };
enum { NFIT = sizeof fit_feat / sizeof fit_feat[0] };

/* Least squares of dt on the features, weighted by u/prediction^2: relative
 * error (weighting by the prediction, not the noisy observation, avoids a
 * downward bias), each step counted once per sequence it delays, as it adds
 * to the latency of each: u = decoding sequences + L x prefilling ones, with
 * L the decode steps per prefill in the log, so that the few steps that make
 * up time to first token weigh as much in all as the many that make up time
 * per output token.  A negative coefficient is dropped and the fit repeated.
 * Returns the weighted relative RMS error of the fit in *rel_rms. */
static inline double fit_units(const struct srv_step *q, double L)
{
	return q->n_decode + L * (q->n_seqs - q->n_decode);
}

static sim_status fit_cost_at(const struct srv_steplog *lg, double cache_from, double cache_pos,
                              int token_tile, struct srv_cost *out, double *rel_rms)
{
	size_t n = lg->n;
	int use[NFIT];
	for (int j = 0; j < NFIT; j++)
		use[j] = 1;
	memset(out, 0, sizeof *out);
	out->cache_positions = cache_pos;
	out->cache_from_positions = cache_pos > 0 ? cache_from : 0;
	out->token_tile = token_tile;
	if (n < 2 * NFIT)
		return SIM_EINVAL;
	double nd = 0, np_ = 0;
	for (size_t i = 0; i < n; i++) {
		nd += lg->step[i].n_decode;
		np_ += lg->step[i].n_seqs - lg->step[i].n_decode;
	}
	double L = np_ > 0 && nd > 0 ? nd / np_ : 1;
	for (int round = 0; round < NFIT; round++) {
		int k = 0, map[NFIT];
		for (int j = 0; j < NFIT; j++)
			if (use[j])
				map[k++] = fit_feat[j];
		gsl_matrix *X = gsl_matrix_alloc(n, (size_t)k);
		gsl_vector *y = gsl_vector_alloc(n), *w = gsl_vector_alloc(n), *c = gsl_vector_alloc((size_t)k);
		gsl_matrix *cov = gsl_matrix_alloc((size_t)k, (size_t)k);
		gsl_multifit_linear_workspace *ws = gsl_multifit_linear_alloc(n, (size_t)k);
		if (!X || !y || !w || !c || !cov || !ws) {
			gsl_matrix_free(X); gsl_vector_free(y); gsl_vector_free(w); gsl_vector_free(c);
			gsl_matrix_free(cov); gsl_multifit_linear_free(ws);
			return SIM_ENOMEM;
		}
		for (size_t i = 0; i < n; i++) {
			double x[SRV_COST_NFEAT];
			srv_cost_features(out, &lg->step[i], x);
			for (int j = 0; j < k; j++)
				gsl_matrix_set(X, i, (size_t)j, x[map[j]]);
			gsl_vector_set(y, i, lg->dt[i]);
			gsl_vector_set(w, i, fit_units(&lg->step[i], L) / (lg->dt[i] * lg->dt[i]));
		}
		double chisq;
		for (int it = 0; it < 3; it++) {
			gsl_multifit_wlinear(X, w, y, c, cov, &chisq, ws);
			for (size_t i = 0; i < n; i++) {
				double pr = 0;
				for (int j = 0; j < k; j++)
					pr += gsl_matrix_get(X, i, (size_t)j) * gsl_vector_get(c, (size_t)j);
				double floor_ = 0.1 * gsl_vector_get(y, i);
				pr = pr > floor_ ? pr : floor_;
				gsl_vector_set(w, i, fit_units(&lg->step[i], L) / (pr * pr));
			}
		}
		memset(out->c, 0, sizeof out->c);
		int neg = -1;
		for (int j = 0; j < k; j++) {
			out->c[map[j]] = gsl_vector_get(c, (size_t)j);
			int may_neg = 0;
			if (out->c[map[j]] < 0 && map[j] != 0 && !may_neg &&
			    (neg < 0 || out->c[map[j]] < out->c[neg]))
				neg = map[j];
		}
		if (neg < 0) {  /* a negative correction must not make a logged step free */
			for (size_t i = 0; i < n && neg < 0; i++)
				if (!(srv_cost_eval(out, &lg->step[i]) > 0))
					neg = out->c[7] < 0 ? 7 : 4;
		}
		double ss = 0, sw = 0;
		for (size_t i = 0; i < n; i++) {
			double e = srv_cost_eval(out, &lg->step[i]) / lg->dt[i] - 1;
			ss += fit_units(&lg->step[i], L) * e * e;
			sw += fit_units(&lg->step[i], L);
		}
		*rel_rms = sqrt(ss / sw);
		gsl_matrix_free(X); gsl_vector_free(y); gsl_vector_free(w); gsl_vector_free(c);
		gsl_matrix_free(cov); gsl_multifit_linear_free(ws);
		if (neg < 0)
			return SIM_OK;
		for (int j = 0; j < NFIT; j++)
			if (fit_feat[j] == neg)
				use[j] = 0;
	}
	return SIM_OK;
}

/* The cache ramp is not linear in the model: try a ladder of ends (steps of
 * sqrt 2) and starts (0, a quarter, half the end), keep the best fit. */
static sim_status fit_cost(const struct srv_steplog *lg, int token_tile, struct srv_cost *out,
                           double *rel_rms)
{
	double best = INFINITY;
	sim_status st = SIM_EINVAL;
	for (int i = -1; i <= 16; i++) {
		double cp = i < 0 ? 0 : round(512 * pow(2, 0.5 * i));
		for (int f = 0; f < (i < 0 ? 1 : 3); f++) {
			struct srv_cost c;
			double r;
			sim_status s1 = fit_cost_at(lg, cp * 0.25 * f, cp, token_tile, &c, &r);
			if (s1 == SIM_ENOMEM)
				return s1;
			if (s1 == SIM_OK && r < best) {
				best = r;
				*out = c;
				*rel_rms = r;
				st = SIM_OK;
			}
		}
	}
	return st;
}

/* The first lag at which the autocorrelation of r (mean 0) falls below 0.05,
 * at most 1024 and a quarter of the series: the length of the spells, the
 * bootstrap's block. */
static int spell_length(const float *r, size_t n)
{
	double var = 0;
	for (size_t i = 0; i < n; i++)
		var += (double)r[i] * r[i];
	size_t maxlag = n / 4 < 1024 ? n / 4 : 1024;
	if (!(var > 0) || maxlag < 2)
		return 1;
	for (size_t lag = 1; lag < maxlag; lag++) {
		double ac = 0;
		for (size_t i = 0; i + lag < n; i++)
			ac += (double)r[i] * r[i + lag];
		if (ac / var < 0.05)
			return (int)lag;
	}
	return (int)maxlag;
}

/* Model mode's step noise from a log: the relative residuals measured /
 * fitted - 1 of each class of step (srv_step_class), in log order, centred,
 * into buf (lg->n), and their spell lengths; set in c->noise.  A class with
 * fewer than 50 steps borrows the residuals of the next class that has them
 * (prefill only <-> mixed first, then decode only). */
static void noise_from_log(const struct srv_steplog *lg, struct srv_cost *c, float *buf)
{
	enum { NC = SRV_NOISE_CLASSES };
	size_t n = lg->n, cnt[NC] = { 0 }, k[NC] = { 0 };
	double sum[NC] = { 0 };
	for (size_t i = 0; i < n; i++)
		cnt[srv_step_class(&lg->step[i])]++;
	float *r[NC];
	for (int cl = 0, off = 0; cl < NC; off += (int)cnt[cl++])
		r[cl] = buf + off;
	for (size_t i = 0; i < n; i++) {
		int cl = srv_step_class(&lg->step[i]);
		double pr = srv_cost_eval(c, &lg->step[i]);
		double e = pr > 0 ? lg->dt[i] / pr - 1 : 0;
		r[cl][k[cl]++] = (float)e;
		sum[cl] += e;
	}
	for (int cl = 0; cl < NC; cl++) {
		for (size_t i = 0; i < cnt[cl]; i++)
			r[cl][i] = (float)(r[cl][i] - sum[cl] / (double)cnt[cl]);
		c->noise[cl] = (struct srv_noise){ r[cl], (int)cnt[cl], spell_length(r[cl], cnt[cl]) };
	}
	static const int order[NC][NC - 1] = { { 2, 1 }, { 2, 0 }, { 1, 0 } };
	struct srv_noise own[NC];
	memcpy(own, c->noise, sizeof own);
	for (int cl = 0; cl < NC; cl++) {
		if (cnt[cl] >= 50)
			continue;
		c->noise[cl] = (struct srv_noise){ NULL, 0, 1 };
		for (int j = 0; j < NC - 1; j++)
			if (cnt[order[cl][j]] >= 50) {
				c->noise[cl] = own[order[cl][j]];
				break;
			}
	}
}

static double resid_sd(const float *r, size_t n)
{
	double ss = 0;
	for (size_t i = 0; i < n; i++)
		ss += (double)r[i] * r[i];
	return n ? sqrt(ss / (double)n) : 0;
}

/* ================================================================ commands */

static int parse_list(const char *s, double *v, int max)
{
	int n = 0;
	char *end;
	while (*s && n < max) {
		v[n] = strtod(s, &end);
		if (end == s || !(v[n] > 0))
			return -1;
		n++;
		s = end;
		if (*s == ',')
			s++;
		else if (*s)
			return -1;
	}
	return n;
}

static int mkdir_p(const char *dir)
{
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
	return system(cmd);
}

static int have_gnuplot(void)
{
	return system("gnuplot --version >/dev/null 2>&1") == 0;
}

/* Runs analysis/plots/<script> with dir set to the data directory. */
static void run_gnuplot(const char *script, const char *dir)
{
	if (!have_gnuplot()) {
		fprintf(stderr, "dais: gnuplot not found; the data are in %s, the script is "
		        "analysis/plots/%s\n", dir, script);
		return;
	}
	char cmd[8400];
	snprintf(cmd, sizeof cmd, "gnuplot -e \"dir='%s'\" '%s/analysis/plots/%s'", dir,
	         access("analysis/plots", 0) == 0 ? "." : DAIS_SRCDIR, script);
	if (system(cmd) != 0)
		fprintf(stderr, "dais: gnuplot failed on analysis/plots/%s\n", script);
}

/* A trace of n requests: Poisson at rate, lengths from p's distributions. */
static sim_status make_trace(const struct srv_params *p, double rate, int n, uint64_t seed,
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

static double relerr(double model, double ref)
{
	return fabs(model - ref) / ref;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median_of(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_dbl);
	return n == 0 ? NAN : n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static int validate_usage(FILE *f, int code)
{
	fprintf(f,
	        "usage: dais validate-serving [SCENARIO] [-d DIR] [--requests N] [--loads F,F,...]\n"
	        "                             [--knee-ttft S] [--driven-reps N] [--seed S] [--set path=value]...\n"
	        "                             [--no-noise] [--no-refit] [--no-plot] [--replay DIR2]\n\n"
	        "Runs the serving model in driven mode (every step on the embedded engine) and in\n"
	        "model mode (a cost model fitted to separate driven calibration runs) on the same\n"
	        "arrival traces, from light load to saturation, and compares TTFT, TPOT and\n"
	        "end-to-end percentiles.  Writes DIR/serving_validation.csv (the error table),\n"
	        "DIR/serving_latency.dat, DIR/serving_cost_fit.txt and, with gnuplot,\n"
	        "DIR/fig_serving_latency.{png,pdf}.\n\n"
	        "  SCENARIO          a driven serving scenario (default scenarios/serving-validate.json)\n"
	        "  -d DIR            output directory (default results/serving)\n"
	        "  --requests N      requests per load (default 1000)\n"
	        "  --loads F,...     loads as multiples of the knee rate (model mode: the largest\n"
	        "                    rate whose p99 TTFT stays under --knee-ttft)\n"
	        "                    (default 0.2,0.4,0.6,0.8,1.3)\n"
	        "  --knee-ttft S     the knee's p99 TTFT objective in seconds (default 0.25)\n"
	        "  --driven-reps N   driven runs per load, 1 to 8 (default 1): the reference is\n"
	        "                    their mean, their spread the measurement's noise\n"
	        "  --seed S          seed of the traces (default the scenario's)\n"
	        "  --set path=value  override a scenario key\n"
	        "  --no-noise        model mode without the measured step-time noise\n"
	        "  --no-refit        predict every load with the calibration fit only (default: a\n"
	        "                    fit on the calibration runs and the other loads' driven runs)\n"
	        "  --no-plot         do not run gnuplot\n"
	        "  --replay DIR2     no engine runs: read the driven measurements (step log and\n"
	        "                    driven percentiles) of an earlier run of the same scenario\n"
	        "                    from DIR2, and fit and run model mode on them again (its\n"
	        "                    loads, requests and seed; not with the options that shape\n"
	        "                    driven runs)\n");
	return code;
}

/* About replay: the driven half of a validation, its step log and its driven
 * percentiles, is read back from an earlier run's directory, and only the
 * fit and model mode run again.  Two cost forms or options then compare on
 * the same measurements, without the machine's run-to-run noise. */
struct replay {
	int nload, nreq;            /* nreq 0: not recorded (older files) */
	long long seed;             /* -1: not recorded */
	char scn_sha[65];           /* sha256 of the resolved scenario; "" not recorded */
	double loads[32], rates[32];
	struct srv_result drv[32];  /* driven percentiles and throughput per load */
	int ncal_runs;
	double cal_load[8];
	size_t cal_lo[9], lo[33], ncal;
};

static int replay_fail(const char *path, long line, const char *what, const char *got)
{
	fprintf(stderr, "dais validate-serving: %s:%ld: %s, got '%.60s'\n", path, line, what, got);
	return DAIS_EXIT_USAGE;
}

/* Reads DIR/serving_latency.dat and DIR/serving_steps.dat into rp and lg
 * (allocated here); returns an exit code. */
static int replay_read(const char *dir, struct replay *rp, struct srv_steplog *lg)
{
	char path[4200], line[1024];
	memset(rp, 0, sizeof *rp);
	rp->seed = -1;
	snprintf(path, sizeof path, "%s/serving_latency.dat", dir);
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "dais validate-serving: --replay: cannot read %s: %s\n", path, strerror(errno));
		return DAIS_EXIT_USAGE;
	}
	long ln = 0;
	while (fgets(line, sizeof line, f)) {
		ln++;
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#') {
			if (sscanf(line, "# replay: seed %lld requests %d scenario %64[0-9a-f]", &rp->seed, &rp->nreq,
			           rp->scn_sha) < 2 && !rp->nreq) {
				const char *q = strstr(line, "requests/s; ");   /* older files: no replay line */
				if (q)
					sscanf(q, "requests/s; %d requests per load", &rp->nreq);
			}
			continue;
		}
		double v[22];
		int n = 0, off = 0, used;
		while (n < 22 && sscanf(line + off, "%lf%n", &v[n], &used) == 1) {
			off += used;
			n++;
		}
		if (n != 22 || rp->nload >= 32 || !(v[0] > 0) || !(v[1] > 0)) {
			fclose(f);
			return replay_fail(path, ln, "expected 22 numbers (load, rate, 9 driven and 9 model "
			                   "percentiles, 2 throughputs; at most 32 loads)", line);
		}
		struct srv_result *r = &rp->drv[rp->nload];
		memset(r, 0, sizeof *r);
		for (int b = 0; b < 3; b++) {
			r->ttft[b] = v[2 + b];
			r->tpot[b] = v[5 + b];
			r->e2e[b] = v[8 + b];
		}
		r->throughput_rps = v[20];
		rp->loads[rp->nload] = v[0];
		rp->rates[rp->nload++] = v[1];
	}
	fclose(f);
	if (rp->nload == 0)
		return replay_fail(path, ln, "expected a row per load", "end of file");

	snprintf(path, sizeof path, "%s/serving_steps.dat", dir);
	if (!(f = fopen(path, "r"))) {
		fprintf(stderr, "dais validate-serving: --replay: cannot read %s: %s\n", path, strerror(errno));
		return DAIS_EXIT_USAGE;
	}
	ln = 0;
	int k = -1;
	double prev = NAN;
	int prev_ph = 0;
	while (fgets(line, sizeof line, f)) {
		ln++;
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#')
			continue;
		int ph;
		double load, meas, fitted;
		struct srv_step q = { 0 };
		if (sscanf(line, "%d %lf %d %d %d %d %d %lf %lf %lf %lf %lf", &ph, &load, &q.n_tokens, &q.n_prefill,
		           &q.n_decode, &q.n_seqs, &q.n_logits, &q.ctx_tokens, &q.attn, &q.attn_old, &meas,
		           &fitted) != 12 || (ph != 0 && ph != 1) || ph < prev_ph || !(meas > 0) || q.n_tokens < 1) {
			fclose(f);
			return replay_fail(path, ln, "expected a step: phase (0, then 1), load, tokens, prefill, "
			                   "decode, seqs, logits, ctx_tokens, attn, attn_old, measured_s > 0, fitted_s",
			                   line);
		}
		if (lg->n == lg->cap) {
			size_t cap = lg->cap ? 2 * lg->cap : 65536;
			struct srv_step *s2 = realloc(lg->step, cap * sizeof *s2);
			if (s2)
				lg->step = s2;
			double *d2 = s2 ? realloc(lg->dt, cap * sizeof *d2) : NULL;
			if (!d2) {
				fclose(f);
				fprintf(stderr, "dais validate-serving: out of memory\n");
				return DAIS_EXIT_FAIL;
			}
			lg->dt = d2;
			lg->cap = cap;
		}
		if (ph == 0 && load != prev) {   /* a new calibration run */
			if (rp->ncal_runs == 8) {
				fclose(f);
				return replay_fail(path, ln, "expected at most 8 calibration loads", line);
			}
			rp->cal_load[rp->ncal_runs] = load;
			rp->cal_lo[rp->ncal_runs++] = lg->n;
		} else if (ph == 1 && (prev_ph == 0 || fabs(load - rp->loads[k]) > 0.006)) {
			/* the next load's driven runs, in the order of serving_latency.dat */
			if (++k >= rp->nload || fabs(load - rp->loads[k]) > 0.006) {
				fclose(f);
				return replay_fail(path, ln, "expected the loads of serving_latency.dat in order", line);
			}
			if (prev_ph == 0)
				rp->ncal = lg->n;
			rp->lo[k] = lg->n;
		}
		prev = load;
		prev_ph = ph;
		lg->step[lg->n] = q;
		lg->dt[lg->n++] = meas;
	}
	fclose(f);
	if (rp->ncal_runs == 0)
		return replay_fail(path, ln, "expected calibration steps (phase 0)", "none");
	if (prev_ph == 0)
		rp->ncal = lg->n;
	rp->cal_lo[rp->ncal_runs] = rp->ncal;
	for (int j = k + 1; j <= rp->nload; j++)   /* loads without logged steps: empty */
		rp->lo[j] = lg->n;
	return DAIS_EXIT_OK;
}

/* Loads a serving scenario into tp (parse of the model type). */
static sim_status load_serving(const char *path, const char **sets, int nsets,
                               struct srv_type_params *tp, scn **sp, sim_diag *d)
{
	memset(tp, 0, sizeof *tp);
	scn *s = scn_load(path, sets, nsets, d);
	if (!s)
		return SIM_EINVAL;
	if (strcmp(scn_str(s, "model"), "serving")) {
		diag_add(d, "%s: $.model: expected \"serving\", got \"%s\"", path, scn_str(s, "model"));
		scn_free(s);
		return SIM_EINVAL;
	}
	sim_status st = srv_parse(tp, s, d);
	if (st != SIM_OK) {
		srv_release(tp);
		scn_free(s);
		return st;
	}
	*sp = s;
	return SIM_OK;
}

/* A command's scenario: *path, or scenarios/def (from the working
 * directory, else the source tree) when it is NULL, loaded into tp and *sp.
 * Returns DAIS_EXIT_OK, or prints the diagnostics, releases d and returns
 * the exit status. */
static int load_serving_cmd(const char **path, const char *def, char *buf, size_t n, const char **sets,
                            int nsets, struct srv_type_params *tp, scn **sp, sim_diag *d)
{
	if (!*path) {
		char rel[512];
		snprintf(rel, sizeof rel, "scenarios/%s", def);
		snprintf(buf, n, "%s/%s", access(rel, F_OK) == 0 ? "." : DAIS_SRCDIR, rel);
		*path = buf;
	}
	sim_status st = load_serving(*path, sets, nsets, tp, sp, d);
	if (st == SIM_OK)
		return DAIS_EXIT_OK;
	diag_print(d, stderr, "");
	diag_release(d);
	return sim_exit_code(st);
}

int srv_cmd_validate(int argc, char **argv)
{
	const char *path = NULL, *dir = "results/serving", *replay = NULL;
	const char **sets = calloc((size_t)argc + 1, sizeof *sets);
	float *resid = NULL;
	struct srv_steplog lg = { 0 };
	struct trace tr = { 0 };
	struct replay rp;
	int noise = 1, refit = 1, seed_given = 0;
	const char *run_opt = NULL;   /* an option that shapes the driven runs (not for --replay) */
	int nsets = 0, nreq = 1000, plot = 1, nload = 5, dreps = 1, code = DAIS_EXIT_USAGE;
	long long seed = -1;
	double loads[32] = { 0.2, 0.4, 0.6, 0.8, 1.3 }, knee_ttft = 0.25;
	if (!sets)
		return DAIS_EXIT_FAIL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int more = i + 1 < argc;
		long long v;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			free(sets);
			return validate_usage(stdout, DAIS_EXIT_OK);
		} else if (!strcmp(a, "-d") && more) {
			dir = argv[++i];
		} else if (!strcmp(a, "--requests") && more) {
			run_opt = a;
			if (!sim_parse_int(argv[++i], 20, 10000000, &v)) {
				fprintf(stderr, "dais validate-serving: --requests: expected an integer in [20, 10^7], got '%s'\n",
				        argv[i]);
				goto out;
			}
			nreq = (int)v;
		} else if (!strcmp(a, "--loads") && more) {
			run_opt = a;
			nload = parse_list(argv[++i], loads, 32);
			if (nload < 1) {
				fprintf(stderr, "dais validate-serving: --loads: expected positive numbers "
				        "separated by commas, got '%s'\n", argv[i]);
				goto out;
			}
		} else if (!strcmp(a, "--knee-ttft") && more) {
			run_opt = a;
			char *end;
			knee_ttft = strtod(argv[++i], &end);
			if (*end || !(knee_ttft > 0) || knee_ttft > 1e6) {
				fprintf(stderr, "dais validate-serving: --knee-ttft: expected seconds in (0, 1e6], got '%s'\n",
				        argv[i]);
				goto out;
			}
		} else if (!strcmp(a, "--driven-reps") && more) {
			run_opt = a;
			if (!sim_parse_int(argv[++i], 1, 8, &v)) {
				fprintf(stderr, "dais validate-serving: --driven-reps: expected an integer in [1, 8], got '%s'\n",
				        argv[i]);
				goto out;
			}
			dreps = (int)v;
		} else if (!strcmp(a, "--seed") && more) {
			if (!sim_parse_int(argv[++i], 0, 9007199254740991LL, &seed)) {
				fprintf(stderr, "dais validate-serving: --seed: expected an integer in [0, 2^53), got '%s'\n",
				        argv[i]);
				goto out;
			}
			seed_given = 1;
		} else if (!strcmp(a, "--set") && more) {
			sets[nsets++] = argv[++i];
		} else if (!strcmp(a, "--no-plot")) {
			plot = 0;
		} else if (!strcmp(a, "--no-noise")) {
			noise = 0;
		} else if (!strcmp(a, "--no-refit")) {
			refit = 0;
		} else if (!strcmp(a, "--replay") && more) {
			replay = argv[++i];
		} else if (a[0] == '-') {
			fprintf(stderr, "dais validate-serving: unknown option '%s' (or a missing value)\n", a);
			validate_usage(stderr, 0);
			goto out;
		} else if (!path) {
			path = a;
		} else {
			fprintf(stderr, "dais validate-serving: one scenario at a time\n");
			goto out;
		}
	}
	if (replay && run_opt) {
		fprintf(stderr, "dais validate-serving: %s shapes the driven runs; a --replay takes the "
		        "replayed run's\n", run_opt);
		goto out;
	}
	char defpath[4096];
	sim_diag d;
	diag_init(&d);
	struct srv_type_params tp;
	scn *s = NULL;
	code = load_serving_cmd(&path, "serving-validate.json", defpath, sizeof defpath, sets, nsets, &tp, &s, &d);
	if (code != DAIS_EXIT_OK)
		goto out;
	code = DAIS_EXIT_FAIL;
	struct srv_params *p = &tp.p;
	if (p->timing != SRV_TIMING_DRIVEN) {
		fprintf(stderr, "dais validate-serving: %s: $.serving.timing: expected \"driven\"\n", path);
		code = DAIS_EXIT_USAGE;
		goto done;
	}
	if (seed < 0)
		seed = scn_int(s, "seed");
	if (mkdir_p(dir) != 0) {
		fprintf(stderr, "dais validate-serving: cannot create %s\n", dir);
		goto done;
	}
	p->n_nodes = 1;
	p->arrival = SRV_ARR_TRACE;
	p->trace_time_scale = 1;
	p->max_requests = 0;
	p->horizon_s = 0;
	p->drain = 1;
	p->warmup_s = 0;
	p->sample_every = 0;
	p->record_requests = 0;
	p->check = 0;
	/* the resolved scenario's digest: a replay must use the same one */
	char scn_sha[65] = "";
	{
		char *json = scn_to_json(s);
		if (!json)
			goto done;
		struct sha256 h;
		sha256_init(&h);
		sha256_update(&h, json, strlen(json));
		sha256_final(&h, scn_sha);
		free(json);
	}
	if (replay) {
		code = replay_read(replay, &rp, &lg);
		if (code != DAIS_EXIT_OK)
			goto done;
		code = DAIS_EXIT_FAIL;
		if (rp.scn_sha[0] && strcmp(rp.scn_sha, scn_sha)) {
			fprintf(stderr, "dais validate-serving: %s was run with another scenario (sha256 %.12s..., this "
			        "one %.12s...): give the same scenario and --set options\n", replay, rp.scn_sha, scn_sha);
			code = DAIS_EXIT_USAGE;
			goto done;
		}
		if (rp.seed >= 0 && seed_given && rp.seed != seed) {
			fprintf(stderr, "dais validate-serving: --seed %lld, but %s was run with seed %lld\n", seed,
			        replay, rp.seed);
			code = DAIS_EXIT_USAGE;
			goto done;
		}
		if (rp.seed >= 0)
			seed = rp.seed;
		if (rp.nreq > 0)
			nreq = rp.nreq;
		nload = rp.nload;
		memcpy(loads, rp.loads, sizeof loads);
		if (refit && rp.ncal == lg.n) {
			printf("%s has no steps of the loads' runs (run with --no-refit): no refit\n", replay);
			refit = 0;
		}
	}

	/* 1. pilot: a burst measures the saturation throughput; calibration runs log steps */
	/* every driven step: the calibration runs and each load's runs (a chat
	 * request takes part in about 200 steps; 250 leaves room) */
	double cal_load[8] = { 0.5, 1.0, 1.5, 2.0, 2.5 }, mu = 0;
	size_t cal_lo[9];
	int ncal_runs = 5;
	p->trace = &tr;
	printf("validate-serving: %s, engine %s\n", path, tp.desc);
	if (replay) {
		ncal_runs = rp.ncal_runs;
		memcpy(cal_load, rp.cal_load, sizeof cal_load);
		memcpy(cal_lo, rp.cal_lo, sizeof cal_lo);
		printf("replay of %s: %zu driven steps (%zu of %d calibration runs), %d loads, seed %lld, "
		       "%d requests per load\n", replay, lg.n, rp.ncal, ncal_runs, nload, seed, nreq);
	} else {
		double want = 200000.0 + 250.0 * nload * dreps * nreq;
		lg.cap = want < 2e7 ? (size_t)want : 20000000;
		lg.step = malloc(lg.cap * sizeof *lg.step);
		lg.dt = malloc(lg.cap * sizeof *lg.dt);
		struct srv_result res;
		struct srv_run_opts o = { .seed = (uint64_t)seed, .log = &lg };
		if (!lg.step || !lg.dt) {
			fprintf(stderr, "dais validate-serving: out of memory\n");
			goto done;
		}
		int npilot = nreq < 200 ? nreq : 200;
		if (make_trace(p, 1e6, npilot, (uint64_t)seed + 1000, &tr) != SIM_OK)
			goto done;
		printf("pilot: %d requests at once (driven) ... ", npilot);
		fflush(stdout);
		if (srv_simulate(p, &o, &res, &d) != SIM_OK)
			goto fail;
		trace_release(&tr);
		mu = (double)res.completed / res.t_end;
		printf("burst throughput %.3g requests/s (%.0f output tokens/s)\n", mu,
		       mu * p->output.mean);
		for (int k = 0; k < ncal_runs; k++) {
			cal_lo[k] = lg.n;
			if (make_trace(p, cal_load[k] * mu, npilot, (uint64_t)seed + 2000 + (uint64_t)k, &tr) != SIM_OK)
				goto done;
			printf("calibration run at load %.1f ... ", cal_load[k]);
			fflush(stdout);
			if (srv_simulate(p, &o, &res, &d) != SIM_OK)
				goto fail;
			trace_release(&tr);
			printf("%lld steps\n", (long long)res.steps);
		}
		cal_lo[ncal_runs] = lg.n;
	}
	struct srv_cost fit;
	double rms;
	struct srv_steplog cal = lg;   /* the calibration runs' steps */
	cal.n = cal_lo[ncal_runs];
	if (fit_cost(&cal, ENG_TOKEN_TILE, &fit, &rms) != SIM_OK) {
		fprintf(stderr, "dais validate-serving: too few steps to fit a cost model\n");
		goto done;
	}
	/* the residuals measured / fitted - 1, for model mode's step noise */
	resid = malloc(cal.n * sizeof *resid);
	if (!resid)
		goto done;
	struct srv_cost fit_noisy = fit;
	noise_from_log(&cal, &fit_noisy, resid);
	printf("step noise (block bootstrap; relative sd, spell length):");
	static const char *const cname[SRV_NOISE_CLASSES] = { "decode only", "prefill only", "mixed" };
	for (int cl = 0; cl < SRV_NOISE_CLASSES; cl++)
		printf(" %s %.1f%%, %d steps%s", cname[cl],
		       100 * resid_sd(fit_noisy.noise[cl].resid, (size_t)fit_noisy.noise[cl].n),
		       fit_noisy.noise[cl].block, cl + 1 < SRV_NOISE_CLASSES ? ";" : "\n");
	char fpath[4200], spath[4200];
	snprintf(spath, sizeof spath, "%s/serving_steps.dat", dir);
	snprintf(fpath, sizeof fpath, "%s/serving_cost_fit.txt", dir);
	FILE *ff = fopen(fpath, "w");
	if (ff) {
		fprintf(ff, "# dais validate-serving: linear step cost fitted on %zu driven steps (%s)\n"
		        "# t = c0 + c1 tokens + c2 logits + c3 attended_positions + c4 seqs + c5 kv_positions\n"
		        "#     + c6 older_positions_read ramp(kv_positions; cache_from_positions, cache_positions)\n"
		        "#     + c7 prefill_tokens + c8 (ceil(tokens / token_tile) - 1) + c9 [tokens == 1]\n"
		        "# (scenario keys: serving.cost_linear = [c0, ..., c9], serving.cost_cache_positions,\n"
		        "#  serving.cost_cache_from_positions, serving.cost_token_tile)\n"
		        "# relative rms error per step %.4f\ncache_positions %.0f\ncache_from_positions %.0f\n"
		        "token_tile %d\n", cal.n, tp.desc, rms, fit.cache_positions, fit.cache_from_positions,
		        fit.token_tile);
		for (int j = 0; j < SRV_COST_NFEAT; j++)
			fprintf(ff, "c%d %.6e\n", j, fit.c[j]);
		fclose(ff);
	}
	printf("cost fit on %zu steps: t = %.3g + %.3g tokens + %.3g logits + %.3g positions + %.3g seqs + %.3g "
	       "older positions missing the cache (ramp %.0f to %.0f) + %.3g prefill tokens + %.3g per tile of %d "
	       "tokens beyond the first + %.3g for a single-token step s (relative rms %.1f%%)\n", cal.n, fit.c[0],
	       fit.c[1], fit.c[2], fit.c[3], fit.c[4], fit.c[6], fit.cache_from_positions, fit.cache_positions,
	       fit.c[7], fit.c[8], fit.token_tile, fit.c[9], 100 * rms);

	/* 2. the knee of the load curve, in model mode: loads are fractions of it,
	 * so that none sits on the knee itself, where queueing turns a few percent
	 * of step time into any error at all */
	double knee = 0;
	if (replay) {
		knee = rp.rates[0] / rp.loads[0];
		printf("knee of the replayed run: %.6g requests/s\n", knee);
	} else {
		struct srv_params q = *p;
		q.node = &q.one_node;
		q.one_node = p->node[0];
		q.one_node.cost = noise ? fit_noisy : fit;
		q.timing = SRV_TIMING_MODEL;
		q.arrival = SRV_ARR_POISSON;
		q.max_requests = 4 * nreq;
		struct srv_result rk;
		sim_status sk = srv_capacity(&q, 1e9, knee_ttft, (uint64_t)seed + 3000, &knee, &rk, &d);
		if (sk != SIM_OK || !(knee > 0)) {
			if (sk != SIM_OK)
				code = sim_exit_code(sk);
			goto fail;
		}
	}
	if (!replay)
		printf("knee (model mode, p99 TTFT <= %g s): %.3g requests/s = %.2f x the burst throughput\n",
		       knee_ttft, knee, knee / mu);
	double rates[32];
	for (int k = 0; k < nload; k++)
		rates[k] = replay ? rp.rates[k] : loads[k] * knee;

	/* 3. each load: one trace, driven then model */
	char dpath[4200], cpath[4200];
	snprintf(dpath, sizeof dpath, "%s/serving_latency.dat", dir);
	snprintf(cpath, sizeof cpath, "%s/serving_validation.csv", dir);
	FILE *fd = fopen(dpath, "w"), *fc = fopen(cpath, "w");
	if (!fd || !fc) {
		fprintf(stderr, "dais validate-serving: cannot write %s or %s\n", dpath, cpath);
		if (fd)
			fclose(fd);
		if (fc)
			fclose(fc);
		goto done;
	}
	fprintf(fd, "# dais validate-serving: latency percentiles versus load, driven and model mode\n"
	        "# knee rate (load 1, model mode p99 TTFT <= %g s) %.10g requests/s; %d requests per load; %s\n"
	        "# replay: seed %lld requests %d scenario %s (read by --replay)\n"
	        "# load rate_rps drv_ttft_p50 drv_ttft_p90 drv_ttft_p99 drv_tpot_p50 drv_tpot_p90 "
	        "drv_tpot_p99 drv_e2e_p50 drv_e2e_p90 drv_e2e_p99 mod_ttft_p50 mod_ttft_p90 "
	        "mod_ttft_p99 mod_tpot_p50 mod_tpot_p90 mod_tpot_p99 mod_e2e_p50 mod_e2e_p90 "
	        "mod_e2e_p99 drv_thr_rps mod_thr_rps\n", knee_ttft, knee, nreq, tp.desc, seed, nreq, scn_sha);
	fprintf(fc, "# source: computed by dais validate-serving (%s); relative error |model - driven| / "
	        "driven of each percentile on the same trace\n"
	        "load,rate_rps,metric,percentile,driven_s,model_s,rel_error,driven_rel_sd\n", tp.desc);
	static const char *const mname[] = { "ttft", "tpot", "e2e" };
	static const char *const pname[] = { "p50", "p90", "p99" };
	double *errs = malloc((size_t)nload * 9 * sizeof *errs);
	double per[9][32], sds[32 * 9];
	int nerr = 0, nsd = 0;
	if (!errs) {
		fclose(fd);
		fclose(fc);
		goto done;
	}
	/* About the refit: every load's driven run is done first, its steps logged;
	 * then each load is predicted by a cost fitted on the calibration runs and
	 * the other loads' runs (leave one load out), so the fit is out of sample
	 * for the trace it predicts but measured in the same period: a shared
	 * machine's speed drifts over minutes. */
	/* About the repeats: the same trace is run `dreps` times in driven mode;
	 * the reference is the mean of each percentile, and the spread between
	 * the runs (relative standard deviation) is the measurement's own noise,
	 * the floor under any model's error. */
	struct srv_result rdv[32];
	double dsd[32][9];
	size_t lo[33];
	size_t ncal = lg.n;
	if (replay) {
		ncal = rp.ncal;
		memcpy(lo, rp.lo, sizeof lo);
		memcpy(rdv, rp.drv, sizeof rdv);
		for (int k = 0; k < nload; k++)
			for (int q = 0; q < 9; q++)
				dsd[k][q] = NAN;
	}
	for (int k = 0; k < nload && !replay; k++) {
		double rate = rates[k];
		if (make_trace(p, rate, nreq, (uint64_t)seed + (uint64_t)k, &tr) != SIM_OK)
			goto fail_files;
		struct srv_run_opts ol = { .seed = (uint64_t)seed, .log = refit ? &lg : NULL };
		lo[k] = lg.n;
		p->timing = SRV_TIMING_DRIVEN;
		double dp[9][8];
		long long steps = 0;
		for (int r = 0; r < dreps; r++) {
			struct srv_result rr;
			if (srv_simulate(p, &ol, &rr, &d) != SIM_OK)
				goto fail_files;
			if (r == 0)
				rdv[k] = rr;
			steps += rr.steps;
			for (int b = 0; b < SRV_NPCT; b++) {
				dp[b][r] = rr.ttft[b];
				dp[3 + b][r] = rr.tpot[b];
				dp[6 + b][r] = rr.e2e[b];
			}
		}
		for (int q = 0; q < 9; q++) {
			double mean = gsl_stats_mean(dp[q], 1, (size_t)dreps);
			dsd[k][q] = dreps > 1 && mean > 0 ? gsl_stats_sd_m(dp[q], 1, (size_t)dreps, mean) / mean : NAN;
			double *dst = q < 3 ? rdv[k].ttft : q < 6 ? rdv[k].tpot : rdv[k].e2e;
			dst[q % 3] = mean;
		}
		lo[k + 1] = lg.n;
		trace_release(&tr);
		printf("driven run%s at load %.2f: %lld steps\n", dreps > 1 ? "s" : "", loads[k], steps);
		fflush(stdout);
	}
	struct srv_steplog sub = { 0 };
	float *sub_resid = NULL;
	if (refit) {
		sub.cap = lg.n;
		sub.step = malloc(sub.cap * sizeof *sub.step);
		sub.dt = malloc(sub.cap * sizeof *sub.dt);
		sub_resid = malloc(sub.cap * sizeof *sub_resid);
		if (!sub.step || !sub.dt || !sub_resid) {
			free(sub.step);
			free(sub.dt);
			free(sub_resid);
			goto fail_files;
		}
	}
	printf("\n%5s %8s  %-28s %-28s %-28s\n", "load", "rate", "TTFT p50/p99 drv|mod (ms)",
	       "TPOT p50/p99 drv|mod (ms)", "E2E p50/p99 drv|mod (s)");
	for (int k = 0; k < nload; k++) {
		double rate = rates[k];
		if (make_trace(p, rate, nreq, (uint64_t)seed + (uint64_t)k, &tr) != SIM_OK)
			goto fail_files;
		struct srv_result rd = rdv[k], rm;
		struct srv_run_opts od = { .seed = (uint64_t)seed };
		struct srv_cost use = noise ? fit_noisy : fit;
		if (refit) {
			sub.n = 0;
			for (size_t i = 0; i < lg.n; i++)
				if (i < ncal || i < lo[k] || i >= lo[k + 1]) {
					sub.step[sub.n] = lg.step[i];
					sub.dt[sub.n++] = lg.dt[i];
				}
			double r2;
			/* the cache ramp stays the calibration fit's; the coefficients move */
			if (fit_cost_at(&sub, fit.cache_from_positions, fit.cache_positions, fit.token_tile, &use,
			                &r2) != SIM_OK)
				goto fail_files;
			if (noise)
				noise_from_log(&sub, &use, sub_resid);
		}
		/* model mode's noise is Monte Carlo, not measurement: each percentile
		 * is the median over MODEL_REPS replications (their own noise streams)
		 * and compared with the one driven run */
		p->timing = SRV_TIMING_MODEL;
		p->node[0].cost = use;
		enum { MODEL_REPS = 15 };
		double mp[3][SRV_NPCT][MODEL_REPS];
		int nrep = noise ? MODEL_REPS : 1;
		for (int r = 0; r < nrep; r++) {
			od.rep = r;
			if (srv_simulate(p, &od, &rm, &d) != SIM_OK)
				goto fail_files;
			for (int b = 0; b < SRV_NPCT; b++) {
				mp[0][b][r] = rm.ttft[b];
				mp[1][b][r] = rm.tpot[b];
				mp[2][b][r] = rm.e2e[b];
			}
		}
		for (int b = 0; b < SRV_NPCT; b++) {
			rm.ttft[b] = median_of(mp[0][b], nrep);
			rm.tpot[b] = median_of(mp[1][b], nrep);
			rm.e2e[b] = median_of(mp[2][b], nrep);
		}
		p->timing = SRV_TIMING_DRIVEN;
		trace_release(&tr);
		const double *dv[3] = { rd.ttft, rd.tpot, rd.e2e }, *mv[3] = { rm.ttft, rm.tpot, rm.e2e };
		fprintf(fd, "%.3f %.10g", loads[k], rate);
		for (int a = 0; a < 3; a++)
			for (int b = 0; b < 3; b++)
				fprintf(fd, " %.6e", dv[a][b]);
		for (int a = 0; a < 3; a++)
			for (int b = 0; b < 3; b++)
				fprintf(fd, " %.6e", mv[a][b]);
		fprintf(fd, " %.6g %.6g\n", rd.throughput_rps, rm.throughput_rps);
		for (int a = 0; a < 3; a++)
			for (int b = 0; b < 3; b++) {
				double e = relerr(mv[a][b], dv[a][b]);
				fprintf(fc, "%.3f,%.6g,%s,%s,%.6e,%.6e,%.4f,%.4f\n", loads[k], rate, mname[a], pname[b],
				        dv[a][b], mv[a][b], e, dsd[k][a * 3 + b]);
				if (dreps > 1)
					sds[nsd++] = dsd[k][a * 3 + b];
				errs[nerr++] = e;
				per[a * 3 + b][k] = e;
			}
		printf("%5.2f %8.3g  %6.1f/%6.1f|%6.1f/%6.1f  %6.2f/%6.2f|%6.2f/%6.2f  %6.2f/%6.2f|%6.2f/%6.2f\n",
		       loads[k], rate, 1e3 * rd.ttft[0], 1e3 * rd.ttft[2], 1e3 * rm.ttft[0], 1e3 * rm.ttft[2],
		       1e3 * rd.tpot[0], 1e3 * rd.tpot[2], 1e3 * rm.tpot[0], 1e3 * rm.tpot[2],
		       rd.e2e[0], rd.e2e[2], rm.e2e[0], rm.e2e[2]);
		fflush(stdout);
	}
	free(sub.step);
	free(sub.dt);
	free(sub_resid);
	lo[nload] = lg.n;
	FILE *fs = fopen(spath, "w");
	if (fs) {
		fprintf(fs, "# dais validate-serving: driven steps (%s); phase 0: calibration runs, 1: the "
		        "loads' runs (logged with the refit only); load: multiple of the burst throughput "
		        "(phase 0) or of the knee (phase 1); fitted_s: the calibration fit\n"
		        "# phase load tokens prefill decode seqs logits ctx_tokens attn attn_old measured_s "
		        "fitted_s\n", tp.desc);
		for (size_t i = 0; i < lg.n; i++) {
			const struct srv_step *q = &lg.step[i];
			int ph = i >= ncal, r = 0;
			if (!ph)
				while (r < ncal_runs - 1 && i >= cal_lo[r + 1])
					r++;
			else
				while (r < nload - 1 && i >= lo[r + 1])
					r++;
			fprintf(fs, "%d %.2f %d %d %d %d %d %.0f %.0f %.0f %.6e %.6e\n", ph,
			        ph ? loads[r] : cal_load[r], q->n_tokens, q->n_prefill, q->n_decode, q->n_seqs,
			        q->n_logits, q->ctx_tokens, q->attn, q->attn_old, lg.dt[i], srv_cost_eval(&fit, q));
		}
		fclose(fs);
	}
	double med = median_of(errs, nerr);
	printf("\nmedian relative error across loads (model vs driven):\n");
	fprintf(fc, "# median over loads:\n");
	for (int a = 0; a < 3; a++) {
		printf("  %-5s", mname[a]);
		for (int b = 0; b < 3; b++) {
			double m = median_of(per[a * 3 + b], nload);
			printf("  %s %5.1f%%", pname[b], 100 * m);
			fprintf(fc, "# median,%s,%s,%.4f\n", mname[a], pname[b], m);
		}
		printf("\n");
	}
	printf("  all %d percentiles: median %.1f%% (target 5%%): %s\n", nerr, 100 * med,
	       med <= 0.05 ? "PASS" : "FAIL");
	fprintf(fc, "# median_all,%.4f\n", med);
	if (nsd > 0) {
		double f = median_of(sds, nsd);
		printf("  driven run to run (%d runs per load): median relative sd %.1f%%\n", dreps, 100 * f);
		fprintf(fc, "# driven_rel_sd_median,%.4f\n", f);
	}
	free(errs);
	fclose(fd);
	fclose(fc);
	printf("wrote %s, %s, %s, %s\n", cpath, dpath, fpath, spath);
	if (plot)
		run_gnuplot("fig_serving_latency.gp", dir);
	code = med <= 0.05 ? DAIS_EXIT_OK : DAIS_EXIT_FAIL;
	goto done;
fail_files:
	free(errs);
	fclose(fd);
	fclose(fc);
fail:
	diag_print(&d, stderr, "dais validate-serving: ");
done:
	trace_release(&tr);
	free(lg.step);
	free(lg.dt);
	free(resid);
	srv_release(&tp);
	scn_free(s);
	diag_release(&d);
out:
	free(sets);
	return code;
}

/* ================================================================ capacity */

/* One capacity probe: p at rate, measured after a warm-up of a tenth. */
static sim_status probe_rate(const struct srv_params *p0, double rate, uint64_t seed,
                             struct srv_result *res, sim_diag *d)
{
	struct srv_params p = *p0;
	if (p.n_nodes == 1)
		p.node = &p.one_node;
	p.arrival_rate = rate;
	p.horizon_s = 0;
	p.drain = 1;
	p.warmup_s = 0.1 * (double)p.max_requests / rate;
	p.sample_every = 0;
	p.record_requests = 0;
	struct srv_run_opts o = { .seed = seed };
	return srv_simulate(&p, &o, res, d);
}

static int meets(const struct srv_result *r, double tpot_obj, double ttft_obj)
{
	return r->dropped == 0 && r->tpot[SRV_P99] <= tpot_obj && r->ttft[SRV_P99] <= ttft_obj;
}

sim_status srv_capacity(const struct srv_params *p, double tpot_obj, double ttft_obj,
                        uint64_t seed, double *rate, struct srv_result *res, sim_diag *d)
{
	/* an upper bracket: the decode rate of a full batch, in requests/s */
	double spd = 0;
	for (int i = 0; i < p->n_nodes; i++) {
		const struct srv_cost *c = &p->node[i].cost;
		struct srv_step s = { .n_tokens = p->max_seqs, .n_decode = p->max_seqs, .n_seqs = p->max_seqs,
		                      .n_logits = p->max_seqs, .ctx_tokens = p->max_seqs * 300.0,
		                      .attn = p->max_seqs * 300.0, .attn_old = p->max_seqs * 300.0 };
		spd += p->max_seqs / srv_cost_eval(c, &s);
	}
	double out_mean = p->output.mean + p->prompt.mean * 0.05;
	double lo = 0, hi = 2 * spd / out_mean;
	struct srv_result r;
	sim_status st;
	*rate = 0;
	memset(res, 0, sizeof *res);
	/* make sure hi fails (raise it) and find a rate that passes (lower it) */
	int k;
	for (k = 0; k < 40; k++) {
		if ((st = probe_rate(p, hi, seed, &r, d)) != SIM_OK)
			return st;
		if (!meets(&r, tpot_obj, ttft_obj))
			break;
		lo = hi;
		*res = r;
		hi *= 2;
	}
	if (k == 40) {
		/* 2^40 times a full batch's decode rate: the requests all but arrive
		 * at once and still meet the objective, so they set no capacity */
		diag_add(d, "capacity: the latency objective is met even when all %lld requests arrive at once "
		         "(%.3g requests/s); more requests per probe are needed to find the capacity",
		         (long long)p->max_requests, hi / 2);
		return SIM_EINVAL;
	}
	if (lo == 0) {
		double t = hi;
		for (int j = 0; j < 30 && lo == 0; j++) {
			t /= 2;
			if ((st = probe_rate(p, t, seed, &r, d)) != SIM_OK)
				return st;
			if (meets(&r, tpot_obj, ttft_obj)) {
				lo = t;
				*res = r;
			} else {
				hi = t;
			}
		}
		if (lo == 0)
			return SIM_OK;  /* even a light load misses the objective */
	}
	while (hi - lo > 0.005 * lo) {
		double mid = 0.5 * (lo + hi);
		if ((st = probe_rate(p, mid, seed, &r, d)) != SIM_OK)
			return st;
		if (meets(&r, tpot_obj, ttft_obj)) {
			lo = mid;
			*res = r;
		} else {
			hi = mid;
		}
	}
	*rate = lo;
	return SIM_OK;
}

/* A node of hardware class h serving model m: one replica per GPU when the
 * model fits one GPU with room for a batch (64 sequences of 512 positions),
 * else one replica over all GPUs (tensor parallel, summed bandwidth and
 * compute).  Returns the replicas and fills the per-replica node. */
static int node_for(const struct srv_hw *h, const struct srv_model_shape *m,
                    const struct srv_roofline *rl, int block_tokens, struct srv_node_params *nd)
{
	struct srv_hw one = *h;
	int reps = 1;
	if (h->gpus > 1) {
		one.gpus = 1;
		one.memory_gb /= h->gpus;
		one.bandwidth_gbs /= h->gpus;
		one.tflops /= h->gpus;
		if (srv_kv_blocks_fit(m, &one, block_tokens) * block_tokens >= 64 * 512)
			reps = h->gpus;
		else
			one = *h;
	}
	memset(nd, 0, sizeof *nd);
	snprintf(nd->hardware, SRV_NAME_LEN, "%s", h->name);
	nd->cost = srv_cost_roofline(m, &one, rl);
	nd->kv_blocks = srv_kv_blocks_fit(m, &one, block_tokens);
	nd->speed = cost_speed(&nd->cost);
	return reps;
}

static int capacity_usage(FILE *f, int code)
{
	fprintf(f,
	        "usage: dais capacity [SCENARIO] [-o OUT.csv] [--tpot S] [--ttft S] [--requests N]\n"
	        "                     [--scaling DIR] [--set path=value]...\n\n"
	        "For each hardware class and each model size, the largest arrival rate whose p99\n"
	        "time per output token stays under --tpot and p99 time to first token under --ttft\n"
	        "(bisection on the rate, model mode), and the token rates it gives.  Writes a CSV\n"
	        "for the network model (columns class, model, tokens_per_s, ...).  --scaling also\n"
	        "writes DIR/serving_scaling.dat and DIR/serving_capacity.dat and draws the figures.\n\n"
	        "  SCENARIO      serving scenario with the workload and scheduler (default\n"
	        "                scenarios/serving-capacity.json)\n"
	        "  -o OUT.csv    output (default data/capacity/default.csv)\n"
	        "  --tpot S      p99 TPOT objective, s (default 0.1)\n"
	        "  --ttft S      p99 TTFT objective, s (default 2.5)\n"
	        "  --requests N  requests per probe (default 20000)\n");
	return code;
}

/* Throughput and tail latency of a fleet at a given rate. */
static sim_status fleet_run(struct srv_params *p, struct srv_node_params *nodes, int n,
                            enum srv_route route, double rate, uint64_t seed, struct srv_result *r,
                            sim_diag *d)
{
	struct srv_params q = *p;
	q.node = nodes;
	q.n_nodes = n;
	q.route = route;
	q.arrival_rate = rate;
	q.max_requests = p->max_requests * n;
	q.warmup_s = 0.1 * (double)q.max_requests / rate;
	q.drain = 1;
	q.horizon_s = 0;
	q.sample_every = 0;
	q.record_requests = 0;
	struct srv_run_opts o = { .seed = seed };
	return srv_simulate(&q, &o, r, d);
}

static sim_status scaling(struct srv_params *p, const struct srv_hw *hw, int nhw,
                          const struct srv_model_shape *m, const struct srv_roofline *rl,
                          double tpot, double ttft, const char *dir, const char *src, sim_diag *d)
{
	static const char *const cls[] = { "a100_80", "h100_80", "b200_180" };
	struct srv_node_params one[3];
	double cap[3];
	for (int c = 0; c < 3; c++) {
		const struct srv_hw *h = find_hw(hw, nhw, cls[c]);
		if (!h) {
			diag_add(d, "capacity --scaling: no hardware class '%s'", cls[c]);
			return SIM_EINVAL;
		}
		node_for(h, m, rl, p->block_tokens, &one[c]);
		struct srv_params q = *p;
		q.n_nodes = 1;
		q.one_node = one[c];
		q.node = &q.one_node;
		struct srv_result r;
		sim_status st = srv_capacity(&q, tpot, ttft, 1, &cap[c], &r, d);
		if (st != SIM_OK)
			return st;
	}
	char path[4200];
	snprintf(path, sizeof path, "%s/serving_scaling.dat", dir);
	FILE *f = fopen(path, "w");
	if (!f) {
		diag_add(d, "%s: cannot create", path);
		return SIM_EIO;
	}
	fprintf(f, "# dais capacity --scaling: fleets serving model '%s' at 80%% of their summed capacity "
	        "(p99 TPOT <= %g s, p99 TTFT <= %g s); %s\n", m->name, tpot, ttft, src);
	fprintf(f, "# single-node capacity (requests/s): a100_80 %.4g, h100_80 %.4g, b200_180 %.4g\n",
	        cap[0], cap[1], cap[2]);
	fprintf(f, "# N rate_rps thr_rr thr_p2c thr_ll ttft99_rr ttft99_p2c ttft99_ll "
	        "het_rate het_thr_random het_thr_ll het_thr_hw het_ttft99_random het_ttft99_ll het_ttft99_hw "
	        "vert_a100_thr vert_h100_thr vert_b200_thr   (throughputs in output tokens/s)\n");
	static const int Ns[] = { 1, 2, 4, 8, 16, 32, 64 };
	struct srv_node_params *nodes = calloc(64, sizeof *nodes);
	if (!nodes) {
		fclose(f);
		return SIM_ENOMEM;
	}
	sim_status st = SIM_OK;
	for (int k = 0; k < 7 && st == SIM_OK; k++) {
		int N = Ns[k];
		struct srv_result r[3], h3[3], v[3];
		/* horizontal: N H100 nodes */
		for (int i = 0; i < N; i++)
			nodes[i] = one[1];
		double rate = 0.8 * N * cap[1];
		static const enum srv_route pol[] = { SRV_ROUTE_ROUND_ROBIN, SRV_ROUTE_POWER_OF_TWO,
		                                      SRV_ROUTE_LEAST_LOADED };
		for (int j = 0; j < 3 && st == SIM_OK; j++)
			st = fleet_run(p, nodes, N, pol[j], rate, 1, &r[j], d);
		/* heterogeneous: half A100, half B200 (one B200 when N = 1) */
		for (int i = 0; i < N; i++)
			nodes[i] = i < N / 2 ? one[0] : one[2];
		double hrate = 0.8 * ((N / 2) * cap[0] + (N - N / 2) * cap[2]);
		static const enum srv_route hpol[] = { SRV_ROUTE_RANDOM, SRV_ROUTE_LEAST_LOADED,
		                                       SRV_ROUTE_HARDWARE_AWARE };
		for (int j = 0; j < 3 && st == SIM_OK; j++)
			st = fleet_run(p, nodes, N, hpol[j], hrate, 1, &h3[j], d);
		/* vertical: the same N nodes, each class at 80% of its capacity */
		for (int c = 0; c < 3 && st == SIM_OK; c++) {
			for (int i = 0; i < N; i++)
				nodes[i] = one[c];
			st = fleet_run(p, nodes, N, SRV_ROUTE_LEAST_LOADED, 0.8 * N * cap[c], 1, &v[c], d);
		}
		if (st != SIM_OK)
			break;
		fprintf(f, "%d %.6g %.6g %.6g %.6g %.6g %.6g %.6g %.6g %.6g %.6g %.6g %.6g %.6g %.6g %.6g %.6g %.6g\n",
		        N, rate, r[0].output_tps, r[1].output_tps, r[2].output_tps, r[0].ttft[SRV_P99],
		        r[1].ttft[SRV_P99], r[2].ttft[SRV_P99], hrate, h3[0].output_tps, h3[1].output_tps,
		        h3[2].output_tps, h3[0].ttft[SRV_P99], h3[1].ttft[SRV_P99], h3[2].ttft[SRV_P99],
		        v[0].output_tps, v[1].output_tps, v[2].output_tps);
		printf("scaling N=%2d: H100 %.4g tokens/s (p2c), %.3g per node; mixed fleet %.4g (hardware-aware), "
		       "p99 TTFT %.3g s random vs %.3g s hardware-aware\n", N, r[1].output_tps,
		       r[1].output_tps / N, h3[2].output_tps, h3[0].ttft[SRV_P99], h3[2].ttft[SRV_P99]);
		fflush(stdout);
	}
	free(nodes);
	fclose(f);
	return st;
}

int srv_cmd_capacity(int argc, char **argv)
{
	const char *path = NULL, *out = NULL, *sdir = NULL;
	const char **sets = calloc((size_t)argc + 1, sizeof *sets);
	int nsets = 0, code = DAIS_EXIT_USAGE;
	double tpot = 0.1, ttft = 2.5;
	long long nreq = 20000;
	if (!sets)
		return DAIS_EXIT_FAIL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int more = i + 1 < argc;
		char *end;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			free(sets);
			return capacity_usage(stdout, DAIS_EXIT_OK);
		} else if (!strcmp(a, "-o") && more) {
			out = argv[++i];
		} else if ((!strcmp(a, "--tpot") || !strcmp(a, "--ttft")) && more) {
			double v = strtod(argv[++i], &end);
			if (*end || !(v > 0)) {
				fprintf(stderr, "dais capacity: %s: expected seconds > 0, got '%s'\n", a, argv[i]);
				goto out;
			}
			*(a[4] == 'p' ? &tpot : &ttft) = v;
		} else if (!strcmp(a, "--requests") && more) {
			if (!sim_parse_int(argv[++i], 100, 1000000000, &nreq)) {
				fprintf(stderr, "dais capacity: --requests: expected an integer in [100, 10^9], got '%s'\n",
				        argv[i]);
				goto out;
			}
		} else if (!strcmp(a, "--scaling") && more) {
			sdir = argv[++i];
		} else if (!strcmp(a, "--set") && more) {
			sets[nsets++] = argv[++i];
		} else if (a[0] == '-') {
			fprintf(stderr, "dais capacity: unknown option '%s' (or a missing value)\n", a);
			capacity_usage(stderr, 0);
			goto out;
		} else if (!path) {
			path = a;
		} else {
			fprintf(stderr, "dais capacity: one scenario at a time\n");
			goto out;
		}
	}
	char defpath[4096], defout[4096];
	if (!out)
		out = model_data_path(defout, sizeof defout, "data/capacity/default.csv");
	sim_diag d;
	diag_init(&d);
	struct srv_type_params tp;
	scn *s = NULL;
	code = load_serving_cmd(&path, "serving-capacity.json", defpath, sizeof defpath, sets, nsets, &tp, &s, &d);
	if (code != DAIS_EXIT_OK)
		goto out;
	code = DAIS_EXIT_FAIL;
	struct srv_params *p = &tp.p;
	p->max_requests = nreq;
	p->arrival = p->arrival == SRV_ARR_MMPP ? SRV_ARR_MMPP : SRV_ARR_POISSON;
	char hp[4096], mp[4096];
	data_path(hp, sizeof hp, scn_str(s, "serving.hardware_file"));
	data_path(mp, sizeof mp, scn_str(s, "serving.models_file"));
	struct srv_hw *hw = NULL;
	struct srv_model_shape *ms = NULL;
	struct eng_profile *pf = NULL;
	int nhw = 0, nms = 0;
	if (srv_read_hw(hp, &hw, &nhw, &d) != SIM_OK || srv_read_models(mp, &ms, &nms, &d) != SIM_OK) {
		diag_print(&d, stderr, "dais capacity: ");
		goto done;
	}
	struct srv_roofline rl = { scn_num(s, "serving.roofline.overhead_s"),
	                           scn_num(s, "serving.roofline.eff_bw"),
	                           scn_num(s, "serving.roofline.eff_flops") };
	/* the calibration profile prices the classes it covers (cost: profile) */
	char pp[4096] = "", phex[65] = "none";
	if (!strcmp(scn_str(s, "serving.cost"), "profile")) {
		char err[ENG_ERR_LEN];
		data_path(pp, sizeof pp, scn_str(s, "serving.calibration"));
		if (eng_profile_load(&pf, pp, err, sizeof err) != ENG_OK) {
			fprintf(stderr, "dais capacity: %s\n", err);
			goto done;
		}
		struct sha256 ph;
		sha256_init(&ph);
		sha256_file(&ph, pp);
		sha256_final(&ph, phex);
	}
	/* provenance: the hash of every input that sets a number in the table */
	struct sha256 sh;
	char hex[65], settings[512];
	sha256_init(&sh);
	sha256_file(&sh, hp);
	sha256_file(&sh, mp);
	if (pf)
		sha256_file(&sh, pp);
	char *json = scn_to_json(s);
	if (json)
		sha256_update(&sh, json, strlen(json));
	snprintf(settings, sizeof settings, "tpot=%.17g ttft=%.17g requests=%lld", tpot, ttft, nreq);
	sha256_update(&sh, settings, strlen(settings));
	sha256_final(&sh, hex);
	static char src[16384];
	char prof_txt[4400] = "";
	if (pf)
		snprintf(prof_txt, sizeof prof_txt, "the engine calibration profile %s (sha256 %s; its "
		         "classes, per GPU, where cost_source says profile) and ", pp, phex);
	snprintf(src, sizeof src, "computed by dais capacity (dais %s) in model mode from %sthe roofline "
	         "cost of %s and %s (overhead %.3g s per step, bandwidth efficiency %.2f, compute "
	         "efficiency %.2f; where cost_source says roofline) and scenario %s; inputs sha256 %s; "
	         "objective p99 TPOT <= %g s and p99 TTFT <= %g s, no drops; Poisson arrivals, prompt %s "
	         "mean %.1f, output %s mean %.1f tokens; %lld requests per probe, rate bisected to 0.5%%; "
	         "multi-GPU nodes run one replica per GPU when the model fits one GPU",
	         dais_version, prof_txt, hp, mp, rl.overhead_s, rl.eff_bw, rl.eff_flops, path, hex, tpot,
	         ttft, scn_str(s, "serving.prompt.dist"), p->prompt.mean,
	         scn_str(s, "serving.output.dist"), p->output.mean, nreq);
	free(json);
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.tmp", out);
	FILE *f = fopen(tmp, "w");
	FILE *fd = NULL;
	if (!f) {
		fprintf(stderr, "dais capacity: %s: cannot create\n", tmp);
		goto done;
	}
	if (sdir) {
		if (mkdir_p(sdir) != 0) {
			fprintf(stderr, "dais capacity: cannot create %s\n", sdir);
			fclose(f);
			goto done;
		}
		char dp[4200];
		snprintf(dp, sizeof dp, "%s/serving_capacity.dat", sdir);
		fd = fopen(dp, "w");
		if (fd)
			fprintf(fd, "# dais capacity: output tokens/s per node at the objective, one row per "
			        "class, one column per model: %s\nclass", src);
		for (int j = 0; fd && j < nms; j++)
			fprintf(fd, " %s", ms[j].name);
		if (fd)
			fprintf(fd, "\n");
	}
	fprintf(f, "# source: %s\n", src);
	fprintf(f, "class,model,tokens_per_s,input_tokens_per_s,requests_per_s,tokens_per_day,replicas,"
	        "kv_blocks,p50_tpot_s,p99_tpot_s,p50_ttft_s,p99_ttft_s,mean_batch_seqs,kv_utilisation,"
	        "limit,cost_source\n");
	printf("%-16s %-9s %12s %10s %9s %9s  %s\n", "class", "model", "out tok/s", "req/s",
	       "p99 TPOT", "p99 TTFT", "limit");
	for (int i = 0; i < nhw; i++) {
		if (fd)
			fprintf(fd, "%s", hw[i].name);
		for (int j = 0; j < nms; j++) {
			struct srv_node_params nd;
			int reps = node_for(&hw[i], &ms[j], &rl, p->block_tokens, &nd);
			char csrc[96] = "roofline";
			const char *pc = pf ? profile_class_for(pf, hw[i].name) : NULL;
			double dev;
			if (pc && reps == hw[i].gpus && cost_from_profile(pf, pc, &ms[j], &nd.cost, &dev) == SIM_OK) {
				nd.speed = cost_speed(&nd.cost);
				snprintf(csrc, sizeof csrc, "profile:%s", pc);
			}
			double rate = 0;
			struct srv_result r = { 0 };
			const char *limit = "does_not_fit";
			int needed = blocks_for(p->prompt.max + p->output.max, p->block_tokens);
			if (nd.kv_blocks >= needed) {
				p->n_nodes = 1;
				p->one_node = nd;
				p->node = &p->one_node;
				p->max_seq_len = ms[j].cfg.seq_len;
				if (srv_capacity(p, tpot, ttft, 1, &rate, &r, &d) != SIM_OK) {
					diag_print(&d, stderr, "dais capacity: ");
					fclose(f);
					if (fd)
						fclose(fd);
					remove(tmp);
					goto done;
				}
				if (rate == 0) {
					limit = "tpot_at_light_load";
				} else {
					struct srv_result r2;
					if (probe_rate(p, rate * 1.01, 1, &r2, &d) == SIM_OK)
						limit = r2.dropped ? "drops" : r2.tpot[SRV_P99] > tpot ? "tpot" : "ttft";
				}
			} else {
				nd.kv_blocks = 0;
			}
			double otps = reps * r.output_tps, itps = reps * r.input_tps;
			if (rate == 0)
				otps = itps = 0;
			fprintf(f, "%s,%s,%.6g,%.6g,%.6g,%.6g,%d,%d,%.6g,%.6g,%.6g,%.6g,%.4g,%.4g,%s,%s\n",
			        hw[i].name, ms[j].name, otps, itps, reps * rate, otps * 86400, reps, nd.kv_blocks,
			        rate > 0 ? r.tpot[SRV_P50] : NAN, rate > 0 ? r.tpot[SRV_P99] : NAN,
			        rate > 0 ? r.ttft[SRV_P50] : NAN, rate > 0 ? r.ttft[SRV_P99] : NAN,
			        rate > 0 ? r.mean_batch_seqs : 0, rate > 0 ? r.kv_util_mean : 0, limit, csrc);
			if (fd)
				fprintf(fd, " %.6g", otps);
			printf("%-16s %-9s %12.5g %10.4g %9.3g %9.3g  %-20s %s\n", hw[i].name, ms[j].name, otps,
			       reps * rate, rate > 0 ? r.tpot[SRV_P99] : NAN, rate > 0 ? r.ttft[SRV_P99] : NAN,
			       limit, csrc);
			fflush(stdout);
		}
		if (fd)
			fprintf(fd, "\n");
	}
	int bad = fclose(f) != 0;
	if (fd)
		fclose(fd);
	if (bad || rename(tmp, out) != 0) {
		fprintf(stderr, "dais capacity: cannot write %s\n", out);
		remove(tmp);
		goto done;
	}
	printf("wrote %s\n", out);
	if (sdir) {
		const struct srv_model_shape *m = find_model(ms, nms, scn_str(s, "serving.model_size"));
		if (!m)
			m = &ms[0];
		if (scaling(p, hw, nhw, m, &rl, tpot, ttft, sdir, src, &d) != SIM_OK) {
			diag_print(&d, stderr, "dais capacity: ");
			goto done;
		}
		printf("wrote %s/serving_scaling.dat and %s/serving_capacity.dat\n", sdir, sdir);
		run_gnuplot("fig_serving_capacity.gp", sdir);
		run_gnuplot("fig_serving_scaling.gp", sdir);
	}
	code = DAIS_EXIT_OK;
done:
	eng_profile_free(pf);
	free(hw);
	free(ms);
	srv_release(&tp);
	scn_free(s);
	diag_release(&d);
out:
	free(sets);
	return code;
}
