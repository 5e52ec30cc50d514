/*
 * MPI for the command line (docs/scale-out.md): the library never calls
 * MPI; the wirescan command gives it a ws_dist made of MPI collectives
 * when it was started by mpirun or srun, and is one plain process
 * otherwise. Built without MPI (WS_MPI undefined) every function here
 * says "one process".
 */
#ifndef WS_MPI_H
#define WS_MPI_H

#include "wirescan.h"

/* Initialise MPI when the launcher's environment says this process is a
 * rank (Open MPI's OMPI_COMM_WORLD_SIZE, PMIx's PMIX_RANK, PMI's
 * PMI_RANK); otherwise do nothing. */
void ws_mpi_init(int *argc, char ***argv);
/* Finish MPI after a run: status 0, or a failure every rank agreed on.
 * A failure only this rank knows of (failed == 1 and not agreed) aborts
 * the whole job with that status so that no rank waits forever. Returns
 * status. */
int ws_mpi_finish(int status);
int ws_mpi_rank(void); /* 0 without MPI */
int ws_mpi_size(void); /* 1 without MPI */
/* The ws_dist of this job; NULL in one process. */
const ws_dist *ws_mpi_dist(void);
/* 1 once a collective that carries the run's outcome has completed on this
 * rank (every rank then knows whether the run failed). */
int ws_mpi_agreed(void);
/* Collective: the largest status over every rank (ingest --shards). */
int ws_mpi_max_status(int status);

#endif
