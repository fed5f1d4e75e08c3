/* spawn.h — starting an external program (gnuplot) without a shell.
 *
 *     const char *argv[] = { "gnuplot", "fig.gp", NULL };
 *     struct spawn_opts o = { .cwd = dir, .env = (const char *[]){ "GNUTERM=unknown", NULL } };
 *     if (spawn_run(argv, &o, &d)) ...
 *
 * The program gets its arguments as a vector: a user's path or a name read
 * from a results file is one argument, never text a shell parses, so quotes,
 * $(...), backticks and newlines in it stay text.  This is the only place in
 * DAIS that starts a process (posix_spawn, which is safe in a process with
 * OpenMP threads, unlike fork followed by work in the child).
 */
#ifndef DAIS_SPAWN_H
#define DAIS_SPAWN_H

#include "status.h"

struct spawn_opts {
	const char *cwd;          /* working directory of the child; NULL: ours */
	const char *const *env;   /* NULL-terminated "NAME=value" added to (or
	                           * replacing in) our environment; may be NULL */
	int quiet;                /* nonzero: the child's stdout and stderr go to /dev/null */
};

/* 1 when prog (a bare name) is an executable file in a directory of $PATH. */
int spawn_have(const char *prog);

/* Runs argv[0] (looked up in $PATH) with argv and waits for it.  SIM_OK when
 * it exits with status 0; otherwise SIM_EIO and a message naming the program
 * and how it ended (could not start, exit status N, signal N).  o may be NULL. */
sim_status spawn_run(const char *const *argv, const struct spawn_opts *o,
                     sim_diag *d) SIM_MUST_CHECK;

#endif
