/* status.h — error codes, diagnostics and assertions shared by every DAIS module.
 *
 * Two kinds of failure, two paths:
 *   - bad input or a failing system call is an error: the function returns a
 *     sim_status and, where the caller passed one, appends a message to a
 *     caller-owned sim_diag, so that every problem in a file is reported at once;
 *   - a broken invariant is a bug: SIM_ASSERT aborts with file:line:expression.
 *
 * Messages follow one form, lowercase and without a final period:
 *     scenarios/x.json: $.demand.growth_per_year: expected number, got string
 *     scenarios/x.json:14:7: parse error near ']'
 */
#ifndef DAIS_STATUS_H
#define DAIS_STATUS_H

#include <stdio.h>

typedef enum sim_status {
	SIM_OK = 0,
	SIM_EINVAL,   /* bad input: scenario, parameter, file contents, usage */
	SIM_ENOMEM,   /* allocation failed */
	SIM_EIO,      /* file system: open, write, rename, disk full */
	SIM_ERANGE,   /* a value or a count outside what can be represented */
	SIM_EINTR,    /* interrupted by a signal; partial work was discarded */
	SIM_ENOTSUP,  /* not supported by this build or this machine */
	SIM_EINTERNAL /* a bug caught at run time */
} sim_status;

/* Exit statuses of the dais command. */
enum { DAIS_EXIT_OK = 0, DAIS_EXIT_FAIL = 1, DAIS_EXIT_USAGE = 2 };

#define SIM_MUST_CHECK __attribute__((warn_unused_result))
#define SIM_PRINTF(f, a) __attribute__((format(printf, f, a)))

const char *sim_strerror(sim_status s);

/* The exit status for a status: bad input gives 2, other failures 1. */
int sim_exit_code(sim_status s);

/* A command-line integer: the whole of s in decimal, within [lo, hi].
 * Returns 1 and sets *out, or 0 (empty, trailing characters, overflow, out
 * of range) and leaves *out alone. */
int sim_parse_int(const char *s, long long lo, long long hi, long long *out);

/* About sim_diag: a growable list of messages owned by the caller.  Functions
 * that validate input append to it and keep going; the caller prints them all.
 * Embed it and pair diag_init with diag_release. */
typedef struct sim_diag {
	int n;        /* messages held */
	int cap;      /* allocated slots */
	char **msg;   /* (n,) malloc'd strings */
} sim_diag;

void diag_init(sim_diag *d);
void diag_release(sim_diag *d);
void diag_clear(sim_diag *d);
/* Appends one formatted message. Never fails: on allocation failure it keeps a
 * count and a static "out of memory" message.  d may be NULL (no messages). */
void diag_add(sim_diag *d, const char *fmt, ...) SIM_PRINTF(2, 3);
/* Text from the input quoted in a message, cut to DIAG_CUT bytes (at a
 * character boundary) with "..." after: a megabyte-long value is not echoed
 * back whole.  buf holds at least DIAG_CUT + 4 bytes; returns buf. */
#define DIAG_CUT 64
const char *diag_cut(char *buf, const char *s);

/* Prints every message, one per line, with an optional prefix ("dais: "). */
void diag_print(const sim_diag *d, FILE *f, const char *prefix);

/* Aborts with the location when a program invariant does not hold. */
#define SIM_ASSERT(c) \
	((c) ? (void)0 : sim_assert_fail(#c, __FILE__, __LINE__))
_Noreturn void sim_assert_fail(const char *expr, const char *file, int line);

#endif
