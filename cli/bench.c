/* bench.c — `dais bench des`: event-core and M/M/1 throughput. */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "sim/evq.h"
#include "models/queue.h"
#include "sim/rng.h"
#include "sim/status.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static double median(double *x, int n)
{
	gsl_sort(x, 1, (size_t)n);
	return gsl_stats_median_from_sorted_data(x, 1, (size_t)n);
}

/* The yardstick: M/M/1 with a plain binary heap of (time, kind) and no
 * handler dispatch, no cancel support, no payload.  Same generator. */
struct bev { double t; int kind; };

static void bheap_push(struct bev *h, int *n, struct bev e)
{
	int i = (*n)++;
	while (i > 0) {
		int p = (i - 1) / 2;
		if (h[p].t <= e.t)
			break;
		h[i] = h[p];
		i = p;
	}
	h[i] = e;
}

static struct bev bheap_pop(struct bev *h, int *n)
{
	struct bev top = h[0], e = h[--*n];
	int i = 0;
	for (;;) {
		int c = 2 * i + 1;
		if (c >= *n)
			break;
		if (c + 1 < *n && h[c + 1].t < h[c].t)
			c++;
		if (h[c].t >= e.t)
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = e;
	return top;
}

static double bare_mm1(int64_t customers, double lambda, double mu, double *mean_wait)
{
	gsl_rng *ra = rng_stream(1, 0, RNG_MODEL_QUEUE, 0), *rs = rng_stream(1, 0, RNG_MODEL_QUEUE, 1);
	struct bev heap[4];
	int n = 0, busy = 0;
	size_t cap = 1 << 16, head = 0, len = 0;
	double *fifo = malloc(cap * sizeof *fifo), sum = 0;
	int64_t served = 0;
	double t0 = now_s();
	bheap_push(heap, &n, (struct bev){ gsl_ran_exponential(ra, 1 / lambda), 0 });
	while (served < customers) {
		struct bev e = bheap_pop(heap, &n);
		if (e.kind == 0) {
			bheap_push(heap, &n, (struct bev){ e.t + gsl_ran_exponential(ra, 1 / lambda), 0 });
			if (!busy) {
				busy = 1;
				served++;
				bheap_push(heap, &n, (struct bev){ e.t + gsl_ran_exponential(rs, 1 / mu), 1 });
			} else {
				if (len == cap)
					break; /* far beyond any plausible M/M/1 queue at rho 0.9 */
				fifo[(head + len++) % cap] = e.t;
			}
		} else if (len > 0) {
			sum += e.t - fifo[head];
			head = (head + 1) % cap;
			len--;
			served++;
			bheap_push(heap, &n, (struct bev){ e.t + gsl_ran_exponential(rs, 1 / mu), 1 });
		} else {
			busy = 0;
		}
	}
	double dt = now_s() - t0;
	*mean_wait = sum / (double)served;
	free(fifo);
	gsl_rng_free(ra);
	gsl_rng_free(rs);
	return dt;
}

/* Hold model: n pending events; each operation pops the earliest and pushes
 * one at t + Exp(1). */
static double hold(size_t n, size_t ops, uint64_t *checksum)
{
	gsl_rng *r = rng_stream(2, 0, RNG_MODEL_KERNEL, n);
	evq *q = evq_alloc(n + 1);
	struct evq_ev e = { 0 };
	for (size_t i = 0; i < n; i++) {
		e.t = gsl_ran_exponential(r, 1.0);
		evq_push(q, &e);
	}
	double t0 = now_s();
	uint64_t sum = 0;
	for (size_t i = 0; i < ops; i++) {
		struct evq_ev out;
		evq_pop(q, &out);
		sum += out.seq;
		e.t = out.t + gsl_ran_exponential(r, 1.0);
		evq_push(q, &e);
	}
	double dt = now_s() - t0;
	*checksum = sum;
	evq_free(q);
	gsl_rng_free(r);
	return dt;
}

static const char usage[] =
	"usage: dais bench des [--customers N] [--repeat K]\n\n"
	"Measures the discrete-event core on one thread: the M/M/1 queue\n"
	"(rho = 0.9) with N customers (default 10^7), beside a bare binary-heap\n"
	"M/M/1 loop, and the hold model with 10^4 and 10^6 pending events.\n"
	"Each figure is the median of K runs (default 5).  The inference engine's\n"
	"benchmark is 'make bench-engine'.\n";

int cmd_bench(int argc, char **argv)
{
	long long customers = 10000000;
	int repeat = 5;
	const char *what = NULL;
	struct cli c;
	cli_begin(&c, argc, argv, usage);
	while (cli_next(&c))
		if (!cli_int(&c, "--customers", 1000, 1000000000000LL, &customers) &&
		    !cli_intv(&c, "--repeat", 1, 100, &repeat) && !cli_arg(&c, &what))
			cli_unknown(&c);
	if (cli_end(&c, what != NULL))
		return c.status;
	if (strcmp(what, "des")) {
		fprintf(stderr, "dais bench: unknown benchmark '%s' (known: des; the engine's is "
		                "'make bench-engine')\n", what);
		return DAIS_EXIT_USAGE;
	}
	double *t_dais = calloc((size_t)repeat, sizeof(double));
	double *t_bare = calloc((size_t)repeat, sizeof(double));
	double *t_h4 = calloc((size_t)repeat, sizeof(double));
	double *t_h6 = calloc((size_t)repeat, sizeof(double));
	if (!t_dais || !t_bare || !t_h4 || !t_h6)
		return DAIS_EXIT_FAIL;
	struct queue_params p = { .servers = 1, .arrival_rate = 0.9, .service_rate = 1.0,
	                          .customers = customers, .warmup = 0 };
	struct queue_result res = { 0 };
	double bare_wait = 0;
	const size_t hold_ops = 4000000;
	uint64_t ck;
	for (int k = 0; k < repeat; k++) {
		double t0 = now_s();
		if (queue_simulate(&p, 1, k, &res) != SIM_OK)
			return DAIS_EXIT_FAIL;
		t_dais[k] = now_s() - t0;
		t_bare[k] = bare_mm1(customers, 0.9, 1.0, &bare_wait);
		t_h4[k] = hold(10000, hold_ops, &ck);
		t_h6[k] = hold(1000000, hold_ops, &ck);
	}
	double td = median(t_dais, repeat), tb = median(t_bare, repeat);
	double wq = queue_mmc_wait(1, 0.9, 1.0);
	printf("dais bench des (one thread, median of %d runs)\n", repeat);
	printf("  M/M/1 rho=0.9, %lld customers\n", (long long)customers);
	printf("    dais event core   %8.3f s  %7.2f M customers/s  %7.2f M events/s\n", td,
	       customers / td / 1e6, (double)res.events / td / 1e6);
	printf("    bare binary heap  %8.3f s  %7.2f M customers/s   (yardstick, same run)\n", tb,
	       customers / tb / 1e6);
	printf("    ratio dais/bare   %8.2f\n", tb / td);
	printf("    mean wait %.4f s (analytic %.4f, rel. error %+.2f%%)\n", res.mean_wait, wq,
	       100 * (res.mean_wait - wq) / wq);
	printf("  hold model, %zu operations\n", hold_ops);
	printf("    10^4 pending      %8.3f s  %7.2f M hold ops/s\n", median(t_h4, repeat),
	       hold_ops / median(t_h4, repeat) / 1e6);
	printf("    10^6 pending      %8.3f s  %7.2f M hold ops/s\n", median(t_h6, repeat),
	       hold_ops / median(t_h6, repeat) / 1e6);
	free(t_dais);
	free(t_bare);
	free(t_h4);
	free(t_h6);
	return DAIS_EXIT_OK;
}
