/* progress.h — "done/total, elapsed, ETA" on stderr for the long commands
 * (calibrate, capacity, validate-serving, sweep, uncertainty).
 *
 *     struct progress p;
 *     progress_begin(&p, "sweep", nreplications, quiet);
 *     ... progress_add(&p, 1);            // from any thread, as work ends
 *     progress_end(&p);
 *
 * shows, rewritten in place:
 *
 *     sweep: 25/100, elapsed 10s, eta 30s
 *
 * ETA = elapsed x (total - done) / done over the work done in this run; none
 * before the first unit ends.  Work that needed no time (replications kept by
 * --resume) is counted with progress_skip: it shows in done/total and is left
 * out of the ETA.
 *
 * About the terminal: nothing is printed with quiet or when stderr is not a
 * terminal (a log file or a pipe gets no progress lines, and no \r), so a
 * batch job's output stays as it was.  On a terminal the line is redrawn at
 * most once every PROGRESS_EVERY_S seconds, and erased by progress_end.
 * Other output while it shows must not land on its line: call
 * progress_clear before printing (the next update redraws it), or print
 * through progress_stream.
 *
 * About threads: progress_add and progress_skip may be called from OpenMP
 * threads at once (an atomic counter, the drawing in a critical section);
 * they only count and print, so results do not depend on them.  The other
 * calls are for the thread that began it.
 */
#ifndef DAIS_PROGRESS_H
#define DAIS_PROGRESS_H

#include <stddef.h>
#include <stdio.h>

#define PROGRESS_EVERY_S 1.0

struct progress {
	FILE *out;              /* NULL: off */
	const char *what;       /* "sweep", "capacity" */
	long total, done, skipped;
	double t0, last;        /* clock at begin, at the last drawing (-inf: redraw) */
	double (*clock)(void);  /* seconds, monotonic */
	int width;              /* characters of the line on the terminal, 0: none */
	FILE *stream;           /* progress_stream's, closed by progress_end */
	FILE *stream_to;
	int midline;            /* the stream's last line is not finished: no drawing */
	int own_out;            /* out was opened here (/dev/tty): progress_end closes it */
};

/* On when !quiet and stderr is a terminal; total units of work. */
void progress_begin(struct progress *p, const char *what, long total, int quiet);
/* The same onto out (NULL: off), with a given clock (NULL: monotonic): for
 * tests, which need neither a terminal nor time to pass. */
void progress_begin_to(struct progress *p, const char *what, long total, FILE *out,
                       double (*clock)(void));

/* The same for rank 0 of an MPI run, whose own streams cannot tell: mpirun
 * (Open MPI) gives the ranks a pseudo-terminal for stdout even when its own
 * output goes to a file, and a pipe for stderr.  The line goes to the
 * controlling terminal (/dev/tty) when there is one: never into redirected
 * output, and not at all in a batch job, which has none. */
void progress_begin_tty(struct progress *p, const char *what, long total, int quiet);

/* The total, when counting it costs: after begin, once p->out says it shows. */
void progress_set_total(struct progress *p, long total);

void progress_add(struct progress *p, long n);   /* n units done */
void progress_skip(struct progress *p, long n);  /* n units that need no work */
void progress_clear(struct progress *p);         /* erase the line for a while */
void progress_end(struct progress *p);           /* erase it for good */

/* A stream for lines printed while the progress shows (a command's log): what
 * is written goes to `to`, the progress line erased first and redrawn after
 * a line break.  `to` itself when off; closed by progress_end. */
FILE *progress_stream(struct progress *p, FILE *to);

/* ---- the text, as pure functions --------------------------------------- */

/* "42s", "3m05s", "1h02m" for s seconds (rounded to the second). */
void progress_duration(char *buf, size_t n, double s);

/* "what: done+skipped/total, elapsed E, eta T"; no eta while done is 0 or
 * when nothing is left. */
void progress_format(char *buf, size_t n, const char *what, long done, long skipped,
                     long total, double elapsed);

#endif
