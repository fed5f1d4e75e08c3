/* sweep_mpi.h — a sweep's points spread over MPI ranks (make MPI=1).
 *
 *     mpirun -n N build/dais-mpi sweep SWEEP.json ...
 *
 * sweep_mpi.c is built twice: into libdais with stubs (one rank, no MPI),
 * and with mpicc for build/dais-mpi, whose object comes before the library
 * in the link.  The command (cli/sweep.c) chooses: sweep_mpi_run when there
 * is more than one rank, sweep_run otherwise; the two give the same files.
 */
#ifndef DAIS_SWEEP_MPI_H
#define DAIS_SWEEP_MPI_H

#include "sweep.h"

/* Initialises MPI when this binary has it; *rank and *size (0 and 1 without
 * MPI or under a plain launch). */
void sweep_mpi_init(int *argc, char ***argv, int *rank, int *size);
void sweep_mpi_finalize(void);
/* 1 when this binary was built with MPI. */
int sweep_mpi_built(void);
/* Runs the sweep's points over the ranks: rank 0 hands out (point,
 * replication) tasks and writes the files; every rank computes.  Results
 * equal sweep_run's.  status is filled on rank 0 only. */
sim_status sweep_mpi_run(const sweep *w, const struct sweep_opts *o, int *status,
                         sim_diag *d) SIM_MUST_CHECK;

#endif
