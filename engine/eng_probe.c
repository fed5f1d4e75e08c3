/* eng_probe.c — machine probes (bandwidth, peak FMA rate), step work
 * accounting and timed engine runs; no dependency beyond the engine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "eng_kernels.h"
#include "eng_probe.h"
#include "eng_quant.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---------------------------------------------------------------- probes */

struct eng_probe_bw {
	int nt;
	size_t n;            /* floats per array */
	float *a, *b, *c;
};

struct eng_probe_bw *eng_probe_bw_alloc(int n_threads, size_t bytes_per_array)
{
	struct eng_probe_bw *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->nt = n_threads > 0 ? n_threads : 1;
	p->n = bytes_per_array / sizeof(float) / 64 * 64;
	p->a = eng_q_aligned_alloc(p->n * sizeof(float));
	p->b = eng_q_aligned_alloc(p->n * sizeof(float));
	p->c = eng_q_aligned_alloc(p->n * sizeof(float));
	if (!p->a || !p->b || !p->c) {
		eng_probe_bw_free(p);
		return NULL;
	}
	/* touched by the threads that will use each part (first touch places pages) */
#pragma omp parallel num_threads(p->nt)
	{
		int ith = 0, nth = 1;
#ifdef _OPENMP
		ith = omp_get_thread_num();
		nth = omp_get_num_threads();
#endif
		int lo, hi, nb = (int)(p->n / 64);
		eng_k_split(nb, ith, nth, &lo, &hi);
		for (size_t i = (size_t)lo * 64; i < (size_t)hi * 64; i++) {
			p->a[i] = 0;
			p->b[i] = 1;
			p->c[i] = 2;
		}
	}
	return p;
}

double eng_probe_bw_run(struct eng_probe_bw *p, int reps)
{
	double best = 1e30;
	for (int r = 0; r < (reps > 0 ? reps : 1); r++) {
		double t0 = now_s();
#pragma omp parallel num_threads(p->nt)
		{
			int ith = 0, nth = 1;
#ifdef _OPENMP
			ith = omp_get_thread_num();
			nth = omp_get_num_threads();
#endif
			int lo, hi, nb = (int)(p->n / 64);
			eng_k_split(nb, ith, nth, &lo, &hi);
			eng_k_triad(p->a, p->b, p->c, 0.5f, (size_t)lo * 64, (size_t)hi * 64);
		}
		double t = now_s() - t0;
		best = t < best ? t : best;
	}
	return 3.0 * p->n * sizeof(float) / best / 1e9;
}

double eng_probe_bw_read(struct eng_probe_bw *p, int reps)
{
	double best = 1e30;
	float sum = 0;
	for (int r = 0; r < (reps > 0 ? reps : 1); r++) {
		double t0 = now_s();
#pragma omp parallel num_threads(p->nt) reduction(+ : sum)
		{
			int ith = 0, nth = 1;
#ifdef _OPENMP
			ith = omp_get_thread_num();
			nth = omp_get_num_threads();
#endif
			int lo, hi, nb = (int)(p->n / 64);
			eng_k_split(nb, ith, nth, &lo, &hi);
			sum += eng_k_read(p->b, (size_t)lo * 64, (size_t)hi * 64) +
			       eng_k_read(p->c, (size_t)lo * 64, (size_t)hi * 64);
		}
		double t = now_s() - t0;
		best = t < best ? t : best;
	}
	volatile float sink = sum;
	(void)sink;
	return 2.0 * p->n * sizeof(float) / best / 1e9;
}

void eng_probe_bw_free(struct eng_probe_bw *p)
{
	if (!p)
		return;
	free(p->a);
	free(p->b);
	free(p->c);
	free(p);
}

double eng_probe_bandwidth(int n_threads, size_t bytes_per_array, int reps)
{
	struct eng_probe_bw *p = eng_probe_bw_alloc(n_threads, bytes_per_array);
	if (!p)
		return 0;
	eng_probe_bw_run(p, 1);   /* warm-up */
	double gbs = eng_probe_bw_run(p, reps);
	eng_probe_bw_free(p);
	return gbs;
}

double eng_probe_peak_gflops(int n_threads)
{
	double best = 0;
	for (int rep = 0; rep < 3; rep++) {
		double flops = 0, t0 = now_s();
#pragma omp parallel num_threads(n_threads > 0 ? n_threads : 1) reduction(+ : flops)
		flops += eng_k_peak_fma(4000000);
		double r = flops / (now_s() - t0) / 1e9;
		best = r > best ? r : best;
	}
	return best;
}

/* ---------------------------------------------------------------- work */

struct eng_probe_work eng_probe_work_of(const struct eng_config *c, eng_dtype t, double n_tok, double n_logits,
                                        double ctx_tokens)
{
	struct eng_probe_work w;
	double kvd = (double)c->n_kv_heads * (c->dim / c->n_heads);
	double cls = 2.0 * c->dim * c->vocab_size;
	w.bytes = eng_config_weight_bytes(c, t) + ctx_tokens * kvd * 2 * 4 * c->n_layers;
	w.flops = n_tok * (eng_config_flops_per_token(c) - cls) + n_logits * cls +
	          4.0 * c->dim * ctx_tokens * c->n_layers;
	w.kv_tokens = ctx_tokens * c->n_layers;
	return w;
}

