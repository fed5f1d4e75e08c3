/* trace.c — reading, checking and writing request traces. */
#include "trace.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/csv.h"

sim_status trace_init(struct trace *tr, int n)
{
	memset(tr, 0, sizeof *tr);
	size_t m = n > 0 ? (size_t)n : 1;
	tr->arrival_s = calloc(m, sizeof *tr->arrival_s);
	tr->prompt = calloc(m, sizeof *tr->prompt);
	tr->output = calloc(m, sizeof *tr->output);
	tr->source = strdup("");
	tr->path = strdup("");
	if (!tr->arrival_s || !tr->prompt || !tr->output || !tr->source || !tr->path) {
		trace_release(tr);
		return SIM_ENOMEM;
	}
	tr->n = n;
	return SIM_OK;
}

void trace_release(struct trace *tr)
{
	free(tr->arrival_s);
	free(tr->prompt);
	free(tr->output);
	free(tr->source);
	free(tr->path);
	memset(tr, 0, sizeof *tr);
}

/* A token count: an integer in [1, TRACE_MAX_TOKENS]. */
static int check_tokens(const csv *t, int row, int col, int32_t *out, int *nerr, sim_diag *d,
                        sim_diag *sink)
{
	double v;
	if (csv_num(t, row, col, &v, *nerr < TRACE_MAX_ERRORS ? d : sink) != SIM_OK) {
		++*nerr;
		return 0;
	}
	const char *why = NULL;
	if (v != floor(v))
		why = "expected an integer token count";
	else if (v < 1)
		why = "expected at least 1 token";
	else if (v > TRACE_MAX_TOKENS)
		why = "expected at most 1048576 tokens";
	if (why) {
		if (++*nerr <= TRACE_MAX_ERRORS)
			diag_add(d, "%s:%d: column '%s': %s, got '%s'", csv_path(t), csv_line(t, row),
			         csv_header(t, col), why, csv_cell(t, row, col));
		return 0;
	}
	*out = (int32_t)v;
	return 1;
}

sim_status trace_read(struct trace *tr, const char *path, sim_diag *d)
{
	memset(tr, 0, sizeof *tr);
	sim_diag local;
	diag_init(&local);
	csv *t = csv_read(path, &local);
	if (!t) {
		for (int i = 0; i < local.n; i++)
			diag_add(d, "%s", local.msg[i]);
		int io = local.n > 0 && strstr(local.msg[0], "cannot open") != NULL;
		diag_release(&local);
		return io ? SIM_EIO : SIM_EINVAL;
	}
	diag_release(&local);
	sim_status st = SIM_EINVAL;
	int ca = csv_require(t, "arrival_s", d);
	int cp = csv_require(t, "prompt_tokens", d);
	int co = csv_require(t, "output_tokens", d);
	if (ca < 0 || cp < 0 || co < 0)
		goto done;
	int n = csv_nrows(t);
	if (n == 0) {
		diag_add(d, "%s: no requests (a header but no rows)", path);
		goto done;
	}
	if (trace_init(tr, n) != SIM_OK) {
		st = SIM_ENOMEM;
		diag_add(d, "%s: out of memory", path);
		goto done;
	}
	int nerr = 0;
	double prev = 0.0;
	sim_diag sink;  /* swallows messages past TRACE_MAX_ERRORS */
	diag_init(&sink);
	int prev_line = 0;
	for (int i = 0; i < n; i++) {
		double a;
		if (csv_num(t, i, ca, &a, nerr < TRACE_MAX_ERRORS ? d : &sink) != SIM_OK) {
			nerr++;
		} else if (a < 0) {
			if (++nerr <= TRACE_MAX_ERRORS)
				diag_add(d, "%s:%d: column 'arrival_s': expected a time >= 0, got '%s'",
				         path, csv_line(t, i), csv_cell(t, i, ca));
		} else if (prev_line && a < prev) {
			if (++nerr <= TRACE_MAX_ERRORS)
				diag_add(d, "%s:%d: column 'arrival_s': times must not decrease, got %s "
				         "after %.17g on line %d", path, csv_line(t, i), csv_cell(t, i, ca),
				         prev, prev_line);
		} else {
			tr->arrival_s[i] = a;
			prev = a;
			prev_line = csv_line(t, i);
		}
		check_tokens(t, i, cp, &tr->prompt[i], &nerr, d, &sink);
		check_tokens(t, i, co, &tr->output[i], &nerr, d, &sink);
	}
	diag_release(&sink);
	if (nerr > TRACE_MAX_ERRORS)
		diag_add(d, "%s: %d more problems not shown", path, nerr - TRACE_MAX_ERRORS);
	if (nerr) {
		trace_release(tr);
		goto done;
	}
	free(tr->source);
	free(tr->path);
	tr->source = strdup(csv_source(t));
	tr->path = strdup(path);
	if (!tr->source || !tr->path) {
		trace_release(tr);
		st = SIM_ENOMEM;
		goto done;
	}
	st = SIM_OK;
done:
	csv_free(t);
	return st;
}

void trace_print(const struct trace *tr, const char *source, FILE *out)
{
	fprintf(out, "# source: %s\narrival_s,prompt_tokens,output_tokens\n", source ? source : "");
	for (int i = 0; i < tr->n; i++)
		fprintf(out, "%.9f,%d,%d\n", tr->arrival_s[i], tr->prompt[i], tr->output[i]);
}
