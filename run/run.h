/* run.h — running a scenario: replications in parallel, results to HDF5.
 *
 *   dais run SCENARIO [-o OUT.h5] [--seed N] [--replications R] [--threads T]
 *            [--set path=value]... [--quiet] [--resume]
 *
 * Replications run in parallel on an OpenMP team (--threads, default: all
 * cores).  Each owns its simulator, its streams (derived from the master seed
 * and its index) and its recorder, so its numbers do not depend on which
 * thread runs it or when.  Finished replications are written in index order,
 * so the results file is the same whatever the thread count.
 *
 * The file is written under a temporary name and renamed at the end; on an
 * error or an interrupt (SIGINT, SIGTERM) nothing is left at the target.
 *
 * About resuming: every finished replication is also saved at once, each in
 * its own file written atomically (temporary name, fsync, rename), in the
 * sidecar directory "OUT.h5.parts/" (rep_0000.rec, ...), beside a manifest
 * holding a hash of the resolved scenario.  A run that dies (SIGKILL, power,
 * a full disk) or is interrupted leaves that directory; `--resume` keeps the
 * saved replications, runs only the missing ones and writes OUT.h5 as an
 * uninterrupted run would (the same datasets, byte for byte: a replication's
 * numbers depend only on the seed and its index).  A manifest for another
 * scenario is refused with a message.  Without --resume a stale directory is
 * cleared; after a successful commit it is removed.  A .rec file is the
 * recorder packed by run_rec_pack, followed by a checksum; one that fails the
 * check is treated as missing and its replication is run again.
 */
#ifndef DAIS_RUN_H
#define DAIS_RUN_H

#include <stdint.h>

#include <stddef.h>
#include <stdio.h>

#include "sim/model.h"
#include "sim/rec.h"
#include "sim/scn.h"
#include "sim/status.h"

struct run_opts {
	const struct model_type *const *models; /* the model types (models/registry.h) */
	const char *out;     /* results file */
	int threads;         /* 0 = OpenMP default */
	int quiet;           /* no progress bar, no summary on stdout */
	int resume;          /* keep the replications saved in OUT.parts/ */
};

/* Runs a loaded scenario; messages go to d. */
sim_status run_scenario(const scn *s, const struct run_opts *o, sim_diag *d) SIM_MUST_CHECK;

/* ---- the output side, for drivers that compute replications elsewhere ----
 * run_scenario is run_out_open, then run_out_put for every replication not
 * yet saved (in any order), then run_out_commit.  The MPI sweep driver uses
 * the same calls on rank 0, so its files equal those of `dais run`.
 * Single-threaded (HDF5): serialise the calls. */
typedef struct run_out run_out;

/* Creates OUT's temporary file and writes the provenance; prepares the parts
 * directory (cleared, or kept when resume and its manifest matches s; stale
 * temporary files of dead processes are removed then).  On error *w is NULL
 * and d has the messages: SIM_EIO (unwritable), SIM_EINVAL (parts of another
 * scenario), SIM_ENOMEM. */
sim_status run_out_open(const scn *s, const char *out, int resume, int threads,
                        run_out **w, sim_diag *d) SIM_MUST_CHECK;
int run_out_nrep(const run_out *w);
/* 1 when replication rep is saved already (or was put). */
int run_out_saved(const run_out *w, int rep);
int run_out_nsaved(const run_out *w);
/* Hands over a finished replication (r is taken, even on error): saves it to
 * the parts directory, then writes what is ready in index order. */
sim_status run_out_put(run_out *w, int rep, rec *r, sim_diag *d) SIM_MUST_CHECK;
/* Writes the summary, commits OUT and removes the parts directory.  Every
 * replication must be saved. */
sim_status run_out_commit(run_out *w, sim_diag *d) SIM_MUST_CHECK;
/* Removes the temporary OUT; keeps the parts (for --resume) unless there are
 * none.  NULL is a no-op. */
void run_out_free(run_out *w);
/* The scalars of the replications written so far, in index order, for the
 * summary printed by `dais run` (NULL-safe). */
void run_out_print_summary(const run_out *w, FILE *f);

/* Packs a recorder into a self-contained byte string (caller frees *buf);
 * run_rec_unpack rebuilds an equal recorder, or NULL when the bytes are not
 * one (bad magic, truncated, checksum).  Used for the parts files and for
 * MPI messages. */
sim_status run_rec_pack(const rec *r, unsigned char **buf, size_t *len) SIM_MUST_CHECK;
rec *run_rec_unpack(const unsigned char *buf, size_t len);

/* 1 when out is a results file whose stored scenario is s (resolved JSON
 * equal), i.e. a finished run that --resume keeps; 0 otherwise. */
int run_file_matches(const char *out, const scn *s);

/* FNV-1a 64 of a string, as 16 hex digits into hex[17] (scenario hashes). */
void run_hash_hex(const char *text, char hex[17]);

/* Installs SIGINT/SIGTERM handlers that raise sim_interrupted (a second
 * signal removes temporary results files and exits at once). */
void run_install_signals(void);

#endif
