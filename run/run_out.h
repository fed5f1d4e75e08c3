/* run_out.h — the output side of a run: the results file, written in
 * replication order, and the parts directory that saves every finished
 * replication at once so that an interrupted run can be resumed.
 *
 * run_scenario (run.h) drives it; the sweep drivers (sweep.h, the MPI one on
 * rank 0) use the same calls, so their files equal those of `dais run`:
 *
 *     run_out *w;
 *     if (run_out_open(s, "out.h5", resume, threads, &w, &d)) ...
 *     for every rep < run_out_nrep(w) with !run_out_saved(w, rep), in any
 *     order and on any thread or rank:     ... run it into rec *r ...
 *         run_out_put(w, rep, r, &d);       // serialised by the caller
 *     run_out_commit(w, &d);                // out.h5 appears, whole
 *     run_out_free(w);
 *
 * About ordering: replications finish in any order; whoever finds the next
 * one in index order ready writes it (and any that follow) to the results
 * file, so the file is laid out the same whatever the thread or rank count,
 * and memory holds only the replications that wait.  The results file is
 * written under a temporary name ("OUT.tmp.<pid>", h5/h5o.h) and renamed by
 * run_out_commit; run_out_free before the commit leaves nothing at OUT.
 *
 * About the parts directory, "OUT.parts/":
 *
 *     manifest          "dais-parts 1\nscenario_hash H\nreplications N\n",
 *                       H = run_hash_hex of the resolved scenario's JSON
 *     rep_0000.rec      replication 0, packed (run_rec.h), then ...
 *     rep_0001.rec      ... one file per saved replication (%04d, wider past 9999)
 *
 * Every file is written atomically (a temporary "NAME.tmp.<pid>" beside it,
 * fsync, rename: sim/file.h), so a file that exists is whole; one that fails
 * the packed form's checks anyway (a damaged disk) counts as missing.
 *
 * About resuming (the rules of run_out_open):
 *   - without resume, a directory left by an earlier run is emptied (its
 *     rep_* and manifest* files) and a new manifest written;
 *   - with resume, "OUT.tmp.<pid>" results files of processes that no
 *     longer run are removed first; then
 *   - with resume and a manifest naming this scenario's hash and N, every
 *     rep_K.rec (0 <= K < N) that unpacks counts as saved and temporaries of
 *     interrupted writes are removed; the driver runs only the rest, and OUT
 *     equals that of an uninterrupted run, byte for byte in its datasets (a
 *     replication's numbers depend only on the seed and its index);
 *   - with resume and a manifest of another scenario: SIM_EINVAL, "OUT.parts:
 *     the saved replications belong to another scenario ...; run without
 *     --resume to start over", and the directory is left as it is;
 *   - with resume and no readable manifest: as without resume.
 * After a successful commit the directory is removed.  After a failure or an
 * interrupt it is kept when it holds a replication (for --resume), else
 * removed.  A finished OUT is recognised by run_file_check, which the
 * drivers call first: --resume keeps it and runs nothing.
 *
 * Not thread-safe (HDF5): the caller serialises every call on one w.
 */
#ifndef DAIS_RUN_OUT_H
#define DAIS_RUN_OUT_H

#include <stdio.h>

#include "sim/rec.h"
#include "sim/scn.h"
#include "sim/status.h"

typedef struct run_out run_out;

/* What the results file keeps (dais run --keep): everything; the summary and
 * each replication's scalars (the replications' series and events go to a
 * scratch file in memory, summarised, and are dropped); or only scalars,
 * each replication's and their summary.  The root attribute "keep" says which. */
enum { RUN_KEEP_ALL = 0, RUN_KEEP_SUMMARY, RUN_KEEP_SCALARS };
/* "all", "summary", "scalars" -> RUN_KEEP_*; -1 for anything else. */
int run_keep_parse(const char *s);
const char *run_keep_name(int keep);

/* Creates OUT's temporary file and writes the provenance (the resolved
 * scenario, its seed, replications and threads); prepares the parts directory
 * as the resume rules say.  On error *w is NULL and d has the messages:
 * SIM_EIO (unwritable), SIM_EINVAL (parts of another scenario), SIM_ENOMEM. */
sim_status run_out_open(const scn *s, const char *out, int resume, int threads, int keep,
                        run_out **w, sim_diag *d) SIM_MUST_CHECK;
int run_out_nrep(const run_out *w);
/* 1 when replication rep is saved already (or was put). */
int run_out_saved(const run_out *w, int rep);
int run_out_nsaved(const run_out *w);

/* Hands over a finished replication (r is taken, even on error): saves it to
 * the parts directory, then writes what is ready in index order.  A second
 * put of the same rep is dropped.  Not SIM_OK once anything has failed. */
sim_status run_out_put(run_out *w, int rep, rec *r, sim_diag *d) SIM_MUST_CHECK;

/* Records a failure from outside (a replication that failed): the first
 * failure is kept, and once there is one nothing more goes to the results
 * file (the parts are still saved). */
void run_out_fail(run_out *w, sim_status st);
/* SIM_OK, or the first failure so far. */
sim_status run_out_status(const run_out *w);
/* A numeric attribute on the results file's root (e.g. the wall time). */
sim_status run_out_attr_num(run_out *w, const char *name, double v) SIM_MUST_CHECK;

/* Writes the summary over replications (analysis/summary.h), commits OUT and
 * removes the parts directory.  Every replication must be saved
 * (SIM_EINTERNAL with a message otherwise).  An interrupt (sim_interrupted)
 * up to the final rename gives SIM_EINTR and nothing at OUT. */
sim_status run_out_commit(run_out *w, sim_diag *d) SIM_MUST_CHECK;
/* Removes the temporary OUT; keeps the parts (for --resume) unless there are
 * none.  NULL is a no-op. */
void run_out_free(run_out *w);

/* The scalars of the replications written so far, in index order, for the
 * summary printed by `dais run` (NULL-safe). */
void run_out_print_summary(const run_out *w, FILE *f);

/* What is at out, for --resume:
 *   RUN_FILE_NONE     nothing, or a file that is not a results file;
 *   RUN_FILE_DONE     a finished run of s (the same resolved scenario, a
 *                     summary, and every checksum good): keep it, run nothing;
 *   RUN_FILE_DAMAGED  a run of s that fails a checksum or has no summary:
 *                     run it again (it is ours to replace);
 *   RUN_FILE_OTHER    a run of another scenario: not ours to replace. */
enum run_file { RUN_FILE_NONE = 0, RUN_FILE_DONE, RUN_FILE_DAMAGED, RUN_FILE_OTHER };
enum run_file run_file_check(const char *out, const scn *s);

/* Removes what a finished OUT no longer needs: OUT.parts/ and the temporaries
 * of dead processes.  A run killed between the final rename and the removal
 * of its parts leaves them; a driver that finds OUT finished (above) calls
 * this before keeping it. */
void run_out_tidy(const char *out);

#endif