struct eng_probe_work eng_probe_step_work(const struct eng_config *c, eng_dtype t, int n_prefill,
                                          int prefill_start, int n_decode, int ctx)
{
	double ctx_tokens = (double)n_prefill * prefill_start + 0.5 * n_prefill * (n_prefill + 1.0) +
	                    (double)n_decode * ((double)ctx + 1);
	return eng_probe_work_of(c, t, n_prefill + n_decode, n_decode + (n_prefill > 0), ctx_tokens);
}

/* ---------------------------------------------------------------- timed runs */

double eng_probe_now(void)
{
	return now_s();
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double eng_probe_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

#define MAX_SEQS 256
#define MAX_REPS 256

static void close_all(eng_ctx *c, const int *s, int n)
{
	for (int i = 0; i < n; i++)
		eng_seq_close(c, s[i]);
}

/* Feeds n tokens to each of the sequences, in steps of at most max_tokens. */
static eng_status fill(eng_ctx *c, const int *s, int n_seq, int n, int32_t *tok, int32_t *seq, int max_tokens)
{
	for (int i = 0; i < n_seq; i++)
		for (int done = 0; done < n;) {
			int k = n - done < max_tokens ? n - done : max_tokens;
			for (int j = 0; j < k; j++) {
				tok[j] = (int32_t)((done + j) * 31 % 97 + 3);
				seq[j] = s[i];
			}
			struct eng_batch b = { .n = k, .token = tok, .seq = seq };
			eng_status st = eng_step(c, &b);
			if (st)
				return st;
			done += k;
		}
	return ENG_OK;
}

eng_status eng_probe_decode(eng_ctx *c, int batch, int ctx, int steps, double *sec, double *best)
{
	int s[MAX_SEQS], n_open = 0;
	double times[MAX_REPS];
	int32_t *tok = malloc(sizeof(int32_t) * 512), *seq = malloc(sizeof(int32_t) * 512);
	eng_status st = tok && seq ? ENG_OK : ENG_ENOMEM;
	if (batch > MAX_SEQS || steps > MAX_REPS || steps < 1)
		st = ENG_EINVAL;
	for (int i = 0; i < batch && !st; i++)
		if (!(st = eng_seq_open(c, &s[i])))
			n_open++;
	if (!st && ctx > 0)
		st = fill(c, s, batch, ctx, tok, seq, 256 < batch ? batch : 256);
	for (int r = 0; r < steps + 1 && !st; r++) {
		for (int i = 0; i < batch; i++) {
			tok[i] = (int32_t)((r * 7 + i) % 97 + 3);
			seq[i] = s[i];
		}
		struct eng_batch b = { .n = batch, .token = tok, .seq = seq };
		double t0 = now_s();
		st = eng_step(c, &b);
		if (r > 0)      /* the first step warms caches and the thread team */
			times[r - 1] = now_s() - t0;
	}
	close_all(c, s, n_open);
	free(tok);
	free(seq);
	if (!st) {
		*sec = eng_probe_median(times, steps);
		if (best)
			*best = times[0];
	}
	return st;
}

eng_status eng_probe_prefill(eng_ctx *c, int n_prompt, int batch, int reps, double *sec, double *best)
{
	double times[MAX_REPS];
	int n = n_prompt * batch;
	int32_t *tok = malloc(sizeof(int32_t) * (size_t)n), *seq = malloc(sizeof(int32_t) * (size_t)n);
	eng_status st = tok && seq ? ENG_OK : ENG_ENOMEM;
	if (batch > MAX_SEQS || reps > MAX_REPS || reps < 1)
		st = ENG_EINVAL;
	for (int r = 0; r < reps + 1 && !st; r++) {
		int s[MAX_SEQS], n_open = 0;
		for (int i = 0; i < batch && !st; i++)
			if (!(st = eng_seq_open(c, &s[i])))
				n_open++;
		for (int i = 0; i < batch; i++)
			for (int j = 0; j < n_prompt; j++) {
				tok[i * n_prompt + j] = (int32_t)((j * 31 + i) % 97 + 3);
				seq[i * n_prompt + j] = s[i];
			}
		if (!st) {
			struct eng_batch b = { .n = n, .token = tok, .seq = seq };
			double t0 = now_s();
			st = eng_step(c, &b);
			if (r > 0)
				times[r - 1] = now_s() - t0;
		}
		close_all(c, s, n_open);
	}
	free(tok);
	free(seq);
	if (!st) {
		*sec = eng_probe_median(times, reps);
		if (best)
			*best = times[0];
	}
	return st;
}


double eng_probe_loadavg(void)
{
	double l = -1;
	FILE *f = fopen("/proc/loadavg", "r");
	if (f) {
		if (fscanf(f, "%lf", &l) != 1)
			l = -1;
		fclose(f);
	}
	return l;
}
