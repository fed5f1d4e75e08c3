/* h5i_int.h — what the reader's two files share (not for users of h5i.h). */
#ifndef DAIS_H5I_INT_H
#define DAIS_H5I_INT_H

#include <hdf5.h>

#include "sim/status.h"

/* 1 when every object header of the open file loads in full (attributes
 * included), following hard links only, each group once; else 0 and a
 * message per object that fails (at most 20).  Called before anything else
 * reads the file: libhdf5 1.10.8 reports a bad header checksum only once. */
int h5i_headers_ok(hid_t file, const char *name, sim_diag *d);

#endif
