/* trace.h — request arrival traces for the serving model (CSV).
 *
 * A trace is a CSV file (sim/csv.h conventions: '#' comments, a "# source:"
 * line kept as provenance) with the header
 *
 *     arrival_s,prompt_tokens,output_tokens
 *     0.013,71,198
 *     0.250,12,644
 *
 * Other columns are allowed and ignored.  Rules, each reported with
 * file:line and column: arrival times are finite, >= 0 and never decrease
 * (equal times are batch arrivals); token counts are integers in
 * [1, TRACE_MAX_TOKENS]; at least one request.  Every problem in the file is
 * reported (up to TRACE_MAX_ERRORS), not only the first.
 *
 *     struct trace tr;
 *     if (trace_read(&tr, "tests/traces/good/small.csv", &d) != SIM_OK) ... print d
 *     for (int i = 0; i < tr.n; i++) use(tr.arrival_s[i], tr.prompt[i], tr.output[i]);
 *     trace_release(&tr);
 */
#ifndef DAIS_TRACE_H
#define DAIS_TRACE_H

#include <stdint.h>
#include <stdio.h>

#include "sim/status.h"

#define TRACE_MAX_TOKENS (1 << 20)  /* longer requests are treated as bad data */
#define TRACE_MAX_ERRORS 20

struct trace {
	int n;               /* requests */
	double *arrival_s;   /* (n,) s from the trace's origin, non-decreasing */
	int32_t *prompt;     /* (n,) prompt tokens */
	int32_t *output;     /* (n,) output tokens */
	char *source;        /* the "# source:" text, "" when none; owned */
	char *path;          /* as given; owned */
};

/* Reads and checks a trace; on error returns SIM_EINVAL (bad contents),
 * SIM_EIO (cannot read) or SIM_ENOMEM with messages in d, and leaves *tr
 * empty (trace_release is still safe). */
sim_status trace_read(struct trace *tr, const char *path, sim_diag *d) SIM_MUST_CHECK;

/* Allocates an empty trace of n requests (values zero); SIM_ENOMEM on failure. */
sim_status trace_init(struct trace *tr, int n) SIM_MUST_CHECK;

/* Prints a trace in the format above, with a "# source:" line, to a stream
 * the caller opened (models do not write files). */
void trace_print(const struct trace *tr, const char *source, FILE *out);

void trace_release(struct trace *tr);

#endif
