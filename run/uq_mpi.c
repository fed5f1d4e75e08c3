/* uq_mpi.c — the ranks' exchange of `dais uncertainty` (run/uq.h).  Built
 * twice, as run/sweep_mpi.c is: into libdais without DAIS_MPI (one rank, the
 * functions do nothing), and with mpicc for build/dais-mpi, whose object
 * comes before the library in the link.  MPI itself is started and ended by
 * sweep_mpi_init and sweep_mpi_finalize.
 *
 * About the exchange: every rank computes its share of a chunk's points
 * (uq_run.c); the values travel as raw bytes (MPI_BYTE), so rank 0's copy is
 * bit-identical to what the rank computed, whatever the rank count.
 */
#include "uq.h"

#ifndef DAIS_MPI

void uq_mpi_merge(double *y, unsigned char *done, size_t rows, size_t r0, size_t r1, int nout)
{
	(void)y;
	(void)done;
	(void)rows;
	(void)r0;
	(void)r1;
	(void)nout;
}

void uq_mpi_and(int *flag) { (void)flag; }

void uq_mpi_rank(int *rank, int *size)
{
	*rank = 0;
	*size = 1;
}

#else /* DAIS_MPI */

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

static int mpi_up(void)
{
	int up = 0, down = 0;
	MPI_Initialized(&up);
	if (up)
		MPI_Finalized(&down);
	return up && !down;
}

void uq_mpi_rank(int *rank, int *size)
{
	*rank = 0;
	*size = 1;
	if (mpi_up()) {
		MPI_Comm_rank(MPI_COMM_WORLD, rank);
		MPI_Comm_size(MPI_COMM_WORLD, size);
	}
}

void uq_mpi_and(int *flag)
{
	int rank, size;
	uq_mpi_rank(&rank, &size);
	if (size > 1) {
		int in = *flag != 0;
		MPI_Allreduce(&in, flag, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
	}
}

/* Sends or broadcasts n bytes in pieces MPI's int counts can hold. */
static void bcast_bytes(void *p, size_t n)
{
	for (size_t at = 0; at < n; at += INT_MAX / 2) {
		size_t m = n - at < (size_t)INT_MAX / 2 ? n - at : (size_t)INT_MAX / 2;
		MPI_Bcast((char *)p + at, (int)m, MPI_BYTE, 0, MPI_COMM_WORLD);
	}
}

void uq_mpi_merge(double *y, unsigned char *done, size_t rows, size_t r0, size_t r1, int nout)
{
	int rank, size;
	uq_mpi_rank(&rank, &size);
	if (size <= 1)
		return;
	size_t nr = r1 - r0, rowb = (size_t)nout * sizeof *y;
	if (nr > 0) {
		if (rank != 0) {
			MPI_Send(done + r0, (int)nr, MPI_BYTE, 0, 11, MPI_COMM_WORLD);
			MPI_Send(y + r0 * nout, (int)(nr * rowb), MPI_BYTE, 0, 12, MPI_COMM_WORLD);
		} else {
			unsigned char *dn = malloc(nr);
			double *yy = malloc(nr * rowb);
			if (!dn || !yy)
				MPI_Abort(MPI_COMM_WORLD, 1);
			for (int src = 1; src < size; src++) {
				MPI_Recv(dn, (int)nr, MPI_BYTE, src, 11, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
				MPI_Recv(yy, (int)(nr * rowb), MPI_BYTE, src, 12, MPI_COMM_WORLD,
				         MPI_STATUS_IGNORE);
				for (size_t r = 0; r < nr; r++)
					if (dn[r] && !done[r0 + r]) {
						done[r0 + r] = 1;
						memcpy(y + (r0 + r) * nout, yy + r * nout, rowb);
					}
			}
			free(dn);
			free(yy);
		}
	}
	/* every rank learns which points are done (they share the next chunks
	 * by counting the pending ones) */
	bcast_bytes(done, rows);
}

#endif /* DAIS_MPI */
