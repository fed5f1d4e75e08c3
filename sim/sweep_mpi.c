/* sweep_mpi.c — distributed sweeps: rank 0 hands out (point, replication)
 * tasks and writes the results; compiled with MPI only when DAIS_MPI is
 * defined (make MPI=1 builds build/dais-mpi with it), else stubs. */
#include "sweep.h"

#ifndef DAIS_MPI

void sweep_mpi_init(int *argc, char ***argv, int *rank, int *size)
{
	(void)argc;
	(void)argv;
	*rank = 0;
	*size = 1;
}

void sweep_mpi_finalize(void) {}

int sweep_mpi_built(void) { return 0; }

sim_status sweep_mpi_run(const sweep *w, const struct sweep_opts *o, int *status, sim_diag *d)
{
	(void)w;
	(void)o;
	(void)status;
	diag_add(d, "this dais was built without MPI (make MPI=1 builds build/dais-mpi)");
	return SIM_ENOTSUP;
}

#else
#error "MPI driver: not yet"
#endif
