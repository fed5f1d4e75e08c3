/* srv_validate.c — driven against model mode on the same traces: pilot,
 * calibration runs, cost fit, knee, then each load driven and modelled
 * (srv_validate.h). */
#include "srv_validate.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_statistics_double.h>

#include "srv_capacity.h"

/* What one validation works on: its own copy of the parameters (one node,
 * trace arrivals), the trace of the run at hand, and the caller's. */
struct val {
	struct srv_params p;
	struct trace tr;
	const struct srv_val_opts *o;
	struct srv_val_result *r;
	sim_diag *d;
	int done, total;   /* runs, for o->progress */
};

/* One more run done. */
static void tick(struct val *v)
{
	if (v->o->progress)
		v->o->progress(v->o->progress_ctx, ++v->done, v->total);
}

static void say(const struct val *v, const char *fmt, ...) SIM_PRINTF(2, 3);
static void say(const struct val *v, const char *fmt, ...)
{
	if (!v->o->log)
		return;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(v->o->log, fmt, ap);
	va_end(ap);
	fflush(v->o->log);
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The median of v (n,), sorted in place; NaN when n is 0. */
static double median_of(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_dbl);
	return n == 0 ? NAN : n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

const char *srv_val_metric(int q)
{
	static const char *const name[] = { "ttft", "tpot", "e2e" };
	return name[(q / 3) % 3];
}

const char *srv_val_pct(int q)
{
	static const char *const name[] = { "p50", "p90", "p99" };
	return name[q % 3];
}

double srv_val_get(const struct srv_result *r, int q)
{
	const double *v = q < 3 ? r->ttft : q < 6 ? r->tpot : r->e2e;
	return v[q % 3];
}

static double *val_slot(struct srv_result *r, int q)
{
	double *v = q < 3 ? r->ttft : q < 6 ? r->tpot : r->e2e;
	return &v[q % 3];
}

/* A driven run of v->p on a fresh trace of n requests at rate. */
static sim_status driven_run(struct val *v, double rate, int n, uint64_t seed,
                             const struct srv_run_opts *ro, struct srv_result *res)
{
	sim_status st = srv_trace_poisson(&v->p, rate, n, seed, &v->tr);
	if (st != SIM_OK)
		return st;
	st = srv_simulate(&v->p, ro, res, v->d);
	trace_release(&v->tr);
	return st;
}

/* The calibration runs' loads, multiples of the pilot's burst throughput. */
static const double cal_load[] = { 0.5, 1.0, 1.5, 2.0, 2.5 };
#define NCAL_RUNS ((int)(sizeof cal_load / sizeof cal_load[0]))

/* 1. The pilot burst and the calibration runs, every step logged. */
static sim_status calibrate(struct val *v)
{
	const struct srv_val_opts *o = v->o;
	struct srv_val_driven *dv = &v->r->drv;
	struct srv_steplog *lg = &dv->log;
	double want = 200000.0 + 250.0 * o->nload * o->driven_reps * o->requests;
	lg->cap = want < 2e7 ? (size_t)want : 20000000;
	lg->step = malloc(lg->cap * sizeof *lg->step);
	lg->dt = malloc(lg->cap * sizeof *lg->dt);
	if (!lg->step || !lg->dt)
		return SIM_ENOMEM;
	dv->ncal_runs = NCAL_RUNS;
	memcpy(dv->cal_load, cal_load, sizeof cal_load);
	struct srv_result res;
	struct srv_run_opts ro = { .seed = o->seed, .log = lg };
	int npilot = o->requests < 200 ? o->requests : 200;
	say(v, "pilot: %d requests at once (driven) ... ", npilot);
	sim_status st = driven_run(v, 1e6, npilot, o->seed + 1000, &ro, &res);
	if (st != SIM_OK)
		return st;
	double mu = (double)res.completed / res.t_end;
	v->r->burst_rps = mu;
	tick(v); /* before the line that ends the run's, which shows the count */
	say(v, "burst throughput %.3g requests/s (%.0f output tokens/s)\n", mu,
	    mu * v->p.output.mean);
	for (int k = 0; k < dv->ncal_runs; k++) {
		dv->cal_lo[k] = lg->n;
		say(v, "calibration run at load %.1f ... ", dv->cal_load[k]);
		st = driven_run(v, dv->cal_load[k] * mu, npilot, o->seed + 2000 + (uint64_t)k, &ro, &res);
		if (st != SIM_OK)
			return st;
		tick(v);
		say(v, "%lld steps\n", (long long)res.steps);
	}
	dv->cal_lo[dv->ncal_runs] = lg->n;
	dv->ncal = lg->n;
	return SIM_OK;
}

/* 2. The cost fitted on the calibration runs, and its noise. */
static sim_status fit_calibration(struct val *v)
{
	struct srv_val_result *r = v->r;
	struct srv_steplog cal = r->drv.log;
	cal.n = r->drv.ncal;
	if (srv_cost_fit(&cal, ENG_TOKEN_TILE, &r->fit, &r->fit_rms) != SIM_OK) {
		diag_add(v->d, "too few steps to fit a cost model");
		return SIM_EINVAL;
	}
	r->resid = malloc((cal.n ? cal.n : 1) * sizeof *r->resid);
	if (!r->resid)
		return SIM_ENOMEM;
	r->fit_noisy = r->fit;
	srv_cost_noise(&cal, &r->fit_noisy, r->resid);
	static const char *const cname[SRV_NOISE_CLASSES] = { "decode only", "prefill only", "mixed" };
	say(v, "step noise (block bootstrap; relative sd, spell length):");
	for (int cl = 0; cl < SRV_NOISE_CLASSES; cl++)
		say(v, " %s %.1f%%, %d steps%s", cname[cl],
		    100 * srv_resid_sd(r->fit_noisy.noise[cl].resid, (size_t)r->fit_noisy.noise[cl].n),
		    r->fit_noisy.noise[cl].block, cl + 1 < SRV_NOISE_CLASSES ? ";" : "\n");
	const struct srv_cost *f = &r->fit;
	say(v, "cost fit on %zu steps: t = %.3g + %.3g tokens + %.3g logits + %.3g positions + %.3g seqs + "
	    "%.3g older positions missing the cache (ramp %.0f to %.0f) + %.3g prefill tokens + %.3g per "
	    "tile of %d tokens beyond the first + %.3g for a single-token step s (relative rms %.1f%%)\n",
	    cal.n, f->c[0], f->c[1], f->c[2], f->c[3], f->c[4], f->c[6], f->cache_from_positions,
	    f->cache_positions, f->c[7], f->c[8], f->token_tile, f->c[9], 100 * r->fit_rms);
	return SIM_OK;
}

/* 3. The loads' rates, multiples of the driven burst throughput: the
 * measurement, not the model under test, places the points it is tested on
 * (a rate set by the fitted model's knee moves with the fit's error, and an
 * overload point a few percent slow lands in the band where the same trace
 * may or may not tip into queueing; docs/serving.md, section 5).  The knee
 * of the load curve in model mode is the model's own capacity, reported. */
static sim_status place_loads(struct val *v)
{
	const struct srv_val_opts *o = v->o;
	struct srv_val_result *r = v->r;
	struct srv_val_driven *dv = &r->drv;
	if (o->replay)
		r->burst_rps = dv->rates[0] / dv->loads[0];   /* the replayed run's load 1 */
	struct srv_params q = v->p;
	q.node = &q.one_node;
	q.one_node.cost = o->noise ? r->fit_noisy : r->fit;
	q.timing = SRV_TIMING_MODEL;
	q.arrival = SRV_ARR_POISSON;
	q.max_requests = 4 * (int64_t)o->requests;
	struct srv_result rk;
	sim_status st = srv_capacity(&q, 1e9, o->knee_ttft_s, o->seed + 3000, &r->knee, &rk, v->d);
	if (st != SIM_OK)
		return st;
	if (!(r->knee > 0)) {
		diag_add(v->d, "no knee: even a light load misses p99 TTFT <= %g s in model mode",
		         o->knee_ttft_s);
		return SIM_EINVAL;
	}
	tick(v);
	say(v, "knee (model mode, p99 TTFT <= %g s): %.3g requests/s = %.2f x the burst throughput\n",
	    o->knee_ttft_s, r->knee, r->knee / r->burst_rps);
	if (o->replay)
		return SIM_OK;
	dv->nload = o->nload;
	for (int k = 0; k < o->nload; k++) {
		dv->loads[k] = o->loads[k];
		dv->rates[k] = o->loads[k] * r->burst_rps;
	}
	return SIM_OK;
}

/* Puts the loads' logged steps [ncal, n) in load order: run (i, k) of the
 * round-robin logged [seg[i][k], seg[i][k + 1]) (k = nload: the next run's
 * start); afterwards load k holds [lo[k], lo[k + 1]), its repeats in order. */
static sim_status group_by_load(struct srv_val_driven *dv, int reps,
                                size_t seg[][SRV_VAL_MAX_LOADS + 1])
{
	struct srv_steplog *lg = &dv->log;
	size_t m = lg->n - dv->ncal;
	struct srv_step *st = malloc((m ? m : 1) * sizeof *st);
	double *dt = malloc((m ? m : 1) * sizeof *dt);
	if (!st || !dt) {
		free(st);
		free(dt);
		return SIM_ENOMEM;
	}
	memcpy(st, lg->step + dv->ncal, m * sizeof *st);
	memcpy(dt, lg->dt + dv->ncal, m * sizeof *dt);
	size_t at = dv->ncal;
	for (int k = 0; k < dv->nload; k++) {
		dv->lo[k] = at;
		for (int i = 0; i < reps; i++) {
			size_t a = seg[i][k] - dv->ncal, len = seg[i][k + 1] - seg[i][k];
			memcpy(lg->step + at, st + a, len * sizeof *st);
			memcpy(lg->dt + at, dt + a, len * sizeof *dt);
			at += len;
		}
	}
	dv->lo[dv->nload] = at;
	free(st);
	free(dt);
	return SIM_OK;
}

/* 4a. Each load's driven runs, steps logged for the refit.  Repeats go round
 * the loads (every load once, then every load again, ...), so that a spell
 * of a faster or slower machine falls on all the loads alike instead of on
 * the repeats of one. */
static sim_status driven_loads(struct val *v)
{
	const struct srv_val_opts *o = v->o;
	struct srv_val_driven *dv = &v->r->drv;
	struct srv_steplog *lg = &dv->log;
	int reps = o->driven_reps, nl = dv->nload;
	struct srv_run_opts ro = { .seed = o->seed, .log = v->r->refit ? lg : NULL };
	double dp[SRV_VAL_MAX_LOADS][SRV_VAL_NQ][8];
	size_t seg[8][SRV_VAL_MAX_LOADS + 1];
	long long steps[SRV_VAL_MAX_LOADS] = { 0 };
	for (int i = 0; i < reps; i++) {
		for (int k = 0; k < nl; k++) {
			seg[i][k] = lg->n;
			sim_status st = srv_trace_poisson(&v->p, dv->rates[k], o->requests,
			                                  o->seed + (uint64_t)k, &v->tr);
			if (st != SIM_OK)
				return st;
			struct srv_result rr;
			st = srv_simulate(&v->p, &ro, &rr, v->d);
			trace_release(&v->tr);
			if (st != SIM_OK)
				return st;
			if (i == 0)
				dv->drv[k] = rr;
			steps[k] += rr.steps;
			for (int q = 0; q < SRV_VAL_NQ; q++)
				dp[k][q][i] = srv_val_get(&rr, q);
			tick(v);
			if (i == reps - 1) {
				say(v, "driven run%s at load %.2f: %lld steps\n", reps > 1 ? "s" : "",
				    dv->loads[k], steps[k]);
			}
		}
		seg[i][nl] = lg->n;
	}
	for (int k = 0; k < nl; k++)
		for (int q = 0; q < SRV_VAL_NQ; q++) {
			double mean = gsl_stats_mean(dp[k][q], 1, (size_t)reps);
			dv->drv_sd[k][q] = reps > 1 && mean > 0
			                 ? gsl_stats_sd_m(dp[k][q], 1, (size_t)reps, mean) / mean : NAN;
			*val_slot(&dv->drv[k], q) = mean;
		}
	return group_by_load(dv, reps, seg);
}

/* The cost that predicts load k: the calibration fit, or a fit on every
 * logged step but load k's (sub, noise into sub_resid: buffers of log.n). */
static sim_status cost_for_load(struct val *v, int k, struct srv_steplog *sub, float *sub_resid,
                                struct srv_cost *use)
{
	const struct srv_val_result *r = v->r;
	const struct srv_val_driven *dv = &r->drv;
	*use = v->o->noise ? r->fit_noisy : r->fit;
	if (!r->refit)
		return SIM_OK;
	sub->n = 0;
	for (size_t i = 0; i < dv->log.n; i++)
		if (i < dv->ncal || i < dv->lo[k] || i >= dv->lo[k + 1]) {
			sub->step[sub->n] = dv->log.step[i];
			sub->dt[sub->n++] = dv->log.dt[i];
		}
	double r2;
	/* the cache ramp stays the calibration fit's; the coefficients move */
	sim_status st = srv_cost_fit_at(sub, r->fit.cache_from_positions, r->fit.cache_positions,
	                                r->fit.token_tile, use, &r2);
	if (st != SIM_OK) {
		if (st == SIM_EINVAL)
			diag_add(v->d, "too few steps to refit the cost without load %g", dv->loads[k]);
		return st;
	}
	if (v->o->noise)
		srv_cost_noise(sub, use, sub_resid);
	return SIM_OK;
}

/* 4b. Load k in model mode on the driven runs' trace: each percentile the
 * median over the replications; the errors. */
static sim_status model_load(struct val *v, int k, const struct srv_cost *use)
{
	const struct srv_val_opts *o = v->o;
	struct srv_val_result *r = v->r;
	const struct srv_val_driven *dv = &r->drv;
	sim_status st = srv_trace_poisson(&v->p, dv->rates[k], o->requests, o->seed + (uint64_t)k,
	                                  &v->tr);
	if (st != SIM_OK)
		return st;
	struct srv_params q = v->p;
	q.node = &q.one_node;
	q.one_node.cost = *use;
	q.timing = SRV_TIMING_MODEL;
	struct srv_run_opts ro = { .seed = o->seed };
	struct srv_result rm;
	double mp[SRV_VAL_NQ][SRV_VAL_MODEL_REPS];
	int nrep = o->noise ? SRV_VAL_MODEL_REPS : 1;
	for (int i = 0; i < nrep && st == SIM_OK; i++) {
		ro.rep = i;
		if ((st = srv_simulate(&q, &ro, &rm, v->d)) == SIM_OK)
			for (int j = 0; j < SRV_VAL_NQ; j++)
				mp[j][i] = srv_val_get(&rm, j);
	}
	trace_release(&v->tr);
	if (st != SIM_OK)
		return st;
	for (int j = 0; j < SRV_VAL_NQ; j++)
		*val_slot(&rm, j) = median_of(mp[j], nrep);
	r->mod[k] = rm;
	const struct srv_result *rd = &dv->drv[k];
	for (int j = 0; j < SRV_VAL_NQ; j++)
		r->err[k][j] = fabs(srv_val_get(&rm, j) - srv_val_get(rd, j)) / srv_val_get(rd, j);
	tick(v);
	say(v, "%5.2f %8.3g  %6.1f/%6.1f|%6.1f/%6.1f  %6.2f/%6.2f|%6.2f/%6.2f  %6.2f/%6.2f|%6.2f/%6.2f\n",
	    dv->loads[k], dv->rates[k], 1e3 * rd->ttft[0], 1e3 * rd->ttft[2], 1e3 * rm.ttft[0],
	    1e3 * rm.ttft[2], 1e3 * rd->tpot[0], 1e3 * rd->tpot[2], 1e3 * rm.tpot[0], 1e3 * rm.tpot[2],
	    rd->e2e[0], rd->e2e[2], rm.e2e[0], rm.e2e[2]);
	return SIM_OK;
}

/* 4c. Every load in model mode. */
static sim_status model_loads(struct val *v)
{
	struct srv_val_result *r = v->r;
	const struct srv_val_driven *dv = &r->drv;
	struct srv_steplog sub = { 0 };
	float *sub_resid = NULL;
	sim_status st = SIM_OK;
	if (r->refit) {
		size_t cap = dv->log.n ? dv->log.n : 1;
		sub.cap = cap;
		sub.step = malloc(cap * sizeof *sub.step);
		sub.dt = malloc(cap * sizeof *sub.dt);
		sub_resid = malloc(cap * sizeof *sub_resid);
		if (!sub.step || !sub.dt || !sub_resid)
			st = SIM_ENOMEM;
	}
	if (st == SIM_OK)
		say(v, "\n%5s %8s  %-28s %-28s %-28s\n", "load", "rate", "TTFT p50/p99 drv|mod (ms)",
		    "TPOT p50/p99 drv|mod (ms)", "E2E p50/p99 drv|mod (s)");
	for (int k = 0; k < dv->nload && st == SIM_OK; k++) {
		struct srv_cost use;
		st = cost_for_load(v, k, &sub, sub_resid, &use);
		if (st == SIM_OK)
			st = model_load(v, k, &use);
	}
	free(sub.step);
	free(sub.dt);
	free(sub_resid);
	return st;
}

/* The medians of the errors (and of the repeats' spread). */
static void medians(struct val *v)
{
	struct srv_val_result *r = v->r;
	int nl = r->drv.nload, n = 0;
	double all[SRV_VAL_MAX_LOADS * SRV_VAL_NQ], per[SRV_VAL_MAX_LOADS];
	for (int k = 0; k < nl; k++)
		for (int q = 0; q < SRV_VAL_NQ; q++)
			all[n++] = r->err[k][q];
	r->median = median_of(all, n);
	for (int q = 0; q < SRV_VAL_NQ; q++) {
		for (int k = 0; k < nl; k++)
			per[k] = r->err[k][q];
		r->err_median[q] = median_of(per, nl);
	}
	r->drv_sd_median = NAN;
	if (!v->o->replay && v->o->driven_reps > 1) {
		n = 0;
		for (int k = 0; k < nl; k++)
			for (int q = 0; q < SRV_VAL_NQ; q++)
				all[n++] = r->drv.drv_sd[k][q];
		r->drv_sd_median = median_of(all, n);
	}
	r->p99_worst = 0;
	for (int q = 2; q < SRV_VAL_NQ; q += 3)
		if (r->err_median[q] > r->p99_worst)
			r->p99_worst = r->err_median[q];
	r->overload = NAN;
	for (int k = 0; k < nl; k++)
		if (r->drv.loads[k] > 1) {
			double e[SRV_VAL_NQ];
			memcpy(e, r->err[k], sizeof e);
			double m = median_of(e, SRV_VAL_NQ);
			if (isnan(r->overload) || m > r->overload)
				r->overload = m;
		}
	r->pass = r->median <= SRV_VAL_TARGET && r->p99_worst <= SRV_VAL_TARGET_TAIL &&
	          !(r->overload > SRV_VAL_TARGET_TAIL);
	r->quiet = r->drv_sd_median <= SRV_VAL_QUIET_SD;
}

/* The run's parameters: node 0 alone, on trace arrivals, every request
 * drained and measured. */
static void val_params(const struct srv_params *p, struct srv_params *q, const struct trace *tr)
{
	*q = *p;
	q->n_nodes = 1;
	q->one_node = p->node[0];
	q->node = &q->one_node;
	q->arrival = SRV_ARR_TRACE;
	q->trace = tr;
	q->trace_time_scale = 1;
	q->max_requests = 0;
	q->horizon_s = 0;
	q->drain = 1;
	q->warmup_s = 0;
	q->sample_every = 0;
	q->record_requests = 0;
	q->check = 0;
	q->timing = SRV_TIMING_DRIVEN;
}

sim_status srv_validate(const struct srv_params *p, const struct srv_val_opts *o,
                        struct srv_val_result *r, sim_diag *d)
{
	if (p->timing != SRV_TIMING_DRIVEN || !p->engine || p->n_nodes < 1) {
		diag_add(d, "validation: expected driven timing (an engine model)");
		return SIM_EINVAL;
	}
	if (!o->replay && (o->nload < 1 || o->nload > SRV_VAL_MAX_LOADS || o->driven_reps < 1 ||
	                   o->driven_reps > 8 || o->requests < 1)) {
		diag_add(d, "validation: expected 1 to %d loads, 1 to 8 driven runs and requests > 0",
		         SRV_VAL_MAX_LOADS);
		return SIM_EINVAL;
	}
	struct val v = { .o = o, .r = r, .d = d };
	int n0 = d->n;
	val_params(p, &v.p, &v.tr);
	r->refit = o->refit;
	r->burst_rps = NAN;
	if (o->replay && r->drv.ncal == r->drv.log.n)
		r->refit = 0;   /* no steps of the loads' runs to refit on */
	/* pilot, calibration runs, loads driven (none replayed), knee, loads modelled */
	int nl = o->replay ? r->drv.nload : o->nload;
	v.total = (o->replay ? 0 : 1 + NCAL_RUNS + nl * o->driven_reps) + 1 + nl;
	if (o->progress)
		o->progress(o->progress_ctx, 0, v.total);
	sim_status st = o->replay ? SIM_OK : calibrate(&v);
	if (st == SIM_OK)
		st = fit_calibration(&v);
	if (st == SIM_OK)
		st = place_loads(&v);
	if (st == SIM_OK && !o->replay)
		st = driven_loads(&v);
	if (st == SIM_OK)
		st = model_loads(&v);
	trace_release(&v.tr);
	if (st == SIM_ENOMEM && d->n == n0)
		diag_add(d, "validation: out of memory");
	if (st == SIM_OK)
		medians(&v);
	return st;
}

void srv_val_release(struct srv_val_result *r)
{
	free(r->drv.log.step);
	free(r->drv.log.dt);
	free(r->resid);
	r->drv.log = (struct srv_steplog){ 0 };
	r->resid = NULL;
}
