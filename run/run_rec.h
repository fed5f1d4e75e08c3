/* run_rec.h — a recorder (sim/rec.h) packed into a self-contained byte
 * string and back: how a finished replication is saved in the parts
 * directory (run_out.h) and sent from a worker rank to rank 0 (sweep_mpi.c).
 *
 *     unsigned char *b; size_t n;
 *     if (run_rec_pack(r, &b, &n)) ...          // SIM_ENOMEM
 *     rec *copy = run_rec_unpack(b, n);         // equal to r; NULL if b is not one
 *     free(b);
 *
 * About the packed form: fields follow each other without padding, numbers
 * in the machine's byte order (the bytes are read back by the same build):
 *
 *     "DAISREC1"                      8 bytes, the magic
 *     t_units                         str
 *     ns                              u64, samples
 *     t[ns]                           f64, the sample times
 *     nseries                         u32, then for each series:
 *         name, units                 str, str
 *         ncols, named                u32, u32 (1 when the columns have names,
 *                                     2 when their dimension is named too)
 *         colname[ncols]              str, only when named
 *         dim                         str, only when named is 2
 *         data[ns][ncols]             f64, sample by sample
 *     nscalars                        u32, then for each: name str, units str, value f64
 *     nevents                         u64, then for each: t f64, kind str, id u64, value f64
 *     nnotes                          u32, then for each: key str, value str
 *     checksum                        u64, FNV-1a 64 of every byte before it
 *
 * where str is a u32 length and that many bytes (no NUL).  Unpacking checks
 * everything before it trusts it (the fuzz target tests/fuzz/fuzz_rec.c
 * feeds it arbitrary bytes): the magic, the checksum, every length against
 * what is left, the names (rec_valid_name, no duplicate series), no bytes
 * left over; and pack(unpack(b)) == b for every b it accepts.
 */
#ifndef DAIS_RUN_REC_H
#define DAIS_RUN_REC_H

#include <stddef.h>

#include "sim/rec.h"
#include "sim/status.h"

/* Packs r into a malloc'd byte string (*buf, *len; the caller frees *buf). */
sim_status run_rec_pack(const rec *r, unsigned char **buf, size_t *len) SIM_MUST_CHECK;

/* A new recorder equal to the one buf[0..len) was packed from (the caller
 * frees it with rec_free), or NULL when the bytes are not a packed recorder
 * (bad magic, truncated, failed checksum, invalid content) or memory ran out. */
rec *run_rec_unpack(const unsigned char *buf, size_t len);

/* FNV-1a 64 of a string, the packed form's checksum, as 16 hex digits into
 * hex[17]: the scenario hash of the parts manifest (run_out.h). */
void run_hash_hex(const char *text, char hex[17]);

#endif
